//! Which auth parameters a link carries, shared by the security rules (DD301–DD306).

use super::LinkSite;
use super::unknown_param::percent_decoded_key;
use super::wrong_case::canonical_key;
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
            let key = site.key(param);
            let slot = match canonical_key(key).or_else(|| percent_decoded_key(key)) {
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

/// A secret written after a separator the portal does not read (`name=quotes?access_token=…`,
/// `ticketid=5;auth_password=…`, `name=quotes%26access_token=…`): the portal takes it for
/// part of the value before it, but the secret still goes out to every recipient.
pub(crate) struct Glued {
    /// The key it stands for (`auth_password`, `auth_token`, `access_token`, `gtoken`), or
    /// `None` for a password under a name the portal does not read (`password`, `pwd`).
    pub key: Option<&'static str>,
    pub key_range: Range<usize>,
    pub value: Range<usize>,
}

/// Every secret glued to a value of `site` by `?`, `;`, `,` or an encoded separator.
pub(crate) fn glued_secrets(site: &LinkSite) -> Vec<Glued> {
    let mut glued = Vec::new();
    // Asked of every link three times: most commands hold no separator of the kind at all.
    let command = site
        .text
        .get(site.link.command.clone())
        .unwrap_or(site.text);
    if !command
        .bytes()
        .any(|b| matches!(b, b'?' | b';' | b',' | b'%'))
    {
        return glued;
    }
    for (_, range) in site.values() {
        let value = site.str(range.clone());
        let pairs = glued_pairs(value);
        for (i, &(_, key_at, equals)) in pairs.iter().enumerate() {
            let end = pairs.get(i + 1).map_or(value.len(), |&(next, _, _)| next);
            let key = &value[key_at..equals];
            let known = canonical_key(key).or_else(|| percent_decoded_key(key));
            let secret = match known {
                // Not the portal's, but a credential all the same (DD304 speaks of it).
                _ if key.eq_ignore_ascii_case(GTOKEN) => Some(GTOKEN),
                Some(key @ (AUTH_PASSWORD | AUTH_TOKEN | ACCESS_TOKEN)) => Some(key),
                None if names_a_password(key) => None,
                _ => continue,
            };
            glued.push(Glued {
                key: secret,
                key_range: range.start + key_at..range.start + equals,
                value: range.start + equals + 1..range.start + end,
            });
        }
    }
    glued
}

/// The `key=` pairs after each `?`, `;` or `,` of `value`, or a percent-encoded `?` or `&`
/// (`name=quotes%3Faccess_token=…`): where each separator starts, where the key after it
/// starts, and where its `=` stands.
fn glued_pairs(value: &str) -> Vec<(usize, usize, usize)> {
    let mut pairs = Vec::new();
    let separators = value
        .match_indices(['?', ';', ',', '%'])
        .filter_map(|(at, found)| {
            if found != "%" {
                return Some((at, at + 1));
            }
            let encoded = value.get(at + 1..at + 3)?;
            ["3F", "26", "3B", "2C"]
                .iter()
                .any(|code| encoded.eq_ignore_ascii_case(code))
                .then_some((at, at + 3))
        });
    for (separator_at, key_at) in separators {
        let key_len = value[key_at..]
            .bytes()
            .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'%')
            .count();
        if key_len > 0 && value[key_at + key_len..].starts_with('=') {
            pairs.push((separator_at, key_at, key_at + key_len));
        }
    }
    pairs
}
