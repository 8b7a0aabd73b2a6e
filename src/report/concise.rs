//! `path:line:col: CODE message`, one finding per line.

use std::io::{self, Write};

use super::FileReport;

pub fn write(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    for (diagnostic, located) in report.diagnostics.iter().zip(&report.located) {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            report.path,
            located.start.line,
            located.start.column,
            diagnostic.rule.code,
            diagnostic.message()
        )?;
    }
    Ok(())
}
