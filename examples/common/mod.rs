//! What the benchmark programs share: the files named, folders walked in sorted order.

use std::path::{Path, PathBuf};

/// Every file at or under `path`, in sorted order.
pub fn files(path: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            files(&entry, found)?;
        }
    } else {
        found.push(path.to_path_buf());
    }
    Ok(())
}
