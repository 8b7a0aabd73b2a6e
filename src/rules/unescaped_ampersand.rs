use super::{Findings, LinkSite, Origin};
use crate::charref::{Ampersand, classify, legacy_names};
use crate::command::spec;
use crate::command::token::{TokenShape, tokens};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity, Span};

declare_rule! {
    /// ## What it does
    /// Reports a bare `&` between deep-link parameters in HTML, where it should be written
    /// `&amp;`. It is an error when the `&` is followed by a legacy entity name such as
    /// `quot`, `not`, `para`, `copy`, `reg`, `lt` or `gt`, and a warning otherwise. A link
    /// such a tool has already rewritten (`name=quote"e_id=…`, from `&quote_id=`) is an
    /// error too: the character stands where `&quot` was. So is a `"` that ends a quoted
    /// `href` just before a deep-link parameter (`…ticket_id=[srnumber]"action=approve">`):
    /// the parameter after it becomes an attribute of its own.
    ///
    /// ## Why is this bad?
    /// In HTML, `&` starts a character reference. Browsers happen to leave `&ticket_id=` alone,
    /// but `&quote_id=` is read as `"e_id=` by HTML editors, PSA template editors and
    /// sanitisers that decode legacy entities without a semicolon, and the parameter is lost.
    /// `&amp;` means `&` everywhere.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quote&quote_id=QABV829">Quote</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quote&amp;quote_id=QABV829">Quote</a>
    /// ```
    ///
    /// ## Fix
    /// `&` becomes `&amp;`, which every HTML parser reads back as `&`: a safe fix. The
    /// character of a rewritten link becomes `&amp;` and the name it was read from
    /// (`&amp;quot`), which gives back the key: a safe fix too. An `&amp` without its `;`
    /// gets it, and one split from its `;` by white space (`&amp ;ticket_id`) becomes `&amp;`
    /// whole (the white space is reported here, with the reference it splits, not by DD402
    /// too).
    pub static UNESCAPED_AMPERSAND = {
        code: "DD401",
        name: "unescaped-ampersand",
        severity: Warning,
        fix: Safe,
    };
}

/// A deep-link parameter (`key`) written as an attribute glued to the closing quote of the
/// `href` before it (`span`: that quote and the attribute): the quote stands where the `&amp;`
/// between them belongs, and the link loses the parameter. No fix: whether the quote is the
/// rest of a misread `&quot;` or a slip, and where the link was meant to end, is the
/// author's to say.
pub fn report_glued_parameter(findings: &mut Findings, span: Span, key: &str) {
    if findings.enabled(&UNESCAPED_AMPERSAND) {
        let mut diagnostic = Diagnostic::new(
            &UNESCAPED_AMPERSAND,
            span,
            format!(
                "a quote ends the `href` before `{key}=`, which becomes an attribute of its own: the link loses it"
            ),
        )
        .with_help(format!(
            "write `&amp;` for the quote before `{key}=`, and end the `href` after the link"
        ));
        diagnostic.severity = crate::diagnostic::Severity::Error;
        findings.push(diagnostic);
    }
}

/// A character in `range` of the link's text that an HTML tool made of a bare `&` and a
/// legacy name before a known key (`"` of `"e_id=`, from `&quote_id=`): its offset, the name
/// and the key.
pub fn misread_ampersand(
    site: &LinkSite,
    range: std::ops::Range<usize>,
) -> Option<(usize, &'static str, &'static str)> {
    let text = &site.text[range.clone()];
    text.char_indices().find_map(|(at, c)| {
        if c.is_ascii_alphanumeric() || c == '_' || c == '=' {
            return None;
        }
        // Compared key by key, without reading on past a key's length: a value may be long.
        let rest = &text[at + c.len_utf8()..];
        legacy_names(c).iter().find_map(|name| {
            let known = spec::all_keys().find(|known| {
                known.strip_prefix(name).is_some_and(|tail| {
                    rest.strip_prefix(tail)
                        .is_some_and(|after| after.starts_with('='))
                })
            })?;
            Some((range.start + at, *name, known))
        })
    })
}

/// `name=quote"e_id=…`: the `&quote_id=` an HTML tool read as `&quot;` + `e_id=`, reported
/// once, here, with the repair. Where each one starts.
fn check_misread(site: &LinkSite, findings: &mut Findings) -> Vec<usize> {
    let mut reported = Vec::new();
    for param in &site.link.params {
        let Some(value) = param.value.clone() else {
            continue;
        };
        let Some((at, name, key)) = misread_ampersand(site, value) else {
            continue;
        };
        let c = site.text[at..].chars().next().expect("a character at `at`");
        let span = site.span(at..at + c.len_utf8());
        let written = format!("{}{name}", site.ampersand());
        let mut diagnostic = Diagnostic::new(
            &UNESCAPED_AMPERSAND,
            span,
            format!(
                "`{c}{}=` is `&{key}=` after an HTML tool read `&{name}` as the entity `{c}`",
                &key[name.len()..]
            ),
        )
        .with_help(format!("write `{written}`, and escape every `&` in links"))
        .with_fix(Fix::safe(vec![Edit::replace(span, written)]));
        diagnostic.severity = Severity::Error;
        findings.push(diagnostic);
        reported.push(span.start);
    }
    reported
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&UNESCAPED_AMPERSAND) {
        return;
    }
    // In text, `&quote_id=` is read as `"e_id=` already: that finding says it, and the `&`
    // it was made of is not reported again.
    let misread_characters = if site.is_deep_link() {
        check_misread(site, findings)
    } else {
        Vec::new()
    };
    if !site.origin.is_html() {
        return;
    }
    let in_attribute = site.origin == Origin::Attribute;
    let raw = &site.map.raw;
    let start = site.map.raw_offset(site.range.start, false);
    let end = site.map.raw_offset(site.range.end, true);
    // A `&` inside a Liquid or Handlebars expression is the mail system's (`{% if q == 'R&D' %}`):
    // escaped, its comparison or default would change.
    let in_expressions: Vec<std::ops::Range<usize>> = if raw[start..end].contains('{') {
        tokens(&raw[start..end])
            .into_iter()
            .filter(|t| matches!(t.shape, TokenShape::Mustache | TokenShape::LiquidTag))
            .map(|t| t.range.start + start..t.range.end + start)
            .collect()
    } else {
        Vec::new()
    };
    for at in memchr::memchr_iter(b'&', &raw.as_bytes()[start..end]).map(|i| i + start) {
        if in_expressions.iter().any(|range| range.contains(&at)) {
            continue;
        }
        let (severity, message, misread) = match classify(raw, at, in_attribute) {
            Ampersand::Reference { .. } => continue,
            Ampersand::Legacy { name, decoded, .. } => (
                Severity::Error,
                format!(
                    "`&{name}` reads as the entity `{decoded}` in many HTML tools: escape the `&`"
                ),
                true,
            ),
            Ampersand::Bare => (Severity::Warning, "a bare `&` in HTML".to_owned(), false),
        };
        let span: Span = site.map.raw_span(at..at + 1);
        if misread_characters.contains(&span.start) {
            continue;
        }
        let escaped_without_semicolon = misread
            && raw.as_bytes()[at + 1..]
                .get(..3)
                .is_some_and(|name| name.eq_ignore_ascii_case(b"amp"));
        let mut diagnostic = if escaped_without_semicolon {
            unterminated_amp(site, at, end)
        } else {
            Diagnostic::new(&UNESCAPED_AMPERSAND, span, message)
                .with_help("write `&amp;`")
                .with_fix(Fix::safe(vec![Edit::replace(span, "&amp;")]))
        };
        diagnostic.severity = severity;
        diagnostic.misread = misread;
        findings.push(diagnostic);
    }
}

/// The finding for the `&amp` at `at` of the raw text that lacks its `;` (the link's raw text
/// ends at `end`).
fn unterminated_amp(site: &LinkSite, at: usize, end: usize) -> Diagnostic {
    if let Some(end) = spaced_semicolon(&site.map.raw, at + 4, end) {
        // `&amp ;ticket_id`: the `;` is the reference's, split off by white space (reported
        // here, not by DD402 too); a `;` inserted before the space would start the next key.
        let whole = site.map.raw_span(at..end);
        return Diagnostic::new(
            &UNESCAPED_AMPERSAND,
            whole,
            "white space splits `&amp;`: HTML tools read `&amp` and a `;` that starts the next parameter",
        )
        .with_help("write `&amp;`")
        .with_fix(Fix::safe(vec![Edit::replace(whole, "&amp;")]));
    }
    // `&amp` without its `;`: meant as an escaped `&`, which the `;` makes it (escaping its
    // `&` again would write `&amp;amp`, a parameter named `amp`).
    let name = site.map.raw_span(at..at + 4);
    Diagnostic::new(
        &UNESCAPED_AMPERSAND,
        name,
        "`&amp` lacks its `;`: HTML tools read what follows it differently",
    )
    .with_help("write `&amp;`")
    .with_fix(Fix::safe(vec![Edit::insert(name.end, ";")]))
}

/// Whether the white space at `decoded` (a range of `site.map.decoded`) splits an `&amp` from
/// its `;` (`&amp ;ticket_id`, `&amp⏎;`): this rule repairs the two whole, and reports the
/// white space with them.
pub fn splits_escaped_ampersand(site: &LinkSite, decoded: std::ops::Range<usize>) -> bool {
    if !site.origin.is_html() {
        return false;
    }
    let raw = &site.map.raw;
    let (start, end) = (
        site.map.raw_offset(decoded.start, false),
        site.map.raw_offset(decoded.end, true),
    );
    start >= 4
        && raw
            .get(start - 4..start)
            .is_some_and(|name| name.eq_ignore_ascii_case("&amp"))
        && raw.get(end..).is_some_and(|rest| rest.starts_with(';'))
}

/// The end of the `;` that `raw` has at `from` after white space, before `end`
/// (`&amp ;`, `&amp⏎;`).
fn spaced_semicolon(raw: &str, from: usize, end: usize) -> Option<usize> {
    let after = raw.get(from..end)?;
    let rest = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
    (rest.len() < after.len() && rest.starts_with(';')).then(|| end - rest.len() + 1)
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testing::{assert_rule, check, fixed};
    use crate::rules::{Origin, RuleSettings};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD401",
            &[
                "ddportal://name=ticket&amp;ticket_id=1",
                "ddportal://name=ticket&#38;ticket_id=1",
                // The mail system's own expressions keep their `&`.
                "ddportal://name=ticket&amp;ticket_id={{ Ticket.Id }}{% if Ticket.Queue == 'R&D' %}&amp;action=close{% endif %}",
                "ddportal://name=ticket_list&amp;state={{ State | default: 'A&B' }}",
            ],
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://name=quote&quote_id=Q1",
                "ddportal://name=ticket&amp;ticket_id={{ Ticket.Id }}&action=close",
            ],
        );
    }

    #[test]
    fn legacy_names_are_errors() {
        let settings = RuleSettings::default();
        let found = check(
            "ddportal://name=quote&quote_id=Q1&x=1",
            &settings,
            Origin::Attribute,
        );
        let severities: Vec<Severity> = found
            .iter()
            .filter(|d| d.code() == "DD401")
            .map(|d| d.severity)
            .collect();
        assert_eq!(severities, [Severity::Error, Severity::Warning]);
    }

    #[test]
    fn silent_in_plain_text() {
        let found = check(
            "ddportal://name=ticket&ticket_id=1",
            &RuleSettings::default(),
            Origin::PlainText,
        );
        assert!(found.iter().all(|d| d.code() != "DD401"));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            fixed(
                "DD401",
                "ddportal://name=ticket&ticket_id=1",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket&amp;ticket_id=1"
        );
        // An `&amp` that lacks its `;` gets it, wherever it stands.
        for (before, after) in [
            (
                "ddportal://name=ticket_list&amp",
                "ddportal://name=ticket_list&amp;",
            ),
            (
                "ddportal://name=ticket&ampticket_id=1",
                "ddportal://name=ticket&amp;ticket_id=1",
            ),
            // Its `;` after white space is its own, not the next key's.
            (
                "ddportal://name=ticket&amp ;ticket_id=1",
                "ddportal://name=ticket&amp;ticket_id=1",
            ),
        ] {
            assert_eq!(fixed("DD401", before, &RuleSettings::default()), after);
        }
    }
}
