//! The floors that `bench/compare.sh` holds ddlink's writing against: what writing every file
//! costs when nothing is parsed.
//!
//! - `write_floor in-place FILE_OR_DIR...`: each file copied to a temporary file beside it,
//!   synced to disk and renamed over it (what `ddlink fix` does to a file it changes).
//! - `write_floor out-dir OUT FILE_OR_DIR...`: each file copied to `OUT` (same relative path)
//!   through a temporary file and a rename, not synced (what `ddlink fix --out-dir` does).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::files;

fn copy_through_temporary(content: &[u8], target: &Path, sync: bool) -> std::io::Result<()> {
    let folder = target
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".floor-")
        .tempfile_in(folder)?;
    temporary.write_all(content)?;
    if sync {
        temporary.as_file().sync_all()?;
    }
    temporary.persist(target).map_err(|e| e.error)?;
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let usage =
        || std::io::Error::other("usage: write_floor in-place PATH... | out-dir OUT PATH...");
    let (mode, rest) = args.split_first().ok_or_else(usage)?;
    match mode.to_str() {
        Some("in-place") => {
            let mut found = Vec::new();
            for path in rest {
                files(path, &mut found)?;
            }
            for file in found {
                let content = std::fs::read(&file)?;
                copy_through_temporary(&content, &file, true)?;
            }
        }
        Some("out-dir") => {
            let (out, paths) = rest.split_first().ok_or_else(usage)?;
            let mut found = Vec::new();
            for path in paths {
                files(path, &mut found)?;
            }
            for file in found {
                let content = std::fs::read(&file)?;
                let target = out.join(file.strip_prefix("/").unwrap_or(&file));
                if let Some(folder) = target.parent() {
                    std::fs::create_dir_all(folder)?;
                }
                copy_through_temporary(&content, &target, false)?;
            }
        }
        _ => return Err(usage()),
    }
    Ok(())
}
