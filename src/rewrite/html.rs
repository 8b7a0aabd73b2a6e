//! HTML documents: one lol_html pass with narrow handlers.
//!
//! - `a`, `mj-button`: the link itself, nesting (DD406) and labels (DD404);
//! - the other elements whose `href` is a link in e-mail (`area`, MJML's linking components,
//!   VML shapes such as `v:roundrect`): the link;
//! - `dd-link`: the placeholder;
//! - text (full pass only): buffered until `last_in_text_node()` (a token like `[srnumber]`
//!   can be split across chunks), then scanned; its text type tells inert contexts (script,
//!   style, title, textarea) from visible text;
//! - comments (full pass, and the quick pass that reads them): scanned as inert, and an
//!   Outlook conditional comment's body read as markup;
//! - the raw bytes, by lines: dialect evidence, and what a quick pass cannot read.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use lol_html::html_content::{Comment, Element, EndTag, TextChunk, TextType};
use lol_html::{
    AsciiCompatibleEncoding, DocumentContentHandlers, ElementContentHandlers, HtmlRewriter,
    MemorySettings, Selector, Settings, errors::RewritingError,
};

use super::raw::{Found, Quick, RawEnd, RawScan};
use super::scan;
use super::suppress::{self, Directive};
use super::{Analysis, Collector, FileKind, RewriterOptions};
use crate::diagnostic::{Edit, Span};
use crate::expand::{self, Arg, MustacheContext, Placeholder};
use crate::rules::site::encoded_len;
use crate::rules::{
    Origin, TextMap, empty_link_label, nested_link, unclosed_placeholder, unparsable_document,
};
use crate::source;

/// Where a raw text stretch starts in the input, for each piece added to the text buffer.
#[derive(Debug)]
struct Piece {
    buffer_offset: usize,
    source_offset: usize,
}

/// A text node being collected.
#[derive(Debug, Default)]
struct TextBuffer {
    raw: String,
    pieces: Vec<Piece>,
    text_type: Option<TextType>,
    /// Whether the text is the label of a portal link element.
    in_link: bool,
    /// Whether it is the label of a link to another address.
    in_other_link: bool,
    /// The MJML element that never shows the text as a link (`mj-title`), if it is in one.
    mjml_inert: Option<&'static str>,
}

impl TextBuffer {
    /// The input offset of a byte in the buffer (which holds text decoded from `encoding`).
    fn source_offset(&self, at: usize, encoding: &'static encoding_rs::Encoding) -> usize {
        let index = self.pieces.partition_point(|p| p.buffer_offset <= at);
        let piece = &self.pieces[index.saturating_sub(1)];
        piece.source_offset + encoded_len(encoding, &self.raw[piece.buffer_offset..at])
    }
}

/// A link element (`a`, `mj-button`) whose end tag has not come yet.
#[derive(Debug)]
struct OpenLink {
    start_tag: Span,
    deep_link: bool,
    /// Whether it has an `href`: `<a name="top">` is an anchor to land on, not a link, and
    /// a link after it is in no other.
    href: bool,
    /// A suppression came before it (see `State::suppressible`).
    suppressible: bool,
    labelled: bool,
    element: &'static str,
    /// Which of the open links it is, for its end tag (a table cell's end may have closed it
    /// first: see [`LinkElements::cell_boundary`]).
    id: usize,
    /// How many tables opened in it are still open.
    tables: usize,
}

/// A `<dd-link>` whose end tag has not come yet.
#[derive(Debug)]
struct OpenPlaceholder {
    start_tag: Span,
    args: Arc<[Arg]>,
    labelled: bool,
    /// Its label shows text or an image: markup alone (`<span class="icon"></span>`) or an
    /// Outlook-only comment is a label that it keeps, and that shows nothing elsewhere.
    shown: bool,
    /// A comment in its label (see [`Placeholder::Element`]'s `label_comment`).
    label_comment: bool,
    indent: String,
    /// Opened in a link or another placeholder: expanded, it would be a link in a link
    /// (DD406). Or directly in an MJML layout element, which would drop it (DD411).
    nested: bool,
    /// The start tags of the link elements (and placeholders) opened in its label: reported
    /// (DD406) once it is closed. A `<dd-link>` never closed holds the rest of its parent, and
    /// its own DD410 says what is wrong, not every link after it.
    inner: Vec<Span>,
}

/// What an open MJML element makes of its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mjml {
    /// A layout element (`mj-column`): MJML renders only MJML elements in it, and drops any
    /// other markup.
    Layout,
    /// An element whose content is HTML (`mj-text`, `mj-raw`).
    Markup,
    /// An element whose text is never a link (`mj-title`, `mj-preview`, `mj-style`).
    Inert(&'static str),
}

/// The MJML elements an MJML document is read for: a `<dd-link>` is expanded into HTML, so
/// it belongs in one whose content is HTML.
const MJML_ELEMENTS: &[(&str, Mjml)] = &[
    ("mj-body", Mjml::Layout),
    ("mj-wrapper", Mjml::Layout),
    ("mj-section", Mjml::Layout),
    ("mj-group", Mjml::Layout),
    ("mj-column", Mjml::Layout),
    ("mj-hero", Mjml::Layout),
    ("mj-text", Mjml::Markup),
    ("mj-raw", Mjml::Markup),
    ("mj-table", Mjml::Markup),
    ("mj-button", Mjml::Markup),
    ("mj-navbar-link", Mjml::Markup),
    ("mj-accordion-title", Mjml::Markup),
    ("mj-accordion-text", Mjml::Markup),
    ("mj-social-element", Mjml::Markup),
    ("mj-title", Mjml::Inert("mj-title")),
    ("mj-preview", Mjml::Inert("mj-preview")),
    ("mj-style", Mjml::Inert("mj-style")),
];

/// State that end-tag handlers (which must be `'static`) share with the rest.
#[derive(Debug, Default)]
struct LinkElements {
    open: Vec<OpenLink>,
    open_placeholders: Vec<OpenPlaceholder>,
    /// `<dd-link>` placeholders read whole.
    placeholders: Vec<Placeholder>,
    /// `<dd-link>` start tags whose element was closed by an ancestor's end tag.
    unclosed: Vec<Span>,
    /// Links (and placeholders) in a closed `<dd-link>`'s label, with its start: DD406.
    in_labels: Vec<(Span, usize)>,
    /// Deep-link elements that closed without a label.
    unlabelled: Vec<(Span, &'static str)>,
    /// The quick pass's text inside link elements, until its text node ends.
    label_text: String,
    /// Where each element with a portal link starts and ends (a suppression before it covers
    /// all of it).
    extents: Vec<Span>,
    /// In an MJML document, the MJML elements open here, innermost last.
    mjml: Vec<Mjml>,
    /// The id of the last link opened.
    last_id: usize,
}

impl LinkElements {
    /// A table opens in the innermost open link: the link's id, for the table's end tag.
    fn table_in_link(&mut self) -> Option<usize> {
        let link = self.open.last_mut()?;
        link.tables += 1;
        Some(link.id)
    }

    /// A table opened in the link `id` ends.
    fn table_in_link_closed(&mut self, id: usize) {
        if let Some(link) = self.open.iter_mut().rev().find(|l| l.id == id) {
            link.tables = link.tables.saturating_sub(1);
        }
    }

    /// A tag that ends a table cell starts at `at`, in a link opened in a table (`<td>`,
    /// `<th>`, `<tr>`, a row group, `<caption>`, `<col>`, `<colgroup>`): the HTML tree builder
    /// closes the open cell, and clears its list of active formatting elements back to the
    /// marker it put there at the cell's start. The links opened in the cell end there, though
    /// their end tags never came (`<td><a href="…">Acme<td><a href="…">`, where lol_html
    /// keeps the first `<a>` open); a link around a table in which the tag is does not.
    fn cell_boundary(&mut self, at: usize) {
        while let Some(last) = self.open.last()
            && last.tables == 0
        {
            self.close_at(self.open.len() - 1, Some(at));
        }
    }

    /// The open link `id` ends at `end` (its end tag's end), unless a cell's end closed it
    /// already.
    fn close(&mut self, id: usize, end: Option<usize>) {
        if let Some(index) = self.open.iter().rposition(|l| l.id == id) {
            self.close_at(index, end);
        }
    }

    /// The open link at `index` ends at `end` (`None` when the document ended first).
    fn close_at(&mut self, index: usize, end: Option<usize>) {
        let link = self.open.remove(index);
        if link.deep_link {
            if link.suppressible {
                let end = end.unwrap_or(link.start_tag.end);
                self.extents.push(Span::new(link.start_tag.start, end));
            }
            if !link.labelled {
                self.unlabelled.push((link.start_tag, link.element));
            }
        }
    }

    /// In the quick pass, text in a link element: a label once its text node shows
    /// something.
    fn label_chunk(&mut self, chunk: &TextChunk) {
        if chunk.text_type() != TextType::Data {
            return;
        }
        self.label_text.push_str(chunk.as_str());
        if chunk.last_in_text_node() || self.label_text.len() > TEXT_FLUSH {
            if shows_something(&self.label_text) {
                self.label();
            }
            self.label_text.clear();
        }
    }

    fn label(&mut self) {
        for link in &mut self.open {
            link.labelled = true;
        }
        self.label_placeholders();
        for placeholder in &mut self.open_placeholders {
            placeholder.shown = true;
        }
    }

    fn label_placeholders(&mut self) {
        for placeholder in &mut self.open_placeholders {
            placeholder.labelled = true;
        }
    }

    /// The MJML element in which text here is never a link, if any.
    fn mjml_inert(&self) -> Option<&'static str> {
        self.mjml.iter().rev().find_map(|element| match element {
            Mjml::Inert(name) => Some(*name),
            _ => None,
        })
    }

    /// Whether this point is directly in an MJML layout element, where HTML is dropped.
    fn in_mjml_layout(&self) -> bool {
        self.mjml.last() == Some(&Mjml::Layout)
    }

    /// A comment in the innermost `<dd-link>`'s label: an Outlook-only label
    /// (`<!--[if mso]>Open<![endif]-->`) is a label, and any other comment is kept before
    /// the default label, never dropped.
    fn label_comment(&mut self, comment: &Comment) {
        let Some(placeholder) = self.open_placeholders.last_mut() else {
            return;
        };
        if comment.text().trim_start().starts_with("[if") {
            placeholder.labelled = true;
        } else {
            placeholder.label_comment = true;
        }
    }

    /// A link or placeholder at `span` opens: in a `<dd-link>`'s label, that placeholder
    /// would wrap it in a link, and is left as it is (DD406). Whether it is in one.
    fn in_placeholder(&mut self, span: Span) -> bool {
        let Some(placeholder) = self.open_placeholders.last_mut() else {
            return false;
        };
        placeholder.inner.push(span);
        true
    }

    /// The innermost `<dd-link>` ends with `end_tag`, its own (`</dd-link>`) or an ancestor's
    /// (it was never closed); `None` when the document ended first.
    fn close_placeholder(&mut self, end_tag: Option<(Span, bool)>) {
        let Some(open) = self.open_placeholders.pop() else {
            return;
        };
        match end_tag {
            Some((span, true)) => {
                // Expanded, its link would have no label (DD404): said now, not after `fix`.
                // One left as it is (in a link, or with links in its label: DD406) is not.
                if open.labelled && !open.shown && !open.nested && open.inner.is_empty() {
                    self.unlabelled.push((open.start_tag, "dd-link"));
                }
                let start = open.start_tag.start;
                self.in_labels
                    .extend(open.inner.iter().map(|&inner| (inner, start)));
                self.placeholders.push(Placeholder::Element {
                    start_tag: open.start_tag,
                    end_tag: Some(span),
                    empty_label: !open.labelled,
                    label_comment: open.label_comment,
                    args: open.args,
                    indent: open.indent,
                    nested: open.nested || !open.inner.is_empty(),
                });
            }
            _ => self.unclosed.push(open.start_tag),
        }
    }
}

/// The input lol_html has not finished with, from input offset `start`: where a parsing
/// error is looked for (so that its offset does not depend on chunking), what follows a
/// suppression comment, and the quote an attribute is written in.
#[derive(Debug)]
struct Window {
    bytes: Vec<u8>,
    start: usize,
    /// The indentation of the line `start` is on, as far as the input before `start` shows it.
    line_indent: Vec<u8>,
    /// Whether only spaces and tabs stand between that line's start and `start`: the
    /// indentation may go on in `bytes`.
    line_indent_open: bool,
    /// How many spaces and tabs end the input before `start`.
    blanks_before: usize,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            bytes: Vec::new(),
            start: 0,
            line_indent: Vec::new(),
            // The document's start is a line's start.
            line_indent_open: true,
            blanks_before: 0,
        }
    }
}

/// Where the last line of `bytes` starts, if a line break is in them.
fn last_line_start(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .next_back()
        .map(|at| at + 1)
}

/// Indentation longer than this is not carried across chunks.
const LONGEST_INDENT: usize = 4096;

impl Window {
    /// lol_html is done with the input before `offset`.
    fn drain_to(&mut self, offset: usize) {
        if offset <= self.start {
            return;
        }
        let drained = (offset - self.start).min(self.bytes.len());
        let gone = &self.bytes[..drained];
        let blanks = source::trailing_blanks(gone);
        if blanks == gone.len() {
            self.blanks_before += blanks;
        } else {
            self.blanks_before = blanks;
        }
        match last_line_start(gone) {
            Some(line) => {
                let blank = source::leading_blanks(&gone[line..]);
                self.line_indent.clear();
                self.line_indent
                    .extend_from_slice(&gone[line..line + blank]);
                self.line_indent_open = line + blank == gone.len();
            }
            None if self.line_indent_open => {
                let blank = source::leading_blanks(gone);
                self.line_indent.extend_from_slice(&gone[..blank]);
                self.line_indent_open = blank == gone.len();
            }
            None => {}
        }
        if self.line_indent.len() > LONGEST_INDENT {
            self.line_indent.clear();
            self.line_indent_open = false;
        }
        self.bytes.drain(..drained);
        self.start = offset;
    }

    /// The indentation of the line an element that starts at `offset` is on: the spaces and
    /// tabs after the line break before it (markup inserted there over several lines lines
    /// up with that line, whether the element starts it or not).
    fn indent_at(&self, offset: usize) -> String {
        let Some(before) = offset
            .checked_sub(self.start)
            .and_then(|end| self.bytes.get(..end))
        else {
            return String::new();
        };
        let indent = match last_line_start(before) {
            Some(line) => before[line..line + source::leading_blanks(&before[line..])].to_vec(),
            None if self.line_indent_open => [
                &self.line_indent[..],
                &before[..source::leading_blanks(before)],
            ]
            .concat(),
            None => self.line_indent.clone(),
        };
        String::from_utf8(indent).expect("spaces and tabs")
    }

    /// What stands before offset `at` on its line.
    fn before(&self, at: usize) -> Before {
        let Some(before) = at
            .checked_sub(self.start)
            .and_then(|end| self.bytes.get(..end))
        else {
            return Before::Unknown;
        };
        let line = last_line_start(before);
        let on_line = &before[line.unwrap_or(0)..];
        let blanks = source::trailing_blanks(on_line);
        let content = on_line.len() - blanks;
        match line {
            Some(line) if content == 0 => Before::Blank(self.start + line),
            None if content == 0 && self.line_indent_open => {
                Before::Blank(self.start - self.line_indent.len())
            }
            None if content == 0 => Before::Content(self.start - self.blanks_before),
            _ => Before::Content(at - blanks),
        }
    }

    /// The input bytes of `range`, while the window holds them.
    fn get(&self, range: std::ops::Range<usize>) -> Option<&[u8]> {
        let start = range.start.checked_sub(self.start)?;
        self.bytes.get(start..start + range.len())
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        offset
            .checked_sub(self.start)
            .and_then(|i| self.bytes.get(i))
            .copied()
    }
}

/// What the handlers share.
struct State<'o> {
    window: Rc<RefCell<Window>>,
    collector: Collector<'o>,
    text: TextBuffer,
    /// The RCDATA / RAWTEXT element the parser is in, for messages.
    inert_element: Option<&'static str>,
    /// Bytes lol_html has written out so far: everything before this offset is parsed.
    emitted: usize,
    /// Suppressions for "the next element or line" whose line has not been read to its end.
    pending_scopes: Vec<PendingScope>,
    /// In the quick pass: the `href` values read, against the link-shaped runs of the input.
    quick: Option<Quick>,
}

/// A suppression for the next element or line, whose scope's end is not yet read.
#[derive(Debug)]
struct PendingScope {
    /// Index into the collector's suppressions.
    suppression: usize,
    finder: suppress::ScopeFinder,
    /// How far the input after the comment has been looked at.
    cursor: usize,
    /// What stands before the comment on its line.
    before: Before,
    /// A file-wide suppression has no scope: only its own line is read, for DD601's fix.
    file: bool,
}

/// What stands before a comment on its line, for DD601's fix.
#[derive(Debug, Clone, Copy)]
enum Before {
    /// Only spaces and tabs, from the line's start at this offset.
    Blank(usize),
    /// Something else, then spaces and tabs from this offset.
    Content(usize),
    /// Not known: the window no longer held it.
    Unknown,
}

impl PendingScope {
    /// What DD601's fix removes when the comment is the last thing on its line, whose line
    /// break is `line_break`: the whole line when nothing else is on it, or else the comment
    /// with the spaces and tabs before it (no blank line, no trailing blanks left behind).
    fn removal(&self, line_break: std::ops::Range<usize>) -> Option<Span> {
        match self.before {
            Before::Blank(line_start) => Some(Span::new(line_start, line_break.end)),
            Before::Content(blanks) => Some(Span::new(blanks, line_break.start)),
            Before::Unknown => None,
        }
    }
}

/// A text buffer this large is scanned up to its last line break (links do not span lines),
/// so that one huge text node cannot take unbounded memory.
const TEXT_FLUSH: usize = 256 * 1024;

impl State<'_> {
    /// The source text of `range`, given lol_html's decoded `text` of it. In a UTF-8
    /// document with invalid bytes, lol_html's U+FFFD replacements would shift every offset
    /// after them (and shift them differently depending on chunking): the bytes are read from
    /// the input instead, each invalid one standing as `?`.
    fn source_text<'t>(&self, range: std::ops::Range<usize>, text: &'t str) -> Cow<'t, str> {
        if self.collector.options.encoding != encoding_rs::UTF_8 || text.len() == range.len() {
            return Cow::Borrowed(text);
        }
        let window = self.window.borrow();
        match window.get(range) {
            Some(bytes) => Cow::Owned(crate::source::lossless_text(bytes.to_vec())),
            None => Cow::Borrowed(text),
        }
    }

    /// An attribute's value as written (`range` in the input), given lol_html's decoded
    /// `value`. In a document that is not UTF-8, lol_html decodes a value that starts with
    /// the bytes of a UTF-8 byte-order mark as UTF-8: the input's bytes are decoded here
    /// instead, as the rest of the document is.
    fn attribute_text<'t>(&self, range: std::ops::Range<usize>, value: &'t str) -> Cow<'t, str> {
        let encoding = self.collector.options.encoding;
        if encoding == encoding_rs::UTF_8 {
            return self.source_text(range, value);
        }
        let window = self.window.borrow();
        match window.get(range) {
            Some(bytes) => Cow::Owned(crate::source::decode_lossless(bytes, encoding).into_owned()),
            None => Cow::Borrowed(value),
        }
    }

    fn on_text(&mut self, chunk: &TextChunk, links: &RefCell<LinkElements>) {
        let location = chunk.source_location().bytes();
        // A character split between two input chunks comes whole in the text of one of
        // them, whose location holds only part of its bytes (and may hold as many bytes as
        // the text, the end of the next character standing in for the start of this one):
        // valid UTF-8 text is the input's bytes, and goes on where the text before it in its
        // node ends. Invalid bytes (which lol_html's text also does not match) are read from
        // the input.
        let valid = !chunk.as_str().contains('\u{FFFD}');
        let valid_utf8 = self.collector.options.encoding == encoding_rs::UTF_8 && valid;
        let text = if valid_utf8 {
            Cow::Borrowed(chunk.as_str())
        } else {
            self.source_text(location.clone(), chunk.as_str())
        };
        let text = text.as_ref();
        if !text.is_empty() {
            if self.text.raw.is_empty() {
                self.text.text_type = Some(chunk.text_type());
                // Only the label of a portal link: text in any other `<a>` (a named
                // anchor, a link elsewhere) is not clickable as the deep link it shows.
                let links = links.borrow();
                // A `<dd-link>`'s label becomes its link's.
                self.text.in_link = links.open.last().is_some_and(|l| l.deep_link)
                    || !links.open_placeholders.is_empty();
                self.text.in_other_link =
                    !self.text.in_link && links.open.last().is_some_and(|l| l.href && !l.deep_link);
                self.text.mjml_inert = links.mjml_inert();
            }
            // So does valid text in another encoding (Shift_JIS splits as UTF-8 does).
            if !valid || self.text.pieces.is_empty() {
                let source_offset = if valid {
                    self.text_start(&location, text)
                } else {
                    location.start
                };
                self.text.pieces.push(Piece {
                    buffer_offset: self.text.raw.len(),
                    source_offset,
                });
            }
            self.text.raw.push_str(text);
        }
        let complete = chunk.last_in_text_node();
        if complete || self.text.raw.len() > TEXT_FLUSH {
            // Told of the whole text, as it shows: `&nbsp;` split between two chunks is
            // still no label.
            if self.text.text_type == Some(TextType::Data) && shows_something(&self.text.raw) {
                links.borrow_mut().label();
            }
            self.flush_text(complete);
        }
    }

    /// Where valid UTF-8 `text` starts in the input, told by its location: up to three bytes
    /// before it when its first character was split between input chunks. The start is
    /// where the text's first bytes are: the bytes between it and the location are the rest
    /// of a character, which no text starts with, so a short prefix tells (a node's text can
    /// run to a whole chunk).
    fn text_start(&self, location: &std::ops::Range<usize>, text: &str) -> usize {
        let encoding = self.collector.options.encoding;
        let encoded = if encoding == encoding_rs::UTF_8 {
            Cow::Borrowed(text.as_bytes())
        } else {
            let head = text
                .char_indices()
                .nth(16)
                .map_or(text, |(at, _)| &text[..at]);
            encoding.encode(head).0
        };
        let prefix = &encoded[..encoded.len().min(16)];
        let window = self.window.borrow();
        (0..=3)
            .filter_map(|back| location.start.checked_sub(back))
            .find(|&start| window.get(start..start + prefix.len()) == Some(prefix))
            .unwrap_or(location.start)
    }

    /// Scan the buffered text (all of it when the node is complete, else up to the last line
    /// break) and drop what was scanned.
    fn flush_text(&mut self, complete: bool) {
        let end = if complete {
            self.text.raw.len()
        } else {
            // What is kept starts a line, so no `\r` before it waits for its `\n`.
            let Some(lines) = source::complete_lines(None, self.text.raw.as_bytes()) else {
                return;
            };
            // A `{{deeplink` wrapped over lines that have not all come is read with them, and
            // so is a template comment not yet closed.
            let held = expand::mustache::held_open(&self.text.raw[..lines])
                .map(|open| source::line_start(self.text.raw.as_bytes(), open));
            match held {
                Some(0) => return,
                Some(line) => line,
                None => lines,
            }
        };
        let origin = match self.text.text_type {
            Some(TextType::Data | TextType::CDataSection) | None => {
                self.text.mjml_inert.map_or(Origin::HtmlText, Origin::Inert)
            }
            Some(TextType::ScriptData) => Origin::Inert("script"),
            // A mail client runs no script: it shows what `<noscript>` holds, its links
            // included. The parser reads it as text, which is markup: its links are judged
            // as an attribute's.
            Some(TextType::RawText) if self.inert_element == Some("noscript") => Origin::Attribute,
            Some(TextType::RawText) => Origin::Inert(self.inert_element.unwrap_or("style")),
            Some(TextType::RCData) => Origin::Inert(self.inert_element.unwrap_or("textarea")),
            Some(TextType::PlainText) => Origin::Inert("plaintext"),
        };
        let raw = &self.text.raw[..end];
        if origin == Origin::HtmlText && expand::mustache::may_hold(raw) {
            let (decoded, refs) = crate::charref::decode(raw, false);
            let base = self.text.source_offset(0, self.collector.options.encoding);
            let map = TextMap::new(raw.to_owned(), base, decoded, refs)
                .in_encoding(self.collector.options.encoding);
            let context = if self.text.in_link {
                MustacheContext::LinkLabel
            } else {
                MustacheContext::HtmlText
            };
            self.collector.mustaches(&map, context);
        }
        if origin == Origin::HtmlText {
            self.collector.track_template_blocks(raw);
        }
        // A placeholder in `<noscript>` is text to the parser: never expanded, and said so.
        let placeholders_inert = match origin {
            Origin::Inert(context) => Some(context),
            Origin::Attribute => Some("noscript"),
            _ => None,
        };
        if let Some(context) = placeholders_inert {
            let encoding = self.collector.options.encoding;
            let text = &self.text;
            self.collector
                .inert_placeholders(raw, context, |start| text.source_offset(start, encoding));
        }
        let decode = match origin {
            Origin::HtmlText => Some(false),
            Origin::Attribute => Some(true),
            _ => None,
        };
        let origin = match origin {
            Origin::HtmlText if self.text.in_link => Origin::LinkLabel,
            Origin::HtmlText if self.text.in_other_link => Origin::OtherLinkLabel,
            _ => origin,
        };
        for range in self.collector.prefilter.links(raw) {
            let encoding = self.collector.options.encoding;
            let base = self.text.source_offset(range.start, encoding);
            if origin == Origin::HtmlText {
                let text = &self.text;
                self.collector
                    .trimmed_into_text(&raw[range.clone()], &raw[range.end..], |len| {
                        Span::new(
                            text.source_offset(range.end, encoding),
                            text.source_offset(range.end + len, encoding),
                        )
                    });
            }
            self.collector.link(&raw[range], base, origin, decode);
        }
        if complete {
            // Kept for the next text node: most documents are mostly text nodes.
            self.text.raw.clear();
            self.text.pieces.clear();
            self.text.text_type = None;
        } else {
            let base = self
                .text
                .source_offset(end, self.collector.options.encoding);
            self.text.raw.drain(..end);
            self.text.pieces.clear();
            self.text.pieces.push(Piece {
                buffer_offset: 0,
                source_offset: base,
            });
        }
    }

    /// The indentation of an element that starts at `offset`.
    fn indent_at(&self, offset: usize) -> String {
        self.window.borrow().indent_at(offset)
    }

    fn on_comment(&mut self, comment: &Comment) {
        let location = comment.source_location().bytes();
        if let Some(quick) = &mut self.quick {
            // Read here as in the full pass.
            quick.value(location.clone());
        }
        let mut text = comment.text();
        let encoding = self.collector.options.encoding;
        // Where the text starts within the markup: after `<!--`; after `<!` or `</` in a
        // bogus comment, whose text keeps the `?` of `<?`.
        let prefix = {
            let window = self.window.borrow();
            let byte = |i: usize| window.byte_at(location.start + i);
            match (byte(1), byte(2), byte(3)) {
                (Some(b'!'), Some(b'-'), Some(b'-')) if location.len() >= 4 => Some(4),
                (Some(b'!' | b'/'), ..) => Some(2),
                (Some(b'?'), ..) => Some(1),
                _ => None,
            }
        };
        // The window no longer holds the markup: tell from the lengths (`<!--…-->` is 7
        // bytes of markup, `<!--…--!>` 8, an unclosed `<!--…` 4, `<!…>` 3, `<?…>` 2).
        let prefix =
            prefix.or_else(
                || match location.len().checked_sub(encoded_len(encoding, &text)) {
                    Some(4 | 7 | 8) => Some(4),
                    Some(3) => Some(2),
                    Some(2) => Some(1),
                    _ => None,
                },
            );
        let offset = match prefix {
            Some(offset) if encoding != encoding_rs::UTF_8 || !text.contains('\u{FFFD}') => offset,
            _ if encoding == encoding_rs::UTF_8 => {
                // Invalid bytes made lol_html's text longer than the input: read the input
                // (see `source_text`).
                let markup = self.source_text(location.clone(), "").into_owned();
                let Some(inner) = markup.strip_prefix("<!--") else {
                    return;
                };
                inner
                    .strip_suffix("-->")
                    .unwrap_or(inner)
                    .clone_into(&mut text);
                4
            }
            _ => return,
        };
        // Offsets in `text` (decoded) as offsets in the input.
        let input_offset = |at: usize| location.start + offset + encoded_len(encoding, &text[..at]);
        let span = Span::new(location.start, location.end);
        if offset == 4 && !self.comment_closed(&location, &text) {
            // It runs to the end of the file: following it would suppress, or remove with
            // DD601's fix, everything after it.
            if suppress::is_directive(&text) {
                let opening = text.len() - text.trim_start().len();
                let word = text[opening..]
                    .find(char::is_whitespace)
                    .map_or(text.len(), |end| opening + end);
                crate::rules::malformed_directive::report(
                    &mut self.collector.findings,
                    Span::new(location.start, input_offset(word)),
                    "this `ddlink` comment is not closed: the rest of the file is inside it"
                        .to_owned(),
                    "end it with `-->`".to_owned(),
                );
            }
        } else {
            match suppress::parse(&text, input_offset, span, &mut self.collector.findings) {
                Some(Directive::Psa(dialect)) => return self.collector.directive(dialect, span),
                Some(Directive::Suppression(suppression)) => {
                    let before = self.window.borrow().before(span.start);
                    if !suppression.file || !matches!(before, Before::Unknown) {
                        self.pending_scopes.push(PendingScope {
                            suppression: self.collector.suppressions.len(),
                            finder: suppress::ScopeFinder::new(span.end),
                            cursor: span.end,
                            before,
                            file: suppression.file,
                        });
                    }
                    return self.collector.suppressions.push(suppression);
                }
                None => {}
            }
        }
        if !self.collector.prefilter.may_hold_link(text.as_bytes())
            && expand::element_openings(text.as_bytes()).next().is_none()
        {
            return;
        }
        if let Some(inner) = conditional_comment_body(&text) {
            // Outlook renders `<!--[if mso]>…<![endif]-->`: its body is live markup (the
            // VML half of a bulletproof button), read as HTML of its own.
            let base = input_offset(inner.as_ptr() as usize - text.as_ptr() as usize);
            let (bytes, _, _) = encoding.encode(inner);
            let analysis = super::Rewriter::new(self.collector.options.clone()).check_bytes(&bytes);
            self.collector.merge(analysis, base);
            self.collector
                .covered
                .push(Span::new(base, base + bytes.len()));
            return;
        }
        self.collector
            .inert_placeholders(&text, "comment", input_offset);
        for range in scan::links(&text) {
            let base = input_offset(range.start);
            self.collector
                .link(&text[range], base, Origin::Inert("comment"), None);
        }
    }

    /// Whether the `<!--` comment at `location`, whose text is `text`, ends with `-->` (or
    /// `--!>`, or is `<!-->`): an unclosed one runs to the end of the input.
    fn comment_closed(&self, location: &std::ops::Range<usize>, text: &str) -> bool {
        let window = self.window.borrow();
        let ends_with = |close: &[u8]| {
            location.len() >= 4 + close.len()
                && window.get(location.end - close.len()..location.end) == Some(close)
        };
        let markup = window.get(location.clone());
        // `<!-->` and `<!--->` are closed, abruptly.
        if ends_with(b"-->") || ends_with(b"--!>") || matches!(markup, Some(b"<!-->" | b"<!--->")) {
            return true;
        }
        match window.get(location.end.saturating_sub(4)..location.end) {
            Some(_) => false,
            // The window no longer holds the end: tell from the lengths.
            None => location.len() != 4 + encoded_len(self.collector.options.encoding, text),
        }
    }

    /// Whether an element that starts now may be covered by a `ddlink-ignore` (for the next
    /// element or line): only if one came before it. Only then is its extent kept, which a
    /// large template would otherwise keep for each of its tens of thousands of links.
    fn suppressible(&self) -> bool {
        self.collector.suppressions.iter().any(|s| !s.file)
    }

    /// Check an image's `src`: a portal link there is fetched when the mail opens and never
    /// clicked (DD407), and a credential in it goes out all the same (DD301, DD302).
    fn on_image_source(&mut self, element: &Element) {
        let Some((value, location)) = self.attribute_read(element, "src") else {
            return;
        };
        // A picture's address is no link: only one into the portal's pages is judged (a
        // tracking pixel elsewhere may carry a parameter named like a credential).
        if !self.collector.prefilter.may_hold_link(value.as_bytes())
            || memchr::memmem::find(value.as_bytes(), b"/portal/").is_none()
        {
            return;
        }
        let raw = self.attribute_text(location.clone(), &value).into_owned();
        self.collector
            .link(&raw, location.start, Origin::Inert("img"), Some(true));
    }

    /// The value of an element's attribute `name` as lol_html gives it, and where it stands in
    /// the input, noted for the quick pass (a link there is read, not missed).
    fn attribute_read(
        &mut self,
        element: &Element,
        name: &str,
    ) -> Option<(String, std::ops::Range<usize>)> {
        let attribute = element.attributes().iter().find(|a| a.name() == name)?;
        let location = attribute.value_source_location()?.bytes();
        if let Some(quick) = &mut self.quick {
            quick.value(location.clone());
        }
        Some((attribute.value(), location))
    }

    /// Check an element's `href` (an SVG link's `xlink:href` when it has none, as a browser
    /// does); whether it held a deep link.
    fn on_href(&mut self, element: &Element) -> bool {
        let (xlink, (value, location)) = match self.attribute_read(element, "href") {
            Some(href) => (false, href),
            None => match self.attribute_read(element, "xlink:href") {
                Some(href) => (true, href),
                None => return false,
            },
        };
        let raw = self.attribute_text(location.clone(), &value).into_owned();
        // A `{{deeplink}}` is expanded in an `href` only: in `xlink:href` it is reported (DD411).
        if xlink && expand::mustache::may_hold(&raw) {
            return false;
        }
        if raw.is_empty() {
            return self.after_empty_href(element, Span::new(location.start, location.end));
        }
        if !self.collector.prefilter.may_hold_link(raw.as_bytes()) {
            return false;
        }
        let base = location.start;
        if expand::mustache::may_hold(&raw) {
            let (decoded, refs) = crate::charref::decode(&raw, true);
            let map = TextMap::new(raw.clone(), base, decoded, refs)
                .in_encoding(self.collector.options.encoding);
            let quote = self.byte_before(base).filter(|&b| is_quote(b));
            self.collector
                .mustaches(&map, MustacheContext::Attribute(quote));
            return true;
        }
        // `href="…{% if status == "Open" %}…"`: the tag's own quote ends the attribute for an
        // HTML parser, but the mail system fills the tag in first. What follows is not at hand:
        // the link is judged up to the tag, and nothing in the tag is taken for the link's.
        // Most links hold no template tag: one look for a brace, then neither search below.
        let has_tag = memchr::memchr(b'{', raw.as_bytes()).is_some();
        let raw = match has_tag.then(|| unclosed_template_tag(&raw)).flatten() {
            Some(at) => raw[..at].to_owned(),
            None => raw,
        };
        let before = self.collector.found_links;
        // `?{% if x %}name=ticket&amp;ticket_id=…{% else %}name=ticket_list{% endif %}`: the
        // template writes one command or the other, and each is judged on its own.
        if let Some(variants) = has_tag.then(|| command_branches(&raw)).flatten() {
            self.collector.link_variants(&variants, base);
            return self.collector.found_links > before;
        }
        // `href="{% if x %}https://…{% else %}https://…{% endif %}"`: the template writes one
        // link or the other, and each is judged as it would be written.
        if let Some(branches) = link_branches(&raw) {
            let encoding = self.collector.options.encoding;
            for branch in branches {
                let start = base + encoded_len(encoding, &raw[..branch.start]);
                self.collector
                    .link(&raw[branch], start, Origin::Attribute, Some(true));
            }
            return self.collector.found_links > before;
        }
        let unquoted = self.byte_before(base).is_some_and(|b| !is_quote(b));
        self.collector.href_unquoted = unquoted;
        self.collector
            .link(&raw, base, Origin::Attribute, Some(true));
        self.collector.href_unquoted = false;
        let found = self.collector.found_links > before;
        if found {
            self.glued_after_href(element, Span::new(location.start, location.end));
        }
        // A byte no longer at hand is taken for a quote: then nothing changes.
        if found && unquoted {
            self.collector
                .unquoted_value(Span::new(base, location.end), raw);
        }
        found
    }

    /// `href=""https://…""`: quotes written twice make the `href` empty, and the link after
    /// them a few attributes no browser reads as an address. The link is judged where it
    /// stands, and the quotes reported (DD112) with the fix that quotes it once. `value` is
    /// the empty value's span; whether a link was there.
    fn after_empty_href(&mut self, element: &Element, value: Span) -> bool {
        let Some(quote) = self.byte_before(value.start).filter(|&b| is_quote(b)) else {
            return false;
        };
        let start = self.with_closing_quote(value);
        if start == value.end {
            return false;
        }
        let tag_end = tag_span(element).end;
        let (text, run_end, closing, at_tag_end) = {
            let window = self.window.borrow();
            let Some(bytes) = window.get(start..tag_end) else {
                return false;
            };
            let run = bytes
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>')
                .unwrap_or(bytes.len());
            let closing = bytes[..run]
                .iter()
                .rev()
                .take(2)
                .take_while(|&&b| b == quote)
                .count();
            let link = &bytes[..run - closing];
            let scheme = |scheme: &[u8]| {
                link.get(..scheme.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
            };
            if !(scheme(b"https://") || scheme(b"http://") || scheme(b"ddportal:"))
                || link
                    .iter()
                    .any(|&b| matches!(b, b'"' | b'\'' | b'<' | b'`'))
            {
                return false;
            }
            let text =
                crate::source::decode_lossless(link, self.collector.options.encoding).into_owned();
            (text, start + run, closing, bytes.get(run) == Some(&b'>'))
        };
        if let Some(quick) = &mut self.quick {
            quick.value(start..run_end);
        }
        let before = self.collector.found_links;
        self.collector
            .link(&text, start, Origin::Attribute, Some(true));
        if self.collector.found_links == before {
            return false;
        }
        let quote = char::from(quote);
        // No quote after the link, and white space: the link may go on after it.
        let closing_quotes = match closing {
            2 => Some(vec![Edit::delete(Span::new(run_end - 1, run_end))]),
            1 => Some(Vec::new()),
            _ if at_tag_end => Some(vec![Edit::replace(
                Span::new(run_end, run_end),
                quote.to_string(),
            )]),
            _ => None,
        };
        let edits = closing_quotes.map(|closing| {
            [Edit::delete(Span::new(start - 1, start))]
                .into_iter()
                .chain(closing)
                .collect()
        });
        crate::rules::malformed_envelope::report_doubled_quotes(
            &mut self.collector.findings,
            Span::new(value.start - 1, start),
            quote,
            edits,
        );
        true
    }

    /// `href="…ticket_id=[srnumber]"action=approve"`: a deep-link parameter written as an
    /// attribute glued to the `href`'s closing quote (`value`: the `href`'s value).
    fn glued_after_href(&mut self, element: &Element, value: Span) {
        let end = self.with_closing_quote(value);
        if end == value.end {
            return;
        }
        let Some(glued) = element.attributes().iter().find(|attribute| {
            attribute
                .name_source_location()
                .is_some_and(|name| name.bytes().start == end)
        }) else {
            return;
        };
        let key = glued.name();
        if !crate::command::spec::is_known_key(&key) {
            return;
        }
        let glued_end = match glued.value_source_location() {
            Some(location) => {
                let bytes = location.bytes();
                self.with_closing_quote(Span::new(bytes.start, bytes.end))
            }
            None => end + key.len(),
        };
        crate::rules::unescaped_ampersand::report_glued_parameter(
            &mut self.collector.findings,
            Span::new(end - 1, glued_end),
            &key,
        );
    }

    /// The input byte before `offset` (before an attribute value: its quote, if any), while
    /// the window holds it.
    fn byte_before(&self, offset: usize) -> Option<u8> {
        offset
            .checked_sub(1)
            .and_then(|at| self.window.borrow().byte_at(at))
    }

    /// The end of a quoted attribute value at `value` with its closing quote: the end of the
    /// whole attribute as written.
    fn with_closing_quote(&self, value: Span) -> usize {
        let quote = self.byte_before(value.start).filter(|&b| is_quote(b));
        if quote.is_some() && self.window.borrow().byte_at(value.end) == quote {
            value.end + 1
        } else {
            value.end
        }
    }
}

/// Whether text, as written in HTML, shows anything: its character references decoded, a
/// no-break or zero-width space (`&nbsp;`, `&#8203;`) shows nothing, as white space does not.
fn shows_something(raw: &str) -> bool {
    let visible = |text: &str| {
        text.chars()
            .any(|c| !c.is_whitespace() && !crate::rules::malformed_envelope::is_invisible_space(c))
    };
    let mut pieces = raw.split('&');
    let before_references = pieces.next().unwrap_or_default();
    // Text outside references tells, nearly always: a text node's references are decoded
    // (an allocation) only when nothing else shows.
    let outside_references = pieces.any(|after| {
        let name_end = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .unwrap_or(after.len());
        let rest = &after[name_end..];
        visible(rest.strip_prefix(';').unwrap_or(rest))
    });
    if visible(before_references) || outside_references {
        return true;
    }
    raw.contains('&') && visible(&crate::charref::decode(raw, false).0)
}

fn is_quote(byte: u8) -> bool {
    matches!(byte, b'"' | b'\'')
}

/// The markup inside a downlevel-hidden conditional comment (`[if mso]>…<![endif]`).
fn conditional_comment_body(text: &str) -> Option<&str> {
    let start = text.len() - text.trim_start().len();
    if !text[start..]
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("[if"))
    {
        return None;
    }
    let open = start + text[start..].find("]>")? + 2;
    let close = text
        .to_ascii_lowercase()
        .rfind("<![endif]")
        .filter(|&c| c >= open)
        .unwrap_or(text.len());
    Some(&text[open..close])
}

/// The attributes of a `<dd-link>` whose start tag is at `start_tag`, as its arguments.
fn placeholder_args(state: &RefCell<State<'_>>, element: &Element, start_tag: Span) -> Vec<Arg> {
    element
        .attributes()
        .iter()
        .map(|attribute| {
            let location = attribute.value_source_location();
            let name = attribute
                .name_source_location()
                .map_or(start_tag, |l| Span::new(l.bytes().start, l.bytes().end));
            // A bare attribute (`action`): its value is the empty one after its name.
            let value_span = location
                .as_ref()
                .map_or(Span::new(name.end, name.end), |l| {
                    Span::new(l.bytes().start, l.bytes().end)
                });
            let raw_value = match location {
                Some(location) => {
                    let mut state = state.borrow_mut();
                    let raw = state
                        .attribute_text(location.bytes(), &attribute.value())
                        .into_owned();
                    // A fix made in the value (see `expand::placed_fix`) quotes it where
                    // it would end it (`ticket_id=[Ticket: ID]`).
                    if state
                        .byte_before(value_span.start)
                        .is_some_and(|b| !is_quote(b))
                    {
                        state.collector.unquoted_value(value_span, raw.clone());
                    }
                    raw
                }
                None => attribute.value(),
            };
            let name_start = name.start;
            let mut state = state.borrow_mut();
            let end = state.with_closing_quote(value_span);
            let strings = &mut state.collector.findings.strings;
            Arg {
                key: strings.get(&attribute.name()),
                value: strings.get(&crate::charref::decode(&raw_value, true).0),
                raw_value: strings.get(&raw_value),
                span: Span::new(name_start, end.max(name_start)),
                value_span,
            }
            .relative_to(start_tag.start)
        })
        .collect()
}

/// The handler of `<dd-link>`: its attributes, and the end tag that says whether it was
/// closed and labelled.
fn placeholder_element<'o>(
    state: &Rc<RefCell<State<'o>>>,
    links: &Rc<RefCell<LinkElements>>,
) -> ElementContentHandlers<'o> {
    let (state, links) = (Rc::clone(state), Rc::clone(links));
    let comment_links = Rc::clone(&links);
    let handlers = ElementContentHandlers::default().comments(move |comment: &mut Comment| {
        comment_links.borrow_mut().label_comment(comment);
        Ok(())
    });
    handlers.element(move |element: &mut Element| {
        let start_tag = tag_span(element);
        if let Some(quick) = &mut state.borrow_mut().quick {
            quick.dd_link();
        }
        let args = placeholder_args(&state, element, start_tag);
        let args = state
            .borrow_mut()
            .collector
            .findings
            .strings
            .share_args(args);
        let mut open = links.borrow_mut();
        // In MJML's `<mj-title>`, `<mj-preview>` or `<mj-style>`, or in a template comment
        // or raw block, its markup would be shown as text or not at all: never a link.
        let inert = open
            .mjml_inert()
            .or_else(|| state.borrow().collector.open_template_block());
        if let Some(context) = inert {
            crate::rules::link_in_inert_context::report_placeholder(
                &mut state.borrow_mut().collector.findings,
                start_tag,
                "<dd-link>",
                context,
            );
            return Ok(());
        }
        // Expanded inside a link (or another placeholder) it would make a link in a link:
        // judged, and left as it is.
        let nested = if let Some(outer) = open.open.iter().rev().find(|link| link.href) {
            let outer_start = outer.start_tag.start;
            nested_link::report(
                &mut state.borrow_mut().collector.findings,
                start_tag,
                outer_start,
            );
            true
        } else if open.in_placeholder(start_tag) {
            // So is an outer placeholder, which would wrap this one's link in its own.
            true
        } else if open.in_mjml_layout() {
            // MJML would drop the HTML link, and the button with it: left as it is.
            crate::rules::invalid_placeholder::report(
                &mut state.borrow_mut().collector.findings,
                start_tag,
                "MJML drops HTML written directly in a layout element (`mj-column`, `mj-section`, …): the link would not reach the e-mail".to_owned(),
                "put the `<dd-link>` inside `<mj-text>`, or write `<mj-button href=\"{{deeplink name='…'}}\">…</mj-button>`".to_owned(),
            );
            true
        } else {
            false
        };
        let self_closing = element.is_self_closing();
        match element.end_tag_handlers() {
            Some(handlers) if !self_closing => {
                let indent = state.borrow().indent_at(start_tag.start);
                open.open_placeholders.push(OpenPlaceholder {
                    start_tag,
                    args,
                    labelled: false,
                    shown: false,
                    label_comment: false,
                    indent,
                    nested,
                    inner: Vec::new(),
                });
                let links = Rc::clone(&links);
                handlers.push(Box::new(move |end: &mut EndTag| {
                    let bytes = end.source_location().bytes();
                    let own = end.name().eq_ignore_ascii_case("dd-link");
                    links
                        .borrow_mut()
                        .close_placeholder(Some((Span::new(bytes.start, bytes.end), own)));
                    Ok(())
                }));
            }
            _ => {
                let indent = state.borrow().indent_at(start_tag.start);
                open.placeholders.push(Placeholder::Element {
                    start_tag,
                    end_tag: None,
                    empty_label: true,
                    label_comment: false,
                    args,
                    indent,
                    nested,
                });
            }
        }
        Ok(())
    })
}

/// The output sink: nothing is rewritten, so it only counts what lol_html is done with.
type CountingSink<'o> = Box<dyn FnMut(&[u8]) + 'o>;

/// The handler of `a` and `mj-button`: the link, nesting (DD406), and the end tag that
/// decides about the label (DD404).
fn link_element<'o>(
    state: &Rc<RefCell<State<'o>>>,
    links: &Rc<RefCell<LinkElements>>,
    element_name: &'static str,
) -> ElementContentHandlers<'o> {
    let (state, links) = (Rc::clone(state), Rc::clone(links));
    ElementContentHandlers::default().element(move |element: &mut Element| {
        let deep_link = state.borrow_mut().on_href(element);
        let href = element.has_attribute("href") || element.has_attribute("xlink:href");
        let span = tag_span(element);
        let mut open = links.borrow_mut();
        if let Some(outer) = open.open.iter().rev().find(|link| link.href)
            && (deep_link || open.open.iter().any(|l| l.deep_link))
        {
            let outer_start = outer.start_tag.start;
            nested_link::report(
                &mut state.borrow_mut().collector.findings,
                span,
                outer_start,
            );
        } else {
            open.in_placeholder(span);
        }
        if let Some(handlers) = element.end_tag_handlers() {
            open.last_id += 1;
            let id = open.last_id;
            open.open.push(OpenLink {
                start_tag: span,
                deep_link,
                href,
                suppressible: state.borrow().suppressible(),
                labelled: false,
                element: element_name,
                id,
                tables: 0,
            });
            let links = Rc::clone(&links);
            handlers.push(Box::new(move |end: &mut EndTag| {
                links
                    .borrow_mut()
                    .close(id, Some(end.source_location().bytes().end));
                Ok(())
            }));
        }
        Ok(())
    })
}

/// The tables in a link, and the tags that end a table cell in one: one selector for the
/// elements in a link (and one for those in an `<mj-button>`), told apart here by name, since
/// lol_html tries every selector's first element on every element of the document, and
/// `table a td` would make it follow every element of every table.
fn table_elements<'o>(
    links: &Rc<RefCell<LinkElements>>,
) -> [(&'static str, ElementContentHandlers<'o>); 1] {
    let links = Rc::clone(links);
    let in_link = ElementContentHandlers::default().element(move |element: &mut Element| {
        let name = element.tag_name();
        if name == "table" {
            let Some(handlers) = element.end_tag_handlers() else {
                return Ok(());
            };
            let Some(id) = links.borrow_mut().table_in_link() else {
                return Ok(());
            };
            let links = Rc::clone(&links);
            handlers.push(Box::new(move |_: &mut EndTag| {
                links.borrow_mut().table_in_link_closed(id);
                Ok(())
            }));
        } else if CELL_ENDS.contains(&name.as_str()) {
            // A stray cell tag in a link outside any table, which the tree builder ignores,
            // ends the link too; a link around a table is told apart by its count of tables.
            links.borrow_mut().cell_boundary(tag_span(element).start);
        }
        Ok(())
    });
    [("a *, mj-button *", in_link)]
}

/// SVG graphics are a link's label, as an image is (an SVG `<text>`'s text is text): one
/// selector for what an `<svg>` holds, its names told apart here (see `table_elements`).
fn svg_graphics<'o>(links: &Rc<RefCell<LinkElements>>) -> ElementContentHandlers<'o> {
    let links = Rc::clone(links);
    ElementContentHandlers::default().element(move |element: &mut Element| {
        if SVG_GRAPHICS.contains(&element.tag_name().as_str()) {
            links.borrow_mut().label();
        }
        Ok(())
    })
}

/// The SVG elements that draw something.
const SVG_GRAPHICS: &[&str] = &[
    "rect", "circle", "ellipse", "line", "polyline", "polygon", "path", "use", "image",
];

/// The tags that end an open table cell: the next cell, row or row group.
const CELL_ENDS: &[&str] = &[
    "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "col", "colgroup",
];

/// Elements other than `a` and `mj-button` whose `href` is a link: HTML's `area` (image
/// maps), MJML's linking components, and Outlook's VML shapes (the bulletproof button in a
/// conditional comment).
const HREF_ELEMENTS: &str = "area, mj-image, mj-navbar-link, mj-social-element, \
    mj-carousel-image, v\\:roundrect, v\\:rect, v\\:oval, v\\:shape, v\\:image";

/// How much of a document a pass reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Everything: text, comments and elements.
    Full,
    /// Link elements and placeholders only.
    Quick,
    /// Link elements, placeholders and comments (where e-mail templates keep Outlook's
    /// VML buttons).
    QuickWithComments,
}

/// Why a quick pass hands a document over to a fuller one.
#[derive(Debug)]
pub struct Handover {
    /// Only link-shaped runs outside `href`s were in the way: a quick pass that reads
    /// comments may find them all there.
    pub comments_may_do: bool,
}

/// An HTML document on its way through.
pub struct HtmlPass<'o> {
    rewriter: Option<HtmlRewriter<'o, CountingSink<'o>>>,
    state: Rc<RefCell<State<'o>>>,
    links: Rc<RefCell<LinkElements>>,
    read: usize,
    /// The input lol_html has not finished with: where a
    /// parsing error is looked for, so that its offset does not depend on chunking.
    window: Rc<RefCell<Window>>,
    /// The raw input, read by lines beside the parser (see [`RawScan`]).
    raw: RawSide,
    /// Input offset from which the raw scan runs on a thread of its own.
    raw_thread_from: usize,
    /// The most lol_html is given at once (see [`HtmlPass::parse`]).
    piece_len: usize,
}

/// The handler of comments: suppressions, directives, conditional comments, links.
fn comments<'o>(state: &Rc<RefCell<State<'o>>>) -> DocumentContentHandlers<'o> {
    let state = Rc::clone(state);
    DocumentContentHandlers::default().comments(move |comment: &mut Comment| {
        state.borrow_mut().on_comment(comment);
        Ok(())
    })
}

/// The handler of an MJML element: open until its end tag.
fn mjml_element<'o>(
    links: &Rc<RefCell<LinkElements>>,
    element: Mjml,
) -> ElementContentHandlers<'o> {
    let links = Rc::clone(links);
    ElementContentHandlers::default().element(move |tag: &mut Element| {
        if tag.is_self_closing() {
            return Ok(());
        }
        if let Some(handlers) = tag.end_tag_handlers() {
            links.borrow_mut().mjml.push(element);
            let links = Rc::clone(&links);
            handlers.push(Box::new(move |_: &mut EndTag| {
                links.borrow_mut().mjml.pop();
                Ok(())
            }));
        }
        Ok(())
    })
}

fn tag_span(element: &Element) -> Span {
    let bytes = element.source_location().bytes();
    Span::new(bytes.start, bytes.end)
}

impl<'o> HtmlPass<'o> {
    /// The full pass, or a quick one, which reads only link elements (and comments, when
    /// told) and hands the document over when it finds more (see [`Quick`]).
    pub fn new(options: &'o RewriterOptions, reading: Reading) -> Self {
        let quick = reading != Reading::Full;
        let window = Rc::new(RefCell::new(Window::default()));
        let state = Rc::new(RefCell::new(State {
            window: Rc::clone(&window),
            collector: Collector::new(options),
            text: TextBuffer::default(),
            inert_element: None,
            emitted: 0,
            pending_scopes: Vec::new(),
            quick: quick.then(Quick::default),
        }));
        let links = Rc::new(RefCell::new(LinkElements::default()));

        let mut settings = Settings::new()
            .with_memory_settings(
                MemorySettings::new()
                    .with_max_allowed_memory_usage(options.max_memory.max(super::MIN_MAX_MEMORY)),
            )
            .with_strict(true)
            .with_encoding(
                AsciiCompatibleEncoding::new(options.encoding).unwrap_or_else(|| {
                    AsciiCompatibleEncoding::new(encoding_rs::UTF_8)
                        .expect("UTF-8 is ASCII-compatible")
                }),
            );
        let mut on = |selector: &'static str, handlers: ElementContentHandlers<'o>| {
            settings = std::mem::take(&mut settings)
                .append_element_content_handler((Cow::Borrowed(parsed(selector)), handlers));
        };
        // Without a document text handler (the quick pass), the text inside links and
        // placeholders tells their labels.
        let labels = |handlers: ElementContentHandlers<'o>| {
            if !quick {
                return handlers;
            }
            let links = Rc::clone(&links);
            handlers.text(move |chunk: &mut TextChunk| {
                links.borrow_mut().label_chunk(chunk);
                Ok(())
            })
        };
        // The links, then the tables in them and the tags that end a table cell in one.
        let link_elements =
            ["a", "mj-button"].map(|name| (name, labels(link_element(&state, &links, name))));
        for (selector, handlers) in link_elements.into_iter().chain(table_elements(&links)) {
            on(selector, handlers);
        }
        // First: a `<dd-link>` in another (`<dd-link … />` does not close) labels that one
        // before it opens.
        on("dd-link *", label_markup(&links));
        on("dd-link", labels(placeholder_element(&state, &links)));
        let (href_state, href_links) = (Rc::clone(&state), Rc::clone(&links));
        // The other elements whose `href` is a link in e-mail markup: named one by one,
        // because an attribute selector makes lol_html read every tag's attributes.
        on(
            HREF_ELEMENTS,
            ElementContentHandlers::default().element(move |element: &mut Element| {
                let mut state = href_state.borrow_mut();
                if state.on_href(element) && state.suppressible() {
                    href_links.borrow_mut().extents.push(tag_span(element));
                }
                Ok(())
            }),
        );
        let (img_state, img_links) = (Rc::clone(&state), Rc::clone(&links));
        // An image is a link's label.
        on(
            "img",
            ElementContentHandlers::default().element(move |element: &mut Element| {
                img_links.borrow_mut().label();
                img_state.borrow_mut().on_image_source(element);
                Ok(())
            }),
        );
        on("svg *", svg_graphics(&links));
        if quick {
            if reading == Reading::QuickWithComments {
                settings = settings.append_document_content_handler(comments(&state));
            }
            return Self::start(options, settings, state, links, window, reading);
        }
        if options.kind == FileKind::Mjml {
            for &(name, element) in MJML_ELEMENTS {
                on(name, mjml_element(&links, element));
            }
        }
        // Text types tell that text is inert, not in which element: remember the element
        // for messages. Only these elements hold RCDATA or RAWTEXT.
        for inert in [
            "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript", "style",
        ] {
            let state = Rc::clone(&state);
            on(
                inert,
                ElementContentHandlers::default().element(move |_: &mut Element| {
                    state.borrow_mut().inert_element = Some(inert);
                    Ok(())
                }),
            );
        }

        let text_state = Rc::clone(&state);
        let text_links = Rc::clone(&links);
        let settings = settings
            .append_document_content_handler(DocumentContentHandlers::default().text(
                move |chunk: &mut TextChunk| {
                    text_state.borrow_mut().on_text(chunk, &text_links);
                    Ok(())
                },
            ))
            .append_document_content_handler(comments(&state));

        Self::start(options, settings, state, links, window, reading)
    }

    fn start(
        options: &'o RewriterOptions,
        settings: Settings<'o, 'o>,
        state: Rc<RefCell<State<'o>>>,
        links: Rc<RefCell<LinkElements>>,
        window: Rc<RefCell<Window>>,
        reading: Reading,
    ) -> Self {
        let sink_state = Rc::clone(&state);
        let sink: CountingSink<'o> = Box::new(move |out: &[u8]| {
            sink_state.borrow_mut().emitted += out.len();
        });
        let raw = {
            let state = state.borrow();
            let quick = (reading != Reading::Full).then(|| {
                (
                    std::sync::Arc::clone(&state.collector.prefilter),
                    reading == Reading::QuickWithComments,
                )
            });
            RawScan::new(options.encoding, state.collector.detecting(), quick)
        };
        HtmlPass {
            rewriter: Some(HtmlRewriter::new(settings, sink)),
            state,
            links,
            read: 0,
            window,
            raw: RawSide::Here(raw),
            raw_thread_from: options.raw_thread_from,
            piece_len: piece_len(options.max_memory),
        }
    }

    /// In the quick pass: whether the document turned out to need the full one (feeding it
    /// more is then wasted).
    pub fn needs_full(&self) -> bool {
        self.state
            .borrow()
            .quick
            .as_ref()
            .is_some_and(|quick| quick.needs_full)
    }

    /// Room for the findings of a document of `len` bytes (see [`Findings::reserve_for`]).
    pub fn expect_len(&mut self, len: usize) {
        self.state.borrow_mut().collector.findings.reserve_for(len);
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if self.read >= self.raw_thread_from {
            // Once: without a thread to be had, the scan stays here.
            self.raw.move_to_thread();
            self.raw_thread_from = usize::MAX;
        }
        self.raw
            .feed(chunk, |found| Self::found(&self.state, found));
        self.parse(chunk);
    }

    /// Hand the raw scan over to whoever reads the input, before the first chunk: it runs
    /// the scan where it reads (on a thread of its own, ahead of the parser), gives what the
    /// scan found with [`HtmlPass::raw_found`] and the scan's end with
    /// [`HtmlPass::raw_ended`], and feeds the chunks with [`HtmlPass::parse`].
    pub fn take_raw_scan(&mut self) -> Option<RawScan> {
        if self.read > 0 {
            return None;
        }
        match std::mem::replace(&mut self.raw, RawSide::Elsewhere(None)) {
            RawSide::Here(scan) => Some(scan),
            other => {
                self.raw = other;
                None
            }
        }
    }

    /// What the raw scan, run elsewhere, found (in input order).
    pub fn raw_found(&self, found: Found) {
        Self::found(&self.state, found);
    }

    /// The raw scan, run elsewhere, read the whole input.
    pub fn raw_ended(&mut self, end: RawEnd) {
        if let RawSide::Elsewhere(slot) = &mut self.raw {
            *slot = Some(end);
        }
    }

    /// The next chunk, for the parser (the raw scan has it already, or runs elsewhere).
    pub fn parse(&mut self, chunk: &[u8]) {
        // lol_html holds what it is given together with the end of the last piece it had not
        // finished: a chunk near the memory limit would go over it however short the
        // document's tokens, at a place that depends on where chunks are cut.
        if chunk.len() > self.piece_len {
            for piece in chunk.chunks(self.piece_len) {
                self.parse(piece);
            }
            return;
        }
        self.state.borrow_mut().collector.observe_newline(chunk);
        self.read += chunk.len();
        if self.needs_full() {
            // What this quick pass would still find is of no use.
            return;
        }
        let Some(rewriter) = &mut self.rewriter else {
            return;
        };
        self.window.borrow_mut().bytes.extend_from_slice(chunk);
        match rewriter.write(chunk) {
            Ok(()) => {
                self.advance_scopes();
                // Nothing is rewritten, so what lol_html wrote out is exactly the input it is
                // done with.
                let done = self.state.borrow().emitted;
                self.window.borrow_mut().drain_to(done);
            }
            Err(error) => {
                self.rewriter = None;
                self.fail(&error);
            }
        }
    }

    /// Read on after pending suppression comments to the end of their scopes.
    fn advance_scopes(&mut self) {
        let mut state = self.state.borrow_mut();
        if state.pending_scopes.is_empty() {
            return;
        }
        let State {
            pending_scopes,
            collector,
            ..
        } = &mut *state;
        let window = self.window.borrow();
        let window_end = window.start + window.bytes.len();
        pending_scopes.retain_mut(|pending| {
            // With invalid bytes lol_html writes out replacement characters, so its output can
            // run ahead of the input: bytes it is done with may be gone already.
            pending.cursor = pending.cursor.max(window.start);
            if pending.cursor >= window_end {
                return true;
            }
            let unread = &window.bytes[pending.cursor - window.start..];
            let end = pending.finder.read(unread, pending.cursor);
            pending.cursor = window_end;
            let own_line = pending.finder.own_line_end();
            let Some(suppression) = collector.suppressions.get_mut(pending.suppression) else {
                return false;
            };
            let unread = own_line == suppress::LineEnd::Unread;
            if let suppress::LineEnd::Break(line_break) = own_line
                && let Some(removal) = pending.removal(line_break)
            {
                suppression.removal = removal;
            }
            if pending.file {
                return unread;
            }
            let Some(end) = end else {
                return true;
            };
            suppression.scope = Some(pending.finder.start..end);
            false
        });
    }

    /// Where the tag named in a parsing-ambiguity error starts: its first occurrence in the
    /// input lol_html had not finished with.
    fn ambiguous_tag_offset(&self, error: &RewritingError) -> usize {
        let window = self.window.borrow();
        let message = error.to_string();
        let name = message
            .split_once("(`<")
            .and_then(|(_, rest)| rest.split_once(">`)"))
            .map(|(name, _)| name.to_ascii_lowercase());
        // lol_html has written out what it read before the tag it stopped at: the tag is
        // looked for after that (a harmless `<style>` before it is no ambiguity).
        let written = self
            .state
            .borrow()
            .emitted
            .saturating_sub(window.start)
            .min(window.bytes.len());
        let found = name
            .and_then(|name| first_tag(&window.bytes[written..], name.as_bytes()))
            .map(|at| written + at);
        window.start + found.unwrap_or(written)
    }

    /// lol_html gave up: report where, and read no further.
    fn fail(&mut self, error: &RewritingError) {
        if let Some(quick) = &mut self.state.borrow_mut().quick {
            // The full pass reports it.
            quick.hand_over();
            return;
        }
        let at = match error {
            RewritingError::ParsingAmbiguity(_) => self.ambiguous_tag_offset(error),
            _ => self.window.borrow().start,
        }
        .min(self.read);
        *self.window.borrow_mut() = Window::default();
        let mut state = self.state.borrow_mut();
        let (message, help) = match error {
            RewritingError::MemoryLimitExceeded(_) => (
                format!("the document needs more than the memory limit to parse (at byte {at})"),
                "raise `max_memory` in ddlink.toml, or split the template",
            ),
            RewritingError::ParsingAmbiguity(_) => (
                format!(
                    "markup at byte {at} cannot be parsed without building the whole HTML tree"
                ),
                "this usually comes from invalid nesting (e.g. text or tags inside `<select>` or `<table>`); fix the markup",
            ),
            _ => (
                format!("internal error while reading byte {at}"),
                "please report this with the template",
            ),
        };
        unparsable_document::report(
            &mut state.collector.findings,
            Span::new(at, (at + 1).min(self.read).max(at)),
            message,
            help,
        );
    }

    /// What the raw scan found: for a quick pass, to be matched with the `href`s read.
    fn found(state: &RefCell<State<'_>>, mut found: Found) {
        let mut state = state.borrow_mut();
        if !found.placeholders.is_empty() {
            let openings = std::mem::take(&mut found.placeholders);
            state.collector.raw_placeholders.extend(openings);
        }
        if let Some(quick) = &mut state.quick {
            quick.found(found);
        }
    }

    /// The analysis, or why a quick pass hands the document over.
    pub fn finish(mut self) -> Result<Analysis, Handover> {
        let raw = std::mem::replace(&mut self.raw, RawSide::Moving)
            .finish(|found| Self::found(&self.state, found));
        if let Some(evidence) = raw.evidence {
            self.state.borrow_mut().collector.add_evidence(evidence);
        }
        if let Some(rewriter) = self.rewriter.take()
            && let Err(error) = rewriter.end()
        {
            self.fail(&error);
        }
        let read = self.read;
        let encoding = self.state.borrow().collector.options.encoding;
        let invalid = raw.invalid;
        if let Some(quick) = &mut self.state.borrow_mut().quick {
            quick.finish();
            if quick.needs_full || invalid.is_some() {
                return Err(Handover {
                    comments_may_do: !quick.not_only_runs && invalid.is_none(),
                });
            }
        }
        let state = Rc::try_unwrap(self.state)
            .ok()
            .expect("the rewriter and its handlers are gone")
            .into_inner();
        let mut collector = state.collector;
        let mut text = state.text;
        if !text.raw.is_empty() {
            // A text node the parser never closed (the document was cut short).
            let mut leftover = State {
                window: Rc::clone(&self.window),
                collector,
                text: std::mem::take(&mut text),
                inert_element: state.inert_element,
                emitted: state.emitted,
                pending_scopes: Vec::new(),
                quick: None,
            };
            leftover.flush_text(true);
            collector = leftover.collector;
        }
        let mut links = self.links.borrow_mut();
        while let Some(last) = links.open.len().checked_sub(1) {
            links.close_at(last, None);
        }
        for pending in state.pending_scopes {
            if let Some(suppression) = collector.suppressions.get_mut(pending.suppression) {
                if let Some(removal) = pending
                    .finder
                    .own_line_end_of_input(read)
                    .and_then(|line_break| pending.removal(line_break))
                {
                    suppression.removal = removal;
                }
                if !pending.file {
                    suppression.scope =
                        Some(pending.finder.start..pending.finder.end_of_input(read));
                }
            }
        }
        collector.extents = std::mem::take(&mut links.extents);
        while !links.open_placeholders.is_empty() {
            links.close_placeholder(None);
        }
        for start_tag in links.unclosed.drain(..) {
            unclosed_placeholder::report(&mut collector.findings, start_tag);
        }
        for (inner, placeholder_start) in links.in_labels.drain(..) {
            nested_link::report_in_placeholder(&mut collector.findings, inner, placeholder_start);
        }
        collector.add_placeholders(std::mem::take(&mut links.placeholders));
        for (span, element) in links.unlabelled.drain(..) {
            empty_link_label::report(&mut collector.findings, span, element);
        }
        if let Some(offset) = invalid {
            unparsable_document::report(
                &mut collector.findings,
                Span::new(offset, (offset + 1).min(read)),
                format!(
                    "invalid {} at byte {offset}; findings from its line on are not reported",
                    encoding.name()
                ),
                "save the file in its encoding, or say which it is with --encoding or <meta charset>",
            );
        }
        if let Some(offset) = invalid {
            collector.forget_directive_from(raw.invalid_line.0.min(offset));
        }
        let mut analysis = collector.finish(read);
        if let Some(offset) = invalid {
            let (line, names_secret) = raw.invalid_line;
            keep_before_invalid_bytes(&mut analysis, offset, line.min(offset), names_secret);
        }
        Ok(analysis)
    }
}

/// A document with invalid bytes from `offset` on, on a line that starts at `line` (which
/// `names_secret` before them): the parser's positions after invalid bytes depend on how the
/// input was cut into chunks, and so do the ends of the text around them, so only what comes
/// before their line is reported (a finding can depend on the rest of its line: a
/// `{{deeplink` not closed on it). Whether a suppression was used depends on those later
/// findings too, and where the parser gave up after them as well.
fn keep_before_invalid_bytes(
    analysis: &mut Analysis,
    offset: usize,
    line: usize,
    names_secret: bool,
) {
    analysis.diagnostics.retain(|d| {
        (d.span.end < line
            && d.rule.code != crate::rules::unused_suppression::UNUSED_SUPPRESSION.code)
            || (d.rule.code == unparsable_document::UNPARSABLE_DOCUMENT.code
                && d.span.start <= offset)
    });
    // Such a document is not fixed, so nothing is expanded either.
    analysis.expansions.clear();
    analysis.expandable = 0;
    // Nor can the tokens a dialect would be detected from be read reliably: a detected
    // dialect, and what the dialect rules said with it, are dropped.
    if matches!(
        analysis.dialect.source,
        Some(crate::dialect::Source::Detected(_) | crate::dialect::Source::Mixed(_))
    ) {
        analysis.dialect = crate::dialect::Resolved::default();
        analysis
            .diagnostics
            .retain(|d| !d.rule.code.starts_with("DD2"));
        for diagnostic in &mut analysis.diagnostics {
            if diagnostic.rule.code == "DD103" {
                diagnostic.fix = None;
            }
        }
    }
    // Credentials after the bad bytes cannot be placed exactly: everything from there on
    // (from their line on, when it names one) is masked in excerpts.
    let masked_from = if names_secret { line } else { offset };
    analysis.secrets.retain(|s| s.end <= masked_from);
    analysis.secrets.push(Span::new(masked_from, usize::MAX));
}

/// The most lol_html is given at once under a memory limit of `max_memory`: a quarter of it,
/// so that what a piece holds of a token and the rest of that token fit beside it; whole
/// chunks under the default limit.
fn piece_len(max_memory: usize) -> usize {
    (max_memory.max(super::MIN_MAX_MEMORY) / 4).max(1)
}

/// Where the first tag named `name` starts in `bytes`, which start between two tokens: a
/// `<name` inside another tag's attribute value (`<p title="<style>">`) or in a comment is
/// none.
fn first_tag(bytes: &[u8], name: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'<', &bytes[at..]).map(|i| at + i) {
        let rest = &bytes[open + 1..];
        if rest.starts_with(b"!--") {
            at = open + 4 + memchr::memmem::find(&rest[3..], b"-->")? + 3;
            continue;
        }
        if rest.len() > name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name)
            && !rest[name.len()].is_ascii_alphanumeric()
        {
            return Some(open);
        }
        at = if rest
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || b"/!?".contains(b))
        {
            open + 1 + tag_end(rest)?
        } else {
            open + 1
        };
    }
    None
}

/// Where the tag whose inside `bytes` starts with ends: after its first `>` outside quotes.
fn tag_end(bytes: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (at, &byte) in bytes.iter().enumerate() {
        match (quote, byte) {
            (None, b'>') => return Some(at + 1),
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            _ => {}
        }
    }
    None
}

/// An element in a placeholder's label (an icon's `<span class="icon">`) is its label, text
/// or not: it is kept, and the snippet's default label is not put in its place.
fn label_markup<'o>(links: &Rc<RefCell<LinkElements>>) -> ElementContentHandlers<'o> {
    let links = Rc::clone(links);
    ElementContentHandlers::default().element(move |_: &mut Element| {
        links.borrow_mut().label_placeholders();
        Ok(())
    })
}

/// `selector` parsed, once per process: every pass of every document uses the same few, and
/// parsing them again cost as much as a small template's links.
fn parsed(selector: &'static str) -> &'static Selector {
    type Parsed = std::collections::BTreeMap<&'static str, &'static Selector>;
    static PARSED: std::sync::Mutex<Parsed> = std::sync::Mutex::new(Parsed::new());
    let mut parsed = PARSED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    parsed.entry(selector).or_insert_with(|| {
        // Leaked on purpose: a handful of selectors, alive for the whole process.
        Box::leak(Box::new(
            selector.parse().expect("ddlink's selectors are valid"),
        ))
    })
}

/// Where the raw scan runs: beside the parser, or, for a large document, on a thread of its
/// own (the scan is a fifth of a quick pass's work, and a single large document would
/// otherwise leave the second core idle).
enum RawSide {
    Here(RawScan),
    Thread(RawThread),
    /// With whoever reads the input (see [`HtmlPass::take_raw_scan`]): what it finds comes in
    /// beside the chunks, and its end before `finish` (none when the reading stopped early).
    Elsewhere(Option<RawEnd>),
    /// On its way from `Here` to `Thread` (and once finished).
    Moving,
}

/// A raw scan on its own thread: chunks go to it, what it found comes back in order.
struct RawThread {
    /// Input not sent yet: the thread gets it in batches of [`RAW_THREAD_BATCH`], since
    /// waking it for every chunk cost more than what it took over.
    batch: Vec<u8>,
    chunks: std::sync::mpsc::SyncSender<Vec<u8>>,
    /// What each batch held, with the batch itself, to be filled again: allocated here and
    /// freed on the thread, new batches each time took a third more memory.
    found: std::sync::mpsc::Receiver<(Found, Vec<u8>)>,
    spare: Option<Vec<u8>>,
    scan: std::thread::JoinHandle<Option<RawScan>>,
}

/// Batches the raw scan's thread may lag behind the parser by.
const RAW_THREAD_LAG: usize = 2;

/// How much input the raw scan's thread is given at a time.
const RAW_THREAD_BATCH: usize = 256 * 1024;

impl RawSide {
    /// Go on on a thread of its own.
    fn move_to_thread(&mut self) {
        let RawSide::Here(_) = self else {
            return;
        };
        let (scan_in, scan_out) = std::sync::mpsc::sync_channel::<RawScan>(1);
        let (chunks, chunks_in) = std::sync::mpsc::sync_channel::<Vec<u8>>(RAW_THREAD_LAG);
        let (found_out, found) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("ddlink-raw-scan".to_owned())
            .spawn(move || {
                let mut scan = scan_out.recv().ok()?;
                for chunk in chunks_in {
                    // The pass is gone only when it panicked: nothing left to tell.
                    let _ = found_out.send((scan.feed(&chunk), chunk));
                }
                Some(scan)
            });
        // No thread to be had (the system is out of them): the scan stays here.
        let Ok(thread) = spawned else {
            return;
        };
        let RawSide::Here(scan) = std::mem::replace(self, RawSide::Moving) else {
            unreachable!("matched above");
        };
        scan_in
            .send(scan)
            .expect("the thread waits for the scan first");
        *self = RawSide::Thread(RawThread {
            batch: Vec::with_capacity(RAW_THREAD_BATCH + super::CHUNK_SIZE),
            chunks,
            found,
            spare: None,
            scan: thread,
        });
    }

    /// Read the next chunk; `each` is given what was found so far, in input order.
    fn feed(&mut self, chunk: &[u8], mut each: impl FnMut(Found)) {
        match self {
            RawSide::Here(scan) => each(scan.feed(chunk)),
            RawSide::Thread(thread) => {
                thread.batch.extend_from_slice(chunk);
                if thread.batch.len() >= RAW_THREAD_BATCH {
                    let next = thread.spare.take().map_or_else(
                        || Vec::with_capacity(thread.batch.capacity()),
                        |mut spare| {
                            spare.clear();
                            spare
                        },
                    );
                    // An error means the thread panicked: `finish` passes the panic on.
                    let _ = thread
                        .chunks
                        .send(std::mem::replace(&mut thread.batch, next));
                }
                for (found, batch) in thread.found.try_iter() {
                    each(found);
                    thread.spare = Some(batch);
                }
            }
            RawSide::Elsewhere(_) | RawSide::Moving => {}
        }
    }

    /// The input has ended: `each` is given what was still to be found (the last line
    /// included), and the end is returned.
    fn finish(self, mut each: impl FnMut(Found)) -> RawEnd {
        let mut end = match self {
            RawSide::Here(scan) => scan.finish(),
            RawSide::Thread(RawThread {
                batch,
                chunks,
                found,
                scan,
                ..
            }) => {
                if !batch.is_empty() {
                    let _ = chunks.send(batch);
                }
                drop(chunks);
                for (found, _) in found {
                    each(found);
                }
                match scan.join() {
                    Ok(Some(scan)) => scan.finish(),
                    Ok(None) => unreachable!("the scan was sent to the thread"),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            RawSide::Elsewhere(end) => end.unwrap_or_default(),
            RawSide::Moving => unreachable!("a pass finishes once"),
        };
        each(std::mem::take(&mut end.found));
        end
    }
}

/// Where a template tag opens (`{{`, `{%`) that `raw` does not close, if one does.
fn unclosed_template_tag(raw: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'{', &raw.as_bytes()[from..]) {
        let open = from + found;
        let close = match raw.as_bytes().get(open + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            _ => {
                from = open + 1;
                continue;
            }
        };
        match raw[open + 2..].find(close) {
            Some(len) => from = open + 2 + len + close.len(),
            // `{{ Ticket.Id }&amp;…`: an expression that lost a brace, not a cut tag.
            None => match crate::command::token::token_at(raw, open) {
                Some(token) => from = token.range.end,
                None => return Some(open),
            },
        }
    }
    None
}

/// One way a link under a template's condition is written: the link with every part the
/// template leaves out (the tags of the condition and the other branches) standing as a
/// Liquid tag of the same length, which the parser takes off parameters as it takes any
/// condition's tags, so that positions stay those of the link as written.
pub(super) struct LinkVariant {
    pub text: String,
    /// The parts stood in for, as ranges of the link.
    pub blanked: Vec<std::ops::Range<usize>>,
}

/// The ways `raw` is written when a condition in its query chooses between whole parameters
/// (`?{% if x %}name=ticket&amp;ticket_id=…{% else %}name=ticket_list{% endif %}`,
/// `{{#if}}…{{else}}…{{/if}}`): one per branch, the first such condition only. `None` when
/// there is none, or when each branch is a word of a value (`name={% if x %}a{% else %}b{%
/// endif %}`), which the value rules judge word by word.
fn command_branches(raw: &str) -> Option<Vec<LinkVariant>> {
    use crate::command::token::{TokenShape, find_outside_tokens, tokens};
    let query = find_outside_tokens(raw, b"?")? + 1;
    let mut depth = 0usize;
    let mut parts: Vec<std::ops::Range<usize>> = Vec::new();
    let mut choosing = false;
    for token in tokens(&raw[query..]) {
        if !matches!(token.shape, TokenShape::Mustache | TokenShape::LiquidTag) {
            continue;
        }
        let range = query + token.range.start..query + token.range.end;
        match block_tag(&raw[range.clone()]) {
            Some(BlockTag::Open { chooses }) => {
                if depth == 0 {
                    parts.clear();
                    parts.push(range);
                    choosing = chooses;
                }
                depth += 1;
            }
            Some(BlockTag::Branch) if depth == 1 => parts.push(range),
            Some(BlockTag::Close) if depth > 0 => {
                depth -= 1;
                if depth > 0 {
                    continue;
                }
                parts.push(range);
                if choosing && parts.len() > 2 {
                    let variants = variants_of(raw, &parts);
                    if variants.is_some() {
                        return variants;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The variants of `raw` for a condition whose tags are `parts` (opening, branches, closing),
/// when a branch holds more than a word: an `&` or an `=` outside tokens.
fn variants_of(raw: &str, parts: &[std::ops::Range<usize>]) -> Option<Vec<LinkVariant>> {
    use crate::command::token::find_outside_tokens;
    let bodies: Vec<_> = parts.windows(2).map(|w| w[0].end..w[1].start).collect();
    if !bodies
        .iter()
        .any(|body| find_outside_tokens(&raw[body.clone()], b"&=").is_some())
    {
        return None;
    }
    let block = parts[0].start..parts[parts.len() - 1].end;
    // Positions in other encodings are counted from the text: a stand-in must keep them.
    if !raw[block.clone()].is_ascii() {
        return None;
    }
    let stand_in = |len: usize| format!("{{%{}%}}", " ".repeat(len.saturating_sub(4)));
    // A branch that writes nothing (an empty `{% else %}`, the text between `{% case %}` and
    // its first `{% when %}`, which Liquid never writes) leaves the rest of the link, which
    // the other branches judge already.
    Some(
        bodies
            .iter()
            .filter(|body| !raw[(*body).clone()].trim().is_empty())
            .map(|body| {
                let blanked: Vec<_> = [block.start..body.start, body.end..block.end]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect();
                let mut text = raw.to_owned();
                for part in &blanked {
                    text.replace_range(part.clone(), &stand_in(part.len()));
                }
                LinkVariant { text, blanked }
            })
            .collect(),
    )
}

enum BlockTag {
    /// Opens a block; `chooses` when it is a condition (`if`, `unless`, `case`), whose
    /// branches are written one or the other.
    Open {
        chooses: bool,
    },
    Branch,
    Close,
}

/// What a Liquid or Handlebars tag does to the blocks around it, if anything.
fn block_tag(tag: &str) -> Option<BlockTag> {
    let word = |inner: &str| {
        inner
            .trim_start()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(inner) = tag.strip_prefix("{%").and_then(|t| t.strip_suffix("%}")) {
        let word = word(inner.trim_start_matches('-'));
        return match word.as_str() {
            "if" | "unless" | "case" => Some(BlockTag::Open { chooses: true }),
            "for" | "capture" | "tablerow" => Some(BlockTag::Open { chooses: false }),
            "else" | "elsif" | "when" => Some(BlockTag::Branch),
            _ if word.starts_with("end") => Some(BlockTag::Close),
            _ => None,
        };
    }
    let inner = tag.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.trim_start_matches('~').trim_start();
    if let Some(helper) = inner.strip_prefix('#') {
        let chooses = matches!(word(helper).as_str(), "if" | "unless");
        Some(BlockTag::Open { chooses })
    } else if inner.starts_with('/') {
        Some(BlockTag::Close)
    } else if inner.starts_with('^') && inner.trim_end_matches('~').trim() != "^" {
        Some(BlockTag::Open { chooses: true })
    } else if crate::command::token::is_handlebars_control_tag(tag) && !inner.starts_with('!') {
        Some(BlockTag::Branch)
    } else {
        None
    }
}

/// The links an attribute value that opens with a template's condition chooses between
/// (`{% if x %}https://…{% else %}https://…{% endif %}`, `{{#if x}}…{{else}}…{{/if}}`): the
/// text between its block tags, trimmed, as ranges of `raw`. `None` when the value does not
/// start with such a tag.
fn link_branches(raw: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let is_block_tag =
        |tag: &str| tag.starts_with("{%") || crate::command::token::is_handlebars_control_tag(tag);
    let start = raw.len() - raw.trim_start().len();
    let tags: Vec<_> = crate::command::token::tokens(raw)
        .into_iter()
        .filter(|token| is_block_tag(&raw[token.range.clone()]))
        .collect();
    // What a comment or a raw block wraps is not what the mail carries.
    if tags.first().is_none_or(|first| first.range.start != start)
        || tags
            .iter()
            .any(|tag| crate::command::token::is_opaque_block_tag(&raw[tag.range.clone()]))
    {
        return None;
    }
    let mut branches = Vec::new();
    for (at, tag) in tags.iter().enumerate() {
        let end = tags.get(at + 1).map_or(raw.len(), |next| next.range.start);
        let text = &raw[tag.range.end..end];
        let leading = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            let from = tag.range.end + leading;
            branches.push(from..from + trimmed.len());
        }
    }
    Some(branches)
}
