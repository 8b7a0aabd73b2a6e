//! `ddlink fix` end to end: in place, --check, --diff, --out-dir, the save hook, and the files
//! it must not write.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ddlink(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CONFIG: &str = "portal = \"https://acme.deskdirector.com\"\npsa = \"connectwise\"\nexclude = [\"archive/**\"]\n";
const PLACEHOLDER: &str = "<p><dd-link name=\"ticket\" action=\"approve\">Approve</dd-link></p>\n";
const EXPANDED: &str = "<p><a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=approve\">Approve</a></p>\n";
const UNFIXABLE: &str =
    "<a href=\"ddportal://name=ticket&amp;ticket_id=1&amp;action=aprove\">x</a>\n";
const CLEAN: &str =
    "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes\">Quotes</a>\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ddlink.toml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join("mail")).unwrap();
    std::fs::create_dir_all(dir.path().join("archive")).unwrap();
    std::fs::write(dir.path().join("mail/approve.html"), PLACEHOLDER).unwrap();
    std::fs::write(dir.path().join("mail/clean.html"), CLEAN).unwrap();
    std::fs::write(dir.path().join("archive/old.html"), PLACEHOLDER).unwrap();
    dir
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn in_place_writes_changed_files_only() {
    let project = project();
    let root = project.path();
    let clean_before = std::fs::metadata(root.join("mail/clean.html")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let output = ddlink(&["fix", "."], root, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert_eq!(read(root, "mail/approve.html"), EXPANDED);
    assert_eq!(
        read(root, "archive/old.html"),
        PLACEHOLDER,
        "excluded by the config"
    );
    let clean_after = std::fs::metadata(root.join("mail/clean.html")).unwrap();
    assert_eq!(
        clean_after.modified().unwrap(),
        clean_before.modified().unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            clean_after.ino(),
            clean_before.ino(),
            "an unchanged file is not written"
        );
    }
    assert!(
        std::fs::read_dir(root.join("mail")).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".ddlink-")),
        "no temporary file is left"
    );
    // Idempotent: a second run changes nothing.
    let again = ddlink(&["fix", "--check", "."], root, None);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[test]
fn check_mode_writes_nothing_and_says_what_would_change() {
    let project = project();
    let root = project.path();
    let output = ddlink(&["fix", "--check", "mail"], root, None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("Would fix: mail/approve.html"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(read(root, "mail/approve.html"), PLACEHOLDER);
    let clean = ddlink(&["fix", "--check", "mail/clean.html"], root, None);
    assert_eq!(clean.status.code(), Some(0));
}

/// `fix --check` writes nothing, so the findings that would remain are placed in the file as
/// read (SPEC §5.1): where `check` places them, though the edits before them change lengths.
#[test]
fn check_mode_places_remaining_findings_in_the_file_as_read() {
    let project = project();
    let root = project.path();
    let file = "mail/remains.html";
    let content = format!(
        "{PLACEHOLDER}<p><a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]&action=aprove\">x</a></p>\n"
    );
    std::fs::write(root.join(file), &content).unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let output = ddlink(args, root, None);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let place = |d: &serde_json::Value| {
        (
            d["code"].as_str().unwrap().to_owned(),
            d["span"]["start"].as_u64().unwrap(),
            d["span"]["end"].as_u64().unwrap(),
            d["line"].as_u64().unwrap(),
            d["column"].as_u64().unwrap(),
        )
    };
    let checked = json(&["check", "--format", "json", file]);
    let would = json(&["fix", "--check", "--format", "json", file]);
    assert_eq!(would["summary"]["changed"], 1);
    let remaining: Vec<_> = would["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .collect();
    let invalid_action = checked["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .find(|d| d.0 == "DD106")
        .unwrap();
    assert_eq!(remaining, std::slice::from_ref(&invalid_action));
    assert_eq!((invalid_action.3, invalid_action.4), (2, 99));
    // The machine formats stay documents of their kind.
    let sarif = json(&["fix", "--check", "--format", "sarif", file]);
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(99))
    );
    assert_eq!(read(root, file), content);

    // --out-dir leaves the file as it is too: its findings are placed in it, not in the copy.
    let out_dir = json(&["fix", "--out-dir", "build", "--format", "json", file]);
    let placed: Vec<_> = out_dir["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .collect();
    assert_eq!(placed, std::slice::from_ref(&invalid_action));

    // Read by a person, --check lists what would change, then what would remain (the reason
    // for its exit status when nothing would change); --diff says the latter on stderr.
    // Concise output has no summary line, human output closes with one.
    let listed = ddlink(&["fix", "--check", "--format", "concise", file], root, None);
    assert_eq!(
        text(&listed.stdout),
        "Would fix: mail/remains.html\n\
         mail/remains.html:2:99: DD106 `aprove` is not a ticket action\n"
    );
    let diff = ddlink(&["fix", "--diff", "--format", "concise", file], root, None);
    assert!(text(&diff.stdout).starts_with("--- a/mail/remains.html\n"));
    assert_eq!(
        text(&diff.stderr),
        "mail/remains.html:2:99: DD106 `aprove` is not a ticket action\n"
    );
    let summary = "Would expand 1 placeholder and fix 2 findings (1 file would change). \
                   Found 1 error, 0 warnings, 0 infos in 1 file.\n";
    let human = ddlink(&["fix", "--check", "--format", "human", file], root, None);
    assert!(
        text(&human.stdout).ends_with(summary),
        "{}",
        text(&human.stdout)
    );
    let human = ddlink(&["fix", "--diff", "--format", "human", file], root, None);
    assert!(
        text(&human.stderr).ends_with(summary),
        "{}",
        text(&human.stderr)
    );
    // Nothing to change, nothing to list: concise output is empty.
    std::fs::write(root.join("mail/clean.html"), CLEAN).unwrap();
    for mode in ["--check", "--diff"] {
        let clean = ddlink(
            &["fix", mode, "--format", "concise", "mail/clean.html"],
            root,
            None,
        );
        assert_eq!(clean.status.code(), Some(0), "{mode}");
        assert_eq!(text(&clean.stdout), "", "{mode}");
        assert_eq!(text(&clean.stderr), "", "{mode}");
    }
    // A JSON, SARIF or GitLab report on stderr stays one document, with nothing after it.
    for format in ["json", "sarif", "gitlab"] {
        let diff = ddlink(&["fix", "--diff", "--format", format, file], root, None);
        let report: serde_json::Value = serde_json::from_slice(&diff.stderr)
            .unwrap_or_else(|e| panic!("{format}: {e}: {}", text(&diff.stderr)));
        assert!(report.is_object() || report.is_array(), "{format}");
    }
}

/// A name with a space ends its diff header with a tab, as git writes it, so that `patch`
/// reads the whole name.
#[test]
fn diff_header_of_a_name_with_a_space() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("mail/to approve.html"), PLACEHOLDER).unwrap();
    let diff = ddlink(&["fix", "--diff", "mail/to approve.html"], root, None);
    assert!(
        text(&diff.stdout)
            .starts_with("--- a/mail/to approve.html\t\n+++ b/mail/to approve.html\t\n@@"),
        "{}",
        text(&diff.stdout)
    );
}

/// A name holding a line break is quoted as git quotes it: it neither ends the header (which
/// `git apply` and `patch` then refuse) nor starts a line of its own in a CI log, where
/// `::error::…` is a workflow command.
#[cfg(unix)]
#[test]
fn diff_header_of_a_name_with_a_line_break() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("mail/x\n::error::pwned.html"), PLACEHOLDER).unwrap();
    let diff = ddlink(&["fix", "--diff", "mail"], root, None);
    let shown = text(&diff.stdout);
    assert!(
        shown.contains(
            "\n--- \"a/mail/x\\n::error::pwned.html\"\n+++ \"b/mail/x\\n::error::pwned.html\"\n@@"
        ),
        "{shown}"
    );
    assert!(!shown.lines().any(|line| line.starts_with("::")), "{shown}");
}

/// An absolute path's header is the path without its leading `/`, as `git diff --no-index`
/// writes it: `patch -p1` run from `/` finds the file (`a//tmp/…` it did not).
#[test]
fn diff_header_of_an_absolute_path() {
    let project = project();
    let root = project.path();
    let path = root.join("mail/approve.html");
    let shown = path.display().to_string();
    let diff = ddlink(&["fix", "--diff", &shown], root, None);
    let relative = shown.trim_start_matches('/');
    assert!(
        text(&diff.stdout).starts_with(&format!("--- a/{relative}\n+++ b/{relative}\n@@")),
        "{}",
        text(&diff.stdout)
    );
}

/// A diff is in the file's own bytes: a windows-1252 file's `é` stays the byte 0xE9 on both
/// sides, so that `patch` applies the diff to the file.
#[test]
fn diff_mode_keeps_the_file_encoding() {
    let project = project();
    let root = project.path();
    let mut input = b"<p>caf\xe9</p>\r\n".to_vec();
    input.extend_from_slice(PLACEHOLDER.replace('\n', "\r\n").as_bytes());
    std::fs::write(root.join("mail/w.html"), &input).unwrap();
    let output = ddlink(
        &["fix", "--diff", "--encoding", "windows-1252", "mail/w.html"],
        root,
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let mut expected =
        b"--- a/mail/w.html\n+++ b/mail/w.html\n@@ -1,2 +1,2 @@\n <p>caf\xe9</p>\r\n-".to_vec();
    expected.extend_from_slice(PLACEHOLDER.replace('\n', "\r\n").as_bytes());
    expected.push(b'+');
    expected.extend_from_slice(EXPANDED.replace('\n', "\r\n").as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert!(output.stdout == expected);
}

#[test]
fn diff_mode_prints_a_unified_diff() {
    let project = project();
    let root = project.path();
    let output = ddlink(&["fix", "--diff", "mail"], root, None);
    assert_eq!(output.status.code(), Some(1));
    let diff = text(&output.stdout);
    assert_eq!(
        diff,
        format!(
            "--- a/mail/approve.html\n+++ b/mail/approve.html\n@@ -1 +1 @@\n-{PLACEHOLDER}+{EXPANDED}"
        )
    );
    assert_eq!(read(root, "mail/approve.html"), PLACEHOLDER);
}

/// `--out-dir` never loses a result, never replaces an input, and a walk does not read back
/// what an earlier run wrote into the tree it walks.
#[test]
fn out_dir_refuses_what_would_lose_a_file() {
    let project = project();
    let root = project.path();
    std::fs::create_dir_all(root.join("work/mail")).unwrap();
    std::fs::write(root.join("work/mail/approve.html"), CLEAN).unwrap();
    // `../mail/approve.html` and `mail/approve.html` both mirror to `out/mail/approve.html`.
    let work = root.join("work");
    let both = ddlink(
        &[
            "fix",
            "--out-dir",
            "out",
            "../mail/approve.html",
            "mail/approve.html",
        ],
        &work,
        None,
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("`mail/approve.html` was not fixed: under --out-dir"),
        "{}",
        text(&both.stderr)
    );
    assert_eq!(read(&work, "out/mail/approve.html"), EXPANDED);
    // Into the folder it reads from: the file would be replaced without the checks of a fix
    // in place.
    let over = ddlink(&["fix", "--out-dir", ".", "mail/approve.html"], root, None);
    assert_eq!(over.status.code(), Some(2));
    assert!(text(&over.stderr).contains("--out-dir would write its result over the file itself"));
    assert_eq!(read(root, "mail/approve.html"), PLACEHOLDER);
    // Into the folder it walks: its results would land among its templates, `mail/mail/…`.
    let into_itself = ddlink(&["fix", "--out-dir", "mail", "mail"], root, None);
    assert_eq!(into_itself.status.code(), Some(2));
    assert!(
        text(&into_itself.stderr).starts_with("error: --out-dir `mail` is the folder being fixed"),
        "{}",
        text(&into_itself.stderr)
    );
    assert!(!root.join("mail/mail").exists());
    assert_eq!(read(root, "mail/approve.html"), PLACEHOLDER);
    // No paths is the current folder: refused as when it is named.
    let implicit = ddlink(&["fix", "--out-dir", "."], &root.join("mail"), None);
    assert_eq!(
        implicit.status.code(),
        Some(2),
        "{}",
        text(&implicit.stderr)
    );
    assert!(
        text(&implicit.stderr).starts_with("error: --out-dir `.` is the folder being fixed, `.`"),
        "{}",
        text(&implicit.stderr)
    );
    assert_eq!(read(root, "mail/approve.html"), PLACEHOLDER);
    // Run twice over the tree that holds its output: the second run does not read the first's.
    for _ in 0..2 {
        let again = ddlink(&["fix", "--out-dir", "fixed", "."], root, None);
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    }
    assert!(!root.join("fixed/fixed").exists());
    assert_eq!(read(root, "fixed/mail/approve.html"), EXPANDED);
    // Named through a symlink to it, the folder is left out all the same.
    #[cfg(unix)]
    {
        std::fs::create_dir(root.join("mail/built")).unwrap();
        std::os::unix::fs::symlink("mail/built", root.join("built-link")).unwrap();
        for _ in 0..2 {
            let linked = ddlink(&["fix", "--out-dir", "built-link", "mail"], root, None);
            assert_eq!(linked.status.code(), Some(0), "{}", text(&linked.stderr));
        }
        assert!(root.join("mail/built/mail/approve.html").is_file());
        assert!(!root.join("mail/built/mail/built").exists());
    }
}

#[test]
fn out_dir_mirrors_the_input_tree() {
    let project = project();
    let root = project.path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for (file, mode) in [("mail/approve.html", 0o640), ("mail/clean.html", 0o755)] {
            std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
    }
    let output = ddlink(&["fix", "--out-dir", "build", "mail"], root, None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(read(root, "build/mail/approve.html"), EXPANDED);
    assert_eq!(read(root, "build/mail/clean.html"), CLEAN);
    // Written with the permissions of the template each comes from (not a temporary file's).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |file: &str| {
            std::fs::metadata(root.join(file))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("build/mail/approve.html"), 0o640);
        assert_eq!(mode("build/mail/clean.html"), 0o755);
    }
    assert_eq!(
        read(root, "mail/approve.html"),
        PLACEHOLDER,
        "the input is untouched"
    );
}

/// An `--out-dir` inside the tree being fixed is left out of the walk (its results are not
/// templates), and a run that leaves files there says how many; named, they are fixed.
#[test]
fn out_dir_inside_the_walked_tree_is_left_out_and_said() {
    let project = project();
    let root = project.path();
    std::fs::create_dir_all(root.join("mail/archive")).unwrap();
    std::fs::write(root.join("mail/archive/old.html"), PLACEHOLDER).unwrap();

    let output = ddlink(&["fix", "--out-dir", "mail/archive", "mail"], root, None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(
            "ddlink: note: 1 file under --out-dir `mail/archive` left out of the walk, as that folder holds results (name it to fix what is there)"
        ),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(read(root, "mail/archive/mail/approve.html"), EXPANDED);
    assert_eq!(read(root, "mail/archive/old.html"), PLACEHOLDER);
    // Quiet: nothing said. The results are left out as well, now two more files.
    let quiet = ddlink(
        &["fix", "-q", "--out-dir", "mail/archive", "mail"],
        root,
        None,
    );
    assert_eq!(text(&quiet.stderr), "");
    let again = ddlink(&["fix", "--out-dir", "mail/archive", "mail"], root, None);
    assert!(
        text(&again.stderr).contains("ddlink: note: 3 files under --out-dir"),
        "{}",
        text(&again.stderr)
    );
}

/// DD406's help names where the outer link opens by line and column, in the file as
/// read (`fix --check`, the findings placed in the input) as in the file as written.
#[test]
fn a_nested_links_help_names_the_outer_link_by_line_and_column() {
    let project = project();
    let root = project.path();
    std::fs::write(
        root.join("mail/nested.html"),
        "<p>{{deeplink name='ticket_list'}}</p><a href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes\">outer\n<a href=\"https://acme.deskdirector.com/portal/deeplink?name=invoices\">inner</a></a>\n",
    )
    .unwrap();
    let help = |args: &[&str]| {
        let output = ddlink(args, root, None);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "DD406")
            .map(|d| d["help"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let outer = "close the outer link (opened at line 1, column {}) first, or remove one of them";
    assert_eq!(
        help(&["check", "--format", "json", "mail/nested.html"]),
        outer.replace("{}", "39")
    );
    assert_eq!(
        help(&["fix", "--check", "--format", "json", "mail/nested.html"]),
        outer.replace("{}", "39")
    );
    // Fixed in place: the findings left are placed in the file as written.
    let expanded_len =
        "<p>https://acme.deskdirector.com/portal/deeplink?name=ticket_list</p>".len();
    assert_eq!(
        help(&["fix", "--format", "json", "mail/nested.html"]),
        outer.replace("{}", &(expanded_len + 1).to_string())
    );
}

#[test]
fn save_hook_always_returns_the_whole_document() {
    let project = project();
    let root = project.path();
    let hook = |args: &[&str], input: &str| ddlink(args, root, Some(input.as_bytes()));

    let fixed = hook(
        &["fix", "-", "--stdin-filename", "mail/new.html"],
        PLACEHOLDER,
    );
    assert_eq!(fixed.status.code(), Some(0));
    assert_eq!(text(&fixed.stdout), EXPANDED);

    // Unfixable findings: the document still comes back, findings on stderr, exit 0.
    let unfixable = hook(
        &["fix", "-", "--stdin-filename", "mail/new.html"],
        UNFIXABLE,
    );
    assert_eq!(unfixable.status.code(), Some(0));
    assert_eq!(text(&unfixable.stdout), UNFIXABLE);
    assert!(
        text(&unfixable.stderr).contains("DD106"),
        "{}",
        text(&unfixable.stderr)
    );

    // An excluded file is echoed unchanged.
    let excluded = hook(
        &[
            "fix",
            "-",
            "--force-exclude",
            "--stdin-filename",
            "archive/x.html",
        ],
        PLACEHOLDER,
    );
    assert_eq!(excluded.status.code(), Some(0));
    assert_eq!(text(&excluded.stdout), PLACEHOLDER);

    // A fatal error: nothing on stdout, exit 2.
    let utf16 = ddlink(&["fix", "-"], root, Some(b"\xff\xfe<\0p\0>\0"));
    assert_eq!(utf16.status.code(), Some(2));
    assert!(utf16.stdout.is_empty());
    std::fs::write(root.join("mail/ddlink.toml"), "psa = \"halo\"\n").unwrap();
    let bad_config = hook(
        &["fix", "-", "--stdin-filename", "mail/new.html"],
        PLACEHOLDER,
    );
    assert_eq!(bad_config.status.code(), Some(2));
    assert!(bad_config.stdout.is_empty());
    assert!(text(&bad_config.stderr).contains("halo"));
}

/// An excluded buffer comes back byte for byte whatever its bytes: the exclusion is decided
/// by its name, before its content is looked at (UTF-16 or binary, refused first, came back
/// as nothing), and held in memory or spilled to a temporary file alike. `fix --check -` and
/// `fix --diff -` skip it as `check -` does, saying nothing of its bytes.
#[test]
fn an_excluded_buffer_is_echoed_whatever_its_bytes() {
    let project = project();
    let root = project.path();
    let large = |head: &[u8]| {
        let mut buffer = head.to_vec();
        buffer.resize(5 * 1024 * 1024, b'x');
        buffer
    };
    let buffers = [
        b"\xff\xfe<\x00p\x00>\x00".to_vec(),
        b"<p>\0</p>".to_vec(),
        large(b"\xff\xfe<\x00p\x00>\x00"),
        large(b"<p>\0</p>"),
    ];
    for buffer in &buffers {
        let what = format!("{:?}…", text(&buffer[..8]));
        let hook = ddlink(
            &["fix", "-", "--stdin-filename", "archive/x.html"],
            root,
            Some(buffer),
        );
        assert_eq!(
            hook.status.code(),
            Some(0),
            "{what}: {}",
            text(&hook.stderr)
        );
        assert!(hook.stdout == *buffer, "{what}: not echoed byte for byte");
        for mode in ["--check", "--diff"] {
            let judged = ddlink(
                &["fix", mode, "-", "--stdin-filename", "archive/x.html"],
                root,
                Some(buffer),
            );
            let stderr = text(&judged.stderr);
            assert_eq!(judged.status.code(), Some(0), "{what} {mode}: {stderr}");
            assert!(!stderr.contains("skipped"), "{what} {mode}: {stderr}");
            assert!(!text(&judged.stdout).contains("---"), "{what} {mode}");
        }
    }
}

#[test]
fn a_placeholder_that_cannot_be_met_is_left_as_it_is() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("mail/ddlink.toml"), "psa = \"connectwise\"\n").unwrap();
    std::fs::write(
        root.join("mail/web.html"),
        "<dd-link name=\"quotes\">Quotes</dd-link>\n",
    )
    .unwrap();
    let output = ddlink(&["fix", "--format", "concise", "mail/web.html"], root, None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        read(root, "mail/web.html"),
        "<dd-link name=\"quotes\">Quotes</dd-link>\n"
    );
    assert!(
        text(&output.stdout).contains("DD411 a web link needs the portal"),
        "{}",
        text(&output.stdout)
    );
}

#[cfg(unix)]
#[test]
fn files_that_must_not_be_replaced_are_reported_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let project = project();
    let root = project.path();
    let mail = root.join("mail");

    std::fs::write(mail.join("readonly.html"), PLACEHOLDER).unwrap();
    std::fs::set_permissions(
        mail.join("readonly.html"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    std::fs::write(mail.join("linked.html"), PLACEHOLDER).unwrap();
    std::fs::hard_link(mail.join("linked.html"), root.join("second-name.html")).unwrap();
    std::fs::write(mail.join("target.html"), PLACEHOLDER).unwrap();
    std::os::unix::fs::symlink("target.html", mail.join("alias.html")).unwrap();

    for (file, reason) in [
        ("mail/readonly.html", "it is read-only"),
        ("mail/linked.html", "more than one hard link"),
        ("mail/alias.html", "it is a symbolic link"),
    ] {
        let output = ddlink(&["fix", file], root, None);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(
            text(&output.stderr).contains(reason),
            "{file}: {}",
            text(&output.stderr)
        );
        // Checked, not written: the summary says which.
        let summary = text(&output.stdout);
        assert!(
            summary.contains("in 1 file. 1 file could not be written.")
                && !summary.contains("could not be checked"),
            "{file}: {summary}"
        );
    }
    // Their findings are reported all the same, as those of the file as it stays (in memory
    // and streamed).
    for (file, padding) in [("mail/both.html", 0), ("mail/large.html", 5 << 20)] {
        let content = format!("{}{PLACEHOLDER}{UNFIXABLE}", " ".repeat(padding));
        std::fs::write(root.join(file), &content).unwrap();
        std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(0o444)).unwrap();
        let output = ddlink(&["fix", "--format", "concise", file], root, None);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert_reports_its_findings(&output, file);
        assert_eq!(read(root, file), content);
    }
    assert_eq!(read(root, "mail/readonly.html"), PLACEHOLDER);
    assert_eq!(read(root, "mail/linked.html"), PLACEHOLDER);
    assert_eq!(read(root, "mail/target.html"), PLACEHOLDER);
    // Root may write read-only files anyway; the mode is what ddlink respects.
    assert_eq!(
        std::fs::metadata(mail.join("readonly.html"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o444
    );

    let followed = ddlink(&["fix", "--follow-symlinks", "mail/alias.html"], root, None);
    assert_eq!(
        followed.status.code(),
        Some(0),
        "{}",
        text(&followed.stderr)
    );
    assert_eq!(read(root, "mail/target.html"), EXPANDED);
    assert!(
        std::fs::symlink_metadata(mail.join("alias.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Give `path` the permission bits `mode`.
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether a test may run ddlink as another user, `nobody`: as root, with setpriv.
#[cfg(unix)]
fn can_run_as_nobody() -> bool {
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|id| text(&id.stdout).trim() == "0");
    as_root && Command::new("setpriv").arg("--version").output().is_ok()
}

/// ddlink with `args`, in `dir`, run as `nobody` (see [`can_run_as_nobody`]).
#[cfg(unix)]
fn ddlink_as_nobody(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Another user's file, or a file in a folder this user may not write, is reported, not taken
/// over: its mode bits alone allow it. Run as root, the binary is run as `nobody` (setpriv);
/// elsewhere there is no other user to be.
#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn another_users_files_are_reported_not_taken_over() {
    if !can_run_as_nobody() {
        eprintln!("skipped: needs root and setpriv, to run ddlink as another user");
        return;
    }
    let project = project();
    let root = project.path();
    set_mode(root, 0o755);
    set_mode(&root.join("mail"), 0o755);
    let shared = root.join("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o1777);
    let content = format!("{PLACEHOLDER}{UNFIXABLE}");
    for file in ["shared/theirs.html", "mail/writable.html"] {
        std::fs::write(root.join(file), &content).unwrap();
    }
    set_mode(&root.join("shared/theirs.html"), 0o644);
    set_mode(&root.join("mail/writable.html"), 0o666);
    for (file, reason) in [
        ("shared/theirs.html", "you may not write it"),
        ("mail/writable.html", "you may not write into its folder"),
    ] {
        let output = ddlink_as_nobody(&["fix", "--format", "concise", file], root);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(
            text(&output.stderr).contains(reason),
            "{file}: {}",
            text(&output.stderr)
        );
        // Its findings are reported all the same.
        assert_reports_its_findings(&output, file);
        assert_eq!(read(root, file), content);
        let owner =
            std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(root.join(file)).unwrap());
        assert_eq!(owner, 0, "{file}");
    }
}

/// A file everyone may write, in a folder everyone may write, is still not taken over when it
/// is another user's or its group is one the runner is not in: the fixed copy that would
/// replace it could not keep them. Run as root, the binary is run as `nobody` (setpriv).
#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn a_writable_file_whose_owner_could_not_be_kept_is_not_written() {
    use std::os::unix::fs::MetadataExt;
    if !can_run_as_nobody() {
        eprintln!("skipped: needs root and setpriv, to run ddlink as another user");
        return;
    }
    let project = project();
    let root = project.path();
    set_mode(root, 0o755);
    // Not sticky: the rename over another user's file would be allowed.
    let open = root.join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let content = format!("{PLACEHOLDER}{UNFIXABLE}");
    for (file, owner, reason, help) in [
        (
            "open/theirs.html",
            (1234, 1234),
            "it is another user's, and its owner could not be kept",
            "ask its owner, or use --out-dir",
        ),
        (
            "open/group.html",
            (65534, 0),
            "its group could not be kept (you are not a member of it)",
            "use --out-dir, or --diff and apply the change yourself",
        ),
    ] {
        let path = root.join(file);
        std::fs::write(&path, &content).unwrap();
        std::os::unix::fs::chown(&path, Some(owner.0), Some(owner.1)).unwrap();
        set_mode(&path, 0o666);
        let output = ddlink_as_nobody(&["fix", "--format", "concise", file], root);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert_eq!(
            text(&output.stderr),
            format!(
                "ddlink::not_written\n\n  × `{file}` was not written: {reason}\n  help: {help}\n"
            ),
        );
        assert_reports_its_findings(&output, file);
        assert_eq!(read(root, file), content);
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), owner, "{file}");
    }
    let left = std::fs::read_dir(&open)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".ddlink-"))
        .collect::<Vec<_>>();
    assert_eq!(left, Vec::<String>::new(), "no temporary file left");
}

/// An immutable or append-only file (`chattr +i`, `+a`) is refused to anyone, root too, and
/// the runner's own is not said to be another user's. Setting the flag needs root and a file
/// system that has it.
#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn an_immutable_file_of_ones_own_is_not_said_to_be_another_users() {
    let project = project();
    let root = project.path();
    let file = "mail/approve.html";
    let flag = |flag: &str| {
        Command::new("chattr")
            .arg(flag)
            .arg(root.join(file))
            .output()
            .is_ok_and(|output| output.status.success())
    };
    for (set, clear) in [("+i", "-i"), ("+a", "-a")] {
        if !flag(set) {
            eprintln!(
                "skipped: `chattr {set}` failed (needs root, and a file system with the flag)"
            );
            return;
        }
        let output = ddlink(&["fix", file], root, None);
        // Cleared before anything can fail, or the test's folder could not be removed.
        assert!(flag(clear));
        assert_eq!(output.status.code(), Some(2), "{set}");
        assert_eq!(
            text(&output.stderr),
            "ddlink::not_written\n\n  × `mail/approve.html` was not written: the system refused to replace it (Operation not\n  │ permitted): is it immutable or append-only? (`lsattr`)\n  help: if it may change, clear the flag (`chattr -i -a`), or use --out-dir\n",
            "{set}"
        );
        assert_eq!(read(root, file), PLACEHOLDER, "{set}");
        let names = std::fs::read_dir(root.join("mail"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".ddlink-"))
            .collect::<Vec<_>>();
        assert_eq!(names, Vec::<String>::new(), "{set}: no temporary file left");
    }
}

/// `output` (concise) reports the findings of `file` as written in these tests, holding
/// `PLACEHOLDER` and `UNFIXABLE`.
fn assert_reports_its_findings(output: &Output, file: &str) {
    let shown = text(&output.stdout);
    assert!(
        shown.contains(&format!(
            "{file}:2:60: DD106 `aprove` is not a ticket action"
        )),
        "{file}: {shown}"
    );
    assert!(shown.contains("DD403"), "{file}: {shown}");
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let project = project();
    let root = project.path();
    std::fs::set_permissions(
        root.join("mail/approve.html"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let output = ddlink(&["fix", "mail/approve.html"], root, None);
    assert_eq!(output.status.code(), Some(0));
    let mode = std::fs::metadata(root.join("mail/approve.html"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

/// The value of the extended attribute `name` of `path`, if it has one.
#[cfg(target_os = "linux")]
fn attribute(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut value = vec![0; 4096];
    let length = rustix::fs::getxattr(path, name, &mut value[..]).ok()?;
    value.truncate(length);
    Some(value)
}

/// An access control list giving user 1234 read and write, with mask rw- (the group's bits of
/// the mode): `system.posix_acl_access` as the kernel takes it.
#[cfg(target_os = "linux")]
fn access_control_list() -> Vec<u8> {
    const ANYONE: u32 = u32::MAX;
    let mut list = 2u32.to_le_bytes().to_vec();
    // (tag, permissions, id): owner, user 1234, group, mask, others.
    for (tag, permissions, id) in [
        (0x01u16, 6u16, ANYONE),
        (0x02, 6, 1234),
        (0x04, 4, ANYONE),
        (0x10, 6, ANYONE),
        (0x20, 4, ANYONE),
    ] {
        list.extend_from_slice(&tag.to_le_bytes());
        list.extend_from_slice(&permissions.to_le_bytes());
        list.extend_from_slice(&id.to_le_bytes());
    }
    list
}

/// The extended attributes of a template (a `user.*` note, an access control list) are kept
/// by a fix in place, and so is its mode, which the list's mask is part of.
#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn extended_attributes_are_kept() {
    use rustix::fs::{XattrFlags, setxattr};
    use std::os::unix::fs::PermissionsExt;
    let project = project();
    let root = project.path();
    let path = root.join("mail/approve.html");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    if let Err(error) = setxattr(&path, "user.ddlink-test", b"kept", XattrFlags::empty()) {
        eprintln!("skipped: this file system takes no user.* extended attribute ({error})");
        return;
    }
    let list = access_control_list();
    let with_list = setxattr(&path, "system.posix_acl_access", &list, XattrFlags::empty());
    if let Err(error) = &with_list {
        eprintln!("access control list not tested: this file system takes none ({error})");
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    let output = ddlink(&["fix", "mail/approve.html"], root, None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(read(root, "mail/approve.html"), EXPANDED);
    assert_eq!(
        attribute(&path, "user.ddlink-test").as_deref(),
        Some(&b"kept"[..])
    );
    if with_list.is_ok() {
        assert_eq!(
            attribute(&path, "system.posix_acl_access"),
            Some(list),
            "the access control list"
        );
    }
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode(), mode);
}

/// A template with an extended attribute the runner may not give the fixed copy (a file
/// capability, which only root may set) is reported, not written: replaced, it would lose
/// it. Run as root, the binary is run as `nobody` (setpriv), the owner of the file.
#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn an_extended_attribute_that_cannot_be_kept_stops_the_write() {
    use rustix::fs::{XattrFlags, setxattr};
    if !can_run_as_nobody() {
        eprintln!("skipped: needs root and setpriv, to run ddlink as another user");
        return;
    }
    let project = project();
    let root = project.path();
    set_mode(root, 0o755);
    let open = root.join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let path = open.join("capable.html");
    let content = format!("{PLACEHOLDER}{UNFIXABLE}");
    std::fs::write(&path, &content).unwrap();
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    // Version 2 of the kernel's capability set: CAP_NET_BIND_SERVICE permitted.
    let capability: Vec<u8> = [0x0200_0000u32, 1 << 10, 0, 0, 0]
        .iter()
        .flat_map(|word| word.to_le_bytes())
        .collect();
    if let Err(error) = setxattr(
        &path,
        "security.capability",
        &capability,
        XattrFlags::empty(),
    ) {
        eprintln!("skipped: this file system takes no file capability ({error})");
        return;
    }
    let output = ddlink_as_nobody(&["fix", "--format", "concise", "open/capable.html"], root);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "ddlink::not_written\n\n  × `open/capable.html` was not written: its extended attribute `security.capability` (a security\n  │ attribute) could not be kept: Operation not permitted (os error 1)\n  help: use --out-dir, or --diff and apply the change yourself\n"
    );
    assert_reports_its_findings(&output, "open/capable.html");
    assert_eq!(read(root, "open/capable.html"), content);
    assert_eq!(attribute(&path, "security.capability"), Some(capability));
    let left = std::fs::read_dir(&open)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".ddlink-"))
        .collect::<Vec<_>>();
    assert_eq!(left, Vec::<String>::new(), "no temporary file left");
}

/// The owner and group stay the file's: a template fixed by root stays its user's. Only root
/// may give a file away, so the owner is checked when the tests run as root (as CI does); the
/// group, which the owner keeps anyway, otherwise.
#[cfg(unix)]
#[test]
fn owner_and_group_are_kept() {
    use std::os::unix::fs::MetadataExt;
    let project = project();
    let root = project.path();
    let path = root.join("mail/approve.html");
    let me = std::fs::metadata(&path).unwrap();
    let wanted = if me.uid() == 0 {
        std::os::unix::fs::chown(&path, Some(1000), Some(1000)).unwrap();
        (1000, 1000)
    } else {
        (me.uid(), me.gid())
    };
    let output = ddlink(&["fix", "mail/approve.html"], root, None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(read(root, "mail/approve.html"), EXPANDED);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!((after.uid(), after.gid()), wanted);
}

/// A template over 4 MiB, which `fix` streams through temporary files instead of reading it
/// whole: placeholders, a safe fix (`&` before `quote_id`), a finding without a fix, and
/// two fixes in one link.
fn large_template() -> Vec<u8> {
    let block = format!(
        "<tr><td>\n{PLACEHOLDER}<a href=\"https://acme.deskdirector.com/portal/deeplink?name=quote&quote_id=[srnumber]\">Quote</a>\n{UNFIXABLE}{CLEAN}<a href=\"HTTPS://acme.deskdirector.com/portal/deeplink?Name=ticket&ticket_id=[srnumber]\">T</a>\n</td></tr>\n{}",
        // Mostly text, so that the test stays quick in a debug build.
        "<p>Your ticket was updated by the service desk.</p>\n".repeat(200)
    );
    let mut template = b"<html><body><table>\n".to_vec();
    while template.len() < 4 * 1024 * 1024 + 100_000 {
        template.extend_from_slice(block.as_bytes());
    }
    template.extend_from_slice(b"</table></body></html>\n");
    template
}

#[test]
fn a_large_file_is_fixed_as_a_small_one_would_be() {
    let project = project();
    let root = project.path();
    let template = large_template();
    std::fs::write(root.join("mail/big.html"), &template).unwrap();
    // The save hook fixes in memory: what the streamed fix must give.
    let hook = ddlink(
        &["fix", "-", "--stdin-filename", "mail/big.html"],
        root,
        Some(&template),
    );
    assert_eq!(hook.status.code(), Some(0), "{}", text(&hook.stderr));
    let expected = hook.stdout;
    assert!(expected != template && expected.len() > template.len());

    // --out-dir: the same bytes, and the findings that remain placed in the file as read, as
    // --check places them.
    let out_dir = ddlink(
        &[
            "fix",
            "--format",
            "concise",
            "--out-dir",
            "build",
            "mail/big.html",
        ],
        root,
        None,
    );
    assert_eq!(out_dir.status.code(), Some(1), "{}", text(&out_dir.stderr));
    assert!(std::fs::read(root.join("build/mail/big.html")).unwrap() == expected);
    let remaining = ddlink(
        &["fix", "--check", "--format", "concise", "mail/big.html"],
        root,
        None,
    );
    let report = |output: &Output| {
        text(&output.stdout)
            .lines()
            .filter(|line| line.contains(": DD"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(!report(&remaining).is_empty());
    assert_eq!(report(&out_dir), report(&remaining));

    // --check: nothing written.
    let check = ddlink(&["fix", "--check", "mail/big.html"], root, None);
    assert_eq!(check.status.code(), Some(1));
    assert!(text(&check.stdout).contains("Would fix: mail/big.html"));
    assert!(std::fs::read(root.join("mail/big.html")).unwrap() == template);

    // In place: the fixed bytes, no temporary file left beside it.
    let in_place = ddlink(&["fix", "mail/big.html"], root, None);
    assert_eq!(
        in_place.status.code(),
        Some(1),
        "{}",
        text(&in_place.stderr)
    );
    assert!(std::fs::read(root.join("mail/big.html")).unwrap() == expected);
    let mut left: Vec<String> = std::fs::read_dir(root.join("mail"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["approve.html", "big.html", "clean.html"]);

    // Fixed already: not written again, and copied as it is to --out-dir.
    let before = std::fs::metadata(root.join("mail/big.html")).unwrap();
    let again = ddlink(&["fix", "mail/big.html"], root, None);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    let after = std::fs::metadata(root.join("mail/big.html")).unwrap();
    assert_eq!(before.modified().unwrap(), after.modified().unwrap());
    let copied = ddlink(&["fix", "--out-dir", "copy", "mail/big.html"], root, None);
    assert_eq!(copied.status.code(), Some(1), "{}", text(&copied.stderr));
    assert!(std::fs::read(root.join("copy/mail/big.html")).unwrap() == expected);
}

#[cfg(unix)]
#[test]
fn a_large_read_only_file_is_refused_only_when_it_would_change() {
    use std::os::unix::fs::PermissionsExt;
    let project = project();
    let root = project.path();
    let template = large_template();
    let path = root.join("mail/big.html");
    std::fs::write(&path, &template).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let refused = ddlink(&["fix", "mail/big.html"], root, None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("it is read-only"),
        "{}",
        text(&refused.stderr)
    );
    assert!(std::fs::read(&path).unwrap() == template);
    assert_eq!(std::fs::read_dir(root.join("mail")).unwrap().count(), 3);

    let clean = CLEAN.repeat(4 * 1024 * 1024 / CLEAN.len() + 1);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&path, &clean).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let unchanged = ddlink(&["fix", "mail/big.html"], root, None);
    assert_eq!(
        unchanged.status.code(),
        Some(0),
        "{}",
        text(&unchanged.stderr)
    );
}

/// Gives its bytes a few at a time and cannot seek, like a pipe.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(buffer.len()).min(4093);
        buffer[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn library_rewriter() -> ddlink::Rewriter {
    ddlink::Rewriter::new(ddlink::RewriterOptions {
        settings: ddlink::rules::RuleSettings::new(
            Some(ddlink::Portal::parse("https://acme.deskdirector.com").unwrap()),
            Some("connectwise".parse().unwrap()),
        ),
        ..ddlink::RewriterOptions::default()
    })
}

#[test]
fn the_library_fixes_from_a_reader_into_a_writer_whatever_the_size() {
    let rewriter = library_rewriter();
    let small = format!("{PLACEHOLDER}{UNFIXABLE}");
    // Held in memory, and (over ddlink::rewrite::FIX_IN_MEMORY) through temporary files.
    for input in [small.into_bytes(), large_template()] {
        let in_memory = rewriter.fix_bytes(&input, false);
        assert!(in_memory.changed);
        let mut written = Vec::new();
        let piped = rewriter.fix(Trickle(&input), &mut written, false).unwrap();
        assert!(written == in_memory.output, "{} bytes", input.len());
        assert_eq!(piped.analysis, in_memory.analysis);
        assert!(
            piped
                .analysis
                .diagnostics
                .iter()
                .any(|d| d.code() == "DD106")
        );
        assert_eq!(piped.input_secrets, in_memory.input_secrets);
        assert_eq!(
            (piped.fixed, piped.expanded, piped.changed),
            (in_memory.fixed, in_memory.expanded, true)
        );
        assert_eq!(piped.read, input.len() as u64);
        assert_eq!(piped.written, written.len() as u64);

        // Nothing to fix: the input goes through as it was.
        let mut again = Vec::new();
        let unchanged = rewriter.fix(&written[..], &mut again, false).unwrap();
        assert!(!unchanged.changed && again == written);
    }
}

/// Fails after giving `good` bytes.
struct Broken<'a> {
    good: &'a [u8],
}

impl std::io::Read for Broken<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.good.is_empty() {
            return Err(std::io::Error::other("the pipe broke"));
        }
        let n = self.good.len().min(buffer.len());
        buffer[..n].copy_from_slice(&self.good[..n]);
        self.good = &self.good[n..];
        Ok(n)
    }
}

#[test]
fn the_library_writes_nothing_when_the_reader_fails() {
    let rewriter = library_rewriter();
    let large = large_template();
    for good in [PLACEHOLDER.as_bytes(), &large[..]] {
        let mut written = Vec::new();
        let error = rewriter
            .fix(Broken { good }, &mut written, false)
            .unwrap_err();
        assert_eq!(error.to_string(), "the pipe broke");
        assert!(written.is_empty());
    }
}

/// A file whose result cannot be written (here, `--out-dir` names a file) is an error of the
/// run, and its findings are reported all the same, held in memory or streamed.
#[test]
fn findings_are_reported_when_writing_fails() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("taken"), "not a folder").unwrap();
    let content = format!("{PLACEHOLDER}{UNFIXABLE}");
    std::fs::write(root.join("mail/small.html"), &content).unwrap();
    let large = format!("{}{content}", " ".repeat(5 << 20));
    std::fs::write(root.join("mail/large.html"), &large).unwrap();
    for file in ["mail/small.html", "mail/large.html"] {
        let output = ddlink(
            &["fix", "--format", "concise", "--out-dir", "taken", file],
            root,
            None,
        );
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(
            text(&output.stderr).contains("cannot write"),
            "{file}: {}",
            text(&output.stderr)
        );
        assert_reports_its_findings(&output, file);
    }
}
