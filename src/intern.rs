//! One copy of each string that a document's findings and placeholders repeat.
//!
//! A large template repeats the same few messages, fixes and placeholder arguments thousands
//! of times (a bare `&` in every link, the same wrong portal host on every button): kept once
//! each, the findings of a 200 MB document take a third of the memory they took as separate
//! strings.

use std::collections::HashSet;
use std::sync::Arc;

use crate::diagnostic::Text;
use crate::expand::Arg;

/// The strings kept so far, for one document.
#[derive(Debug, Default)]
pub struct Strings {
    // foldhash: these keys are ddlink's own messages and the template's words, hashed once
    // per finding, where SipHash's resistance to chosen keys buys nothing.
    kept: HashSet<Arc<str>, foldhash::fast::RandomState>,
    texts: HashSet<Arc<Text>, foldhash::fast::RandomState>,
    arg_lists: HashSet<Arc<[Arg]>, foldhash::fast::RandomState>,
}

impl Strings {
    /// The kept copy of `text`, kept now if it is new.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(kept) = self.kept.get(text) {
            return Arc::clone(kept);
        }
        let kept: Arc<str> = Arc::from(text);
        self.kept.insert(Arc::clone(&kept));
        kept
    }

    /// The kept copy of a string made elsewhere, or that string, kept from now on.
    pub fn share(&mut self, text: Arc<str>) -> Arc<str> {
        if let Some(kept) = self.kept.get(&*text) {
            return Arc::clone(kept);
        }
        self.kept.insert(Arc::clone(&text));
        text
    }

    /// The kept copy of a placeholder's arguments (spans from its start), kept now if new.
    pub fn share_args(&mut self, args: Vec<Arg>) -> Arc<[Arg]> {
        if let Some(kept) = self.arg_lists.get(args.as_slice()) {
            return Arc::clone(kept);
        }
        let kept: Arc<[Arg]> = Arc::from(args);
        self.arg_lists.insert(Arc::clone(&kept));
        kept
    }

    /// The kept copy of a finding's text, or that text (its strings shared), kept from now on.
    pub fn share_text(&mut self, mut text: Arc<Text>) -> Arc<Text> {
        if let Some(kept) = self.texts.get(&text) {
            return Arc::clone(kept);
        }
        // A finding's new text is its own: changed in place.
        let Text { message, help, .. } = Arc::make_mut(&mut text);
        *message = self.share(Arc::clone(message));
        if let Some(help) = help {
            *help = self.share(Arc::clone(help));
        }
        self.texts.insert(Arc::clone(&text));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_copy() {
        let mut strings = Strings::default();
        let first = strings.get("a bare `&` in HTML");
        let second = strings.share(Arc::from("a bare `&` in HTML"));
        let other = strings.get("another");
        assert!(Arc::ptr_eq(&first, &second));
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(&*other, "another");
    }

    #[test]
    fn equal_texts_share_one_copy_and_their_strings() {
        let text = |message: &str, help: Option<&str>| {
            Arc::new(Text {
                message: Arc::from(message),
                help: help.map(Arc::from),
                help_at: None,
            })
        };
        let mut strings = Strings::default();
        let first = strings.share_text(text("a bare `&`", Some("write `&amp;`")));
        let second = strings.share_text(text("a bare `&`", Some("write `&amp;`")));
        let other_help = strings.share_text(text("a bare `&`", None));
        assert!(Arc::ptr_eq(&first, &second));
        assert!(!Arc::ptr_eq(&first, &other_help));
        assert!(Arc::ptr_eq(&first.message, &other_help.message));
        assert_eq!(other_help.help, None);
        assert_eq!(first.help.as_deref(), Some("write `&amp;`"));
    }
}
