//! The command-line layer: the only place (with `report`) that reads the environment, prints,
//! and decides the exit code.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod check;
mod fix;
mod generate;
mod init;
mod inputs;
mod link;
mod output;
mod progress;
mod rules;
mod settings;
mod write;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing at error severity.
    Success = 0,
    /// Error-severity findings remain.
    Findings = 1,
    /// The tool could not do its job (bad arguments, an unreadable file).
    Failure = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are not errors; clap prints them and says which.
            let status = if error.use_stderr() {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            };
            let _ = error.print();
            return status.into();
        }
    };
    let status = match cli.command {
        args::Command::Check(args) => check::run(&args),
        args::Command::Fix(args) => fix::run(&args),
        args::Command::Link(args) => link::run(&args),
        args::Command::Rules => rules::list(),
        args::Command::Rule { code_or_name } => rules::show(&code_or_name),
        args::Command::Init => init::run(),
        args::Command::Completions { shell } => generate::completions(shell),
        args::Command::Man => generate::man(),
    };
    status.into()
}
