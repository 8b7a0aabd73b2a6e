//! `ddlink link`: build one deep link from KEY=VALUE pairs, check it, print it.

use std::io::{self, Write};
use std::sync::Arc;

use ddlink::command::token::{command_splitter, tokens};
use ddlink::command::{Client, Command, DeepLink, LegacyV1, Target};
use ddlink::dialect::token::{Meaning, token_for};
use ddlink::rules::{RuleConfig, RuleSettings, desktop_link_in_email, legacy_v1_link};
use ddlink::source;
use ddlink::{Analysis, FileKind, Rewriter, RewriterOptions, Severity};

use super::args::LinkArgs;
use super::settings::Run;
use super::{ExitStatus, output};
use crate::report::{self, FileReport, Format, Summary};

/// The command the KEY=VALUE arguments write; `None`, once said why, when one is no pair or
/// would split the command.
fn command_of(pairs: &[String]) -> Option<Command> {
    let mut command = Command::empty();
    for pair in pairs {
        // An argument may be a credential (`auth_token=…`): an error quotes it masked.
        let shown = report::visible::line(pair);
        let shown = ddlink::source::mask_credentials_in_prose(&shown).unwrap_or(shown.into_owned());
        let Some((key, value)) = pair.split_once('=') else {
            // `mytickets`, `requestsupport`: a V1 command of one word, the V2 one it stands
            // for (as `fix` writes a `<dd-link mytickets>`).
            if let Some(legacy) = LegacyV1::of_pair(pair, false) {
                for v2 in legacy.v2_command("").split('&') {
                    let (key, value) = v2.split_once('=').unwrap_or((v2, ""));
                    command.push(key, value);
                }
                continue;
            }
            let _ = writeln!(
                io::stderr(),
                "error: `{shown}` is not KEY=VALUE (e.g. `name=ticket`, `ticket_id=123`)"
            );
            return None;
        };
        if key.trim().is_empty() {
            let _ = writeln!(
                io::stderr(),
                "error: `{shown}` has no key before its `=` (e.g. `name=ticket`, `ticket_id=123`)"
            );
            return None;
        }
        if let Some(mistake) = splits_the_command(key, value) {
            let mistake = report::visible::line(&mistake);
            let _ = writeln!(io::stderr(), "error: `{shown}`: {mistake}");
            return None;
        }
        command.push(key, value);
    }
    Some(command)
}

pub fn run(args: &LinkArgs) -> ExitStatus {
    let Some(mut command) = command_of(&args.pairs) else {
        return ExitStatus::Failure;
    };
    // The flags, over the ddlink.toml of the current directory (or --config).
    let options = match Run::new(&args.common, None).and_then(|run| run.options(None, b"")) {
        Ok(options) => options,
        Err(error) => {
            output::error(&error);
            return ExitStatus::Failure;
        }
    };
    let settings = &options.settings;
    let dialect = settings
        .dialect
        .or(settings.config_dialect.as_ref().map(|(d, _)| *d));
    if command.name() == Some("ticket")
        && command.get("ticket_id").is_none()
        && let Some(dialect) = dialect
        && let Some(token) = token_for(Meaning::TicketId, dialect, settings.language)
    {
        command.push("ticket_id", token);
    }
    let client = options.expand.client.unwrap_or(Client::Web);
    let target = match (client, &settings.portal) {
        (Client::Desktop, _) => Target::Desktop,
        (Client::Web, Some(portal)) => Target::Web(portal.clone()),
        (Client::Web, None) => {
            let _ = writeln!(
                io::stderr(),
                "error: a web link needs the portal: pass `--portal https://acme.deskdirector.com`, set `portal` in ddlink.toml, or use `--client desktop`"
            );
            return ExitStatus::Failure;
        }
    };
    let portal = settings.portal.clone();
    let link = DeepLink::new(target, command).canonical().to_string();

    // Checked as `check` would check it (the configured rules, hosts and Autotask language),
    // except that a link printed on its own is not yet in an e-mail: the template-only rule
    // stays quiet.
    let mut rules = RuleConfig::clone(&options.rules);
    rules.set(&desktop_link_in_email::DESKTOP_LINK_IN_EMAIL, None);
    let rewriter = Rewriter::new(RewriterOptions {
        kind: FileKind::PlainText,
        settings: RuleSettings {
            portal,
            dialect,
            ..settings.clone()
        },
        rules: Arc::new(rules),
        ..RewriterOptions::default()
    });
    // A V1 command (`ticketid=5`) is printed as the V2 link DD501 makes of it: what `fix`
    // would write, not a link `check` would report.
    let (link, analysis) = v1_as_v2(&rewriter, &link).unwrap_or_else(|| {
        let analysis = rewriter.check_url(&link);
        (link, analysis)
    });
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if !analysis.diagnostics.is_empty() {
        report_findings(&link, analysis);
    }
    if errors > 0 {
        let _ = writeln!(
            io::stderr(),
            "error: the link is not printed: it has {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
        return ExitStatus::Findings;
    }
    let printed = if args.html {
        match escape_attribute(&link) {
            Ok(escaped) => escaped,
            Err(token) => {
                let token = report::visible::line(token);
                let _ = writeln!(
                    io::stderr(),
                    "error: the token `{token}` holds `\"`, which would end the `href` attribute: change the token's quotes to `'`"
                );
                return ExitStatus::Failure;
            }
        }
    } else {
        link
    };
    print(&printed, options.encoding)
}

/// The link with DD501's safe fix made (a V1 command written as the V2 command it stands
/// for), checked again; `None` when there is no such fix.
fn v1_as_v2(rewriter: &Rewriter, link: &str) -> Option<(String, Analysis)> {
    let analysis = rewriter.check_url(link);
    let edits: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == legacy_v1_link::LEGACY_V1_LINK.code)
        .filter_map(|d| d.fix.as_ref().filter(|fix| fix.applies(false)))
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    if edits.is_empty() {
        return None;
    }
    let fixed = String::from_utf8(ddlink::fix::apply(link.as_bytes(), &edits)).ok()?;
    let analysis = rewriter.check_url(&fixed);
    Some((fixed, analysis))
}

/// Print the link in the templates' encoding (`--encoding`, `encoding` in ddlink.toml), to be
/// pasted or appended into one: `[Ticket: Título]` has one byte for `í` in windows-1252.
fn print(link: &str, encoding: &'static encoding_rs::Encoding) -> ExitStatus {
    let (bytes, _, unmappable) = encoding.encode(link);
    if unmappable {
        let _ = writeln!(
            io::stderr(),
            "error: the link holds characters that {} cannot write: `{}`",
            encoding.name(),
            report::visible::line(link)
        );
        return ExitStatus::Failure;
    }
    let mut printed = bytes.into_owned();
    printed.push(b'\n');
    output::print_stdout(&printed)
}

/// What is wrong with a pair whose `&` or `#` (outside template tokens) would split the
/// command in the link: values are written as they are, tokens byte for byte.
fn splits_the_command(key: &str, value: &str) -> Option<String> {
    if let Some(at) = key.find(['&', '#', '?', '=']) {
        let separator = &key[at..=at];
        return Some(format!(
            "the key holds `{separator}`: write a key such as `ticket_id`"
        ));
    }
    let (separator, role) = command_splitter(value)?;
    Some(format!(
        "the value holds `{separator}`, which in the link {role}: give `{key}` a single value, without `&` or `#`"
    ))
}

/// Show the link's findings on stderr, the link itself as their source.
fn report_findings(link: &str, analysis: Analysis) {
    let spans: Vec<_> = analysis.diagnostics.iter().map(|d| d.span).collect();
    let Ok(located) = source::locate(link.as_bytes(), &spans, &analysis.secrets, true) else {
        return;
    };
    let mut summary = Summary {
        files: 1,
        ..Summary::default()
    };
    for diagnostic in &analysis.diagnostics {
        summary.count(diagnostic);
    }
    // No file to fix: the link printed is already as `fix` would write it.
    summary.fixable = 0;
    let report = FileReport {
        path: "<link>".to_owned(),
        diagnostics: analysis.diagnostics,
        located,
        dialect: analysis.dialect,
        expandable: 0,
    };
    let options = report::Options {
        style: output::stderr_style(),
        // One link, not files: whether it is printed is said after the findings.
        summary_line: false,
        dialects: false,
    };
    let _ = report::write(
        &mut io::stderr().lock(),
        Format::Human,
        &[report],
        &summary,
        &options,
    );
}

/// `&` and `"` escaped for a double-quoted attribute, template tokens kept as they are (the
/// mail system reads them in the template's source); a token that holds `"`, which nothing
/// can write there, is the error.
fn escape_attribute(url: &str) -> Result<String, &str> {
    let mut escaped = String::with_capacity(url.len() + 16);
    let mut copied = 0;
    let escape = |text: &str| text.replace('&', "&amp;").replace('"', "&quot;");
    for token in tokens(url) {
        let written = &url[token.range.clone()];
        if written.contains('"') {
            return Err(written);
        }
        escaped.push_str(&escape(&url[copied..token.range.start]));
        escaped.push_str(written);
        copied = token.range.end;
    }
    escaped.push_str(&escape(&url[copied..]));
    Ok(escaped)
}
