//! The markup expanded placeholders become: Handlebars snippets, built in or from a folder.
//!
//! The URL is never escaped by Handlebars (it would turn `=` into `&#x3D;`): ddlink escapes it
//! for the attribute itself and the snippets insert it with `{{{href}}}`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use handlebars::Handlebars;
use serde::Serialize;
use thiserror::Error;

/// The built-in snippets, in the binary.
const LINK: &str = include_str!("../../templates/link.hbs");
const BUTTON: &str = include_str!("../../templates/button.hbs");

/// Which snippet renders a `<dd-link>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snippet {
    Link,
    Button,
}

impl Snippet {
    fn name(self) -> &'static str {
        match self {
            Snippet::Link => "link",
            Snippet::Button => "button",
        }
    }
}

/// What a snippet is given.
#[derive(Debug, Serialize)]
pub struct SnippetData<'a> {
    /// The URL, escaped for a double-quoted attribute.
    pub href: &'a str,
    /// Pass-through attributes, each ` name="value"`, `style` excluded.
    pub attributes: &'a str,
    /// The pass-through `style` value (escaped), empty when there is none.
    pub style: &'a str,
    /// The label markup (the placeholder's own, or a default).
    pub label: &'a str,
}

/// A snippet folder that cannot be used.
#[derive(Debug, Error)]
pub enum SnippetError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid Handlebars template: {message}")]
    Template { path: String, message: String },
}

/// A registry of the two snippets, compiled once.
#[derive(Debug)]
pub struct Snippets {
    /// Compiled when first rendered, for the built-in snippets: a run that expands nothing
    /// (most checks, most saves in an editor) does not pay for compiling them.
    registry: OnceLock<Handlebars<'static>>,
    /// Whether these are the built-in snippets, which use only what [`SnippetData`] always
    /// holds and so never fail to render.
    builtin: bool,
}

impl Snippets {
    fn compile(
        link: (&str, &str),
        button: (&str, &str),
    ) -> Result<Handlebars<'static>, SnippetError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, (path, source)) in [("link", link), ("button", button)] {
            registry
                .register_template_string(name, source)
                .map_err(|e| SnippetError::Template {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
        }
        Ok(registry)
    }

    /// The snippets built into ddlink (`templates/link.hbs`, `templates/button.hbs`).
    pub fn builtin() -> Arc<Snippets> {
        static BUILTIN: OnceLock<Arc<Snippets>> = OnceLock::new();
        Arc::clone(BUILTIN.get_or_init(|| {
            Arc::new(Snippets {
                registry: OnceLock::new(),
                builtin: true,
            })
        }))
    }

    /// `link.hbs` and `button.hbs` from `dir`; a missing one falls back to the built-in.
    pub fn from_dir(dir: &Path) -> Result<Snippets, SnippetError> {
        let read = |name: &str, builtin: &'static str| -> Result<(String, String), SnippetError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok((path.display().to_string(), text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok((format!("built-in {name}"), builtin.to_owned()))
                }
                Err(source) => Err(SnippetError::Read {
                    path: path.display().to_string(),
                    source,
                }),
            }
        };
        let link = read("link.hbs", LINK)?;
        let button = read("button.hbs", BUTTON)?;
        // Compiled now: a folder's snippets that do not compile are reported before any run.
        let registry = Snippets::compile((&link.0, &link.1), (&button.0, &button.1))?;
        Ok(Snippets {
            registry: OnceLock::from(registry),
            builtin: false,
        })
    }

    /// Whether rendering cannot fail whatever the data (the built-in snippets): a check, which
    /// keeps no expansion, then need not render them only to learn that.
    pub fn always_render(&self) -> bool {
        self.builtin
    }

    /// Render a snippet; `None` when a custom snippet fails (it names a variable that does not
    /// exist, under strict mode).
    pub fn render(&self, snippet: Snippet, data: &SnippetData) -> Result<String, String> {
        self.registry
            .get_or_init(|| {
                Snippets::compile(
                    ("templates/link.hbs", LINK),
                    ("templates/button.hbs", BUTTON),
                )
                .expect("the built-in snippets compile")
            })
            .render(snippet.name(), data)
            .map(|s| s.trim_end_matches('\n').to_owned())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_snippets_keep_the_url_as_given() {
        let data = SnippetData {
            href: "https://a.b/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]",
            attributes: " class=\"btn\"",
            style: "",
            label: "Approve",
        };
        let link = Snippets::builtin().render(Snippet::Link, &data).unwrap();
        assert_eq!(
            link,
            "<a href=\"https://a.b/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]\" class=\"btn\">Approve</a>"
        );
        let button = Snippets::builtin().render(Snippet::Button, &data).unwrap();
        assert!(button.contains("<table role=\"presentation\""));
        assert!(button.contains(data.href));
        assert_eq!(button.matches("Approve").count(), 1);
    }
}
