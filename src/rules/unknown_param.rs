use super::did_you_mean::closest;
use super::encoded_token::percent_decode;
use super::incomplete_auth::INCOMPLETE_AUTH;
use super::missing_command_name::MISSING_COMMAND_NAME;
use super::missing_required_param::MISSING_REQUIRED_PARAM;
use super::password_in_link::PASSWORD_IN_LINK;
use super::wrong_case::{
    behind_escaped_ampersand, canonical_key, held_twice, meant_elsewhere, meant_key,
};
use super::{Findings, LinkSite, legacy_v1_link};
use crate::command::Param;
use crate::command::spec::{self, AUTH_KEYS, NAME_KEY, names_a_password};
use crate::diagnostic::{Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// ## What it does
    /// Reports a deep-link parameter that no command knows, such as `ticketid` or `tickt_id`.
    /// It is an error when the key stands for one the command requires and the link lacks
    /// (`ticketid` in a ticket link without `ticket_id`), and a warning otherwise.
    ///
    /// ## Why is this bad?
    /// The portal ignores keys it does not know, so a misspelt key silently drops its value:
    /// `tickt_id=[srnumber]` opens a ticket page without a ticket.
    ///
    /// ## Example
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticketid=[srnumber]">View</a>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>
    /// ```
    ///
    /// ## Fix
    /// A near miss of a known key is offered as an unsafe fix (it is a guess), unless the
    /// link already has that key (the fix would repeat it: DD109). A known key
    /// behind an ampersand escaped twice (`&amp;amp;ticket_id` reads as `amp;ticket_id`), or
    /// behind an `&amp;` in the wrong case (`&Amp;ticket_id`), is repaired by a safe fix: the
    /// extra `amp;` goes (and DD401 escapes a bare `&` left). A known key percent-encoded
    /// (`auth%5Ftoken`) is decoded by a safe fix: the portal decodes it before reading it.
    /// A value without a key (`=[srnumber]`) in a link that lacks the key its command requires
    /// is offered that key (`ticket_id=[srnumber]`), as an unsafe fix.
    ///
    /// A key this rule reports as standing for a known one is not reported missing as well
    /// (DD102, DD103, DD305): this finding then is an error, and its fix writes the key.
    pub static UNKNOWN_PARAM = {
        code: "DD104",
        name: "unknown-param",
        severity: Warning,
        fix: Sometimes,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !site.is_deep_link() || !findings.enabled(&UNKNOWN_PARAM) {
        return;
    }
    // The key an unknown one stands for is missing when the link has no parameter of it.
    let present = |wanted: &str| {
        site.link
            .params
            .iter()
            .any(|p| canonical_key(site.key(p)) == Some(wanted))
    };
    let v1 = legacy_v1_link::v1_pair(site).map(|(param, _)| param);
    // `name` is required too, unless a V1 command names the page (DD501).
    let required_and_missing = |wanted: &str| {
        let required = if wanted == NAME_KEY {
            v1.is_none()
        } else {
            site.command()
                .is_some_and(|c| c.required.iter().any(|r| r.key == wanted))
        };
        required && !present(wanted)
    };
    for written in &site.link.params {
        // `&ampnme=`: DD401 gives the `&amp` its `;`, and the key is then `nme`. Said now, of
        // the key as it will be read, rather than only after `fix`.
        let behind_amp;
        let param = match site.key_as_repaired(written) {
            key if key == written.key => written,
            key => {
                behind_amp = Param {
                    key,
                    ..written.clone()
                };
                &behind_amp
            }
        };
        let key = site.key(param);
        if canonical_key(key).is_some() || v1.is_some_and(|v1| std::ptr::eq(v1, param)) {
            continue;
        }
        // `gtoken` is DD304's: a token that goes out, not a parameter to rename.
        if key.eq_ignore_ascii_case("gtoken")
            && findings.enabled(&super::global_magic_token::GLOBAL_MAGIC_TOKEN)
        {
            continue;
        }
        let span = site.span(param.key.clone());
        if key.is_empty() {
            keyless(site, param, findings);
            continue;
        }
        // Another parameter that stands for the key this one is repaired into.
        let elsewhere = |wanted: &str| meant_elsewhere(site, Some(param), wanted);
        if let Some((diagnostic, meant)) = known_key_misread(site, param, key, &elsewhere) {
            // `ticket%5Fid`, `ticket_id%3D5`: the required key the link lacks, written so that
            // the portal does not read it.
            let lacking = meant
                .into_iter()
                .chain(keys_meant(site, param))
                .find(|&k| required_and_missing(k));
            if let Some(needed) = lacking {
                findings.push_also_for(diagnostic, absence_of(needed));
            } else {
                findings.push(diagnostic);
            }
            continue;
        }
        // A password the portal does not read is DD301's.
        if findings.enabled(&PASSWORD_IN_LINK)
            && names_a_password(key)
            && site.value(param).is_some_and(|v| !v.is_empty())
        {
            continue;
        }
        let suggestion = suggested_key(site, key);
        // `auth_tokn` beside `auth_username`: the secret the user name needs (DD305 leaves it
        // to this finding).
        let completes_auth = |wanted: &str| {
            matches!(
                wanted,
                spec::AUTH_TOKEN | spec::AUTH_PASSWORD | spec::AUTH_USERNAME
            ) && !present(wanted)
                && site.link.params.iter().any(|p| {
                    canonical_key(site.key(p))
                        .is_some_and(|k| spec::is_auth_key(k) && k != spec::AUTH_REMEMBER_ME)
                })
        };
        let lacking = suggestion.filter(|&s| required_and_missing(s) || completes_auth(s));
        let message = match lacking {
            Some(needed) => format!(
                "`{key}` is not a deep-link parameter, and the link lacks the `{needed}` it needs"
            ),
            None => format!("`{key}` is not a deep-link parameter"),
        };
        let diagnostic = Diagnostic::new(&UNKNOWN_PARAM, span, message);
        let diagnostic = match suggestion {
            Some(suggestion) if present(suggestion) => diagnostic.with_help(format!(
                "the link has `{suggestion}` already: remove this one if it is a copy"
            )),
            Some(suggestion) => diagnostic
                .with_help(format!("did you mean `{suggestion}`?"))
                .with_fix(Fix::unsafe_(vec![Edit::replace(span, suggestion)])),
            None => diagnostic.with_help("the portal ignores parameters it does not know"),
        };
        if let Some(needed) = lacking {
            findings.push_also_for(diagnostic, absence_of(needed));
        } else {
            findings.push(diagnostic);
        }
    }
}

/// The rule that reports `key` missing from a link.
fn absence_of(key: &str) -> &'static crate::rules::Rule {
    if spec::is_auth_key(key) {
        &INCOMPLETE_AUTH
    } else if key == NAME_KEY {
        &MISSING_COMMAND_NAME
    } else {
        &MISSING_REQUIRED_PARAM
    }
}

/// `=[srnumber]`: a value without its key. In a link that lacks the key its command
/// requires, the value most likely is that key's (`ticket_id`), and this finding says so in
/// place of DD103, whose fix would add a second value for it: the key is a guess, an unsafe
/// fix.
fn keyless(site: &LinkSite, param: &Param, findings: &mut Findings) {
    let span = site.span(param.range.clone());
    let lacking = site.command().and_then(|command| {
        command
            .required
            .iter()
            .find(|required| !meant_elsewhere(site, None, required.key))
    });
    // `=[srnumber]` lacks its key; `=closed` is no ticket id, and the first value that could
    // be one is the one meant.
    let first_fitting = lacking.and_then(|required| {
        site.link
            .params
            .iter()
            .find(|p| site.key(p).is_empty() && could_be(site, p, required))
    });
    match lacking
        .map(|required| required.key)
        .filter(|_| first_fitting.is_some_and(|p| std::ptr::eq(p, param)))
    {
        Some(needed) => {
            let key_at = site.span(param.key.clone());
            findings.push_also_for(
                Diagnostic::new(
                    &UNKNOWN_PARAM,
                    span,
                    format!(
                        "a parameter without a key, and the link lacks the `{needed}` it needs"
                    ),
                )
                .with_help(format!("did you mean `{needed}=`?"))
                .with_fix(Fix::unsafe_(vec![Edit::insert(key_at.start, needed)])),
                &MISSING_REQUIRED_PARAM,
            );
        }
        None => {
            findings.push(
                Diagnostic::new(&UNKNOWN_PARAM, span, "a parameter without a key")
                    .with_help("write `key=value`"),
            );
        }
    }
}

/// Whether this rule reports a parameter of `site` as standing for the required `key` the
/// link lacks (a value without its key, `=[srnumber]`), so that DD103 leaves it to it.
pub fn keyless_value_for(site: &LinkSite, key: &str) -> bool {
    site.command()
        .and_then(|c| c.required.first())
        .is_some_and(|first| {
            first.key == key
                && site
                    .link
                    .params
                    .iter()
                    .any(|p| site.key(p).is_empty() && could_be(site, p, first))
        })
}

/// Whether the value of `param` could be the value of `required`: a template token, or a
/// literal of its kind.
fn could_be(site: &LinkSite, param: &Param, required: &spec::KeySpec) -> bool {
    site.value(param).is_some_and(|value| {
        !value.is_empty()
            && (crate::command::token::is_single_token(value)
                || crate::command::value::is_valid_literal(required.kind, value))
    })
}

/// The known key this rule suggests for an unknown `key` ("did you mean"): a near miss,
/// preferring the keys the command takes, or an auth key written in other words.
pub(super) fn suggested_key(site: &LinkSite, key: &str) -> Option<&'static str> {
    let own: Vec<&'static str> = site
        .command()
        .map(|c| c.keys().map(|k| k.key).collect())
        .unwrap_or_default();
    let candidates = std::iter::once(NAME_KEY)
        .chain(own)
        .chain(AUTH_KEYS.iter().map(|k| k.key));
    closest(key, candidates)
        .or_else(|| closest(key, spec::all_keys()))
        .or_else(|| auth_key_meant(key))
}

/// The known keys a parameter stands for as this rule reports it: its key in the wrong case,
/// behind an escaped ampersand, percent-encoded (a key or whole pairs), a near miss or in
/// other words (`auth_user`). The rules that would report those keys missing (DD102, DD103,
/// DD305) leave them to this rule's finding, whose fix writes them.
pub fn keys_meant(site: &LinkSite, param: &Param) -> Vec<&'static str> {
    let key = site.key(param);
    if let Some(known) = meant_key(key) {
        return vec![known];
    }
    if let Some(pairs) = percent_encoded_pairs(key) {
        return pair_keys(&pairs);
    }
    if key.is_empty() {
        return Vec::new();
    }
    suggested_key(site, key).into_iter().collect()
}

/// The known keys of decoded `key=value` pairs.
fn pair_keys(pairs: &str) -> Vec<&'static str> {
    pairs
        .split('&')
        .filter_map(|pair| canonical_key(pair.split_once('=').map_or(pair, |(k, _)| k)))
        .collect()
}

/// Whether a key the link holds, unknown to the portal, stands for `key` (`auth_tokn` or
/// `auth%5Ftoken` for `auth_token`, `auth_user` for `auth_username`): this rule reports it
/// as the missing key.
pub fn near_miss_of(site: &LinkSite, key: &str) -> bool {
    site.link.params.iter().any(|param| {
        canonical_key(site.key(param)).is_none() && keys_meant(site, param).contains(&key)
    })
}

/// The auth parameter a key written in other words most likely means (`token` for
/// `auth_token`, `email` for `auth_username`): too far from it for a near miss.
fn auth_key_meant(key: &str) -> Option<&'static str> {
    let words: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match words.as_str() {
        "token" | "logintoken" | "passwordlesstoken" | "authkey" => Some(spec::AUTH_TOKEN),
        "user" | "username" | "email" | "login" | "authuser" | "authemail" => {
            Some(spec::AUTH_USERNAME)
        }
        "jwt" | "bearer" | "accesstokens" => Some(spec::ACCESS_TOKEN),
        "rememberme" | "remember" => Some(spec::AUTH_REMEMBER_ME),
        _ => None,
    }
}

/// A key the portal misreads, with the known key meant if there is one: behind an ampersand
/// escaped once too often (`amp;ticket_id`, or `amp;` alone at the end of a link), or
/// percent-encoded (`auth%5Ftoken`, or a whole pair, `name%3Dticket_list`). All are repaired
/// safely.
fn known_key_misread(
    site: &LinkSite,
    param: &Param,
    key: &str,
    present: &dyn Fn(&str) -> bool,
) -> Option<(Diagnostic, Option<&'static str>)> {
    let (diagnostic, meant, revealed) = misread_key(site, param, key)?;
    // Repaired, the key would stand beside the one the link has already (DD109): which of
    // the two is meant is not this fix's to say.
    let Some(twice) = revealed.iter().find(|&&k| present(k)) else {
        return Some((diagnostic, meant));
    };
    let mut diagnostic = diagnostic;
    diagnostic.fix = None;
    diagnostic.set_help(held_twice(twice));
    Some((diagnostic, meant))
}

/// [`known_key_misread`]'s finding, the key it stands for, and every known key its fix
/// writes.
fn misread_key(
    site: &LinkSite,
    param: &Param,
    key: &str,
) -> Option<(Diagnostic, Option<&'static str>, Vec<&'static str>)> {
    let span = site.span(param.key.clone());
    // `&amp;amp;ticket_id` in HTML, `&amp;ticket_id` in plain text: an ampersand escaped
    // once too often reads as a key `amp;ticket_id`.
    let behind = behind_escaped_ampersand(key)
        .map(|(meant, extra)| (Some(meant), extra))
        .or_else(|| {
            // `…&amp;amp;` at the end: the extra `amp;` is a key with nothing after it.
            let only_amps = key.len() % 4 == 0
                && key
                    .as_bytes()
                    .chunks(4)
                    .all(|chunk| chunk.eq_ignore_ascii_case(b"amp;"));
            (only_amps && param.value.is_none()).then_some((None, key.len()))
        });
    if let Some((meant, extra)) = behind {
        let written = &key[..extra];
        let extra = site.span(param.key.start..param.key.start + extra);
        let (why, help) = if written.bytes().any(|b| b.is_ascii_uppercase()) {
            (
                "an `&amp;` in the wrong case, which is no character reference",
                "write `&amp;`",
            )
        } else if site.origin.is_html() {
            (
                "an ampersand escaped twice (`&amp;amp;`)",
                "escape the `&` once",
            )
        } else {
            (
                "an ampersand escaped for HTML (`&amp;`) in plain text, where it stays as written",
                "write a bare `&` in plain text",
            )
        };
        let message = match meant {
            Some(meant) => format!("`{key}` is `{meant}` after {why}"),
            None => format!("`{key}` is no parameter but {why}, with nothing after it"),
        };
        let diagnostic = Diagnostic::new(&UNKNOWN_PARAM, span, message)
            .with_help(help)
            .with_fix(Fix::safe(vec![Edit::delete(extra)]));
        return Some((diagnostic, meant, meant.into_iter().collect()));
    }
    // The portal decodes a key before it reads it: `%61ccess_token` is `access_token`.
    if let Some(decoded) = percent_decoded_key(key) {
        let diagnostic = Diagnostic::new(
            &UNKNOWN_PARAM,
            span,
            format!("`{key}` is `{decoded}` percent-encoded"),
        )
        .with_help(format!("write `{decoded}`"))
        .with_fix(Fix::safe(vec![Edit::replace(span, decoded)]));
        return Some((diagnostic, Some(decoded), vec![decoded]));
    }
    // `name%3Dticket_list`: the portal reads one key, `name=ticket_list`, with no value.
    let decoded = percent_encoded_pairs(key)?;
    let written = decoded.replace('&', site.ampersand());
    let diagnostic = Diagnostic::new(
        &UNKNOWN_PARAM,
        span,
        format!("`{key}` is `{decoded}` percent-encoded, which the portal reads as one key"),
    )
    .with_help(format!("write `{written}`"))
    .with_fix(Fix::safe(vec![Edit::replace(span, written)]));
    Some((diagnostic, None, pair_keys(&decoded)))
}

/// The pairs a key stands for whose `=` (and `&`) are percent-encoded (`name%3Dticket_list`
/// is `name=ticket_list`), when its first key is a known one and nothing decoded would change
/// how the URL or its HTML attribute reads (a quote, `<`, `#`, `%`, white space or a control).
pub fn percent_encoded_pairs(key: &str) -> Option<String> {
    if !key.contains('%') {
        return None;
    }
    let decoded = percent_decode(key)?;
    let (first, _) = decoded.split_once('=')?;
    let plain = |c: char| {
        !c.is_control()
            && !c.is_whitespace()
            && !matches!(c, '"' | '\'' | '<' | '>' | '#' | '%' | '\\' | '`')
    };
    (canonical_key(first) == Some(first) && decoded.chars().all(plain)).then_some(decoded)
}

/// The known key `key` stands for once its percent escapes are decoded, if it has any.
pub(super) fn percent_decoded_key(key: &str) -> Option<&'static str> {
    let decoded = percent_decode(key)?;
    canonical_key(&decoded).filter(|&known| known == decoded)
}

/// Attributes HTML e-mail markup uses on links: never mistaken for a misspelt key.
fn is_html_attribute(name: &str) -> bool {
    const HTML: &[&str] = &[
        "class",
        "style",
        "id",
        "title",
        "target",
        "rel",
        "lang",
        "dir",
        "role",
        "tabindex",
        "width",
        "height",
        "align",
        "valign",
        "bgcolor",
        "border",
        "color",
        "name",
        "type",
        "hreflang",
        "download",
        "referrerpolicy",
        "accesskey",
        "hidden",
    ];
    HTML.contains(&name)
        || name.starts_with("data-")
        || name.starts_with("aria-")
        || name.starts_with("on")
}

/// Said of a placeholder not expanded for a near miss of a parameter.
pub const LEFT_UNTIL_THEN: &str = "The placeholder is left as it is until then";

/// A placeholder argument that is no command key but a near miss of one, or of one of
/// `controls` (the attributes that steer expansion: `remember-me`, `client`, …). Passed
/// through to the anchor as an HTML attribute, the command would lack what was meant
/// (`acton="approve"`: an Approve button that approves nothing). Reported, and `true`: the
/// placeholder is then left as it is.
pub fn check_placeholder_key(
    findings: &mut Findings,
    span: crate::diagnostic::Span,
    key: &str,
    controls: &[&'static str],
    present: impl Fn(&str) -> bool,
    also_meant: impl Fn(&str) -> bool,
) -> bool {
    if !findings.enabled(&UNKNOWN_PARAM) || is_html_attribute(key) {
        return false;
    }
    let Some(suggestion) = closest(key, spec::all_keys().chain(controls.iter().copied())) else {
        return false;
    };
    let diagnostic = Diagnostic::new(
        &UNKNOWN_PARAM,
        span,
        format!("`{key}` is neither a deep-link parameter nor an attribute links take"),
    );
    let diagnostic = if present(suggestion) {
        diagnostic.with_help(format!(
            "the placeholder has `{suggestion}` already: remove this one if it is a copy. {LEFT_UNTIL_THEN}"
        ))
    } else if also_meant(suggestion) {
        diagnostic.with_help(format!(
            "another argument is a near miss of `{suggestion}` too: keep one, written `{suggestion}`. {LEFT_UNTIL_THEN}"
        ))
    } else {
        let help = diagnostic.with_help(format!("did you mean `{suggestion}`? {LEFT_UNTIL_THEN}"));
        // The argument is written from its key; a key that is not ASCII may be written in
        // another case of another length, so it gets no edit.
        if key.is_ascii() && span.len() >= key.len() {
            let written_key = Span::new(span.start, span.start + key.len());
            help.with_fix(Fix::unsafe_(vec![Edit::replace(written_key, suggestion)]))
        } else {
            help
        }
    };
    findings.push(diagnostic);
    true
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testing::{assert_rule, check, fixed};
    use crate::rules::{Origin, RuleSettings};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            "DD104",
            &[
                "ddportal://name=ticket&ticket_id=1",
                "ddportal://name=ticket&Ticket_Id=1",
                "ddportal://name=ticket_list&action=close",
                "ddportal://name=login&auth_username=a@b.co&auth_token=[x]",
            ],
            &[
                "ddportal://name=ticket&ticketid=1",
                "ddportal://name=ticket&ticket_id=1&utm_source=mail",
                "ddportal://name=ticket&ticket_id=1&=x",
            ],
        );
    }

    #[test]
    fn suggests_a_key() {
        let settings = RuleSettings::default();
        assert_eq!(
            fixed("DD104", "ddportal://name=ticket&tickt_id=1", &settings),
            "ddportal://name=ticket&ticket_id=1"
        );
        assert_eq!(
            fixed("DD104", "ddportal://name=ticket_list&stat=open", &settings),
            "ddportal://name=ticket_list&state=open"
        );
        // Not to a key the link has: that would repeat it.
        let found = check(
            "ddportal://name=ticket&ticket_id=1&ticketid=1",
            &settings,
            Origin::Attribute,
        );
        let unknown = found.iter().find(|d| d.code() == "DD104").unwrap();
        assert_eq!(unknown.fix, None);
        assert_eq!(
            unknown.help(),
            Some("the link has `ticket_id` already: remove this one if it is a copy")
        );
    }

    #[test]
    fn a_near_miss_of_a_required_key_the_link_lacks_is_an_error() {
        let settings = RuleSettings::default();
        let severities = |link: &str| -> Vec<(Severity, String)> {
            check(link, &settings, Origin::Attribute)
                .into_iter()
                .filter(|d| d.code() == "DD104")
                .map(|d| (d.severity, d.message().to_owned()))
                .collect()
        };
        assert_eq!(
            severities("ddportal://name=ticket&ticketid=1"),
            [(
                Severity::Error,
                "`ticketid` is not a deep-link parameter, and the link lacks the `ticket_id` it needs"
                    .to_owned()
            )]
        );
        assert_eq!(
            severities("ddportal://name=ticket&ticket_id=1&ticketid=1"),
            [(
                Severity::Warning,
                "`ticketid` is not a deep-link parameter".to_owned()
            )]
        );
        assert_eq!(
            severities("ddportal://name=ticket_list&stat=open"),
            [(
                Severity::Warning,
                "`stat` is not a deep-link parameter".to_owned()
            )]
        );
        assert_eq!(
            severities("ddportal://nme=ticket_list"),
            [(
                Severity::Error,
                "`nme` is not a deep-link parameter, and the link lacks the `name` it needs"
                    .to_owned()
            )]
        );
        assert_eq!(
            severities("ddportal://name=ticket&amp;ticket_id=1")[0].0,
            Severity::Error
        );
    }
}
