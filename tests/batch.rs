//! A whole repository of templates: 2,000 generated ones (../shared/corpus/gen_corpus.py), a
//! `.gitignore`, hidden folders, a symlink loop, a binary file and excluded globs. The file set
//! is exactly the expected one, output is identical on one and two threads, and a progress bar
//! appears only on a terminal.

#![allow(clippy::print_stderr)] // a test may say what it skipped

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[cfg(unix)]
#[path = "support/pipe.rs"]
mod pipe;

fn generate(root: &Path) -> Option<()> {
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/gen_corpus.py");
    if !generator.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing",
            generator.display()
        );
        eprintln!(
            "skipped: {} is not beside this checkout",
            generator.display()
        );
        return None;
    }
    let status = Command::new("python3")
        .arg(&generator)
        .args([
            "--out",
            root.join("corpus").to_str().unwrap(),
            "--a-files",
            "2000",
            "--b-mb",
            "1",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success());
    Some(())
}

fn ddlink(root: &Path, args: &[&str], threads: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ddlink"))
        .args(args)
        .current_dir(root)
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

/// The tree, and the files ddlink must read in it.
fn tree() -> Option<(tempfile::TempDir, BTreeSet<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root)?;
    let a = root.join("corpus/a");
    let mut expected: BTreeSet<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| format!("corpus/a/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(expected.len(), 2000);
    expected.insert("corpus/single-20k.html".to_owned());
    expected.insert("corpus/b/big.html".to_owned());

    // Ignored by .gitignore, excluded by the config, hidden, a symlink loop, a binary file.
    std::fs::write(root.join(".gitignore"), "corpus/a/tpl-00*.html\n").unwrap();
    expected.retain(|p| !p.starts_with("corpus/a/tpl-00"));
    std::fs::write(
        root.join("ddlink.toml"),
        "portal = \"https://acme.deskdirector.com\"\nexclude = [\"corpus/a/tpl-19*.html\"]\n",
    )
    .unwrap();
    expected.retain(|p| !p.starts_with("corpus/a/tpl-19"));
    std::fs::create_dir_all(root.join(".drafts")).unwrap();
    std::fs::copy(a.join("tpl-0500.html"), root.join(".drafts/draft.html")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", root.join("corpus/loop")).unwrap();
    std::fs::write(root.join("corpus/logo.html"), b"GIF89a\0\0\0binary").unwrap();
    std::fs::write(root.join("corpus/notes.md"), "not a template").unwrap();
    Some((dir, expected))
}

#[test]
fn the_expected_files_and_the_same_output_on_any_thread_count() {
    let Some((dir, expected)) = tree() else {
        return;
    };
    let root = dir.path();
    let args = ["check", "--format", "json", "--show-dialect", "."];
    let one = ddlink(root, &args, "1");
    let two = ddlink(root, &args, "2");
    assert_eq!(
        one.stdout, two.stdout,
        "output differs between 1 and 2 threads"
    );
    assert_eq!(one.status.code(), two.status.code());
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let read: BTreeSet<String> = json["dialects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            assert!(!path.starts_with("./"), "a walk of `.` names {path}");
            path.to_owned()
        })
        .collect();
    assert_eq!(read, expected);
    assert!(
        String::from_utf8_lossy(&one.stderr).contains("skipped `corpus/logo.html`: binary file")
    );
    // Diagnostics come sorted by path, then position.
    let paths: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
}

/// Over the generated corpus: `fix` twice is `fix` once, and `check` after `fix` finds nothing
/// `fix` could repair.
#[test]
fn fix_is_idempotent_at_scale() {
    let Some((dir, expected)) = tree() else {
        return;
    };
    let root = dir.path();
    let config = ddlink::config::Config::load(&root.join("ddlink.toml")).unwrap();
    for relative in expected
        .iter()
        .filter(|p| p.starts_with("corpus/a/"))
        .step_by(4)
    {
        let path = root.join(relative);
        let input = std::fs::read(&path).unwrap();
        let options = config
            .for_file(&path)
            .options(ddlink::FileKind::Html, None, None);
        let rewriter = ddlink::Rewriter::new(options);
        let once = rewriter.fix_bytes(&input, false);
        let twice = rewriter.fix_bytes(&once.output, false);
        assert!(!twice.changed, "{relative}: a second fix changed it");
        let remaining = rewriter.check_bytes(&once.output);
        assert!(
            remaining.expansions.is_empty(),
            "{relative}: placeholders remain"
        );
        assert!(
            remaining
                .diagnostics
                .iter()
                .all(|d| d.fix.as_ref().is_none_or(|f| !f.is_safe())),
            "{relative}: still fixable after fix"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_progress_bar_only_on_a_terminal() {
    use std::process::Stdio;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..20 {
        std::fs::write(
            root.join(format!("t{i:02}.html")),
            "<p><a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]\">Open</a></p>\n",
        )
        .unwrap();
    }
    // The bar is drawn once a run lasts: each run waits on a named pipe, checked first (one
    // thread takes the files in order), for longer than that.
    let pipe = pipe::Pipe::new(&root.join("0-pipe.html"));
    let lasting = |mut command: Command| {
        let child = command
            .current_dir(root)
            .env_remove("CI")
            .env("RAYON_NUM_THREADS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let writer = pipe.opened();
        std::thread::sleep(Duration::from_millis(700));
        drop(writer);
        child.wait_with_output().unwrap()
    };
    let binary = env!("CARGO_BIN_EXE_ddlink");
    // `script` gives the command a pseudo-terminal.
    let on_terminal = |flags: &str| {
        let mut command = Command::new("script");
        command.args([
            "-qec",
            &format!("{binary} check {flags} --format concise ./0-pipe.html . > /dev/null"),
            "/dev/null",
        ]);
        lasting(command)
    };
    let shown = on_terminal("");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("/21 templates"),
        "no progress bar on a terminal: {shown:?}"
    );

    let mut piped = Command::new(binary);
    piped.args(["check", "--format", "concise", "./0-pipe.html", "."]);
    let piped = lasting(piped);
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("templates"));

    let quiet = on_terminal("--no-progress");
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("templates"));
}
