//! `ddlink completions SHELL` and `ddlink man`: generated from the clap definition, so they
//! never drift from `--help`.

use std::io::{self, Write};

use clap::CommandFactory;

use super::args::Cli;
use super::{ExitStatus, output};

pub fn completions(shell: clap_complete::Shell) -> ExitStatus {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "ddlink", &mut buffer);
    emit(&buffer)
}

pub fn man() -> ExitStatus {
    let mut buffer = Vec::new();
    if clap_mangen::Man::new(Cli::command())
        .render(&mut buffer)
        .is_err()
    {
        return ExitStatus::Failure;
    }
    emit(&buffer)
}

fn emit(bytes: &[u8]) -> ExitStatus {
    match io::stdout().lock().write_all(bytes) {
        Err(error) if !output::is_closed_pipe(&error) => ExitStatus::Failure,
        _ => ExitStatus::Success,
    }
}
