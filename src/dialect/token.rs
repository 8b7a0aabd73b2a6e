//! What a template token is: which dialect's shape it has, whether it is known, and what it
//! means (the ticket id, the contact's e-mail address).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::vocabulary::{AUTOTASK, AutotaskVariable, CONNECTWISE, DESKDIRECTOR_OBJECTS};
use super::{Dialect, Language};

/// The dialect a token's shape belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `[srnumber]`, `[cf-12]`: lowercase letters, digits and hyphens.
    ConnectWise,
    /// `[Ticket: ID]`: an entity, a colon, one space, a field.
    Autotask,
    /// Bracketed text with a colon but not exactly `: ` (`[Ticket:ID]`, `[Ticket :ID]`): an
    /// Autotask variable that the PSA will not fill in.
    MalformedAutotask,
    /// `{{ Ticket.Id }}`.
    Liquid,
    /// Bracketed prose (`[YOUR LINK HERE]`): not a variable of any PSA.
    Prose,
}

impl Shape {
    /// The dialect whose templates use this shape.
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Shape::ConnectWise => Some(Dialect::ConnectWise),
            Shape::Autotask | Shape::MalformedAutotask => Some(Dialect::Autotask),
            Shape::Liquid => Some(Dialect::DeskDirector),
            Shape::Prose => None,
        }
    }
}

/// The shape of a whole token (`[…]` or `{{…}}`).
pub fn shape(token: &str) -> Shape {
    // `{ Ticket.Id }}`: a Liquid expression that lost a brace (see `command::token`).
    if token.starts_with('{') && !token.starts_with("{%") {
        return Shape::Liquid;
    }
    let Some(inner) = token.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return Shape::Prose;
    };
    if !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Shape::ConnectWise;
    }
    match inner.split_once(':') {
        Some((entity, field))
            if entity.chars().next().is_some_and(char::is_alphabetic)
                && !entity.ends_with(' ')
                && field.starts_with(' ')
                && !field.starts_with("  ")
                && !field.trim().is_empty() =>
        {
            Shape::Autotask
        }
        Some((entity, field))
            if entity
                .trim()
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
                && !field.trim().is_empty() =>
        {
            Shape::MalformedAutotask
        }
        _ => Shape::Prose,
    }
}

/// The Autotask variable a token names in some language, and that language.
pub fn autotask_variable(token: &str) -> Option<(&'static AutotaskVariable, Language)> {
    // Looked up for every token of every template: the vocabulary is indexed once.
    static BY_NAME: OnceLock<HashMap<&'static str, (&'static AutotaskVariable, Language)>> =
        OnceLock::new();
    let inner = token.strip_prefix('[')?.strip_suffix(']')?;
    BY_NAME
        .get_or_init(|| {
            let mut by_name = HashMap::new();
            for variable in AUTOTASK {
                for language in Language::ALL {
                    by_name
                        .entry(autotask_name(variable, language))
                        .or_insert((variable, language));
                }
            }
            by_name
        })
        .get(inner)
        .copied()
}

/// A variable's name in one language (without brackets).
pub fn autotask_name(variable: &AutotaskVariable, language: Language) -> &'static str {
    match language {
        Language::En => variable.en,
        Language::De => variable.de,
        Language::Es => variable.es,
    }
}

/// The Autotask variable with this key.
pub fn autotask_by_key(key: &str) -> Option<&'static AutotaskVariable> {
    AUTOTASK.iter().find(|v| v.key == key)
}

/// Whether a ConnectWise token is one we know (`[cf-<n>]` included).
pub fn is_known_connectwise(token: &str) -> bool {
    static KNOWN: OnceLock<HashSet<&'static str>> = OnceLock::new();
    KNOWN
        .get_or_init(|| CONNECTWISE.iter().copied().collect())
        .contains(token)
        || token
            .strip_prefix("[cf-")
            .and_then(|t| t.strip_suffix(']'))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a bracket token is a field a PSA's vocabulary knows (`[memberid]`,
/// `[Ticket: Status]`); a ConnectWise custom field (`[cf-12]`) may hold anything, and is none.
pub fn is_vocabulary_field(token: &str) -> bool {
    autotask_variable(token).is_some()
        || (is_known_connectwise(token) && !token.starts_with("[cf-"))
}

/// The expression inside `{{ … }}` without filters: `Ticket.Id` for `{{ Ticket.Id | x }}`.
pub fn liquid_expression(token: &str) -> Option<&str> {
    let inner = token.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.trim_start_matches('-').trim_end_matches('-');
    Some(inner.split('|').next().unwrap_or_default().trim())
}

/// The filters of a Liquid expression (`url_encode` in `{{ Contact.Email | url_encode }}`).
pub fn liquid_filters(token: &str) -> Vec<&str> {
    token
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .map(|inner| {
            inner
                .split('|')
                .skip(1)
                .map(|f| f.trim().split([':', ' ']).next().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// The root object of a Liquid expression (`Ticket` in `Ticket.Id`).
pub fn liquid_root(token: &str) -> Option<&str> {
    let expression = liquid_expression(token)?;
    let root = expression.split(['.', '[', ' ']).next()?;
    (!root.is_empty()).then_some(root)
}

pub fn is_known_liquid_root(root: &str) -> bool {
    DESKDIRECTOR_OBJECTS.contains(&root)
}

/// What a token stands for, across dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    TicketId,
    /// Autotask's `T20240101.0001` ticket number.
    TicketNumber,
    ContactEmail,
    ContactFirstName,
}

/// What a token stands for, if it is one of the tokens with an equivalent in other dialects.
pub fn meaning(token: &str) -> Option<Meaning> {
    match token {
        "[srnumber]" => return Some(Meaning::TicketId),
        "[contactfirstname]" => return Some(Meaning::ContactFirstName),
        _ => {}
    }
    if let Some(expression) = liquid_expression(token) {
        return match expression {
            "Ticket.Id" => Some(Meaning::TicketId),
            "Contact.Email" => Some(Meaning::ContactEmail),
            _ => None,
        };
    }
    match autotask_variable(token)?.0.key {
        "ticket.id" => Some(Meaning::TicketId),
        "ticket.number" | "ticket.numberWithLink" => Some(Meaning::TicketNumber),
        "contact.emailAddress" => Some(Meaning::ContactEmail),
        "contact.firstName" => Some(Meaning::ContactFirstName),
        _ => None,
    }
}

/// The token for `meaning` in a dialect (Autotask in the instance's language).
pub fn token_for(meaning: Meaning, dialect: Dialect, language: Language) -> Option<String> {
    let autotask =
        |key: &str| autotask_by_key(key).map(|v| format!("[{}]", autotask_name(v, language)));
    match (meaning, dialect) {
        (Meaning::TicketId, Dialect::ConnectWise) => Some("[srnumber]".to_owned()),
        (Meaning::TicketId, Dialect::Autotask) => autotask("ticket.id"),
        (Meaning::TicketId, Dialect::DeskDirector) => Some("{{ Ticket.Id }}".to_owned()),
        (Meaning::ContactEmail, Dialect::Autotask) => autotask("contact.emailAddress"),
        (Meaning::ContactEmail, Dialect::DeskDirector) => Some("{{ Contact.Email }}".to_owned()),
        (Meaning::ContactFirstName, Dialect::ConnectWise) => Some("[contactfirstname]".to_owned()),
        (Meaning::ContactFirstName, Dialect::Autotask) => autotask("contact.firstName"),
        _ => None,
    }
}

/// Evidence for each dialect, counted from the tokens of a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    counts: [usize; 3],
}

impl Evidence {
    /// Count a token if it is known to one dialect ([`known_dialect`]).
    pub fn add(&mut self, token: &str) {
        if let Some(dialect) = known_dialect(token) {
            self.counts[dialect as usize] += 1;
        }
    }

    /// Count every token in `text`, those written in a `{{deeplink …}}` call's arguments
    /// too: they are the link's, as a `<dd-link>` attribute's are, and both forms must
    /// detect the same dialect.
    pub fn scan(&mut self, text: &str) {
        for token in crate::command::token::tokens(text) {
            let written = &text[token.range];
            match crate::expand::mustache::call_arguments(written) {
                Some(arguments) => self.scan(arguments),
                None => self.add(written),
            }
        }
    }

    /// Add what another part of the file counted.
    pub fn add_all(&mut self, other: Evidence) {
        for (count, more) in self.counts.iter_mut().zip(other.counts) {
            *count += more;
        }
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The dialect the evidence points to: the only one seen, or one seen at least three times
    /// as often as all others together (a stray token of another PSA is a mistake to report,
    /// not a reason to give up). `None` when there is no evidence or it is mixed.
    pub fn verdict(&self) -> Option<Dialect> {
        let total = self.total();
        Dialect::ALL.into_iter().find(|&d| {
            let count = self.counts[d as usize];
            count > 0 && count >= 3 * (total - count)
        })
    }

    /// When the evidence is mixed (no verdict, tokens of more than one dialect): each dialect
    /// seen and how often, the most often first.
    pub fn mixed(&self) -> Option<Vec<(Dialect, usize)>> {
        let mut seen: Vec<(Dialect, usize)> = Dialect::ALL
            .into_iter()
            .map(|d| (d, self.counts[d as usize]))
            .filter(|&(_, count)| count > 0)
            .collect();
        seen.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        (self.verdict().is_none() && seen.len() > 1).then_some(seen)
    }
}

/// The dialect of a token known to one (shapes alone are weak evidence: prose in brackets
/// looks like a ConnectWise token).
pub fn known_dialect(token: &str) -> Option<Dialect> {
    match shape(token) {
        Shape::ConnectWise if is_known_connectwise(token) => Some(Dialect::ConnectWise),
        Shape::Autotask if autotask_variable(token).is_some() || autotask_entity_known(token) => {
            Some(Dialect::Autotask)
        }
        Shape::Liquid if liquid_root(token).is_some_and(is_known_liquid_root) => {
            Some(Dialect::DeskDirector)
        }
        _ => None,
    }
}

/// Which of two readings of a bracket token that holds white space other than a plain space
/// (`[Ticket:⏎ID]`, `[sr&nbsp;number]`) its author meant: `spaced`, with a space for it, as an
/// Autotask token has one, or `joined`, without it, as a ConnectWise token has none. A token
/// a PSA knows wins; else a ConnectWise shape joined; else the space. `true` for `spaced`.
pub fn meant_spaced(spaced: &str, joined: &str) -> bool {
    if known_dialect(spaced).is_some() {
        return true;
    }
    known_dialect(joined).is_none() && shape(joined) != Shape::ConnectWise
}

/// Whether an Autotask-shaped token's entity is one we know (the list of variables is not
/// exhaustive, the entities of a notification template are).
fn autotask_entity_known(token: &str) -> bool {
    static ENTITIES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let Some((entity, _)) = token.strip_prefix('[').and_then(|t| t.split_once(':')) else {
        return false;
    };
    ENTITIES
        .get_or_init(|| {
            AUTOTASK
                .iter()
                .flat_map(|v| Language::ALL.map(|l| autotask_name(v, l)))
                .filter_map(|name| name.split(':').next())
                .collect()
        })
        .contains(entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("[srnumber]"), Shape::ConnectWise);
        assert_eq!(shape("[cf-12]"), Shape::ConnectWise);
        assert_eq!(shape("[Ticket: ID]"), Shape::Autotask);
        assert_eq!(shape("[Ticket: Id.]"), Shape::Autotask);
        assert_eq!(shape("[Ticket:ID]"), Shape::MalformedAutotask);
        assert_eq!(shape("[Ticket :ID]"), Shape::MalformedAutotask);
        assert_eq!(shape("[Ticket:  ID]"), Shape::MalformedAutotask);
        assert_eq!(shape("[YOUR LINK HERE]"), Shape::Prose);
        assert_eq!(shape("{{ Ticket.Id }}"), Shape::Liquid);
    }

    #[test]
    fn meanings_and_equivalents() {
        assert_eq!(meaning("[Ticket: Id.]"), Some(Meaning::TicketId));
        assert_eq!(meaning("[Ticket: Nummer]"), Some(Meaning::TicketNumber));
        assert_eq!(meaning("{{ Ticket.Id }}"), Some(Meaning::TicketId));
        assert_eq!(meaning("{{Ticket.Id}}"), Some(Meaning::TicketId));
        assert_eq!(
            token_for(Meaning::TicketId, Dialect::Autotask, Language::Es).as_deref(),
            Some("[Ticket: Id.]")
        );
        assert_eq!(
            token_for(Meaning::ContactEmail, Dialect::ConnectWise, Language::En),
            None
        );
    }

    #[test]
    fn detection() {
        let mut evidence = Evidence::default();
        evidence.scan("Hi [Contact: First Name], ticket [Ticket: ID] / [Ticket: Title] [srnumber] [YOUR LINK]");
        assert_eq!(evidence.verdict(), Some(Dialect::Autotask));
        assert_eq!(evidence.mixed(), None);
        let mut mixed = Evidence::default();
        mixed.scan("[srnumber] [Ticket: ID] [Contact: First Name]");
        assert_eq!(mixed.verdict(), None);
        let seen = vec![(Dialect::Autotask, 2), (Dialect::ConnectWise, 1)];
        assert_eq!(mixed.mixed(), Some(seen.clone()));
        assert_eq!(
            crate::dialect::Resolved {
                dialect: None,
                source: Some(crate::dialect::Source::Mixed(seen)),
            }
            .to_string(),
            "undetermined (known tokens of more than one PSA: 2 autotask, 1 connectwise; no --psa, no `<!-- ddlink: psa=… -->` comment, no `psa` in ddlink.toml)"
        );
        assert_eq!(Evidence::default().verdict(), None);
        assert_eq!(Evidence::default().mixed(), None);
        let mut liquid = Evidence::default();
        liquid.scan("{{ Ticket.Id }} {{ Contact.FirstName }} {{ Item.Note }}");
        assert_eq!(liquid.verdict(), Some(Dialect::DeskDirector));
    }
}
