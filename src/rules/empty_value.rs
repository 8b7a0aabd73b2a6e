use super::param_not_allowed::{self, PARAM_NOT_ALLOWED};
use super::password_in_link::PASSWORD_IN_LINK;
use super::wrong_case::canonical_key;
use super::{Findings, LinkSite, legacy_v1_link};
use crate::command::spec::AUTH_PASSWORD;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a known parameter with no value: `ticket_id=`, `&action&`, `name=`. An empty
    /// `auth_password` is left to DD301, and a key the command does not take to DD105: both
    /// ask for it to go (unless they are off).
    ///
    /// ## Why is this bad?
    /// An empty value is usually a template token that was deleted by an editor, or a PSA
    /// field that was never mapped. The portal treats the parameter as absent.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    pub static EMPTY_VALUE = {
        code: "DD110",
        name: "empty-value",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&EMPTY_VALUE) {
        return;
    }
    // `ticketid=` without `name`: the V1 command (DD501) names no ticket either way.
    let v1 = legacy_v1_link::v1_pair(site).and_then(|(param, form)| Some((param, form.v2_key()?)));
    for param in &site.link.params {
        let key = site.key(param);
        let v1_key = v1
            .filter(|(v1, _)| std::ptr::eq(*v1, param))
            .map(|(_, key)| key);
        // A key behind a misread ampersand (`&amp;amp;action=`) is judged as it will be read.
        let Some(known) = canonical_key(key)
            .or(v1_key)
            .or_else(|| super::site::misread_as(key))
        else {
            continue;
        };
        // DD301 says to remove `auth_password` whatever its value, and DD105 a key the command
        // does not take: "give it a value" would contradict them.
        if known == AUTH_PASSWORD && findings.enabled(&PASSWORD_IN_LINK) {
            continue;
        }
        if findings.enabled(&PARAM_NOT_ALLOWED) && param_not_allowed::applies(site, known) {
            continue;
        }
        let empty = site.value(param).is_none_or(|v| v.trim().is_empty());
        if empty {
            let required = site
                .implied_command()
                .is_some_and(|c| c.required.iter().any(|k| k.key == known))
                || known == crate::command::spec::NAME_KEY;
            let help = if required {
                format!("give `{known}` a value: it is required")
            } else {
                format!("give `{known}` a value or remove it")
            };
            findings.push(
                Diagnostic::new(
                    &EMPTY_VALUE,
                    site.span(param.range.clone()),
                    format!("`{key}` has no value"),
                )
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD110",
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://name=quotes&unknown=",
            ],
            &[
                "ddportal://name=ticket&ticket_id=",
                "ddportal://name=ticket&ticket_id",
                "ddportal://name=",
                "ddportal://name=ticket&ticket_id=1&action=",
            ],
        );
    }
}
