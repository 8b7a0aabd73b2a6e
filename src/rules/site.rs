//! What a link rule sees: the link, where it sits, and how its parts map back to input bytes.

use std::ops::Range;

use super::wrong_case::canonical_key;
use crate::charref::ReferenceMap;
use crate::command::spec::{self, CommandSpec, ValueKind};
use crate::command::{Client, LinkKind, Param, ParsedLink, Portal, PortalHosts};
use crate::diagnostic::Span;
use crate::dialect::{Dialect, Language};

/// A piece of source text together with its decoded form (character references resolved),
/// and the map between the two, so that a position in the decoded text becomes a byte offset
/// in the input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextMap {
    /// The text exactly as in the input (entities still encoded).
    pub raw: String,
    /// Byte offset of `raw` in the input.
    pub base: usize,
    /// The text as a browser reads it.
    pub decoded: String,
    /// Each character reference: its range in `decoded` and in `raw`, in order.
    refs: ReferenceMap,
    /// The input's encoding when it is not UTF-8: `raw` is then a decoded copy, and offsets
    /// in it are converted to input bytes.
    encoding: Option<&'static encoding_rs::Encoding>,
}

impl TextMap {
    /// Text that needs no decoding (plain text, script data): both forms are the same.
    pub fn identity(raw: String, base: usize) -> Self {
        TextMap {
            decoded: raw.clone(),
            raw,
            base,
            refs: Vec::new(),
            encoding: None,
        }
    }

    /// `refs` must be in order and pair each decoded range with the raw range it came from.
    pub fn new(raw: String, base: usize, decoded: String, refs: ReferenceMap) -> Self {
        TextMap {
            raw,
            base,
            decoded,
            refs,
            encoding: None,
        }
    }

    /// The input was in `encoding` (not UTF-8): `raw` holds its decoded text.
    #[must_use]
    pub fn in_encoding(mut self, encoding: &'static encoding_rs::Encoding) -> Self {
        if encoding != encoding_rs::UTF_8 {
            self.encoding = Some(encoding);
        }
        self
    }

    /// The input offset of a position in `raw`.
    fn input_offset(&self, raw: usize) -> usize {
        self.base
            + match self.encoding {
                None => raw,
                Some(encoding) => encoded_len(encoding, &self.raw[..raw]),
            }
    }

    /// The offset in `raw` of a position in `decoded`. A position inside a decoded character
    /// reference maps to the reference's start (`end = false`) or end (`end = true`).
    pub fn raw_offset(&self, decoded: usize, end: bool) -> usize {
        let index = self.refs.partition_point(|(d, _)| d.end <= decoded);
        if let Some((d, r)) = self.refs.get(index)
            && d.start < decoded
        {
            return if end { r.end } else { r.start };
        }
        match index.checked_sub(1).and_then(|i| self.refs.get(i)) {
            Some((d, r)) => r.end + (decoded - d.end),
            None => decoded,
        }
    }

    /// The text of a range of `decoded` as written (character references encoded).
    pub fn raw_of(&self, decoded: Range<usize>) -> &str {
        let start = self.raw_offset(decoded.start, false);
        let end = self.raw_offset(decoded.end, true).max(start);
        &self.raw[start..end]
    }

    /// Whether a character reference (`&#91;`, `&nbsp;`) is written within a range of
    /// `decoded`.
    pub fn has_reference_in(&self, decoded: Range<usize>) -> bool {
        let index = self.refs.partition_point(|(d, _)| d.end <= decoded.start);
        self.refs
            .get(index)
            .is_some_and(|(d, _)| d.start < decoded.end)
    }

    /// Whether any character reference is written in the text.
    pub fn has_references(&self) -> bool {
        !self.refs.is_empty()
    }

    /// The input span of a range of `decoded`.
    pub fn span(&self, decoded: Range<usize>) -> Span {
        let start = self.raw_offset(decoded.start, false);
        let end = self.raw_offset(decoded.end, true).max(start);
        Span::new(self.input_offset(start), self.input_offset(end))
    }

    /// The input span of a range of `raw`.
    pub fn raw_span(&self, raw: Range<usize>) -> Span {
        Span::new(self.input_offset(raw.start), self.input_offset(raw.end))
    }
}

/// How many bytes `text` takes in `encoding`.
pub fn encoded_len(encoding: &'static encoding_rs::Encoding, text: &str) -> usize {
    if encoding == encoding_rs::UTF_8 || text.is_ascii() {
        return text.len();
    }
    encoding.encode(text).0.len()
}

/// Where a link was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An attribute value (`href`) of an HTML element.
    Attribute,
    /// A text node of an HTML document.
    HtmlText,
    /// The text of a link element (`<a href="…">https://…</a>`): clickable already.
    LinkLabel,
    /// The text of a link to another address (`<a href="https://example.com/">https://…</a>`):
    /// the reader sees the deep link, and a click opens the other address.
    OtherLinkLabel,
    /// A plain-text template.
    PlainText,
    /// Somewhere no reader can click it: `script`, `style`, `title`, `textarea`, a comment.
    Inert(&'static str),
}

impl Origin {
    /// Whether the surrounding source is HTML (character references apply).
    pub fn is_html(self) -> bool {
        !matches!(self, Origin::PlainText)
    }
}

/// What the rules need to know about the file and the configuration.
#[derive(Clone, Debug, Default)]
pub struct RuleSettings {
    /// The configured portal, if any (DD408, DD409 fixes).
    pub portal: Option<Portal>,
    /// The dialect given on the command line (`--psa`): it beats everything else.
    pub dialect: Option<Dialect>,
    /// The dialect the configuration gives this file, and where it says so. A
    /// `<!-- ddlink: psa=… -->` comment in the file beats it.
    pub config_dialect: Option<(Dialect, String)>,
    /// The Autotask instance language (which variable names resolve).
    pub language: Language,
    /// Hosts recognised as the portal.
    pub hosts: PortalHosts,
    /// The client this file's placeholders expand for (`client` in the configuration,
    /// `--client`). `desktop` says the recipients have the app: desktop links are then what
    /// is wanted, and DD403 stays quiet.
    pub client: Option<Client>,
}

impl RuleSettings {
    pub fn new(portal: Option<Portal>, dialect: Option<Dialect>) -> Self {
        let hosts = Portal::hosts(portal.as_ref());
        RuleSettings {
            portal,
            dialect,
            hosts,
            ..RuleSettings::default()
        }
    }
}

/// A run of white space with a line break, left out of a link's text: `len` bytes of the
/// link as written, before position `at` of the joined text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    pub at: usize,
    pub len: usize,
}

/// A link's text as the rules read it. An editor may wrap a long link in an attribute over
/// lines; a URL parser drops the line breaks and tabs, so the rules read the link without each
/// run of white space that holds one (the indentation after a break too, which DD402 reports,
/// since that stays in the URL). Every other finding is then about the link itself, not its
/// wrapping, and placed in the link as written.
#[derive(Debug)]
pub struct Joined<'t> {
    pub text: std::borrow::Cow<'t, str>,
    pub gaps: Vec<Gap>,
}

impl<'t> Joined<'t> {
    pub fn new(link: &'t str) -> Self {
        let runs = super::whitespace_in_url::wrapping_runs(link);
        if runs.is_empty() {
            return Joined {
                text: std::borrow::Cow::Borrowed(link),
                gaps: Vec::new(),
            };
        }
        let mut text = String::with_capacity(link.len());
        let mut gaps = Vec::with_capacity(runs.len());
        let mut from = 0;
        for run in runs {
            text.push_str(&link[from..run.start]);
            if super::whitespace_in_url::wrapped_at_token_space(link, &run) {
                // `[Contact: Email⏎Address]`: wrapped at the space the token needs, which the
                // run's first byte stands for (`[srnumber⏎]` has none: the run is left out).
                text.push(' ');
                if run.len() > 1 {
                    gaps.push(Gap {
                        at: text.len(),
                        len: run.len() - 1,
                    });
                }
            } else {
                gaps.push(Gap {
                    at: text.len(),
                    len: run.len(),
                });
            }
            from = run.end;
        }
        text.push_str(&link[from..]);
        Joined {
            text: std::borrow::Cow::Owned(text),
            gaps,
        }
    }
}

/// One portal link, as a rule sees it.
#[derive(Debug)]
pub struct LinkSite<'a> {
    /// The text the link sits in: an attribute value, a text node, a line.
    pub map: &'a TextMap,
    /// The link's range in `map.decoded`, surrounding whitespace excluded.
    pub range: Range<usize>,
    /// The link, decoded and joined (see [`Joined`]). Every range in `link` is relative to
    /// this text.
    pub text: &'a str,
    /// Where `text` leaves out the line breaks that wrap the link (empty for most links).
    pub gaps: &'a [Gap],
    pub link: &'a ParsedLink,
    pub origin: Origin,
    pub settings: &'a RuleSettings,
}

impl<'a> LinkSite<'a> {
    /// Whether a character reference is written within a range of the link's text.
    pub fn has_reference_in(&self, range: Range<usize>) -> bool {
        self.map.has_reference_in(self.decoded_range(range))
    }

    /// The input span of a range of the link's text.
    pub fn span(&self, range: Range<usize>) -> Span {
        self.map.span(self.decoded_range(range))
    }

    /// A range of the link's text as written in the input, character references and all
    /// (`&amp;` for `&`).
    pub fn written(&self, range: Range<usize>) -> &'a str {
        let decoded = self.decoded_range(range);
        let start = self.map.raw_offset(decoded.start, false);
        let end = self.map.raw_offset(decoded.end, true).max(start);
        &self.map.raw[start..end]
    }

    /// The link as written, decoded, with the line breaks that wrap it.
    pub fn unjoined(&self) -> &'a str {
        &self.map.decoded[self.range.clone()]
    }

    /// The range in `map.decoded` of a range of `text`: a range that starts where a line
    /// break was left out starts after it, one that ends there ends before it.
    fn decoded_range(&self, range: Range<usize>) -> Range<usize> {
        let before = |at: usize, inclusive: bool| -> usize {
            self.gaps
                .iter()
                .take_while(|gap| gap.at < at || (inclusive && gap.at == at))
                .map(|gap| gap.len)
                .sum()
        };
        let start = range.start + before(range.start, true);
        let end = (range.end + before(range.end, false)).max(start);
        self.range.start + start..self.range.start + end
    }

    /// The input span of the whole link.
    pub fn whole(&self) -> Span {
        self.map.span(self.range.clone())
    }

    pub fn str(&self, range: Range<usize>) -> &'a str {
        &self.text[range]
    }

    pub fn key(&self, param: &Param) -> &'a str {
        self.str(param.key.clone())
    }

    /// `param`'s key without the white space around it (`&amp; auth_token=`), as it is read
    /// once DD402 has removed that.
    pub fn key_unspaced(&self, param: &Param) -> &'a str {
        unspaced(self.key(param))
    }

    /// The range of `param`'s key as it is read once DD401 has given an `&amp` without its
    /// `;` its `;`: `&ampnme=` is the key `ampnme` to a browser and to the portal, and `nme`
    /// then. The key's own range for any other parameter.
    pub fn key_as_repaired(&self, param: &Param) -> Range<usize> {
        let behind_bare_ampersand = param.key.start.checked_sub(1).is_some_and(|separator| {
            self.origin.is_html()
                && self.text.as_bytes()[separator] == b'&'
                && !self.has_reference_in(separator..param.key.start)
        });
        match spec::after_unterminated_amp(self.key(param)) {
            Some(rest) if behind_bare_ampersand => param.key.end - rest.len()..param.key.end,
            _ => param.key.clone(),
        }
    }

    pub fn value(&self, param: &Param) -> Option<&'a str> {
        param.value.clone().map(|v| self.str(v))
    }

    /// Each parameter value's range, with its key: a legacy V1 link's value under the V2
    /// key it stands for (`ticketid=…` is `ticket_id`), since DD501 makes it that parameter
    /// and its tokens are judged now rather than after the fix.
    pub fn values(&self) -> impl Iterator<Item = (&'a str, Range<usize>)> + '_ {
        let legacy = match self.link.kind {
            LinkKind::LegacyV1 {
                form,
                value: Some((start, end)),
            } => form.v2_key().map(|key| (key, start..end)),
            _ => None,
        };
        // `ticketid=…` read as a V2 link's one V1 pair (a placeholder's command, or a V1
        // command in a web link): the value of the V2 key too.
        let v1_pair = super::legacy_v1_link::v1_pair(self)
            .and_then(|(param, form)| Some((param, form.v2_key()?)));
        self.link
            .params
            .iter()
            .filter_map(move |param| {
                let key = match v1_pair {
                    Some((pair, key)) if std::ptr::eq(pair, param) => key,
                    _ => self.key(param),
                };
                Some((key, param.value.clone()?))
            })
            .chain(legacy)
    }

    /// The params of a known `key`, written in any case (`Action=` is `action`, misspelt:
    /// DD111 says so, and its value is judged all the same, so that the case hides nothing
    /// else that is wrong with it).
    pub fn params_named<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'a Param> + 's {
        self.link.params.iter().filter(move |p| {
            let written = self.key(p);
            written == key
                || canonical_key(written) == Some(key)
                || misread_as(written) == Some(key)
        })
    }

    /// Whether a known `key` stands in another parameter's value behind a `?`, `;` or `,`
    /// written for `&` (`action=approve;ticket_id=…`), in a value DD106 to DD108 judge, and so
    /// separate: not a credential written out, whose text no rule reads (one the template
    /// fills in, `{{ Token }};ticket_id=…`, is judged).
    pub fn holds_behind_separator(&self, key: &str) -> bool {
        self.link.params.iter().any(|param| {
            let Some(value) = self.value(param) else {
                return false;
            };
            let judged =
                super::invalid_value::key_spec(self, self.key(param)).is_some_and(|spec| {
                    !matches!(spec.kind, ValueKind::Secret | ValueKind::Jwt)
                        || value.split(['?', ';', ',']).next().is_some_and(|before| {
                            crate::command::token::is_single_token(before.trim())
                        })
                });
            judged && super::separator::key_behind(value) == Some(key)
        })
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.params_named(key).next().is_some()
    }

    /// The `name` value as written (first occurrence).
    pub fn name_value(&self) -> Option<&'a str> {
        self.params_named(spec::NAME_KEY)
            .next()
            .and_then(|p| self.value(p))
    }

    /// The command's table row, when `name` names a known command exactly.
    pub fn command(&self) -> Option<&'static CommandSpec> {
        // `name=Ticket` is the ticket command in the wrong case (DD111): its link is read as
        // one, so that the case hides nothing else that is wrong with it.
        let name = self.name_value()?;
        spec::command_spec(name).or_else(|| {
            spec::COMMANDS
                .iter()
                .find(|command| command.name.eq_ignore_ascii_case(name))
        })
    }

    /// The command this link opens: the one its `name` names, or, in a link without `name`,
    /// the one its V1 command stands for (`ddportal://ticketid=5&action=aprove` is a ticket
    /// link: DD501 rewrites the pair, and the rest of the link is judged now rather than
    /// after the fix).
    pub fn implied_command(&self) -> Option<&'static CommandSpec> {
        self.command().or_else(|| {
            let (_, form) = super::legacy_v1_link::v1_pair(self)?;
            spec::command_spec(form.v2_name())
        })
    }

    /// How a `&` between parameters is written here: `&amp;` in HTML, `&` in plain text.
    pub fn ampersand(&self) -> &'static str {
        if self.origin.is_html() { "&amp;" } else { "&" }
    }

    /// The input span that removes the `index`-th parameter together with one separator.
    pub fn removal_span(&self, index: usize) -> Span {
        let params = &self.link.params;
        let this = self.span(params[index].range.clone());
        if index > 0 {
            Span::new(self.span(params[index - 1].range.clone()).end, this.end)
        } else if let Some(next) = params.get(1) {
            Span::new(this.start, self.span(next.range.clone()).start)
        } else {
            this
        }
    }

    /// Whether this link is a V2 deep link (the kind the grammar rules judge).
    pub fn is_deep_link(&self) -> bool {
        self.link.client().is_some()
    }
}

/// The known key a key misread behind an ampersand stands for: `amp;action` (`&amp;amp;`, an
/// ampersand escaped twice) or `ampaction` (`&amp` without its `;`). DD104 and DD401 repair
/// it; its value is judged now, as it will be read once repaired, rather than after `fix`.
pub fn misread_as(key: &str) -> Option<&'static str> {
    if !key.starts_with(['a', 'A']) {
        return None;
    }
    super::wrong_case::behind_escaped_ampersand(key)
        .map(|(known, _)| known)
        .or_else(|| super::wrong_case::after_unterminated_amp(key).and_then(canonical_key))
}

/// `key` without the white space around it (`&amp; auth_token=`, ` ticket_id`), which DD402
/// removes.
pub fn unspaced(key: &str) -> &str {
    key.trim_matches(|c: char| c.is_ascii_whitespace())
}
