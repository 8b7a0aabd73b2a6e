//! The streaming pipeline: one lol_html pass per document finds every portal link (in `href`
//! attributes, text, comments, scripts and styles), runs the rules on it, and collects the
//! findings. Handlers never return `Err` (that would abort the whole rewrite): everything they
//! find becomes a diagnostic.
//!
//! Why there are quick passes: a document-wide text handler keeps lol_html out of its fast
//! tag-scanning mode and costs three times its bare parsing. Most templates hold links only
//! in link elements and placeholders, so an HTML document in UTF-8 is first read with element
//! handlers only, beside a raw scan of its bytes for anything else that may be a link (see
//! `raw::Quick`); if the scan finds some, a second quick pass also reads comments (where
//! Outlook's VML buttons live), and only then does the full pass read everything. The passes
//! give the same results: tests compare them over the html5lib inputs and the fuzz seeds.

pub mod encoding;
mod html;
mod raw;
mod scan;
mod suppress;
mod text;
mod utf8;

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use crate::charref;
use crate::command::parse_link;
use crate::command::spec::is_secret_key;
use crate::command::token::is_single_token;
use crate::diagnostic::Edit;
use crate::diagnostic::{Diagnostic, Span};
use crate::dialect::token::{Evidence, known_dialect};
use crate::dialect::{Dialect, Resolved, Source};
use crate::expand::{self, ExpandSettings, Placeholder};
use crate::fix;
use crate::rules::malformed_envelope;
use crate::rules::tokens::{self, token_uses};
use crate::rules::{
    Findings, Joined, LinkSite, Origin, RuleConfig, RuleSettings, TextMap, TokenUse, check_link,
    glued_secrets,
};
use suppress::Suppression;

/// How the document is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// HTML, Handlebars and Liquid templates: parsed as HTML.
    Html,
    /// MJML templates (`.mjml`): parsed as HTML, where MJML's head elements (`mj-title`,
    /// `mj-preview`, `mj-style`) show no link and a `<dd-link>` belongs in an element whose
    /// content is HTML (`mj-text`), not directly in a layout element (`mj-column`).
    Mjml,
    /// Plain-text templates (`.txt`): no markup, no character references.
    PlainText,
}

impl FileKind {
    /// `.txt` is plain text and `.mjml` MJML, also before a template engine's extension
    /// (`.txt.liquid`, `.mjml.hbs`); every other template is HTML.
    pub fn from_path(path: &Path) -> FileKind {
        let is = |ext: &str, wanted: &str| ext.eq_ignore_ascii_case(wanted);
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            return FileKind::Html;
        };
        let inner = if is(ext, "liquid") || is(ext, "hbs") {
            Path::new(path.file_stem().unwrap_or_default())
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or(ext)
        } else {
            ext
        };
        if is(inner, "txt") {
            FileKind::PlainText
        } else if is(inner, "mjml") {
            FileKind::Mjml
        } else {
            FileKind::Html
        }
    }

    /// Whether the document is markup, parsed as HTML.
    pub fn is_markup(self) -> bool {
        self != FileKind::PlainText
    }
}

/// Everything that decides how one document is judged.
#[derive(Clone, Debug)]
pub struct RewriterOptions {
    pub kind: FileKind,
    pub settings: RuleSettings,
    pub rules: Arc<RuleConfig>,
    /// lol_html's hard memory limit; going over it is a DD602 finding. Taken as at least
    /// [`MIN_MAX_MEMORY`].
    pub max_memory: usize,
    /// How placeholders are expanded.
    pub expand: ExpandSettings,
    /// The document's encoding (ASCII-compatible; UTF-8 unless told otherwise).
    pub encoding: &'static encoding_rs::Encoding,
    /// How many bytes at a time a document in memory is fed to the parser (tests vary it:
    /// results must not depend on it).
    pub chunk_size: usize,
    /// Whether the analysis keeps the expanded markup of placeholders (a check only counts
    /// them, and a large template's markup takes memory). The fixes keep it whatever this
    /// says: they expand.
    pub keep_expansions: bool,
    /// Whether a fix keeps where each round's edits went ([`Fixed::origins`]), to place the
    /// findings that remain in the input when nothing is written (`fix --check`). A large
    /// document's are megabytes.
    pub keep_origins: bool,
    /// Whether an HTML document in UTF-8 is read by the quick pass first, which leaves it to
    /// the full pass only when it holds more than links in `href`s. Results are the same
    /// either way (tests compare them); off, every document takes the full pass.
    pub quick_pass: bool,
    /// From this many bytes on, an HTML document's raw scan runs on a thread of its own,
    /// beside the parser; a file read through [`Rewriter::check_seekable`] is read by that
    /// thread as well (tests set 0 to compare: results are the same).
    pub raw_thread_from: usize,
}

/// 64 MiB, SPEC §6.
pub const DEFAULT_MAX_MEMORY: usize = 64 * 1024 * 1024;

/// The least `max_memory` taken: the parser allocates its first buffers up front, and a limit
/// below them would fail every document at its first byte.
pub const MIN_MAX_MEMORY: usize = 16 * 1024;

/// 4 MiB: a smaller document is over before a thread would pay for itself, and a batch
/// already keeps every core busy with its documents.
pub const RAW_THREAD_FROM: usize = 4 * 1024 * 1024;

/// [`Rewriter::fix`] holds a document up to this size in memory, and a larger one in
/// temporary files.
pub const FIX_IN_MEMORY: usize = 4 * 1024 * 1024;

/// Input is fed to the parser in chunks of this size.
pub const CHUNK_SIZE: usize = 64 * 1024;

impl Default for RewriterOptions {
    fn default() -> Self {
        RewriterOptions {
            kind: FileKind::Html,
            settings: RuleSettings::default(),
            rules: Arc::new(RuleConfig::default()),
            max_memory: DEFAULT_MAX_MEMORY,
            expand: ExpandSettings::default(),
            encoding: encoding_rs::UTF_8,
            chunk_size: CHUNK_SIZE,
            keep_expansions: true,
            keep_origins: false,
            quick_pass: true,
            raw_thread_from: RAW_THREAD_FROM,
        }
    }
}

/// What one pass over a document found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    /// Sorted by position, then code.
    pub diagnostics: Vec<Diagnostic>,
    /// Byte ranges of credentials found in links: every output masks them.
    pub secrets: Vec<Span>,
    /// Bytes read.
    pub len: usize,
    /// The file's dialect and what decided it.
    pub dialect: Resolved,
    /// The edits that expand the document's placeholders.
    pub expansions: Vec<Edit>,
    /// How many placeholders those edits expand.
    pub expandable: usize,
    /// The encoding the document was read in.
    pub encoding: &'static encoding_rs::Encoding,
    /// Whether the document could not be read whole (invalid bytes, a parser that gave up):
    /// then nothing in it is fixable and `fix` leaves it untouched, whether DD602, which says
    /// so, is on or not.
    pub unparsable: bool,
}

/// Fixing stops after this many rounds even if fixes remain (they would be fixes that undo
/// each other).
pub const MAX_FIX_ROUNDS: usize = 8;

/// What fixing a document gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixed {
    /// The whole fixed document.
    pub output: Vec<u8>,
    /// The findings that remain, positions in `output`.
    pub analysis: Analysis,
    /// How many findings the applied fixes repaired.
    pub fixed: usize,
    /// How many placeholders were expanded.
    pub expanded: usize,
    /// Whether `output` differs from the input.
    pub changed: bool,
    /// Takes positions in `output` back to the input.
    pub origins: fix::Origins,
    /// The secrets of the input as read, to be masked wherever it is shown (a fix may have
    /// changed or removed one, so that `analysis` no longer names it).
    pub input_secrets: Vec<Span>,
}

/// What fixing a document read from a file gave (see [`Rewriter::fix_seekable`]).
#[derive(Debug)]
pub struct FixedFile<T> {
    /// The fixed document, read back from its start; `None` when no edit was made.
    pub output: Option<T>,
    /// The findings that remain, positions in `output` (in the input when it is `None`).
    pub analysis: Analysis,
    /// How many findings the applied fixes repaired.
    pub fixed: usize,
    /// How many placeholders were expanded.
    pub expanded: usize,
    /// Whether `output` differs from the input.
    pub changed: bool,
    /// Takes positions in `output` back to the input.
    pub origins: fix::Origins,
    /// The secrets of the input as read (see [`Fixed::input_secrets`]).
    pub input_secrets: Vec<Span>,
}

/// What fixing a document from a reader into a writer gave (see [`Rewriter::fix`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedStream {
    /// The findings that remain, positions in what was written.
    pub analysis: Analysis,
    /// How many findings the applied fixes repaired.
    pub fixed: usize,
    /// How many placeholders were expanded.
    pub expanded: usize,
    /// Whether what was written differs from what was read.
    pub changed: bool,
    /// Takes positions in what was written back to the input.
    pub origins: fix::Origins,
    /// The secrets of the input as read (see [`Fixed::input_secrets`]).
    pub input_secrets: Vec<Span>,
    /// Bytes read.
    pub read: u64,
    /// Bytes written.
    pub written: u64,
}

/// What the rounds of fixing gave.
struct Rounds {
    analysis: Analysis,
    fixed: usize,
    expanded: usize,
    origins: fix::Origins,
}

/// Runs documents through the pipeline.
#[derive(Clone, Debug, Default)]
pub struct Rewriter {
    options: RewriterOptions,
}

impl Rewriter {
    pub fn new(options: RewriterOptions) -> Self {
        Rewriter { options }
    }

    pub fn options(&self) -> &RewriterOptions {
        &self.options
    }

    /// Check a whole document read from `input`, in [`CHUNK_SIZE`] chunks, in one full pass
    /// (an input that can be read twice goes faster through [`Rewriter::check_seekable`]).
    pub fn check<R: Read>(&self, mut input: R) -> io::Result<Analysis> {
        if let Some(analysis) = self.unsupported_encoding() {
            return Ok(analysis);
        }
        let mut pass = Pass::new(&self.options);
        let mut buffer = vec![0; CHUNK_SIZE];
        while let Some(read) = read_chunk(&mut input, &mut buffer)? {
            pass.feed(&buffer[..read]);
        }
        Ok(pass.finish())
    }

    /// Check a whole document read from `input`: by a quick pass when one can tell (see
    /// [`RewriterOptions::quick_pass`]), else once more from where `input` was, by the full
    /// pass.
    ///
    /// From [`RewriterOptions::raw_thread_from`] bytes on, a thread reads an HTML document
    /// ahead of the parser (in the quick and the full pass) and runs the raw scan on it: the
    /// parser's thread, which a large document's check waits for, no longer copies the file in.
    pub fn check_seekable<R: Read + Seek + Send>(&self, mut input: R) -> io::Result<Analysis> {
        if let Some(analysis) = self.unsupported_encoding() {
            return Ok(analysis);
        }
        let start = input.stream_position()?;
        let len = input.seek(SeekFrom::End(0))?.saturating_sub(start);
        let read_ahead = usize::try_from(len).unwrap_or(usize::MAX) >= self.options.raw_thread_from;
        let mut buffer = vec![0; CHUNK_SIZE];
        let quick = self.quick(|pass| {
            input.seek(SeekFrom::Start(start))?;
            if read_ahead && let Some(scan) = pass.take_raw_scan() {
                pass.expect_len(usize::try_from(len).unwrap_or(usize::MAX));
                return read_ahead_of(pass, scan, &mut input);
            }
            while !pass.needs_full()
                && let Some(read) = read_chunk(&mut input, &mut buffer)?
            {
                pass.feed(&buffer[..read]);
            }
            Ok::<(), io::Error>(())
        })?;
        if let Some(analysis) = quick {
            return Ok(analysis);
        }
        input.seek(SeekFrom::Start(start))?;
        if read_ahead && self.options.kind.is_markup() {
            let mut pass = html::HtmlPass::new(&self.options, html::Reading::Full);
            if let Some(scan) = pass.take_raw_scan() {
                read_ahead_of(&mut pass, scan, &mut input)?;
                return Ok(pass.finish().expect("the full pass hands over to no one"));
            }
        }
        self.check(input)
    }

    /// Check a document given as chunks (tests split inputs at random sizes with this).
    pub fn check_chunks<'a>(&self, chunks: impl IntoIterator<Item = &'a [u8]>) -> Analysis {
        if let Some(analysis) = self.unsupported_encoding() {
            return analysis;
        }
        let chunks: Vec<&[u8]> = chunks.into_iter().collect();
        let quick = self.quick(|pass| {
            for chunk in &chunks {
                if pass.needs_full() {
                    break;
                }
                pass.feed(chunk);
            }
            Ok::<(), std::convert::Infallible>(())
        });
        if let Ok(Some(analysis)) = quick {
            return analysis;
        }
        let mut pass = Pass::new(&self.options);
        for chunk in chunks {
            pass.feed(chunk);
        }
        pass.finish()
    }

    /// A document in an encoding that is not ASCII-compatible (UTF-16, ISO-2022-JP) is not
    /// read at all: the parser reads only ASCII-compatible ones, and taken as UTF-8 its
    /// findings would be nonsense. DD602 says so, and `fix` leaves it as it is.
    fn unsupported_encoding(&self) -> Option<Analysis> {
        let encoding = self.options.encoding;
        if encoding.is_ascii_compatible() {
            return None;
        }
        let mut collector = Collector::new(&self.options);
        crate::rules::unparsable_document::report(
            &mut collector.findings,
            Span::new(0, 0),
            format!("{} is an unsupported encoding", encoding.name()),
            "save the template in UTF-8, or in an ASCII-compatible encoding such as windows-1252",
        );
        Some(collector.finish(0))
    }

    /// The quick passes, when they apply: links and placeholders only, then with comments
    /// when only links outside `href`s were in the way. `None` when neither can tell.
    fn quick<E>(
        &self,
        mut feed: impl FnMut(&mut html::HtmlPass<'_>) -> Result<(), E>,
    ) -> Result<Option<Analysis>, E> {
        if !self.quick_pass_applies() {
            return Ok(None);
        }
        for reading in [html::Reading::Quick, html::Reading::QuickWithComments] {
            let mut pass = html::HtmlPass::new(&self.options, reading);
            feed(&mut pass)?;
            match pass.finish() {
                Ok(analysis) => return Ok(Some(analysis)),
                Err(handover) if handover.comments_may_do => {}
                Err(_) => break,
            }
        }
        Ok(None)
    }

    fn quick_pass_applies(&self) -> bool {
        self.options.quick_pass
            && self.options.kind == FileKind::Html
            && self.options.encoding == encoding_rs::UTF_8
    }

    /// Check one URL on its own (as `ddlink link` does before printing it): no HTML around
    /// it, spans relative to the URL.
    pub fn check_url(&self, url: &str) -> Analysis {
        let mut collector = Collector::new(&self.options);
        collector.link(url, 0, Origin::PlainText, None);
        collector.finish(url.len())
    }

    /// Fix a document held in memory: apply the chosen fixes, check the result, and repeat
    /// while fixes remain that an earlier round left out (they overlapped), at most
    /// [`MAX_FIX_ROUNDS`] times. A document that cannot be read safely (DD602) is left as it is.
    pub fn fix_bytes(&self, input: &[u8], unsafe_fixes: bool) -> Fixed {
        if !self.options.keep_expansions {
            return self.expanding().fix_bytes(input, unsafe_fixes);
        }
        let mut output: Option<Vec<u8>> = None;
        let encoding = self.options.encoding;
        let first = self.check_bytes(input);
        let input_secrets = first.secrets.clone();
        let rounds = self.fix_rounds(first, unsafe_fixes, |edits, round| {
            let current = output.as_deref().unwrap_or(input);
            let next = fix::splice_bytes(
                current,
                &edits,
                Vec::with_capacity(current.len()),
                &|text| encoding.encode(text).0.into_owned(),
                round,
            )?;
            drop(edits);
            let analysis = self.check_bytes(&next);
            output = Some(next);
            Ok(analysis)
        });
        let rounds = rounds.expect("writing to memory cannot fail");
        let output = output.unwrap_or_else(|| input.to_vec());
        let changed = output != input;
        Fixed {
            output,
            analysis: rounds.analysis,
            fixed: rounds.fixed,
            expanded: rounds.expanded,
            changed,
            origins: rounds.origins,
            input_secrets,
        }
    }

    /// Fix a document read from `input` without holding it in memory: each round splices
    /// the edits from the current version into a new file from `scratch` and checks that file
    /// (see [`Rewriter::fix_bytes`] for the rounds). The fixed document is the returned
    /// file, read back from its start; `None` when no edit was made.
    pub fn fix_seekable<R, T>(
        &self,
        mut input: R,
        unsafe_fixes: bool,
        mut scratch: impl FnMut() -> io::Result<T>,
    ) -> io::Result<FixedFile<T>>
    where
        R: Read + Seek + Send,
        T: Read + Write + Seek + Send,
    {
        if !self.options.keep_expansions {
            return self.expanding().fix_seekable(input, unsafe_fixes, scratch);
        }
        let start = input.stream_position()?;
        let first = self.check_seekable(&mut input)?;
        let input_secrets = first.secrets.clone();
        let mut output: Option<T> = None;
        let encoding = self.options.encoding;
        let rounds = self.fix_rounds(first, unsafe_fixes, |edits, round| {
            let mut next = scratch()?;
            {
                let mut writer = io::BufWriter::with_capacity(CHUNK_SIZE, &mut next);
                let encode = |text: &str| encoding.encode(text).0.into_owned();
                if let Some(current) = output.as_mut() {
                    current.seek(SeekFrom::Start(0))?;
                    fix::splice(current, &edits, &mut writer, &encode, round)?;
                } else {
                    input.seek(SeekFrom::Start(start))?;
                    fix::splice(&mut input, &edits, &mut writer, &encode, round)?;
                }
                writer.flush()?;
            }
            // Not held while the result is checked: a large document's are megabytes.
            drop(edits);
            next.seek(SeekFrom::Start(0))?;
            let analysis = self.check_seekable(&mut next)?;
            output = Some(next);
            Ok(analysis)
        })?;
        let changed = match output.as_mut() {
            Some(fixed) => {
                // Lengths first: most fixes change them, and then nothing need be read again.
                let input_len = input.seek(SeekFrom::End(0))? - start;
                if input_len == fixed.seek(SeekFrom::End(0))? {
                    input.seek(SeekFrom::Start(start))?;
                    fixed.seek(SeekFrom::Start(0))?;
                    !same_content(&mut input, fixed)?
                } else {
                    true
                }
            }
            None => false,
        };
        if let Some(fixed) = output.as_mut() {
            fixed.seek(SeekFrom::Start(0))?;
        }
        Ok(FixedFile {
            output,
            analysis: rounds.analysis,
            fixed: rounds.fixed,
            expanded: rounds.expanded,
            changed,
            origins: rounds.origins,
            input_secrets,
        })
    }

    /// Fix a document read from `input` and write the fixed document to `output` (the input
    /// as it was when nothing is fixed), flushed; see [`Rewriter::fix_bytes`] for the rounds.
    ///
    /// Fixing reads the document more than once, so up to [`FIX_IN_MEMORY`] bytes it is held
    /// in memory; a larger one goes to anonymous temporary files (as
    /// [`Rewriter::fix_seekable`] does), so that memory stays bounded however large it is.
    /// Nothing is written before the fixed document is complete. An error from either side
    /// is returned as it is; `output` may then hold part of the document.
    pub fn fix<R: Read, W: Write>(
        &self,
        mut input: R,
        mut output: W,
        unsafe_fixes: bool,
    ) -> io::Result<FixedStream> {
        let mut bytes = Vec::new();
        let limit = u64::try_from(FIX_IN_MEMORY).unwrap_or(u64::MAX);
        (&mut input).take(limit + 1).read_to_end(&mut bytes)?;
        if bytes.len() <= FIX_IN_MEMORY {
            let fixed = self.fix_bytes(&bytes, unsafe_fixes);
            output.write_all(&fixed.output)?;
            output.flush()?;
            return Ok(FixedStream {
                analysis: fixed.analysis,
                fixed: fixed.fixed,
                expanded: fixed.expanded,
                changed: fixed.changed,
                origins: fixed.origins,
                input_secrets: fixed.input_secrets,
                read: bytes.len() as u64,
                written: fixed.output.len() as u64,
            });
        }
        let mut spilled = tempfile::tempfile()?;
        spilled.write_all(&bytes)?;
        drop(bytes);
        let read = limit + 1 + io::copy(&mut input, &mut spilled)?;
        spilled.seek(SeekFrom::Start(0))?;
        let mut result = self.fix_seekable(&mut spilled, unsafe_fixes, tempfile::tempfile)?;
        let written = if let Some(fixed) = result.output.as_mut() {
            io::copy(fixed, &mut output)?
        } else {
            spilled.seek(SeekFrom::Start(0))?;
            io::copy(&mut spilled, &mut output)?
        };
        output.flush()?;
        Ok(FixedStream {
            analysis: result.analysis,
            fixed: result.fixed,
            expanded: result.expanded,
            changed: result.changed,
            origins: result.origins,
            input_secrets: result.input_secrets,
            read,
            written,
        })
    }

    /// This rewriter keeping the expansions a fix makes.
    fn expanding(&self) -> Rewriter {
        Rewriter::new(RewriterOptions {
            keep_expansions: true,
            ..self.options.clone()
        })
    }

    /// The rounds of fixing from a first `analysis`: `apply` makes the edits of a round, noting
    /// what it replaced in the round it is given (when origins are kept), and checks the result.
    fn fix_rounds(
        &self,
        mut analysis: Analysis,
        unsafe_fixes: bool,
        mut apply: impl FnMut(Vec<Edit>, Option<&mut fix::Round>) -> io::Result<Analysis>,
    ) -> io::Result<Rounds> {
        let mut fixed = 0;
        let mut origins = fix::Origins::default();
        let mut expanded = 0;
        // A document fix must leave untouched (DD602) has no expansion and no fix: see
        // `Collector::finish`.
        for _ in 0..MAX_FIX_ROUNDS {
            if !fix::any_to_select(&analysis.expansions, &analysis.diagnostics, unsafe_fixes) {
                break;
            }
            expanded += analysis.expandable;
            // A round's findings are spent once its edits are chosen, and a large document's
            // are megabytes: freed as the edits are gathered, not held while the next version
            // is checked.
            let selection =
                fix::select_owned(analysis.expansions, analysis.diagnostics, unsafe_fixes);
            fixed += selection.fixed;
            let mut round = fix::Round::default();
            let kept = self.options.keep_origins.then_some(&mut round);
            analysis = apply(selection.edits, kept)?;
            origins.push(round);
        }
        Ok(Rounds {
            analysis,
            fixed,
            expanded,
            origins,
        })
    }

    /// Check a document held in memory.
    pub fn check_bytes(&self, input: &[u8]) -> Analysis {
        self.check_chunks(input.chunks(self.options.chunk_size.max(1)))
    }
}

/// The next chunk of `input` into `buffer`: how many bytes, `None` at the end.
fn read_chunk(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        match input.read(buffer) {
            Ok(0) => return Ok(None),
            Ok(read) => return Ok(Some(read)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Whether two readers give the same bytes to their ends.
fn same_content(a: &mut impl Read, b: &mut impl Read) -> io::Result<bool> {
    let mut left = vec![0; CHUNK_SIZE];
    let mut right = vec![0; CHUNK_SIZE];
    loop {
        let Some(read) = read_chunk(a, &mut left)? else {
            return Ok(read_chunk(b, &mut right[..1])?.is_none());
        };
        if fill_some(b, &mut right[..read])? < read || left[..read] != right[..read] {
            return Ok(false);
        }
    }
}

/// Batches of input the reading thread may be ahead of the parser by.
const READ_AHEAD_LAG: usize = 2;

/// How much input the reading thread reads (and scans) at a time.
const READ_AHEAD_BATCH: usize = 256 * 1024;

/// Feed `pass` all of `input`, read, and raw-scanned by `scan`, on a thread of its own ahead
/// of the parser. Without a thread to be had, both are done here.
fn read_ahead_of<R: Read + Send>(
    pass: &mut html::HtmlPass<'_>,
    mut scan: raw::RawScan,
    input: &mut R,
) -> io::Result<()> {
    std::thread::scope(|scope| {
        let (start_in, start_out) = std::sync::mpsc::sync_channel::<(raw::RawScan, &mut R)>(1);
        let (batches_out, batches) = std::sync::mpsc::sync_channel::<
            io::Result<(Vec<u8>, usize, raw::Found)>,
        >(READ_AHEAD_LAG);
        // Batches the parser is done with go back to be read into again: allocated on one
        // thread and freed on the other, new ones each time took a third more memory.
        let (done_out, done) = std::sync::mpsc::sync_channel::<Vec<u8>>(READ_AHEAD_LAG + 2);
        let spawned = std::thread::Builder::new()
            .name("ddlink-read-ahead".to_owned())
            .spawn_scoped(scope, move || {
                let (mut scan, input) = start_out.recv().ok()?;
                loop {
                    let mut batch = done
                        .try_recv()
                        .unwrap_or_else(|_| vec![0; READ_AHEAD_BATCH]);
                    let read = match fill_some(input, &mut batch) {
                        Ok(0) => return Some(scan.finish()),
                        Ok(read) => read,
                        Err(error) => {
                            let _ = batches_out.send(Err(error));
                            return None;
                        }
                    };
                    let found = scan.feed(&batch[..read]);
                    // The pass stopped reading (it needs the full pass): nothing more to do.
                    batches_out.send(Ok((batch, read, found))).ok()?;
                }
            });
        let Ok(reader) = spawned else {
            let mut buffer = vec![0; CHUNK_SIZE];
            while let Some(read) = read_chunk(input, &mut buffer)? {
                pass.raw_found(scan.feed(&buffer[..read]));
                pass.parse(&buffer[..read]);
            }
            pass.raw_ended(scan.finish());
            return Ok(());
        };
        start_in
            .send((scan, input))
            .expect("the reading thread waits for its input first");
        let mut failed = None;
        'batches: for batch in &batches {
            match batch {
                Ok((batch, read, found)) => {
                    pass.raw_found(found);
                    for chunk in batch[..read].chunks(CHUNK_SIZE) {
                        if pass.needs_full() {
                            break 'batches;
                        }
                        pass.parse(chunk);
                    }
                    let _ = done_out.try_send(batch);
                }
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            }
        }
        // A reader still going stops at its next batch.
        drop(batches);
        match reader.join() {
            Ok(Some(end)) => pass.raw_ended(end),
            Ok(None) => {}
            Err(panic) => std::panic::resume_unwind(panic),
        }
        failed.map_or(Ok(()), Err)
    })
}

/// Read into `buffer` until it is full or the input ends: how many bytes.
fn fill_some(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match read_chunk(input, &mut buffer[filled..])? {
            Some(read) => filled += read,
            None => break,
        }
    }
    Ok(filled)
}

/// One document on its way through.
enum Pass<'o> {
    Html(Box<html::HtmlPass<'o>>),
    Text(Box<text::TextPass<'o>>),
}

impl<'o> Pass<'o> {
    fn new(options: &'o RewriterOptions) -> Self {
        match options.kind {
            FileKind::Html | FileKind::Mjml => {
                Pass::Html(Box::new(html::HtmlPass::new(options, html::Reading::Full)))
            }
            FileKind::PlainText => Pass::Text(Box::new(text::TextPass::new(options))),
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        match self {
            Pass::Html(pass) => pass.feed(chunk),
            Pass::Text(pass) => pass.feed(chunk),
        }
    }

    fn finish(self) -> Analysis {
        match self {
            Pass::Html(pass) => pass.finish().expect("the full pass hands over to no one"),
            Pass::Text(pass) => pass.finish(),
        }
    }
}

/// What every pass keeps: the findings so far and the secrets to mask.
struct Collector<'o> {
    options: &'o RewriterOptions,
    findings: Findings<'o>,
    secrets: Vec<Span>,
    /// How many portal links were judged.
    found_links: usize,
    /// Tokens in links, judged by the dialect rules when the document ends.
    tokens: Vec<TokenUse>,
    /// The dialect a `<!-- ddlink: psa=… -->` comment gave, if any, and where the comment
    /// starts.
    directive: Option<(Dialect, usize)>,
    /// Known tokens seen, for detection.
    evidence: Evidence,
    /// Where the first known token written percent-encoded in a link is (DD203), while
    /// detecting.
    first_encoded_token: Option<Span>,
    /// `ddlink-ignore` comments.
    suppressions: Vec<Suppression>,
    /// Where each element holding a portal link starts and ends.
    extents: Vec<Span>,
    /// Placeholders, expanded when the document ends.
    placeholders: Vec<Placeholder>,
    /// The document's line ending, once one is seen.
    newline: Option<&'static str>,
    /// Whether the last chunk ended with the document's first line break, a `\r` that may be
    /// the first half of a `\r\n`.
    newline_held: bool,
    /// Links written as unquoted attribute values, and their raw text: a fix that puts a
    /// space (`[Ticket: ID]`) or a quote in one quotes the whole value.
    unquoted: Vec<(Span, String)>,
    /// Whether the link being judged is an unquoted `href` value (`href=&quot;https://…&quot;`
    /// gets quotes in place of its character references).
    href_unquoted: bool,
    /// Where the raw scan saw `{{deeplink` calls open (with the opening's length), and where
    /// the handlers read calls: one never read is reported, never left silently.
    raw_placeholders: Vec<(usize, usize)>,
    read_placeholders: Vec<usize>,
    /// Parts of the input a nested pass read (conditional comments' bodies).
    covered: Vec<Span>,
    /// What nested passes expanded, placed in this input.
    nested_expansions: Vec<Edit>,
    nested_expandable: usize,
    /// Whether a nested pass or this one could not read its document whole.
    unparsable: bool,
    /// Tells the texts that may hold a link (or a `{{deeplink}}`) from the rest.
    prefilter: std::sync::Arc<scan::Prefilter>,
    /// A template comment or raw block the texts so far left open.
    template_block: Option<expand::mustache::OpenBlock>,
}

impl<'o> Collector<'o> {
    fn new(options: &'o RewriterOptions) -> Self {
        Collector {
            options,
            findings: Findings::new(&options.rules),
            secrets: Vec::new(),
            found_links: 0,
            tokens: Vec::new(),
            directive: None,
            evidence: Evidence::default(),
            first_encoded_token: None,
            suppressions: Vec::new(),
            extents: Vec::new(),
            placeholders: Vec::new(),
            newline: None,
            newline_held: false,
            unquoted: Vec::new(),
            href_unquoted: false,
            raw_placeholders: Vec::new(),
            read_placeholders: Vec::new(),
            covered: Vec::new(),
            nested_expansions: Vec::new(),
            nested_expandable: 0,
            unparsable: false,
            prefilter: scan::Prefilter::for_host(
                options.settings.portal.as_ref().map(crate::Portal::host),
            ),
            template_block: None,
        }
    }

    /// Note that the link at `span`, `raw` in the source, is an unquoted attribute value.
    fn unquoted_value(&mut self, span: Span, raw: String) {
        self.unquoted.push((span, raw));
    }

    /// Whether the dialect may still have to be detected from the file's tokens.
    fn detecting(&self) -> bool {
        let settings = &self.options.settings;
        settings.dialect.is_none() && settings.config_dialect.is_none() && self.directive.is_none()
    }

    /// Tokens counted by an HTML pass's raw scan.
    fn add_evidence(&mut self, evidence: Evidence) {
        self.evidence.add_all(evidence);
    }

    /// Count the known tokens of a stretch of text, while detection may be needed.
    fn observe(&mut self, text: &str) {
        if self.detecting() && (text.contains('[') || text.contains("{{")) {
            self.evidence.scan(text);
        }
    }

    /// A `<!-- ddlink: psa=… -->` comment at `span`: the first one decides; a later one that
    /// names another PSA is reported (it does nothing).
    fn directive(&mut self, dialect: Dialect, span: Span) {
        match self.directive {
            None => self.directive = Some((dialect, span.start)),
            Some((first, _)) if first != dialect => crate::rules::malformed_directive::report(
                &mut self.findings,
                span,
                format!(
                    "this file's dialect is `{first}` already, from an earlier `ddlink: psa=` comment"
                ),
                "keep one `ddlink: psa=` comment per file".to_owned(),
            ),
            Some(_) => {}
        }
    }

    /// Forget a `ddlink: psa=` comment from `offset` on: after invalid bytes, whether the
    /// parser reads it depends on how the input was cut into chunks.
    fn forget_directive_from(&mut self, offset: usize) {
        if self.directive.is_some_and(|(_, start)| start >= offset) {
            self.directive = None;
        }
    }

    /// The file's dialect: `--psa`, then a comment in the file, then the configuration, then
    /// detection.
    fn resolve_dialect(&self) -> Resolved {
        let settings = &self.options.settings;
        if let Some(dialect) = settings.dialect {
            return Resolved {
                dialect: Some(dialect),
                source: Some(Source::Flag),
            };
        }
        if let Some((dialect, _)) = self.directive {
            return Resolved {
                dialect: Some(dialect),
                source: Some(Source::Directive),
            };
        }
        if let Some((dialect, place)) = &settings.config_dialect {
            return Resolved {
                dialect: Some(*dialect),
                source: Some(Source::Config(place.clone())),
            };
        }
        match self.evidence.verdict() {
            Some(dialect) => Resolved {
                dialect: Some(dialect),
                source: Some(Source::Detected(self.evidence.total())),
            },
            None => Resolved {
                dialect: None,
                source: self.evidence.mixed().map(Source::Mixed),
            },
        }
    }

    /// Count the tokens that placeholders' arguments hold percent-encoded
    /// (`ticket_id="%5BTicket%3A%20ID%5D"`), as a link's are: DD203's fix decodes them, and the
    /// file's dialect must be the same before and after it (its placeholders are expanded
    /// with that dialect's tokens).
    fn count_encoded_placeholder_tokens(&mut self) {
        if !self.detecting() {
            return;
        }
        for placeholder in &self.placeholders {
            let (Placeholder::Element { args, .. } | Placeholder::Mustache { args, .. }) =
                placeholder;
            for arg in args.iter().filter(|arg| arg.value.contains('%')) {
                for token in crate::command::token::tokens(&arg.value) {
                    let encoded = &arg.value[token.range.clone()];
                    if matches!(
                        token.shape,
                        crate::command::token::TokenShape::EncodedBracket
                            | crate::command::token::TokenShape::EncodedMustache
                    ) && let Some(decoded) = crate::rules::encoded_token::percent_decode(encoded)
                    {
                        self.evidence.add(&decoded);
                    }
                }
            }
        }
    }

    /// Report a file whose known tokens belong to more than one PSA, at its first known token
    /// in a link (written plainly or percent-encoded) or in a placeholder's argument (which
    /// becomes a link's when expanded: the finding is there before `fix` and after it).
    fn report_mixed_tokens(&mut self, seen: &[(Dialect, usize)]) {
        // Written plainly or percent-encoded (`%5BTicket%3A%20ID%5D`).
        let known = |text: &str| {
            crate::command::token::tokens(text).iter().any(|token| {
                let token = &text[token.range.clone()];
                known_dialect(token).is_some()
                    || crate::rules::encoded_token::percent_decode(token)
                        .is_some_and(|decoded| known_dialect(&decoded).is_some())
            })
        };
        let plain = self
            .tokens
            .iter()
            .find(|u| known_dialect(&u.token).is_some())
            .map(|u| u.span);
        let in_placeholder = self.placeholders.iter().find_map(|placeholder| {
            let args = placeholder.args();
            args.iter()
                .find(|arg| known(&arg.value))
                .map(|arg| arg.value_span)
        });
        let first = [plain, self.first_encoded_token, in_placeholder]
            .into_iter()
            .flatten()
            .min_by_key(|span| (span.start, span.end));
        if let Some(span) = first {
            crate::rules::psa_undetermined::report_mixed(&mut self.findings, span, seen);
        }
    }

    /// Judge the text `raw`, which starts at input offset `base`, if it is a portal link.
    /// `decode` selects HTML character-reference decoding (attribute or text rules).
    /// A portal link in text, `link`, that the template tags at the start of `after` join
    /// to the word after them (`…&action=approve{%- endif -%} Thanks`): `tags_span` gives the
    /// input span of the tags' first `len` bytes.
    fn trimmed_into_text(
        &mut self,
        link: &str,
        after: &str,
        tags_span: impl FnOnce(usize) -> Span,
    ) {
        let Some((len, joined)) = trimmed_into_text(after) else {
            return;
        };
        if parse_link(link, &self.options.settings.hosts).is_none() {
            return;
        }
        crate::rules::whitespace_in_url::report_trimmed_into_text(
            &mut self.findings,
            tags_span(len),
            &after[..len],
            &joined,
        );
    }

    fn link(&mut self, raw: &str, base: usize, origin: Origin, decode: Option<bool>) {
        let map = match decode {
            Some(in_attribute) => {
                let (decoded, refs) = charref::decode(raw, in_attribute);
                TextMap::new(raw.to_owned(), base, decoded, refs)
            }
            None => TextMap::identity(raw.to_owned(), base),
        }
        .in_encoding(self.options.encoding);
        let decoded = map.decoded.as_str();
        let outer = decoded.trim_matches(|c: char| c.is_ascii_whitespace());
        let outer_start = decoded.len()
            - decoded
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .len();
        // `href=“https://…”`, `href="&nbsp;https://…"`: a word processor's quotes or white
        // space that the browser keeps, which the attribute holds as part of the URL. The link
        // inside is judged, and what wraps it reported.
        let wrapping =
            malformed_envelope::Wrapping::find(decoded, outer_start..outer_start + outer.len());
        let hosts = &self.options.settings.hosts;
        let parse = |range: &std::ops::Range<usize>| {
            let joined = Joined::new(&decoded[range.clone()]);
            parse_link(&joined.text, hosts).map(|link| (joined, link))
        };
        let (range, joined, link, stray) = match parse(&wrapping.link) {
            Some((joined, link)) => (wrapping.link.clone(), joined, link, None),
            // `href="xhttps://…"`, `href="<https://…>"`: something before the scheme.
            None if origin == Origin::Attribute => {
                let Some(prefix) =
                    malformed_envelope::StrayPrefix::find(decoded, wrapping.link.clone())
                else {
                    return;
                };
                let Some((joined, link)) = parse(&prefix.link) else {
                    return;
                };
                (prefix.link.clone(), joined, link, Some(prefix))
            }
            None => return,
        };
        // In text too: a raw invisible space ends the run before it gets here, and what
        // reaches here (`%20`, `&#8203;`) a mail client's linker takes into the link.
        if !wrapping.is_empty() {
            wrapping.report(&map, &mut self.findings);
        }
        if let Some(stray) = stray {
            stray.report(&map, &mut self.findings, self.href_unquoted);
        }
        self.found_links += 1;
        let trimmed = joined.text.as_ref();
        let site = LinkSite {
            map: &map,
            range,
            text: trimmed,
            gaps: &joined.gaps,
            link: &link,
            origin,
            settings: &self.options.settings,
        };
        // A template token is filled in per recipient: only literal values are secrets.
        let literal = |value: &std::ops::Range<usize>| {
            !value.is_empty() && !is_single_token(&trimmed[value.clone()])
        };
        let secrets: Vec<std::ops::Range<usize>> = link
            .params
            .iter()
            .filter(|param| is_secret_key(site.key(param)))
            .filter_map(|param| param.value.clone())
            .chain(glued_secrets(&site).into_iter().map(|glued| glued.value))
            .chain(link.userinfo_password(trimmed))
            .filter(literal)
            .collect();
        self.secrets
            .extend(secrets.iter().map(|value| site.span(value.clone())));
        let first_finding = self.findings.diagnostics().len();
        check_link(&site, &mut self.findings);
        for diagnostic in self.findings.kept_from(first_finding) {
            keep_secrets_out_of_fix(diagnostic, &site, &secrets);
            mask_quoted_secrets(diagnostic, &site, &secrets);
        }
        // Detection counts the tokens of the whole input (`observe`), these included; an
        // encoded token (DD203) counts as the token it stands for, so that its fix does not
        // change the file's dialect.
        if self.detecting() {
            for (span, token) in crate::rules::encoded_token::decoded_tokens(&site) {
                self.evidence.add(&token);
                if self.first_encoded_token.is_none() && known_dialect(&token).is_some() {
                    self.first_encoded_token = Some(span);
                }
            }
        }
        // A dead link (in a comment, a script): only DD407 speaks about it, its tokens too.
        if !matches!(site.origin, Origin::Inert(_)) {
            self.tokens
                .extend(token_uses(&site, &mut self.findings.strings));
        }
    }

    /// Judge each way an `href` value at `base` is written under a condition (see
    /// [`html::LinkVariant`]): what the variants share is reported once, and a fix that would
    /// edit a part stood in for is not offered.
    fn link_variants(&mut self, variants: &[html::LinkVariant], base: usize) {
        let first_finding = self.findings.diagnostics().len();
        let first_token = self.tokens.len();
        let encoding = self.options.encoding;
        for variant in variants {
            let from = self.findings.diagnostics().len();
            self.link(&variant.text, base, Origin::Attribute, Some(true));
            let blanked: Vec<Span> = variant
                .blanked
                .iter()
                .map(|part| {
                    let start = base
                        + crate::rules::site::encoded_len(encoding, &variant.text[..part.start]);
                    Span::new(start, start + part.len())
                })
                .collect();
            for diagnostic in self.findings.kept_from(from) {
                let touches_blanked = diagnostic.fix.as_ref().is_some_and(|fix| {
                    fix.edits.iter().any(|edit| {
                        blanked
                            .iter()
                            .any(|part| edit.start < part.end && part.start < edit.end)
                    })
                });
                if touches_blanked {
                    diagnostic.fix = None;
                }
            }
        }
        self.findings.drop_repeats_from(first_finding);
        let mut seen = std::collections::HashSet::new();
        let mut index = 0;
        self.tokens.retain(|token| {
            index += 1;
            index <= first_token || seen.insert(token.span)
        });
    }

    /// Take over `<dd-link>` placeholders read by the HTML pass.
    fn add_placeholders(&mut self, placeholders: Vec<Placeholder>) {
        // Taken over whole when there is nothing before them: a large template holds
        // thousands, not to be held twice while they are copied.
        if self.placeholders.is_empty() {
            self.placeholders = placeholders;
        } else {
            self.placeholders.extend(placeholders);
        }
    }

    /// Note the document's line ending from its first line break, which may be split between
    /// chunks: `\n`, `\r\n`, or a lone `\r` (see [`crate::source::is_line_break`]).
    fn observe_newline(&mut self, chunk: &[u8]) {
        if self.newline.is_some() || chunk.is_empty() {
            return;
        }
        if self.newline_held {
            self.newline = Some(if chunk[0] == b'\n' { "\r\n" } else { "\r" });
            return;
        }
        let Some(at) = memchr::memchr2(b'\n', b'\r', chunk) else {
            return;
        };
        self.newline = match (chunk[at], chunk.get(at + 1)) {
            (b'\n', _) => Some("\n"),
            (_, Some(b'\n')) => Some("\r\n"),
            (_, Some(_)) => Some("\r"),
            (_, None) => {
                self.newline_held = true;
                None
            }
        };
    }

    /// The line ending of inserted markup: the document's own, `\n` when it has none.
    fn newline(&self) -> &'static str {
        match self.newline {
            Some(newline) => newline,
            None if self.newline_held => "\r",
            None => "\n",
        }
    }

    /// What a template comment or raw block left open by the texts so far is
    /// (`Liquid raw block`): what stands in it is never a link.
    pub(crate) fn open_template_block(&self) -> Option<&'static str> {
        self.template_block.map(|block| block.what)
    }

    /// Follow the template comments and raw blocks through `text`, the next text of the
    /// document (as written): one left open holds what follows it.
    pub(crate) fn track_template_blocks(&mut self, text: &str) {
        if self.template_block.is_some() || memchr::memchr(b'{', text.as_bytes()).is_some() {
            self.template_block = expand::mustache::block_open_after(self.template_block, text);
        }
    }

    /// Read the `{{deeplink …}}` calls in a text (decoded, with its map to the input) as
    /// placeholders.
    fn mustaches(&mut self, map: &TextMap, context: expand::MustacheContext) {
        let text = map.decoded.as_str();
        if !expand::mustache::may_hold(text) {
            return;
        }
        // A template comment or raw block left open before this text holds its calls up to
        // where it closes (a value, all of them).
        let in_block = self.template_block.map(|block| {
            let end = match context {
                expand::MustacheContext::Attribute(_) => None,
                _ => expand::mustache::block_end(block, text),
            };
            (end.unwrap_or(text.len()), block.what)
        });
        let comments = if text.contains("{{!") || text.contains("{%") {
            expand::mustache::template_comments(text)
        } else {
            Vec::new()
        };
        for call in expand::mustache::find(text) {
            let span = map.span(call.range.clone());
            if let Some((_, what)) = in_block.filter(|&(end, _)| call.range.start < end) {
                self.inert_placeholder(span, what);
                continue;
            }
            if let Some((_, what)) = comments
                .iter()
                .find(|(comment, _)| comment.contains(&call.range.start))
            {
                self.inert_placeholder(span, what);
                continue;
            }
            self.read_placeholders.push(span.start);
            if let Some(problem) = call.problem {
                let (problem, help) = placeholder_problem(problem, context, text, call.range.end);
                crate::rules::invalid_placeholder::report(&mut self.findings, span, problem, help);
                continue;
            }
            if matches!(context, expand::MustacheContext::Attribute(_))
                && text.trim() != &text[call.range.clone()]
            {
                // `href="http://{{deeplink …}}"`: the URL would land inside another one.
                crate::rules::invalid_placeholder::report(
                    &mut self.findings,
                    span,
                    "in an `href`, a `{{deeplink}}` must be the whole value: it renders a whole URL"
                        .to_owned(),
                    "remove what is written around it".to_owned(),
                );
                continue;
            }
            if let Some(joined) = runs_into_text(context, &text[call.range.end..]) {
                // Neither a mail client's autolinker nor ddlink's check would end the link
                // where the URL ends.
                crate::rules::invalid_placeholder::report(
                    &mut self.findings,
                    span,
                    format!("the link would run into the text after it, `{joined}`"),
                    "put a space or a line break after `}}`".to_owned(),
                );
                continue;
            }
            if !call.repeated.is_empty() {
                for (key, at) in &call.repeated {
                    crate::rules::duplicate_param::report_in_placeholder(
                        &mut self.findings,
                        map.span(at.clone()),
                        key,
                    );
                }
                continue;
            }
            let args = call
                .args
                .into_iter()
                .map(|arg| {
                    // The value as written, entities and all: what the mail system reads.
                    let raw = &map.raw[map.raw_offset(arg.value_range.start, false)
                        ..map.raw_offset(arg.value_range.end, true)];
                    expand::Arg {
                        key: self.findings.strings.get(&arg.key),
                        raw_value: self.findings.strings.get(raw),
                        value: self.findings.strings.get(&arg.value),
                        span: map.span(arg.range.clone()),
                        value_span: map.span(arg.value_range.clone()),
                    }
                    .relative_to(span.start)
                })
                .collect();
            let args = self.findings.strings.share_args(args);
            self.placeholders.push(Placeholder::Mustache {
                span,
                context,
                args,
            });
        }
    }

    /// A `{{deeplink` at `span` in inert `context` (a script, a comment): reported, and not
    /// reported again as unread.
    fn inert_placeholder(&mut self, span: Span, context: &'static str) {
        self.read_placeholders.push(span.start);
        crate::rules::link_in_inert_context::report_placeholder(
            &mut self.findings,
            span,
            "{{deeplink}}",
            context,
        );
    }

    /// The `{{deeplink` and `<dd-link` openings in `raw`, the text of an inert `context`:
    /// reported, as the e-mail would show them or hide them, never a link. `offset` places a
    /// byte of `raw` in the input.
    fn inert_placeholders(
        &mut self,
        raw: &str,
        context: &'static str,
        offset: impl Fn(usize) -> usize,
    ) {
        if expand::mustache::may_hold(raw) {
            for (start, opening) in expand::mustache::openings(raw.as_bytes()) {
                let len =
                    expand::mustache::closed_on_its_line(raw.as_bytes(), start).unwrap_or(opening);
                self.inert_placeholder(Span::new(offset(start), offset(start + len)), context);
            }
        }
        for (start, len) in expand::element_openings(raw.as_bytes()) {
            let at = offset(start);
            crate::rules::link_in_inert_context::report_placeholder(
                &mut self.findings,
                Span::new(at, at + len),
                "<dd-link>",
                context,
            );
        }
    }

    /// Report each `{{deeplink` the raw scan saw where no handler read it (an attribute
    /// other than a link's `href`, a script, a comment, an unquoted `href` it does not fit
    /// in): left as it is, the e-mail would show it.
    fn report_unread_placeholders(&mut self) {
        if self.raw_placeholders.is_empty() {
            return;
        }
        self.read_placeholders.sort_unstable();
        for &(start, len) in &self.raw_placeholders {
            let read = self.read_placeholders.binary_search(&start).is_ok()
                || self
                    .covered
                    .iter()
                    .any(|span| span.start <= start && start < span.end);
            if !read {
                crate::rules::invalid_placeholder::report(
                    &mut self.findings,
                    Span::new(start, start + len),
                    "ddlink does not expand a `{{deeplink}}` here".to_owned(),
                    "put it in the quoted `href` of a link (`<a>`, `<mj-button>`, `<v:roundrect>`, …) \
                     or in the text of the e-mail"
                        .to_owned(),
                );
            }
        }
    }

    /// Take over what a nested pass found in a piece of the input that starts at `base`.
    fn merge(&mut self, analysis: Analysis, base: usize) {
        let shift = |span: Span| Span::new(span.start + base, span.end + base);
        for mut diagnostic in analysis.diagnostics {
            diagnostic.span = shift(diagnostic.span);
            diagnostic.move_help_at(|at| at + base);
            if let Some(fix) = &mut diagnostic.fix {
                for edit in &mut fix.edits {
                    edit.start += base;
                    edit.end += base;
                }
            }
            self.findings.push(diagnostic);
        }
        self.secrets.extend(analysis.secrets.into_iter().map(shift));
        self.nested_expandable += analysis.expandable;
        self.unparsable |= analysis.unparsable;
        self.nested_expansions
            .extend(analysis.expansions.into_iter().map(|edit| Edit {
                start: edit.start + base,
                end: edit.end + base,
                ..edit
            }));
    }

    fn finish(mut self, len: usize) -> Analysis {
        self.count_encoded_placeholder_tokens();
        let dialect = self.resolve_dialect();
        let needs = self.findings.take_needs();
        let expand = &self.options.expand;
        self.tokens
            .retain(|u| !expand.is_configured_auth(&u.token, u.key));
        if let (None, Some(Source::Mixed(seen))) = (dialect.dialect, &dialect.source) {
            self.report_mixed_tokens(seen);
        }
        tokens::check(
            &self.tokens,
            &needs,
            &dialect,
            self.options.settings.language,
            expand.email_token.as_deref(),
            &mut self.findings,
        );
        let placeholders = std::mem::take(&mut self.placeholders);
        self.secrets
            .extend(placeholders.iter().flat_map(placeholder_secrets));
        // One edit each, nearly always: room up front rather than copies as the list grows.
        let mut expansions = Vec::with_capacity(if self.options.keep_expansions {
            placeholders.len()
        } else {
            0
        });
        let mut expandable = 0;
        let coverage = suppress::Coverage::new(&self.suppressions, &self.extents);
        let context = expand::Context {
            settings: &self.options.settings,
            expand: &self.options.expand,
            rules: &self.options.rules,
            dialect: &dialect,
            language: self.options.settings.language,
            newline: self.newline(),
            encoding: self.options.encoding,
            suppressed: &|diagnostic| coverage.covers(&self.suppressions, diagnostic),
            edits_wanted: self.options.keep_expansions,
        };
        // Each placeholder is dropped once expanded, and equal expansions share one text: a
        // large template repeats a few placeholders thousands of times.
        for placeholder in placeholders {
            if let Some(edits) = expand::expand(&placeholder, &context, &mut self.findings) {
                if self.options.keep_expansions {
                    let strings = &mut self.findings.strings;
                    expansions.extend(edits.into_iter().map(|edit| Edit {
                        content: strings.share(edit.content),
                        ..edit
                    }));
                }
                expandable += 1;
            }
        }
        expansions.append(&mut self.nested_expansions);
        expandable += self.nested_expandable;
        expansions.sort_by_key(|e| (e.start, e.end));
        self.report_unread_placeholders();
        self.unparsable |= self.findings.unparsable;
        let found = self.findings.take_diagnostics();
        let mut diagnostics =
            suppress::apply(&mut self.suppressions, &coverage, found, &mut self.findings);
        diagnostics.extend(self.findings.into_diagnostics());
        // Unstable (it sorts in place, where a stable sort copies a large document's
        // findings), with the message and help in the key so that the order is still one.
        diagnostics.sort_unstable_by(|a, b| {
            (a.span.start, a.span.end, a.rule.code, a.message(), a.help()).cmp(&(
                b.span.start,
                b.span.end,
                b.rule.code,
                b.message(),
                b.help(),
            ))
        });
        diagnostics.dedup();
        drop_superseded(&mut diagnostics);
        mask_quoted_credentials(&mut diagnostics);
        let unparsable = self.unparsable;
        if unparsable {
            // `fix` leaves such a document untouched (SPEC §6): nothing in it is fixable, nor
            // counted so, and no placeholder in it is expanded.
            for diagnostic in &mut diagnostics {
                diagnostic.fix = None;
            }
            expansions.clear();
            expandable = 0;
        }
        let mut secrets = self.secrets;
        secrets.sort_unstable();
        secrets.dedup();
        if !self.unquoted.is_empty() {
            quote_unquoted(&mut diagnostics, &self.unquoted, &secrets);
        }
        Analysis {
            diagnostics,
            secrets,
            len,
            dialect,
            expansions,
            expandable,
            encoding: self.options.encoding,
            unparsable,
        }
    }
}

/// Masks a credential a finding's message or help quotes (`name=quotes?access_token=…` is read
/// as one command name, and its message names it): secrets are masked in every output, and a
/// message reaches all of them.
fn mask_quoted_credentials(diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        rewrite_text(diagnostic, crate::source::mask_credentials_in_prose);
    }
}

/// A fix that rewrites a link around a secret it keeps (DD501 makes
/// `ddportal://ticketid=5?access_token=…` a V2 link) is cut in two edits, one on each side of
/// the secret, so that its content, which JSON and SARIF show, does not hold the secret: the
/// fix makes the same text. A secret whose bytes the content does not keep as they are (written
/// with a character reference or over a line break) cannot be cut out: such a finding is shown
/// without its fix. DD301 or DD302 on the secret stays, and the fix waits until it is gone.
fn keep_secrets_out_of_fix(
    diagnostic: &mut Diagnostic,
    site: &LinkSite,
    secrets: &[std::ops::Range<usize>],
) {
    let Some(fix) = diagnostic.fix.as_mut() else {
        return;
    };
    for value in secrets {
        let secret = site.str(value.clone());
        let span = site.span(value.clone());
        let holds_secret = |edit: &Edit| {
            edit.start < span.end
                && span.start < edit.end
                && !secret.is_empty()
                && edit.content.contains(secret)
        };
        let Some(index) = fix.edits.iter().position(holds_secret) else {
            continue;
        };
        let edit = &fix.edits[index];
        let mut found = edit.content.match_indices(secret);
        let (Some((at, _)), None) = (found.next(), found.next()) else {
            diagnostic.fix = None;
            return;
        };
        if span.len() != secret.len()
            || site.has_reference_in(value.clone())
            || edit.start > span.start
            || span.end > edit.end
        {
            diagnostic.fix = None;
            return;
        }
        let before = Edit::replace(Span::new(edit.start, span.start), &edit.content[..at]);
        let after = Edit::replace(
            Span::new(span.end, edit.end),
            &edit.content[at + secret.len()..],
        );
        let cut = [before, after]
            .into_iter()
            .filter(|edit| edit.start < edit.end || !edit.content.is_empty());
        let mut edits = std::mem::take(&mut fix.edits).into_vec();
        edits.splice(index..=index, cut);
        fix.edits = edits.into_boxed_slice();
    }
}

/// Masks the link's secrets where a finding's message or help quotes them
/// (`` `5;auth_p%61ssword=hunter2` is not a valid `ticket_id` ``): the words that name a
/// credential in prose ([`mask_quoted_credentials`]) miss a key written otherwise. A secret
/// of one or two characters is left: masking it would mask the message's own words.
fn mask_quoted_secrets(
    diagnostic: &mut Diagnostic,
    site: &LinkSite,
    secrets: &[std::ops::Range<usize>],
) {
    for value in secrets {
        let secret = site.str(value.clone());
        if secret.chars().count() < 3 {
            continue;
        }
        rewrite_text(diagnostic, |text| {
            text.contains(secret)
                .then(|| text.replace(secret, &"*".repeat(secret.len())))
        });
    }
}

/// Gives a finding's message and help as `rewrite` makes them (`None`: unchanged), copying
/// the text shared with other findings only when it changes.
fn rewrite_text(diagnostic: &mut Diagnostic, rewrite: impl Fn(&str) -> Option<String>) {
    let message = rewrite(diagnostic.message());
    let help = diagnostic.help().and_then(&rewrite);
    if message.is_none() && help.is_none() {
        return;
    }
    let text = Arc::make_mut(&mut diagnostic.text);
    if let Some(message) = message {
        text.message = message.into();
    }
    if let Some(help) = help {
        text.help = Some(help.into());
    }
}

/// Where a placeholder holds a credential written out (`auth_token="…"`, `access_token='…'`):
/// masked in every output, as in links. A template token is filled in per recipient.
fn placeholder_secrets(placeholder: &Placeholder) -> impl Iterator<Item = Span> + '_ {
    let base = placeholder.span().start;
    let (Placeholder::Element { args, .. } | Placeholder::Mustache { args, .. }) = placeholder;
    args.iter()
        .filter(|arg| {
            !arg.value.trim().is_empty()
                && !is_single_token(arg.value.trim())
                && is_secret_key(&arg.key)
        })
        .map(move |arg| Span::new(base + arg.value_span.start, base + arg.value_span.end))
}

/// The rules whose findings `winner` supersedes where the two overlap (SPEC §4: where two
/// rules would fire on one defect, the more specific one wins). A token that is
/// percent-encoded or a ticket number is not also an unknown token; a value misread because
/// of white space or of a bare `&` that starts a character reference (`&copy`, `&quot`: an
/// error) is not also an unknown command, parameter, action, state or value. A ticket link
/// without `ticket_id` in a file of unknown dialect is that (DD205), not also DD103.
fn superseded_by(winner: &Diagnostic) -> &'static [&'static str] {
    const MISREAD: &[&str] = &["DD101", "DD104", "DD106", "DD107", "DD108"];
    match winner.rule.code {
        "DD201" | "DD202" | "DD203" => &["DD204"],
        "DD205" => &["DD103"],
        // `/portal/deeplink&name=…`: the `&` is the query's lost `?`, not an ampersand to
        // escape; an empty parameter's `&` (a trailing `&`, `&&`, DD110) goes as well.
        "DD112" | "DD110" => &["DD401"],
        "DD401" | "DD402" if winner.misread => MISREAD,
        _ => &[],
    }
}

/// The text that a URL rendered in text `context` just before `after` would take in (up to
/// a few characters of it), if any: a `{{deeplink}}` written hard against a word, as text in
/// languages written without spaces is (`こちら{{deeplink …}}からご確認ください`).
fn runs_into_text(context: expand::MustacheContext, after: &str) -> Option<String> {
    const URL: &str = "https://x/";
    if matches!(context, expand::MustacheContext::Attribute(_)) {
        return None;
    }
    let after = after_silent_tags(after);
    // Up to the first white space (a no-break space too, which ends a link in text as
    // `&nbsp;` does), and a few characters at most.
    // A template tag that starts it (`{% else %}No`) is shown whole, with the word after it.
    let tag_end = ["{%", "{{"]
        .iter()
        .zip(["%}", "}}"])
        .find(|(open, _)| after.starts_with(**open))
        .and_then(|(_, close)| after.find(close).map(|at| at + close.len()))
        .unwrap_or(0);
    let word = after[tag_end..]
        .find(char::is_whitespace)
        .map_or(after.len(), |at| tag_end + at);
    let shown = after[tag_end..word]
        .char_indices()
        .nth(12)
        .map_or(word, |(at, _)| tag_end + at);
    let probe = format!("{URL}{}", &after[..shown]);
    let run = scan::links(&probe).into_iter().next()?;
    let joined = &probe[URL.len()..run.end.max(URL.len())];
    (!joined.is_empty()).then(|| joined.to_owned())
}

/// After a link in text: the template tags at the start of `after` that render nothing and
/// take out the white space after them (`{%- endif -%} Thanks`), as their length in `after`,
/// and the word the mail then joins to the link.
fn trimmed_into_text(after: &str) -> Option<(usize, String)> {
    if !after.starts_with("{%") && !after.starts_with("{{") {
        return None;
    }
    let joined = runs_into_text(expand::MustacheContext::PlainText, after)?;
    let rest = after_silent_tags(after);
    let tags = after[..after.len() - rest.len()].trim_end().len();
    // `{% else %}No` is no tag that renders nothing: `runs_into_text` shows it, and a link
    // in text takes it in, so it is not after the link.
    (tags > 0).then_some((tags, joined))
}

/// `text` after the template tags at its start that render no text of their own:
/// `{{deeplink …}}{% endif %}` or `{{/if}}` ends the link where the call ends, unless text
/// follows the tag (or follows the white space a `-%}` or `~}}` takes out). An `else` is no
/// such tag: the text after it would be read as the link's
/// (in a link, `action={% if a %}approve{% else %}decline{% endif %}` is one value).
fn after_silent_tags(mut text: &str) -> &str {
    let is_else = |inner: &str| {
        ["else", "elsif", "when"].iter().any(|word| {
            inner
                .strip_prefix(word)
                .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
        })
    };
    loop {
        let (close, silent) = if let Some(inner) = text.strip_prefix("{%") {
            ("%}", !is_else(inner.trim_start_matches('-').trim_start()))
        } else if text.starts_with("{{") {
            (
                "}}",
                crate::command::token::handlebars_renders_no_text(text),
            )
        } else {
            return text;
        };
        let Some(end) = text.find(close).filter(|_| silent) else {
            return text;
        };
        // `{%- endif -%}`, `{{/if~}}`: the white space after the tag goes too.
        let trims = text[..end].ends_with(['-', '~']);
        text = &text[end + close.len()..];
        if trims {
            text = text.trim_start();
        }
    }
}

/// Drop the findings another one supersedes where they overlap (`diagnostics` sorted by
/// position: findings on one link are neighbours, so a few on each side are looked at).
fn drop_superseded(diagnostics: &mut Vec<Diagnostic>) {
    const NEIGHBOURS: usize = 16;
    let overlap = |a: &Diagnostic, b: &Diagnostic| {
        a.span.start < b.span.end.max(b.span.start + 1)
            && b.span.start < a.span.end.max(a.span.start + 1)
    };
    let mut dropped = vec![false; diagnostics.len()];
    for i in 0..diagnostics.len() {
        // Most findings supersede nothing (a large template has tens of thousands of
        // bare-`&` warnings): only the others look around.
        let losers = superseded_by(&diagnostics[i]);
        if losers.is_empty() {
            continue;
        }
        let around = i.saturating_sub(NEIGHBOURS)..(i + NEIGHBOURS + 1).min(diagnostics.len());
        let mut heaviest: Option<usize> = None;
        for j in around {
            let (winner, loser) = (&diagnostics[i], &diagnostics[j]);
            if j != i && losers.contains(&loser.rule.code) && overlap(winner, loser) {
                dropped[j] = true;
                if heaviest.is_none_or(|h| loser.severity > diagnostics[h].severity) {
                    heaviest = Some(j);
                }
            }
        }
        // One defect, said once, but as seriously as the finding it stands for: a space
        // that breaks `action=ap prove` is a broken link (DD106, an error), not only white
        // space (DD402, a warning), and a run must fail on it.
        if let Some(h) = heaviest
            && diagnostics[h].severity > diagnostics[i].severity
        {
            let (severity, said) = (diagnostics[h].severity, diagnostics[h].message().to_owned());
            let winner = &mut diagnostics[i];
            winner.severity = severity;
            if winner.misread {
                let help = match winner.help() {
                    Some(help) => format!("{help} (as written, {said})"),
                    None => format!("as written, {said}"),
                };
                winner.set_help(help);
            }
        }
    }
    if dropped.contains(&true) {
        let mut index = 0;
        diagnostics.retain(|_| {
            index += 1;
            !dropped[index - 1]
        });
    }
}

/// What to say of a `{{deeplink …}}` call that could not be read (`problem`), ending at
/// `call_end` in `text`, and the help.
fn placeholder_problem(
    problem: String,
    context: expand::MustacheContext,
    text: &str,
    call_end: usize,
) -> (String, String) {
    match context {
        // `href="{{deeplink name="quotes"}}"`: the value ends at the `"` after `name=` (or
        // before an argument, `{{deeplink "quotes"}}`), and the call seems not to be closed.
        expand::MustacheContext::Attribute(Some(quote))
            if call_end == text.len()
                && (text.trim_end().ends_with('=') || text.ends_with(char::is_whitespace)) =>
        {
            let quote = char::from(quote);
            let other = if quote == '"' { '\'' } else { '"' };
            (
                format!(
                    "this `{{{{deeplink` holds the `{quote}` the attribute is written in, which ends the attribute before `}}}}`"
                ),
                format!(
                    "quote the placeholder's values with `{other}` inside a `{quote}`-quoted attribute: `{{{{deeplink name={other}ticket{other} action={other}close{other}}}}}`"
                ),
            )
        }
        _ => (
            problem,
            "write the call as `{{deeplink key='value' …}}`, every value quoted".to_owned(),
        ),
    }
}

/// Bytes that end an unquoted attribute value or are not allowed in one (HTML's
/// unquoted-attribute-value state).
fn breaks_unquoted(content: &str) -> bool {
    content.bytes().any(|b| {
        matches!(
            b,
            b' ' | b'\t' | b'\n' | b'\x0c' | b'\r' | b'"' | b'\'' | b'=' | b'<' | b'>' | b'`'
        )
    })
}

/// Make every fix that would break an unquoted attribute value (`href=…`) rewrite the whole
/// value, double-quoted: `ticket_id=[Ticket: ID]` written unquoted would end the value at
/// its space. `diagnostics` and `unquoted` are sorted by position. Two such fixes on one
/// value now overlap, so a `fix` round applies one and the next round the other (by then
/// the value is quoted). A secret the value keeps is cut out of the edit, as
/// `keep_secrets_out_of_fix` cuts it out of a link's fixes: JSON and SARIF show the edit.
fn quote_unquoted(diagnostics: &mut [Diagnostic], unquoted: &[(Span, String)], secrets: &[Span]) {
    for diagnostic in diagnostics {
        let Some(fix) = &mut diagnostic.fix else {
            continue;
        };
        let (Some(first), Some(last)) = (fix.edits.first(), fix.edits.last()) else {
            continue;
        };
        let at = unquoted.partition_point(|(span, _)| span.end < first.start);
        let Some((span, raw)) = unquoted.get(at) else {
            continue;
        };
        // `raw` is decoded text: it stands for the source byte for byte only when it has
        // the same length (an ASCII value, as links are).
        let inside = span.start <= first.start && last.end <= span.end && raw.len() == span.len();
        if !inside || !fix.edits.iter().any(|edit| breaks_unquoted(&edit.content)) {
            continue;
        }
        // A fix that puts the value in quotes itself (DD112's `&quot;…&quot;` → `"…"`).
        let quotes_itself = fix.edits.len() >= 2
            && (first.start, &*first.content) == (span.start, "\"")
            && (last.end, &*last.content) == (span.end, "\"")
            && !fix.edits[1..fix.edits.len() - 1]
                .iter()
                .any(|edit| breaks_unquoted(&edit.content));
        if quotes_itself {
            continue;
        }
        let mut edits: Vec<&Edit> = fix.edits.iter().collect();
        edits.sort_by_key(|edit| (edit.start, edit.end));
        let mut value = String::with_capacity(raw.len() + 32);
        // Where each run of the value copied from the source starts, in the source and in
        // `value`, and its length.
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        let mut copied = span.start;
        for edit in edits {
            kept.push((copied, value.len(), edit.start - copied));
            value.push_str(&raw[copied - span.start..edit.start - span.start]);
            value.push_str(&edit.content);
            copied = edit.end;
        }
        kept.push((copied, value.len(), span.end - copied));
        value.push_str(&raw[copied - span.start..]);
        let escaped = value.replace('"', "&quot;");
        let quoted = format!("\"{escaped}\"");
        let inside: Vec<Span> = secrets
            .iter()
            .filter(|secret| span.start <= secret.start && secret.end <= span.end)
            .copied()
            .collect();
        if inside.is_empty() {
            fix.edits = vec![Edit::replace(*span, quoted)].into_boxed_slice();
            continue;
        }
        // Each secret, where the quoted value holds it as the source does.
        let moved: Option<Vec<(Span, usize)>> = inside
            .iter()
            .map(|secret| {
                let &(from, to, len) = kept
                    .iter()
                    .find(|&&(from, _, len)| from <= secret.start && secret.end <= from + len)?;
                debug_assert!(len >= secret.len());
                // `"` escaped before it moves what follows: the offsets no longer hold.
                (escaped.len() == value.len()).then_some((*secret, 1 + to + secret.start - from))
            })
            .collect();
        let Some(moved) = moved else {
            diagnostic.fix = None;
            continue;
        };
        // Secrets may overlap (`auth_token=b?auth_token=c`: the first value runs over the
        // second key), and the cut below goes along the value once: each run of them is cut
        // out whole.
        let Some(moved) = disjoint_secrets(moved) else {
            diagnostic.fix = None;
            continue;
        };
        let mut cut = Vec::with_capacity(moved.len() + 1);
        let (mut source, mut at) = (span.start, 0);
        for (secret, offset) in moved {
            cut.push(Edit::replace(
                Span::new(source, secret.start),
                &quoted[at..offset],
            ));
            source = secret.end;
            at = offset + secret.len();
        }
        cut.push(Edit::replace(Span::new(source, span.end), &quoted[at..]));
        fix.edits = cut
            .into_iter()
            .filter(|edit| edit.start < edit.end || !edit.content.is_empty())
            .collect();
    }
}

/// Secrets in a value (each with where it stands in the value rewritten), sorted and those
/// that overlap joined; `None` if two that overlap are not moved alike (an edit between).
fn disjoint_secrets(mut moved: Vec<(Span, usize)>) -> Option<Vec<(Span, usize)>> {
    moved.sort_unstable_by_key(|(secret, _)| (secret.start, secret.end));
    let mut joined: Vec<(Span, usize)> = Vec::with_capacity(moved.len());
    for (secret, at) in moved {
        match joined.last_mut() {
            Some((last, last_at)) if secret.start < last.end => {
                if at - *last_at != secret.start - last.start {
                    return None;
                }
                last.end = last.end.max(secret.end);
            }
            _ => joined.push((secret, at)),
        }
    }
    Some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_by_extension() {
        for (path, kind) in [
            ("a/ticket.html", FileKind::Html),
            ("ticket", FileKind::Html),
            ("ticket.liquid", FileKind::Html),
            ("reminder.TXT", FileKind::PlainText),
            ("reminder.txt.liquid", FileKind::PlainText),
            ("reminder.txt.hbs", FileKind::PlainText),
            ("ticket.mjml", FileKind::Mjml),
            ("ticket.mjml.hbs", FileKind::Mjml),
            ("ticket.txt.html", FileKind::Html),
            (".liquid", FileKind::Html),
        ] {
            assert_eq!(FileKind::from_path(Path::new(path)), kind, "{path}");
        }
    }

    /// Gives `data`, then fails where it would end.
    struct FailingAtEnd(io::Cursor<Vec<u8>>);

    impl Read for FailingAtEnd {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buffer)? {
                0 if !buffer.is_empty() => Err(io::Error::other("the disk went away")),
                read => Ok(read),
            }
        }
    }

    impl Seek for FailingAtEnd {
        fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
            self.0.seek(position)
        }
    }

    #[test]
    fn equal_expansions_share_one_text() {
        let placeholder =
            "<p><dd-link name=\"ticket\" ticket_id=\"7\" client=\"desktop\">Open</dd-link></p>\n";
        let other =
            "<p><dd-link name=\"ticket\" ticket_id=\"8\" client=\"desktop\">Open</dd-link></p>\n";
        let document = [placeholder, other, placeholder].concat();
        let analysis = Rewriter::default().check_bytes(document.as_bytes());
        let starts: Vec<&Arc<str>> = analysis
            .expansions
            .iter()
            .filter(|edit| edit.content.starts_with("<a "))
            .map(|edit| &edit.content)
            .collect();
        assert_eq!(starts.len(), 3, "{:?}", analysis.expansions);
        assert!(Arc::ptr_eq(starts[0], starts[2]));
        assert_ne!(starts[0], starts[1]);
    }

    /// A limit below what the parser allocates up front would fail every document at its
    /// first byte (or, in a debug build, fail an assertion in the parser).
    #[test]
    fn a_tiny_memory_limit_is_raised_to_the_least_that_parses() {
        let rewriter = Rewriter::new(RewriterOptions {
            max_memory: 1000,
            ..RewriterOptions::default()
        });
        let analysis = rewriter.check_bytes(b"<p>hi</p>");
        assert!(
            analysis.diagnostics.is_empty(),
            "{:?}",
            analysis.diagnostics
        );
    }

    #[test]
    fn a_document_in_an_encoding_that_is_not_ascii_compatible_is_not_read() {
        let document: Vec<u8> = "<a href=\"ddportal://name=quotes\">x</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        for encoding in [encoding_rs::UTF_16LE, encoding_rs::ISO_2022_JP] {
            let rewriter = Rewriter::new(RewriterOptions {
                encoding,
                ..RewriterOptions::default()
            });
            let analysis = rewriter.check_bytes(&document);
            let found: Vec<(&str, &str)> = analysis
                .diagnostics
                .iter()
                .map(|d| (d.rule.code, d.message()))
                .collect();
            let message = format!("{} is an unsupported encoding", encoding.name());
            assert_eq!(found, [("DD602", message.as_str())]);
            assert!(analysis.unparsable);
            let fixed = rewriter.fix_bytes(&document, true);
            assert!(!fixed.changed && fixed.output == document);
        }
    }

    /// A fix expands placeholders, though the options say to keep no expansion.
    #[test]
    fn a_fix_expands_whatever_keep_expansions_says() {
        let rewriter = Rewriter::new(RewriterOptions {
            keep_expansions: false,
            ..RewriterOptions::default()
        });
        let document = b"<p><dd-link name=\"quotes\" client=\"desktop\">Quotes</dd-link></p>\n";
        let fixed = rewriter.fix_bytes(document, false);
        assert_eq!(fixed.expanded, 1);
        let output = String::from_utf8(fixed.output).unwrap();
        assert!(
            output.contains("href=\"ddportal://name=quotes\""),
            "{output}"
        );
        assert!(!output.contains("dd-link"), "{output}");
    }

    #[test]
    fn a_read_error_is_returned_whoever_reads() {
        // Several of the reading thread's batches.
        let document = "<p><a href=\"https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=1\">Open</a></p>\n"
            .repeat(10_000);
        for raw_thread_from in [0, usize::MAX] {
            let rewriter = Rewriter::new(RewriterOptions {
                raw_thread_from,
                ..RewriterOptions::default()
            });
            let input = FailingAtEnd(io::Cursor::new(document.clone().into_bytes()));
            let error = rewriter.check_seekable(input).unwrap_err();
            assert_eq!(error.to_string(), "the disk went away", "{raw_thread_from}");
            let whole = rewriter.check_seekable(io::Cursor::new(document.as_bytes()));
            assert!(whole.unwrap().diagnostics.is_empty(), "{raw_thread_from}");
        }
    }
}
