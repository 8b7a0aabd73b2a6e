//! `ddlink.toml`: parsing, errors as the user sees them, discovery and per-file settings.

use std::fs;
use std::path::{Path, PathBuf};

use ddlink::Severity;
use ddlink::command::{Client, Portal};
use ddlink::config::{Config, ConfigCache, ConfigError, ConfigErrorKind, FileConfig};
use ddlink::dialect::{Dialect, Language};
use ddlink::rules::{self, RuleConfig};

const FULL: &str = r#"
portal = "https://support.example.com"
client = "desktop"
psa = "connectwise"
encoding = "windows-1252"
templates_dir = "snippets"
include = ["**/*.html", "**/*.txt"]
exclude = ["archive/**"]
max_memory = "512KiB"

[autotask]
language = "de"

[auth]
passwordless_token = "{{ Token }}"
access_token = "{{ AccessToken }}"
email_token = "[contactemail]"

[rules]
Unknown-Param = "error"
dd403 = "off"

[[overrides]]
files = ["autotask/**"]
psa = "autotask"
client = "web"
portal = "acme.deskdirector.com"
rules = { DD303 = "info" }

[[overrides]]
files = ["autotask/spanish/**"]
autotask = { language = "es" }
[overrides.rules]
DD403 = "warning"
"#;

/// A folder holding `ddlink.toml` with `text`.
fn project(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    fs::write(root.join("ddlink.toml"), text).unwrap();
    (dir, root)
}

fn render(error: &ConfigError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, error)
        .unwrap();
    out
}

fn rule(code: &str) -> &'static rules::Rule {
    rules::find(code).unwrap()
}

#[test]
fn parses_a_full_config() {
    let (_dir, root) = project(FULL);
    let config = Config::load(&root.join("ddlink.toml")).unwrap();
    assert_eq!(config.path, root.join("ddlink.toml"));
    assert_eq!(config.root, root);
    assert_eq!(config.include(), ["**/*.html", "**/*.txt"]);
    assert_eq!(config.exclude(), ["archive/**"]);

    let cw = config.for_file(&root.join("cw/ticket.html"));
    assert_eq!(
        cw,
        FileConfig {
            portal: Some(Portal::parse("https://support.example.com").unwrap()),
            client: Some(Client::Desktop),
            psa: Some(Dialect::ConnectWise),
            psa_source: Some("ddlink.toml".to_owned()),
            encoding: Some("windows-1252".to_owned()),
            templates_dir: Some(root.join("snippets")),
            autotask_language: Language::De,
            passwordless_token: Some("{{ Token }}".to_owned()),
            access_token: Some("{{ AccessToken }}".to_owned()),
            email_token: Some("[contactemail]".to_owned()),
            max_memory: Some(512 * 1024),
            rules: vec![
                (rule("DD104"), Some(Severity::Error)),
                (rule("DD403"), None),
            ],
        }
    );

    let spanish = config.for_file(&root.join("autotask/spanish/ticket.html"));
    assert_eq!(spanish.psa, Some(Dialect::Autotask));
    assert_eq!(
        spanish.psa_source.as_deref(),
        Some("ddlink.toml [[overrides]] autotask/**")
    );
    assert_eq!(spanish.client, Some(Client::Web));
    assert_eq!(
        spanish.portal,
        Some(Portal::parse("https://acme.deskdirector.com").unwrap())
    );
    assert_eq!(spanish.autotask_language, Language::Es);
    assert_eq!(spanish.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(
        spanish.rules,
        vec![
            (rule("DD104"), Some(Severity::Error)),
            (rule("DD403"), None),
            (rule("DD303"), Some(Severity::Info)),
            (rule("DD403"), Some(Severity::Warning)),
        ]
    );

    // Later settings of a rule win when applied.
    let mut rules = RuleConfig::default();
    spanish.apply_rules(&mut rules);
    assert_eq!(rules.severity(rule("DD403")), Some(Severity::Warning));
    assert_eq!(rules.severity(rule("DD303")), Some(Severity::Info));
    let mut rules = RuleConfig::default();
    cw.apply_rules(&mut rules);
    assert!(!rules.is_enabled(rule("DD403")));
}

#[test]
fn an_empty_config_sets_nothing() {
    let config = Config::parse(Path::new("/p/ddlink.toml"), "").unwrap();
    assert_eq!(
        config.for_file(Path::new("/p/x.html")),
        FileConfig::default()
    );
    assert!(!config.is_excluded(Path::new("/p/x.anything")));
}

#[test]
fn max_memory_takes_bytes_or_sizes() {
    for (value, bytes) in [
        ("1048576", 1 << 20),
        ("\"64MiB\"", 64 << 20),
        ("\"1GiB\"", 1 << 30),
        ("\"2 MB\"", 2_000_000),
    ] {
        let text = format!("max_memory = {value}");
        let config = Config::parse(Path::new("/p/ddlink.toml"), &text).unwrap();
        assert_eq!(
            config.for_file(Path::new("/p/x.html")).max_memory,
            Some(bytes),
            "{value}"
        );
    }
}

/// Each mistake: the config text, the kind of error, the `line:column` of its label, and
/// what the report must say.
const ERRORS: &[(&str, ConfigErrorKind, &str, &[&str])] = &[
    (
        "psa = \"autotask\"\nportal = \"https://acme.deskdirector.com\n",
        ConfigErrorKind::Syntax,
        "2:",
        &["not valid TOML", "portal = \"https://acme"],
    ),
    (
        "psa = \"autotask\"\nprtal = \"https://acme.deskdirector.com\"\n",
        ConfigErrorKind::Schema,
        "2:1",
        &[
            "unknown key `prtal`",
            "did you mean `portal`?",
            "unknown key",
        ],
    ),
    (
        "[autotask]\nlangauge = \"en\"\n",
        ConfigErrorKind::Schema,
        "2:1",
        &["unknown key `langauge`", "did you mean `language`?"],
    ),
    (
        "[[overrides]]\nfiles = [\"a/**\"]\npsa = \"autotask\"\nrulez = {}\n",
        ConfigErrorKind::Schema,
        "4:1",
        &["unknown key `rulez`", "did you mean `rules`?"],
    ),
    (
        "[[overrides]]\npsa = \"autotask\"\n",
        ConfigErrorKind::Schema,
        "1:1",
        &["missing key `files`", "files = [\"autotask/**\"]"],
    ),
    (
        "client = \"web\"\npsa = 3\n",
        ConfigErrorKind::Schema,
        "2:7",
        &["wrong type of value", "integer `3`", "quoted string"],
    ),
    (
        "autotask = \"en\"\n",
        ConfigErrorKind::Schema,
        "1:12",
        &["expected a table", "write a `[name]` line"],
    ),
    (
        "[overrides]\nfiles = [\"a/**\"]\npsa = \"autotask\"\n",
        ConfigErrorKind::Schema,
        "1:1",
        &["expected a sequence", "starts with `[[overrides]]`"],
    ),
    (
        "exclude = \"archive/**\"\n",
        ConfigErrorKind::Schema,
        "1:11",
        &["expected a sequence", "write a list"],
    ),
    (
        "portal = \"https://agent:hunter2@acme.deskdirector.com\"\n",
        ConfigErrorKind::InvalidValue,
        "1:10",
        &["holds a user name", "`https://***@acme.deskdirector.com`"],
    ),
    (
        "client = \"web\"\npsa = \"halo\"\n",
        ConfigErrorKind::InvalidValue,
        "2:7",
        &[
            "unknown PSA `halo`",
            "not a PSA",
            "connectwise",
            "autotask",
            "deskdirector",
        ],
    ),
    (
        "psa = \"autotsk\"\n",
        ConfigErrorKind::InvalidValue,
        "1:7",
        &["unknown PSA `autotsk`", "did you mean `autotask`?"],
    ),
    (
        "psa = \"autotask\"\nencoding = \"latin-9000\"\n",
        ConfigErrorKind::InvalidValue,
        "2:12",
        &["`latin-9000` is not an encoding label", "windows-1252"],
    ),
    (
        "encoding = \"utf-16\"\n",
        ConfigErrorKind::InvalidValue,
        "1:12",
        &["`utf-16` is UTF-16LE, which ddlink cannot read"],
    ),
    (
        "psa = \"autotask\"\nclient = \"mobile\"\n",
        ConfigErrorKind::InvalidValue,
        "2:10",
        &["unknown client `mobile`", "`web`", "`desktop`"],
    ),
    (
        "[autotask]\nlanguage = \"fr\"\n",
        ConfigErrorKind::InvalidValue,
        "2:12",
        &["unknown Autotask language `fr`", "`en`, `de`, `es`"],
    ),
    (
        "[rules]\nDD104 = \"error\"\nDD403 = \"fatal\"\n",
        ConfigErrorKind::InvalidValue,
        "3:9",
        &[
            "unknown severity `fatal`",
            "\"fatal\"",
            "`error`, `warning`, `info`, `off`",
        ],
    ),
    (
        "[rules]\nDD403 = \"warnign\"\n",
        ConfigErrorKind::InvalidValue,
        "2:9",
        &["did you mean `warning`?"],
    ),
    (
        "[rules]\nDD403 = \"off\"\nDD999 = \"off\"\n",
        ConfigErrorKind::InvalidValue,
        "3:1",
        &["unknown rule `DD999`", "no such rule", "ddlink rules"],
    ),
    (
        "[rules]\ndesktop-link-in-emial = \"off\"\n",
        ConfigErrorKind::InvalidValue,
        "2:1",
        &[
            "unknown rule `desktop-link-in-emial`",
            "did you mean `desktop-link-in-email`?",
        ],
    ),
    (
        "[rules]\nDD403 = \"off\"\nDD104 = \"error\"\ndesktop-link-in-email = \"error\"\n",
        ConfigErrorKind::InvalidValue,
        "4:1",
        &[
            "rule DD403 is set twice in `[rules]`, as `DD403` and as `desktop-link-in-email`",
            "set again here",
            "keep one of the two",
        ],
    ),
    (
        "[[overrides]]\nfiles = [\"a/**\"]\nrules = { DD404 = \"off\", DD9 = \"off\" }\n",
        ConfigErrorKind::InvalidValue,
        "3:26",
        &["unknown rule `DD9`"],
    ),
    (
        "client = \"web\"\nportal = \"http://acme.deskdirector.com\"\n",
        ConfigErrorKind::InvalidValue,
        "2:10",
        &[
            "invalid portal",
            "https://",
            "http://acme.deskdirector.com",
            "portal's origin",
        ],
    ),
    (
        "psa = \"connectwise\"\nportal = \"https://yourcompany.deskdirector.com\"\n",
        ConfigErrorKind::InvalidValue,
        "2:10",
        &[
            "invalid portal",
            "`https://yourcompany.deskdirector.com`",
            "documentation",
            "placeholder",
        ],
    ),
    (
        "portal = \"approval-needed.html\"\n",
        ConfigErrorKind::InvalidValue,
        "1:10",
        &[
            "invalid portal",
            "`approval-needed.html` is a file's name, not a host",
            "https://acme.deskdirector.com",
        ],
    ),
    (
        "max_memory = \"lots\"\n",
        ConfigErrorKind::InvalidValue,
        "1:14",
        &["invalid `max_memory`", "\"lots\"", "64MiB"],
    ),
    (
        "max_memory = -5\n",
        ConfigErrorKind::InvalidValue,
        "1:14",
        &["invalid `max_memory`: -5"],
    ),
    (
        "max_memory = \"1KiB\"\n",
        ConfigErrorKind::InvalidValue,
        "1:14",
        &["`max_memory` \"1KiB\" is too small", "at least `16KiB`"],
    ),
    (
        "max_memory = 0\n",
        ConfigErrorKind::InvalidValue,
        "1:14",
        &["`max_memory` 0 is too small", "at least `16KiB`"],
    ),
    (
        "max_memory = \"0MiB\"\n",
        ConfigErrorKind::InvalidValue,
        "1:14",
        &["`max_memory` \"0MiB\" is too small"],
    ),
    (
        "include = [\"**/*.html\"]\nexclude = [\"archive/**\", \"drafts/[\"]\n",
        ConfigErrorKind::InvalidGlob,
        "2:26",
        &["invalid glob `drafts/[`", "unclosed character class"],
    ),
    (
        "[[overrides]]\nfiles = [\"{a,b\"]\n",
        ConfigErrorKind::InvalidGlob,
        "2:10",
        &["invalid glob `{a,b`"],
    ),
    (
        "[[overrides]]\nfiles = []\n",
        ConfigErrorKind::InvalidValue,
        "2:9",
        &["`files` in [[overrides]] is empty"],
    ),
    (
        "encoding = \"\"\n",
        ConfigErrorKind::InvalidValue,
        "1:12",
        &["`encoding` is empty", "utf-8"],
    ),
    // An [auth] value every recipient's link would carry alike: a literal, not a token.
    (
        "[auth]\nemail_token = \"bob@example.com\"\n",
        ConfigErrorKind::InvalidValue,
        "2:15",
        &[
            "`[auth] email_token` is no template token",
            "a literal, not a token",
            "[Contact: Email Address]",
        ],
    ),
    (
        "[auth]\naccess_token = \"\"\n",
        ConfigErrorKind::InvalidValue,
        "2:16",
        &["`[auth] access_token` is no template token", "empty"],
    ),
];

#[test]
fn every_mistake_is_reported_at_its_place() {
    for (text, kind, position, expected) in ERRORS {
        let (_dir, root) = project(text);
        let path = root.join("ddlink.toml");
        let error = Config::load(&path).unwrap_err();
        let report = render(&error);
        assert_eq!(error.kind(), *kind, "{report}");
        let header = format!("[{}:{position}", path.display());
        assert!(
            report.contains(&header),
            "expected `{header}` in the report of\n{text}\n{report}"
        );
        for needle in *expected {
            assert!(
                report.contains(needle),
                "expected `{needle}` in the report of\n{text}\n{report}"
            );
        }
        assert!(error.span().is_some());
    }
}

/// A password written in the config never reaches a report: not in the message, not in the
/// source line shown under it, whichever key the mistake is at.
#[test]
fn no_report_shows_a_password_written_in_the_config() {
    for (text, shown_line) in [
        (
            "portal = \"https://agent:hunter2@acme.deskdirector.com\"\nbogus = 1\n",
            " 1 │ portal = \"https://*************@acme.deskdirector.com\"",
        ),
        (
            "portal = \"http://agent:hunter2@acme.deskdirector.com\"\n",
            " 1 │ portal = \"http://*************@acme.deskdirector.com\"",
        ),
        (
            "portal = \"https://agent:hunter2@acme.deskdirector.com\n",
            " 1 │ portal = \"https://*************@acme.deskdirector.com",
        ),
        (
            "portal = 'agent:hunter2@acme'\n",
            " 1 │ portal = '*************@acme'",
        ),
        (
            "max_memory = \"agent:hunter2@acme\"\n",
            " 1 │ max_memory = \"*************@acme\"",
        ),
        // A literal token in [auth] is refused, and not shown.
        (
            "[auth]\npasswordless_token = \"hunter2\"\n",
            " 2 │ passwordless_token = \"*******\"",
        ),
        // On a line beside the one at fault, under a key written right or misspelt.
        (
            "[auth]\npasswordless_token = \"hunter2\"\nemial_token = \"[contactemail]\"\n",
            " 2 │ passwordless_token = \"*******\"",
        ),
        (
            "[auth]\naccess_token = \"{{ AccessToken }}\"\nacess_token = 'hunter2'\nbogus = 1\n",
            " 3 │ acess_token = '*******'",
        ),
        (
            "client = \"mobile\"\nauth = { access_token = \"hunter2\" }\n",
            " 2 │ auth = { access_token = \"*******\" }",
        ),
        (
            "[auth]\naccess_token = \"hunter2\"\npasswordless_token = \"hunter2 again\"\n",
            " 3 │ passwordless_token = \"*************\"",
        ),
        // In every form of string, in an array, under any key of [auth] or a key that names
        // a credential.
        (
            "[auth]\naccess_token = \"\"\"hunter2\"\"\"\nbogus = 1\n",
            " 2 │ access_token = \"\"\"*******\"\"\"",
        ),
        (
            "[auth]\naccess_token = [ 'hunter2' ]\n",
            " 2 │ access_token = [ '*******' ]",
        ),
        (
            "[auth]\nsecret_word = '''hunter2'''\n",
            " 2 │ secret_word = '''*******'''",
        ),
        (
            "api_key = \"hunter2\"\nbogus = 1\n",
            " 1 │ api_key = \"*******\"",
        ),
        (
            "[auth]\n\"access_token\" = \"hunter2\" # the token\nbogus = 1\n",
            " 2 │ \"access_token\" = \"*******\" # the token",
        ),
    ] {
        let error = Config::parse(Path::new("ddlink.toml"), text).unwrap_err();
        let report = render(&error);
        assert!(!report.contains("hunter2"), "{text}\n{report}");
        assert!(
            report.lines().any(|line| line == shown_line),
            "expected `{shown_line}` in the report of\n{text}\n{report}"
        );
    }
}

/// Masking keeps the excerpt's lines (a string of several lines still ends where it did) and
/// leaves alone what is no credential, such as a rule's severity.
#[test]
fn masking_keeps_lines_and_severities() {
    let text = "[auth]\naccess_token = \"\"\"\n{{ AccessToken }}\nhunter2\n\"\"\"\nemail_tokn = \"[cf-1]\"\n";
    let report = render(&Config::parse(Path::new("ddlink.toml"), text).unwrap_err());
    assert!(!report.contains("hunter2"), "{report}");
    assert!(report.contains("ddlink.toml:6:1]"), "{report}");
    assert!(
        report
            .lines()
            .any(|line| line == " 6 │ email_tokn = \"[cf-1]\""),
        "{report}"
    );
    let text = "[rules]\npassword-in-link = \"warnig\"\n";
    let report = render(&Config::parse(Path::new("ddlink.toml"), text).unwrap_err());
    assert!(
        report
            .lines()
            .any(|line| line == " 2 │ password-in-link = \"warnig\""),
        "{report}"
    );
}

#[test]
fn reports_name_the_file_as_given() {
    let error = Config::parse(Path::new("templates/ddlink.toml"), "psa = \"halo\"").unwrap_err();
    assert_eq!(error.path(), Path::new("templates/ddlink.toml"));
    assert_eq!(error.span(), Some(6..12));
    assert!(render(&error).contains("[templates/ddlink.toml:1:7]"));
}

#[test]
fn an_unreadable_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.toml");
    let error = Config::load(&path).unwrap_err();
    assert_eq!(error.kind(), ConfigErrorKind::Read);
    assert!(render(&error).contains("missing.toml"));
}

#[test]
fn discovery_walks_up_and_the_closest_wins() {
    let (_dir, root) = project("psa = \"connectwise\"\n");
    let nested = root.join("a/b/c");
    fs::create_dir_all(&nested).unwrap();

    let found = Config::discover(&nested).unwrap().unwrap();
    assert_eq!(found.path, root.join("ddlink.toml"));
    assert_eq!(
        found.for_file(&nested.join("x.html")).psa,
        Some(Dialect::ConnectWise)
    );

    fs::write(root.join("a/ddlink.toml"), "psa = \"autotask\"\n").unwrap();
    let found = Config::discover(&nested).unwrap().unwrap();
    assert_eq!(found.path, root.join("a/ddlink.toml"));
    // No merging: the closer config alone decides.
    assert_eq!(
        found.for_file(&nested.join("x.html")).psa,
        Some(Dialect::Autotask)
    );
    assert_eq!(
        Config::discover(&root).unwrap().unwrap().path,
        root.join("ddlink.toml")
    );

    let mut cache = ConfigCache::new();
    let first = cache.for_file(&nested.join("x.html")).unwrap().unwrap();
    let second = cache.discover(&root.join("a/b")).unwrap().unwrap();
    assert_eq!(first.path, root.join("a/ddlink.toml"));
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    assert_eq!(
        cache.discover(&root).unwrap().unwrap().path,
        root.join("ddlink.toml")
    );
}

#[test]
fn discovery_reports_a_broken_config() {
    let (_dir, root) = project("prtal = 1\n");
    let error = Config::discover(&root).unwrap_err();
    assert_eq!(error.kind(), ConfigErrorKind::Schema);
}

/// A `ddlink.toml` that is neither a file nor a folder (a socket here; a named pipe, whose
/// reading would wait for a writer, is tested end to end) is an error, not a configuration.
#[cfg(unix)]
#[test]
fn discovery_reports_a_config_that_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ddlink.toml");
    let _socket = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let expected = format!(
        "config `{}` is not a regular file (it is a socket)",
        path.display()
    );
    let error = Config::discover(dir.path()).unwrap_err();
    assert_eq!(error.kind(), ConfigErrorKind::Read);
    assert_eq!(error.to_string(), expected);
    let error = ConfigCache::new().discover(dir.path()).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

#[test]
fn discovery_finds_nothing_outside_any_project() {
    let dir = tempfile::tempdir().unwrap();
    // The temporary folder's ancestors could hold a ddlink.toml on an odd machine; skip then.
    if dir
        .path()
        .ancestors()
        .any(|a| a.join("ddlink.toml").exists())
    {
        return;
    }
    assert!(Config::discover(dir.path()).unwrap().is_none());
}

const OVERRIDES: &str = r#"
psa = "connectwise"

[[overrides]]
files = ["autotask/**"]
psa = "autotask"
"#;

#[test]
fn overrides_match_paths_relative_to_the_config() {
    let (_dir, root) = project(OVERRIDES);
    fs::create_dir_all(root.join("autotask")).unwrap();
    fs::create_dir_all(root.join("cw")).unwrap();
    let config = Config::load(&root.join("ddlink.toml")).unwrap();

    let autotask = config.for_file(&root.join("autotask/x.html"));
    assert_eq!(autotask.psa, Some(Dialect::Autotask));
    assert_eq!(
        autotask.psa_source.as_deref(),
        Some("ddlink.toml [[overrides]] autotask/**")
    );
    let cw = config.for_file(&root.join("cw/y.html"));
    assert_eq!(cw.psa, Some(Dialect::ConnectWise));
    assert_eq!(cw.psa_source.as_deref(), Some("ddlink.toml"));
    // `..` is resolved before matching.
    assert_eq!(
        config.for_file(&root.join("cw/../autotask/x.html")).psa,
        Some(Dialect::Autotask)
    );
    // A file outside the config's folder matches no override.
    let outside = root.parent().unwrap().join("autotask/x.html");
    assert_eq!(config.for_file(&outside).psa, Some(Dialect::ConnectWise));

    // Relative paths are taken from the current directory. This is the only test that
    // changes it, and it restores it before the folder goes away.
    let previous = std::env::current_dir().unwrap();
    std::env::set_current_dir(&root).unwrap();
    let from_root = (
        config.for_file(Path::new("autotask/x.html")).psa,
        config.for_file(Path::new("cw/y.html")).psa,
        config.for_file(Path::new("./autotask/x.html")).psa,
    );
    std::env::set_current_dir(root.join("cw")).unwrap();
    let from_cw = (
        config.for_file(Path::new("../autotask/x.html")).psa,
        config.for_file(Path::new("y.html")).psa,
    );
    let discovered = Config::discover(Path::new(".")).unwrap().map(|c| c.path);
    std::env::set_current_dir(previous).unwrap();

    assert_eq!(
        from_root,
        (
            Some(Dialect::Autotask),
            Some(Dialect::ConnectWise),
            Some(Dialect::Autotask)
        )
    );
    assert_eq!(
        from_cw,
        (Some(Dialect::Autotask), Some(Dialect::ConnectWise))
    );
    assert_eq!(discovered, Some(root.join("ddlink.toml")));
}

#[test]
fn a_relative_config_path_is_resolved() {
    let config = Config::parse(Path::new("/p/sub/../ddlink.toml"), OVERRIDES).unwrap();
    assert_eq!(config.root, Path::new("/p"));
    assert_eq!(
        config.for_file(Path::new("/p/autotask/x.html")).psa,
        Some(Dialect::Autotask)
    );
}

#[test]
fn star_does_not_cross_folders() {
    let text = r#"
        [[overrides]]
        files = ["*.html"]
        psa = "autotask"

        [[overrides]]
        files = ["mail/*.txt"]
        psa = "deskdirector"

        [[overrides]]
        files = ["**/*.mjml"]
        client = "desktop"
    "#;
    let config = Config::parse(Path::new("/p/ddlink.toml"), text).unwrap();
    let psa = |file: &str| config.for_file(&Path::new("/p").join(file)).psa;
    assert_eq!(psa("x.html"), Some(Dialect::Autotask));
    assert_eq!(psa("cw/x.html"), None);
    assert_eq!(psa("mail/a.txt"), Some(Dialect::DeskDirector));
    assert_eq!(psa("mail/old/a.txt"), None);
    let client = |file: &str| config.for_file(&Path::new("/p").join(file)).client;
    assert_eq!(client("a.mjml"), Some(Client::Desktop));
    assert_eq!(client("a/b/c.mjml"), Some(Client::Desktop));
}

#[test]
fn the_last_matching_override_wins() {
    let text = r#"
        psa = "connectwise"
        [[overrides]]
        files = ["**"]
        psa = "autotask"
        client = "web"
        [[overrides]]
        files = ["dd/**"]
        psa = "deskdirector"
    "#;
    let config = Config::parse(Path::new("/p/ddlink.toml"), text).unwrap();
    let file = config.for_file(Path::new("/p/dd/x.html"));
    assert_eq!(file.psa, Some(Dialect::DeskDirector));
    assert_eq!(file.client, Some(Client::Web));
    assert_eq!(
        file.psa_source.as_deref(),
        Some("ddlink.toml [[overrides]] dd/**")
    );
}

#[test]
fn exclude_and_include_globs() {
    let text = r#"
        include = ["**/*.html", "*.txt"]
        exclude = ["archive/**", "drafts", "**/*.bak.html"]
    "#;
    let config = Config::parse(Path::new("/p/ddlink.toml"), text).unwrap();
    let excluded = |file: &str| config.is_excluded(&Path::new("/p").join(file));
    assert!(!excluded("cw/ticket.html"));
    assert!(!excluded("notes.txt"));
    assert!(excluded("cw/notes.txt"), "`*.txt` stays at the top");
    assert!(excluded("cw/readme.md"), "not included");
    assert!(excluded("archive/2019/ticket.html"));
    assert!(excluded("drafts/ticket.html"), "a folder named by exclude");
    assert!(excluded("cw/ticket.bak.html"));
    assert!(!excluded("archived/ticket.html"));
    // Globs say nothing about files elsewhere.
    assert!(!config.is_excluded(Path::new("/elsewhere/readme.md")));

    let dir_excluded = |dir: &str| config.is_excluded_dir(&Path::new("/p").join(dir));
    assert!(dir_excluded("archive"));
    assert!(dir_excluded("drafts"));
    assert!(!dir_excluded("cw"), "include globs never exclude a folder");
}
