use super::{Findings, Rule};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a `<!-- ddlink-ignore … -->` or `<!-- ddlink-ignore-file … -->` comment, or one
    /// of its codes, that suppresses nothing.
    ///
    /// ## Why is this bad?
    /// Stale suppressions hide the next real finding of that rule, and they tell readers that
    /// something here is special when it no longer is.
    ///
    /// ## Example
    /// ```html
    /// <!-- ddlink-ignore DD403: desktop-only audience -->
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Fix
    /// When none of the comment's codes is used, the comment is removed: a safe fix. A
    /// comment alone on its line goes with its line, one that ends its line with the spaces
    /// before it, so that no blank line or trailing space is left behind. When some are used,
    /// each unused code is removed from the list, with its separator: a safe fix too.
    pub static UNUSED_SUPPRESSION = {
        code: "DD601",
        name: "unused-suppression",
        severity: Warning,
        fix: Safe,
    };
}

/// `code` of a suppression comment suppressed nothing; `whole` when none of its codes did,
/// so that the comment can go, by deleting `removal` (the comment, or its line); otherwise
/// `removal` is the code and what separates it from the next.
pub fn report(findings: &mut Findings, rule: &Rule, code_span: Span, removal: Span, whole: bool) {
    if !findings.enabled(&UNUSED_SUPPRESSION) {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &UNUSED_SUPPRESSION,
        code_span,
        format!(
            "this suppression of {} ({}) suppresses nothing",
            rule.code, rule.name
        ),
    );
    diagnostic = if whole {
        diagnostic
            .with_help("remove the comment")
            .with_fix(Fix::safe(vec![Edit::delete(removal)]))
    } else {
        diagnostic
            .with_help(format!("remove {} from the comment", rule.code))
            .with_fix(Fix::safe(vec![Edit::delete(removal)]))
    };
    findings.push(diagnostic);
}
