use super::auth::Auth;
use super::{Findings, LinkSite};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a link that mixes auth modes: a password with a passwordless token, either of
    /// them with an `access_token`, or `auth_username` with an `access_token` (which names its
    /// contact inside the token).
    ///
    /// ## Why is this bad?
    /// Exactly one mode per link. Which one the portal honours is undefined, and every extra
    /// secret is one more credential exposed in the e-mail.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=[Contact: Email Address]&amp;auth_token=[Contact: Token]&amp;access_token={{ AccessToken }}">Quotes</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;access_token={{ AccessToken }}">Quotes</a>
    /// ```
    pub static CONFLICTING_AUTH = {
        code: "DD306",
        name: "conflicting-auth",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&CONFLICTING_AUTH) {
        return;
    }
    let auth = Auth::of(site);
    if !auth.conflicting() {
        return;
    }
    let secrets = auth.secrets();
    let (param, message) = if secrets.len() > 1 {
        let names: Vec<&str> = secrets.iter().map(|p| site.key(p)).collect();
        (
            secrets[1],
            format!("two auth modes in one link: `{}`", names.join("` and `")),
        )
    } else {
        (
            auth.username
                .expect("conflicting without two secrets means username + access token"),
            "`auth_username` does not go with `access_token`".to_owned(),
        )
    };
    findings.push(
        Diagnostic::new(&CONFLICTING_AUTH, site.span(param.key.clone()), message)
            .with_help("keep exactly one mode: passwordless (`auth_username` + `auth_token`) or `access_token`"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD306",
            &[
                "ddportal://name=quotes&auth_username=[a]&auth_token=[t]",
                "ddportal://name=quotes&access_token=[t]",
                "ddportal://name=quotes&auth_token=[t]",
            ],
            &[
                "ddportal://name=quotes&auth_username=[a]&auth_token=[t]&auth_password=[p]",
                "ddportal://name=quotes&auth_token=[t]&access_token=[x]",
                "ddportal://name=quotes&auth_username=[a]&access_token=[x]",
            ],
        );
    }
}
