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

/// One page for the whole tool: the global options, then a section for each subcommand with
/// its synopsis, description and options. (clap_mangen renders one page per command and
/// points to `ddlink-check(1)` and the like, pages that `ddlink man` could not install.)
pub fn man() -> ExitStatus {
    match render_man() {
        Ok(page) => emit(&page),
        Err(_) => ExitStatus::Failure,
    }
}

fn render_man() -> io::Result<Vec<u8>> {
    let mut command = Cli::command();
    command.build();
    let page = clap_mangen::Man::new(command.clone());
    let mut buffer = Vec::new();
    page.render_title(&mut buffer)?;
    page.render_name_section(&mut buffer)?;
    page.render_synopsis_section(&mut buffer)?;
    page.render_description_section(&mut buffer)?;
    page.render_options_section(&mut buffer)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("ddlink {}", sub.get_name()).to_uppercase();
        writeln!(buffer, ".SH \"{name}\"")?;
        let sub_page = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        sub_page.render_synopsis_section(&mut section)?;
        sub_page.render_description_section(&mut section)?;
        sub_page.render_options_section(&mut section)?;
        for line in String::from_utf8_lossy(&section).lines() {
            match line.strip_prefix(".SH ") {
                // The synopsis opens the subcommand's section, a paragraph describes it, and
                // its options are subsections.
                Some("SYNOPSIS") => {}
                Some("DESCRIPTION") => writeln!(buffer, ".PP")?,
                Some(heading) => writeln!(buffer, ".SS {}", title_case(heading))?,
                None => writeln!(buffer, "{line}")?,
            }
        }
    }
    page.render_version_section(&mut buffer)?;
    Ok(buffer)
}

/// `OPTIONS` as `Options`, for a subsection heading.
fn title_case(heading: &str) -> String {
    let heading = heading.trim_matches('"');
    let mut chars = heading.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_string() + &chars.as_str().to_lowercase()
    })
}

fn emit(bytes: &[u8]) -> ExitStatus {
    output::print_stdout(bytes)
}
