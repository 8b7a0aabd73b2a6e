//! Applying fixes: choosing the edits that can go together, and splicing them into the input
//! as a stream. Bytes outside the edits are copied as read (no re-serialisation).

use std::io::{self, Read, Write};

use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::rewrite::Analysis;

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

/// Choose the edits to apply: the expansions first, in order of position, then the fixes,
/// safe ones (and unsafe ones with `unsafe_fixes`), in order of position; an edit that
/// touches a chosen one waits for the next round. All edits of one fix go together or not at
/// all.
pub fn select(expansions: &[Edit], diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Selection {
    let fixes = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|fix| fix.applies(unsafe_fixes))
        .map(|fix| fix.edits.clone())
        .collect();
    choose(expansions.to_vec(), fixes)
}

/// [`select`] from a document's expansions and findings taken over: the findings are freed
/// before the edits are gathered, and the expansions are kept as they are (a large document
/// has tens of thousands of each).
pub fn select_owned(
    expansions: Vec<Edit>,
    diagnostics: Vec<Diagnostic>,
    unsafe_fixes: bool,
) -> Selection {
    let fixes = diagnostics
        .into_iter()
        .filter_map(|d| d.fix)
        .filter(|fix| fix.applies(unsafe_fixes))
        .map(|fix| fix.edits)
        .collect();
    choose(expansions, fixes)
}

/// Whether [`select`] would choose any edit: there is an expansion, or a fix it may apply.
pub fn any_to_select(expansions: &[Edit], diagnostics: &[Diagnostic], unsafe_fixes: bool) -> bool {
    // The first candidate can clash with nothing chosen before it.
    !expansions.is_empty()
        || diagnostics.iter().any(|d| {
            d.fix
                .as_ref()
                .is_some_and(|fix| fix.applies(unsafe_fixes) && !fix.edits.is_empty())
        })
}

fn choose(expansions: Vec<Edit>, mut fixes: Vec<Box<[Edit]>>) -> Selection {
    let first_start = |edits: &[Edit]| edits.iter().map(|e| e.start).min().unwrap_or(0);
    // Findings come in order of position, and so, nearly always, do their fixes: a sort
    // would take a scratch copy of them.
    if !fixes.is_sorted_by_key(|edits| first_start(edits)) {
        fixes.sort_by_key(|edits| first_start(edits));
    }
    // Placeholders are expanded first: a fix that touches one waits. (Expansions do not
    // overlap; should two ever, the later one waits too.)
    let expansions = keep_apart(expansions);
    // Room for the expansions too: the two lists become one in place.
    let room = fixes.iter().map(|edits| edits.len()).sum::<usize>() + expansions.0.len();
    let mut chosen = Chosen {
        expansions,
        fixes: SortedEdits(Vec::with_capacity(room)),
    };
    let mut selection = Selection::default();
    for edits in fixes {
        if edits.is_empty() {
            continue;
        }
        if edits.iter().any(|edit| chosen.clashes(edit)) {
            selection.conflicts += 1;
            continue;
        }
        // The same edit from two findings (two rules, one repair) is applied once.
        for edit in edits {
            if !chosen.expansions.view().has_range(&edit) {
                chosen.fixes.insert(edit);
            }
        }
        selection.fixed += 1;
    }
    selection.edits = chosen.into_edits();
    selection
}

/// The expansions that can go together, chosen in place (a large document has tens of
/// thousands): in order of position, each one unless it clashes with one chosen before it or
/// one over its range is chosen already.
fn keep_apart(mut expansions: Vec<Edit>) -> SortedEdits {
    let range = |e: &Edit| (e.start, e.end);
    if !expansions.is_sorted_by_key(range) {
        expansions.sort_by_key(range);
    }
    let mut kept = 0;
    for at in 0..expansions.len() {
        let chosen = Sorted(&expansions[..kept]);
        let keep = !chosen.clashes(&expansions[at]) && !chosen.has_range(&expansions[at]);
        if keep {
            expansions.swap(kept, at);
            kept += 1;
        }
    }
    expansions.truncate(kept);
    SortedEdits(expansions)
}

/// The edits chosen so far: the expansions, then the fixes', each list in order of position,
/// so that a new edit is compared with its neighbours only (a large document has tens of
/// thousands of edits). Fixes come nearly always in order of position, so each is added at
/// the end of its list.
struct Chosen {
    expansions: SortedEdits,
    fixes: SortedEdits,
}

impl Chosen {
    /// Whether `edit` cannot be applied together with the edits chosen so far: it clashes
    /// with one of them (see [`ranges_clash`]) that is not the very same edit.
    fn clashes(&self, edit: &Edit) -> bool {
        self.expansions.view().clashes(edit) || self.fixes.view().clashes(edit)
    }

    /// Both lists as one, in order of position, in the fixes' list (it has room for both).
    fn into_edits(self) -> Vec<Edit> {
        let mut edits = self.fixes.0;
        edits.extend(self.expansions.0);
        // No range is kept twice, in a list or across the two: the order is one.
        edits.sort_unstable_by_key(|e| (e.start, e.end));
        edits
    }
}

/// Edits sorted by `(start, end)`, one per range.
struct SortedEdits(Vec<Edit>);

impl SortedEdits {
    fn view(&self) -> Sorted<'_> {
        Sorted(&self.0)
    }

    /// Keep `edit`, unless one over the same range is kept already (the first stays).
    fn insert(&mut self, edit: Edit) {
        if let Err(at) = self.view().slot(&edit) {
            self.0.insert(at, edit);
        }
    }
}

/// The questions asked of edits sorted by `(start, end)`, one per range.
#[derive(Clone, Copy)]
struct Sorted<'e>(&'e [Edit]);

impl Sorted<'_> {
    /// Where an edit over `range` is, or would go.
    fn position(self, (start, end): (usize, usize)) -> usize {
        self.0.partition_point(|e| (e.start, e.end) < (start, end))
    }

    /// `Ok` with the index of the kept edit over `edit`'s range, or `Err` with where one
    /// would go.
    fn slot(self, edit: &Edit) -> Result<usize, usize> {
        let at = self.position((edit.start, edit.end));
        match self.0.get(at) {
            Some(kept) if (kept.start, kept.end) == (edit.start, edit.end) => Ok(at),
            _ => Err(at),
        }
    }

    fn has_range(self, edit: &Edit) -> bool {
        self.slot(edit).is_ok()
    }

    fn clashes(self, edit: &Edit) -> bool {
        let differs = |chosen: &Edit| {
            chosen != edit && ranges_clash((chosen.start, chosen.end), (edit.start, edit.end))
        };
        // Chosen edits are disjoint, so only the last one starting before `edit` can reach
        // into it, and every one starting inside it (or at its point) touches it.
        let first_at = self.position((edit.start, 0));
        let before = first_at.checked_sub(1).is_some_and(|i| differs(&self.0[i]));
        let inside_end = edit.end.max(edit.start + 1);
        before
            || self.0[first_at..]
                .iter()
                .take_while(|e| e.start < inside_end)
                .any(differs)
    }
}

/// Whether edits over these two ranges cannot both be applied: the ranges intersect, or one
/// is an insertion where the other starts (their order would be a guess).
fn ranges_clash((a_start, a_end): (usize, usize), (b_start, b_end): (usize, usize)) -> bool {
    let intersect = a_start < b_end && b_start < a_end;
    let same_point = a_start == b_start && (a_start == a_end || b_start == b_end);
    intersect || same_point
}

/// Copy `input` to `output` with `edits` (sorted, non-overlapping) applied. `encode` turns an
/// edit's text into the file's bytes (the identity for UTF-8).
pub fn splice<R: Read, W: Write>(
    mut input: R,
    edits: &[Edit],
    mut output: W,
    encode: &dyn Fn(&str) -> Vec<u8>,
    round: Option<&mut Round>,
) -> io::Result<W> {
    let mut splicer = Splicer::new(edits, round);
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        splicer.chunk(&buffer[..read], &mut output, encode)?;
    }
    splicer.end(&mut output, encode)?;
    Ok(output)
}

/// [`splice`] for a document held in memory: read in place, without a buffer to copy it
/// through (a save hook's document is a few kilobytes; the buffer would be most of its work).
pub fn splice_bytes<W: Write>(
    input: &[u8],
    edits: &[Edit],
    mut output: W,
    encode: &dyn Fn(&str) -> Vec<u8>,
    round: Option<&mut Round>,
) -> io::Result<W> {
    let mut splicer = Splicer::new(edits, round);
    splicer.chunk(input, &mut output, encode)?;
    splicer.end(&mut output, encode)?;
    Ok(output)
}

/// One range of the input a splice replaced, and how long its replacement is. Lengths, not
/// output offsets: a large document's rounds are kept while the next one is checked, at 16
/// bytes an edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Replaced {
    start: usize,
    removed: u32,
    inserted: u32,
}

/// What one splice replaced, in order: enough to take a position in its output back to its
/// input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Round {
    replaced: Vec<Replaced>,
}

/// A [`Round`] with the output offset each replacement starts at, for looking positions up.
struct Placed<'r> {
    replaced: &'r [Replaced],
    output_starts: Vec<usize>,
}

impl Round {
    fn note(&mut self, start: usize, end: usize, inserted: usize) {
        let length = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.replaced.push(Replaced {
            start,
            removed: length(end - start),
            inserted: length(inserted),
        });
    }

    fn placed(&self) -> Placed<'_> {
        let (mut removed, mut inserted) = (0usize, 0usize);
        let output_starts = self
            .replaced
            .iter()
            .map(|r| {
                // Every earlier replaced range lies before this one: `start >= removed`.
                let at = r.start - removed + inserted;
                removed += r.removed as usize;
                inserted += r.inserted as usize;
                at
            })
            .collect();
        Placed {
            replaced: &self.replaced,
            output_starts,
        }
    }
}

impl Placed<'_> {
    /// Where output offset `at` came from in the input. Inside a replacement, that is the
    /// replaced range's start (`end` false) or end (`end` true): a span that begins or ends
    /// in generated text covers the whole of what the text replaced.
    fn to_input(&self, at: usize, end: bool) -> usize {
        // The last replacement that begins before `at` (at or before, for a span's start).
        let index = self
            .output_starts
            .partition_point(|&start| if end { start < at } else { start <= at });
        let Some(i) = index.checked_sub(1) else {
            return at;
        };
        let replaced = self.replaced[i];
        let input_end = replaced.start + replaced.removed as usize;
        let output_end = self.output_starts[i] + replaced.inserted as usize;
        let inside = if end {
            at <= output_end
        } else {
            at < output_end
        };
        match (inside, end) {
            (true, false) => replaced.start,
            (true, true) => input_end,
            (false, _) => at - output_end + input_end,
        }
    }
}

/// Every round of a fix's splices: takes a position in the fixed document back to the
/// document as read. `fix --check` reports where the input is, as nothing was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    rounds: Vec<Round>,
}

impl Origins {
    /// Add the next round.
    pub fn push(&mut self, round: Round) {
        if !round.replaced.is_empty() {
            self.rounds.push(round);
        }
    }

    /// Whether no byte was replaced: positions in the output are positions in the input.
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
    }

    /// `span` of the fixed document, in the document as read (see [`Origins::to_input`]).
    pub fn span_in_input(&self, span: Span) -> Span {
        Self::moved(&self.placed(), span)
    }

    /// The findings of `analysis` (spans, fixes' edits) and its secrets, moved to the
    /// document as read. A span in text a fix wrote becomes the range that text replaced
    /// (empty where it was inserted).
    pub fn to_input(&self, analysis: &mut Analysis) {
        if self.is_empty() {
            return;
        }
        let rounds = self.placed();
        for diagnostic in &mut analysis.diagnostics {
            diagnostic.span = Self::moved(&rounds, diagnostic.span);
            diagnostic.move_help_at(|at| Self::moved(&rounds, Span::new(at, at)).start);
            if let Some(fix) = &mut diagnostic.fix {
                for edit in &mut fix.edits {
                    let moved = Self::moved(&rounds, Span::new(edit.start, edit.end));
                    (edit.start, edit.end) = (moved.start, moved.end);
                }
            }
        }
        let secrets = &mut analysis.secrets;
        for secret in secrets.iter_mut() {
            *secret = Self::moved(&rounds, *secret);
        }
        secrets.sort_unstable();
        secrets.dedup();
    }

    fn placed(&self) -> Vec<Placed<'_>> {
        self.rounds.iter().map(Round::placed).collect()
    }

    fn moved(rounds: &[Placed<'_>], span: Span) -> Span {
        let (mut start, mut end) = (span.start, span.end);
        for round in rounds.iter().rev() {
            start = round.to_input(start, false);
            end = round.to_input(end, true).max(start);
        }
        Span::new(start, end)
    }
}

/// Edits applied to a document read chunk by chunk.
struct Splicer<'e> {
    pending: std::iter::Peekable<std::slice::Iter<'e, Edit>>,
    /// The input offset of the next chunk.
    position: usize,
    /// Bytes of the input still to skip (inside a replaced range).
    skip_until: usize,
    /// Where what was replaced is noted, when asked.
    round: Option<&'e mut Round>,
}

impl<'e> Splicer<'e> {
    fn new(edits: &'e [Edit], mut round: Option<&'e mut Round>) -> Self {
        if let Some(round) = round.as_deref_mut() {
            round.replaced.clear();
            // Exactly: a large document's round is kept while the next one is checked.
            round.replaced.reserve_exact(edits.len());
        }
        Splicer {
            pending: edits.iter().peekable(),
            position: 0,
            skip_until: 0,
            round,
        }
    }

    /// Write the replacement of `edit`, and note where it went.
    fn replace(
        &mut self,
        edit: &Edit,
        output: &mut impl Write,
        encode: &dyn Fn(&str) -> Vec<u8>,
    ) -> io::Result<()> {
        let replacement = encode(&edit.content);
        output.write_all(&replacement)?;
        if let Some(round) = self.round.as_deref_mut() {
            round.note(edit.start, edit.end, replacement.len());
        }
        Ok(())
    }

    fn chunk(
        &mut self,
        chunk: &[u8],
        output: &mut impl Write,
        encode: &dyn Fn(&str) -> Vec<u8>,
    ) -> io::Result<()> {
        let chunk_start = self.position;
        let chunk_end = chunk_start + chunk.len();
        let mut at = chunk_start;
        while at < chunk_end {
            if at < self.skip_until {
                at = self.skip_until.min(chunk_end);
                continue;
            }
            match self.pending.peek().copied() {
                // Edits are sorted and disjoint; one that is not is dropped rather than
                // allowed to corrupt the output.
                Some(edit) if edit.start < at || edit.end < edit.start => {
                    self.pending.next();
                }
                Some(edit) if edit.start < chunk_end => {
                    output.write_all(&chunk[at - chunk_start..edit.start - chunk_start])?;
                    self.replace(edit, output, encode)?;
                    self.skip_until = edit.end;
                    at = edit.start;
                    self.pending.next();
                }
                _ => {
                    output.write_all(&chunk[at - chunk_start..])?;
                    at = chunk_end;
                }
            }
        }
        self.position = chunk_end;
        Ok(())
    }

    /// Edits at the very end (an insertion after the last byte).
    fn end(mut self, output: &mut impl Write, encode: &dyn Fn(&str) -> Vec<u8>) -> io::Result<()> {
        let from = self.position.max(self.skip_until);
        let last: Vec<&Edit> = self.pending.by_ref().filter(|e| e.start >= from).collect();
        for edit in last {
            self.replace(edit, output, encode)?;
        }
        Ok(())
    }
}

/// Apply `edits` to a document held in memory.
pub fn apply(input: &[u8], edits: &[Edit]) -> Vec<u8> {
    splice_bytes(
        input,
        edits,
        Vec::with_capacity(input.len()),
        &|s| s.as_bytes().to_vec(),
        None,
    )
    .expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, content: &str) -> Edit {
        Edit {
            start,
            end,
            content: content.into(),
        }
    }

    /// Splice `edits` into `input`, and the origins of the result.
    fn spliced(input: &[u8], edits: &[Edit], origins: &mut Origins) -> Vec<u8> {
        let mut round = Round::default();
        let output = splice_bytes(
            input,
            edits,
            Vec::new(),
            &|s| s.as_bytes().to_vec(),
            Some(&mut round),
        )
        .unwrap();
        origins.push(round);
        output
    }

    #[test]
    fn positions_in_the_output_go_back_to_the_input() {
        let mut origins = Origins::default();
        let input = b"abcdefghij";
        let edits = [edit(2, 4, "XYZW"), edit(6, 6, "++"), edit(8, 9, "")];
        let output = spliced(input, &edits, &mut origins);
        assert_eq!(output, b"abXYZWef++ghj");
        let back = |origins: &Origins, start, end| {
            let span = origins.span_in_input(Span::new(start, end));
            (span.start, span.end)
        };
        assert_eq!(back(&origins, 0, 2), (0, 2), "before every edit");
        assert_eq!(back(&origins, 6, 8), (4, 6), "`ef`, between two edits");
        assert_eq!(
            back(&origins, 2, 6),
            (2, 4),
            "a replacement: what it replaced"
        );
        assert_eq!(
            back(&origins, 3, 5),
            (2, 4),
            "inside a replacement: all it replaced"
        );
        assert_eq!(back(&origins, 8, 10), (6, 6), "an insertion: where it went");
        assert_eq!(back(&origins, 8, 8), (6, 6));
        assert_eq!(back(&origins, 12, 13), (9, 10), "`j`, after a deletion");
        assert_eq!(back(&origins, 11, 13), (7, 10), "`hj` came from `hij`");
        assert_eq!(
            back(&origins, 5, 7),
            (2, 5),
            "from generated text into copied text"
        );

        // A second round, over the first one's output.
        let again = spliced(&output, &[edit(0, 2, "A")], &mut origins);
        assert_eq!(again, b"AXYZWef++ghj");
        assert_eq!(back(&origins, 5, 7), (4, 6), "`ef` through both rounds");
        assert_eq!(back(&origins, 0, 1), (0, 2));
    }

    #[test]
    fn every_copied_byte_goes_back_to_its_own_place() {
        let mut seed = 0x2545_f491_u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            usize::try_from(seed >> 33).unwrap() % bound
        };
        for _ in 0..200 {
            let input: Vec<u8> = (0..=next(60)).map(|i| b'a' + (i % 26) as u8).collect();
            let mut origins = Origins::default();
            let mut current = input.clone();
            // Where each byte of the current version came from; `None` for written text.
            let mut source: Vec<Option<usize>> = (0..input.len()).map(Some).collect();
            for _ in 0..=next(3) {
                let mut edits = Vec::new();
                let mut at = 0;
                while at < current.len() && edits.len() < 4 {
                    let start = at + next(current.len() - at + 1);
                    let end = (start + next(4)).min(current.len());
                    edits.push(edit(start, end, &"#".repeat(next(4))));
                    at = end + 1;
                }
                let mut moved = Vec::new();
                let mut from = 0;
                for e in &edits {
                    moved.extend_from_slice(&source[from..e.start]);
                    moved.extend(std::iter::repeat_n(None, e.content.len()));
                    from = e.end;
                }
                moved.extend_from_slice(&source[from..]);
                current = spliced(&current, &edits, &mut origins);
                source = moved;
            }
            for (at, origin) in source.iter().enumerate() {
                if let Some(origin) = origin {
                    let span = origins.span_in_input(Span::new(at, at + 1));
                    assert_eq!((span.start, span.end), (*origin, origin + 1));
                    assert_eq!(current[at], input[*origin]);
                }
            }
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
        // Read in chunks (the buffer's 64 KiB, and odd sizes) the same edits give the same.
        for read_size in [64 * 1024, 7_001] {
            let reader = ShortReads {
                rest: &input,
                read_size,
            };
            let read =
                splice(reader, &edits, Vec::new(), &|s| s.as_bytes().to_vec(), None).unwrap();
            assert_eq!(read, expected, "reads of {read_size} bytes");
        }
    }

    /// Hands its bytes over at most `read_size` at a time.
    struct ShortReads<'a> {
        rest: &'a [u8],
        read_size: usize,
    }

    impl std::io::Read for ShortReads<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let n = self.rest.len().min(buffer.len()).min(self.read_size);
            buffer[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            Ok(n)
        }
    }

    #[test]
    fn insertion_at_the_end() {
        assert_eq!(apply(b"abc", &[edit(3, 3, "d")]), b"abcd");
        assert_eq!(apply(b"", &[edit(0, 0, "x")]), b"x");
    }

    /// The selection as a plain quadratic scan would make it, for comparison.
    fn select_by_scanning(
        expansions: &[Edit],
        diagnostics: &[crate::diagnostic::Diagnostic],
    ) -> Selection {
        let clash = |a: &Edit, b: &Edit| a != b && ranges_clash((a.start, a.end), (b.start, b.end));
        let mut fixes: Vec<_> = diagnostics.iter().filter(|d| d.fix.is_some()).collect();
        fixes.sort_by_key(|d| d.fix.as_ref().unwrap().edits.iter().map(|e| e.start).min());
        let mut selection = Selection::default();
        for expansion in expansions {
            if selection
                .edits
                .iter()
                .all(|chosen| !clash(chosen, expansion))
                && !selection.edits.contains(expansion)
            {
                selection.edits.push(expansion.clone());
            }
        }
        for diagnostic in fixes {
            let edits = &diagnostic.fix.as_ref().unwrap().edits;
            if edits.is_empty() {
                continue;
            }
            if edits
                .iter()
                .any(|e| selection.edits.iter().any(|chosen| clash(chosen, e)))
            {
                selection.conflicts += 1;
                continue;
            }
            for edit in edits {
                if !selection.edits.contains(edit) {
                    selection.edits.push(edit.clone());
                }
            }
            selection.fixed += 1;
        }
        selection.edits.sort_by_key(|e| (e.start, e.end));
        selection
    }

    #[test]
    fn selecting_by_position_matches_a_full_scan() {
        use crate::diagnostic::{Diagnostic, Fix, Span};
        use crate::rules::unescaped_ampersand::UNESCAPED_AMPERSAND;
        // A small linear congruential generator: the cases are the same on every run.
        let mut state = 0x2545_f491_u64;
        let mut next = move |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % below
        };
        let random_edit = |next: &mut dyn FnMut(usize) -> usize| {
            let start = next(40);
            let end = start + next(3);
            edit(start, end, ["a", "b"][next(2)])
        };
        for _ in 0..2_000 {
            let expansions: Vec<Edit> = (0..next(4)).map(|_| random_edit(&mut next)).collect();
            let mut diagnostics = Vec::new();
            for _ in 0..next(12) {
                // A fix's own edits never touch each other.
                let mut edits = vec![random_edit(&mut next)];
                if next(2) == 1 {
                    let mut second = random_edit(&mut next);
                    second.start += edits[0].end + 1;
                    second.end += edits[0].end + 1;
                    edits.push(second);
                }
                diagnostics.push(
                    Diagnostic::new(&UNESCAPED_AMPERSAND, Span::new(0, 1), "x")
                        .with_fix(Fix::safe(edits)),
                );
            }
            let mut expansions_in_order = expansions.clone();
            expansions_in_order.sort_by_key(|e| (e.start, e.end));
            let selection = select(&expansions_in_order, &diagnostics, false);
            // Expansions are taken in order of position, whatever the order given.
            assert_eq!(select(&expansions, &diagnostics, false), selection);
            assert_eq!(
                selection,
                select_by_scanning(&expansions_in_order, &diagnostics),
                "expansions {expansions_in_order:?}, fixes {diagnostics:?}"
            );
            assert_eq!(
                any_to_select(&expansions_in_order, &diagnostics, false),
                !selection.edits.is_empty()
            );
            assert_eq!(
                select_owned(expansions_in_order, diagnostics, false),
                selection
            );
        }
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
