//! Which auth parameters a link carries, shared by the security rules (DD301–DD306).

use super::LinkSite;
use super::unknown_param::percent_decoded_key;
use super::wrong_case::{after_unterminated_amp, canonical_key};
use crate::command::Param;
use crate::command::spec::{
    ACCESS_TOKEN, AUTH_PASSWORD, AUTH_REMEMBER_ME, AUTH_TOKEN, AUTH_USERNAME, names_a_password,
};
use std::ops::Range;

pub(super) const GTOKEN: &str = "gtoken";

/// The first parameter of each auth key (keys matched in any case, and percent-encoded: a
/// secret is a secret).
#[derive(Debug, Default)]
pub(super) struct Auth<'a> {
    pub username: Option<&'a Param>,
    pub password: Option<&'a Param>,
    pub token: Option<&'a Param>,
    pub access: Option<&'a Param>,
    pub remember: Option<&'a Param>,
}

impl<'a> Auth<'a> {
    pub fn of(site: &LinkSite<'a>) -> Self {
        let mut auth = Auth::default();
        for param in &site.link.params {
            // The portal decodes a key before it reads it: `auth_p%61ssword` is a password.
            // A key behind a misread ampersand (`amp;auth_token`, `ampauth_token`) is read as
            // it will be once repaired (DD104, DD401), rather than first after `fix`.
            let key = site.key(param);
            let slot = match canonical_key(key)
                .or_else(|| percent_decoded_key(key))
                .or_else(|| super::site::misread_as(key))
            {
                Some(AUTH_USERNAME) => &mut auth.username,
                Some(AUTH_PASSWORD) => &mut auth.password,
                Some(AUTH_TOKEN) => &mut auth.token,
                Some(ACCESS_TOKEN) => &mut auth.access,
                Some(AUTH_REMEMBER_ME) => &mut auth.remember,
                _ => continue,
            };
            slot.get_or_insert(param);
        }
        auth
    }

    /// The secrets present, in canonical order.
    pub fn secrets(&self) -> Vec<&'a Param> {
        [self.password, self.token, self.access]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Two modes at once (DD306's business).
    pub fn conflicting(&self) -> bool {
        self.secrets().len() > 1 || (self.access.is_some() && self.username.is_some())
    }
}

/// A secret the portal does not read as one, but that goes out with the link all the same:
/// glued to a value or a key by a separator the portal does not read
/// (`name=quotes?access_token=…`, `ticketid=5;auth_password=…`, `mytickets?auth_password=…`,
/// `&amp;amp;auth_password=…`, `name=quotes%26access_token=…`), joined to its key by an
/// encoded `=` (`auth_password%3D…`), or written in the `#fragment`.
pub(crate) struct Glued {
    /// The key it stands for (`auth_password`, `auth_token`, `access_token`, `gtoken`), or
    /// `None` for a password under a name the portal does not read (`password`, `pwd`).
    pub key: Option<&'static str>,
    pub key_range: Range<usize>,
    pub value: Range<usize>,
}

/// Every secret of `site` the portal does not read as one (see [`Glued`]).
pub(crate) fn glued_secrets(site: &LinkSite) -> Vec<Glued> {
    let mut glued = Vec::new();
    // Asked of every link three times: most commands hold no separator of the kind at all.
    let command = site
        .text
        .get(site.link.command.clone())
        .unwrap_or(site.text);
    let fragment = site.link.fragment.clone().filter(|f| !f.is_empty());
    let path = site
        .link
        .path
        .clone()
        .filter(|path| site.str(path.clone()).contains('='));
    if let Some(path) = path {
        glued_in_path(site, path, &mut glued);
    }
    if fragment.is_none()
        && !command
            .bytes()
            .any(|b| matches!(b, b'?' | b';' | b',' | b'%'))
        && !site
            .link
            .params
            .iter()
            .any(|param| amp_prefix(site.key(param)) > 0)
    {
        return glued;
    }
    for (_, range) in site.values() {
        let pairs = glued_pairs(site.str(range.clone()), false);
        push_pairs(site, range, &pairs, &mut glued);
    }
    for param in &site.link.params {
        glued_in_key(site, param, &mut glued);
    }
    if let Some(fragment) = fragment {
        let pairs = glued_pairs(site.str(fragment.clone()), true);
        push_pairs(site, fragment, &pairs, &mut glued);
    }
    glued
}

/// A secret glued to the path, no `?` before it (`/portal/deeplinkauth_token=…`,
/// `/portal/deeplink/auth_password=…`): the portal reads a page it does not have, and the
/// credential goes out with the link. The key is the longest end of the run of letters before
/// an `=` that names one; its value runs to the next `/`, `&` or `;`.
fn glued_in_path(site: &LinkSite, path: Range<usize>, glued: &mut Vec<Glued>) {
    let text = site.str(path.clone());
    for (equals, _) in text.match_indices('=') {
        let run_start = text[..equals]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |before| before + 1);
        let Some((key_at, secret)) = (run_start..equals)
            .filter(|&at| text.is_char_boundary(at))
            .find_map(|at| Some((at, Secret::of(&text[at..equals])?)))
        else {
            continue;
        };
        let value_end = text[equals + 1..]
            .find(['/', '&', ';'])
            .map_or(text.len(), |len| equals + 1 + len);
        glued.push(Glued {
            key: secret.key(),
            key_range: path.start + key_at..path.start + equals,
            value: path.start + equals + 1..path.start + value_end,
        });
    }
}

/// What a key found after a separator names.
enum Secret {
    /// An auth parameter, or `gtoken`.
    Key(&'static str),
    /// A password under a name the portal does not read (`password`, `pwd`).
    PasswordWord,
}

impl Secret {
    fn of(key: &str) -> Option<Secret> {
        match canonical_key(key).or_else(|| percent_decoded_key(key)) {
            // Not the portal's, but a credential all the same (DD304 speaks of it).
            _ if key.eq_ignore_ascii_case(GTOKEN) => Some(Secret::Key(GTOKEN)),
            Some(key @ (AUTH_PASSWORD | AUTH_TOKEN | ACCESS_TOKEN)) => Some(Secret::Key(key)),
            None if names_a_password(key) => Some(Secret::PasswordWord),
            _ => None,
        }
    }

    fn key(self) -> Option<&'static str> {
        match self {
            Secret::Key(key) => Some(key),
            Secret::PasswordWord => None,
        }
    }
}

/// The secrets among `pairs`, found in the text at `range`: each value runs to the next pair.
fn push_pairs(
    site: &LinkSite,
    range: Range<usize>,
    pairs: &[(usize, usize, usize)],
    glued: &mut Vec<Glued>,
) {
    let text = site.str(range.clone());
    for (i, &(_, key_at, equals)) in pairs.iter().enumerate() {
        let end = pairs.get(i + 1).map_or(text.len(), |&(next, _, _)| next);
        let Some(secret) = Secret::of(&text[key_at..equals]) else {
            continue;
        };
        let equals_len = if text[equals..].starts_with('=') {
            1
        } else {
            3
        };
        glued.push(Glued {
            key: secret.key(),
            key_range: range.start + key_at..range.start + equals,
            value: range.start + equals + equals_len..range.start + end,
        });
    }
}

/// A secret in a key: after a separator (`mytickets?auth_password=…` and
/// `amp;auth_password=…` are read as one key), or before an encoded `=`
/// (`auth_password%3D…`, read as a key without a value).
fn glued_in_key(site: &LinkSite, param: &crate::command::Param, glued: &mut Vec<Glued>) {
    let key = site.key(param);
    let (name_end, value) = if let Some(value) = param.value.clone() {
        (key.len(), value)
    } else {
        let Some(at) = key
            .as_bytes()
            .windows(3)
            .position(|w| w.eq_ignore_ascii_case(b"%3D"))
        else {
            return;
        };
        (at, param.key.start + at + 3..param.key.start + key.len())
    };
    let name_start = separators(&key[..name_end], false)
        .last()
        .map_or(0, |(_, after)| after)
        .max(amp_prefix(&key[..name_end]));
    if (name_start == 0 && param.value.is_some())
        || (param.value.is_some() && super::site::misread_as(key).is_some())
    {
        // A key as the portal reads it, or as it will once its ampersand is repaired: the
        // auth rules judge it.
        return;
    }
    let Some(secret) = Secret::of(&key[name_start..name_end]) else {
        return;
    };
    glued.push(Glued {
        key: secret.key(),
        key_range: param.key.start + name_start..param.key.start + name_end,
        value,
    });
}

/// The length of the `amp` that an `&amp` without its `;` leaves before a key
/// (`&ampauth_password=…` is the key `ampauth_password` to a browser and to the portal),
/// when a credential's key follows it; 0 otherwise.
fn amp_prefix(key: &str) -> usize {
    match after_unterminated_amp(key).map(Secret::of) {
        Some(Some(Secret::Key(_))) => 3,
        _ => 0,
    }
}

/// Where each separator the portal does not read starts, and where the text after it starts:
/// `?`, `;`, `,`, or a percent-encoded `?`, `&`, `;` or `,`; in a fragment also `&`.
fn separators(text: &str, fragment: bool) -> impl Iterator<Item = (usize, usize)> + '_ {
    text.match_indices(['?', ';', ',', '%', '&'])
        .filter_map(move |(at, found)| match found {
            "&" if !fragment => None,
            "%" => {
                let encoded = text.get(at + 1..at + 3)?;
                ["3F", "26", "3B", "2C"]
                    .iter()
                    .any(|code| encoded.eq_ignore_ascii_case(code))
                    .then_some((at, at + 3))
            }
            _ => Some((at, at + 1)),
        })
}

/// The `key=` pairs after each separator of `text` (see [`separators`]), and in a fragment at
/// its start too: where each separator starts, where the key after it starts, and where its
/// `=` stands (written as it is, or `%3D` after an encoded separator).
fn glued_pairs(text: &str, fragment: bool) -> Vec<(usize, usize, usize)> {
    fragment
        .then_some((0, 0))
        .into_iter()
        .chain(separators(text, fragment))
        .filter_map(|(separator_at, key_at)| {
            // A key's letters, percent-encoded ones too (`auth_p%61ssword`), up to its `=`.
            let rest = &text[key_at..];
            let key_len = rest
                .bytes()
                .enumerate()
                .take_while(|&(at, b)| {
                    b.is_ascii_alphanumeric()
                        || b == b'_'
                        || (b == b'%'
                            && !rest
                                .get(at..at + 3)
                                .is_some_and(|e| e.eq_ignore_ascii_case("%3D")))
                })
                .count();
            let after = &text[key_at + key_len..];
            let equals = after.starts_with('=')
                || after
                    .get(..3)
                    .is_some_and(|e| e.eq_ignore_ascii_case("%3D"));
            (key_len > 0 && equals).then_some((separator_at, key_at, key_at + key_len))
        })
        .collect()
}

/// A safe fix keeps the link's meaning. One that makes the portal read a credential it did
/// not read before (`ticket_id=5?auth_password=…`, where `?` becomes `&amp;`; `&amp;amp;auth_token=…`;
/// `&ampauth_password=…`; `&amp; auth_token=…`) signs the reader in where the link did not:
/// a change of meaning, so such a fix of the findings `findings` holds from `first` on is
/// unsafe, and its help says why.
pub(super) fn keep_dormant_credentials(
    site: &LinkSite,
    findings: &mut super::Findings,
    first: usize,
) {
    let added = &findings.diagnostics[first..];
    if !added
        .iter()
        .any(|d| d.fix.as_ref().is_some_and(crate::diagnostic::Fix::is_safe))
    {
        return;
    }
    let raw_range =
        site.map.raw_offset(site.range.start, false)..site.map.raw_offset(site.range.end, true);
    let raw = &site.map.raw[raw_range.clone()];
    let lower = raw.to_ascii_lowercase();
    if !["pass", "pw", "tok", "secret", "key"]
        .iter()
        .any(|word| lower.contains(word))
    {
        return;
    }
    let input = site.map.raw_span(raw_range);
    // Edits are input offsets: read back into the link only where the two agree byte for
    // byte (a template in another encoding is not).
    if input.len() != raw.len() {
        return;
    }
    let decode = matches!(
        site.origin,
        super::Origin::Attribute
            | super::Origin::HtmlText
            | super::Origin::LinkLabel
            | super::Origin::OtherLinkLabel
    );
    let in_attribute = site.origin == super::Origin::Attribute;
    let live = |raw: &str| {
        let text = if decode {
            crate::charref::decode(raw, in_attribute).0
        } else {
            raw.to_owned()
        };
        read_credentials(&text, &site.settings.hosts)
    };
    let before = live(raw);
    for diagnostic in &mut findings.diagnostics[first..] {
        let Some(fix) = diagnostic.fix.as_mut().filter(|fix| fix.is_safe()) else {
            continue;
        };
        if !fix
            .edits
            .iter()
            .all(|e| input.start <= e.start && e.end <= input.end)
        {
            continue;
        }
        let Some(fixed) = applied(raw, input.start, &fix.edits) else {
            continue;
        };
        if live(&fixed) > before {
            fix.applicability = crate::diagnostic::Applicability::Unsafe;
            let help = match diagnostic.help() {
                Some(help) => format!("{help} (not by `ddlink fix`: the portal would then read the credential and sign the reader in)"),
                None => "not by `ddlink fix`: the portal would then read the credential and sign the reader in".to_owned(),
            };
            diagnostic.set_help(help);
        }
    }
}

/// `raw`, which starts at the input offset `base`, with `edits` made; `None` where they
/// overlap or cut a character.
fn applied(raw: &str, base: usize, edits: &[crate::diagnostic::Edit]) -> Option<String> {
    let mut edits: Vec<_> = edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse((e.start, e.end)));
    let mut fixed = raw.to_owned();
    let mut limit = raw.len();
    for edit in edits {
        let range = edit.start - base..edit.end - base;
        if range.end > limit || fixed.get(range.clone()).is_none() {
            return None;
        }
        limit = range.start;
        fixed.replace_range(range, &edit.content);
    }
    Some(fixed)
}

/// How many credentials the portal reads in the link `text` that ddlink would never write: a
/// password, or a credential written out (not the mail system's token for it), under its key
/// as the portal decodes it.
fn read_credentials(text: &str, hosts: &crate::command::PortalHosts) -> usize {
    let Some(link) = crate::command::parse_link(text, hosts) else {
        return 0;
    };
    link.params
        .iter()
        .filter(|p| {
            let Some(value) = p.value.clone().map(|v| &text[v]).filter(|v| !v.is_empty()) else {
                return false;
            };
            let key = &text[p.key.clone()];
            let key = super::encoded_token::percent_decode(key).unwrap_or_else(|| key.to_owned());
            let secret = crate::command::spec::SECRET_KEYS
                .iter()
                .any(|secret| secret.eq_ignore_ascii_case(&key));
            secret
                && (key.eq_ignore_ascii_case(AUTH_PASSWORD)
                    || !crate::command::token::has_token(value))
        })
        .count()
}
