//! Writing to the terminal: colour decisions, and a closed pipe that ends the run quietly.

use std::io::{self, IsTerminal, Write};

use super::ExitStatus;
use crate::report::{Format, HumanStyle};

/// Human-output style for a stream: colour only on a terminal and without `NO_COLOR`.
pub fn style(terminal: bool) -> HumanStyle {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = if terminal {
        terminal_width().unwrap_or(100)
    } else {
        100
    };
    HumanStyle {
        color: terminal && !no_color,
        width,
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

pub fn stdout_style() -> HumanStyle {
    style(io::stdout().is_terminal())
}

pub fn stderr_style() -> HumanStyle {
    style(io::stderr().is_terminal())
}

/// The format asked for, or the default: GitHub annotations inside GitHub Actions when
/// stdout is not a terminal, human otherwise.
pub fn format(asked: Option<Format>) -> Format {
    asked.unwrap_or_else(|| {
        let actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        if actions && !io::stdout().is_terminal() {
            Format::Github
        } else {
            Format::Human
        }
    })
}

/// The human style for a report written to a file (no colour) or to stdout.
pub fn report_style(to_file: bool) -> HumanStyle {
    if to_file {
        style(false)
    } else {
        stdout_style()
    }
}

/// Run `write` on the report's destination: buffered stdout, or `--output-file`. A regular
/// file (or a new one, in folders made as needed) is written whole, then renamed into place, so that a reader never sees
/// half a report; it gets the mode the file had, or the one a new file gets (0666 less the
/// umask). Anything else is written through as a shell redirection would: a symlink (to its
/// target), a FIFO, `/dev/stdout`, a process substitution's `/dev/fd/N`.
pub fn to_destination(
    file: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let Some(path) = file else {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        write(&mut out)?;
        return out.flush();
    };
    let existing = std::fs::symlink_metadata(path).ok();
    if existing
        .as_ref()
        .is_some_and(|metadata| !metadata.file_type().is_file())
    {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        write(&mut out)?;
        return out.flush();
    }
    let folder = path
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    // As a CI artifact path is often written (`reports/ddlink.sarif`), and the run's work is
    // done by now: a missing folder is made rather than the report lost.
    super::write::create_folders(folder)?;
    let mut temporary = super::write::temporary_for_new_file(folder)?;
    {
        let mut buffered = io::BufWriter::new(temporary.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    if let Some(metadata) = existing {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())?;
    }
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// What a failed write of the report means for the run: nothing when it succeeded, a quiet
/// success when the reader went away, a reported failure otherwise.
pub fn failed_delivery(
    written: io::Result<()>,
    file: Option<&std::path::Path>,
) -> Option<ExitStatus> {
    let error = written.err()?;
    if is_closed_pipe(&error) {
        return Some(ExitStatus::Success);
    }
    self::error(&ddlink::error::Error::Write {
        path: file.map_or_else(|| "<stdout>".into(), std::path::Path::to_path_buf),
        cause: error,
    });
    Some(ExitStatus::Failure)
}

/// Write a command's whole output (a list, a page, a link) to standard output: a failed write
/// says why and fails the run (`ddlink rules > /dev/full`), a reader that went away does not.
pub fn print_stdout(bytes: &[u8]) -> ExitStatus {
    let mut stdout = io::stdout().lock();
    let written = stdout.write_all(bytes).and_then(|()| stdout.flush());
    failed_delivery(written, None).unwrap_or(ExitStatus::Success)
}

/// Print a fatal error to stderr.
pub fn error(error: &dyn miette::Diagnostic) {
    let rendered = crate::report::render_error(error, &stderr_style());
    let _ = writeln!(io::stderr().lock(), "{}", rendered.trim_end());
}

/// Whether a write failed only because the reader went away (`ddlink check | head`).
pub fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

/// Whether the run found more warnings than `--max-warnings` allows, said on standard error
/// (the report's counts alone do not tell why the run failed).
pub fn too_many_warnings(max: Option<usize>, warnings: usize) -> bool {
    let Some(max) = max.filter(|&max| warnings > max) else {
        return false;
    };
    let _ = writeln!(
        io::stderr(),
        "ddlink: {warnings} warning{}, more than --max-warnings {max} allows",
        if warnings == 1 { "" } else { "s" }
    );
    true
}
