//! Building deep links: [`Command`], [`Portal`] and [`DeepLink`], with canonical formatting.
//!
//! Canonical form: `name` first, then the command's keys in the order of the spec table, then
//! keys the table does not know (in their original order), auth parameters last. Values are
//! written as given (a template token is never percent-encoded), but for an `&` or `#` outside
//! tokens, which would split the command: see [`Command`]'s `Display`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use thiserror::Error;

use super::parse::{Client, LinkKind, ParsedLink, PortalHosts, parse_link};
use super::spec::{AUTH_KEYS, NAME_KEY, command_spec, is_auth_key};
use super::token::find_outside_tokens;

/// A deep-link command: its `key=value` pairs in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    pairs: Vec<(String, String)>,
}

impl Command {
    pub fn new(name: impl Into<String>) -> Self {
        Command {
            pairs: vec![(NAME_KEY.to_owned(), name.into())],
        }
    }

    /// An empty command (for auth-only links).
    pub fn empty() -> Self {
        Command::default()
    }

    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// Set `key`, replacing its first occurrence or appending it.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        match self.pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.into(),
            None => self.pairs.push((key.to_owned(), value.into())),
        }
    }

    pub fn name(&self) -> Option<&str> {
        self.get(NAME_KEY)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Parse the text of a command (`name=ticket&ticket_id=1`), pairs as written; a pair without
    /// `=` has an empty value.
    pub fn parse(text: &str) -> Command {
        let params = super::parse::parse_params(text, 0..text.len());
        Command {
            pairs: params
                .into_iter()
                .map(|p| {
                    (
                        text[p.key].to_owned(),
                        p.value.map(|v| text[v].to_owned()).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }

    /// The same pairs in canonical order (a stable sort: duplicates keep their order).
    #[must_use]
    pub fn canonical(&self) -> Command {
        let spec = self.name().and_then(command_spec);
        let rank = |key: &str| -> (u8, usize) {
            if key == NAME_KEY {
                return (0, 0);
            }
            if let Some(index) = AUTH_KEYS.iter().position(|k| k.key == key) {
                return (3, index);
            }
            match spec.and_then(|s| s.keys().position(|k| k.key == key)) {
                Some(index) => (1, index),
                None => (2, 0),
            }
        };
        let mut pairs = self.pairs.clone();
        pairs.sort_by_key(|(key, _)| rank(key));
        Command { pairs }
    }

    /// Whether the command carries nothing but auth parameters (an auth-only login link).
    pub fn is_auth_only(&self) -> bool {
        !self.pairs.is_empty() && self.pairs.iter().all(|(k, _)| is_auth_key(k))
    }
}

impl fmt::Display for Command {
    /// Keys and values as given, except that an `&` or `#` outside template tokens, which
    /// would start another pair or end the command, is percent-encoded (`%26`, `%23`), and so
    /// is an `=` in a key: the link then reads back as the same pairs, and the portal decodes
    /// the escapes to the values given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (key, value)) in self.pairs.iter().enumerate() {
            if index > 0 {
                f.write_str("&")?;
            }
            write_escaped(f, key, b"&#=")?;
            f.write_str("=")?;
            write_escaped(f, value, b"&#")?;
        }
        Ok(())
    }
}

/// `text` with each of `needles` outside template tokens percent-encoded.
fn write_escaped(f: &mut fmt::Formatter<'_>, mut text: &str, needles: &[u8]) -> fmt::Result {
    while let Some(at) = find_outside_tokens(text, needles) {
        write!(f, "{}%{:02X}", &text[..at], text.as_bytes()[at])?;
        text = &text[at + 1..];
    }
    f.write_str(text)
}

/// The web portal's origin: `https://acme.deskdirector.com` or a custom domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Portal {
    origin: String,
    host: String,
}

/// Why a portal URL was refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PortalError {
    #[error("`{0}` is not a URL: {1}")]
    NotAUrl(String, String),
    #[error("the portal must be an https:// URL, not `{0}`")]
    NotHttps(String),
    #[error("the portal URL `{0}` has no host name (such as `acme.deskdirector.com`)")]
    NoHost(String),
    #[error(
        "the portal URL `{0}` must be the portal's origin only (no path, query or fragment), e.g. `https://acme.deskdirector.com`"
    )]
    NotAnOrigin(String),
    #[error(
        "the portal URL `{0}` holds a user name or password: the portal goes into every link, and so to every recipient"
    )]
    Credentials(String),
    #[error(
        "the portal `{0}` is a documentation placeholder, not a portal: write your DeskDirector portal's host (such as `acme.deskdirector.com`)"
    )]
    Placeholder(String),
    #[error(
        "the portal `{0}` is a file's name, not a host: write the portal's origin, e.g. `https://acme.deskdirector.com`"
    )]
    FileName(String),
}

/// The endings of the files a portal's host is mistaken for (`--portal approval.html`, the URL
/// left out before a path): none of them is a top-level domain.
const FILE_ENDINGS: &[&str] = &[
    "html", "htm", "mjml", "txt", "hbs", "liquid", "toml", "json", "eml",
];

/// The byte ranges of the user names and passwords written into URLs in `text`: what no
/// message and no excerpt may show. A run of user-information characters right before an `@`
/// is one when a `://` stands before it or it holds a `:` (`user:password@host`, with or without
/// a scheme); an e-mail address (`support@acme.com`) is not.
pub fn credential_ranges(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    for at in memchr::memchr_iter(b'@', bytes) {
        let start = bytes[..at]
            .iter()
            .rposition(|&byte| !is_userinfo_byte(byte))
            .map_or(0, |before| before + 1);
        let after_scheme = bytes[..start].ends_with(b"://");
        if start < at && (after_scheme || bytes[start..at].contains(&b':')) {
            ranges.push(start..at);
        }
    }
    ranges
}

/// A byte of a URL's user information (RFC 3986, less the quotes that end a string around it).
fn is_userinfo_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~%!$&()*+,;=:".contains(&byte) || !byte.is_ascii()
}

/// `text` with each of its [`credential_ranges`] written `***`.
pub fn mask_credentials(text: &str) -> Cow<'_, str> {
    let ranges = credential_ranges(text);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut masked = String::with_capacity(text.len());
    let mut copied = 0;
    for range in ranges {
        masked.push_str(&text[copied..range.start]);
        masked.push_str("***");
        copied = range.end;
    }
    masked.push_str(&text[copied..]);
    Cow::Owned(masked)
}

impl Portal {
    /// Parse a portal origin. A bare host (`acme.deskdirector.com`) is taken as `https://`.
    /// A user name or password in it is never repeated in the error.
    pub fn parse(text: &str) -> Result<Portal, PortalError> {
        let text = text.trim();
        let shown = || mask_credentials(text).into_owned();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| {
            // `https://[your-subdomain].deskdirector.com`, as the documentation writes it: to a
            // URL parser, brackets open an IPv6 address.
            let authority = with_scheme.split_once("://").map_or("", |(_, rest)| {
                rest.split(['/', '?', '#']).next().unwrap_or("")
            });
            if authority.contains([']', '}', '>'])
                && crate::rules::docs_placeholder_host::is_placeholder_host(authority)
            {
                PortalError::Placeholder(shown())
            } else {
                PortalError::NotAUrl(shown(), e.to_string())
            }
        })?;
        if url.scheme() != "https" {
            return Err(PortalError::NotHttps(shown()));
        }
        // A portal is a public host name: `notaurl` is a typo, not a host.
        let host = url
            .host_str()
            .filter(|h| h.contains('.'))
            .ok_or_else(|| PortalError::NoHost(shown()))?;
        if !url.username().is_empty() || url.password().is_some() {
            // Not repeated in the message: the password would be printed.
            let mut masked = url.clone();
            let _ = masked.set_username("***");
            let _ = masked.set_password(None);
            return Err(PortalError::Credentials(
                masked.as_str().trim_end_matches('/').to_owned(),
            ));
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(PortalError::NotAnOrigin(shown()));
        }
        // Every link would be rewritten to it (DD408), and each then reported (DD409).
        let top_level = host.rsplit('.').next().unwrap_or_default();
        if FILE_ENDINGS.contains(&top_level) {
            return Err(PortalError::FileName(shown()));
        }
        if crate::rules::docs_placeholder_host::is_placeholder_host(host) {
            return Err(PortalError::Placeholder(shown()));
        }
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Portal {
            origin: format!("https://{host}"),
            host,
        })
    }

    /// `host[:port]`, lowercase.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The portal as a recogniser of custom-domain links.
    pub fn hosts(portal: Option<&Portal>) -> PortalHosts {
        PortalHosts {
            custom: portal.map(|p| p.host.clone()).into_iter().collect(),
        }
    }
}

impl fmt::Display for Portal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

/// Where a deep link leads: the web portal or the desktop app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Web(Portal),
    Desktop,
}

impl Target {
    pub fn client(&self) -> Client {
        match self {
            Target::Web(_) => Client::Web,
            Target::Desktop => Client::Desktop,
        }
    }
}

/// A whole V2 deep link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeepLink {
    pub target: Target,
    pub command: Command,
    /// Only meaningful on ticket links.
    pub fragment: Option<String>,
}

/// Why a text is not a V2 deep link.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DeepLinkError {
    #[error("not a DeskDirector deep link")]
    NotADeepLink,
    #[error("a legacy V1 desktop link: rewrite it as `ddportal://{0}`")]
    LegacyV1(String),
    #[error("a Global Magic Token link, not a deep link")]
    GlobalMagicToken,
    #[error("a portal address-bar URL, not a deep link")]
    AddressBar,
    #[error("malformed envelope: {0}")]
    Envelope(String),
    #[error(transparent)]
    Portal(#[from] PortalError),
}

impl DeepLink {
    pub fn new(target: Target, command: Command) -> Self {
        DeepLink {
            target,
            command,
            fragment: None,
        }
    }

    /// Parse a V2 deep link (decoded text, no HTML). Its command is kept as written; judging
    /// it is the rules' work.
    pub fn parse(text: &str) -> Result<DeepLink, DeepLinkError> {
        let link = parse_link(text, &PortalHosts::default())
            .or_else(|| {
                // A custom domain is a portal too when the path says so.
                let host = text
                    .split_once("://")
                    .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())?;
                let hosts = PortalHosts {
                    custom: vec![host.to_owned()],
                };
                parse_link(text, &hosts)
            })
            .ok_or(DeepLinkError::NotADeepLink)?;
        DeepLink::from_parsed(text, &link)
    }

    /// The deep link a parsed link stands for.
    pub fn from_parsed(text: &str, link: &ParsedLink) -> Result<DeepLink, DeepLinkError> {
        if let Some(issue) = link.envelope_issues.first() {
            return Err(DeepLinkError::Envelope(issue.message.clone()));
        }
        let target = match link.kind {
            LinkKind::DeepLink(Client::Desktop) => Target::Desktop,
            LinkKind::DeepLink(Client::Web) => {
                let host = &text[link.host.clone().unwrap_or_default()];
                Target::Web(Portal::parse(host)?)
            }
            LinkKind::LegacyV1 { form, value } => {
                let value = value.map(|(s, e)| &text[s..e]).unwrap_or_default();
                return Err(DeepLinkError::LegacyV1(form.v2_command(value)));
            }
            LinkKind::GlobalMagicToken => return Err(DeepLinkError::GlobalMagicToken),
            LinkKind::AddressBar => return Err(DeepLinkError::AddressBar),
        };
        Ok(DeepLink {
            target,
            command: Command::parse(&text[link.command.clone()]),
            fragment: link.fragment.clone().map(|f| text[f].to_owned()),
        })
    }

    /// The same link with its command in canonical order.
    #[must_use]
    pub fn canonical(&self) -> DeepLink {
        DeepLink {
            command: self.command.canonical(),
            ..self.clone()
        }
    }
}

impl fmt::Display for DeepLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Web(portal) => write!(f, "{portal}/portal/deeplink?{}", self.command)?,
            Target::Desktop => write!(f, "ddportal://{}", self.command)?,
        }
        if let Some(fragment) = &self.fragment {
            write!(f, "#{fragment}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> Portal {
        Portal::parse("https://acme.deskdirector.com").unwrap()
    }

    #[test]
    fn canonical_order_name_table_unknown_auth() {
        let command = Command::empty()
            .with("auth_remember_me", "false")
            .with("action", "close")
            .with("zzz", "1")
            .with("auth_username", "[Contact: Email Address]")
            .with("ticket_id", "[Ticket: ID]")
            .with("name", "ticket")
            .with("auth_token", "{{ Token }}");
        assert_eq!(
            command.canonical().to_string(),
            "name=ticket&ticket_id=[Ticket: ID]&action=close&zzz=1\
             &auth_username=[Contact: Email Address]&auth_token={{ Token }}&auth_remember_me=false"
        );
    }

    #[test]
    fn formats_both_envelopes_without_encoding_tokens() {
        let command = Command::new("ticket").with("ticket_id", "[Ticket: ID]");
        let web = DeepLink::new(Target::Web(portal()), command.clone());
        assert_eq!(
            web.to_string(),
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]"
        );
        let desktop = DeepLink::new(Target::Desktop, command);
        assert_eq!(
            desktop.to_string(),
            "ddportal://name=ticket&ticket_id=[Ticket: ID]"
        );
    }

    #[test]
    fn a_value_that_would_split_the_command_reads_back_as_one_value() {
        let command = Command::new("ticket")
            .with("ticket_id", "1&name=invoice")
            .with("action", "close#x")
            .with("a=b", "{{ Ticket.Id | default: '1&2' }}");
        let link = DeepLink::new(Target::Desktop, command);
        let text = link.to_string();
        assert_eq!(
            text,
            "ddportal://name=ticket&ticket_id=1%26name=invoice&action=close%23x\
             &a%3Db={{ Ticket.Id | default: '1&2' }}"
        );
        let again = DeepLink::parse(&text).unwrap();
        let values: Vec<&str> = again
            .command
            .pairs()
            .iter()
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            values,
            [
                "ticket",
                "1%26name=invoice",
                "close%23x",
                "{{ Ticket.Id | default: '1&2' }}"
            ]
        );
        assert_eq!(again.to_string(), text);
    }

    #[test]
    fn a_v1_keyword_without_its_value_formats_back_to_itself() {
        for text in ["ddportal://ticketid", "ddportal://ticketid="] {
            let link = DeepLink::parse(text).unwrap();
            assert_eq!(DeepLink::parse(&link.to_string()), Ok(link), "{text}");
        }
    }

    #[test]
    fn parse_format_round_trip() {
        for text in [
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]#comment-3",
            "ddportal://name=ticket_list&state=approval",
            "https://support.example.com/portal/deeplink?auth_username=a@b.co&auth_token={{ Token }}",
            "ddportal://name=survey&survey_id=S1&campaign_id=C2",
        ] {
            let link = DeepLink::parse(text).unwrap();
            assert_eq!(link.to_string(), text);
            assert_eq!(DeepLink::parse(&link.to_string()).unwrap(), link);
        }
    }

    #[test]
    fn parse_refuses_other_links() {
        assert!(matches!(
            DeepLink::parse("ddportal://ticketid=5"),
            Err(DeepLinkError::LegacyV1(c)) if c == "name=ticket&ticket_id=5"
        ));
        assert_eq!(
            DeepLink::parse("https://example.com/x"),
            Err(DeepLinkError::NotADeepLink)
        );
        assert!(matches!(
            DeepLink::parse("ddportal://deeplink?name=quotes"),
            Err(DeepLinkError::Envelope(_))
        ));
    }

    #[test]
    fn credentials_are_found_in_urls_with_or_without_a_scheme() {
        let text = "a https://u:pw@h.com b x:y@h c support@acme.com d ftp://only@h e http://@h";
        let found: Vec<&str> = credential_ranges(text)
            .into_iter()
            .map(|range| &text[range])
            .collect();
        assert_eq!(found, ["u:pw", "x:y", "only"]);
        assert_eq!(
            mask_credentials(text),
            "a https://***@h.com b ***@h c support@acme.com d ftp://***@h e http://@h"
        );
        assert!(matches!(mask_credentials("no@secret"), Cow::Borrowed(_)));
    }

    #[test]
    fn no_portal_error_repeats_a_password() {
        for text in [
            "http://agent:hunter2@acme.deskdirector.com",
            "https://agent:hunter2@acme",
            "agent:hunter2@acme",
            "https://agent:hunter2@acme.deskdirector.com/portal",
            "https://agent:hunter2@acme.deskdirector.com:99999",
        ] {
            let error = Portal::parse(text).unwrap_err().to_string();
            assert!(!error.contains("hunter2"), "{text}: {error}");
            assert!(error.contains("***@acme"), "{text}: {error}");
        }
    }

    #[test]
    fn portal_origins() {
        assert_eq!(
            Portal::parse("acme.deskdirector.com").unwrap().origin(),
            "https://acme.deskdirector.com"
        );
        assert_eq!(
            Portal::parse("https://Support.Example.com/")
                .unwrap()
                .host(),
            "support.example.com"
        );
        assert!(matches!(
            Portal::parse("http://acme.deskdirector.com"),
            Err(PortalError::NotHttps(_))
        ));
        assert!(matches!(
            Portal::parse("https://acme.deskdirector.com/portal"),
            Err(PortalError::NotAnOrigin(_))
        ));
        for placeholder in [
            "https://yourcompany.deskdirector.com",
            "xxx.deskdirector.com",
            "https://subdomain.deskdirector.com/",
            "https://[your-subdomain].deskdirector.com",
            "{portal}.deskdirector.com",
        ] {
            assert!(
                matches!(Portal::parse(placeholder), Err(PortalError::Placeholder(_))),
                "{placeholder}"
            );
        }
        // `--portal approval.html`: the URL left out, and the next word taken for it.
        for file_name in [
            "approval.html",
            "ticket-updated.HTM",
            "https://x.txt",
            "ddlink.toml",
        ] {
            assert!(
                matches!(Portal::parse(file_name), Err(PortalError::FileName(_))),
                "{file_name}"
            );
        }
        for with_credentials in [
            "https://user:secret@acme.deskdirector.com",
            "https://:secret@acme.deskdirector.com",
            "user@acme.deskdirector.com",
        ] {
            let error = Portal::parse(with_credentials).unwrap_err();
            assert!(
                matches!(error, PortalError::Credentials(_)),
                "{with_credentials}"
            );
            assert!(!error.to_string().contains("secret"), "{error}");
            assert!(
                error
                    .to_string()
                    .contains("`https://***@acme.deskdirector.com`"),
                "{error}"
            );
        }
        assert!(Portal::parse("https://").is_err());
        assert!(matches!(
            Portal::parse("notaurl"),
            Err(PortalError::NoHost(_))
        ));
    }
}
