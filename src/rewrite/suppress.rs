//! `ddlink` comments: suppressions (`<!-- ddlink-ignore CODES: reason -->` for the next
//! element or line, `<!-- ddlink-ignore-file CODES: reason -->` for the file) and the dialect
//! comment (`<!-- ddlink: psa=autotask -->`).

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Span};
use crate::dialect::Dialect;
use crate::rules::did_you_mean::closest;
use crate::rules::{Findings, RULES, Rule, malformed_directive, unused_suppression};

/// One suppression comment.
#[derive(Debug)]
pub struct Suppression {
    /// What DD601's fix deletes: the whole comment, `<!--` to `-->`; its whole line, line
    /// break included, when nothing else is on it; the comment and the blanks before it when
    /// it ends a line with something before it (no blank line or trailing blank is left).
    pub removal: Span,
    /// The rules it names, each with where its code is written.
    pub codes: Vec<(&'static Rule, Span)>,
    /// Which of `codes` suppressed something.
    used: Vec<bool>,
    /// `None` for the whole file; otherwise the bytes it covers, once known.
    pub scope: Option<Range<usize>>,
    pub file: bool,
}

/// What a comment says to ddlink.
#[derive(Debug)]
pub enum Directive {
    Psa(Dialect),
    Suppression(Suppression),
}

/// Whether a comment's text is a `ddlink` directive (`ddlink:`, `ddlink-ignore…`), read or
/// not.
pub fn is_directive(text: &str) -> bool {
    let body = text.trim_start();
    body.starts_with("ddlink:") || body.starts_with("ddlink-ignore")
}

/// Read a comment's text (decoded: `input_offset` gives the input offset of an offset in it;
/// the whole comment is `comment`). Problems with it are reported as DD603.
pub fn parse(
    text: &str,
    input_offset: impl Fn(usize) -> usize,
    comment: Span,
    findings: &mut Findings,
) -> Option<Directive> {
    let lead = text.len() - text.trim_start().len();
    let body = text.trim();
    let span_of =
        |range: Range<usize>| Span::new(input_offset(range.start), input_offset(range.end));
    let body_span = span_of(lead..lead + body.len());
    if let Some(rest) = body.strip_prefix("ddlink:") {
        return psa_directive(rest.trim(), body_span, findings);
    }
    let (file, rest) = if let Some(rest) = body.strip_prefix("ddlink-ignore-file") {
        (true, rest)
    } else if let Some(rest) = body.strip_prefix("ddlink-ignore") {
        (false, rest)
    } else {
        return None;
    };
    if !rest.is_empty() && !rest.starts_with(|c: char| c.is_whitespace() || c == ':') {
        // `ddlink-ignore-next-line`, `ddlink-ignored`: meant as a suppression, and silently
        // suppressing nothing would leave the writer wondering why its findings stay.
        let word_len = body
            .find(|c: char| c.is_whitespace() || c == ':')
            .unwrap_or(body.len());
        malformed_directive::report(
            findings,
            span_of(lead..lead + word_len),
            format!("`{}` is not a ddlink directive", &body[..word_len]),
            "write `ddlink-ignore CODES: reason` (the next element or line) or `ddlink-ignore-file CODES: reason` (the whole file)"
                .to_owned(),
        );
        return None;
    }
    let rest_base = lead + body.len() - rest.len();
    let (list, reason) = match rest.split_once(':') {
        Some((list, reason)) => (list, Some(reason.trim())),
        None => (rest, None),
    };
    let mut codes = Vec::new();
    let mut named_any = false;
    let mut at = 0;
    for word in list.split(|c: char| c == ',' || c.is_whitespace()) {
        let start = at;
        at += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        named_any = true;
        let span = span_of(rest_base + start..rest_base + start + word.len());
        if let Some(rule) = crate::rules::find(word) {
            codes.push((rule, span));
        } else {
            let names = RULES.iter().flat_map(|r| [r.code, r.name]);
            let help = closest(word, names).map_or_else(
                || "`ddlink rules` lists the codes".to_owned(),
                |s| format!("did you mean `{s}`?"),
            );
            malformed_directive::report(findings, span, format!("no rule `{word}`"), help);
        }
    }
    if codes.is_empty() {
        if named_any {
            // Each unknown name was reported already.
            return None;
        }
        malformed_directive::report(
            findings,
            body_span,
            "this suppression names no rule".to_owned(),
            "write `ddlink-ignore CODE: reason`, e.g. `ddlink-ignore DD403: desktop-only audience`"
                .to_owned(),
        );
        return None;
    }
    if reason.is_none_or(str::is_empty) {
        malformed_directive::report(
            findings,
            body_span,
            "this suppression gives no reason".to_owned(),
            "say why after a colon: `ddlink-ignore DD403: desktop-only audience`".to_owned(),
        );
    }
    let used = vec![false; codes.len()];
    Some(Directive::Suppression(Suppression {
        removal: comment,
        codes,
        used,
        scope: None,
        file,
    }))
}

fn psa_directive(rest: &str, span: Span, findings: &mut Findings) -> Option<Directive> {
    let value = rest
        .strip_prefix("psa")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('='));
    match value.map(|v| v.trim().parse::<Dialect>()) {
        Some(Ok(dialect)) => Some(Directive::Psa(dialect)),
        Some(Err(error)) => {
            malformed_directive::report(
                findings,
                span,
                error.to_string(),
                "write `ddlink: psa=connectwise`, `autotask` or `deskdirector`".to_owned(),
            );
            None
        }
        None => {
            malformed_directive::report(
                findings,
                span,
                format!("`ddlink: {rest}` is not a ddlink comment"),
                "the dialect comment reads `<!-- ddlink: psa=autotask -->`".to_owned(),
            );
            None
        }
    }
}

/// Where a `ddlink-ignore` comment's scope ends, found by reading the input after the comment
/// as it streams: at the end of the next line that is not blank or, when what follows the
/// comment is an element, at that element's end tag if it ends later ("the next element or
/// line"). A link that `fix` expands into a `<table>` keeps its suppression that way, though
/// the link inside is lines further down.
///
/// The element's end tag is matched by name and nesting in the bytes, without the parser:
/// lol_html's handlers are fixed before a pass starts, and waking one on every element would
/// slow every document. An element whose end tag is never found (`<p>` and `<li>` may be left
/// open) gives the line alone, so a scope never runs on to the end of the file by accident.
#[derive(Debug)]
pub struct ScopeFinder {
    /// Where the scope starts: the end of the comment.
    pub start: usize,
    /// Whether something other than white space was seen.
    content: bool,
    /// The end of the first line with content, its line break included.
    line_end: Option<usize>,
    /// Whether that line ended with a `\r` whose next byte is not read yet: a `\n` there
    /// belongs to its line break.
    after_return: bool,
    element: NextElement,
    /// What follows the comment on its own line.
    own_line: OwnLine,
}

/// What follows a suppression comment on its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEnd {
    /// Not read yet.
    Unread,
    /// Something other than spaces and tabs.
    Shared,
    /// Only spaces and tabs, then the line break at this range.
    Break(Range<usize>),
}

/// Whether a comment is the last thing on its line, read from the bytes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnLine {
    /// Only spaces and tabs so far.
    Blank,
    /// A `\r` at this offset ends the line, with the `\n` after it if there is one.
    Return(usize),
    /// Only spaces and tabs, then a line break from `start` to `end`.
    Ends { start: usize, end: usize },
    /// Something else is on the line after the comment.
    Shared,
}

/// How far the element after a suppression comment has been read.
#[derive(Debug)]
enum NextElement {
    /// Nothing but white space yet.
    Unknown,
    /// What follows is not an element (text, a comment, a doctype).
    Not,
    /// Reading its name, lowercased, after `<`.
    Name(Vec<u8>),
    /// Inside its start tag: an attribute value's open quote, and whether the last byte that
    /// was not white space was `/`.
    StartTag {
        name: Vec<u8>,
        quote: Option<u8>,
        slash: bool,
    },
    /// Inside the element, `depth` elements of the same name deep; `open` while a tag of that
    /// name may be being read: whether it is an end tag, and how much of the name matched.
    Content {
        name: Vec<u8>,
        depth: usize,
        open: Option<(bool, usize)>,
    },
    /// In its end tag, before the `>`.
    EndTag,
    /// It ends before this offset.
    Ended(usize),
}

/// Elements that have no content and no end tag.
const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
    b"source", b"track", b"wbr",
];

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b':' | b'.')
}

impl ScopeFinder {
    pub fn new(start: usize) -> Self {
        ScopeFinder {
            start,
            content: false,
            line_end: None,
            after_return: false,
            element: NextElement::Unknown,
            own_line: OwnLine::Blank,
        }
    }

    /// Whether the comment is the last thing on its line, as far as read.
    pub fn own_line_end(&self) -> LineEnd {
        match self.own_line {
            OwnLine::Ends { start, end } => LineEnd::Break(start..end),
            OwnLine::Shared => LineEnd::Shared,
            OwnLine::Blank | OwnLine::Return(_) => LineEnd::Unread,
        }
    }

    /// [`ScopeFinder::own_line_end`] if the input ended at `len` (an empty line break there).
    pub fn own_line_end_of_input(&self, len: usize) -> Option<Range<usize>> {
        match self.own_line {
            OwnLine::Ends { start, end } => Some(start..end),
            OwnLine::Return(at) => Some(at..at + 1),
            OwnLine::Blank => Some(len..len),
            OwnLine::Shared => None,
        }
    }

    fn read_own_line(&mut self, byte: u8, offset: usize) {
        self.own_line = match (self.own_line, byte) {
            (OwnLine::Blank, b' ' | b'\t') => OwnLine::Blank,
            (OwnLine::Blank, b'\n') => OwnLine::Ends {
                start: offset,
                end: offset + 1,
            },
            (OwnLine::Blank, b'\r') => OwnLine::Return(offset),
            (OwnLine::Blank, _) => OwnLine::Shared,
            (OwnLine::Return(at), b'\n') => OwnLine::Ends {
                start: at,
                end: at + 2,
            },
            (OwnLine::Return(at), _) => OwnLine::Ends {
                start: at,
                end: at + 1,
            },
            (resolved, _) => resolved,
        };
    }

    /// Read on: `bytes` are the input from offset `at`. The scope's end, once known.
    pub fn read(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        let mut index = 0;
        while index < bytes.len() {
            if let Some(end) = self.end() {
                return Some(end);
            }
            if self.line_end.is_some()
                && !self.after_return
                && matches!(self.element, NextElement::Content { open: None, .. })
            {
                // Only a `<` can change anything now.
                index += memchr::memchr(b'<', &bytes[index..])?;
            }
            let byte = bytes[index];
            let offset = at + index;
            index += 1;
            if matches!(self.own_line, OwnLine::Blank | OwnLine::Return(_)) {
                self.read_own_line(byte, offset);
            }
            if !self.content {
                if !byte.is_ascii_whitespace() {
                    self.content = true;
                    self.element = if byte == b'<' {
                        NextElement::Name(Vec::new())
                    } else {
                        NextElement::Not
                    };
                }
                continue;
            }
            if self.after_return {
                self.after_return = false;
                if byte == b'\n' {
                    self.line_end = Some(offset + 1);
                }
            } else if self.line_end.is_none() && crate::source::is_line_break(byte) {
                self.line_end = Some(offset + 1);
                self.after_return = byte == b'\r';
            }
            self.element.step(byte, offset);
        }
        self.end()
    }

    /// The scope's end if the input ended at `len`.
    pub fn end_of_input(&self, len: usize) -> usize {
        self.end().or(self.line_end).unwrap_or(len)
    }

    fn end(&self) -> Option<usize> {
        if self.after_return {
            return None;
        }
        let line_end = self.line_end?;
        match self.element {
            NextElement::Not => Some(line_end),
            NextElement::Ended(end) => Some(end.max(line_end)),
            _ => None,
        }
    }
}

impl NextElement {
    /// Read the byte at `offset`.
    fn step(&mut self, byte: u8, offset: usize) {
        match self {
            NextElement::Unknown | NextElement::Not | NextElement::Ended(_) => {}
            NextElement::Name(name) => {
                if is_name_byte(byte) && (!name.is_empty() || byte.is_ascii_alphabetic()) {
                    name.push(byte.to_ascii_lowercase());
                } else if name.is_empty() {
                    *self = NextElement::Not;
                } else {
                    *self = NextElement::StartTag {
                        name: std::mem::take(name),
                        quote: None,
                        slash: false,
                    };
                    self.step(byte, offset);
                }
            }
            NextElement::StartTag { name, quote, slash } => match (*quote, byte) {
                (Some(open), _) => {
                    if byte == open {
                        *quote = None;
                    }
                }
                (None, b'"' | b'\'') => *quote = Some(byte),
                (None, b'>') => {
                    *self = if *slash || VOID.contains(&name.as_slice()) {
                        NextElement::Ended(offset + 1)
                    } else {
                        NextElement::Content {
                            name: std::mem::take(name),
                            depth: 1,
                            open: None,
                        }
                    };
                }
                (None, b'/') => *slash = true,
                (None, _) if byte.is_ascii_whitespace() => {}
                (None, _) => *slash = false,
            },
            NextElement::Content { name, depth, open } => {
                *open = match *open {
                    Some((false, 0)) if byte == b'/' => Some((true, 0)),
                    Some((closing, matched))
                        if matched < name.len() && byte.to_ascii_lowercase() == name[matched] =>
                    {
                        Some((closing, matched + 1))
                    }
                    Some((closing, matched)) if matched == name.len() && !is_name_byte(byte) => {
                        if !closing {
                            *depth += 1;
                        } else if *depth > 1 {
                            *depth -= 1;
                        } else {
                            *self = if byte == b'>' {
                                NextElement::Ended(offset + 1)
                            } else {
                                NextElement::EndTag
                            };
                            return;
                        }
                        None
                    }
                    // Outside a tag of this name, or not one after all.
                    _ => (byte == b'<').then_some((false, 0)),
                };
            }
            NextElement::EndTag => {
                if byte == b'>' {
                    *self = NextElement::Ended(offset + 1);
                }
            }
        }
    }
}

/// Where the suppressions apply, indexed so that finding those that cover a finding does not
/// go through every suppression and every link element (a template with a suppression before
/// each of its links has thousands of each).
#[derive(Debug)]
pub struct Coverage {
    /// The bytes each scoped suppression covers, `(start, end, suppression)`, sorted by
    /// start: its scope, and each link element (from the document's `extents`) that starts in
    /// its scope, to the element's end.
    ranges: Vec<(usize, usize, usize)>,
    /// For each of `ranges`, the greatest end up to it: the search back from a position
    /// stops where no earlier range reaches it.
    reach: Vec<usize>,
    /// The suppressions of the whole file.
    file: Vec<usize>,
}

impl Coverage {
    pub fn new(suppressions: &[Suppression], extents: &[Span]) -> Coverage {
        let mut starts: Vec<Span> = extents.to_vec();
        starts.sort_unstable_by_key(|extent| extent.start);
        let mut ranges = Vec::new();
        let mut file = Vec::new();
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.file {
                file.push(index);
                continue;
            }
            let Some(scope) = &suppression.scope else {
                continue;
            };
            ranges.push((scope.start, scope.end, index));
            let first = starts.partition_point(|extent| extent.start < scope.start);
            for extent in starts[first..]
                .iter()
                .take_while(|extent| extent.start < scope.end)
            {
                ranges.push((extent.start, extent.end.max(extent.start + 1), index));
            }
        }
        ranges.sort_unstable();
        let reach = ranges
            .iter()
            .scan(0, |reach, &(_, end, _)| {
                *reach = end.max(*reach);
                Some(*reach)
            })
            .collect();
        Coverage {
            ranges,
            reach,
            file,
        }
    }

    /// The first suppression (in the document's order) that covers `diagnostic`, with the
    /// index of its code for the diagnostic's rule.
    fn first_covering(
        &self,
        suppressions: &[Suppression],
        diagnostic: &Diagnostic,
    ) -> Option<(usize, usize)> {
        let code = |index: usize| {
            suppressions[index]
                .codes
                .iter()
                .position(|(rule, _)| std::ptr::eq(*rule, diagnostic.rule))
                .map(|code| (index, code))
        };
        let mut first = self.file.iter().find_map(|&index| code(index));
        let at = diagnostic.span.start;
        let mut candidate = self.ranges.partition_point(|&(start, _, _)| start <= at);
        while candidate > 0 && self.reach[candidate - 1] > at {
            candidate -= 1;
            let (_, end, index) = self.ranges[candidate];
            if at < end && first.is_none_or(|(earliest, _)| index < earliest) {
                first = code(index).or(first);
            }
        }
        first
    }

    /// Whether a suppression covers `diagnostic` (which [`apply`] will then drop).
    pub fn covers(&self, suppressions: &[Suppression], diagnostic: &Diagnostic) -> bool {
        self.first_covering(suppressions, diagnostic).is_some()
    }
}

/// Drop the findings that suppressions cover, then report the suppressions (or codes) that
/// covered nothing. `enabled` says whether a rule is on: a suppression of a rule that is off
/// is not reported.
pub fn apply(
    suppressions: &mut [Suppression],
    coverage: &Coverage,
    mut diagnostics: Vec<Diagnostic>,
    findings: &mut Findings,
) -> Vec<Diagnostic> {
    // In place: a large document's findings are not copied.
    diagnostics.retain(
        |diagnostic| match coverage.first_covering(suppressions, diagnostic) {
            Some((index, code)) => {
                suppressions[index].used[code] = true;
                false
            }
            None => true,
        },
    );
    let excused = excused_by_dd601(suppressions, coverage, findings);
    for (at, suppression) in suppressions.iter().enumerate() {
        let kept = |code: usize| suppression.used[code] || excused.contains(&(at, code));
        let whole = (0..suppression.codes.len()).all(|code| !kept(code));
        let codes = &suppression.codes;
        for (index, (rule, span)) in codes.iter().enumerate() {
            if kept(index) || !findings.enabled(rule) {
                continue;
            }
            // The code with what separates it from the one before (`, DD106`), or, written
            // first, from the one after (`DD106, `).
            let removal = if whole {
                suppression.removal
            } else if let Some((_, before)) = index.checked_sub(1).map(|i| codes[i]) {
                Span::new(before.end, span.end)
            } else {
                Span::new(
                    span.start,
                    codes.get(1).map_or(span.end, |(_, after)| after.start),
                )
            };
            unused_suppression::report(findings, rule, *span, removal, whole);
        }
    }
    diagnostics
}

/// The codes (suppression, code) that went unused but that a suppression of DD601 itself
/// covers (`ddlink-ignore-file DD601: …`, or `ddlink-ignore DD601` on the line before): kept,
/// and that suppression counted as used. Those of other rules are looked at first, so that
/// a suppression of DD601 that keeps one is used; one that keeps nothing covers its own
/// finding, as a rule suppressed for the file is not reported at all.
fn excused_by_dd601(
    suppressions: &mut [Suppression],
    coverage: &Coverage,
    findings: &Findings,
) -> Vec<(usize, usize)> {
    let dd601 = &unused_suppression::UNUSED_SUPPRESSION;
    let mut excused = Vec::new();
    if !suppressions
        .iter()
        .any(|s| s.codes.iter().any(|(rule, _)| std::ptr::eq(*rule, dd601)))
    {
        return excused;
    }
    for of_dd601 in [false, true] {
        let unused: Vec<(usize, usize, Span)> = suppressions
            .iter()
            .enumerate()
            .flat_map(|(at, s)| {
                s.codes
                    .iter()
                    .zip(&s.used)
                    .enumerate()
                    .filter(|&(_, ((rule, _), used))| {
                        !used && findings.enabled(rule) && std::ptr::eq(*rule, dd601) == of_dd601
                    })
                    .map(move |(code, ((_, span), _))| (at, code, *span))
            })
            .collect();
        for (at, code, span) in unused {
            let probe = Diagnostic::new(dd601, span, "");
            if let Some((by, by_code)) = coverage.first_covering(suppressions, &probe) {
                suppressions[by].used[by_code] = true;
                if (by, by_code) != (at, code) {
                    excused.push((at, code));
                }
            }
        }
    }
    excused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleConfig;

    fn read(text: &str) -> (Option<Directive>, Vec<&'static str>) {
        let config = RuleConfig::default();
        let mut findings = Findings::new(&config);
        let directive = parse(text, |i| 4 + i, Span::new(0, text.len() + 7), &mut findings);
        (
            directive,
            findings
                .diagnostics()
                .iter()
                .map(Diagnostic::code)
                .collect(),
        )
    }

    #[test]
    fn suppression_comments() {
        let (directive, problems) =
            read(" ddlink-ignore DD403, invalid-action: desktop-only audience ");
        let Some(Directive::Suppression(s)) = directive else {
            panic!("a suppression")
        };
        assert!(!s.file);
        assert_eq!(
            s.codes.iter().map(|(r, _)| r.code).collect::<Vec<_>>(),
            ["DD403", "DD106"]
        );
        assert_eq!(s.codes[0].1, Span::new(19, 24));
        assert!(problems.is_empty());

        let (directive, problems) = read(" ddlink-ignore-file DD403 ");
        assert!(matches!(
            directive,
            Some(Directive::Suppression(Suppression { file: true, .. }))
        ));
        assert_eq!(problems, ["DD603"], "a missing reason is a warning");

        let (directive, problems) = read(" ddlink-ignore DD43: x ");
        assert!(directive.is_none());
        assert_eq!(problems, ["DD603"]);
        let (directive, problems) = read(" ddlink-ignore : no codes ");
        assert!(directive.is_none());
        assert_eq!(problems, ["DD603"]);

        assert!(read(" ddlink-ignored ").0.is_none());
        assert!(read(" just a comment ").0.is_none());
    }

    #[test]
    fn psa_comments() {
        assert!(matches!(
            read(" ddlink: psa=autotask ").0,
            Some(Directive::Psa(Dialect::Autotask))
        ));
        assert!(matches!(
            read("ddlink: psa = connectwise").0,
            Some(Directive::Psa(Dialect::ConnectWise))
        ));
        assert_eq!(read(" ddlink: psa=halo ").1, ["DD603"]);
        assert_eq!(read(" ddlink: colour=blue ").1, ["DD603"]);
    }

    /// Where the scope of a comment ending at offset 0 ends in `after`, read whole, byte by
    /// byte, and in three-byte pieces (all must agree); `|` marks the expected end.
    fn scope_end(marked: &str) -> usize {
        let expected = marked.find('|').expect("the case marks the scope's end");
        let after = marked.replacen('|', "", 1);
        let ends: Vec<usize> = [after.len().max(1), 1, 3]
            .into_iter()
            .map(|piece| {
                let mut finder = ScopeFinder::new(0);
                let mut at = 0;
                for chunk in after.as_bytes().chunks(piece) {
                    if let Some(end) = finder.read(chunk, at) {
                        return end;
                    }
                    at += chunk.len();
                }
                finder.end_of_input(after.len())
            })
            .collect();
        assert!(
            ends.iter().all(|&end| end == ends[0]),
            "{marked:?}: {ends:?}"
        );
        assert_eq!(ends[0], expected, "{marked:?}");
        ends[0]
    }

    #[test]
    fn a_scope_is_the_next_line_or_element() {
        let cases = [
            // Text: the next line that is not blank.
            "\n\n  Open ddportal://x\n|more\n",
            " text on the comment's line\n|next\n",
            // An element: to its end tag, nested ones of its name counted, in any case.
            "\n<table>\n <tr><td><a href=x>x</a></td></tr>\n</table>|\n<a>\n",
            "\n<TABLE title=\"a > </table>\" data-x='</table>'>\n<table></table>\n<tablex></tablex>\n</Table >| x\n",
            "\n<div><div>x</div>\n<a>y</a>\n</div>|\n",
            "\n<mj-button href=\"x\">\n  Open\n</mj-button>|\n",
            // An element that ends on its line: the line.
            "\n<a href=x>x</a> <a href=y>y</a>\n|<a>\n",
            // No content, no end tag, or self-closed: the line.
            "\n<img src=x>\n|<a>\n",
            "\n<br/>\n|<a>\n",
            "\n<mj-image src=x />\n|<a>\n",
            // Never closed: the line, not the rest of the file.
            "\n<p>Open <a href=x>x</a>\n|<p>more\n",
            "\n<li>one\n|<li>two</li>\n",
            // Not an element: the line.
            "\n<!-- note -->\n|<a>\n",
            "\n</div>\n|<a>\n",
            "\n< a>\n|x\n",
        ];
        for case in cases {
            scope_end(case);
        }
        // The input ends first: an element never closed gives its line, a line its end.
        assert_eq!(scope_end("\n  <table>\n|<a>x</a>"), 11);
        assert_eq!(scope_end("\n  <a>x</a> text|"), 16);
        assert_eq!(scope_end("   |"), 3);
    }

    /// A lone `\r` ends the line as `\n` does (HTML's line breaks); the `\n` of a `\r\n` is
    /// in the scope, whichever piece it comes in.
    #[test]
    fn a_scope_ends_at_any_line_break() {
        for case in [
            "\r\r  Open ddportal://x\r|more\r",
            " text on the comment's line\r|next\r",
            " text on the comment's line\r\n|next\r\n",
            "\r<a href=x>x</a> <a href=y>y</a>\r|<a>\r",
            "\r\n<table>\r\n <tr><td>x</td></tr>\r\n</table>|\r\n<a>\r\n",
            "\r<p>Open <a href=x>x</a>\r|<p>more\r",
            " text\r|",
        ] {
            scope_end(case);
        }
    }

    /// What the index must agree with: each suppression in turn, each link element in turn.
    fn first_covering_by_hand(
        suppressions: &[Suppression],
        extents: &[Span],
        diagnostic: &Diagnostic,
    ) -> Option<(usize, usize)> {
        let at = diagnostic.span.start;
        suppressions
            .iter()
            .enumerate()
            .find_map(|(index, suppression)| {
                let code = suppression
                    .codes
                    .iter()
                    .position(|(rule, _)| std::ptr::eq(*rule, diagnostic.rule))?;
                let covered = suppression.file
                    || suppression.scope.as_ref().is_some_and(|scope| {
                        scope.contains(&at)
                            || extents.iter().any(|e| {
                                scope.contains(&e.start)
                                    && e.start <= at
                                    && at < e.end.max(e.start + 1)
                            })
                    });
                covered.then_some((index, code))
            })
    }

    #[test]
    fn the_index_finds_the_suppression_each_one_by_one_would() {
        let rules = [
            crate::rules::find("DD403").unwrap(),
            crate::rules::find("DD106").unwrap(),
            crate::rules::find("DD201").unwrap(),
        ];
        // SplitMix64: the same cases on every run.
        let mut seed = 7_u64;
        let mut next = |below: usize| {
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % below as u64) as usize
        };
        let mut compared = 0;
        for _ in 0..300 {
            let mut suppressions = Vec::new();
            for _ in 0..next(6) {
                let start = next(100);
                let codes: Vec<_> = (0..=next(2))
                    .map(|_| (rules[next(rules.len())], Span::new(0, 0)))
                    .collect();
                let file = next(8) == 0;
                suppressions.push(Suppression {
                    removal: Span::new(start, start),
                    used: vec![false; codes.len()],
                    codes,
                    scope: (!file && next(6) != 0).then(|| start..start + next(30)),
                    file,
                });
            }
            let extents: Vec<Span> = (0..next(6))
                .map(|_| {
                    let start = next(120);
                    Span::new(start, start + next(40))
                })
                .collect();
            let coverage = Coverage::new(&suppressions, &extents);
            for at in 0..140 {
                let rule = rules[next(rules.len())];
                let diagnostic = Diagnostic::new(rule, Span::new(at, at + 1), "x");
                assert_eq!(
                    coverage.first_covering(&suppressions, &diagnostic),
                    first_covering_by_hand(&suppressions, &extents, &diagnostic),
                    "{} at {at}, {suppressions:?}, {extents:?}",
                    rule.code
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 300 * 140);
    }
}
