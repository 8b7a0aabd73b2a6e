//! Which auth parameters a link carries, shared by the security rules (DD301–DD306).

use super::LinkSite;
use super::unknown_param::percent_decoded_key;
use super::wrong_case::canonical_key;
use crate::command::Param;
use crate::command::spec::{
    ACCESS_TOKEN, AUTH_PASSWORD, AUTH_REMEMBER_ME, AUTH_TOKEN, AUTH_USERNAME,
};

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
