use super::{Findings, LinkSite, enum_value};
use crate::command::spec::TICKET_ACTIONS;

declare_rule! {
    /// ## What it does
    /// Reports a ticket link whose `action` is not one of `chat`, `close`, `approve`,
    /// `decline`, `auto_approve`, `auto_decline`, `reopen`, `flag`, `fasttrack`, `forms`.
    ///
    /// ## Why is this bad?
    /// The portal opens the ticket and does nothing else: the "Approve" button in the e-mail
    /// approves nothing, and nobody notices until the approval is overdue.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=aprove">Approve</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=approve">Approve</a>
    /// ```
    ///
    /// ## Fix
    /// A near miss is offered as an unsafe fix (it is a guess). A `?`, `;` or `,` written
    /// after a valid action for the `&` before the next parameter becomes that `&`, safely;
    /// not where the parameter it separates is in the link already. An `amp;` there
    /// (`action=approveamp;…`, or `action=amp;…` with the value lost) is an `&amp;` that
    /// lost its `&`, and becomes `&amp;` whole.
    pub static INVALID_ACTION = {
        code: "DD106",
        name: "invalid-action",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    enum_value::check(
        site,
        findings,
        &INVALID_ACTION,
        "ticket",
        "action",
        TICKET_ACTIONS,
        "a ticket action",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        let good: Vec<String> = crate::command::spec::TICKET_ACTIONS
            .iter()
            .map(|a| format!("ddportal://name=ticket&ticket_id=1&action={a}"))
            .collect();
        let mut pass: Vec<&str> = good.iter().map(String::as_str).collect();
        pass.extend([
            "ddportal://name=ticket&ticket_id=1&action=Approve",
            "ddportal://name=ticket&ticket_id=1&action=",
            "ddportal://name=ticket&ticket_id=1&action={{ Action }}",
            "ddportal://name=ticket&ticket_id=1&action=[cf-12]",
            "ddportal://name=ticket&ticket_id=1&action=auto_[cf-3]",
            "ddportal://name=ticket&ticket_id=1&action={% if x %}approve{% else %}decline{% endif %}",
            "ddportal://name=ticket_list&action=nope",
        ]);
        assert_rule(
            "DD106",
            &pass,
            &[
                "ddportal://name=ticket&ticket_id=1&action=aprove",
                "ddportal://name=ticket&ticket_id=1&action=delete",
                "ddportal://name=ticket&ticket_id=1&action=[srnumber]",
                "ddportal://name=ticket&ticket_id=1&action=aprove[x]",
                "ddportal://name=ticket&ticket_id=1&action=approve[Ticket: ID]",
            ],
        );
    }

    #[test]
    fn suggests_an_action() {
        assert_eq!(
            fixed(
                "DD106",
                "ddportal://name=ticket&ticket_id=1&action=aprove",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket&ticket_id=1&action=approve"
        );
    }
}
