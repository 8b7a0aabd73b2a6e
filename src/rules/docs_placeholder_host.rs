use super::{Findings, LinkSite};
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports a portal link whose host is still the documentation's placeholder:
    /// `[your-subdomain].deskdirector.com`, `xxx.deskdirector.com`,
    /// `yourcompany.deskdirector.com`, `<subdomain>.deskdirector.com` and the like, and a custom
    /// domain written as documentation writes one (`support.yourcompany.com`).
    ///
    /// ## Why is this bad?
    /// Every recipient gets a link to a portal that does not exist.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://[your-subdomain].deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Fix
    /// With a configured portal (`portal` in `ddlink.toml`, or `--portal`), the host becomes
    /// that portal's: a safe fix.
    pub static DOCS_PLACEHOLDER_HOST = {
        code: "DD409",
        name: "docs-placeholder-host",
        severity: Error,
        fix: Sometimes,
    };
}

/// First labels that documentation and vendor samples use in place of a real subdomain.
/// The labels documentation writes for a custom domain's own name, and no one registers for
/// one (`mydomain.com` and the like are real domains).
const CUSTOM_DOMAIN_PLACEHOLDERS: &[&str] = &[
    "yourcompany",
    "your-company",
    "yourcompanyname",
    "your-company-name",
    "yourdomain",
    "your-domain",
];

const PLACEHOLDER_LABELS: &[&str] = &[
    "subdomain",
    "your-subdomain",
    "yoursubdomain",
    "your_subdomain",
    "company",
    "yourcompany",
    "your-company",
    "mycompany",
    "companyname",
    "your-company-name",
    "tenant",
    "yourtenant",
    "your-tenant",
    "yourportal",
    "your-portal",
    "portalname",
    "example",
    "domain",
    "yourdomain",
    "your-domain",
];

/// Whether `host` is a documentation placeholder rather than a real portal host.
pub fn is_placeholder_host(host: &str) -> bool {
    // An editor that encoded the link wrote `[your-subdomain]` as `%5Byour-subdomain%5D`.
    if host.contains('%')
        && let Some(decoded) = super::encoded_token::percent_decode(host)
    {
        return is_placeholder_host(&decoded);
    }
    if host.contains("{{") {
        // A mail-system expression in the host is filled in at send time.
        return false;
    }
    if host.contains(['[', ']', '<', '>', '{', '}', '*']) {
        return true;
    }
    let lower = host.to_ascii_lowercase();
    let Some(label) = lower.strip_suffix(".deskdirector.com") else {
        // A custom domain as documentation writes one (`support.yourcompany.com`): only the
        // placeholder words themselves, since a real domain may well start with "your".
        return lower
            .split('.')
            .any(|label| CUSTOM_DOMAIN_PLACEHOLDERS.contains(&label));
    };
    PLACEHOLDER_LABELS.contains(&label)
        || (label.len() >= 2 && label.bytes().all(|b| b == b'x'))
        || label.starts_with("your")
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    let Some(host) = site.link.host.clone() else {
        return;
    };
    if !findings.enabled(&DOCS_PLACEHOLDER_HOST) {
        return;
    }
    let found = site.str(host.clone());
    if !is_placeholder_host(found) {
        return;
    }
    let span = site.span(host);
    let mut diagnostic = Diagnostic::new(
        &DOCS_PLACEHOLDER_HOST,
        span,
        format!("`{found}` is a documentation placeholder, not a portal"),
    );
    diagnostic = match &site.settings.portal {
        Some(portal) => diagnostic
            .with_help(format!("write `{}`", portal.host()))
            .with_fix(Fix::safe(vec![Edit::replace(span, portal.host())])),
        None => diagnostic.with_help("write your portal's host, or set `portal` in ddlink.toml (or pass --portal) and run `ddlink fix`"),
    };
    findings.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_rule, fixed, with_portal};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD409",
            &[
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://support.example.com/portal/deeplink?name=quotes",
                "https://{{ Portal.Host }}/portal/deeplink?name=quotes",
                "https://xavier.deskdirector.com/portal/deeplink?name=quotes",
                "https://support.youritpartner.com/portal/deeplink?name=quotes",
                "https://help.mydomain.com/portal/deeplink?name=quotes",
                "https://it.yourmsp.com/portal/deeplink?name=quotes",
            ],
            &[
                "https://[your-subdomain].deskdirector.com/portal/deeplink?name=quotes",
                "https://xxx.deskdirector.com/portal/deeplink?name=quotes",
                "https://yourcompany.deskdirector.com/portal/deeplink?name=quotes",
                "https://<subdomain>.deskdirector.com/portal/deeplink?name=quotes",
                "https://subdomain.deskdirector.com/portal/v2/tickets",
                "https://%5Byour-subdomain%5D.deskdirector.com/portal/deeplink?name=quotes",
                "https://%3Csubdomain%3E.deskdirector.com/portal/deeplink?name=quotes",
                "https://support.yourcompany.com/portal/deeplink?name=quotes",
                "https://portal.YourDomain.com/portal/deeplink?name=quotes",
            ],
        );
    }

    #[test]
    fn uses_the_configured_portal() {
        assert_eq!(
            fixed(
                "DD409",
                "https://xxx.deskdirector.com/portal/deeplink?name=quotes",
                &with_portal()
            ),
            "https://acme.deskdirector.com/portal/deeplink?name=quotes"
        );
    }
}
