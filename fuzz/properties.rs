//! The properties the fuzz targets check, shared with `tests/fuzz_seeds.rs`, which runs them
//! over the seed inputs on every `cargo test`.

use std::fmt::Write as _;
use std::sync::Arc;

use ddlink::command::{Command, DeepLink, PortalHosts, Target, parse_link};
use ddlink::dialect::Dialect;
use ddlink::rules::RuleSettings;
use ddlink::{FileKind, Portal, Rewriter, RewriterOptions};
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};

/// Bytes, read as decisions.
struct Choices<'a> {
    data: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn pick<'v, T: ?Sized>(&mut self, from: &[&'v T]) -> &'v T {
        from[usize::from(self.byte()) % from.len()]
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
}

fn portal() -> Portal {
    Portal::parse("https://acme.deskdirector.com").expect("a valid portal")
}

const KEYS: &[&str] = &[
    "name",
    "ticket_id",
    "action",
    "state",
    "type_id",
    "page_id",
    "invoice_id",
    "quote_id",
    "menu_id",
    "survey_id",
    "campaign_id",
    "auth_username",
    "auth_token",
    "access_token",
    "auth_remember_me",
    "utm_source",
];
const VALUES: &[&str] = &[
    "ticket",
    "ticket_list",
    "quotes",
    "survey",
    "login",
    "approve",
    "close",
    "approval",
    "123",
    "",
    "[srnumber]",
    "[Ticket: ID]",
    "{{ Ticket.Id }}",
    "{{ x | default: \"a&b#c\" }}",
    "T20240101.0001",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "a@b.co",
    "true",
    "x=y",
    "%5BTicket:%20ID%5D",
];

/// Parsing never panics; a V2 link formats back to itself; a command built from parts
/// survives `parse(format(c))`.
pub fn command(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_link(text, &PortalHosts::default());
        // Control characters are never part of a link (DD402 reports white space): for such
        // text only "no panic" is asked.
        let plain = !text.chars().any(char::is_control);
        if let Ok(link) = DeepLink::parse(text)
            .map_err(|_| ())
            .and_then(|l| if plain { Ok(l) } else { Err(()) })
        {
            let formatted = link.to_string();
            let again = DeepLink::parse(&formatted).expect("a formatted link parses");
            assert_eq!(again, link, "parse(format(parse(s))) differs for {text:?}");
            assert_eq!(
                again.to_string(),
                formatted,
                "format is not stable for {text:?}"
            );
        }
    }
    let mut choices = Choices { data, at: 0 };
    let mut command = Command::empty();
    while !choices.done() && command.pairs().len() < 12 {
        let key = choices.pick(KEYS);
        let value = choices.pick(VALUES);
        command.push(key, value);
    }
    let fragment = (choices.byte() % 4 == 0).then(|| "comment-7".to_owned());
    for target in [Target::Web(portal()), Target::Desktop] {
        let link = DeepLink {
            target,
            command: command.clone(),
            fragment: fragment.clone(),
        };
        let text = link.to_string();
        assert_eq!(
            DeepLink::parse(&text).as_ref(),
            Ok(&link),
            "parse(format(c)) differs for {text:?}"
        );
    }
}

/// Checking never panics and does not depend on how the input is chunked, nor on whether
/// the quick pass read it; a document with
/// nothing to expand or repair comes out of `fix` byte for byte; `fix` twice is `fix` once.
pub fn rewrite(data: &[u8]) {
    let Some((&setup, input)) = data.split_first() else {
        return;
    };
    let dialect = [
        None,
        Some(Dialect::ConnectWise),
        Some(Dialect::Autotask),
        Some(Dialect::DeskDirector),
    ][usize::from(setup & 3)];
    let portal = (setup & 4 != 0).then(portal);
    let kind = if setup & 8 != 0 {
        FileKind::PlainText
    } else {
        FileKind::Html
    };
    let encoding = if setup & 16 != 0 {
        encoding_rs::WINDOWS_1252
    } else {
        encoding_rs::UTF_8
    };
    let rewriter = Rewriter::new(RewriterOptions {
        kind,
        settings: RuleSettings::new(portal, dialect),
        rules: Arc::default(),
        encoding,
        ..RewriterOptions::default()
    });
    let whole = rewriter.check_bytes(input);
    let mut state = u64::from(setup).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < input.len() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let end = (at + 1 + (state % 61) as usize).min(input.len());
        chunks.push(&input[at..end]);
        at = end;
    }
    let split = rewriter.check_chunks(chunks);
    assert_eq!(split, whole, "chunking changed the result");
    let full_pass = Rewriter::new(RewriterOptions {
        quick_pass: false,
        ..rewriter.options().clone()
    });
    assert_eq!(
        full_pass.check_bytes(input),
        whole,
        "the quick and the full pass differ"
    );

    let fixed = rewriter.fix_bytes(input, false);
    let has_safe_fix = whole
        .diagnostics
        .iter()
        .any(|d| d.fix.as_ref().is_some_and(ddlink::Fix::is_safe));
    if whole.expansions.is_empty() && !has_safe_fix {
        assert!(
            fixed.output == input,
            "fix changed a document with nothing to fix"
        );
    }
    if fixed.changed {
        let again = rewriter.fix_bytes(&fixed.output, false);
        assert!(!again.changed, "a second fix changed the output");
    }
    // Fixing from a file (large ones are), round by round through scratch files, is the same.
    let streamed = rewriter
        .fix_seekable(std::io::Cursor::new(input), false, || {
            Ok(std::io::Cursor::new(Vec::new()))
        })
        .expect("in memory");
    let streamed_output = streamed
        .output
        .map_or_else(|| input.to_vec(), std::io::Cursor::into_inner);
    assert!(
        streamed_output == fixed.output
            && streamed.analysis == fixed.analysis
            && streamed.changed == fixed.changed,
        "fixing from a file differs from fixing in memory"
    );
}

/// Every `href` in a document, as an HTML5 parser reads it.
pub fn hrefs(html: &[u8]) -> Vec<String> {
    let dom = html5ever::parse_document(RcDom::default(), html5ever::ParseOpts::default())
        .from_utf8()
        .read_from(&mut &html[..])
        .expect("reading from memory");
    let mut found = Vec::new();
    collect(&dom.document, &mut found);
    found
}

fn collect(node: &Handle, found: &mut Vec<String>) {
    if let NodeData::Element { attrs, .. } = &node.data {
        for attr in attrs.borrow().iter() {
            if &*attr.name.local == "href" {
                found.push(attr.value.to_string());
            }
        }
    }
    for child in node.children.borrow().iter() {
        collect(child, found);
    }
}

const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "<",
    ">",
    "&",
    "&amp;",
    "\n",
    "javascript:",
    " ",
    "#",
    "=",
    "[Ticket: ID]",
    "{{ Ticket.Id }}",
    "{{ Ticket.Id | default: '1&2' }}",
    "1",
    "approve",
    "ticket",
    "é",
];
const COMMANDS: &[&str] = &["ticket", "ticket_list", "quotes", "survey", "invoice"];
const ARG_KEYS: &[&str] = &[
    "ticket_id",
    "action",
    "state",
    "survey_id",
    "campaign_id",
    "invoice_id",
    "title",
    "class",
];

/// A `<dd-link>` whose attribute values hold anything: when it is expanded, its `href`, read
/// back by an HTML5 parser, is exactly the link ddlink means, on the configured portal or the
/// desktop scheme; when it is not, the document is untouched but for, at most, the one safe
/// fix made inside a placeholder here: a DeskDirector token in a command value of this
/// Autotask template becomes Autotask's (DD201), where the value is written as it reads.
pub fn expand(data: &[u8]) {
    let mut choices = Choices { data, at: 0 };
    let name = choices.pick(COMMANDS);
    let desktop = choices.byte() % 3 == 0;
    let mut args: Vec<(&str, String)> = Vec::new();
    while !choices.done() && args.len() < 4 {
        let key = choices.pick(ARG_KEYS);
        if args.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let mut value = String::new();
        for _ in 0..=(choices.byte() % 3) {
            value.push_str(choices.pick(HOSTILE));
        }
        args.push((key, value));
    }
    let escape = |v: &str| {
        v.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let fixed_in_place = |key: &str, value: &str| {
        if ddlink::command::spec::is_known_key(key) && escape(value) == value {
            value.replace("{{ Ticket.Id }}", "[Ticket: ID]")
        } else {
            value.to_owned()
        }
    };
    let document = |args: &[(&str, String)]| {
        let mut tag = format!("<dd-link name=\"{name}\"");
        if desktop {
            tag.push_str(" client=\"desktop\"");
        }
        for (key, value) in args {
            let _ = write!(tag, " {key}=\"{}\"", escape(value));
        }
        tag.push_str(">Open</dd-link>");
        format!("<!DOCTYPE html><html><body><p>{tag}</p></body></html>")
    };
    let input = document(&args);
    let args: Vec<(&str, String)> = args
        .iter()
        .map(|(key, value)| (*key, fixed_in_place(key, value)))
        .collect();

    let rewriter = Rewriter::new(RewriterOptions {
        settings: RuleSettings::new(Some(portal()), Some(Dialect::Autotask)),
        ..RewriterOptions::default()
    });
    let fixed = rewriter.fix_bytes(input.as_bytes(), false);
    let found = hrefs(&fixed.output);
    if found.is_empty() {
        // The fix is made only where the placeholder is judged (a value that would split the
        // link stops it before).
        let output = String::from_utf8_lossy(&fixed.output);
        assert!(
            output == input || output == document(&args),
            "{input}\n{output}"
        );
        assert_eq!(fixed.changed, output != input, "{input}");
        return;
    }
    // The link meant: the command keys in the order written, the dialect's ticket token when
    // a ticket has none, in canonical order.
    let mut command = Command::new(name);
    for (key, value) in &args {
        if ddlink::command::spec::is_known_key(key) {
            command.push(*key, value.clone());
        }
    }
    if name == "ticket" && command.get("ticket_id").is_none() {
        command.push("ticket_id", "[Ticket: ID]");
    }
    let target = if desktop {
        Target::Desktop
    } else {
        Target::Web(portal())
    };
    let meant = DeepLink::new(target, command).canonical().to_string();
    assert_eq!(
        found,
        std::slice::from_ref(&meant),
        "{input}\n{}",
        String::from_utf8_lossy(&fixed.output)
    );
    assert!(
        meant.starts_with("https://acme.deskdirector.com/portal/deeplink?")
            || meant.starts_with("ddportal://")
    );
}
