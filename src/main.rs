//! The `ddlink` command: parse arguments, run, exit. Everything else is in `cli`.

mod cli;
mod report;

fn main() -> std::process::ExitCode {
    cli::run()
}
