use super::missing_command_name::MISSING_COMMAND_NAME;
use super::missing_required_param::MISSING_REQUIRED_PARAM;
use super::wrong_case::canonical_key;
use super::{Findings, LinkSite};
use crate::command::spec::{CommandSpec, NAME_KEY, command_owning, command_spec, is_auth_key};
use crate::command::{LinkKind, Param, parse_params};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a known parameter on a command that does not take it (`action` on
    /// `ticket_list`, `state` on `ticket`), and a `#fragment` on any command but `ticket`.
    /// On a ticket link it reports parameters written after the `#`
    /// (`ticket_id=5#c1&action=close`), which the portal never sees; when one of them is the
    /// link's required key, this finding stands for DD103's, as an error.
    ///
    /// ## Why is this bad?
    /// The portal ignores it, so whatever the template author meant by it does not happen:
    /// `name=ticket_list&action=approve` opens the list and approves nothing.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list&amp;action=approve">Approvals</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list&amp;state=approval">Approvals</a>
    /// ```
    ///
    /// ## Fix
    /// Removing the parameter is offered as an unsafe fix: it may have been meant for another
    /// command. Removing a `#fragment` removes the parameters written in it too, and the help
    /// names them. Parameters after the `#` of a ticket link get no fix: moved before it, they
    /// would do what the link has never done so far.
    pub static PARAM_NOT_ALLOWED = {
        code: "DD105",
        name: "param-not-allowed",
        severity: Warning,
        fix: Unsafe,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&PARAM_NOT_ALLOWED) {
        return;
    }
    // `ddportal://mytickets#c1`: DD501 makes it a `ticket_list` link, which takes no
    // fragment; said now rather than after the fix.
    if let LinkKind::LegacyV1 { form, .. } = site.link.kind
        && let Some(command) = command_spec(form.v2_name())
    {
        fragment_not_taken(site, command, findings);
        return;
    }
    if !site.is_deep_link() {
        return;
    }
    let command = site.implied_command();
    // On a command that takes no fragment, the fragment is reported whole below.
    if command.is_none_or(|c| c.fragment_allowed) {
        params_in_fragment(site, findings);
    }
    let Some(command) = command else {
        return;
    };
    for (index, param) in site.link.params.iter().enumerate() {
        // A key behind a misread ampersand (`&amp;amp;action=`) is judged as it will be read.
        let Some(key) =
            canonical_key(site.key(param)).or_else(|| super::site::misread_as(site.key(param)))
        else {
            continue;
        };
        if !not_taken(command, key) {
            continue;
        }
        let owner =
            command_owning(key).map_or(String::new(), |c| format!(" (it belongs to `{}`)", c.name));
        findings.push(
            Diagnostic::new(
                &PARAM_NOT_ALLOWED,
                site.span(param.key.clone()),
                format!("`name={}` does not take `{key}`{owner}", command.name),
            )
            .with_help("the portal ignores it")
            .with_fix(Fix::unsafe_(vec![Edit::delete(site.removal_span(index))])),
        );
    }
    fragment_not_taken(site, command, findings);
}

/// A `#fragment` on a command that takes none (`name=ticket_list#c1`).
fn fragment_not_taken(site: &LinkSite, command: &CommandSpec, findings: &mut Findings) {
    if let Some(fragment) = &site.link.fragment
        && !command.fragment_allowed
    {
        let fragment_span = site.span(fragment.clone());
        let with_hash = Span::new(fragment_span.start - 1, fragment_span.end);
        // The removal takes what is written in the fragment with it: say so, as those
        // parameters may be what the author meant the link to do.
        let written_in = fragment_params(site)
            .iter()
            .map(|p| format!("`{}=`", site.key(p)))
            .collect::<Vec<_>>();
        let help = if written_in.is_empty() {
            "only ticket links may point at a comment or time entry".to_owned()
        } else {
            format!(
                "only ticket links may point at a comment or time entry; removing the fragment \
                 also removes the {} written in it, which the portal does not read either",
                written_in.join(", ")
            )
        };
        findings.push(
            Diagnostic::new(
                &PARAM_NOT_ALLOWED,
                with_hash,
                format!("`name={}` does not take a `#fragment`", command.name),
            )
            .with_help(help)
            .with_fix(Fix::unsafe_(vec![Edit::delete(with_hash)])),
        );
    }
}

/// `name=ticket&ticket_id=5#c1&action=close`: the browser keeps the fragment from the
/// portal, so `action` is never read. Moving it before the `#` would make the link do what it
/// has not done so far (and `aprove` there would be an error): no fix.
fn params_in_fragment(site: &LinkSite, findings: &mut Findings) {
    let pairs = fragment_params(site);
    let (Some(first), Some(last)) = (pairs.first(), pairs.last()) else {
        return;
    };
    let keys: Vec<String> = pairs
        .iter()
        .map(|p| format!("`{}=`", site.key(p)))
        .collect();
    let required = site
        .command()
        .map_or(&[][..], |command| command.required)
        .iter()
        .map(|r| r.key);
    let lacking = std::iter::once(NAME_KEY)
        .chain(required)
        .find(|&key| !site.has_key(key) && fragment_holds(site, key));
    let also = lacking.map_or(String::new(), |needed| {
        format!(", and the link lacks the `{needed}` it needs")
    });
    let message = format!(
        "the portal does not read what follows `#`: {} {} in the fragment{also}",
        keys.join(", "),
        if keys.len() == 1 { "is" } else { "are" }
    );
    let span = site.span(first.range.start..last.range.end);
    let diagnostic = Diagnostic::new(&PARAM_NOT_ALLOWED, span, message)
        .with_help("move the parameters before the `#`: the fragment goes last");
    if let Some(needed) = lacking {
        let absence = if needed == NAME_KEY {
            &MISSING_COMMAND_NAME
        } else {
            &MISSING_REQUIRED_PARAM
        };
        findings.push_also_for(diagnostic, absence);
    } else {
        findings.push(diagnostic);
    }
}

/// The `key=value` pairs written in a link's fragment (`#c1&action=close`, `#action=close`):
/// a comment's anchor is a bare word.
fn fragment_params(site: &LinkSite) -> Vec<Param> {
    let Some(fragment) = site.link.fragment.clone() else {
        return Vec::new();
    };
    parse_params(site.text, fragment)
        .into_iter()
        .filter(|p| {
            let key = site.key(p);
            p.value.is_some()
                && !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'%'))
        })
        .collect()
}

/// Whether the link's fragment holds the known `key`, which this rule reports (so DD102 and
/// DD103 do not report it missing too: the fix is to move it, not to add it).
pub fn fragment_holds(site: &LinkSite, key: &str) -> bool {
    site.link.fragment.is_some()
        && fragment_params(site)
            .iter()
            .any(|p| canonical_key(site.key(p)) == Some(key))
}

/// Whether `name=…` of the link does not take the known `key` (DD105 reports it).
pub fn applies(site: &LinkSite, key: &str) -> bool {
    site.implied_command()
        .is_some_and(|command| not_taken(command, key))
}

fn not_taken(command: &CommandSpec, key: &str) -> bool {
    key != NAME_KEY && !is_auth_key(key) && command.key(key).is_none()
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD105",
            &[
                "ddportal://name=ticket&ticket_id=1&action=close#comment-2",
                "ddportal://name=survey&survey_id=1&campaign_id=2",
                "ddportal://name=quotes&auth_username=a@b.co&auth_token=[x]",
                "ddportal://name=nothing&state=open",
                "ddportal://name=ticket&ticket_id=1#c1",
                "ddportal://ticketid=1#c1",
                "ddportal://mytickets",
            ],
            &[
                "ddportal://name=ticket_list&action=approve",
                "ddportal://name=ticket&ticket_id=1&state=open",
                "ddportal://name=quotes&quote_id=Q1",
                "ddportal://name=quotes#top",
                "ddportal://name=ticket&ticket_id=1#c1&action=close",
                "ddportal://name=ticket&ticket_id=1#action=close",
                "ddportal://mytickets#c1",
                "ddportal://requestsupport#top",
            ],
        );
    }

    #[test]
    fn removes_the_parameter() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed(
                "DD105",
                "ddportal://name=ticket_list&action=approve&state=open",
                &settings
            ),
            "ddportal://name=ticket_list&state=open"
        );
        assert_eq!(
            fixed("DD105", "ddportal://name=quotes#top", &settings),
            "ddportal://name=quotes"
        );
        assert_eq!(
            fixed("DD105", "ddportal://mytickets#c1", &settings),
            "ddportal://mytickets"
        );
    }
}
