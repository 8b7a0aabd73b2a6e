use std::ops::Range;

use super::{Findings, LinkSite, TextMap};
use crate::command::PortalRepair;
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a deep link whose envelope (scheme, slashes, path) is not one of the two forms:
    /// `https://{portal-host}/portal/deeplink?{command}` and `ddportal://{command}`. Typical
    /// slips: `ddportal://deeplink?name=…` (the web path copied into a desktop link),
    /// `ddportal:///name=…`, `/portal/deeplink/?…`, `/deeplink?…`, `/portal/deeplink&name=…`,
    /// `/portal/deeplink/name=…`, `/portal/deeplink#name=…`, `/Portal/DeepLink`, a
    /// `/portal/deeplink` without its `?` (`/portal/deeplinkname=…`), on the portal's host
    /// and before a deep-link command a path a letter or two from it or spelt with other
    /// separators, white space or percent-encoding (`/portl/deeplink?`, `/portal.deeplink?`,
    /// `…deskdirector.comportal/deeplink?`, `/deep%6Cink?`), a scheme
    /// that lost its colon (`https//…`, `ddportal//…`), or whose `://` or letters slipped
    /// before the portal's host and the deep-link path or a desktop command (`https:://`,
    /// `https ://`, `http:s//`, `https%3A//`, a full-width `ｈttps://`, `ddprotal://name=…`,
    /// `ddprotal:/name=…`), the desktop form's command under the web scheme
    /// (`https://name=ticket&…`, which a browser reads as a host), a link with no scheme at
    /// all, a
    /// relative `/portal/deeplink?…` copied from the portal's pages, and what an `href` holds
    /// around its link: a word processor's quotes (`href=“https://…”`), white space that the
    /// browser keeps (a no-break or zero-width space, `%20`), `<…>`, `'…'` or `"…"` (quotes
    /// written as character references, `href=&quot;https://…&quot;`), quotes written twice
    /// (`href=""https://…""`, an empty `href` with the link after it), the scheme
    /// written twice (`https://https://…`) or a slip before it (`xhttps://…`), another scheme
    /// before the portal's host and the deep-link path (`htps://…`, `ftp://…`), and a user
    /// name before the host (`https://bob@…`, `https://acme.deskdirector.com@other.example/…`).
    ///
    /// ## Why is this bad?
    /// The portal or the desktop app does not recognise the link and opens the home page, or
    /// nothing. A user name before the host is not read, and it makes the link look like
    /// another site's: `https://acme.deskdirector.com@other.example/…` opens `other.example`.
    ///
    /// ## Example
    /// ```html
    /// <a href="ddportal://deeplink?name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="ddportal://name=ticket_list">My tickets</a>
    /// ```
    ///
    /// ## Fix
    /// The repair keeps the command as it is: a safe fix, where the right envelope is clear
    /// (what stands around the link in an `href` is removed; in an unquoted `href`,
    /// `&quot;…&quot;` become its quotes, and quotes written twice are written once where the
    /// link's end is clear). A slipped scheme with a letter
    /// after it (`https:/a/cme.…`) is repaired only where that letter completes the
    /// configured portal's host; otherwise the host may have lost it, and there is no fix.
    /// What a desktop link writes between `ddportal:` and its command for the two slashes
    /// (`ddportal:://`, `ddportal:%2F/`, `ddportal:./`) becomes `//` whole. A
    /// relative link gets the configured portal's address (`portal` in ddlink.toml); without
    /// one, it has no fix. A desktop command under the web scheme (`https://name=…`) may be
    /// meant as either form: the help names both, and the fix, unsafe, writes the web form on
    /// the configured portal (`https://acme.deskdirector.com/portal/deeplink?name=…`), the
    /// form an e-mail's link takes; without a portal, there is no fix.
    pub static MALFORMED_ENVELOPE = {
        code: "DD112",
        name: "malformed-envelope",
        severity: Error,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&MALFORMED_ENVELOPE) {
        return;
    }
    for issue in &site.link.envelope_issues {
        let span = site.span(issue.range.clone());
        let mut found = std::borrow::Cow::Borrowed(site.str(issue.range.clone()));
        // `user:password@`: the password is masked in every output, a help's quote included.
        if let Some(password) = site.link.userinfo_password(site.text)
            && issue.range.start <= password.start
            && password.end <= issue.range.end
        {
            let at = password.start - issue.range.start;
            found.to_mut().replace_range(
                at..at + password.len(),
                &"*".repeat(site.str(password.clone()).len()),
            );
        }
        let mut diagnostic = Diagnostic::new(&MALFORMED_ENVELOPE, span, issue.message.clone());
        if issue.portal == PortalRepair::WebForm {
            // `https://name=ticket…`: which of the two forms was meant is the author's to say;
            // an e-mail's link is the web form.
            let command = site.str(site.link.command.clone());
            let command = command.split('&').next().unwrap_or_default();
            diagnostic = match &site.settings.portal {
                Some(portal) => {
                    let web = format!("{}/portal/deeplink?", portal.origin());
                    diagnostic
                        .with_help(format!(
                            "write `{web}{command}…` for the web portal (an e-mail's link), or `ddportal://{command}…` for the desktop app"
                        ))
                        .with_fix(Fix::unsafe_(vec![Edit::replace(span, web)]))
                }
                None => diagnostic.with_help(format!(
                    "write `https://{{portal}}/portal/deeplink?{command}…` for the web portal (an e-mail's link), or `ddportal://{command}…` for the desktop app"
                )),
            };
        } else if issue.portal == PortalRepair::Origin {
            // The origin goes before `/portal/deeplink`, in place of a `./` or `../` before it.
            let path_start = issue.range.end.saturating_sub("/portal/deeplink".len());
            let before_path = site.span(issue.range.start..path_start);
            diagnostic = match &site.settings.portal {
                Some(portal) => diagnostic
                    .with_help(format!("write the portal's address first: `{portal}`"))
                    .with_fix(Fix::safe(vec![Edit::replace(before_path, portal.origin())])),
                None => diagnostic.with_help(
                    "write the portal's address first (`https://acme.deskdirector.com/portal/deeplink?…`), or set `portal` in ddlink.toml to have it fixed",
                ),
            };
        } else if let Some(replacement) = &issue.replacement {
            let help = if replacement.is_empty() {
                format!(
                    "remove {}",
                    crate::command::quoted_naming_spaces("", &found)
                )
            } else if found.is_empty() {
                format!("insert `{replacement}`")
            } else {
                format!(
                    "write `{replacement}` instead of {}",
                    crate::command::quoted_naming_spaces("", &found)
                )
            };
            diagnostic = diagnostic
                .with_help(help)
                .with_fix(Fix::safe(vec![Edit::replace(span, replacement.clone())]));
        }
        findings.push(diagnostic);
    }
}

/// The quotation marks word processors write for `"` and `'` (and their European and CJK
/// kin): none belongs in a URL, and a link in prose ends at one.
pub fn is_typographic_quote(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'..='\u{201F}' // ‘ ’ ‚ ‛ “ ” „ ‟
            | '«' | '»' | '\u{2039}' | '\u{203A}' // ‹ ›
            | '\u{300C}'..='\u{300F}' // 「 」 『 』
            | '\u{301D}'..='\u{301F}' // 〝 〞 〟
            | '\u{FF02}' | '\u{FF07}' // ＂ ＇
    )
}

/// White space a browser keeps in an address, unlike the ASCII white space it trims from an
/// `href`: a no-break space (Outlook's), the other Unicode spaces, and the zero-width
/// characters a copy from a web page or a chat brings along.
pub fn is_invisible_space(c: char) -> bool {
    (c.is_whitespace() && !c.is_ascii())
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// White space written percent-encoded, as an editor encodes a pasted space: no deep link
/// begins or ends with one.
const ENCODED_SPACES: [&str; 6] = ["%20", "%09", "%0A", "%0D", "%C2%A0", "%E2%80%8B"];

fn encoded_space_len(text: &[u8]) -> usize {
    ENCODED_SPACES
        .iter()
        .find(|space| {
            text.get(..space.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(space.as_bytes()))
        })
        .map_or(0, |space| space.len())
}

fn encoded_space_len_before(text: &[u8]) -> usize {
    ENCODED_SPACES
        .iter()
        .find(|space| {
            text.len() >= space.len()
                && text[text.len() - space.len()..].eq_ignore_ascii_case(space.as_bytes())
        })
        .map_or(0, |space| space.len())
}

/// What a link is wrapped in that is not part of it: a word processor's quotes, and white
/// space a browser keeps (invisible or percent-encoded). Ranges of the text it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapping {
    /// The link inside.
    pub link: Range<usize>,
    opening: Range<usize>,
    closing: Range<usize>,
    quotes: bool,
    spaces: bool,
}

impl Wrapping {
    /// Unwrap the link that `range` of `text` holds (a range without ASCII white space at
    /// its ends, which a browser trims), from both ends at once: `“ https://…”` and
    /// `&nbsp;“https://…”` alike.
    pub fn find(text: &str, range: Range<usize>) -> Wrapping {
        // Whether `c` wraps a link: as a quote (`Some(true)`) or as white space.
        let wraps = |c: char| {
            if is_typographic_quote(c) {
                Some(true)
            } else {
                (c.is_whitespace() || is_invisible_space(c)).then_some(false)
            }
        };
        let (mut start, mut end) = (range.start, range.end);
        let (mut quotes, mut spaces) = (false, false);
        loop {
            let inside = &text[start..end];
            let at_start = inside
                .chars()
                .next()
                .and_then(|c| Some((c, wraps(c)?, true)));
            let at_end = || {
                inside
                    .chars()
                    .next_back()
                    .and_then(|c| Some((c, wraps(c)?, false)))
            };
            if let Some((c, quote, first)) = at_start.or_else(at_end) {
                quotes |= quote;
                spaces |= !quote;
                if first {
                    start += c.len_utf8();
                } else {
                    end -= c.len_utf8();
                }
            } else if let encoded @ 1.. = encoded_space_len(inside.as_bytes()) {
                spaces = true;
                start += encoded;
            } else if let encoded @ 1.. = encoded_space_len_before(inside.as_bytes()) {
                spaces = true;
                end -= encoded;
            } else {
                break;
            }
        }
        Wrapping {
            link: start..end,
            opening: range.start..start,
            closing: end..range.end,
            quotes,
            spaces,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.opening.is_empty() && self.closing.is_empty()
    }

    /// Report the wrapping (its ranges are of `map.decoded`), with the safe fix that removes
    /// it.
    pub fn report(&self, map: &TextMap, findings: &mut Findings) {
        let message = match (self.quotes, self.spaces) {
            (true, false) => {
                "the link is in a word processor's quotes, which the browser reads as part of it"
            }
            (false, _) => {
                "invisible or encoded white space around the link, which the browser keeps in it"
            }
            (true, true) => {
                "the link is in a word processor's quotes and white space, which the browser reads as part of it"
            }
        };
        let help = if self.quotes {
            "remove the quotes around the link (an `href` is quoted with `\"`)"
        } else {
            "remove it"
        };
        report_around(map, &self.opening, &self.closing, message, help, findings);
    }
}

/// Called by the rewriter for an `href` whose quotes are written twice
/// (`href=""https://…""`): `span` covers the empty value's quotes, and `edits` quote the
/// link after them once (none where the link's end is not clear).
pub fn report_doubled_quotes(
    findings: &mut Findings,
    span: Span,
    quote: char,
    edits: Option<Vec<Edit>>,
) {
    if !findings.enabled(&MALFORMED_ENVELOPE) {
        return;
    }
    let diagnostic = Diagnostic::new(
            &MALFORMED_ENVELOPE,
            span,
            "the quotes of this `href` are written twice: the browser reads an empty `href`, and the link after it is not its address",
        )
    .with_help(format!("quote the link once: `href={quote}https://…{quote}`"));
    findings.push(match edits {
        Some(edits) => diagnostic.with_fix(Fix::safe(edits)),
        None => diagnostic,
    });
}

/// Report what stands around a link (`opening` and `closing`, ranges of `map.decoded`, either
/// may be empty), with the safe fix that removes it.
fn report_around(
    map: &TextMap,
    opening: &Range<usize>,
    closing: &Range<usize>,
    message: &str,
    help: &str,
    findings: &mut Findings,
) {
    if !findings.enabled(&MALFORMED_ENVELOPE) {
        return;
    }
    let around = |range: &Range<usize>| (!range.is_empty()).then(|| map.span(range.clone()));
    let spans: Vec<_> = [around(opening), around(closing)]
        .into_iter()
        .flatten()
        .collect();
    let Some(&first) = spans.first() else {
        return;
    };
    findings.push(
        Diagnostic::new(&MALFORMED_ENVELOPE, first, message)
            .with_help(help)
            .with_fix(Fix::safe(spans.into_iter().map(Edit::delete).collect())),
    );
}

/// What stands before a link's scheme in an `href`, making the browser read the whole value
/// as a relative address: the scheme written twice (`https://https://…`), a pair of
/// brackets or ASCII quotes (`<https://…>`, `'https://…'`), or a slip of a few letters
/// (`xhttps://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayPrefix {
    /// The link after it (and before the closing bracket or quote, if any).
    pub link: Range<usize>,
    opening: Range<usize>,
    closing: Range<usize>,
    doubled: bool,
}

impl StrayPrefix {
    /// The stray prefix of `range` of `text`, a value that is no link as it stands, when a
    /// link's scheme follows it. Longer prefixes, or ones with other characters, are an
    /// address of their own (a redirect, a script) and are left alone.
    pub fn find(text: &str, range: Range<usize>) -> Option<StrayPrefix> {
        const LONGEST: usize = 12;
        let value = &text[range.clone()];
        let bytes = value.as_bytes();
        let scheme_at = (1..=LONGEST.min(bytes.len())).find(|&at| {
            ["https://", "http://", "ddportal:"].iter().any(|scheme| {
                bytes[at..]
                    .get(..scheme.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
            })
        })?;
        let prefix = &bytes[..scheme_at];
        let doubled = [&b"https://"[..], b"http://", b"https:", b"http:"]
            .iter()
            .any(|scheme| prefix.eq_ignore_ascii_case(scheme));
        let pair = match prefix {
            [b'<'] => Some(b'>'),
            [b'\''] => Some(b'\''),
            [b'"'] => Some(b'"'),
            [b'`'] => Some(b'`'),
            [b'('] => Some(b')'),
            [b'['] => Some(b']'),
            _ => None,
        };
        let closing = usize::from(pair.is_some() && bytes.last().copied() == pair);
        if !doubled && pair.is_none() && !prefix.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        Some(StrayPrefix {
            link: range.start + scheme_at..range.end - closing,
            opening: range.start..range.start + scheme_at,
            closing: range.end - closing..range.end,
            doubled,
        })
    }

    /// Report the prefix (its ranges are of `map.decoded`), with the safe fix that removes it.
    /// In an unquoted `href` (`unquoted`), a pair of `"` written as character references
    /// (`href=&quot;https://…&quot;`) becomes the attribute's quotes instead.
    pub fn report(&self, map: &TextMap, findings: &mut Findings, unquoted: bool) {
        let prefix = &map.decoded[self.opening.clone()];
        let closing = &map.decoded[self.closing.clone()];
        if prefix == "\"" && closing == "\"" && map.has_reference_in(self.opening.clone()) {
            let written = map.raw_of(self.opening.clone());
            let message = format!(
                "the link is wrapped in `{written}`, which the browser reads as part of it: `%22https://…` is a relative address, not the portal"
            );
            if !findings.enabled(&MALFORMED_ENVELOPE) {
                return;
            }
            let (opening, closing) = (
                map.span(self.opening.clone()),
                map.span(self.closing.clone()),
            );
            let (help, quote) = if unquoted {
                (
                    format!("write the quotes as `\"`, not `{written}`: `href=\"https://…\"`"),
                    "\"",
                )
            } else {
                (format!("remove `{written}` at both ends"), "")
            };
            findings.push(
                Diagnostic::new(&MALFORMED_ENVELOPE, opening, message)
                    .with_help(help)
                    .with_fix(Fix::safe(vec![
                        Edit::replace(opening, quote),
                        Edit::replace(closing, quote),
                    ])),
            );
            return;
        }
        if unquoted
            && prefix == "\""
            && closing.is_empty()
            && map.has_reference_in(self.opening.clone())
        {
            // `href=&quot;https://…[Ticket: ID]&quot;`: the value ends at the token's space,
            // before the closing reference, and the rest of the link stands in the tag as
            // attributes of its own. Taking the opening off would leave them there.
            if findings.enabled(&MALFORMED_ENVELOPE) {
                let written = map.raw_of(self.opening.clone());
                findings.push(
                    Diagnostic::new(
                        &MALFORMED_ENVELOPE,
                        map.span(self.opening.clone()),
                        format!(
                            "the link starts with `{written}`, which the browser reads as part of it: `%22https://…` is a relative address, not the portal"
                        ),
                    )
                    .with_help(format!(
                        "write the whole link in quotes, `href=\"https://…\"`, without `{written}`: unquoted, the value ends at its first space"
                    )),
                );
            }
            return;
        }
        let message = if self.doubled {
            format!(
                "the scheme is written twice (`{prefix}https://…`): the browser looks for a host named `{}`",
                prefix.trim_end_matches(['/', ':'])
            )
        } else if self.closing.is_empty() {
            format!(
                "`{prefix}` before the link's scheme makes the browser read it as a relative address"
            )
        } else {
            format!(
                "the link is in `{prefix}` and `{closing}`, which the browser reads as part of it"
            )
        };
        let help = if self.closing.is_empty() {
            format!("remove `{prefix}`")
        } else {
            "remove them (an `href` holds the link alone)".to_owned()
        };
        report_around(map, &self.opening, &self.closing, &message, &help, findings);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD112",
            &[
                "ddportal://name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket_list",
            ],
            &[
                "ddportal://deeplink?name=ticket_list",
                "ddportal:///name=ticket_list",
                "https://acme.deskdirector.com/portal/deeplink/?name=quotes",
                "https://acme.deskdirector.com/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink&name=quotes",
                "https://acme.deskdirector.com/PORTAL/deeplink?name=quotes",
                "//acme.deskdirector.com/portal/deeplink?name=quotes",
                "/portal/deeplink?name=quotes",
                "https//acme.deskdirector.com/portal/deeplink?name=quotes",
                "HTTPS/acme.deskdirector.com/portal/deeplink?name=quotes",
                "ddportal//name=quotes",
            ],
        );
    }

    #[test]
    fn a_password_before_the_host_is_not_quoted() {
        let found = crate::rules::testing::finding(
            "DD112",
            "https://agent:hunter2@acme.deskdirector.com/portal/deeplink?name=quotes",
            &RuleSettings::default(),
        );
        assert_eq!(
            (found.message(), found.help()),
            (
                "`agent:*******@` before the host is a user name and a password, which the portal does not read",
                Some("remove `agent:*******@`")
            )
        );
    }

    #[test]
    fn repairs() {
        let settings = RuleSettings::default();
        let cases = [
            ("ddportal://deeplink?name=quotes", "ddportal://name=quotes"),
            ("ddportal:name=quotes", "ddportal://name=quotes"),
            (
                "ddportal://acme.deskdirector.com/portal/deeplink?name=quotes",
                "ddportal://name=quotes",
            ),
            (
                "ddportal://support.example.com:443/portal/deeplink/?name=quotes",
                "ddportal://name=quotes",
            ),
            (
                "https://acme.deskdirector.com/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink&name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https//acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            ("ddportal//name=quotes", "ddportal://name=quotes"),
            (
                "https://acme.deskdirector.com//portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal//deeplink//?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink/name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink//?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            ("ddportal/name=quotes", "ddportal://name=quotes"),
            (
                "https://acme.deskdirector.com/portal/deeplink#name=ticket&ticket_id=1#note",
                "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=1#note",
            ),
            (
                "https://bob@acme.deskdirector.com/portal/deeplink?name=quotes",
                "https://acme.deskdirector.com/portal/deeplink?name=quotes",
            ),
            (
                "https://acme.deskdirector.com@evil.example/portal/deeplink?name=quotes",
                "https://evil.example/portal/deeplink?name=quotes",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(fixed("DD112", before, &settings), after, "{before}");
        }
        let portal = crate::command::Portal::parse("https://help.example.com").unwrap();
        let with_portal = RuleSettings::new(Some(portal), None);
        // Without a portal there is nothing to put before a relative link.
        let relative = crate::rules::testing::check(
            "/portal/deeplink?name=quotes",
            &settings,
            crate::rules::Origin::Attribute,
        );
        assert!(relative.iter().all(|d| d.fix.is_none()), "{relative:?}");
        assert_eq!(
            fixed("DD112", "/portal/deeplink?name=quotes", &with_portal),
            "https://help.example.com/portal/deeplink?name=quotes"
        );
    }

    #[test]
    fn what_wraps_a_link_in_an_href() {
        use super::{StrayPrefix, Wrapping};
        let link = "https://acme.deskdirector.com/portal/deeplink?name=ticket_list";
        let unwrapped = |value: &str| {
            let wrapping = Wrapping::find(value, 0..value.len());
            value[wrapping.link].to_owned()
        };
        for wrapped in [
            format!("\u{a0}{link}"),
            format!("{link}%20"),
            format!("%C2%a0{link}%0d%0A"),
            format!("\u{200b}“ {link}”\u{feff}"),
            format!("\u{3000}{link}\u{2060}"),
        ] {
            assert_eq!(unwrapped(&wrapped), link, "{wrapped:?}");
        }
        // Percent-encoded text that is not a space stays: `%2` is the start of a value.
        assert_eq!(unwrapped(&format!("{link}%2")), format!("{link}%2"));
        assert!(Wrapping::find(link, 0..link.len()).is_empty());

        let stray = |value: &str| {
            StrayPrefix::find(value, 0..value.len()).map(|prefix| value[prefix.link].to_owned())
        };
        for wrapped in [
            format!("x{link}"),
            format!("https://{link}"),
            format!("HTTP://{link}"),
            format!("<{link}>"),
            format!("'{link}'"),
            format!("\"{link}\""),
            format!("({link})"),
        ] {
            assert_eq!(stray(&wrapped).as_deref(), Some(link), "{wrapped}");
        }
        // An address of its own around the link (a redirect, a script, a token) is not a slip.
        for other in [
            format!("https://t.example.com/c?u={link}"),
            format!("javascript:open('{link}')"),
            format!("{{{{base}}}}{link}"),
            format!("mailto:{link}"),
            format!("abcdefghijklmn{link}"),
            link.to_owned(),
        ] {
            assert_eq!(stray(&other), None, "{other}");
        }
    }

    #[test]
    fn a_lost_colon_only_counts_in_a_portal_link() {
        let hosts = crate::command::PortalHosts::default();
        for other in [
            "http//example.com/portal/x",
            "https//example.com/",
            "ddportalx",
        ] {
            assert_eq!(crate::command::parse_link(other, &hosts), None, "{other}");
        }
    }
}
