use super::did_you_mean::closest;
use super::param_not_allowed::{self, PARAM_NOT_ALLOWED};
use super::unescaped_ampersand::UNESCAPED_AMPERSAND;
use super::unknown_param::UNKNOWN_PARAM;
use super::whitespace_in_url::WHITESPACE_IN_URL;
use super::wrong_case::{after_unterminated_amp, canonical_key, meant_key};
use super::{Findings, LinkSite, legacy_v1_link, unknown_param};
use crate::command::Param;
use crate::command::spec::{NAME_KEY, command_owning, is_auth_key};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a deep link without a `name` parameter, unless it carries only auth parameters.
    ///
    /// ## Why is this bad?
    /// `name` says which page to open. Without it the portal cannot route the link; only an
    /// auth-only link (which logs the contact in and opens the portal home) may leave it out.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?ticket_id=[srnumber]">View ticket</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View ticket</a>
    /// ```
    pub static MISSING_COMMAND_NAME = {
        code: "DD102",
        name: "missing-command-name",
        severity: Error,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&MISSING_COMMAND_NAME) {
        return;
    }
    let params = &site.link.params;
    // `Name=` is a wrong-case name (DD111), not a missing one.
    if params
        .iter()
        .any(|p| site.key(p).eq_ignore_ascii_case(NAME_KEY))
    {
        return;
    }
    // `ticketid=5` names its page the V1 way (DD501); `name%3Dticket` names it
    // percent-encoded (DD104).
    if legacy_v1_link::v1_pair(site).is_some()
        || params.iter().any(|p| {
            unknown_param::percent_encoded_pairs(site.key(p))
                .is_some_and(|pairs| pairs.starts_with("name="))
        })
    {
        return;
    }
    // `name =ticket_list`, ` name=…`, `/name=…`: the link has a name, misread, which DD402 or
    // DD104 reports as the one defect it is.
    if params.iter().any(|p| misread_name(site.key(p), findings)) {
        return;
    }
    // `ticket_id=5#c1&name=ticket`: a name after the `#`, which DD105 reports.
    if findings.enabled(&PARAM_NOT_ALLOWED) && param_not_allowed::fragment_holds(site, NAME_KEY) {
        return;
    }
    // `AUTH_TOKEN=` is an auth key in the wrong case (DD111), `auth%5Ftoken=` one
    // percent-encoded and `auth_user=` one misspelt (DD104): the link is auth-only.
    // A link of guesses alone (`?email=[x]`) is not taken for an auth-only one.
    let misread_named = findings.enabled(&UNKNOWN_PARAM);
    let written_auth_key = |p: &Param| {
        let key = site.key(p);
        is_auth_key(&key.to_ascii_lowercase()) || meant_key(key).is_some_and(is_auth_key)
    };
    let auth_key = |p: &Param| {
        written_auth_key(p)
            || (misread_named
                && canonical_key(site.key(p)).is_none()
                && unknown_param::keys_meant(site, p)
                    .first()
                    .is_some_and(|&k| is_auth_key(k)))
    };
    if params.iter().any(written_auth_key) && params.iter().all(auth_key) {
        return;
    }
    let span = if site.link.command.is_empty() {
        site.whole()
    } else {
        site.span(site.link.command.clone())
    };
    let hint = params
        .iter()
        .find_map(|p| command_owning(site.key(p)))
        .map_or_else(
            || "add `name=` and a command, e.g. `name=ticket_list`".to_owned(),
            |spec| format!("add `name={}`", spec.name),
        );
    findings.push(
        Diagnostic::new(&MISSING_COMMAND_NAME, span, "the deep link has no `name`").with_help(hint),
    );
}

/// Whether `key` is `name` written with white space (DD402's) or a near miss of it (DD104's),
/// when the rule that reports it is on.
pub fn misread_name(key: &str, findings: &Findings) -> bool {
    if canonical_key(key).is_some() {
        return false;
    }
    (findings.enabled(&WHITESPACE_IN_URL)
        && super::site::unspaced(key).eq_ignore_ascii_case(NAME_KEY))
        || (findings.enabled(&UNKNOWN_PARAM)
            && (closest(key, [NAME_KEY]).is_some() || meant_key(key) == Some(NAME_KEY)))
        // `&ampname=`: DD401 adds the `;`.
        || (findings.enabled(&UNESCAPED_AMPERSAND)
            && after_unterminated_amp(key).is_some_and(|key| key.eq_ignore_ascii_case(NAME_KEY)))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD102",
            &[
                "ddportal://name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink?auth_username=[Contact: Email Address]&auth_token=[X: Y]",
                "ddportal://Name=ticket_list",
                "ddportal://ticketid=1",
                "ddportal://ticketid=1&action=close",
                "ddportal://name%3Dticket_list",
                "ddportal://name =ticket_list",
                "ddportal:// name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink?/name=ticket_list",
                "ddportal://nme=ticket_list",
                "ddportal://ticketid=5&amp;amp;name=ticket",
                "ddportal://ticketid=5&ampname=ticket",
            ],
            &[
                "ddportal://ticket_id=1",
                "https://acme.deskdirector.com/portal/deeplink",
                "https://acme.deskdirector.com/portal/deeplink?",
                "ddportal://state=open&auth_token=x",
                "ddportal://email=[x]",
            ],
        );
    }
}
