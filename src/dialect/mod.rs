//! The template dialects of SPEC §2: which PSA fills in the template's tokens.

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
