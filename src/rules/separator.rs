//! The shared check behind DD101, DD106, DD107 and DD108 for a value followed by `?`, `;` or
//! `,` and another parameter: the separator written where `&` belongs
//! (`name=ticket?ticket_id=…`, `ticket_id=[srnumber]?action=approve`). The portal reads one
//! long value, and the parameter after it is lost.

use super::wrong_case::{canonical_key, held_twice, meant_elsewhere};
use super::{Findings, LinkSite, Rule};
use crate::diagnostic::{Diagnostic, Edit, Fix};
use std::ops::Range;

/// Which keys may follow the separator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NextKey {
    /// Any key written as one (`name=ticket?ticketid=…` is still a separated pair).
    Any,
    /// Only a deep-link parameter: an id may hold a `,` or `;` of its own.
    Known,
}

/// Reports the value at `range` under `rule` when it is a value `is_value` accepts, a
/// separator and a `key=` pair; `true` when it is (and a finding was made).
pub(super) fn check(
    site: &LinkSite,
    findings: &mut Findings,
    rule: &'static Rule,
    range: Range<usize>,
    is_value: impl Fn(&str) -> bool,
    next_key: NextKey,
    read_as: &str,
) -> bool {
    let value = site.str(range.clone());
    let Some((before, separator)) = separated(value, &is_value, next_key) else {
        return false;
    };
    let at = range.start + before.len();
    let diagnostic = Diagnostic::new(
        rule,
        site.span(range),
        format!(
            "`{separator}` after `{before}` stands where `&` separates parameters: the portal reads `{value}` as {read_as}"
        ),
    );
    findings.push(match key_twice(site, &value[before.len() + 1..]) {
        // Separated, the key would stand beside the one the link has already (DD109): which
        // of the two is meant is not this fix's to say.
        Some(key) => diagnostic.with_help(held_twice(key)),
        None => diagnostic
            .with_help(format!("write `&` instead of `{separator}`"))
            .with_fix(Fix::safe(vec![Edit::replace(
                site.span(at..at + separator.len_utf8()),
                site.ampersand(),
            )])),
    });
    true
}

/// The value before the first `?`, `;` or `,` of `value`, and that separator, when the value
/// is one `is_value` accepts and a `key=` pair follows.
fn separated(
    value: &str,
    is_value: impl Fn(&str) -> bool,
    next_key: NextKey,
) -> Option<(&str, char)> {
    let at = value.find(['?', ';', ','])?;
    let (before, rest) = value.split_at(at);
    let separator = rest.chars().next()?;
    let (key, _) = rest[1..].split_once('=')?;
    let written_as_key =
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let known = next_key == NextKey::Any || canonical_key(key).is_some();
    (written_as_key && known && is_value(before)).then_some((before, separator))
}

/// The known key the pair after the separator (`rest`) names that the link has already.
fn key_twice(site: &LinkSite, rest: &str) -> Option<&'static str> {
    let known = canonical_key(rest.split('=').next()?)?;
    meant_elsewhere(site, None, known).then_some(known)
}
