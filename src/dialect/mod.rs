//! The template dialects of SPEC §2: which PSA fills in the template's tokens, how a file's
//! dialect is decided, and the tokens each dialect knows.

pub mod token;
pub mod vocabulary;

use std::fmt;
use std::str::FromStr;

/// The mail system whose tokens a template uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// ConnectWise Manage: `[srnumber]`, `[contactfirstname]`.
    ConnectWise,
    /// Autotask: `[Ticket: ID]`, `[Contact: Email Address]`.
    Autotask,
    /// DeskDirector's own Liquid templates: `{{ Ticket.Id }}`.
    DeskDirector,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [
        Dialect::ConnectWise,
        Dialect::Autotask,
        Dialect::DeskDirector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::ConnectWise => "connectwise",
            Dialect::Autotask => "autotask",
            Dialect::DeskDirector => "deskdirector",
        }
    }

    /// The token that stands for the ticket's numeric id.
    pub fn ticket_id_token(self) -> &'static str {
        match self {
            Dialect::ConnectWise => "[srnumber]",
            Dialect::Autotask => "[Ticket: ID]",
            Dialect::DeskDirector => "{{ Ticket.Id }}",
        }
    }

    /// The token that stands for the contact's e-mail address; ConnectWise has none by default.
    pub fn contact_email_token(self) -> Option<&'static str> {
        match self {
            Dialect::ConnectWise => None,
            Dialect::Autotask => Some("[Contact: Email Address]"),
            Dialect::DeskDirector => Some("{{ Contact.Email }}"),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown dialect name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown PSA dialect `{0}`: expected connectwise, autotask or deskdirector")]
pub struct UnknownDialect(pub String);

impl FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownDialect(s.to_owned()))
    }
}

/// The language of an Autotask instance: Autotask translates variable names, and an instance
/// resolves only its own language's names (`[Ticket: ID]` in English and German,
/// `[Ticket: Id.]` in Spanish).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    #[default]
    En,
    De,
    Es,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::De, Language::Es];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Es => "es",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown Autotask language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown Autotask language `{0}`: expected en, de or es")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}

/// What decided a file's dialect, first match wins: the flag, a `<!-- ddlink: psa=… -->`
/// comment in the file, the configuration (an `[[overrides]]` glob, then `psa`), detection
/// from the file's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Directive,
    /// Where in the configuration, e.g. `ddlink.toml` or `ddlink.toml [[overrides]] autotask/**`.
    Config(String),
    /// Detected from this many known tokens.
    Detected(usize),
    /// Not decided: the file holds known tokens of more than one dialect, this many of each
    /// (the most first), none three times as many as the others together.
    Mixed(Vec<(Dialect, usize)>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("from --psa"),
            Source::Directive => f.write_str("from a `<!-- ddlink: psa=… -->` comment"),
            Source::Config(place) => write!(f, "from {place}"),
            Source::Detected(1) => f.write_str("detected from 1 known token"),
            Source::Detected(n) => write!(f, "detected from {n} known tokens"),
            Source::Mixed(seen) => {
                f.write_str("known tokens of more than one PSA: ")?;
                for (at, (dialect, count)) in seen.iter().enumerate() {
                    let separator = if at == 0 { "" } else { ", " };
                    write!(f, "{separator}{count} {dialect}")?;
                }
                Ok(())
            }
        }
    }
}

/// A file's dialect and what decided it; `dialect: None` when nothing did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    pub dialect: Option<Dialect>,
    pub source: Option<Source>,
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.dialect, &self.source) {
            (Some(dialect), Some(source)) => write!(f, "{dialect} ({source})"),
            (Some(dialect), None) => write!(f, "{dialect}"),
            (None, Some(source @ Source::Mixed(_))) => write!(f, "undetermined ({source}; no --psa, no `<!-- ddlink: psa=… -->` comment, no `psa` in ddlink.toml)"),
            (None, _) => f.write_str("undetermined (no --psa, no `<!-- ddlink: psa=… -->` comment, no `psa` in ddlink.toml, no known tokens)"),
        }
    }
}
