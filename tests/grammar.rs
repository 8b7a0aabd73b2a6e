//! SPEC §1 row by row: every command, key, action, state and auth combination is accepted
//! when right and reported with the right code when wrong, in both envelopes.

use std::fmt::Write as _;

use ddlink::command::spec::{COMMANDS, KeySpec, TICKET_ACTIONS, TICKET_LIST_STATES, ValueKind};
use ddlink::rules::RuleSettings;
use ddlink::{FileKind, Portal, Rewriter, RewriterOptions};

fn rewriter() -> Rewriter {
    Rewriter::new(RewriterOptions {
        kind: FileKind::PlainText,
        settings: RuleSettings::new(
            Some(Portal::parse("https://acme.deskdirector.com").unwrap()),
            None,
        ),
        ..RewriterOptions::default()
    })
}

/// The codes reported for a command in both envelopes (they must agree, except for the
/// desktop-only DD403).
fn codes(command: &str) -> Vec<&'static str> {
    let rewriter = rewriter();
    let web = format!("https://acme.deskdirector.com/portal/deeplink?{command}");
    let desktop = format!("ddportal://{command}");
    let mut web_codes: Vec<_> = rewriter
        .check_url(&web)
        .diagnostics
        .iter()
        .map(ddlink::Diagnostic::code)
        .collect();
    let mut desktop_codes: Vec<_> = rewriter
        .check_url(&desktop)
        .diagnostics
        .iter()
        .map(ddlink::Diagnostic::code)
        .filter(|c| *c != "DD403")
        .collect();
    web_codes.sort_unstable();
    desktop_codes.sort_unstable();
    assert_eq!(web_codes, desktop_codes, "envelopes disagree on {command}");
    web_codes
}

fn good_value(spec: &KeySpec) -> String {
    match spec.kind {
        ValueKind::TicketId | ValueKind::NumericId => "123".into(),
        ValueKind::Uuid => "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
        ValueKind::OpaqueId => "AB-12".into(),
        ValueKind::OneOf(words) => words[0].into(),
        ValueKind::Bool => "true".into(),
        ValueKind::Email => "a@example.com".into(),
        ValueKind::Secret | ValueKind::Jwt => "[token]".into(),
    }
}

fn bad_value(spec: &KeySpec) -> &'static str {
    match spec.kind {
        ValueKind::TicketId | ValueKind::NumericId | ValueKind::Uuid => "12ab",
        ValueKind::OpaqueId => "a/b",
        ValueKind::OneOf(_) => "nonsense",
        ValueKind::Bool => "yes",
        ValueKind::Email => "nobody",
        ValueKind::Secret | ValueKind::Jwt => "",
    }
}

fn full_command(name: &str, with_optional: bool) -> String {
    let spec = COMMANDS.iter().find(|c| c.name == name).unwrap();
    let mut command = format!("name={name}");
    let keys = spec
        .required
        .iter()
        .chain(spec.optional.iter().filter(|_| with_optional));
    for key in keys {
        let _ = write!(command, "&{}={}", key.key, good_value(key));
    }
    command
}

#[test]
fn every_command_is_accepted_with_its_keys() {
    for spec in COMMANDS {
        for with_optional in [false, true] {
            let command = full_command(spec.name, with_optional);
            assert_eq!(codes(&command), Vec::<&str>::new(), "{command}");
        }
    }
}

#[test]
fn every_required_key_is_required() {
    for spec in COMMANDS {
        for missing in spec.required {
            let mut command = format!("name={}", spec.name);
            for key in spec.required.iter().filter(|k| k.key != missing.key) {
                let _ = write!(command, "&{}={}", key.key, good_value(key));
            }
            // Without a dialect, the ticket-id token that would fix it is unknown: that
            // finding (DD205) says both.
            let expected: &[&str] = if missing.key == "ticket_id" {
                &["DD205"]
            } else {
                &["DD103"]
            };
            assert_eq!(codes(&command), expected, "{command}");
        }
    }
}

#[test]
fn every_key_rejects_a_bad_literal_with_the_right_code() {
    for spec in COMMANDS {
        for key in spec.required.iter().chain(spec.optional) {
            let command = full_command(spec.name, true).replace(
                &format!("{}={}", key.key, good_value(key)),
                &format!("{}={}", key.key, bad_value(key)),
            );
            let expected = match key.key {
                "action" => "DD106",
                "state" => "DD107",
                _ => "DD108",
            };
            assert_eq!(codes(&command), [expected], "{command}");
        }
    }
}

#[test]
fn keys_of_other_commands_are_not_allowed() {
    for spec in COMMANDS {
        for other in COMMANDS.iter().filter(|o| o.name != spec.name) {
            for key in other.required.iter().chain(other.optional) {
                if spec.key(key.key).is_some() {
                    continue;
                }
                let command = format!(
                    "{}&{}={}",
                    full_command(spec.name, false),
                    key.key,
                    good_value(key)
                );
                assert_eq!(codes(&command), ["DD105"], "{command}");
            }
        }
    }
}

#[test]
fn every_action_and_state() {
    for action in TICKET_ACTIONS {
        assert_eq!(
            codes(&format!("name=ticket&ticket_id=[srnumber]&action={action}")),
            Vec::<&str>::new()
        );
        let shouted = action.to_uppercase();
        assert_eq!(
            codes(&format!("name=ticket&ticket_id=1&action={shouted}")),
            ["DD111"],
            "{shouted}"
        );
    }
    for state in TICKET_LIST_STATES {
        assert_eq!(
            codes(&format!("name=ticket_list&state={state}")),
            Vec::<&str>::new()
        );
    }
    assert_eq!(codes("name=ticket_list&state=approvals"), ["DD107"]);
}

#[test]
fn fragments_only_on_tickets() {
    assert_eq!(
        codes("name=ticket&ticket_id=1#comment-4"),
        Vec::<&str>::new()
    );
    assert_eq!(codes("name=ticket_list#x"), ["DD105"]);
}

#[test]
fn auth_modes() {
    let user = "auth_username={{ Contact.Email | url_encode }}";
    let table: &[(&str, &[&str])] = &[
        // Exactly one mode: allowed, with the shared-e-mail warning for auto-login.
        (
            &format!("name=quotes&{user}&auth_token=[Contact: Token]"),
            &["DD303"],
        ),
        ("name=quotes&access_token={{ AccessToken }}", &["DD303"]),
        (
            &format!("name=quotes&{user}&auth_token=[t]&auth_remember_me=false"),
            &["DD303"],
        ),
        // Auth-only links need no name.
        (&format!("{user}&auth_token=[t]"), &["DD303"]),
        ("access_token={{ AccessToken }}", &["DD303"]),
        // A password is always an error.
        (&format!("name=quotes&{user}&auth_password=[p]"), &["DD301"]),
        // Literal secrets.
        (&format!("name=quotes&{user}&auth_token=abc123"), &["DD302"]),
        (
            "name=quotes&access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            &["DD302"],
        ),
        // Incomplete modes.
        ("name=quotes&auth_token=[t]", &["DD305"]),
        (&format!("name=quotes&{user}"), &["DD305"]),
        // A password without a user name: DD301 asks for it to go, which leaves nothing
        // incomplete.
        ("name=quotes&auth_password=[p]", &["DD301"]),
        ("name=quotes&auth_remember_me=true", &[]),
        // Two modes at once.
        (
            &format!("name=quotes&{user}&auth_token=[t]&access_token=[a]"),
            &["DD306"],
        ),
        (&format!("name=quotes&{user}&access_token=[a]"), &["DD306"]),
        (
            &format!("name=quotes&{user}&auth_password=[p]&auth_token=[t]"),
            &["DD301", "DD306"],
        ),
        // Values.
        (
            "name=quotes&auth_username=nobody&auth_token=[t]",
            &["DD108", "DD303"],
        ),
        (
            &format!("name=quotes&{user}&auth_token=[t]&auth_remember_me=maybe"),
            &["DD108", "DD303"],
        ),
    ];
    for (command, expected) in table {
        assert_eq!(codes(command), *expected, "{command}");
    }
}

#[test]
fn structural_errors() {
    let table: &[(&str, &[&str])] = &[
        ("ticket_id=1", &["DD102"]),
        ("", &["DD102"]),
        ("name=tickets", &["DD101"]),
        ("name=ticket&ticket_id=1&ticket_id=2", &["DD109"]),
        ("name=ticket&ticket_id=", &["DD110"]),
        ("name=ticket&ticket_id", &["DD110"]),
        ("name=ticket&tickt_id=1", &["DD104"]),
        ("Name=quotes", &["DD111"]),
        ("name=Quotes", &["DD111"]),
    ];
    for (command, expected) in table {
        assert_eq!(codes(command), *expected, "{command}");
    }
}
