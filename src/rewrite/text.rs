//! Plain-text templates: no markup, links found line by line.

use super::scan;
use super::suppress::{self, Directive};
use super::{Analysis, Collector, RewriterOptions, utf8::Validator};
use crate::diagnostic::Span;
use crate::expand::{self, MustacheContext};
use crate::rules::site::encoded_len;
use crate::rules::{Origin, TextMap, unparsable_document};

/// A plain-text document on its way through: complete lines are scanned as they arrive.
pub struct TextPass<'o> {
    collector: Collector<'o>,
    /// The incomplete last line, starting at input offset `line_start`.
    pending: Vec<u8>,
    line_start: usize,
    utf8: Validator,
    /// `ddlink-ignore` comments whose scope (up to the end of the first non-blank line after
    /// them) is not yet read: the suppression's index and where its scope starts.
    pending_scopes: Vec<(usize, usize)>,
}

impl<'o> TextPass<'o> {
    pub fn new(options: &'o RewriterOptions) -> Self {
        TextPass {
            collector: Collector::new(options),
            pending: Vec::new(),
            line_start: 0,
            utf8: Validator::new(options.encoding),
            pending_scopes: Vec::new(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.utf8.feed(chunk);
        self.collector.observe_newline(chunk);
        // `pending` ends where the input read so far ends, unless a line break did.
        let Some(lines_end) = crate::source::complete_lines(self.pending.last().copied(), chunk)
        else {
            self.pending.extend_from_slice(chunk);
            return;
        };
        let lines = if self.pending.is_empty() {
            std::borrow::Cow::Borrowed(&chunk[..lines_end])
        } else {
            self.pending.extend_from_slice(&chunk[..lines_end]);
            std::borrow::Cow::Owned(std::mem::take(&mut self.pending))
        };
        // A `{{deeplink` wrapped over lines that have not all come is read with them.
        let held_from = held_back(&lines, self.collector.options.encoding);
        let cut = held_from.unwrap_or(lines.len());
        self.scan(&lines[..cut]);
        self.line_start += cut;
        self.pending.clear();
        self.pending.extend_from_slice(&lines[cut..]);
        self.pending.extend_from_slice(&chunk[lines_end..]);
    }

    fn scan(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let encoding = self.collector.options.encoding;
        let text = crate::source::decode_lossless(bytes, encoding);
        self.comments(&text);
        self.collector.observe(&text);
        if expand::mustache::may_hold(&text) {
            let map =
                TextMap::identity(text.clone().into_owned(), self.line_start).in_encoding(encoding);
            self.collector.mustaches(&map, MustacheContext::PlainText);
        }
        self.collector.track_template_blocks(&text);
        // `<dd-link>` is markup: a plain-text template shows it as written.
        for (at, _) in text.match_indices("<dd-link") {
            if text[at + "<dd-link".len()..].starts_with([' ', '>', '/', '\t', '\r', '\n']) {
                let start = self.line_start + encoded_len(encoding, &text[..at]);
                crate::rules::invalid_placeholder::report(
                    &mut self.collector.findings,
                    Span::new(start, start + "<dd-link".len()),
                    "`<dd-link>` is markup, which a plain-text template shows as written"
                        .to_owned(),
                    "write `{{deeplink name='…'}}` in a plain-text template".to_owned(),
                );
            }
        }
        let mut taken_in = 0;
        for range in self.collector.prefilter.links(&text) {
            if range.start < taken_in {
                continue;
            }
            // A link an editor wrapped over lines is read with them.
            let range = range.start..scan::wrapped_link_end(&text, range.end);
            taken_in = range.end;
            let base = self.line_start + encoded_len(encoding, &text[..range.start]);
            let line_start = self.line_start;
            self.collector
                .trimmed_into_text(&text[range.clone()], &text[range.end..], |len| {
                    let at = |offset: usize| line_start + encoded_len(encoding, &text[..offset]);
                    Span::new(at(range.end), at(range.end + len))
                });
            self.collector
                .link(&text[range], base, Origin::PlainText, None);
        }
    }

    /// The `ddlink` comments of complete lines `text`, as in HTML (`<!-- ddlink: psa=… -->`,
    /// `<!-- ddlink-ignore CODES: reason -->`), each on one line: a plain-text template is
    /// linted like any other, even if the mail then shows the comment.
    fn comments(&mut self, text: &str) {
        let encoding = self.collector.options.encoding;
        let input = |at: usize| self.line_start + encoded_len(encoding, &text[..at]);
        let scope_end = |from: usize| {
            let content = from + text[from..].find(|c: char| !c.is_whitespace())?;
            Some(crate::source::line_end(text.as_bytes(), content))
        };
        // Scopes left open by the lines before: they end on the first non-blank line here.
        if let Some(end) = scope_end(0) {
            for (suppression, start) in std::mem::take(&mut self.pending_scopes) {
                self.collector.suppressions[suppression].scope = Some(start..input(end));
            }
        }
        for (at, _) in text.match_indices("<!--") {
            let line_end = crate::source::line_end(text.as_bytes(), at);
            let Some(close) = text[at + 4..line_end].find("-->") else {
                continue;
            };
            let after = at + 4 + close + 3;
            let span = Span::new(input(at), input(after));
            let inner = &text[at + 4..at + 4 + close];
            let findings = &mut self.collector.findings;
            match suppress::parse(inner, |i| input(at + 4 + i), span, findings) {
                Some(Directive::Psa(dialect)) => self.collector.directive(dialect, span),
                Some(Directive::Suppression(mut suppression)) => {
                    if let Some(line) = own_line(text.as_bytes(), at, after) {
                        suppression.removal = Span::new(input(line.start), input(line.end));
                    }
                    let index = self.collector.suppressions.len();
                    if !suppression.file {
                        match scope_end(after) {
                            Some(end) => suppression.scope = Some(span.end..input(end)),
                            None => self.pending_scopes.push((index, span.end)),
                        }
                    }
                    self.collector.suppressions.push(suppression);
                }
                None => {}
            }
        }
    }

    pub fn finish(mut self) -> Analysis {
        let rest = std::mem::take(&mut self.pending);
        self.scan(&rest);
        let len = self.line_start + rest.len();
        for (suppression, start) in std::mem::take(&mut self.pending_scopes) {
            self.collector.suppressions[suppression].scope = Some(start..len);
        }
        if let Some(offset) = self.utf8.finish() {
            unparsable_document::report(
                &mut self.collector.findings,
                Span::new(offset, (offset + 1).min(len)),
                format!(
                    "invalid {} at byte {offset}",
                    self.collector.options.encoding.name()
                ),
                "save the file in its encoding, or say which it is with --encoding",
            );
        }
        self.collector.finish(len)
    }
}

/// Where the line starts that opens a `{{` or a template comment the complete `lines` leave
/// unfinished (see [`expand::mustache::held_open`]), or that ends in a tag that joins it to
/// the next line with text (see [`trimming_tag_at_end`]). Read from the start of `lines`, which starts where the
/// last scan stopped, between two `{{…}}`, as a scan of the whole text would read it.
/// A link whose line ends in `&` or `?` may go on on the next line: the lines that end so
/// are held back too, with the lines before them that do (see [`scan::wrapped_link_end`]).
fn held_back(lines: &[u8], encoding: &'static encoding_rs::Encoding) -> Option<usize> {
    let braces = memchr::memchr(b'{', lines).and_then(|_| {
        let text = crate::source::decode_lossless(lines, encoding);
        let open = expand::mustache::held_open(&text).or_else(|| trimming_tag_at_end(&text))?;
        let line = crate::source::line_start(text.as_bytes(), open);
        Some(encoded_len(encoding, &text[..line]))
    });
    let cut = match (braces, scan::wrapped_lines_at_end(lines)) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    // The lines before the cut that end in `&` or `?` go on into it.
    Some(scan::wrapped_lines_at_end(&lines[..cut]).unwrap_or(cut))
}

/// Where the template tag starts that ends `text` but for white space and takes that white
/// space out (`{%- endif -%}`, `{{/if~}}`): the word it joins a link before it to is on a
/// line still to come.
fn trimming_tag_at_end(text: &str) -> Option<usize> {
    let text = text.trim_end();
    let open = if text.ends_with("-%}") {
        "{%"
    } else if text.ends_with("~}}") {
        "{{"
    } else {
        return None;
    };
    text.rfind(open)
}

/// What DD601's fix removes of the comment at `start..end` of `text` (complete lines) when it
/// is the last thing on its line: the whole line, its line break included, when nothing else
/// is on it, or else the comment with the spaces and tabs before it.
fn own_line(text: &[u8], start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    let line_start = crate::source::line_start(text, start);
    let line_end = crate::source::line_end(text, end);
    if crate::source::leading_blanks(&text[end..line_end]) < line_end - end {
        return None;
    }
    let blanks = crate::source::trailing_blanks(&text[line_start..start]);
    if blanks < start - line_start {
        return Some(start - blanks..line_end);
    }
    let break_len = match text.get(line_end..) {
        Some([b'\r', b'\n', ..]) => 2,
        Some([b'\n' | b'\r', ..]) => 1,
        _ => 0,
    };
    Some(line_start..line_end + break_len)
}
