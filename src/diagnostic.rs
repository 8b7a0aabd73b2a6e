//! The one finding type every part of ddlink speaks: a rule, a severity, a message, a byte span
//! in the input as read, optional help and an optional fix.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::rules::Rule;

/// How serious a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A half-open byte range `[start, end)` into the input exactly as it was read (before any
/// decoding), so that editors and `fix` can address the original bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Replace the bytes `[start, end)` of the original input with `content`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    /// Shared: a document's fixes repeat the same few replacements.
    pub content: Arc<str>,
}

impl Edit {
    pub fn replace(span: Span, content: impl Into<Arc<str>>) -> Self {
        Edit {
            start: span.start,
            end: span.end,
            content: content.into(),
        }
    }

    pub fn delete(span: Span) -> Self {
        Edit::replace(span, "")
    }

    pub fn insert(at: usize, content: impl Into<Arc<str>>) -> Self {
        Edit::replace(Span::new(at, at), content)
    }
}

/// Whether applying a fix can change what the link means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the link's meaning and only repairs its form: `fix` applies it.
    Safe,
    /// A guess (did-you-mean) or a change of meaning: only with `--unsafe-fixes`.
    Unsafe,
}

/// A set of edits that together repair one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// A boxed slice, not a `Vec`: a fix's edits do not grow, and every finding of a large
    /// document carries the difference.
    pub edits: Box<[Edit]>,
}

impl Fix {
    pub fn safe(edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Safe,
            edits: edits.into_boxed_slice(),
        }
    }

    pub fn unsafe_(edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Unsafe,
            edits: edits.into_boxed_slice(),
        }
    }

    pub fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }

    /// Whether the fix is for a run: a safe one always, an unsafe one with `unsafe_fixes`.
    pub fn applies(&self, unsafe_fixes: bool) -> bool {
        unsafe_fixes || self.is_safe()
    }
}

/// `help` with `byte {at}` (the whole number: not `byte {at}0`) written `as_written`.
fn byte_named(help: &str, at: usize, as_written: &str) -> String {
    let named = format!("byte {at}");
    let mut out = String::with_capacity(help.len());
    let mut rest = help;
    while let Some(found) = rest.find(&named) {
        let after = &rest[found + named.len()..];
        out.push_str(&rest[..found]);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&named);
        } else {
            out.push_str(as_written);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// What a finding says: its message, and the help that goes with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Text {
    pub message: Arc<str>,
    pub help: Option<Arc<str>>,
    /// A byte of the input that the help names as `byte N` (where the outer link of a
    /// nested one opens): a report that reads the input again writes it as a line and column
    /// ([`Diagnostic::place_help`]).
    pub help_at: Option<usize>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    /// The effective severity, after configuration.
    pub severity: Severity,
    pub span: Span,
    /// Shared behind one pointer: a document's findings repeat the same few sentences, and
    /// a large one keeps tens of thousands of findings (a message and a help held apart took
    /// a quarter of each finding's size).
    pub text: Arc<Text>,
    pub fix: Option<Fix>,
    /// Whether the finding says the link is read otherwise than it is written (a `&` that
    /// starts a character reference: `&quot_id` reads `"_id`): the findings on the value so
    /// misread are then not reported as well. Told here, not by the severity, which the
    /// configuration may change.
    pub misread: bool,
}

impl Diagnostic {
    pub fn new(rule: &'static Rule, span: Span, message: impl Into<Arc<str>>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            span,
            text: Arc::new(Text {
                message: message.into(),
                help: None,
                help_at: None,
            }),
            fix: None,
            misread: false,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<Arc<str>>) -> Self {
        self.set_help(help);
        self
    }

    pub fn set_help(&mut self, help: impl Into<Arc<str>>) {
        Arc::make_mut(&mut self.text).help = Some(help.into());
    }

    /// A help that names the byte `at` of the input, written `byte {at}` in it.
    #[must_use]
    pub fn with_help_at(mut self, help: impl Into<Arc<str>>, at: usize) -> Self {
        let text = Arc::make_mut(&mut self.text);
        text.help = Some(help.into());
        text.help_at = Some(at);
        self
    }

    /// Move the byte the help names, as the finding's span is moved.
    pub fn move_help_at(&mut self, moved: impl FnOnce(usize) -> usize) {
        let Some(at) = self.text.help_at else {
            return;
        };
        let to = moved(at);
        let text = Arc::make_mut(&mut self.text);
        if let Some(help) = &text.help {
            text.help = Some(byte_named(help, at, &format!("byte {to}")).into());
        }
        text.help_at = Some(to);
    }

    /// Write the byte the help names as `place` (its line and column).
    pub fn place_help(&mut self, place: &str) {
        let Some(at) = self.text.help_at else {
            return;
        };
        let text = Arc::make_mut(&mut self.text);
        if let Some(help) = &text.help {
            text.help = Some(byte_named(help, at, place).into());
        }
        text.help_at = None;
    }

    pub fn message(&self) -> &str {
        &self.text.message
    }

    pub fn help(&self) -> Option<&str> {
        self.text.help.as_deref()
    }

    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    #[must_use]
    pub fn with_optional_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    pub fn name(&self) -> &'static str {
        self.rule.name
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_byte_named_in_a_help_is_written_whole() {
        assert_eq!(
            super::byte_named("at byte 9, not byte 90; byte 9", 9, "line 1, column 2"),
            "at line 1, column 2, not byte 90; line 1, column 2"
        );
    }

    use super::*;

    /// A large document keeps tens of thousands of findings until its end (the dialect that
    /// some fixes depend on is known only then): their size is its memory.
    #[test]
    fn a_finding_stays_small() {
        assert!(
            std::mem::size_of::<Diagnostic>() <= 64,
            "{}",
            std::mem::size_of::<Diagnostic>()
        );
    }
}
