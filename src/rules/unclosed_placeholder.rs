use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a `<dd-link>` placeholder without its `</dd-link>`.
    ///
    /// ## Why is this bad?
    /// Without the end tag, the label runs on into the rest of the document, and the HTML
    /// parser closes the placeholder wherever its parent ends. ddlink will not guess where the
    /// label was meant to stop: the placeholder is left as it is, and the markup stays valid.
    ///
    /// ## Example
    /// ```html
    /// <p><dd-link name="ticket_list">Your tickets</p>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <p><dd-link name="ticket_list">Your tickets</dd-link></p>
    /// ```
    pub static UNCLOSED_PLACEHOLDER = {
        code: "DD410",
        name: "unclosed-placeholder",
        severity: Error,
        fix: None,
    };
}

pub fn report(findings: &mut Findings, start_tag: Span) {
    if findings.enabled(&UNCLOSED_PLACEHOLDER) {
        findings.push(
            Diagnostic::new(
                &UNCLOSED_PLACEHOLDER,
                start_tag,
                "this `<dd-link>` is never closed, so it is not expanded",
            )
            .with_help("close it with `</dd-link>` after its label"),
        );
    }
}
