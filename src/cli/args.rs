//! The command line, as clap definitions. Each flag's doc comment is its `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use ddlink::command::Client;
use ddlink::dialect::Dialect;

/// Lint and expand DeskDirector portal deep links in PSA e-mail templates.
#[derive(Debug, Parser)]
#[command(name = "ddlink", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report deep-link problems in templates; never writes.
    Check(CheckArgs),
    /// Expand placeholders and apply safe fixes, in place (or --check, --diff, --out-dir, `-`).
    Fix(FixArgs),
    /// Print one deep link built from KEY=VALUE pairs.
    // `link` reads no template: the shared flags say what they do for the printed link.
    #[command(
        mut_arg("portal", |arg| arg.help(
            "The portal's origin, e.g. https://acme.deskdirector.com; needed for a web link when ddlink.toml has none"
        )),
        mut_arg("client", |arg| arg.help(
            "Which client the link opens [default: `client` in ddlink.toml, else web]"
        )),
        mut_arg("psa", |arg| arg.help("The dialect whose ticket-id token a ticket link gets")),
        mut_arg("encoding", |arg| arg.help(
            "Write the link in the templates' encoding, a WHATWG label (e.g. windows-1252), to paste into a template; a character it cannot write is an error"
        )),
    )]
    Link(LinkArgs),
    /// List every rule.
    Rules,
    /// Print a rule's documentation.
    Rule {
        /// A rule code (`DD106`) or name (`invalid-action`), in any case.
        code_or_name: String,
    },
    /// Write a commented ddlink.toml in the current directory.
    Init,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    Man,
}

/// Which client a link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClientArg {
    /// `https://{portal}/portal/deeplink?…`
    Web,
    /// `ddportal://…`
    Desktop,
}

impl From<ClientArg> for Client {
    fn from(client: ClientArg) -> Client {
        match client {
            ClientArg::Web => Client::Web,
            ClientArg::Desktop => Client::Desktop,
        }
    }
}

/// Flags every template command shares.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The template dialect (which PSA fills in the tokens).
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    pub psa: Option<Dialect>,

    /// The portal's origin, e.g. https://acme.deskdirector.com (portal-host checks and fixes).
    #[arg(long, value_name = "URL")]
    pub portal: Option<String>,

    /// Which client expanded links open [default: `client` in ddlink.toml, else web].
    #[arg(long, value_enum)]
    pub client: Option<ClientArg>,

    /// The templates' encoding, a WHATWG label (e.g. windows-1252); it wins over a
    /// <meta charset>, not over a byte-order mark (`encoding` in ddlink.toml applies only to
    /// templates that declare none).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,

    /// Use this configuration file instead of the closest ddlink.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Which rules run, over what the configuration says.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Run only these rules: codes, code prefixes (`DD1`) or names, comma-separated. A rule
    /// named by its code or name runs even when the configuration turns it off.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules: codes, code prefixes or names, comma-separated.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Skip files that the configuration excludes even when they are named explicitly.
    #[arg(long)]
    pub force_exclude: bool,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads standard input. Default: the current directory
    /// (standard input when --stdin-filename is given).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Say which dialect each file was read in, and what decided it.
    #[arg(long)]
    pub show_dialect: bool,

    /// How to print findings [default: human; github when GITHUB_ACTIONS=true and stdout is
    /// not a terminal].
    #[arg(long, value_enum, visible_alias = "output-format")]
    pub format: Option<Format>,

    /// The path standard input stands for (file type, configuration, dialect and messages).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Exit 0 even when error-severity findings remain.
    #[arg(long)]
    pub exit_zero: bool,

    /// Exit 1 when there are more than N warnings.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_warning_count)]
    pub max_warnings: Option<usize>,

    /// Count unsafe fixes (did-you-mean guesses, removals) as fixable, as `ddlink fix
    /// --unsafe-fixes` would apply them.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print nothing but the findings (no summary line, no skipped-file notes).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories to fix; `-` reads standard input and writes the result to
    /// standard output. Default: the current directory (standard input when
    /// --stdin-filename is given).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Write nothing; exit 1 if any file would change.
    #[arg(long, conflicts_with_all = ["diff", "out_dir"])]
    pub check: bool,

    /// Write nothing; print a unified diff of the changes.
    #[arg(long, conflicts_with = "out_dir")]
    pub diff: bool,

    /// Write the results under DIR, mirroring the input tree, instead of in place.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Also apply unsafe fixes (did-you-mean guesses, removals).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Write through a symlink named on the command line (walking never follows symlinks).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// How to print the findings that remain [default: human; github when GITHUB_ACTIONS=true
    /// and stdout is not a terminal].
    #[arg(long, value_enum, visible_alias = "output-format")]
    pub format: Option<Format>,

    /// The path standard input stands for (file type, configuration, dialect and messages).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Exit 0 even when error-severity findings remain, or more warnings than --max-warnings,
    /// or changes --check and --diff would make.
    #[arg(long)]
    pub exit_zero: bool,

    /// Exit 1 when any file was (or, with --check/--diff, would be) changed.
    #[arg(long, conflicts_with = "exit_zero")]
    pub exit_non_zero_on_fix: bool,

    /// Exit 1 when there are more than N warnings.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_warning_count)]
    pub max_warnings: Option<usize>,

    /// Print nothing but the findings (no summary line, no skipped-file notes).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The command as KEY=VALUE pairs, e.g. `name=ticket ticket_id=123 action=close`.
    #[arg(value_name = "KEY=VALUE", required = true)]
    pub pairs: Vec<String>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Print the link escaped for an HTML `href` attribute (`&` as `&amp;`).
    #[arg(long)]
    pub html: bool,
}

/// `--max-warnings N`: a count, said as one when it is not (`-1` is no count, not a flag).
fn parse_warning_count(text: &str) -> Result<usize, String> {
    text.trim().parse().map_err(|_| {
        format!("`{text}` is not a number of warnings: give a whole number, 0 or more")
    })
}

fn parse_dialect(text: &str) -> Result<Dialect, String> {
    text.parse()
        .map_err(|e: ddlink::dialect::UnknownDialect| e.to_string())
}
