use super::{Findings, LinkSite, Origin};
use crate::command::token::token_at;
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports white space around or inside a portal link: a space or line break before or
    /// after the URL in `href`, or inside the URL (outside template tokens such as
    /// `[Ticket: ID]`, whose space is theirs).
    ///
    /// ## Why is this bad?
    /// Mail clients and the PSA's editor handle it differently: some trim it, some encode it
    /// as `%20` into the command (`ticket_id=%20123` finds no ticket), some break the link at
    /// the line break.
    ///
    /// ## Example
    /// ```html
    /// <a href=" https://acme.deskdirector.com/portal/deeplink?name=ticket_list ">Tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Fix
    /// Leading and trailing white space is trimmed: a safe fix. A line break inside the URL
    /// (an editor's wrapping) is removed with its indentation as an unsafe fix.
    pub static WHITESPACE_IN_URL = {
        code: "DD402",
        name: "whitespace-in-url",
        severity: Warning,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&WHITESPACE_IN_URL) {
        return;
    }
    if site.origin == Origin::Attribute {
        let value_len = site.map.decoded.len();
        let mut edits = Vec::new();
        if site.range.start > 0 {
            edits.push(Edit::delete(site.map.span(0..site.range.start)));
        }
        if site.range.end < value_len {
            edits.push(Edit::delete(site.map.span(site.range.end..value_len)));
        }
        if !edits.is_empty() {
            let span = site.map.span(0..value_len);
            findings.push(
                Diagnostic::new(&WHITESPACE_IN_URL, span, "white space around the link")
                    .with_help("remove it")
                    .with_fix(Fix::safe(edits)),
            );
        }
    }
    interior(site, findings);
}

fn interior(site: &LinkSite, findings: &mut Findings) {
    let bytes = site.text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if let Some(token) = token_at(site.text, at) {
            at = token.range.end;
            continue;
        }
        if !bytes[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        let run = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let range = at..at + run;
        let wrapped = bytes[range.clone()]
            .iter()
            .any(|b| matches!(b, b'\n' | b'\r' | b'\t'));
        let span = site.span(range.clone());
        let mut diagnostic =
            Diagnostic::new(&WHITESPACE_IN_URL, span, "white space inside the link");
        diagnostic = if wrapped {
            diagnostic
                .with_help("join the link onto one line")
                .with_fix(Fix::unsafe_(vec![Edit::delete(span)]))
        } else {
            diagnostic.with_help("remove the space, or put the value in a template token")
        };
        findings.push(diagnostic);
        at = range.end;
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD402",
            &[
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
            ],
            &[
                " ddportal://name=ticket_list",
                "ddportal://name=ticket_list\n",
                "ddportal://name=ticket&ticket_id= 1",
                "ddportal://name=ticket&\n    ticket_id=1",
            ],
        );
    }

    #[test]
    fn trims() {
        assert_eq!(
            fixed(
                "DD402",
                "  ddportal://name=ticket_list \n",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket_list"
        );
    }
}
