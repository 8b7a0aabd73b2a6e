//! The JSON document of SPEC §5.1.

use std::io::{self, Write};

use serde::Serialize;

use super::{FileReport, Summary};
use ddlink::Edit;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    summary: JsonSummary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// With `--show-dialect` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    dialects: Option<Vec<JsonDialect<'a>>>,
}

#[derive(Serialize)]
struct JsonDialect<'a> {
    path: &'a str,
    dialect: Option<&'static str>,
    source: Option<String>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    fixable: usize,
    changed: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    span: JsonSpan,
    line: usize,
    column: usize,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    safe: bool,
    edits: &'a [Edit],
}

pub fn write(
    out: &mut dyn Write,
    reports: &[FileReport],
    summary: &Summary,
    dialects: bool,
) -> io::Result<()> {
    let diagnostics = reports
        .iter()
        .flat_map(|report| {
            report
                .diagnostics
                .iter()
                .zip(&report.located)
                .map(move |(d, located)| JsonDiagnostic {
                    path: &report.path,
                    code: d.rule.code,
                    name: d.rule.name,
                    severity: d.severity.as_str(),
                    message: d.message(),
                    help: d.help(),
                    span: JsonSpan {
                        start: d.span.start,
                        end: d.span.end,
                    },
                    line: located.start.line,
                    column: located.start.column,
                    fix: d.fix.as_ref().map(|fix| JsonFix {
                        safe: fix.is_safe(),
                        edits: &fix.edits,
                    }),
                })
        })
        .collect();
    let document = Document {
        version: 1,
        summary: JsonSummary {
            files: summary.files,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            fixable: summary.fixable,
            changed: summary.changed,
        },
        diagnostics,
        dialects: dialects.then(|| {
            reports
                .iter()
                .map(|r| JsonDialect {
                    path: &r.path,
                    dialect: r.dialect.dialect.map(ddlink::dialect::Dialect::as_str),
                    source: r.dialect.source.as_ref().map(ToString::to_string),
                })
                .collect()
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(super::json_error)?;
    writeln!(out)
}
