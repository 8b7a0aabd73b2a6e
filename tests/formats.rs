//! The machine-readable formats against real `ddlink check` output: SARIF 2.1.0 (validated
//! against the official OASIS schema, vendored in `fixtures/schemas/`), GitHub Actions
//! annotations and GitLab Code Quality.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn ddlink(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(output)))
}

/// Errors (one with a safe fix, one with an unsafe fix), warnings (two identical on one line,
/// identical ones on other lines, one whose message holds a `%`) and infos.
const TEMPLATE: &str = r#"<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=%5BTicket:%20ID%5D">Enc</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=aprove">Approve</a>
<a href="ddportal://name=ticket_list">A</a><a href="ddportal://name=ticket_list">B</a>
<p>See ddportal://name=ticket_list or ddportal://name=ticket_list</p>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;act%ion=close">Y</a>
"#;

/// A temporary folder with `sub/notify.html` (TEMPLATE) and `sub/copy.html` (the same).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/notify.html"), TEMPLATE).unwrap();
    std::fs::write(dir.path().join("sub/copy.html"), TEMPLATE).unwrap();
    dir
}

fn schema_validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Draft 4, all references internal: nothing is fetched (the crate is built without its
    // HTTP resolver). Formats (`uri`, `date-time`, …) are checked too.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(sarif: &Value) {
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not valid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_vendored_schema_catches_invalid_sarif() {
    let validator = schema_validator();
    let mut bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!validator.is_valid(&bad), "level `fatal` must be refused");
    bad["runs"][0]["results"][0]["level"] = "note".into();
    assert!(validator.is_valid(&bad));
    bad["runs"][0]["results"][0]["locations"] = serde_json::json!([{"physicalLocation":
        {"artifactLocation": {"uri": "a.html"}, "region": {"startLine": 0}}}]);
    assert!(!validator.is_valid(&bad), "line 0 must be refused");
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let dir = project();
    let output = ddlink(&["check", "--format", "sarif", "sub"], dir.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sarif = json(&output);
    assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "ddlink");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(stdout(&output).starts_with("{\n  \""), "pretty-printed");

    // No findings is a valid log too, with the whole catalogue and no results.
    std::fs::write(
        dir.path().join("clean.html"),
        r#"<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>"#,
    )
    .unwrap();
    let clean = json(&ddlink(
        &["check", "--format", "sarif", "clean.html"],
        dir.path(),
    ));
    assert_valid_sarif(&clean);
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_lists_every_rule() {
    let (_, rules) = sarif_results();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = ddlink::rules::RULES.iter().map(|r| r.code).collect();
    assert_eq!(ids, codes, "the whole catalogue, in registry order");
    for (rule, descriptor) in ddlink::rules::RULES.iter().zip(rules) {
        assert_eq!(descriptor["name"], rule.name);
        assert_eq!(
            descriptor["shortDescription"]["text"],
            rule.summary().as_str()
        );
        assert!(
            !descriptor["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let markdown = descriptor["help"]["markdown"].as_str().unwrap();
        assert!(
            markdown.contains("## What it does"),
            "{}: {markdown}",
            rule.code
        );
        assert!(
            descriptor["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .contains("## Why is this bad?")
        );
        let level = match rule.severity {
            ddlink::Severity::Error => "error",
            ddlink::Severity::Warning => "warning",
            ddlink::Severity::Info => "note",
        };
        assert_eq!(
            descriptor["defaultConfiguration"]["level"], level,
            "{}",
            rule.code
        );
    }
}

/// `sub/notify.html`'s results, and the rule descriptors.
fn sarif_results() -> (Vec<Value>, Vec<Value>) {
    let dir = project();
    let mut sarif = json(&ddlink(
        &["check", "--format", "sarif", "./sub/notify.html"],
        dir.path(),
    ));
    let run = &mut sarif["runs"][0];
    let Value::Array(rules) = run["tool"]["driver"]["rules"].take() else {
        panic!("no rules");
    };
    let Value::Array(results) = run["results"].take() else {
        panic!("no results");
    };
    (results, rules)
}

#[test]
fn sarif_results_point_at_their_rules() {
    let (results, rules) = sarif_results();
    assert_eq!(results.len(), 10);
    let mut levels = HashSet::new();
    for result in &results {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        levels.insert(result["level"].as_str().unwrap());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"], "sub/notify.html",
            "no leading ./"
        );
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
        }
        assert!(region["byteLength"].as_u64().is_some());
    }
    assert_eq!(levels, HashSet::from(["error", "warning", "note"]));

    // The did-you-mean is a second sentence of the message.
    let typo = results.iter().find(|r| r["ruleId"] == "DD106").unwrap();
    assert_eq!(
        typo["message"]["text"],
        "`aprove` is not a ticket action. Did you mean `approve`?"
    );
    let region = &typo["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endColumn"]
        ),
        (&2.into(), &104.into(), &110.into())
    );
}

#[test]
fn sarif_fixes_are_artifact_changes() {
    let (results, _) = sarif_results();
    let typo = results.iter().find(|r| r["ruleId"] == "DD106").unwrap();

    // The safe fix of DD203 as an artifact change: delete the encoded token, insert it decoded.
    let encoded = results.iter().find(|r| r["ruleId"] == "DD203").unwrap();
    let fix = &encoded["fixes"][0];
    assert!(
        fix["description"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Safe fix")
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "sub/notify.html");
    let replacement = &change["replacements"][0];
    let start = TEMPLATE.find("%5BTicket").unwrap();
    let length = "%5BTicket:%20ID%5D".len();
    assert_eq!(replacement["deletedRegion"]["byteOffset"], start);
    assert_eq!(replacement["deletedRegion"]["byteLength"], length);
    assert_eq!(replacement["insertedContent"]["text"], "[Ticket: ID]");
    let region = &encoded["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["byteOffset"], start);
    assert_eq!(region["byteLength"], length);
    assert_eq!(region["startColumn"], start + 1, "line 1 is ASCII");

    // The did-you-mean fix is unsafe; findings without a fix have no `fixes`.
    assert!(
        typo["fixes"][0]["description"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Unsafe fix")
    );
    let desktop = results.iter().find(|r| r["ruleId"] == "DD403").unwrap();
    assert!(desktop.get("fixes").is_none());
}

#[test]
fn sarif_uris_are_percent_encoded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/news, 100% é.html"), TEMPLATE).unwrap();
    let sarif = json(&ddlink(&["check", "--format", "sarif", "sub"], dir.path()));
    assert_valid_sarif(&sarif);
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "sub/news,%20100%25%20%C3%A9.html"
    );
}

/// A warning first in the file, then errors, a notice; a file name with a comma and a `%`; a
/// message with a `:` and one with a `%`.
const SMALL: &str = r#"<a href="ddportal://name=ticket_list">Desk</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=%5BTicket:%20ID%5D">Enc</a>
<p>See ddportal://name=ticket_list</p>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;act%ion=close">Y</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=aprove">Approve</a>
"#;

#[test]
fn github_annotations_exactly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/news, 100%.html"), SMALL).unwrap();
    let output = ddlink(&["check", "--format", "github", "sub"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let file = "file=sub/news%2C 100%25.html";
    let desktop = "title=DD403 (desktop-link-in-email)::a desktop link opens only where the \
                   DeskDirector app is installed. Use the web form \
                   `https://{portal}/portal/deeplink?…`.";
    let expected = [
        format!(
            "::error {file},line=2,col=82,endLine=2,endColumn=100,title=DD203 (encoded-token)::\
             the token `[Ticket: ID]` is percent-encoded: the PSA will not fill it in. \
             Write `[Ticket: ID]`."
        ),
        // The encoded token counts for detection: two ConnectWise tokens and one Autotask.
        format!(
            "::error {file},line=2,col=82,endLine=2,endColumn=100,title=DD205 (psa-undetermined)::\
             which PSA sends this template is unknown: it holds 2 ConnectWise tokens and 1 \
             Autotask token. Say which PSA it is, and the other PSA's tokens in links are \
             reported: `<!-- ddlink: psa=connectwise|autotask|deskdirector -->`, `psa` in \
             ddlink.toml, or --psa."
        ),
        format!(
            "::error {file},line=5,col=104,endLine=5,endColumn=110,title=DD106 (invalid-action)::\
             `aprove` is not a ticket action. Did you mean `approve`?"
        ),
        format!("::warning {file},line=1,col=10,endLine=1,endColumn=18,{desktop}"),
        format!("::warning {file},line=3,col=8,endLine=3,endColumn=16,{desktop}"),
        format!(
            "::warning {file},line=4,col=97,endLine=4,endColumn=104,title=DD104 (unknown-param)::\
             `act%25ion` is not a deep-link parameter. Did you mean `action`?"
        ),
        format!(
            "::notice {file},line=3,col=8,endLine=3,endColumn=35,title=DD405 \
             (bare-deeplink-in-text)::a deep link in text is clickable only if the mail client \
             links it. Wrap it in `<a href=\"…\">` with a label."
        ),
    ];
    assert_eq!(stdout(&output), expected.join("\n") + "\n");
}

#[cfg(unix)]
#[test]
fn github_escapes_colons_in_file_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("re: 50%, now.html"), SMALL).unwrap();
    let output = ddlink(
        &["check", "--format", "github", "./re: 50%, now.html"],
        dir.path(),
    );
    let first = stdout(&output).lines().next().unwrap().to_owned();
    assert!(
        first.starts_with("::error file=re%3A 50%25%2C now.html,line=2,col=82,"),
        "{first}"
    );
}

#[test]
fn github_says_how_many_annotations_github_would_hide() {
    let dir = tempfile::tempdir().unwrap();
    // 12 desktop links: 12 warnings; one typo: 1 error.
    let mut template = "<a href=\"ddportal://name=ticket_list\">Desk</a>\n".repeat(12);
    template.push_str(
        "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=tickt\">Broken</a>\n",
    );
    std::fs::write(dir.path().join("many.html"), &template).unwrap();
    let text = stdout(&ddlink(
        &["check", "--format", "github", "many.html"],
        dir.path(),
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14, "{text}");
    assert!(lines[0].starts_with("::error file=many.html,line=13,"));
    assert!(
        lines[1..13]
            .iter()
            .all(|l| l.starts_with("::warning file=many.html,"))
    );
    assert_eq!(
        lines[13],
        "::notice::2 warnings are not shown as annotations: GitHub shows at most 10 of each \
         level per step. Run `ddlink check --format concise` to see them all."
    );

    // 11 bare links in text: 11 warnings and 11 notices. The limit notice would be the 12th
    // notice and hidden itself, so it comes before the notices and takes one of their places.
    let text_links = "<p>See ddportal://name=ticket_list</p>\n".repeat(11);
    std::fs::write(dir.path().join("bare.html"), text_links).unwrap();
    let text = stdout(&ddlink(
        &["check", "--format", "github", "bare.html"],
        dir.path(),
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 23, "{text}");
    assert!(
        lines[..11]
            .iter()
            .all(|l| l.starts_with("::warning file=bare.html,"))
    );
    assert_eq!(
        lines[11],
        "::notice::1 warning and 2 notices are not shown as annotations: GitHub shows at most \
         10 of each level per step. Run `ddlink check --format concise` to see them all."
    );
    assert!(
        lines[12..]
            .iter()
            .all(|l| l.starts_with("::notice file=bare.html,"))
    );

    // Within the limits: no limit notice.
    let project = project();
    let text = stdout(&ddlink(
        &["check", "--format", "github", "sub"],
        project.path(),
    ));
    assert_eq!(text.lines().count(), 20, "{text}");
    assert!(!text.contains("::notice::"), "{text}");
}

#[test]
fn gitlab_code_quality() {
    let dir = project();
    let first = ddlink(&["check", "--format", "gitlab", "sub"], dir.path());
    assert_eq!(first.status.code(), Some(1));
    let issues = json(&first);
    let issues = issues.as_array().expect("an array of issues");
    assert_eq!(issues.len(), 20, "ten findings in each of two files");
    assert!(stdout(&first).starts_with("[\n  {"), "pretty-printed");

    let fingerprints: HashSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fingerprints.len(),
        issues.len(),
        "one fingerprint per occurrence"
    );
    assert!(
        fingerprints
            .iter()
            .all(|f| f.len() == 32 && f.bytes().all(|b| b.is_ascii_hexdigit()))
    );

    // Two identical findings on one line (line 3), and identical ones on other lines (line 4).
    let desktop: Vec<&Value> = issues
        .iter()
        .filter(|i| i["check_name"] == "DD403" && i["location"]["path"] == "sub/notify.html")
        .collect();
    assert_eq!(desktop.len(), 4);
    let lines: Vec<&Value> = desktop
        .iter()
        .map(|i| &i["location"]["lines"]["begin"])
        .collect();
    assert_eq!(lines, [&Value::from(3), &3.into(), &4.into(), &4.into()]);

    for issue in issues {
        let code = issue["check_name"].as_str().unwrap();
        assert!(
            issue["description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{code}: "))
        );
        let rule = ddlink::rules::find(code).unwrap();
        // No configuration here: every finding has its rule's default severity.
        let severity = match rule.severity {
            ddlink::Severity::Error => "major",
            ddlink::Severity::Warning => "minor",
            ddlink::Severity::Info => "info",
        };
        assert_eq!(issue["severity"], severity, "{code}");
        let lines = &issue["location"]["lines"];
        assert!(lines["begin"].as_u64().unwrap() >= 1);
        assert!(lines["end"].as_u64().unwrap() >= lines["begin"].as_u64().unwrap());
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(
            path == "sub/notify.html" || path == "sub/copy.html",
            "{path}"
        );
    }
    let severities: HashSet<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, HashSet::from(["major", "minor", "info"]));

    // Stable across runs, and across however the path is spelled.
    let second = ddlink(&["check", "--format", "gitlab", "./sub"], dir.path());
    assert_eq!(json(&second), json(&first));
    // An absolute path under the current folder (`$CI_PROJECT_DIR/sub`, as a CI job passes
    // it) is named from the checkout, as GitLab resolves it.
    let real = std::fs::canonicalize(dir.path()).unwrap();
    let absolute = real.join("sub");
    let third = ddlink(
        &["check", "--format", "gitlab", absolute.to_str().unwrap()],
        &real,
    );
    assert_eq!(json(&third), json(&first));
    let github = ddlink(
        &["check", "--format", "github", absolute.to_str().unwrap()],
        &real,
    );
    assert!(
        stdout(&github).starts_with("::error file=sub/"),
        "{}",
        stdout(&github)
    );

    // Lines are not part of a fingerprint: a line added above every finding changes none.
    for name in ["sub/notify.html", "sub/copy.html"] {
        std::fs::write(
            dir.path().join(name),
            format!("<p>New first line</p>\n{TEMPLATE}"),
        )
        .unwrap();
    }
    let shifted = json(&ddlink(&["check", "--format", "gitlab", "sub"], dir.path()));
    let shifted: HashSet<&str> = shifted
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(shifted, fingerprints);
}
