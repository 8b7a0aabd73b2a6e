//! The hot paths, one template at a time: parsing a deep link, checking a template (by the
//! quick and by the full pass), fixing one with placeholders. `cargo bench`; whole-corpus
//! timings side by side with lol_html itself are `bench/compare.sh`.

use ddlink::rules::RuleSettings;
use ddlink::{DeepLink, Portal, Rewriter, RewriterOptions};

fn main() {
    divan::main();
}

const LINKS: &[&str] = &[
    "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]&action=approve",
    "ddportal://name=ticket_list&state=approval",
    "https://acme.deskdirector.com/auth/v1/passwordless?email=[contactemail]&gtoken=[gtoken]&returnUrl=%2Fportal%2Fdeeplink%3Fname%3Dquotes",
];

const TEMPLATE: &[u8] = include_bytes!("../templates/examples/connectwise/approval-needed.html");
const PLACEHOLDERS: &[u8] =
    include_bytes!("../templates/examples/placeholders/connectwise-approval-needed.html");

fn rewriter(quick_pass: bool) -> Rewriter {
    let portal = Portal::parse("https://acme.deskdirector.com").expect("a valid portal");
    Rewriter::new(RewriterOptions {
        settings: RuleSettings::new(Some(portal), None),
        quick_pass,
        ..RewriterOptions::default()
    })
}

#[divan::bench(args = LINKS)]
fn parse_deep_link(link: &str) -> Result<DeepLink, ddlink::command::DeepLinkError> {
    DeepLink::parse(divan::black_box(link))
}

#[divan::bench(args = [true, false])]
fn check_template(bencher: divan::Bencher, quick_pass: bool) {
    let rewriter = rewriter(quick_pass);
    bencher
        .counter(divan::counter::BytesCount::of_slice(TEMPLATE))
        .bench(|| rewriter.check_bytes(divan::black_box(TEMPLATE)));
}

#[divan::bench]
fn fix_template_with_placeholders(bencher: divan::Bencher) {
    let rewriter = rewriter(true);
    bencher
        .counter(divan::counter::BytesCount::of_slice(PLACEHOLDERS))
        .bench(|| rewriter.fix_bytes(divan::black_box(PLACEHOLDERS), false));
}

/// A template with a suppression before each of its links, `links` of them: its cost should
/// grow with its size, as a template without suppressions does.
#[divan::bench(args = [500, 2_000, 8_000])]
fn check_template_with_a_suppression_per_link(bencher: divan::Bencher, links: usize) {
    let rewriter = rewriter(true);
    let block = "<!-- ddlink-ignore DD403: sent to app users only -->\n\
                 <p><a href=\"ddportal://name=ticket_list\">Your tickets</a></p>\n";
    let template = block.repeat(links).into_bytes();
    bencher
        .counter(divan::counter::BytesCount::of_slice(&template))
        .bench(|| rewriter.check_bytes(divan::black_box(&template)));
}
