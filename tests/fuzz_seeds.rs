//! The fuzz targets' properties (fuzz/properties.rs), run over their seed inputs: every
//! fixture and example template, and a spread of generated decision bytes. `cargo fuzz`
//! explores beyond these (see the README).

#[path = "../fuzz/properties.rs"]
mod properties;

use std::path::{Path, PathBuf};

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures", "templates/examples"] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.file_stem().is_some_and(|s| s == "input")
            || dir.ends_with("examples")
            || path
                .parent()
                .is_some_and(|p| p.parent().is_some_and(|pp| pp.ends_with("examples")))
        {
            files.push(path);
        }
    }
}

#[test]
fn command_seeds() {
    for seed in seeds() {
        properties::command(&seed);
    }
    for text in [
        "https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[srnumber]#c1",
        "ddportal://name=ticket_list&state=approval",
        "ddportal://ticketid=1",
        "ddportal://mytickets/",
        // Found by fuzzing: trailing slashes of a V2 command must survive formatting.
        "ddportal://name=ticket_list&x=cto///#///a//ref",
    ] {
        properties::command(text.as_bytes());
    }
    for n in 0u8..=255 {
        properties::command(&[n, n.wrapping_mul(7), n.wrapping_add(3), n ^ 0x5a, 1, 2, 3]);
    }
}

#[test]
fn rewrite_seeds() {
    for seed in seeds() {
        for setup in [0u8, 5, 14, 23, 31] {
            let mut data = vec![setup];
            data.extend_from_slice(&seed);
            properties::rewrite(&data);
        }
    }
}

#[test]
fn expand_seeds() {
    for n in 0u16..2048 {
        let bytes: Vec<u8> = (0..12u16)
            .map(|i| (n.wrapping_mul(31).wrapping_add(i * 17) % 251) as u8)
            .collect();
        properties::expand(&bytes);
    }
}

/// The inputs fuzzing found (`fixtures/fuzz/`) at every chunk size up to 64: chunking must not
/// change what is found, nor what is masked.
#[test]
fn fuzz_findings_at_every_chunk_size() {
    use ddlink::dialect::Dialect;
    use ddlink::rules::RuleSettings;
    use ddlink::{Portal, Rewriter, RewriterOptions};

    let mut files = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz"),
        &mut files,
    );
    assert!(!files.is_empty());
    let portal = Portal::parse("https://acme.deskdirector.com").unwrap();
    for file in files {
        let input = std::fs::read(&file).unwrap();
        for dialect in [None, Some(Dialect::ConnectWise), Some(Dialect::Autotask)] {
            for encoding in [encoding_rs::UTF_8, encoding_rs::WINDOWS_1252] {
                let rewriter = Rewriter::new(RewriterOptions {
                    settings: RuleSettings::new(Some(portal.clone()), dialect),
                    encoding,
                    ..RewriterOptions::default()
                });
                let whole = rewriter.check_bytes(&input);
                for size in 1..=64 {
                    assert_eq!(
                        rewriter.check_chunks(input.chunks(size)),
                        whole,
                        "{} at chunk size {size}",
                        file.display()
                    );
                }
                let threaded = Rewriter::new(RewriterOptions {
                    raw_thread_from: 0,
                    ..rewriter.options().clone()
                });
                for size in [1, 7, 64] {
                    assert_eq!(
                        threaded.check_chunks(input.chunks(size)),
                        whole,
                        "{}: the raw scan on a thread of its own (chunks of {size})",
                        file.display()
                    );
                }
                // Read, and raw-scanned, on a thread ahead of the parser.
                assert_eq!(
                    threaded
                        .check_seekable(std::io::Cursor::new(&input))
                        .unwrap(),
                    whole,
                    "{}: read ahead of the parser",
                    file.display()
                );
            }
        }
    }
}

/// A line longer than the raw scan keeps (64 KiB) is cut: whatever sits across the cut (a
/// template token, a link in text, a `{{deeplink}}`) is found as in the full pass, at any chunk
/// size.
#[test]
fn what_sits_across_a_cut_of_a_long_line_is_found() {
    use ddlink::rules::RuleSettings;
    use ddlink::{Portal, Rewriter, RewriterOptions};

    let portal = Portal::parse("https://acme.deskdirector.com").unwrap();
    let options = RewriterOptions {
        settings: RuleSettings::new(Some(portal), None),
        ..RewriterOptions::default()
    };
    let quick = Rewriter::new(options.clone());
    let full = Rewriter::new(RewriterOptions {
        quick_pass: false,
        ..options
    });
    let pieces = [
        "see https://acme.deskdirector.com/portal/deeplink?name=ticket&ticket_id=[Ticket: ID]&action=aprove now",
        "[Ticket: ID] and [srnumber] and [Ticket: Number]",
        "<b>{{ deeplink name='quotes' }}</b>",
        "text {{deeplink name='ticket' action='close'}} text",
    ];
    for size in [997, 4096] {
        // Where the raw scan cuts a line without `>` read in chunks of `size`.
        let cut = (64 * 1024 / size + 1) * size;
        for piece in pieces {
            for shift in 1..piece.len() {
                // Words without markup up to `shift` bytes before the cut, then the piece.
                let mut line = String::from("<p>");
                line.push_str(&"words ".repeat((cut - shift - line.len()) / 6));
                line.push_str(&"x".repeat(cut - shift - line.len()));
                line.push_str(piece);
                line.push_str(&" more text".repeat(100));
                line.push_str("</p>\n");
                let input = line.as_bytes();
                assert_eq!(
                    quick.check_chunks(input.chunks(size)),
                    full.check_bytes(input),
                    "`{piece}` {shift} bytes before the cut, chunks of {size}"
                );
            }
        }
    }
}
