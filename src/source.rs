//! From byte spans to what people read: 1-based lines and columns, and source excerpts.
//!
//! The pipeline streams and keeps no copy of the document, so positions are resolved
//! afterwards in one more streaming read, line by line, holding only the lines that excerpts
//! need. Credentials are masked in excerpts before anything can print them.

use std::io::{self, BufRead};

use crate::diagnostic::Span;

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Whether `byte` ends a line. Lines end as HTML ends them: at `\r\n`, at a lone `\r` (as
/// classic Mac editors write them) and at `\n`. Every notion of a line (positions, excerpts,
/// the line a suppression comment covers, the line ending a fix writes) goes by this, so that
/// they agree on every file.
pub fn is_line_break(byte: u8) -> bool {
    matches!(byte, b'\n' | b'\r')
}

/// Where the line that holds offset `at` of `bytes` starts.
pub fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |i| i + 1)
}

/// How many spaces and tabs end `bytes`.
pub fn trailing_blanks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// How many spaces and tabs start `bytes`.
pub fn leading_blanks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Where the line that holds offset `from` of `bytes` ends: at its line break, or at the end.
pub fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |i| from + i)
}

/// Where the complete lines of a streamed `chunk` stop: just after its last line break known
/// whole. A `\r` that ends the chunk may be the first half of a `\r\n`, so it waits for the
/// next chunk; `previous`, the byte before the chunk, is such a `\r` when it waited, and ends
/// a line of its own (`Some(0)`) unless the chunk goes on with `\n`.
pub fn complete_lines(previous: Option<u8>, chunk: &[u8]) -> Option<usize> {
    let known = chunk.strip_suffix(b"\r").unwrap_or(chunk);
    match memchr::memrchr2(b'\n', b'\r', known) {
        Some(at) => Some(at + 1),
        None => (previous == Some(b'\r') && !chunk.is_empty()).then_some(0),
    }
}

/// How many line breaks `bytes` holds, a `\r\n` counting once. `bytes` must not end with a
/// `\r` whose `\n` comes after them (see [`complete_lines`]). Two `memchr` passes: as fast
/// as counting `\n` alone on a file without lone `\r`.
fn count_line_breaks(bytes: &[u8]) -> usize {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let lone_returns = memchr::memchr_iter(b'\r', bytes)
        .filter(|&at| bytes.get(at + 1) != Some(&b'\n'))
        .count();
    newlines + lone_returns
}

/// Read the next line of `input`, with its line break, onto `line`; how many bytes it has (0
/// at the end of the input). The two bytes of a `\r\n` may come in two reads of the buffer.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<usize> {
    let before = line.len();
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            break;
        }
        let Some(at) = memchr::memchr2(b'\n', b'\r', buffer) else {
            let len = buffer.len();
            line.extend_from_slice(buffer);
            input.consume(len);
            continue;
        };
        let cr = buffer[at] == b'\r';
        line.extend_from_slice(&buffer[..=at]);
        input.consume(at + 1);
        if cr && input.fill_buf()?.first() == Some(&b'\n') {
            line.push(b'\n');
            input.consume(1);
        }
        break;
    }
    Ok(line.len() - before)
}

/// The lines around a span, as text, with where they start.
///
/// A line longer than [`LONG_LINE`] bytes is not kept whole: a minified template holds a whole
/// document on one line, and thousands of findings on it would each keep a copy. The span's
/// first line is then cut to [`KEEP`] bytes on either side of the span's start, and a long
/// line of context, or a long line that the span goes on into, is left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The lines as text, credentials masked. In UTF-8 documents invalid bytes are replaced
    /// byte for byte with `?`, so that offsets into `text` are offsets into the input.
    pub text: String,
    /// Input offset of the excerpt's first byte.
    pub offset: usize,
    /// 1-based number of the excerpt's first line.
    pub first_line: usize,
    /// Characters of the first line left out before `text`, when that line was cut.
    pub columns_before: usize,
    /// Whether the first line was cut short before its end.
    pub cut_after: bool,
    /// Whether anything was cut or left out: then only the span's first line is worth showing.
    pub shortened: bool,
    /// The lines' bytes, credentials masked.
    bytes: Vec<u8>,
    encoding: Option<&'static encoding_rs::Encoding>,
}

impl Excerpt {
    /// The position in `text` of an input offset inside the excerpt.
    pub fn text_offset(&self, input_offset: usize) -> usize {
        let within = input_offset
            .saturating_sub(self.offset)
            .min(self.bytes.len());
        match self.encoding {
            None => within.min(self.text.len()),
            Some(encoding) => encoding
                .decode_without_bom_handling(&self.bytes[..within])
                .0
                .len(),
        }
    }
}

/// A span resolved against the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Located {
    pub start: Position,
    pub end: Position,
    /// Present when excerpts were asked for (boxed: a large template's tens of thousands of
    /// findings are located without them, in half the memory).
    pub excerpt: Option<Box<Excerpt>>,
}

/// Lines of context shown before and after a span.
const CONTEXT_LINES: usize = 1;

/// Lines longer than this many bytes are cut or left out of excerpts.
pub const LONG_LINE: usize = 2048;
/// Bytes of a long line kept on either side of a span's start (before a character boundary).
pub const KEEP: usize = 1024;

/// One request being served: which span, how far along.
struct Request {
    index: usize,
    span: Span,
    start: Option<Position>,
    excerpt: Vec<u8>,
    excerpt_offset: usize,
    excerpt_line: usize,
    /// Lines still to add after the span's last line.
    trailing: Option<usize>,
    /// The part of a long first line to keep, line-relative, until columns place its ends.
    window: Option<(usize, usize)>,
    columns_before: usize,
    cut_after: bool,
    /// Something was cut or left out.
    shortened: bool,
    /// No more lines are added: the first line was cut, or a long line was reached.
    frozen: bool,
}

impl Request {
    fn new(index: usize, span: Span, line_number: usize, line_start: usize) -> Self {
        Request {
            index,
            span,
            start: Some(Position {
                line: line_number,
                column: 0,
            }),
            excerpt: Vec::new(),
            excerpt_offset: line_start,
            excerpt_line: line_number,
            trailing: None,
            window: None,
            columns_before: 0,
            cut_after: false,
            shortened: false,
            frozen: false,
        }
    }

    /// Begin the excerpt on the span's first line: after the line before, as context, or on a
    /// long line a window around the span, whose ends are placed with the columns (this
    /// request is `active[at]`).
    fn begin_excerpt(
        &mut self,
        line: &[u8],
        previous: &[u8],
        column_bytes: usize,
        at: usize,
        columns_wanted: &mut Vec<(usize, Column)>,
    ) {
        if line.len() > LONG_LINE {
            let from = column_bytes.saturating_sub(KEEP);
            let to = (column_bytes + KEEP).min(line.len());
            columns_wanted.push((from, Column::WindowStart(at)));
            columns_wanted.push((to, Column::WindowEnd(at)));
            self.window = Some((from, to));
            self.shortened = true;
            self.frozen = true;
        } else if self.excerpt_line > 1 && CONTEXT_LINES > 0 {
            if previous.len() > LONG_LINE {
                self.shortened = true;
            } else {
                self.excerpt.extend_from_slice(previous);
                self.excerpt_offset -= previous.len();
                self.excerpt_line -= 1;
            }
        }
    }

    /// Keep the window of its first line, now that its ends are placed.
    fn cut_window(&mut self, line: &[u8], line_start: usize) {
        if let Some((from, to)) = self.window.take() {
            self.excerpt = line[from..to].to_vec();
            self.excerpt_offset = line_start + from;
            self.cut_after = to < line.len() - line_ending(line);
        }
    }
}

/// A column to count on the line being read: an active request's start or end.
#[derive(Clone, Copy)]
enum Column {
    Start(usize),
    End(usize),
    /// The ends of an active request's window on a long line.
    WindowStart(usize),
    WindowEnd(usize),
}

/// Resolve every span against the source read from `input`. With `excerpts`, each result
/// carries the span's lines with one line of context, and `secrets` are masked in them.
pub fn locate<R: BufRead>(
    input: R,
    spans: &[Span],
    secrets: &[Span],
    excerpts: bool,
) -> io::Result<Vec<Located>> {
    locate_in(input, spans, secrets, excerpts, encoding_rs::UTF_8)
}

/// [`locate`] for a document in `encoding` (columns count its characters).
pub fn locate_in<R: BufRead>(
    mut input: R,
    spans: &[Span],
    secrets: &[Span],
    excerpts: bool,
    encoding: &'static encoding_rs::Encoding,
) -> io::Result<Vec<Located>> {
    let mut results = vec![Located::default(); spans.len()];
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i].start);
    let mut waiting = order.into_iter().peekable();
    let mut active: Vec<Request> = Vec::new();
    let secrets = if excerpts {
        disjoint(secrets)
    } else {
        Vec::new()
    };

    let mut columns_wanted: Vec<(usize, Column)> = Vec::new();
    let mut line = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    let mut line_start = 0;
    let mut line_number = 1;
    loop {
        if active.is_empty() {
            let Some(&next) = waiting.peek() else {
                // Every span is placed: the rest of the input is not needed.
                break;
            };
            if !excerpts {
                // Whole lines before the next span are counted, not copied.
                let limit = spans[next].start.saturating_sub(line_start);
                let (lines, bytes) = skip_lines_before(&mut input, limit)?;
                line_number += lines;
                line_start += bytes;
            }
        }
        line.clear();
        let read = read_line(&mut input, &mut line)?;
        let at_end = read == 0;
        let line_end = line_start + line.len();

        // Columns are counted once all of this line's are known, in one pass along it: a
        // minified template holds thousands of findings on one line.
        columns_wanted.clear();

        // Spans that start on this line (or at the very end of the input).
        while let Some(&index) = waiting.peek() {
            let span = spans[index];
            let starts_here = span.start < line_end
                || (at_end && span.start >= line_start)
                || (span.start == line_end && line_ending(&line) == 0);
            if !starts_here {
                break;
            }
            waiting.next();
            let column_bytes = span.start.saturating_sub(line_start).min(line.len());
            columns_wanted.push((column_bytes, Column::Start(active.len())));
            let mut request = Request::new(index, span, line_number, line_start);
            if excerpts {
                let at = active.len();
                request.begin_excerpt(&line, &previous, column_bytes, at, &mut columns_wanted);
            }
            active.push(request);
        }

        // Every active span takes this line; those whose end is on it finish.
        for (at, request) in active.iter_mut().enumerate() {
            if excerpts && !request.frozen {
                if line.len() > LONG_LINE {
                    request.shortened = true;
                    request.frozen = true;
                } else {
                    request.excerpt.extend_from_slice(&line);
                }
            }
            if request.trailing.is_none() && (request.span.end <= line_end || at_end) {
                let end_column = request.span.end.saturating_sub(line_start).min(line.len());
                columns_wanted.push((end_column, Column::End(at)));
                results[request.index].end.line = line_number;
                request.trailing = Some(
                    if excerpts && !request.frozen && line_ending(&request.excerpt) > 0 {
                        CONTEXT_LINES
                    } else {
                        0
                    },
                );
            } else if let Some(trailing) = &mut request.trailing {
                *trailing = trailing.saturating_sub(1);
            }
        }
        let mut columns = Columns::new(&line, line_start, encoding);
        set_columns(&mut columns, &mut columns_wanted, &mut active, &mut results);
        for request in &mut active {
            request.cut_window(&line, line_start);
        }
        let (done, still): (Vec<Request>, Vec<Request>) = active
            .into_iter()
            .partition(|r| r.trailing == Some(0) || at_end);
        active = still;
        for request in done {
            let result = &mut results[request.index];
            result.start = request.start.unwrap_or_default();
            if excerpts {
                result.excerpt = Some(Box::new(excerpt(request, &secrets, encoding)));
            }
        }

        if at_end {
            break;
        }
        if line_ending(&line) > 0 {
            line_number += 1;
        }
        line_start = line_end;
        std::mem::swap(&mut previous, &mut line);
    }
    Ok(results)
}

/// Give the active requests the columns wanted on the line `columns` counts along.
fn set_columns(
    columns: &mut Columns,
    wanted: &mut [(usize, Column)],
    active: &mut [Request],
    results: &mut [Located],
) {
    wanted.sort_unstable_by_key(|&(bytes, _)| bytes);
    for &(bytes, column) in &*wanted {
        match column {
            Column::Start(request) => {
                let at = columns.at(bytes) + 1;
                if let Some(start) = &mut active[request].start {
                    start.column = at;
                }
            }
            Column::End(request) => {
                results[active[request].index].end.column = columns.at(bytes) + 1;
            }
            Column::WindowStart(request) => {
                let (boundary, chars) = columns.boundary(bytes);
                if let Some(window) = &mut active[request].window {
                    window.0 = boundary;
                }
                active[request].columns_before = chars;
            }
            Column::WindowEnd(request) => {
                let (boundary, _) = columns.boundary(bytes);
                if let Some(window) = &mut active[request].window {
                    window.1 = boundary.max(window.0);
                }
            }
        }
    }
}

/// Consume the complete lines of `input` that end before `limit` bytes from here: how many
/// lines, and how many bytes.
fn skip_lines_before(input: &mut impl BufRead, mut limit: usize) -> io::Result<(usize, usize)> {
    let (mut lines, mut bytes) = (0, 0);
    loop {
        let buffer = input.fill_buf()?;
        let window = &buffer[..buffer.len().min(limit)];
        // What was consumed ends with a whole line break: no `\r` waits for its `\n`.
        let Some(end) = complete_lines(None, window) else {
            return Ok((lines, bytes));
        };
        lines += count_line_breaks(&window[..end]);
        bytes += end;
        limit -= end;
        input.consume(end);
    }
}

/// The spans sorted, with those that overlap or touch merged: each excerpt then finds the
/// few it holds by bisection (a template may hold thousands of credentials and of findings).
fn disjoint(spans: &[Span]) -> Vec<Span> {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable_by_key(|span| span.start);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Every byte of `secret` written as `*`, but for line breaks: what is masked keeps its lines
/// (after invalid bytes, the rest of the file), so that an excerpt shows the lines around its
/// finding and a diff's lines are the file's.
pub fn mask(secret: &mut [u8]) {
    for byte in secret
        .iter_mut()
        .filter(|byte| !matches!(byte, b'\n' | b'\r'))
    {
        *byte = b'*';
    }
}

/// The excerpt of a finished request, `secrets` (sorted and disjoint) masked.
fn excerpt(
    request: Request,
    secrets: &[Span],
    encoding: &'static encoding_rs::Encoding,
) -> Excerpt {
    let mut bytes = request.excerpt;
    let offset = request.excerpt_offset;
    let first = secrets.partition_point(|secret| secret.end <= offset);
    let end = offset + bytes.len();
    for secret in secrets[first..]
        .iter()
        .take_while(|secret| secret.start < end)
    {
        let from = secret.start.max(offset) - offset;
        let to = secret.end.min(end) - offset;
        mask(&mut bytes[from..to]);
    }
    mask_credential_values(&mut bytes);
    let (text, encoding) = if encoding == encoding_rs::UTF_8 {
        (lossless_text(bytes.clone()), None)
    } else {
        (
            encoding.decode_without_bom_handling(&bytes).0.into_owned(),
            Some(encoding),
        )
    };
    Excerpt {
        text,
        offset,
        first_line: request.excerpt_line,
        columns_before: request.columns_before,
        cut_after: request.cut_after,
        shortened: request.shortened,
        bytes,
        encoding,
    }
}

/// Mask, in text about to be shown, the value after each credential key written anywhere in
/// it (`auth_password=…` in any case, `access_token=…`): in a link ddlink reads its secrets
/// are masked already, but an excerpt's lines also hold links it does not read (an
/// `<img src>`, a `data-` attribute, prose). A template token (`[gtoken]`, `{{ Token }}`,
/// `%5Bgtoken%5D`) is no secret and stays, as in links.
pub fn mask_credential_values(bytes: &mut [u8]) {
    mask_values_until(bytes, |b| {
        b.is_ascii_whitespace() || matches!(b, b'&' | b'#' | b'"' | b'\'' | b'<' | b'>')
    });
}

/// `text`, a finding's message or help, with the value after each credential key masked as
/// in [`mask_credential_values`] (a value quoted in a message ends at its backtick as well);
/// `None` when it holds none. A message quotes what it is about: `the portal reads
/// \`quotes?access_token=…\` as the command`.
pub fn mask_credentials_in_prose(text: &str) -> Option<String> {
    if !text.contains('=') && !text.contains("%3D") && !text.contains("%3d") {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    mask_values_until(&mut bytes, |b| {
        b.is_ascii_whitespace() || matches!(b, b'&' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`')
    });
    // Only whole runs between ASCII delimiters become `*`, so the text stays UTF-8.
    let masked = String::from_utf8(bytes).ok()?;
    (masked != text).then_some(masked)
}

/// The lengths of the end of a run of key letters that is read as a credential's key glued to
/// what stands before it: `token` is the shortest word for one, `auth_password` with a letter
/// too many the longest.
const GLUED_KEY_MIN: usize = 5;
const GLUED_KEY_MAX: usize = 14;

fn mask_values_until(bytes: &mut [u8], ends: impl Fn(u8) -> bool) {
    // `=`, or `%3D` as an editor writes it (`auth_password%3D…`).
    let equals_len = |rest: &[u8]| match rest {
        [b'=', ..] => Some(1),
        [b'%', b'3', d, ..] if d.eq_ignore_ascii_case(&b'd') => Some(3),
        _ => None,
    };
    // Beside the credential parameters, the words a credential is most often written under
    // in a link the portal does not read (DD301 and DD104 name them), also glued to what is
    // before them (`&amp;amp;auth_password=`).
    let words = ["password", "passwd", "pwd", "token"];
    for key in crate::command::spec::SECRET_KEYS.iter().chain(&words) {
        let key = key.as_bytes();
        let mut from = 0;
        while let Some((found, equals)) = bytes[from..]
            .windows(key.len())
            .enumerate()
            .filter(|(_, w)| w.eq_ignore_ascii_case(key))
            .find_map(|(at, _)| Some((at, equals_len(&bytes[from + at + key.len()..])?)))
        {
            let start = from + found + key.len() + equals;
            from = mask_value(bytes, start, equals, &ends);
        }
    }
    // Any other key that reads as a credential's, as in a link ddlink checks: a near miss
    // (`auth_tokn=`, `auth_pasword=`) or another name for one (`api_key=`), in a link it
    // does not read (an `<img src>`, a comment's link with `&#38;`).
    let mut at = 0;
    while let Some(offset) = memchr::memchr2(b'=', b'%', &bytes[at..]) {
        let sign = at + offset;
        at = sign + 1;
        let Some(equals) = equals_len(&bytes[sign..]) else {
            continue;
        };
        let key_start = bytes[..sign]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
            .map_or(0, |before| before + 1);
        // A key glued to what stands before it (`/portal/deeplinkauth_tokn=`) is found at the
        // end of the run: its ends as long as a credential's key could be.
        let is_credential = sign > key_start
            && std::str::from_utf8(&bytes[key_start..sign]).is_ok_and(|run| {
                crate::command::spec::is_secret_key(run)
                    || (key_start..sign.saturating_sub(GLUED_KEY_MIN))
                        .filter(|&at| {
                            sign - at <= GLUED_KEY_MAX && run.is_char_boundary(at - key_start)
                        })
                        .any(|at| crate::command::spec::is_secret_key(&run[at - key_start..]))
            });
        if is_credential {
            at = mask_value(bytes, sign + equals, equals, &ends).max(at);
        }
    }
}

/// Masks the value that starts at `start`, after a credential's key and its `=` (`equals`
/// bytes long): up to its quote in an attribute (`password="…"`, `data-token='…'`), or else
/// up to a byte that `ends` it. Where the masking stops.
fn mask_value(
    bytes: &mut [u8],
    mut start: usize,
    equals: usize,
    ends: &impl Fn(u8) -> bool,
) -> usize {
    let quote = match bytes.get(start) {
        Some(&q @ (b'"' | b'\'')) if equals == 1 => {
            start += 1;
            Some(q)
        }
        _ => None,
    };
    let end = bytes[start..]
        .iter()
        .position(|&b| quote.map_or_else(|| ends(b), |q| b == q))
        .map_or(bytes.len(), |len| start + len);
    // An editor's percent-encoded token (`%5BAccessToken%5D`) is still no secret: DD203
    // names it.
    let encoded_token = bytes.get(start) == Some(&b'%')
        && std::str::from_utf8(&bytes[start..end])
            .is_ok_and(crate::command::token::is_single_token);
    if !encoded_token && !matches!(bytes.get(start), Some(b'[' | b'{' | b'*')) {
        bytes[start..end].fill(b'*');
    }
    end.max(start)
}

/// `bytes` as text: decoded from `encoding` or, in UTF-8, with each invalid byte standing as
/// `?`, one for one, so that offsets stay exact.
pub fn decode_lossless<'b>(
    bytes: &'b [u8],
    encoding: &'static encoding_rs::Encoding,
) -> std::borrow::Cow<'b, str> {
    if encoding != encoding_rs::UTF_8 {
        return encoding.decode_without_bom_handling(bytes).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(lossless_text(bytes.to_vec())),
    }
}

/// UTF-8 text with every byte of an invalid sequence replaced by `?`, and every byte of a
/// character cut by masking likewise, so that byte offsets stay valid.
pub fn lossless_text(mut bytes: Vec<u8>) -> String {
    let mut at = 0;
    while at < bytes.len() {
        match std::str::from_utf8(&bytes[at..]) {
            Ok(_) => break,
            Err(error) => {
                let bad = at + error.valid_up_to();
                let len = error.error_len().unwrap_or(bytes.len() - bad);
                for byte in &mut bytes[bad..bad + len] {
                    *byte = b'?';
                }
                at = bad + len;
            }
        }
    }
    String::from_utf8(bytes).expect("every invalid byte was replaced")
}

/// The start of a line without the UTF-8 byte-order mark that opens the file: no editor
/// shows it, so it is no column.
fn after_bom(line: &[u8], line_start: usize) -> &[u8] {
    match line {
        [0xEF, 0xBB, 0xBF, rest @ ..] if line_start == 0 => rest,
        _ => line,
    }
}

/// The characters before byte offsets of one line, asked for in increasing order: each is
/// counted on from the one before, so the line is read once whatever it holds.
struct Columns<'l> {
    line: &'l [u8],
    /// Where counting starts: after the byte-order mark that opens the file, if any.
    from: usize,
    /// Bytes counted so far, and the characters they hold.
    at: usize,
    chars: usize,
    encoding: &'static encoding_rs::Encoding,
    /// For an encoding whose characters take more than one byte and that is not UTF-8.
    multibyte: Option<Multibyte>,
}

impl<'l> Columns<'l> {
    fn new(line: &'l [u8], line_start: usize, encoding: &'static encoding_rs::Encoding) -> Self {
        let from = line.len() - after_bom(line, line_start).len();
        // A UTF-8 line with an invalid byte is counted as the decoder reads it (each invalid
        // sequence one replacement character), not by its bytes that begin a character.
        let decoded = if encoding == encoding_rs::UTF_8 {
            std::str::from_utf8(&line[from..]).is_err()
        } else {
            !encoding.is_single_byte()
        };
        let multibyte = decoded.then(|| Multibyte::new(encoding, from));
        Columns {
            line,
            from,
            at: from,
            chars: 0,
            encoding,
            multibyte,
        }
    }

    /// The characters in the line's first `bytes` bytes (a byte-order mark not counted).
    fn at(&mut self, bytes: usize) -> usize {
        if bytes < self.from {
            // Inside the byte-order mark: it is whole bytes that make no column.
            return prefix_chars(&self.line[..bytes], self.encoding);
        }
        debug_assert!(bytes >= self.at, "columns are asked for in order");
        let piece = &self.line[self.at..bytes];
        match &mut self.multibyte {
            // Every byte of a single-byte encoding is one character, and a UTF-8 character
            // is its one byte that is not a continuation: both count piece by piece.
            None if self.encoding == encoding_rs::UTF_8 => {
                self.chars += piece.iter().filter(|&&b| b & 0xC0 != 0x80).count();
            }
            None => self.chars += piece.len(),
            Some(multibyte) => {
                self.at = bytes;
                return multibyte.at(self.line, bytes);
            }
        }
        self.at = bytes;
        self.chars
    }
}

impl Columns<'_> {
    /// The last character boundary at or before `bytes`, and the characters before it (a cut
    /// there leaves no piece of a character in the text).
    fn boundary(&mut self, bytes: usize) -> (usize, usize) {
        if bytes <= self.from {
            return (0, 0);
        }
        if bytes >= self.line.len() {
            return (self.line.len(), self.at(self.line.len()));
        }
        match &mut self.multibyte {
            None if self.encoding == encoding_rs::UTF_8 => {
                let mut boundary = bytes;
                while boundary > self.at && self.line[boundary] & 0xC0 == 0x80 {
                    boundary -= 1;
                }
                (boundary, self.at(boundary))
            }
            None => (bytes, self.at(bytes)),
            Some(_) => {
                self.at(bytes);
                let multibyte = self.multibyte.as_ref().expect("matched above");
                (multibyte.clean, multibyte.clean_chars)
            }
        }
    }
}

/// How many bytes end `line`: `\r\n`, `\n`, `\r` or none.
fn line_ending(line: &[u8]) -> usize {
    match line {
        [.., b'\r', b'\n'] => 2,
        [.., b'\n' | b'\r'] => 1,
        _ => 0,
    }
}

/// Counting in a legacy multi-byte encoding (Shift_JIS, EUC-KR, GBK, …), where a prefix may
/// end inside a character: the prefix is decoded as if the line ended there (the cut
/// character counts as one replacement character), as decoding it alone would.
struct Multibyte {
    decoder: encoding_rs::Decoder,
    /// A decoder that has read nothing, to tell whether `decoder` holds a character's
    /// first bytes.
    fresh: encoding_rs::Decoder,
    encoding: &'static encoding_rs::Encoding,
    /// Bytes fed to `decoder`, and the characters that came out.
    fed: usize,
    chars: usize,
    /// The last offset at which `decoder` held nothing back, and the characters before it.
    clean: usize,
    clean_chars: usize,
}

impl Multibyte {
    fn new(encoding: &'static encoding_rs::Encoding, from: usize) -> Self {
        Multibyte {
            decoder: encoding.new_decoder_without_bom_handling(),
            fresh: encoding.new_decoder_without_bom_handling(),
            encoding,
            fed: from,
            chars: 0,
            clean: from,
            clean_chars: 0,
        }
    }

    fn at(&mut self, line: &[u8], bytes: usize) -> usize {
        let mut out = [0u8; 16];
        // One byte at a time, to know the last offset where no character was begun.
        while self.fed < bytes {
            let (_, read, written, _) =
                self.decoder
                    .decode_to_utf8(&line[self.fed..=self.fed], &mut out, false);
            debug_assert_eq!(read, 1);
            self.chars += out[..written].iter().filter(|&&b| b & 0xC0 != 0x80).count();
            self.fed += 1;
            if self.decoder.max_utf16_buffer_length(0) == self.fresh.max_utf16_buffer_length(0) {
                self.clean = self.fed;
                self.clean_chars = self.chars;
            }
        }
        // From the last clean offset the decoder is as new: the few bytes of a begun
        // character after it are decoded alone, as the end of a text.
        self.clean_chars + prefix_chars(&line[self.clean..bytes], self.encoding)
    }
}

fn prefix_chars(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> usize {
    if encoding == encoding_rs::UTF_8 {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.chars().count(),
            // As the decoder reads it: each invalid sequence, and a character cut at the end,
            // one replacement character.
            Err(_) => String::from_utf8_lossy(bytes).chars().count(),
        }
    } else {
        encoding
            .decode_without_bom_handling(bytes)
            .0
            .chars()
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, spans: &[Span]) -> Vec<Located> {
        locate(text.as_bytes(), spans, &[], true).unwrap()
    }

    #[test]
    fn a_byte_order_mark_is_no_column() {
        let text = "\u{feff}<a>x</a>\n<b>";
        let found = locate(
            text.as_bytes(),
            &[Span::new(3, 4), Span::new(6, 7), Span::new(12, 13)],
            &[],
            false,
        )
        .unwrap();
        assert_eq!(found[0].start, Position { line: 1, column: 1 });
        assert_eq!(found[1].start, Position { line: 1, column: 4 });
        assert_eq!(found[1].end, Position { line: 1, column: 5 });
        assert_eq!(found[2].start, Position { line: 2, column: 1 });
    }

    #[test]
    fn lines_and_character_columns() {
        let text = "ab\ncé d\n\nxyz";
        let found = at(
            text,
            &[
                Span::new(0, 1),
                Span::new(7, 8),
                Span::new(10, 13),
                Span::new(13, 13),
            ],
        );
        assert_eq!(found[0].start, Position { line: 1, column: 1 });
        assert_eq!(found[1].start, Position { line: 2, column: 4 });
        assert_eq!(found[2].start, Position { line: 4, column: 1 });
        assert_eq!(found[2].end, Position { line: 4, column: 4 });
        assert_eq!(found[3].start, Position { line: 4, column: 4 });
    }

    /// HTML ends a line at a lone `\r` as at `\n` and `\r\n`, however the reads split them.
    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "ab\rcd\r\ne\n\rf\r";
        let spans = [
            Span::new(0, 1),
            Span::new(3, 4),
            Span::new(1, 8),
            Span::new(9, 10),
            Span::new(10, 11),
            Span::new(12, 12),
        ];
        let expected = [
            ((1, 1), (1, 2)),
            ((2, 1), (2, 2)),
            ((1, 2), (3, 2)),
            ((4, 1), (4, 2)),
            ((5, 1), (5, 2)),
            ((6, 1), (6, 1)),
        ];
        let position = |(line, column)| Position { line, column };
        for capacity in [1, 2, 3, 64] {
            for excerpts in [false, true] {
                let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
                let found = locate(reader, &spans, &[], excerpts).unwrap();
                for ((span, located), &(start, end)) in spans.iter().zip(&found).zip(&expected) {
                    assert_eq!(
                        (located.start, located.end),
                        (position(start), position(end)),
                        "{span:?}, buffer of {capacity}"
                    );
                }
            }
        }
        let found = at(text, &spans);
        let excerpt = |n: usize| found[n].excerpt.as_deref().unwrap().text.clone();
        assert_eq!(excerpt(0), "ab\rcd\r\n");
        assert_eq!(excerpt(1), "ab\rcd\r\ne\n");
        assert_eq!(excerpt(4), "\rf\r");
    }

    #[test]
    fn excerpts_carry_context_and_masks() {
        let text = "one\ntwo secret=abc\nthree\nfour";
        let secret = Span::new(15, 18);
        let found = locate(text.as_bytes(), &[Span::new(8, 14)], &[secret], true).unwrap();
        let excerpt = found[0].excerpt.clone().unwrap();
        assert_eq!(excerpt.text, "one\ntwo secret=***\nthree\n");
        assert_eq!(excerpt.offset, 0);
        assert_eq!(excerpt.first_line, 1);
    }

    #[test]
    fn spans_across_lines_and_at_the_end() {
        let text = "a\nbc\nd";
        let found = at(text, &[Span::new(1, 4), Span::new(5, 6)]);
        assert_eq!(found[0].start, Position { line: 1, column: 2 });
        assert_eq!(found[0].end, Position { line: 2, column: 3 });
        assert_eq!(found[0].excerpt.as_ref().unwrap().text, "a\nbc\nd");
        assert_eq!(found[1].excerpt.as_ref().unwrap().text, "bc\nd");
    }

    #[test]
    fn positions_are_the_same_with_and_without_excerpts_whatever_the_buffer() {
        let text = "<p>\n\n  <a href=\"x\">é</a>\r\nline four\r\rsix\nseven é\r\nlast\r";
        let mut spans = Vec::new();
        for start in 0..=text.len() {
            for end in [start, (start + 3).min(text.len()), text.len()] {
                spans.push(Span::new(start, end));
            }
        }
        let with_excerpts = locate(text.as_bytes(), &spans, &[], true).unwrap();
        for capacity in [1, 2, 5, 64] {
            let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
            let without = locate(reader, &spans, &[], false).unwrap();
            for ((span, with), without) in spans.iter().zip(&with_excerpts).zip(&without) {
                assert_eq!(
                    (with.start, with.end),
                    (without.start, without.end),
                    "{span:?} with a buffer of {capacity}"
                );
            }
        }
        // Only some spans, far apart: the lines between are skipped.
        let few = [Span::new(40, 41), Span::new(5, 6)];
        let expected = locate(text.as_bytes(), &few, &[], true).unwrap();
        let found = locate(
            std::io::BufReader::with_capacity(3, text.as_bytes()),
            &few,
            &[],
            false,
        )
        .unwrap();
        assert_eq!(
            found.iter().map(|l| (l.start, l.end)).collect::<Vec<_>>(),
            expected
                .iter()
                .map(|l| (l.start, l.end))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn columns_counted_along_a_line_are_the_columns_of_each_prefix_alone() {
        // Bytes that begin, continue and cut characters in every encoding ddlink reads.
        let mut state = 0x2545_f491_u32;
        let mut line: Vec<u8> = (0..600)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                [
                    b'a', b' ', b'0', b'@', 0x80, 0x8e, 0x8f, 0xa1, 0xc3, 0xe3, 0xfe, 0x30,
                ][state as usize % 12]
                    .max(if state % 7 == 0 {
                        (state >> 8) as u8
                    } else {
                        0
                    })
            })
            .collect();
        line.extend_from_slice("é\u{3042}\n".as_bytes());
        let labels = [
            "utf-8",
            "windows-1252",
            "iso-8859-5",
            "x-user-defined",
            "shift_jis",
            "euc-jp",
            "euc-kr",
            "big5",
            "gbk",
            "gb18030",
        ];
        for label in labels {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
            for (text, line_start) in [(&line[..], 0), (&line[..], 9)] {
                let mut columns = Columns::new(text, line_start, encoding);
                for bytes in 0..=text.len() {
                    let alone = prefix_chars(after_bom(&text[..bytes], line_start), encoding);
                    assert_eq!(columns.at(bytes), alone, "{label} at {bytes}");
                }
            }
        }
        let bom = b"\xEF\xBB\xBFa\xC3\xA9b";
        let mut columns = Columns::new(bom, 0, encoding_rs::UTF_8);
        let found: Vec<usize> = (0..=bom.len()).map(|bytes| columns.at(bytes)).collect();
        assert_eq!(found, [0, 1, 1, 0, 1, 2, 2, 3]);
    }

    #[test]
    fn an_invalid_utf8_byte_is_one_column_as_the_decoder_reads_it() {
        // A lone continuation byte, a lead byte without its continuation, and a cut
        // three-byte character: each one replacement character.
        let text = b"ab\x8fcd\xc3x\xe3\x81yz\n";
        let spans = [
            Span::new(2, 3),
            Span::new(5, 6),
            Span::new(7, 9),
            Span::new(10, 11),
        ];
        let found = locate(&text[..], &spans, &[], false).unwrap();
        let columns: Vec<(usize, usize)> = found
            .iter()
            .map(|l| (l.start.column, l.end.column))
            .collect();
        assert_eq!(columns, [(3, 4), (6, 7), (8, 9), (10, 11)]);
    }

    #[test]
    fn columns_far_into_one_long_line() {
        let link = "<a href=\"x?a=1&b=é\">x</a> ";
        let text = format!("<p>{}</p>\n<p>&</p>", link.repeat(5000));
        let ampersands: Vec<usize> = text.match_indices('&').map(|(at, _)| at).collect();
        let mut spans: Vec<Span> = ampersands.iter().map(|&at| Span::new(at, at + 1)).collect();
        // Spans that end far along the line, out of the order they start in.
        spans.push(Span::new(3, text.len() - 2));
        spans.push(Span::new(3, ampersands[4000] + 3));
        let found = locate(text.as_bytes(), &spans, &[], false).unwrap();
        let chars = link.chars().count();
        for (n, located) in found[..5000].iter().enumerate() {
            let column = 3 + n * chars + 14 + 1;
            assert_eq!(located.start, Position { line: 1, column });
            assert_eq!(
                located.end,
                Position {
                    line: 1,
                    column: column + 1
                }
            );
        }
        assert_eq!(found[5000].start, Position { line: 2, column: 4 });
        assert_eq!(found[5001].end, Position { line: 2, column: 7 });
        let column = 3 + 4000 * chars + 14 + 1 + 3;
        assert_eq!(found[5002].end, Position { line: 1, column });
    }

    /// Hundreds of findings on one long line each keep a bounded cut of it, which starts on a
    /// character boundary and says how many characters it leaves out.
    #[test]
    fn long_lines_are_cut_around_each_span() {
        let cases: [(&str, &'static encoding_rs::Encoding); 3] = [
            ("é日本 ", encoding_rs::UTF_8),
            ("é ", encoding_rs::WINDOWS_1252),
            ("日本語、 ", encoding_rs::SHIFT_JIS),
        ];
        for (filler, encoding) in cases {
            let piece = format!("{}<a href=\"x\">x</a>", filler.repeat(7));
            let text = format!("<p>short</p>\n{}\n<p>after</p>\n", piece.repeat(300));
            let bytes = encoding.encode(&text).0.into_owned();
            let spans: Vec<Span> = memchr::memmem::find_iter(&bytes, b"<a ")
                .map(|at| Span::new(at, at + 2))
                .collect();
            let found = locate_in(&bytes[..], &spans, &[], true, encoding).unwrap();
            let columns = locate_in(&bytes[..], &spans, &[], false, encoding).unwrap();
            for ((span, located), plain) in spans.iter().zip(&found).zip(&columns) {
                let excerpt = located.excerpt.as_deref().unwrap();
                assert!(excerpt.shortened, "{encoding:?}");
                assert!(excerpt.offset + KEEP + 3 >= span.start && excerpt.offset <= span.start);
                assert!(excerpt.text.len() <= 3 * 2 * KEEP);
                let line = excerpt.text.strip_suffix('\n').unwrap_or(&excerpt.text);
                assert!(!line.contains(['\u{FFFD}', '\n']), "{encoding:?}: {line}");
                let before = &excerpt.text[..excerpt.text_offset(span.start)];
                assert_eq!(
                    excerpt.columns_before + before.chars().count() + 1,
                    plain.start.column,
                    "{encoding:?} at {}",
                    span.start
                );
                assert_eq!(located.start, plain.start);
                assert_eq!(excerpt.first_line, 2);
            }
            let last = found.last().unwrap().excerpt.as_deref().unwrap();
            assert!(!last.cut_after && last.text.ends_with("</a>\n"));
            assert!(found[150].excerpt.as_deref().unwrap().cut_after);
            assert_eq!(found[0].excerpt.as_deref().unwrap().columns_before, 0);
        }
    }

    /// A short line keeps its context, but not a long line of context.
    #[test]
    fn long_lines_of_context_are_left_out() {
        let long = "x".repeat(LONG_LINE + 1);
        let text = format!("{long}\n<p>&</p>\n{long}\n<p>&</p>\n<p>end</p>\n");
        let spans: Vec<Span> = text
            .match_indices('&')
            .map(|(at, _)| Span::new(at, at + 1))
            .collect();
        let found = locate(text.as_bytes(), &spans, &[], true).unwrap();
        let first = found[0].excerpt.as_deref().unwrap();
        assert_eq!((first.text.as_str(), first.first_line), ("<p>&</p>\n", 2));
        assert!(first.shortened);
        let second = found[1].excerpt.as_deref().unwrap();
        assert_eq!(
            (second.text.as_str(), second.first_line),
            ("<p>&</p>\n<p>end</p>\n", 4)
        );
        assert!(second.shortened && second.columns_before == 0 && !second.cut_after);
        let short = at("<p>a</p>\n<p>&</p>\n<p>b</p>\n", &[Span::new(12, 13)]);
        assert!(!short[0].excerpt.as_deref().unwrap().shortened);
    }

    /// Credentials given in any order, overlapping or nested, are masked in every excerpt as in
    /// the whole text.
    #[test]
    fn credentials_in_any_order_are_masked_in_every_excerpt() {
        let lines: Vec<String> = (0..40)
            .map(|n| format!("line {n} password=secret{n}\n"))
            .collect();
        let text = lines.concat();
        let mut secrets: Vec<Span> = text
            .match_indices("secret")
            .map(|(at, _)| Span::new(at, at + 8))
            .collect();
        secrets.reverse();
        secrets.push(Span::new(30, 70));
        secrets.push(Span::new(40, 50));
        secrets.push(Span::new(69, 71));
        let mut masked = text.clone().into_bytes();
        for secret in &secrets {
            // Line breaks stay.
            for byte in &mut masked[secret.start..secret.end] {
                if *byte != b'\n' {
                    *byte = b'*';
                }
            }
        }
        let spans: Vec<Span> = text
            .match_indices("line")
            .map(|(at, _)| Span::new(at, at + 4))
            .collect();
        let found = locate(text.as_bytes(), &spans, &secrets, true).unwrap();
        for located in &found {
            let excerpt = located.excerpt.as_deref().unwrap();
            let expected = &masked[excerpt.offset..excerpt.offset + excerpt.text.len()];
            assert_eq!(excerpt.text.as_bytes(), expected);
        }
    }

    #[test]
    fn invalid_bytes_keep_offsets() {
        let found = locate(&b"a\xffb"[..], &[Span::new(2, 3)], &[], true).unwrap();
        assert_eq!(found[0].excerpt.as_ref().unwrap().text, "a?b");
    }

    #[test]
    fn credential_values_are_masked_wherever_they_are_written() {
        let mut text = b"src=\"x?AUTH_PASSWORD=p4ss&amp;access_token=ey.J#f\" gtoken=[gtoken] \
            auth_token={{ Token }} auth_password=&auth_token=last \
            access_token=%5BAccessToken%5D gtoken=%5Bg4a \
            <img src=\"x?Password=hunter2&amp;token=abc\"> \
            <dd-link pwd=\"hunter 2\" data-token='t0k' password=\"\" api_key=\"[key]\">"
            .to_vec();
        mask_credential_values(&mut text);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "src=\"x?AUTH_PASSWORD=****&amp;access_token=****#f\" gtoken=[gtoken] \
             auth_token={{ Token }} auth_password=&auth_token=**** \
             access_token=%5BAccessToken%5D gtoken=****** \
             <img src=\"x?Password=*******&amp;token=***\"> \
             <dd-link pwd=\"********\" data-token='***' password=\"\" api_key=\"[key]\">"
        );
    }

    /// A key that reads as a credential's, as in a checked link: near misses and other
    /// names for one. The keys of links and markup around them are no credential's.
    #[test]
    fn near_misses_of_credential_keys_are_masked_too() {
        let mut text =
            b"<img src=\"https://cdn.example.com/p.png?auth_tokn=Hunter2&amp;api_key=K3y\
            &amp;auth_pasword=Pw1&amp;ticket_id=5&amp;name=ticket&amp;key=k&amp;tokens=2\" \
            class=x id=y style=\"a:b\" type=t> acess_token%3DSecret2"
                .to_vec();
        mask_credential_values(&mut text);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "<img src=\"https://cdn.example.com/p.png?auth_tokn=*******&amp;api_key=***\
             &amp;auth_pasword=***&amp;ticket_id=5&amp;name=ticket&amp;key=k&amp;tokens=2\" \
             class=x id=y style=\"a:b\" type=t> acess_token%3D*******"
        );
    }

    #[test]
    fn credential_values_quoted_in_a_message_are_masked_to_the_backtick() {
        assert_eq!(
            mask_credentials_in_prose("the portal reads `quotes?access_token=ey.J` as the command")
                .as_deref(),
            Some("the portal reads `quotes?access_token=****` as the command")
        );
        assert_eq!(
            mask_credentials_in_prose("`auth_token=[token]` is fine"),
            None
        );
        assert_eq!(mask_credentials_in_prose("write `&` instead of `?`"), None);
    }
}
