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

/// What a finding says: its message, and the help that goes with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Text {
    pub message: Arc<str>,
    pub help: Option<Arc<str>>,
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
