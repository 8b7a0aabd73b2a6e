use super::{Findings, LinkSite};
use crate::command::LinkKind;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a URL copied from the portal's address bar (`/portal/v2/…`, `/auth/v1/…`)
    /// instead of a deep link.
    ///
    /// ## Why is this bad?
    /// Address-bar routes are the portal's internals: they change between portal versions, and
    /// they do not sign the contact in or route them to the right tenant first. Deep links are
    /// the stable interface.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/v2/tickets/12345">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=12345">View</a>
    /// ```
    pub static ADDRESS_BAR_PORTAL_URL = {
        code: "DD502",
        name: "address-bar-portal-url",
        severity: Warning,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if site.link.kind != LinkKind::AddressBar || !findings.enabled(&ADDRESS_BAR_PORTAL_URL) {
        return;
    }
    let span = site
        .link
        .path
        .clone()
        .map_or_else(|| site.whole(), |p| site.span(p));
    findings.push(
        Diagnostic::new(
            &ADDRESS_BAR_PORTAL_URL,
            span,
            "an address-bar portal URL breaks across portal versions",
        )
        .with_help("use a deep link: `/portal/deeplink?name=…` (see `ddlink link`)"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD502",
            &["https://acme.deskdirector.com/portal/deeplink?name=quotes"],
            &[
                "https://acme.deskdirector.com/portal/v2/tickets/1",
                "https://acme.deskdirector.com/auth/v1/login",
            ],
        );
    }
}
