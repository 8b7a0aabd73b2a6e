use super::{Findings, LinkSite, Origin};
use crate::command::LinkKind;
use crate::command::token::{TokenShape, tokens};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};
use crate::dialect::token::{is_vocabulary_field, meant_spaced};

declare_rule! {
    /// ## What it does
    /// Reports a template token that was percent-encoded: `%5BTicket:%20ID%5D` for
    /// `[Ticket: ID]`, `%5Bsrnumber%5D` for `[srnumber]`, `[Ticket:%20ID]`,
    /// `{{%20Ticket.Id%20}}` for `{{ Ticket.Id }}`; or written with character references
    /// (`&#91;Ticket: ID&#93;`, `[Ticket:&nbsp;ID]`).
    ///
    /// One bracket encoded is the token encoded too: `%5BTicket: ID]`, `[Ticket: ID%5D`,
    /// `%5Bsrnumber]`.
    ///
    /// ## Why is this bad?
    /// HTML editors and link dialogs "helpfully" encode brackets and spaces in URLs. The PSA
    /// looks for the token as written, does not find it, and sends the encoded text: every
    /// recipient gets a link to ticket `[Ticket: ID]`.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=%5BTicket:%20ID%5D">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]">View</a>
    /// ```
    ///
    /// ## Fix
    /// The token is decoded: a safe fix. A no-break space in it (`&nbsp;`, `%C2%A0`) becomes
    /// the space an Autotask token has (`[Ticket:&nbsp;ID]` is `[Ticket: ID]`), and goes from
    /// a token that has none (`[sr&nbsp;number]` and `[srnumber&nbsp;]` are `[srnumber]`, the
    /// token ConnectWise fills in).
    pub static ENCODED_TOKEN = {
        code: "DD203",
        name: "encoded-token",
        severity: Error,
        fix: Safe,
    };
}

/// `%XX` sequences decoded; `None` if the result is not UTF-8 or nothing was encoded.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    let mut decoded_any = false;
    while at < bytes.len() {
        if let Some(byte) = crate::command::value::escaped_byte(&bytes[at..]) {
            out.push(byte);
            at += 3;
            decoded_any = true;
            continue;
        }
        out.push(bytes[at]);
        at += 1;
    }
    decoded_any.then_some(())?;
    String::from_utf8(out).ok()
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !may_hold_encoded(site) || !findings.enabled(&ENCODED_TOKEN) {
        return;
    }
    for (range, decoded, how) in encoded_tokens(site) {
        let span = site.span(range);
        // A token is written as it is, for the mail system to read: one holding a quote cannot
        // go into an attribute value (its quote would end it), nor `<` into HTML text.
        let fits = match site.origin {
            Origin::Attribute => !decoded.contains(['"', '\'']),
            Origin::PlainText => true,
            _ => !decoded.contains('<'),
        };
        let diagnostic = Diagnostic::new(
            &ENCODED_TOKEN,
            span,
            format!("the token `{decoded}` is {how}: the PSA will not fill it in"),
        )
        .with_help(format!("write `{decoded}`"));
        findings.push(if fits {
            diagnostic.with_fix(Fix::safe(vec![Edit::replace(span, decoded)]))
        } else {
            diagnostic
        });
    }
}

/// The tokens a deep link holds percent-encoded: where each is in the input, and what its
/// author meant (decoded).
pub fn decoded_tokens(site: &LinkSite) -> Vec<(Span, String)> {
    if !may_hold_encoded(site) {
        return Vec::new();
    }
    encoded_tokens(site)
        .map(|(range, decoded, _)| (site.span(range), decoded))
        .collect()
}

/// Whether the link is a deep link that may hold an encoded token: every one has a `%` or a
/// character reference, and nearly no link does.
fn may_hold_encoded(site: &LinkSite) -> bool {
    (site.is_deep_link() || matches!(site.link.kind, LinkKind::LegacyV1 { .. }))
        && (memchr::memchr(b'%', site.text.as_bytes()).is_some() || site.map.has_references())
}

/// Whether a bracket token at `range` of the link's text is written with a character reference
/// inside (`&#91;Ticket: ID&#93;`, `[Ticket:&nbsp;ID]`): the PSA replaces the token as
/// written, so it never sees this one. Such a token is DD203's, not the dialect rules'.
pub fn written_with_references(site: &LinkSite, range: std::ops::Range<usize>) -> bool {
    site.text[range.clone()].starts_with('[') && site.has_reference_in(range)
}

/// A bracket token with its no-break spaces (`&nbsp;`) read as meant: as the space an
/// Autotask token has (`[Ticket:&nbsp;ID]` is `[Ticket: ID]`), or as nothing in a token that
/// has none (`[sr&nbsp;number]` and `[srnumber&nbsp;]` are `[srnumber]`).
fn without_no_break_spaces(token: &str) -> String {
    let spaced = token.replace('\u{A0}', " ");
    if !token.contains('\u{A0}') {
        return spaced;
    }
    // `[Ticket:&nbsp;ID&nbsp;]`: the space inside, none at the ends.
    let trimmed = token
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .map(|inner| format!("[{}]", inner.trim_matches('\u{A0}').replace('\u{A0}', " ")));
    if let Some(trimmed) =
        trimmed.filter(|t| !is_vocabulary_field(&spaced) && is_vocabulary_field(t))
    {
        return trimmed;
    }
    let joined = token.replace('\u{A0}', "");
    if meant_spaced(&spaced, &joined) {
        spaced
    } else {
        joined
    }
}

/// Each encoded token in the link's parameter values: where it is in the link's text, the
/// token decoded, and how it was encoded.
fn encoded_tokens<'s>(
    site: &'s LinkSite,
) -> impl Iterator<Item = (std::ops::Range<usize>, String, &'static str)> + 's {
    site.values().flat_map(move |(_, value)| {
        let text = site.str(value.clone());
        tokens(text).into_iter().filter_map(move |token| {
            let raw = &text[token.range.clone()];
            let range = value.start + token.range.start..value.start + token.range.end;
            if token.shape == TokenShape::Bracket && written_with_references(site, range.clone()) {
                return Some((
                    range,
                    without_no_break_spaces(raw),
                    "written with character references",
                ));
            }
            let encoded = match token.shape {
                TokenShape::EncodedBracket | TokenShape::EncodedMustache => true,
                // What a link editor makes of `[Ticket: ID]` and `{{ Ticket.Id }}` when it
                // encodes spaces but not brackets or braces.
                TokenShape::Bracket | TokenShape::Mustache => raw.contains('%'),
                TokenShape::LiquidTag => false,
            };
            // A form encoder (`urlencode`, `UrlEncode`) writes a space as `+`, and the portal
            // reads a query that way; no token holds a `+` of its own (`%2B` stays one).
            let decoded = encoded
                .then(|| percent_decode(&raw.replace('+', "%20")))
                .flatten()?;
            let decoded = without_no_break_spaces(&decoded);
            Some((range, decoded, "percent-encoded"))
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD203",
            &[
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id=100%25",
            ],
            &[
                "ddportal://name=ticket&ticket_id=%5BTicket:%20ID%5D",
                "ddportal://name=ticket&ticket_id=%5bsrnumber%5d",
                "ddportal://name=ticket&ticket_id=[Ticket:%20ID]",
                "ddportal://name=ticket&ticket_id={{%20Ticket.Id%20}}",
                "ddportal://name=ticket&ticket_id=%5BTicket%3A+ID%5D",
                "ddportal://name=ticket&ticket_id=%5BTicket: ID]",
                "ddportal://name=ticket&ticket_id=[srnumber%5D",
            ],
        );
    }

    #[test]
    fn decodes_a_form_encoded_space() {
        assert_eq!(
            fixed(
                "DD203",
                "ddportal://name=ticket&ticket_id=%5BTicket%3A+ID%5D",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
    }

    #[test]
    fn decodes() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed(
                "DD203",
                "ddportal://name=ticket&ticket_id=%5BTicket:%20ID%5D",
                &settings
            ),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
        assert_eq!(
            fixed(
                "DD203",
                "ddportal://name=ticket&ticket_id=%5Bsrnumber%5D",
                &settings
            ),
            "ddportal://name=ticket&ticket_id=[srnumber]"
        );
    }
}
