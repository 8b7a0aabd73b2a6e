//! `ddlink` comments: suppressions (`<!-- ddlink-ignore CODES: reason -->` for the next
//! element or line, `<!-- ddlink-ignore-file CODES: reason -->` for the file) and the dialect
//! comment (`<!-- ddlink: psa=autotask -->`).

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Span};
use crate::dialect::Dialect;
use crate::rules::did_you_mean::closest;
use crate::rules::{Findings, RULES, Rule, malformed_directive, unused_suppression};

/// One suppression comment.
#[derive(Debug)]
pub struct Suppression {
    /// The whole comment, `<!--` to `-->`.
    pub comment: Span,
    /// The rules it names, each with where its code is written.
    pub codes: Vec<(&'static Rule, Span)>,
    /// Which of `codes` suppressed something.
    used: Vec<bool>,
    /// `None` for the whole file; otherwise the bytes it covers, once known.
    pub scope: Option<Range<usize>>,
    pub file: bool,
}

/// What a comment says to ddlink.
#[derive(Debug)]
pub enum Directive {
    Psa(Dialect),
    Suppression(Suppression),
}

/// Read a comment's text (which starts at input offset `text_base`; the whole comment is
/// `comment`). Problems with it are reported as DD603.
/// Whether a comment's text is a `ddlink` directive (`ddlink:`, `ddlink-ignore…`), read or
/// not.
pub fn is_directive(text: &str) -> bool {
    let body = text.trim_start();
    body.starts_with("ddlink:") || body.starts_with("ddlink-ignore")
}

pub fn parse(
    text: &str,
    text_base: usize,
    comment: Span,
    findings: &mut Findings,
) -> Option<Directive> {
    let lead = text.len() - text.trim_start().len();
    let body = text.trim();
    let body_span = Span::new(text_base + lead, text_base + lead + body.len());
    if let Some(rest) = body.strip_prefix("ddlink:") {
        return psa_directive(rest.trim(), body_span, findings);
    }
    let (file, rest) = if let Some(rest) = body.strip_prefix("ddlink-ignore-file") {
        (true, rest)
    } else if let Some(rest) = body.strip_prefix("ddlink-ignore") {
        (false, rest)
    } else {
        return None;
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest_base = body_span.end - rest.len();
    let (list, reason) = match rest.split_once(':') {
        Some((list, reason)) => (list, Some(reason.trim())),
        None => (rest, None),
    };
    let mut codes = Vec::new();
    let mut named_any = false;
    let mut at = 0;
    for word in list.split(|c: char| c == ',' || c.is_whitespace()) {
        let start = at;
        at += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        named_any = true;
        let span = Span::new(rest_base + start, rest_base + start + word.len());
        if let Some(rule) = crate::rules::find(word) {
            codes.push((rule, span));
        } else {
            let names = RULES.iter().flat_map(|r| [r.code, r.name]);
            let help = closest(word, names).map_or_else(
                || "`ddlink rules` lists the codes".to_owned(),
                |s| format!("did you mean `{s}`?"),
            );
            malformed_directive::report(findings, span, format!("no rule `{word}`"), help);
        }
    }
    if codes.is_empty() {
        if named_any {
            // Each unknown name was reported already.
            return None;
        }
        malformed_directive::report(
            findings,
            body_span,
            "this suppression names no rule".to_owned(),
            "write `ddlink-ignore CODE: reason`, e.g. `ddlink-ignore DD403: desktop-only audience`"
                .to_owned(),
        );
        return None;
    }
    if reason.is_none_or(str::is_empty) {
        malformed_directive::report(
            findings,
            body_span,
            "this suppression gives no reason".to_owned(),
            "say why after a colon: `ddlink-ignore DD403: desktop-only audience`".to_owned(),
        );
    }
    let used = vec![false; codes.len()];
    Some(Directive::Suppression(Suppression {
        comment,
        codes,
        used,
        scope: None,
        file,
    }))
}

fn psa_directive(rest: &str, span: Span, findings: &mut Findings) -> Option<Directive> {
    let value = rest
        .strip_prefix("psa")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('='));
    match value.map(|v| v.trim().parse::<Dialect>()) {
        Some(Ok(dialect)) => Some(Directive::Psa(dialect)),
        Some(Err(error)) => {
            malformed_directive::report(
                findings,
                span,
                error.to_string(),
                "write `ddlink: psa=connectwise`, `autotask` or `deskdirector`".to_owned(),
            );
            None
        }
        None => {
            malformed_directive::report(
                findings,
                span,
                format!("`ddlink: {rest}` is not a ddlink comment"),
                "the dialect comment reads `<!-- ddlink: psa=autotask -->`".to_owned(),
            );
            None
        }
    }
}

/// Whether `diagnostic` lies in the scope of a suppression that starts at `scope`, directly or
/// inside a link element (`extents`) that starts in it.
fn covered(diagnostic: &Diagnostic, scope: &Range<usize>, extents: &[Span]) -> bool {
    let at = diagnostic.span.start;
    scope.contains(&at)
        || extents
            .iter()
            .any(|e| scope.contains(&e.start) && e.start <= at && at < e.end.max(e.start + 1))
}

/// Drop the findings that suppressions cover, then report the suppressions (or codes) that
/// covered nothing. `enabled` says whether a rule is on: a suppression of a rule that is off
/// is not reported.
pub fn apply(
    suppressions: &mut [Suppression],
    extents: &[Span],
    mut diagnostics: Vec<Diagnostic>,
    findings: &mut Findings,
) -> Vec<Diagnostic> {
    // In place: a large document's findings are not copied.
    diagnostics.retain(|diagnostic| {
        for suppression in suppressions.iter_mut() {
            if let Some(index) = suppression
                .codes
                .iter()
                .position(|(rule, _)| std::ptr::eq(*rule, diagnostic.rule))
            {
                let applies = suppression.file
                    || suppression
                        .scope
                        .as_ref()
                        .is_some_and(|scope| covered(diagnostic, scope, extents));
                if applies {
                    suppression.used[index] = true;
                    return false;
                }
            }
        }
        true
    });
    for suppression in suppressions.iter() {
        let whole = suppression.used.iter().all(|used| !used);
        for ((rule, span), used) in suppression.codes.iter().zip(&suppression.used) {
            if !used && findings.enabled(rule) {
                unused_suppression::report(findings, rule, *span, suppression.comment, whole);
            }
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleConfig;

    fn read(text: &str) -> (Option<Directive>, Vec<&'static str>) {
        let config = RuleConfig::default();
        let mut findings = Findings::new(&config);
        let directive = parse(text, 4, Span::new(0, text.len() + 7), &mut findings);
        (
            directive,
            findings
                .diagnostics()
                .iter()
                .map(Diagnostic::code)
                .collect(),
        )
    }

    #[test]
    fn suppression_comments() {
        let (directive, problems) =
            read(" ddlink-ignore DD403, invalid-action: desktop-only audience ");
        let Some(Directive::Suppression(s)) = directive else {
            panic!("a suppression")
        };
        assert!(!s.file);
        assert_eq!(
            s.codes.iter().map(|(r, _)| r.code).collect::<Vec<_>>(),
            ["DD403", "DD106"]
        );
        assert_eq!(s.codes[0].1, Span::new(19, 24));
        assert!(problems.is_empty());

        let (directive, problems) = read(" ddlink-ignore-file DD403 ");
        assert!(matches!(
            directive,
            Some(Directive::Suppression(Suppression { file: true, .. }))
        ));
        assert_eq!(problems, ["DD603"], "a missing reason is a warning");

        let (directive, problems) = read(" ddlink-ignore DD43: x ");
        assert!(directive.is_none());
        assert_eq!(problems, ["DD603"]);
        let (directive, problems) = read(" ddlink-ignore : no codes ");
        assert!(directive.is_none());
        assert_eq!(problems, ["DD603"]);

        assert!(read(" ddlink-ignored ").0.is_none());
        assert!(read(" just a comment ").0.is_none());
    }

    #[test]
    fn psa_comments() {
        assert!(matches!(
            read(" ddlink: psa=autotask ").0,
            Some(Directive::Psa(Dialect::Autotask))
        ));
        assert!(matches!(
            read("ddlink: psa = connectwise").0,
            Some(Directive::Psa(Dialect::ConnectWise))
        ));
        assert_eq!(read(" ddlink: psa=halo ").1, ["DD603"]);
        assert_eq!(read(" ddlink: colour=blue ").1, ["DD603"]);
    }
}
