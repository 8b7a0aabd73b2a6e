//! Fatal errors: the tool could not do its job for a file or for the run (exit code 2).
//! Findings in a template are never errors: they are [`crate::Diagnostic`]s.

use std::io;
use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

/// Everything that stops ddlink from reading or judging an input.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(code(ddlink::read), help("check that the path exists and is readable"))]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    #[diagnostic(code(ddlink::stdin))]
    Stdin(#[source] io::Error),

    /// The input starts with a UTF-16 or UTF-32 byte-order mark.
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

    /// A `--portal` (or configured portal) value that is not a portal origin.
    #[error("invalid portal: {0}")]
    #[diagnostic(
        code(ddlink::portal),
        help("pass the portal's origin, e.g. `--portal https://acme.deskdirector.com`")
    )]
    Portal(#[from] crate::command::PortalError),
}
