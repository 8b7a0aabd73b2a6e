use super::{Findings, LinkSite};
use crate::command::{Client, LinkKind};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a desktop deep link (`ddportal://…`, a legacy V1 one too) in an e-mail template.
    ///
    /// ## Why is this bad?
    /// A `ddportal://` link opens only where the DeskDirector desktop app is installed. Phones,
    /// web mail and contacts without the app get an error or nothing, and many mail clients
    /// strip unknown schemes. If every recipient has the app, say so with a suppression:
    /// `<!-- ddlink-ignore DD403: desktop-only audience -->`, or for a whole folder with
    /// `client = "desktop"` in `ddlink.toml` (or `--client desktop`): placeholders then expand
    /// to desktop links, and this rule does not report them or any other.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=[srnumber]">View ticket</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View ticket</a>
    /// ```
    pub static DESKTOP_LINK_IN_EMAIL = {
        code: "DD403",
        name: "desktop-link-in-email",
        severity: Warning,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    // A legacy V1 link (`ddportal://ticketid=…`) is a desktop link too, and stays one once
    // DD501 has made it V2: reported now, so that a suppression of this rule before it is
    // seen to be needed (and `fix` does not remove it).
    let desktop = site.link.client() == Some(Client::Desktop)
        || matches!(site.link.kind, LinkKind::LegacyV1 { .. });
    // `https://name=ticket…`: read as a desktop command, written as a web link; DD112 says
    // which of the two it may become.
    let web_scheme = site
        .link
        .envelope_issues
        .iter()
        .any(|issue| issue.portal == crate::command::PortalRepair::WebForm);
    if !desktop
        || web_scheme
        || site.settings.client == Some(Client::Desktop)
        || !findings.enabled(&DESKTOP_LINK_IN_EMAIL)
    {
        return;
    }
    let span = site
        .link
        .scheme
        .clone()
        .map_or_else(|| site.whole(), |s| site.span(s));
    findings.push(
        Diagnostic::new(
            &DESKTOP_LINK_IN_EMAIL,
            span,
            "a desktop link opens only where the DeskDirector app is installed",
        )
        .with_help("use the web form `https://{portal}/portal/deeplink?…`"),
    );
}

#[cfg(test)]
mod tests {
    use crate::command::Client;
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, assert_rule_with, with_portal};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD403",
            &["https://acme.deskdirector.com/portal/deeplink?name=quotes"],
            &[
                "ddportal://name=quotes",
                "ddportal://deeplink?name=quotes",
                "ddportal://ticketid=1",
                "ddportal://mytickets",
            ],
        );
    }

    /// With the desktop client configured, desktop links are what the recipients want (and
    /// what placeholders expand to).
    #[test]
    fn quiet_where_the_desktop_client_is_configured() {
        let settings = RuleSettings {
            client: Some(Client::Desktop),
            ..with_portal()
        };
        assert_rule_with("DD403", &settings, &["ddportal://name=quotes"], &[]);
        let web = RuleSettings {
            client: Some(Client::Web),
            ..with_portal()
        };
        assert_rule_with("DD403", &web, &[], &["ddportal://name=quotes"]);
    }
}
