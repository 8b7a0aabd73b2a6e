use std::ops::Range;

use super::{Findings, LinkSite, TextMap};
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports a deep link whose envelope (scheme, slashes, path) is not one of the two forms:
    /// `https://{portal-host}/portal/deeplink?{command}` and `ddportal://{command}`. Typical
    /// slips: `ddportal://deeplink?name=…` (the web path copied into a desktop link),
    /// `ddportal:///name=…`, `/portal/deeplink/?…`, `/deeplink?…`, `/portal/deeplink&name=…`,
    /// `/portal/deeplink/name=…`, `/Portal/DeepLink`, a scheme that lost its colon
    /// (`https//…`, `ddportal//…`), a link with no scheme at all, a relative
    /// `/portal/deeplink?…` copied from the portal's pages, and a link in a word processor's
    /// quotes (`href=“https://…”`), which the attribute holds as part of the URL.
    ///
    /// ## Why is this bad?
    /// The portal or the desktop app does not recognise the link and opens the home page, or
    /// nothing.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://deeplink?name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Fix
    /// The repair keeps the command as it is: a safe fix, where the right envelope is clear. A
    /// relative link gets the configured portal's address (`portal` in ddlink.toml); without
    /// one, it has no fix.
    pub static MALFORMED_ENVELOPE = {
        code: "DD112",
        name: "malformed-envelope",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&MALFORMED_ENVELOPE) {
        return;
    }
    for issue in &site.link.envelope_issues {
        let span = site.span(issue.range.clone());
        let found = site.str(issue.range.clone());
        let mut diagnostic = Diagnostic::new(&MALFORMED_ENVELOPE, span, issue.message.clone());
        if issue.portal_origin {
            diagnostic = match &site.settings.portal {
                Some(portal) => diagnostic
                    .with_help(format!("write the portal's address first: `{portal}`"))
                    .with_fix(Fix::safe(vec![Edit::insert(span.start, portal.origin())])),
                None => diagnostic.with_help(
                    "write the portal's address first (`https://acme.deskdirector.com/portal/deeplink?…`), or set `portal` in ddlink.toml to have it fixed",
                ),
            };
        } else if let Some(replacement) = &issue.replacement {
            let help = if replacement.is_empty() {
                format!("remove `{found}`")
            } else if found.is_empty() {
                format!("insert `{replacement}`")
            } else {
                format!("write `{replacement}` instead of `{found}`")
            };
            diagnostic = diagnostic
                .with_help(help)
                .with_fix(Fix::safe(vec![Edit::replace(span, replacement.clone())]));
        }
        findings.push(diagnostic);
    }
}

/// The quotation marks word processors write for `"` and `'` (and their European and CJK
/// kin): none belongs in a URL, and a link in prose ends at one.
pub fn is_typographic_quote(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'..='\u{201F}' // ‘ ’ ‚ ‛ “ ” „ ‟
            | '«' | '»' | '\u{2039}' | '\u{203A}' // ‹ ›
            | '\u{300C}'..='\u{300F}' // 「 」 『 』
            | '\u{301D}'..='\u{301F}' // 〝 〞 〟
            | '\u{FF02}' | '\u{FF07}' // ＂ ＇
    )
}

/// Report the typographic quotes around a link (`opening` and `closing`, ranges of
/// `map.decoded`, either may be empty), with the safe fix that removes them.
pub fn typographic_quotes(
    map: &TextMap,
    opening: Range<usize>,
    closing: Range<usize>,
    findings: &mut Findings,
) {
    if !findings.enabled(&MALFORMED_ENVELOPE) {
        return;
    }
    let quotes = |range: Range<usize>| (!range.is_empty()).then(|| map.span(range));
    let spans: Vec<_> = [quotes(opening), quotes(closing)]
        .into_iter()
        .flatten()
        .collect();
    let Some(&first) = spans.first() else {
        return;
    };
    findings.push(
        Diagnostic::new(
            &MALFORMED_ENVELOPE,
            first,
            "the link is in a word processor's quotes, which the browser reads as part of it",
        )
        .with_help("remove the quotes around the link (an `href` is quoted with `\"`)")
        .with_fix(Fix::safe(spans.into_iter().map(Edit::delete).collect())),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD112",
            &[
                "ddportal://name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket_list",
            ],
            &[
                "ddportal://deeplink?name=ticket_list",
                "ddportal:///name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink/?name=quotes",
                "https://acme.deskdirector.com/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink&name=quotes",
                "https://acme.deskdirector.com/PORTAL/deeplink?name=quotes",
                "//acme.deskdirector.com/portal/deeplink?name=quotes",
                "/portal/deeplink?name=quotes",
                "https//acme.deskdirector.com/portal/deeplink?name=quotes",
                "HTTPS/acme.deskdirector.com/portal/deeplink?name=quotes",
                "ddportal//name=quotes",
            ],
        );
    }

    #[test]
    fn repairs() {
        let settings = RuleSettings::default();
        let cases = [
            ("ddportal://deeplink?name=quotes", "ddportal://name=quotes"),
            ("ddportal:name=quotes", "ddportal://name=quotes"),
            (
                "ddportal://acme.deskdirector.com/portal/deeplink?name=quotes",
                "ddportal://name=quotes",
            ),
            (
                "ddportal://support.example.com:443/portal/deeplink/?name=quotes",
                "ddportal://name=quotes",
            ),
            (
                "https://acme.deskdirector.com/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink&name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https//acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            ("ddportal//name=quotes", "ddportal://name=quotes"),
            (
                "https://acme.deskdirector.com//portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal//deeplink//?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink/name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink//?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            ("ddportal/name=quotes", "ddportal://name=quotes"),
        ];
        for (before, after) in cases {
            assert_eq!(fixed("DD112", before, &settings), after, "{before}");
        }
        let portal = crate::command::Portal::parse("https://help.example.com").unwrap();
        let with_portal = RuleSettings::new(Some(portal), None);
        // Without a portal there is nothing to put before a relative link.
        let relative = crate::rules::testing::check(
            "/portal/deeplink?name=quotes",
            &settings,
            crate::rules::Origin::Attribute,
        );
        assert!(relative.iter().all(|d| d.fix.is_none()), "{relative:?}");
        assert_eq!(
            fixed("DD112", "/portal/deeplink?name=quotes", &with_portal),
            "https://help.example.com/portal/deeplink?name=quotes"
        );
    }

    #[test]
    fn a_lost_colon_only_counts_in_a_portal_link() {
        let hosts = crate::command::PortalHosts::default();
        for other in [
            "http//example.com/portal/x",
            "https//example.com/",
            "ddportalx",
        ] {
            assert_eq!(crate::command::parse_link(other, &hosts), None, "{other}");
        }
    }
}
