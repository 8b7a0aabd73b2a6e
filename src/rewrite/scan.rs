//! Finding link-shaped runs in text (text nodes, comments, scripts, plain-text templates).

use std::ops::Range;

use crate::command::token::{TokenShape, Tokens, handlebars_renders_no_text, token_at};

/// Words without which a text cannot hold a portal link: texts that have none of them (nearly
/// all) cost one scan.
/// `://name=` and `:/name=` are a desktop link's command after a misspelt scheme
/// (`ddprotal://name=…`, `ddprotal:/name=…`) or the web one (`https://name=…`).
const NEEDLES: &[&str] = &[
    "ddportal", "deeplink", "/portal", "gtoken", "/auth/", "://name=", ":/name=",
];

/// The shortest needle: shorter texts (the white space between tags) are not scanned.
const SHORTEST: usize = 6;

/// One pass over a text for every needle at once, whatever their case (a separate pass per
/// needle and per case cost more than lol_html's own parsing).
#[derive(Debug)]
pub struct Prefilter {
    automaton: aho_corasick::AhoCorasick,
    shortest: usize,
}

impl Prefilter {
    /// The prefilter for links to the default hosts and, when configured, to `extra_host` (a
    /// custom domain). Automata are built once per host and shared.
    pub fn for_host(extra_host: Option<&str>) -> std::sync::Arc<Prefilter> {
        static BUILT: std::sync::Mutex<Vec<(Option<String>, std::sync::Arc<Prefilter>)>> =
            std::sync::Mutex::new(Vec::new());
        let mut built = BUILT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, prefilter)) = built.iter().find(|(h, _)| h.as_deref() == extra_host) {
            return std::sync::Arc::clone(prefilter);
        }
        let needles: Vec<&str> = NEEDLES.iter().copied().chain(extra_host).collect();
        // A contiguous NFA rather than the DFA the builder picks for so few needles: building
        // the DFA (and the memory it fills) cost about 0.4 ms, a fifth of a save hook's run on
        // a small template, and it searched hardly faster (the NFA takes half a percent more
        // instructions over the benchmark's templates: the texts searched are short, and most
        // of them match).
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(&needles)
            .expect("a handful of short needles always build");
        let prefilter = std::sync::Arc::new(Prefilter {
            automaton,
            shortest: extra_host.map_or(SHORTEST, |h| h.len().clamp(1, SHORTEST)),
        });
        built.push((
            extra_host.map(str::to_owned),
            std::sync::Arc::clone(&prefilter),
        ));
        prefilter
    }

    /// Whether `text` may hold a portal link or a `{{deeplink}}` placeholder.
    pub fn may_hold_link(&self, text: &[u8]) -> bool {
        text.len() >= self.shortest && self.automaton.is_match(text)
    }

    /// The URL-shaped runs in `text` (see [`links`]) that may be portal links. A link in text
    /// starts with a scheme, so the colon that ends it is looked for first (one `memchr`
    /// pass) and only the runs found are matched against the needles.
    pub fn links(&self, text: &str) -> Vec<Range<usize>> {
        let mut found = links(text);
        found.retain(|range| self.may_hold_link(&text.as_bytes()[range.clone()]));
        found
    }
}

/// The schemes a link in text starts with.
const SCHEMES: &[&[u8]] = &[b"ddportal", b"https", b"http"];

/// The byte ranges of URL-shaped runs in `text` that start with a portal-relevant scheme.
/// A run ends at white space (Unicode's too), quotes (typographic ones too) or angle brackets,
/// except inside a template token (`[Ticket: ID]` keeps its space); trailing sentence
/// punctuation, and a closing brace or bracket the run did not open, are not part of it.
pub fn links(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut resume = 0;
    for colon in memchr::memchr_iter(b':', bytes) {
        if colon < resume || colon == 0 {
            continue;
        }
        // Style attributes are full of colons: most are ruled out by the letter before.
        let start = if matches!(bytes[colon - 1].to_ascii_lowercase(), b'p' | b's' | b'l') {
            SCHEMES.iter().find_map(|scheme| {
                let start = colon.checked_sub(scheme.len())?;
                let matches = bytes[start..colon].eq_ignore_ascii_case(scheme)
                    && (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
                    && (scheme[0] == b'd' || bytes.get(colon + 1) == Some(&b'/'));
                matches.then_some(start)
            })
        } else {
            None
        };
        let start = start.or_else(|| slipped_scheme_start(bytes, colon));
        let Some(start) = start.filter(|&s| s >= resume) else {
            continue;
        };
        let end = run_end(text, start);
        if end > colon + 1 {
            found.push(start..end);
        }
        resume = end.max(colon + 1);
    }
    found
}

/// Where a link in plain text that ends at `end` ends once the lines an editor wrapped it
/// over are taken in: a link whose line ends with its `&` or `?` (`…ticket_id=[srnumber]&`)
/// goes on on the next line when that starts with a `key=` (`action=approve`), indented or
/// not. A mail client ends the link at the line break; DD402 reports it.
pub fn wrapped_link_end(text: &str, mut end: usize) -> usize {
    let bytes = text.as_bytes();
    let blanks = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        at
    };
    loop {
        // `deeplink?` at the end of a sentence: the `?` is left out of the link.
        let separator = if bytes.get(end) == Some(&b'?') {
            end + 1
        } else {
            end
        };
        if separator == 0 || !matches!(bytes[separator - 1], b'&' | b'?') {
            return end;
        }
        let mut at = blanks(separator);
        match bytes.get(at) {
            Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => at += 2,
            Some(b'\r' | b'\n') => at += 1,
            _ => return end,
        }
        let at = blanks(at);
        let key = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if key == 0 || !bytes[at].is_ascii_alphabetic() || bytes.get(at + key) != Some(&b'=') {
            return end;
        }
        let next = run_end(text, at);
        if next <= at + key {
            return end;
        }
        end = next;
    }
}

/// Where the complete `lines` (each ended by its line break) start to end a link that a
/// line after them may go on ([`wrapped_link_end`]): the first of the lines at their end
/// that end in `&` or `?`, but for spaces and tabs.
pub fn wrapped_lines_at_end(lines: &[u8]) -> Option<usize> {
    let mut end = lines.len();
    let mut found = None;
    while end > 0 {
        let mut line_end = end;
        if lines[..line_end].ends_with(b"\r\n") {
            line_end -= 2;
        } else if matches!(lines[line_end - 1], b'\n' | b'\r') {
            line_end -= 1;
        }
        let line_start = lines[..line_end]
            .iter()
            .rposition(|&b| matches!(b, b'\n' | b'\r'))
            .map_or(0, |at| at + 1);
        let content = lines[line_start..line_end]
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t'))
            .map(|at| lines[line_start + at]);
        if !matches!(content, Some(b'&' | b'?')) {
            break;
        }
        found = Some(line_start);
        end = line_start;
    }
    found
}

/// Where the word starts that stands for a scheme before the colon at `colon`, when a
/// desktop link's command follows it (`ddprotal://name=…`, `ddprotal:/name=…`): a slipped
/// scheme, which DD112 reports.
fn slipped_scheme_start(bytes: &[u8], colon: usize) -> Option<usize> {
    let after = &bytes[colon + 1..];
    let slashes = after.iter().take(3).take_while(|&&b| b == b'/').count();
    let command = after.get(slashes..slashes + 5)?;
    if slashes == 0 || !command.eq_ignore_ascii_case(b"name=") {
        return None;
    }
    let letters = bytes[..colon]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let start = colon - letters;
    (letters >= 3 && (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())).then_some(start)
}

fn run_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut tokens = Tokens::new(text);
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'[' | b'{' => match tokens.at(at) {
                Some(token) => at = token.range.end,
                None => at += 1,
            },
            b if b.is_ascii_whitespace() => break,
            b'<' | b'>' | b'"' | b'\'' | b'`' => break,
            b'&' if encoded_delimiter(text, at) => break,
            // A no-break, ideographic, zero-width or other Unicode space ends the link as a
            // space does, and so do typographic quotes and CJK punctuation: URLs hold none,
            // and prose puts them around one (Outlook a no-break space, Word `“…”`, Japanese
            // `。`).
            b if !b.is_ascii() => match text[at..].chars().next() {
                Some(c)
                    if crate::rules::malformed_envelope::is_invisible_space(c)
                        || ends_prose_link(c) =>
                {
                    break;
                }
                Some(c) => at += c.len_utf8(),
                None => break,
            },
            _ => at += 1,
        }
    }
    trim_punctuation(text, start, at)
}

/// Whether `c`, outside ASCII, ends a link written in prose: a quotation mark, or CJK and
/// full-width punctuation.
fn ends_prose_link(c: char) -> bool {
    crate::rules::malformed_envelope::is_typographic_quote(c)
        || matches!(
            c,
            '\u{3001}' | '\u{3002}' // 、 。
                | '\u{3010}' | '\u{3011}' // 【 】
                | '\u{FF01}' | '\u{FF08}' | '\u{FF09}' | '\u{FF0C}' | '\u{FF0E}' // ！ （ ） ， ．
                | '\u{FF1A}' | '\u{FF1B}' | '\u{FF1F}' // ： ； ？
        )
}

/// Whether the `&` at `at` starts a character reference to what ends a link in text: an
/// angle bracket, a quote or a no-break space, written encoded (`&lt;https://…&gt;` in a text
/// that shows a URL in brackets).
fn encoded_delimiter(text: &str, at: usize) -> bool {
    // Most `&`s in a link separate its parameters (bare or as `&amp;`): told apart by the
    // letters after them before the reference is looked up (`gt`, `lt`, `quot`, `apos`,
    // `nbsp`, `NonBreakingSpace`, numeric).
    if !matches!(
        text.as_bytes().get(at + 1),
        Some(b'g' | b'l' | b'G' | b'L' | b'q' | b'Q' | b'a' | b'n' | b'N' | b'#')
    ) || text[at + 1..].starts_with("amp;")
    {
        return false;
    }
    matches!(
        crate::charref::classify(text, at, false),
        crate::charref::Ampersand::Reference { decoded, .. }
            if matches!(decoded.as_str(), "<" | ">" | "\"" | "'" | "\u{a0}")
    )
}

/// Sentence punctuation after a link belongs to the sentence; a `;` that closes a character
/// reference (`&amp;`) belongs to the link.
fn trim_punctuation(text: &str, start: usize, mut end: usize) -> usize {
    let bytes = text.as_bytes();
    while end > start {
        match bytes[end - 1] {
            b'.' | b',' | b'!' | b'?' | b':' | b')' => end -= 1,
            // A brace or bracket that nothing in the link opened closes what the link is in
            // (`url(ddportal://name=quotes)}` in a style sheet); a token's stays.
            closer @ (b'}' | b']') => {
                if let Some(tag_start) = closing_liquid_tag(text, start, end) {
                    end = tag_start;
                    continue;
                }
                let opener = if closer == b'}' { b'{' } else { b'[' };
                let run = &bytes[start..end];
                let count = |byte: u8| memchr::memchr_iter(byte, run).count();
                if count(closer) <= count(opener) {
                    break;
                }
                end -= 1;
            }
            b';' => {
                let before = &text[start..end - 1];
                let reference = before.rfind('&').is_some_and(|amp| {
                    let name = &before[amp + 1..];
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#')
                });
                if reference {
                    break;
                }
                end -= 1;
            }
            _ => break,
        }
    }
    end
}

/// Where a template tag that renders no text and ends the run at `end` starts: `{% endif %}`
/// or Handlebars' `{{/if}}` right after a link in text closes the block the
/// link is in, and is no part of its last value. A tag inside the link
/// (`action={% if a %}approve{% endif %}&lang=en`) stays.
fn closing_liquid_tag(text: &str, start: usize, end: usize) -> Option<usize> {
    let run = &text[start..end];
    if let Some(before) = run.strip_suffix("%}") {
        let opening = start + before.rfind("{%")?;
        return token_at(text, opening)
            .filter(|tag| tag.shape == TokenShape::LiquidTag && tag.range.end == end)
            .map(|_| opening);
    }
    let opening = start + run.strip_suffix("}}")?.rfind("{{")?;
    token_at(text, opening)
        .filter(|tag| {
            tag.shape == TokenShape::Mustache
                && tag.range.end == end
                && handlebars_renders_no_text(&text[opening..])
        })
        .map(|_| opening)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        links(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn finds_links_in_prose() {
        assert_eq!(
            found(
                "Open https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]. Thanks"
            ),
            ["https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]"]
        );
        assert_eq!(
            found("(ddportal://name=quotes), or DDPORTAL://name=invoices"),
            ["ddportal://name=quotes", "DDPORTAL://name=invoices"]
        );
        assert_eq!(
            found("a&amp;b http://x.y/?a=1&amp; more"),
            ["http://x.y/?a=1&amp;"]
        );
        assert_eq!(found("no links: here, xddportal:x"), Vec::<&str>::new());
        // A slipped scheme before a desktop command: DD112's to report.
        assert_eq!(
            found("Open ddprotal://name=quotes or ddportl:/name=invoices, not x:/name=y"),
            ["ddprotal://name=quotes", "ddportl:/name=invoices"]
        );
        assert_eq!(found("<a href=\"https://a.b/c\">"), ["https://a.b/c"]);
        // Brackets and quotes written as references end a link too.
        assert_eq!(
            found("See &lt;ddportal://name=ticket_list&gt; or &quot;ddportal://name=quotes&#34;"),
            ["ddportal://name=ticket_list", "ddportal://name=quotes"]
        );
        // Unicode spaces end a link: no-break, em, ideographic.
        assert_eq!(
            found("Approve:\u{a0}ddportal://name=ticket&action=approve\u{a0}or reply"),
            ["ddportal://name=ticket&action=approve"]
        );
        assert_eq!(
            found("ddportal://name=quotes\u{2003}x ddportal://name=invoices\u{3000}(承認)"),
            ["ddportal://name=quotes", "ddportal://name=invoices"]
        );
        assert_eq!(
            found("ddportal://name=ticket&ticket_id=[Ticket:\u{a0}ID]é\u{a0}"),
            ["ddportal://name=ticket&ticket_id=[Ticket:\u{a0}ID]é"]
        );
        // A closing brace or bracket that the link did not open is not the link's.
        assert_eq!(
            found("a{background:url(ddportal://name=quotes)} [ddportal://name=login] x"),
            ["ddportal://name=quotes", "ddportal://name=login"]
        );
        assert_eq!(
            found(
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }} ddportal://name=ticket&ticket_id=[srnumber]"
            ),
            [
                "ddportal://name=ticket&ticket_id={{ Ticket.Id }}",
                "ddportal://name=ticket&ticket_id=[srnumber]"
            ]
        );
        // A Liquid tag that ends a link closes the block the link is in; one inside stays.
        assert_eq!(
            found(
                "{% if a %}ddportal://name=ticket&action=aprove{% endif %}\n\
                 ddportal://name=quotes{% if b %} (x){% endif %} \
                 ddportal://name=ticket&action={% if a %}approve{% endif %}&x=1 \
                 ddportal://name=invoices{% endif %}.{%- endunless -%} \
                 ddportal://name=quotes{{/if}} ddportal://name=ticket_list{{~/each~}}"
            ),
            [
                "ddportal://name=ticket&action=aprove",
                "ddportal://name=quotes",
                "ddportal://name=ticket&action={% if a %}approve{% endif %}&x=1",
                "ddportal://name=invoices",
                "ddportal://name=quotes",
                "ddportal://name=ticket_list"
            ]
        );
        // A word processor's quotes and CJK punctuation end a link too.
        assert_eq!(
            found("Open “https://a.b/portal/deeplink?name=quotes” or «ddportal://name=invoices»."),
            [
                "https://a.b/portal/deeplink?name=quotes",
                "ddportal://name=invoices"
            ]
        );
        assert_eq!(
            found(
                "「ddportal://name=quotes」、ddportal://name=invoices。（ddportal://name=login）"
            ),
            [
                "ddportal://name=quotes",
                "ddportal://name=invoices",
                "ddportal://name=login"
            ]
        );
        assert_eq!(
            found("ddportal://name=ticket&amp;ticket_id=1&#X3E;"),
            ["ddportal://name=ticket&amp;ticket_id=1"]
        );
    }

    #[test]
    fn prefilter() {
        let default = Prefilter::for_host(None);
        assert!(default.may_hold_link(b"see DDPORTAL://x"));
        assert!(default.may_hold_link(b"{{deeplink name='quotes'}}"));
        assert!(!default.may_hold_link(b"plain e-mail body"));
        assert!(!default.may_hold_link(b"support.example.com/x"));
        let custom = Prefilter::for_host(Some("support.example.com"));
        assert!(custom.may_hold_link(b"SUPPORT.example.com/x"));
        assert!(custom.may_hold_link(b"see ddportal://x"));
    }
}
