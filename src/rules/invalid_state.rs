use super::{Findings, LinkSite, enum_value};
use crate::command::spec::TICKET_LIST_STATES;

declare_rule! {
    /// ## What it does
    /// Reports a `ticket_list` link whose `state` is not `open`, `closed` or `approval`.
    ///
    /// ## Why is this bad?
    /// The portal falls back to the open tickets, so an "Awaiting your approval" link shows
    /// the wrong list.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://name=ticket_list&amp;state=approvals">Approvals</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket_list&amp;state=approval">Approvals</a>
    /// ```
    ///
    /// ## Fix
    /// A near miss is offered as an unsafe fix (it is a guess). A `?`, `;` or `,` written
    /// after a valid state for the `&` before the next parameter becomes that `&`, safely;
    /// not where the parameter it separates is in the link already. An `amp;` there
    /// (`state=approvalamp;…`, or `state=amp;…` with the value lost) is an `&amp;` that
    /// lost its `&`, and becomes `&amp;` whole.
    pub static INVALID_STATE = {
        code: "DD107",
        name: "invalid-state",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    enum_value::check(
        site,
        findings,
        &INVALID_STATE,
        "ticket_list",
        "state",
        TICKET_LIST_STATES,
        "a ticket-list state",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD107",
            &[
                "ddportal://name=ticket_list&state=open",
                "ddportal://name=ticket_list&state=closed",
                "ddportal://name=ticket_list&state=approval",
                "ddportal://name=ticket_list&state=Open",
                "ddportal://name=ticket_list",
                "ddportal://name=ticket&ticket_id=1&state=bogus",
                "ddportal://name=ticket_list&state={{ State }}",
            ],
            &[
                "ddportal://name=ticket_list&state=approvals",
                "ddportal://name=ticket_list&state=pending",
                "ddportal://name=ticket_list&state={{ Contact.Email }}",
                "ddportal://name=ticket_list&state=open[x]",
                "ddportal://name=ticket_list&state=[Ticket: Status]",
                "ddportal://name=ticket_list&state=[memberid]",
            ],
        );
    }

    #[test]
    fn suggests_a_state() {
        assert_eq!(
            fixed(
                "DD107",
                "ddportal://name=ticket_list&state=closd",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket_list&state=closed"
        );
    }
}
