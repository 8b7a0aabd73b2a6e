use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a deep link inside another link, or a link inside a deep link: `<a>` within
    /// `<a>`. An `<a>` without `href` (`<a name="top">`, a place to land on) is no link. An
    /// `<a>` left open in a table cell ends with the cell, as the HTML tree builder ends it (at
    /// the next `<td>`, `<th>`, row or row group of that table): a link in the next cell is in
    /// no other (`<td><a href="…">Acme<td><a href="…">`). A link around a whole table holds
    /// the links in its cells.
    ///
    /// ## Why is this bad?
    /// HTML does not allow nested links. Browsers and mail clients close the outer link early,
    /// so the button renders broken and one of the two links does not work. It often comes
    /// from pasting a deep-link button into a PSA template that wraps the line in its own link.
    ///
    /// ## Example
    /// ```html
    /// <a href="[ticketurl]"><a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">Open</a></a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">Open</a>
    /// ```
    pub static NESTED_LINK = {
        code: "DD406",
        name: "nested-link",
        severity: Error,
        fix: None,
    };
}

/// Called by the rewriter for a link element opened inside another one, when either is a
/// deep link.
pub fn report(findings: &mut Findings, inner_start_tag: Span, outer_start: usize) {
    if findings.enabled(&NESTED_LINK) {
        findings.push(
            Diagnostic::new(&NESTED_LINK, inner_start_tag, "a link inside a link")
                .with_help_at(format!("close the outer link (opened at byte {outer_start}) first, or remove one of them"), outer_start),
        );
    }
}

/// Called by the rewriter for a link element in the label of a `<dd-link>` placeholder, which
/// is then left as it is: its expansion would wrap the link in another.
pub fn report_in_placeholder(
    findings: &mut Findings,
    inner_start_tag: Span,
    placeholder_start: usize,
) {
    if findings.enabled(&NESTED_LINK) {
        findings.push(
            Diagnostic::new(&NESTED_LINK, inner_start_tag, "a link inside a `<dd-link>` placeholder, which becomes a link")
                .with_help_at(format!("move this link out of the label of the `<dd-link>` at byte {placeholder_start}; until then it is not expanded"), placeholder_start),
        );
    }
}
