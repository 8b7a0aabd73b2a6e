//! The raw input, read line by line beside the parser.
//!
//! Both passes over an HTML document count the template tokens a dialect is detected from
//! here, wherever they are written (text, attributes, comments). The quick pass also lists
//! every place that may need the full one: see [`Quick`].

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use super::scan::Prefilter;
use super::utf8::Validator;
use crate::dialect::token::Evidence;
use crate::rules::site::encoded_len;

/// A line longer than this is cut (see [`cut_long_line`]), so that a document without line
/// breaks is not held whole.
const LONGEST_LINE: usize = 64 * 1024;

/// Complete lines of the input, in order, with their input offsets.
#[derive(Debug, Default)]
pub struct RawLines {
    /// The start of a line whose end has not come yet.
    pending: Vec<u8>,
    /// The input offset of `pending`.
    start: usize,
}

impl RawLines {
    /// Hand `each` the complete lines that `chunk` ends (as one stretch of bytes, with its
    /// input offset).
    pub fn feed(&mut self, chunk: &[u8], mut each: impl FnMut(&[u8], usize)) {
        let cut = match crate::source::complete_lines(self.pending.last().copied(), chunk) {
            Some(cut) => cut,
            None if self.pending.len() + chunk.len() > LONGEST_LINE => cut_long_line(chunk),
            None => {
                self.pending.extend_from_slice(chunk);
                return;
            }
        };
        let lines: Cow<[u8]> = if self.pending.is_empty() {
            Cow::Borrowed(&chunk[..cut])
        } else {
            self.pending.extend_from_slice(&chunk[..cut]);
            Cow::Owned(std::mem::take(&mut self.pending))
        };
        if !lines.is_empty() {
            each(&lines, self.start);
        }
        self.start += lines.len();
        self.pending.clear();
        self.pending.extend_from_slice(&chunk[cut..]);
    }

    /// The start of the line that the next chunk continues, as far as it is kept.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// The last line, which no line break ended.
    pub fn finish(self, mut each: impl FnMut(&[u8], usize)) {
        if !self.pending.is_empty() {
            each(&self.pending, self.start);
        }
    }
}

/// The last line of `pending`: a `\r` held back in it, in case a `\n` followed, ends the line
/// before.
fn last_line(pending: &[u8]) -> &[u8] {
    &pending[crate::source::line_start(pending, pending.len())..]
}

/// Where in `chunk` a line grown too long is cut, so that nothing the raw scan looks for (a
/// template token, a link in text, a `{{deeplink}}`, a `ddlink` comment) is split: after its
/// last `>` or before its last `<`, which none of them holds; in text without markup, after
/// its last white space outside a token (`[Ticket: ID]` holds a space) and before a token or
/// `{{` still open; at the end when there is no such place (a long base64 image, say, holds
/// none of them).
fn cut_long_line(chunk: &[u8]) -> usize {
    let after_close = memchr::memrchr(b'>', chunk).map(|at| at + 1);
    let before_open = memchr::memrchr(b'<', chunk);
    if let Some(cut) = after_close.max(before_open).filter(|&cut| cut > 0) {
        return cut;
    }
    let mut limit = chunk.len();
    if let Some(open) = memchr::memrchr(b'[', chunk)
        && memchr::memchr(b']', &chunk[open..]).is_none()
    {
        limit = open;
    }
    if let Some(open) = memchr::memmem::rfind(chunk, b"{{")
        && memchr::memmem::find(&chunk[open..], b"}}").is_none()
    {
        limit = limit.min(open);
    }
    // Backwards: a `]` opens a token, its `[` closes it.
    let mut in_token = false;
    for at in (0..limit).rev() {
        match chunk[at] {
            b']' => in_token = true,
            b'[' => in_token = false,
            byte if byte.is_ascii_whitespace() && !in_token => return at + 1,
            _ => {}
        }
    }
    chunk.len()
}

/// What the quick pass must hand over to the full one.
///
/// The quick pass runs lol_html with element handlers only (`a`, `mj-button`, `dd-link`,
/// the other `href` elements, `img`, the text inside links), which keeps it in its fast
/// tag-scanning mode. That is enough for a document whose portal links are all in those
/// `href`s and `<dd-link>` placeholders: every link-shaped run in the raw input must fall
/// inside an `href` value that a handler read. A run anywhere else (text, a comment, a
/// script), a `{{deeplink}}`, a `ddlink` comment, invalid bytes or a parser error send the
/// document to the full pass.
#[derive(Debug, Default)]
pub struct Quick {
    /// Where link-shaped runs start, not yet matched with an `href` value.
    runs: VecDeque<usize>,
    /// `href` values read, not yet passed by the raw scan.
    values: VecDeque<Range<usize>>,
    /// How far the raw scan has read.
    scanned: usize,
    /// Set once the full pass is needed.
    pub needs_full: bool,
    /// Set when that is for another reason than link-shaped runs outside `href`s or
    /// conditional comments (which a quick pass that reads comments may explain).
    pub not_only_runs: bool,
    /// `<dd-link` openings the raw scan saw, and `<dd-link>` elements the parser read: one
    /// more seen than read is in a comment, a script or another text no element is read in,
    /// which only the full pass reports.
    dd_links_seen: usize,
    dd_links_read: usize,
    /// Whether the raw scan saw a template comment or raw block open (`{% raw %}`,
    /// `{{!--`): a `<dd-link>` in one is not expanded, which only the full pass, following
    /// the text, can tell.
    template_blocks_seen: bool,
}

impl Quick {
    /// What the raw scan found in a stretch of the input.
    pub fn found(&mut self, found: Found) {
        if found.hand_over {
            self.hand_over();
        }
        if found.needs_comments {
            self.needs_full = true;
        }
        self.dd_links_seen += found.dd_links;
        self.template_blocks_seen |= found.template_blocks;
        for run in found.runs {
            self.run(run);
        }
        if let Some(scanned) = found.scanned {
            self.scanned(scanned);
        }
    }

    /// Something only the full pass reads.
    pub fn hand_over(&mut self) {
        self.needs_full = true;
        self.not_only_runs = true;
    }

    /// A link-shaped run starts at `offset`.
    pub fn run(&mut self, offset: usize) {
        self.runs.push_back(offset);
        self.reconcile();
    }

    /// The raw scan has read everything before `offset`.
    pub fn scanned(&mut self, offset: usize) {
        self.scanned = offset;
        self.reconcile();
    }

    /// A handler read an `href` value (or a comment, links and all).
    pub fn value(&mut self, value: Range<usize>) {
        self.values.push_back(value);
        self.reconcile();
    }

    /// Both queues are in input order: a run before the first value left is in none.
    fn reconcile(&mut self) {
        while let Some(&run) = self.runs.front() {
            match self.values.front() {
                Some(value) if run < value.start => self.needs_full = true,
                Some(value) if run < value.end => {}
                Some(_) => {
                    self.values.pop_front();
                    continue;
                }
                None => break,
            }
            self.runs.pop_front();
        }
        while self
            .values
            .front()
            .is_some_and(|value| value.end <= self.scanned && self.runs.is_empty())
        {
            self.values.pop_front();
        }
    }

    /// The parser read a `<dd-link>` element.
    pub fn dd_link(&mut self) {
        self.dd_links_read += 1;
    }

    /// The document has ended: a run that no value holds, or a `<dd-link` that no element
    /// was read for, needs the full pass.
    pub fn finish(&mut self) {
        if !self.runs.is_empty() {
            self.needs_full = true;
        }
        if self.dd_links_seen > self.dd_links_read
            || (self.dd_links_seen > 0 && self.template_blocks_seen)
        {
            self.hand_over();
        }
    }
}

/// What the raw scan of a stretch of the input tells a quick pass.
#[derive(Debug, Default)]
pub struct Found {
    /// Where link-shaped runs start.
    pub runs: Vec<usize>,
    /// Something only the full pass reads (see [`needs_full_pass`]).
    pub hand_over: bool,
    /// A conditional comment's body holds a link needle: only a pass that reads comments
    /// can tell.
    pub needs_comments: bool,
    /// The scan has read everything before this offset.
    pub scanned: Option<usize>,
    /// Where `{{deeplink` calls open, and how long each opening is (in a full pass).
    pub placeholders: Vec<(usize, usize)>,
    /// How many `<dd-link` openings, in any case (in a quick pass).
    pub dd_links: usize,
    /// Whether a template comment or raw block opens (in a quick pass).
    pub template_blocks: bool,
}

/// The needles of a quick pass's raw scan.
#[derive(Debug)]
struct QuickScan {
    prefilter: Arc<Prefilter>,
    /// Whether the quick pass reads comments.
    reads_comments: bool,
    /// Whether the scan is inside a conditional comment.
    in_conditional: bool,
}

impl QuickScan {
    /// The quick pass that does not read comments cannot read a conditional comment's body
    /// (markup, whose `href`s may be links without a scheme): one whose text holds a link
    /// needle sends the document on, to the pass that reads comments.
    fn conditional_comments(&mut self, text: &str) -> bool {
        if self.reads_comments {
            return false;
        }
        let mut needs_comments = false;
        let mut rest = text;
        loop {
            if self.in_conditional {
                let end = memchr::memmem::find(rest.as_bytes(), b"-->");
                let body = &rest[..end.unwrap_or(rest.len())];
                if self.prefilter.may_hold_link(body.as_bytes()) {
                    needs_comments = true;
                }
                let Some(end) = end else {
                    return needs_comments;
                };
                self.in_conditional = false;
                rest = &rest[end + 3..];
            } else {
                let Some(start) = conditional_comment_start(rest) else {
                    return needs_comments;
                };
                self.in_conditional = true;
                rest = &rest[start..];
            }
        }
    }
}

/// How a raw scan ended.
#[derive(Debug, Default)]
pub struct RawEnd {
    /// What the last line held.
    pub found: Found,
    /// The tokens counted, when detection was wanted.
    pub evidence: Option<Evidence>,
    /// Where the first byte invalid in the encoding is.
    pub invalid: Option<usize>,
    /// Where the line that holds it starts, and whether that line names a credential before
    /// it (meaningful when `invalid` is set).
    pub invalid_line: (usize, bool),
}

/// The raw side of a pass over an HTML document: every byte as read, by lines, for what
/// the parser's handlers do not see (the tokens a dialect is detected from; in a quick pass,
/// link-shaped runs and the words only the full pass reads) and for bytes invalid in the
/// document's encoding. It depends on nothing the parser finds, so a large document's scan
/// can run on a thread of its own.
pub struct RawScan {
    lines: RawLines,
    utf8: Validator,
    encoding: &'static encoding_rs::Encoding,
    read: usize,
    /// Where the line after the last line break fed starts.
    line_start: usize,
    /// Where the line holding the first invalid byte starts, and whether that line names a
    /// credential before the byte.
    invalid_line: Option<(usize, bool)>,
    /// Counted while detection may be needed.
    evidence: Option<Evidence>,
    /// Whether the lines scanned so far end inside an HTML comment (not a conditional one).
    in_comment: bool,
    /// In a quick pass.
    quick: Option<QuickScan>,
    /// Whether to list where `{{deeplink` calls open (the full pass, which the quick one
    /// hands every such document to).
    placeholders: bool,
}

impl std::fmt::Debug for RawScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawScan")
            .field("read", &self.read)
            .field("evidence", &self.evidence)
            .field("quick", &self.quick)
            .finish_non_exhaustive()
    }
}

impl RawScan {
    /// A scan that counts tokens when `detecting`, and, for a quick pass (`prefilter` given),
    /// looks for what that pass cannot read; for the full pass, lists where `{{deeplink`
    /// calls open (so that one the parser's handlers never read is reported, not left).
    pub fn new(
        encoding: &'static encoding_rs::Encoding,
        detecting: bool,
        quick: Option<(Arc<Prefilter>, bool)>,
    ) -> Self {
        let placeholders = quick.is_none();
        RawScan {
            lines: RawLines::default(),
            utf8: Validator::new(encoding),
            encoding,
            read: 0,
            line_start: 0,
            invalid_line: None,
            evidence: detecting.then(Evidence::default),
            in_comment: false,
            quick: quick.map(|(prefilter, reads_comments)| QuickScan {
                prefilter,
                reads_comments,
                in_conditional: false,
            }),
            placeholders,
        }
    }

    /// Read the next chunk of the input.
    pub fn feed(&mut self, chunk: &[u8]) -> Found {
        self.utf8.feed(chunk);
        if self.invalid_line.is_none()
            && let Some(bad) = self.utf8.first_error()
        {
            let before = &chunk[..bad.saturating_sub(self.read).min(chunk.len())];
            self.invalid_line = Some(match memchr::memrchr2(b'\n', b'\r', before) {
                Some(at) => (self.read + at + 1, names_secret(&before[at + 1..])),
                None => (
                    self.line_start,
                    names_secret(&[last_line(self.lines.pending()), before].concat()),
                ),
            });
        }
        let mut found = Found::default();
        let mut lines = std::mem::take(&mut self.lines);
        lines.feed(chunk, |bytes, at| self.scan(bytes, at, &mut found));
        self.lines = lines;
        // A `\r` that ends the chunk ends the line unless a `\n` comes next, which then moves
        // the line's start on by one.
        if let Some(at) = memchr::memrchr2(b'\n', b'\r', chunk) {
            self.line_start = self.read + at + 1;
        }
        self.read += chunk.len();
        found
    }

    /// The input has ended.
    pub fn finish(mut self) -> RawEnd {
        // A sequence cut short by the end is found here: whether its line names a credential.
        let last_line_names_secret = names_secret(last_line(self.lines.pending()));
        let mut found = Found::default();
        std::mem::take(&mut self.lines).finish(|bytes, at| self.scan(bytes, at, &mut found));
        RawEnd {
            found,
            evidence: self.evidence,
            invalid: self.utf8.finish(),
            invalid_line: self
                .invalid_line
                .unwrap_or((self.line_start, last_line_names_secret)),
        }
    }

    /// Read complete lines.
    fn scan(&mut self, bytes: &[u8], at: usize, found: &mut Found) {
        if self.placeholders {
            if ascii_may_end_a_character(self.encoding) {
                // `\x81{` is one character in Shift_JIS (`＋`, not a brace): the openings are
                // looked for in the text, from the line's start, where characters begin.
                let text = crate::source::decode_lossless(bytes, self.encoding);
                found
                    .placeholders
                    .extend(crate::expand::mustache::openings(text.as_bytes()).map(
                        |(start, len)| (at + encoded_len(self.encoding, &text[..start]), len),
                    ));
            } else {
                found.placeholders.extend(
                    crate::expand::mustache::openings(bytes).map(|(start, len)| (at + start, len)),
                );
            }
        }
        if self.evidence.is_none() && self.quick.is_none() {
            return;
        }
        let text = crate::source::decode_lossless(bytes, self.encoding);
        if let Some(evidence) = &mut self.evidence {
            count_outside_comments(evidence, &mut self.in_comment, &text);
        }
        if let Some(quick) = &mut self.quick {
            found.hand_over |= needs_full_pass(&text);
            found.dd_links += crate::expand::element_openings(text.as_bytes()).count();
            found.template_blocks |= crate::expand::mustache::opens_template_block(&text);
            found.needs_comments |= quick.conditional_comments(&text);
            found.runs.extend(
                quick
                    .prefilter
                    .links(&text)
                    .into_iter()
                    .map(|run| at + run.start),
            );
            found.scanned = Some(at + bytes.len());
        }
    }
}

/// Whether a character of `encoding` may end with an ASCII byte (its second byte): Shift_JIS,
/// Big5 and the GBK family, where a raw byte search for `{{` may start inside a character.
fn ascii_may_end_a_character(encoding: &'static encoding_rs::Encoding) -> bool {
    [
        encoding_rs::SHIFT_JIS,
        encoding_rs::BIG5,
        encoding_rs::GBK,
        encoding_rs::GB18030,
    ]
    .contains(&encoding)
}

/// Words that only the full pass reads: `ddlink` comments (suppressions and `psa=`
/// directives) and `{{deeplink}}` placeholders.
pub fn needs_full_pass(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"ddlink").is_some()
        || crate::expand::mustache::may_hold(text)
}

/// Count the tokens of `text` for detection, but not those in HTML comments: a comment is
/// read by no recipient, and one that keeps another PSA's version of a link ("CW version:
/// [srnumber]") must not decide the dialect against the live links. An Outlook conditional
/// comment's body is live markup and counts. `in_comment` says whether `text` starts inside a
/// comment, and is left saying whether it ends inside one.
fn count_outside_comments(evidence: &mut Evidence, in_comment: &mut bool, text: &str) {
    let may_hold_token = |part: &str| part.contains('[') || part.contains("{{");
    let mut rest = text;
    loop {
        if *in_comment {
            let Some(end) = memchr::memmem::find(rest.as_bytes(), b"-->") else {
                return;
            };
            *in_comment = false;
            rest = &rest[end + 3..];
        }
        let Some(start) = memchr::memmem::find(rest.as_bytes(), b"<!--") else {
            if may_hold_token(rest) {
                evidence.scan(rest);
            }
            return;
        };
        if may_hold_token(&rest[..start]) {
            evidence.scan(&rest[..start]);
        }
        let inner = &rest[start + 4..];
        // `<!-->` and `<!--->` are whole (empty) comments.
        let empty = inner.starts_with('>') || inner.starts_with("->");
        *in_comment = !opens_conditional(inner) && !empty;
        rest = inner;
    }
}

/// Where the next comment that opens like an Outlook conditional comment (`<!--[if mso]>`,
/// white space allowed before `[if`) starts its text, after `<!--`.
fn conditional_comment_start(text: &str) -> Option<usize> {
    memchr::memmem::find_iter(text.as_bytes(), b"<!--")
        .find_map(|at| opens_conditional(&text[at + 4..]).then_some(at + 4))
}

/// Whether a comment's text (after `<!--`) opens like an Outlook conditional comment: `[if`,
/// in any case, white space allowed before it.
fn opens_conditional(inner: &str) -> bool {
    inner
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .as_bytes()
        .get(..3)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"[if"))
}

/// Whether `bytes` name a credential key (`auth_password`, …) in any case.
pub fn names_secret(bytes: &[u8]) -> bool {
    crate::command::spec::SECRET_KEYS.iter().any(|key| {
        bytes
            .windows(key.len())
            .any(|w| w.eq_ignore_ascii_case(key.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<(String, usize)> {
        let mut raw = RawLines::default();
        let mut found = Vec::new();
        for chunk in chunks {
            raw.feed(chunk, |bytes, at| {
                found.push((String::from_utf8_lossy(bytes).into_owned(), at));
            });
        }
        raw.finish(|bytes, at| found.push((String::from_utf8_lossy(bytes).into_owned(), at)));
        found
    }

    #[test]
    fn lines_keep_their_offsets_across_chunks() {
        assert_eq!(
            lines(&[b"ab", b"c\nde", b"f\ng\nh", b"i"]),
            [
                ("abc\n".to_owned(), 0),
                ("def\ng\n".to_owned(), 4),
                ("hi".to_owned(), 10)
            ]
        );
    }

    #[test]
    fn runs_outside_href_values_need_the_full_pass() {
        let mut quick = Quick::default();
        quick.run(10);
        quick.value(8..40);
        quick.run(50);
        quick.scanned(60);
        quick.value(45..70);
        quick.finish();
        assert!(!quick.needs_full);

        let mut quick = Quick::default();
        quick.value(8..40);
        quick.run(41);
        quick.value(45..70);
        assert!(quick.needs_full);

        let mut quick = Quick::default();
        quick.run(41);
        quick.finish();
        assert!(quick.needs_full);
    }

    #[test]
    fn tokens_in_comments_are_not_evidence() {
        let count = |lines: &[&str]| {
            let mut evidence = Evidence::default();
            let mut in_comment = false;
            for line in lines {
                count_outside_comments(&mut evidence, &mut in_comment, line);
            }
            (evidence.total(), in_comment)
        };
        assert_eq!(
            count(&["[srnumber] <!-- [srnumber] --> [srnumber]"]),
            (2, false)
        );
        assert_eq!(
            count(&["<!-- old:\n", "[srnumber]\n", "--> [Ticket: ID]\n"]),
            (1, false)
        );
        assert_eq!(count(&["<!-- [srnumber] [Ticket: ID]"]), (0, true));
        // A conditional comment's body is live markup.
        assert_eq!(
            count(&[
                "<!--[if mso]><v:rect href=\"?ticket_id=[srnumber]\"/><![endif]--> [srnumber]"
            ]),
            (2, false)
        );
        assert_eq!(count(&["<!-- [if mso]>[srnumber]<![endif]-->"]), (1, false));
        assert_eq!(count(&["<!--> [srnumber] <!---> [srnumber]"]), (2, false));
    }

    #[test]
    fn conditional_comments_with_links_need_comments_read() {
        let needs = |lines: &[&str]| {
            let mut scan = QuickScan {
                prefilter: Prefilter::for_host(None),
                reads_comments: false,
                in_conditional: false,
            };
            let mut needs_comments = false;
            for line in lines {
                needs_comments |= scan.conditional_comments(line);
            }
            needs_comments
        };
        assert!(!needs(&["<!--[if mso]><table><tr><td><![endif]-->"]));
        assert!(needs(&[
            "<!--[if mso]>\n",
            "<v:roundrect href=\"acme.deskdirector.com/portal/deeplink?name=quotes\">\n",
            "<![endif]-->\n"
        ]));
        assert!(needs(&[
            "<!-- [IF gte mso 9]><v:rect href=\"/portal/deeplink\"/><![endif]-->"
        ]));
        assert!(!needs(&[
            "<!--[if !mso]><!-->",
            "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes\">"
        ]));
        assert!(!needs(&[
            "<!-- a deeplink in a comment is a link-shaped run, not this -->"
        ]));
    }

    #[test]
    fn words_of_the_full_pass() {
        assert!(!needs_full_pass("<DD-LINK name=x>"));
        assert!(needs_full_pass("<!-- ddlink: psa=autotask -->"));
        assert!(needs_full_pass("<!-- ddlink-ignore DD401: why -->"));
        assert!(needs_full_pass("href=\"{{deeplink name='quotes'}}\""));
        assert!(!needs_full_pass(
            "<a href=\"https://acme.deskdirector.com/portal/deeplink\">"
        ));
    }
}
