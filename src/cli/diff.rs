//! `fix --diff`: a unified diff in the file's own bytes, as `diff -u` writes it, so that
//! `patch` and `git apply` take it.
//!
//! Lines end at `\n` only, as `diff` and `patch` read them: a file whose lines end in a lone
//! `\r` (as classic Mac editors write) is one line to them, and splitting it at each `\r`
//! would write hunk lines that run together. The differ is `similar`'s; the hunks are written
//! here for that reason.

use similar::{Algorithm, DiffOp, DiffTag};

/// Lines of context around each change, as `diff -u` gives.
const CONTEXT: usize = 3;

/// The diff of `before` and `after` under the header names `a/{path}` and `b/{path}` (the
/// path's own bytes); empty when they are the same.
pub fn unified(path: &[u8], before: &[u8], after: &[u8]) -> Vec<u8> {
    let old = lines(before);
    let new = lines(after);
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
    let mut out = Vec::new();
    for (index, hunk) in similar::group_diff_ops(ops, CONTEXT).iter().enumerate() {
        if index == 0 {
            // An absolute path as `git diff --no-index` writes it (`a/tmp/x.html`, not
            // `a//tmp/x.html`, which `patch -p1` and `git apply` refuse).
            let start = path.iter().position(|&b| b != b'/').unwrap_or(path.len());
            for side in [&b"--- a/"[..], b"+++ b/"] {
                write_name(&mut out, side, &path[start..]);
            }
        }
        write_hunk(&mut out, hunk, &old, &new);
    }
    out
}

/// A header line: `side` (`--- a/`) and the name, as git writes it. A name holding a quote, a
/// backslash, a control character or a byte past ASCII is quoted C-style, with octal escapes
/// (a line break or an escape sequence in a file name would otherwise end the header, or
/// reach a terminal or a CI log raw); a name with a space is followed by a tab, or `patch`
/// reads it only up to the space.
fn write_name(out: &mut Vec<u8>, side: &[u8], name: &[u8]) {
    let quoted = name
        .iter()
        .any(|&b| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b));
    if !quoted {
        out.extend_from_slice(side);
        out.extend_from_slice(name);
        if name.contains(&b' ') {
            out.push(b'\t');
        }
        out.push(b'\n');
        return;
    }
    // `--- "a/…"`: the prefix goes inside the quotes.
    out.extend_from_slice(&side[..4]);
    out.push(b'"');
    out.extend_from_slice(&side[4..]);
    for &byte in name {
        match byte {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x20..0x7f => out.push(byte),
            _ => out.extend_from_slice(format!("\\{byte:03o}").as_bytes()),
        }
    }
    out.extend_from_slice(b"\"\n");
}

/// `text` in lines, each with its `\n` (the last one without, when the text does not end in
/// one).
fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&byte| byte == b'\n').collect()
}

fn write_hunk(out: &mut Vec<u8>, ops: &[DiffOp], old: &[&[u8]], new: &[&[u8]]) {
    let (Some(first), Some(last)) = (ops.first(), ops.last()) else {
        return;
    };
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    out.extend_from_slice(
        format!("@@ -{} +{} @@\n", range(&old_range), range(&new_range)).as_bytes(),
    );
    for op in ops {
        let (tag, old_lines, new_lines) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            for line in &old[old_lines] {
                write_line(out, b' ', line);
            }
            continue;
        }
        // A replacement is its old lines deleted, then its new ones inserted.
        for line in &old[old_lines] {
            write_line(out, b'-', line);
        }
        for line in &new[new_lines] {
            write_line(out, b'+', line);
        }
    }
}

/// A hunk's range as `diff -u` writes it: 1-based start and length, the length left out when
/// it is one, and an empty range starting at the line before it.
fn range(lines: &std::ops::Range<usize>) -> String {
    match lines.len() {
        0 => format!("{},0", lines.start),
        1 => format!("{}", lines.start + 1),
        len => format!("{},{len}", lines.start + 1),
    }
}

fn write_line(out: &mut Vec<u8>, mark: u8, line: &[u8]) {
    out.push(mark);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn counts_every_line_of_a_hunk() {
        let before = b"<p>x</p>\nhttp\nhttps\n";
        let after = b"<p>x</p>\nhttps\nhttps\n";
        let diff = String::from_utf8(unified(b"t.html", before, after)).unwrap();
        let (header, body) = diff
            .split_once("@@ -")
            .map(|(_, hunk)| hunk.split_once(" @@\n").unwrap())
            .unwrap();
        let lines: Vec<&str> = body.lines().collect();
        let count = |side: char| {
            lines
                .iter()
                .filter(|line| line.starts_with(side) || line.starts_with(' '))
                .count()
        };
        assert_eq!(
            header,
            format!("1,{} +1,{}", count('-'), count('+')),
            "{diff}"
        );
    }

    #[test]
    fn a_file_of_lone_carriage_returns_is_one_line() {
        let diff = unified(b"t.txt", b"a\rb\r", b"a\rB\r");
        assert_eq!(
            String::from_utf8(diff).unwrap(),
            "--- a/t.txt\n+++ b/t.txt\n@@ -1 +1 @@\n-a\rb\r\n\\ No newline at end of file\n\
             +a\rB\r\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn names_are_written_as_git_writes_them() {
        let header = |name: &[u8]| {
            let diff = unified(name, b"a\n", b"b\n");
            let end = diff.windows(3).position(|w| w == b"@@ ").unwrap();
            String::from_utf8(diff[..end].to_vec()).unwrap()
        };
        assert_eq!(
            header(b"/tmp/x y.html"),
            "--- a/tmp/x y.html\t\n+++ b/tmp/x y.html\t\n"
        );
        assert_eq!(
            header(b"x\n::error::pwned\x1b[2J\".html"),
            "--- \"a/x\\n::error::pwned\\033[2J\\\".html\"\n\
             +++ \"b/x\\n::error::pwned\\033[2J\\\".html\"\n"
        );
        assert_eq!(
            header(b"caf\xc3\xa9\t\xff.html"),
            "--- \"a/caf\\303\\251\\t\\377.html\"\n+++ \"b/caf\\303\\251\\t\\377.html\"\n"
        );
    }

    #[test]
    fn nothing_changed_is_no_diff() {
        assert!(unified(b"t.html", b"a\n", b"a\n").is_empty());
    }

    #[test]
    fn an_insertion_at_the_start_starts_its_empty_range_at_zero() {
        let diff = unified(b"t.html", b"", b"a\n");
        assert_eq!(
            String::from_utf8(diff).unwrap(),
            "--- a/t.html\n+++ b/t.html\n@@ -0,0 +1 @@\n+a\n"
        );
    }
}
