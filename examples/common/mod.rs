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

/// Feed the file at `path` to `rewriter`, `buffer`'s size at a time, and end it.
#[allow(dead_code)] // the lol_html baselines use it; the writing floors do not
pub fn rewrite_file<O: lol_html::OutputSink>(
    path: &Path,
    buffer: &mut [u8],
    mut rewriter: lol_html::HtmlRewriter<'_, O>,
) -> std::io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    loop {
        let read = file.read(buffer)?;
        if read == 0 {
            break;
        }
        rewriter
            .write(&buffer[..read])
            .map_err(std::io::Error::other)?;
    }
    rewriter.end().map_err(std::io::Error::other)
}
