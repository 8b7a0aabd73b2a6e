//! ddlink finds, checks and expands DeskDirector portal deep links in PSA e-mail templates.
//!
//! Architecture, bottom up. [`command`] is the deep-link grammar: pure parsing and formatting
//! of links and commands, no HTML and no I/O. [`rules`] is the catalogue: one file per rule,
//! each judging a [`rules::LinkSite`] (a parsed link plus where it sits and how its parts map
//! to input bytes) and pushing [`Diagnostic`]s. [`rewrite`] streams a document through one
//! lol_html pass, finds every link in `href`s, text and inert contexts, and runs the rules on
//! each (a quick pass that reads only link elements comes first, for speed, and hands over
//! to the full one when the document holds more). [`source`] turns byte spans into lines and columns afterwards. The `report` and `cli`
//! modules of the binary render and drive all of it; nothing in this library prints or exits.

pub mod charref;
pub mod command;
pub mod config;
pub mod diagnostic;
pub mod dialect;
pub mod error;
pub mod expand;
pub mod fix;
pub(crate) mod intern;
pub mod rewrite;
pub mod rules;
pub mod source;

pub use command::{Command, DeepLink, Portal};
pub use diagnostic::{Diagnostic, Edit, Fix, Severity, Span};
pub use rewrite::{Analysis, FileKind, Fixed, FixedFile, FixedStream, Rewriter, RewriterOptions};
