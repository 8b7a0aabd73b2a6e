use std::ops::Range;

use super::missing_command_name::MISSING_COMMAND_NAME;
use super::site::misread_as;
use super::wrong_case::{canonical_key, meant_key};
use super::{Findings, LinkSite};
use crate::command::spec::NAME_KEY;
use crate::command::{LegacyV1, LinkKind, Param};
use crate::diagnostic::{Diagnostic, Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Reports a legacy V1 desktop link: `ddportal://ticketid=…`, `ddportal://learningid=…`,
    /// `ddportal://invoiceid=…`, `ddportal://requestsupport`, `ddportal://mytickets`. A V1 command in a link without
    /// `name` that holds V2 parameters too (`ddportal://ticketid=5&action=close`), or in a web
    /// link (`…/portal/deeplink?ticketid=5`), is reported the same way, on that pair alone,
    /// and the rest of that link is judged as the V2 command it stands for (`action=aprove`
    /// beside `ticketid=5` is DD106 now, not after the fix).
    ///
    /// ## Why is this bad?
    /// Portal V1 is retired. Current desktop apps route V2 commands (`name=…`), and the V1 forms
    /// are kept only for compatibility.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://ticketid=[srnumber]">View ticket</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket&amp;ticket_id=[srnumber]">View ticket</a>
    /// ```
    ///
    /// ## Fix
    /// `ticketid=X` → `name=ticket&ticket_id=X`, `learningid=X` → `name=content_page&page_id=X`,
    /// `invoiceid=X` → `name=invoice&invoice_id=X`, `requestsupport` → `name=support_options`,
    /// `mytickets` → `name=ticket_list`: the same page, a safe fix. Other parameters of the
    /// link stay as they are. Beside the V2 key it stands for (`ticketid=5&ticket_id=5`), the
    /// V1 pair becomes `name=ticket` alone; with another value there (`ticket_id=6`), which
    /// page is meant is for a person to say: no fix, and an error, as the link's missing
    /// `name` would be.
    pub static LEGACY_V1_LINK = {
        code: "DD501",
        name: "legacy-v1-link",
        severity: Warning,
        fix: Safe,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&LEGACY_V1_LINK) {
        return;
    }
    if let Some((param, form)) = v1_pair(site) {
        return v1_pair_in_v2_link(site, param, form, findings);
    }
    let LinkKind::LegacyV1 { form, value } = site.link.kind else {
        return;
    };
    let value = value
        .map(|(start, end)| site.str(start..end))
        .unwrap_or_default();
    let v2 = form.v2_command(value);
    let written = v2.replace('&', site.ampersand());
    let command = site.link.command.clone();
    let span = site.span(command.clone());
    // The slash a desktop shell appends (`ddportal://mytickets/`) goes with the V1 command:
    // after a V2 one it would read as part of its last value.
    let replaced = if site.text.as_bytes().get(command.end) == Some(&b'/') {
        site.span(command.start..command.end + 1)
    } else {
        span
    };
    findings.push(
        Diagnostic::new(&LEGACY_V1_LINK, replaced, "a legacy V1 desktop link")
            .with_help(format!("write `ddportal://{written}`"))
            .with_fix(Fix::safe(vec![Edit::replace(replaced, written)])),
    );
}

/// The one V1 pair (`ticketid=5`, `mytickets`) of a link read as V2 for what else it holds
/// (`ddportal://ticketid=5&action=close`, or any V1 command in a web link), when it has no
/// `name`: the V1 command is what names its page. DD102 and DD104 leave the pair to this
/// rule.
pub fn v1_pair<'a>(site: &LinkSite<'a>) -> Option<(&'a Param, LegacyV1)> {
    // `amp;name=` (`&amp;amp;name=`) and `ampname=` are the link's `name` too, misread:
    // the fixes that repair them would leave two.
    let names_the_command = |key: &str| {
        key.eq_ignore_ascii_case(NAME_KEY)
            || meant_key(key) == Some(NAME_KEY)
            || misread_as(key) == Some(NAME_KEY)
    };
    if !site.is_deep_link()
        || site
            .link
            .params
            .iter()
            .any(|p| names_the_command(site.key(p)))
    {
        return None;
    }
    let mut pairs = site.link.params.iter().filter_map(|param| {
        let key = site.key(param);
        // `mytickets=` (a placeholder's `<dd-link mytickets>`) is the keyword with nothing
        // after it.
        let empty = param.value.as_ref().is_some_and(Range::is_empty);
        LegacyV1::of_pair(key, param.value.is_some())
            .or_else(|| LegacyV1::of_pair(key, false).filter(|_| empty))
            .map(|form| (param, form))
    });
    let first = pairs.next()?;
    pairs.next().is_none().then_some(first)
}

fn v1_pair_in_v2_link(site: &LinkSite, param: &Param, form: LegacyV1, findings: &mut Findings) {
    let value = site.value(param).unwrap_or_default();
    let written = form.v2_command(value).replace('&', site.ampersand());
    let key = site.key(param);
    let span = site.span(param.range.clone());
    let shown = if form.v2_key().is_some() {
        format!("{key}=")
    } else {
        key.to_owned()
    };
    let diagnostic = Diagnostic::new(
        &LEGACY_V1_LINK,
        span,
        format!("`{shown}` is a legacy V1 command"),
    );
    // `ticketid=5&ticket_id=6`: the V2 key is in the link already. The same value is said
    // twice, and `name` alone is what the link lacks; two values name two pages, and which
    // one is meant is for a person to say (the link, without `name`, opens neither).
    let v2_twice = form.v2_key().and_then(|v2_key| {
        site.link
            .params
            .iter()
            .find(|p| canonical_key(site.key(p)) == Some(v2_key))
            .map(|p| (v2_key, site.value(p).unwrap_or_default()))
    });
    let diagnostic = match v2_twice {
        None => diagnostic
            .with_help(format!("write `{written}`"))
            .with_fix(Fix::safe(vec![Edit::replace(span, written)])),
        Some((_, held)) if held.trim() == value.trim() => {
            let name = written
                .split(site.ampersand())
                .next()
                .unwrap_or_default()
                .to_owned();
            diagnostic
                .with_help(format!(
                    "write `{name}`: the link has the same `{}` already",
                    form.v2_key().unwrap_or_default()
                ))
                .with_fix(Fix::safe(vec![Edit::replace(span, name)]))
        }
        Some((v2_key, held)) => {
            let diagnostic = diagnostic.with_help(format!(
                "the link has `{v2_key}={held}` too: keep the one meant, as `{written}`"
            ));
            findings.push_also_for(diagnostic, &MISSING_COMMAND_NAME);
            return;
        }
    };
    findings.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD501",
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://ticketid=1&name=ticket",
                "ddportal://ticketid=1&amp;amp;name=ticket",
                "ddportal://ticketid=1&ampname=ticket",
            ],
            &[
                "ddportal://ticketid=1",
                "ddportal://mytickets",
                "ddportal://RequestSupport",
                "ddportal://ticketid=1&action=close",
                "https://acme.deskdirector.com/portal/deeplink?ticketid=1",
            ],
        );
    }

    #[test]
    fn rewrites_to_v2() {
        let settings = RuleSettings::default();
        let cases = [
            (
                "ddportal://ticketid=[srnumber]",
                "ddportal://name=ticket&amp;ticket_id=[srnumber]",
            ),
            (
                "ddportal://learningid=0f8fad5b-d9cb-469f-a165-70867728950e",
                "ddportal://name=content_page&amp;page_id=0f8fad5b-d9cb-469f-a165-70867728950e",
            ),
            (
                "ddportal://invoiceid=I1",
                "ddportal://name=invoice&amp;invoice_id=I1",
            ),
            (
                "ddportal://requestsupport",
                "ddportal://name=support_options",
            ),
            ("ddportal://mytickets", "ddportal://name=ticket_list"),
            (
                "ddportal://action=close&ticketid=1",
                "ddportal://action=close&name=ticket&amp;ticket_id=1",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink?invoiceid=I1",
                "https://acme.deskdirector.com/portal/deeplink?name=invoice&amp;invoice_id=I1",
            ),
            ("ddportal://mytickets/", "ddportal://name=ticket_list"),
            (
                "ddportal://ticketid=12345/",
                "ddportal://name=ticket&amp;ticket_id=12345",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(fixed("DD501", before, &settings), after);
        }
    }
}
