//! The fixture harness: every case under `fixtures/<area>/<case>/` is checked end to end with
//! the `ddlink` binary (its human report is the case's `diagnostics.snap`), and through the
//! library whole and at many chunk sizes, which must all agree.
//!
//! A case folder holds `input.<ext>` (the extension picks HTML or plain text), an optional
//! `case.toml` (`psa`, `portal`: passed as flags), and `diagnostics.snap` (insta).
//! `CHUNK_SIZE=n cargo test --test fixtures` runs the chunk check with that size only.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use ddlink::{FileKind, Portal, Rewriter};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    psa: Option<String>,
    portal: Option<String>,
    encoding: Option<String>,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    for area in std::fs::read_dir(&root).expect("fixtures/ exists") {
        let area = area.unwrap().path();
        if !area.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&area).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                cases.push(case);
            }
        }
    }
    cases.sort();
    cases
}

fn input_of(case: &Path) -> PathBuf {
    std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == "input"))
        .unwrap_or_else(|| panic!("{} has no input file", case.display()))
}

fn case_of(case: &Path) -> Case {
    match std::fs::read_to_string(case.join("case.toml")) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", case.display())),
        Err(_) => Case::default(),
    }
}

/// A small deterministic generator: chunk sizes must be reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize + 1
    }
}

fn chunked(input: &[u8], mut size: impl FnMut() -> usize) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let end = (at + size()).min(input.len());
        chunks.push(&input[at..end]);
        at = end;
    }
    chunks
}

#[test]
fn every_case_is_chunk_independent() {
    let fixed: Option<usize> = std::env::var("CHUNK_SIZE")
        .ok()
        .and_then(|s| s.parse().ok());
    for case in cases() {
        let input_path = input_of(&case);
        let input = std::fs::read(&input_path).unwrap();
        let rewriter = Rewriter::new(options_of(&case, &input_path));
        let whole = rewriter.check_chunks([&input[..]]);
        let mut sizes: Vec<Box<dyn FnMut() -> usize>> = Vec::new();
        if let Some(n) = fixed {
            sizes.push(Box::new(move || n));
        } else {
            for n in [1, 2, 3, 7, 16, 64, 4096] {
                sizes.push(Box::new(move || n));
            }
            for seed in 1..=8u64 {
                let mut random = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                sizes.push(Box::new(move || random.next(97)));
            }
        }
        for (index, mut size) in sizes.into_iter().enumerate() {
            let split = rewriter.check_chunks(chunked(&input, &mut size));
            assert_eq!(
                split,
                whole,
                "{}: chunking #{index} changed the result (reproduce with CHUNK_SIZE)",
                case.display()
            );
        }
        // Read from a file, once inline and once on a thread ahead of the parser (which runs
        // the raw scan there), from where the reader stands.
        for thread_from in [usize::MAX, 0] {
            let reading = Rewriter::new(ddlink::RewriterOptions {
                raw_thread_from: thread_from,
                ..options_of(&case, &input_path)
            });
            let mut file = std::io::Cursor::new([b"before".as_slice(), &input].concat());
            file.set_position(6);
            assert_eq!(
                reading.check_seekable(file).unwrap(),
                whole,
                "{}: read from a file (a thread from byte {thread_from})",
                case.display()
            );
        }
        // The raw scan on a thread of its own, from the start or from a chunk on.
        for (thread_from, size) in [(0, 4096), (0, 7), (100, 16)] {
            let threaded = Rewriter::new(ddlink::RewriterOptions {
                raw_thread_from: thread_from,
                ..options_of(&case, &input_path)
            });
            assert_eq!(
                threaded.check_chunks(input.chunks(size)),
                whole,
                "{}: the raw scan on a thread from byte {thread_from} (chunks of {size}) \
                 changed the result",
                case.display()
            );
        }
    }
}

/// A check keeps no expansion, and so renders no built-in snippet: what it finds, and how many
/// placeholders it counts as expandable, are still what a fix's first check finds.
#[test]
fn a_check_finds_what_a_fix_finds() {
    for case in cases() {
        let input_path = input_of(&case);
        let input = std::fs::read(&input_path).unwrap();
        let fixing = Rewriter::new(options_of(&case, &input_path)).check_bytes(&input);
        let checking = Rewriter::new(ddlink::RewriterOptions {
            keep_expansions: false,
            ..options_of(&case, &input_path)
        })
        .check_bytes(&input);
        assert_eq!(
            (&checking.diagnostics, checking.expandable),
            (&fixing.diagnostics, fixing.expandable),
            "{}",
            case.display()
        );
        assert!(checking.expansions.is_empty(), "{}", case.display());
    }
}

/// The options the CLI would use for a case (its case.toml flags over its ddlink.toml).
fn options_of(case: &Path, input_path: &Path) -> ddlink::RewriterOptions {
    let spec = case_of(case);
    let file_config = match ddlink::config::Config::discover(case).unwrap() {
        Some(config) if config.root == case.canonicalize().unwrap() => config.for_file(input_path),
        _ => ddlink::config::FileConfig::default(),
    };
    let mut options = file_config.options(
        FileKind::from_path(input_path),
        spec.portal.as_deref().map(|p| Portal::parse(p).unwrap()),
        spec.psa.as_deref().map(|d| d.parse().unwrap()),
    );
    let flag = spec
        .encoding
        .as_deref()
        .map(|label| encoding_rs::Encoding::for_label(label.as_bytes()).unwrap());
    let head = std::fs::read(input_path).unwrap();
    options.encoding = ddlink::rewrite::encoding::decide(&head, flag, options.encoding);
    options
}

/// `fix` gives the case's `output.<ext>` (or, without one, the input unchanged); a second
/// `fix` changes nothing more; `check` after `fix` finds nothing fixable.
/// `DDLINK_BLESS=1 cargo test --test fixtures` writes the outputs (review them!).
#[test]
fn every_case_fixes_to_its_output() {
    let bless = std::env::var_os("DDLINK_BLESS").is_some();
    for case in cases() {
        let input_path = input_of(&case);
        let input = std::fs::read(&input_path).unwrap();
        let rewriter = Rewriter::new(options_of(&case, &input_path));
        let fixed = rewriter.fix_bytes(&input, false);
        let output_path = case.join(format!(
            "output.{}",
            input_path.extension().unwrap().to_string_lossy()
        ));
        if bless {
            if fixed.changed {
                std::fs::write(&output_path, &fixed.output).unwrap();
            } else if output_path.exists() {
                std::fs::remove_file(&output_path).unwrap();
            }
        }
        let expected = std::fs::read(&output_path).unwrap_or_else(|_| input.clone());
        assert!(
            fixed.output == expected,
            "{}: fix output differs from {}:\n{}",
            case.display(),
            output_path.display(),
            String::from_utf8_lossy(&fixed.output)
        );
        // Fixing from a file, round by round through scratch files, gives the same.
        let streamed = rewriter
            .fix_seekable(Cursor::new(&input), false, || Ok(Cursor::new(Vec::new())))
            .unwrap();
        let streamed_output = streamed
            .output
            .map_or_else(|| input.clone(), Cursor::into_inner);
        assert!(
            streamed_output == fixed.output
                && streamed.analysis == fixed.analysis
                && (streamed.fixed, streamed.expanded, streamed.changed)
                    == (fixed.fixed, fixed.expanded, fixed.changed),
            "{}: fixing from a file differs from fixing in memory",
            case.display()
        );
        // Fixing from a reader into a writer gives the same, and the same secrets to mask.
        let mut written = Vec::new();
        let piped = rewriter.fix(&input[..], &mut written, false).unwrap();
        assert!(
            written == fixed.output
                && piped.analysis == fixed.analysis
                && piped.input_secrets == fixed.input_secrets
                && piped.origins == fixed.origins
                && (piped.fixed, piped.expanded, piped.changed)
                    == (fixed.fixed, fixed.expanded, fixed.changed)
                && (piped.read, piped.written) == (input.len() as u64, written.len() as u64),
            "{}: fixing from a reader into a writer differs from fixing in memory",
            case.display()
        );
        let again = rewriter.fix_bytes(&fixed.output, false);
        assert!(
            !again.changed,
            "{}: a second fix changed the output",
            case.display()
        );
        let remaining = rewriter.check_bytes(&fixed.output);
        if remaining.diagnostics.iter().any(|d| d.code() == "DD602") {
            // An unreadable document is left as it is, placeholders and all.
            assert!(!fixed.changed, "{}", case.display());
            continue;
        }
        assert!(
            remaining.expansions.is_empty(),
            "{}: placeholders remain",
            case.display()
        );
        let fixable: Vec<_> = remaining
            .diagnostics
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(ddlink::Fix::is_safe))
            .collect();
        assert!(
            fixable.is_empty(),
            "{}: still fixable after fix: {fixable:?}",
            case.display()
        );
    }
}

#[test]
fn every_case_matches_its_snapshot() {
    let binary = env!("CARGO_BIN_EXE_ddlink");
    for case in cases() {
        let input = input_of(&case);
        let spec = case_of(&case);
        let mut command = Command::new(binary);
        command
            .current_dir(&case)
            .env("NO_COLOR", "1")
            .arg("check")
            .arg(input.file_name().unwrap());
        if let Some(psa) = &spec.psa {
            command.args(["--psa", psa]);
        }
        if let Some(portal) = &spec.portal {
            command.args(["--portal", portal]);
        }
        if let Some(encoding) = &spec.encoding {
            command.args(["--encoding", encoding]);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let report = format!(
            "exit code: {}\n{stdout}{stderr}",
            output.status.code().unwrap_or(-1)
        );
        insta::with_settings!({
            snapshot_path => case.clone(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("ddlink check {}", input.file_name().unwrap().to_string_lossy()),
        }, {
            insta::assert_snapshot!("diagnostics", report);
        });
    }
}
