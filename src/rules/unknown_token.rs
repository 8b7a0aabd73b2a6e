use super::Findings;
use super::did_you_mean::closest;
use super::tokens::{DialectContext, TokenUse};
use crate::command::spec::TICKET_ID;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::dialect::token::{
    Meaning, Shape, autotask_name, autotask_variable, is_known_connectwise, is_known_liquid_root,
    liquid_expression, liquid_root, meaning, shape, token_for,
};
use crate::dialect::vocabulary::{AUTOTASK, CONNECTWISE, DESKDIRECTOR_OBJECTS};
use crate::dialect::{Dialect, Language};

declare_rule! {
    /// ## What it does
    /// Reports a token in a deep link that its PSA will not fill in: a near miss of a known
    /// token (`[srnumbr]`, `{{ Tiket.Id }}`), an Autotask variable without the exact
    /// `Entity: Field` spacing (`[Ticket:ID]`), or an Autotask variable in another language
    /// than the instance's (`[Ticket: ID]` where a Spanish instance writes `[Ticket: Id.]`;
    /// set `[autotask] language` in `ddlink.toml`).
    ///
    /// A bracketed value shaped like no PSA's token (`[SRNUMBER]`, `[sr_number]`,
    /// `[srnumber ]`, `[Ticket ID]`, `[YOUR TICKET]`) is reported when the file's PSA is
    /// decided (no PSA fills it in), with the nearest token of that PSA or, as a ticket's id,
    /// the PSA's ticket-id token; when the PSA is undecided, only when it is a near miss of a
    /// known token. A near miss of the ticket number as a ticket's id (`[Ticket:Number]`)
    /// suggests the ticket id, and counts at least as much as DD202.
    ///
    /// A Liquid expression that lost a brace (`{{ Ticket.Id }`, `{ Ticket.Id }}`, or
    /// `{{ Ticket.Id` cut by the next parameter's `&`) is reported as such, with the expression
    /// closed: the mail system writes it into the link as it is. It is an error, as the
    /// invalid value it leaves would be.
    ///
    /// ConnectWise's token set is open and ddlink's lists are not exhaustive, so a token that is
    /// merely unknown is not reported: only near misses are.
    ///
    /// ## Why is this bad?
    /// The PSA sends the token as it is: the link points at ticket `[srnumbr]`.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket:ID]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    ///
    /// ## Fix
    /// The suggestion is a guess: an unsafe fix.
    pub static UNKNOWN_TOKEN = {
        code: "DD204",
        name: "unknown-token",
        severity: Warning,
        fix: Unsafe,
    };
}

pub fn check(token: &TokenUse, context: &DialectContext, findings: &mut Findings) {
    if !findings.enabled(&UNKNOWN_TOKEN) {
        return;
    }
    // `ticket_id=[Contact: ID]` in a Spanish instance: the field is wrong whatever its
    // language, and DD108 says which token is meant.
    if findings.enabled(&super::invalid_value::INVALID_VALUE)
        && super::invalid_value::another_field(token, context).is_some()
    {
        return;
    }
    let Some((message, mut suggestion)) = verdict(token, *context) else {
        return;
    };
    // A near miss of the ticket number, as a ticket's id, is also the number where the id
    // belongs (DD202): the id is what the link needs.
    let number_for_id = token.key == Some(TICKET_ID)
        && suggestion
            .as_deref()
            .is_some_and(|s| meaning(s) == Some(Meaning::TicketNumber));
    if let Some(number) = suggestion.as_deref().filter(|_| number_for_id) {
        suggestion = Some(super::ticket_number_not_id::id_for_number(number, context));
    }
    let mut diagnostic = Diagnostic::new(&UNKNOWN_TOKEN, token.span, message);
    // A lost brace leaves no value the link can use (as DD108 would say of it): an error,
    // where a near miss of a known token may still be one the PSA knows.
    if lost_braces(&token.token).is_some() {
        diagnostic.severity = crate::diagnostic::Severity::Error;
    }
    if let Some(suggestion) = suggestion {
        let help = if number_for_id {
            format!("a ticket link needs the ticket's id, not its number: write `{suggestion}`")
        } else {
            format!("did you mean `{suggestion}`?")
        };
        diagnostic = diagnostic
            .with_help(help)
            .with_fix(Fix::unsafe_(vec![Edit::replace(token.span, suggestion)]));
    }
    if number_for_id {
        findings.push_also_for(
            diagnostic,
            &super::ticket_number_not_id::TICKET_NUMBER_NOT_ID,
        );
    } else {
        findings.push(diagnostic);
    }
}

type Verdict = Option<(String, Option<String>)>;

/// A bracketed value no PSA's token is shaped like (`[SRNUMBER]`, `[sr_number]`,
/// `[srnumber ]`, `[Ticket ID]`, `[YOUR TICKET]`): in a link's parameter it is a token
/// mistyped, or a placeholder pasted from an example, and the mail system sends it as it is.
/// When the file's PSA is decided, it is reported, with the nearest token of that PSA (an
/// Autotask instance's name of the English one nearest, too) or, as a ticket id, the PSA's
/// ticket-id token. When it is not, only a near miss of a ConnectWise or Autotask token is:
/// the PSA might fill in anything else.
/// What this rule says of `token`, if anything: its message and its suggestion.
fn verdict(token: &TokenUse, context: DialectContext) -> Verdict {
    let token_shape = shape(&token.token);
    match token_shape.dialect() {
        // A token of another PSA is DD201's.
        Some(token_dialect) if context.dialect.is_some_and(|d| d != token_dialect) => None,
        Some(Dialect::ConnectWise) => connectwise(&token.token),
        Some(Dialect::Autotask) => autotask(
            &token.token,
            token_shape,
            context.language,
            context.dialect.is_some(),
        ),
        Some(Dialect::DeskDirector) => liquid(&token.token),
        None => misshapen(token, context),
    }
}

/// Whether this rule reports `token` (when it is on).
pub fn reports(token: &TokenUse, context: &DialectContext) -> bool {
    verdict(token, *context).is_some()
}

fn misshapen(token: &TokenUse, context: DialectContext) -> Verdict {
    let inner = token.token.strip_prefix('[')?.strip_suffix(']')?;
    // Compared without their brackets, so that nothing is allocated per token.
    let connectwise = connectwise_tokens().map(|t| t.trim_start_matches('[').trim_end_matches(']'));
    let autotask = AUTOTASK.iter().map(|v| autotask_name(v, context.language));
    let suggestion = match context.dialect {
        Some(Dialect::ConnectWise) => closest(inner, connectwise),
        Some(Dialect::Autotask) => closest(inner, autotask).or_else(|| {
            let english = AUTOTASK.iter().map(|v| autotask_name(v, Language::En));
            let nearest = closest(inner, english)?;
            AUTOTASK
                .iter()
                .find(|v| autotask_name(v, Language::En) == nearest)
                .map(|v| autotask_name(v, context.language))
        }),
        Some(Dialect::DeskDirector) => None,
        None => closest(inner, connectwise.chain(autotask)),
    };
    let suggestion = match (suggestion, context.dialect) {
        (Some(suggestion), _) => Some(format!("[{suggestion}]")),
        (None, None) => return None,
        // As a ticket's id, the ticket id was meant, whatever it says.
        (None, Some(dialect)) => (token.key == Some(TICKET_ID) && token.whole_value)
            .then(|| token_for(Meaning::TicketId, dialect, context.language))
            .flatten(),
    };
    let whose = match context.dialect {
        Some(dialect) => super::psa_token_mismatch::title(dialect),
        None => "any PSA",
    };
    Some((
        format!("`{}` is not a token {whose} fills in", token.token),
        suggestion,
    ))
}

/// The ConnectWise tokens a near miss is matched against (`[cf-id]` stands for the custom
/// fields' `[cf-<n>]`, never written as it is).
fn connectwise_tokens() -> impl Iterator<Item = &'static str> + Clone {
    CONNECTWISE.iter().copied().filter(|t| *t != "[cf-id]")
}

fn connectwise(token: &str) -> Verdict {
    if is_known_connectwise(token) {
        return None;
    }
    let suggestion = closest(token, connectwise_tokens())?;
    Some((
        format!("`{token}` is not a ConnectWise token"),
        Some(suggestion.to_owned()),
    ))
}

fn autotask(token: &str, token_shape: Shape, language: Language, decided: bool) -> Verdict {
    let names = || AUTOTASK.iter().map(move |v| autotask_name(v, language));
    if token_shape == Shape::MalformedAutotask {
        let inner = token.trim_start_matches('[').trim_end_matches(']');
        let (entity, field) = inner.split_once(':')?;
        let normalized = format!("{}: {}", entity.trim(), field.trim());
        let suggestion = names()
            .find(|n| *n == normalized)
            .or_else(|| closest(&normalized, names()))
            .map_or(normalized, str::to_owned);
        return Some((
            format!(
                "`{token}` is not an Autotask variable: Autotask writes `Entity: Field` with one space after the colon"
            ),
            Some(format!("[{suggestion}]")),
        ));
    }
    let inner = token.trim_start_matches('[').trim_end_matches(']');
    if names().any(|n| n == inner) {
        return None;
    }
    if let Some((variable, found_in)) = autotask_variable(token) {
        // Known, but in another language than the instance's: only when the dialect (and so
        // the configured language) is decided.
        if !decided {
            return None;
        }
        return Some((
            format!(
                "`{token}` is the {} name; an Autotask instance in `{language}` does not resolve it",
                language_name(found_in)
            ),
            Some(format!("[{}]", autotask_name(variable, language))),
        ));
    }
    let suggestion = closest(inner, names())?;
    Some((
        format!("`{token}` is not an Autotask variable"),
        Some(format!("[{suggestion}]")),
    ))
}

/// The Liquid expressions deep links use, as DeskDirector spells them.
const KNOWN_LIQUID: &[&str] = &["Ticket.Id", "Contact.Email"];

fn liquid(token: &str) -> Verdict {
    if let Some(verdict) = lopsided(token) {
        return Some(verdict);
    }
    // Liquid is case-sensitive: `{{ ticket.id }}` or `{{ Ticket.ID }}` renders nothing.
    let expression = liquid_expression(token)?;
    if let Some(known) = KNOWN_LIQUID
        .iter()
        .find(|known| known.eq_ignore_ascii_case(expression) && **known != expression)
    {
        return Some((
            format!(
                "`{expression}` is not a DeskDirector expression: Liquid names are case-sensitive"
            ),
            Some(token.replacen(expression, known, 1)),
        ));
    }
    // `{{ Ticket.Idd }}`, `{{ Ticket..Id }}`, `{{{ Ticket.Id }}`: Liquid fills in nothing for
    // a field it does not know, and the link opens no ticket.
    if let Some(known) = liquid_near_miss(expression) {
        return Some((
            format!(
                "`{expression}` is not a DeskDirector expression: Liquid fills in nothing for it"
            ),
            Some(with_expression(token, known)),
        ));
    }
    let root = liquid_root(token)?;
    if is_known_liquid_root(root) {
        return None;
    }
    let suggestion = closest(root, DESKDIRECTOR_OBJECTS.iter().copied())?;
    Some((
        format!("`{root}` is not a DeskDirector template object"),
        Some(token.replacen(root, suggestion, 1)),
    ))
}

/// `{{ Ticket.Id }`, `{ Ticket.Id }}`, `{{ Ticket.Id ` before the next `&`: an expression
/// that lost a brace, which Liquid writes into the mail as it is. The suggestion closes it,
/// with the known expression it nearly is, if it is a near miss of one.
fn lopsided(token: &str) -> Verdict {
    let (opened, closed) = lost_braces(token)?;
    let expression = token[opened..token.len() - closed].trim();
    let expression = liquid_near_miss(expression).unwrap_or(expression);
    let problem = if closed == 0 {
        "is not closed"
    } else {
        "is missing a brace"
    };
    Some((
        format!(
            "`{}` {problem}: Liquid writes it into the mail as it is",
            token.trim_end()
        ),
        Some(format!("{{{{ {expression} }}}}")),
    ))
}

/// The braces a Liquid expression that lost one opens and closes with (`{{ Ticket.Id }`:
/// 2 and 1), if it is one.
fn lost_braces(token: &str) -> Option<(usize, usize)> {
    let opened = token.bytes().take_while(|&b| b == b'{').count();
    let closed = token.bytes().rev().take_while(|&b| b == b'}').count();
    matches!((opened, closed), (2, 1 | 0) | (1, 2)).then_some((opened, closed))
}

/// The known expression (`Ticket.Id`, `Contact.Email`) that a Liquid expression nearly is, if
/// any: a near miss of a known object's field (`Ticket.Idd`, `Ticket.I`, `Ticket.ID`), or an
/// expression Liquid cannot read as a variable's path that is a near miss of a known one as a
/// whole (`Ticket..Id`, `Ticket,Id`, `{ Ticket.Id`, `T icket.Id`). A path on another root is
/// the template's own variable (`{{ ticket_id }}`) or a slip in the object's name, which is
/// said as such; another field of a known object (`Ticket.Title`) is no near miss.
pub fn liquid_near_miss(expression: &str) -> Option<&'static str> {
    // A triple-stash (`{{{ Ticket.Id }}}`) writes the expression inside its third braces.
    if let Some(inner) = expression
        .strip_prefix('{')
        .and_then(|e| e.strip_suffix('}'))
    {
        return liquid_near_miss(inner.trim());
    }
    if KNOWN_LIQUID.contains(&expression) {
        return None;
    }
    if !is_variable_path(expression) {
        return closest(expression, KNOWN_LIQUID.iter().copied());
    }
    let (root, field) = expression.split_once('.')?;
    if !is_known_liquid_root(root) {
        return None;
    }
    let fields = KNOWN_LIQUID.iter().filter_map(|known| {
        known
            .strip_prefix(root)
            .and_then(|rest| rest.strip_prefix('.'))
    });
    let nearest = closest(field, fields)?;
    KNOWN_LIQUID
        .iter()
        .copied()
        .find(|known| known.strip_suffix(nearest) == Some(&expression[..=root.len()]))
}

/// Whether Liquid reads `expression` as a variable's path: names of ASCII letters, digits and
/// `_`, each starting with a letter or `_`, joined by single dots.
fn is_variable_path(expression: &str) -> bool {
    expression.split('.').all(|name| {
        name.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// `token` with `expression` in place of its own, its filters and whitespace control kept:
/// `{{ Ticket.Id }}` for `{{{ Ticket.Id }}`, `{{ Contact.Email | url_encode }}` for
/// `{{ Contact.Emial | url_encode }}`.
fn with_expression(token: &str, expression: &str) -> String {
    let open = if token.starts_with("{{-") {
        "{{-"
    } else {
        "{{"
    };
    let close = if token.ends_with("-}}") { "-}}" } else { "}}" };
    let inner = token
        .strip_prefix(open)
        .and_then(|t| t.strip_suffix(close))
        .unwrap_or_default();
    match inner.split_once('|') {
        Some((_, filters)) => format!("{open} {expression} | {} {close}", filters.trim()),
        None => format!("{open} {expression} {close}"),
    }
}

fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::De => "German",
        Language::Es => "Spanish",
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::{Dialect, Language};
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule_with, fixed};

    #[test]
    fn pass_and_fail() {
        let settings = RuleSettings::default();
        assert_rule_with(
            "DD204",
            &settings,
            &[
                "ddportal://name=ticket&ticket_id=[srnumber]",
                "ddportal://name=ticket&ticket_id=[cf-12]",
                "ddportal://name=ticket&ticket_id=[somethingelse]",
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id=[Ticket: Id.]",
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
                "ddportal://name=ticket&ticket_id={{{ Ticket.Id }}}",
                "ddportal://name=ticket&ticket_id={{ ticket_id }}",
                "ddportal://name=ticket&ticket_id={{ Ticket.Title }}",
                "ddportal://name=ticket&ticket_id=[YOUR TICKET HERE]",
            ],
            &[
                "ddportal://name=ticket&ticket_id=[srnumbr]",
                "ddportal://name=ticket&ticket_id=[Ticket:ID]",
                "ddportal://name=ticket&ticket_id=[Tickett: ID]",
                "ddportal://name=ticket&ticket_id={{ Tiket.Id }}",
                "ddportal://name=ticket&ticket_id={{ ticket.id }}",
                "ddportal://name=ticket&ticket_id={{ Ticket.ID }}",
                "ddportal://name=ticket&ticket_id={{ Ticket.Idd }}",
                "ddportal://name=ticket&ticket_id={{ Ticket.I }}",
                "ddportal://name=ticket&ticket_id={{ Ticket..Id }}",
                "ddportal://name=ticket&ticket_id={{ Ticket,Id }}",
                "ddportal://name=ticket&ticket_id={{ T icket.Id }}",
                "ddportal://name=ticket&ticket_id={{{ Ticket.Id }}",
                "ddportal://name=ticket&ticket_id={{ Ticket.\u{0456}d }}",
                "ddportal://name=ticket_list&auth_username={{ Contact.Emial | url_encode }}",
            ],
        );
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket&ticket_id={{ ticket.id }}",
                &settings
            ),
            "ddportal://name=ticket&ticket_id={{ Ticket.Id }}"
        );
    }

    #[test]
    fn instance_language() {
        let mut spanish = RuleSettings::new(None, Some(Dialect::Autotask));
        spanish.language = Language::Es;
        assert_rule_with(
            "DD204",
            &spanish,
            &["ddportal://name=ticket&ticket_id=[Ticket: Id.]"],
            &["ddportal://name=ticket&ticket_id=[Ticket: ID]"],
        );
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                &spanish
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: Id.]"
        );
    }

    #[test]
    fn suggestions() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket&ticket_id=[srnumbr]",
                &settings
            ),
            "ddportal://name=ticket&ticket_id=[srnumber]"
        );
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket&ticket_id=[Ticket:ID]",
                &settings
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket&ticket_id={{ Tiket.Id }}",
                &settings
            ),
            "ddportal://name=ticket&ticket_id={{ Ticket.Id }}"
        );
        for near_miss in ["{{{ Ticket.Id }}", "{{ Ticket.Ud }}", "{{ Ticket/Id }}"] {
            assert_eq!(
                fixed(
                    "DD204",
                    &format!("ddportal://name=ticket&ticket_id={near_miss}"),
                    &settings
                ),
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}"
            );
        }
        assert_eq!(
            fixed(
                "DD204",
                "ddportal://name=ticket_list&auth_username={{- Contact.Emial | url_encode -}}",
                &settings
            ),
            "ddportal://name=ticket_list&auth_username={{- Contact.Email | url_encode -}}"
        );
    }
}
