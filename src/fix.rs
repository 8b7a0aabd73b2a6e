//! Applying fixes: choosing the edits that can go together, and splicing them into the input
//! as a stream. Bytes outside the edits are copied as read (no re-serialisation).

use std::io::{self, Read, Write};

use crate::diagnostic::{Diagnostic, Edit};

/// The edits chosen for one round of fixing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Non-overlapping, sorted by position.
    pub edits: Vec<Edit>,
    /// How many findings these edits fix.
    pub fixed: usize,
    /// Fixes left out because they overlap a chosen one (another round may apply them).
    pub conflicts: usize,
}

/// Choose the fixes to apply: safe ones (and unsafe ones with `unsafe_fixes`), in order of
/// position; a fix whose edits touch a chosen edit waits for the next round. All edits of one
/// fix go together or not at all.
pub fn select(expansions: &[Edit], diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Selection {
    let mut fixes: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| unsafe_fixes || f.is_safe()))
        .collect();
    fixes.sort_by_key(|d| {
        let fix = d.fix.as_ref().expect("filtered above");
        fix.edits
            .iter()
            .map(|e| e.start)
            .min()
            .unwrap_or(d.span.start)
    });
    // Placeholders are expanded first: a fix that touches one waits. (Expansions do not
    // overlap; should two ever, the later one waits too.)
    let mut selection = Selection::default();
    for expansion in expansions {
        if selection
            .edits
            .iter()
            .all(|chosen| !overlaps(chosen, expansion))
        {
            selection.edits.push(expansion.clone());
        }
    }
    for diagnostic in fixes {
        let fix = diagnostic.fix.as_ref().expect("filtered above");
        if fix.edits.is_empty() {
            continue;
        }
        let clashes = fix
            .edits
            .iter()
            .any(|edit| selection.edits.iter().any(|chosen| overlaps(chosen, edit)));
        if clashes {
            selection.conflicts += 1;
            continue;
        }
        // The same edit from two findings (two rules, one repair) is applied once.
        let new: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|e| !selection.edits.contains(e))
            .collect();
        selection.edits.extend(new.into_iter().cloned());
        selection.fixed += 1;
    }
    selection.edits.sort_by_key(|e| (e.start, e.end));
    selection
}

/// Whether two edits cannot both be applied: their ranges intersect, or they insert at the
/// same place (their order would be a guess). Identical edits do not clash.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a == b {
        return false;
    }
    let intersect = a.start < b.end && b.start < a.end;
    let same_point = a.start == b.start && (a.start == a.end || b.start == b.end);
    intersect || same_point
}

/// Copy `input` to `output` with `edits` (sorted, non-overlapping) applied. `encode` turns an
/// edit's text into the file's bytes (the identity for UTF-8).
pub fn splice<R: Read, W: Write>(
    mut input: R,
    edits: &[Edit],
    mut output: W,
    encode: &dyn Fn(&str) -> Vec<u8>,
) -> io::Result<W> {
    let mut position = 0usize;
    let mut buffer = vec![0; 64 * 1024];
    let mut pending = edits.iter().peekable();
    // Bytes of the input still to skip (inside a replaced range).
    let mut skip_until = 0usize;
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buffer[..read];
        let chunk_start = position;
        let chunk_end = position + read;
        let mut at = chunk_start;
        while at < chunk_end {
            if at < skip_until {
                at = skip_until.min(chunk_end);
                continue;
            }
            match pending.peek() {
                // Edits are sorted and disjoint; one that is not is dropped rather than
                // allowed to corrupt the output.
                Some(edit) if edit.start < at || edit.end < edit.start => {
                    pending.next();
                }
                Some(edit) if edit.start < chunk_end => {
                    output.write_all(&chunk[at - chunk_start..edit.start - chunk_start])?;
                    output.write_all(&encode(&edit.content))?;
                    skip_until = edit.end;
                    at = edit.start;
                    pending.next();
                }
                _ => {
                    output.write_all(&chunk[at - chunk_start..])?;
                    at = chunk_end;
                }
            }
        }
        position = chunk_end;
    }
    // Edits at the very end (an insertion after the last byte).
    for edit in pending.filter(|e| e.start >= position.max(skip_until)) {
        output.write_all(&encode(&edit.content))?;
    }
    Ok(output)
}

/// Apply `edits` to a document held in memory.
pub fn apply(input: &[u8], edits: &[Edit]) -> Vec<u8> {
    splice(input, edits, Vec::with_capacity(input.len()), &|s| {
        s.as_bytes().to_vec()
    })
    .expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, content: &str) -> Edit {
        Edit {
            start,
            end,
            content: content.to_owned(),
        }
    }

    #[test]
    fn splices_across_chunk_boundaries() {
        let input: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let edits = [
            edit(0, 1, "<"),
            edit(65_535, 65_540, "X"),
            edit(131_072, 131_072, "+"),
            edit(199_999, 200_000, "!"),
        ];
        let mut expected = input.clone();
        for e in edits.iter().rev() {
            expected.splice(e.start..e.end, e.content.bytes());
        }
        assert_eq!(apply(&input, &edits), expected);
    }

    #[test]
    fn insertion_at_the_end() {
        assert_eq!(apply(b"abc", &[edit(3, 3, "d")]), b"abcd");
        assert_eq!(apply(b"", &[edit(0, 0, "x")]), b"x");
    }

    #[test]
    fn overlapping_fixes_wait_for_a_later_round() {
        use crate::diagnostic::{Diagnostic, Fix, Span};
        use crate::rules::unescaped_ampersand::UNESCAPED_AMPERSAND;
        let with = |edits: Vec<Edit>, safe: bool| {
            let fix = if safe {
                Fix::safe(edits)
            } else {
                Fix::unsafe_(edits)
            };
            Diagnostic::new(&UNESCAPED_AMPERSAND, Span::new(0, 1), "x").with_fix(fix)
        };
        let diagnostics = [
            with(vec![edit(0, 5, "a")], true),
            with(vec![edit(3, 8, "b")], true),
            with(vec![edit(10, 11, "c")], false),
            with(vec![edit(0, 5, "a")], true),
        ];
        let safe = select(&[], &diagnostics, false);
        assert_eq!(safe.edits, [edit(0, 5, "a")]);
        assert_eq!((safe.fixed, safe.conflicts), (2, 1));
        let all = select(&[], &diagnostics, true);
        assert_eq!(all.edits, [edit(0, 5, "a"), edit(10, 11, "c")]);
    }
}
