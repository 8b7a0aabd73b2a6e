use super::{Findings, LinkSite};
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a parameter that appears more than once in one deep link.
    ///
    /// ## Why is this bad?
    /// Each key may appear once. With two `ticket_id`s or two `action`s, which one the portal
    /// reads is an accident of its implementation; the other is silently dropped.
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
    let params = &site.link.params;
    for (index, param) in params.iter().enumerate() {
        let key = site.key(param);
        if key.is_empty() {
            continue;
        }
        if let Some(first) = params[..index].iter().find(|p| site.key(p) == key) {
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

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_rule, codes};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD109",
            &["ddportal://name=ticket&ticket_id=1&action=close"],
            &[
                "ddportal://name=ticket&ticket_id=1&action=close&action=approve",
                "ddportal://name=ticket&name=ticket&ticket_id=1",
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
}
