//! Writing to the terminal: colour decisions, and a closed pipe that ends the run quietly.

use std::io::{self, IsTerminal, Write};

use crate::report::HumanStyle;

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

/// Print a fatal error to stderr.
pub fn error(error: &dyn miette::Diagnostic) {
    let rendered = crate::report::render_error(error, &stderr_style());
    let _ = writeln!(io::stderr().lock(), "{}", rendered.trim_end());
}

/// Whether a write failed only because the reader went away (`ddlink check | head`).
pub fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}
