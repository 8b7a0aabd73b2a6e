//! Writing a fixed template without ever losing the original: a temporary file in the same
//! folder, synced, given the original's permissions, checked against the original once more,
//! then renamed over it atomically.

use std::fs::{self, File, Metadata};
use std::io::Write;
use std::path::Path;

use ddlink::error::Error;

/// Why a file must not be written in place, if it must not.
pub fn refusal(path: &Path, link: &Metadata, follow_symlinks: bool) -> Option<Error> {
    let not_written = |reason, help| {
        Some(Error::NotWritten {
            path: path.to_path_buf(),
            reason,
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
    if target.permissions().readonly() {
        return not_written("it is read-only", "make it writable, or use --out-dir");
    }
    if hard_links(&target) > 1 {
        return not_written(
            "it has more than one hard link, and replacing it would break the others",
            "use --out-dir, or --diff and apply the change yourself",
        );
    }
    None
}

#[cfg(unix)]
fn hard_links(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(metadata)
}

#[cfg(not(unix))]
fn hard_links(_: &Metadata) -> u64 {
    1
}

/// Replace `path` (whose content was `original`) with `content`, atomically.
pub fn replace(path: &Path, original: &[u8], content: &[u8]) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        cause: source,
    };
    // Write through a symlink named with --follow-symlinks: replace its target.
    let target = fs::canonicalize(path).map_err(write_error)?;
    let folder = target.parent().unwrap_or_else(|| Path::new("."));
    let permissions = fs::metadata(&target).map_err(write_error)?.permissions();
    let mut temporary = tempfile::Builder::new()
        .prefix(".ddlink-")
        .tempfile_in(folder)
        .map_err(write_error)?;
    temporary.write_all(content).map_err(write_error)?;
    temporary.as_file().sync_all().map_err(write_error)?;
    fs::set_permissions(temporary.path(), permissions).map_err(write_error)?;
    let now = fs::read(&target).map_err(write_error)?;
    if now != original {
        // Dropping `temporary` removes it.
        return Err(Error::ChangedOnDisk(path.to_path_buf()));
    }
    temporary
        .persist(&target)
        .map_err(|e| write_error(e.error))?;
    if let Ok(folder) = File::open(folder) {
        // The rename is durable once the folder is synced; not every platform allows it.
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Write `content` to `path`, creating its folders (for --out-dir).
pub fn create(path: &Path, content: &[u8]) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        cause: source,
    };
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(write_error)?;
    }
    let folder = path
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".ddlink-")
        .tempfile_in(folder)
        .map_err(write_error)?;
    temporary.write_all(content).map_err(write_error)?;
    temporary.as_file().sync_all().map_err(write_error)?;
    temporary.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}
