use super::auth::{GTOKEN, glued_secrets};
use super::{Findings, LinkSite};
use crate::command::LinkKind;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a legacy Global Magic Token link: `https://{host}/?gtoken=…&ticketid=…`.
    /// A `gtoken` on a deep link (`&gtoken=…`, whose command is judged as any deep link's) or
    /// glued to a value of another link (`ticket_id=5?gtoken=…`) is reported too: the portal
    /// does not read it there, but it goes out with the link all the same.
    ///
    /// ## Why is this bad?
    /// A Global Magic Token identifies the recipient by the link alone: anyone holding the
    /// link (a forwarded e-mail, a CC, a link scanner) is that recipient in the portal. The
    /// form is legacy and superseded by deep links.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/?gtoken=[gtoken]&amp;ticketid=[srnumber]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    pub static GLOBAL_MAGIC_TOKEN = {
        code: "DD304",
        name: "global-magic-token",
        severity: Warning,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&GLOBAL_MAGIC_TOKEN) {
        return;
    }
    let legacy_link = site.link.kind == LinkKind::GlobalMagicToken;
    let span = if legacy_link {
        site.link
            .params
            .iter()
            .find(|p| site.key(p).eq_ignore_ascii_case(GTOKEN))
            .map_or_else(|| site.whole(), |p| site.span(p.key.clone()))
    } else {
        // `ticket_id=5?gtoken=…`: the portal reads the token as part of the value before it,
        // and it goes out to every recipient all the same.
        // `&gtoken=…` on a deep link: the portal does not read it, and it goes out too.
        let written = site
            .link
            .params
            .iter()
            .find(|p| site.key(p).eq_ignore_ascii_case(GTOKEN))
            .map(|p| site.span(p.key.clone()));
        match written.or_else(|| {
            glued_secrets(site)
                .into_iter()
                .find(|g| g.key == Some(GTOKEN))
                .map(|glued| site.span(glued.key_range))
        }) {
            Some(span) => span,
            None => return,
        }
    };
    let diagnostic = if legacy_link {
        Diagnostic::new(
            &GLOBAL_MAGIC_TOKEN,
            span,
            "a Global Magic Token link: anyone holding it is the recipient",
        )
        .with_help("use a deep link, e.g. `/portal/deeplink?name=ticket&ticket_id=…`")
    } else {
        // A deep link already: the token is what to take out.
        Diagnostic::new(
            &GLOBAL_MAGIC_TOKEN,
            span,
            "a Global Magic Token in a link: anyone holding the link is the recipient",
        )
        .with_help("remove `gtoken` and its value: the portal does not read it here, and it goes to every recipient")
    };
    findings.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD304",
            &["https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=1"],
            &[
                "https://acme.deskdirector.com/?gtoken=[gtoken]&ticketid=[srnumber]",
                "https://support.example.com/?GTOKEN=abc",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=5?gtoken=abc",
                "ddportal://name=quotes;GToken=abc",
            ],
        );
    }
}
