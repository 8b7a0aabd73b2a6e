use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a document ddlink cannot read safely: bytes that are invalid in the file's
    /// encoding, markup whose meaning depends on a full HTML tree (a parsing ambiguity for a
    /// streaming parser, e.g. text inside `<select>` that might be script), or a document that
    /// needs more memory than the configured limit.
    ///
    /// ## Why is this bad?
    /// ddlink would have to guess, and a guess could corrupt the template. `check` reports what
    /// it found up to that point; `fix` leaves the file untouched.
    ///
    /// ## Example
    /// A windows-1252 file read as UTF-8, or:
    /// ```html
    /// <select><xmp><a href="ddportal://name=quotes">Quotes</a></xmp></select>
    /// ```
    ///
    /// ## Use instead
    /// Save the file in its declared encoding (or pass `--encoding`), and write markup that
    /// parses the same way everywhere.
    pub static UNPARSABLE_DOCUMENT = {
        code: "DD602",
        name: "unparsable-document",
        severity: Error,
        fix: None,
    };
}

/// Called by the rewriter when it cannot go on reading a document, or finds bad bytes.
pub fn report(findings: &mut Findings, span: Span, message: String, help: &str) {
    findings.unparsable = true;
    if findings.enabled(&UNPARSABLE_DOCUMENT) {
        findings.push(Diagnostic::new(&UNPARSABLE_DOCUMENT, span, message).with_help(help));
    }
}
