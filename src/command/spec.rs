//! The deep-link command table (SPEC §1.2) and the auth parameters (SPEC §1.3), as data.

/// What a parameter's literal value must look like. A template token is accepted for any kind
/// (the PSA fills it in at send time); the dialect rules judge tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A ticket id: digits (ConnectWise and Autotask ids are numeric).
    TicketId,
    /// A numeric id such as a request type or menu item.
    NumericId,
    /// A UUID such as a content page id.
    Uuid,
    /// An opaque id (`I239394`, `QABV829`): any non-empty run of URL-safe characters.
    OpaqueId,
    /// One of a fixed list of words.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A contact e-mail address.
    Email,
    /// A password or passwordless token: anything non-empty.
    Secret,
    /// A JSON Web Token: three base64url segments separated by dots.
    Jwt,
}

impl ValueKind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::TicketId => "a numeric ticket id",
            ValueKind::NumericId => "a numeric id",
            ValueKind::Uuid => "a UUID",
            ValueKind::OpaqueId => "an id",
            ValueKind::OneOf(_) => "one of a fixed set of words",
            ValueKind::Bool => "`true` or `false`",
            ValueKind::Email => "an e-mail address",
            ValueKind::Secret => "a secret",
            ValueKind::Jwt => "a JSON Web Token",
        }
    }
}

/// A parameter key and the kind of value it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub key: &'static str,
    pub kind: ValueKind,
}

const fn key(key: &'static str, kind: ValueKind) -> KeySpec {
    KeySpec { key, kind }
}

/// One row of the command table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub required: &'static [KeySpec],
    pub optional: &'static [KeySpec],
    /// Only a ticket link may carry a `#fragment` (a comment or time entry).
    pub fragment_allowed: bool,
}

impl CommandSpec {
    /// Required then optional keys, in the table's order (the canonical order after `name`).
    pub fn keys(&self) -> impl Iterator<Item = &'static KeySpec> {
        self.required.iter().chain(self.optional.iter())
    }

    pub fn key(&self, key: &str) -> Option<&'static KeySpec> {
        self.keys().find(|spec| spec.key == key)
    }
}

pub const TICKET_ACTIONS: &[&str] = &[
    "chat",
    "close",
    "approve",
    "decline",
    "auto_approve",
    "auto_decline",
    "reopen",
    "flag",
    "fasttrack",
    "forms",
];

pub const TICKET_LIST_STATES: &[&str] = &["open", "closed", "approval"];

const fn command(
    name: &'static str,
    required: &'static [KeySpec],
    optional: &'static [KeySpec],
) -> CommandSpec {
    CommandSpec {
        name,
        required,
        optional,
        fragment_allowed: false,
    }
}

/// Every V2 command, in the order of SPEC §1.2.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ticket",
        required: &[key("ticket_id", ValueKind::TicketId)],
        optional: &[key("action", ValueKind::OneOf(TICKET_ACTIONS))],
        fragment_allowed: true,
    },
    command(
        "ticket_list",
        &[],
        &[key("state", ValueKind::OneOf(TICKET_LIST_STATES))],
    ),
    command("support_options", &[], &[]),
    command("pre_ticket_chat", &[], &[]),
    command("request_types", &[], &[]),
    command("request_type", &[key("type_id", ValueKind::NumericId)], &[]),
    command("notifications", &[], &[]),
    command("content_page", &[key("page_id", ValueKind::Uuid)], &[]),
    command("invoices", &[], &[]),
    command("invoice", &[key("invoice_id", ValueKind::OpaqueId)], &[]),
    command("quotes", &[], &[]),
    command("quote", &[key("quote_id", ValueKind::OpaqueId)], &[]),
    command("menu_item", &[key("menu_id", ValueKind::NumericId)], &[]),
    command(
        "survey",
        &[key("survey_id", ValueKind::OpaqueId)],
        &[key("campaign_id", ValueKind::OpaqueId)],
    ),
    command("login", &[], &[]),
];

pub const NAME_KEY: &str = "name";
pub const TICKET_ID: &str = "ticket_id";
pub const AUTH_USERNAME: &str = "auth_username";
pub const AUTH_PASSWORD: &str = "auth_password";
pub const AUTH_TOKEN: &str = "auth_token";
pub const ACCESS_TOKEN: &str = "access_token";
pub const AUTH_REMEMBER_ME: &str = "auth_remember_me";

/// The auth parameters, allowed on any command, in canonical order.
pub const AUTH_KEYS: &[KeySpec] = &[
    key(AUTH_USERNAME, ValueKind::Email),
    key(AUTH_PASSWORD, ValueKind::Secret),
    key(AUTH_TOKEN, ValueKind::Secret),
    key(ACCESS_TOKEN, ValueKind::Jwt),
    key(AUTH_REMEMBER_ME, ValueKind::Bool),
];

/// Parameters whose values are credentials: never echoed in any output.
pub const SECRET_KEYS: &[&str] = &[AUTH_PASSWORD, AUTH_TOKEN, ACCESS_TOKEN, "gtoken"];

/// Whether `key` names a credential, as written or nearly: `AUTH_TOKEN`, `amp;auth_password`
/// (an `&amp;` where character references are not decoded: a comment, a `<title>`),
/// `auth%5Fpassword`, `auth_tokn`, or a word for a credential that is no parameter
/// (`password`, `token`). Such a key's value is masked like a credential's: masking a
/// few values too many costs nothing, and one too few prints a password in a public CI log.
pub fn is_secret_key(key: &str) -> bool {
    // Asked for a parameter of nearly every link, which nearly always has a known key: that
    // is what it says, and the near-miss comparison below is for the rest.
    static KNOWN: std::sync::OnceLock<
        std::collections::HashSet<&'static str, foldhash::fast::FixedState>,
    > = std::sync::OnceLock::new();
    if SECRET_KEYS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(key))
    {
        return true;
    }
    if KNOWN.get_or_init(|| all_keys().collect()).contains(key) {
        return false;
    }
    // `&ampauth_tokn=`: an `&amp` without its `;` leaves `amp` before the key.
    if after_unterminated_amp(key).is_some_and(is_secret_key) {
        return true;
    }
    // Compared as lowercase letters and digits, held on the stack: this runs for the
    // pass-through attributes of every placeholder (`class`, `style`) too.
    let Some((key, key_len)) = letters_and_digits(key) else {
        return false;
    };
    let key = &key[..key_len];
    if CREDENTIAL_WORDS.contains(&key) {
        return true;
    }
    // `client_secret`, `user_password`: a word for a credential ends the key. Only the longer
    // words: `compass` is no password.
    if [&b"password"[..], b"passwd", b"secret", b"token", b"apikey"]
        .iter()
        .any(|word| key.ends_with(word))
    {
        return true;
    }
    // `auth_pass`, `auth_pw`, `auth_tok`: an auth key cut short.
    if let Some(rest) = key.strip_prefix(b"auth")
        && rest.len() >= 2
        && (b"password".starts_with(rest)
            || b"token".starts_with(rest)
            || rest == b"pw"
            || rest == b"pwd")
    {
        return true;
    }
    SECRETS_COMPARED.iter().any(|&secret| {
        let secret = secret.as_bytes();
        key == secret
            // `gtokn`: the short key is compared too, a letter short or one wrong (`gtokens`
            // is a word of its own).
            || ((secret.len() > 6 || (5..=secret.len()).contains(&key.len()))
                && key.len().abs_diff(secret.len()) <= 1
                && strsim::osa_distance(
                    std::str::from_utf8(key).unwrap_or_default(),
                    std::str::from_utf8(secret).unwrap_or_default(),
                ) == 1)
    })
}

/// [`SECRET_KEYS`] as [`letters_and_digits`] leaves them, to compare keys with.
const SECRETS_COMPARED: &[&str] = &["authpassword", "authtoken", "accesstoken", "gtoken"];

/// Keys that are no deep-link parameter but name a credential all the same (`password=`,
/// `token=`), as [`letters_and_digits`] leaves them: the portal ignores them, and the value
/// still goes to every recipient.
const CREDENTIAL_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"pwd",
    b"pass",
    b"token",
    b"secret",
    b"apikey",
    b"apitoken",
    b"authkey",
    b"sessiontoken",
    b"bearer",
    b"jwt",
];

/// The keys of [`CREDENTIAL_WORDS`] that name a password (DD301 reports them).
const PASSWORD_WORDS: &[&[u8]] = &[b"password", b"passwd", b"pwd", b"pass"];

/// Whether `key`, no deep-link parameter, names a password (`password`, `PWD`, `pass`).
pub fn names_a_password(key: &str) -> bool {
    letters_and_digits(key).is_some_and(|(key, len)| PASSWORD_WORDS.contains(&&key[..len]))
}

/// The key after the `amp` that an `&amp` without its `;` leaves before it (`&ampname=` is the
/// key `ampname` to a browser and to the portal): DD401 adds the `;`, and the key is then
/// what follows.
pub fn after_unterminated_amp(key: &str) -> Option<&str> {
    key.get(..3)
        .filter(|amp| amp.eq_ignore_ascii_case("amp"))
        .map(|_| &key[3..])
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '%'))
}

/// `key` without a leading `amp;` and punctuation, its percent escapes decoded, in lowercase
/// ASCII letters and digits; `None` when longer than any credential key could be.
fn letters_and_digits(key: &str) -> Option<([u8; 24], usize)> {
    let bytes = key.as_bytes();
    let bytes = match bytes.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case(b"amp;") => &bytes[4..],
        _ => bytes,
    };
    let mut kept = [0; 24];
    let mut len = 0;
    let mut at = 0;
    while at < bytes.len() {
        // A percent escape is read as the byte it stands for: `%61ccess_token` is
        // `access_token` to the portal.
        let (byte, width) = match super::value::escaped_byte(&bytes[at..]) {
            Some(byte) => (byte, 3),
            None => (bytes[at], 1),
        };
        if byte.is_ascii_alphanumeric() {
            *kept.get_mut(len)? = byte.to_ascii_lowercase();
            len += 1;
        }
        at += width;
    }
    Some((kept, len))
}

pub fn command_spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| spec.name == name)
}

pub fn auth_key(key: &str) -> Option<&'static KeySpec> {
    AUTH_KEYS.iter().find(|spec| spec.key == key)
}

pub fn is_auth_key(key: &str) -> bool {
    auth_key(key).is_some()
}

/// Every key that some command (or auth) accepts, `name` included.
pub fn all_keys() -> impl Iterator<Item = &'static str> {
    std::iter::once(NAME_KEY)
        .chain(COMMANDS.iter().flat_map(|c| c.keys().map(|k| k.key)))
        .chain(AUTH_KEYS.iter().map(|k| k.key))
}

pub fn is_known_key(key: &str) -> bool {
    all_keys().any(|known| known == key)
}

/// The first command whose table row lists `key`, for "belongs to `ticket`" hints.
pub fn command_owning(key: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| spec.key(key).is_some())
}

#[cfg(test)]
mod secret_key_tests {
    use super::is_secret_key;

    #[test]
    fn credential_keys_as_written_or_nearly() {
        for secret in [
            "auth_password",
            "AUTH_TOKEN",
            "access_token",
            "gtoken",
            "amp;auth_password",
            "auth%5Fpassword",
            "%61ccess_token",
            "auth_p%61ssword",
            "%67token",
            "auth_tokn",
            "acess_token",
            "authtoken",
            "token",
            "Password",
            "PWD",
            "api-key",
            "ampauth_tokn",
            "AMPaccess_token",
            "gtokn",
            "auth_tok",
            "auth_pw",
            "auth_pass",
            "client_secret",
            "user_password",
        ] {
            assert!(is_secret_key(secret), "{secret}");
        }
        for other in [
            "auth_username",
            "auth_remember_me",
            "ticket_id",
            "style",
            "class",
            "tokens",
            "passage",
            "remember-me",
            "gtokens",
            "%zzgtokens%",
            "a_very_long_key_that_names_nothing_at_all",
            "ampauth_username",
            "ample",
            "compass",
            "bypass",
        ] {
            assert!(!is_secret_key(other), "{other}");
        }
    }

    #[test]
    fn the_compared_forms_are_the_secret_keys() {
        let derived: Vec<String> = super::SECRET_KEYS
            .iter()
            .map(|key| {
                let (bytes, len) = super::letters_and_digits(key).unwrap();
                String::from_utf8(bytes[..len].to_vec()).unwrap()
            })
            .collect();
        assert_eq!(derived, super::SECRETS_COMPARED);
    }
}
