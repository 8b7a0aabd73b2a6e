use super::wrong_case::canonical_key;
use std::ops::Range;

use super::legacy_v1_link::v1_pair;
use super::separator::{self, NextKey};
use super::tokens::{DialectContext, TokenUse};
use super::unescaped_ampersand::{UNESCAPED_AMPERSAND, misread_ampersand};
use super::{Findings, LinkSite};
use crate::command::LinkKind;
use crate::command::spec::{self, KeySpec, ValueKind, auth_key};
use crate::command::token::{find_char_outside_tokens, has_token, is_single_token};
use crate::command::value::is_valid_literal;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::dialect::Dialect;
use crate::dialect::token::{
    Meaning, autotask_variable, is_vocabulary_field, known_dialect, meaning, token_for,
};

declare_rule! {
    /// ## What it does
    /// Reports a literal value that does not fit its parameter: a `ticket_id` that is not a
    /// number (`T20240101.0001` is a ticket *number*), a `page_id` that is not a UUID, a
    /// `type_id` or `menu_id` that is not numeric, an id with characters no id has, an
    /// `auth_username` that is not an e-mail address, an `auth_remember_me` that is not `true`
    /// or `false`.
    ///
    /// Template tokens (`[srnumber]`, `{{ Ticket.Id }}`) are filled in at send time and are
    /// judged by the dialect rules instead; but a numeric or UUID value that writes anything
    /// around its token (`[srnumber]x`, `T[srnumber]`, `"[srnumber]"`) is reported, since
    /// what the PSA fills in then is no id. So is a known token of the file's PSA that stands
    /// for another field: `ticket_id=[Contact: ID]`, `ticket_id=[contactfirstname]`,
    /// `auth_username=[srnumber]` or `auth_username=[Resource: Email Address]` (the
    /// technician's address, not the contact's). A credential's template token
    /// (`auth_token={{ Token }}`) with text or the next parameter written beside it
    /// (`{{ Token }}amp;auth_remember_me=…`, `x{{ AccessToken }}`) is reported too: the
    /// portal reads the whole as the credential, which signs no one in.
    ///
    /// ## Why is this bad?
    /// The portal cannot find the record: the recipient gets an error page.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=T20240101.0001">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    ///
    /// ## Fix
    /// None for a literal value that is wrong; the dialect's ticket-id token for a token of
    /// another field in `ticket_id`, unsafe (which field was meant is a guess). A `?`, `;` or
    /// `,` written after a valid value for the `&` before the next parameter
    /// (`ticket_id=[srnumber]?action=approve`) becomes that `&`, safely; not where the
    /// parameter it separates is in the link already. An `amp;` there is an `&amp;` that lost
    /// its `&`, and becomes `&amp;` whole: safely where the value is valid only without the
    /// `amp` (`ticket_id=[srnumber]amp;…`), unsafely where an id may end in `amp` as well
    /// (`quote_id=QABV829amp;…` is `QABV829` or `QABV829amp`: the help names both). An
    /// `amp;` that is the whole value (`ticket_id=amp;action=…`) is repaired the same way,
    /// and the value left empty is then DD110's.
    pub static INVALID_VALUE = {
        code: "DD108",
        name: "invalid-value",
        severity: Error,
        fix: Sometimes,
    };
}

/// A known token of the file's PSA, the whole value of `ticket_id` or `auth_username`, that
/// the mail system fills in with another field (`ticket_id=[Contact: ID]`). Run once the
/// file's dialect is known, with the other token rules.
pub fn check_token(token: &TokenUse, context: &DialectContext, findings: &mut Findings) {
    if !findings.enabled(&INVALID_VALUE) {
        return;
    }
    let Some((wanted, dialect)) = another_field(token, context) else {
        return;
    };
    let (key, field) = match wanted {
        Meaning::TicketId => (spec::TICKET_ID, "the ticket id"),
        _ => (spec::AUTH_USERNAME, "the contact's e-mail address"),
    };
    let language = match autotask_variable(&token.token) {
        Some((_, written_in)) if context.dialect.is_none() => written_in,
        _ => context.language,
    };
    let diagnostic = Diagnostic::new(
        &INVALID_VALUE,
        token.span,
        format!(
            "`{}` is filled in with another field than {field}, which `{key}` takes",
            token.token
        ),
    );
    findings.push(match token_for(wanted, dialect, language) {
        Some(right) if wanted == Meaning::TicketId => diagnostic
            .with_help(format!("did you mean `{right}`?"))
            .with_fix(Fix::unsafe_(vec![Edit::replace(token.span, right)])),
        // The contact's address may be configured otherwise (`[auth] email_token`), which
        // the rules do not see: named, not offered as a fix.
        Some(right) => diagnostic.with_help(format!(
            "write the token of {field}: `{right}`, or the `[auth] email_token` your instance uses"
        )),
        None => diagnostic.with_help(format!("write your PSA's token for {field}")),
    });
}

/// The field `token` should stand for (the ticket id, the contact's address) and the PSA
/// it belongs to, when it is a known token of that PSA that stands for another field.
pub fn another_field(token: &TokenUse, context: &DialectContext) -> Option<(Meaning, Dialect)> {
    let wanted = match token.key {
        Some(spec::TICKET_ID) => Meaning::TicketId,
        Some(spec::AUTH_USERNAME) => Meaning::ContactEmail,
        _ => return None,
    };
    if !token.whole_value {
        return None;
    }
    let dialect = known_dialect(&token.token)?;
    // In another PSA's template the token is a mismatch (DD201) first.
    if context.dialect.is_some_and(|file| file != dialect) {
        return None;
    }
    let found = meaning(&token.token);
    // The ticket number is DD202's.
    if found == Some(wanted) || found == Some(Meaning::TicketNumber) {
        return None;
    }
    let known = match dialect {
        // `{{ Contact.Id }}` in `ticket_id`: a field of another of the objects a mail has.
        Dialect::DeskDirector => {
            found.is_some() || (wanted == Meaning::TicketId && names_another_object(&token.token))
        }
        Dialect::Autotask | Dialect::ConnectWise => is_vocabulary_field(&token.token),
    };
    known.then_some((wanted, dialect))
}

/// Whether a Liquid token reads a field of an object other than the ticket
/// (`{{ Contact.Id }}`, `{{ Company.Id }}`), or another field of the ticket
/// (`{{ Ticket.Title }}`); a near miss of the ticket's id (`{{ Ticket.Idd }}`) is DD204's.
fn names_another_object(token: &str) -> bool {
    crate::dialect::token::liquid_expression(token).is_some_and(|expression| {
        expression.split_once('.').is_some_and(|(object, field)| {
            !field.is_empty()
                && crate::dialect::vocabulary::DESKDIRECTOR_OBJECTS.contains(&object)
                && (object != "Ticket"
                    || super::unknown_token::liquid_near_miss(expression).is_none())
        })
    })
}

/// The spec of a key on this link's command, or of an auth key.
pub(super) fn key_spec(site: &LinkSite, key: &str) -> Option<&'static KeySpec> {
    // `Ticket_ID=` is `ticket_id` in the wrong case (DD111): its value is judged all the same.
    // `amp;auth_remember_me=` (DD104) and `ampticket_id=` (DD401) too, as they will be read.
    let key = canonical_key(key)
        .or_else(|| super::site::misread_as(key))
        .unwrap_or(key);
    site.implied_command()
        .and_then(|c| c.key(key))
        .or_else(|| auth_key(key))
}

/// What a value of a numeric `kind` holds besides its template tokens (white space aside,
/// DD402's), if anything.
/// What is written around the template tokens of a value that must be one id
/// (`ab[srnumber]cd` → `` `ab` and `cd` are``), or `None` when nothing is.
fn around_token(kind: ValueKind, value: &str) -> Option<String> {
    if !matches!(
        kind,
        ValueKind::TicketId
            | ValueKind::NumericId
            | ValueKind::Uuid
            | ValueKind::Secret
            | ValueKind::Jwt
    ) || is_single_token(value)
    {
        return None;
    }
    find_char_outside_tokens(value, |c| !c.is_whitespace())?;
    let mut outside = Vec::new();
    let mut at = 0;
    for token in crate::command::token::tokens(value) {
        outside.push(&value[at..token.range.start]);
        at = token.range.end;
    }
    outside.push(&value[at..]);
    let outside: Vec<String> = outside
        .into_iter()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| format!("`{text}`"))
        .collect();
    let verb = if outside.len() == 1 { "is" } else { "are" };
    Some(format!("{} {verb}", outside.join(" and ")))
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&INVALID_VALUE) {
        return;
    }
    // `ddportal://ticketid=T20240101.0001`: DD501 makes the value a `ticket_id`, judged now
    // rather than after the fix.
    if let LinkKind::LegacyV1 {
        form,
        value: Some((start, end)),
    } = site.link.kind
    {
        let spec = form
            .v2_key()
            .and_then(|key| spec::command_spec(form.v2_name())?.key(key));
        if let Some(spec) = spec {
            judge(site, findings, spec, start..end);
        }
        return;
    }
    if !site.is_deep_link() {
        return;
    }
    // `ddportal://ticketid=abc&action=close`: the V1 pair's value is judged under the key
    // DD501 gives it.
    let v1_pair = v1_pair(site);
    for param in &site.link.params {
        let spec = match v1_pair {
            Some((pair, form)) if std::ptr::eq(pair, param) => form
                .v2_key()
                .and_then(|key| spec::command_spec(form.v2_name())?.key(key)),
            _ => key_spec(site, site.key(param)),
        };
        if let (Some(spec), Some(value)) = (spec, &param.value) {
            judge(site, findings, spec, value.clone());
        }
    }
}

/// Judge the value at `range` of a parameter `spec` describes.
fn judge(site: &LinkSite, findings: &mut Findings, spec: &KeySpec, range: Range<usize>) {
    // Fixed word lists are DD106/DD107/DD111's.
    if matches!(spec.kind, ValueKind::OneOf(_)) {
        return;
    }
    // `5"e_id=…`: the `&quote_id=` an HTML tool misread (DD401 repairs it).
    if findings.enabled(&UNESCAPED_AMPERSAND) && misread_ampersand(site, range.clone()).is_some() {
        return;
    }
    let key = spec.key;
    let value = site.str(range.clone());
    let trimmed = value.trim();
    // A credential written out is DD302's, and nothing of it is quoted here; one the template
    // fills in (`{{ Token }}`) is judged for what is written beside its token
    // (`{{ Token }}amp;auth_remember_me=…`, `x{{ AccessToken }}`): the portal reads the
    // whole as the credential, which then signs no one in.
    let credential = matches!(spec.kind, ValueKind::Secret | ValueKind::Jwt);
    if trimmed.is_empty() || (credential && !has_token(trimmed)) {
        return;
    }
    // `ticket_id=[srnumber]?action=approve`: a separator where `&` belongs.
    let is_value = |before: &str| {
        is_single_token(before) || (!credential && is_valid_literal(spec.kind, before))
    };
    let read_as = format!("the `{key}`");
    if separator::check(
        site,
        findings,
        &INVALID_VALUE,
        range.clone(),
        is_value,
        NextKey::Known,
        &read_as,
    ) {
        return;
    }
    if has_token(trimmed) {
        // A token is the PSA's to fill in (and the dialect rules' to judge), but written
        // with other characters around it in a numeric value, the result is no id
        // (`[srnumber]x`, `"[srnumber]"`).
        if let Some(extra) = around_token(spec.kind, trimmed) {
            // What stands beside a credential's token may be part of a credential written
            // out: it is not quoted.
            let message = if credential {
                format!(
                    "`{key}` is not its template token alone: something is written beside it, and the portal reads the whole as the credential"
                )
            } else {
                format!(
                    "`{value}` is not a valid `{key}`: {extra} written around the template token, and {} is expected",
                    spec.kind.describe()
                )
            };
            findings.push(
                Diagnostic::new(&INVALID_VALUE, site.span(range), message)
                    .with_help("write the token alone"),
            );
        }
        return;
    }
    if spec.kind == ValueKind::Bool
        && matches!(trimmed.to_ascii_lowercase().as_str(), "true" | "false")
    {
        return;
    }
    if is_valid_literal(spec.kind, trimmed) {
        return;
    }
    // Digits, but more of them than an id holds (an `i64`): "expected a numeric id" would
    // contradict what the reader sees.
    let expected = if matches!(spec.kind, ValueKind::TicketId | ValueKind::NumericId)
        && !trimmed.is_empty()
        && trimmed.bytes().all(|b| b.is_ascii_digit())
    {
        format!(
            "{} digits are more than an id holds (at most 19)",
            trimmed.len()
        )
    } else {
        format!("expected {}", spec.kind.describe())
    };
    let mut diagnostic = Diagnostic::new(
        &INVALID_VALUE,
        site.span(range),
        format!("`{value}` is not a valid `{key}`: {expected}"),
    );
    if spec.kind == ValueKind::TicketId && trimmed.starts_with(['T', 't']) && trimmed.contains('.')
    {
        diagnostic = diagnostic
            .with_help("this looks like a ticket number; deep links need the numeric ticket id");
    }
    if key == spec::AUTH_USERNAME {
        diagnostic = diagnostic.with_help("use the contact e-mail token of your PSA");
    }
    findings.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, finding};

    #[test]
    fn too_many_digits_for_an_id_is_said_so() {
        let settings = RuleSettings::default();
        let too_long = finding(
            "DD108",
            "ddportal://name=ticket&ticket_id=99999999999999999999999",
            &settings,
        );
        assert_eq!(
            too_long.message(),
            "`99999999999999999999999` is not a valid `ticket_id`: 23 digits are more than an id holds (at most 19)"
        );
        let letters = finding("DD108", "ddportal://name=ticket&ticket_id=12a", &settings);
        assert_eq!(
            letters.message(),
            "`12a` is not a valid `ticket_id`: expected a numeric ticket id"
        );
    }

    #[test]
    fn the_message_quotes_all_that_stands_around_the_token() {
        for (value, around) in [
            ("ab[srnumber]cd", "`ab` and `cd` are"),
            ("T-[srnumber]", "`T-` is"),
            ("[srnumber] x", "`x` is"),
        ] {
            let found = crate::rules::testing::finding(
                "DD108",
                &format!("ddportal://name=ticket&ticket_id={value}"),
                &crate::rules::RuleSettings::default(),
            );
            assert_eq!(
                found.message(),
                format!(
                    "`{value}` is not a valid `ticket_id`: {around} written around the template token, and a numeric ticket id is expected"
                )
            );
        }
    }

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD108",
            &[
                "ddportal://name=ticket&ticket_id=123",
                "ddportal://name=ticket&ticket_id=[srnumber]",
                "ddportal://name=ticket&ticket_id=",
                "ddportal://name=request_type&type_id=4",
                "ddportal://name=content_page&page_id=0f8fad5b-d9cb-469f-a165-70867728950e",
                "ddportal://name=invoice&invoice_id=I239394",
                "ddportal://name=quote&quote_id=QABV829",
                "ddportal://name=menu_item&menu_id=12",
                "ddportal://name=survey&survey_id=S1&campaign_id=C-2",
                "ddportal://name=login&auth_username=a@b.co&auth_token=[t]&auth_remember_me=false",
                "ddportal://name=login&auth_username=a@b.co&auth_token=[t]&auth_remember_me=TRUE",
                "ddportal://name=quotes&quote_id=not valid",
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
                "ddportal://name=ticket&ticket_id=%5Bsrnumber%5D",
                "ddportal://name=invoice&invoice_id=I[invoiceid]",
            ],
            &[
                "ddportal://name=ticket&ticket_id=[srnumber]x",
                "ddportal://name=ticket&ticket_id=T[srnumber]",
                "ddportal://name=ticket&ticket_id=\"[srnumber]\"",
                "ddportal://name=menu_item&menu_id=[menuid]-1",
                "ddportal://name=ticket&ticket_id=T20240101.0001",
                "ddportal://name=request_type&type_id=abc",
                "ddportal://name=content_page&page_id=12",
                "ddportal://name=invoice&invoice_id=I/1",
                "ddportal://name=quote&quote_id=Q 1",
                "ddportal://name=menu_item&menu_id=x",
                "ddportal://name=survey&survey_id=S1&campaign_id=a/b",
                "ddportal://name=login&auth_username=bob&auth_token=[t]",
                "ddportal://name=login&auth_username=a@b.co&auth_token=[t]&auth_remember_me=yes",
            ],
        );
    }
}
