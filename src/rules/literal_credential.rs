use super::auth::Auth;
use super::{Findings, LinkSite};
use crate::command::token::has_token;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports an `auth_token` or `access_token` whose value is a literal rather than a
    /// template token that the mail system fills in per recipient.
    ///
    /// ## Why is this bad?
    /// A literal token is one real credential, pasted into a template that is sent to every
    /// contact: each of them can sign in as the contact the token belongs to. It also lives on
    /// in every mailbox and every repository the template is kept in.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;access_token=eyJhbGciOi...">Quotes</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;access_token={{ AccessToken }}">Quotes</a>
    /// ```
    /// and revoke the credential that was pasted.
    pub static LITERAL_CREDENTIAL = {
        code: "DD302",
        name: "literal-credential",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&LITERAL_CREDENTIAL) {
        return;
    }
    let auth = Auth::of(site);
    for param in [auth.token, auth.access].into_iter().flatten() {
        let Some(value) = site.value(param) else {
            continue;
        };
        if value.trim().is_empty() || has_token(value) {
            continue;
        }
        let key = site.key(param);
        findings.push(
            Diagnostic::new(
                &LITERAL_CREDENTIAL,
                site.span(param.value.clone().expect("value present")),
                format!("`{key}` holds a literal credential, sent to every recipient"),
            )
            .with_help("use the mail system's per-recipient token expression, and revoke this one"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD302",
            &[
                "ddportal://name=quotes&auth_username=[a]&auth_token=[Token]",
                "ddportal://name=quotes&access_token={{ AccessToken }}",
                "ddportal://name=quotes&access_token=",
            ],
            &[
                "ddportal://name=quotes&auth_username=[a]&auth_token=abc123",
                "ddportal://name=quotes&access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            ],
        );
    }
}
