//! Writing a fixed template without ever losing the original: a temporary file in the same
//! folder, synced, given the original's permissions, checked against the original once more,
//! then renamed over it atomically.

use std::collections::BTreeSet;
use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ddlink::error::Error;
use tempfile::NamedTempFile;

/// How every temporary file ddlink writes next to a template begins, followed by the writing
/// process's id and a random suffix: `.ddlink-tmp-4242-Xa3k9Q`. Distinctive, so that removing
/// leftovers (see [`remove_leftovers`]) never touches anything ddlink did not create.
pub const TEMPORARY_PREFIX: &str = ".ddlink-tmp-";

/// How old a leftover must be before it is removed when ddlink cannot tell whether the process
/// that wrote it still runs (no `/proc`).
const LEFTOVER_AGE: Duration = Duration::from_secs(60 * 60);

/// The folders this run has already cleared of leftovers.
static CLEARED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Why a file must not be written in place, if it must not.
pub fn refusal(path: &Path, link: &Metadata, follow_symlinks: bool) -> Option<Error> {
    let not_written = |reason: &'static str, help| {
        Some(Error::NotWritten {
            path: path.to_path_buf(),
            reason: reason.into(),
            help,
        })
    };
    if link.file_type().is_symlink() && !follow_symlinks {
        return not_written(
            "it is a symbolic link",
            "name the file it points to, or pass --follow-symlinks",
        );
    }
    let Ok(target) = fs::metadata(path) else {
        return None;
    };
    // A named pipe or a device read as a template: renaming the result over it would put a
    // regular file in its place, and checking it for changes would wait on it.
    if !target.is_file() {
        return not_written(
            "it is not a regular file (a named pipe or a device), and the fixed document would replace it",
            "use --out-dir, or --diff and apply the change yourself",
        );
    }
    if target.permissions().readonly() {
        return not_written("it is read-only", "make it writable, or use --out-dir");
    }
    // Its mode bits do not say all: whose it is and this user's groups, an immutable flag, a
    // read-only mount.
    if let Some((reason, help)) = write_denied(path, &target, Place::File) {
        return not_written(reason, help);
    }
    if hard_links(&target) > 1 {
        return not_written(
            "it has more than one hard link, and replacing it would break the others",
            "use --out-dir, or --diff and apply the change yourself",
        );
    }
    // The mode is what ddlink respects, as for read-only files: root could write into a
    // read-only folder, but whoever made it read-only did not want it changed.
    let folder = fs::canonicalize(path)
        .ok()
        .and_then(|target| target.parent().map(Path::to_path_buf));
    if let Some(folder) = folder {
        if fs::metadata(&folder).is_ok_and(|folder| folder.permissions().readonly()) {
            return not_written(
                "its folder is read-only",
                "make the folder writable, or use --out-dir",
            );
        }
        // The fixed file is made beside it and renamed over it.
        if let Ok(metadata) = fs::metadata(&folder)
            && let Some((reason, help)) = write_denied(&folder, &metadata, Place::Folder)
        {
            return not_written(reason, help);
        }
    }
    // Another user's file that this user may write (its mode lets everyone): the fixed copy
    // would be this user's, and only root may give a file away.
    if !may_keep_owner(&target) {
        return not_written(OWNER_NOT_KEPT.0, OWNER_NOT_KEPT.1);
    }
    None
}

/// Whether this user may give a new file the owner of the file `metadata` describes: its own,
/// or any, as root.
#[cfg(unix)]
fn may_keep_owner(metadata: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid();
    me.is_root() || metadata.uid() == me.as_raw()
}

#[cfg(not(unix))]
fn may_keep_owner(_: &Metadata) -> bool {
    true
}

/// Where a fix in place writes: the template itself, or the folder its fixed copy is made in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    File,
    Folder,
}

/// Why this process, with its effective user and groups, may not write `path` (whose
/// metadata is `metadata`), if it may not: a reason and a help for [`Error::NotWritten`].
#[cfg(unix)]
fn write_denied(
    path: &Path,
    metadata: &Metadata,
    place: Place,
) -> Option<(&'static str, &'static str)> {
    use rustix::fs::{Access, AtFlags, CWD, accessat};
    use std::os::unix::fs::MetadataExt;
    let cause = accessat(CWD, path, Access::WRITE_OK, AtFlags::EACCESS).err()?;
    let theirs = metadata.uid() != rustix::process::geteuid().as_raw();
    Some(denial(place, cause, theirs))
}

#[cfg(not(unix))]
fn write_denied(_: &Path, _: &Metadata, _: Place) -> Option<(&'static str, &'static str)> {
    None
}

/// What the system refuses with `EPERM` whatever the mode bits and whoever asks (root too):
/// a file flagged immutable (`chattr +i`), or append-only, which may not be renamed over.
const REFUSED_BY_THE_SYSTEM: &str = "the system refused to replace it (Operation not permitted): is it immutable or append-only? (`lsattr`)";
const REFUSED_BY_THE_SYSTEM_HELP: &str =
    "if it may change, clear the flag (`chattr -i -a`), or use --out-dir";

/// The reason and help for a write to `place` that the system denied with `cause`; `theirs`:
/// whether `place` belongs to another user. Only then is it said to be another user's, for
/// the owner is the one to ask: an immutable file of one's own is denied too.
#[cfg(unix)]
fn denial(place: Place, cause: rustix::io::Errno, theirs: bool) -> (&'static str, &'static str) {
    use rustix::io::Errno;
    if cause == Errno::ROFS {
        return (
            "it is on a read-only file system",
            "use --out-dir, or --diff and apply the change yourself",
        );
    }
    match (place, cause == Errno::PERM, theirs) {
        (Place::File, true, _) => (REFUSED_BY_THE_SYSTEM, REFUSED_BY_THE_SYSTEM_HELP),
        (Place::Folder, true, _) => (
            "the system refused to write into its folder (Operation not permitted), where the fixed file is made and renamed over it: is the folder immutable? (`lsattr -d`)",
            "if it may change, clear the flag (`chattr -i -a`), or use --out-dir",
        ),
        (Place::File, false, true) => (
            "you may not write it (it is another user's)",
            "ask its owner, or use --out-dir",
        ),
        (Place::File, false, false) => (
            "you may not write it (its permissions do not let you)",
            "make it writable, or use --out-dir",
        ),
        (Place::Folder, false, true) => (
            "you may not write into its folder, where the fixed file is made and renamed over it",
            "ask the folder's owner, or use --out-dir",
        ),
        (Place::Folder, false, false) => (
            "you may not write into its folder (its permissions do not let you), where the fixed file is made and renamed over it",
            "make the folder writable, or use --out-dir",
        ),
    }
}

#[cfg(unix)]
fn hard_links(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(metadata)
}

#[cfg(not(unix))]
fn hard_links(_: &Metadata) -> u64 {
    1
}

/// Whether `cause` is a full disk, a quota or a file-size limit.
pub fn is_no_space(cause: &io::Error) -> bool {
    matches!(
        cause.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge | io::ErrorKind::QuotaExceeded
    )
}

/// The error for a failed write of `path`: a full disk or a file-size limit says so.
pub fn write_error(path: &Path, cause: io::Error) -> Error {
    if is_no_space(&cause) {
        Error::NoSpace {
            path: path.to_path_buf(),
            cause,
        }
    } else {
        Error::Write {
            path: path.to_path_buf(),
            cause,
        }
    }
}

/// Replace `path` (whose content was `original`) with `content`, atomically.
pub fn replace(path: &Path, original: &[u8], content: &[u8]) -> Result<(), Error> {
    let target = replaced_target(path)?;
    let folder = target.parent().unwrap_or_else(|| Path::new("."));
    let temporary = temporary_holding(folder, path, content, |e| gone_or(path, e))?;
    commit(path, &target, temporary, |target| {
        Ok(fs::read(target)? == original)
    })
}

/// Replace `path` with the fixed copy already written to `temporary` (a file made by
/// [`temporary_in`] in the folder of the file `path` names), atomically. `original` is what
/// the file's metadata was when it was read: a large file is not held in memory to compare,
/// so a change of size, modification time or identity since then counts as a change.
pub fn replace_with(
    path: &Path,
    original: &Metadata,
    temporary: NamedTempFile,
) -> Result<(), Error> {
    let target = replaced_target(path)?;
    commit(path, &target, temporary, |target| {
        Ok(same_file_version(original, &fs::metadata(target)?))
    })
}

/// The file a replacement of `path` renames over: through a symlink named with
/// --follow-symlinks, its target.
fn replaced_target(path: &Path) -> Result<PathBuf, Error> {
    fs::canonicalize(path).map_err(|e| gone_or(path, e))
}

/// The error for a failed write of `path`, or, when the file (or its folder) went away since
/// it was read, that it was deleted: ddlink then creates nothing.
fn gone_or(path: &Path, cause: io::Error) -> Error {
    if cause.kind() == io::ErrorKind::NotFound {
        Error::Deleted(path.to_path_buf())
    } else {
        write_error(path, cause)
    }
}

/// Sync `temporary`, give it the permissions of `target`, and rename it over `target` if
/// `unchanged` says the file is still as it was read; then sync the folder.
fn commit(
    path: &Path,
    target: &Path,
    temporary: NamedTempFile,
    unchanged: impl FnOnce(&Path) -> io::Result<bool>,
) -> Result<(), Error> {
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| write_error(path, e))?;
    let metadata = fs::metadata(target).map_err(|e| gone_or(path, e))?;
    // Dropping `temporary` on an error removes it.
    keep_owner(&temporary, &metadata).map_err(|(reason, help)| Error::NotWritten {
        path: path.to_path_buf(),
        reason: reason.into(),
        help,
    })?;
    // Before the mode: an access control list sets the group's bits (to its mask), which the
    // mode then sets back as the file has them.
    keep_attributes(temporary.as_file(), target).map_err(|reason| Error::NotWritten {
        path: path.to_path_buf(),
        reason: reason.into(),
        help: "use --out-dir, or --diff and apply the change yourself",
    })?;
    fs::set_permissions(temporary.path(), metadata.permissions())
        .map_err(|e| write_error(path, e))?;
    if !unchanged(target).map_err(|e| gone_or(path, e))? {
        // Dropping `temporary` removes it.
        return Err(Error::ChangedOnDisk(path.to_path_buf()));
    }
    temporary
        .persist(target)
        .map_err(|e| rename_error(path, e.error))?;
    let folder = target.parent().unwrap_or_else(|| Path::new("."));
    if let Ok(folder) = File::open(folder) {
        // The rename is durable once the folder is synced; not every platform allows it.
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The error for a failed rename of the fixed file over `path`. The system refuses it to
/// anyone for an append-only file, which its write access does not tell beforehand.
fn rename_error(path: &Path, cause: io::Error) -> Error {
    #[cfg(unix)]
    if cause.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) {
        return Error::NotWritten {
            path: path.to_path_buf(),
            reason: REFUSED_BY_THE_SYSTEM.into(),
            help: REFUSED_BY_THE_SYSTEM_HELP,
        };
    }
    write_error(path, cause)
}

/// Give `temporary` the owner and group of the file it replaces, as far as this user may (root
/// may give any; others their own groups): fixed by root, a user's template stays the user's.
/// What cannot be kept is a reason and a help for [`Error::NotWritten`]: renamed over the
/// file, the fixed copy would hand it to this user, or to this user's group.
fn keep_owner(
    temporary: &NamedTempFile,
    target: &Metadata,
) -> Result<(), (&'static str, &'static str)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let file = temporary.as_file();
        let wanted = (target.uid(), target.gid());
        let owned = |file: &File| file.metadata().map(|now| (now.uid(), now.gid()));
        if owned(file).is_ok_and(|now| now == wanted) {
            return Ok(());
        }
        if std::os::unix::fs::fchown(file, Some(wanted.0), Some(wanted.1)).is_err() {
            let _ = std::os::unix::fs::fchown(file, None, Some(wanted.1));
        }
        match owned(file) {
            Ok(now) => ownership_lost(wanted, now).map_or(Ok(()), Err),
            Err(_) => Err(OWNER_NOT_KEPT),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (temporary, target);
        Ok(())
    }
}

const OWNER_NOT_KEPT: (&str, &str) = (
    "it is another user's, and its owner could not be kept",
    "ask its owner, or use --out-dir",
);

/// What of the owner and group `wanted` (user, group) the fixed copy, owned by `now`, lost:
/// a reason and a help for [`Error::NotWritten`].
#[cfg(unix)]
fn ownership_lost(wanted: (u32, u32), now: (u32, u32)) -> Option<(&'static str, &'static str)> {
    if now.0 != wanted.0 {
        Some(OWNER_NOT_KEPT)
    } else if now.1 != wanted.1 {
        Some((
            "its group could not be kept (you are not a member of it)",
            "use --out-dir, or --diff and apply the change yourself",
        ))
    } else {
        None
    }
}

/// Give `temporary` every extended attribute of the file `target` (an access control list,
/// a `user.*` note, a security label) that it does not have already: renamed over the file,
/// a copy without them would drop them. The one that cannot be given (the file system of
/// the copy has none, or this user may not set it) is a reason for [`Error::NotWritten`].
#[cfg(any(target_os = "linux", target_os = "android"))]
fn keep_attributes(temporary: &File, target: &Path) -> Result<(), String> {
    use rustix::fs::{
        XattrFlags, fgetxattr, fgetxattr_query, fsetxattr, getxattr, getxattr_query, listxattr,
        listxattr_query,
    };
    use rustix::io::Errno;
    let names = match sized(|| listxattr_query(target), |list| listxattr(target, list)) {
        Ok(names) => names,
        // A file system without extended attributes: the file has none to keep.
        Err(Errno::NOTSUP) => return Ok(()),
        Err(cause) => {
            return Err(format!(
                "its extended attributes could not be read ({})",
                io::Error::from(cause)
            ));
        }
    };
    for name in names
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty())
    {
        let value = match sized(
            || getxattr_query(target, name),
            |value| getxattr(target, name, value),
        ) {
            Ok(value) => value,
            // Removed since it was listed.
            Err(Errno::NODATA) => continue,
            Err(cause) => return Err(attribute_not_kept(name, cause)),
        };
        // A security label the copy was given as it was made, say, may not be set again.
        let present = sized(
            || fgetxattr_query(temporary, name),
            |present| fgetxattr(temporary, name, present),
        );
        if present.is_ok_and(|present| present == value) {
            continue;
        }
        fsetxattr(temporary, name, &value, XattrFlags::empty())
            .map_err(|cause| attribute_not_kept(name, cause))?;
    }
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn keep_attributes(_: &File, _: &Path) -> Result<(), String> {
    Ok(())
}

/// The bytes `read` puts in a buffer of the size `query` says (a list of extended attributes,
/// or a value), measured again if they grew meanwhile.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn sized(
    query: impl Fn() -> rustix::io::Result<usize>,
    read: impl Fn(&mut [u8]) -> rustix::io::Result<usize>,
) -> rustix::io::Result<Vec<u8>> {
    loop {
        let mut buffer = vec![0; query()?];
        // Given no room, `read` would only measure again.
        if buffer.is_empty() {
            return Ok(buffer);
        }
        match read(&mut buffer) {
            Ok(length) => {
                buffer.truncate(length);
                return Ok(buffer);
            }
            Err(rustix::io::Errno::RANGE) => {}
            Err(cause) => return Err(cause),
        }
    }
}

/// The reason a file is not written when its extended attribute `name` could not be given
/// to the fixed copy.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn attribute_not_kept(name: &[u8], cause: rustix::io::Errno) -> String {
    let name = String::from_utf8_lossy(name);
    let what = match &*name {
        "system.posix_acl_access" => " (its access control list)",
        "system.posix_acl_default" => " (the access control list its new files get)",
        _ if name.starts_with("security.") => " (a security attribute)",
        _ => "",
    };
    format!(
        "its extended attribute `{name}`{what} could not be kept: {}",
        io::Error::from(cause)
    )
}

/// Whether two readings of a file's metadata are of the same, unmodified file.
fn same_file_version(before: &Metadata, now: &Metadata) -> bool {
    #[cfg(unix)]
    let same_identity = {
        use std::os::unix::fs::MetadataExt;
        (before.dev(), before.ino()) == (now.dev(), now.ino())
    };
    #[cfg(not(unix))]
    let same_identity = true;
    same_identity && before.len() == now.len() && before.modified().ok() == now.modified().ok()
}

/// Move `temporary` (made by [`temporary_in`] in `path`'s folder) to `path` (for --out-dir),
/// with the permissions of `source`, the template it was made from (a temporary file is
/// private to its owner).
pub fn create_from(path: &Path, temporary: NamedTempFile, source: &Path) -> Result<(), Error> {
    if let Ok(metadata) = fs::metadata(source) {
        fs::set_permissions(temporary.path(), metadata.permissions())
            .map_err(|e| write_error(path, e))?;
    }
    temporary
        .persist(path)
        .map_err(|e| write_error(path, e.error))?;
    Ok(())
}

/// Copy the file `source` to `path` as it is, creating its folders (for --out-dir), without
/// reading it into memory.
pub fn create_copy(path: &Path, source: &Path) -> Result<(), Error> {
    let folder = output_folder(path)?;
    let mut temporary = temporary_in(&folder).map_err(|e| write_error(path, e))?;
    let mut input = File::open(source).map_err(Error::reading(source))?;
    io::copy(&mut input, &mut temporary).map_err(|e| write_error(path, e))?;
    create_from(path, temporary, source)
}

/// The folder `path` goes into, created if need be (for --out-dir).
pub fn output_folder(path: &Path) -> Result<PathBuf, Error> {
    let folder = path
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    create_folders(folder).map_err(|e| write_error(path, e))?;
    Ok(folder.to_path_buf())
}

/// Make `folder` and the folders above it. A file standing where a folder must be is named as
/// the cause: the system's own words (`File exists`, or `Not a directory` further down) say
/// neither which path nor that a file is in the way.
pub fn create_folders(folder: &Path) -> io::Result<()> {
    fs::create_dir_all(folder).map_err(|error| {
        // The nearest that exists: a path under a file cannot even be looked up.
        let nearest = folder
            .ancestors()
            .filter(|above| !above.as_os_str().is_empty())
            .find_map(|above| fs::metadata(above).ok().map(|metadata| (above, metadata)));
        match nearest {
            Some((above, metadata)) if !metadata.is_dir() => io::Error::new(
                io::ErrorKind::NotADirectory,
                format!(
                    "`{}` is {}",
                    above.display(),
                    if metadata.is_file() {
                        "a file, not a folder"
                    } else {
                        "not a folder"
                    }
                ),
            ),
            _ => error,
        }
    })
}

/// Write `content`, made from the template `source`, to `path`, creating its folders (for
/// --out-dir).
pub fn create(path: &Path, content: &[u8], source: &Path) -> Result<(), Error> {
    let folder = output_folder(path)?;
    // Not synced: a crash can lose only this copy, never the template it was made from, and
    // a batch of thousands of files would wait on the disk once per file.
    let temporary = temporary_holding(&folder, path, content, |e| write_error(path, e))?;
    create_from(path, temporary, source)
}

/// A temporary file in `folder` holding `content` (`path` names the file it stands for in
/// errors; `creation` turns a failure to create it into an error).
fn temporary_holding(
    folder: &Path,
    path: &Path,
    content: &[u8],
    creation: impl FnOnce(io::Error) -> Error,
) -> Result<NamedTempFile, Error> {
    let mut temporary = temporary_in(folder).map_err(creation)?;
    temporary
        .write_all(content)
        .map_err(|e| write_error(path, e))?;
    Ok(temporary)
}

/// A new temporary file in `folder`, after removing ddlink's leftovers there.
pub(super) fn temporary_in(folder: &Path) -> io::Result<NamedTempFile> {
    temporary(folder, false)
}

/// [`temporary_in`], with the mode a file created by any program gets (0666 less the umask)
/// rather than a temporary file's 0600: it becomes a new file that others may read.
pub(super) fn temporary_for_new_file(folder: &Path) -> io::Result<NamedTempFile> {
    temporary(folder, true)
}

fn temporary(folder: &Path, as_new_file: bool) -> io::Result<NamedTempFile> {
    remove_leftovers(folder);
    let prefix = format!("{TEMPORARY_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    if as_new_file {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = as_new_file;
    builder.tempfile_in(folder).map_err(without_temporary_name)
}

/// A failed creation, as tempfile says it, names the temporary file (`… at path
/// "dir/.ddlink-tmp-42-Xa3k9Q"`): a name the user never gave, of a file that does not exist.
/// The error is said without it (its kind kept), so that it reads as said of the file the
/// user named.
fn without_temporary_name(error: io::Error) -> io::Error {
    let message = error.to_string();
    match message.rfind(" at path \"") {
        Some(at) if message[at..].contains(TEMPORARY_PREFIX) => {
            io::Error::new(error.kind(), &message[..at])
        }
        _ => error,
    }
}

/// Remove the temporary files an earlier ddlink left in `folder`, once per folder and run.
///
/// Why: a temporary file is removed when the write fails or the process exits normally, but
/// nothing runs on SIGKILL, a second Ctrl-C or a power cut, and a leftover next to the templates
/// is clutter that could get committed. Only files named with [`TEMPORARY_PREFIX`] are touched,
/// and only those whose writer is gone: another ddlink may be writing into the same folder
/// right now (pre-commit runs several at once), and its file is not a leftover. On Linux the
/// writer's id in the name tells (`/proc`); elsewhere a leftover must be an hour old.
fn remove_leftovers(folder: &Path) {
    let mut cleared = CLEARED.lock().unwrap_or_else(PoisonError::into_inner);
    if !cleared.insert(folder.to_path_buf()) {
        return;
    }
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMPORARY_PREFIX)) else {
            continue;
        };
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if metadata.is_file() && writer_is_gone(rest, &metadata) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether the process that wrote a temporary file (its id leads `rest`) no longer runs.
fn writer_is_gone(rest: &str, metadata: &Metadata) -> bool {
    let writer = rest
        .split_once('-')
        .and_then(|(id, _)| id.parse::<u32>().ok());
    let proc = Path::new("/proc");
    match writer {
        Some(id) if id == std::process::id() => false,
        Some(id) if proc.join("self").exists() => !proc.join(id.to_string()).exists(),
        _ => metadata
            .modified()
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > LEFTOVER_AGE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_creation_does_not_name_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let error = temporary_for_new_file(&dir.path().join("missing")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let message = error.to_string();
        assert!(!message.contains(TEMPORARY_PREFIX), "{message}");
        assert!(message.contains("os error"), "{message}");
        // Any other error is left as it is.
        let other = without_temporary_name(io::Error::other("x at path \"y\""));
        assert_eq!(other.to_string(), "x at path \"y\"");
    }

    fn temporaries(folder: &Path) -> Vec<String> {
        fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".ddlink-"))
            .collect()
    }

    /// A write the system denies is said to be another user's only when it is: an immutable
    /// file of one's own (`EPERM`, root too) is not, and the owner is not the one to ask.
    #[cfg(unix)]
    #[test]
    fn a_denied_write_blames_the_owner_only_when_it_is_another_user() {
        use rustix::io::Errno;
        for theirs in [false, true] {
            assert_eq!(
                denial(Place::File, Errno::PERM, theirs),
                (REFUSED_BY_THE_SYSTEM, REFUSED_BY_THE_SYSTEM_HELP)
            );
            assert_eq!(
                denial(Place::Folder, Errno::ROFS, theirs).0,
                "it is on a read-only file system"
            );
            assert!(
                denial(Place::Folder, Errno::PERM, theirs)
                    .0
                    .contains("immutable")
            );
        }
        assert_eq!(
            denial(Place::File, Errno::ACCESS, true),
            (
                "you may not write it (it is another user's)",
                "ask its owner, or use --out-dir"
            )
        );
        assert_eq!(
            denial(Place::File, Errno::ACCESS, false),
            (
                "you may not write it (its permissions do not let you)",
                "make it writable, or use --out-dir"
            )
        );
        assert_eq!(
            denial(Place::Folder, Errno::ACCESS, true).1,
            "ask the folder's owner, or use --out-dir"
        );
        assert_eq!(
            denial(Place::Folder, Errno::ACCESS, false).1,
            "make the folder writable, or use --out-dir"
        );
    }

    /// The fixed copy is not renamed over the file unless it has the file's owner and group.
    #[cfg(unix)]
    #[test]
    fn a_copy_that_lost_the_owner_or_the_group_is_not_renamed_over_the_file() {
        assert_eq!(ownership_lost((1000, 100), (1000, 100)), None);
        assert_eq!(
            ownership_lost((1234, 1234), (65534, 65534)),
            Some(OWNER_NOT_KEPT)
        );
        assert_eq!(
            ownership_lost((1234, 100), (65534, 100)),
            Some(OWNER_NOT_KEPT)
        );
        assert_eq!(
            ownership_lost((1000, 0), (1000, 1000)).map(|(reason, _)| reason),
            Some("its group could not be kept (you are not a member of it)")
        );
    }

    #[test]
    fn a_file_changed_on_disk_between_read_and_write_is_left_as_it_is_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.html");
        fs::write(&path, "edited by someone else\n").unwrap();
        let error = replace(&path, b"as ddlink read it\n", b"as ddlink fixed it\n").unwrap_err();
        assert!(
            matches!(&error, Error::ChangedOnDisk(p) if *p == path),
            "{error:?}"
        );
        assert!(error.to_string().contains("changed on disk"), "{error}");
        assert_eq!(fs::read(&path).unwrap(), b"edited by someone else\n");
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_streamed_replacement_is_refused_when_the_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.html");
        fs::write(&path, "as ddlink read it\n").unwrap();
        let read = fs::metadata(&path).unwrap();
        let fixed = |content: &str| {
            let mut temporary = temporary_in(dir.path()).unwrap();
            temporary.write_all(content.as_bytes()).unwrap();
            temporary
        };
        fs::write(&path, "edited by someone else, longer\n").unwrap();
        let error = replace_with(&path, &read, fixed("as ddlink fixed it\n")).unwrap_err();
        assert!(
            matches!(&error, Error::ChangedOnDisk(p) if *p == path),
            "{error:?}"
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            b"edited by someone else, longer\n"
        );
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());

        let now = fs::metadata(&path).unwrap();
        replace_with(&path, &now, fixed("as ddlink fixed it\n")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"as ddlink fixed it\n");
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_file_deleted_during_the_run_is_not_created_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.html");
        fs::write(&path, "x").unwrap();
        fs::remove_file(&path).unwrap();
        let error = replace(&path, b"x", b"y").unwrap_err();
        assert!(
            matches!(&error, Error::Deleted(p) if *p == path),
            "{error:?}"
        );
        assert!(error.to_string().contains("was deleted"), "{error}");
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        // Its folder gone too.
        let gone = dir.path().join("gone/a.html");
        assert!(matches!(replace(&gone, b"x", b"y"), Err(Error::Deleted(_))));
        assert!(!dir.path().join("gone").exists());
    }

    #[test]
    fn a_replaced_file_has_the_new_content_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.html");
        fs::write(&path, "old").unwrap();
        replace(&path, b"old", b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn leftovers_of_a_dead_writer_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        // No process has id u32::MAX - 1 (Linux ids stay below 2^22).
        let dead = format!("{TEMPORARY_PREFIX}{}-abcdef", u32::MAX - 1);
        let mine = format!("{TEMPORARY_PREFIX}{}-abcdef", std::process::id());
        for name in [&dead, &mine, ".ddlink-other", "keep.html"] {
            fs::write(folder.join(name), "x").unwrap();
        }
        fs::create_dir(folder.join(format!("{TEMPORARY_PREFIX}dir"))).unwrap();
        fs::write(folder.join("a.html"), "old").unwrap();
        replace(&folder.join("a.html"), b"old", b"new").unwrap();
        let mut left = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        left.sort();
        let mut expected = vec![
            ".ddlink-other".to_owned(),
            format!("{TEMPORARY_PREFIX}dir"),
            "a.html".to_owned(),
            "keep.html".to_owned(),
        ];
        if !Path::new("/proc/self").exists() {
            // Without /proc only an hour-old leftover is known to be one.
            expected.push(dead.clone());
        }
        expected.push(mine);
        expected.sort();
        assert_eq!(left, expected);
    }
}
