//! A second baseline: lol_html with a single `a[href]` element handler that reads the `href`
//! and does nothing else, fed 64 KiB chunks. Any tool that finds links with lol_html's element
//! handlers pays at least this; ddlink's benchmark script shows it beside the passthrough.
//!
//! `cargo run --release --example one_handler -- FILE_OR_DIR...`

mod common;

use std::path::Path;

use lol_html::html_content::Element;
use lol_html::{HtmlRewriter, Settings, element};

fn rewrite(path: &Path, buffer: &mut [u8], hrefs: &mut usize) -> std::io::Result<()> {
    let settings = Settings::new().append_element_content_handler(element!(
        "a[href]",
        |element: &mut Element| {
            *hrefs += element.get_attribute("href").map_or(0, |href| href.len());
            Ok(())
        }
    ));
    common::rewrite_file(path, buffer, HtmlRewriter::new(settings, |_: &[u8]| {}))
}

fn main() -> std::io::Result<()> {
    let mut buffer = vec![0; 64 * 1024];
    // Summed, and kept opaque, so that reading the `href`s cannot be optimised away.
    let mut hrefs = 0;
    for arg in std::env::args_os().skip(1) {
        let mut found = Vec::new();
        common::files(Path::new(&arg), &mut found)?;
        for file in found {
            rewrite(&file, &mut buffer, &mut hrefs)?;
        }
    }
    std::hint::black_box(hrefs);
    Ok(())
}
