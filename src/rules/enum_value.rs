//! The shared check behind DD106 (action) and DD107 (state): a value from a fixed list.

use super::did_you_mean::closest;
use super::separator::{self, NextKey};
use super::{Findings, LinkSite, Rule};
use crate::command::token::has_token;
use crate::diagnostic::{Diagnostic, Edit, Fix};

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
        // Empty (DD110), wrong case (DD111) and templated values are judged elsewhere.
        if value.is_empty()
            || words.contains(&value)
            || words.contains(&value.to_ascii_lowercase().as_str())
            || has_token(value)
        {
            continue;
        }
        let range = param.value.clone().expect("value present");
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
        let span = site.span(range);
        let mut diagnostic = Diagnostic::new(rule, span, format!("`{value}` is not {what}"));
        match closest(value, words.iter().copied()) {
            Some(suggestion) => {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{suggestion}`?"))
                    .with_fix(Fix::unsafe_(vec![Edit::replace(span, suggestion)]));
            }
            None => {
                diagnostic = diagnostic.with_help(format!("expected one of: {}", words.join(", ")));
            }
        }
        findings.push(diagnostic);
    }
}
