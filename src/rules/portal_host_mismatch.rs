use super::docs_placeholder_host::is_placeholder_host;
use super::malformed_envelope::MALFORMED_ENVELOPE;
use super::{Findings, LinkSite};
use crate::command::token::has_token;
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports a web portal link whose host is not the configured portal (`portal` in
    /// `ddlink.toml`, or `--portal`). Silent when no portal is configured. Hosts are compared
    /// as a browser compares them: in any case, and an internationalised name
    /// (`bücher.example.com`) as its ASCII form (`xn--bcher-kva.example.com`).
    ///
    /// ## Why is this bad?
    /// Templates copied from another tenant, a trial portal or before a move to a custom
    /// domain send recipients to a portal where they have no account.
    ///
    /// ## Example
    /// With `portal = "https://acme.deskdirector.com"`:
    /// ```html
    /// <a href="https://acme-old.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Fix
    /// The host becomes the configured one: a safe fix (it is how a portal move is applied to
    /// a whole folder of templates). Not where the scheme before it slipped into the host
    /// (`https:/a/cme.deskdirector.com`): where DD112's repair gives the host back its letter
    /// and that is the configured portal, the host is right and DD112 alone reports the link;
    /// where it has no repair, the host's start is unknown, and there is no fix.
    pub static PORTAL_HOST_MISMATCH = {
        code: "DD408",
        name: "portal-host-mismatch",
        severity: Warning,
        fix: Safe,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    let (Some(portal), Some(host)) = (&site.settings.portal, site.link.host.clone()) else {
        return;
    };
    if !findings.enabled(&PORTAL_HOST_MISMATCH) {
        return;
    }
    let found = site.str(host.clone());
    // The scheme's own port is the same origin: `acme.deskdirector.com:443` in an https link.
    let default_port = match site.link.scheme.clone().map(|scheme| site.str(scheme)) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http") => ":80",
        _ => ":443",
    };
    let origin_host = found.strip_suffix(default_port).unwrap_or(found);
    // `bücher.example.com` is the portal kept as `xn--bcher-kva.example.com`.
    if crate::command::ascii_host(origin_host).eq_ignore_ascii_case(portal.host())
        || has_token(found)
        || is_placeholder_host(found)
    {
        return;
    }
    // `https:/a/cme.…`: a slipped scheme took letters of the host, which DD112's repair gives
    // back (`https://acme.…`); where there is none, where the host starts is unknown.
    let slipped = site.link.envelope_issues.iter().find(|issue| {
        matches!(issue.portal, crate::command::PortalRepair::None)
            && issue.range.end == host.start
            && issue.range.start < host.start
    });
    let lost = match slipped.map(|issue| issue.replacement.as_deref()) {
        None => Some(""),
        Some(Some(replacement)) => replacement.split_once("//").map(|(_, lost)| lost),
        Some(None) => None,
    };
    if findings.enabled(&MALFORMED_ENVELOPE)
        && lost.is_some_and(|lost| {
            !lost.is_empty() && format!("{lost}{origin_host}").eq_ignore_ascii_case(portal.host())
        })
    {
        return;
    }
    let span = site.span(host);
    let diagnostic = Diagnostic::new(
        &PORTAL_HOST_MISMATCH,
        span,
        format!("`{found}` is not the configured portal `{}`", portal.host()),
    );
    findings.push(match lost {
        // Nothing slipped before the host: it starts where it is read.
        Some("") => diagnostic
            .with_help(format!("write `{}`", portal.host()))
            .with_fix(Fix::safe(vec![Edit::replace(span, portal.host())])),
        _ => diagnostic.with_help(format!(
            "write `https://{}`: the scheme before the host is damaged (DD112), and the host may have lost letters to it",
            portal.host()
        )),
    });
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, assert_rule_with, fixed, with_portal};

    #[test]
    fn pass_and_fail() {
        assert_rule_with(
            "DD408",
            &with_portal(),
            &[
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://ACME.deskdirector.com/portal/deeplink?name=quotes",
                "https://[your-subdomain].deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com:443/portal/deeplink?name=quotes",
                "http://acme.deskdirector.com:80/portal/deeplink?name=quotes",
                "ddportal://name=quotes",
            ],
            &[
                "https://other.deskdirector.com/portal/deeplink?name=quotes",
                "https://support.example.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com:8443/portal/deeplink?name=quotes",
                "http://acme.deskdirector.com:443/portal/deeplink?name=quotes",
            ],
        );
        assert_rule(
            "DD408",
            &["https://other.deskdirector.com/portal/deeplink?name=quotes"],
            &[],
        );
    }

    #[test]
    fn moves_to_the_configured_host() {
        assert_eq!(
            fixed(
                "DD408",
                "https://old.deskdirector.com/portal/deeplink?name=quotes",
                &with_portal()
            ),
            "https://acme.deskdirector.com/portal/deeplink?name=quotes"
        );
        let _ = RuleSettings::default();
    }
}
