//! miette graphical reports: the source lines, a label under the span, help.

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::FileReport;
use ddlink::source::Excerpt;
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
/// the excerpt, and line numbers are shifted back to the file's.
struct ExcerptSource {
    name: String,
    excerpt: Excerpt,
}

impl SourceCode for ExcerptSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .excerpt
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.excerpt.first_line - 1,
            inner.column(),
            inner.line_count(),
        )))
    }
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
        f.write_str(&self.diagnostic.message)
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
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
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
    for (diagnostic, located) in report.diagnostics.iter().zip(&report.located) {
        let (source, label) = match &located.excerpt {
            Some(excerpt) => {
                let start = excerpt.text_offset(diagnostic.span.start);
                let end = excerpt.text_offset(diagnostic.span.end).max(start);
                (
                    Some(ExcerptSource {
                        name: report.path.clone(),
                        excerpt: excerpt.clone(),
                    }),
                    Some(SourceSpan::new(start.into(), end - start)),
                )
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
                report.path, located.start.line, located.start.column
            );
        }
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}

/// Render a fatal error (unreadable file, bad argument) the same way.
pub fn render_error(error: &dyn miette::Diagnostic, style: &HumanStyle) -> String {
    let mut rendered = String::new();
    if style.handler().render_report(&mut rendered, error).is_err() {
        rendered = error.to_string();
    }
    rendered
}
