//! Template tokens: the parts of a value that the mail system fills in at send time.
//!
//! They are recognised by shape only (which PSA a token belongs to is the dialect's question).
//! The parser must not split a command inside a token: `[Contact: Email Address]` holds a space,
//! a Liquid expression may hold `&` or `#`.

use std::ops::Range;

/// The shape of a template token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenShape {
    /// `[srnumber]`, `[Ticket: ID]`.
    Bracket,
    /// `{{ Ticket.Id }}`, `{{Token}}`.
    Mustache,
    /// `{% if x %}`.
    LiquidTag,
    /// A bracket token that an editor percent-encoded: `%5BTicket:%20ID%5D`, or only one of
    /// its brackets (`%5BTicket: ID]`, `[srnumber%5D`). The PSA never fills it in.
    EncodedBracket,
    /// A Liquid expression that an editor percent-encoded: `%7B%7B%20Ticket.Id%20%7D%7D`.
    EncodedMustache,
}

/// A token found in a string: its shape and its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub shape: TokenShape,
    pub range: Range<usize>,
}

/// The longest bracket token we accept; longer runs are prose, not a variable.
pub const MAX_BRACKET_TOKEN: usize = 120;

/// If a token starts at `at`, its end (exclusive).
pub fn token_at(text: &str, at: usize) -> Option<Token> {
    Tokens::new(text).at(at)
}

/// Tokens looked for at offsets of one text, left to right. The next `}}`, `%}` and line
/// break are remembered between offsets: a text of many unclosed `{{` (each of which is
/// closed, if at all, on its own line) is then read once, not once from each.
pub struct Tokens<'t> {
    text: &'t str,
    mustache_close: Next,
    liquid_close: Next,
    newline: Next,
}

/// Where a needle is next found at or after an offset, as last searched.
struct Next {
    from: usize,
    found: Option<usize>,
}

impl Next {
    const UNSEARCHED: Next = Next {
        from: usize::MAX,
        found: None,
    };

    fn find(
        &mut self,
        bytes: &[u8],
        from: usize,
        search: impl Fn(&[u8]) -> Option<usize>,
    ) -> Option<usize> {
        // What was found from an earlier offset is still the first from this one unless it
        // lies before it.
        if from < self.from || self.found.is_some_and(|found| found < from) {
            self.from = from;
            self.found = search(&bytes[from..]).map(|i| from + i);
        }
        self.found
    }
}

impl<'t> Tokens<'t> {
    pub fn new(text: &'t str) -> Self {
        Tokens {
            text,
            mustache_close: Next::UNSEARCHED,
            liquid_close: Next::UNSEARCHED,
            newline: Next::UNSEARCHED,
        }
    }

    /// If a token starts at `at`, the token. Fastest when asked at growing offsets.
    pub fn at(&mut self, at: usize) -> Option<Token> {
        let rest = &self.text.as_bytes()[at..];
        let (shape, end) = match rest {
            // A triple-stash (`{{{ Ticket.Id }}}`, Handlebars without HTML escaping) closes
            // with its third brace.
            [b'{', b'{', b'{', ..] => {
                let end = self.close(at + 3, b"}}")?;
                let end = if self.text.as_bytes().get(end) == Some(&b'}') {
                    end + 1
                } else {
                    end
                };
                (TokenShape::Mustache, end - at)
            }
            [b'{', b'{', ..] => {
                // `{{ x }` is one whatever follows; `{{ x ` before a `&` only when nothing
                // closes it later on its line (`{{ x & y }}` is one expression).
                let lopsided = lopsided_end(rest, 2);
                let end = match lopsided {
                    Some(end) if rest[end - 1] == b'}' => end,
                    _ => match self.close(at + 2, b"}}") {
                        Some(close) => close - at,
                        None => lopsided?,
                    },
                };
                (TokenShape::Mustache, end)
            }
            [b'{', b'%', ..] => (TokenShape::LiquidTag, self.close(at + 2, b"%}")? - at),
            // Not after an encoded brace (`%7B{ Ticket.Id }}`): that one is not lost.
            [b'{', ..]
                if !self.text.as_bytes()[..at]
                    .last_chunk::<3>()
                    .is_some_and(|before| before.eq_ignore_ascii_case(b"%7B")) =>
            {
                (TokenShape::Mustache, lopsided_end(rest, 1)?)
            }
            [b'[', ..] => match bracket_end(rest) {
                Some(end) => (TokenShape::Bracket, end),
                // `[srnumber%5D`: an editor encoded the closing bracket only.
                None => (TokenShape::EncodedBracket, half_encoded_bracket_end(rest)?),
            },
            [b'%', b'5', b'B' | b'b', ..] => {
                (TokenShape::EncodedBracket, encoded_bracket_end(rest)?)
            }
            [b'%', b'7', b'B' | b'b', b'%', b'7', b'B' | b'b', ..] => {
                (TokenShape::EncodedMustache, encoded_mustache_end(rest)?)
            }
            _ => return None,
        };
        Some(Token {
            shape,
            range: at..at + end,
        })
    }

    /// The end of the first `close` from `from` on the same line.
    fn close(&mut self, from: usize, close: &[u8]) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let next = if close == b"}}" {
            &mut self.mustache_close
        } else {
            &mut self.liquid_close
        };
        let found = next.find(bytes, from, |rest| memchr::memmem::find(rest, close))?;
        let newline = self
            .newline
            .find(bytes, from, |rest| memchr::memchr2(b'\n', b'\r', rest));
        newline
            .is_none_or(|newline| found < newline)
            .then_some(found + close.len())
    }
}

/// The longest expression read inside a Liquid expression that lost a brace.
const MAX_LOPSIDED_EXPRESSION: usize = 64;

/// If `rest` starts with a Liquid expression that lost a brace, its end: `{{ Ticket.Id }`,
/// `{ Ticket.Id }`+`}`, or `{{ Ticket.Id ` cut by the next parameter's `&` or the text's end. Liquid writes such
/// an expression into the mail as it is; read as a token, it is reported as one (DD204), and
/// neither cut at its brace nor judged as a literal value. Only a variable's path between
/// spaces counts (`opened`: its opening braces), so that braces in prose, CSS or a Handlebars
/// block are never taken for one.
fn lopsided_end(rest: &[u8], opened: usize) -> Option<usize> {
    let inside = &rest[opened..];
    let inner_len = inside
        .iter()
        .take(MAX_LOPSIDED_EXPRESSION)
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b' ')))
        .or((inside.len() <= MAX_LOPSIDED_EXPRESSION).then_some(inside.len()))?;
    let path = rest[opened..opened + inner_len].trim_ascii();
    let starts_as_name = path
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_');
    if !starts_as_name || path.contains(&b' ') {
        return None;
    }
    let after = opened + inner_len;
    let closing = rest[after..]
        .iter()
        .take(3)
        .take_while(|&&b| b == b'}')
        .count();
    // `{{ Ticket.Id }%7D`: the brace is there, percent-encoded (DD203's), not lost.
    let encoded_brace_after = rest[after + closing..]
        .get(..3)
        .is_some_and(|next| next.eq_ignore_ascii_case(b"%7D"));
    match (opened, closing) {
        (2, 1) | (1, 2) if !encoded_brace_after => Some(after + closing),
        // The value of a parameter cut at its `&` ends where the text does.
        (2, 0) if matches!(rest.get(after), Some(b'&') | None) => Some(after),
        _ => None,
    }
}

fn bracket_end(rest: &[u8]) -> Option<usize> {
    for (index, &byte) in rest.iter().enumerate().skip(1).take(MAX_BRACKET_TOKEN) {
        match byte {
            b']' if index > 1 => return Some(index + 1),
            b'[' | b']' | b'<' | b'>' | b'"' | b'\n' | b'\r' => return None,
            _ => {}
        }
    }
    None
}

fn encoded_bracket_end(rest: &[u8]) -> Option<usize> {
    let limit = rest.len().min(MAX_BRACKET_TOKEN * 3);
    let mut index = 3;
    while index < limit {
        // `%5BTicket: ID]`: an editor encoded the opening bracket only. Every PSA's token
        // starts with a letter: `I%5B12]` in an id is no token.
        if rest[index] == b']' {
            return (index > 3 && rest[3].is_ascii_alphabetic()).then_some(index + 1);
        }
        if rest[index..limit].len() >= 3 && rest[index..index + 3].eq_ignore_ascii_case(b"%5D") {
            return (index > 3).then_some(index + 3);
        }
        // A space may stand unencoded between encoded brackets (`%5BTicket: ID%5D`, an
        // editor that encoded the brackets only): still the token.
        if matches!(
            rest[index],
            b'&' | b'#' | b'?' | b'[' | b']' | b'"' | b'<' | b'>'
        ) {
            return None;
        }
        index += 1;
    }
    None
}

/// The end of `[…%5D` at the start of `rest`: a bracket token whose closing bracket alone an
/// editor percent-encoded (`[srnumber%5D`, `[Ticket:%20ID%5D`). It ends where a bracket
/// token would have to.
fn half_encoded_bracket_end(rest: &[u8]) -> Option<usize> {
    // As for `%5B…]`: a token starts with a letter.
    if !rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let limit = rest.len().min(MAX_BRACKET_TOKEN * 3);
    let mut index = 1;
    while index < limit {
        if rest[index..limit].len() >= 3 && rest[index..index + 3].eq_ignore_ascii_case(b"%5D") {
            return (index > 1).then_some(index + 3);
        }
        if matches!(
            rest[index],
            b'&' | b'#' | b'?' | b'[' | b']' | b'"' | b'<' | b'>' | b'\n' | b'\r'
        ) {
            return None;
        }
        index += 1;
    }
    None
}

fn encoded_mustache_end(rest: &[u8]) -> Option<usize> {
    let limit = rest.len().min(MAX_BRACKET_TOKEN * 3);
    let mut index = 6;
    while index + 6 <= limit {
        if rest[index..index + 6].eq_ignore_ascii_case(b"%7D%7D") {
            return (index > 6).then_some(index + 6);
        }
        if matches!(rest[index], b'&' | b'#' | b'?' | b' ' | b'"' | b'<' | b'>') {
            return None;
        }
        index += 1;
    }
    None
}

/// Every token in `text`, left to right, non-overlapping.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut finder = Tokens::new(text);
    let mut at = 0;
    while let Some(offset) = memchr::memchr3(b'{', b'[', b'%', &bytes[at..]) {
        let start = at + offset;
        match finder.at(start) {
            Some(token) => {
                at = token.range.end;
                found.push(token);
            }
            None => at = start + 1,
        }
    }
    found
}

/// Whether `value` contains a template token: such a value is filled in at send time and is not
/// judged as a literal.
pub fn has_token(value: &str) -> bool {
    value.bytes().any(|b| matches!(b, b'{' | b'[' | b'%')) && !tokens(value).is_empty()
}

/// The words a value written under a template's condition may be, as ranges of `value`:
/// `ticket_list{% else %}invoices` (the parser takes off the `{% if … %}` before it and the
/// `{% endif %}` after it) is `ticket_list` or `invoices`, and so is
/// `ticket_list{{else}}invoices`. `None` when the value holds another token, or a tag that
/// is no choice between the words on either side of it (`auto_{% if x %}approve{% endif %}`,
/// `{{ Ticket.Action }}`, a `{% comment %}`). An empty branch writes no value and is not one
/// of them.
pub fn alternatives(value: &str) -> Option<Vec<Range<usize>>> {
    let found = tokens(value);
    if found.is_empty() {
        return None;
    }
    let mut words = Vec::with_capacity(found.len() + 1);
    let mut from = 0;
    for token in &found {
        if !is_branch_tag(&value[token.range.clone()]) {
            return None;
        }
        words.push(from..token.range.start);
        from = token.range.end;
    }
    words.push(from..value.len());
    words.retain(|word| !word.is_empty());
    Some(words)
}

/// Whether `tag` opens or closes a Liquid `{% comment %}` or `{% raw %}` block: what it wraps
/// is no part of what the mail carries, or is the template as written.
pub fn is_opaque_block_tag(tag: &str) -> bool {
    tag.strip_prefix("{%").is_some_and(|inner| {
        let word = inner.trim_start_matches('-').trim_start();
        ["comment", "endcomment", "raw", "endraw"]
            .iter()
            .any(|name| word.starts_with(name))
    })
}

/// Whether `tag` starts another branch of a condition: `{% else %}`, `{% elsif x %}`,
/// `{% when x %}`, `{{else}}`, `{{else if x}}`, `{{^}}`, with their white-space controls.
fn is_branch_tag(tag: &str) -> bool {
    let inner = if let Some(inner) = tag.strip_prefix("{%").and_then(|t| t.strip_suffix("%}")) {
        inner.trim_matches('-').trim()
    } else if let Some(inner) = tag.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
        let inner = inner.trim_matches('~').trim();
        if inner == "^" {
            return true;
        }
        inner
    } else {
        return false;
    };
    let word = inner
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default();
    ["else", "elsif", "elseif", "when"].contains(&word)
}

/// Whether the Handlebars tag `tag` only steers the template and fills in nothing: a block's
/// opening or closing (`{{#if x}}`, `{{~/if~}}`, `{{^x}}`), a comment, or a branch
/// (`{{else}}`, `{{~else if y~}}`). It names no field of any PSA.
pub fn is_handlebars_control_tag(tag: &str) -> bool {
    tag.ends_with("}}") && (handlebars_renders_no_text(tag) || is_branch_tag(tag))
}

/// Whether the Handlebars tag `text` starts with renders no text of its own: a block's
/// opening or closing (`{{#if x}}`, `{{/if}}`, `{{^x}}`) or a comment.
pub fn handlebars_renders_no_text(text: &str) -> bool {
    text.strip_prefix("{{").is_some_and(|inner| {
        inner
            .trim_start_matches('~')
            .trim_start()
            .starts_with(['/', '#', '^', '!'])
    })
}

/// Whether the whole of `value` is one token.
pub fn is_single_token(value: &str) -> bool {
    token_at(value, 0).is_some_and(|token| token.range.end == value.len())
}

/// The first `&` or `#` of a value outside its template tokens, which written into a link
/// would split the command (values are written as they are, tokens byte for byte), with what
/// it would do there.
pub fn command_splitter(value: &str) -> Option<(char, &'static str)> {
    let at = find_outside_tokens(value, b"&#")?;
    Some(if value.as_bytes()[at] == b'&' {
        ('&', "would start another parameter")
    } else {
        ('#', "would end the command")
    })
}

/// The byte index of the first `needle` in `text` that is not inside a token.
pub fn find_outside_tokens(text: &str, needles: &[u8]) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut finder = Tokens::new(text);
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if needles.contains(&byte) {
            return Some(at);
        }
        if matches!(byte, b'{' | b'[' | b'%')
            && let Some(token) = finder.at(at)
        {
            at = token.range.end;
            continue;
        }
        at += 1;
    }
    None
}

/// The first character of `text` outside tokens that `wanted` picks.
pub fn find_char_outside_tokens(text: &str, wanted: impl Fn(char) -> bool) -> Option<char> {
    let mut finder = Tokens::new(text);
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        if matches!(c, '{' | '[' | '%')
            && let Some(token) = finder.at(at)
        {
            at = token.range.end;
            continue;
        }
        if wanted(c) {
            return Some(c);
        }
        at += c.len_utf8();
    }
    None
}

/// Split `text` at every `separator` that is not inside a token, keeping byte ranges.
pub fn split_outside_tokens(text: &str, separator: u8) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(found) = find_outside_tokens(&text[from..], &[separator]) {
        let at = from + found;
        parts.push(start..at);
        start = at + 1;
        from = start;
    }
    parts.push(start..text.len());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_shape() {
        let cases = [
            ("[srnumber]", TokenShape::Bracket),
            ("[Ticket: ID]", TokenShape::Bracket),
            ("{{ Ticket.Id }}", TokenShape::Mustache),
            ("{{{ Ticket.Id }}}", TokenShape::Mustache),
            ("{% if a %}", TokenShape::LiquidTag),
            ("%5BTicket:%20ID%5D", TokenShape::EncodedBracket),
            ("%5bsrnumber%5d", TokenShape::EncodedBracket),
            ("%5BTicket: ID]", TokenShape::EncodedBracket),
            ("[Ticket: ID%5D", TokenShape::EncodedBracket),
            ("%5Bsrnumber]", TokenShape::EncodedBracket),
            ("[srnumber%5d", TokenShape::EncodedBracket),
            ("%7B%7B%20Ticket.Id%20%7D%7D", TokenShape::EncodedMustache),
            // Lost a brace: still read as the expression it was meant to be.
            ("{{ Ticket.Id }", TokenShape::Mustache),
            ("{Ticket.Id}}", TokenShape::Mustache),
        ];
        for (text, shape) in cases {
            let token = token_at(text, 0).unwrap_or_else(|| panic!("{text} is a token"));
            assert_eq!(token.shape, shape, "{text}");
            assert_eq!(token.range, 0..text.len(), "{text}");
        }
    }

    #[test]
    fn tokens_found_left_to_right_are_those_found_alone() {
        // The close searched afresh from each offset, as before it was remembered.
        let alone = |text: &str, at: usize| -> Option<usize> {
            let rest = &text.as_bytes()[at..];
            let close: &[u8] = match rest {
                [b'{', b'{', ..] if lopsided_end(rest, 2).is_some_and(|e| rest[e - 1] == b'}') => {
                    return lopsided_end(rest, 2).map(|end| at + end);
                }
                [b'{', b'{', ..] => b"}}",
                [b'{', b'%', ..] => b"%}",
                _ => return token_at(text, at).map(|t| t.range.end),
            };
            let body = &rest[2..];
            let line = &body[..memchr::memchr2(b'\n', b'\r', body).unwrap_or(body.len())];
            let Some(end) = memchr::memmem::find(line, close).map(|i| at + 2 + i + close.len())
            else {
                return (close == b"}}")
                    .then(|| lopsided_end(rest, 2))
                    .flatten()
                    .map(|end| at + end);
            };
            // A triple-stash takes its third brace.
            let triple = rest.starts_with(b"{{{") && text.as_bytes().get(end) == Some(&b'}');
            Some(end + usize::from(triple))
        };
        let pieces = ["{{", "}}", "{%", "%}", "\n", "\r", "x", "{", "}", "%"];
        let texts = crate::rules::testing::texts_of(&pieces, 5);
        for text in &texts {
            let mut finder = Tokens::new(text);
            let offsets = (0..text.len()).chain((0..text.len()).rev().step_by(3));
            for at in offsets {
                let found = finder.at(at).map(|t| t.range.end);
                assert_eq!(found, alone(text, at), "{text:?} at {at}");
            }
        }
        // Unclosed openings by the thousand, then one closed far along the line.
        let text = "{{".repeat(20_000) + "\n{{ a }}" + &"{%".repeat(20_000);
        let found = tokens(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].range.clone()], "{{ a }}");
        let closed = "{{".repeat(20_000) + " }}";
        assert_eq!(tokens(&closed)[0].range, 0..closed.len());
    }

    #[test]
    fn rejects_non_tokens() {
        for text in [
            "[]",
            "[a",
            "{{ a\n",
            "%5B%5D",
            "[a\nb]",
            "plain",
            "%20",
            "{ a }",
            "{{ a b }",
            "{a}",
            "{{ 1 }",
            "{ color: red }}",
            "%5B]",
            "[%5D",
            "%5Ba&b]",
            "[a&b%5D",
            "%5B12]",
            "[12%5D",
            "{{ a }%7D",
        ] {
            assert!(!is_single_token(text), "{text}");
        }
    }

    #[test]
    fn an_expression_cut_by_the_next_parameter_ends_before_it() {
        let text = "ticket_id={{ Ticket.Id &action=approve";
        let found = tokens(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].range.clone()], "{{ Ticket.Id ");
        // Closed later on its line: the brace was not lost, and the token runs to the close.
        let text = "a={{ x }}&b={{ y }&c={{ z &d";
        let found: Vec<&str> = tokens(text).into_iter().map(|t| &text[t.range]).collect();
        assert_eq!(found, ["{{ x }}", "{{ y }", "{{ z "]);
    }

    #[test]
    fn splits_outside_tokens_only() {
        let text = "a=1&b={{ x & y }}&c=[A: B]";
        let parts: Vec<&str> = split_outside_tokens(text, b'&')
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(parts, ["a=1", "b={{ x & y }}", "c=[A: B]"]);
    }

    #[test]
    fn alternatives_are_the_words_between_branch_tags() {
        let words = |value: &'static str| {
            alternatives(value).map(|ranges| {
                ranges
                    .into_iter()
                    .map(|range| &value[range])
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            words("ticket_list{% else %}invoices"),
            Some(vec!["ticket_list", "invoices"])
        );
        assert_eq!(
            words("aprove{%- elsif x -%}close{% else %}decline"),
            Some(vec!["aprove", "close", "decline"])
        );
        assert_eq!(
            words("open{{else}}closed{{else if x}}approval{{^}}x"),
            Some(vec!["open", "closed", "approval", "x"])
        );
        assert_eq!(words("approve{% else %}"), Some(vec!["approve"]));
        assert_eq!(words("approve"), None);
        assert_eq!(words("auto_{% if x %}approve{% endif %}"), None);
        assert_eq!(words("approve{% else %}{{ Ticket.Action }}"), None);
        assert_eq!(words("ticket_list{% comment %}"), None);
        assert_eq!(words("[srnumber]{% else %}5"), None);
        assert_eq!(words("x{% elsewhere %}y"), None);
    }
}
