//! End-to-end tests of the `ddlink` binary: exit codes, output formats, bad inputs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ddlink(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ddlink_stdin(args: &[&str], input: &[u8]) -> Output {
    ddlink_stdin_in(args, Path::new("."), input)
}

/// `ddlink` run in `dir` with `input` on standard input.
fn ddlink_stdin_in(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run that refuses its arguments exits without reading: the pipe may be closed.
    if let Err(error) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

const CLEAN: &str = r#"<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]">View</a>"#;
const TYPO: &str = r#"<p>
  <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=aprove">Approve</a>
</p>
"#;
const WARNING_ONLY: &str = r#"<a href="ddportal://name=ticket_list">Tickets</a>"#;

#[test]
fn exit_codes_follow_severity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.html"), CLEAN).unwrap();
    std::fs::write(dir.path().join("typo.html"), TYPO).unwrap();
    std::fs::write(dir.path().join("warn.html"), WARNING_ONLY).unwrap();

    let clean = ddlink(&["check", "clean.html"], dir.path());
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean.stdout), "All clear: no findings in 1 file.\n");

    let warn = ddlink(&["check", "warn.html"], dir.path());
    assert_eq!(warn.status.code(), Some(0), "warnings alone do not fail");

    let typo = ddlink(&["check", "typo.html"], dir.path());
    assert_eq!(typo.status.code(), Some(1));
    assert!(text(&typo.stdout).contains("did you mean `approve`?"));

    let zero = ddlink(&["check", "--exit-zero", "typo.html"], dir.path());
    assert_eq!(zero.status.code(), Some(0));
}

#[test]
fn a_missing_file_is_exit_2_and_the_others_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.html"), TYPO).unwrap();
    let output = ddlink(
        &["check", "--format", "concise", "missing.html", "typo.html"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot read `missing.html`"), "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
    assert_eq!(
        text(&output.stdout),
        "typo.html:2:106: DD106 `aprove` is not a ticket action\n"
    );
}

#[test]
fn json_matches_the_contract_field_for_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.html"), TYPO).unwrap();
    std::fs::write(dir.path().join("clean.html"), CLEAN).unwrap();
    let output = ddlink(
        &["check", "--format", "json", "clean.html", "typo.html"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let offset = TYPO.find("aprove").unwrap();
    let expected = serde_json::json!({
        "version": 1,
        "summary": {"files": 2, "errors": 1, "warnings": 0, "infos": 0, "fixable": 0, "changed": 0},
        "diagnostics": [{
            "path": "typo.html",
            "code": "DD106",
            "name": "invalid-action",
            "severity": "error",
            "message": "`aprove` is not a ticket action",
            "help": "did you mean `approve`?",
            "span": {"start": offset, "end": offset + 6},
            "line": 2,
            "column": 106,
            "fix": {"safe": false, "edits": [{"start": offset, "end": offset + 6, "content": "approve"}]}
        }]
    });
    assert_eq!(json, expected);
    // The line and column point at the value itself.
    let line = TYPO.lines().nth(1).unwrap();
    assert_eq!(&line[105..111], "aprove");
}

#[test]
fn json_column_counts_characters_and_absent_fields_are_null() {
    let input = "<p>héllo wörld</p><a href=\"ddportal://name=tiket\">x</a>";
    let output = ddlink_stdin(&["check", "--format", "json", "-"], input.as_bytes());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let unknown = diagnostics.iter().find(|d| d["code"] == "DD101").unwrap();
    let byte = input.find("tiket").unwrap();
    assert_eq!(unknown["span"]["start"], byte);
    assert_eq!(unknown["column"], input[..byte].chars().count() + 1);
    assert_eq!(unknown["path"], "-");
    let desktop = diagnostics.iter().find(|d| d["code"] == "DD403").unwrap();
    assert!(desktop["fix"].is_null());
}

#[test]
fn stdin_with_a_filename_reads_plain_text() {
    let input = b"Approve: https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]&action=aprove\n";
    let output = ddlink_stdin(
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "mail.txt",
            "-",
        ],
        input,
    );
    assert_eq!(output.status.code(), Some(1));
    // Plain text: no HTML escaping rule, only the typo.
    assert_eq!(
        text(&output.stdout),
        "mail.txt:1:96: DD106 `aprove` is not a ticket action\n"
    );
}

#[test]
fn directories_are_walked_for_templates_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("b")).unwrap();
    std::fs::create_dir_all(root.join(".hidden")).unwrap();
    std::fs::write(root.join("b/z.html"), TYPO).unwrap();
    std::fs::write(root.join("a.mjml"), TYPO).unwrap();
    std::fs::write(root.join("notes.md"), TYPO).unwrap();
    std::fs::write(root.join(".hidden/x.html"), TYPO).unwrap();
    std::fs::write(root.join("ignored.html"), TYPO).unwrap();
    std::fs::write(root.join(".gitignore"), "ignored.html\n").unwrap();
    // As in ruff and ripgrep, an `.ignore` file counts as a `.gitignore`.
    std::fs::write(root.join("b/also-ignored.html"), TYPO).unwrap();
    std::fs::write(root.join("b/.ignore"), "also-ignored.html\n").unwrap();
    let output = ddlink(&["check", "--format", "concise", "."], root);
    let paths: Vec<String> = text(&output.stdout)
        .lines()
        .map(|l| l.split(':').next().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["a.mjml", "b/z.html"]);
    let no_paths = ddlink(&["check", "--format", "concise"], root);
    assert_eq!(
        no_paths.stdout, output.stdout,
        "no PATHS means the current directory"
    );
}

/// The paths a concise report names, in order.
fn reported_paths(output: &Output) -> Vec<String> {
    text(&output.stdout)
        .lines()
        .map(|l| l.split(':').next().unwrap().to_owned())
        .collect()
}

/// In a git repository, as git does, the `.gitignore` files above its root do not apply (a
/// home folder's `*` hid every template), and those in it do, from a walk of a subfolder too;
/// outside any repository, those above the folder walked still apply.
#[test]
fn gitignore_files_apply_up_to_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".gitignore"), "*\n!.gitignore\n").unwrap();
    let site = root.join("projects/site");
    // What `git init` makes, as far as a walk tells a repository.
    std::fs::create_dir_all(site.join(".git")).unwrap();
    std::fs::create_dir_all(site.join("sub")).unwrap();
    std::fs::write(
        site.join("ddlink.toml"),
        "portal = \"https://acme.deskdirector.com\"\n",
    )
    .unwrap();
    std::fs::write(site.join(".gitignore"), "ignored.html\nsub/skipped.html\n").unwrap();
    std::fs::create_dir_all(site.join(".git/info")).unwrap();
    std::fs::write(site.join(".git/info/exclude"), "sub/excluded.html\n").unwrap();
    for name in [
        "t.html",
        "ignored.html",
        "sub/kept.html",
        "sub/skipped.html",
        "sub/excluded.html",
    ] {
        std::fs::write(site.join(name), TYPO).unwrap();
    }
    let whole = ddlink(&["check", "--format", "concise"], &site);
    assert_eq!(whole.status.code(), Some(1), "{}", text(&whole.stderr));
    assert_eq!(reported_paths(&whole), ["sub/kept.html", "t.html"]);
    let sub = ddlink(&["check", "--format", "concise", "."], &site.join("sub"));
    assert_eq!(reported_paths(&sub), ["kept.html"], "{}", text(&sub.stderr));

    let outside = tempfile::tempdir().unwrap();
    let plain = outside.path();
    std::fs::write(plain.join(".gitignore"), "ignored.html\n").unwrap();
    std::fs::create_dir(plain.join("mails")).unwrap();
    for name in ["mails/ignored.html", "mails/kept.html"] {
        std::fs::write(plain.join(name), TYPO).unwrap();
    }
    let walked = ddlink(&["check", "--format", "concise", "."], &plain.join("mails"));
    assert_eq!(
        reported_paths(&walked),
        ["kept.html"],
        "{}",
        text(&walked.stderr)
    );
}

#[test]
fn bad_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("empty.html"), "").unwrap();
    std::fs::write(root.join("binary.html"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(
        root.join("broken.html"),
        "<a href=\"ddportal://name=tiket\" <<<>></p></a <!-- ",
    )
    .unwrap();
    let big = format!(
        "<a href=\"ddportal://name=ticket&amp;ticket_id={}\">x</a>",
        "9".repeat(10 * 1024 * 1024)
    );
    std::fs::write(root.join("big.html"), big).unwrap();
    std::fs::write(root.join("utf16.html"), b"\xff\xfe<\0a\0>\0").unwrap();
    for (file, code) in [
        ("empty.html", 0),
        ("binary.html", 0),
        ("broken.html", 1),
        ("big.html", 1),
        ("utf16.html", 2),
    ] {
        let output = ddlink(&["check", "--format", "concise", file], root);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{file}: {}",
            text(&output.stderr)
        );
        assert!(!text(&output.stderr).contains("panicked"), "{file}");
    }
    let binary = ddlink(&["check", "binary.html"], root);
    assert!(text(&binary.stderr).contains("skipped `binary.html`: binary file"));
    let utf16 = ddlink(&["check", "utf16.html"], root);
    assert!(
        text(&utf16.stderr).contains("UTF-16LE, an unsupported encoding"),
        "{}",
        text(&utf16.stderr)
    );
    let big = ddlink(&["check", "--format", "concise", "big.html"], root);
    assert!(
        text(&big.stdout).contains("DD108"),
        "a 19+ digit id is not an id"
    );
}

#[test]
fn fixes_in_json_and_sarif_leave_the_secret_out() {
    // A fix that rewrites a link around its secret (DD501) keeps the secret out of its
    // edits, and still makes the link with it.
    let legacy = b"<a href=\"ddportal://ticketid=5?access_token=LegacySecret\">v1</a>\n";
    for format in ["json", "sarif"] {
        let output = ddlink_stdin(&["check", "--format", format, "-"], legacy);
        let all = text(&output.stdout);
        assert!(
            all.contains("name=ticket&amp;ticket_id=5"),
            "{format}: {all}"
        );
        assert!(!all.contains("LegacySecret"), "{format}: {all}");
    }
    let gtoken = b"<a href=\"ddportal://ticketid=[srnumber]?gtoken=GlobalSecret\">v1</a>\n";
    let output = ddlink_stdin(&["check", "--format", "json", "-"], gtoken);
    assert!(
        !text(&output.stdout).contains("GlobalSecret"),
        "{}",
        text(&output.stdout)
    );
    // The V1 command becomes V2, but the `?` made `&amp;` would have the app read the token
    // it does not read now: that is for `--unsafe-fixes`.
    assert_eq!(
        text(&ddlink_stdin(&["fix", "-"], legacy).stdout),
        "<a href=\"ddportal://name=ticket&amp;ticket_id=5?access_token=LegacySecret\">v1</a>\n"
    );
    assert_eq!(
        text(&ddlink_stdin(&["fix", "--unsafe-fixes", "-"], legacy).stdout),
        "<a href=\"ddportal://name=ticket&amp;ticket_id=5&amp;access_token=LegacySecret\">v1</a>\n"
    );
    // Not ASCII: cut out all the same. Written with a character reference, or over a line
    // break, the secret is not the same bytes in the fix: the fix is not shown (nor made).
    for (input, secret) in [
        ("ddportal://ticketid=5?access_token=Légacy", "Légacy"),
        ("ddportal://ticketid=5?access_token=Leg&#97;cy", "Legacy"),
        ("ddportal://ticketid=5?access_token=Leg\nacy", "Legacy"),
    ] {
        let input = format!("<a href=\"{input}\">v1</a>\n");
        for format in ["json", "sarif"] {
            let output = ddlink_stdin(&["check", "--format", format, "-"], input.as_bytes());
            let all = text(&output.stdout);
            assert!(all.contains("DD501"), "{format}: {all}");
            assert!(!all.contains(secret), "{format}: {all}");
        }
    }
    // An unquoted `href` whose fix quotes the whole value (DD203: `[Ticket: ID]` has a
    // space): the secret is cut out of that edit too, and the fix still makes the link.
    let unquoted = b"<a href=https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=%5BTicket%3A%20ID%5D&amp;auth_username=[Contact:%20Email%20Address]&amp;auth_token=UnquotedSecret>Open</a>\n";
    let args = [
        "--psa",
        "autotask",
        "--portal",
        "https://acme.deskdirector.com",
    ];
    for format in ["json", "sarif"] {
        let output = ddlink_stdin(
            &[&["check", "--format", format, "-"][..], &args[..]].concat(),
            unquoted,
        );
        let all = text(&output.stdout);
        assert!(all.contains("ticket_id=[Ticket: ID]"), "{format}: {all}");
        assert!(!all.contains("UnquotedSecret"), "{format}: {all}");
    }
    assert_eq!(
        text(&ddlink_stdin(&[&["fix", "-"][..], &args[..]].concat(), unquoted).stdout),
        "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]&amp;auth_username=[Contact: Email Address]&amp;auth_token=UnquotedSecret\">Open</a>\n"
    );
}

/// Secrets the portal does not read as such are masked in every format all the same.
#[test]
fn hidden_secrets_are_masked_in_every_format() {
    // Where character references are not decoded (`amp;auth_password`), under a misspelled
    // key (which DD104 offers to rename), and percent-encoded.
    let inert = br#"<!-- <a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_password=CommentSecret">old</a> -->
<title>https://acme.deskdirector.com/portal/deeplink?name=login&amp;access_token=TitleSecret</title>
<textarea>https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_token=AreaSecret</textarea>
<a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_tokn=TypoSecret&amp;auth%5Fpassword=EncodedSecret">q</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_password%3DEqualsSecret">q</a>
<a href="ddportal://mytickets?auth_password=GluedSecret">q</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=5;auth_p%61ssword=QuotedSecret">q</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=5%3Fauth_password%3DEncodedEqualsSecret">q</a>
<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=5#c1&amp;access_token=FragmentSecret">q</a>
"#;
    for format in ["human", "concise", "json", "sarif", "github", "gitlab"] {
        let output = ddlink_stdin(&["check", "--format", format, "-"], inert);
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(all.contains("DD407"), "{format}: {all}");
        for secret in [
            "CommentSecret",
            "TitleSecret",
            "AreaSecret",
            "TypoSecret",
            "EncodedSecret",
            "EqualsSecret",
            "GluedSecret",
            "QuotedSecret",
            "EncodedEqualsSecret",
            "FragmentSecret",
        ] {
            assert!(!all.contains(secret), "{format}: {secret} in {all}");
        }
    }
}

#[test]
fn secrets_are_masked_in_every_format() {
    let input = br#"<a href="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_password=Hunter2Secret&amp;access_token=LEAKEDTOKEN">q</a>"#;
    for format in ["human", "concise", "json", "sarif", "github", "gitlab"] {
        let output = ddlink_stdin(&["check", "--format", format, "-"], input);
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!all.contains("Hunter2Secret"), "{format}: {all}");
        assert!(!all.contains("LEAKEDTOKEN"), "{format}: {all}");
    }
    // A diff too, on both of its sides.
    let bare = String::from_utf8(input.to_vec())
        .unwrap()
        .replace("&amp;", "&");
    let diff = ddlink_stdin(&["fix", "--diff", "-"], bare.as_bytes());
    let shown = text(&diff.stdout);
    assert!(shown.starts_with("--- a/-\n"), "{shown}");
    assert!(
        !shown.contains("Hunter2Secret") && !shown.contains("LEAKEDTOKEN"),
        "{shown}"
    );
    assert_eq!(
        shown.matches("auth_password=*************").count(),
        2,
        "{shown}"
    );
    // A secret that a fix changes (here the line break written in it is taken out) is
    // masked as the input holds it: the diff's lines stay the file's.
    let broken = String::from_utf8(input.to_vec())
        .unwrap()
        .replace("Hunter2", "Hunter2\n");
    let diff = ddlink_stdin(&["fix", "--diff", "-"], broken.as_bytes());
    assert_eq!(
        text(&diff.stdout),
        "--- a/-\n+++ b/-\n@@ -1,2 +1 @@\n\
         -<a href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_password=*******\n\
         -******&amp;access_token=***********\">q</a>\n\
         \\ No newline at end of file\n\
         +<a href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;auth_password=*************&amp;access_token=***********\">q</a>\n\
         \\ No newline at end of file\n"
    );
    // A link ddlink does not read (an image's source, fetched when the mail opens) on a
    // line an excerpt or the diff shows.
    let image = br#"<img src="https://acme.deskdirector.com/portal/deeplink?name=quotes&amp;auth_username=a@b.co&amp;Auth_Password=ImageSecret"><a href="ddportal://name=ticket_list&state=open">x</a>"#;
    let excerpt = ddlink_stdin(&["check", "-"], image);
    assert!(
        text(&excerpt.stdout).contains("Auth_Password=***********\""),
        "{}",
        text(&excerpt.stdout)
    );
    let diff = ddlink_stdin(&["fix", "--diff", "-"], image);
    assert_eq!(
        text(&diff.stdout)
            .matches("Auth_Password=***********\"")
            .count(),
        2,
        "{}",
        text(&diff.stdout)
    );
    // A password that a fix takes out (`user:password@` before the host) is still in the
    // file as read, which `--check` and `--diff` show the remaining findings in.
    let userinfo = b"<a href=\"https://user:UserinfoSecret@acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=5\">x</a>\n<a href=\"ddportal://name=ticket&amp;ticket_id=5&amp;action=aprove\">x</a>\n";
    for mode in ["--check", "--diff"] {
        let output = ddlink_stdin(&["fix", mode, "-"], userinfo);
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(all.contains("DD106"), "{mode}: {all}");
        assert!(all.contains("user:**************@"), "{mode}: {all}");
        assert!(!all.contains("UserinfoSecret"), "{mode}: {all}");
    }
    // The save hook's report on stderr too (its stdout is the document itself).
    let hook = ddlink_stdin(&["fix", "-"], input);
    assert!(
        !text(&hook.stderr).contains("Hunter2Secret")
            && !text(&hook.stderr).contains("LEAKEDTOKEN")
    );
    // And `ddlink link` when it reports a link it would not print.
    let link = ddlink(
        &[
            "link",
            "name=quotes",
            "auth_username=a@b.co",
            "auth_token=LEAKEDTOKEN",
            "--client",
            "desktop",
        ],
        Path::new("."),
    );
    assert_eq!(link.status.code(), Some(1));
    assert!(
        !text(&link.stderr).contains("LEAKEDTOKEN"),
        "{}",
        text(&link.stderr)
    );
}

#[test]
fn link_help_says_what_each_flag_does_for_the_printed_link() {
    // Read as one line: the help is wrapped to the terminal's width.
    let one_line = |bytes: &[u8]| text(bytes).split_whitespace().collect::<Vec<_>>().join(" ");
    let help = one_line(&ddlink(&["link", "--help"], Path::new(".")).stdout);
    assert!(help.contains("to paste into a template"), "{help}");
    assert!(help.contains("needed for a web link"), "{help}");
    // `link` reads no template: nothing of checks, fixes or a template's charset.
    for templates_only in ["<meta charset>", "byte-order mark", "checks and fixes"] {
        assert!(!help.contains(templates_only), "{templates_only}: {help}");
    }
    let check_help = one_line(&ddlink(&["check", "--help"], Path::new(".")).stdout);
    assert!(check_help.contains("<meta charset>"), "{check_help}");
}

#[test]
fn a_file_name_given_as_the_portal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("approval.html"), CLEAN).unwrap();
    // `--portal` with its URL left out takes the next word: every link would be rewritten.
    let output = ddlink(&["fix", "--portal", "approval.html"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the portal `approval.html` is a file's name, not a host"),
        "{stderr}"
    );
    let kept = std::fs::read_to_string(dir.path().join("approval.html")).unwrap();
    assert_eq!(kept, CLEAN);
}

#[test]
fn link_prints_a_canonical_link() {
    let root = Path::new(".");
    let output = ddlink(
        &[
            "link",
            "action=close",
            "name=ticket",
            "--psa",
            "autotask",
            "--portal",
            "https://acme.deskdirector.com",
        ],
        root,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]&action=close\n"
    );
    // A V1 command is printed as the V2 link it stands for, as `fix` writes it.
    let v1 = ddlink(
        &[
            "link",
            "ticketid=5",
            "--portal",
            "https://acme.deskdirector.com",
        ],
        root,
    );
    assert_eq!(v1.status.code(), Some(0), "{}", text(&v1.stderr));
    assert_eq!(
        text(&v1.stdout),
        "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=5\n"
    );
    assert_eq!(text(&v1.stderr), "");
    // So is one of a single word, with what follows it.
    for (words, command) in [
        (&["mytickets"][..], "name=ticket_list"),
        (&["RequestSupport"][..], "name=support_options"),
        (
            &["mytickets", "state=open"][..],
            "name=ticket_list&state=open",
        ),
    ] {
        let mut args = vec!["link"];
        args.extend_from_slice(words);
        args.extend(["--portal", "https://acme.deskdirector.com"]);
        let v1 = ddlink(&args, root);
        assert_eq!(v1.status.code(), Some(0), "{}", text(&v1.stderr));
        assert_eq!(
            text(&v1.stdout),
            format!("https://acme.deskdirector.com/portal/deeplink?{command}\n")
        );
    }
    let html = ddlink(
        &[
            "link",
            "name=ticket",
            "ticket_id=123",
            "action=close",
            "--portal",
            "acme.deskdirector.com",
            "--html",
        ],
        root,
    );
    assert_eq!(
        text(&html.stdout),
        "https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=123&amp;action=close\n"
    );
    let desktop = ddlink(
        &[
            "link",
            "name=ticket_list",
            "state=approval",
            "--client",
            "desktop",
        ],
        root,
    );
    assert_eq!(
        text(&desktop.stdout),
        "ddportal://name=ticket_list&state=approval\n"
    );
    assert_eq!(text(&desktop.stderr), "");
}

/// A folder whose `ddlink.toml` sets a Spanish Autotask instance and the portal.
fn spanish_autotask_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ddlink.toml"),
        "psa = \"autotask\"\nportal = \"https://acme.deskdirector.com\"\n[autotask]\nlanguage = \"es\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn link_checks_with_the_configured_autotask_language() {
    let dir = spanish_autotask_project();
    let spanish = ddlink(&["link", "name=ticket"], dir.path());
    assert_eq!(spanish.status.code(), Some(0));
    assert_eq!(
        text(&spanish.stdout),
        "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: Id.]\n"
    );
    assert_eq!(text(&spanish.stderr), "");
    // The English name is what a Spanish instance does not resolve.
    let english = ddlink(
        &["link", "name=ticket", "ticket_id=[Ticket: ID]"],
        dir.path(),
    );
    assert!(
        text(&english.stderr).contains("DD204")
            && text(&english.stderr).contains("an Autotask instance in `es`"),
        "{}",
        text(&english.stderr)
    );
}

#[test]
fn link_prints_in_the_templates_encoding() {
    let dir = spanish_autotask_project();
    let link = |survey: &str, encoding: &str| {
        ddlink(
            &["link", "name=survey", survey, "--encoding", encoding],
            dir.path(),
        )
    };
    let western = link("survey_id=[Ticket: Título]", "windows-1252");
    assert_eq!(western.status.code(), Some(0), "{}", text(&western.stderr));
    assert_eq!(
        western.stdout,
        b"https://acme.deskdirector.com/portal/deeplink?name=survey&survey_id=[Ticket: T\xEDtulo]\n"
    );
    let unwritable = link("survey_id=[Ticket: 数]", "windows-1252");
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(unwritable.stdout.is_empty());
    assert!(
        text(&unwritable.stderr).ends_with(
            "error: the link holds characters that windows-1252 cannot write: `https://acme.deskdirector.com/portal/deeplink?name=survey&survey_id=[Ticket: 数]`\n"
        ),
        "{}",
        text(&unwritable.stderr)
    );
}

#[test]
fn link_refuses_a_pair_that_would_split_the_command() {
    let root = Path::new(".");
    for (pair, expected) in [
        (
            "quote_id=Q&A1",
            "error: `quote_id=Q&A1`: the value holds `&`, which in the link would start another parameter: give `quote_id` a single value, without `&` or `#`\n",
        ),
        (
            "quote_id=Q#1",
            "error: `quote_id=Q#1`: the value holds `#`, which in the link would end the command: give `quote_id` a single value, without `&` or `#`\n",
        ),
        (
            "quote&id=Q1",
            "error: `quote&id=Q1`: the key holds `&`: write a key such as `ticket_id`\n",
        ),
    ] {
        let output = ddlink(&["link", "name=quote", pair, "--client", "desktop"], root);
        assert_eq!(output.status.code(), Some(2), "{pair}");
        assert_eq!(text(&output.stdout), "", "{pair}");
        assert_eq!(text(&output.stderr), expected, "{pair}");
    }
    // Inside a template token, `&` is the mail system's business.
    let token = ddlink(
        &[
            "link",
            "name=quote",
            "quote_id={{ Quote.Id | append: '&' }}",
            "--client",
            "desktop",
        ],
        root,
    );
    assert_eq!(
        text(&token.stdout),
        "ddportal://name=quote&quote_id={{ Quote.Id | append: '&' }}\n"
    );
    // For an `href`, escaped around the tokens, never inside (README: tokens as given).
    let html = ddlink(
        &[
            "link",
            "name=quote",
            "quote_id={{ Quote.Id | append: '&lt' }}",
            "--client",
            "desktop",
            "--html",
        ],
        root,
    );
    assert_eq!(
        text(&html.stdout),
        "ddportal://name=quote&amp;quote_id={{ Quote.Id | append: '&lt' }}\n"
    );
    let quoted = ddlink(
        &[
            "link",
            "name=quote",
            "quote_id={{ Quote.Id | append: \"x\" }}",
            "--client",
            "desktop",
            "--html",
        ],
        root,
    );
    assert_eq!(quoted.status.code(), Some(2));
    assert_eq!(text(&quoted.stdout), "");
    assert!(
        text(&quoted.stderr).contains("holds `\"`, which would end the `href` attribute"),
        "{}",
        text(&quoted.stderr)
    );
}

#[test]
fn link_reports_an_invalid_command_like_any_diagnostic() {
    let root = Path::new(".");
    let output = ddlink(
        &[
            "link",
            "name=ticket",
            "ticket_id=1",
            "action=aprove",
            "--client",
            "desktop",
        ],
        root,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("DD106(invalid-action)"), "{stderr}");
    assert!(stderr.contains("did you mean `approve`?"), "{stderr}");
    // There is no file for `ddlink fix` to fix, and no file was checked: the closing line
    // speaks of the link.
    assert!(
        stderr.ends_with("\nerror: the link is not printed: it has 1 error\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("file"), "{stderr}");

    let missing = ddlink(&["link", "name=ticket"], root);
    assert_eq!(missing.status.code(), Some(2), "a web link needs a portal");
    assert!(text(&missing.stderr).contains("--portal"));
    let bad_pair = ddlink(&["link", "name"], root);
    assert_eq!(bad_pair.status.code(), Some(2));
    let no_key = ddlink(&["link", "name=quotes", "=y", "--client", "desktop"], root);
    assert_eq!(no_key.status.code(), Some(2));
    assert_eq!(text(&no_key.stdout), "");
    assert_eq!(
        text(&no_key.stderr),
        "error: `=y` has no key before its `=` (e.g. `name=ticket`, `ticket_id=123`)\n"
    );
    let bad_portal = ddlink(
        &[
            "link",
            "name=quotes",
            "--portal",
            "http://acme.deskdirector.com",
        ],
        root,
    );
    assert_eq!(bad_portal.status.code(), Some(2));
    assert!(text(&bad_portal.stderr).contains("https"));
}

#[test]
fn rules_and_rule_docs() {
    let root = Path::new(".");
    // A code prefix names a group of rules, not one.
    let group = ddlink(&["rule", "dd4"], root);
    assert_eq!(group.status.code(), Some(2));
    assert_eq!(
        text(&group.stderr),
        "error: `dd4` names a group of rules (DD401–DD411), not one: give a code or a name; `ddlink rules` lists them\n"
    );
    let list = text(&ddlink(&["rules"], root).stdout);
    for rule in ddlink::rules::RULES {
        assert!(
            list.contains(rule.code) && list.contains(rule.name),
            "{}",
            rule.code
        );
    }
    for query in [
        "DD106",
        "invalid-action",
        "dd106",
        "Invalid-Action",
        "INVALID-ACTION",
    ] {
        let doc = ddlink(&["rule", query], root);
        assert_eq!(doc.status.code(), Some(0));
        let doc = text(&doc.stdout);
        assert!(doc.starts_with("# DD106 invalid-action\n"), "{doc}");
        assert!(doc.contains("## Why is this bad?"));
        assert!(doc.contains("## Use instead"));
    }
    let unknown = ddlink(&["rule", "DD999"], root);
    assert_eq!(unknown.status.code(), Some(2));
    let typo = ddlink(&["rule", "invalid-acton"], root);
    assert!(text(&typo.stderr).contains("did you mean `invalid-action`?"));
}

#[test]
fn bad_arguments_are_exit_2() {
    let root = Path::new(".");
    assert_eq!(
        ddlink(&["check", "--psa", "halo"], root).status.code(),
        Some(2)
    );
    assert_eq!(
        ddlink(&["check", "--format", "xml"], root).status.code(),
        Some(2)
    );
    assert_eq!(ddlink(&["frobnicate"], root).status.code(), Some(2));
    assert_eq!(ddlink(&["--version"], root).status.code(), Some(0));
}

/// What a user of another linter types: `--output-format` is `--format`, and `check --fix`
/// says which command fixes.
#[test]
fn other_linters_spellings() {
    for command in ["check", "fix"] {
        let output = ddlink_stdin(
            &[command, "--output-format", "concise", "-"],
            TYPO.as_bytes(),
        );
        let expected = ddlink_stdin(&[command, "--format", "concise", "-"], TYPO.as_bytes());
        assert_eq!(output.status.code(), expected.status.code(), "{command}");
        assert_eq!(output.stdout, expected.stdout, "{command}");
        assert_eq!(output.stderr, expected.stderr, "{command}");
    }
    let fix = ddlink(&["check", "--fix", "."], Path::new("."));
    assert_eq!(fix.status.code(), Some(2));
    assert!(
        text(&fix.stderr).contains("`check` only reports: `ddlink fix [PATHS]` applies the fixes"),
        "{}",
        text(&fix.stderr)
    );
    assert!(fix.stdout.is_empty());
}

#[test]
fn a_closed_stdout_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let many = TYPO.repeat(2000);
    std::fs::write(dir.path().join("many.html"), many).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(["check", "many.html"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(text(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
}

/// A repository with a root ddlink.toml and an `[[overrides]]` for `autotask/**`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("autotask")).unwrap();
    std::fs::create_dir_all(root.join("cw/sub")).unwrap();
    std::fs::create_dir_all(root.join("archive")).unwrap();
    std::fs::write(
        root.join("ddlink.toml"),
        "psa = \"connectwise\"\nexclude = [\"archive/**\"]\n\n[rules]\nDD403 = \"off\"\n\n[[overrides]]\nfiles = [\"autotask/**\"]\npsa = \"autotask\"\n",
    )
    .unwrap();
    let link = |token: &str| {
        format!(
            "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id={token}\">View</a>\n<a href=\"ddportal://name=quotes\">Quotes</a>\n"
        )
    };
    std::fs::write(root.join("autotask/created.html"), link("[srnumber]")).unwrap();
    std::fs::write(root.join("autotask/clean.html"), link("[Ticket: ID]")).unwrap();
    std::fs::write(root.join("cw/sub/updated.html"), link("[Ticket: ID]")).unwrap();
    std::fs::write(root.join("archive/old.html"), link("[srnumbr]")).unwrap();
    dir
}

/// A path is shown as ruff shows it, however it was typed: `cw//sub/`, `./cw/sub/.` and
/// `cw/sub` name the same files, reported the same way.
#[test]
fn paths_are_shown_without_doubled_slashes_or_dots() {
    let repo = repository();
    let root = repo.path();
    let paths = |path: &str| -> Vec<String> {
        let output = ddlink(&["check", "--format", "concise", path], root);
        assert_eq!(output.status.code(), Some(1), "{path}");
        text(&output.stdout)
            .lines()
            .map(|l| l.split(':').next().unwrap().to_owned())
            .collect()
    };
    let shown = ["cw/sub/updated.html"];
    for path in [
        "cw/sub",
        "cw//sub/",
        "./cw/sub/.",
        "cw/./sub//",
        "cw//sub//updated.html",
    ] {
        assert_eq!(paths(path), shown, "{path}");
    }
}

#[test]
fn a_repository_config_applies_from_the_root_and_from_a_subfolder() {
    let repo = repository();
    let root = repo.path();
    let from_root = ddlink(&["check", "--format", "concise"], root);
    assert_eq!(from_root.status.code(), Some(1));
    assert_eq!(
        text(&from_root.stdout),
        "autotask/created.html:1:82: DD201 `[srnumber]` is a ConnectWise token, but this template is Autotask\n\
         cw/sub/updated.html:1:82: DD201 `[Ticket: ID]` is an Autotask token, but this template is ConnectWise\n"
    );
    let from_sub = ddlink(
        &["check", "--format", "concise", "--show-dialect", "."],
        &root.join("cw/sub"),
    );
    assert_eq!(
        text(&from_sub.stdout),
        "updated.html:1:82: DD201 `[Ticket: ID]` is an Autotask token, but this template is ConnectWise\n"
    );
    assert_eq!(
        text(&from_sub.stderr),
        "updated.html: connectwise (from ddlink.toml)\n"
    );
    // Named explicitly, an excluded file is checked, unless --force-exclude.
    let named = ddlink(&["check", "--format", "concise", "archive/old.html"], root);
    assert!(
        text(&named.stdout).contains("DD204"),
        "{}",
        text(&named.stdout)
    );
    let forced = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--force-exclude",
            "archive/old.html",
        ],
        root,
    );
    assert_eq!(text(&forced.stdout), "");
    // The flag beats the configuration.
    let flagged = ddlink(
        &["check", "--format", "concise", "--psa", "autotask", "cw"],
        root,
    );
    assert_eq!(text(&flagged.stdout), "");
}

#[test]
fn show_dialect_in_json() {
    let repo = repository();
    let output = ddlink(
        &["check", "--format", "json", "--show-dialect", "autotask"],
        repo.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["dialects"],
        serde_json::json!([
            {"path": "autotask/clean.html", "dialect": "autotask", "source": "from ddlink.toml [[overrides]] autotask/**"},
            {"path": "autotask/created.html", "dialect": "autotask", "source": "from ddlink.toml [[overrides]] autotask/**"}
        ])
    );
    let plain = ddlink(&["check", "--format", "json", "autotask"], repo.path());
    let json: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(json.get("dialects").is_none());
}

#[test]
fn a_config_typo_is_exit_2_with_a_report_pointing_into_the_file() {
    let repo = repository();
    let root = repo.path();
    let config = std::fs::read_to_string(root.join("ddlink.toml")).unwrap();
    std::fs::write(
        root.join("ddlink.toml"),
        config.replace("psa = \"connectwise\"", "pas = \"connectwise\""),
    )
    .unwrap();
    let output = ddlink(&["check"], &root.join("cw"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown key `pas`"), "{stderr}");
    assert!(stderr.contains("ddlink.toml:1:1]"), "{stderr}");
    assert!(stderr.contains("did you mean `psa`?"), "{stderr}");
    assert_eq!(
        stderr.matches("× unknown key").count(),
        1,
        "reported once: {stderr}"
    );
}

#[test]
fn select_and_ignore() {
    let repo = repository();
    let root = repo.path();
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "concise", "--config", "/dev/null"];
        all.extend_from_slice(args);
        let output = ddlink(&all, root);
        // Said when a run fails, rather than an empty list alone.
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        text(&output.stdout)
            .lines()
            .map(|l| l.split(' ').nth(1).unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes(&["archive/old.html"]), ["DD204", "DD403"]);
    assert_eq!(codes(&["--select", "DD4", "archive/old.html"]), ["DD403"]);
    assert_eq!(
        codes(&["--ignore", "desktop-link-in-email", "archive/old.html"]),
        ["DD204"]
    );
    // Names in any case, as codes are.
    assert_eq!(
        codes(&["--select", "Desktop-Link-In-Email", "archive/old.html"]),
        ["DD403"]
    );
    assert_eq!(codes(&["--ignore", "dd403", "archive/old.html"]), ["DD204"]);
    assert_eq!(
        codes(&[
            "--select",
            "DD2,DD403",
            "--ignore",
            "DD403",
            "archive/old.html"
        ]),
        ["DD204"]
    );
    let bad = ddlink(&["check", "--select", "DD9", "archive/old.html"], root);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("`DD9` names no rule"));
    // A trailing comma is forgiven; a selection of nothing at all is not all rules.
    assert_eq!(codes(&["--select", "DD4,", "archive/old.html"]), ["DD403"]);
    for empty in ["", " ", ","] {
        let bad = ddlink(&["check", "--select", empty, "archive/old.html"], root);
        assert_eq!(bad.status.code(), Some(2), "--select {empty:?}");
        assert!(
            text(&bad.stderr).contains("`--select` names no rule: it is empty"),
            "{}",
            text(&bad.stderr)
        );
    }
}

/// Flags win over the file: a rule `--select` names by its code or name runs even when the
/// configuration turns it off (at its default severity), or sets its severity (at that
/// one). A code prefix only narrows what the configuration runs.
#[test]
fn select_names_a_rule_the_config_turned_off() {
    let repo = repository();
    let root = repo.path();
    let run = |args: &[&str]| -> (Option<i32>, Vec<String>) {
        let mut all = vec!["check", "--format", "concise"];
        all.extend_from_slice(args);
        all.push("cw/sub/updated.html");
        let output = ddlink(&all, root);
        let codes = text(&output.stdout)
            .lines()
            .map(|l| l.split(' ').nth(1).unwrap().to_owned())
            .collect();
        (output.status.code(), codes)
    };
    // `[rules] DD403 = "off"` in the repository's ddlink.toml.
    assert!(!run(&[]).1.contains(&"DD403".to_owned()));
    assert_eq!(run(&["--select", "DD403"]), (Some(0), vec!["DD403".into()]));
    assert_eq!(
        run(&["--select", "desktop-link-in-email"]),
        (Some(0), vec!["DD403".into()])
    );
    assert_eq!(run(&["--select", "DD4"]), (Some(0), vec![]));
    assert_eq!(
        run(&["--select", "DD403", "--ignore", "DD403"]),
        (Some(0), vec![])
    );
    // Turned off by an override, or given a severity: the configured severity stands.
    std::fs::write(
        root.join("ddlink.toml"),
        "[rules]\nDD403 = \"error\"\n\n[[overrides]]\nfiles = [\"autotask/**\"]\nrules = { DD403 = \"off\" }\n",
    )
    .unwrap();
    assert_eq!(run(&["--select", "DD403"]), (Some(1), vec!["DD403".into()]));
    let autotask = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "DD403",
            "autotask/clean.html",
        ],
        root,
    );
    assert_eq!(autotask.status.code(), Some(0));
    assert!(text(&autotask.stdout).contains(" DD403 "));
}

#[test]
fn init_writes_a_starter_config_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = ddlink(&["init"], dir.path());
    assert_eq!(first.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("ddlink.toml")).unwrap();
    assert_eq!(written, ddlink::config::STARTER);
    std::fs::write(dir.path().join("ddlink.toml"), "psa = \"autotask\"\n").unwrap();
    let second = ddlink(&["init"], dir.path());
    assert_eq!(second.status.code(), Some(2));
    assert!(text(&second.stderr).contains("exists already"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ddlink.toml")).unwrap(),
        "psa = \"autotask\"\n"
    );
}

/// The save hook writes its report on stderr as `check -` writes it on stdout: a machine
/// format is always one document, findings or none; a human report only when there are
/// findings.
#[test]
fn the_save_hook_always_writes_a_machine_document() {
    let clean = b"<dd-link name=\"ticket_list\">x</dd-link>\n";
    let portal = ["--portal", "https://acme.deskdirector.com"];
    for format in ["json", "sarif", "gitlab"] {
        for (input, findings) in [(&clean[..], 0), (WARNING_ONLY.as_bytes(), 1)] {
            let args = [&["fix", "--format", format][..], &portal, &["-"]].concat();
            let output = ddlink_stdin(&args, input);
            assert_eq!(output.status.code(), Some(0), "{format}");
            assert!(
                !output.stdout.is_empty(),
                "{format}: the document is written"
            );
            let report: serde_json::Value = serde_json::from_slice(&output.stderr)
                .unwrap_or_else(|e| panic!("{format}, {findings} findings: {e}"));
            let count = match format {
                "json" => report["diagnostics"].as_array().unwrap().len(),
                "sarif" => report["runs"][0]["results"].as_array().unwrap().len(),
                _ => report.as_array().unwrap().len(),
            };
            assert_eq!(count, findings, "{format}: {report}");
        }
    }
    let human = ddlink_stdin(&[&["fix"][..], &portal, &["-"]].concat(), clean);
    assert_eq!(text(&human.stderr), "");
    // A buffer the configuration excludes comes back as it was, reported as no file, as
    // `check -` reports it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ddlink.toml"), "exclude = [\"archive\"]\n").unwrap();
    for command in ["check", "fix"] {
        let args = [
            command,
            "--format",
            "json",
            "--stdin-filename",
            "archive/t.html",
            "-",
        ];
        let output = ddlink_stdin_in(&args, dir.path(), WARNING_ONLY.as_bytes());
        assert_eq!(output.status.code(), Some(0), "{command}");
        let report = if command == "check" {
            &output.stdout
        } else {
            assert_eq!(text(&output.stdout), WARNING_ONLY);
            &output.stderr
        };
        let report: serde_json::Value = serde_json::from_slice(report).unwrap();
        assert_eq!(report["summary"]["files"], 0, "{command}: {report}");
        assert_eq!(report["diagnostics"], serde_json::json!([]), "{command}");
    }
}

/// The starter config changes nothing until edited: a walk still picks up templates whose
/// extension is in capitals (`A.HTML`), as the built-in walk does.
#[test]
fn the_starter_config_walks_what_no_config_walks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for file in ["A.HTML", "b.Htm", "c.html", "d.TXT", "e.Liquid"] {
        std::fs::write(root.join(file), WARNING_ONLY).unwrap();
    }
    let before = ddlink(&["check", "--format", "concise", "."], root);
    assert_eq!(
        text(&before.stdout).lines().count(),
        5,
        "{}",
        text(&before.stdout)
    );
    assert_eq!(ddlink(&["init"], root).status.code(), Some(0));
    let after = ddlink(&["check", "--format", "concise", "."], root);
    assert_eq!(text(&after.stdout), text(&before.stdout));
}

/// A run that found no template says so: a mistyped path or `include` glob is not "all clear".
#[test]
fn a_run_without_templates_warns() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("mails")).unwrap();
    std::fs::write(root.join("mails/notes.md"), "ddportal://name=x").unwrap();
    for command in ["check", "fix"] {
        let output = ddlink(&[command, "mails"], root);
        assert_eq!(output.status.code(), Some(0), "{command}");
        assert_eq!(
            text(&output.stderr),
            "ddlink: warning: no templates found in the paths given (check them, and `include` \
             and `exclude` in ddlink.toml)\n",
            "{command}"
        );
        if command == "check" {
            assert_eq!(text(&output.stdout), "No findings in 0 files.\n");
        }
        let quiet = ddlink(&[command, "--quiet", "mails"], root);
        assert_eq!(text(&quiet.stderr), "", "{command} --quiet");
    }
}

/// `fix --diff` with a report file: the patch on standard output, the report (a whole JSON
/// document) in the file.
#[test]
fn fix_diff_writes_its_report_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("bare.html"), TYPO.replace("&amp;", "&")).unwrap();
    let diffed = ddlink(
        &[
            "fix",
            "--diff",
            "--format",
            "json",
            "--output-file",
            "fix.json",
            "bare.html",
        ],
        root,
    );
    assert_eq!(diffed.status.code(), Some(1), "{}", text(&diffed.stderr));
    assert!(
        text(&diffed.stdout).starts_with("--- a/bare.html\n+++ b/bare.html\n@@ "),
        "{}",
        text(&diffed.stdout)
    );
    assert_eq!(text(&diffed.stderr), "");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("fix.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["changed"], 1, "{report}");
}

/// `fix --diff` that leaves no finding still writes its JSON, SARIF or GitLab document on
/// standard error, as it writes one to a report file.
#[test]
fn fix_diff_writes_a_document_when_nothing_remains() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("bare.html"),
        TYPO.replace("&amp;", "&").replace("aprove", "approve"),
    )
    .unwrap();
    for format in ["json", "sarif", "gitlab"] {
        let diffed = ddlink(&["fix", "--diff", "--format", format, "bare.html"], root);
        assert_eq!(diffed.status.code(), Some(1), "{}", text(&diffed.stderr));
        assert!(
            text(&diffed.stdout).starts_with("--- a/bare.html\n"),
            "{format}"
        );
        let report: serde_json::Value = serde_json::from_slice(&diffed.stderr)
            .unwrap_or_else(|error| panic!("{format}: {error}: {}", text(&diffed.stderr)));
        if format == "json" {
            assert_eq!(report["summary"]["changed"], 1, "{report}");
            assert_eq!(report["diagnostics"], serde_json::json!([]), "{report}");
        }
    }
}

/// A report file in folders that do not exist yet, as a CI artifact's path often is: they are
/// made, and the report is not lost.
#[test]
fn output_file_folders_are_made() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("warn.html"), WARNING_ONLY).unwrap();
    let nested = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--output-file",
            "out/ddlink/report.txt",
            "warn.html",
        ],
        root,
    );
    assert_eq!(nested.status.code(), Some(0), "{}", text(&nested.stderr));
    let report = std::fs::read_to_string(root.join("out/ddlink/report.txt")).unwrap();
    assert!(report.starts_with("warn.html:1:10: DD403 "), "{report}");
}

#[test]
fn a_negative_warning_count_is_said_to_be_no_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("warn.html"), WARNING_ONLY).unwrap();
    // Not taken for a flag, which clap would suggest passing after `--`.
    for command in ["check", "fix"] {
        let negative = ddlink(&[command, "--max-warnings", "-1", "warn.html"], root);
        assert_eq!(negative.status.code(), Some(2), "{command}");
        assert!(
            text(&negative.stderr)
                .contains("`-1` is not a number of warnings: give a whole number, 0 or more"),
            "{}",
            text(&negative.stderr)
        );
    }
}

#[test]
fn exit_zero_over_fix_and_beside_exit_non_zero_on_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("fixable.html"), TYPO.replace("&amp;", "&")).unwrap();
    let plain = ddlink(&["fix", "--exit-zero", "fixable.html"], root);
    assert_eq!(plain.status.code(), Some(0));
    std::fs::write(root.join("fixable.html"), TYPO.replace("&amp;", "&")).unwrap();
    let strict = ddlink(
        &[
            "fix",
            "--exit-zero",
            "--exit-non-zero-on-fix",
            "fixable.html",
        ],
        root,
    );
    // Asked to fail on a fix and never to fail: refused, as in ruff.
    assert_eq!(strict.status.code(), Some(2), "{}", text(&strict.stderr));
    assert!(
        text(&strict.stderr).contains("'--exit-zero' cannot be used with '--exit-non-zero-on-fix'"),
        "{}",
        text(&strict.stderr)
    );
    // Over the changes `--check` would make, as over the findings.
    std::fs::write(root.join("fixable.html"), TYPO.replace("&amp;", "&")).unwrap();
    let checked = ddlink(&["fix", "--check", "--exit-zero", "fixable.html"], root);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
}

#[test]
fn exit_knobs_output_file_and_the_github_default() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("warn.html"), WARNING_ONLY.repeat(3)).unwrap();
    let many = ddlink(&["check", "--max-warnings", "2", "warn.html"], root);
    assert_eq!(many.status.code(), Some(1), "3 warnings > 2");
    let said = "ddlink: 3 warnings, more than --max-warnings 2 allows\n";
    assert_eq!(text(&many.stderr), said);
    let enough = ddlink(&["check", "--max-warnings", "3", "warn.html"], root);
    assert_eq!(enough.status.code(), Some(0));

    let written = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--output-file",
            "report.txt",
            "warn.html",
        ],
        root,
    );
    assert_eq!(written.status.code(), Some(0));
    assert_eq!(text(&written.stdout), "");
    let report = std::fs::read_to_string(root.join("report.txt")).unwrap();
    assert_eq!(report.lines().count(), 3, "{report}");
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
        // A new report is created as any program creates a file (0666 less the umask), not
        // with a temporary file's 0600.
        let umask = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("Umask:"))?;
                u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
            });
        if let Some(umask) = umask {
            assert_eq!(mode("report.txt"), 0o666 & !umask);
        }
        // Written through a symlink, as a shell redirection would, keeping the target's mode;
        // a FIFO or /dev/fd/N is written through likewise.
        std::fs::write(root.join("target.txt"), "old").unwrap();
        std::fs::set_permissions(
            root.join("target.txt"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        std::os::unix::fs::symlink("target.txt", root.join("link.txt")).unwrap();
        let through = ddlink(
            &[
                "check",
                "--format",
                "concise",
                "--output-file",
                "link.txt",
                "warn.html",
            ],
            root,
        );
        assert_eq!(through.status.code(), Some(0), "{}", text(&through.stderr));
        assert!(
            std::fs::symlink_metadata(root.join("link.txt"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(root.join("target.txt")).unwrap(),
            report
        );
        assert_eq!(mode("target.txt"), 0o640);
    }

    let actions = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(["check", "warn.html"])
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(
        text(&actions.stdout).starts_with("::warning file=warn.html,line=1,col=10,"),
        "{}",
        text(&actions.stdout)
    );
}

/// `include` globs name what a folder walk reads, other extensions than the built-in ones
/// too; files they do not name are left out.
#[test]
fn include_globs_add_extensions_to_a_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ddlink.toml"), "include = [\"**/*.tmpl\"]\n").unwrap();
    for file in ["a.tmpl", "b.html", "c.js"] {
        std::fs::write(root.join(file), TYPO).unwrap();
    }
    let output = ddlink(&["check", "--format", "concise", "."], root);
    assert_eq!(
        text(&output.stdout),
        "a.tmpl:2:106: DD106 `aprove` is not a ticket action\n"
    );
}

/// A report that a folder walk would read is refused, as one over a named file is: the walk
/// used to leave it out and then write the report over it, and a template was lost. Nothing
/// is read or written. A report kept among the templates is left out with `exclude`.
#[test]
fn a_report_over_a_walked_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("typo.html"), TYPO).unwrap();
    let refused = |output: &Output, what: &str| {
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("`--output-file typo.html` names a file this run reads"),
            "{what}: {stderr}"
        );
        assert_eq!(text(&output.stdout), "", "{what}");
        assert_eq!(
            std::fs::read_to_string(root.join("typo.html")).unwrap(),
            TYPO,
            "{what}"
        );
    };
    for command in ["check", "fix"] {
        for path in [".", "./", root.to_str().unwrap()] {
            let output = ddlink(&[command, path, "--output-file", "typo.html"], root);
            refused(&output, &format!("{command} {path}"));
        }
        let output = ddlink(&[command, "--output-file", "typo.html"], root);
        refused(&output, &format!("{command} without PATHS"));
    }
    // Standard input that stands for the file: `check -`, `fix --check -`, the save hook.
    for args in [
        &["check", "-"][..],
        &["fix", "--check", "-"],
        &["fix", "--diff", "-"],
        &["fix", "-"],
        &["fix"],
    ] {
        let mut args = args.to_vec();
        args.extend([
            "--stdin-filename",
            "typo.html",
            "--output-file",
            "typo.html",
        ]);
        let output = ddlink_stdin_in(&args, root, TYPO.as_bytes());
        refused(&output, &args.join(" "));
    }

    // A report written into the folder: the next run would read it, and is refused.
    let first = ddlink(&["check", "--output-file", "report.txt", "."], root);
    assert_eq!(first.status.code(), Some(1));
    let report = std::fs::read_to_string(root.join("report.txt")).unwrap();
    assert!(report.contains("action=aprove"), "{report}");
    let again = ddlink(&["check", "--output-file", "report.txt", "."], root);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("names a file this run reads"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("report.txt")).unwrap(),
        report
    );
    // Excluded, it is not read, and is written.
    std::fs::write(root.join("ddlink.toml"), "exclude = [\"report.txt\"]\n").unwrap();
    std::fs::write(root.join("report.txt"), "old").unwrap();
    let excluded = ddlink(&["check", "--output-file", "report.txt", "."], root);
    assert_eq!(
        excluded.status.code(),
        Some(1),
        "{}",
        text(&excluded.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("report.txt")).unwrap(),
        report
    );
    std::fs::remove_file(root.join("ddlink.toml")).unwrap();
    // A report that would overwrite an input is refused before anything is read or written.
    for command in ["check", "fix"] {
        let over = ddlink(
            &[command, "--output-file", "./typo.html", "typo.html"],
            root,
        );
        assert_eq!(over.status.code(), Some(2), "{command}");
        assert!(
            text(&over.stderr).contains("names a file this run reads"),
            "{command}: {}",
            text(&over.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(root.join("typo.html")).unwrap(),
            TYPO
        );
    }
    // Named explicitly, it is read like any file.
    let named = ddlink(&["check", "--format", "concise", "report.txt"], root);
    assert!(
        text(&named.stdout).starts_with("report.txt:"),
        "{}",
        text(&named.stdout)
    );
}

/// A report whose path reaches an input, a configuration or a result of `--out-dir` only once
/// its folders are made (`new/../typo.html`) is refused like one named plainly; nothing is
/// read, written or made.
#[test]
fn a_report_over_a_file_of_the_run_is_refused_however_it_is_spelt() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("typo.html"), TYPO).unwrap();
    let config = "portal = \"https://acme.deskdirector.com\"\n";
    std::fs::write(root.join("ddlink.toml"), config).unwrap();
    let refused = |args: &[&str], says: &str| {
        let output = ddlink(args, root);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(root.join("typo.html")).unwrap(),
            TYPO
        );
        assert_eq!(
            std::fs::read_to_string(root.join("ddlink.toml")).unwrap(),
            config
        );
        assert!(
            !root.join("new").exists() && !root.join("out").exists(),
            "{args:?}"
        );
    };
    for command in ["check", "fix"] {
        refused(
            &[command, "--output-file", "new/../typo.html", "typo.html"],
            "`--output-file new/../typo.html` names a file this run reads",
        );
        refused(
            &[command, "--output-file", "ddlink.toml", "typo.html"],
            "`--output-file ddlink.toml` names a configuration file",
        );
        // A new one too: among templates, the next run would read it as their configuration.
        refused(
            &[command, "--output-file", "new/ddlink.toml", "typo.html"],
            "`--output-file new/ddlink.toml` names a configuration file",
        );
        refused(
            &[
                command,
                "--config",
                "ddlink.toml",
                "--output-file",
                "new/../ddlink.toml",
                "typo.html",
            ],
            "`--output-file new/../ddlink.toml` names a configuration file",
        );
    }
    refused(
        &[
            "fix",
            "--out-dir",
            "out",
            "--output-file",
            "out/typo.html",
            "typo.html",
        ],
        "`--output-file out/typo.html` names a result --out-dir writes",
    );
    // Beside the results, the report is written.
    let beside = ddlink(
        &[
            "fix",
            "--out-dir",
            "out",
            "--output-file",
            "out/report.txt",
            "typo.html",
        ],
        root,
    );
    assert_eq!(beside.status.code(), Some(1), "{}", text(&beside.stderr));
    assert!(root.join("out/typo.html").is_file() && root.join("out/report.txt").is_file());
}

/// A report that cannot be written is said of the path the user gave, not of the temporary
/// file ddlink writes first.
#[test]
fn an_unwritable_report_names_the_path_given() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("typo.html"), TYPO).unwrap();
    // A folder that cannot be made: a file stands where it would be, or above it. The system
    // says `File exists` for one and `Not a directory` for the other: the file is named.
    std::fs::write(root.join("taken"), "").unwrap();
    for report in ["taken/r.json", "taken/dir/r.json"] {
        let runs = [
            ddlink(
                &[
                    "check",
                    "--format",
                    "json",
                    "--output-file",
                    report,
                    "typo.html",
                ],
                root,
            ),
            ddlink(&["fix", "--output-file", report, "typo.html"], root),
            ddlink_stdin_in(
                &["fix", "--output-file", report, "-"],
                root,
                TYPO.as_bytes(),
            ),
        ];
        for output in runs {
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(
                stderr.contains(&format!(
                    "cannot write `{report}`: `taken` is a file, not a folder"
                )),
                "{stderr}"
            );
            assert!(!stderr.contains(".ddlink-tmp"), "{stderr}");
        }
    }
    // The results of `--out-dir` too.
    let out_dir = ddlink(&["fix", "--out-dir", "taken", "typo.html"], root);
    let stderr = text(&out_dir.stderr);
    assert_eq!(out_dir.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write `taken/typo.html`: `taken` is a file, not a folder"),
        "{stderr}"
    );
}

#[test]
fn completions_and_man_page() {
    let root = Path::new(".");
    for shell in ["bash", "zsh", "fish"] {
        let output = ddlink(&["completions", shell], root);
        assert_eq!(output.status.code(), Some(0));
        let script = text(&output.stdout);
        assert!(
            script.contains("ddlink") && script.contains("check") && script.contains("portal"),
            "{shell}"
        );
        // `check --fix` is refused: never offered. The spelling ruff users type is.
        for offered in [" --fix ", "-l fix ", "'--fix["] {
            assert!(!script.contains(offered), "{shell}: {offered}");
        }
        assert!(script.contains("output-format"), "{shell}");
    }
    let man = ddlink(&["man"], root);
    assert!(
        text(&man.stdout).starts_with(".ie"),
        "{}",
        &text(&man.stdout)[..40]
    );
    let page = text(&man.stdout);
    assert!(page.contains(".TH ddlink"));
    // One page documents every subcommand and its options, and points to no other page.
    for section in [
        "CHECK",
        "FIX",
        "LINK",
        "RULES",
        "RULE",
        "INIT",
        "COMPLETIONS",
        "MAN",
    ] {
        assert!(
            page.contains(&format!(".SH \"DDLINK {section}\"\n")),
            "{section}"
        );
    }
    for option in [
        r"\-\-out\-dir",
        r"\-\-exit\-non\-zero\-on\-fix",
        r"\-\-max\-warnings",
    ] {
        assert!(page.contains(option), "{option}");
    }
    assert!(!page.contains(r"ddlink\-check(1)"));
}

/// `--client` is a common flag: it chooses the form of expanded links over the config's
/// `client`, and a placeholder's own `client` attribute wins over both.
#[test]
fn the_client_flag_chooses_the_form_of_expanded_links() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("ddlink.toml"),
        "portal = \"https://acme.deskdirector.com\"\nclient = \"web\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("t.html"),
        "<a href=\"{{deeplink name='ticket_list'}}\">Open</a>\n\
         <dd-link name=\"invoices\" client=\"web\">Invoices</dd-link>\n",
    )
    .unwrap();
    let fix = |args: &[&str]| {
        let mut all = vec!["fix", "--diff", "--format", "concise", "t.html"];
        all.extend_from_slice(args);
        text(&ddlink(&all, root).stdout)
    };
    let desktop = fix(&["--client", "desktop"]);
    assert!(
        desktop.contains("+<a href=\"ddportal://name=ticket_list\">Open</a>"),
        "{desktop}"
    );
    assert!(
        desktop.contains(
            "+<a href=\"https://acme.deskdirector.com/portal/deeplink?name=invoices\">Invoices</a>"
        ),
        "{desktop}"
    );
    let configured = fix(&[]);
    assert!(
        configured.contains(
            "+<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket_list\">Open</a>"
        ),
        "{configured}"
    );
    // The desktop links it writes for a desktop audience are not then reported (DD403).
    let saved = ddlink_stdin_in(
        &[
            "fix",
            "-",
            "--stdin-filename",
            "t.html",
            "--client",
            "desktop",
        ],
        root,
        b"<a href=\"{{deeplink name='ticket_list'}}\">Open</a>\n",
    );
    assert_eq!(
        (text(&saved.stdout).as_str(), text(&saved.stderr).as_str()),
        ("<a href=\"ddportal://name=ticket_list\">Open</a>\n", "")
    );
    let bad = ddlink(&["check", "--client", "mobile", "t.html"], root);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("invalid value 'mobile' for '--client <CLIENT>'"),
        "{}",
        text(&bad.stderr)
    );
}

/// A `snippets` folder in `dir`, named by the `ddlink.toml` beside it as `templates_dir`.
fn snippets_folder(dir: &Path) {
    std::fs::create_dir_all(dir.join("snippets")).unwrap();
    std::fs::write(
        dir.join("ddlink.toml"),
        "portal = \"https://acme.deskdirector.com\"\ntemplates_dir = \"snippets\"\n",
    )
    .unwrap();
}

/// `templates_dir` (relative to its ddlink.toml) replaces the built-in snippets; a snippet
/// missing from it falls back to the built-in one; a folder that is not there, or a snippet
/// Handlebars cannot compile, stops the run for the files it governs (exit 2, reported once).
#[test]
fn templates_dir_overrides_the_built_in_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    snippets_folder(&root.join("mail"));
    std::fs::write(
        root.join("mail/snippets/link.hbs"),
        // Two braces or three: ddlink escapes the values itself, Handlebars adds nothing.
        "<a class=\"brand\" href=\"{{href}}\"{{{attributes}}}>{{label}} &rarr;</a>\n",
    )
    .unwrap();
    let template = "<dd-link name=\"invoices\" target=\"_blank\">Invoices</dd-link>\n";
    std::fs::write(root.join("mail/t.html"), template).unwrap();
    std::fs::write(root.join("mail/u.html"), template).unwrap();

    let fixed = ddlink_stdin_in(
        &["fix", "-", "--stdin-filename", "mail/t.html"],
        root,
        template.as_bytes(),
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
    assert_eq!(
        text(&fixed.stdout),
        "<a class=\"brand\" href=\"https://acme.deskdirector.com/portal/deeplink?name=invoices\" target=\"_blank\">Invoices &rarr;</a>\n"
    );
    // No button.hbs in the folder: the built-in button.
    std::fs::write(
        root.join("mail/t.html"),
        "<dd-link name=\"invoices\" as=\"button\">Invoices</dd-link>\n",
    )
    .unwrap();
    let button = ddlink(&["fix", "--diff", "mail/t.html"], root);
    assert!(
        text(&button.stdout).contains("<table role=\"presentation\""),
        "{}",
        text(&button.stdout)
    );

    // The snippets are ddlink's markup, not templates: a walk leaves their folder out.
    let walked = ddlink(&["check", "mail"], root);
    assert_eq!(
        text(&walked.stdout),
        "All clear: no findings in 2 files; 2 placeholders to expand with `ddlink fix`.\n",
        "{}",
        text(&walked.stderr)
    );

    // A snippet that does not compile: exit 2, said once for the two files it governs.
    std::fs::write(root.join("mail/snippets/link.hbs"), "{{#if}}").unwrap();
    let broken = ddlink(&["check", "mail"], root);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    assert_eq!(stderr.matches("templates_dir: ").count(), 1, "{stderr}");
    assert!(
        stderr.contains("snippets/link.hbs` is not a valid Handlebars template"),
        "{stderr}"
    );
    assert!(text(&broken.stdout).contains("2 inputs could not be checked"));

    // A folder that is not there.
    std::fs::write(
        root.join("mail/ddlink.toml"),
        "portal = \"https://acme.deskdirector.com\"\ntemplates_dir = \"snipets\"\n",
    )
    .unwrap();
    let missing = ddlink(&["fix", "--check", "mail/u.html"], root);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("mail/snipets` is not a folder"),
        "{}",
        text(&missing.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("mail/u.html")).unwrap(),
        template
    );
}

/// A custom snippet's own attribute in the tag the placeholder's attributes go in
/// (`class="brand"` beside the placeholder's `class`) would give the link two: the
/// placeholder is reported (DD411) and left as it is, by `check` as by `fix`.
#[test]
fn a_snippets_own_attribute_is_not_written_twice() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    snippets_folder(&root.join("mail"));
    std::fs::write(
        root.join("mail/snippets/link.hbs"),
        "<p class=\"cta\"><a class=\"brand\" href=\"{{{href}}}\"{{{attributes}}}>{{{label}}}</a></p>\n",
    )
    .unwrap();
    let template = "<dd-link name=\"invoices\" CLASS=\"big\">Invoices</dd-link>\n<dd-link name=\"quotes\" title=\"cta\">Quotes</dd-link>\n";
    std::fs::write(root.join("mail/t.html"), template).unwrap();

    let checked = ddlink(&["check", "--format", "concise", "mail/t.html"], root);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked.stderr));
    assert_eq!(
        text(&checked.stdout),
        "mail/t.html:1:1: DD411 the snippet writes its own `class` in the tag the placeholder's attributes go in: the link would have two, and mail clients keep only the first\n"
    );
    let fixed = ddlink_stdin_in(
        &["fix", "-", "--stdin-filename", "mail/t.html"],
        root,
        template.as_bytes(),
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
    assert!(
        text(&fixed.stderr).contains("DD411"),
        "{}",
        text(&fixed.stderr)
    );
    assert_eq!(
        text(&fixed.stdout),
        "<dd-link name=\"invoices\" CLASS=\"big\">Invoices</dd-link>\n<p class=\"cta\"><a class=\"brand\" href=\"https://acme.deskdirector.com/portal/deeplink?name=quotes\" title=\"cta\">Quotes</a></p>\n"
    );
}

/// A custom snippet that would write a broken link is refused when loaded, before any file is
/// touched (exit 2); one whose conditions leave out the link for some placeholder only has
/// that placeholder reported and left as it is.
#[test]
fn unsafe_snippets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    snippets_folder(&root.join("mail"));
    let template = "<dd-link name=\"invoices\" target=\"_blank\">Invoices</dd-link>\n";
    std::fs::write(root.join("mail/u.html"), template).unwrap();

    // No link (or none when a `style` is given), an unquoted link, a label written
    // twice, a label inside a tag, pass-through attributes or a style where they break the
    // markup.
    for (snippet, problem) in [
        ("<span>{{{label}}}</span>", "does not always write the link"),
        (
            "<a{{#unless style}} href=\"{{{href}}}\"{{/unless}}{{{attributes}}}>{{{label}}}</a>",
            "does not always write the link",
        ),
        (
            "<a href=\"{{{href}}}\" data-x=\"{{{attributes}}}\">{{{label}}}</a>",
            "writes `{{{attributes}}}` other than",
        ),
        (
            "<a href=\"{{{href}}}\">{{{label}}}</a>{{{attributes}}}",
            "writes `{{{attributes}}}` other than",
        ),
        (
            "<a href=\"{{{href}}}\" style={{{style}}}>{{{label}}}</a>",
            "writes `{{{style}}}` other than",
        ),
        (
            "<a href={{{href}}}>{{{label}}}</a>",
            "writes the link other than as a whole",
        ),
        (
            "<!--[if mso]><v:roundrect href=\"{{{href}}}\">{{{label}}}</v:roundrect><![endif]--><a href=\"{{{href}}}\">{{{label}}}</a>",
            "`{{{label}}}` more than once",
        ),
        (
            "<a href=\"{{{href}}}\" title=\"{{{label}}}\">Open</a>",
            "writes `{{{label}}}` inside a tag",
        ),
    ] {
        std::fs::write(root.join("mail/snippets/link.hbs"), snippet).unwrap();
        let refused = ddlink(&["fix", "mail/u.html"], root);
        assert_eq!(refused.status.code(), Some(2), "{snippet}");
        assert!(
            text(&refused.stderr).contains(problem),
            "{}",
            text(&refused.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(root.join("mail/u.html")).unwrap(),
            template
        );
    }

    // A condition on what only a placeholder shows: the probe sees the link written, this
    // placeholder would get none. It is reported and left as it is.
    std::fs::write(
        root.join("mail/snippets/link.hbs"),
        "{{#if (eq attributes ' class=\"plain\"')}}<span>{{{label}}}</span>{{else}}<a href=\"{{{href}}}\"{{{attributes}}}>{{{label}}}</a>{{/if}}",
    )
    .unwrap();
    let plain = "<dd-link name=\"invoices\" class=\"plain\">Invoices</dd-link>\n";
    std::fs::write(root.join("mail/u.html"), plain).unwrap();
    let left = ddlink(&["fix", "mail/u.html", "--format", "concise"], root);
    assert_eq!(
        (left.status.code(), text(&left.stdout).as_str()),
        (
            Some(1),
            "mail/u.html:1:1: DD411 the snippet left out the link's URL for this placeholder\n"
        ),
        "{}",
        text(&left.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("mail/u.html")).unwrap(),
        plain
    );
}

/// An empty `<dd-link>` gets the custom snippet's own label when the snippet writes one for
/// an empty `label` (`{{#if label}}…{{else}}…{{/if}}`), and ddlink's label for the command when
/// the snippet writes the label as given.
#[test]
fn a_snippet_may_give_its_own_default_label() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    snippets_folder(root);
    let href = "https://acme.deskdirector.com/portal/deeplink?name=ticket_list";
    let template =
        "<dd-link name=\"ticket_list\"></dd-link> <dd-link name=\"ticket_list\">Mine</dd-link>\n";
    for (snippet, expected) in [
        (
            "<a href=\"{{{href}}}\">{{#if label}}{{{label}}}{{else}}Open the portal &rarr;{{/if}}</a>",
            format!("<a href=\"{href}\">Open the portal &rarr;</a> <a href=\"{href}\">Mine</a>\n"),
        ),
        (
            "<a href=\"{{{href}}}\">{{#if label}}<b>{{{label}}}</b>{{else}} {{/if}}</a>",
            format!(
                "<a href=\"{href}\"><b>Your tickets</b></a> <a href=\"{href}\"><b>Mine</b></a>\n"
            ),
        ),
        (
            "<a href=\"{{{href}}}\" class=\"x\">{{{label}}}</a>",
            format!(
                "<a href=\"{href}\" class=\"x\">Your tickets</a> <a href=\"{href}\" class=\"x\">Mine</a>\n"
            ),
        ),
    ] {
        std::fs::write(root.join("snippets/link.hbs"), snippet).unwrap();
        let fixed = ddlink_stdin_in(
            &["fix", "-", "--stdin-filename", "t.html"],
            root,
            template.as_bytes(),
        );
        assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
        assert_eq!(text(&fixed.stdout), expected, "{snippet}");
    }
}

/// A snippet's line breaks, whichever it was saved with, become the template's own (SPEC §6),
/// each followed by the placeholder's indentation: `\n`, `\r\n`, or a lone `\r` as classic
/// Mac editors write.
#[test]
fn a_snippet_writes_the_templates_line_ending() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    snippets_folder(root);
    let href = "https://acme.deskdirector.com/portal/deeplink?name=ticket_list";
    for snippet_newline in ["\r\n", "\r", "\n"] {
        std::fs::write(
            root.join("snippets/link.hbs"),
            ["<a href=\"{{{href}}}\">", "{{{label}}}", "</a>", ""].join(snippet_newline),
        )
        .unwrap();
        for newline in ["\n", "\r\n", "\r"] {
            let template = [
                "<p>",
                "  <dd-link name=\"ticket_list\">x</dd-link>",
                "</p>",
                "",
            ]
            .join(newline);
            let fixed = ddlink_stdin_in(
                &["fix", "-", "--stdin-filename", "t.html"],
                root,
                template.as_bytes(),
            );
            assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
            let expected = [
                "<p>",
                &format!("  <a href=\"{href}\">"),
                "  x",
                "  </a>",
                "</p>",
                "",
            ]
            .join(newline);
            assert_eq!(
                text(&fixed.stdout),
                expected,
                "a snippet with {snippet_newline:?} in a template with {newline:?}"
            );
        }
    }
}

/// Standard input under every mode of `fix`: `--stdin-filename` alone reads it (the file it
/// names is not touched), `--check -` and `--diff -` write no document, an excluded name
/// echoes the buffer, `--exit-non-zero-on-fix`, `--max-warnings` and `--output-file` apply.
#[test]
fn standard_input_under_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("ddlink.toml"),
        "exclude = [\"archive/**\"]\n\n[rules]\nDD403 = \"off\"\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("archive")).unwrap();
    let before = "<a href=\"ddportal://name=ticket&ticket_id=1\">x</a>\n";
    let after = "<a href=\"ddportal://name=ticket&amp;ticket_id=1\">x</a>\n";
    std::fs::write(root.join("t.html"), before).unwrap();

    let named = ddlink_stdin_in(
        &["fix", "--stdin-filename", "t.html"],
        root,
        before.as_bytes(),
    );
    assert_eq!(named.status.code(), Some(0), "{}", text(&named.stderr));
    assert_eq!(text(&named.stdout), after);
    assert_eq!(
        std::fs::read_to_string(root.join("t.html")).unwrap(),
        before
    );
    let checked = ddlink_stdin_in(
        &["check", "--format", "concise", "--stdin-filename", "t.html"],
        root,
        after.as_bytes(),
    );
    assert_eq!(text(&checked.stdout), "");
    assert_eq!(checked.status.code(), Some(0));
    // Flags that cannot apply are said, not dropped silently.
    let ignored = ddlink_stdin_in(
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "x.html",
            "t.html",
        ],
        root,
        after.as_bytes(),
    );
    assert!(
        text(&ignored.stderr).contains("warning: --stdin-filename is ignored"),
        "{}",
        text(&ignored.stderr)
    );
    assert!(text(&ignored.stdout).starts_with("t.html:1:"));
    let out_dir = ddlink_stdin_in(&["fix", "-", "--out-dir", "out"], root, before.as_bytes());
    assert_eq!(out_dir.status.code(), Some(2));
    assert_eq!(text(&out_dir.stdout), "");
    assert!(text(&out_dir.stderr).contains("--out-dir does not apply to `-`"));

    let check = ddlink_stdin_in(&["fix", "--check", "-"], root, before.as_bytes());
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stdout).starts_with("Would fix: -\n"),
        "{}",
        text(&check.stdout)
    );
    let diff = ddlink_stdin_in(&["fix", "--diff", "-"], root, before.as_bytes());
    assert_eq!(diff.status.code(), Some(1));
    assert_eq!(
        text(&diff.stdout),
        format!("--- a/-\n+++ b/-\n@@ -1 +1 @@\n-{before}+{after}")
    );
    let clean = ddlink_stdin_in(&["fix", "--check", "-"], root, after.as_bytes());
    assert_eq!(clean.status.code(), Some(0));

    let excluded = ddlink_stdin_in(
        &["fix", "--stdin-filename", "archive/t.html", "-"],
        root,
        before.as_bytes(),
    );
    assert_eq!(excluded.status.code(), Some(0));
    assert_eq!(text(&excluded.stdout), before);
    // `check -` agrees: an excluded buffer is not judged.
    let excluded = ddlink_stdin_in(
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "archive/t.html",
            "-",
        ],
        root,
        b"<a href=\"ddportal://name=tickt\">x</a>\n",
    );
    assert_eq!(excluded.status.code(), Some(0));
    assert_eq!(text(&excluded.stdout), "");

    let strict = ddlink_stdin_in(
        &["fix", "--exit-non-zero-on-fix", "-"],
        root,
        before.as_bytes(),
    );
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(text(&strict.stdout), after);
    // So does `--max-warnings`, asked for by name: said on stderr, the result written.
    let desktop = b"<a href=\"ddportal://name=ticket_list\">x</a>\n";
    let warned = ddlink_stdin_in(
        &["fix", "--select", "DD403", "--max-warnings", "0", "-"],
        root,
        desktop,
    );
    assert_eq!(warned.status.code(), Some(1));
    assert_eq!(warned.stdout, desktop);
    assert!(
        text(&warned.stderr).ends_with("ddlink: 1 warning, more than --max-warnings 0 allows\n"),
        "{}",
        text(&warned.stderr)
    );
    let allowed = ddlink_stdin_in(
        &["fix", "--select", "DD403", "--max-warnings", "1", "-"],
        root,
        desktop,
    );
    assert_eq!(allowed.status.code(), Some(0));

    let json = ddlink_stdin_in(
        &[
            "fix",
            "--format",
            "json",
            "--output-file",
            "report.json",
            "-",
        ],
        root,
        before.as_bytes(),
    );
    assert_eq!(json.status.code(), Some(0));
    assert_eq!(text(&json.stdout), after);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["changed"], 1);
    assert_eq!(report["summary"]["files"], 1);
}

/// A file named twice, in two spellings or by its folder and itself, is read once.
#[test]
fn a_file_named_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("cw")).unwrap();
    std::fs::write(
        root.join("cw/t.html"),
        "<a href=\"ddportal://name=ticket&amp;ticket_id=1&amp;action=aprove\">x</a>\n",
    )
    .unwrap();
    let check = ddlink(
        &[
            "check",
            "--format",
            "json",
            "cw/t.html",
            "./cw/t.html",
            "cw",
        ],
        root,
    );
    let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(json["summary"]["errors"], 1);
    let fix = ddlink(
        &["fix", "--unsafe-fixes", "cw/t.html", "./cw/t.html", "cw"],
        root,
    );
    assert_eq!(fix.status.code(), Some(0), "{}", text(&fix.stderr));
    assert!(
        std::fs::read_to_string(root.join("cw/t.html"))
            .unwrap()
            .contains("action=approve")
    );
    // By its folder and a symlink to that folder: the same file, read once (fixed twice, the
    // second fix found it changed on disk).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("cw", root.join("linked")).unwrap();
        std::fs::write(
            root.join("cw/t.html"),
            "<a href=\"ddportal://name=ticket&amp;ticket_id=1&amp;action=aprove\">x</a>\n",
        )
        .unwrap();
        let fix = ddlink(&["fix", "--unsafe-fixes", "cw", "linked"], root);
        assert_eq!(fix.status.code(), Some(0), "{}", text(&fix.stderr));
        assert!(
            text(&fix.stdout).contains("(1 file changed)"),
            "{}",
            text(&fix.stdout)
        );
    }
}

/// `check --unsafe-fixes` counts the guesses as fixable, and says which command applies them.
#[test]
fn check_counts_unsafe_fixes_when_asked() {
    let input = br#"<a href="ddportal://name=ticket&amp;ticket_id=1&amp;action=aprove">x</a>"#;
    let safe = ddlink_stdin(&["check", "-"], input);
    assert!(
        text(&safe.stdout).ends_with("Found 1 error, 1 warning, 0 infos in 1 file.\n"),
        "{}",
        text(&safe.stdout)
    );
    let all = ddlink_stdin(&["check", "--unsafe-fixes", "-"], input);
    assert!(
        text(&all.stdout).ends_with(
            "Found 1 error, 1 warning, 0 infos in 1 file (1 fixable with `ddlink fix --unsafe-fixes`).\n"
        ),
        "{}",
        text(&all.stdout)
    );
    let json = ddlink_stdin(&["check", "--unsafe-fixes", "--format", "json", "-"], input);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["summary"]["fixable"], 1);
}

/// `fix --unsafe-fixes` renames a placeholder's near-miss key where the placeholder writes it,
/// and the placeholder is expanded in the next round; a key it has already is not made twice.
#[test]
fn unsafe_fixes_rename_near_miss_keys_of_placeholders() {
    let input = concat!(
        "<dd-link name=\"ticket\" TicketID=\"[srnumber]\" clinet=\"web\">Open</dd-link>\n",
        "<a href=\"{{deeplink name='ticket' ticketid='[srnumber]'}}\">Open</a>\n",
        "<dd-link name=\"quotes\" nmae=\"quote\">Quotes</dd-link>\n",
    );
    let flags = [
        "--psa",
        "connectwise",
        "--portal",
        "https://acme.deskdirector.com",
    ];
    let safe = ddlink_stdin(&[&["fix"][..], &flags, &["-"]].concat(), input.as_bytes());
    assert_eq!(text(&safe.stdout), input);
    let fixed = ddlink_stdin(
        &[&["fix", "--unsafe-fixes"][..], &flags, &["-"]].concat(),
        input.as_bytes(),
    );
    assert_eq!(
        text(&fixed.stdout),
        concat!(
            "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]\">Open</a>\n",
            "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]\">Open</a>\n",
            "<dd-link name=\"quotes\" nmae=\"quote\">Quotes</dd-link>\n",
        ),
        "{}",
        text(&fixed.stderr)
    );
}

/// A control character in a template, a file name or an argument reaches no terminal raw: it
/// could erase lines or hide text (`ESC[8m`) in a CI log, or shift an excerpt's label. People's
/// formats show it (`␛`, `␇`, `\u{9b}`); the machine formats keep it as it is.
#[test]
fn control_characters_are_shown_to_people_and_kept_for_machines() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/document/control-characters");
    let flags = [
        "--psa",
        "connectwise",
        "--portal",
        "https://acme.deskdirector.com",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec!["check"];
        args.extend(flags);
        args.extend(extra);
        args.push("input.html");
        ddlink(&args, &case)
    };
    let raw = |bytes: &[u8]| {
        bytes
            .windows(2)
            .any(|w| (w[0] < 0x20 && w[0] != b'\n') || w[0] == 0x7f || w == [0xc2, 0x9b])
    };

    let concise = run(&["--format", "concise"]);
    assert_eq!(
        text(&concise.stdout),
        "input.html:2:61: DD101 `tick␛[8met` is not a deep-link command\n\
         input.html:3:104: DD106 `\\u{9b}aprove␇` is not a ticket action\n"
    );
    let human = run(&[]);
    assert!(!raw(&human.stdout), "{}", text(&human.stdout));
    assert!(text(&human.stdout).contains("  × `\\u{9b}aprove␇` is not a ticket action\n"));

    // JSON escapes the characters; GitHub's workflow commands show them, since the Actions log
    // shows annotations to people.
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["--format", "json"]).stdout).unwrap();
    assert_eq!(
        json["diagnostics"][0]["message"],
        "`tick\u{1b}[8met` is not a deep-link command"
    );
    assert_eq!(
        json["diagnostics"][1]["message"],
        "`\u{9b}aprove\u{7}` is not a ticket action"
    );
    let github = text(&run(&["--format", "github"]).stdout);
    assert!(github.contains("`tick␛[8met`"), "{github}");
    assert!(!raw(github.as_bytes()), "{github}");

    // File names, from a walk or the command line, and arguments.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a\u{1b}[2K.html"), TYPO).unwrap();
    std::fs::write(root.join("b\u{1b}[2K.html"), "\0\0").unwrap();
    let walked = ddlink(&["check", "--format", "concise", "."], root);
    assert_eq!(
        text(&walked.stdout),
        "a␛[2K.html:2:106: DD106 `aprove` is not a ticket action\n"
    );
    assert_eq!(
        text(&walked.stderr),
        "ddlink: skipped `b␛[2K.html`: binary file (NUL byte at offset 0)\n"
    );
    let missing = ddlink(&["check", "gone\u{1b}[2K\u{7}.html"], root);
    assert!(
        text(&missing.stderr).contains("cannot read `gone␛[2K␇.html`"),
        "{}",
        text(&missing.stderr)
    );
    let rule = ddlink(&["rule", "DD1\u{1b}[8m"], root);
    assert_eq!(
        text(&rule.stderr),
        "error: no rule `DD1␛[8m` (did you mean `DD108`?); `ddlink rules` lists them\n"
    );
    // A line of ddlink.toml quoted in an error, its label still under the character it marks.
    std::fs::write(root.join("ddlink.toml"), "psa = \"connect\u{1b}wise\"\n").unwrap();
    let config = ddlink(&["check", "--format", "concise", "."], root);
    let stderr = text(&config.stderr);
    assert!(!raw(&config.stderr), "{stderr}");
    let source = stderr.lines().find(|l| l.contains("psa = ")).unwrap();
    let marker = stderr.lines().find(|l| l.contains('┬')).unwrap();
    let column = |line: &str, c: char| line.chars().position(|x| x == c).unwrap();
    assert_eq!(column(source, '␛'), column(marker, '┬'), "{stderr}");
}

#[test]
fn a_config_given_with_the_flag_matches_its_globs_from_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    for folder in ["ci", "templates/archive", "templates/autotask"] {
        std::fs::create_dir_all(project.join(folder)).unwrap();
    }
    std::fs::write(
        project.join("ci/ddlink.toml"),
        "psa = \"connectwise\"\nexclude = [\"templates/archive/**\"]\n\n[[overrides]]\nfiles = [\"templates/autotask/**\"]\npsa = \"autotask\"\n",
    )
    .unwrap();
    let link = "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]\">x</a>\n";
    for file in [
        "templates/t.html",
        "templates/archive/old.html",
        "templates/autotask/a.html",
    ] {
        std::fs::write(project.join(file), link).unwrap();
    }
    let output = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--config",
            "ci/ddlink.toml",
            "templates",
        ],
        project,
    );
    assert_eq!(
        text(&output.stdout),
        "templates/autotask/a.html:1:82: DD201 `[srnumber]` is a ConnectWise token, but this template is Autotask\n"
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
}

/// The save hook says why the document did not arrive when standard output cannot be written
/// (a full disk), as `check` does; an editor otherwise sees exit 2 and nothing else.
#[cfg(target_os = "linux")]
#[test]
fn the_save_hook_says_when_standard_output_cannot_be_written() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(["fix", "-"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"<p>x</p>\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cannot write `<stdout>`: No space left on device"),
        "{}",
        text(&output.stderr)
    );
}

/// Every command that prints says so when standard output cannot be written, and fails.
#[cfg(target_os = "linux")]
#[test]
fn every_command_says_when_standard_output_cannot_be_written() {
    for args in [
        &["rules"][..],
        &["rule", "DD106"],
        &["man"],
        &["completions", "bash"],
        &["link", "name=ticket_list", "--client", "desktop"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ddlink"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("cannot write `<stdout>`: No space left on device"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

/// A `ddlink.toml` that is a symlink leading nowhere (a shared configuration since moved) or
/// to itself is an error, exit 2, not a run without its settings.
#[cfg(unix)]
#[test]
fn a_broken_configuration_symlink_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("typo.html"), TYPO).unwrap();
    for target in ["shared/ddlink.toml", "ddlink.toml"] {
        let _ = std::fs::remove_file(root.join("ddlink.toml"));
        std::os::unix::fs::symlink(target, root.join("ddlink.toml")).unwrap();
        let output = ddlink(&["check", "typo.html"], root);
        assert_eq!(output.status.code(), Some(2), "{target}");
        assert!(
            text(&output.stderr).contains("cannot read config"),
            "{target}: {}",
            text(&output.stderr)
        );
    }
}

/// A `ddlink.toml` found walking up that is a named pipe is an error, exit 2, not a wait for
/// a writer that never comes; a named pipe given with `--config` is read (`--config <(…)`).
#[cfg(unix)]
#[test]
fn a_configuration_that_is_a_named_pipe_is_an_error_not_a_wait() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("typo.html"), TYPO).unwrap();
    let pipe = root.join("ddlink.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(["check", "typo.html"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("ddlink waits on a ddlink.toml that is a named pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stdout),
        "No findings in 0 files. 1 input could not be checked.\n"
    );
    assert_eq!(
        text(&output.stderr),
        format!(
            "ddlink::config\n\n  × config `{}` is not a regular file (it is a named pipe)\n  help: a ddlink.toml found walking up from a template must be a file: remove or rename this one,\n        or name a configuration with --config\n",
            pipe.display()
        )
    );

    let config = root.join("settings.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&config)
            .status()
            .unwrap()
            .success()
    );
    let writer = {
        let config = config.clone();
        std::thread::spawn(move || std::fs::write(config, "psa = \"connectwise\"\n").unwrap())
    };
    let given = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--config",
            "settings.toml",
            "typo.html",
        ],
        root,
    );
    writer.join().unwrap();
    assert_eq!(given.status.code(), Some(1), "{}", text(&given.stderr));
    assert_eq!(
        text(&given.stdout),
        "typo.html:2:106: DD106 `aprove` is not a ticket action\n"
    );
}

/// A template over the 4 MiB a run holds in memory: `links` after every 500 lines of text.
fn larger_than_held(links: &str) -> String {
    let filler = "<p>Filler text of a long notification, line after line.</p>\n".repeat(500);
    let mut template = String::new();
    while template.len() <= 5 * 1024 * 1024 {
        template.push_str(&filler);
        template.push_str(links);
    }
    template
}

/// The save hook given more than what is held in memory (4 MiB) fixes it from a temporary
/// file: the document and the findings are those `fix --out-dir` gives for the same file.
#[test]
fn a_large_buffer_is_fixed_by_the_save_hook_as_its_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let template = larger_than_held(&format!(
        "{TYPO}<dd-link name=\"ticket\" action=\"close\">Close</dd-link>\n"
    ));
    std::fs::write(root.join("big.html"), &template).unwrap();
    let flags = [
        "fix",
        "--format",
        "concise",
        "--psa",
        "connectwise",
        "--portal",
        "https://acme.deskdirector.com",
    ];
    let file = ddlink(
        &[&flags[..], &["--out-dir", "out", "big.html"]].concat(),
        root,
    );
    assert_eq!(file.status.code(), Some(1), "{}", text(&file.stderr));
    let fixed = std::fs::read_to_string(root.join("out/big.html")).unwrap();
    assert!(fixed.len() > template.len() && !fixed.contains("<dd-link"));
    let hook = ddlink_stdin_in(
        &[&flags[..], &["--stdin-filename", "big.html", "-"]].concat(),
        root,
        template.as_bytes(),
    );
    assert_eq!(hook.status.code(), Some(0), "{}", text(&hook.stderr));
    assert!(
        text(&hook.stdout) == fixed,
        "the save hook's document differs"
    );
    let findings = |report: &str| {
        report
            .lines()
            .filter(|l| l.starts_with("big.html:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(findings(&text(&hook.stderr)), findings(&text(&file.stdout)));
    assert!(findings(&text(&hook.stderr)).len() > 100);
}

/// Standard input and a named pipe larger than what is held in memory (4 MiB) are checked
/// from a temporary file, with the findings a check of the same file gives, line for line.
#[test]
fn a_large_stream_is_checked_as_its_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let template = larger_than_held(TYPO);
    std::fs::write(root.join("big.html"), &template).unwrap();
    let flags = ["check", "--format", "concise", "--psa", "connectwise"];
    let file = ddlink(&[&flags[..], &["big.html"]].concat(), root);
    let findings = text(&file.stdout);
    assert_eq!(file.status.code(), Some(1));
    assert!(findings.lines().count() > 100, "{findings}");
    let stdin = ddlink_stdin_in(
        &[&flags[..], &["--stdin-filename", "big.html", "-"]].concat(),
        root,
        template.as_bytes(),
    );
    assert_eq!(text(&stdin.stdout), findings, "{}", text(&stdin.stderr));
    #[cfg(unix)]
    {
        let fifo = root.join("pipe.html");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let writer = {
            let (fifo, template) = (fifo.clone(), template.clone());
            std::thread::spawn(move || std::fs::write(fifo, template).unwrap())
        };
        let piped = ddlink(&[&flags[..], &["pipe.html"]].concat(), root);
        writer.join().unwrap();
        assert_eq!(
            text(&piped.stdout),
            findings.replace("big.html:", "pipe.html:"),
            "{}",
            text(&piped.stderr)
        );
    }
}

/// A fatal error quotes what it is about, and that may be a credential: an argument of
/// `ddlink link`, a `--portal` URL copied with its token, a configuration line. CI logs are
/// often public: each is masked, as in the findings.
#[test]
fn errors_mask_the_credentials_they_quote() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("t.html"), "<p>x</p>\n").unwrap();
    let link = ddlink(
        &[
            "link",
            "--portal",
            "https://acme.deskdirector.com",
            "name=ticket",
            "auth_username=a@b.co",
            "auth_token=ArgSecret#1",
        ],
        root,
    );
    let flag = ddlink(
        &[
            "check",
            "--portal",
            "https://acme.deskdirector.com/auth/v1/login?access_token=FlagSecret",
            "t.html",
        ],
        root,
    );
    std::fs::write(
        root.join("ddlink.toml"),
        "portal = \"https://acme.deskdirector.com/?access_token=ConfigSecret\"\n",
    )
    .unwrap();
    let config = ddlink(&["check", "t.html"], root);
    for (output, secret) in [
        (link, "ArgSecret"),
        (flag, "FlagSecret"),
        (config, "ConfigSecret"),
    ] {
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("*****"), "{stderr}");
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

#[test]
fn a_file_named_dash_is_not_shown_as_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("-"),
        "<a href=\"https://acme.deskdirector.com/portal/deeplink?Name=ticket_list\">x</a>\n",
    )
    .unwrap();
    let output = ddlink(
        &[
            "check",
            "--format",
            "concise",
            "--portal",
            "https://acme.deskdirector.com",
            "./-",
        ],
        dir.path(),
    );
    assert_eq!(
        text(&output.stdout),
        "./-:1:56: DD111 `Name` must be written `name`\n"
    );
}
