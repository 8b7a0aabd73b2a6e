use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports an `<a>` or `<mj-button>` with a deep link but no label: no text, no image and
    /// no SVG graphics (`<rect>`, `<path>`, …) between its tags.
    ///
    /// Text that shows nothing is no label: white space, no-break and zero-width spaces
    /// (`&nbsp;`, `&#8203;`). A `<dd-link>` whose label is only markup
    /// (`<span class="icon"></span>`) or an Outlook-only comment keeps it when expanded, and
    /// is reported before `fix` as its link would be after it. (An empty `<dd-link>` gets
    /// the snippet's label.)
    ///
    /// ## Why is this bad?
    /// The recipient sees nothing to click. It usually means a PSA token in the label was
    /// never filled in, or an editor dropped the text.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list"></a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">My tickets</a>
    /// ```
    pub static EMPTY_LINK_LABEL = {
        code: "DD404",
        name: "empty-link-label",
        severity: Warning,
        fix: None,
    };
}

/// Called by the rewriter at the end of a link element that had no label.
pub fn report(findings: &mut Findings, start_tag: Span, element: &str) {
    if findings.enabled(&EMPTY_LINK_LABEL) {
        findings.push(
            Diagnostic::new(
                &EMPTY_LINK_LABEL,
                start_tag,
                format!("this `<{element}>` deep link has no label"),
            )
            .with_help("put the text the recipient should click between the tags"),
        );
    }
}
