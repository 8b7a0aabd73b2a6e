//! The rule catalogue (SPEC §4): one file per rule, its user documentation in its doc comment.
//!
//! A rule file holds, top to bottom: the doc comment (what it does, why it is bad, example, use
//! instead), the declaration (code, name, default severity, fix availability) made with
//! `declare_rule!` (a macro of this module), the check, and its tests. [`RULES`] is the
//! registry: stable codes, never reused. Link rules run on every portal link found
//! ([`check_link`]); a few rules look at elements or the document and are called by the
//! rewriter at those points.

pub mod site;
pub mod tokens;
pub(crate) use auth::glued_secrets;
pub use site::{Gap, Joined, LinkSite, Origin, RuleSettings, TextMap};
pub use tokens::{TicketTokenNeed, TokenUse};

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::intern::Strings;

/// Whether a rule can repair what it reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    /// A safe fix, applied by `ddlink fix`.
    Safe,
    /// Only with `--unsafe-fixes` (a did-you-mean guess, a removal).
    Unsafe,
    /// Safe in some cases, unsafe or absent in others.
    Sometimes,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
            FixAvailability::Sometimes => "sometimes",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable code, `DD` and three digits.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// The rule's doc comment, as Markdown.
    pub doc: &'static str,
}

impl Rule {
    /// The first sentence of "What it does", for rule lists.
    pub fn summary(&self) -> String {
        let body = self
            .doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(self.doc)
            .split("##")
            .next()
            .unwrap_or_default();
        let paragraph: Vec<&str> = body
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty())
            .collect();
        let text = paragraph.join(" ");
        // The first sentence: a full stop and a space, not one inside "e.g. " or "i.e. ".
        let end = text.match_indices(". ").map(|(i, _)| i).find(|&i| {
            let before = &text[..i];
            !before.ends_with("e.g") && !before.ends_with("i.e")
        });
        match end {
            Some(end) => text[..=end].to_owned(),
            None => text,
        }
    }

    /// The documentation with the doc-comment indentation removed.
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// Declare a rule. The doc comment is required: it is the user documentation that
/// `ddlink rule CODE` prints, and a rule without one does not compile.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            fix: $fix:ident $(,)?
        };
    ) => {
        $(#[doc = $doc])+
        $vis static $ident: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            severity: $crate::diagnostic::Severity::$severity,
            fix: $crate::rules::FixAvailability::$fix,
            doc: concat!($($doc, "\n"),+),
        };
    };
}

mod auth;
pub mod did_you_mean;
mod enum_value;
mod separator;

pub mod address_bar_portal_url;
pub mod auto_login_in_shared_email;
pub mod bare_deeplink_in_text;
pub mod conflicting_auth;
pub mod desktop_link_in_email;
pub mod docs_placeholder_host;
pub mod duplicate_param;
pub mod empty_link_label;
pub mod empty_value;
pub mod encoded_token;
pub mod global_magic_token;
pub mod incomplete_auth;
pub mod insecure_scheme;
pub mod invalid_action;
pub mod invalid_placeholder;
pub mod invalid_state;
pub mod invalid_value;
pub mod legacy_v1_link;
pub mod link_in_inert_context;
pub mod literal_credential;
pub mod malformed_directive;
pub mod malformed_envelope;
pub mod missing_command_name;
pub mod missing_required_param;
pub mod nested_link;
pub mod param_not_allowed;
pub mod password_in_link;
pub mod portal_host_mismatch;
pub mod psa_token_mismatch;
pub mod psa_undetermined;
pub mod ticket_number_not_id;
pub mod unclosed_placeholder;
pub mod unencoded_email_token;
pub mod unescaped_ampersand;
pub mod unknown_command;
pub mod unknown_param;
pub mod unknown_token;
pub mod unparsable_document;
pub mod unused_suppression;
pub mod whitespace_in_url;
pub mod wrong_case;

/// Every rule, by code.
pub static RULES: &[&Rule] = &[
    &unknown_command::UNKNOWN_COMMAND,
    &missing_command_name::MISSING_COMMAND_NAME,
    &missing_required_param::MISSING_REQUIRED_PARAM,
    &unknown_param::UNKNOWN_PARAM,
    &param_not_allowed::PARAM_NOT_ALLOWED,
    &invalid_action::INVALID_ACTION,
    &invalid_state::INVALID_STATE,
    &invalid_value::INVALID_VALUE,
    &duplicate_param::DUPLICATE_PARAM,
    &empty_value::EMPTY_VALUE,
    &wrong_case::WRONG_CASE,
    &malformed_envelope::MALFORMED_ENVELOPE,
    &psa_token_mismatch::PSA_TOKEN_MISMATCH,
    &ticket_number_not_id::TICKET_NUMBER_NOT_ID,
    &encoded_token::ENCODED_TOKEN,
    &unknown_token::UNKNOWN_TOKEN,
    &psa_undetermined::PSA_UNDETERMINED,
    &unencoded_email_token::UNENCODED_EMAIL_TOKEN,
    &password_in_link::PASSWORD_IN_LINK,
    &literal_credential::LITERAL_CREDENTIAL,
    &auto_login_in_shared_email::AUTO_LOGIN_IN_SHARED_EMAIL,
    &global_magic_token::GLOBAL_MAGIC_TOKEN,
    &incomplete_auth::INCOMPLETE_AUTH,
    &conflicting_auth::CONFLICTING_AUTH,
    &insecure_scheme::INSECURE_SCHEME,
    &unescaped_ampersand::UNESCAPED_AMPERSAND,
    &whitespace_in_url::WHITESPACE_IN_URL,
    &desktop_link_in_email::DESKTOP_LINK_IN_EMAIL,
    &empty_link_label::EMPTY_LINK_LABEL,
    &bare_deeplink_in_text::BARE_DEEPLINK_IN_TEXT,
    &nested_link::NESTED_LINK,
    &link_in_inert_context::LINK_IN_INERT_CONTEXT,
    &portal_host_mismatch::PORTAL_HOST_MISMATCH,
    &docs_placeholder_host::DOCS_PLACEHOLDER_HOST,
    &unclosed_placeholder::UNCLOSED_PLACEHOLDER,
    &invalid_placeholder::INVALID_PLACEHOLDER,
    &legacy_v1_link::LEGACY_V1_LINK,
    &address_bar_portal_url::ADDRESS_BAR_PORTAL_URL,
    &unused_suppression::UNUSED_SUPPRESSION,
    &unparsable_document::UNPARSABLE_DOCUMENT,
    &malformed_directive::MALFORMED_DIRECTIVE,
];

/// Find a rule by code (`DD106`, any case) or name (`invalid-action`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| {
        rule.code.eq_ignore_ascii_case(code_or_name) || rule.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The link rules, in the order they run on each link.
const LINK_CHECKS: &[fn(&LinkSite, &mut Findings)] = &[
    malformed_envelope::check,
    insecure_scheme::check,
    docs_placeholder_host::check,
    portal_host_mismatch::check,
    whitespace_in_url::check,
    unescaped_ampersand::check,
    encoded_token::check,
    legacy_v1_link::check,
    global_magic_token::check,
    address_bar_portal_url::check,
    missing_command_name::check,
    unknown_command::check,
    wrong_case::check,
    unknown_param::check,
    param_not_allowed::check,
    duplicate_param::check,
    empty_value::check,
    missing_required_param::check,
    invalid_action::check,
    invalid_state::check,
    invalid_value::check,
    password_in_link::check,
    literal_credential::check,
    incomplete_auth::check,
    conflicting_auth::check,
    auto_login_in_shared_email::check,
    desktop_link_in_email::check,
    bare_deeplink_in_text::check,
];

/// Run every link rule on one link. A link in an inert context (script, style, comment) is
/// dead: only [`link_in_inert_context`] speaks about it, and the rules on credentials, which
/// go out with the e-mail whether anyone can click the link or not.
pub fn check_link(site: &LinkSite, findings: &mut Findings) {
    if matches!(site.origin, Origin::Inert(_)) {
        link_in_inert_context::check(site, findings);
        password_in_link::check(site, findings);
        literal_credential::check(site, findings);
        return;
    }
    let first = findings.diagnostics.len();
    for check in LINK_CHECKS {
        check(site, findings);
    }
    auth::keep_dormant_credentials(site, findings, first);
}

/// Which rules run and at what severity.
#[derive(Clone, Debug, Default)]
pub struct RuleConfig {
    /// By code: `None` turns the rule off.
    overrides: HashMap<&'static str, Option<Severity>>,
}

impl RuleConfig {
    /// Set a rule's severity (`None` = off).
    pub fn set(&mut self, rule: &'static Rule, severity: Option<Severity>) {
        self.overrides.insert(rule.code, severity);
    }

    /// The effective severity, `None` when the rule is off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.overrides.get(rule.code) {
            Some(setting) => *setting,
            None => Some(rule.severity),
        }
    }

    pub fn is_enabled(&self, rule: &Rule) -> bool {
        self.severity(rule).is_some()
    }
}

/// Where rules put what they find; applies the configured severities.
#[derive(Debug)]
pub struct Findings<'c> {
    config: &'c RuleConfig,
    diagnostics: Vec<Diagnostic>,
    /// DD103 findings whose fix waits for the file's dialect.
    needs: Vec<TicketTokenNeed>,
    /// One copy of each message, help and fix text.
    pub strings: Strings,
    /// Whether the document could not be read whole (DD602), said whether the rule is on or
    /// not: what `fix` may write must not depend on which findings are shown.
    pub unparsable: bool,
}

impl<'c> Findings<'c> {
    pub fn new(config: &'c RuleConfig) -> Self {
        Findings {
            config,
            diagnostics: Vec::new(),
            needs: Vec::new(),
            strings: Strings::default(),
            unparsable: false,
        }
    }

    /// Room for the findings of a large document of `len` bytes: one per 2 KiB, more than
    /// templates hold. Only the room written to takes memory (a block this large is fresh
    /// pages from the system, each given at its first touch), where growing as findings come
    /// would copy them, holding the old room and the new at once just when the document's
    /// findings are most numerous (a fifth of the peak of a 200 MB template's check).
    pub fn reserve_for(&mut self, len: usize) {
        self.diagnostics.reserve(len / 2048);
    }

    /// Whether a rule is on: rules skip their work when it is not.
    pub fn enabled(&self, rule: &Rule) -> bool {
        self.config.is_enabled(rule)
    }

    /// Keep a finding, at the configured severity if one is set (otherwise at the severity
    /// the rule chose for this finding), or drop it when its rule is off. Its index, if kept.
    pub fn push(&mut self, mut diagnostic: Diagnostic) -> Option<usize> {
        match self.config.overrides.get(diagnostic.rule.code) {
            Some(None) => return None,
            Some(Some(severity)) => diagnostic.severity = *severity,
            None => {}
        }
        diagnostic.text = self.strings.share_text(diagnostic.text);
        for edit in diagnostic.fix.iter_mut().flat_map(|fix| &mut fix.edits) {
            edit.content = self.strings.share(std::mem::take(&mut edit.content));
        }
        self.diagnostics.push(diagnostic);
        Some(self.diagnostics.len() - 1)
    }

    /// Keep a finding that also says what `other` would (a near miss of a required key is
    /// also its absence: DD104 for DD103), at the more serious of the two rules' configured
    /// severities, so that turning the one down does not hide the other.
    pub fn push_also_for(&mut self, diagnostic: Diagnostic, other: &Rule) -> Option<usize> {
        let other = self.config.severity(other);
        let index = self.push(diagnostic)?;
        if let Some(severity) = other {
            let kept = &mut self.diagnostics[index];
            kept.severity = kept.severity.max(severity);
        }
        Some(index)
    }

    /// Drop, from index `first` on, each finding that repeats one before it (the same rule,
    /// span and message), as two ways of writing one link find what they share twice.
    pub fn drop_repeats_from(&mut self, first: usize) {
        let first = first.min(self.diagnostics.len());
        let mut kept_at: Vec<Option<usize>> = Vec::with_capacity(self.diagnostics.len() - first);
        let mut kept: Vec<Diagnostic> = Vec::new();
        for diagnostic in self.diagnostics.drain(first..) {
            let repeats = kept.iter().any(|other| {
                other.rule.code == diagnostic.rule.code
                    && other.span == diagnostic.span
                    && other.text.message == diagnostic.text.message
            });
            if repeats {
                kept_at.push(None);
            } else {
                kept_at.push(Some(first + kept.len()));
                kept.push(diagnostic);
            }
        }
        self.diagnostics.extend(kept);
        self.needs.retain_mut(|need| {
            let Some(index) = need.diagnostic.filter(|&index| index >= first) else {
                return true;
            };
            match kept_at[index - first] {
                Some(at) => {
                    need.diagnostic = Some(at);
                    true
                }
                None => false,
            }
        });
    }

    /// The findings kept from index `first` on, to change.
    pub fn kept_from(&mut self, first: usize) -> &mut [Diagnostic] {
        let first = first.min(self.diagnostics.len());
        &mut self.diagnostics[first..]
    }

    /// Change a finding already kept (a fix that could be made only later).
    pub fn amend(&mut self, index: usize, change: impl FnOnce(&mut Diagnostic)) {
        if let Some(diagnostic) = self.diagnostics.get_mut(index) {
            change(diagnostic);
        }
    }

    /// Note that a finding's fix needs the file's ticket-id token.
    pub fn need_ticket_token(&mut self, need: TicketTokenNeed) {
        self.needs.push(need);
    }

    /// Take the findings so far out (to filter them), leaving none.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// The findings waiting for the file's ticket-id token.
    pub fn take_needs(&mut self) -> Vec<TicketTokenNeed> {
        std::mem::take(&mut self.needs)
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in RULES {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.code.len() == 5
                    && rule.code.starts_with("DD")
                    && rule.code[2..].bytes().all(|b| b.is_ascii_digit()),
                "{}",
                rule.code
            );
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.name
            );
        }
    }

    #[test]
    fn every_rule_documents_the_four_sections() {
        for rule in RULES {
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(rule.doc.contains(heading), "{} lacks {heading}", rule.code);
            }
            assert!(!rule.summary().is_empty(), "{} has no summary", rule.code);
        }
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(find("DD106").map(|r| r.name), Some("invalid-action"));
        assert_eq!(find("dd106").map(|r| r.name), Some("invalid-action"));
        assert_eq!(find("invalid-action").map(|r| r.code), Some("DD106"));
        assert_eq!(find("nope"), None);
    }
}
