use super::{Findings, LinkSite, legacy_v1_link};
use crate::command::Param;
use crate::command::spec::{self, ValueKind};
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports keys and fixed words written in the wrong case: `Ticket_ID`, `ticketId`,
    /// `name=Ticket`, `action=Approve`, `state=OPEN`, `auth_remember_me=True`.
    ///
    /// ## Why is this bad?
    /// Deep-link keys and their fixed values are case-sensitive lowercase snake_case. The portal
    /// ignores `Ticket_ID` as an unknown key, and the link opens the wrong page or none.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=Ticket&amp;ticketId=[srnumber]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    ///
    /// ## Fix
    /// Lowercasing (and `camelCase` to `snake_case`) keeps the meaning: a safe fix.
    pub static WRONG_CASE = {
        code: "DD111",
        name: "wrong-case",
        severity: Error,
        fix: Safe,
    };
}

/// A known key behind escaped ampersands: `amp;ticket_id` (`&amp;amp;ticket_id` in HTML, or
/// `&amp;ticket_id` in plain text, where no entity is decoded) is `ticket_id`, and so is
/// `Amp;ticket_id` (`&Amp;ticket_id`: character references are case-sensitive, so HTML reads
/// a bare `&` there). The key, and how many bytes of `amp;` stand before it.
pub fn behind_escaped_ampersand(key: &str) -> Option<(&'static str, usize)> {
    let mut rest = key;
    while rest.len() >= 4 && rest.as_bytes()[..4].eq_ignore_ascii_case(b"amp;") {
        rest = &rest[4..];
    }
    if rest.len() == key.len() {
        return None;
    }
    canonical_key(rest).map(|known| (known, key.len() - rest.len()))
}

/// The known key a parameter's key stands for once repaired: spelt in any case, behind an
/// ampersand escaped once too often (`amp;ticket_id`), or percent-encoded (`%61ction`). Two
/// parameters that stand for one key must not both be repaired into it (DD109).
pub fn meant_key(key: &str) -> Option<&'static str> {
    canonical_key(key)
        .or_else(|| behind_escaped_ampersand(key).map(|(meant, _)| meant))
        .or_else(|| super::unknown_param::percent_decoded_key(key))
}

pub use crate::command::spec::after_unterminated_amp;

/// Whether a parameter of the link other than `except` stands for `known` (see
/// [`meant_key`]): a fix that writes `known` would repeat it.
pub fn meant_elsewhere(site: &LinkSite, except: Option<&Param>, known: &str) -> bool {
    site.link.params.iter().any(|other| {
        !except.is_some_and(|except| std::ptr::eq(other, except))
            && meant_key(site.key(other)) == Some(known)
    })
}

/// The help of a finding whose fix is withheld since it would repeat `known`.
pub fn held_twice(known: &str) -> String {
    format!("the link has `{known}` already: keep one of the two and remove the other")
}

/// The known key that `key` spells, in any case or as camelCase; `None` for unknown keys.
pub fn canonical_key(key: &str) -> Option<&'static str> {
    // Asked for every parameter of every link by several rules: a set, and no snake_case copy
    // of a key that has no capital letter to change (known keys are all lowercase).
    static KNOWN: std::sync::OnceLock<
        std::collections::HashSet<&'static str, foldhash::fast::FixedState>,
    > = std::sync::OnceLock::new();
    let known = KNOWN.get_or_init(|| spec::all_keys().collect());
    if let Some(known) = known.get(key) {
        return Some(known);
    }
    if !key.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    known.get(to_snake_case(key).as_str()).copied()
}

fn to_snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut previous_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The fixed words a key's value must be one of, if it has such a list.
fn fixed_words(key: &str) -> Option<&'static [&'static str]> {
    match key {
        spec::NAME_KEY => None,
        _ => match spec::command_owning(key)
            .and_then(|c| c.key(key))
            .or_else(|| spec::auth_key(key))
            .map(|k| k.kind)
        {
            Some(ValueKind::OneOf(words)) => Some(words),
            Some(ValueKind::Bool) => Some(&["true", "false"]),
            _ => None,
        },
    }
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&WRONG_CASE) {
        return;
    }
    // `TicketID=5` without `name` is the V1 `ticketid=` (DD501), whose fix names the page too.
    let v1 = legacy_v1_link::v1_pair(site).map(|(param, _)| param);
    for param in &site.link.params {
        if v1.is_some_and(|v1| std::ptr::eq(v1, param)) {
            continue;
        }
        let key = site.key(param);
        let canonical = canonical_key(key);
        if let Some(known) = canonical.filter(|known| *known != key) {
            let span = site.span(param.key.clone());
            let diagnostic = Diagnostic::new(
                &WRONG_CASE,
                span,
                format!("`{key}` must be written `{known}`"),
            );
            // Renaming a key the link has already would repeat it (DD109): which of the two
            // values is meant is for a person to say.
            findings.push(if meant_elsewhere(site, Some(param), known) {
                diagnostic.with_help(held_twice(known))
            } else {
                diagnostic
                    .with_help("deep-link keys are lowercase snake_case")
                    .with_fix(Fix::safe(vec![Edit::replace(span, known)]))
            });
        }
        let (Some(known), Some(value)) = (canonical, site.value(param)) else {
            continue;
        };
        let lower = value.to_ascii_lowercase();
        if lower == value {
            continue;
        }
        let valid_lowercase = if known == spec::NAME_KEY {
            spec::command_spec(&lower).is_some()
        } else {
            fixed_words(known).is_some_and(|words| words.contains(&lower.as_str()))
        };
        if valid_lowercase {
            let span = site.span(param.value.clone().expect("value present"));
            findings.push(
                Diagnostic::new(
                    &WRONG_CASE,
                    span,
                    format!("`{value}` must be written `{lower}`"),
                )
                .with_help(format!("`{known}` values are lowercase"))
                .with_fix(Fix::safe(vec![Edit::replace(span, lower)])),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_key;
    use crate::rules::testing::{assert_rule, check, fixed};
    use crate::rules::{Origin, RuleSettings};

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_key("ticket_id"), Some("ticket_id"));
        assert_eq!(canonical_key("Ticket_ID"), Some("ticket_id"));
        assert_eq!(canonical_key("ticketId"), Some("ticket_id"));
        assert_eq!(canonical_key("TicketID"), Some("ticket_id"));
        assert_eq!(canonical_key("NAME"), Some("name"));
        assert_eq!(canonical_key("ticketid"), None);
    }

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD111",
            &[
                "ddportal://name=ticket&ticket_id=1&action=approve",
                "ddportal://name=ticket_list&state=approval&auth_remember_me=false",
                "ddportal://name=Tiket",
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
            ],
            &[
                "ddportal://Name=ticket_list",
                "ddportal://name=Ticket_List",
                "ddportal://name=ticket&ticketId=1",
                "ddportal://name=ticket&ticket_id=1&action=Approve",
                "ddportal://name=ticket_list&state=OPEN",
                "ddportal://name=login&auth_username=a@b.co&auth_token=[x]&auth_remember_me=True",
            ],
        );
    }

    #[test]
    fn lowercases() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed("DD111", "ddportal://NAME=quotes", &settings),
            "ddportal://name=quotes"
        );
        assert_eq!(
            fixed("DD111", "ddportal://name=QUOTES", &settings),
            "ddportal://name=quotes"
        );
    }

    /// `Ticket_ID` beside `ticket_id` (or beside `TICKET_ID`): renamed, the key would be
    /// there twice.
    #[test]
    fn no_fix_that_would_repeat_a_key() {
        let settings = RuleSettings::default();
        for (link, miscased) in [
            ("ddportal://name=ticket&ticket_id=1&Ticket_ID=2", 1),
            ("ddportal://Name=ticket&name=ticket_list", 1),
            ("ddportal://name=ticket&Ticket_ID=1&TICKET_ID=2", 2),
            ("ddportal://Name=ticket&NAME=ticket_list", 2),
        ] {
            let diagnostics = check(link, &settings, Origin::Attribute);
            let wrong_case: Vec<_> = diagnostics.iter().filter(|d| d.code() == "DD111").collect();
            assert_eq!(wrong_case.len(), miscased, "{link}: {diagnostics:?}");
            for diagnostic in wrong_case {
                assert!(diagnostic.fix.is_none(), "{link}");
                assert!(
                    diagnostic.help().is_some_and(|h| h.contains("already")),
                    "{link}"
                );
            }
        }
    }
}
