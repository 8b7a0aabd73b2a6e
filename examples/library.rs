//! The library example README shows (section "Library"), kept compiling and its output
//! checked by tests/docs.rs.
// A program of its own, whose output is what it shows.
#![allow(clippy::print_stdout)]

use ddlink::command::{Command, DeepLink, Portal, Target};
use ddlink::{Rewriter, RewriterOptions, rules};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portal = Portal::parse("https://acme.deskdirector.com")?;
    let command = Command::new("ticket").with("ticket_id", "[srnumber]");
    let link = DeepLink::new(Target::Web(portal), command.with("action", "close"));
    println!("{link}");

    let rewriter = Rewriter::new(RewriterOptions::default());
    let html = r#"<a href="ddportal://name=ticket&amp;ticket_id=1&amp;action=aprove">x</a>"#;
    let analysis = rewriter.check(html.as_bytes())?;
    for d in &analysis.diagnostics {
        let (code, span) = (d.rule.code, d.span.start..d.span.end);
        println!("{code} {} {span:?}: {}", d.severity, d.message());
    }

    let html = r#"<a href="https://acme.deskdirector.com/portal/deeplink?Name=ticket_list">x</a>"#;
    let mut fixed = Vec::new();
    let result = rewriter.fix(html.as_bytes(), &mut fixed, false)?;
    println!("{} fixed: {}", result.fixed, String::from_utf8(fixed)?);

    let rule = rules::find("invalid-action").expect("in rules::RULES");
    println!("{} {} ({} by default)", rule.code, rule.name, rule.severity);
    Ok(())
}
