use super::auth::{Auth, glued_secrets};
use super::wrong_case::{after_unterminated_amp, canonical_key};
use super::{Findings, LinkSite};
use crate::command::spec::{ACCESS_TOKEN, AUTH_PASSWORD, AUTH_TOKEN, is_secret_key};
use crate::command::token::has_token;
use crate::diagnostic::Diagnostic;
use std::ops::Range;

declare_rule! {
    /// ## What it does
    /// Reports an `auth_token` or `access_token` whose value is a literal rather than a
    /// template token that the mail system fills in per recipient. So is one under a key
    /// written nearly so (`auth_tokn`, `acess_token`, DD104's) or under another name for a
    /// token (`token`, `api_key`): the portal does not read it, and the credential goes out
    /// with the e-mail all the same.
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
        if let Some(value) = param.value.clone() {
            report_literal(site, findings, site.key(param), value);
        }
    }
    // `name=quotes?access_token=…`, `&amp;amp;access_token=…`, `#access_token=…`: the portal
    // does not read the token, and it is sent all the same.
    for glued in glued_secrets(site) {
        if let Some(key @ (AUTH_TOKEN | ACCESS_TOKEN)) = glued.key {
            report_literal(site, findings, key, glued.value);
        }
    }
    // `auth_tokn=…`, `api_key=…`: a key no command reads that names a token. Passwords are
    // DD301's, and keys behind a separator or a misread ampersand are the glued ones above.
    for param in &site.link.params {
        // `&amp; auth_token=…`: the space is DD402's, and the value goes out all the same.
        let key = site.key_unspaced(param);
        let plain_word = key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
        if plain_word
            && (canonical_key(key).is_none() || key.len() != site.key(param).len())
            && after_unterminated_amp(key)
                .and_then(canonical_key)
                .is_none()
            && !super::password_in_link::names_a_password_behind_amp(key)
            && key != AUTH_PASSWORD
            && is_secret_key(key)
            && let Some(value) = param.value.clone()
        {
            let named = site.str(site.key_as_repaired(param));
            report_literal(site, findings, named.trim(), value);
        }
    }
}

/// Reports the value at `value` of the credential `key` unless it is empty or a token.
fn report_literal(site: &LinkSite, findings: &mut Findings, key: &str, value: Range<usize>) {
    let written = site.str(value.clone());
    if written.trim().is_empty() || has_token(written) {
        return;
    }
    findings.push(
        Diagnostic::new(
            &LITERAL_CREDENTIAL,
            site.span(value),
            format!("`{key}` holds a literal credential, sent to every recipient"),
        )
        .with_help("use the mail system's per-recipient token expression, and revoke this one"),
    );
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
                "ddportal://name=quotes?access_token={{ AccessToken }}",
                "ddportal://name=ticket&ticket_id=5?auth_token=[Token]",
                "ddportal://name=quotes?note=access_token",
                "ddportal://name=quotes&auth_tokn=[Token]",
                "ddportal://name=quotes&password=hunter2",
                "ddportal://name=quotes&tokens=2",
            ],
            &[
                "ddportal://name=quotes&auth_username=[a]&auth_token=abc123",
                "ddportal://name=quotes&access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
                "ddportal://name=quotes?access_token=eyJhbGciOiJIUzI1NiJ9",
                "ddportal://ticketid=5;auth_token=abc123",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=5,ACCESS_TOKEN=abc",
                "ddportal://name=quotes%3Faccess_token=eyJhbGciOiJIUzI1NiJ9",
                "ddportal://name=quotes%26access_token=eyJhbGciOiJIUzI1NiJ9",
                "ddportal://name=quotes&amp;access_token=eyJhbGciOiJIUzI1NiJ9",
                "ddportal://name=ticket&ticket_id=5#c1&access_token=eyJhbGciOiJIUzI1NiJ9",
                "ddportal://name=quotes&auth_token%3Dabc123",
                "ddportal://name=quotes&auth_tokn=abc123",
                "ddportal://name=quotes&api_key=abc123",
                "ddportal://name=quotes&token=abc123",
                "ddportal://name=quotes&ampauth_tokn=abc123",
                "ddportal://name=quotes&ampauth_token=abc123",
            ],
        );
    }
}
