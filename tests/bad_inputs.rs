//! The bad-input matrix of SPEC §6, one named test per row, through the binary: what `check`
//! reports (exit code, diagnostic code, byte offset, never a panic) and what `fix` does to the
//! file (untouched, byte for byte, or rewritten exactly as expected).
//!
//! Two rows cannot be staged through the binary deterministically and are unit tests of
//! `src/cli/write.rs`: a file changed on disk between read and write
//! (`a_file_changed_on_disk_between_read_and_write_is_left_as_it_is_now`) and a file deleted
//! during the run (`a_file_deleted_during_the_run_is_not_created_again`); here,
//! `file_deleted_during_the_run` covers a file that is gone before it is read.
#![allow(clippy::print_stderr)] // each run says how long it took

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
#[path = "support/pipe.rs"]
mod pipe;

const CONFIG: &str = "portal = \"https://acme.deskdirector.com\"\npsa = \"connectwise\"\n";
const PLACEHOLDER: &str = "<dd-link name=\"ticket\" action=\"approve\">Approve</dd-link>";
const EXPANDED: &str = "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=approve\">Approve</a>";
/// A desktop link with a bare `&` (DD401, fixed to `&amp;`).
const BARE: &str = "<a href=\"ddportal://name=ticket&ticket_id=1\">x</a>";
const ESCAPED: &str = "<a href=\"ddportal://name=ticket&amp;ticket_id=1\">x</a>";

/// Longest a single run may take before the test fails (debug build, a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(120);

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ddlink"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DDLINK_TEST_PANIC_ON")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Run to the end, failing the test if that takes longer than [`TIMEOUT`].
fn finish(mut command: Command, what: &str) -> Output {
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    // Drain the pipes on threads so that a large report cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut bytes).unwrap();
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut bytes).unwrap();
        bytes
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("{what}: still running after {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    eprintln!("{what}: {:?}", started.elapsed());
    assert_no_panic(&output, what);
    output
}

fn ddlink(dir: &Path, args: &[&str]) -> Output {
    finish(command(dir, args), &args.join(" "))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_panic(output: &Output, what: &str) {
    let stderr = text(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{what}: {stderr}"
    );
    assert_ne!(output.status.code(), Some(101), "{what}: {stderr}");
}

fn assert_exit(output: &Output, code: i32, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}\nstdout: {}\nstderr: {}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// `check --format json`: every finding as (code, byte offset of its start).
fn check_json(dir: &Path, file: &str) -> (Output, Vec<(String, u64)>) {
    let output = ddlink(dir, &["check", "--format", "json", file]);
    let findings = if output.stdout.is_empty() {
        Vec::new()
    } else {
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["span"]["start"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    (output, findings)
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ddlink.toml"), CONFIG).unwrap();
    dir
}

/// A file's content and identity, to prove that `fix` did not write it at all.
#[derive(Debug, PartialEq)]
struct Snapshot {
    bytes: Vec<u8>,
    modified: std::time::SystemTime,
    #[cfg(unix)]
    inode: u64,
}

fn snapshot(path: &Path) -> Snapshot {
    let metadata = std::fs::metadata(path).unwrap();
    Snapshot {
        bytes: std::fs::read(path).unwrap(),
        modified: metadata.modified().unwrap(),
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&metadata),
    }
}

/// `fix` on `file`, which must come out untouched (not even rewritten with the same bytes).
fn fix_leaves_untouched(dir: &Path, file: &str, code: i32) -> Output {
    let path = dir.join(file);
    let before = snapshot(&path);
    std::thread::sleep(Duration::from_millis(20));
    let output = ddlink(dir, &["fix", file]);
    assert_exit(&output, code, &format!("fix {file}"));
    assert_eq!(snapshot(&path), before, "{file} was written");
    assert_no_temporaries(path.parent().unwrap());
    output
}

/// `fix` on `file`, which must then hold exactly `expected`.
fn fix_gives(dir: &Path, file: &str, expected: &[u8]) -> Output {
    fix_gives_in(dir, file, expected, "human")
}

/// [`fix_gives`] with the report in `format`.
fn fix_gives_in(dir: &Path, file: &str, expected: &[u8], format: &str) -> Output {
    let output = ddlink(dir, &["fix", "--format", format, file]);
    assert_no_panic(&output, file);
    let after = std::fs::read(dir.join(file)).unwrap();
    assert!(
        after == expected,
        "{file}: {}",
        first_difference(&after, expected)
    );
    assert_no_temporaries(dir.join(file).parent().unwrap());
    output
}

fn first_difference(actual: &[u8], expected: &[u8]) -> String {
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    let around = |bytes: &[u8]| text(&bytes[at.saturating_sub(40)..(at + 80).min(bytes.len())]);
    format!(
        "lengths {} and {}, first difference at byte {at}:\n  actual:   {:?}\n  expected: {:?}",
        actual.len(),
        expected.len(),
        around(actual),
        around(expected)
    )
}

fn assert_no_temporaries(folder: &Path) {
    let left: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".ddlink-")
        })
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// What `fix` makes of `input` in a file of its own (the expected output of a larger file is
/// built from it).
fn fixed_alone(input: &str) -> String {
    let project = project();
    std::fs::write(project.path().join("alone.html"), input).unwrap();
    let output = ddlink(project.path(), &["fix", "alone.html"]);
    assert!(output.status.code().is_some_and(|c| c <= 1));
    std::fs::read_to_string(project.path().join("alone.html")).unwrap()
}

#[test]
fn empty_file() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("empty.html"), "").unwrap();
    let (output, findings) = check_json(root, "empty.html");
    assert_exit(&output, 0, "check");
    assert!(findings.is_empty(), "{findings:?}");
    fix_leaves_untouched(root, "empty.html", 0);
}

#[test]
fn binary_file() {
    let project = project();
    let root = project.path();
    std::fs::write(
        root.join("logo.html"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10",
    )
    .unwrap();
    let check = ddlink(root, &["check", "logo.html"]);
    assert_exit(&check, 0, "check");
    assert!(
        text(&check.stderr).contains("skipped `logo.html`: binary file (NUL byte at offset 8)"),
        "{}",
        text(&check.stderr)
    );
    let fix = fix_leaves_untouched(root, "logo.html", 0);
    assert!(text(&fix.stderr).contains("skipped `logo.html`: binary file"));
}

#[test]
fn invalid_utf8() {
    let project = project();
    let root = project.path();
    let mut input = format!("<p>{PLACEHOLDER}</p>\n<p>caf").into_bytes();
    let bad = input.len();
    input.extend_from_slice(b"\xe9 au lait</p>\n");
    input.extend_from_slice(BARE.as_bytes());
    std::fs::write(root.join("latin1.html"), &input).unwrap();
    let (output, findings) = check_json(root, "latin1.html");
    assert_exit(&output, 1, "check");
    assert!(
        findings.contains(&("DD602".to_owned(), bad as u64)),
        "DD602 at {bad}: {findings:?}"
    );
    let concise = ddlink(root, &["check", "--format", "concise", "latin1.html"]);
    assert!(
        text(&concise.stdout).contains(&format!("DD602 invalid UTF-8 at byte {bad}")),
        "{}",
        text(&concise.stdout)
    );
    // A text handler would turn the byte into U+FFFD: the placeholder is not expanded either.
    fix_leaves_untouched(root, "latin1.html", 1);
}

#[test]
fn utf16_with_bom() {
    let project = project();
    let root = project.path();
    let text16 = |big_endian: bool| -> Vec<u8> {
        let units = "\u{feff}<p>hi</p>\n".encode_utf16();
        if big_endian {
            units.flat_map(u16::to_be_bytes).collect()
        } else {
            units.flat_map(u16::to_le_bytes).collect()
        }
    };
    std::fs::write(root.join("le.html"), text16(false)).unwrap();
    std::fs::write(root.join("be.html"), text16(true)).unwrap();
    for (file, encoding) in [("le.html", "UTF-16LE"), ("be.html", "UTF-16BE")] {
        let check = ddlink(root, &["check", file]);
        assert_exit(&check, 2, file);
        assert!(
            text(&check.stderr)
                .contains(&format!("`{file}` is {encoding}, an unsupported encoding")),
            "{}",
            text(&check.stderr)
        );
        let fix = fix_leaves_untouched(root, file, 2);
        assert!(text(&fix.stderr).contains("unsupported encoding"));
    }
}

/// A `<meta>` tag that declares an encoding ddlink cannot read is named by the label the file
/// gives, with the reason, not by the encoding the label maps to (`replacement`).
#[test]
fn a_declared_encoding_that_cannot_be_read() {
    let project = project();
    let root = project.path();
    let link = "<a href=\"ddportal://name=ticket_list\">x</a>\n";
    let cases = [
        (
            "kr.html",
            "<meta charset=\"ISO-2022-KR\">",
            "`kr.html` declares its encoding as `ISO-2022-KR` (in a <meta> tag), which ddlink \
             cannot read: browsers decode no text in it, since the WHATWG Encoding Standard maps \
             it to its replacement encoding (its escape sequences could hide markup)",
        ),
        (
            "cn.html",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=hz-gb-2312\">",
            "`cn.html` declares its encoding as `hz-gb-2312` (in a <meta> tag)",
        ),
        (
            "jp.html",
            "<meta charset=iso-2022-jp>",
            "`jp.html` declares its encoding as `iso-2022-jp` (in a <meta> tag), which ddlink \
             cannot read: it is not ASCII-compatible (escape sequences switch its character \
             sets), and ddlink reads only ASCII-compatible encodings",
        ),
    ];
    for (file, meta, message) in cases {
        std::fs::write(root.join(file), format!("{meta}\n{link}")).unwrap();
        for args in [&["check", file][..], &["check", "--format", "json", file]] {
            let check = ddlink(root, args);
            assert_exit(&check, 2, file);
            // On one line: the width of the report is not the point here.
            let stderr = text(&check.stderr).replace("\n  │ ", " ");
            assert!(stderr.contains(message), "{file}: {stderr}");
            assert!(!stderr.contains("replacement, an"), "{file}: {stderr}");
        }
        fix_leaves_untouched(root, file, 2);
        // --encoding wins over the tag.
        let read = ddlink(root, &["check", "--encoding", "utf-8", file]);
        assert_exit(&read, 0, file);
    }
}

/// Saved without a byte-order mark, UTF-16 is still named as what it is (every other byte
/// is NUL), not skipped as a binary file.
#[test]
fn utf16_without_bom() {
    let project = project();
    let root = project.path();
    let markup = "<p><a href=\"ddportal://name=ticket_list\">Tickets</a></p>\n";
    let le: Vec<u8> = markup.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = markup.encode_utf16().flat_map(u16::to_be_bytes).collect();
    std::fs::write(root.join("le.html"), le).unwrap();
    std::fs::write(root.join("be.html"), be).unwrap();
    for (file, encoding) in [("le.html", "UTF-16LE"), ("be.html", "UTF-16BE")] {
        let check = ddlink(root, &["check", file]);
        assert_exit(&check, 2, file);
        assert!(
            text(&check.stderr).contains(&format!(
                "`{file}` is {encoding} (without a byte-order mark), an unsupported encoding"
            )),
            "{}",
            text(&check.stderr)
        );
        fix_leaves_untouched(root, file, 2);
    }
}

/// UTF-32 without a byte-order mark too (three NULs to each ASCII byte), on the command line
/// and on standard input.
#[test]
fn utf32_without_bom() {
    let project = project();
    let root = project.path();
    let markup = "<a href=\"ddportal://name=ticket_list\">y</a>\n";
    let le: Vec<u8> = markup
        .chars()
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect();
    let be: Vec<u8> = markup
        .chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect();
    std::fs::write(root.join("le.html"), &le).unwrap();
    std::fs::write(root.join("be.html"), &be).unwrap();
    for (file, encoding) in [("le.html", "UTF-32LE"), ("be.html", "UTF-32BE")] {
        let check = ddlink(root, &["check", file]);
        assert_exit(&check, 2, file);
        assert!(
            text(&check.stderr).contains(&format!(
                "`{file}` is {encoding} (without a byte-order mark), an unsupported encoding"
            )),
            "{}",
            text(&check.stderr)
        );
        fix_leaves_untouched(root, file, 2);
        let mut hook = command(root, &["fix", "-"]);
        hook.stdin(std::fs::File::open(root.join(file)).unwrap());
        let stdin = finish(hook, "fix -");
        assert_exit(&stdin, 2, file);
        assert!(
            text(&stdin.stderr).contains(encoding),
            "{}",
            text(&stdin.stderr)
        );
        assert!(stdin.stdout.is_empty());
    }
}

#[test]
fn utf8_bom() {
    let project = project();
    let root = project.path();
    let body = format!("<p>{PLACEHOLDER}</p>\n{BARE}\n");
    let mut input = b"\xef\xbb\xbf".to_vec();
    input.extend_from_slice(body.as_bytes());
    std::fs::write(root.join("bom.html"), &input).unwrap();
    let (check, findings) = check_json(root, "bom.html");
    assert_exit(&check, 0, "check");
    // Offsets count the BOM: they are offsets into the file as read.
    let amp = 3 + body.find("&ticket_id").unwrap() as u64;
    assert!(
        findings.contains(&("DD401".to_owned(), amp)),
        "{findings:?}"
    );
    let mut expected = b"\xef\xbb\xbf".to_vec();
    expected.extend_from_slice(format!("<p>{EXPANDED}</p>\n{ESCAPED}\n").as_bytes());
    let fix = fix_gives(root, "bom.html", &expected);
    assert_exit(&fix, 0, "fix");
}

#[test]
fn crlf_and_mixed_line_endings() {
    let project = project();
    let root = project.path();
    let button = "<dd-link name=\"ticket\" action=\"approve\" as=\"button\">Approve</dd-link>";
    // The button snippet spans several lines: inserted markup takes the file's line ending.
    let button_lf = fixed_alone(button);
    assert!(button_lf.contains('\n') && !button_lf.contains('\r'));

    let crlf = format!("<p>one</p>\r\n{button}\r\n{BARE}\r\n<p>two</p>\r\n");
    std::fs::write(root.join("crlf.html"), &crlf).unwrap();
    let (check, findings) = check_json(root, "crlf.html");
    assert_exit(&check, 0, "check crlf");
    let amp = crlf.find("&ticket_id").unwrap() as u64;
    assert!(
        findings.contains(&("DD401".to_owned(), amp)),
        "{findings:?}"
    );
    let expected = format!(
        "<p>one</p>\r\n{}\r\n{ESCAPED}\r\n<p>two</p>\r\n",
        button_lf.replace('\n', "\r\n")
    );
    assert_exit(
        &fix_gives(root, "crlf.html", expected.as_bytes()),
        0,
        "fix crlf",
    );

    // Mixed: the first line ending is the file's; every other byte stays as it was.
    let mixed = format!("<p>one</p>\n{button}\r\n{BARE}\r\n<p>two</p>\r");
    std::fs::write(root.join("mixed.html"), &mixed).unwrap();
    let (check, _) = check_json(root, "mixed.html");
    assert_exit(&check, 0, "check mixed");
    let expected = format!("<p>one</p>\n{button_lf}\r\n{ESCAPED}\r\n<p>two</p>\r");
    assert_exit(
        &fix_gives(root, "mixed.html", expected.as_bytes()),
        0,
        "fix mixed",
    );
}

#[test]
fn nul_bytes() {
    let project = project();
    let root = project.path();
    // Early: a binary file, skipped.
    std::fs::write(root.join("early.html"), format!("<p>{PLACEHOLDER}</p>\0\n")).unwrap();
    let check = ddlink(root, &["check", "early.html"]);
    assert_exit(&check, 0, "check early");
    let nul = format!("<p>{PLACEHOLDER}</p>").len();
    assert!(
        text(&check.stderr).contains(&format!("binary file (NUL byte at offset {nul})")),
        "{}",
        text(&check.stderr)
    );
    fix_leaves_untouched(root, "early.html", 0);

    // Past the 8,000 bytes that are sniffed: text with a NUL in it, kept as it is.
    let filler = "<p>filler</p>\n".repeat(700);
    let late = format!("{filler}<p>a\0b</p>{BARE}\n<p>{PLACEHOLDER}</p>\n");
    std::fs::write(root.join("late.html"), &late).unwrap();
    let (check, findings) = check_json(root, "late.html");
    assert_exit(&check, 0, "check late");
    let amp = late.find("&ticket_id").unwrap() as u64;
    assert!(
        findings.contains(&("DD401".to_owned(), amp)),
        "{findings:?}"
    );
    let expected = format!("{filler}<p>a\0b</p>{ESCAPED}\n<p>{EXPANDED}</p>\n");
    assert_exit(
        &fix_gives(root, "late.html", expected.as_bytes()),
        0,
        "fix late",
    );
}

#[test]
fn truncated_tag() {
    let project = project();
    let root = project.path();
    let tail = "<a href=\"ddportal://name=ticket&ticket_id=1\" <di";
    std::fs::write(
        root.join("cut.html"),
        format!("<p>{PLACEHOLDER}</p>\n{tail}"),
    )
    .unwrap();
    let (check, _) = check_json(root, "cut.html");
    assert_exit(&check, 0, "check");
    // The unfinished tag is never parsed as a tag: its bytes stay exactly as they were.
    let expected = format!("<p>{EXPANDED}</p>\n{tail}");
    assert_exit(&fix_gives(root, "cut.html", expected.as_bytes()), 0, "fix");
}

#[test]
fn eof_inside_an_attribute() {
    let project = project();
    let root = project.path();
    let tail = "<a class=\"btn\" href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=";
    std::fs::write(
        root.join("cut.html"),
        format!("<p>{PLACEHOLDER}</p>\n{tail}"),
    )
    .unwrap();
    let (check, _) = check_json(root, "cut.html");
    assert_exit(&check, 0, "check");
    let expected = format!("<p>{EXPANDED}</p>\n{tail}");
    assert_exit(&fix_gives(root, "cut.html", expected.as_bytes()), 0, "fix");
}

#[test]
fn unclosed_comment() {
    let project = project();
    let root = project.path();
    let tail = format!(
        "<!-- {PLACEHOLDER} {{{{deeplink name='ticket'}}}} ddportal://name=ticket&ticket_id=1\n<p>never closed</p>\n"
    );
    let input = format!("<p>{PLACEHOLDER}</p>\n{tail}");
    std::fs::write(root.join("comment.html"), &input).unwrap();
    let (check, findings) = check_json(root, "comment.html");
    assert_exit(&check, 0, "check");
    let link = input.find("ddportal://").unwrap() as u64;
    assert!(
        findings.contains(&("DD407".to_owned(), link)),
        "a link in a comment is inert: {findings:?}"
    );
    // Nothing inside the comment is expanded or fixed.
    let expected = format!("<p>{EXPANDED}</p>\n{tail}");
    assert_exit(
        &fix_gives(root, "comment.html", expected.as_bytes()),
        0,
        "fix",
    );
}

#[test]
fn ten_megabyte_attribute() {
    let project = project();
    let root = project.path();
    let title = "y".repeat(10 * 1024 * 1024);
    let input = format!(
        "<p>{PLACEHOLDER}</p>\n<a title=\"{title}\" href=\"ddportal://name=ticket&ticket_id=1\">x</a>\n"
    );
    std::fs::write(root.join("big.html"), &input).unwrap();
    let (check, findings) = check_json(root, "big.html");
    assert_exit(&check, 0, "check");
    let amp = input.find("&ticket_id").unwrap() as u64;
    assert!(
        findings.contains(&("DD401".to_owned(), amp)),
        "{findings:?}"
    );
    let expected = format!(
        "<p>{EXPANDED}</p>\n<a title=\"{title}\" href=\"ddportal://name=ticket&amp;ticket_id=1\">x</a>\n"
    );
    let fix = fix_gives_in(root, "big.html", expected.as_bytes(), "concise");
    assert_exit(&fix, 0, "fix");
}

/// A finding past column 65,535 (a huge attribute, a minified document on one line): the
/// human report cuts the line around the finding instead of handing the renderer a line it
/// cannot draw.
#[test]
fn human_output_of_a_finding_past_column_65535() {
    let project = project();
    let root = project.path();
    let input = format!(
        "<a title=\"{}\" href=\"ddportal://name=ticket&ticket_id=1\">x</a>\n",
        "y".repeat(70_000)
    );
    std::fs::write(root.join("long.html"), &input).unwrap();
    assert_exit(&ddlink(root, &["check", "long.html"]), 0, "check");
    let expected = input.replace("&ticket_id", "&amp;ticket_id");
    assert_exit(&fix_gives(root, "long.html", expected.as_bytes()), 0, "fix");
}

/// A project whose `limited/` folder has the least memory limit.
fn limited_project() -> tempfile::TempDir {
    let project = project();
    std::fs::create_dir(project.path().join("limited")).unwrap();
    std::fs::write(
        project.path().join("limited/ddlink.toml"),
        format!("{CONFIG}max_memory = \"16KiB\"\n"),
    )
    .unwrap();
    project
}

#[test]
fn memory_limit_exceeded() {
    let project = limited_project();
    let root = project.path();
    let filler = "<p>hello world</p>\n".repeat(5000);
    let input = format!(
        "<p>{PLACEHOLDER}</p>\n{filler}<a title=\"{}\" href=\"ddportal://name=ticket&ticket_id=1\">x</a>\n",
        "1".repeat(100_000)
    );
    let attribute = input.find("<a title").unwrap() as u64;
    std::fs::write(root.join("limited/huge.html"), &input).unwrap();

    let (check, findings) = check_json(root, "limited/huge.html");
    assert_exit(&check, 1, "check");
    let at = findings
        .iter()
        .find(|(code, _)| code == "DD602")
        .unwrap_or_else(|| panic!("DD602 expected: {findings:?}"))
        .1;
    assert_eq!(at, attribute, "the offset points at the tag over the limit");
    let concise = ddlink(root, &["check", "--format", "concise", "limited/huge.html"]);
    assert!(
        text(&concise.stdout).contains(&format!(
            "DD602 the document needs more than the memory limit to parse (at byte {at})"
        )),
        "{}",
        text(&concise.stdout)
    );

    // The file is untouched: nothing before the failure is written either.
    fix_leaves_untouched(root, "limited/huge.html", 1);

    // The save hook returns the whole document, never a truncated one.
    let mut hook = command(root, &["fix", "-", "--stdin-filename", "limited/new.html"]);
    hook.stdin(Stdio::piped());
    let mut child = hook.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let sent = input.clone();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, sent.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_exit(&output, 0, "fix -");
    assert!(
        output.stdout == input.as_bytes(),
        "the save hook echoes the document"
    );
    assert!(text(&output.stderr).contains("DD602"));
}

/// The limit is on what the document needs, not on how much of it ddlink reads at once: a
/// long document of short tags fits in the least limit, wherever its chunks are cut.
#[test]
fn the_least_memory_limit_takes_a_long_document_of_short_tags() {
    let project = limited_project();
    let root = project.path();
    let line = "<p>hello <a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket_lst\">x</a></p>\n";
    for lead in ["", "<!-- a comment that moves every chunk boundary -->\n"] {
        std::fs::write(
            root.join("limited/long.html"),
            format!("{lead}{}", line.repeat(3000)),
        )
        .unwrap();
        let (check, findings) = check_json(root, "limited/long.html");
        assert_exit(&check, 1, "check");
        let codes: Vec<&str> = findings.iter().map(|(code, _)| code.as_str()).collect();
        assert_eq!(codes, vec!["DD101"; 3000], "{lead:?}");
    }
}

#[test]
fn hundred_thousand_nested_tags() {
    let project = project();
    let root = project.path();
    let depth = 100_000;
    let (open, close) = ("<div>".repeat(depth), "</div>".repeat(depth));
    let input = format!("<p>{PLACEHOLDER}</p>\n{open}{BARE}{close}\n");
    std::fs::write(root.join("deep.html"), &input).unwrap();
    let started = Instant::now();
    let (check, findings) = check_json(root, "deep.html");
    assert_exit(&check, 0, "check");
    let amp = input.find("&ticket_id").unwrap() as u64;
    assert!(
        findings.contains(&("DD401".to_owned(), amp)),
        "{findings:?}"
    );
    let expected = format!("<p>{EXPANDED}</p>\n{open}{ESCAPED}{close}\n");
    let fix = fix_gives_in(root, "deep.html", expected.as_bytes(), "concise");
    assert_exit(&fix, 0, "fix");
    eprintln!("10^5 nested tags, check and fix: {:?}", started.elapsed());
}

#[test]
fn placeholders_in_inert_contexts() {
    let project = project();
    let root = project.path();
    let inert = format!(
        "<html><head><title>{{{{deeplink name='ticket'}}}} {PLACEHOLDER}</title>\n\
         <style>/* {{{{deeplink name='ticket'}}}} {PLACEHOLDER} */</style>\n\
         <script>var u = \"{{{{deeplink name='ticket' action='close'}}}}\"; // {PLACEHOLDER}</script>\n\
         </head><body>\n\
         <textarea>{{{{deeplink name='ticket'}}}} {PLACEHOLDER}</textarea>\n\
         <!-- {{{{deeplink name='ticket'}}}} {PLACEHOLDER} -->\n"
    );
    let input = format!("{inert}<p>{PLACEHOLDER}</p>\n</body></html>\n");
    std::fs::write(root.join("inert.html"), &input).unwrap();
    let (check, findings) = check_json(root, "inert.html");
    assert_exit(&check, 0, "check");
    // Each placeholder left unexpanded, `{{deeplink}}` or `<dd-link>` (no element in such
    // text, only text), is a warning, where it opens.
    let mut openings: Vec<(String, u64)> = input
        .match_indices("{{deeplink")
        .chain(input.match_indices("<dd-link"))
        .filter(|(at, _)| *at < inert.len())
        .map(|(at, _)| ("DD407".to_owned(), at as u64))
        .collect();
    openings.sort();
    assert_eq!(openings.len(), 10);
    assert_eq!(findings, openings);
    // Only the placeholder in the body is expanded: the inert ones are left byte for byte.
    let expected = format!("{inert}<p>{EXPANDED}</p>\n</body></html>\n");
    assert_exit(
        &fix_gives(root, "inert.html", expected.as_bytes()),
        0,
        "fix",
    );

    // Nothing but inert placeholders: the file is not written at all.
    std::fs::write(root.join("only.html"), &inert).unwrap();
    fix_leaves_untouched(root, "only.html", 0);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn read_only_file() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("ro.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    set_mode(&root.join("ro.html"), 0o444);
    assert_exit(&ddlink(root, &["check", "ro.html"]), 0, "check");
    let fix = fix_leaves_untouched(root, "ro.html", 2);
    assert!(
        text(&fix.stderr).contains("`ro.html` was not written: it is read-only"),
        "{}",
        text(&fix.stderr)
    );
}

#[cfg(unix)]
#[test]
fn read_only_folder() {
    let project = project();
    let root = project.path();
    let folder = root.join("locked");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    set_mode(&folder, 0o555);
    assert_exit(&ddlink(root, &["check", "locked"]), 0, "check");
    let fix = fix_leaves_untouched(root, "locked/a.html", 2);
    set_mode(&folder, 0o755);
    assert!(
        text(&fix.stderr).contains("`locked/a.html` was not written: its folder is read-only"),
        "{}",
        text(&fix.stderr)
    );
}

#[cfg(unix)]
#[test]
fn hard_link() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("a.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    std::fs::hard_link(root.join("a.html"), root.join("b.html")).unwrap();
    assert_exit(&ddlink(root, &["check", "a.html"]), 0, "check");
    let fix = fix_leaves_untouched(root, "a.html", 2);
    assert!(
        text(&fix.stderr).contains("more than one hard link"),
        "{}",
        text(&fix.stderr)
    );
    // Walking finds both names; neither is written.
    let walked = ddlink(root, &["fix", "."]);
    assert_exit(&walked, 2, "fix .");
    let expected = format!("<p>{PLACEHOLDER}</p>\n");
    assert_eq!(
        std::fs::read_to_string(root.join("b.html")).unwrap(),
        expected
    );
    assert_eq!(
        std::fs::read_to_string(root.join("a.html")).unwrap(),
        expected
    );
}

#[cfg(unix)]
#[test]
fn named_pipe_given_to_fix() {
    use std::io::Write;
    use std::os::unix::fs::FileTypeExt;
    let project = project();
    let root = project.path();
    let pipe = pipe::Pipe::new(&root.join("pipe.html"));
    let child = command(root, &["fix", "pipe.html"]);
    let run = std::thread::spawn(move || finish(child, "fix pipe.html"));
    let mut writer = pipe.opened();
    writer
        .write_all(format!("<p>{PLACEHOLDER}</p>\n").as_bytes())
        .unwrap();
    drop(writer);
    // Read once, and not written: neither waited on again nor replaced by a regular file.
    let fix = run.join().unwrap();
    assert_exit(&fix, 2, "fix pipe.html");
    assert!(
        text(&fix.stderr).contains("`pipe.html` was not written: it is not a regular file"),
        "{}",
        text(&fix.stderr)
    );
    let kind = std::fs::symlink_metadata(root.join("pipe.html"))
        .unwrap()
        .file_type();
    assert!(kind.is_fifo(), "pipe.html is now {kind:?}");
    assert_no_temporaries(root);
}

#[cfg(unix)]
#[test]
fn symlink_named_explicitly() {
    let project = project();
    let root = project.path();
    std::fs::write(root.join("target.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    std::os::unix::fs::symlink("target.html", root.join("alias.html")).unwrap();
    assert_exit(
        &ddlink(root, &["check", "alias.html"]),
        0,
        "check reads through it",
    );
    let before = snapshot(&root.join("target.html"));
    let fix = ddlink(root, &["fix", "alias.html"]);
    assert_exit(&fix, 2, "fix");
    assert!(
        text(&fix.stderr).contains("`alias.html` was not written: it is a symbolic link"),
        "{}",
        text(&fix.stderr)
    );
    assert_eq!(snapshot(&root.join("target.html")), before);
    assert!(
        std::fs::symlink_metadata(root.join("alias.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_no_temporaries(root);
}

#[cfg(unix)]
#[test]
fn symlink_loop_while_walking() {
    let project = project();
    let root = project.path();
    let mail = root.join("mail");
    std::fs::create_dir(&mail).unwrap();
    std::fs::write(mail.join("real.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    std::os::unix::fs::symlink(".", mail.join("again")).unwrap();
    std::os::unix::fs::symlink("..", mail.join("up")).unwrap();
    std::os::unix::fs::symlink("b.html", mail.join("a.html")).unwrap();
    std::os::unix::fs::symlink("a.html", mail.join("b.html")).unwrap();

    // Walking never follows symlinks: the loops are not entered, the real file is fixed.
    let check = ddlink(root, &["check", "--format", "concise", "mail"]);
    assert_exit(&check, 0, "check mail");
    let fix = fix_gives(
        root,
        "mail/real.html",
        format!("<p>{EXPANDED}</p>\n").as_bytes(),
    );
    assert_exit(&fix, 0, "fix");
    std::fs::write(mail.join("real.html"), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    let walked = ddlink(root, &["fix", "."]);
    assert_exit(&walked, 0, "fix .");
    assert_eq!(
        std::fs::read_to_string(mail.join("real.html")).unwrap(),
        format!("<p>{EXPANDED}</p>\n")
    );

    // Named explicitly, a looping symlink cannot be read: exit 2 with the reason.
    for command in ["check", "fix"] {
        let output = ddlink(root, &[command, "mail/a.html"]);
        assert_exit(&output, 2, command);
        assert!(
            text(&output.stderr).contains("cannot read `mail/a.html`")
                && text(&output.stderr).contains("symbolic links"),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn file_deleted_during_the_run() {
    // Deleted between read and write: src/cli/write.rs
    // (`a_file_deleted_during_the_run_is_not_created_again`). Deleted before it is read: the
    // batch goes on, exit 2, and nothing is created.
    let project = project();
    let root = project.path();
    for file in ["a.html", "c.html"] {
        std::fs::write(root.join(file), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    }
    for command in ["check", "fix"] {
        let output = ddlink(root, &[command, "a.html", "gone.html", "c.html"]);
        assert_exit(&output, 2, command);
        assert!(
            text(&output.stderr).contains("cannot read `gone.html`"),
            "{}",
            text(&output.stderr)
        );
        assert!(!root.join("gone.html").exists());
    }
    for file in ["a.html", "c.html"] {
        assert_eq!(
            std::fs::read_to_string(root.join(file)).unwrap(),
            format!("<p>{EXPANDED}</p>\n"),
            "{file}"
        );
    }
}

#[cfg(unix)]
#[test]
fn disk_full() {
    let project = project();
    let root = project.path();
    // 100 KB of placeholders: the fixed file is far over a 1-block file-size limit.
    std::fs::write(
        root.join("big.html"),
        format!("<p>{PLACEHOLDER}</p>\n").repeat(1500),
    )
    .unwrap();
    std::fs::write(root.join("small.html"), "<p>nothing to change</p>\n").unwrap();
    let before = snapshot(&root.join("big.html"));
    // Over `ulimit -f` the kernel sends SIGXFSZ, which would kill ddlink mid-write; ddlink
    // catches it and the write fails with EFBIG, like a full disk.
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -f 1 && exec \"$0\" fix big.html small.html"])
        .arg(env!("CARGO_BIN_EXE_ddlink"))
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = finish(command, "fix under ulimit -f 1");
    assert_exit(&output, 2, "fix");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot write `big.html`") && stderr.contains("ulimit -f"),
        "{stderr}"
    );
    assert_eq!(snapshot(&root.join("big.html")), before);
    assert_no_temporaries(root);
}

/// The panic trigger exists in debug builds only (see `panic_if_asked_for` in src/cli/mod.rs).
#[cfg(debug_assertions)]
#[test]
fn panic_inside_one_files_processing() {
    let project = project();
    let root = project.path();
    for file in ["a.html", "b.html", "c.html"] {
        std::fs::write(root.join(file), format!("<p>{PLACEHOLDER}</p>\n")).unwrap();
    }
    let before = snapshot(&root.join("b.html"));
    for command in ["check", "fix"] {
        let mut run = self::command(root, &[command, "a.html", "b.html", "c.html"]);
        run.env("DDLINK_TEST_PANIC_ON", "b.html");
        let output = finish(run, command);
        assert_exit(&output, 2, command);
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("internal error while processing `b.html`")
                && stderr.contains("the file was left as it is; please report this bug"),
            "{stderr}"
        );
        assert!(
            text(&output.stdout).contains("in 2 files"),
            "{}",
            text(&output.stdout)
        );
    }
    assert_eq!(snapshot(&root.join("b.html")), before, "b.html untouched");
    for file in ["a.html", "c.html"] {
        assert_eq!(
            std::fs::read_to_string(root.join(file)).unwrap(),
            format!("<p>{EXPANDED}</p>\n"),
            "the batch went on: {file}"
        );
    }
    assert_no_temporaries(root);
}
