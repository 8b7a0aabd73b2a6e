//! Rendering findings: human (miette), concise, JSON, SARIF, GitHub annotations and GitLab
//! Code Quality. Rendering only: what to render is decided by the library and `cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod concise;
mod github;
mod gitlab;
mod human;
mod json;
mod sarif;
pub mod visible;

use std::fmt::Write as _;
use std::io::{self, Write};

use ddlink::dialect::Resolved;
use ddlink::source::Located;
use ddlink::{Diagnostic, Severity};

pub use human::{HumanStyle, render_error};

/// How findings are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette reports with the source line, a label under the span and help.
    Human,
    /// One line per finding: `path:line:col: CODE message`.
    Concise,
    /// One JSON document with a summary and every finding.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality report (JSON).
    Gitlab,
}

/// Everything found in one file, positions resolved.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as the user named it (`-` or `--stdin-filename` for standard input).
    pub path: String,
    pub diagnostics: Vec<Diagnostic>,
    /// One per diagnostic, same order.
    pub located: Vec<Located>,
    /// The file's dialect and what decided it.
    pub dialect: Resolved,
    /// How many placeholders `ddlink fix` would expand in it.
    pub expandable: usize,
}

/// Totals over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings that `ddlink fix` would repair.
    pub fixable: usize,
    /// Files written (fix mode).
    pub changed: usize,
    /// Inputs that could not be checked (unreadable, bad configuration).
    pub failed: usize,
    /// Files checked but not written (fix mode: refused, or their writing failed).
    pub unwritten: usize,
    /// Whether `fixable` counts unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Placeholders that `ddlink fix` would expand (check mode).
    pub expandable: usize,
}

impl Summary {
    pub fn count(&mut self, diagnostic: &Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        if diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applies(self.unsafe_fixes))
        {
            self.fixable += 1;
        }
    }

    /// The closing line of human output.
    pub fn line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut failed = String::new();
        if self.failed > 0 {
            let _ = write!(
                failed,
                " {} could not be checked.",
                plural(self.failed, "input")
            );
        }
        if self.unwritten > 0 {
            let _ = write!(
                failed,
                " {} could not be written.",
                plural(self.unwritten, "file")
            );
        }
        if self.errors + self.warnings + self.infos == 0 {
            // Nothing read is nothing cleared: the run found no template (said on stderr).
            let verdict = if failed.is_empty() && self.files > 0 {
                "All clear: no findings"
            } else {
                "No findings"
            };
            return format!(
                "{verdict} in {}{}.{failed}",
                plural(self.files, "file"),
                self.placeholders_left()
            );
        }
        let mut line = format!(
            "Found {}, {}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.files, "file"),
        );
        if self.fixable > 0 {
            let command = if self.unsafe_fixes {
                "ddlink fix --unsafe-fixes"
            } else {
                "ddlink fix"
            };
            let _ = write!(line, " ({} fixable with `{command}`)", self.fixable);
        }
        line.push_str(&self.placeholders_left());
        line.push('.');
        line.push_str(&failed);
        line
    }

    /// What the closing line says of placeholders left to expand: a clean check of templates
    /// that still hold them is not yet what the mail system is given.
    fn placeholders_left(&self) -> String {
        match self.expandable {
            0 => String::new(),
            1 => "; 1 placeholder to expand with `ddlink fix`".to_owned(),
            n => format!("; {n} placeholders to expand with `ddlink fix`"),
        }
    }
}

/// How reports are written.
#[derive(Clone, Debug)]
pub struct Options {
    pub style: HumanStyle,
    /// Close human output with the summary line (`--quiet` turns it off).
    pub summary_line: bool,
    /// List each file's dialect (JSON: a `dialects` array).
    pub dialects: bool,
}

/// A JSON writer's error as the I/O error it is (a closed pipe stays a closed pipe).
fn json_error(error: serde_json::Error) -> io::Error {
    match error.io_error_kind() {
        Some(kind) => io::Error::from(kind),
        None => io::Error::other(error),
    }
}

/// Write every report in `format`, then (human) the summary line.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    reports: &[FileReport],
    summary: &Summary,
    options: &Options,
) -> io::Result<()> {
    match format {
        Format::Human => {
            for report in reports {
                human::write(out, report, &options.style)?;
            }
            if options.summary_line {
                writeln!(out, "{}", summary.line())?;
            }
            Ok(())
        }
        Format::Concise => {
            for report in reports {
                concise::write(out, report)?;
            }
            Ok(())
        }
        Format::Json => json::write(out, reports, summary, options.dialects),
        Format::Sarif => sarif::write(out, reports),
        Format::Github => github::write(out, reports),
        Format::Gitlab => gitlab::write(out, reports),
    }
}
