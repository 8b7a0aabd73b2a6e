use super::did_you_mean::closest;
use super::param_not_allowed::{PARAM_NOT_ALLOWED, fragment_holds};
use super::psa_undetermined::PSA_UNDETERMINED;
use super::unknown_param::{UNKNOWN_PARAM, keyless_value_for, keys_meant};
use super::whitespace_in_url::WHITESPACE_IN_URL;
use super::wrong_case::{after_unterminated_amp, canonical_key, meant_key};
use super::{Findings, LinkSite, TicketTokenNeed};
use crate::command::LegacyV1;
use crate::command::spec::{NAME_KEY, ValueKind};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a deep link that lacks a parameter its command requires: `ticket_id` for
    /// `ticket`, `type_id` for `request_type`, `page_id` for `content_page`, `invoice_id` for
    /// `invoice`, `quote_id` for `quote`, `menu_id` for `menu_item`, `survey_id` for `survey`.
    /// A key the link holds behind a defect another rule repairs is not missing: white space
    /// in it (`& amp;ticket_id=`, DD402) or a `?`, `;` or `,` written for the `&` before it
    /// (`action=approve;ticket_id=…`, DD106). That repair makes it read, where this rule's fix
    /// would write it a second time.
    ///
    /// ## Why is this bad?
    /// The portal knows which kind of page to open but not which one: the recipient sees an
    /// error instead of their ticket.
    ///
    /// ## Example
    /// In a ConnectWise template (where nothing names the PSA, this is DD205):
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;action=approve">Approve</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=approve">Approve</a>
    /// ```
    ///
    /// ## Fix
    /// A missing `ticket_id` is filled in with the dialect's ticket-id token (`[srnumber]`,
    /// `[Ticket: ID]`, `{{ Ticket.Id }}`) when the file's dialect is known: a safe fix. When
    /// nothing tells the dialect, the missing `ticket_id` is reported as DD205
    /// (psa-undetermined) instead, which says how to name the PSA.
    pub static MISSING_REQUIRED_PARAM = {
        code: "DD103",
        name: "missing-required-param",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    // With this rule off, a missing `ticket_id` is still DD205's where the file's PSA stays
    // unknown.
    let reported = findings.enabled(&MISSING_REQUIRED_PARAM);
    if !site.is_deep_link() || !(reported || findings.enabled(&PSA_UNDETERMINED)) {
        return;
    }
    let Some(command) = site.command() else {
        return;
    };
    for required in command.required {
        if !reported && required.kind != ValueKind::TicketId {
            continue;
        }
        // A key in the wrong case is present, just misspelt (DD111); a near miss of the key is
        // a typo that DD104 names ("did you mean"), while DD104 is on to name it.
        let near_misses_named = findings.enabled(&UNKNOWN_PARAM);
        // So is a key DD104 reports as standing for it (`ticket%5Fid`, `ticket_id%3D5`), and
        // a value without a key (`=[srnumber]`): DD104's fix writes the key, where this
        // rule's would write a second one.
        // ` ticket_id=`, `& amp;ticket_id=`: white space DD402 removes from the key.
        let unspaced = findings.enabled(&WHITESPACE_IN_URL);
        let present = site.link.params.iter().any(|p| {
            let key = if unspaced {
                site.key_unspaced(p)
            } else {
                site.key(p)
            };
            meant_key(key) == Some(required.key)
                || (near_misses_named
                    && canonical_key(key).is_none()
                    && (closest(key, [required.key]).is_some()
                        || keys_meant(site, p).contains(&required.key)))
                // `&ampticket_id=`, `&ampticketid=`: an `&amp` without its `;` (DD401 adds
                // it, and DD501 then makes the V1 key the V2 one).
                || after_unterminated_amp(key).is_some_and(|key| {
                    canonical_key(key) == Some(required.key)
                        || LegacyV1::of_pair(key, p.value.is_some())
                            .and_then(LegacyV1::v2_key)
                            == Some(required.key)
                })
        }) || (near_misses_named && keyless_value_for(site, required.key))
            // `action=approve;ticket_id=…`: separated by another finding's fix.
            || site.holds_behind_separator(required.key)
            // `#c1&ticket_id=5`: written after the `#`, which DD105 reports: it is to be
            // moved, not added a second time.
            || (command.fragment_allowed
                && findings.enabled(&PARAM_NOT_ALLOWED)
                && fragment_holds(site, required.key));
        if present {
            continue;
        }
        let name_param = site
            .params_named(NAME_KEY)
            .next()
            .expect("a known command has a name parameter");
        let mut diagnostic = Diagnostic::new(
            &MISSING_REQUIRED_PARAM,
            site.span(name_param.range.clone()),
            format!("`name={}` needs `{}`", command.name, required.key),
        );
        diagnostic = diagnostic.with_help(format!(
            "add `{}=` with {}",
            required.key,
            required.kind.describe()
        ));
        let span = diagnostic.span;
        let index = if reported {
            findings.push(diagnostic)
        } else {
            None
        };
        if required.kind == ValueKind::TicketId {
            // The dialect's ticket-id token fills it in; the dialect may be known only at the
            // end of the file.
            findings.need_ticket_token(TicketTokenNeed {
                diagnostic: index,
                at: span.end,
                prefix: format!("{}{}=", site.ampersand(), required.key),
                span,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD103",
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://name=ticket&Ticket_ID=1",
                "ddportal://name=ticket&ticket_id=",
                "ddportal://name=ticket&ticketid=1",
                "ddportal://name=ticket_list",
                "ddportal://name=survey&survey_id=S1",
                "ddportal://name=unknown",
                "ddportal://name=ticket&=[srnumber]",
                "ddportal://name=ticket&ampticket_id=1",
                "ddportal://name=ticket&ampticketid=1",
            ],
            &[
                "ddportal://name=ticket&=closed",
                "ddportal://name=ticket",
                "ddportal://name=ticket&action=close",
                "ddportal://name=request_type",
                "ddportal://name=content_page",
                "ddportal://name=invoice",
                "ddportal://name=quote",
                "ddportal://name=menu_item",
                "ddportal://name=survey&campaign_id=C1",
            ],
        );
    }

    #[test]
    fn fills_in_the_dialect_ticket_token() {
        let settings = RuleSettings::new(None, Some(Dialect::Autotask));
        assert_eq!(
            fixed("DD103", "ddportal://name=ticket&action=close", &settings),
            "ddportal://name=ticket&amp;ticket_id=[Ticket: ID]&action=close"
        );
    }
}
