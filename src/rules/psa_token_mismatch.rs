use super::Findings;
use super::tokens::{DialectContext, TokenUse};
use crate::command::spec::TICKET_ID;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::dialect::token::{Meaning, meaning, shape, token_for};

declare_rule! {
    /// ## What it does
    /// Reports a template token of another PSA in a deep link: a ConnectWise `[srnumber]` in
    /// an Autotask template, an Autotask `[Ticket: ID]` in a ConnectWise one, a Liquid
    /// `{{ Ticket.Id }}` in either, or a bracket token in a DeskDirector Liquid template.
    ///
    /// ## Why is this bad?
    /// Each PSA fills in only its own tokens. Autotask sends `[srnumber]` as it is, so every
    /// recipient gets a link to a ticket that does not exist. It happens when templates are
    /// copied between PSAs.
    ///
    /// ## Example
    /// In an Autotask template:
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    ///
    /// ## Fix
    /// Tokens with an equivalent in the file's dialect (the ticket id, the contact's e-mail
    /// address and first name) are swapped for it: a safe fix. The e-mail address becomes
    /// `[auth] email_token` where ddlink.toml sets one, as placeholders expand with it. The file's dialect is decided
    /// by `--psa`, a `<!-- ddlink: psa=… -->` comment, `ddlink.toml`, or detection. Another
    /// token as a `ticket_id` (`[Ticket:ID]`, no known variable) gets the dialect's ticket id
    /// as an unsafe fix: most likely what it stands for, but a guess.
    pub static PSA_TOKEN_MISMATCH = {
        code: "DD201",
        name: "psa-token-mismatch",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(token: &TokenUse, context: &DialectContext, findings: &mut Findings) {
    let Some(dialect) = context.dialect else {
        return;
    };
    let Some(token_dialect) = shape(&token.token).dialect() else {
        return;
    };
    if token_dialect == dialect || !findings.enabled(&PSA_TOKEN_MISMATCH) {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &PSA_TOKEN_MISMATCH,
        token.span,
        format!(
            "`{}` is {} token, but this template is {}",
            token.token.trim_end(),
            with_article(token_dialect),
            title(dialect)
        ),
    );
    let meant = match meaning(&token.token) {
        // A ticket number where an id belongs means the id.
        Some(Meaning::TicketNumber) if token.key == Some(TICKET_ID) => Some(Meaning::TicketId),
        other => other,
    };
    // The configured e-mail token is what this instance fills in (`[auth] email_token`), and
    // what a placeholder expands with: the one to write, if it can stand in a link as it is.
    let equivalent = match (meant, context.email_token) {
        (Some(Meaning::ContactEmail), Some(configured)) => {
            (!configured.contains(['"', '\'', '<', '>', '&', '#'])).then(|| configured.to_owned())
        }
        _ => meant.and_then(|m| token_for(m, dialect, context.language)),
    };
    match equivalent {
        Some(equivalent) => {
            diagnostic = diagnostic
                .with_help(format!("write `{equivalent}`"))
                .with_fix(Fix::safe(vec![Edit::replace(token.span, equivalent)]));
        }
        // `[Ticket:ID]` as a ticket id: another PSA's token, written nearly so, where the
        // ticket id belongs. Most likely the id, but a guess.
        None if token.key == Some(TICKET_ID) => {
            let id = token_for(Meaning::TicketId, dialect, context.language)
                .expect("every dialect has a ticket-id token");
            diagnostic = diagnostic
                .with_help(format!(
                    "write `{id}`, the {} ticket id, if that is what it stands for",
                    title(dialect)
                ))
                .with_fix(Fix::unsafe_(vec![Edit::replace(token.span, id)]));
        }
        None => {
            diagnostic =
                diagnostic.with_help(format!("use the {} token for this value", title(dialect)));
        }
    }
    findings.push(diagnostic);
}

/// "a ConnectWise", "an Autotask".
fn with_article(dialect: crate::dialect::Dialect) -> String {
    let name = title(dialect);
    let article = if name.starts_with('A') { "an" } else { "a" };
    format!("{article} {name}")
}

/// The PSA's name as people write it.
pub fn title(dialect: crate::dialect::Dialect) -> &'static str {
    match dialect {
        crate::dialect::Dialect::ConnectWise => "ConnectWise",
        crate::dialect::Dialect::Autotask => "Autotask",
        crate::dialect::Dialect::DeskDirector => "DeskDirector Liquid",
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule_with, fixed};

    #[test]
    fn pass_and_fail() {
        let autotask = RuleSettings::new(None, Some(Dialect::Autotask));
        assert_rule_with(
            "DD201",
            &autotask,
            &[
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id=12",
            ],
            &[
                "ddportal://name=ticket&ticket_id=[srnumber]",
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
            ],
        );
        let connectwise = RuleSettings::new(None, Some(Dialect::ConnectWise));
        assert_rule_with(
            "DD201",
            &connectwise,
            &["ddportal://name=ticket&ticket_id=[srnumber]"],
            &[
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id=[Ticket: Number]",
            ],
        );
        assert_rule_with(
            "DD201",
            &RuleSettings::default(),
            &["ddportal://name=ticket&ticket_id=[srnumber]"],
            &[],
        );
    }

    #[test]
    fn guesses_the_ticket_id_for_an_unknown_token_in_its_place() {
        let connectwise = RuleSettings::new(None, Some(Dialect::ConnectWise));
        let link = "ddportal://name=ticket&ticket_id=[Ticket:ID]";
        assert_eq!(
            fixed("DD201", link, &connectwise),
            "ddportal://name=ticket&ticket_id=[srnumber]"
        );
        let guess = crate::rules::testing::finding("DD201", link, &connectwise);
        assert!(guess.fix.as_ref().is_some_and(|fix| !fix.is_safe()));
    }

    #[test]
    fn swaps_equivalent_tokens() {
        let autotask = RuleSettings::new(None, Some(Dialect::Autotask));
        assert_eq!(
            fixed(
                "DD201",
                "ddportal://name=ticket&ticket_id=[srnumber]",
                &autotask
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
        let connectwise = RuleSettings::new(None, Some(Dialect::ConnectWise));
        assert_eq!(
            fixed(
                "DD201",
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                &connectwise
            ),
            "ddportal://name=ticket&ticket_id=[srnumber]"
        );
        let liquid = RuleSettings::new(None, Some(Dialect::DeskDirector));
        assert_eq!(
            fixed(
                "DD201",
                "ddportal://name=ticket&ticket_id=[srnumber]",
                &liquid
            ),
            "ddportal://name=ticket&ticket_id={{ Ticket.Id }}"
        );
    }
}
