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

/// The diff of `before` and `after` under the header names `a/{path}` and `b/{path}`;
/// empty when they are the same.
pub fn unified(path: &str, before: &[u8], after: &[u8]) -> Vec<u8> {
    let old = lines(before);
    let new = lines(after);
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
    let mut out = Vec::new();
    for (index, hunk) in similar::group_diff_ops(ops, CONTEXT).iter().enumerate() {
        if index == 0 {
            // As git writes it: a tab after a name with a space, or `patch` reads the name
            // only up to the space.
            let end = if path.contains(' ') { "\t" } else { "" };
            // An absolute path as `git diff --no-index` writes it (`a/tmp/x.html`, not
            // `a//tmp/x.html`, which `patch -p1` and `git apply` refuse).
            let path = path.trim_start_matches('/');
            out.extend_from_slice(format!("--- a/{path}{end}\n+++ b/{path}{end}\n").as_bytes());
        }
        write_hunk(&mut out, hunk, &old, &new);
    }
    out
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
        let diff = String::from_utf8(unified("t.html", before, after)).unwrap();
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
        let diff = unified("t.txt", b"a\rb\r", b"a\rB\r");
        assert_eq!(
            String::from_utf8(diff).unwrap(),
            "--- a/t.txt\n+++ b/t.txt\n@@ -1 +1 @@\n-a\rb\r\n\\ No newline at end of file\n\
             +a\rB\r\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn nothing_changed_is_no_diff() {
        assert!(unified("t.html", b"a\n", b"a\n").is_empty());
    }

    #[test]
    fn an_insertion_at_the_start_starts_its_empty_range_at_zero() {
        let diff = unified("t.html", b"", b"a\n");
        assert_eq!(
            String::from_utf8(diff).unwrap(),
            "--- a/t.html\n+++ b/t.html\n@@ -0,0 +1 @@\n+a\n"
        );
    }
}
