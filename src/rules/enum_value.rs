//! The shared check behind DD106 (action) and DD107 (state): a value from a fixed list.

use super::did_you_mean::closest;
use super::separator::{self, NextKey};
use super::{Findings, LinkSite, Rule};
use crate::command::token::{TokenShape, alternatives, has_token, tokens};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};
use crate::dialect::token::{Meaning, is_vocabulary_field, meaning};

pub(super) fn check(
    site: &LinkSite,
    findings: &mut Findings,
    rule: &'static Rule,
    command: &str,
    key: &str,
    words: &[&'static str],
    what: &str,
) {
    if !site.is_deep_link()
        || !findings.enabled(rule)
        || site
            .implied_command()
            .is_none_or(|spec| spec.name != command)
    {
        return;
    }
    for param in site.params_named(key) {
        let Some(value) = site.value(param) else {
            continue;
        };
        let range = param.value.clone().expect("value present");
        // Empty (DD110) and wrong case (DD111) are judged elsewhere.
        if value.is_empty()
            || words.contains(&value)
            || words.contains(&value.to_ascii_lowercase().as_str())
        {
            continue;
        }
        // `state=approval?auth_remember_me=false`: a separator where `&` belongs.
        let is_word = |word: &str| {
            words.contains(&word) || words.contains(&word.to_ascii_lowercase().as_str())
        };
        let read_as = format!("the `{key}`");
        if separator::check(
            site,
            findings,
            rule,
            range.clone(),
            is_word,
            NextKey::Known,
            &read_as,
        ) {
            continue;
        }
        if let Some(message) = filled_in_wrong(value, what, words) {
            findings.push(
                Diagnostic::new(rule, site.span(range), message)
                    .with_help(format!("write one of: {}", words.join(", "))),
            );
            continue;
        }
        // `action={% if x %}approve{% else %}decline{% endif %}`: each branch is a value.
        if let Some(alternatives) = alternatives(value) {
            for word in alternatives
                .into_iter()
                .filter(|word| !is_word(&value[word.clone()]))
            {
                let span = site.span(range.start + word.start..range.start + word.end);
                findings.push(not_a_word(rule, &value[word], span, words, what));
            }
            continue;
        }
        // Any other templated value is filled in at send time.
        if has_token(value) {
            continue;
        }
        findings.push(not_a_word(rule, value, site.span(range), words, what));
    }
}

/// `value` at `span`, which is none of `words`, with the closest one as an unsafe fix.
fn not_a_word(
    rule: &'static Rule,
    value: &str,
    span: Span,
    words: &[&'static str],
    what: &str,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(rule, span, format!("`{value}` is not {what}"));
    match closest(value, words.iter().copied()) {
        Some(suggestion) => diagnostic
            .with_help(format!("did you mean `{suggestion}`?"))
            .with_fix(Fix::unsafe_(vec![Edit::replace(span, suggestion)])),
        None => diagnostic.with_help(format!("expected one of: {}", words.join(", "))),
    }
}

/// Why a value with template tokens in it can never be `what` (one of `words`), whatever the
/// mail system fills in: one token that a PSA's vocabulary knows as another field
/// (`action=[srnumber]`: the ticket id; `state=[Ticket: Status]`), or a PSA token glued to
/// written text (`action=aprove[x]`), unless what the token fills in could complete a word
/// (`auto_[x]`). Liquid and Handlebars may hold the words themselves
/// (`{% if … %}approve{% endif %}`), and are left alone.
pub(super) fn filled_in_wrong(value: &str, what: &str, words: &[&str]) -> Option<String> {
    let found = tokens(value);
    let first = found.first()?;
    if found.len() == 1 && first.range == (0..value.len()) {
        let field = match meaning(value) {
            Some(Meaning::TicketId) => "the ticket id",
            Some(Meaning::TicketNumber) => "the ticket number",
            Some(Meaning::ContactEmail) => "the contact's e-mail address",
            Some(Meaning::ContactFirstName) => "the contact's first name",
            // Any other field a PSA's vocabulary knows (`[memberid]`, `[Ticket: Status]`);
            // a custom field (`[cf-12]`) may hold anything.
            None if is_vocabulary_field(value) => "another field",
            None => return None,
        };
        return Some(format!("`{value}` is filled in with {field}, never {what}"));
    }
    if found.iter().any(|token| token.shape != TokenShape::Bracket) {
        return None;
    }
    let mut written = String::new();
    let mut from = 0;
    for token in &found {
        written.push_str(&value[from..token.range.start]);
        from = token.range.end;
    }
    written.push_str(&value[from..]);
    let written = written.trim();
    if written.is_empty() {
        return None;
    }
    // `auto_[cf-3]`: what the token fills in may complete a word (`auto_approve`).
    let before = &value[..first.range.start];
    let after = &value[found.last().map_or(value.len(), |last| last.range.end)..];
    if found.len() == 1
        && words.iter().any(|word| {
            word.len() > before.len() + after.len()
                && word.starts_with(before)
                && word.ends_with(after)
        })
    {
        return None;
    }
    let token = &value[first.range.clone()];
    Some(format!(
        "`{value}` is never {what}: the mail system fills in `{token}` beside `{written}`"
    ))
}
