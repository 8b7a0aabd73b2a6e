//! Helpers for the pass / fail / fix tables at the bottom of each rule file.

use super::{Findings, Joined, LinkSite, Origin, RuleConfig, RuleSettings, TextMap, check_link};
use crate::command::{Portal, parse_link};
use crate::diagnostic::{Diagnostic, Edit};
use crate::dialect::{Resolved, Source};

/// Settings with `https://acme.deskdirector.com` as the configured portal.
pub fn with_portal() -> RuleSettings {
    RuleSettings::new(
        Some(Portal::parse("https://acme.deskdirector.com").unwrap()),
        None,
    )
}

/// Every diagnostic the link rules produce for `link` in an `href` (no entity decoding).
pub fn check(link: &str, settings: &RuleSettings, origin: Origin) -> Vec<Diagnostic> {
    let map = TextMap::identity(link.to_owned(), 0);
    let trimmed = link.trim_matches(|c: char| c.is_ascii_whitespace());
    let start = link.len()
        - link
            .trim_start_matches(|c: char| c.is_ascii_whitespace())
            .len();
    let joined = Joined::new(trimmed);
    let parsed = parse_link(&joined.text, &settings.hosts)
        .unwrap_or_else(|| panic!("{link} is a portal link"));
    let site = LinkSite {
        map: &map,
        range: start..start + trimmed.len(),
        text: &joined.text,
        gaps: &joined.gaps,
        link: &parsed,
        origin,
        settings,
    };
    let config = RuleConfig::default();
    let mut findings = Findings::new(&config);
    check_link(&site, &mut findings);
    // The dialect rules run when the document ends; here the document is this one link.
    let uses = super::tokens::token_uses(&site, &mut findings.strings);
    let needs = findings.take_needs();
    let resolved = Resolved {
        dialect: settings.dialect,
        source: settings.dialect.map(|_| Source::Flag),
    };
    super::tokens::check(
        &uses,
        &needs,
        &resolved,
        settings.language,
        None,
        &mut findings,
    );
    findings.into_diagnostics()
}

/// The codes reported for `link` in an `href`, with default settings.
pub fn codes(link: &str) -> Vec<&'static str> {
    codes_with(link, &RuleSettings::default())
}

pub fn codes_with(link: &str, settings: &RuleSettings) -> Vec<&'static str> {
    let mut codes: Vec<_> = check(link, settings, Origin::Attribute)
        .iter()
        .map(Diagnostic::code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Assert that `code` fires on every `fail` link and not on any `pass` link.
pub fn assert_rule(code: &str, pass: &[&str], fail: &[&str]) {
    assert_rule_with(code, &RuleSettings::default(), pass, fail);
}

pub fn assert_rule_with(code: &str, settings: &RuleSettings, pass: &[&str], fail: &[&str]) {
    for link in pass {
        assert!(
            !codes_with(link, settings).contains(&code),
            "{code} fired on {link}: {:?}",
            check(link, settings, Origin::Attribute)
        );
    }
    for link in fail {
        assert!(
            codes_with(link, settings).contains(&code),
            "{code} did not fire on {link}: {:?}",
            codes_with(link, settings)
        );
    }
}

/// The finding of `code` on `link` in an `href`.
pub fn finding(code: &str, link: &str, settings: &RuleSettings) -> Diagnostic {
    check(link, settings, Origin::Attribute)
        .into_iter()
        .find(|d| d.code() == code)
        .unwrap_or_else(|| panic!("{code} did not fire on {link}"))
}

/// Apply the edits of `code`'s fix (safe or not) to `link`.
pub fn fixed(code: &str, link: &str, settings: &RuleSettings) -> String {
    let diagnostic = finding(code, link, settings);
    let fix = diagnostic
        .fix
        .as_ref()
        .unwrap_or_else(|| panic!("{code} has no fix on {link}"));
    apply(link, &fix.edits)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| e.start);
    let mut out = String::new();
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.content);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Every text made of up to `depth` of `pieces` in a row: the inputs on which a one-pass
/// scanner is compared with the plain search it replaced.
pub fn texts_of(pieces: &[&str], depth: usize) -> Vec<String> {
    let mut texts = vec![String::new()];
    let mut last = texts.clone();
    for _ in 0..depth {
        last = last
            .iter()
            .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
            .collect();
        texts.extend(last.iter().cloned());
    }
    texts
}
