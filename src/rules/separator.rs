//! The shared check behind DD101, DD106, DD107 and DD108 for a value followed by `?`, `;` or
//! `,` and another parameter: the separator written where `&` belongs
//! (`name=ticket?ticket_id=…`, `ticket_id=[srnumber]?action=approve`). The portal reads one
//! long value, and the parameter after it is lost. An `amp;` there is the rest of an `&amp;`
//! whose `&` was lost (`ticket_id=[srnumber]amp;action=approve`).

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
    let Some((before, separator)) = separated(value, next_key) else {
        return false;
    };
    // `ticket_id=amp;action=…`: the value is empty (DD110 says so once it is separated).
    let remnant = amp_remnant(before, separator).filter(|stem| stem.is_empty() || is_value(stem));
    let whole = is_value(before);
    if remnant.is_none() && !whole {
        return false;
    }
    let at = range.start + before.len();
    let twice = key_twice(site, &value[before.len() + 1..]);
    let diagnostic = if let Some(stem) = remnant {
        let at = range.start + stem.len();
        let after_stem = if stem.is_empty() {
            String::new()
        } else {
            format!(" after `{stem}`")
        };
        let diagnostic = Diagnostic::new(
            rule,
            site.span(range),
            format!(
                "`{}`{after_stem} {} `&amp;` without its `&`: the portal reads `{value}` as {read_as}",
                &value[stem.len()..=before.len()],
                if whole { "may be" } else { "is" }
            ),
        );
        let stem_is = if stem.is_empty() {
            "empty".to_owned()
        } else {
            format!("`{stem}`")
        };
        let edit = Edit::replace(site.span(at..at + 4), site.ampersand());
        match (twice, whole) {
            (Some(key), _) => diagnostic.with_help(held_twice(key)),
            // `QABV829amp;…` is a value that may end in `amp` too, before a `;` written
            // for `&`: which of the two was meant is the author's to say.
            (None, true) => diagnostic
                .with_help(format!(
                    "write `{stem}{amp}` if the value is {stem_is} (an `&amp;` lost its `&`), or `{before}{amp}` if it is `{before}`",
                    amp = site.ampersand()
                ))
                .with_fix(Fix::unsafe_(vec![edit])),
            (None, false) => diagnostic
                .with_help(format!("write `{}`", site.ampersand()))
                .with_fix(Fix::safe(vec![edit])),
        }
    } else {
        let diagnostic = Diagnostic::new(
            rule,
            site.span(range),
            format!(
                "`{separator}` after `{before}` stands where `&` separates parameters: the portal reads `{value}` as {read_as}"
            ),
        );
        match twice {
            // Separated, the key would stand beside the one the link has already (DD109):
            // which of the two is meant is not this fix's to say.
            Some(key) => diagnostic.with_help(held_twice(key)),
            None => diagnostic
                .with_help(format!(
                    "write `{}` instead of `{separator}`",
                    site.ampersand()
                ))
                .with_fix(Fix::safe(vec![Edit::replace(
                    site.span(at..at + separator.len_utf8()),
                    site.ampersand(),
                )])),
        }
    };
    findings.push(diagnostic);
    true
}

/// `before` without the `amp` that ends it, when that `amp` and the `;` after it are an
/// `&amp;` that lost its `&` (`quote_id=QABV829amp;auth_remember_me=…`); empty when the
/// value was (`ticket_id=amp;action=…`).
fn amp_remnant(before: &str, separator: char) -> Option<&str> {
    let stem_len = before.len().checked_sub(3)?;
    let stem = before.get(..stem_len)?;
    (separator == ';' && before[stem_len..].eq_ignore_ascii_case("amp")).then_some(stem)
}

/// The value before the first `?`, `;` or `,` of `value`, and that separator, when a `key=`
/// pair follows.
fn separated(value: &str, next_key: NextKey) -> Option<(&str, char)> {
    let at = value.find(['?', ';', ','])?;
    let (before, rest) = value.split_at(at);
    let separator = rest.chars().next()?;
    let (key, _) = rest[1..].split_once('=')?;
    let written_as_key =
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let known = next_key == NextKey::Any || canonical_key(key).is_some();
    (written_as_key && known).then_some((before, separator))
}

/// The known key `value` holds behind a `?`, `;` or `,` written for `&`
/// (`approve;ticket_id=[srnumber]`): once separated, the link has it. Rules that report a key
/// missing leave it alone, where their fix would write it a second time.
pub fn key_behind(value: &str) -> Option<&'static str> {
    let (before, _) = separated(value, NextKey::Known)?;
    canonical_key(value[before.len() + 1..].split('=').next()?)
}

/// The known key the pair after the separator (`rest`) names that the link has already.
fn key_twice(site: &LinkSite, rest: &str) -> Option<&'static str> {
    let known = canonical_key(rest.split('=').next()?)?;
    meant_elsewhere(site, None, known).then_some(known)
}
