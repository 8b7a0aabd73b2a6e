use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a `ddlink` comment that ddlink cannot follow: a suppression without a reason
    /// (`<!-- ddlink-ignore DD403 -->`), without codes, or naming a rule that does not exist,
    /// a suppression ddlink does not know (`<!-- ddlink-ignore-next-line DD403: … -->`),
    /// a dialect comment with an unknown PSA (`<!-- ddlink: psa=halo -->`), and a dialect
    /// comment that contradicts an earlier one (the first decides).
    ///
    /// ## Why is this bad?
    /// A suppression without a reason is a finding nobody can re-evaluate later; an unknown
    /// code or PSA silently does nothing.
    ///
    /// ## Example
    /// ```html
    /// <!-- ddlink-ignore DD43 -->
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <!-- ddlink-ignore DD403: sent only to the service desk, which runs the desktop app -->
    /// ```
    pub static MALFORMED_DIRECTIVE = {
        code: "DD603",
        name: "malformed-directive",
        severity: Warning,
        fix: None,
    };
}

pub fn report(findings: &mut Findings, span: Span, message: String, help: String) {
    if findings.enabled(&MALFORMED_DIRECTIVE) {
        findings.push(Diagnostic::new(&MALFORMED_DIRECTIVE, span, message).with_help(help));
    }
}
