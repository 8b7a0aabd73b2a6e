//! Fatal errors: the tool could not do its job for a file or for the run (exit code 2).
//! Findings in a template are never errors: they are [`crate::Diagnostic`]s.

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

/// Everything that stops ddlink from reading or judging an input.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("cannot read `{path}`: {cause}")]
    #[diagnostic(code(ddlink::read), help("check that the path exists and is readable"))]
    Read { path: PathBuf, cause: io::Error },

    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    #[diagnostic(code(ddlink::stdin))]
    Stdin(io::Error),

    /// The input is UTF-16 or UTF-32 (by its byte-order mark, or without one by the NUL bytes
    /// around its ASCII), or in another encoding that is not ASCII-compatible.
    #[error("`{path}` is {encoding}, an unsupported encoding")]
    #[diagnostic(
        code(ddlink::unsupported_encoding),
        help(
            "ddlink reads UTF-8 and other ASCII-compatible encodings; save the template as UTF-8"
        )
    )]
    UnsupportedEncoding {
        path: PathBuf,
        encoding: &'static str,
    },

    /// The input's `<meta>` tag declares an encoding that is not ASCII-compatible: one that
    /// the WHATWG Encoding Standard maps to its replacement encoding (`iso-2022-kr`,
    /// `hz-gb-2312`, …), or ISO-2022-JP. Named by the label the file gives, which is what the
    /// user can find in it.
    #[error(
        "`{path}` declares its encoding as `{label}` (in a <meta> tag), which ddlink cannot read: {reason}"
    )]
    #[diagnostic(
        code(ddlink::unsupported_encoding),
        help(
            "give the encoding the template is really in with `--encoding LABEL`, which wins over the <meta> tag, or save the template as UTF-8 and declare <meta charset=\"utf-8\">"
        )
    )]
    UnsupportedDeclaredEncoding {
        path: PathBuf,
        label: String,
        reason: &'static str,
    },

    /// A ddlink.toml that cannot be read or is not valid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// A `--select` or `--ignore` entry that names no rule.
    #[error("`{0}` names no rule")]
    #[diagnostic(code(ddlink::selector), help("{1}"))]
    Selector(String, String),

    /// `--select` given with nothing in it (`--select ""`): running every rule would be the
    /// opposite of what it says.
    #[error("`--select` names no rule: it is empty")]
    #[diagnostic(
        code(ddlink::selector),
        help(
            "give codes (DD403), code prefixes (DD4) or names (desktop-link-in-email); leave `--select` out to run every rule"
        )
    )]
    EmptySelect,

    /// `ddlink init` found a ddlink.toml already.
    #[error("`{0}` exists already")]
    #[diagnostic(code(ddlink::init), help("edit it, or remove it to start again"))]
    ConfigExists(PathBuf),

    /// A file could not be written.
    #[error("cannot write `{path}`: {cause}")]
    #[diagnostic(code(ddlink::write))]
    Write { path: PathBuf, cause: io::Error },

    /// An `--encoding` label that names no encoding ddlink can read.
    #[error("`{0}` is not an encoding ddlink can read")]
    #[diagnostic(
        code(ddlink::encoding),
        help(
            "give a WHATWG label of an ASCII-compatible encoding, e.g. utf-8, windows-1252, iso-8859-2, shift_jis"
        )
    )]
    Encoding(String),

    /// `--output-file` names one of the inputs (named, found by a folder walk, or the file
    /// standard input stands for): the report would overwrite a template.
    #[error("`--output-file {0}` names a file this run reads: the report would overwrite it")]
    #[diagnostic(
        code(ddlink::output_file),
        help(
            "write the report to another file, outside the templates the run reads (a report kept among them can be left out of folder walks with `exclude` in ddlink.toml)"
        )
    )]
    ReportOverInput(PathBuf),

    /// `--output-file` names a file of the run other than a template: a configuration (the
    /// one `--config` names, or a `ddlink.toml`, which a run reads), or a result `fix
    /// --out-dir` writes.
    #[error("`--output-file {path}` names {what}: the report would overwrite it")]
    #[diagnostic(code(ddlink::output_file), help("write the report to another file"))]
    ReportOverRunFile { path: PathBuf, what: &'static str },

    /// Two inputs whose results `--out-dir` would write to one path.
    #[error("`{path}` was not fixed: under --out-dir its result would overwrite that of `{other}`")]
    #[diagnostic(
        code(ddlink::out_dir_collision),
        help("fix the two in separate runs, or name both from the folder they share")
    )]
    OutDirCollision { path: PathBuf, other: PathBuf },

    /// A file `fix` must not write in place.
    #[error("`{path}` was not written: {reason}")]
    #[diagnostic(code(ddlink::not_written), help("{help}"))]
    NotWritten {
        path: PathBuf,
        reason: Cow<'static, str>,
        help: &'static str,
    },

    /// The file changed on disk while it was being fixed.
    #[error("`{0}` changed on disk while it was being fixed; it was left as it is now")]
    #[diagnostic(code(ddlink::changed_on_disk), help("run ddlink fix again"))]
    ChangedOnDisk(PathBuf),

    /// The snippets of a configured `templates_dir` cannot be used.
    #[error("templates_dir: {error}")]
    #[diagnostic(
        code(ddlink::templates_dir),
        help(
            "fix `templates_dir` in ddlink.toml or the snippet it names, or remove `templates_dir` to use the built-in snippets"
        )
    )]
    Snippets {
        dir: PathBuf,
        error: crate::expand::SnippetError,
    },

    /// A `--portal` (or configured portal) value that is not a portal origin.
    #[error("invalid portal: {0}")]
    #[diagnostic(
        code(ddlink::portal),
        help("pass the portal's origin, e.g. `--portal https://acme.deskdirector.com`")
    )]
    // Not `#[from]`: that would make the reason a cause, printed a second time below.
    Portal(crate::command::PortalError),

    /// The file was deleted (or its folder removed) while it was being fixed.
    #[error("`{0}` was deleted while it was being fixed; nothing was written")]
    #[diagnostic(
        code(ddlink::deleted),
        help("nothing to do, unless the file comes back: then run ddlink fix again")
    )]
    Deleted(PathBuf),

    /// A write failed for want of room: a full disk, a quota, or a file-size limit.
    #[error("cannot write `{path}`: {cause}")]
    #[diagnostic(
        code(ddlink::no_space),
        help(
            "free some space, or raise the quota or the file-size limit (`ulimit -f`); the original was left as it is"
        )
    )]
    NoSpace { path: PathBuf, cause: io::Error },

    /// A bug in ddlink (a panic) while it processed one file; the other files were processed.
    #[error("internal error while processing `{path}`: {message}")]
    #[diagnostic(
        code(ddlink::internal),
        help("the file was left as it is; please report this bug with the template")
    )]
    Internal { path: PathBuf, message: String },
}

impl Error {
    /// What reading `path` failing is, for `map_err`.
    pub fn reading(path: &Path) -> impl Fn(io::Error) -> Error + Copy + '_ {
        move |cause| Error::Read {
            path: path.to_path_buf(),
            cause,
        }
    }
}
