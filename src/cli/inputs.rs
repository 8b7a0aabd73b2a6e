//! Which inputs a run reads: files named on the command line, directories walked for
//! templates, or standard input.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ddlink::error::Error;

/// The extensions a directory walk picks up (SPEC §5).
pub const TEMPLATE_EXTENSIONS: &[&str] = &["html", "htm", "mjml", "txt", "hbs", "liquid"];

/// All of standard input. Read into room for a whole template at once: grown from nothing,
/// the buffer would be allocated and copied a dozen times over, which for a save hook's few
/// kilobytes costs more than reading them.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(ddlink::rewrite::CHUNK_SIZE);
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `head`, already read, and the rest of `input` in an anonymous temporary file (removed
/// when closed, whatever happens to the run), at its start: a stream too large to hold in
/// memory. A failure to write it is said of the temporary folder.
pub fn spill(
    head: Vec<u8>,
    mut input: impl std::io::Read,
    read_error: impl Fn(std::io::Error) -> ddlink::error::Error,
) -> Result<std::fs::File, ddlink::error::Error> {
    use std::io::{Seek, Write};
    // Said of the temporary folder: a failure there is no fault of the input.
    let write_error = |cause| ddlink::error::Error::Write {
        path: std::env::temp_dir(),
        cause,
    };
    let mut file = tempfile::tempfile().map_err(write_error)?;
    file.write_all(&head).map_err(write_error)?;
    let mut buffer = head;
    buffer.clear();
    buffer.resize(ddlink::rewrite::CHUNK_SIZE, 0);
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_error(error)),
        };
        file.write_all(&buffer[..read]).map_err(write_error)?;
    }
    file.rewind().map_err(write_error)?;
    Ok(file)
}

/// The paths a run reads: as given, or `-` when none are given but `--stdin-filename` is
/// (it names standard input, which is then what is read, as in ruff and prettier; walking
/// the current directory instead would rewrite every template in it).
pub fn paths_or_stdin(paths: &[PathBuf], stdin_named: bool) -> Vec<PathBuf> {
    if paths.is_empty() && stdin_named {
        vec![PathBuf::from("-")]
    } else {
        if stdin_named && !paths.iter().any(|p| p.as_os_str() == "-") {
            // Said, not silently dropped: the paths are read, and the buffer an editor
            // sends on standard input is not.
            let _ = writeln!(
                std::io::stderr(),
                "warning: --stdin-filename is ignored: the PATHS given are read, not standard input (add `-` to read it)"
            );
        }
        paths.to_vec()
    }
}

/// One input to read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

/// The inputs named by `paths`, sorted by path: directories walked for templates and for what
/// `included` names (honouring `.gitignore`, skipping hidden entries, never following
/// symlinks, leaving out what `excluded` says), files taken as they are unless
/// `force_exclude` (then `excluded` decides for them too).
pub fn collect(
    paths: &[PathBuf],
    force_exclude: bool,
    included: &mut dyn FnMut(&Path) -> bool,
    excluded: &mut dyn FnMut(&Path) -> bool,
) -> (Vec<Input>, Vec<Error>) {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(&tidy(path), &mut inputs, &mut errors, included, excluded);
        } else if !(force_exclude && excluded(path)) {
            // Named explicitly: read whatever its extension; a missing file is reported when read.
            inputs.push(Input::File(without_leading_dot(tidy(path))));
        }
    }
    inputs.sort();
    inputs.dedup();
    if paths.len() > 1 {
        // One file named twice (`a.html ./a.html`, a folder and a file in it, a folder and a
        // symlink to it) is read once: fixed twice at once, it would change under its own
        // feet. A symlink named as a file is not resolved: it stays beside its target, and
        // is refused.
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        inputs.retain(|input| match input {
            Input::File(path) => seen.insert(identity(&cwd, path)),
            Input::Stdin => true,
        });
    }
    (inputs, errors)
}

/// What tells one file from another: its device and inode where there are such (the last
/// component not followed), else its path from `cwd`.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(cwd: &Path, path: &Path) -> Identity {
    #[cfg(unix)]
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        use std::os::unix::fs::MetadataExt;
        return Identity::Inode(metadata.dev(), metadata.ino());
    }
    Identity::Path(lexically_absolute(cwd, path))
}

/// `path` from `cwd`, without `.` components and with `..` taken back lexically.
pub fn lexically_absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut absolute = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other),
        }
    }
    absolute
}

/// `path` as it is shown in reports: `t2//a.html` and `t2/./a.html` are `t2/a.html`, and a
/// folder named `t2/` walks to `t2/a.html` (the same file: `..` is kept, as symlinks may
/// make it differ from going back lexically).
fn tidy(path: &Path) -> PathBuf {
    path.components().collect()
}

/// `path` without a leading `./`: a walk of `.` (or of no path at all) names `cw/a.html`, as
/// SPEC §5.1's example and ruff do, not `./cw/a.html`. The same file, read from the same folder.
/// A file named `-` keeps it: `-` alone is what standard input is called.
fn without_leading_dot(path: PathBuf) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() && rest.as_os_str() != "-" => rest.to_path_buf(),
        _ => path,
    }
}

fn walk(
    root: &Path,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<Error>,
    included: &mut dyn FnMut(&Path) -> bool,
    excluded: &mut dyn FnMut(&Path) -> bool,
) {
    // The crate stops reading `.gitignore` files at a repository's root, as git does, only
    // when it requires git; outside any repository they must still apply, so it requires git
    // only where there is one.
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .follow_links(false)
        .require_git(in_repository(root))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file
                    && (is_template(entry.path()) || included(entry.path()))
                    && !excluded(entry.path())
                {
                    inputs.push(Input::File(without_leading_dot(entry.into_path())));
                }
            }
            Err(error) => {
                let (path, cause) = walk_error(error);
                errors.push(Error::Read {
                    path: path.unwrap_or_else(|| root.to_path_buf()),
                    cause,
                });
            }
        }
    }
}

/// Whether `root` lies in a repository: it, or a folder above it, holds the `.git` (or `.jj`)
/// the `ignore` crate takes for a repository's root. Resolved as the crate resolves the
/// folders above a walk, through symlinks.
fn in_repository(root: &Path) -> bool {
    std::fs::canonicalize(root).is_ok_and(|real| {
        real.ancestors()
            .any(|folder| folder.join(".git").exists() || folder.join(".jj").exists())
    })
}

/// The path a walk could not read (a folder without permission), and why, said once: the
/// walker's own message repeats the path and wraps the system's error in its own words.
fn walk_error(mut error: ignore::Error) -> (Option<PathBuf>, std::io::Error) {
    let mut path = None;
    loop {
        error = match error {
            ignore::Error::WithPath { path: at, err } => {
                path.get_or_insert(at);
                *err
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                *err
            }
            ignore::Error::Io(cause) => {
                // The system's own error, without the walker's words around it.
                let mut inner: Option<&(dyn std::error::Error + 'static)> = Some(&cause);
                let mut code = None;
                while let Some(error) = inner {
                    code = code.or_else(|| {
                        error
                            .downcast_ref::<std::io::Error>()
                            .and_then(std::io::Error::raw_os_error)
                    });
                    inner = error.source();
                }
                let cause = code.map_or(cause, std::io::Error::from_raw_os_error);
                return (path, cause);
            }
            other => return (path, std::io::Error::other(other.to_string())),
        };
    }
}

/// Whether `a` and `b` name one file, in any spelling, through symlinks too.
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Said on standard error when the paths held no template at all (a run that read nothing
/// is not "all clear" to a user who mistyped a path or an `include` glob); the exit status
/// stays 0, as for any run without findings.
pub fn say_if_none_found(inputs: &[Input], walk_errors: usize, quiet: bool) {
    if inputs.is_empty() && walk_errors == 0 && !quiet {
        let _ = writeln!(
            std::io::stderr(),
            "ddlink: warning: no templates found in the paths given (check them, and \
             `include` and `exclude` in ddlink.toml)"
        );
    }
}

/// The report file `--output-file` if it names an input, in any spelling and through
/// symlinks (`stdin`: the path standard input stands for): writing the report there would
/// destroy a template (and, under `fix`, race with its rewrite). A file a folder walk found
/// counts as one named: leaving it out of the walk and then writing the report over it lost
/// the template all the same. The report is resolved once, and each input with one system
/// call.
fn report_over_input(
    inputs: &[Input],
    report: Option<&Path>,
    stdin: Option<&Path>,
) -> Option<PathBuf> {
    let report = report?;
    let resolved = resolved_as_made(report)?;
    let is_report = |path: &Path| std::fs::canonicalize(path).is_ok_and(|path| path == resolved);
    inputs
        .iter()
        .any(|input| match input {
            Input::File(path) => is_report(path),
            Input::Stdin => stdin.is_some_and(is_report),
        })
        .then(|| report.to_path_buf())
}

/// Why `--output-file` may not be written, if it names a file the run reads: an input (see
/// [`report_over_input`]) or a configuration (see [`report_over_config`]).
pub fn report_refused(
    inputs: &[Input],
    report: Option<&Path>,
    stdin: Option<&Path>,
    config: Option<&Path>,
) -> Option<ddlink::error::Error> {
    if let Some(path) = report_over_input(inputs, report, stdin) {
        return Some(ddlink::error::Error::ReportOverInput(path));
    }
    report_over_config(report, config)
        .map(|(path, what)| ddlink::error::Error::ReportOverRunFile { path, what })
}

/// The report file `--output-file` and what it is, if it names a configuration: the file
/// `--config` names, or any `ddlink.toml`, there or not (a run reads the one in each
/// template's folder or above it).
fn report_over_config(
    report: Option<&Path>,
    config: Option<&Path>,
) -> Option<(PathBuf, &'static str)> {
    let report = report?;
    let resolved = resolved_as_made(report)?;
    let named = config
        .is_some_and(|config| std::fs::canonicalize(config).is_ok_and(|config| config == resolved));
    // A new one too: written among templates, it would be read as their configuration.
    let configuration = resolved
        .file_name()
        .is_some_and(|name| name == ddlink::config::FILE_NAME);
    (named || configuration).then(|| (report.to_path_buf(), "a configuration file"))
}

/// Where `path` will lead once the folders it names are made (as `--output-file` makes them):
/// the part that exists resolved through its symlinks, the rest read lexically, since a
/// folder made then is no symlink (`new/../a.html` is `a.html`). `None` for a path that
/// cannot be resolved at all.
pub fn resolved_as_made(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        let candidate = resolved.join(component);
        match std::fs::canonicalize(&candidate) {
            Ok(real) => resolved = real,
            Err(_) => match component {
                std::path::Component::ParentDir => {
                    resolved.pop();
                }
                std::path::Component::CurDir => {}
                other => resolved.push(other),
            },
        }
    }
    Some(resolved)
}

pub fn is_template(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|ext| {
            TEMPLATE_EXTENSIONS
                .iter()
                .any(|t| t.eq_ignore_ascii_case(ext))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walker's error names the folder it could not read and the system's reason, which
    /// the walker wraps in an error of its own.
    #[test]
    fn a_walk_error_names_its_folder_and_the_system_reason() {
        #[derive(Debug)]
        struct Wrapped(std::io::Error);
        impl std::fmt::Display for Wrapped {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "IO error for operation on ./locked: {}", self.0)
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let denied = std::io::Error::from_raw_os_error(13);
        let error = ignore::Error::WithDepth {
            depth: 1,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("./locked"),
                err: Box::new(ignore::Error::Io(std::io::Error::new(
                    denied.kind(),
                    Wrapped(denied),
                ))),
            }),
        };
        let (path, cause) = walk_error(error);
        assert_eq!(path, Some(PathBuf::from("./locked")));
        assert_eq!(cause.raw_os_error(), Some(13));
        assert!(
            !cause.to_string().contains("IO error for operation"),
            "{cause}"
        );
    }
}
