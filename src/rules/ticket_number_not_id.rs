use super::Findings;
use super::tokens::{DialectContext, TokenUse};
use crate::command::spec::TICKET_ID;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::dialect::token::{Meaning, autotask_by_key, autotask_name, autotask_variable, meaning};
use crate::dialect::{Dialect, Language};

declare_rule! {
    /// ## What it does
    /// Reports Autotask's `[Ticket: Number]` (German `[Ticket: Nummer]`, Spanish
    /// `[Ticket: Número]`) as a deep link's `ticket_id`.
    ///
    /// ## Why is this bad?
    /// The ticket *number* is the `T20240101.0001` form people read; deep links need the
    /// numeric ticket *id*, `[Ticket: ID]`. With the number, the portal finds no ticket.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: Number]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    ///
    /// ## Fix
    /// The variable becomes the ticket id in the instance's language (`[autotask] language`):
    /// a safe fix. When the number is written in another language than that
    /// (`[Ticket: Número]` with the default `en`), which of the two the instance speaks is a
    /// guess, and the fix is unsafe.
    pub static TICKET_NUMBER_NOT_ID = {
        code: "DD202",
        name: "ticket-number-not-id",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(token: &TokenUse, context: &DialectContext, findings: &mut Findings) {
    // In another PSA's template the token is a mismatch (DD201) before anything else.
    if !matches!(context.dialect, None | Some(Dialect::Autotask))
        || token.key != Some(TICKET_ID)
        || meaning(&token.token) != Some(Meaning::TicketNumber)
        || !findings.enabled(&TICKET_NUMBER_NOT_ID)
    {
        return;
    }
    let id = id_for_number(&token.token, context);
    let diagnostic = Diagnostic::new(
        &TICKET_NUMBER_NOT_ID,
        token.span,
        format!(
            "`{}` is the ticket number (`T20240101.0001`), not the id deep links need",
            token.token
        ),
    );
    let edits = vec![Edit::replace(token.span, id.as_str())];
    // `[Ticket: Número]` where the instance is taken to speak English: the template may be
    // right about its instance, and the configuration silent.
    let written_in = autotask_variable(&token.token)
        .map(|(_, language)| language)
        .filter(|&language| context.dialect == Some(Dialect::Autotask) && id_in(language) != id);
    findings.push(match written_in {
        Some(language) => {
            let own = id_in(language);
            diagnostic
                .with_help(format!(
                    "write `{id}`, or `{own}` if the instance speaks `{language}` (then set `[autotask] language = \"{language}\"` in ddlink.toml)"
                ))
                .with_fix(Fix::unsafe_(edits))
        }
        None => diagnostic
            .with_help(format!("write `{id}`"))
            .with_fix(Fix::safe(edits)),
    });
}

/// The Autotask ticket-id token where `number` (a ticket-number token, or a near miss of one)
/// stands as a ticket's id: in the instance's language, or in the token's own when the dialect
/// is not decided.
pub fn id_for_number(number: &str, context: &DialectContext) -> String {
    let language = match context.dialect {
        Some(Dialect::Autotask) => context.language,
        _ => autotask_variable(number).map_or(context.language, |(_, language)| language),
    };
    id_in(language)
}

/// Autotask's ticket-id variable in `language`.
fn id_in(language: Language) -> String {
    format!(
        "[{}]",
        autotask_name(
            autotask_by_key("ticket.id").expect("ticket.id is known"),
            language
        )
    )
}

#[cfg(test)]
mod tests {
    use crate::dialect::{Dialect, Language};
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule_with, finding, fixed};

    #[test]
    fn pass_and_fail() {
        let autotask = RuleSettings::new(None, Some(Dialect::Autotask));
        assert_rule_with(
            "DD202",
            &autotask,
            &["ddportal://name=ticket&ticket_id=[Ticket: ID]"],
            &["ddportal://name=ticket&ticket_id=[Ticket: Number]"],
        );
        assert_rule_with(
            "DD202",
            &RuleSettings::default(),
            &[],
            &["ddportal://name=ticket&ticket_id=[Ticket: Nummer]"],
        );
    }

    #[test]
    fn fixes_in_the_instance_language() {
        let mut spanish = RuleSettings::new(None, Some(Dialect::Autotask));
        spanish.language = Language::Es;
        assert_eq!(
            fixed(
                "DD202",
                "ddportal://name=ticket&ticket_id=[Ticket: Número]",
                &spanish
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: Id.]"
        );
        assert_eq!(
            fixed(
                "DD202",
                "ddportal://name=ticket&ticket_id=[Ticket: Number]",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
    }

    #[test]
    fn a_number_in_another_language_with_the_same_id_is_a_safe_fix() {
        let mut german = RuleSettings::new(None, Some(Dialect::Autotask));
        german.language = Language::De;
        let number = "ddportal://name=ticket&ticket_id=[Ticket: Number]";
        let diagnostic = finding("DD202", number, &german);
        assert_eq!(diagnostic.help(), Some("write `[Ticket: ID]`"));
        assert!(
            diagnostic
                .fix
                .as_ref()
                .is_some_and(crate::diagnostic::Fix::is_safe)
        );
    }

    #[test]
    fn a_number_in_another_language_than_the_instance_is_no_safe_fix() {
        let autotask = RuleSettings::new(None, Some(Dialect::Autotask));
        let number = "ddportal://name=ticket&ticket_id=[Ticket: Número]";
        assert_eq!(
            fixed("DD202", number, &autotask),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
        let diagnostic = finding("DD202", number, &autotask);
        assert_eq!(
            diagnostic.help(),
            Some(
                "write `[Ticket: ID]`, or `[Ticket: Id.]` if the instance speaks `es` (then set `[autotask] language = \"es\"` in ddlink.toml)"
            )
        );
        assert!(diagnostic.fix.as_ref().is_some_and(|fix| !fix.is_safe()));
    }
}
