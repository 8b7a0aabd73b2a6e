use super::malformed_envelope::is_invisible_space;
use super::unescaped_ampersand::{UNESCAPED_AMPERSAND, splits_escaped_ampersand};
use super::{Findings, LinkSite, Origin};
use crate::command::token::{TokenShape, Tokens};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity, Span};
use crate::dialect::token::meant_spaced;

declare_rule! {
    /// ## What it does
    /// Reports white space around or inside a portal link: a space or line break before or
    /// after the URL in `href`, or inside the URL (outside template tokens such as
    /// `[Ticket: ID]`, whose space is theirs).
    ///
    /// ## Why is this bad?
    /// Mail clients and the PSA's editor handle it differently: some trim it, some encode it
    /// as `%20` into the command (`ticket_id=%20123` finds no ticket), some break the link at
    /// the line break.
    ///
    /// ## Example
    /// ```html
    /// <a href=" https://acme.deskdirector.com/portal/deeplink?name=ticket_list ">Tickets</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a>
    /// ```
    ///
    /// ## Fix
    /// Leading and trailing white space is trimmed: a safe fix. Tabs and line breaks inside
    /// the URL (an editor's wrapping) are removed safely, as a URL parser drops them too; a
    /// break followed by indentation is an error, removed with it as an unsafe fix: the
    /// spaces stay in the URL, inside the command (`state=⏎   open` is `state=%20%20%20open`).
    /// A break inside a bracket token is an error too, since the PSA fills in no token broken
    /// over lines: it becomes the token's space where it was wrapped at one (`[Ticket:⏎ID]`),
    /// and goes in a token without one (`[srnumber⏎]`, ConnectWise), a safe fix. A space just before or after a key or a value
    /// (`ticket_id= [srnumber]`, `name =ticket`, `&amp; ticket_id=`) is removed: safe fixes
    /// too. A no-break or zero-width space (`&nbsp;`, `&#8203;`) at the start or end of a
    /// key or a value (`ticket_id=&nbsp;12345`, `name=quote&nbsp;&amp;…`) is reported as
    /// white space, not as the unknown word it makes, and removed safely: the browser keeps
    /// it (`%C2%A0`), and no key, command or id has one. White space that splits an `&amp`
    /// from its `;` (`&amp ;ticket_id`) is DD401's, which repairs the two whole. The other
    /// rules read a link broken over lines as if it were joined, so that a defect elsewhere
    /// in it is reported too. A no-break or zero-width space inside a Liquid or Handlebars
    /// expression (`{{&nbsp;Ticket.Id }}`, `{{ Ticket.Id&nbsp;}}`) is reported where it
    /// stands: the template engine reads `&nbsp;` as written, and the expression fails. The
    /// safe fix writes a plain space for it (harmless inside `{{ }}`), or removes a zero-width
    /// one.
    ///
    /// In a plain-text template, a link whose line ends with its `&` or `?` goes on on the
    /// next line when that starts with a `key=` (`…ticket_id=[srnumber]&⏎action=approve`,
    /// indented or not): an editor wrapped it. A mail client ends the link at the line break
    /// and the rest is lost, so this is an error; joining the lines is a safe fix (the
    /// indentation never was part of the link). The other rules read the link joined.
    ///
    /// A link in text that a template tag after it joins to the next word, by taking out the
    /// white space between (`…&action=approve{%- endif -%} Thanks`, `{{/if~}}`), is reported
    /// on the tag, as an error: the mail reads `action=approveThanks`. No fix: the tag's
    /// trimming may be meant for the lines around it.
    pub static WHITESPACE_IN_URL = {
        code: "DD402",
        name: "whitespace-in-url",
        severity: Warning,
        fix: Sometimes,
    };
}

/// A link in text that the template tags at `span` (`tags`) join to `joined`, the word after
/// them, by taking out the white space between.
pub fn report_trimmed_into_text(findings: &mut Findings, span: Span, tags: &str, joined: &str) {
    if !findings.enabled(&WHITESPACE_IN_URL) {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &WHITESPACE_IN_URL,
        span,
        format!(
            "`{tags}` takes out the white space after the link: the mail reads it as running \
             on into `{joined}`"
        ),
    )
    .with_help("write `%}` for `-%}` (or `}}` for `~}}`) at the end of the tag, so that the white space after it stays");
    // The link's last value is another once joined: a broken link, not only white space.
    diagnostic.severity = Severity::Error;
    findings.push(diagnostic);
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&WHITESPACE_IN_URL) {
        return;
    }
    if site.origin == Origin::Attribute {
        // The value's own ends: typographic quotes between them and the link are DD112's.
        let value = site.map.decoded.as_str();
        let value_len = value.len();
        let leading = value_len
            - value
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .len();
        let trailing = value
            .trim_end_matches(|c: char| c.is_ascii_whitespace())
            .len();
        let before = (leading > 0 && leading < value_len).then_some(0..leading);
        let after = (trailing < value_len && trailing > 0).then_some(trailing..value_len);
        // Pointed at the white space itself where it stands on one side: it shows as nothing.
        let pointed = match (&before, &after) {
            (Some(_), Some(_)) => Some((0..value_len, "white space around the link")),
            (Some(range), None) => Some((range.clone(), "white space before the link")),
            (None, Some(range)) => Some((range.clone(), "white space after the link")),
            (None, None) => None,
        };
        if let Some((range, message)) = pointed {
            let edits = [before, after]
                .into_iter()
                .flatten()
                .map(|run| Edit::delete(site.map.span(run)))
                .collect();
            findings.push(
                Diagnostic::new(&WHITESPACE_IN_URL, site.map.span(range), message)
                    .with_help("remove the white space")
                    .with_fix(Fix::safe(edits)),
            );
        }
    }
    interior(site, findings);
}

/// The runs of white space inside a link, outside template tokens.
fn interior_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut tokens = Tokens::new(text);
    let mut at = 0;
    while at < bytes.len() {
        if let Some(token) = tokens.at(at) {
            at = token.range.end;
            continue;
        }
        if !bytes[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        let run = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        runs.push(at..at + run);
        at += run;
    }
    runs
}

fn is_line_break_or_tab(byte: u8) -> bool {
    matches!(byte, b'\n' | b'\r' | b'\t')
}

/// The runs of white space inside a link (outside template tokens) that hold a line break or
/// a tab: where an editor wrapped it. The rules read the link without them
/// ([`super::site::Joined`]).
pub fn wrapping_runs(link: &str) -> Vec<std::ops::Range<usize>> {
    if memchr::memchr3(b'\n', b'\r', b'\t', link.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut runs = interior_runs(link);
    runs.retain(|run| {
        link.as_bytes()[run.clone()]
            .iter()
            .any(|&b| is_line_break_or_tab(b))
    });
    runs
}

/// Whether a run of white space in `link` stands between the `[` and `]` of a bracket token
/// (`[Contact: Email⏎Address]`, `[srnumber⏎]`).
pub fn inside_bracket_token(link: &str, run: &std::ops::Range<usize>) -> bool {
    bracket_token_around(link, run).is_some()
}

/// The range of the bracket token in `link` that a run of white space stands in.
fn bracket_token_around(
    link: &str,
    run: &std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let ends = |b: &u8| matches!(b, b'[' | b']' | b'&' | b'=' | b'?' | b'"' | b'<' | b'>');
    let bytes = link.as_bytes();
    let open = bytes[..run.start].iter().rposition(ends)?;
    let close = run.end + bytes[run.end..].iter().position(ends)?;
    (bytes[open] == b'['
        && bytes[close] == b']'
        && close - open <= crate::command::token::MAX_BRACKET_TOKEN)
        .then_some(open..close + 1)
}

/// Whether a run of white space in a bracket token stands for a space the token has: where
/// an editor wrapped the link at it (`[Ticket:⏎ID]`, `[Contact: Email⏎Address]`). A
/// ConnectWise token has none (`[srnumber⏎]` is `[srnumber]`).
pub fn wrapped_at_token_space(link: &str, run: &std::ops::Range<usize>) -> bool {
    let Some(token) = bracket_token_around(link, run) else {
        return false;
    };
    let (before, after) = (&link[token.start..run.start], &link[run.end..token.end]);
    meant_spaced(&format!("{before} {after}"), &format!("{before}{after}"))
}

/// Whether the text between `before` and `after` (of a link) is at the edge of a key or a
/// value: just after `=`, `&`, `?` or `://`, or just before `&`, `#`, `=` or the link's end.
/// White space there is no part of the key or value it touches.
fn at_key_or_value_edge(before: &str, after: &str) -> bool {
    before.ends_with(['=', '&', '?'])
        || before.ends_with("://")
        || after.is_empty()
        || after.starts_with(['&', '#', '='])
}

/// The runs of invisible white space (a no-break or zero-width space) at the edge of a key or
/// a value, outside template tokens: `ticket_id=&nbsp;12345`, `name=quote&nbsp;&amp;…`. The
/// browser keeps them (`ticket_id=%C2%A0123` finds no ticket), and they show as nothing or as
/// a plain space in a message; in the middle of a value they make it another value, which the
/// value's own rule reports.
fn invisible_edge_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut tokens = Tokens::new(text);
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        if let Some(token) = tokens.at(at) {
            at = token.range.end;
            continue;
        }
        if !is_invisible_space(c) {
            at += c.len_utf8();
            continue;
        }
        let run = text[at..]
            .chars()
            .take_while(|&c| is_invisible_space(c))
            .map(char::len_utf8)
            .sum::<usize>();
        if at_key_or_value_edge(&text[..at], &text[at + run..]) {
            runs.push(at..at + run);
        }
        at += run;
    }
    runs
}

/// Report the invisible white space at the edge of a key or a value, with the safe fix that
/// removes it: no id, key or word of a deep link starts or ends with one.
fn invisible_at_edges(site: &LinkSite, text: &str, findings: &mut Findings) {
    for range in invisible_edge_runs(text) {
        let span = site
            .map
            .span(site.range.start + range.start..site.range.start + range.end);
        if in_repaired_envelope(site, span) {
            continue;
        }
        let named = space_named(text[range.clone()].chars().next().unwrap_or(' '));
        let mut diagnostic = Diagnostic::new(
            &WHITESPACE_IN_URL,
            span,
            format!("{named} inside the link, which the browser keeps in it"),
        )
        .with_help("remove it")
        .with_fix(Fix::safe(vec![Edit::delete(span)]));
        // The key or value it touches is read with it (`quote\u{a0}` is no command).
        diagnostic.misread = true;
        findings.push(diagnostic);
    }
}

/// A white-space character as a template's author knows it, the others by their code point
/// (a zero-width one as invisible).
pub fn space_named(space: char) -> String {
    match space {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        '\u{a0}' => "a no-break space (`&nbsp;`)".to_owned(),
        other if other.is_whitespace() => format!("white space (U+{:04X})", u32::from(other)),
        other => format!("invisible white space (U+{:04X})", u32::from(other)),
    }
}

/// Whether DD112's repair of the envelope (`https ://`, `/portal /deeplink`) rewrites the
/// white space at `span` with what stands around it: one defect, said once.
fn in_repaired_envelope(site: &LinkSite, span: Span) -> bool {
    site.link.envelope_issues.iter().any(|issue| {
        let repaired = site.span(issue.range.clone());
        issue.replacement.is_some() && repaired.start <= span.start && span.end <= repaired.end
    })
}

/// Report a no-break or zero-width space inside a Liquid or Handlebars expression
/// (`{{&nbsp;Ticket.Id }}`): the template engine reads the template as written, where it is
/// `&nbsp;` or a character that is no space to it, and the expression fails. Inside `{{ }}` a
/// plain space is harmless: a no-break one becomes one, a zero-width one goes.
fn invisible_in_expressions(site: &LinkSite, text: &str, findings: &mut Findings) {
    for token in crate::command::token::tokens(text) {
        if !matches!(token.shape, TokenShape::Mustache | TokenShape::LiquidTag) {
            continue;
        }
        let inner = &text[token.range.clone()];
        for (at, c) in inner.char_indices().filter(|&(_, c)| is_invisible_space(c)) {
            let start = site.range.start + token.range.start + at;
            let span = site.map.span(start..start + c.len_utf8());
            let named = space_named(c);
            let (help, edit) = if c.is_whitespace() {
                ("write a plain space", Edit::replace(span, " "))
            } else {
                ("remove it", Edit::delete(span))
            };
            findings.push(
                Diagnostic::new(
                    &WHITESPACE_IN_URL,
                    span,
                    format!("{named} inside the template expression, which its template engine reads as no space"),
                )
                .with_help(help)
                .with_fix(Fix::safe(vec![edit])),
            );
        }
    }
}

fn interior(site: &LinkSite, findings: &mut Findings) {
    // The link as written: the other rules read it joined, without its line breaks.
    let text = site.unjoined();
    // One look for what the two walks below report: most links are ASCII throughout.
    if !text.is_ascii() && text.contains(is_invisible_space) {
        invisible_at_edges(site, text, findings);
        invisible_in_expressions(site, text, findings);
    }
    let bytes = text.as_bytes();
    for range in interior_runs(text) {
        let run = &bytes[range.clone()];
        let span = site
            .map
            .span(site.range.start + range.start..site.range.start + range.end);
        if in_repaired_envelope(site, span) {
            continue;
        }
        // `&amp ;ticket_id`: DD401 repairs the split reference whole, white space and all.
        let decoded = site.range.start + range.start..site.range.start + range.end;
        if findings.enabled(&UNESCAPED_AMPERSAND) && splits_escaped_ampersand(site, decoded) {
            continue;
        }
        // A space misleads the other rules (a key or value holds it); a line break does not,
        // since they read the link joined. White space around the link is trimmed before they
        // read it.
        let wrapped = run.iter().any(|&b| is_line_break_or_tab(b));
        let in_token = inside_bracket_token(text, &range);
        if in_token && !wrapped {
            // `[Contact: Email` of a token wrapped further on: the token's own space.
            continue;
        }
        let mut diagnostic = if in_token {
            // The PSA finds its tokens in the template's source, where this one is broken: the
            // link carries it unfilled, whatever a browser then drops.
            let mut broken = Diagnostic::new(
                &WHITESPACE_IN_URL,
                span,
                "a line break inside a token: the PSA fills in no token broken over lines",
            );
            broken.severity = Severity::Error;
            broken
        } else {
            Diagnostic::new(&WHITESPACE_IN_URL, span, "white space inside the link")
        };
        diagnostic.misread = !wrapped;
        let diagnostic = if wrapped && site.origin == Origin::PlainText {
            // `…&⏎action=approve` in a plain-text mail: the mail client ends the link at the
            // line break, and what follows it is lost. The indentation is no part of the link
            // either: joined, the link is the one the author wrote.
            let rest = &text[range.end..];
            let lost = rest.split('&').next().unwrap_or(rest);
            let mut diagnostic = Diagnostic::new(
                &WHITESPACE_IN_URL,
                span,
                format!(
                    "a line break inside the link: a mail client ends the link there, and `{lost}` is lost"
                ),
            )
            .with_help("join the link onto one line")
            .with_fix(Fix::safe(vec![Edit::delete(span)]));
            diagnostic.severity = Severity::Error;
            diagnostic
        } else if in_token && wrapped_at_token_space(text, &range) {
            // The token's own space, which the PSA needs to find it.
            diagnostic
                .with_help("join the link onto one line, with the space the token has")
                .with_fix(Fix::safe(vec![Edit::replace(span, " ")]))
        } else if in_token {
            // `[srnumber⏎]`: a token without a space, indentation and all, which the PSA
            // finds once joined.
            diagnostic
                .with_help("join the link onto one line: the token has no space")
                .with_fix(Fix::safe(vec![Edit::delete(span)]))
        } else if run.iter().all(|&b| is_line_break_or_tab(b)) {
            // A URL parser drops tabs and line breaks: without them the link means the same.
            diagnostic
                .with_help("join the link onto one line")
                .with_fix(Fix::safe(vec![Edit::delete(span)]))
        } else if run.iter().any(|&b| is_line_break_or_tab(b)) {
            // The spaces that indent the next line stay in the URL (as `%20`), inside the
            // command (`state=⏎   open` is `state=%20%20%20open`): a broken link, as the
            // same spaces written on one line are. The other rules read it joined, so this
            // finding alone says so.
            let mut diagnostic = diagnostic
                .with_help("join the link onto one line, without the indentation: the portal reads the spaces as part of the command")
                .with_fix(Fix::unsafe_(vec![Edit::delete(span)]));
            diagnostic.severity = Severity::Error;
            diagnostic
        } else if range.start > 0 && at_key_or_value_edge(&text[..range.start], &text[range.end..])
        {
            // `ticket_id= [srnumber]`, `name =ticket`, `& ticket_id=`: around a key or a value,
            // a space is no part of it.
            diagnostic
                .with_help("remove the space")
                .with_fix(Fix::safe(vec![Edit::delete(span)]))
        } else {
            diagnostic.with_help("remove the space, or put the value in a template token")
        };
        findings.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSettings;
    use crate::rules::testing::{assert_rule, fixed};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD402",
            &[
                "ddportal://name=ticket&ticket_id=[Ticket: ID]",
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
            ],
            &[
                " ddportal://name=ticket_list",
                "ddportal://name=ticket_list\n",
                "ddportal://name=ticket&ticket_id= 1",
                "ddportal://name=ticket&\n    ticket_id=1",
                "ddportal://name=ticket&ticket_id=\u{a0}[Ticket: ID]",
                "ddportal://name=ticket&ticket_id=12345\u{a0}&action=close",
                "ddportal://name=ticket_list&state=open\u{a0}#x",
                "ddportal://name=ticket&ticket_id=1&\u{200b}action=close",
            ],
        );
    }

    /// A no-break or zero-width space around a key or a value is no part of it: reported as
    /// white space, not as the unknown word it makes, and removed.
    #[test]
    fn invisible_space_around_a_value() {
        let settings = RuleSettings::default();
        for (before, after) in [
            (
                "ddportal://name=quote\u{a0}&quote_id=QABV829",
                "ddportal://name=quote&quote_id=QABV829",
            ),
            (
                "ddportal://name=menu_item&menu_id=\u{a0}\u{a0}7",
                "ddportal://name=menu_item&menu_id=7",
            ),
            (
                "ddportal://name=ticket&ticket_id=1&action\u{feff}=close",
                "ddportal://name=ticket&ticket_id=1&action=close",
            ),
        ] {
            assert_eq!(fixed("DD402", before, &settings), after, "{before}");
        }
        // In the middle of a value it makes another value: the value's rule says which.
        let middle = crate::rules::testing::check(
            "ddportal://name=quote&quote_id=QA\u{a0}BV829",
            &settings,
            crate::rules::Origin::Attribute,
        );
        assert!(middle.iter().all(|d| d.code() != "DD402"), "{middle:?}");
    }

    /// A link broken over lines is this rule's alone: the break is no part of a key.
    #[test]
    fn a_wrapped_link_is_read_joined() {
        let settings = RuleSettings::default();
        // Each finding's code and the text it spans, in the order they stand.
        let found = |link: &str| -> Vec<(String, String)> {
            let mut found =
                crate::rules::testing::check(link, &settings, crate::rules::Origin::Attribute);
            found.retain(|d| d.code() != "DD401");
            found.sort_by_key(|d| d.span.start);
            found
                .iter()
                .map(|d| {
                    (
                        d.code().to_owned(),
                        link[d.span.start..d.span.end].to_owned(),
                    )
                })
                .collect()
        };
        let portal = "https://acme.deskdirector.com/portal/deeplink?";
        // The wrapping is one finding, wherever it is, and no key or value holds it.
        assert_eq!(
            found(&format!("{portal}name=ticket&\n  ticket_id=1")),
            [("DD402".to_owned(), "\n  ".to_owned())]
        );
        assert_eq!(
            found("https://acme.deskdirector.com/portal/deep\r\nlink?name=ticket_list"),
            [("DD402".to_owned(), "\r\n".to_owned())]
        );
        assert_eq!(
            found(&format!("{portal}name=tick\n\tet&ticket_id=1")),
            [("DD402".to_owned(), "\n\t".to_owned())]
        );
        // What is wrong with the link itself is reported too, where it is written.
        let wrong = found(&format!(
            "{portal}name=ticket&ticket_id=1&action=aprove\n  &x=1\n&ticket_id=2"
        ));
        let expected = [
            ("DD106", "aprove"),
            ("DD402", "\n  "),
            ("DD104", "x"),
            ("DD402", "\n"),
            ("DD109", "ticket_id"),
        ];
        assert_eq!(
            wrong,
            expected.map(|(code, text)| (code.to_owned(), text.to_owned()))
        );
        // A value broken in two is read whole, and the finding spans the break.
        assert_eq!(
            found(&format!("{portal}name=ticket&ticket_id=1&action=apr\nove")),
            [
                ("DD106".to_owned(), "apr\nove".to_owned()),
                ("DD402".to_owned(), "\n".to_owned())
            ]
        );
        // Only tabs and line breaks: a URL parser drops them, so dropping them is safe.
        assert_eq!(
            fixed("DD402", "ddportal://name=ticket&\r\nticket_id=1", &settings),
            "ddportal://name=ticket&ticket_id=1"
        );
        let indented = crate::rules::testing::check(
            "ddportal://name=ticket&\n    ticket_id=1",
            &settings,
            crate::rules::Origin::Attribute,
        );
        let wrapping = indented.iter().find(|d| d.code() == "DD402").unwrap();
        assert!(wrapping.fix.as_ref().is_some_and(|f| !f.is_safe()));
    }

    #[test]
    fn trims() {
        assert_eq!(
            fixed(
                "DD402",
                "  ddportal://name=ticket_list \n",
                &RuleSettings::default()
            ),
            "ddportal://name=ticket_list"
        );
        for (before, after) in [
            (
                "ddportal://name =ticket_list",
                "ddportal://name=ticket_list",
            ),
            (
                "ddportal:// name=ticket_list",
                "ddportal://name=ticket_list",
            ),
            (
                "ddportal://name=ticket&ticket_id=1& action=close",
                "ddportal://name=ticket&ticket_id=1&action=close",
            ),
        ] {
            assert_eq!(fixed("DD402", before, &RuleSettings::default()), after);
        }
    }
}
