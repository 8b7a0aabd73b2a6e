//! Documentation that cannot drift: the README's usage block is `ddlink --help`, its rule table
//! is the registry, and every rule's documentation has the four sections `ddlink rule` prints.

use std::fmt::Write as _;
use std::process::Command;

use ddlink::rules::RULES;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The fenced `text` block right after `marker`.
fn block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    fenced_after(text, marker, "text")
}

/// The fenced block in `language` right after `marker`.
fn fenced_after<'a>(text: &'a str, marker: &str, language: &str) -> &'a str {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("README lacks {marker}"));
    let rest = &text[at + marker.len()..];
    let fence = format!("\n```{language}\n");
    let open = rest.find(&fence).expect("a fenced block follows") + fence.len();
    let close = rest[open..].find("```\n").expect("the block is closed");
    &rest[open..open + close]
}

/// README's library example is `examples/library.rs` (which `cargo test` compiles), and
/// what it prints is what the example prints.
#[test]
fn readme_library_example_compiles_and_prints_what_it_shows() {
    let readme = readme();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/library.rs"))
            .unwrap();
    let code = example
        .split_once("\n\n")
        .filter(|(header, _)| {
            header
                .lines()
                .all(|line| ["//", "#!["].iter().any(|start| line.starts_with(start)))
        })
        .map(|(_, code)| code)
        .expect("the example opens with its doc comment and attributes, then a blank line");
    assert_eq!(
        fenced_after(&readme, "<!-- examples/library.rs -->", "rust"),
        code,
        "README.md's library example differs from examples/library.rs"
    );
    // `cargo test` builds the examples beside the test binaries' folder.
    let test_binary = std::env::current_exe().unwrap();
    let examples = test_binary
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join("examples");
    let run = Command::new(examples.join(format!("library{}", std::env::consts::EXE_SUFFIX)))
        .output()
        .unwrap_or_else(|e| panic!("run the library example in {}: {e}", examples.display()));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        block_after(&readme, "<!-- cargo run --example library -->"),
        String::from_utf8(run.stdout).unwrap(),
        "README.md's output of the library example differs: paste the new output"
    );
}

#[test]
fn readme_usage_is_the_help_output() {
    let help = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .arg("--help")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let readme = readme();
    assert_eq!(
        block_after(&readme, "<!-- ddlink --help -->"),
        help,
        "README.md's usage block differs from `ddlink --help`: paste the new output"
    );
}

/// The concise report of the shipped examples, run from the repository as README says.
#[test]
fn readme_shows_the_examples_concise_report() {
    let report = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(["check", "templates/examples", "--format", "concise"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(1));
    let readme = readme();
    assert_eq!(
        block_after(
            &readme,
            "<!-- ddlink check templates/examples --format concise -->"
        ),
        String::from_utf8(report.stdout).unwrap(),
        "README.md's concise report of the examples differs: paste the new output"
    );
}

/// The rule table, as the registry says it should be.
fn expected_table() -> String {
    let mut table =
        String::from("| Code | Name | Severity | Fix | What it does |\n|---|---|---|---|---|\n");
    for rule in RULES {
        let _ = writeln!(
            table,
            "| {} | `{}` | {} | {} | {} |",
            rule.code,
            rule.name,
            rule.severity.as_str(),
            rule.fix.as_str(),
            rule.summary().replace('|', "\\|")
        );
    }
    table
}

#[test]
fn readme_rule_table_is_the_registry() {
    let readme = readme();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README marks its rule table")
        + "<!-- rules:start -->\n".len();
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README marks its rule table's end");
    let expected = expected_table();
    assert!(
        readme[start..end] == expected,
        "README.md's rule table differs from the registry; it should read:\n{expected}"
    );
}

#[test]
fn readme_shows_the_starter_config() {
    let readme = readme();
    let marker = "<!-- ddlink init -->\n```toml\n";
    let at = readme
        .find(marker)
        .expect("README shows the starter ddlink.toml")
        + marker.len();
    let end = readme[at..].find("```\n").unwrap();
    assert_eq!(
        &readme[at..at + end],
        ddlink::config::STARTER,
        "README's ddlink.toml differs from `ddlink init`"
    );
}

#[test]
fn every_rule_is_documented_for_ddlink_rule() {
    for rule in RULES {
        let output = Command::new(env!("CARGO_BIN_EXE_ddlink"))
            .args(["rule", rule.code])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.starts_with(&format!("# {} {}\n", rule.code, rule.name)),
            "{text}"
        );
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(text.contains(heading), "{} lacks {heading}", rule.code);
        }
    }
}
