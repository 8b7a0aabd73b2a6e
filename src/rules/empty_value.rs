use super::param_not_allowed::{self, PARAM_NOT_ALLOWED};
use super::password_in_link::PASSWORD_IN_LINK;
use super::wrong_case::canonical_key;
use super::{Findings, LinkSite, legacy_v1_link};
use crate::command::spec::AUTH_PASSWORD;
use crate::command::token::split_outside_tokens;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};

declare_rule! {
    /// ## What it does
    /// Reports a known parameter with no value: `ticket_id=`, `&action&`, `name=`. An empty
    /// `auth_password` is left to DD301, and a key the command does not take to DD105: both
    /// ask for it to go (unless they are off).
    ///
    /// An empty parameter, a separator with nothing after it, is reported too, as a warning:
    /// `&amp;` at the end of the link or before its `#fragment`, at the start of the command,
    /// or written twice (`ticket_id=[srnumber]&amp;&amp;action=approve`).
    ///
    /// ## Why is this bad?
    /// An empty value is usually a template token that was deleted by an editor, or a PSA
    /// field that was never mapped. The portal treats the parameter as absent. An empty
    /// separator is what is left where an editor cut a parameter out; the portal skips it,
    /// but whatever stood there is lost.
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
    ///
    /// ## Fix
    /// An empty separator is removed: a safe fix, since the portal skips it (a parameter
    /// lost there is the author's to write back). An empty value has no fix: which value
    /// was meant is the author's to say.
    pub static EMPTY_VALUE = {
        code: "DD110",
        name: "empty-value",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&EMPTY_VALUE) {
        return;
    }
    empty_separators(site, findings);
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

/// Report each `&` that separates no parameter: at either end of the command, or the first
/// of two or more in a row, with the safe fix that removes it.
fn empty_separators(site: &LinkSite, findings: &mut Findings) {
    let command = site.link.command.clone();
    if command.is_empty() || memchr::memchr(b'&', site.text[command.clone()].as_bytes()).is_none() {
        return;
    }
    let pairs = split_outside_tokens(&site.text[command.clone()], b'&');
    let last = pairs.len() - 1;
    let mut index = 0;
    while index < pairs.len() {
        if !pairs[index].is_empty() {
            index += 1;
            continue;
        }
        // A run of empty pairs: the `&`s after each of them, up to the next pair.
        let run_start = index;
        while index < pairs.len() && pairs[index].is_empty() {
            index += 1;
        }
        let at_start = run_start == 0;
        let at_end = index > last;
        if at_start && at_end {
            // `deeplink?&`: no command at all, which DD102 reports.
            continue;
        }
        // The separators that go: the one after each empty pair, or, at the end of the
        // command, the one before each.
        let (from, to) = if at_end {
            (pairs[run_start].start - 1, pairs[last].end)
        } else {
            (pairs[run_start].start, pairs[index].start)
        };
        let range = command.start + from..command.start + to;
        let span = site.span(range.clone());
        let overlaps_envelope = site.link.envelope_issues.iter().any(|issue| {
            let issue = site.span(issue.range.clone());
            issue.start < span.end && span.start < issue.end.max(issue.start + 1)
        });
        if overlaps_envelope {
            continue;
        }
        let written = site.written(range.clone());
        let message = if at_start {
            format!("the command starts with `{written}`, which separates no parameter")
        } else if at_end && site.link.fragment.is_some() {
            format!("`{written}` before the `#` separates no parameter")
        } else if at_end {
            format!("the link ends with `{written}`, which separates no parameter")
        } else {
            let both = command.start + pairs[run_start].start - 1..range.end;
            format!(
                "`{}`: an empty parameter between the separators",
                site.written(both)
            )
        };
        let mut diagnostic = Diagnostic::new(&EMPTY_VALUE, span, message)
            .with_help(format!(
                "remove `{written}` (if a parameter was cut out there, write it back)"
            ))
            .with_fix(Fix::safe(vec![Edit::delete(span)]));
        // The portal skips an empty parameter: what it costs is what was cut out, if anything.
        diagnostic.severity = Severity::Warning;
        findings.push(diagnostic);
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
                "ddportal://name=ticket&ticket_id=1&",
                "ddportal://name=ticket&&ticket_id=1",
                "ddportal://&name=ticket&ticket_id=1",
                "ddportal://name=ticket&ticket_id=1&#c",
            ],
        );
    }

    #[test]
    fn removes_empty_separators() {
        let settings = crate::rules::RuleSettings::default();
        for (before, after) in [
            (
                "ddportal://name=ticket&ticket_id=1&",
                "ddportal://name=ticket&ticket_id=1",
            ),
            (
                "ddportal://name=ticket&&&ticket_id=1",
                "ddportal://name=ticket&ticket_id=1",
            ),
            (
                "ddportal://name=ticket&ticket_id=1&&",
                "ddportal://name=ticket&ticket_id=1",
            ),
            (
                "ddportal://&&name=ticket&ticket_id=1",
                "ddportal://name=ticket&ticket_id=1",
            ),
            (
                "ddportal://name=ticket&ticket_id=1&#c",
                "ddportal://name=ticket&ticket_id=1#c",
            ),
            (
                "ddportal://name=ticket&ticket_id={{ a && b }}&",
                "ddportal://name=ticket&ticket_id={{ a && b }}",
            ),
        ] {
            assert_eq!(
                crate::rules::testing::fixed("DD110", before, &settings),
                after,
                "{before}"
            );
        }
    }
}
