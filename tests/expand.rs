//! Every expanded href, read back by an HTML5 parser (html5ever), is exactly the URL ddlink
//! meant, whatever the placeholder's values hold.

use std::sync::Arc;

use ddlink::command::DeepLink;
use ddlink::rules::RuleSettings;
use ddlink::{FileKind, Portal, Rewriter, RewriterOptions};

#[path = "../fuzz/properties.rs"]
#[allow(dead_code)] // the fuzz properties; this test needs only `hrefs`
mod properties;
use properties::hrefs;

fn rewriter(dialect: &str) -> Rewriter {
    Rewriter::new(RewriterOptions {
        kind: FileKind::Html,
        settings: RuleSettings::new(
            Some(Portal::parse("https://acme.deskdirector.com").unwrap()),
            Some(dialect.parse().unwrap()),
        ),
        rules: Arc::default(),
        ..RewriterOptions::default()
    })
}

#[test]
fn expanded_hrefs_read_back_exactly() {
    // (placeholder markup, dialect, the URL meant)
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"<dd-link name="ticket" action="approve">A</dd-link>"#,
            "autotask",
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]&action=approve",
        ),
        (
            r#"<dd-link name="ticket" client="desktop" as="button">A</dd-link>"#,
            "connectwise",
            "ddportal://name=ticket&ticket_id=[srnumber]",
        ),
        (
            r#"<a href="{{deeplink name='ticket_list' state='approval'}}">A</a>"#,
            "deskdirector",
            "https://acme.deskdirector.com/portal/deeplink?name=ticket_list&state=approval",
        ),
        (
            r#"<a href='{{deeplink name="ticket" ticket_id="[Ticket: ID]" action="close"}}'>A</a>"#,
            "autotask",
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]&action=close",
        ),
        (
            r#"<dd-link name="ticket" ticket_id="{{ Ticket.Id | default: '1&amp;2<x>' }}" title="&lt;&quot;'&gt;">A</dd-link>"#,
            "deskdirector",
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id={{ Ticket.Id | default: '1&2<x>' }}",
        ),
        (
            r#"<dd-link name="ticket" auth="passwordless">A</dd-link>"#,
            "deskdirector",
            "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id={{ Ticket.Id }}&auth_username={{ Contact.Email | url_encode }}&auth_token={{ Token }}",
        ),
    ];
    for (markup, dialect, meant) in cases {
        let input = format!("<!DOCTYPE html><html><body>{markup}</body></html>");
        let fixed = rewriter(dialect).fix_bytes(input.as_bytes(), false);
        assert!(
            fixed.changed,
            "{markup} was not expanded: {:?}",
            fixed.analysis.diagnostics
        );
        let found = hrefs(&fixed.output);
        assert_eq!(
            found,
            [meant.to_string()],
            "{markup}\n{}",
            String::from_utf8_lossy(&fixed.output)
        );
        let link = DeepLink::parse(meant).unwrap();
        assert!(matches!(
            link.target,
            ddlink::command::Target::Desktop | ddlink::command::Target::Web(_)
        ));
        if let ddlink::command::Target::Web(portal) = &link.target {
            assert_eq!(portal.host(), "acme.deskdirector.com");
        }
    }
}

/// A `{{deeplink …}}` wrapped over lines is one call wherever the input is cut into chunks,
/// also in a text too long to be held whole (HTML text is read in pieces of whole lines, and
/// a plain-text template line by line).
#[test]
fn calls_wrapped_over_lines_expand_in_any_chunking() {
    let call = "{{deeplink name='ticket'\n    action='close'\n    ticket_id='[srnumber]'}}";
    let mut text = String::new();
    let mut calls = 0;
    // Over a megabyte of text in one node, a call every few lines: some fall where a
    // long text is cut.
    for line in 0..12_000 {
        text.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n");
        if line % 7 == 3 {
            text.push_str(call);
            text.push('\n');
            calls += 1;
        }
    }
    let url = "https://acme.deskdirector.com/portal/deeplink?name=ticket";
    for (kind, input) in [
        (FileKind::Html, format!("<p>{text}</p>")),
        (FileKind::PlainText, text.clone()),
    ] {
        let mut options = rewriter("connectwise").options().clone();
        options.kind = kind;
        let rewriter = Rewriter::new(options);
        for chunk in [5, 4096, 65_536, 300_000] {
            let analysis = rewriter.check_chunks(input.as_bytes().chunks(chunk));
            assert!(
                analysis.diagnostics.iter().all(|d| d.code() != "DD411"),
                "{kind:?} in chunks of {chunk}: {:?}",
                analysis.diagnostics.iter().find(|d| d.code() == "DD411")
            );
            assert_eq!(analysis.expandable, calls, "{kind:?} in chunks of {chunk}");
        }
        let fixed = rewriter.fix_bytes(input.as_bytes(), false);
        let output = String::from_utf8(fixed.output).unwrap();
        assert!(!output.contains("{{deeplink"), "{kind:?}");
        assert_eq!(output.matches(url).count(), calls, "{kind:?}");
    }
}
