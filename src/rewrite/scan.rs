//! Finding link-shaped runs in text (text nodes, comments, scripts, plain-text templates).

use std::ops::Range;

use crate::command::token::token_at;

/// Words without which a text cannot hold a portal link: texts that have none of them (nearly
/// all) cost one scan.
const NEEDLES: &[&[u8]] = &[b"ddportal", b"deeplink", b"/portal", b"gtoken", b"/auth/"];

/// Whether `text` may hold a portal link (for `extra_host`, a configured custom domain).
pub fn may_hold_link(text: &[u8], extra_host: Option<&str>) -> bool {
    NEEDLES
        .iter()
        .any(|needle| contains_ignore_case(text, needle))
        || extra_host.is_some_and(|host| contains_ignore_case(text, host.as_bytes()))
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    let first = needle[0];
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        haystack,
    )
    .any(|at| {
        haystack[at..].len() >= needle.len()
            && haystack[at..at + needle.len()].eq_ignore_ascii_case(needle)
    })
}

/// The schemes a link in text starts with.
const SCHEMES: &[&[u8]] = &[b"ddportal", b"https", b"http"];

/// The byte ranges of URL-shaped runs in `text` that start with a portal-relevant scheme.
/// A run ends at white space, quotes or angle brackets, except inside a template token
/// (`[Ticket: ID]` keeps its space); trailing sentence punctuation is not part of it.
pub fn links(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut resume = 0;
    for colon in memchr::memchr_iter(b':', bytes) {
        if colon < resume {
            continue;
        }
        let start = SCHEMES.iter().find_map(|scheme| {
            let start = colon.checked_sub(scheme.len())?;
            let matches = bytes[start..colon].eq_ignore_ascii_case(scheme)
                && (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
                && (scheme[0] == b'd' || bytes.get(colon + 1) == Some(&b'/'));
            matches.then_some(start)
        });
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

fn run_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'[' | b'{' => match token_at(text, at) {
                Some(token) => at = token.range.end,
                None => at += 1,
            },
            b if b.is_ascii_whitespace() => break,
            b'<' | b'>' | b'"' | b'\'' | b'`' => break,
            _ => at += 1,
        }
    }
    trim_punctuation(text, start, at)
}

/// Sentence punctuation after a link belongs to the sentence; a `;` that closes a character
/// reference (`&amp;`) belongs to the link.
fn trim_punctuation(text: &str, start: usize, mut end: usize) -> usize {
    let bytes = text.as_bytes();
    while end > start {
        match bytes[end - 1] {
            b'.' | b',' | b'!' | b'?' | b':' | b')' => end -= 1,
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
        assert_eq!(found("<a href=\"https://a.b/c\">"), ["https://a.b/c"]);
    }

    #[test]
    fn prefilter() {
        assert!(may_hold_link(b"see DDPORTAL://x", None));
        assert!(!may_hold_link(b"plain e-mail body", None));
        assert!(may_hold_link(
            b"support.example.com/x",
            Some("support.example.com")
        ));
    }
}
