use std::collections::HashMap;

use super::{Findings, LinkSite};
use crate::command::Param;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a parameter that appears more than once in one deep link.
    ///
    /// ## Why is this bad?
    /// Each key may appear once. With two `ticket_id`s or two `action`s, which one the portal
    /// reads is an accident of its implementation; the other is silently dropped.
    ///
    /// A placeholder is not expanded when it writes a key twice, a control twice
    /// (`<dd-link as="button" as="link">`, of which an HTML parser keeps the first), or a
    /// parameter that one of its controls adds (`access_token` beside `auth="access-token"`,
    /// `auth_remember_me` beside `remember-me`).
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=[srnumber]&amp;action=close&amp;action=approve">Close</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=[srnumber]&amp;action=close">Close</a>
    /// ```
    pub static DUPLICATE_PARAM = {
        code: "DD109",
        name: "duplicate-param",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&DUPLICATE_PARAM) {
        return;
    }
    // Each key's first parameter, looked up rather than searched for: a link may carry
    // thousands of parameters.
    let mut firsts: HashMap<&str, &Param, foldhash::fast::RandomState> = HashMap::default();
    for param in &site.link.params {
        // A key behind an `&amp` without its `;` (`&ampaction=`) is the key it will be read
        // as once DD401 adds the `;`. One behind `&amp;amp;` stays as it is when the link has
        // the key already: DD104 says so, and leaves it.
        let written = site.key(param);
        let key = super::wrong_case::after_unterminated_amp(written).unwrap_or(written);
        if key.is_empty() {
            continue;
        }
        let first = *firsts.entry(key).or_insert(param);
        if !std::ptr::eq(first, param)
            && !in_other_branch(
                site.str(first.value.as_ref().map_or(first.key.end, |v| v.end)..param.key.start),
            )
        {
            let first_value = site.value(first).unwrap_or_default();
            let same = site.value(param).unwrap_or_default() == first_value;
            let help = if same {
                "the same value twice: remove one".to_owned()
            } else {
                "keep the one you mean and remove the other".to_owned()
            };
            findings.push(
                Diagnostic::new(
                    &DUPLICATE_PARAM,
                    site.span(param.key.clone()),
                    format!("`{key}` appears more than once"),
                )
                .with_help(help),
            );
        }
    }
}

/// Whether `between`, the text between two parameters, is where one branch of a template's
/// condition ends and the next begins: then the mail carries one of them, never both
/// (`{% if a %}&action=approve{% else %}&action=decline{% endif %}`). A parameter before the
/// condition opens, or after it closes, is carried with either branch.
fn in_other_branch(between: &str) -> bool {
    if !between.contains('{') {
        return false;
    }
    let lower = between
        .to_ascii_lowercase()
        .replace("{%-", "{%")
        .replace("{{~", "{{");
    let has = |tags: &[&str]| tags.iter().any(|tag| lower.contains(tag));
    has(&["{% else", "{% elsif", "{% when", "{{else", "{{^"])
        && !has(&["{% if", "{% unless", "{% case", "{{#"])
        && !has(&["{% endif", "{% endunless", "{% endcase", "{{/"])
}

/// A key written twice in a `{{deeplink …}}` call (`span`: its second `key`): the call keeps
/// only one of the two values, so it is not expanded.
pub fn report_in_placeholder(findings: &mut Findings, span: Span, key: &str) {
    if findings.enabled(&DUPLICATE_PARAM) {
        findings.push(
            Diagnostic::new(
                &DUPLICATE_PARAM,
                span,
                format!("`{key}` appears more than once"),
            )
            .with_help("keep the one you mean and remove the other"),
        );
    }
}

/// A parameter written in a placeholder (`span`) that one of its controls (`control`, as
/// written: `auth="access-token"`) adds too: the link would hold it twice, so it is not
/// expanded.
pub fn report_added_by_control(findings: &mut Findings, span: Span, key: &str, control: &str) {
    if findings.enabled(&DUPLICATE_PARAM) {
        findings.push(
            Diagnostic::new(
                &DUPLICATE_PARAM,
                span,
                format!("`{key}` is written here, and `{control}` adds it too"),
            )
            .with_help(format!("remove `{key}`: `{control}` writes it")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_rule, codes};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD109",
            &[
                "ddportal://name=ticket&ticket_id=1&action=close",
                "ddportal://name=ticket&ticket_id=1{% if a %}&action=approve{% else %}&action=decline{% endif %}",
                "ddportal://name=ticket&ticket_id=1{{#if a}}&action=approve{{else}}&action=decline{{/if}}",
            ],
            &[
                "ddportal://name=ticket&ticket_id=1&action=close&action=approve",
                "ddportal://name=ticket&name=ticket&ticket_id=1",
                "ddportal://name=ticket&ticket_id=1{% if a %}&action=close{% endif %}&action=close",
                "ddportal://name=ticket&ticket_id=1{% if a %}&action=approve{% else %}&action=decline{% endif %}&action=close",
                "ddportal://name=ticket&ticket_id=1{{#if a}}&action=approve{{else}}{{/if}}&action=close",
            ],
        );
    }

    #[test]
    fn reports_each_repeat() {
        let found = crate::rules::testing::check(
            "ddportal://name=quotes&x=1&x=2&x=3",
            &crate::rules::RuleSettings::default(),
            crate::rules::Origin::Attribute,
        );
        assert_eq!(found.iter().filter(|d| d.code() == "DD109").count(), 2);
        assert!(codes("ddportal://name=quotes&x=1&x=2").contains(&"DD104"));
    }

    #[test]
    fn repeats_far_along_a_long_link_name_their_first() {
        let mut link: String = std::iter::once("ddportal://name=quotes".to_owned())
            .chain((0..3000).map(|n| format!("&k{n}={n}")))
            .collect();
        link.push_str("&k2999=2999&k5=x&k0=0");
        let found = crate::rules::testing::check(
            &link,
            &crate::rules::RuleSettings::default(),
            crate::rules::Origin::Attribute,
        );
        let repeats: Vec<(&str, &str)> = found
            .iter()
            .filter(|d| d.code() == "DD109")
            .map(|d| {
                (
                    &link[d.span.start..d.span.end],
                    d.help().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            repeats,
            [
                ("k2999", "the same value twice: remove one"),
                ("k5", "keep the one you mean and remove the other"),
                ("k0", "the same value twice: remove one"),
            ]
        );
    }
}
