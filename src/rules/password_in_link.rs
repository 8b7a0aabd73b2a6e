use super::auth::{Auth, glued_secrets};
use super::{Findings, LinkSite};
use crate::command::spec::{AUTH_PASSWORD, names_a_password};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a deep link that carries a password, whatever its value: in `auth_password`,
    /// in a parameter the portal does not read (`password`, `pwd`), or written before the
    /// host (`https://user:password@…`). So is a password glued to a value or a key by a
    /// separator the portal does not read (`ticket_id=5?auth_password=…`,
    /// `&amp;amp;auth_password=…`, `&ampauth_password=…`), joined to its key by an encoded `=` (`auth_password%3D…`),
    /// written in the `#fragment`, or in a portal link that is no deep link (an address-bar
    /// URL, `/auth/v1/login?password=…`).
    ///
    /// ## Why is this bad?
    /// E-mail is forwarded, CC'd, archived and scanned. A password in a link goes to everyone
    /// the message ever reaches, sits in plain text in every mailbox, and is logged by every
    /// link-scanning proxy on the way. ddlink never generates one.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;auth_username=[contactemail]&amp;auth_password=Summer2024">View</a>
    /// ```
    ///
    /// ## Use instead
    /// A link without credentials (the contact signs in), or a short-lived passwordless
    /// token from the mail system:
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    pub static PASSWORD_IN_LINK = {
        code: "DD301",
        name: "password-in-link",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&PASSWORD_IN_LINK) {
        return;
    }
    if let Some(password) = Auth::of(site).password {
        findings.push(
            Diagnostic::new(
                &PASSWORD_IN_LINK,
                site.span(password.key.clone()),
                "a password in a link goes to everyone the e-mail reaches",
            )
            .with_help("remove `auth_password`; use `auth_token` (passwordless) or no auth at all"),
        );
    }
    // `password=…`: the portal does not read it, and the password still goes out, whatever
    // the link (an address-bar URL, `/auth/v1/login?password=…`, too).
    for param in &site.link.params {
        // `&amp; auth_password=…`: the space is DD402's, and the password goes out all the same.
        let spaced = site.key_unspaced(param);
        let spaced_known = spaced.len() != site.key(param).len() && spaced == AUTH_PASSWORD;
        if (names_a_password_behind_amp(site.key(param)) || spaced_known)
            && site.value(param).is_some_and(|v| !v.is_empty())
        {
            let key_range = site.key_as_repaired(param);
            let key = site.str(key_range.clone()).trim();
            findings.push(
                Diagnostic::new(
                    &PASSWORD_IN_LINK,
                    site.span(key_range),
                    format!("a password (`{key}`) in a link goes to everyone the e-mail reaches"),
                )
                .with_help(format!("remove `{key}`: the portal does not read it; use `auth_token` (passwordless) or no auth at all")),
            );
        }
    }
    // `ticket_id=5?auth_password=…`: glued to a value by a separator the portal does not
    // read, the password goes out all the same.
    for glued in glued_secrets(site) {
        match glued.key {
            Some(AUTH_PASSWORD) => {
                findings.push(
                    Diagnostic::new(
                        &PASSWORD_IN_LINK,
                        site.span(glued.key_range),
                        "a password in a link goes to everyone the e-mail reaches",
                    )
                    .with_help(
                        "remove `auth_password`; use `auth_token` (passwordless) or no auth at all",
                    ),
                );
            }
            None if !glued.value.is_empty() => {
                let key = site.str(glued.key_range.clone());
                findings.push(
                    Diagnostic::new(
                        &PASSWORD_IN_LINK,
                        site.span(glued.key_range),
                        format!("a password (`{key}`) in a link goes to everyone the e-mail reaches"),
                    )
                    .with_help(format!("remove `{key}`: the portal does not read it; use `auth_token` (passwordless) or no auth at all")),
                );
            }
            _ => {}
        }
    }
    if let Some(password) = site.link.userinfo_password(site.text) {
        findings.push(
            Diagnostic::new(
                &PASSWORD_IN_LINK,
                site.span(password),
                "a password before the link's host goes to everyone the e-mail reaches",
            )
            .with_help("remove the user name and password before the host (`user:password@`); the portal signs its users in itself"),
        );
    }
}

/// What is said of a placeholder that asks for `auth="password"`: refused, never generated.
pub fn refusal(span: crate::diagnostic::Span) -> Diagnostic {
    Diagnostic::new(
        &PASSWORD_IN_LINK,
        span,
        "ddlink never puts a password in a link",
    )
    .with_help("use auth=\"passwordless\" or auth=\"access-token\", or no auth")
}

/// Whether `key` names a password (`password`, `pwd`), also behind the `amp` that an `&amp`
/// without its `;` leaves before it (`&amppwd=`: DD401 adds the `;`, and it is `pwd` then).
pub fn names_a_password_behind_amp(key: &str) -> bool {
    names_a_password(key)
        || crate::command::spec::after_unterminated_amp(key).is_some_and(names_a_password)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD301",
            &[
                "ddportal://name=ticket_list&auth_username=[a]&auth_token=[b]",
                "https://agent@acme.deskdirector.com/portal/deeplink?name=ticket_list",
                "ddportal://name=ticket_list&password=",
                "ddportal://name=ticket_list&passage=1",
                "ddportal://name=ticket_list&ampassword_hint=x",
                "ddportal://name=ticket_list?state=closed",
                "ddportal://name=ticket_list?password=",
                "ddportal://name=ticket&ticket_id=5#c1&password=",
                "ddportal://name=ticket&ticket_id=5#comment-password",
            ],
            &[
                "ddportal://name=ticket_list&auth_username=a@b.co&auth_password=hunter2",
                "ddportal://name=ticket_list&auth_username=[a]&auth_password=[b]",
                "ddportal://auth_password=x",
                "ddportal://name=ticket_list&password=hunter2",
                "ddportal://name=ticket_list&PWD=[password]",
                "ddportal://name=ticket_list?auth_password=hunter2",
                "ddportal://ticketid=5;auth_p%61ssword=hunter2",
                "ddportal://name=ticket&ticket_id=5,password=hunter2",
                "https://agent:hunter2@acme.deskdirector.com/portal/deeplink?name=ticket_list",
                "https://agent:[password]@acme.deskdirector.com/portal/deeplink?name=ticket_list",
                "ddportal://mytickets?auth_password=hunter2",
                "ddportal://name=ticket_list&amp;auth_password=hunter2",
                "ddportal://name=ticket_list&ampauth_password=hunter2",
                "ddportal://name=ticket_list&AMPauth_password=hunter2",
                "ddportal://name=ticket_list&auth_password%3Dhunter2",
                "ddportal://name=ticket&ticket_id=5%3Fauth_password%3Dhunter2",
                "ddportal://name=ticket&ticket_id=5#c1&auth_password=hunter2",
                "ddportal://name=ticket&ticket_id=5#pwd=hunter2",
                "https://acme.deskdirector.com/auth/v1/login?password=hunter2",
                "https://acme.deskdirector.com/?gtoken=[gtoken]&pwd=hunter2",
            ],
        );
    }
}
