//! Literal value checks for each [`ValueKind`].

use super::spec::ValueKind;

/// Whether a literal (not a template token) is a valid value of `kind`.
pub fn is_valid_literal(kind: ValueKind, value: &str) -> bool {
    match kind {
        ValueKind::TicketId | ValueKind::NumericId => is_numeric_id(value),
        ValueKind::Uuid => is_uuid(value),
        ValueKind::OpaqueId => is_opaque_id(value),
        ValueKind::OneOf(words) => words.contains(&value),
        ValueKind::Bool => matches!(value, "true" | "false"),
        ValueKind::Email => is_email(value),
        ValueKind::Secret => !value.is_empty(),
        ValueKind::Jwt => is_jwt(value),
    }
}

/// Digits only, and small enough to be an id (at most 19 digits: an `i64`).
pub fn is_numeric_id(value: &str) -> bool {
    (1..=19).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// `8-4-4-4-12` hexadecimal digits, either case.
pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// URL-safe characters only (RFC 3986 unreserved).
pub fn is_opaque_id(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// A plausible address: one `@` (or `%40`), a non-empty local part, a dotted domain.
pub fn is_email(value: &str) -> bool {
    let (local, domain) = match value.split_once('@') {
        Some(parts) => parts,
        None => match value.split_once("%40") {
            Some(parts) => parts,
            None => return false,
        },
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.bytes().any(|b| b.is_ascii_whitespace())
}

/// Three base64url segments separated by dots (the signature may be empty for `alg: none`).
pub fn is_jwt(value: &str) -> bool {
    let segments: Vec<&str> = value.split('.').collect();
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    };
    segments.len() == 3
        && !segments[0].is_empty()
        && !segments[1].is_empty()
        && segments.iter().all(|s| base64url(s))
}

/// The byte a percent escape at the start of `bytes` stands for (`%5F` is `_`), if one is
/// there.
pub fn escaped_byte(bytes: &[u8]) -> Option<u8> {
    let hex = |byte: u8| char::from(byte).to_digit(16);
    match bytes {
        [b'%', high, low, ..] => u8::try_from(hex(*high)? << 4 | hex(*low)?).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::spec::{TICKET_ACTIONS, TICKET_LIST_STATES};

    #[test]
    fn kinds_accept_and_reject() {
        let table: &[(ValueKind, &[&str], &[&str])] = &[
            (
                ValueKind::TicketId,
                &["1", "123456"],
                &["", "12a", "-1", "1.0", "T20240101.0001"],
            ),
            (
                ValueKind::NumericId,
                &["7"],
                &["seven", "", "12345678901234567890"],
            ),
            (
                ValueKind::Uuid,
                &[
                    "0f8fad5b-d9cb-469f-a165-70867728950e",
                    "0F8FAD5B-D9CB-469F-A165-70867728950E",
                ],
                &[
                    "0f8fad5b",
                    "{0f8fad5b-d9cb-469f-a165-70867728950e}",
                    "0f8fad5b-d9cb-469f-a165-70867728950g",
                ],
            ),
            (
                ValueKind::OpaqueId,
                &["I239394", "QABV829", "a-b_c.d~"],
                &["", "a b", "a/b"],
            ),
            (
                ValueKind::OneOf(TICKET_ACTIONS),
                &["approve", "auto_decline"],
                &["aprove", "Approve"],
            ),
            (
                ValueKind::OneOf(TICKET_LIST_STATES),
                &["open", "approval"],
                &["pending"],
            ),
            (ValueKind::Bool, &["true", "false"], &["yes", "True", "1"]),
            (
                ValueKind::Email,
                &["a@b.co", "first.last+tag@example.com", "a%40b.co"],
                &["ab.co", "a@b", "@b.co", "a@@b.co"],
            ),
            (ValueKind::Secret, &["x"], &[""]),
            (
                ValueKind::Jwt,
                &["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_", "a.b."],
                &["abc", "a.b", "a..c", "a.b.c.d"],
            ),
        ];
        for (kind, good, bad) in table {
            for value in *good {
                assert!(
                    is_valid_literal(*kind, value),
                    "{kind:?} should accept {value:?}"
                );
            }
            for value in *bad {
                assert!(
                    !is_valid_literal(*kind, value),
                    "{kind:?} should reject {value:?}"
                );
            }
        }
    }
}
