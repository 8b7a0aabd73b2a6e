//! `ddlink fix`: expand placeholders and apply fixes, in place, to `--out-dir`, as a diff, as
//! a check, or from standard input to standard output (the editor save hook).

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use ddlink::error::Error;
use ddlink::source::Located;
use ddlink::{Fixed, Rewriter, RewriterOptions, Span};

use super::args::FixArgs;
use super::check::{
    IN_MEMORY, Outcome, check_streamed, file_report, locate, locate_streamed, read_held, refuse,
};
use super::inputs::{self, Input};
use super::progress::Progress;
use super::settings::Run;
use super::{ExitStatus, output, write};
use crate::report::{self, FileReport, Format, Summary};
use rayon::prelude::*;
use tempfile::NamedTempFile;

/// What fixing one file did.
struct FileFix {
    report: FileReport,
    fixed: usize,
    expanded: usize,
    changed: bool,
    diff: Option<Vec<u8>>,
    /// Why the file, which had changes, was not written (read-only, a hard link, a symlink):
    /// an error of the run, and `report` holds the findings of the file as it stays.
    refusal: Option<Error>,
}

pub fn run(args: &FixArgs) -> ExitStatus {
    let run = match Run::new(&args.common, Some(&args.selection)) {
        Ok(run) => run,
        Err(error) => {
            output::error(&error);
            return ExitStatus::Failure;
        }
    };
    let paths = inputs::paths_or_stdin(&args.paths, args.stdin_filename.is_some());
    if paths.iter().any(|p| p.as_os_str() == "-") {
        if paths.len() > 1 {
            let _ = writeln!(
                io::stderr(),
                "error: `-` (standard input) cannot be combined with other paths"
            );
            return ExitStatus::Failure;
        }
        if args.out_dir.is_some() {
            let _ = writeln!(
                io::stderr(),
                "error: --out-dir does not apply to `-` (standard input): the fixed document goes to standard output"
            );
            return ExitStatus::Failure;
        }
        if !(args.check || args.diff) {
            if let Some(refusal) = inputs::report_refused(
                &[Input::Stdin],
                args.selection.output_file.as_deref(),
                args.stdin_filename.as_deref(),
                args.common.config.as_deref(),
            ) {
                output::error(&refusal);
                return ExitStatus::Failure;
            }
            return save_hook(args, &run);
        }
    }

    let Some((inputs, mut failed)) = fix_inputs(args, &run, &paths) else {
        return ExitStatus::Failure;
    };
    let format = output::format(args.format);
    if inputs == [Input::Stdin] {
        // `--check -`, `--diff -`: standard input is judged like a file, and nothing but the
        // report is written.
        let outcome = fix_stdin(args, &run, format);
        let results = match outcome {
            Ok(fix) => fix.into_iter().collect(),
            Err(error) => {
                output::error(&error);
                failed += 1;
                Vec::new()
            }
        };
        return report(args, format, &results, (failed, 0));
    }
    super::stop_between_files();
    let progress = Progress::new(inputs.len(), !args.quiet && !args.selection.no_progress);
    // `None`: not started, because a stop signal came first.
    let outcomes: Vec<Option<Result<Option<FileFix>, Error>>> = inputs
        .par_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        })
        .map(|path| super::one_file(path, &progress, || fix_file(path, args, &run, format)))
        .collect();
    progress.finish();
    if let Some(status) = super::stopped(&outcomes, !(args.check || args.diff)) {
        return status;
    }
    let mut results = Vec::new();
    let mut unwritten = 0;
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(Some(mut fix)) => {
                if let Some(refusal) = fix.refusal.take() {
                    unwritten += 1;
                    if run.first_report(&refusal) {
                        output::error(&refusal);
                    }
                }
                results.push(fix);
            }
            Ok(None) => {}
            Err(error) => {
                failed += 1;
                if run.first_report(&error) {
                    output::error(&error);
                }
            }
        }
    }
    report(args, format, &results, (failed, unwritten))
}

/// Say how many files the walk left out under `--out-dir`: not in silence, as a template kept
/// there by hand is neither fixed nor checked.
fn say_left_in_out_dir(args: &FixArgs, left: usize) {
    if let Some(dir) = args.out_dir.as_ref().filter(|_| left > 0 && !args.quiet) {
        let _ = writeln!(
            io::stderr(),
            "ddlink: note: {left} file{} under --out-dir `{}` left out of the walk, as that folder holds results (name it to fix what is there)",
            if left == 1 { "" } else { "s" },
            crate::report::visible::line(&dir.to_string_lossy()),
        );
    }
}

/// Whether `--out-dir` is a folder being fixed, said on stderr: the run must not go on.
fn out_dir_is_walked(args: &FixArgs, paths: &[PathBuf]) -> bool {
    // `fix templates --out-dir templates`: the results would land in the tree being fixed
    // (`templates/templates/…`), and every later walk would read them as templates.
    // No paths is the current folder, refused as the same folder named is.
    let current = [PathBuf::from(".")];
    let named = if paths.is_empty() {
        &current[..]
    } else {
        paths
    };
    if let Some(dir) = &args.out_dir
        && let Some(folder) = named
            .iter()
            .find(|path| path.is_dir() && inputs::same_file(path, dir))
    {
        let _ = writeln!(
            io::stderr(),
            "error: --out-dir `{}` is the folder being fixed, `{}`: its results would land among its templates; write them to another folder, or fix in place without --out-dir",
            crate::report::visible::line(&dir.to_string_lossy()),
            crate::report::visible::line(&folder.to_string_lossy()),
        );
        return true;
    }
    false
}

/// The files a run fixes, and how many errors finding them met (each said on stderr); `None`
/// when the run must not go on.
fn fix_inputs(args: &FixArgs, run: &Run, paths: &[PathBuf]) -> Option<(Vec<Input>, usize)> {
    if out_dir_is_walked(args, paths) {
        return None;
    }
    // A walk leaves out the results of an earlier `--out-dir` run into the tree it walks,
    // unless a path given lies in that folder (then it is what the run was asked to read).
    let cwd = run.current_dir().unwrap_or(Path::new(""));
    let out_dir = args
        .out_dir
        .as_ref()
        .map(|dir| inputs::lexically_absolute(cwd, dir))
        .filter(|dir| {
            !paths
                .iter()
                .any(|path| inputs::lexically_absolute(cwd, path).starts_with(dir))
        });
    // The folder as it really is, for a walk that reaches it by another spelling (a symlink
    // to it, or the folder itself through one).
    let real_out_dir = out_dir
        .as_ref()
        .and_then(|dir| std::fs::canonicalize(dir).ok())
        .filter(|real| {
            !paths
                .iter()
                .any(|path| std::fs::canonicalize(path).is_ok_and(|path| path.starts_with(real)))
        });
    // Resolved once per folder the walk meets, not once per file.
    let mut folders_in_out_dir = std::collections::HashMap::new();
    let mut in_real_out_dir = |path: &Path| {
        let (Some(real), Some(folder)) = (real_out_dir.as_ref(), path.parent()) else {
            return false;
        };
        *folders_in_out_dir
            .entry(folder.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(folder).is_ok_and(|f| f.starts_with(real)))
    };
    let mut left_in_out_dir = 0_usize;
    let (mut inputs, walk_errors) = inputs::collect(
        paths,
        run.force_exclude,
        &mut |path| run.walk_includes(path),
        &mut |path| {
            if run.walk_excludes(path) {
                return true;
            }
            let in_out_dir = out_dir
                .as_ref()
                .is_some_and(|dir| inputs::lexically_absolute(cwd, path).starts_with(dir))
                || in_real_out_dir(path);
            left_in_out_dir += usize::from(in_out_dir);
            in_out_dir
        },
    );
    say_left_in_out_dir(args, left_in_out_dir);
    if let Some(refusal) = inputs::report_refused(
        &inputs,
        args.selection.output_file.as_deref(),
        args.stdin_filename.as_deref(),
        args.common.config.as_deref(),
    ) {
        output::error(&refusal);
        return None;
    }
    let mut failed = walk_errors.len();
    for error in &walk_errors {
        output::error(error);
    }
    inputs::say_if_none_found(&inputs, failed, args.quiet);
    if args.out_dir.is_some() {
        // Mirroring drops `..` and the root: two inputs may map to one result.
        let mut destinations = std::collections::HashMap::new();
        inputs.retain(|input| {
            let Input::File(path) = input else {
                return true;
            };
            match destinations.entry(mirrored(path, run)) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(path.clone());
                    true
                }
                std::collections::hash_map::Entry::Occupied(entry) => {
                    failed += 1;
                    output::error(&Error::OutDirCollision {
                        path: path.clone(),
                        other: entry.get().clone(),
                    });
                    false
                }
            }
        });
        if let Some(refusal) = report_over_result(args, run, &destinations) {
            output::error(&refusal);
            return None;
        }
    }
    Some((inputs, failed))
}

/// The refusal of an `--output-file` that names a result `--out-dir` writes (`destinations`:
/// each input's place under it): the report would replace the result, or the result the
/// report.
fn report_over_result(
    args: &FixArgs,
    run: &Run,
    destinations: &std::collections::HashMap<PathBuf, PathBuf>,
) -> Option<Error> {
    let (dir, report) = (args.out_dir.as_ref()?, args.selection.output_file.as_ref()?);
    let name = report.file_name()?;
    let resolved = inputs::resolved_as_made(report)?;
    let cwd = run.current_dir().unwrap_or(Path::new(""));
    destinations
        .keys()
        .filter(|mirrored| mirrored.file_name() == Some(name))
        .any(|mirrored| {
            inputs::resolved_as_made(&cwd.join(dir).join(mirrored)).as_ref() == Some(&resolved)
        })
        .then(|| Error::ReportOverRunFile {
            path: report.clone(),
            what: "a result --out-dir writes",
        })
}

/// Write what a run did, and tell its exit status.
/// The report of a run, with how many inputs could not be checked and how many files,
/// checked, were not written.
fn report(
    args: &FixArgs,
    format: Format,
    results: &[FileFix],
    (failed, unwritten): (usize, usize),
) -> ExitStatus {
    let mut summary = Summary {
        files: results.len(),
        failed,
        unwritten,
        unsafe_fixes: args.unsafe_fixes,
        ..Summary::default()
    };
    let mut fixed = 0;
    let mut expanded = 0;
    for fix in results {
        fixed += fix.fixed;
        expanded += fix.expanded;
        summary.changed += usize::from(fix.changed);
        for diagnostic in &fix.report.diagnostics {
            summary.count(diagnostic);
        }
    }
    let written = output::to_destination(args.selection.output_file.as_deref(), |out| {
        write_results(out, args, format, results, &summary, (fixed, expanded))
    });
    if let Some(status) = output::failed_delivery(written, args.selection.output_file.as_deref()) {
        return status;
    }
    let changed = summary.changed > 0;
    if failed + unwritten > 0 {
        ExitStatus::Failure
    } else if args.exit_zero {
        // Over every other exit-1 knob, as in ruff: the run is asked not to fail on findings.
        ExitStatus::Success
    } else if ((args.check || args.diff || args.exit_non_zero_on_fix) && changed)
        || output::too_many_warnings(args.max_warnings, summary.warnings)
        || summary.errors > 0
    {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

fn write_results(
    out: &mut dyn Write,
    args: &FixArgs,
    format: Format,
    results: &[FileFix],
    summary: &Summary,
    (fixed, expanded): (usize, usize),
) -> io::Result<()> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let dry = args.check || args.diff;
    let done = format!(
        "{} {} and {} {} ({} {}).",
        if dry { "Would expand" } else { "Expanded" },
        plural(expanded, "placeholder"),
        if dry { "fix" } else { "fixed" },
        plural(fixed, "finding"),
        plural(summary.changed, "file"),
        if dry { "would change" } else { "changed" },
    );
    let reports: Vec<FileReport> = results.iter().map(|f| f.report.clone()).collect();
    // Findings that would remain explain an exit status of 1 that no change explains.
    let remaining = reports.iter().any(|r| !r.diagnostics.is_empty());
    let options = |style| report::Options {
        style,
        summary_line: false,
        dialects: false,
    };
    let with_summary = |done: &str| {
        if format == Format::Human {
            format!("{done} {}", summary.line())
        } else {
            done.to_owned()
        }
    };
    let to_file = args.selection.output_file.is_some();
    if args.diff {
        // The diff on standard output, a patch. The report goes to standard error, or to the
        // `--output-file` the user asked for, as any other report does (below).
        if to_file {
            let mut stdout = io::stdout().lock();
            for diff in results.iter().filter_map(|fix| fix.diff.as_ref()) {
                stdout.write_all(diff)?;
            }
            stdout.flush()?;
        } else {
            for diff in results.iter().filter_map(|fix| fix.diff.as_ref()) {
                out.write_all(diff)?;
            }
            let mut err = io::stderr().lock();
            // A JSON, SARIF or GitLab report is one document, with no finding too: a CI step
            // that reads it gets one whatever the fix left.
            if remaining || matches!(format, Format::Json | Format::Sarif | Format::Gitlab) {
                let options = options(output::stderr_style());
                let _ = report::write(&mut err, format, &reports, summary, &options);
            }
            // Not after a JSON, SARIF or GitLab document, which must stay one, nor in concise
            // output, whose every line is a finding.
            if !args.quiet && matches!(format, Format::Human | Format::Github) {
                let _ = writeln!(err, "{}", with_summary(&done));
            }
            return Ok(());
        }
    }
    let options = options(output::report_style(to_file));
    if args.check && matches!(format, Format::Human | Format::Concise | Format::Github) {
        // Read by a person: which files would change, then what would remain. The machine
        // formats (JSON, SARIF, GitLab) stay documents of their kind, with the findings that
        // would remain; both are placed in the files as read.
        for fix in results.iter().filter(|f| f.changed) {
            writeln!(
                out,
                "Would fix: {}",
                report::visible::line(&fix.report.path)
            )?;
        }
        if remaining {
            report::write(out, format, &reports, summary, &options)?;
        }
        // Concise output has no summary (README): a line it prints is a file or a finding.
        if !args.quiet && format != Format::Concise {
            writeln!(out, "{}", with_summary(&done))?;
        }
        return Ok(());
    }
    report::write(out, format, &reports, summary, &options)?;
    if format == Format::Human && !args.quiet {
        writeln!(out, "{}", with_summary(&done))?;
    }
    Ok(())
}

/// Fix one file; `None` when it was skipped (binary).
fn fix_file(
    path: &Path,
    args: &FixArgs,
    run: &Run,
    format: Format,
) -> Result<Option<FileFix>, Error> {
    let read_error = Error::reading(path);
    let link = fs::symlink_metadata(path).map_err(read_error)?;
    let mut file = super::open_input(path, Some(&link)).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    if metadata.len() > IN_MEMORY && !args.diff {
        return fix_large_file(path, file, &metadata, &link, args, run, format);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0) + 1);
    file.read_to_end(&mut bytes).map_err(read_error)?;
    if refused(path, &bytes, args)? {
        return Ok(None);
    }
    let in_input = placed_in_input(args);
    let options = RewriterOptions {
        keep_origins: in_input,
        ..run.options(Some(path), &bytes)?
    };
    let result = Rewriter::new(options.clone()).fix_bytes(&bytes, args.unsafe_fixes);
    let display = path.display().to_string();
    let diff = (args.diff && result.changed).then(|| masked_diff(path, &bytes, &result));
    let written = if let Some(dir) = &args.out_dir {
        // The output tree is complete: unchanged files are written too.
        out_dir_destination(dir, path, run)
            .and_then(|destination| write::create(&destination, &result.output, path))
    } else if result.changed && !args.check && !args.diff {
        if let Some(refusal) = write::refusal(path, &link, args.follow_symlinks) {
            Err(refusal)
        } else {
            super::panic_if_asked_for(path);
            write::replace(path, &bytes, &result.output)
        }
    } else {
        Ok(())
    };
    if let Err(error) = written {
        // Not written: its findings are those of the file as it stays.
        let analysis = Rewriter::new(options).check_bytes(&bytes);
        let located = locate(&bytes[..], &analysis, format == Format::Human).map_err(read_error)?;
        return Ok(Some(not_written(display, analysis, located, error)));
    }
    Ok(Some(finish(
        display,
        result,
        in_input.then_some(&bytes[..]),
        diff,
        format,
    )?))
}

/// Standard input judged like a file (`--check -`, `--diff -`); `None` when it is
/// excluded by the configuration or skipped (binary).
fn fix_stdin(args: &FixArgs, run: &Run, format: Format) -> Result<Option<FileFix>, Error> {
    let bytes = inputs::read_stdin().map_err(Error::Stdin)?;
    let named = args.stdin_filename.as_deref();
    let display = named.map_or_else(|| "-".to_owned(), |p| p.display().to_string());
    super::guarded(Path::new(&display), || {
        // Excluded first: the exclusion is the path's, whatever the bytes (a binary or UTF-16
        // buffer is no error of a file ddlink was not to read), as `check -` decides it.
        if named.is_some_and(|p| run.walk_excludes(p))
            || refused(Path::new(&display), &bytes, args)?
        {
            return Ok(None);
        }
        let options = RewriterOptions {
            keep_origins: true,
            ..run.options(named, &bytes)?
        };
        let result = Rewriter::new(options).fix_bytes(&bytes, args.unsafe_fixes);
        let diff = (args.diff && result.changed)
            .then(|| masked_diff(named.unwrap_or(Path::new("-")), &bytes, &result));
        Ok(Some(finish(
            display.clone(),
            result,
            Some(&bytes),
            diff,
            format,
        )?))
    })
}

/// Whether a file is skipped before parsing (binary), said on standard error.
fn refused(path: &Path, head: &[u8], args: &FixArgs) -> Result<bool, Error> {
    match refuse(path, head)? {
        Some(Outcome::Skipped { path, reason }) => {
            if !args.quiet {
                let path = report::visible::line(&path);
                let _ = writeln!(io::stderr(), "ddlink: skipped `{path}`: {reason}");
            }
            Ok(true)
        }
        Some(Outcome::Checked(_)) | None => Ok(false),
    }
}

/// Fix a file larger than [`IN_MEMORY`] without holding it in memory: each round of fixes
/// goes into a temporary file, in the folder the result is renamed into.
fn fix_large_file(
    path: &Path,
    file: File,
    metadata: &fs::Metadata,
    link: &fs::Metadata,
    args: &FixArgs,
    run: &Run,
    format: Format,
) -> Result<Option<FileFix>, Error> {
    let read_error = Error::reading(path);
    let mut reader = BufReader::with_capacity(ddlink::rewrite::CHUNK_SIZE, file);
    let head = reader.fill_buf().map_err(read_error)?.to_vec();
    if refused(path, &head, args)? {
        return Ok(None);
    }
    let in_input = placed_in_input(args);
    let options = RewriterOptions {
        keep_origins: in_input,
        ..run.options(Some(path), &head)?
    };
    let excerpts = format == Format::Human;
    // Not written: its findings are those of the file as it stays.
    let not_written_streamed = |error: Error| -> Result<Option<FileFix>, Error> {
        let input = File::open(path).map_err(read_error)?;
        Ok(Some(FileFix {
            refusal: Some(error),
            ..not_written_empty(check_streamed(path, options.clone(), input, excerpts)?)
        }))
    };
    let destination = match &args.out_dir {
        Some(dir) => match out_dir_destination(dir, path, run)
            .and_then(|destination| Ok((write::output_folder(&destination)?, destination)))
        {
            Ok(destination) => Some(destination),
            Err(error) => return not_written_streamed(error),
        },
        None => None,
    };
    let refusal = write::refusal(path, link, args.follow_symlinks);
    // Scratch files go where the result is renamed to; a check, or a file that may not be
    // written, uses the system's temporary folder.
    let folder = match &destination {
        Some((folder, _)) => Some(folder.clone()),
        None if !args.check && refusal.is_none() => fs::canonicalize(path)
            .ok()
            .and_then(|target| target.parent().map(Path::to_path_buf)),
        None => None,
    };
    super::panic_if_asked_for(path);
    let scratch = || match &folder {
        Some(folder) => write::temporary_in(folder),
        None => NamedTempFile::new(),
    };
    let mut result =
        match Rewriter::new(options.clone()).fix_seekable(reader, args.unsafe_fixes, scratch) {
            Ok(result) => result,
            Err(cause) if write::is_no_space(&cause) => {
                return not_written_streamed(write::write_error(path, cause));
            }
            Err(cause) => return Err(read_error(cause)),
        };
    if in_input {
        moved_to_input(&result.origins, &mut result.analysis, &result.input_secrets);
    }
    let located = if result.analysis.diagnostics.is_empty() {
        Vec::new()
    } else if let Some(output) = result.output.as_mut().filter(|_| !in_input) {
        let located = locate_streamed(&mut *output, &result.analysis, excerpts);
        output.seek(SeekFrom::Start(0)).map_err(read_error)?;
        located.map_err(read_error)?
    } else {
        let again = File::open(path).map_err(read_error)?;
        locate_streamed(again, &result.analysis, excerpts).map_err(read_error)?
    };
    let written = match (destination.as_ref().map(|(_, d)| d), result.output) {
        (Some(destination), Some(output)) => write::create_from(destination, output, path),
        (Some(destination), None) => write::create_copy(destination, path),
        (None, Some(output)) if result.changed && !args.check => match refusal {
            Some(refusal) => Err(refusal),
            None => write::replace_with(path, metadata, output),
        },
        (None, _) => Ok(()),
    };
    if let Err(error) = written {
        return not_written_streamed(error);
    }
    Ok(Some(FileFix {
        fixed: result.fixed,
        expanded: result.expanded,
        changed: result.changed,
        diff: None,
        report: file_report(path.display().to_string(), result.analysis, located),
        refusal: None,
    }))
}

/// A file that was not written (refused, or its writing failed), with the findings of the file
/// as it stays: the error is one of the run, and the findings are reported all the same.
fn not_written(
    display: String,
    analysis: ddlink::Analysis,
    located: Vec<Located>,
    error: Error,
) -> FileFix {
    FileFix {
        refusal: Some(error),
        ..not_written_empty(file_report(display, analysis, located))
    }
}

fn not_written_empty(report: FileReport) -> FileFix {
    FileFix {
        report,
        fixed: 0,
        expanded: 0,
        changed: false,
        diff: None,
        refusal: None,
    }
}

/// Whether the findings that remain are placed in the file as read (SPEC §5.1: offsets into
/// the file as read): when it stays as it is (`--check`, `--diff`, `--out-dir`, which writes
/// elsewhere). Fixed in place, they are placed in what was written, the file as read next.
fn placed_in_input(args: &FixArgs) -> bool {
    args.check || args.diff || args.out_dir.is_some()
}

/// What fixing one document did, its findings located in `input` when given (see
/// [`placed_in_input`]) and in the output otherwise.
fn finish(
    display: String,
    mut result: Fixed,
    input: Option<&[u8]>,
    diff: Option<Vec<u8>>,
    format: Format,
) -> Result<FileFix, Error> {
    let excerpts = format == Format::Human;
    let source = match input {
        Some(input) => {
            moved_to_input(&result.origins, &mut result.analysis, &result.input_secrets);
            input
        }
        None => &result.output[..],
    };
    let located = locate(source, &result.analysis, excerpts).map_err(Error::Stdin)?;
    Ok(FileFix {
        fixed: result.fixed,
        expanded: result.expanded,
        changed: result.changed,
        diff,
        report: file_report(display, result.analysis, located),
        refusal: None,
    })
}

/// The findings moved to the document as read, with its secrets: a fix may have taken one
/// out (`https://user:password@…`), and the excerpts of the input still show it.
fn moved_to_input(
    origins: &ddlink::fix::Origins,
    analysis: &mut ddlink::Analysis,
    input_secrets: &[ddlink::diagnostic::Span],
) {
    origins.to_input(analysis);
    analysis.secrets.extend_from_slice(input_secrets);
    analysis.secrets.sort_unstable();
    analysis.secrets.dedup();
}

/// Where `path`'s result goes under `--out-dir dir`; refused when that is `path` itself
/// (`--out-dir .`), which would replace the file without the checks of a fix in place.
fn out_dir_destination(dir: &Path, path: &Path, run: &Run) -> Result<PathBuf, Error> {
    let destination = dir.join(mirrored(path, run));
    if inputs::same_file(&destination, path) {
        return Err(Error::NotWritten {
            path: path.to_path_buf(),
            reason: "--out-dir would write its result over the file itself".into(),
            help: "fix it in place (without --out-dir), or write the results to another folder",
        });
    }
    Ok(destination)
}

/// Where a file goes under --out-dir: its path relative to the current directory, or its
/// components without the root.
fn mirrored(path: &Path, run: &Run) -> PathBuf {
    let relative = run
        .current_dir()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    relative
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// The diff of a fix, credentials masked as in every other output: the input's where the
/// input holds them and the output's where the output does (a fix may change one: a line
/// break taken out of it), and the text of each wherever it occurs on either side.
fn masked_diff(path: &Path, before: &[u8], fixed: &Fixed) -> Vec<u8> {
    let after = &fixed.output;
    let secrets = &fixed.analysis.secrets;
    let mut masked_before = mask_spans(before, &fixed.input_secrets);
    let mut masked_after = mask_spans(after, secrets);
    // Each secret's bytes are masked wherever they stand on either side: a secret that only
    // a fix made readable (a link the input's check could not read) is in the input too.
    let known = fixed
        .input_secrets
        .iter()
        .filter_map(|span| before.get(span.start..span.end.min(before.len())))
        .chain(
            secrets
                .iter()
                .filter_map(|span| after.get(span.start..span.end.min(after.len()))),
        )
        .filter(|secret| !secret.is_empty());
    for secret in known {
        for (text, masked) in [
            (before, &mut masked_before),
            (&after[..], &mut masked_after),
        ] {
            for at in memchr::memmem::find_iter(text, secret) {
                ddlink::source::mask(&mut masked[at..at + secret.len()]);
            }
        }
    }
    // And the credentials of links ddlink does not read (an `<img src>`) on the lines shown.
    ddlink::source::mask_credential_values(&mut masked_before);
    ddlink::source::mask_credential_values(&mut masked_after);
    super::diff::unified(
        path.as_os_str().as_encoded_bytes(),
        &masked_before,
        &masked_after,
    )
}

/// `text` with the bytes of `spans` masked.
fn mask_spans(text: &[u8], spans: &[Span]) -> Vec<u8> {
    let mut masked = text.to_vec();
    for span in spans {
        if let Some(secret) = masked.get_mut(span.start..span.end.min(text.len())) {
            ddlink::source::mask(secret);
        }
    }
    masked
}

/// `ddlink fix -`: the whole document on stdout whatever remains; findings on stderr; exit 0
/// unless the tool failed, and then nothing on stdout, so an editor never loses its buffer.
fn save_hook(args: &FixArgs, run: &Run) -> ExitStatus {
    let format = output::format(args.format);
    let mut stdin = io::stdin().lock();
    let bytes = match read_held(&mut stdin) {
        Ok(bytes) => bytes,
        Err(error) => {
            output::error(&Error::Stdin(error));
            return ExitStatus::Failure;
        }
    };
    if bytes.len() as u64 > IN_MEMORY {
        return save_hook_spilled(args, run, format, bytes, stdin);
    }
    let named = args.stdin_filename.as_deref();
    let display = named.map_or_else(|| "-".to_owned(), |p| p.display().to_string());
    let result = super::guarded(
        Path::new(&display),
        || -> Result<Option<(Fixed, FileFix)>, Error> {
            // The editor's buffer comes back as it was when the configuration excludes it
            // (SPEC §5: the save hook echoes an excluded file unchanged), whatever its bytes:
            // refused before the exclusion is decided, a binary or UTF-16 buffer would come
            // back as nothing.
            if named.is_some_and(|p| run.walk_excludes(p)) {
                return Ok(None);
            }
            refuse_buffer(named, &display, &bytes)?;
            let fixed =
                Rewriter::new(run.options(named, &bytes)?).fix_bytes(&bytes, args.unsafe_fixes);
            let report = finish(display.clone(), fixed.clone(), None, None, format)?;
            Ok(Some((fixed, report)))
        },
    );
    match result {
        // Excluded: echoed unchanged, with a report of no file.
        Ok(None) => deliver(args, format, &mut &bytes[..], false, None),
        Ok(Some((fixed, report))) => deliver(
            args,
            format,
            &mut &fixed.output[..],
            fixed.changed,
            Some(report.report),
        ),
        Err(error) => {
            output::error(&error);
            ExitStatus::Failure
        }
    }
}

/// The save hook for a buffer larger than what is held in memory: `head`, read already, and
/// the rest of standard input are copied to an anonymous temporary file and fixed from there
/// as a large file is, each round into a temporary file; the result is copied to standard
/// output once it is whole.
fn save_hook_spilled(
    args: &FixArgs,
    run: &Run,
    format: Format,
    head: Vec<u8>,
    rest: impl Read,
) -> ExitStatus {
    let named = args.stdin_filename.as_deref();
    let display = named.map_or_else(|| "-".to_owned(), |p| p.display().to_string());
    let result = super::guarded(Path::new(&display), || {
        // Echoed whatever its bytes, as a buffer held in memory is (see `save_hook`).
        if named.is_some_and(|p| run.walk_excludes(p)) {
            let spilled = inputs::spill(head, rest, Error::Stdin)?;
            return Ok((spilled, None, false, None));
        }
        refuse_buffer(named, &display, &head)?;
        let options = run.options(named, &head)?;
        let mut spilled = inputs::spill(head, rest, Error::Stdin)?;
        let fixed = Rewriter::new(options)
            .fix_seekable(&mut spilled, args.unsafe_fixes, NamedTempFile::new)
            .map_err(Error::Stdin)?;
        let mut output = fixed.output;
        // The findings are placed in what is written: the output, or the input unchanged.
        let located = if fixed.analysis.diagnostics.is_empty() {
            Vec::new()
        } else {
            let excerpts = format == Format::Human;
            let located = if let Some(output) = output.as_mut() {
                locate_streamed(&mut *output, &fixed.analysis, excerpts)
            } else {
                spilled.rewind().map_err(Error::Stdin)?;
                locate_streamed(&mut spilled, &fixed.analysis, excerpts)
            };
            located.map_err(Error::Stdin)?
        };
        spilled.rewind().map_err(Error::Stdin)?;
        if let Some(output) = output.as_mut() {
            output.rewind().map_err(Error::Stdin)?;
        }
        let report = file_report(display.clone(), fixed.analysis, located);
        Ok((spilled, output, fixed.changed, Some(report)))
    });
    match result {
        Ok((_, Some(mut output), changed, report)) => {
            deliver(args, format, &mut output, changed, report)
        }
        Ok((mut spilled, None, changed, report)) => {
            deliver(args, format, &mut spilled, changed, report)
        }
        Err(error) => {
            output::error(&error);
            ExitStatus::Failure
        }
    }
}

/// The save hook refuses a buffer that is no template (binary, or UTF-16 it cannot read):
/// there is nothing to give back but what came in, which the editor has.
fn refuse_buffer(named: Option<&Path>, display: &str, head: &[u8]) -> Result<(), Error> {
    match refuse(named.unwrap_or(Path::new("-")), head)? {
        Some(Outcome::Skipped { reason, .. }) => Err(Error::NotWritten {
            path: PathBuf::from(display),
            reason: if reason.starts_with("binary") {
                "it is a binary file"
            } else {
                "it is not a template"
            }
            .into(),
            help: "nothing to do",
        }),
        Some(Outcome::Checked(_)) | None => Ok(()),
    }
}

/// The save hook's result: the report to `--output-file` (first: if it cannot be written,
/// nothing reaches stdout), the document (`output`) to stdout, else the report to stderr.
/// `report` is `None` for a buffer the configuration excludes.
fn deliver(
    args: &FixArgs,
    format: Format,
    output: &mut dyn Read,
    changed: bool,
    report: Option<FileReport>,
) -> ExitStatus {
    let to_file = args.selection.output_file.as_deref();
    let reports: Vec<FileReport> = report.into_iter().collect();
    let mut summary = Summary {
        files: reports.len(),
        changed: usize::from(changed),
        unsafe_fixes: args.unsafe_fixes,
        ..Summary::default()
    };
    for diagnostic in reports.iter().flat_map(|r| &r.diagnostics) {
        summary.count(diagnostic);
    }
    let options = report::Options {
        style: if to_file.is_some() {
            output::report_style(true)
        } else {
            output::stderr_style()
        },
        summary_line: !args.quiet,
        dialects: false,
    };
    // `--output-file` first: if it cannot be written, nothing reaches stdout.
    if let Some(path) = to_file {
        let written = output::to_destination(Some(path), |out| {
            report::write(out, format, &reports, &summary, &options)
        });
        if let Some(status) = output::failed_delivery(written, to_file) {
            return status;
        }
    }
    let written = {
        let mut stdout = io::stdout().lock();
        io::copy(output, &mut stdout).and_then(|_| stdout.flush())
    };
    // An editor that went away wants nothing more; any other failure is said, since the
    // document it asked for did not arrive.
    if let Some(status) = output::failed_delivery(written, None) {
        return status;
    }
    // A machine format is one document, findings or none (as `check -` writes it); a report
    // for people says nothing when there is nothing to say.
    let document = matches!(format, Format::Json | Format::Sarif | Format::Gitlab);
    if to_file.is_none() && (document || reports.iter().any(|r| !r.diagnostics.is_empty())) {
        let _ = report::write(
            &mut io::stderr().lock(),
            format,
            &reports,
            &summary,
            &options,
        );
    }
    // Asked for by name, as `--exit-non-zero-on-fix` is: the result is written all the same.
    if !args.exit_zero
        && ((args.exit_non_zero_on_fix && changed)
            || output::too_many_warnings(args.max_warnings, summary.warnings))
    {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}
