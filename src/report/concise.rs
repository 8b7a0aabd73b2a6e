//! `path:line:col: CODE message`, one finding per line.

use std::io::{self, Write};

use super::{FileReport, visible};

pub fn write(out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
    let path = visible::line(&report.path);
    for (diagnostic, located) in report.diagnostics.iter().zip(&report.located) {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            path,
            located.start.line,
            located.start.column,
            diagnostic.rule.code,
            visible::line(diagnostic.message())
        )?;
    }
    Ok(())
}
