//! Which encoding a document is read in: a byte-order mark, then `--encoding`, then a
//! `<meta charset>` in its first kilobyte, then the configuration, then UTF-8.

use encoding_rs::{Encoding, UTF_8};

/// The encoding a WHATWG `label` names, if ddlink reads it (ASCII-compatible); if not, the
/// encoding it names all the same, if any.
pub fn for_label(label: &str) -> Result<&'static Encoding, Option<&'static Encoding>> {
    match Encoding::for_label(label.as_bytes()) {
        Some(encoding) if encoding.is_ascii_compatible() => Ok(encoding),
        other => Err(other),
    }
}

/// How far into a document a `<meta charset>` is looked for (as browsers do).
const PRESCAN: usize = 1024;

/// The encoding a `<meta charset="…">` or `<meta http-equiv="Content-Type"
/// content="…; charset=…">` in `head` names, if any. UTF-16 labels mean UTF-8 here, as in
/// browsers (a document that could hold the tag is not UTF-16). A tag inside a comment
/// (`<!-- … -->`) says nothing, as in the WHATWG prescan.
pub fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let (_, encoding) = declared_charset(head)?;
    Some(
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            encoding
        },
    )
}

/// The label of the `<meta>` charset declaration that [`meta_charset`] reads, as written,
/// and the encoding it names before UTF-16 is taken for UTF-8: a message about the encoding
/// a file declares names it as the file does (`iso-2022-kr`), not by the encoding it maps to
/// (`replacement`).
pub fn declared_charset(head: &[u8]) -> Option<(&str, &'static Encoding)> {
    let head = &head[..head.len().min(PRESCAN)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(meta) = memchr::memmem::find(&lower[from..], b"<meta").map(|i| i + from) {
        if let Some(comment) = memchr::memmem::find(&lower[from..meta], b"<!--").map(|i| i + from) {
            // The comment ends at the first `-->` after its `<`, whose dashes may be the
            // opening's own (`<!-->`); an unclosed one runs past the prescan.
            let body = comment + 2;
            from = body + memchr::memmem::find(&lower[body..], b"-->")? + 3;
            continue;
        }
        let end = memchr::memchr(b'>', &lower[meta..]).map_or(lower.len(), |i| meta + i);
        let tag = &lower[meta..end];
        if let Some(at) = memchr::memmem::find(tag, b"charset") {
            let rest = &tag[at + 7..];
            let rest = rest.trim_ascii_start();
            if let Some(rest) = rest.strip_prefix(b"=") {
                let value = rest.trim_ascii_start();
                let value = value
                    .strip_prefix(b"\"")
                    .or_else(|| value.strip_prefix(b"'"))
                    .unwrap_or(value);
                let label_end = value
                    .iter()
                    .position(|b| {
                        matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace()
                    })
                    .unwrap_or(value.len());
                if let Some(encoding) = Encoding::for_label(&value[..label_end]) {
                    // `value` is what is left of the tag, which ends at `end`; a label that
                    // names an encoding is ASCII.
                    let start = end - value.len();
                    let label = std::str::from_utf8(&head[start..start + label_end]);
                    return Some((label.unwrap_or_default(), encoding));
                }
            }
        }
        from = end.max(meta + 5);
    }
    None
}

/// The encoding to read a document in, given its first bytes, the `--encoding` flag and the
/// configured encoding.
pub fn decide(
    head: &[u8],
    flag: Option<&'static Encoding>,
    configured: &'static Encoding,
) -> &'static Encoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return UTF_8;
    }
    flag.or_else(|| meta_charset(head)).unwrap_or(configured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_tags() {
        assert_eq!(
            meta_charset(b"<html><head><meta charset=\"windows-1252\">"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            meta_charset(b"<META CHARSET=iso-8859-1>"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            meta_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
            ),
            Some(encoding_rs::SHIFT_JIS)
        );
        assert_eq!(meta_charset(b"<meta charset=\"utf-16\">"), Some(UTF_8));
        assert_eq!(
            meta_charset(b"<meta name=\"viewport\" content=\"width=device-width\">"),
            None
        );
        assert_eq!(meta_charset(b"<p>no meta</p>"), None);
    }

    #[test]
    fn the_declared_label_as_written() {
        assert_eq!(
            declared_charset(b"<META Charset=\"ISO-2022-KR\">"),
            Some(("ISO-2022-KR", encoding_rs::REPLACEMENT))
        );
        assert_eq!(
            declared_charset(b"<meta http-equiv=Content-Type content='text/html; charset=utf-16'>"),
            Some(("utf-16", encoding_rs::UTF_16LE))
        );
        assert_eq!(declared_charset(b"<meta charset=\"no-such\">"), None);
    }

    #[test]
    fn a_meta_in_a_comment_says_nothing() {
        let latin1 = Some(encoding_rs::WINDOWS_1252);
        assert_eq!(meta_charset(b"<!-- <meta charset=windows-1252> -->"), None);
        assert_eq!(
            meta_charset(b"<!-- <meta charset=utf-8> --><meta charset=windows-1252>"),
            latin1
        );
        // `<!-->` and `<!--->` are whole comments; `--!>` does not end one here.
        assert_eq!(meta_charset(b"<!--><meta charset=windows-1252>"), latin1);
        assert_eq!(meta_charset(b"<!---><meta charset=windows-1252>"), latin1);
        assert_eq!(
            meta_charset(b"<!-- a --!><meta charset=windows-1252> -->"),
            None
        );
        // An unclosed comment holds the rest.
        assert_eq!(meta_charset(b"<!-- <p><meta charset=windows-1252>"), None);
        // A comment after the meta does not hide it.
        assert_eq!(
            meta_charset(b"<meta charset=windows-1252><!-- x -->"),
            latin1
        );
    }

    #[test]
    fn precedence() {
        let meta = b"<meta charset=\"windows-1252\">";
        assert_eq!(decide(meta, None, UTF_8), encoding_rs::WINDOWS_1252);
        assert_eq!(
            decide(meta, Some(encoding_rs::SHIFT_JIS), UTF_8),
            encoding_rs::SHIFT_JIS
        );
        assert_eq!(
            decide(
                b"\xEF\xBB\xBF<meta charset=\"windows-1252\">",
                Some(encoding_rs::SHIFT_JIS),
                UTF_8
            ),
            UTF_8
        );
        assert_eq!(
            decide(b"<p>", None, encoding_rs::WINDOWS_1252),
            encoding_rs::WINDOWS_1252
        );
    }
}
