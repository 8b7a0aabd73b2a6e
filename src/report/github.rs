//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding,
//! which the runner turns into annotations on the pull request.
//!
//! GitHub shows at most [`SHOWN_PER_LEVEL`] annotations of each level per step and drops the
//! rest silently, so errors come first, then warnings, then notices, and when some would be
//! dropped a closing notice says how many and how to see them all. That notice is itself a
//! notice: when the notices alone would fill their quota it goes before them, so that it is
//! one of the shown ones.

use std::io::{self, Write};

use super::FileReport;
use super::sarif::{checkout_path, sentence};
use ddlink::Severity;
use ddlink::source::Located;

/// Annotations GitHub shows per level (error, warning, notice) and step.
const SHOWN_PER_LEVEL: usize = 10;

pub fn write(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let mut findings: Vec<Finding> = reports
        .iter()
        .flat_map(|report| {
            let file = property(&checkout_path(&report.path));
            report
                .diagnostics
                .iter()
                .zip(&report.located)
                .map(move |(diagnostic, located)| Finding {
                    severity: diagnostic.severity,
                    line: annotation(
                        diagnostic.severity,
                        &file,
                        located,
                        &format!("{} ({})", diagnostic.rule.code, diagnostic.rule.name),
                        &sentence(diagnostic),
                    ),
                })
        })
        .collect();
    // Stable: within a level, findings keep the order of the reports.
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));

    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings, notices) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let over = |n: usize, shown: usize| n.saturating_sub(shown);
    let overflowing = over(errors, SHOWN_PER_LEVEL)
        + over(warnings, SHOWN_PER_LEVEL)
        + over(notices, SHOWN_PER_LEVEL)
        > 0;
    // The closing notice takes a notice's place when the notices would fill their quota.
    let notice_first = overflowing && notices >= SHOWN_PER_LEVEL;
    let limit_notice = overflowing.then(|| {
        let notices_shown = if notice_first {
            SHOWN_PER_LEVEL - 1
        } else {
            SHOWN_PER_LEVEL
        };
        hidden_notice(
            over(errors, SHOWN_PER_LEVEL),
            over(warnings, SHOWN_PER_LEVEL),
            over(notices, notices_shown),
        )
    });

    let mut limit_written = false;
    for finding in &findings {
        if notice_first && !limit_written && finding.severity == Severity::Info {
            if let Some(notice) = &limit_notice {
                writeln!(out, "{notice}")?;
            }
            limit_written = true;
        }
        writeln!(out, "{}", finding.line)?;
    }
    if !limit_written {
        if let Some(notice) = &limit_notice {
            writeln!(out, "{notice}")?;
        }
    }
    Ok(())
}

struct Finding {
    severity: Severity,
    line: String,
}

/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`
fn annotation(
    severity: Severity,
    file: &str,
    located: &Located,
    title: &str,
    message: &str,
) -> String {
    let command = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let start = located.start;
    let end = located.end.max(start);
    format!(
        "::{command} file={file},line={},col={},endLine={},endColumn={},title={}::{}",
        start.line.max(1),
        start.column.max(1),
        end.line.max(1),
        end.column.max(1),
        property(title),
        data(message),
    )
}

/// The closing `::notice::` when GitHub would drop annotations.
fn hidden_notice(errors: usize, warnings: usize, notices: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let parts: Vec<String> = [
        (errors, "error"),
        (warnings, "warning"),
        (notices, "notice"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(n, word))
    .collect();
    let list = match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let total = errors + warnings + notices;
    let verb = if total == 1 { "is" } else { "are" };
    let message = format!(
        "{list} {verb} not shown as annotations: GitHub shows at most \
         {SHOWN_PER_LEVEL} of each level per step. Run `ddlink check --format concise` to see \
         them all."
    );
    format!("::notice::{}", data(&message))
}

/// Escape a command's data (the message): `%`, CR and LF; other control characters are
/// shown (`␛`), since the Actions log would act on an escape sequence.
fn data(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in super::visible::annotation(text).chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Escape a property value: as data, and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(data("a\u{1b}[8mb\tc\u{9b}"), "a\u{241b}[8mb\tc\\u{9b}");
        assert_eq!(property("100% a:b,c\nd"), "100%25 a%3Ab%2Cc%0Ad");
    }

    #[test]
    fn hidden_notice_lists_levels() {
        assert_eq!(
            hidden_notice(0, 1, 0),
            "::notice::1 warning is not shown as annotations: GitHub shows at most 10 of each \
             level per step. Run `ddlink check --format concise` to see them all."
        );
        assert!(
            hidden_notice(2, 3, 1).starts_with("::notice::2 errors, 3 warnings and 1 notice are")
        );
    }
}
