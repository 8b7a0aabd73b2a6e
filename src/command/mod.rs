//! The deep-link grammar of SPEC §1: pure data and functions, no HTML and no I/O.
//!
//! [`parse_link`] reads any portal link without loss (every key and value keeps its byte range),
//! [`DeepLink`] and [`Command`] build and format V2 links canonically, and [`spec`] holds the
//! command table that the rules check against.

mod format;
mod parse;
pub mod spec;
pub mod token;
pub mod value;

pub use format::{
    Command, DeepLink, DeepLinkError, Portal, PortalError, Target, credential_ranges,
    mask_credentials,
};
pub use parse::{
    Client, EnvelopeIssue, LegacyV1, LinkKind, Param, ParsedLink, PortalHosts, PortalRepair,
    ascii_host, parse_link, parse_params, quoted_naming_spaces,
};
