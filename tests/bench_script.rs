//! `bench/compare.sh` refuses what it cannot run with a message that says what is missing and
//! how to get it, before it builds or generates anything (CI runs only its `--quick` mode, and
//! skips that when a tool is missing, so these paths are tested here).

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/compare.sh")
}

/// Where `program` is on this machine's `PATH`.
fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").expect("PATH is set"))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{program} is on PATH"))
}

/// A `PATH` of one folder holding `programs`: links to this machine's, or stubs that succeed.
fn path_with(dir: &Path, real: &[&str], stubs: &[&str]) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in real {
        symlink(which(program), bin.join(program)).unwrap();
    }
    for program in stubs {
        let stub = bin.join(program);
        std::fs::write(&stub, "#!/bin/sh\nexit 0\n").unwrap();
        let mut permissions = std::fs::metadata(&stub).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&stub, permissions).unwrap();
    }
    bin
}

fn run(script: &Path, args: &[&str], path: Option<&Path>) -> Output {
    let mut command = Command::new(which("bash"));
    command.arg(script).args(args);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn an_unknown_flag_prints_usage_and_exits_2() {
    let output = run(&script(), &["--quik"], None);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "usage: bench/compare.sh [--quick] [--huge]\n"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_hyperfine_is_named_with_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_with(dir.path(), &["dirname", "python3"], &[]);
    let output = run(&script(), &["--quick"], Some(&path));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "bench/compare.sh needs hyperfine (apt-get install hyperfine time python3)\n"
    );
}

#[test]
fn a_missing_python3_is_named_with_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_with(dir.path(), &["dirname"], &["hyperfine"]);
    let output = run(&script(), &["--quick"], Some(&path));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "bench/compare.sh needs python3 (apt-get install hyperfine time python3)\n"
    );
}

/// A clone without `../shared` beside it: the script is copied into a folder of its own.
#[test]
fn a_missing_corpus_generator_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    std::fs::create_dir_all(clone.join("bench")).unwrap();
    let copy = clone.join("bench/compare.sh");
    std::fs::copy(script(), &copy).unwrap();
    let path = path_with(dir.path(), &["dirname", "python3"], &["hyperfine"]);
    let output = run(&copy, &["--quick"], Some(&path));
    assert_eq!(output.status.code(), Some(2));
    // GNU time is looked for at its Debian path, which a test cannot hide.
    let expected = if Path::new("/usr/bin/time").is_file() {
        "bench/compare.sh needs ../shared/corpus beside the clone\n"
    } else {
        "bench/compare.sh needs /usr/bin/time (apt-get install hyperfine time python3)\n"
    };
    assert_eq!(stderr(&output), expected);
    assert!(
        !clone.join("target").exists(),
        "nothing is built or generated"
    );
}
