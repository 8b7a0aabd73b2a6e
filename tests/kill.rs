//! No data loss under signals (SPEC §6): `ddlink fix` killed with SIGKILL at random moments
//! leaves every file either as it was or completely fixed, never partial, and the next run
//! removes the temporary files the killed one left; Ctrl-C (SIGINT) and SIGTERM stop a batch
//! between files, leave no temporary file, and exit 130 and 143.
//!
//! `DDLINK_KILL_ITERATIONS` sets the number of kills (200 by default).
#![cfg(unix)]
#![allow(clippy::print_stderr)] // the tests say how many kills landed where

use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/pipe.rs"]
mod pipe;

const CONFIG: &str = "portal = \"https://acme.deskdirector.com\"\npsa = \"connectwise\"\n";

/// A small deterministic generator (SplitMix64), seeded per iteration.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A template of about `blocks` × 5 KB whose every block holds a deep link `fix` rewrites: a
/// `<dd-link>` placeholder or a web link with bare `&`s.
fn template(seed: u64, blocks: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = String::from("<html><body><table>\n");
    for block in 0..blocks {
        for _ in 0..40 + rng.below(20) {
            out.push_str(
                "<tr><td style=\"padding:4px\">Lorem ipsum dolor sit amet, consectetur.</td></tr>\n",
            );
        }
        if block % 2 == 0 {
            let action = ["approve", "close", "reopen"][rng.below(3) as usize];
            let _ = writeln!(
                out,
                "<tr><td><dd-link name=\"ticket\" action=\"{action}\">Do it</dd-link></td></tr>"
            );
        } else {
            out.push_str(
                "<tr><td><a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]&action=close\">Close</a></td></tr>\n",
            );
        }
    }
    out.push_str("</table></body></html>\n");
    out.into_bytes()
}

fn ddlink(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ddlink"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DDLINK_TEST_PANIC_ON")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn name(i: usize) -> String {
    format!("t{i:03}.html")
}

/// The names of the `.ddlink-*` files in `folder`.
fn temporaries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ddlink-"))
        .collect();
    names.sort();
    names
}

/// The fixed version of each template, from a clean run in a folder of their own; and how long
/// that run took.
fn fixed_versions(root: &Path, originals: &[Vec<u8>]) -> (Vec<Vec<u8>>, Duration) {
    let folder = root.join("expected");
    std::fs::create_dir(&folder).unwrap();
    for (i, original) in originals.iter().enumerate() {
        std::fs::write(folder.join(name(i)), original).unwrap();
    }
    let started = Instant::now();
    let output = ddlink(&folder, &["fix", "--quiet", "."]).output().unwrap();
    let took = started.elapsed();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fixed: Vec<Vec<u8>> = (0..originals.len())
        .map(|i| std::fs::read(folder.join(name(i))).unwrap())
        .collect();
    for (i, (fixed, original)) in fixed.iter().zip(originals).enumerate() {
        assert_ne!(fixed, original, "{} must change", name(i));
    }
    (fixed, took)
}

/// What a file holds after a kill.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Old,
    New,
}

fn state(path: &Path, old: &[u8], new: &[u8]) -> State {
    let now = std::fs::read(path).unwrap();
    if now == old {
        State::Old
    } else if now == new {
        State::New
    } else {
        let at = now
            .iter()
            .zip(old)
            .position(|(a, b)| a != b)
            .unwrap_or(now.len().min(old.len()));
        panic!(
            "{} is neither the original ({} bytes) nor the fixed version ({} bytes): {} bytes, first difference from the original at byte {at}",
            path.display(),
            old.len(),
            new.len(),
            now.len()
        );
    }
}

fn iterations() -> usize {
    std::env::var("DDLINK_KILL_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// How long a run takes, learnt as the kill test goes (the clean run may have shared the
/// processor with other tests): from the runs that ended before their kill, and growing when
/// none has for a while.
struct Estimate {
    seconds: f64,
    since_an_end: u32,
}

impl Estimate {
    fn ended_after(&mut self, took: Duration) {
        self.seconds = (self.seconds * 3.0 + took.as_secs_f64()) / 4.0;
        self.since_an_end = 0;
    }

    fn killed(&mut self) {
        self.since_an_end += 1;
        if self.since_an_end >= 15 {
            self.seconds *= 1.25;
            self.since_an_end = 0;
        }
    }

    /// A delay spread over the whole run and a little past it.
    fn delay(&self, rng: &mut Rng) -> Duration {
        let span = Duration::from_secs_f64(self.seconds * 1.1);
        Duration::from_micros(rng.below(span.as_micros() as u64))
    }
}

/// Start `ddlink fix .` in `work`, SIGKILL it after `delay` unless it ended before; its id, how
/// it ended, and whether it ended on its own (and when).
fn run_and_kill(work: &Path, delay: Duration) -> (u32, std::process::ExitStatus, Option<Duration>) {
    let spawned = Instant::now();
    let mut child = ddlink(work, &["fix", "--quiet", "."])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ended = None;
    while ended.is_none() && spawned.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            ended = Some(spawned.elapsed());
        } else {
            std::thread::sleep(
                delay
                    .saturating_sub(spawned.elapsed())
                    .min(Duration::from_millis(1)),
            );
        }
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    (child.id(), status, ended)
}

/// Where the kills landed.
#[derive(Default)]
struct Tally {
    before_any_write: usize,
    mid_run: usize,
    mid_write: usize,
    after_the_end: usize,
    leftovers_removed: usize,
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_partial_file() {
    const FILES: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ddlink.toml"), CONFIG).unwrap();
    let originals: Vec<Vec<u8>> = (0..FILES).map(|i| template(i as u64, 12)).collect();
    let (fixed, clean_run) = fixed_versions(root, &originals);
    let work = root.join("work");
    std::fs::create_dir(&work).unwrap();
    let paths: Vec<PathBuf> = (0..FILES).map(|i| work.join(name(i))).collect();
    let mut estimate = Estimate {
        seconds: clean_run.as_secs_f64(),
        since_an_end: 0,
    };
    let mut tally = Tally::default();
    let started = Instant::now();
    let total = iterations();
    for iteration in 0..total {
        // Restore the originals (the leftovers of the last kill stay, for this run to remove).
        for (path, original) in paths.iter().zip(&originals) {
            if std::fs::read(path).ok().as_ref() != Some(original) {
                std::fs::write(path, original).unwrap();
            }
        }
        let earlier = temporaries(&work);
        let delay = estimate.delay(&mut Rng(0xDD11_4C00 + iteration as u64));
        let (pid, status, ended) = run_and_kill(&work, delay);
        match ended {
            Some(took) => estimate.ended_after(took),
            None => estimate.killed(),
        }

        // Every file is the original or the fixed version (`state` fails the test otherwise).
        let any_new = paths
            .iter()
            .enumerate()
            .any(|(i, path)| state(path, &originals[i], &fixed[i]) == State::New);
        let left = temporaries(&work);
        let mine = format!("-{pid}-");
        let own = left.iter().any(|n| n.contains(&mine));
        let wrote = own || any_new;
        if wrote && !earlier.is_empty() {
            // The run removed the leftovers of the killed one before its first write there.
            let kept: Vec<&String> = left.iter().filter(|n| earlier.contains(n)).collect();
            assert!(
                kept.is_empty(),
                "iteration {iteration}: leftovers survived a run that wrote: {kept:?}"
            );
            tally.leftovers_removed += earlier.len();
        }
        assert!(
            left.iter()
                .all(|n| earlier.contains(n) || n.contains(&mine)),
            "iteration {iteration}: unexpected files {left:?}"
        );
        if status.signal() != Some(9) {
            assert_eq!(status.code(), Some(0), "iteration {iteration}");
            tally.after_the_end += 1;
        } else if wrote {
            tally.mid_run += 1;
            tally.mid_write += usize::from(own);
        } else {
            tally.before_any_write += 1;
        }
    }
    eprintln!(
        "{total} kills in {:?} (clean run {clean_run:?}, learnt {:.0} ms; {FILES} files of about \
         {} KB): {} before any write, {} mid-run ({} with a write in progress), {} after the \
         end; {} leftovers removed by the next run; 0 partial files",
        started.elapsed(),
        estimate.seconds * 1e3,
        originals[0].len() / 1024,
        tally.before_any_write,
        tally.mid_run,
        tally.mid_write,
        tally.after_the_end,
        tally.leftovers_removed,
    );
    assert!(
        tally.mid_run > 0,
        "no kill landed mid-run: the files are too small"
    );

    // A run to the end leaves every file fixed and no temporary file.
    let last = ddlink(&work, &["fix", "--quiet", "."]).output().unwrap();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(state(path, &originals[i], &fixed[i]), State::New);
    }
    assert_eq!(temporaries(&work), Vec::<String>::new());
}

/// How an interrupted run ended, and the files it ran on.
struct Interrupted {
    exit: Option<i32>,
    stderr: String,
    dir: tempfile::TempDir,
    originals: Vec<Vec<u8>>,
    fixed: Vec<Vec<u8>>,
}

/// Start `ddlink args` on `count` templates in a new folder; once `ready` says so (given the
/// folder, the files' first inodes and the time since the start), send `signal`; return the exit code, stderr, and the folder.
fn interrupt(
    signal: &str,
    args: &[&str],
    count: usize,
    ready: impl Fn(&Path, &[u64], Duration) -> bool,
) -> Interrupted {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ddlink.toml"), CONFIG).unwrap();
    let originals: Vec<Vec<u8>> = (0..count).map(|i| template(i as u64, 4)).collect();
    let (fixed, _) = fixed_versions(root, &originals);
    let work = root.join("work");
    std::fs::create_dir(&work).unwrap();
    for (i, original) in originals.iter().enumerate() {
        std::fs::write(work.join(name(i)), original).unwrap();
    }
    let inodes: Vec<u64> = (0..count)
        .map(|i| std::fs::metadata(work.join(name(i))).unwrap().ino())
        .collect();
    let mut child: Child = ddlink(&work, args).spawn().unwrap();
    let started = Instant::now();
    while !ready(&work, &inodes, started.elapsed()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "ddlink ended before the signal could be sent"
        );
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(2));
    }
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    Interrupted {
        exit: output.status.code(),
        stderr,
        dir,
        originals,
        fixed,
    }
}

/// Whether `fix` has replaced at least one file (a rename gives it a new inode).
fn one_file_replaced(work: &Path, inodes: &[u64], _: Duration) -> bool {
    inodes
        .iter()
        .enumerate()
        .any(|(i, inode)| std::fs::metadata(work.join(name(i))).is_ok_and(|m| m.ino() != *inode))
}

fn assert_stopped_cleanly(signal: &str, code: i32, run: Interrupted) {
    let Interrupted {
        exit,
        stderr,
        dir,
        originals,
        fixed,
    } = run;
    assert_eq!(exit, Some(code), "{signal}: {stderr}");
    assert!(stderr.contains("ddlink: interrupted after"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let work = dir.path().join("work");
    let states: Vec<State> = (0..originals.len())
        .map(|i| state(&work.join(name(i)), &originals[i], &fixed[i]))
        .collect();
    let done = states.iter().filter(|s| **s == State::New).count();
    eprintln!("{signal}: {done} of {} files fixed; {stderr}", states.len());
    assert!(done > 0, "the signal came after a file was replaced");
    assert!(done < states.len(), "the batch stopped early");
    assert_eq!(temporaries(&work), Vec::<String>::new());
    // The next run finishes the job.
    let again = ddlink(&work, &["fix", "--quiet", "."]).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    for (i, fixed) in fixed.iter().enumerate() {
        assert_eq!(&std::fs::read(work.join(name(i))).unwrap(), fixed);
    }
}

#[test]
fn sigint_stops_fix_between_files_with_exit_130() {
    let run = interrupt("-INT", &["fix", "--quiet", "."], 300, one_file_replaced);
    assert_stopped_cleanly("SIGINT", 130, run);
}

#[test]
fn sigterm_stops_fix_between_files_with_exit_143() {
    let run = interrupt("-TERM", &["fix", "--quiet", "."], 300, one_file_replaced);
    assert_stopped_cleanly("SIGTERM", 143, run);
}

#[test]
fn sigint_stops_check_with_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ddlink.toml"), CONFIG).unwrap();
    for i in 0..20 {
        std::fs::write(root.join(name(i)), template(i as u64, 1)).unwrap();
    }
    // The signal comes while the check waits on a named pipe, checked first (one thread
    // takes the files in order): the files after it are not started.
    let pipe = pipe::Pipe::new(&root.join("0-pipe.html"));
    let child = ddlink(root, &["check", "./0-pipe.html", "."])
        .env("RAYON_NUM_THREADS", "1")
        .spawn()
        .unwrap();
    let writer = pipe.opened();
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // The signal may be handled on another thread: a moment for it before the pipe ends.
    std::thread::sleep(Duration::from_millis(200));
    drop(writer);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("ddlink: interrupted after 1 of 21 files"),
        "{stderr}"
    );
}

#[test]
fn sigterm_ends_a_check_that_waits_for_a_pipe_writer_with_exit_143() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ddlink.toml"), CONFIG).unwrap();
    // No writer ever opens the pipe: ddlink waits in its `open`, where one SIGTERM (as
    // `timeout` sends) must still end the run.
    let _pipe = pipe::Pipe::new(&root.join("pipe.html"));
    let mut child = ddlink(root, &["check", "pipe.html"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("ddlink was still waiting for the pipe 30 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(143));
}
