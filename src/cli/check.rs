//! `ddlink check`: read every input, judge it, report, set the exit code.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use ddlink::error::Error;
use ddlink::source::{self, Located};
use ddlink::{Analysis, Rewriter, RewriterOptions, Span};

use super::args::CheckArgs;
use super::inputs::{self, Input};
use super::progress::Progress;
use super::settings::Run;
use super::{ExitStatus, output};
use crate::report::{self, FileReport, Format, Summary};
use rayon::prelude::*;

/// What reading one input gave.
pub(super) enum Outcome {
    Checked(FileReport),
    /// Not a text file: reported as a note, not judged.
    Skipped {
        path: String,
        reason: String,
    },
}

pub fn run(args: &CheckArgs) -> ExitStatus {
    let run = match Run::new(&args.common, Some(&args.selection)) {
        Ok(run) => run,
        Err(error) => {
            output::error(&error);
            return ExitStatus::Failure;
        }
    };
    let format = output::format(args.format);
    let paths = inputs::paths_or_stdin(&args.paths, args.stdin_filename.is_some());
    let (inputs, walk_errors) = inputs::collect(
        &paths,
        run.force_exclude,
        &mut |path| run.walk_includes(path),
        &mut |path| run.walk_excludes(path),
    );
    if let Some(refusal) = inputs::report_refused(
        &inputs,
        args.selection.output_file.as_deref(),
        args.stdin_filename.as_deref(),
        args.common.config.as_deref(),
    ) {
        output::error(&refusal);
        return ExitStatus::Failure;
    }
    let mut failed = walk_errors.len();
    for error in &walk_errors {
        output::error(error);
    }
    inputs::say_if_none_found(&inputs, failed, args.quiet);
    let excerpts = format == Format::Human;
    if !inputs.contains(&Input::Stdin) {
        super::stop_between_files();
    }
    let progress = Progress::new(inputs.len(), !args.quiet && !args.selection.no_progress);
    // Files in parallel; results in input order, so output is the same on any thread count.
    // `None`: not started, because a stop signal came first.
    let outcomes: Vec<Option<Result<Outcome, Error>>> = inputs
        .par_iter()
        .map(|input| {
            let path = match input {
                Input::File(path) => path,
                Input::Stdin => args.stdin_filename.as_deref().unwrap_or(Path::new("-")),
            };
            super::one_file(path, &progress, || check_input(input, args, &run, excerpts))
        })
        .collect();
    progress.finish();
    if let Some(status) = super::stopped(&outcomes, false) {
        return status;
    }
    let mut reports = Vec::new();
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(Outcome::Checked(report)) => reports.push(report),
            Ok(Outcome::Skipped { path, reason }) => {
                if !args.quiet {
                    let path = report::visible::line(&path);
                    let _ = writeln!(io::stderr(), "ddlink: skipped `{path}`: {reason}");
                }
            }
            Err(error) => {
                failed += 1;
                if run.first_report(&error) {
                    output::error(&error);
                }
            }
        }
    }
    if args.show_dialect && format != Format::Json {
        show_dialects(&reports);
    }

    let summary = summary_of(&reports, failed, args.unsafe_fixes);
    let options = report::Options {
        style: output::report_style(args.selection.output_file.is_some()),
        summary_line: !args.quiet,
        dialects: args.show_dialect,
    };
    let written = output::to_destination(args.selection.output_file.as_deref(), |out| {
        report::write(out, format, &reports, &summary, &options)
    });
    if let Some(status) = output::failed_delivery(written, args.selection.output_file.as_deref()) {
        return status;
    }

    if failed > 0 {
        ExitStatus::Failure
    } else if args.exit_zero {
        ExitStatus::Success
    } else if output::too_many_warnings(args.max_warnings, summary.warnings) || summary.errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

/// `--show-dialect` for people: each file's dialect, and what decided it, on stderr.
fn show_dialects(reports: &[FileReport]) {
    let mut err = io::stderr().lock();
    for report in reports {
        let line = format!("{}: {}", report.path, report.dialect);
        let _ = writeln!(err, "{}", report::visible::line(&line));
    }
}

fn check_input(
    input: &Input,
    args: &CheckArgs,
    run: &Run,
    excerpts: bool,
) -> Result<Outcome, Error> {
    match input {
        Input::Stdin => {
            let path = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("-"));
            let named = args.stdin_filename.as_deref();
            // As `fix -` echoes it unchanged (SPEC §5), an editor's excluded buffer is not
            // judged: the two hooks agree on which files are ddlink's.
            if named.is_some_and(|p| run.walk_excludes(p)) {
                return Ok(Outcome::Skipped {
                    path: path.display().to_string(),
                    reason: "excluded by the configuration".to_owned(),
                });
            }
            check_unsized(
                &path,
                named,
                io::stdin().lock(),
                run,
                excerpts,
                Error::Stdin,
            )
        }
        Input::File(path) => {
            let read_error = Error::reading(path);
            let mut file = super::open_input(path, None).map_err(read_error)?;
            let metadata = file.metadata().map_err(read_error)?;
            if !metadata.is_file() {
                // A named pipe (or a device): its size is unknown until it is read.
                return check_unsized(path, Some(path), file, run, excerpts, read_error);
            }
            let size = metadata.len();
            if size <= IN_MEMORY {
                // A template (nearly all of them): read once, checked and located in memory.
                return with_contents(&mut file, size, |bytes| {
                    let bytes = bytes.map_err(read_error)?;
                    if let Some(outcome) = refuse(path, bytes)? {
                        return Ok(outcome);
                    }
                    super::panic_if_asked_for(path);
                    let analysis = Rewriter::new(check_options(run.options(Some(path), bytes)?))
                        .check_bytes(bytes);
                    let located = locate(bytes, &analysis, excerpts).map_err(read_error)?;
                    Ok(Outcome::Checked(file_report(
                        path.display().to_string(),
                        analysis,
                        located,
                    )))
                });
            }
            let mut reader = BufReader::with_capacity(ddlink::rewrite::CHUNK_SIZE, file);
            let head = reader.fill_buf().map_err(read_error)?.to_vec();
            if let Some(outcome) = refuse(path, &head)? {
                return Ok(outcome);
            }
            super::panic_if_asked_for(path);
            let options = check_options(run.options(Some(path), &head)?);
            Ok(Outcome::Checked(check_streamed(
                path, options, reader, excerpts,
            )?))
        }
    }
}

/// Check what `input` holds, of a size not known before it is read (standard input, a named
/// pipe): read whole in memory up to [`IN_MEMORY`], past that the rest copied to an anonymous
/// temporary file and checked from there, as a large file is, so that memory stays flat. A
/// binary input is refused on its first bytes, before anything is copied (`/dev/zero` ends).
fn check_unsized(
    path: &Path,
    named: Option<&Path>,
    mut input: impl Read,
    run: &Run,
    excerpts: bool,
    read_error: impl Fn(io::Error) -> Error,
) -> Result<Outcome, Error> {
    let display = path.display().to_string();
    let head = read_held(&mut input).map_err(&read_error)?;
    if let Some(outcome) = refuse(path, &head)? {
        return Ok(outcome);
    }
    let options = check_options(run.options(named, &head)?);
    if head.len() as u64 <= IN_MEMORY {
        let analysis = Rewriter::new(options).check_bytes(&head);
        let located = locate(&head[..], &analysis, excerpts).map_err(&read_error)?;
        return Ok(Outcome::Checked(file_report(display, analysis, located)));
    }
    let mut spilled = inputs::spill(head, input, &read_error)?;
    let analysis = Rewriter::new(options)
        .check_seekable(&mut spilled)
        .map_err(&read_error)?;
    let located = if analysis.diagnostics.is_empty() {
        Vec::new()
    } else {
        spilled.rewind().map_err(&read_error)?;
        locate_streamed(&mut spilled, &analysis, excerpts).map_err(&read_error)?
    };
    Ok(Outcome::Checked(file_report(display, analysis, located)))
}

/// Check the file at `path` streamed from `input` (at its start), without holding it in
/// memory, and locate its findings in the file read again.
pub(super) fn check_streamed(
    path: &Path,
    options: RewriterOptions,
    input: impl Read + io::Seek + Send,
    excerpts: bool,
) -> Result<FileReport, Error> {
    let read_error = Error::reading(path);
    let analysis = Rewriter::new(options)
        .check_seekable(input)
        .map_err(read_error)?;
    let located = if analysis.diagnostics.is_empty() {
        Vec::new()
    } else {
        let again = File::open(path).map_err(read_error)?;
        locate_streamed(again, &analysis, excerpts).map_err(read_error)?
    };
    Ok(file_report(path.display().to_string(), analysis, located))
}

/// Hand `work` the whole content of `file` (`size` bytes, as far as is known), read into a
/// buffer that each thread keeps from file to file: a new buffer for every template cost a
/// page fault per 4 KiB, more than lol_html's parsing of it.
fn with_contents<T>(file: &mut File, size: u64, work: impl FnOnce(io::Result<&[u8]>) -> T) -> T {
    thread_local! {
        static CONTENTS: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut contents = CONTENTS.take();
    contents.clear();
    contents.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // `Take` reads into the room reserved, without asking the file its size again.
    let read = Read::by_ref(file).take(u64::MAX).read_to_end(&mut contents);
    let done = work(read.map(|_| &contents[..]));
    CONTENTS.set(contents);
    done
}

/// A check counts placeholders; it does not keep their expanded markup.
fn check_options(options: RewriterOptions) -> RewriterOptions {
    RewriterOptions {
        keep_expansions: false,
        ..options
    }
}

/// What is held in memory of an input whose size is unknown until read (standard input, a
/// named pipe): up to [`IN_MEMORY`] bytes and one more, which says there is more to come.
pub(super) fn read_held(input: &mut impl Read) -> io::Result<Vec<u8>> {
    // Room for all that may be held, reserved once: only what is written of it is memory, and
    // growing it would copy what was read, twice over at the largest.
    let mut head = Vec::with_capacity(usize::try_from(IN_MEMORY + 1).unwrap_or(usize::MAX));
    input.take(IN_MEMORY + 1).read_to_end(&mut head)?;
    Ok(head)
}

/// Files up to this size are read whole; larger ones are streamed (and read again to locate
/// findings), so that memory stays flat however large a file is.
pub(super) const IN_MEMORY: u64 = 4 * 1024 * 1024;

/// Inputs that are not text are refused before parsing: UTF-16/32 (an error) and binary files
/// (skipped with a note).
pub(super) fn refuse(path: &Path, head: &[u8]) -> Result<Option<Outcome>, Error> {
    let encoding = match head {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32LE"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32BE"),
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => wide_without_bom(head),
    };
    if let Some(encoding) = encoding {
        return Err(Error::UnsupportedEncoding {
            path: path.to_path_buf(),
            encoding,
        });
    }
    let sniff = &head[..head.len().min(8000)];
    if let Some(at) = memchr::memchr(0, sniff) {
        return Ok(Some(Outcome::Skipped {
            path: path.display().to_string(),
            reason: format!("binary file (NUL byte at offset {at})"),
        }));
    }
    Ok(None)
}

/// UTF-32 or UTF-16 text saved without a byte-order mark: markup is mostly ASCII, so in
/// nine code units of ten one byte is the character and the others are NUL. Said as what it
/// is, not skipped as a binary file.
fn wide_without_bom(head: &[u8]) -> Option<&'static str> {
    const FORMS: [(usize, usize, &str); 4] = [
        (4, 0, "UTF-32LE (without a byte-order mark)"),
        (4, 3, "UTF-32BE (without a byte-order mark)"),
        (2, 0, "UTF-16LE (without a byte-order mark)"),
        (2, 1, "UTF-16BE (without a byte-order mark)"),
    ];
    let head = &head[..head.len().min(512)];
    let mostly = |width: usize, ascii_at: usize| {
        let units = head.chunks_exact(width);
        let count = units.len();
        let matching = units
            .filter(|unit| (0..width).all(|i| (unit[i] != 0) == (i == ascii_at)))
            .count();
        count >= 4 && matching * 10 >= count * 9
    };
    FORMS
        .iter()
        .find(|&&(width, ascii_at, _)| mostly(width, ascii_at))
        .map(|&(_, _, name)| name)
}

pub(super) fn locate(
    input: impl BufRead,
    analysis: &Analysis,
    excerpts: bool,
) -> io::Result<Vec<Located>> {
    // Then the bytes that helps name, placed with the rest (see `file_report`).
    let spans: Vec<_> = analysis
        .diagnostics
        .iter()
        .map(|d| d.span)
        .chain(
            analysis
                .diagnostics
                .iter()
                .filter_map(|d| d.text.help_at.map(|at| Span::new(at, at))),
        )
        .collect();
    source::locate_in(
        input,
        &spans,
        &analysis.secrets,
        excerpts,
        analysis.encoding,
    )
}

/// [`locate`] in a file read again from `input`, 64 KiB at a time.
pub(super) fn locate_streamed(
    input: impl Read,
    analysis: &Analysis,
    excerpts: bool,
) -> io::Result<Vec<Located>> {
    locate(
        BufReader::with_capacity(ddlink::rewrite::CHUNK_SIZE, input),
        analysis,
        excerpts,
    )
}

/// The totals of a check over `reports`, with `failed` inputs that could not be checked.
fn summary_of(reports: &[FileReport], failed: usize, unsafe_fixes: bool) -> Summary {
    let mut summary = Summary {
        files: reports.len(),
        failed,
        unsafe_fixes,
        ..Summary::default()
    };
    for report in reports {
        for diagnostic in &report.diagnostics {
            summary.count(diagnostic);
        }
        summary.expandable += report.expandable;
    }
    summary
}

pub(super) fn file_report(
    path: String,
    mut analysis: Analysis,
    mut located: Vec<Located>,
) -> FileReport {
    // A help that names a byte (where the outer link of a nested one opens) names its line
    // and column instead, placed by `locate` after the findings' spans.
    if located.len() > analysis.diagnostics.len() {
        let mut places = located.split_off(analysis.diagnostics.len()).into_iter();
        for diagnostic in &mut analysis.diagnostics {
            if diagnostic.text.help_at.is_some()
                && let Some(place) = places.next()
            {
                diagnostic.place_help(&format!(
                    "line {}, column {}",
                    place.start.line, place.start.column
                ));
            }
        }
    }
    FileReport {
        path,
        diagnostics: analysis.diagnostics,
        located,
        dialect: analysis.dialect,
        expandable: analysis.expandable,
    }
}
