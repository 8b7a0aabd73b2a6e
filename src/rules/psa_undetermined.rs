use super::Findings;
use super::psa_token_mismatch::title;
use crate::diagnostic::{Diagnostic, Span};
use crate::dialect::Dialect;

declare_rule! {
    /// ## What it does
    /// Reports a link that needs the PSA's ticket-id token (a ticket link without `ticket_id`)
    /// in a file whose dialect nothing decides: no `--psa`, no `<!-- ddlink: psa=… -->`
    /// comment, no `psa` in `ddlink.toml`, and no known tokens to detect it from.
    ///
    /// Also reports, once, at the first token in a link, a file that holds known tokens of
    /// more than one PSA (none three times as many as the others together) where nothing else
    /// decides: some of its links' tokens are wrong, and which ones depends on the PSA.
    ///
    /// ## Why is this bad?
    /// `[srnumber]`, `[Ticket: ID]` and `{{ Ticket.Id }}` are not interchangeable, and a wrong
    /// guess sends every recipient to a ticket that does not exist. ddlink does not guess.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;action=approve">Approve</a>
    /// ```
    ///
    /// ## Use instead
    /// Say which PSA sends the template, in the file:
    /// ```html
    /// <!-- ddlink: psa=autotask -->
    /// ```
    /// or with `psa = "autotask"` in `ddlink.toml` (an `[[overrides]]` entry for a folder), or
    /// `--psa autotask`.
    pub static PSA_UNDETERMINED = {
        code: "DD205",
        name: "psa-undetermined",
        severity: Error,
        fix: None,
    };
}

/// Called when the document ends without a dialect and a finding at `span` needed one. On a
/// link, this finding stands for the DD103 (missing-required-param) there: one defect, one
/// finding, the more specific one.
pub fn report(findings: &mut Findings, span: Span) {
    if findings.enabled(&PSA_UNDETERMINED) {
        findings.push(undetermined(span));
    }
}

/// What is said of a ticket link (or placeholder) at `span` that lacks `ticket_id` in a
/// template of unknown PSA.
pub fn undetermined(span: Span) -> Diagnostic {
    Diagnostic::new(&PSA_UNDETERMINED, span, "`name=ticket` needs `ticket_id`, and which PSA fills it in is unknown")
        .with_help("say which PSA it is, and `ddlink fix` adds its ticket-id token: `<!-- ddlink: psa=connectwise|autotask|deskdirector -->`, `psa` in ddlink.toml, or --psa")
}

/// Called when the document ends without a dialect because its known tokens belong to more
/// than one PSA (`seen`: each and how many, the most first); `span` is the first token in a
/// link.
pub fn report_mixed(findings: &mut Findings, span: Span, seen: &[(Dialect, usize)]) {
    if !findings.enabled(&PSA_UNDETERMINED) {
        return;
    }
    let counted: Vec<String> = seen
        .iter()
        .map(|&(dialect, count)| {
            let plural = if count == 1 { "" } else { "s" };
            format!("{count} {} token{plural}", title(dialect))
        })
        .collect();
    findings.push(
        Diagnostic::new(
            &PSA_UNDETERMINED,
            span,
            format!(
                "which PSA sends this template is unknown: it holds {}",
                counted.join(" and ")
            ),
        )
        .with_help("say which PSA it is, and the other PSA's tokens in links are reported: `<!-- ddlink: psa=connectwise|autotask|deskdirector -->`, `psa` in ddlink.toml, or --psa"),
    );
}
