//! The performance baseline: lol_html with no handlers at all, fed 64 KiB chunks, writing
//! nothing. ddlink's benchmark script times ddlink against this.
//!
//! `cargo run --release --example passthrough -- FILE_OR_DIR...`

mod common;

use std::path::Path;

use lol_html::{HtmlRewriter, Settings};

fn rewrite(path: &Path, buffer: &mut [u8]) -> std::io::Result<()> {
    common::rewrite_file(
        path,
        buffer,
        HtmlRewriter::new(Settings::new(), |_: &[u8]| {}),
    )
}

fn main() -> std::io::Result<()> {
    let mut buffer = vec![0; 64 * 1024];
    for arg in std::env::args_os().skip(1) {
        let mut found = Vec::new();
        common::files(Path::new(&arg), &mut found)?;
        for file in found {
            rewrite(&file, &mut buffer)?;
        }
    }
    Ok(())
}
