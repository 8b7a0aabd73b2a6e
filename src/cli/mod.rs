//! The command-line layer: the only place (with `report`) that reads the environment, prints,
//! and decides the exit code.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod check;
mod diff;
mod fix;
mod generate;
mod init;
mod inputs;
mod link;
mod output;
mod progress;
mod rules;
mod settings;
mod write;

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clap::Parser;
use ddlink::error::Error;

pub use args::Cli;

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing at error severity.
    Success = 0,
    /// Error-severity findings remain.
    Findings = 1,
    /// The tool could not do its job (bad arguments, an unreadable file).
    Failure = 2,
    /// Stopped by Ctrl-C (SIGINT) between files: 128 + 2, as shells report it.
    Interrupted = 130,
    /// Stopped by SIGTERM between files: 128 + 15.
    Terminated = 143,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

pub fn run() -> ExitCode {
    catch_panics_quietly();
    survive_file_size_limit();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if asks_check_to_fix(&error) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let _ = command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "`check` only reports: `ddlink fix [PATHS]` applies the fixes \
                     (`ddlink fix --diff` shows them first)",
                )
                .print();
            return ExitStatus::Failure.into();
        }
        Err(error) => {
            // Help and version are not errors; clap prints them and says which.
            let status = if error.use_stderr() {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            };
            let _ = error.print();
            return status.into();
        }
    };
    let status = match cli.command {
        args::Command::Check(args) => check::run(&args),
        args::Command::Fix(args) => fix::run(&args),
        args::Command::Link(args) => link::run(&args),
        args::Command::Rules => rules::list(),
        args::Command::Rule { code_or_name } => rules::show(&code_or_name),
        args::Command::Init => init::run(),
        args::Command::Completions { shell } => generate::completions(shell),
        args::Command::Man => generate::man(),
    };
    status.into()
}

/// `check --fix`, as other linters are asked to fix: refused with a pointer to `ddlink fix`.
/// Caught as the unknown flag it is, not declared on `check`, where completions and the
/// manual would offer it.
fn asks_check_to_fix(error: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    error.kind() == ErrorKind::UnknownArgument
        && matches!(
            error.get(ContextKind::InvalidArg),
            Some(ContextValue::String(arg)) if arg == "--fix"
        )
        && std::env::args_os()
            .skip(1)
            .find(|arg| !arg.as_encoded_bytes().starts_with(b"-"))
            .is_some_and(|command| command == "check")
}

/// The signal that asked the run to stop (SIGINT or SIGTERM), 0 while none has.
static STOP_SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by the first stop signal; arms the immediate exit on the second one.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// Set when a write went over the file-size limit (the write itself fails with EFBIG).
static FILE_SIZE_LIMIT_HIT: AtomicBool = AtomicBool::new(false);

/// Make Ctrl-C (SIGINT) and SIGTERM stop a batch between files instead of killing the process
/// in the middle of one: `check` and `fix` start no new file once a signal has come, finish the
/// files under way (each write is atomic anyway), and exit 130 (143 for SIGTERM). A second
/// signal ends the process at once; a temporary file it may leave behind is removed by the
/// next `fix` that writes into that folder (see `write`). Not installed for standard input, so
/// Ctrl-C still ends a run that waits for input.
pub(crate) fn stop_between_files() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        for signal in [SIGINT, SIGTERM] {
            // Registration order is the order the actions run in: the exit, armed only by an
            // earlier signal, must come before the flag that arms it.
            let _ = flag::register_conditional_shutdown(signal, 128 + signal, &STOPPING);
            let _ = flag::register_usize(signal, &STOP_SIGNAL, signal.unsigned_abs() as usize);
            let _ = flag::register(signal, &STOPPING);
        }
    }
}

/// The exit status a stop signal asks for, once one has come.
pub(crate) fn stop_requested() -> Option<ExitStatus> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        15 => Some(ExitStatus::Terminated),
        _ => Some(ExitStatus::Interrupted),
    }
}

/// Open an input for reading. A named pipe (or other special file) is opened on a thread of
/// its own: its `open` waits for a writer, perhaps for ever, and a stop signal must still end
/// the run (`timeout 10 ddlink check some.fifo` sends one SIGTERM, then waits). `known`: the
/// path's metadata when the caller has it (one `stat` less for each file of a batch).
pub(crate) fn open_input(path: &Path, known: Option<&std::fs::Metadata>) -> std::io::Result<File> {
    let plain = |m: &std::fs::Metadata| m.is_file() || m.is_dir();
    if known.is_some_and(plain) || std::fs::metadata(path).is_ok_and(|m| plain(&m)) {
        return File::open(path);
    }
    let (opened, waiting) = std::sync::mpsc::channel();
    let owned = path.to_owned();
    std::thread::spawn(move || {
        let _ = opened.send(File::open(owned));
    });
    loop {
        match waiting.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if stop_requested().is_none() => {}
            // Stopped: the thread, still waiting for a writer, ends with the process.
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "stopped while waiting for a writer to open it",
                ));
            }
        }
    }
}

/// One file's work in a batch: not started once a stop signal has come (`None`), guarded
/// against panics otherwise.
pub(crate) fn one_file<T>(
    path: &Path,
    progress: &progress::Progress,
    work: impl FnOnce() -> Result<T, Error>,
) -> Option<Result<T, Error>> {
    if stop_requested().is_some() {
        return None;
    }
    let outcome = guarded(path, work);
    progress.tick();
    Some(outcome)
}

/// After a batch: if a stop signal came, tell the user what that means for the files (`writes`:
/// the batch wrote files) and give the exit status.
pub(crate) fn stopped<T>(outcomes: &[Option<T>], writes: bool) -> Option<ExitStatus> {
    use std::io::Write as _;
    let status = stop_requested()?;
    let done = outcomes.iter().filter(|o| o.is_some()).count();
    let files = if writes {
        "; every file is either as it was or completely rewritten"
    } else {
        ""
    };
    let _ = writeln!(
        std::io::stderr(),
        "ddlink: interrupted after {done} of {} files{files}",
        outcomes.len()
    );
    Some(status)
}

/// Over the file-size limit (`ulimit -f`), the kernel sends SIGXFSZ, whose default action ends
/// the process in the middle of a write. With a handler the write fails with EFBIG instead,
/// which `write` reports like a full disk: the original stays as it is, the temporary file is
/// removed.
fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, &FILE_SIZE_LIMIT_HIT);
    }
}

thread_local! {
    /// Whether this thread runs one file's work under [`guarded`].
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic under [`guarded`] happened.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics inside one file's work are reported by [`guarded`] as a one-line internal error; the
/// default hook's message (and backtrace note) is kept for panics anywhere else.
fn catch_panics_quietly() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if GUARDED.get() {
            let location = info.location().map(ToString::to_string);
            PANIC_LOCATION.set(location);
        } else {
            default(info);
        }
    }));
}

/// Run one file's work; a panic in it (a bug in ddlink) becomes an internal error for that file
/// alone: nothing was written (a write is the last step, and atomic), and the batch goes on.
pub(crate) fn guarded<T>(path: &Path, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let was_guarded = GUARDED.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    GUARDED.set(was_guarded);
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|m| (*m).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let message = match PANIC_LOCATION.take() {
            Some(location) => format!("{message} (at {location})"),
            None => message,
        };
        Err(Error::Internal {
            path: PathBuf::from(path),
            message,
        })
    })
}

/// A panic on purpose, for the reliability tests only (tests/bad_inputs.rs): in debug builds,
/// when `DDLINK_TEST_PANIC_ON` names the file being processed (as given on the command line or
/// found by the walk). Release builds do not contain it.
pub(crate) fn panic_if_asked_for(path: &Path) {
    #[cfg(debug_assertions)]
    {
        let asked = std::env::var_os("DDLINK_TEST_PANIC_ON");
        let asked = asked.is_some_and(|asked| Path::new(&asked) == path);
        assert!(
            !asked,
            "DDLINK_TEST_PANIC_ON asked for a panic on `{}`",
            path.display()
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = path;
}
