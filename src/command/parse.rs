//! Lossless parsing of a deep link: every part keeps its byte range in the text it was parsed
//! from, so that diagnostics point at the offending key or value.
//!
//! The text is the *decoded* link (entities already resolved by the caller, who keeps the map
//! back to the source bytes). Nothing here rejects a link: whatever is odd about it is recorded
//! (an [`EnvelopeIssue`], an unknown key, an empty value) for the rules to judge.
//! `ddportal://` is parsed by hand: a URL parser reads the command as the host and fails on
//! `[srnumber]`.

use std::ops::Range;

use super::token::{find_outside_tokens, is_handlebars_control_tag, split_outside_tokens};

/// Which client a V2 deep link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// `https://{portal-host}/portal/deeplink?{command}`.
    Web,
    /// `ddportal://{command}`.
    Desktop,
}

impl Client {
    pub fn as_str(self) -> &'static str {
        match self {
            Client::Web => "web",
            Client::Desktop => "desktop",
        }
    }
}

/// The legacy V1 desktop link forms (SPEC §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyV1 {
    /// `ddportal://ticketid=12345`.
    Ticket,
    /// `ddportal://learningid={guid}`.
    Learning,
    /// `ddportal://invoiceid={id}`.
    Invoice,
    /// `ddportal://requestsupport`.
    RequestSupport,
    /// `ddportal://mytickets`.
    MyTickets,
}

impl LegacyV1 {
    /// The V1 form a `key=value` pair (or a bare `key`) of a command without `name` is
    /// written in: `ticketid=5`, `mytickets`.
    pub fn of_pair(key: &str, has_value: bool) -> Option<Self> {
        Self::from_keyword(key)
            .filter(|&(_, takes_value)| takes_value == has_value)
            .map(|(form, _)| form)
    }

    fn from_keyword(word: &str) -> Option<(Self, bool)> {
        let legacy = match word.to_ascii_lowercase().as_str() {
            "ticketid" => (LegacyV1::Ticket, true),
            "learningid" => (LegacyV1::Learning, true),
            "invoiceid" => (LegacyV1::Invoice, true),
            "requestsupport" => (LegacyV1::RequestSupport, false),
            "mytickets" => (LegacyV1::MyTickets, false),
            _ => return None,
        };
        Some(legacy)
    }

    /// The V2 command this V1 link means, given its value.
    pub fn v2_command(self, value: &str) -> String {
        match self.v2_key() {
            Some(key) => format!("name={}&{key}={value}", self.v2_name()),
            None => format!("name={}", self.v2_name()),
        }
    }

    /// The V2 command's name.
    pub fn v2_name(self) -> &'static str {
        match self {
            LegacyV1::Ticket => "ticket",
            LegacyV1::Learning => "content_page",
            LegacyV1::Invoice => "invoice",
            LegacyV1::RequestSupport => "support_options",
            LegacyV1::MyTickets => "ticket_list",
        }
    }

    /// The V2 parameter that takes this V1 link's value, if it has one.
    pub fn v2_key(self) -> Option<&'static str> {
        match self {
            LegacyV1::Ticket => Some("ticket_id"),
            LegacyV1::Learning => Some("page_id"),
            LegacyV1::Invoice => Some("invoice_id"),
            LegacyV1::RequestSupport | LegacyV1::MyTickets => None,
        }
    }
}

/// What kind of portal link this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A V2 deep link (its envelope may still need repair: see `envelope_issues`).
    DeepLink(Client),
    /// A retired V1 desktop link; the value range is that of `ticketid=` and friends.
    LegacyV1 {
        form: LegacyV1,
        value: Option<(usize, usize)>,
    },
    /// `https://{host}/?gtoken=…&ticketid=…`: whoever holds the link is the recipient.
    GlobalMagicToken,
    /// A URL copied from the portal's address bar (`/portal/v2/…`, `/auth/v1/…`).
    AddressBar,
}

/// Something wrong with the envelope (scheme, slashes, path) rather than the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeIssue {
    pub range: Range<usize>,
    /// What the range should read; `None` when there is no single right answer.
    pub replacement: Option<String>,
    pub message: String,
    /// What the repair needs from the configured portal, if anything.
    pub portal: PortalRepair,
}

/// What an envelope issue's repair needs from the configured portal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PortalRepair {
    /// Nothing: the replacement, if any, is the repair.
    #[default]
    None,
    /// A relative link (`/portal/deeplink?…`): the range is its path, which the configured
    /// portal's origin goes before; without a portal there is no fix.
    Origin,
    /// A desktop command under a web scheme (`https://name=ticket…`): the range is what
    /// stands before the command. The desktop link (`ddportal://`) or the portal's web form
    /// (`https://{portal}/portal/deeplink?`) may be meant; the web form, an e-mail's link, is
    /// an unsafe repair where a portal is configured.
    WebForm,
}

/// One `key=value` pair of the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// The whole pair, `key=value`.
    pub range: Range<usize>,
    pub key: Range<usize>,
    /// `None` when the pair has no `=` at all.
    pub value: Option<Range<usize>>,
}

/// A portal link, parsed without loss.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLink {
    pub kind: LinkKind,
    /// The scheme without its colon (`https`, `ddportal`), if any.
    pub scheme: Option<Range<usize>>,
    /// What stands between `//` and an `@` before the host (`user:password`), if anything.
    pub userinfo: Option<Range<usize>>,
    pub host: Option<Range<usize>>,
    pub path: Option<Range<usize>>,
    pub envelope_issues: Vec<EnvelopeIssue>,
    /// The command (the query of a web link, everything after `ddportal://`).
    pub command: Range<usize>,
    pub params: Vec<Param>,
    /// The fragment without its `#`.
    pub fragment: Option<Range<usize>>,
}

impl ParsedLink {
    /// The first parameter with this exact key.
    pub fn param<'t>(&self, text: &'t str, key: &str) -> Option<(&Param, Option<&'t str>)> {
        self.params
            .iter()
            .find(|p| &text[p.key.clone()] == key)
            .map(|p| (p, p.value.clone().map(|v| &text[v])))
    }

    /// The password written before the host (`https://user:password@host`), if any.
    pub fn userinfo_password(&self, text: &str) -> Option<Range<usize>> {
        let userinfo = self.userinfo.clone()?;
        let colon = text[userinfo.clone()].find(':')?;
        Some(userinfo.start + colon + 1..userinfo.end).filter(|password| !password.is_empty())
    }

    pub fn client(&self) -> Option<Client> {
        match self.kind {
            LinkKind::DeepLink(client) => Some(client),
            _ => None,
        }
    }
}

/// Hosts that count as the portal even without `.deskdirector.com` (a custom domain).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortalHosts {
    pub custom: Vec<String>,
}

impl PortalHosts {
    pub fn is_portal(&self, host: &str) -> bool {
        let host = ascii_host(host_without_port(host)).to_ascii_lowercase();
        let deskdirector = host
            .strip_suffix(".deskdirector.com")
            .is_some_and(|sub| !sub.is_empty() && sub != "www");
        deskdirector || self.custom.iter().any(|h| h.eq_ignore_ascii_case(&host))
    }
}

/// `host` as a URL parser reads it: an internationalised name (`bücher.example.com`) in its
/// ASCII form (`xn--bcher-kva.example.com`), as the configured portal is kept; any other host
/// as written.
pub fn ascii_host(host: &str) -> std::borrow::Cow<'_, str> {
    if host.is_ascii() {
        return std::borrow::Cow::Borrowed(host);
    }
    match url::Host::parse(host) {
        Ok(url::Host::Domain(ascii)) => std::borrow::Cow::Owned(ascii),
        _ => std::borrow::Cow::Borrowed(host),
    }
}

fn host_without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

const DEEPLINK_PATH: &str = "/portal/deeplink";

/// Parse `text` if it is a portal link of any kind; `None` for every other URL.
pub fn parse_link(text: &str, hosts: &PortalHosts) -> Option<ParsedLink> {
    let (scheme, after_scheme) = split_scheme(text);
    let link = match scheme
        .as_ref()
        .map(|s| text[s.clone()].to_ascii_lowercase())
    {
        Some(s) if s == "ddportal" => Some(parse_desktop(text, scheme, after_scheme)),
        Some(s) if s == "https" || s == "http" => parse_web(text, scheme, after_scheme, hosts),
        Some(_) => parse_other_scheme(text, scheme, after_scheme, hosts),
        None => parse_without_colon(text, hosts).or_else(|| parse_schemeless(text, hosts)),
    };
    link.or_else(|| parse_slipped_scheme(text, hosts))
}

/// The longest slip of a scheme and its `://` that is read as one (`https:://`,
/// `ddprotal://`): a longer text before the host or the command is an address of its own.
const LONGEST_SCHEME_SLIP: usize = 24;

/// `https:://`, `https ://`, `http:s//`, `https%3A//`, `ｈttps://`, `ddprotal://`: what stands
/// before the portal's host and the deep-link path, or before a desktop link's command, is a
/// slip of its scheme and `://`, which no browser reads as one. Only a link to the portal's
/// host with the deep-link path, or a command that starts `name=`, is taken so.
fn parse_slipped_scheme(text: &str, hosts: &PortalHosts) -> Option<ParsedLink> {
    // Every link no other reading took comes here: most hold neither, and are not copied.
    let holds = |needle: &str| {
        text.as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if !holds(DEEPLINK_PATH) && !holds("name=") {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    // What the stray-prefix check reads (`xhttps://`, `https://https://`, `<ddportal:…`).
    let stray_before_scheme = |prefix: &str| {
        ["https://", "http://", "ddportal:"]
            .iter()
            .any(|scheme| prefix.find(scheme).is_some_and(|at| at > 0))
    };
    if let Some(path) = lower.find(DEEPLINK_PATH) {
        // Byte-wise: the last byte of a character outside the host's is never a host's, and
        // the next one starts a character.
        let host_start = lower.as_bytes()[..path]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')))
            .map_or(0, |at| at + 1);
        let prefix = &lower[..host_start];
        if host_start == path
            || !hosts.is_portal(&text[host_start..path])
            || matches!(prefix, "" | "//" | "https://" | "http://")
            || stray_before_scheme(prefix)
        {
            return None;
        }
        let mut issue = scheme_slip(
            text,
            host_start,
            &["https", "http"],
            "a web link starts `https://`",
        )?;
        // `https:/a/cme.…`: the configured portal's host once the letters after the scheme
        // are given back to it.
        let lost = prefix
            .find([':', '/'])
            .map(|at| meant_letters(&text[at..host_start]))
            .unwrap_or_default();
        let whole = format!("{lost}{}", &lower[host_start..path]);
        if issue.replacement.is_none()
            && hosts.custom.iter().any(|h| h.eq_ignore_ascii_case(&whole))
        {
            issue.replacement = Some(format!("https://{lost}"));
        }
        let link = parse_from_host(text, None, host_start, vec![issue], hosts)?;
        return (link.kind == LinkKind::DeepLink(Client::Web)).then_some(link);
    }
    let command = lower.find("name=").filter(|&at| at > 0)?;
    if stray_before_scheme(&lower[..command]) {
        return None;
    }
    let issue = scheme_slip(
        text,
        command,
        &["ddportal"],
        "a desktop link starts `ddportal://`",
    )
    .or_else(|| web_scheme_before_command(text, command))?;
    let link = desktop_from(text, None, command, vec![issue]);
    (link.kind == LinkKind::DeepLink(Client::Desktop)).then_some(link)
}

/// `https://name=ticket&…`: the desktop form's command under the web scheme, which a browser
/// reads as a host named `name=ticket&…`. The desktop link or the portal's web form may be
/// meant: the issue says both, and the web form is the repair it offers (see
/// [`PortalRepair::WebForm`]).
fn web_scheme_before_command(text: &str, command: usize) -> Option<EnvelopeIssue> {
    let slip = scheme_slip(text, command, &["https", "http"], "")?;
    // Only the scheme's own letters: a near miss of `https` before a command is no more
    // `https` than `ddportal`.
    let letters: String = text[..command]
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if !matches!(letters.as_str(), "https" | "http") {
        return None;
    }
    let written = &text[slip.range.clone()];
    Some(EnvelopeIssue {
        range: slip.range,
        replacement: None,
        message: format!(
            "`{written}` is a web link's scheme, but a desktop link's command follows it: a \
             browser reads the command as a host"
        ),
        portal: PortalRepair::WebForm,
    })
}

/// The issue of `text[..end]`, the slip of one of `schemes` and its `://` (`expected` says
/// what a link starts with), or `None` when it is no such slip. It is repaired where its
/// letters are the scheme's, or its word a letter from it with no letter after; where letters
/// follow the scheme (`https:/a/cme…`), the host may have lost one to it: no repair.
fn scheme_slip(text: &str, end: usize, schemes: &[&str], expected: &str) -> Option<EnvelopeIssue> {
    let written = &text[..end];
    if written.chars().count() > LONGEST_SCHEME_SLIP {
        return None;
    }
    // The slip as read: full-width and percent-encoded characters as their ASCII twins,
    // without the white space and invisible characters between.
    let read: String = read_as_meant(written)
        .filter(|&c| {
            !(c.is_whitespace()
                || matches!(
                    c,
                    '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
                ))
        })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let separator = |c: char| matches!(c, ':' | '/' | '\\' | '.');
    // A slip of a key next to a letter (`htt[s`) stays part of the word.
    if !read.starts_with(|c: char| c.is_ascii_alphabetic())
        || !read.contains([':', '/'])
        || !read.chars().all(|c| {
            c.is_ascii_alphanumeric() || separator(c) || matches!(c, '[' | ']' | ';' | '\'')
        })
    {
        return None;
    }
    let (word, after) = read.split_at(read.find(separator).unwrap_or(read.len()));
    let letters: String = read.chars().filter(char::is_ascii_alphabetic).collect();
    let letters_after = after.chars().any(|c| c.is_ascii_alphanumeric());
    // More than a letter or two after the scheme is an address of its own (a redirect's
    // `https://t.co/https://…`), not a host's letter lost to it.
    if (after.contains('.') && letters_after)
        || after.chars().filter(char::is_ascii_alphanumeric).count() > 2
    {
        return None;
    }
    let repaired = if let Some(scheme) = schemes.iter().find(|&&s| s == letters) {
        Some(format!("{scheme}://"))
    } else if !letters_after
        && schemes.iter().any(|scheme| {
            let near = if scheme.len() > 5 { 2 } else { 1 };
            strsim::damerau_levenshtein(word, scheme) <= near
        })
    {
        Some(format!("{}://", schemes[0]))
    } else if schemes.contains(&word) {
        None
    } else {
        return None;
    };
    Some(EnvelopeIssue {
        range: 0..end,
        replacement: repaired,
        message: format!(
            "{} is no scheme a browser reads: {expected}",
            quoted_naming_spaces("", written)
        ),
        portal: PortalRepair::None,
    })
}

/// `htps://acme.deskdirector.com/portal/deeplink?…`, `ftp://…`: a deep link to the portal
/// under a scheme it does not answer on, a slip for `https`. Only the portal's host with the
/// deep-link path is taken so: another scheme's address elsewhere is not the portal's.
fn parse_other_scheme(
    text: &str,
    scheme: Option<Range<usize>>,
    after_scheme: usize,
    hosts: &PortalHosts,
) -> Option<ParsedLink> {
    let scheme = scheme?;
    let host_start = text[after_scheme..]
        .starts_with("//")
        .then_some(after_scheme + 2)?;
    let written = &text[scheme.clone()];
    // `xhttps://`: a slip before the scheme, which DD112 reports as that.
    let lower = written.to_ascii_lowercase();
    if lower.ends_with("http") || lower.ends_with("https") {
        return None;
    }
    let issues = vec![EnvelopeIssue {
        range: scheme.clone(),
        replacement: Some("https".to_owned()),
        message: format!(
            "`{written}://` is no scheme the portal answers on: a link starts `https://`"
        ),
        portal: PortalRepair::None,
    }];
    let link = parse_from_host(text, Some(scheme), host_start, issues, hosts)?;
    let to_portal = link
        .host
        .as_ref()
        .is_some_and(|host| hosts.is_portal(&text[host.clone()]));
    (to_portal && matches!(link.kind, LinkKind::DeepLink(_))).then_some(link)
}

/// `https//host/portal/deeplink?…` or `ddportal//name=…`: a scheme whose colon was lost, which
/// no browser or mail client reads as one.
fn parse_without_colon(text: &str, hosts: &PortalHosts) -> Option<ParsedLink> {
    let scheme_len = ["ddportal/", "https/", "http/"]
        .into_iter()
        .find(|scheme| {
            text.as_bytes()
                .get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
        })?
        .len()
        - 1;
    let slashes = text[scheme_len..]
        .bytes()
        .take_while(|&b| b == b'/')
        .count();
    let after = scheme_len + slashes;
    let scheme = &text[..scheme_len];
    let issues = vec![EnvelopeIssue {
        range: scheme_len..after,
        replacement: Some("://".to_owned()),
        message: format!("`{scheme}` lacks its colon: a link starts `{scheme}://`"),
        portal: PortalRepair::None,
    }];
    if scheme_len == "ddportal".len() {
        Some(desktop_from(text, Some(0..scheme_len), after, issues))
    } else {
        let link = parse_from_host(text, Some(0..scheme_len), after, issues, hosts)?;
        // Only a link to the portal: `http//` in prose or another site's URL is not ddlink's.
        let to_portal = link.host.as_ref().is_some_and(|host| {
            hosts.is_portal(&text[host.clone()]) || text[host.clone()].contains('[')
        });
        (to_portal || matches!(link.kind, LinkKind::DeepLink(_))).then_some(link)
    }
}

/// The scheme (without `:`) and the index just after the colon.
fn split_scheme(text: &str) -> (Option<Range<usize>>, usize) {
    let colon = text.bytes().take(16).position(|b| b == b':');
    match colon {
        Some(at)
            if at > 0
                && text.as_bytes()[0].is_ascii_alphabetic()
                && text[..at]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            (Some(0..at), at + 1)
        }
        _ => (None, 0),
    }
}

fn parse_desktop(text: &str, scheme: Option<Range<usize>>, after_colon: usize) -> ParsedLink {
    let mut issues = Vec::new();
    let at = after_colon + slashes_written(&text[after_colon..]);
    let written = &text[after_colon..at];
    if written != "//" {
        // What stands for the slashes is replaced whole (`ddportal:://`, `ddportal:%2F/`): an
        // inserted `//` would leave it before the command.
        issues.push(EnvelopeIssue {
            range: after_colon..at,
            replacement: Some("//".to_owned()),
            message: format!(
                "a desktop link starts `ddportal://` (two slashes), not {}",
                quoted_naming_spaces("ddportal:", written)
            ),
            portal: PortalRepair::None,
        });
    }
    desktop_from(text, scheme, at, issues)
}

/// `prefix` and `written` quoted for a message, with the white space a message cannot show
/// named where it stands: `ddportal:`, then a no-break space (`&nbsp;`), then `//` (a
/// no-break or zero-width space would show as a plain space, or as nothing).
pub fn quoted_naming_spaces(prefix: &str, written: &str) -> String {
    use crate::rules::malformed_envelope::is_invisible_space;
    let unseen =
        |c: char| (c.is_whitespace() && c != ' ') || is_invisible_space(c) || c == '\u{AD}';
    if !written.contains(unseen) {
        return format!("`{prefix}{written}`");
    }
    let mut parts = Vec::new();
    let mut visible = prefix.to_owned();
    for c in written.chars() {
        if unseen(c) {
            if !visible.is_empty() {
                parts.push(format!("`{visible}`"));
                visible.clear();
            }
            parts.push(crate::rules::whitespace_in_url::space_named(c));
        } else {
            visible.push(c);
        }
    }
    if !visible.is_empty() {
        parts.push(format!("`{visible}`"));
    }
    parts.join(", then ")
}

/// How many bytes at the start of `rest` (just after `ddportal:`) stand where `//` belongs:
/// slashes and what a slip writes beside or for them (`:`, `.`, `\`, `%2F`, a full-width
/// `／`, white space, an invisible space). None of them starts a command.
fn slashes_written(rest: &str) -> usize {
    let mut at = 0;
    loop {
        let tail = &rest[at..];
        let encoded = ["%2f", "%5c", "%3a"].into_iter().find(|code| {
            tail.get(..3)
                .is_some_and(|head| head.eq_ignore_ascii_case(code))
        });
        if let Some(code) = encoded {
            at += code.len();
            continue;
        }
        if let Some(
            c @ ('/' | ':' | '.' | '\\' | '\u{ff0f}' | ' ' | '\t' | '\u{a0}' | '\u{200b}'
            | '\u{ad}' | '\u{feff}'),
        ) = tail.chars().next()
        {
            at += c.len_utf8();
            continue;
        }
        // White space after the slashes is DD402's, as after any scheme.
        let slashes = rest[..at].trim_end_matches([' ', '\t']).len();
        return if slashes > 0 { slashes } else { at };
    }
}

/// A desktop link from `at`, just after `ddportal://`, with the issues found before it.
fn desktop_from(
    text: &str,
    scheme: Option<Range<usize>>,
    mut at: usize,
    mut issues: Vec<EnvelopeIssue>,
) -> ParsedLink {
    // `ddportal://deeplink?…` and `ddportal://portal/deeplink?…` copy the web form's path.
    // Empty pairs (`&` first) are no part of the command: what follows them is looked at.
    let rest_lower = text[at..].to_ascii_lowercase();
    let empty = rest_lower.len() - rest_lower.trim_start_matches('&').len();
    // The web form's host too (`ddportal://acme.deskdirector.com/portal/deeplink?…`).
    let host_and_path = web_host_before_path(&rest_lower[empty..]);
    for stray in [
        host_and_path.as_deref().unwrap_or("portal/deeplink/?"),
        "portal/deeplink/?",
        "portal/deeplink?",
        "deeplink/?",
        "deeplink?",
        // A link editor's percent-encoding of the `?`.
        "portal/deeplink%3f",
        "deeplink%3f",
        "?",
    ] {
        if rest_lower[empty..].starts_with(stray) {
            // `ddportal://??name=…`: every `?` goes.
            let extra = rest_lower[empty + stray.len()..]
                .bytes()
                .take_while(|&b| b == b'?')
                .count();
            let stray = &text[at + empty..at + empty + stray.len() + extra];
            issues.push(EnvelopeIssue {
                range: at..at + empty + stray.len(),
                replacement: Some(String::new()),
                message: format!(
                    "a desktop link has no `{stray}`: the command follows `ddportal://` directly"
                ),
                portal: PortalRepair::None,
            });
            at += empty + stray.len();
            break;
        }
    }
    let (command, fragment) = split_fragment(text, at, text.len());
    let params = parse_params(text, command.clone());
    // A V1 link is recognised with or without the slash desktop shells append
    // (`ddportal://mytickets/`); a V2 command keeps every byte, so that it formats back to
    // itself.
    let trimmed = trim_trailing_slash(text, command.clone());
    let legacy = legacy_form(text, &trimmed, &parse_params(text, trimmed.clone()));
    let (kind, command, params) = match legacy {
        Some(kind) => (kind, trimmed.clone(), parse_params(text, trimmed)),
        None => (LinkKind::DeepLink(Client::Desktop), command, params),
    };
    ParsedLink {
        kind,
        scheme,
        userinfo: None,
        host: None,
        path: None,
        envelope_issues: issues,
        command,
        params,
        fragment,
    }
}

/// `acme.deskdirector.com/portal/deeplink?` at the start of `rest` (lower-cased), when a
/// desktop link holds the web form's host and path: what to drop.
fn web_host_before_path(rest: &str) -> Option<String> {
    let path = rest.find("/portal/deeplink")?;
    let host = &rest[..path];
    let host_like = host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
    if !host_like {
        return None;
    }
    let after = &rest[path + "/portal/deeplink".len()..];
    let query = ["/?", "?"].into_iter().find(|q| after.starts_with(q))?;
    Some(rest[..path + "/portal/deeplink".len() + query.len()].to_owned())
}

fn trim_trailing_slash(text: &str, range: Range<usize>) -> Range<usize> {
    if range.end > range.start && text.as_bytes()[range.end - 1] == b'/' {
        range.start..range.end - 1
    } else {
        range
    }
}

fn legacy_form(text: &str, command: &Range<usize>, params: &[Param]) -> Option<LinkKind> {
    if params.iter().any(|p| &text[p.key.clone()] == "name") || params.len() > 1 {
        return None;
    }
    let param = params.first()?;
    let (form, takes_value) = LegacyV1::from_keyword(&text[param.key.clone()])?;
    // `ticketid=` with no value names no ticket: read as V2 (DD501 still reports the V1
    // key), it formats back to itself.
    let value = match (&param.value, takes_value) {
        (Some(value), true) if !value.is_empty() => Some((value.start, value.end)),
        (None, false) => None,
        _ => return None,
    };
    debug_assert!(command.start <= param.range.start);
    Some(LinkKind::LegacyV1 { form, value })
}

fn parse_web(
    text: &str,
    scheme: Option<Range<usize>>,
    after_colon: usize,
    hosts: &PortalHosts,
) -> Option<ParsedLink> {
    let slashes = text[after_colon..]
        .bytes()
        .take_while(|&b| b == b'/')
        .count();
    let host_start = after_colon + slashes;
    let mut issues = Vec::new();
    if slashes != 2 {
        issues.push(EnvelopeIssue {
            range: after_colon..host_start,
            replacement: Some("//".to_owned()),
            message: "a web link's host follows `https://` (two slashes)".to_owned(),
            portal: PortalRepair::None,
        });
    }
    parse_from_host(text, scheme, host_start, issues, hosts)
}

/// `//acme.deskdirector.com/portal/deeplink?…` or `acme.deskdirector.com/portal/deeplink?…`:
/// recognised only with the deep-link path, so that prose is never mistaken for a link.
fn parse_schemeless(text: &str, hosts: &PortalHosts) -> Option<ParsedLink> {
    // `./portal/deeplink?…`, `../../portal/deeplink?…`: relative as well, from the slash on.
    let mut dots = 0;
    while let Some(segment) = ["./", "../"]
        .into_iter()
        .find(|segment| text[dots..].starts_with(segment))
    {
        dots += segment.len();
    }
    let path_start = dots.saturating_sub(1);
    let slashes = text[path_start..]
        .bytes()
        .take_while(|&b| b == b'/')
        .count();
    if slashes == 1
        && text[path_start..]
            .get(..DEEPLINK_PATH.len())
            .is_some_and(|path| path.eq_ignore_ascii_case(DEEPLINK_PATH))
    {
        return parse_relative(text, path_start, hosts);
    }
    if dots > 0 {
        return None;
    }
    if slashes != 0 && slashes != 2 {
        return None;
    }
    let host_end =
        find_outside_tokens(&text[slashes..], b"/?#").map_or(text.len(), |i| i + slashes);
    let host = &text[slashes..host_end];
    if !host.contains('.') || host.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    if !text[host_end..]
        .to_ascii_lowercase()
        .starts_with(DEEPLINK_PATH)
    {
        return None;
    }
    let issues = vec![EnvelopeIssue {
        range: 0..slashes,
        replacement: Some("https://".to_owned()),
        message: "the link has no scheme: mail clients do not open it".to_owned(),
        portal: PortalRepair::None,
    }];
    let link = parse_from_host(text, None, slashes, issues, hosts)?;
    matches!(link.kind, LinkKind::DeepLink(_)).then_some(link)
}

/// `/portal/deeplink?…`, as copied from the portal's own pages (`./portal/deeplink?…`, the
/// path starting at `path_start`): an e-mail has no page to resolve it against.
fn parse_relative(text: &str, path_start: usize, hosts: &PortalHosts) -> Option<ParsedLink> {
    let issues = vec![EnvelopeIssue {
        range: 0..path_start + DEEPLINK_PATH.len(),
        replacement: None,
        message: "a relative link: an e-mail has no page to resolve it against".to_owned(),
        portal: PortalRepair::Origin,
    }];
    let mut link = parse_from_host(text, None, path_start, issues, hosts)?;
    link.host = None;
    matches!(link.kind, LinkKind::DeepLink(_)).then_some(link)
}

/// `https://acme.deskdirector.com@other.example/…` opens `other.example`: what stands before
/// an `@` is a user name, which the portal never reads, and which makes a link look like
/// another site's.
fn userinfo_issue(text: &str, userinfo: Range<usize>) -> EnvelopeIssue {
    EnvelopeIssue {
        range: userinfo.start..userinfo.end + 1,
        replacement: Some(String::new()),
        message: match text[userinfo.clone()].split_once(':') {
            // The password is masked in every output, messages included.
            Some((user, password)) => format!(
                "`{user}:{}@` before the host is a user name and a password, which the portal does not read",
                "*".repeat(password.len())
            ),
            None => format!(
                "`{}@` before the host is a user name, which the portal does not read",
                &text[userinfo]
            ),
        },
        portal: PortalRepair::None,
    }
}

fn parse_from_host(
    text: &str,
    scheme: Option<Range<usize>>,
    host_start: usize,
    mut issues: Vec<EnvelopeIssue>,
    hosts: &PortalHosts,
) -> Option<ParsedLink> {
    let host_end =
        find_outside_tokens(&text[host_start..], b"/?#").map_or(text.len(), |i| i + host_start);
    // As a URL parser reads it: the host follows the authority's last `@`.
    let userinfo = text[host_start..host_end]
        .rfind('@')
        .map(|at| host_start..host_start + at);
    let mut host = userinfo.as_ref().map_or(host_start, |u| u.end + 1)..host_end;
    issues.extend(
        userinfo
            .clone()
            .map(|userinfo| userinfo_issue(text, userinfo)),
    );
    let path_end =
        find_outside_tokens(&text[host_end..], b"?#").map_or(text.len(), |i| i + host_end);
    // `acme.deskdirector.comportal/deeplink?…`: the path's first slash lost, its first
    // segment read as the host's.
    if let Some(portal_end) = portal_host_glued_to_path(text, &host, path_end, hosts) {
        host.end = portal_end;
    }
    let mut path = host.end..path_end;
    let path_text = &text[path.clone()];
    let path_lower = path_text.to_ascii_lowercase();
    let (mut command, fragment) =
        command_and_fragment(text, path_end, path_lower == DEEPLINK_PATH, &mut issues);
    let host_text = &text[host.clone()];
    let portal_host = hosts.is_portal(host_text) || host_text.contains('[');

    let params_of = |command: Range<usize>| parse_params(text, command);
    let has_gtoken = params_of(command.clone())
        .iter()
        .any(|p| text[p.key.clone()].eq_ignore_ascii_case("gtoken"));

    // A deep link that carries a `gtoken` too is still a deep link, its command judged (DD304
    // speaks of the token).
    let kind = if has_gtoken && path_lower != DEEPLINK_PATH {
        LinkKind::GlobalMagicToken
    } else if path_lower == DEEPLINK_PATH {
        if path_text != DEEPLINK_PATH {
            issues.push(path_issue(&path, "the deep-link path is lowercase"));
        }
        LinkKind::DeepLink(Client::Web)
    } else if let Some(separator) = glued_separator(text, &path, &path_lower, &mut issues) {
        command = separator.end..command.end.max(path.end);
        path = path.start..separator.start;
        LinkKind::DeepLink(Client::Web)
    } else if let Some(issue) = slash_for_question_mark(&path, &path_lower)
        .or_else(|| command_glued_to_path(text, &path, portal_host))
        .filter(|_| command.is_empty())
    {
        // `/portal/deeplink/name=ticket…`, `/portal/deeplinkname=ticket…`: the command read
        // as part of the path.
        command = issue.range.end..path.end;
        path = path.start..issue.range.start;
        issues.push(issue);
        LinkKind::DeepLink(Client::Web)
    } else if matches!(
        path_lower.as_str(),
        "/portal/deeplink/" | "/deeplink" | "/deeplink/"
    ) || slashes_doubled(&path_lower, DEEPLINK_PATH)
        || (path_lower.starts_with(DEEPLINK_PATH)
            && path_lower[DEEPLINK_PATH.len()..].bytes().all(|b| b == b'/'))
        || (portal_host && path_lower.trim_end_matches('/') == "/portal" && !command.is_empty())
        // `/portal/deep-link?name=…`: a command after a path that means the deep-link one.
        || (portal_host && !command.is_empty() && misspelt_deeplink_path(&path_lower))
        // `/portl/deeplink?`, `/portal.deeplink?`, `/portal /deeplink?`, `/deep%6Cink?`:
        // the path's letters are the deep-link path's, or nearly, before a deep-link command.
        || (portal_host
            && is_deep_link_command(text, &command)
            && slipped_deeplink_path(&path_lower))
    {
        if path_lower.starts_with("/deeplink") && !portal_host {
            return None;
        }
        issues.push(path_issue(
            &path,
            "a web deep link's path is exactly `/portal/deeplink`",
        ));
        LinkKind::DeepLink(Client::Web)
    } else if portal_host
        && (path_lower.starts_with("/portal/") || path_lower.starts_with("/auth/"))
        // The portal's home (`/portal/`) stays where it is across versions.
        && path_lower.trim_end_matches('/') != "/portal"
    {
        LinkKind::AddressBar
    } else {
        return None;
    };
    let params = params_of(command.clone());
    Some(ParsedLink {
        kind,
        scheme,
        userinfo,
        host: Some(host),
        path: Some(path),
        envelope_issues: issues,
        command,
        params,
        fragment,
    })
}

/// `/portal/deeplink&name=ticket…` (the `?` became `&`) or `/portal/deeplink%3Fname…` (a link
/// editor encoded it, and most often the command after it too, which DD104 decodes once the
/// `?` is back): where that separator stands in the path, reported.
fn glued_separator(
    text: &str,
    path: &Range<usize>,
    path_lower: &str,
    issues: &mut Vec<EnvelopeIssue>,
) -> Option<Range<usize>> {
    let path_end = path.end;
    let rest = path_lower.strip_prefix(DEEPLINK_PATH)?;
    let (len, written) = if rest.starts_with('&') {
        (1, "`&`")
    } else if rest.starts_with("%3f")
        // `deeplink%3F?name=…`: a stray `%3F` before the real `?` (the path's own finding).
        && !text[path_end..].starts_with('?')
    {
        (3, "`%3F` (a `?` percent-encoded)")
    } else {
        return None;
    };
    let at = path.end - rest.len();
    issues.push(EnvelopeIssue {
        range: at..at + len,
        // Both a glued separator and a later `?`: too odd to repair.
        replacement: (!text[path_end..].starts_with('?')).then(|| "?".to_owned()),
        message: format!("the command must follow `/portal/deeplink?`, not {written}"),
        portal: PortalRepair::None,
    });
    Some(at..at + len)
}

/// The command and the fragment after a link's path, which ends at `path_end`. After the
/// deep-link path, `#name=ticket…` is a command whose `?` became `#` (the browser keeps it
/// from the portal): it is read as the command, and reported.
fn command_and_fragment(
    text: &str,
    path_end: usize,
    deeplink_path: bool,
    issues: &mut Vec<EnvelopeIssue>,
) -> (Range<usize>, Option<Range<usize>>) {
    if text[path_end..].starts_with('?') {
        // `deeplink??name=…`: the portal reads `?name` as the first key.
        let extra = text[path_end + 1..]
            .bytes()
            .take_while(|&b| b == b'?')
            .count();
        if deeplink_path && extra > 0 {
            issues.push(EnvelopeIssue {
                range: path_end + 1..path_end + 1 + extra,
                replacement: Some(String::new()),
                message: "one `?` starts the command: the others become part of its first key"
                    .to_owned(),
                portal: PortalRepair::None,
            });
        }
        return split_fragment(text, path_end + 1 + extra, text.len());
    }
    let (_, fragment) = split_fragment(text, path_end, text.len());
    let hash_for_question_mark = deeplink_path
        && fragment.as_ref().is_some_and(|fragment| {
            fragment.start == path_end + 1
                && text[fragment.clone()]
                    .get(..5)
                    .is_some_and(|head| head.eq_ignore_ascii_case("name="))
        });
    if !hash_for_question_mark {
        return (path_end..path_end, fragment);
    }
    issues.push(EnvelopeIssue {
        range: path_end..path_end + 1,
        replacement: Some("?".to_owned()),
        message: "the command must follow `/portal/deeplink?`, not `#`".to_owned(),
        portal: PortalRepair::None,
    });
    split_fragment(text, path_end + 1, text.len())
}

/// Whether `path` is `expected` with some of its slashes doubled (`//portal/deeplink`,
/// `/portal//deeplink/`): a slip of a template's author, which a server may or may not forgive.
/// Whether a lower-case path under `/portal/` is the deep-link path misspelt: `deep-link`,
/// `deep_link`, `deeplinks`, `deeplink.aspx`, `deeplnk`.
fn misspelt_deeplink_path(path: &str) -> bool {
    let Some(page) = path.strip_prefix("/portal/") else {
        return false;
    };
    let page = page.trim_end_matches('/');
    let letters: String = page.chars().filter(char::is_ascii_alphanumeric).collect();
    let stem = page.split('.').next().unwrap_or(page);
    letters.starts_with("deeplink")
        || (!page.contains('/') && strsim::levenshtein(stem, "deeplink") <= 2)
}

/// The letters and digits of `text` as its author meant them, lower case: a
/// percent-encoded character decoded (`deep%6Cink`), a full-width one read as its ASCII
/// twin, and whatever else a slip puts between them (separators, white space, a no-break,
/// zero-width or soft-hyphen character) left out.
fn meant_letters(text: &str) -> String {
    read_as_meant(text)
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The characters of `text` with a percent-encoded ASCII character decoded (`%6C` as `l`)
/// and a full-width one read as its ASCII twin (`ｈ` as `h`).
fn read_as_meant(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = text.char_indices();
    std::iter::from_fn(move || {
        let (at, c) = chars.next()?;
        Some(match c {
            '%' => match text
                .get(at + 1..at + 3)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .filter(u8::is_ascii)
            {
                Some(byte) => {
                    chars.nth(1);
                    char::from(byte)
                }
                None => c,
            },
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
    })
}

/// Whether a path is the deep-link path slipped: its letters are `/portal/deeplink`'s, or a
/// letter or two away from them (`/portl/deeplink`, `/protal/deeplink`).
fn slipped_deeplink_path(path: &str) -> bool {
    strsim::damerau_levenshtein(&meant_letters(path), "portaldeeplink") <= 2
}

/// Whether the command at `range` is a deep link's: one of its keys is a deep-link key (in
/// any case, white space around it aside). What follows another page's path is not.
fn is_deep_link_command(text: &str, range: &Range<usize>) -> bool {
    parse_params(text, range.clone()).iter().any(|param| {
        super::spec::is_known_key(&text[param.key.clone()].trim().to_ascii_lowercase())
    })
}

/// `/portal/deeplink/name=ticket…`: a slash where the `?` goes. The issue's range is the
/// slashes.
fn slash_for_question_mark(path: &Range<usize>, path_lower: &str) -> Option<EnvelopeIssue> {
    let after = path_lower
        .strip_prefix(DEEPLINK_PATH)
        .filter(|rest| rest.starts_with('/'))?
        .trim_start_matches('/');
    if !after.starts_with("name=") {
        return None;
    }
    let command_start = path.end - after.len();
    Some(EnvelopeIssue {
        range: path.start + DEEPLINK_PATH.len()..command_start,
        replacement: Some("?".to_owned()),
        message: "the command must follow `/portal/deeplink?`, not `/`".to_owned(),
        portal: PortalRepair::None,
    })
}

/// `/portal/deeplinkname=ticket…` or `/portal/deeplink？name=…`: the command written in the
/// path, its `?` lost or mistyped. The issue's range is what stands between the path and the
/// command: empty where only the `?` is missing.
fn command_glued_to_path(
    text: &str,
    path: &Range<usize>,
    portal_host: bool,
) -> Option<EnvelopeIssue> {
    let name_at = path.start + text[path.clone()].to_ascii_lowercase().find("name=")?;
    let before = &text[path.start..name_at];
    let exact = meant_letters(before) == "portaldeeplink";
    if !(exact || (portal_host && slipped_deeplink_path(before))) {
        return None;
    }
    let issue = if before == DEEPLINK_PATH {
        EnvelopeIssue {
            range: name_at..name_at,
            replacement: Some("?".to_owned()),
            message: "the command must follow `/portal/deeplink?`: the `?` is missing".to_owned(),
            portal: PortalRepair::None,
        }
    } else {
        EnvelopeIssue {
            range: path.start..name_at,
            replacement: Some(format!("{DEEPLINK_PATH}?")),
            message: "a web deep link's path is exactly `/portal/deeplink`, and the command follows its `?`".to_owned(),
            portal: PortalRepair::None,
        }
    };
    Some(issue)
}

/// Where the portal's host ends in `host`, a host no portal has, when the rest of it is the
/// deep-link path's start that lost its slash (`acme.deskdirector.comportal` before
/// `/deeplink?`): the path to `path_end` then starts there.
fn portal_host_glued_to_path(
    text: &str,
    host: &Range<usize>,
    path_end: usize,
    hosts: &PortalHosts,
) -> Option<usize> {
    const DESKDIRECTOR: &str = ".deskdirector.com";
    let written = &text[host.clone()];
    if written.contains(':') || hosts.is_portal(written) {
        return None;
    }
    let lower = written.to_ascii_lowercase();
    let end = lower
        .find(DESKDIRECTOR)
        .map(|at| at + DESKDIRECTOR.len())
        .filter(|&end| hosts.is_portal(&lower[..end]))
        .or_else(|| {
            hosts
                .custom
                .iter()
                .find(|custom| lower.starts_with(&custom.to_ascii_lowercase()))
                .map(String::len)
        })
        // `acme.deskdirector.com.`: the host written as a fully qualified name, whose
        // trailing dot the host's own rule (DD408) speaks of.
        .filter(|&end| end < lower.len() && &lower[end..] != ".")?;
    let end = host.start + end;
    let glued = if text[path_end..].starts_with('?') {
        slipped_deeplink_path(&text[end..path_end])
            && is_deep_link_command(text, &(path_end + 1..text.len()))
    } else {
        command_glued_to_path(text, &(end..path_end), true).is_some()
    };
    glued.then_some(end)
}

fn slashes_doubled(path: &str, expected: &str) -> bool {
    if !path.contains("//") {
        return false;
    }
    let mut collapsed = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    collapsed.trim_end_matches('/') == expected
}

fn path_issue(path: &Range<usize>, message: &str) -> EnvelopeIssue {
    EnvelopeIssue {
        range: path.clone(),
        replacement: Some(DEEPLINK_PATH.to_owned()),
        message: message.to_owned(),
        portal: PortalRepair::None,
    }
}

/// Split `[start, end)` at the first `#` outside tokens: (command, fragment without `#`).
fn split_fragment(text: &str, start: usize, end: usize) -> (Range<usize>, Option<Range<usize>>) {
    match find_outside_tokens(&text[start..end], b"#") {
        Some(hash) => (start..start + hash, Some(start + hash + 1..end)),
        None => (start..end, None),
    }
}

/// The `&`-separated pairs of the command; empty pairs (`&&`, a trailing `&`) are skipped.
pub fn parse_params(text: &str, command: Range<usize>) -> Vec<Param> {
    if command.is_empty() {
        return Vec::new();
    }
    let base = command.start;
    split_outside_tokens(&text[command], b'&')
        .into_iter()
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let range = base + pair.start..base + pair.end;
            let pair_text = &text[range.clone()];
            match find_outside_tokens(pair_text, b"=") {
                Some(eq) => Param {
                    key: without_control_tags(text, range.start..range.start + eq),
                    value: Some(without_control_tags(text, range.start + eq + 1..range.end)),
                    range,
                },
                None => Param {
                    key: without_control_tags(text, range.clone()),
                    value: None,
                    range,
                },
            }
        })
        .collect()
}

/// `range` without the template tags that only decide whether a parameter is written, at its
/// ends: `{% if x %}&action=approve{% endif %}` writes `action=approve` or nothing, and so
/// does `{{#if x}}…{{/if}}`. The key and value are judged as the mail would carry them; a tag
/// in their middle (`approve{% else %}decline`) stays, and makes the value a template's.
fn without_control_tags(text: &str, mut range: Range<usize>) -> Range<usize> {
    // Handlebars tags are told apart once found: `{{~#if x~}}`, `{{ else }}`.
    const TAGS: [(&str, &str); 2] = [("{%", "%}"), ("{{", "}}")];
    let original = range.clone();
    loop {
        let part = &text[range.clone()];
        // What a comment or a raw block holds is never a parameter of the mail's link, or
        // is the link as written: either way, the tags stay part of what they wrap.
        if [
            "{% comment",
            "{%- comment",
            "endcomment",
            "{% raw",
            "{%- raw",
            "endraw",
        ]
        .iter()
        .any(|tag| part.contains(tag))
        {
            break;
        }
        let leading = TAGS.iter().find_map(|(open, close)| {
            part.starts_with(open)
                .then(|| part.find(close).map(|end| end + close.len()))?
                .filter(|&len| open.starts_with("{%") || is_handlebars_control_tag(&part[..len]))
        });
        if let Some(len) = leading {
            range.start += len;
            continue;
        }
        let trailing = TAGS.iter().find_map(|(open, close)| {
            part.ends_with(close)
                .then(|| part.rfind(open))
                .flatten()
                .filter(|&at| !part[at..part.len() - close.len()].contains(close))
                .filter(|&at| open.starts_with("{%") || is_handlebars_control_tag(&part[at..]))
        });
        match trailing {
            Some(at) => range.end = range.start + at,
            None => break,
        }
    }
    if range.is_empty() { original } else { range }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedLink {
        parse_link(text, &PortalHosts::default()).unwrap_or_else(|| panic!("{text} is a link"))
    }

    fn pairs(text: &str, link: &ParsedLink) -> Vec<(String, Option<String>)> {
        link.params
            .iter()
            .map(|p| {
                (
                    text[p.key.clone()].to_owned(),
                    p.value.clone().map(|v| text[v].to_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn tags_that_decide_whether_a_parameter_is_written_are_not_part_of_it() {
        let text = "ddportal://name=ticket&ticket_id=1{% if a %}&action=close{% endif %}&{{#if b}}state=x{{/if}}&page={% raw %}&q={% if c %}1{% else %}2{% endif %}&r=1{% comment %}&s=2{% endcomment %}";
        let link = parse(text);
        let pairs = pairs(text, &link);
        assert_eq!(
            pairs,
            [
                ("name", Some("ticket")),
                ("ticket_id", Some("1")),
                ("action", Some("close")),
                ("state", Some("x")),
                ("page", Some("{% raw %}")),
                ("q", Some("1{% else %}2")),
                ("r", Some("1{% comment %}")),
                ("s", Some("2{% endcomment %}")),
            ]
            .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)))
        );
    }

    #[test]
    fn web_link() {
        let text =
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]#c12";
        let link = parse(text);
        assert_eq!(link.kind, LinkKind::DeepLink(Client::Web));
        assert!(link.envelope_issues.is_empty());
        assert_eq!(&text[link.host.clone().unwrap()], "acme.deskdirector.com");
        assert_eq!(&text[link.fragment.clone().unwrap()], "c12");
        assert_eq!(
            pairs(text, &link),
            [
                ("name".into(), Some("ticket".into())),
                ("ticket_id".into(), Some("[srnumber]".into()))
            ]
        );
    }

    #[test]
    fn desktop_link_with_spaced_token() {
        let text = "ddportal://name=ticket&ticket_id=[Ticket: ID]&action=close";
        let link = parse(text);
        assert_eq!(link.kind, LinkKind::DeepLink(Client::Desktop));
        assert_eq!(pairs(text, &link)[1].1.as_deref(), Some("[Ticket: ID]"));
    }

    #[test]
    fn desktop_envelope_repairs() {
        for (text, stray) in [
            ("ddportal://deeplink?name=ticket_list", "deeplink?"),
            ("ddportal://deeplink%3Fname=ticket_list", "deeplink%3F"),
            (
                "ddportal://portal/deeplink%3fname=ticket_list",
                "portal/deeplink%3f",
            ),
            ("ddportal:///name=ticket_list", "/"),
            ("ddportal:name=ticket_list", ""),
            ("ddportal:://name=ticket_list", ""),
            ("ddportal:./name=ticket_list", ""),
            ("ddportal:%2F/name=ticket_list", ""),
            ("ddportal:\u{ff0f}/name=ticket_list", ""),
            ("ddportal:\u{a0}//name=ticket_list", ""),
        ] {
            let link = parse(text);
            assert_eq!(link.envelope_issues.len(), 1, "{text}");
            assert_eq!(link.kind, LinkKind::DeepLink(Client::Desktop), "{text}");
            assert_eq!(
                &text[link.command.clone()],
                "name=ticket_list",
                "{text} ({stray})"
            );
        }
    }

    #[test]
    fn legacy_forms() {
        for (text, form) in [
            ("ddportal://ticketid=12345", LegacyV1::Ticket),
            (
                "ddportal://learningid=0f8fad5b-d9cb-469f-a165-70867728950e",
                LegacyV1::Learning,
            ),
            ("ddportal://requestsupport", LegacyV1::RequestSupport),
            ("ddportal://mytickets/", LegacyV1::MyTickets),
            ("ddportal://invoiceid=I1", LegacyV1::Invoice),
        ] {
            assert!(
                matches!(parse(text).kind, LinkKind::LegacyV1 { form: f, .. } if f == form),
                "{text}"
            );
        }
    }

    #[test]
    fn magic_token_and_address_bar() {
        assert_eq!(
            parse("https://acme.deskdirector.com/?gtoken=abc&ticketid=1").kind,
            LinkKind::GlobalMagicToken
        );
        assert_eq!(
            parse("https://acme.deskdirector.com/portal/v2/tickets/123").kind,
            LinkKind::AddressBar
        );
        assert_eq!(
            parse("https://acme.deskdirector.com/auth/v1/login").kind,
            LinkKind::AddressBar
        );
        for home in [
            "https://acme.deskdirector.com/portal/",
            "https://acme.deskdirector.com/portal//",
        ] {
            assert!(
                parse_link(home, &PortalHosts::default()).is_none(),
                "{home}"
            );
        }
    }

    #[test]
    fn unrelated_urls_are_not_links() {
        let hosts = PortalHosts::default();
        for text in [
            "https://example.com/portal/v2/x",
            "https://www.deskdirector.com/pricing",
            "mailto:help@acme.com",
            "https://example.com/deeplink?name=ticket",
            "plain words",
            "",
        ] {
            assert_eq!(parse_link(text, &hosts), None, "{text}");
        }
    }

    #[test]
    fn custom_domain_deep_link() {
        let text = "https://support.example.com/portal/deeplink?name=quotes";
        assert_eq!(parse(text).kind, LinkKind::DeepLink(Client::Web));
    }

    #[test]
    fn web_envelope_repairs() {
        for text in [
            "https://acme.deskdirector.com/portal/deeplink/?name=quotes",
            "https://acme.deskdirector.com/deeplink?name=quotes",
            "https://acme.deskdirector.com/Portal/DeepLink?name=quotes",
            "https://acme.deskdirector.com/portal/deeplink&name=quotes",
            "https:/acme.deskdirector.com/portal/deeplink?name=quotes",
            "//acme.deskdirector.com/portal/deeplink?name=quotes",
        ] {
            let link = parse(text);
            assert_eq!(link.kind, LinkKind::DeepLink(Client::Web), "{text}");
            assert_eq!(link.envelope_issues.len(), 1, "{text}");
            assert_eq!(&text[link.command.clone()], "name=quotes", "{text}");
        }
    }

    /// A slip in the deep-link path or before the host, on the portal's host and before a
    /// deep-link command, is read as the deep link it was meant to be.
    #[test]
    fn slipped_envelopes() {
        for (text, command) in [
            (
                "https://acme.deskdirector.com/portl/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal /deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal.deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal\u{a0}/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deep%6Cink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.comportal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplinkname=quotes#x",
                "name=quotes",
            ),
            (
                "https://acme.deskdirector.com/portal/deeplink\u{ff1f}name=quotes",
                "name=quotes",
            ),
            (
                "https:://acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https ://acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "http:s//acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https:./acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https%3A//acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "\u{ff48}ttps://acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https\u{ff1a}//acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "htt[s://acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            (
                "https:/a/cme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            // A character of more than one byte just before the host.
            (
                "https:/\u{ff0f}acme.deskdirector.com/portal/deeplink?name=quotes",
                "name=quotes",
            ),
            ("ddprotal://name=quotes", "name=quotes"),
            ("ddportal ://name=quotes", "name=quotes"),
        ] {
            let link = parse(text);
            assert!(matches!(link.kind, LinkKind::DeepLink(_)), "{text}");
            assert_eq!(link.envelope_issues.len(), 1, "{text}");
            assert_eq!(&text[link.command.clone()], command, "{text}");
        }
        // A fully qualified host keeps its dot: the host's rule (DD408) speaks of it, not the
        // path's.
        let fqdn = parse("https://acme.deskdirector.com./portal/deeplink?name=quotes");
        assert!(fqdn.envelope_issues.is_empty(), "{fqdn:?}");
        let hosts = PortalHosts::default();
        for other in [
            // Another page of the portal, or another site's.
            "https://acme.deskdirector.com/portal/v2/tickets?page=2",
            "https://acme.deskdirector.com/portl/deeplink?utm_source=mail",
            "https://example.com/portl/deeplink?name=quotes",
            "https://t.co/https:/acme.deskdirector.com/portal/deeplink?name=quotes",
            "mailto:help@acme.com?subject=name=x",
            "https://example.com/?name=quotes",
            "javascript:go('acme.deskdirector.com/portal/deeplink?name=quotes')",
        ] {
            let link = parse_link(other, &hosts);
            assert!(
                link.as_ref()
                    .is_none_or(|link| !matches!(link.kind, LinkKind::DeepLink(_))),
                "{other}: {link:?}"
            );
        }
    }

    #[test]
    fn params_keep_byte_ranges() {
        let text = "ddportal://name=ticket&&ticket_id&action=";
        let link = parse(text);
        let found: Vec<_> = link
            .params
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (11..15, Some(16..22)),
                (24..33, None),
                (34..40, Some(41..41))
            ]
        );
    }
}
