//! `{{deeplink key='value' …}}`: found by a scan, read by the handlebars crate's own parser as
//! a helper call. Every other `{{…}}` (the mail system's Liquid or Handlebars) is left alone.

use std::ops::Range;

use handlebars::template::{Parameter, Template, TemplateElement};

/// One `{{deeplink …}}` in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mustache {
    /// The whole `{{deeplink …}}`.
    pub range: Range<usize>,
    /// Its arguments, in the order written.
    pub args: Vec<MustacheArg>,
    /// What is wrong with it, if it cannot be expanded (then `args` may be incomplete).
    pub problem: Option<String>,
    /// Keys written more than once (their second and later `key=…`, relative to the text):
    /// Handlebars keeps only the last, so the call is not expanded.
    pub repeated: Vec<(String, Range<usize>)>,
}

/// One `key='value'` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MustacheArg {
    pub key: String,
    pub value: String,
    /// Where `key=…` is written, relative to the text.
    pub range: Range<usize>,
    /// Where its value is written, inside the quotes, relative to the text.
    pub value_range: Range<usize>,
}

/// The helper's name.
pub const HELPER: &str = "deeplink";

/// The template comments in `text`, with what each is: a Handlebars comment (`{{!-- … --}}`,
/// `{{! … }}`) or a Liquid one (`{% comment %}…{% endcomment %}`). The mail system never
/// renders what they hold, so a `{{deeplink}}` in one is left as it is (DD407), not expanded
/// into a link nobody sees. A Liquid raw block (`{% raw %}…{% endraw %}`) is read the same
/// way: the mail shows what it holds as written, so a link expanded in it would keep its
/// tokens unfilled. One left open runs to the end of `text`.
pub fn template_comments(text: &str) -> Vec<(Range<usize>, &'static str)> {
    template_comments_and_end(text).0
}

/// How far past its opening a template comment still open at the end of the text read so far
/// holds that text back, so that a call in it is read with the whole comment: a comment left
/// open for longer is read as it comes (and a call after this much of it is expanded).
const LONGEST_HELD_COMMENT: usize = 64 * 1024;

/// Where the text read so far must be held back from, so that what opens there is read
/// whole: a `{{` call not yet finished (see [`unfinished`]), or a template comment not yet
/// closed (up to [`LONGEST_HELD_COMMENT`]).
pub fn held_open(text: &str) -> Option<usize> {
    let call = unfinished(text);
    let comment = if text.contains("{{!") || text.contains("{%") {
        template_comments_and_end(text)
            .1
            .filter(|&open| text.len() - open <= LONGEST_HELD_COMMENT)
    } else {
        None
    };
    match (call, comment) {
        (Some(call), Some(comment)) => Some(call.min(comment)),
        (call, comment) => call.or(comment),
    }
}

/// [`template_comments`], and where the last of them opens when it is still open at the end.
fn template_comments_and_end(text: &str) -> (Vec<(Range<usize>, &'static str)>, Option<usize>) {
    let mut open_at_end = None;
    let mut comments = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(['{']).map(|at| from + at) {
        let rest = &text[found..];
        let (end, what) = if rest.starts_with("{{!--") {
            (find_end(text, found + 5, "--}}"), "Handlebars comment")
        } else if rest.starts_with("{{!") {
            (find_end(text, found + 3, "}}"), "Handlebars comment")
        } else if let Some((open_end, closing, what)) = [
            ("comment", "endcomment", "Liquid comment"),
            ("raw", "endraw", "Liquid raw block"),
        ]
        .into_iter()
        .find_map(|(name, closing, what)| {
            liquid_tag(text, found, name).map(|end| (end, closing, what))
        }) {
            let mut at = open_end;
            let close = loop {
                let Some(next) = text[at..].find("{%").map(|i| at + i) else {
                    break None;
                };
                if let Some(end) = liquid_tag(text, next, closing) {
                    break Some(end);
                }
                at = next + 2;
            };
            (close, what)
        } else {
            from = found + 1;
            continue;
        };
        let Some(end) = end else {
            open_at_end = Some(found);
            comments.push((found..text.len(), what));
            break;
        };
        comments.push((found..end, what));
        from = end.max(found + 1);
    }
    (comments, open_at_end)
}

/// A template comment or Liquid raw block left open at the end of a text: the texts after it,
/// and the markup between them, are in it until it closes (`{% raw %}<a href="{{deeplink
/// …}}">…</a>{% endraw %}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenBlock {
    /// What closes it: `--}}` or `}}`, or the name of the Liquid tag.
    closing: &'static str,
    /// What it is (`Liquid raw block`), as [`template_comments`] names it.
    pub what: &'static str,
}

/// The template comment or raw block that opens at `at` in `text`, if one does.
fn block_opening_at(text: &str, at: usize) -> Option<OpenBlock> {
    let rest = &text[at..];
    let (closing, what) = if rest.starts_with("{{!--") {
        ("--}}", "Handlebars comment")
    } else if rest.starts_with("{{!") {
        ("}}", "Handlebars comment")
    } else if liquid_tag(text, at, "comment").is_some() {
        ("endcomment", "Liquid comment")
    } else if liquid_tag(text, at, "raw").is_some() {
        ("endraw", "Liquid raw block")
    } else {
        return None;
    };
    Some(OpenBlock { closing, what })
}

/// Whether a template comment or raw block opens in `text` (a cheap look, closed or not).
pub fn opens_template_block(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"{{!").is_some()
        || memchr::memmem::find_iter(bytes, b"{%").any(|at| block_opening_at(text, at).is_some())
}

/// Where `block`, open at the start of `text`, closes in it (the end of its closing), if it
/// does.
pub fn block_end(block: OpenBlock, text: &str) -> Option<usize> {
    if block.closing.ends_with("}}") {
        return find_end(text, 0, block.closing);
    }
    let mut at = 0;
    loop {
        let next = text[at..].find("{%").map(|i| at + i)?;
        if let Some(end) = liquid_tag(text, next, block.closing) {
            return Some(end);
        }
        at = next + 2;
    }
}

/// The block open at the end of `text`, `open` being the one open at its start.
pub fn block_open_after(open: Option<OpenBlock>, text: &str) -> Option<OpenBlock> {
    let from = match open {
        Some(block) => match block_end(block, text) {
            Some(end) => end,
            None => return Some(block),
        },
        None => 0,
    };
    let rest = &text[from..];
    if !rest.contains("{{!") && !rest.contains("{%") {
        return None;
    }
    let (_, open_at_end) = template_comments_and_end(rest);
    open_at_end.and_then(|at| block_opening_at(rest, at))
}

/// Where `close` ends after `from` in `text`, if it does.
fn find_end(text: &str, from: usize, close: &str) -> Option<usize> {
    text[from..].find(close).map(|at| from + at + close.len())
}

/// The end of the Liquid tag `{% name %}` (`{%- name -%}` too) opening at `at`.
fn liquid_tag(text: &str, at: usize, name: &str) -> Option<usize> {
    let inner = text[at..].strip_prefix("{%")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner).trim_start();
    let after = inner.strip_prefix(name)?;
    let rest = after.trim_start();
    if rest.len() == after.len() && !after.starts_with(['%', '-']) {
        return None; // `{% commentary %}`
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let close = rest.strip_prefix("%}")?;
    Some(text.len() - close.len())
}

/// Whether `text` holds a `{{deeplink` (a cheap test before scanning): a name that a `{{`
/// opens, over the blanks, `~` and `#` that may stand between (see [`name_end`]).
pub fn may_hold(text: &str) -> bool {
    // Read back from each name over what may stand between it and its `{{`: those runs hold
    // no name, so they never overlap, and a text of many `{{` is read once, not once from each
    // `{{` on.
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, HELPER.as_bytes()).any(|name| opened_before(bytes, name))
}

/// Whether a `{{` opens the helper's name at `name` in `bytes`, read back from the name.
fn opened_before(bytes: &[u8], name: usize) -> bool {
    let mut at = name;
    loop {
        if bytes[..at].ends_with(b"{{") {
            return true;
        }
        at -= match bytes[..at] {
            [.., b'~' | b'#' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'] => 1,
            [.., 0xC2, 0xA0] => 2,
            [.., b';'] => {
                // A no-break space written out: `&nbsp;`, `&#160;`, `&#xA0;`.
                let from = at.saturating_sub(LONGEST_BLANK_REFERENCE);
                match memchr::memrchr(b'&', &bytes[from..at]) {
                    Some(amp) if blank_len(&bytes[from + amp..at]) == at - from - amp => {
                        at - from - amp
                    }
                    _ => return false,
                }
            }
            _ => return false,
        };
    }
}

/// The longest no-break space written out that [`blank_len`] reads (`&NonBreakingSpace;`
/// and a few more digits).
const LONGEST_BLANK_REFERENCE: usize = 26;

/// How long the blank at the start of `bytes` is, 0 when none: white space, or a no-break
/// space, which an HTML editor writes for a space it must keep (`&nbsp;` when the text is read
/// as written, U+00A0 when decoded). A call is read with either, as its author meant a space.
fn blank_len(bytes: &[u8]) -> usize {
    match bytes {
        [b' ' | b'\t' | b'\n' | b'\r' | b'\x0c', ..] => 1,
        [0xC2, 0xA0, ..] => 2,
        [b'&', rest @ ..] => {
            let longest = LONGEST_BLANK_REFERENCE - 2;
            let Some(end) = rest.iter().take(longest).position(|&b| b == b';') else {
                return 0;
            };
            let name = &rest[..end];
            let no_break = name == b"nbsp"
                || name == b"NonBreakingSpace"
                || name.strip_prefix(b"#").and_then(|number| match number {
                    [b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
                        .ok()
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok()),
                    decimal => std::str::from_utf8(decimal).ok()?.parse().ok(),
                }) == Some(0xA0);
            if no_break { end + 2 } else { 0 }
        }
        _ => 0,
    }
}

/// Where the helper's name ends when the `{{` at `open` opens a `{{deeplink` (after an
/// optional third brace, blanks or `~`, and the `#` of a block, which [`find`] reports).
fn name_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut at = open + 2;
    if bytes.get(at) == Some(&b'{') {
        at += 1;
    }
    while at < bytes.len() {
        at += match bytes[at] {
            b'~' | b'#' => 1,
            _ => match blank_len(&bytes[at..]) {
                0 => break,
                blank => blank,
            },
        };
    }
    let end = at + HELPER.len();
    (bytes.get(at..end) == Some(HELPER.as_bytes())).then_some(end)
}

/// Where each `{{deeplink` in raw input bytes starts, and how long its opening is: what
/// [`find`] would read as a call, found without decoding (the words are ASCII, alike in
/// every encoding ddlink reads).
pub fn openings(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    memchr::memmem::find_iter(bytes, b"{{").filter_map(|open| {
        if escaped(bytes, open) {
            return None;
        }
        let end = name_end(bytes, open)?;
        is_call(bytes, open).then_some((open, end - open))
    })
}

/// The length of the `{{deeplink …}}` call that opens at `open`, when it is closed on its
/// line: where a call is not read (an inert text), the whole of it is reported, as where it
/// is.
pub fn closed_on_its_line(bytes: &[u8], open: usize) -> Option<usize> {
    let line_end = crate::source::line_end(bytes, open);
    memchr::memmem::find(&bytes[open..line_end], b"}}").map(|close| close + 2)
}

/// Whether the `{{` at `open` is escaped (`\{{deeplink …}}`): Handlebars writes it as it
/// stands, braces and all, and so does ddlink. An even run of backslashes is escaped
/// backslashes before a `{{` that is not.
fn escaped(bytes: &[u8], open: usize) -> bool {
    bytes[..open]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// How far a `{{deeplink …}}` may run, in bytes, before it is taken as not closed: a call
/// may be wrapped over lines (as editors and formatters wrap long text), but an opening whose
/// `}}` is missing must neither swallow the rest of the document nor make a streamed text wait
/// for its end.
pub const LONGEST_CALL: usize = 4096;

/// Every `{{deeplink …}}` in `text`.
pub fn find(text: &str) -> Vec<Mustache> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        if escaped(text.as_bytes(), open) {
            from = open + 2;
            continue;
        }
        let inner_start = inside_start(text.as_bytes(), open);
        let is_ours = is_call(text.as_bytes(), open);
        let Closing::At(end) = closing(text, inner_start) else {
            // Not closed: the rest of its line is reported with it, and read again after.
            let line_end = crate::source::line_end(text.as_bytes(), open);
            if is_ours {
                // `survey_id='it\'s'`: the quote ends the value, and the next one opens a
                // value that takes in the `}}`.
                let escaped =
                    text[open..line_end].contains("\\'") || text[open..line_end].contains("\\\"");
                found.push(Mustache {
                    range: open..line_end,
                    args: Vec::new(),
                    problem: Some(if escaped {
                        "a quote in a value cannot be escaped with `\\`, so this `{{deeplink` is not closed with `}}`: leave the quote out of the value, or write the value in the other quotes".to_owned()
                    } else {
                        "this `{{deeplink` is not closed with `}}`".to_owned()
                    }),
                    repeated: Vec::new(),
                });
            }
            from = line_end;
            continue;
        };
        let block = name_end(text.as_bytes(), open)
            .is_some_and(|name| text.as_bytes()[open..name - HELPER.len()].contains(&b'#'));
        if is_ours && block {
            // Handlebars would take it for a block helper, which the mail system does not
            // have; ddlink expands only the plain call.
            found.push(Mustache {
                range: open..end,
                args: Vec::new(),
                problem: Some(
                    "`{{#deeplink …}}` opens a block, which ddlink does not expand (a link \
                     with its label is `<dd-link …>label</dd-link>`)"
                        .to_owned(),
                ),
                repeated: Vec::new(),
            });
        } else if is_ours {
            found.push(parse(text, open..end));
        } else if let Some(inner) = call_inside(text.as_bytes(), inner_start..end) {
            // `{{ x | default: '{{deeplink …}}' }}`, or a `{{` left open before one: the
            // call is read as written.
            from = inner;
            continue;
        }
        from = end;
    }
    found
}

/// The first `{{deeplink` call opening in `range` of `bytes`.
fn call_inside(bytes: &[u8], range: Range<usize>) -> Option<usize> {
    memchr::memmem::find_iter(&bytes[range.clone()], b"{{")
        .map(|at| range.start + at)
        .find(|&open| is_call(bytes, open))
}

/// Whether the `{{` at `open` opens a `{{deeplink` call (the name followed by a blank or `}`).
/// The arguments of `text` when it starts with a `{{deeplink` call (what follows the
/// helper's name, up to the end of `text`).
pub fn call_arguments(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    if !bytes.starts_with(b"{{") || !is_call(bytes, 0) {
        return None;
    }
    Some(&text[name_end(bytes, 0)?..])
}

fn is_call(bytes: &[u8], open: usize) -> bool {
    name_end(bytes, open)
        .is_some_and(|end| bytes.get(end) == Some(&b'}') || blank_len(&bytes[end..]) > 0)
}

/// Where the inside of the `{{` at `open` starts for [`closing`]: after the helper's name in a
/// call (whose blanks before the name may break a line), after the braces otherwise.
fn inside_start(bytes: &[u8], open: usize) -> usize {
    if is_call(bytes, open) {
        if let Some(end) = name_end(bytes, open) {
            return end;
        }
    }
    open + 2 + usize::from(bytes.get(open + 2) == Some(&b'{'))
}

/// Where the first `{{` that [`find`] reads as an opening starts, when `text` ends before it
/// can tell where that `{{` closes: a streamed text holds it back until more has come (see
/// [`LONGEST_CALL`]). Not only a `{{deeplink`: any `{{` may close on a later line and take in
/// a `{{deeplink` written there, as it does when the text is read whole.
pub fn unfinished(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(open) = memchr::memmem::find(&bytes[from..], b"{{").map(|at| from + at) {
        if escaped(bytes, open) {
            from = open + 2;
            continue;
        }
        let inner_start = inside_start(bytes, open);
        match closing(text, inner_start) {
            Closing::Unfinished => return Some(open),
            Closing::At(end) if !is_call(bytes, open) => {
                from = call_inside(bytes, inner_start..end).unwrap_or(end);
            }
            Closing::At(end) => from = end,
            Closing::Never => from = crate::source::line_end(bytes, open),
        }
    }
    None
}

/// How a call whose inside starts at some offset ends.
#[derive(Debug, PartialEq, Eq)]
enum Closing {
    /// After the first `}}` outside quotes (the end, exclusive).
    At(usize),
    /// Never: a quote or the call is left open at a line break, a line goes on with something
    /// other than arguments, or the call runs past [`LONGEST_CALL`].
    Never,
    /// The text ends before that is known.
    Unfinished,
}

/// How the call whose inside starts at `from` ends. It may go on over lines, each of which
/// goes on with arguments (`key=…`) or with its closing `}}`.
fn closing(text: &str, from: usize) -> Closing {
    let bytes = text.as_bytes();
    let limit = (from + LONGEST_CALL).min(bytes.len());
    let mut quote = None;
    let mut at = from;
    while at < limit {
        match (quote, bytes[at]) {
            (None, q @ (b'\'' | b'"')) => quote = Some(q),
            (Some(q), b) if b == q => quote = None,
            (None, b'}') if bytes.get(at + 1) == Some(&b'}') => {
                let triple = bytes.get(at + 2) == Some(&b'}');
                return Closing::At(at + 2 + usize::from(triple));
            }
            (Some(_), b'\n' | b'\r') => return Closing::Never,
            // The line break is `\r\n`: the next line starts after its `\n`.
            (None, b'\r') if bytes.get(at + 1) == Some(&b'\n') => {}
            (None, b'\n' | b'\r') => match goes_on(&bytes[at + 1..]) {
                Some(true) => {}
                Some(false) => return Closing::Never,
                None => return Closing::Unfinished,
            },
            _ => {}
        }
        at += 1;
    }
    if limit < bytes.len() || bytes.len() - from >= LONGEST_CALL {
        Closing::Never
    } else {
        Closing::Unfinished
    }
}

/// Whether a line that starts inside a call goes on with it: with an argument's `key=` or the
/// closing `}}` (`~}}`) after its indentation. `None` when `line` ends before that is known.
fn goes_on(line: &[u8]) -> Option<bool> {
    let content = line.iter().position(|&b| b != b' ' && b != b'\t')?;
    let rest = &line[content..];
    match rest[0] {
        b'}' | b'~' => Some(true),
        b if b.is_ascii_alphabetic() || b == b'_' => {
            let name = rest
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))?;
            let after = rest[name..].iter().position(|&b| b != b' ' && b != b'\t')?;
            Some(rest[name + after] == b'=')
        }
        _ => Some(false),
    }
}

fn parse(text: &str, range: Range<usize>) -> Mustache {
    let source = &with_plain_blanks(&text[range.clone()]);
    let problem = |message: String| Mustache {
        range: range.clone(),
        args: Vec::new(),
        problem: Some(message),
        repeated: Vec::new(),
    };
    let template = match Template::compile(source) {
        Ok(template) => template,
        Err(error) => {
            return problem(
                misread_argument(source)
                    .unwrap_or_else(|| format!("not a valid helper call: {}", error.reason())),
            );
        }
    };
    let [TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper)] =
        template.elements.as_slice()
    else {
        return problem("not a single `{{deeplink …}}` call".to_owned());
    };
    if !helper.params.is_empty() {
        return problem(
            misread_argument(source)
                .unwrap_or_else(|| "arguments are written `key='value'`".to_owned()),
        );
    }
    let mut args = Vec::new();
    for (key, value) in &helper.hash {
        let value = match value {
            Parameter::Literal(serde_json::Value::String(s)) => s.clone(),
            Parameter::Literal(serde_json::Value::Number(n)) => n.to_string(),
            Parameter::Literal(serde_json::Value::Bool(b)) => b.to_string(),
            _ => {
                return problem(format!(
                    "`{key}` must be a quoted value, e.g. {key}='…' (the mail system's tokens go inside the quotes)"
                ));
            }
        };
        let (written, value_at) = arg_range(source, key).map_or_else(
            || (range.clone(), range.clone()),
            |r| {
                let value = value_range(source, r.clone());
                (
                    range.start + r.start..range.start + r.end,
                    range.start + value.start..range.start + value.end,
                )
            },
        );
        args.push(MustacheArg {
            value_range: value_at,
            range: written,
            key: key.clone(),
            value,
        });
    }
    // The hash is unordered: keep the order the arguments are written in.
    args.sort_by_key(|a| a.range.start);
    let mut seen: Vec<&str> = Vec::new();
    let mut repeated = Vec::new();
    for (key, at) in written_keys(source) {
        if seen.contains(&key) {
            repeated.push((key.to_owned(), range.start + at.start..range.start + at.end));
        } else {
            seen.push(key);
        }
    }
    Mustache {
        range,
        args,
        problem: None,
        repeated,
    }
}

/// What is wrong with the arguments of the call `source` (white space made plain), in the
/// terms a template's author writes them in: the template parser's own message names its
/// grammar (`expected helper_parameter`), not the argument.
fn misread_argument(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    let mut at = name_end(bytes, 0)?;
    let blanks = |at: &mut usize| {
        while bytes.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    loop {
        blanks(&mut at);
        let rest = &source[at..];
        if rest.is_empty() || rest.starts_with("}}") || rest.starts_with("~}}") {
            return None;
        }
        let key_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let key_ends_well = rest[key_len..]
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, '=' | '}' | '~'));
        if key_len == 0
            || !key_ends_well
            || !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            let shown: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '=')
                .take(12)
                .collect();
            let shown = shown.trim_end_matches('}');
            if rest.starts_with(['\'', '"']) {
                return Some(format!(
                    "`{shown}` is a value without its key: arguments are written `key='value'`"
                ));
            }
            return Some(format!(
                "`{shown}` is not an argument: arguments are written `key='value'`"
            ));
        }
        let key = &rest[..key_len];
        at += key_len;
        blanks(&mut at);
        if bytes.get(at) != Some(&b'=') {
            return Some(format!("`{key}` has no value: write `{key}='…'`"));
        }
        at += 1;
        blanks(&mut at);
        match bytes.get(at) {
            Some(&quote @ (b'\'' | b'"')) => {
                let close = memchr::memchr(quote, &bytes[at + 1..])?;
                at += close + 2;
            }
            None | Some(b'}' | b'~') => {
                return Some(format!("`{key}` has no value: write `{key}='…'`"));
            }
            Some(_) => {
                return Some(format!(
                    "`{key}` must be a quoted value, e.g. {key}='…' (the mail system's tokens go inside the quotes)"
                ));
            }
        }
        // A value runs into what follows it (`name='ticket'action='close'`).
        if bytes
            .get(at)
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'}' && *b != b'~')
        {
            return Some(format!(
                "`{key}`'s value runs into what follows it: put a space after its closing quote"
            ));
        }
    }
}

/// `source` with each no-break space outside quotes (U+00A0, or written out as `&nbsp;` and
/// the like) made spaces of the same length, so that the template parser and the scans after
/// it read it as the space it stands for, at the same offsets.
fn with_plain_blanks(source: &str) -> std::borrow::Cow<'_, str> {
    if !source.contains(['\u{A0}', '&']) {
        return std::borrow::Cow::Borrowed(source);
    }
    let bytes = source.as_bytes();
    let mut plain = String::with_capacity(source.len());
    let mut quote = None;
    let mut at = 0;
    while at < bytes.len() {
        let blank = if quote.is_none() && !bytes[at].is_ascii_whitespace() {
            blank_len(&bytes[at..])
        } else {
            0
        };
        if blank > 0 {
            plain.extend(std::iter::repeat_n(' ', blank));
            at += blank;
            continue;
        }
        match (quote, bytes[at]) {
            (None, q @ (b'\'' | b'"')) => quote = Some(q),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
        let char_len = source[at..].chars().next().map_or(1, char::len_utf8);
        plain.push_str(&source[at..at + char_len]);
        at += char_len;
    }
    std::borrow::Cow::Owned(plain)
}

/// The value of the `key='value'` written at `written` in `text`: inside its quotes.
fn value_range(text: &str, written: Range<usize>) -> Range<usize> {
    let argument = &text[written.clone()];
    let Some(equals) = argument.find('=') else {
        return written;
    };
    let value = argument[equals + 1..].trim_start();
    let start = written.end - value.len();
    match value.as_bytes() {
        [q @ (b'\'' | b'"'), .., last] if last == q => start + 1..written.end - 1,
        _ => start..written.end,
    }
}

/// Every `key=` written in the source of one call, outside quotes, in order.
fn written_keys(source: &str) -> Vec<(&str, Range<usize>)> {
    let bytes = source.as_bytes();
    let mut keys = Vec::new();
    let mut quote = None;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        match quote {
            Some(q) if b == q => quote = None,
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b.is_ascii_alphabetic() || b == b'_' => {
                let start = at;
                while at < bytes.len()
                    && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'-'))
                {
                    at += 1;
                }
                let end = at;
                while at < bytes.len() && bytes[at] == b' ' {
                    at += 1;
                }
                if bytes.get(at) == Some(&b'=') {
                    keys.push((&source[start..end], start..end));
                }
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    keys
}

/// Where `key=` starts and its value ends in the source of one mustache.
fn arg_range(source: &str, key: &str) -> Option<Range<usize>> {
    let bytes = source.as_bytes();
    let mut from = 0;
    while let Some(found) = source[from..].find(key).map(|i| i + from) {
        let before_ok = found == 0 || bytes[found - 1].is_ascii_whitespace();
        let rest = source[found + key.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let value_start = source.len() - rest.len() + 1;
            let value = source[value_start..].trim_start();
            let value_start = source.len() - value.len();
            let end = match value.as_bytes().first() {
                Some(&q @ (b'\'' | b'"')) => value[1..]
                    .find(q as char)
                    .map_or(source.len(), |i| value_start + i + 2),
                _ => {
                    value_start
                        + value
                            .find(|c: char| c.is_whitespace() || c == '}')
                            .unwrap_or(value.len())
                }
            };
            return Some(found..end);
        }
        from = found + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_hold_finds_the_openings_that_find_reads_and_no_other() {
        let pieces = [
            "{{", "{", " ", "~", "deeplink", "x", "}}", "&nbsp;", "\u{a0}", "\n", ";",
        ];
        let texts = crate::rules::testing::texts_of(&pieces, 5);
        for text in &texts {
            let opens = memchr::memmem::find_iter(text.as_bytes(), b"{{").any(|open| {
                name_end(text.as_bytes(), open).is_some_and(|end| {
                    text.as_bytes()[end - HELPER.len()..].starts_with(HELPER.as_bytes())
                })
            });
            assert_eq!(may_hold(text), opens, "{text:?}");
        }
        // A name far behind a long run of braces, and one after it.
        let braces = "{{".repeat(20_000);
        assert!(!may_hold(&braces));
        assert!(may_hold(&format!("{braces}deeplink")));
        assert!(may_hold(&(braces.clone() + "x{{ ~deeplink")));
        assert!(!may_hold(&(braces + "x{{x deeplink")));
        assert!(may_hold("{{{~#&#x000A0;&#160;&NonBreakingSpace;deeplink"));
        assert!(!may_hold("{{&#161;deeplink"));
        // A link after a template tag is not a call.
        assert!(!may_hold(
            "{{else}}https://acme.deskdirector.com/portal/deeplink"
        ));
    }

    #[test]
    fn a_no_break_space_in_a_call_is_read_as_a_space() {
        for text in [
            "{{deeplink&nbsp;name='ticket'}}",
            "{{&nbsp;deeplink name='ticket'}}",
            "{{\u{a0}deeplink\u{a0}name='ticket'\u{a0}}}",
            "{{deeplink&#160;name='ticket'&#xA0;}}",
            "{{\n\tdeeplink name='ticket'}}",
        ] {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text:?}");
            assert_eq!(found[0].problem, None, "{text:?}");
            assert_eq!(found[0].range, 0..text.len(), "{text:?}");
            let arg = &found[0].args[0];
            assert_eq!((arg.key.as_str(), arg.value.as_str()), ("name", "ticket"));
            assert_eq!(&text[arg.range.clone()], "name='ticket'", "{text:?}");
            assert_eq!(&text[arg.value_range.clone()], "ticket", "{text:?}");
        }
        let text = "{{deeplink name=\u{a0}'ticket' action='close'}}";
        let found = &find(text)[0];
        assert_eq!(&text[found.args[0].value_range.clone()], "ticket");
        assert_eq!(&text[found.args[1].range.clone()], "action='close'");
        // In a value, a no-break space is the value's.
        let found = &find("{{deeplink name='ticket\u{a0}list'}}")[0];
        assert_eq!(found.args[0].value, "ticket\u{a0}list");
        // Not a blank: an entity for another character, and a name that goes on.
        assert!(find("{{&#161;deeplink name='ticket'}}").is_empty());
        assert!(find("{{deeplinks&nbsp;name='ticket'}}").is_empty());
        assert_eq!(openings(b"x {{&nbsp;deeplink&nbsp;name='a'}}").count(), 1);
    }

    #[test]
    fn finds_and_reads_calls() {
        let text = r#"<a href="{{deeplink name='ticket' action="close"}}">x</a> {{ Ticket.Id }} {{deeplink name='quotes'}}"#;
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            &text[found[0].range.clone()],
            r#"{{deeplink name='ticket' action="close"}}"#
        );
        let args: Vec<(&str, &str)> = found[0]
            .args
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(args, [("name", "ticket"), ("action", "close")]);
        assert_eq!(&text[found[0].args[1].range.clone()], "action=\"close\"");
        assert_eq!(found[1].args[0].value, "quotes");
        assert!(found.iter().all(|m| m.problem.is_none()));
    }

    #[test]
    fn repeated_keys_and_value_ranges() {
        let text = "x {{deeplink name='ticket' action = \"close\" name='ticket_list'}}";
        let [call] = find(text).try_into().unwrap();
        assert_eq!(call.problem, None);
        let repeated: Vec<_> = call
            .repeated
            .iter()
            .map(|(key, at)| (key.as_str(), &text[at.clone()]))
            .collect();
        assert_eq!(repeated, [("name", "name")]);
        assert_eq!(call.repeated[0].1.start, text.rfind("name").unwrap());
        let text = "{{deeplink name='ticket' action = \"close\" ticket_id=12}}";
        let [call] = find(text).try_into().unwrap();
        assert!(call.repeated.is_empty());
        let values: Vec<_> = call
            .args
            .iter()
            .map(|a| &text[a.value_range.clone()])
            .collect();
        assert_eq!(values, ["ticket", "close", "12"]);
        // `=` inside a quoted value is not a key.
        let [quoted] = find("{{deeplink name='a=b' x='name=c'}}")
            .try_into()
            .unwrap();
        assert!(quoted.repeated.is_empty());
    }

    #[test]
    fn tokens_inside_quotes() {
        let text = "{{deeplink name='ticket' ticket_id='[Ticket: ID]'}}";
        let found = find(text);
        assert_eq!(found[0].args[1].value, "[Ticket: ID]");
    }

    #[test]
    fn leaves_other_mustaches_and_reports_bad_calls() {
        assert!(find("{{ deeplinks }} {{#if x}}{{/if}} {{Ticket.Id}}").is_empty());
        let bad = find("{{deeplink name=Ticket.Name}}");
        assert!(bad[0].problem.as_deref().unwrap().contains("quoted"));
        let open = find("{{deeplink name='x'");
        assert!(open[0].problem.is_some());
        let positional = find("{{deeplink 'ticket'}}");
        assert!(positional[0].problem.is_some());
        let text = "<p>{{#deeplink name='ticket_list'}}Tickets{{/deeplink}} {{~# deeplink}}</p>";
        let blocks = find(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            &text[blocks[0].range.clone()],
            "{{#deeplink name='ticket_list'}}"
        );
        assert!(
            blocks[0]
                .problem
                .as_deref()
                .unwrap()
                .contains("opens a block")
        );
        assert_eq!(&text[blocks[1].range.clone()], "{{~# deeplink}}");
        assert!(may_hold("{{#deeplink}}"));
    }

    #[test]
    fn calls_wrapped_over_lines() {
        let text = "{{deeplink name='ticket'\n  action='close'\r\n  ticket_id='1'\n}} after";
        let [call] = find(text).try_into().unwrap();
        assert_eq!(call.problem, None);
        assert_eq!(
            &text[call.range.clone()],
            &text[..text.len() - " after".len()]
        );
        assert_eq!(call.args.len(), 3);
        assert_eq!(&text[call.args[1].range.clone()], "action='close'");
        // A line that goes on with prose, a blank line, a quote left open at a line break:
        // not closed, and the call after it is read.
        for text in [
            "{{deeplink name='quotes'\nSee {{deeplink name='ticket_list'}}",
            "{{deeplink name='quotes'\n\n  state='x'}} {{deeplink name='ticket_list'}}",
            "{{deeplink name='quotes\n  '}} {{deeplink name='ticket_list'}}",
        ] {
            let found = find(text);
            assert_eq!(found.len(), 2, "{text}");
            assert!(found[0].problem.as_deref().unwrap().contains("not closed"));
            assert_eq!(found[0].range, 0..text.find('\n').unwrap());
            assert_eq!(found[1].problem, None, "{text}");
        }
        // A lone `\r` ends a line as `\n` does (HTML's line breaks).
        let text = "{{deeplink name='ticket'\r  action='close'\r}} after";
        let [call] = find(text).try_into().unwrap();
        assert_eq!((call.problem, call.args.len()), (None, 2));
        for text in [
            "{{deeplink name='quotes'\rSee {{deeplink name='ticket_list'}}",
            "{{deeplink name='quotes'\r\r  state='x'}} {{deeplink name='ticket_list'}}",
            "{{deeplink name='quotes'\r\n\r\n  state='x'}} {{deeplink name='ticket_list'}}",
            "{{deeplink name='quotes\r  '}} {{deeplink name='ticket_list'}}",
        ] {
            let found = find(text);
            assert_eq!(found.len(), 2, "{text:?}");
            assert_eq!(found[0].range, 0..text.find('\r').unwrap(), "{text:?}");
            assert_eq!(found[1].problem, None, "{text:?}");
        }
        // Not closed within its longest length.
        let long = format!(
            "{{{{deeplink name='ticket'\n{}}}}}",
            "  a='b'\n".repeat(600)
        );
        assert!(find(&long)[0].problem.is_some());
    }

    #[test]
    fn unfinished_calls() {
        assert_eq!(unfinished("a\nb {{deeplink name='x'\n"), Some(4));
        assert_eq!(unfinished("{{deeplink name='x'\n  action='y'\n"), Some(0));
        assert_eq!(unfinished("{{deeplink name='x'\n  "), Some(0));
        assert_eq!(unfinished("{{deeplink name='x'\r"), Some(0));
        assert_eq!(unfinished("{{deeplink name='x'\r\n"), Some(0));
        assert_eq!(unfinished("{{deeplink name='x'\rprose\r"), None);
        // Closed, or known not to be.
        assert_eq!(unfinished("{{deeplink name='x'\n}}\n"), None);
        assert_eq!(unfinished("{{deeplink name='x'\nprose\n"), None);
        assert_eq!(unfinished("{{deeplink name='x\n"), None);
        // Any `{{`, which may take in a `{{deeplink` on the next line.
        assert_eq!(unfinished("{{ other\n"), Some(0));
        assert_eq!(unfinished("{{ a }} {{ b\n"), Some(8));
        assert_eq!(unfinished("{{ a\nprose {{ b }}\n"), None);
        let long = format!("{{{{deeplink name='x'\n{}", "  a='b'\n".repeat(600));
        assert_eq!(unfinished(&long), None);
    }
}
