use super::did_you_mean::closest_preferring;
use super::encoded_token::percent_decode;
use super::enum_value::filled_in_wrong;
use super::separator::{self, NextKey};
use super::unescaped_ampersand::{UNESCAPED_AMPERSAND, misread_ampersand};
use super::{Findings, LinkSite};
use crate::command::spec::{COMMANDS, NAME_KEY, command_spec};
use crate::command::token::{alternatives, is_opaque_block_tag, is_single_token, tokens};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a deep link whose `name` is not one of the portal's commands.
    ///
    /// ## Why is this bad?
    /// The portal does not know what to open: the recipient lands on an error or on the portal
    /// home instead of the ticket, quote or page the e-mail promised. Typos such as `tiket` or
    /// `ticket_lists` are invisible until a customer clicks.
    ///
    /// The commands are `ticket`, `ticket_list`, `support_options`, `pre_ticket_chat`,
    /// `request_types`, `request_type`, `notifications`, `content_page`, `invoices`, `invoice`,
    /// `quotes`, `quote`, `menu_item`, `survey` and `login`.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=tiket&ticket_id=[srnumber]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    ///
    /// ## Fix
    /// When the name is a near miss of a command, the suggestion is offered as an unsafe fix.
    /// A command's name percent-encoded (`ticket%5Flist`) is decoded by a safe fix, and a `?`,
    /// `;` or `,` written after it for the `&` before the next parameter
    /// (`name=ticket?ticket_id=…`) becomes that `&`, safely too; not where the parameter it
    /// separates is in the link already (`name=ticket?ticket_id=1&ticket_id=1`). An `amp;`
    /// there (`name=ticketamp;ticket_id=…`, or `name=amp;…` with the name lost) is an
    /// `&amp;` that lost its `&`, and becomes `&amp;` whole.
    pub static UNKNOWN_COMMAND = {
        code: "DD101",
        name: "unknown-command",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&UNKNOWN_COMMAND) {
        return;
    }
    let Some(param) = site.params_named(NAME_KEY).next() else {
        return;
    };
    let Some(value) = site.value(param).filter(|v| !v.is_empty()) else {
        return;
    };
    // A known name in the wrong case is DD111's; a templated name is filled in at send time
    // (but not one with more after its token).
    let is_command = |name: &str| {
        command_spec(name).is_some() || command_spec(&name.to_ascii_lowercase()).is_some()
    };
    if is_command(value) {
        return;
    }
    let range = param.value.clone().expect("value checked above");
    // `name={% if x %}ticket_list{% else %}invoices{% endif %}`: each branch is a name.
    if let Some(words) = alternatives(value) {
        for word in words
            .into_iter()
            .filter(|word| !is_command(&value[word.clone()]))
        {
            let span = site.span(range.start + word.start..range.start + word.end);
            findings.push(not_a_command(site, &value[word], span));
        }
        return;
    }
    // What a `{% comment %}` or `{% raw %}` in it holds cannot be told from the link.
    if has_comment_or_raw_tag(value) {
        return;
    }
    let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    let wrong_token = filled_in_wrong(value, "a deep-link command", &names);
    if wrong_token.is_none() && is_single_token(value) {
        return;
    }
    // `quote"e_id=…`: the `&quote_id=` an HTML tool misread (DD401 repairs it).
    if findings.enabled(&UNESCAPED_AMPERSAND)
        && misread_ampersand(site, param.value.clone().expect("value checked above")).is_some()
    {
        return;
    }
    let span = site.span(param.value.clone().expect("value checked above"));
    // `ticket%5Flist`: a command's name percent-encoded, which a desktop app need not decode.
    if let Some(decoded) = percent_decode(value).filter(|d| command_spec(d).is_some()) {
        findings.push(
            Diagnostic::new(
                &UNKNOWN_COMMAND,
                span,
                format!("`{value}` is the command `{decoded}` percent-encoded"),
            )
            .with_help(format!("write `{decoded}`"))
            .with_fix(Fix::safe(vec![Edit::replace(span, decoded)])),
        );
        return;
    }
    // `name=ticket?ticket_id=…`: another character where the `&` before the next parameter
    // belongs. The portal reads one long name.
    if separator::check(
        site,
        findings,
        &UNKNOWN_COMMAND,
        range,
        is_command,
        NextKey::Any,
        "the command",
    ) {
        return;
    }
    if let Some(message) = wrong_token {
        findings.push(
            Diagnostic::new(&UNKNOWN_COMMAND, span, message)
                .with_help("run `ddlink rule DD101` for the list of commands"),
        );
        return;
    }
    findings.push(not_a_command(site, value, span));
}

/// `value` at `span`, which names no command, with the closest one as an unsafe fix. Among
/// commands equally close, one that takes a parameter the link carries is meant
/// (`name=quotee&quote_id=…` is `quote`, not `quotes`, which would then lose the id).
fn not_a_command(site: &LinkSite, value: &str, span: Span) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        &UNKNOWN_COMMAND,
        span,
        format!("`{value}` is not a deep-link command"),
    );
    let takes_a_carried_key = |name: &str| {
        command_spec(name).is_some_and(|command| {
            site.link
                .params
                .iter()
                .map(|param| site.key(param))
                .any(|key| key != NAME_KEY && command.key(key).is_some())
        })
    };
    match closest_preferring(value, COMMANDS.iter().map(|c| c.name), takes_a_carried_key) {
        Some(suggestion) => diagnostic
            .with_help(format!("did you mean `{suggestion}`?"))
            .with_fix(Fix::unsafe_(vec![Edit::replace(span, suggestion)])),
        None => diagnostic.with_help("run `ddlink rule DD101` for the list of commands"),
    }
}

/// Whether `value` holds a Liquid `{% comment %}` or `{% raw %}` tag, which the parser
/// leaves in a parameter (what they wrap is no parameter of the mail's link, or is the link
/// as written).
fn has_comment_or_raw_tag(value: &str) -> bool {
    tokens(value)
        .iter()
        .any(|token| is_opaque_block_tag(&value[token.range.clone()]))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_rule, fixed, with_portal};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD101",
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://name=Ticket&ticket_id=1",
                "ddportal://name={{ Command }}",
                "ddportal://name=",
                "ddportal://ticket_id=1",
            ],
            &[
                "ddportal://name=tiket&ticket_id=1",
                "ddportal://name=dashboard",
                "ddportal://name=ticket?ticket_id=[srnumber]",
                "ddportal://name=[srnumber]_list",
                "ddportal://name=[srnumber]&ticket_id=[srnumber]",
                "ddportal://name={{ Ticket.Id }}",
            ],
        );
    }

    #[test]
    fn suggests_the_closest_command() {
        assert_eq!(
            fixed("DD101", "ddportal://name=tiket_list", &with_portal()),
            "ddportal://name=ticket_list"
        );
        // `quote` and `quotes` are as close; only `quote` takes the id the link carries.
        assert_eq!(
            fixed(
                "DD101",
                "ddportal://name=quotee&quote_id=QABV829",
                &with_portal()
            ),
            "ddportal://name=quote&quote_id=QABV829"
        );
        assert_eq!(
            fixed(
                "DD101",
                "ddportal://name=request_typee&type_id=42",
                &with_portal()
            ),
            "ddportal://name=request_type&type_id=42"
        );
        assert_eq!(
            fixed("DD101", "ddportal://name=quotee", &with_portal()),
            "ddportal://name=quotes"
        );
    }

    #[test]
    fn another_separator_for_the_ampersand_becomes_it() {
        for (written, meant) in [
            (
                "https://acme.deskdirector.com/portal/deeplink?name=ticket?ticket_id=[srnumber]&action=aprove",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&action=aprove",
            ),
            (
                "ddportal://name=Ticket_list;state=approval",
                "ddportal://name=Ticket_list&amp;state=approval",
            ),
        ] {
            assert_eq!(fixed("DD101", written, &with_portal()), meant);
        }
    }
}
