//! miette graphical reports: the source lines, a label under the span, help.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{FileReport, visible};
use ddlink::source::{Excerpt, Position};
use ddlink::{Diagnostic, Severity};

/// How human output looks: colour only on a terminal, `NO_COLOR` honoured; a fixed width
/// makes output reproducible for tests.
#[derive(Clone, Debug)]
pub struct HumanStyle {
    pub color: bool,
    pub width: usize,
}

impl HumanStyle {
    fn handler(&self) -> GraphicalReportHandler {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_links(false)
            .with_context_lines(1)
    }
}

/// The excerpt of one finding, presented to miette as the whole source: spans are relative to
/// the excerpt, and line numbers (and, for a cut line, columns) are shifted back to the file's.
struct ExcerptSource {
    name: String,
    text: String,
    /// 1-based line of the text's first line in the file.
    first_line: usize,
    /// Characters of the first line left out before the text.
    column_shift: usize,
    /// Where the finding starts, 1-based, as the other formats say it.
    at: Position,
}

impl SourceCode for ExcerptSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // Read without context, the span is being placed for the `[file:line:col]` header:
        // miette counts its column in bytes, ddlink in characters (SPEC §5.1), as every other
        // format does, after a byte-order mark.
        let (line, column) = if context_lines_before == 0 && context_lines_after == 0 {
            (self.at.line - 1, self.at.column - 1)
        } else if inner.line() == 0 {
            (self.first_line - 1, inner.column() + self.column_shift)
        } else {
            (inner.line() + self.first_line - 1, inner.column())
        };
        Ok(named(self.name.clone(), &*inner, line, column))
    }
}

/// `contents` under `name`, at `line` and `column` (0-based).
fn named<'a>(
    name: String,
    contents: &dyn SpanContents<'a>,
    line: usize,
    column: usize,
) -> Box<dyn SpanContents<'a> + 'a> {
    Box::new(MietteSpanContents::new_named(
        name,
        contents.data(),
        *contents.span(),
        line,
        column,
        contents.line_count(),
    ))
}

/// Lines longer than this are cut around the finding (minified templates can hold a whole
/// document on one line, and the renderer cannot place labels past column 65,535).
const LONG_LINE: usize = 400;
/// Characters of context kept on each side of a finding in a cut line.
const CONTEXT: usize = 100;
/// The longest label drawn under a cut line.
const LABEL: usize = 200;

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The source miette is given for a finding at `start..end` of an excerpt, and the label's
/// span in it: the excerpt itself, or, when its lines are long, the finding's line cut around
/// the finding.
fn source_for(
    name: &str,
    excerpt: &Excerpt,
    start: usize,
    end: usize,
    at: Position,
) -> (ExcerptSource, SourceSpan) {
    let text = &*lone_returns_as_newlines(&excerpt.text);
    if !excerpt.shortened && text.lines().all(|line| line.len() <= LONG_LINE) {
        let source = ExcerptSource {
            name: name.to_owned(),
            text: text.to_owned(),
            first_line: excerpt.first_line,
            column_shift: 0,
            at,
        };
        return shown(source, start, end);
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let label_end = floor_boundary(text, end.min(line_end).min(start + LABEL)).max(start);
    let from = floor_boundary(text, start.saturating_sub(CONTEXT).max(line_start));
    let to = ceil_boundary(text, (label_end + CONTEXT).min(line_end));
    // The excerpt's first line may itself be a cut of the line in the file.
    let first = line_start == 0;
    let cut_before = if first { excerpt.columns_before } else { 0 };
    let cut_after = first && line_end == text.len() && excerpt.cut_after;
    let prefix = if from > line_start || cut_before > 0 {
        "…"
    } else {
        ""
    };
    let suffix = if to < line_end || cut_after {
        "…"
    } else {
        ""
    };
    let cut = format!("{prefix}{}{suffix}", &text[from..to]);
    let skipped = cut_before + text[line_start..from].chars().count();
    let source = ExcerptSource {
        name: name.to_owned(),
        text: cut,
        first_line: excerpt.first_line + text[..line_start].matches('\n').count(),
        // miette counts the cut text's columns in bytes, the marker's three included.
        column_shift: skipped.saturating_sub(prefix.len()),
        at,
    };
    let label_start = prefix.len() + (start - from);
    shown(source, label_start, label_start + (label_end - start))
}

/// `source` with its control characters shown (see [`visible`]), and the label's span at
/// `start..end` moved with the characters it marks.
fn shown(mut source: ExcerptSource, start: usize, end: usize) -> (ExcerptSource, SourceSpan) {
    let mut span = [start, end];
    source.text = visible::excerpt(&source.text, &mut span);
    let [start, end] = span;
    (source, SourceSpan::new(start.into(), end - start))
}

/// `text` with each lone `\r` written as `\n`, byte for byte, so that offsets into it hold: it
/// ends a line, as in HTML and in every position ddlink gives, but miette would draw it inside
/// the line.
fn lone_returns_as_newlines(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for at in 0..bytes.len() {
        if bytes[at] == b'\r' && bytes.get(at + 1) != Some(&b'\n') {
            bytes[at] = b'\n';
        }
    }
    Cow::Owned(String::from_utf8(bytes).expect("one ASCII byte for another"))
}

/// One finding as a miette diagnostic.
struct Finding<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<ExcerptSource>,
    label: Option<SourceSpan>,
}

impl fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("diagnostic", self.diagnostic)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&visible::line(self.diagnostic.message()))
    }
}

impl std::error::Error for Finding<'_> {}

impl miette::Diagnostic for Finding<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let rule = self.diagnostic.rule;
        Some(Box::new(format!("{}({})", rule.code, rule.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help()
            .map(|h| Box::new(visible::line(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.label?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.diagnostic.rule.name.to_owned()),
            span,
        ))))
    }
}

pub fn write(out: &mut dyn Write, report: &FileReport, style: &HumanStyle) -> io::Result<()> {
    let handler = style.handler();
    let path = visible::line(&report.path);
    for (diagnostic, located) in report.diagnostics.iter().zip(&report.located) {
        let (source, label) = match &located.excerpt {
            Some(excerpt) => {
                let start = excerpt.text_offset(diagnostic.span.start);
                let end = excerpt.text_offset(diagnostic.span.end).max(start);
                let (source, label) = source_for(&path, excerpt, start, end, located.start);
                (Some(source), Some(label))
            }
            None => (None, None),
        };
        let finding = Finding {
            diagnostic,
            source,
            label,
        };
        let mut rendered = String::new();
        handler
            .render_report(&mut rendered, &finding)
            .map_err(io::Error::other)?;
        if located.excerpt.is_none() {
            // No source to show: say where in words.
            let _ = writeln!(
                rendered,
                "  at {}:{}:{}",
                path, located.start.line, located.start.column
            );
        }
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}

/// Render a fatal error (unreadable file, bad argument) the same way, its control characters
/// shown (it may quote a file name, an argument or a line of ddlink.toml).
pub fn render_error(error: &dyn miette::Diagnostic, style: &HumanStyle) -> String {
    let error = Shown::of(error);
    let mut rendered = String::new();
    if style
        .handler()
        .render_report(&mut rendered, &error)
        .is_err()
    {
        rendered = error.to_string();
    }
    rendered
}

/// A copy of a diagnostic, its causes and related diagnostics, with every text shown as
/// [`visible`] says, and its labels moved with the source text they mark.
#[derive(Debug)]
struct Shown {
    message: String,
    code: Option<String>,
    severity: Option<miette::Severity>,
    help: Option<String>,
    url: Option<String>,
    source: Option<ShownSource>,
    labels: Vec<LabeledSpan>,
    cause: Option<Box<Shown>>,
    /// Whether the cause is a diagnostic, which miette renders as one (a plain error's
    /// message is written as it is).
    cause_is_diagnostic: bool,
    related: Vec<Shown>,
}

/// The source text of a [`Shown`], with the name the original gave it, if any.
#[derive(Debug)]
struct ShownSource {
    name: Option<String>,
    text: String,
}

impl SourceCode for ShownSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let Some(name) = &self.name else {
            return Ok(inner);
        };
        Ok(named(name.clone(), &*inner, inner.line(), inner.column()))
    }
}

impl Shown {
    fn of(diagnostic: &dyn miette::Diagnostic) -> Self {
        let text = |display: &dyn fmt::Display| masked(visible::line(&display.to_string()));
        let mut shown = Self::of_error(diagnostic);
        shown.code = diagnostic.code().map(|code| text(&code));
        shown.severity = diagnostic.severity();
        shown.help = diagnostic.help().map(|help| text(&help));
        shown.url = diagnostic.url().map(|url| text(&url));
        if let Some(cause) = diagnostic.diagnostic_source() {
            shown.cause = Some(Box::new(Self::of(cause)));
            shown.cause_is_diagnostic = true;
        }
        shown.related = diagnostic
            .related()
            .map(|related| related.map(Self::of).collect())
            .unwrap_or_default();
        let labels: Vec<LabeledSpan> = diagnostic.labels().into_iter().flatten().collect();
        let whole = SourceSpan::new(0.into(), 0);
        if let Some(contents) = diagnostic
            .source_code()
            .and_then(|source| source.read_span(&whole, usize::MAX, usize::MAX).ok())
        {
            // A configuration's excerpt shows the lines around its error, where a credential
            // may be written (`portal = "…?access_token=…"`): masked, one `*` per byte.
            let mut bytes = contents.data().to_vec();
            ddlink::source::mask_credential_values(&mut bytes);
            let text = String::from_utf8_lossy(&bytes);
            let mut offsets: Vec<usize> = labels
                .iter()
                .flat_map(|label| [label.offset(), label.offset() + label.len()])
                .map(|offset| floor_boundary(&text, offset.min(text.len())))
                .collect();
            let source = visible::excerpt(&text, &mut offsets);
            shown.source = Some(ShownSource {
                name: contents.name().map(|name| visible::line(name).into_owned()),
                text: source,
            });
            shown.labels = labels
                .iter()
                .zip(offsets.chunks_exact(2))
                .map(|(label, span)| {
                    let span = SourceSpan::new(span[0].into(), span[1].saturating_sub(span[0]));
                    let text = label.label().map(|l| visible::line(l).into_owned());
                    if label.primary() {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    }
                })
                .collect();
        }
        shown
    }

    /// A plain error (a cause that is no diagnostic), and its own causes.
    fn of_error(error: &dyn std::error::Error) -> Self {
        Shown {
            message: masked(visible::line(&error.to_string())),
            code: None,
            severity: None,
            help: None,
            url: None,
            source: None,
            labels: Vec::new(),
            cause: error.source().map(|cause| Box::new(Self::of_error(cause))),
            cause_is_diagnostic: false,
            related: Vec::new(),
        }
    }
}

/// `text` with the value after each credential key masked: an error quotes what it is about
/// (an argument, a `--portal` URL copied with its `access_token=…`), and CI logs are often
/// public.
fn masked(text: std::borrow::Cow<'_, str>) -> String {
    ddlink::source::mask_credentials_in_prose(&text).unwrap_or_else(|| text.into_owned())
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl miette::Diagnostic for Shown {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.severity
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }

    fn diagnostic_source(&self) -> Option<&dyn miette::Diagnostic> {
        self.cause
            .as_deref()
            .filter(|_| self.cause_is_diagnostic)
            .map(|cause| cause as &dyn miette::Diagnostic)
    }
}
