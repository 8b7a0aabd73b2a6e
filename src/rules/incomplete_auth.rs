use super::auth::Auth;
use super::password_in_link::PASSWORD_IN_LINK;
use super::unknown_param::{self, UNKNOWN_PARAM};
use super::{Findings, LinkSite};
use crate::command::spec::{AUTH_TOKEN, AUTH_USERNAME};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports auth parameters that do not make a whole mode: `auth_username` without a
    /// secret, or `auth_password` or `auth_token` without `auth_username`. (`auth_remember_me`
    /// alone is allowed: it only sets the sign-in page's "remember me".) A password without a
    /// user name is left to DD301, which asks for the password to go.
    ///
    /// ## Why is this bad?
    /// The portal cannot sign the contact in and shows its login page: the link does less than
    /// the template promises, and the half-credential is exposed for nothing.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_token=[Contact: Token]">Quotes</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=[Contact: Email Address]&amp;auth_token=[Contact: Token]">Quotes</a>
    /// ```
    pub static INCOMPLETE_AUTH = {
        code: "DD305",
        name: "incomplete-auth",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&INCOMPLETE_AUTH) {
        return;
    }
    let auth = Auth::of(site);
    if auth.conflicting() {
        return;
    }
    // A password without a user name is DD301's to report: it asks for the password to go,
    // which leaves nothing incomplete.
    let password_reported = auth.token.is_none() && findings.enabled(&PASSWORD_IN_LINK);
    let (param, message, help) = match (auth.username, auth.password.or(auth.token), auth.access) {
        (None, Some(_), None) if password_reported => return,
        // `auth_usrname`, `auth_tokn`: DD104 names the near miss as the missing key.
        (None, Some(_), None) if misspelt(site, findings, AUTH_USERNAME) => return,
        (Some(_), None, None) if misspelt(site, findings, AUTH_TOKEN) => return,
        (None, Some(secret), None) => (
            secret,
            format!("`{}` needs `auth_username`", site.key(secret)),
            "add `auth_username` with the contact e-mail token",
        ),
        (Some(username), None, None) => (
            username,
            "`auth_username` without `auth_token` signs nobody in".to_owned(),
            "add `auth_token` (passwordless), or remove `auth_username`",
        ),
        _ => return,
    };
    findings.push(
        Diagnostic::new(&INCOMPLETE_AUTH, site.span(param.key.clone()), message).with_help(help),
    );
}

/// Whether DD104 reports a near miss of `key` in the link, as the key the auth lacks, or the
/// key stands behind a separator written for `&`, which DD108 separates.
fn misspelt(site: &LinkSite, findings: &Findings, key: &str) -> bool {
    (findings.enabled(&UNKNOWN_PARAM) && unknown_param::near_miss_of(site, key))
        || site.holds_behind_separator(key)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD305",
            &[
                "ddportal://name=quotes",
                "ddportal://name=quotes&auth_username=[a]&auth_token=[t]",
                "ddportal://name=quotes&auth_username=[a]&auth_password=[p]",
                "ddportal://name=login&auth_password=[p]",
                "ddportal://name=quotes&access_token=[t]&auth_remember_me=true",
                "ddportal://name=quotes&auth_token=[t]&access_token=[x]",
                "ddportal://name=quotes&auth_remember_me=false",
                "ddportal://name=quotes&auth_username=[a]&auth_tokn=[t]",
                "ddportal://name=quotes&auth_usrname=[a]&auth_token=[t]",
            ],
            &[
                "ddportal://name=quotes&auth_token=[t]",
                "ddportal://name=quotes&auth_username=[a]",
                "ddportal://name=quotes&auth_username=[a]&remember=true",
            ],
        );
    }
}
