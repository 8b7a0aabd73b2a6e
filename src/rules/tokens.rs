//! The dialect rules (DD201–DD206) judge the template tokens in links, and they can only do so
//! once the file's dialect is known, which may be at its very end (a `<!-- ddlink: psa=… -->`
//! comment anywhere, or detection from all its tokens). So while links are read, their tokens
//! are noted as [`TokenUse`]s; when the document ends, [`check`] runs the rules on them.

use std::sync::Arc;

use super::wrong_case::canonical_key;
use super::{
    Findings, LinkSite, invalid_value, psa_token_mismatch, psa_undetermined, ticket_number_not_id,
    unencoded_email_token, unknown_token,
};
use crate::command::token::{TokenShape, tokens};
use crate::diagnostic::{Edit, Fix, Span};
use crate::dialect::{Dialect, Language, Resolved};
use crate::intern::Strings;

/// A template token inside a link's parameter value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUse {
    /// The token's bytes in the input.
    pub span: Span,
    /// The token, decoded (`[Ticket: ID]`): one copy per document of each (a large template
    /// repeats a few tokens thousands of times).
    pub token: Arc<str>,
    /// The parameter it is the value of (canonical key), if known.
    pub key: Option<&'static str>,
    /// Whether the whole value is this one token.
    pub whole_value: bool,
}

/// A ticket link without `ticket_id` whose DD103 fix needs the dialect's ticket-id token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketTokenNeed {
    /// Index of the DD103 diagnostic in the findings; `None` with DD103 off (DD205 may still
    /// be on, and says the same where the dialect stays unknown).
    pub diagnostic: Option<usize>,
    /// Where to insert `&ticket_id=<token>`.
    pub at: usize,
    /// `&amp;ticket_id=` or `&ticket_id=`.
    pub prefix: String,
    /// The span the diagnostic points at.
    pub span: Span,
}

/// The file's dialect, as the dialect rules see it.
#[derive(Clone, Copy, Debug)]
pub struct DialectContext<'a> {
    pub dialect: Option<Dialect>,
    pub language: Language,
    /// `[auth] email_token`: the contact e-mail token this instance fills in, over the
    /// dialect's own.
    pub email_token: Option<&'a str>,
}

/// The tokens in the values of a link's parameters.
pub fn token_uses(site: &LinkSite, strings: &mut Strings) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    for (key, value) in site.values() {
        let text = site.str(value.clone());
        for token in tokens(text) {
            if matches!(
                token.shape,
                TokenShape::LiquidTag | TokenShape::EncodedBracket | TokenShape::EncodedMustache
            ) || crate::command::token::is_handlebars_control_tag(&text[token.range.clone()])
            {
                continue;
            }
            let range = value.start + token.range.start..value.start + token.range.end;
            // Encoded (`{{%20Ticket.Id%20}}`, `[Ticket:%20ID]`): DD203's, judged as the token
            // once decoded.
            let raw = &text[token.range.clone()];
            if super::encoded_token::written_with_references(site, range.clone())
                || (raw.contains('%') && super::encoded_token::percent_decode(raw).is_some())
            {
                continue;
            }
            uses.push(TokenUse {
                span: site.span(range),
                token: strings.get(&text[token.range.clone()]),
                key: canonical_key(key).or_else(|| super::site::misread_as(key)),
                whole_value: token.range.len() == text.len(),
            });
        }
    }
    uses
}

/// Run the dialect rules once the file's dialect is resolved.
pub fn check(
    uses: &[TokenUse],
    needs: &[TicketTokenNeed],
    resolved: &Resolved,
    language: Language,
    email_token: Option<&str>,
    findings: &mut Findings,
) {
    let context = DialectContext {
        dialect: resolved.dialect,
        language,
        email_token,
    };
    for token in uses {
        psa_token_mismatch::check(token, &context, findings);
        ticket_number_not_id::check(token, &context, findings);
        invalid_value::check_token(token, &context, findings);
        unknown_token::check(token, &context, findings);
        unencoded_email_token::check(token, &context, findings);
    }
    for need in needs {
        match (resolved.dialect, need.diagnostic) {
            (Some(_), None) => {}
            (Some(dialect), Some(index)) => {
                let token = crate::dialect::token::token_for(
                    crate::dialect::token::Meaning::TicketId,
                    dialect,
                    language,
                )
                .expect("every dialect has a ticket-id token");
                findings.amend(index, |diagnostic| {
                    diagnostic.set_help(format!("add `ticket_id={token}`"));
                    diagnostic.fix = Some(Fix::safe(vec![Edit::insert(
                        need.at,
                        format!("{}{token}", need.prefix),
                    )]));
                });
            }
            (None, _) => psa_undetermined::report(findings, need.span),
        }
    }
}
