use super::auth::Auth;
use super::{Findings, LinkSite};
use crate::command::token::has_token;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a link that signs its holder in automatically (a passwordless `auth_token` or an
    /// `access_token`), so that the e-mail itself is a key to the contact's portal account.
    ///
    /// ## Why is this bad?
    /// Notification e-mails are forwarded to colleagues, CC'd to distribution lists, and
    /// clicked by link scanners. Whoever holds the message holds the session. Use it only in
    /// templates that go to one contact, with short-lived tokens, and say so with a
    /// suppression comment.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]&amp;auth_username=[Contact: Email Address]&amp;auth_token=[Contact: Portal Token]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    pub static AUTO_LOGIN_IN_SHARED_EMAIL = {
        code: "DD303",
        name: "auto-login-in-shared-email",
        severity: Warning,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&AUTO_LOGIN_IN_SHARED_EMAIL) {
        return;
    }
    let auth = Auth::of(site);
    // Passwords (DD301), literal secrets (DD302) and broken modes (DD305, DD306) are reported
    // more precisely elsewhere: this rule speaks of working auto-login links only.
    if auth.password.is_some() || auth.conflicting() {
        return;
    }
    let working = match (auth.username, auth.token, auth.access) {
        (Some(_), Some(secret), None) | (None, None, Some(secret)) => Some(secret),
        _ => None,
    };
    let Some(secret) = working else {
        return;
    };
    if !site.value(secret).is_some_and(has_token) {
        return;
    }
    findings.push(
        Diagnostic::new(
            &AUTO_LOGIN_IN_SHARED_EMAIL,
            site.span(secret.key.clone()),
            "this link signs in whoever opens it, and e-mails get forwarded",
        )
        .with_help("send auto-login links only to a single contact, with short-lived tokens"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD303",
            &[
                "ddportal://name=quotes",
                "ddportal://name=quotes&auth_username=[a]&auth_token=literal",
                "ddportal://name=quotes&auth_token=[t]",
                "ddportal://name=quotes&auth_username=[a]&auth_password=[p]",
            ],
            &[
                "ddportal://name=quotes&auth_username=[Contact: Email Address]&auth_token=[Contact: Token]",
                "ddportal://name=quotes&access_token={{ AccessToken }}",
                "ddportal://auth_username={{ Contact.Email }}&auth_token={{ Token }}&auth_remember_me=false",
            ],
        );
    }
}
