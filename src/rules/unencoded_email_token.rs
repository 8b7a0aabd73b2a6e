use super::Findings;
use super::tokens::{DialectContext, TokenUse};
use super::unknown_token::{self, UNKNOWN_TOKEN};
use crate::command::spec::AUTH_USERNAME;
use crate::diagnostic::Diagnostic;
use crate::dialect::token::{Meaning, liquid_filters, meaning, shape};

declare_rule! {
    /// ## What it does
    /// Reports a contact e-mail token used as `auth_username` without URL encoding. A token
    /// the PSA does not fill in (DD204) or another PSA's (DD201) is left to those rules.
    ///
    /// ## Why is this bad?
    /// The mail system fills in the address as it is. An address with `+` (`jo+it@acme.com`)
    /// arrives at the portal as `jo it@acme.com`, and sign-in fails for exactly those
    /// contacts. Liquid can encode it; Autotask cannot, so there it is a note to keep in mind.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username={{ Contact.Email }}&amp;auth_token={{ Token }}">Quotes</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username={{ Contact.Email | url_encode }}&amp;auth_token={{ Token }}">Quotes</a>
    /// ```
    pub static UNENCODED_EMAIL_TOKEN = {
        code: "DD206",
        name: "unencoded-email-token",
        severity: Info,
        fix: None,
    };
}

/// Liquid filters that percent-encode.
const ENCODING_FILTERS: &[&str] = &["url_encode", "uri_escape", "escape_uri", "url_escape"];

pub fn check(token: &TokenUse, context: &DialectContext, findings: &mut Findings) {
    if token.key != Some(AUTH_USERNAME) || !findings.enabled(&UNENCODED_EMAIL_TOKEN) {
        return;
    }
    // Another PSA's token is swapped by DD201's fix: advice on how to write it would
    // contradict that.
    let token_dialect = shape(&token.token).dialect();
    if context
        .dialect
        .is_some_and(|dialect| token_dialect.is_some_and(|of| of != dialect))
    {
        return;
    }
    // A token the PSA does not fill in (an English name in a German instance) is DD204's:
    // its fix names the one to write.
    if findings.enabled(&UNKNOWN_TOKEN) && unknown_token::reports(token, context) {
        return;
    }
    let filters = liquid_filters(&token.token);
    let is_email = meaning(&token.token) == Some(Meaning::ContactEmail);
    if !is_email || filters.iter().any(|f| ENCODING_FILTERS.contains(f)) {
        return;
    }
    let help = if token.token.starts_with("{{") {
        let inner = token
            .token
            .trim_start_matches("{{")
            .trim_end_matches("}}")
            .trim();
        // `| escape` encodes for HTML: before `url_encode` it would encode the address twice
        // (`o'brien` as `o%26%2339%3Bbrien`). It is replaced, not followed.
        let html_escape = |part: &str| {
            let name = part.split([':', ' ']).next().unwrap_or_default();
            matches!(name, "escape" | "escape_once")
        };
        let mut parts = inner.split('|').map(str::trim);
        let expression = parts.next().unwrap_or_default();
        let (kept, dropped): (Vec<&str>, Vec<&str>) = parts.partition(|part| !html_escape(part));
        let mut written = std::iter::once(expression)
            .chain(kept)
            .collect::<Vec<_>>()
            .join(" | ");
        written.push_str(" | url_encode");
        match dropped.first() {
            Some(escape) => {
                format!("write `{{{{ {written} }}}}`: `{escape}` encodes for HTML, not for a link")
            }
            None => format!("write `{{{{ {written} }}}}`"),
        }
    } else {
        "the PSA cannot encode it: contacts whose address holds `+` cannot sign in this way"
            .to_owned()
    };
    findings.push(
        Diagnostic::new(
            &UNENCODED_EMAIL_TOKEN,
            token.span,
            "an e-mail address with `+` arrives as a space unless it is URL-encoded",
        )
        .with_help(help),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::assert_rule_with;

    /// In an Autotask template, a Liquid e-mail token is DD201's to swap.
    #[test]
    fn another_psas_token_is_left_to_dd201() {
        assert_rule_with(
            "DD206",
            &RuleSettings::new(None, Some(crate::dialect::Dialect::Autotask)),
            &["ddportal://name=quotes&auth_username={{ Contact.Email }}&auth_token=[Contact: ID]"],
            &[],
        );
        assert_rule_with(
            "DD206",
            &RuleSettings::new(None, Some(crate::dialect::Dialect::DeskDirector)),
            &[],
            &["ddportal://name=quotes&auth_username={{ Contact.Email }}&auth_token={{ Token }}"],
        );
    }

    #[test]
    fn pass_and_fail() {
        assert_rule_with(
            "DD206",
            &RuleSettings::default(),
            &[
                "ddportal://name=quotes&auth_username={{ Contact.Email | url_encode }}&auth_token={{ Token }}",
                "ddportal://name=quotes&auth_username=a%2Bb@c.co&auth_token={{ Token }}",
            ],
            &[
                "ddportal://name=quotes&auth_username={{ Contact.Email }}&auth_token={{ Token }}",
                "ddportal://name=quotes&auth_username=[Contact: Email Address]&auth_token=[x]",
            ],
        );
    }
}
