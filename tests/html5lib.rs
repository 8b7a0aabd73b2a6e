//! Robustness over the html5lib-tests inputs (`../shared/corpus/html5lib/inputs.jsonl`):
//! hard HTML that contains no portal link. Checking must not panic, must find no link
//! problem, and must give the same result whole and at chunk sizes 1, 7 and 4096, and by the
//! quick and the full pass (also inside a link and a placeholder); a strict-mode parsing
//! ambiguity is a DD602 finding, never a crash.

#![allow(clippy::print_stderr)] // a test may say what it skipped and counted

use std::path::Path;

use ddlink::rewrite::CHUNK_SIZE;
use ddlink::{Rewriter, RewriterOptions};

#[derive(serde::Deserialize)]
struct Case {
    source: String,
    input: String,
}

#[test]
fn html5lib_inputs_are_checked_without_panic_at_every_chunk_size() {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/html5lib/inputs.jsonl");
    let Ok(text) = std::fs::read_to_string(&corpus) else {
        // CI always has shared/ beside the clone; a lone checkout may not.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing",
            corpus.display()
        );
        eprintln!("skipped: {} is not beside this checkout", corpus.display());
        return;
    };
    let rewriter = Rewriter::new(RewriterOptions::default());
    let full_pass = Rewriter::new(RewriterOptions {
        quick_pass: false,
        ..RewriterOptions::default()
    });
    let threaded = Rewriter::new(RewriterOptions {
        raw_thread_from: 0,
        ..RewriterOptions::default()
    });
    let mut cases = 0;
    let mut ambiguous = 0;
    for line in text.lines() {
        let case: Case = serde_json::from_str(line).unwrap();
        let input = case.input.as_bytes();
        let whole = rewriter.check_bytes(input);
        assert_eq!(
            full_pass.check_bytes(input),
            whole,
            "{}: the quick and the full pass differ",
            case.source
        );
        // Inside a link and inside a placeholder, the hard markup decides labels, nesting and
        // where elements end: the quick pass must read it as the full one does.
        for wrapped in [
            format!(
                "<a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket\">{}</a>",
                case.input
            ),
            format!(
                "\n  <dd-link name=\"ticket_list\">{}</dd-link>\n",
                case.input
            ),
        ] {
            assert_eq!(
                full_pass.check_bytes(wrapped.as_bytes()),
                rewriter.check_bytes(wrapped.as_bytes()),
                "{}: the quick and the full pass differ on {wrapped:?}",
                case.source
            );
        }
        for size in [1, 7, 4096] {
            let split = rewriter.check_chunks(input.chunks(size));
            assert_eq!(split, whole, "{} at chunk size {size}", case.source);
        }
        assert_eq!(
            threaded.check_chunks(input.chunks(7)),
            whole,
            "{}: the raw scan on a thread of its own changed the result",
            case.source
        );
        assert_eq!(
            threaded
                .check_seekable(std::io::Cursor::new(input))
                .unwrap(),
            whole,
            "{}: reading ahead of the parser changed the result",
            case.source
        );
        // No placeholder and no portal link: `fix` gives the input back, byte for byte, however
        // it is chunked.
        for size in [1, 7, 4096, CHUNK_SIZE] {
            let chunked = Rewriter::new(RewriterOptions {
                chunk_size: size,
                ..RewriterOptions::default()
            });
            let fixed = chunked.fix_bytes(input, false);
            assert!(
                fixed.output == input && !fixed.changed,
                "{}: fix changed it at chunk size {size}",
                case.source
            );
        }
        for diagnostic in &whole.diagnostics {
            assert_eq!(
                diagnostic.code(),
                "DD602",
                "{}: {diagnostic:?}",
                case.source
            );
        }
        ambiguous += usize::from(!whole.diagnostics.is_empty());
        cases += 1;
    }
    assert_eq!(cases, 8596);
    eprintln!("{cases} inputs, {ambiguous} reported as unparsable");
}
