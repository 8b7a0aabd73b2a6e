use super::wrong_case::canonical_key;
use super::{Findings, LinkSite};
use crate::command::spec::{CommandSpec, NAME_KEY, command_owning, is_auth_key};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a known parameter on a command that does not take it (`action` on
    /// `ticket_list`, `state` on `ticket`), and a `#fragment` on any command but `ticket`.
    ///
    /// ## Why is this bad?
    /// The portal ignores it, so whatever the template author meant by it does not happen:
    /// `name=ticket_list&action=approve` opens the list and approves nothing.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list&amp;action=approve">Approvals</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list&amp;state=approval">Approvals</a>
    /// ```
    ///
    /// ## Fix
    /// Removing the parameter is offered as an unsafe fix: it may have been meant for another
    /// command.
    pub static PARAM_NOT_ALLOWED = {
        code: "DD105",
        name: "param-not-allowed",
        severity: Warning,
        fix: Unsafe,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&PARAM_NOT_ALLOWED) {
        return;
    }
    let Some(command) = site.implied_command() else {
        return;
    };
    for (index, param) in site.link.params.iter().enumerate() {
        let Some(key) = canonical_key(site.key(param)) else {
            continue;
        };
        if !not_taken(command, key) {
            continue;
        }
        let owner =
            command_owning(key).map_or(String::new(), |c| format!(" (it belongs to `{}`)", c.name));
        findings.push(
            Diagnostic::new(
                &PARAM_NOT_ALLOWED,
                site.span(param.key.clone()),
                format!("`name={}` does not take `{key}`{owner}", command.name),
            )
            .with_help("the portal ignores it")
            .with_fix(Fix::unsafe_(vec![Edit::delete(site.removal_span(index))])),
        );
    }
    if let Some(fragment) = &site.link.fragment
        && !command.fragment_allowed
    {
        let fragment_span = site.span(fragment.clone());
        let with_hash = Span::new(fragment_span.start - 1, fragment_span.end);
        findings.push(
            Diagnostic::new(
                &PARAM_NOT_ALLOWED,
                with_hash,
                format!("`name={}` does not take a `#fragment`", command.name),
            )
            .with_help("only ticket links may point at a comment or time entry")
            .with_fix(Fix::unsafe_(vec![Edit::delete(with_hash)])),
        );
    }
}

/// Whether `name=…` of the link does not take the known `key` (DD105 reports it).
pub fn applies(site: &LinkSite, key: &str) -> bool {
    site.implied_command()
        .is_some_and(|command| not_taken(command, key))
}

fn not_taken(command: &CommandSpec, key: &str) -> bool {
    key != NAME_KEY && !is_auth_key(key) && command.key(key).is_none()
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD105",
            &[
                "ddportal://name=ticket&ticket_id=1&action=close#comment-2",
                "ddportal://name=survey&survey_id=1&campaign_id=2",
                "ddportal://name=quotes&auth_username=a@b.co&auth_token=[x]",
                "ddportal://name=nothing&state=open",
            ],
            &[
                "ddportal://name=ticket_list&action=approve",
                "ddportal://name=ticket&ticket_id=1&state=open",
                "ddportal://name=quotes&quote_id=Q1",
                "ddportal://name=quotes#top",
            ],
        );
    }

    #[test]
    fn removes_the_parameter() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed(
                "DD105",
                "ddportal://name=ticket_list&action=approve&state=open",
                &settings
            ),
            "ddportal://name=ticket_list&state=open"
        );
        assert_eq!(
            fixed("DD105", "ddportal://name=quotes#top", &settings),
            "ddportal://name=quotes"
        );
    }
}
