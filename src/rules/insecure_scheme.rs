use super::{Findings, LinkSite};
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports a portal link that uses `http://` instead of `https://`.
    ///
    /// ## Why is this bad?
    /// The first request travels in clear text: the command, and any auth token in it, can be
    /// read or altered on the way, and some mail clients warn about or block the link.
    ///
    /// ## Example
    /// ```html
    /// <a href="http://acme.deskdirector.com/portal/deeplink?name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Fix
    /// `http` becomes `https`: a safe fix (the portal serves only HTTPS).
    pub static INSECURE_SCHEME = {
        code: "DD307",
        name: "insecure-scheme",
        severity: Error,
        fix: Safe,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&INSECURE_SCHEME) {
        return;
    }
    let Some(scheme) = site.link.scheme.clone() else {
        return;
    };
    if !site.str(scheme.clone()).eq_ignore_ascii_case("http") {
        return;
    }
    let span = site.span(scheme);
    findings.push(
        Diagnostic::new(&INSECURE_SCHEME, span, "portal links must use https")
            .with_help("write `https`")
            .with_fix(Fix::safe(vec![Edit::replace(span, "https")])),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD307",
            &[
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
                "ddportal://name=quotes",
            ],
            &[
                "http://acme.deskdirector.com/portal/deeplink?name=quotes",
                "HTTP://acme.deskdirector.com/portal/v2/tickets",
                "http://acme.deskdirector.com/?gtoken=x",
            ],
        );
        assert_eq!(
            fixed(
                "DD307",
                "http://acme.deskdirector.com/portal/deeplink?name=quotes",
                &RuleSettings::default()
            ),
            "https://acme.deskdirector.com/portal/deeplink?name=quotes"
        );
    }
}
