//! The markup expanded placeholders become: Handlebars snippets, built in or from a folder.
//!
//! The URL is never escaped by Handlebars (it would turn `=` into `&#x3D;`): ddlink escapes it
//! for the attribute itself and the snippets insert it with `{{{href}}}`.

use std::path::Path;
use std::sync::Arc;

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
    #[error("`{path}` is not a folder")]
    NotAFolder { path: String },
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid Handlebars template: {message}")]
    Template { path: String, message: String },
    /// A snippet that would write a broken link: every one is rendered with sample values
    /// when loaded (with and without pass-through attributes and a style), and must write the
    /// URL only as a double-quoted attribute value (`href="{{{href}}}"`, the way ddlink
    /// escapes it), at least once in every rendering; the label at most once and between
    /// tags (it is the placeholder's own markup, kept where it is); the attributes between a
    /// tag's attributes, and the style inside a double-quoted value.
    #[error("`{path}` {problem}")]
    Unsafe { path: String, problem: &'static str },
}

/// The two snippets: the built-in ones, or a folder's, compiled by Handlebars.
#[derive(Debug)]
pub struct Snippets {
    /// `None` for the built-in snippets, which [`render_builtin`] renders.
    registry: Option<Handlebars<'static>>,
}

impl Snippets {
    /// The snippets built into ddlink (`templates/link.hbs`, `templates/button.hbs`).
    pub fn builtin() -> Arc<Snippets> {
        Arc::new(Snippets { registry: None })
    }

    /// `link.hbs` and `button.hbs` from `dir`; a missing one falls back to the built-in, a
    /// missing `dir` is an error (a mistyped `templates_dir` would otherwise go unnoticed).
    pub fn from_dir(dir: &Path) -> Result<Snippets, SnippetError> {
        if !dir.is_dir() {
            return Err(SnippetError::NotAFolder {
                path: dir.display().to_string(),
            });
        }
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
        Ok(Snippets {
            registry: Some(compile((&link.0, &link.1), (&button.0, &button.1))?),
        })
    }

    /// Whether rendering cannot fail whatever the data (the built-in snippets): a check, which
    /// keeps no expansion, then need not render them only to learn that.
    pub fn always_render(&self) -> bool {
        self.registry.is_none()
    }

    /// Render a snippet; `None` when a custom snippet fails (it names a variable that does not
    /// exist, under strict mode).
    pub fn render(&self, snippet: Snippet, data: &SnippetData) -> Result<String, String> {
        let mut rendered = match &self.registry {
            Some(registry) => registry
                .render(snippet.name(), data)
                .map_err(|e| e.to_string())?,
            None => render_builtin(snippet, data),
        };
        rendered.truncate(rendered.trim_end_matches(['\n', '\r']).len());
        Ok(rendered)
    }
}

fn compile(link: (&str, &str), button: (&str, &str)) -> Result<Handlebars<'static>, SnippetError> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    // ddlink escapes each value for where it goes (the URL for a quoted attribute; the label
    // is markup): `{{href}}` then means what `{{{href}}}` means, never `&#x3D;` in the URL or
    // an entity inside a template token.
    registry.register_escape_fn(handlebars::no_escape);
    for (name, (path, source)) in [("link", link), ("button", button)] {
        registry
            .register_template_string(name, source)
            .map_err(|e| SnippetError::Template {
                path: path.to_owned(),
                message: template_error(&e),
            })?;
        probe(&registry, name, path)?;
    }
    Ok(registry)
}

/// What is wrong with a snippet and where, on one line. Handlebars' own text spreads over
/// several lines, says its reason twice, and for a syntax error lists every rule of its
/// grammar that could have come next.
fn template_error(error: &handlebars::TemplateError) -> String {
    let reason = match error.reason() {
        handlebars::TemplateErrorReason::InvalidSyntax(_) => {
            "invalid Handlebars syntax (is a `{{` or a `{{#block}}` left open?)".to_owned()
        }
        other => other.to_string(),
    };
    match error.pos() {
        Some((line, column)) => format!("{reason}, at line {line}, column {column}"),
        None => reason,
    }
}

/// Why a snippet cannot be rendered, and where, on one line.
fn render_error(error: &handlebars::RenderError) -> String {
    let reason = match error.reason() {
        handlebars::RenderErrorReason::MissingVariable(Some(name)) => format!(
            "`{name}` is not a value ddlink gives a snippet (it gives `href`, `attributes`, `style` and `label`)"
        ),
        other => other.to_string(),
    };
    match (error.line_no, error.column_no) {
        (Some(line), Some(column)) => format!("{reason}, at line {line}, column {column}"),
        _ => reason,
    }
}

/// Render snippet `name` with sample values, with and without pass-through attributes and
/// `style` (a snippet may write parts of itself only under `{{#if style}}`), and refuse it
/// if any rendering would write a link that is not the one asked for (see
/// [`SnippetError::Unsafe`]).
fn probe(registry: &Handlebars<'static>, name: &str, path: &str) -> Result<(), SnippetError> {
    for (attributes, style) in [("", ""), (ATTRIBUTES, ""), ("", STYLE), (ATTRIBUTES, STYLE)] {
        let data = SnippetData {
            href: HREF,
            attributes,
            style,
            label: LABEL,
        };
        let rendered = registry
            .render(name, &data)
            .map_err(|e| SnippetError::Template {
                path: path.to_owned(),
                message: render_error(&e),
            })?;
        probe_rendering(&rendered).map_err(|problem| SnippetError::Unsafe {
            path: path.to_owned(),
            problem,
        })?;
    }
    Ok(())
}

/// The sample values a snippet is tried with: markers no template holds.
const HREF: &str = "\u{E001}href\u{E001}";
const LABEL: &str = "\u{E001}label\u{E001}";
const ATTRIBUTES: &str = " data-\u{E001}attributes\u{E001}=\"x\"";
const STYLE: &str = "\u{E001}style\u{E001}";

/// The problem with one rendering of a snippet with the sample values.
fn probe_rendering(rendered: &str) -> Result<(), &'static str> {
    let hrefs: Vec<usize> = rendered.match_indices(HREF).map(|(at, _)| at).collect();
    if hrefs.is_empty() {
        return Err(
            "does not always write the link: it needs `href=\"{{{href}}}\"`, outside any `{{#if}}` or `{{#unless}}`",
        );
    }
    // Written as `href` in lower case: the expansion is checked for that attribute (an
    // `HREF` passed the probe and then failed every placeholder).
    let quoted = |at: usize| {
        let before = &rendered[..at];
        let named = [" href=\"", "\nhref=\"", "\thref=\""]
            .iter()
            .any(|attribute| before.ends_with(attribute));
        named && rendered[at + HREF.len()..].starts_with('"')
    };
    if !hrefs.into_iter().all(quoted) {
        return Err(
            "writes the link other than as a whole double-quoted attribute value: write `href=\"{{{href}}}\"`",
        );
    }
    if rendered.matches(LABEL).count() > 1 {
        return Err(
            "writes `{{{label}}}` more than once: the label is the placeholder's own markup, kept where it is, so it can be written once",
        );
    }
    // The label is markup (`Click <b class="x">here</b>`): inside a tag, its quotes and
    // brackets would end the attribute or the tag.
    if let Some(at) = rendered.find(LABEL)
        && place(&rendered[..at]) != Place::Text
    {
        return Err(
            "writes `{{{label}}}` inside a tag: the label is the placeholder's own markup, which goes between the tags (`<a href=\"{{{href}}}\">{{{label}}}</a>`)",
        );
    }
    // Attributes (` class="x"`) go between a tag's attributes; in a value, their quotes would
    // end it.
    if rendered
        .match_indices(ATTRIBUTES)
        .any(|(at, _)| place(&rendered[..at]) != Place::Tag)
    {
        return Err(
            "writes `{{{attributes}}}` other than between a tag's attributes: write it as `<a href=\"{{{href}}}\"{{{attributes}}}>`",
        );
    }
    // The style value is escaped for a double-quoted value, and means nothing elsewhere.
    if rendered
        .match_indices(STYLE)
        .any(|(at, _)| place(&rendered[..at]) != Place::Value(b'"'))
    {
        return Err(
            "writes `{{{style}}}` other than inside a double-quoted attribute value: write `style=\"{{{style}}}\"`",
        );
    }
    // Unclosed (`…</a`), the markup would take in what follows the placeholder.
    if place(rendered) != Place::Text {
        return Err(
            "ends inside a tag or an attribute value: close every tag it opens (`…</a>`), or the markup takes in what follows the placeholder",
        );
    }
    if let Some(open) = left_open(rendered) {
        return Err(if open == "a" {
            "leaves an `<a>` open: close it (`…</a>`), or the text after the placeholder becomes part of the link"
        } else {
            "leaves an element whose content is no markup open (`<style>`, `<script>`, `<title>`, `<textarea>`, …): close it, or what follows the placeholder is read as its text"
        });
    }
    if super::mustache::openings(rendered.as_bytes())
        .next()
        .is_some()
        || super::element_openings(rendered.as_bytes())
            .next()
            .is_some()
    {
        return Err(
            "writes a placeholder (`<dd-link>` or `{{deeplink}}`): every `fix` would expand it again, and the file would never settle",
        );
    }
    Ok(())
}

/// Elements whose opening a snippet must close: a link, which would take in the text after
/// the placeholder, and those whose content HTML reads as text (the rest of the e-mail would
/// become a style sheet or a script).
const MUST_CLOSE: &[&str] = &[
    "a",
    "style",
    "script",
    "title",
    "textarea",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// The first of [`MUST_CLOSE`] that `markup` opens more often than it closes (any case).
fn left_open(markup: &str) -> Option<&'static str> {
    // A comment's text opens nothing (`<!-- <a> -->`).
    let mut lower = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(open) = rest.find("<!--") {
        lower.push_str(&rest[..open]);
        rest = rest[open + 4..]
            .find("-->")
            .map_or("", |close| &rest[open + 4 + close + 3..]);
    }
    lower.push_str(rest);
    let lower = lower.to_ascii_lowercase();
    let count = |tag: &str| {
        lower
            .match_indices(tag)
            .filter(|&(at, _)| {
                lower[at + tag.len()..]
                    .bytes()
                    .next()
                    .is_none_or(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
            })
            .count()
    };
    MUST_CLOSE
        .iter()
        .copied()
        .find(|name| count(&format!("<{name}")) > count(&format!("</{name}")))
}

/// Where the end of a snippet's rendered markup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Between tags.
    Text,
    /// Inside a tag, between its attributes.
    Tag,
    /// Inside an attribute value quoted with this byte.
    Value(u8),
}

/// Where `markup` ends: a tokenizer of the few states a snippet's markup needs (comments and
/// unquoted values are read as a tag's attributes are).
fn place(markup: &str) -> Place {
    let mut place = Place::Text;
    let bytes = markup.as_bytes();
    for (at, &byte) in bytes.iter().enumerate() {
        place = match (place, byte) {
            (Place::Text, b'<') => Place::Tag,
            (Place::Tag, b'>') => Place::Text,
            (Place::Tag, b'"' | b'\'') if at > 0 && bytes[at - 1] == b'=' => Place::Value(byte),
            (Place::Value(quote), byte) if byte == quote => Place::Tag,
            (place, _) => place,
        };
    }
    place
}

/// An attribute of the placeholder's (`attributes`, as passed) that the snippet writes too, in
/// the tag that holds them in `rendered` (a custom snippet's own `class`), in lower case.
pub fn written_twice(rendered: &str, attributes: &str) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let at = rendered.find(attributes)?;
    // The probe holds `attributes` between a tag's attributes: the tag opens at the last `<`
    // before them that is not in a value.
    let open = rendered[..at].rfind('<')?;
    // The placeholder's own attributes are passed as written, twice if so: only the
    // snippet's beside them are a second one.
    let snippets = format!(
        "{}{}",
        &rendered[open..at],
        &rendered[at + attributes.len()..]
    );
    let snippets = tag_attribute_names(&snippets);
    tag_attribute_names(&format!("<a{attributes}>"))
        .into_iter()
        .find(|name| snippets.contains(name))
}

/// The attribute names, in lower case, of the tag that `markup` opens with.
fn tag_attribute_names(markup: &str) -> Vec<String> {
    let bytes = markup.as_bytes();
    let ends_name = |b: u8| b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/');
    // Past `<` and the tag's name.
    let mut at = 1 + bytes[1..]
        .iter()
        .position(|&b| ends_name(b))
        .unwrap_or(bytes.len() - 1);
    let mut names = Vec::new();
    while at < bytes.len() {
        match bytes[at] {
            b'>' => break,
            b if b.is_ascii_whitespace() || b == b'/' => at += 1,
            _ => {
                let start = at;
                at += 1 + bytes[at + 1..]
                    .iter()
                    .position(|&b| ends_name(b))
                    .unwrap_or(bytes.len() - at - 1);
                names.push(markup[start..at].to_ascii_lowercase());
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if bytes.get(at) != Some(&b'=') {
                    continue;
                }
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                at = match bytes.get(at) {
                    Some(&quote @ (b'"' | b'\'')) => memchr::memchr(quote, &bytes[at + 1..])
                        .map_or(bytes.len(), |close| at + 1 + close + 1),
                    _ => {
                        at + bytes[at..]
                            .iter()
                            .position(|&b| b.is_ascii_whitespace() || b == b'>')
                            .unwrap_or(bytes.len() - at)
                    }
                };
            }
        }
    }
    names
}

/// A built-in snippet rendered as Handlebars renders it (the test
/// `builtin_snippets_render_as_handlebars_does` holds the two to the same output), by reading
/// the only Handlebars the built-in snippets use: `{{{name}}}`, and `{{#if name}}…{{/if}}`
/// without nesting. Compiling them with Handlebars (its parser, and a look at the stack's size
/// in /proc/self/maps) took a fifth of a save hook's time.
fn render_builtin(snippet: Snippet, data: &SnippetData) -> String {
    let source = match snippet {
        Snippet::Link => LINK,
        Snippet::Button => BUTTON,
    };
    let mut out = String::with_capacity(source.len() + data.href.len() + data.label.len() + 64);
    substitute(source, data, &mut out);
    out
}

fn substitute(mut text: &str, data: &SnippetData, out: &mut String) {
    let value = |name: &str| match name.trim() {
        "href" => data.href,
        "attributes" => data.attributes,
        "style" => data.style,
        "label" => data.label,
        other => unreachable!("the built-in snippets use no `{other}`"),
    };
    while let Some(open) = text.find("{{") {
        out.push_str(&text[..open]);
        let rest = &text[open..];
        if let Some(inner) = rest.strip_prefix("{{{") {
            let (name, after) = inner.split_once("}}}").expect("a closed `{{{`");
            out.push_str(value(name));
            text = after;
        } else if let Some(inner) = rest.strip_prefix("{{#if ") {
            let (name, after) = inner.split_once("}}").expect("a closed `{{#if`");
            let (body, after) = after.split_once("{{/if}}").expect("an `{{/if}}`");
            if !value(name).is_empty() {
                substitute(body, data, out);
            }
            text = after;
        } else {
            unreachable!("the built-in snippets use only `{{{{{{…}}}}}}` and `{{{{#if}}}}`");
        }
    }
    out.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_of_the_snippet_beside_the_placeholders_is_found() {
        let attributes = " class=\"x\"";
        let cases = [
            (
                "<a class=\"btn\" href=\"h\" class=\"x\">L</a>",
                Some("class"),
            ),
            ("<a href=\"h\" class=\"x\" CLASS='y>z'>L</a>", Some("class")),
            ("<a href=\"h\" class=\"x\" data-class=\"class\">L</a>", None),
            ("<p class=\"p\"><a href=\"h\" class=\"x\">L</a></p>", None),
            (
                "<a href=\"h\" class=\"x\" title=a>L</a><i class=b></i>",
                None,
            ),
            (
                "<a\nhref=h class=\"x\" target\nTARGET=\"_blank\">L</a>",
                None,
            ),
        ];
        for (rendered, expected) in cases {
            assert_eq!(
                written_twice(rendered, attributes).as_deref(),
                expected,
                "{rendered}"
            );
        }
        assert_eq!(written_twice("<a class=\"btn\" href=\"h\">L</a>", ""), None);
        // The placeholder's own, twice: passed as written.
        let twice = " class=\"a\" class=\"b\"";
        assert_eq!(
            written_twice("<a href=\"h\" class=\"a\" class=\"b\">L</a>", twice),
            None
        );
        assert_eq!(
            written_twice("<a href=\"h\" class=\"a\" class=\"b\" Class=c>L</a>", twice).as_deref(),
            Some("class")
        );
    }

    #[test]
    fn builtin_snippets_render_as_handlebars_does() {
        let handlebars = compile(
            ("templates/link.hbs", LINK),
            ("templates/button.hbs", BUTTON),
        )
        .unwrap();
        let values = [
            "",
            "x",
            "https://a.b/portal/deeplink?name=ticket&amp;ticket_id=[Ticket: ID]",
            " class=\"btn\" data-x=\"{{a}}\"",
            "color:red;&quot;",
            "<b>Approve</b>\n  now",
            "{{{href}}}",
        ];
        for href in values {
            for attributes in values {
                for style in values {
                    for label in values {
                        let data = SnippetData {
                            href,
                            attributes,
                            style,
                            label,
                        };
                        for snippet in [Snippet::Link, Snippet::Button] {
                            assert_eq!(
                                render_builtin(snippet, &data),
                                handlebars.render(snippet.name(), &data).unwrap(),
                                "{snippet:?} {data:?}"
                            );
                        }
                    }
                }
            }
        }
    }

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

    /// Each `(snippet, why)`: `link.hbs` written so is refused, for that reason.
    fn assert_refused(cases: &[(&str, &str)]) {
        for (snippet, expected) in cases {
            let error = compile(("s/link.hbs", snippet), ("templates/button.hbs", BUTTON))
                .expect_err(snippet);
            assert_eq!(error.to_string(), *expected, "{snippet}");
        }
    }

    /// A snippet that cannot be used says why and where on one line, once.
    #[test]
    fn a_broken_snippet_says_what_and_where_on_one_line() {
        let cases = [
            (
                "<a href=\"{{href}}\">{{#if label}}{{label}}</a>\n",
                "`s/link.hbs` is not a valid Handlebars template: invalid Handlebars syntax (is a `{{` or a `{{#block}}` left open?), at line 2, column 1",
            ),
            (
                "<a href=\"{{href}}\">{{#if label}}{{label}}{{/each}}</a>",
                "`s/link.hbs` is not a valid Handlebars template: helper \"if\" was opened, but \"each\" is closing, at line 1, column 42",
            ),
            (
                "<a href=\"{{href}}\">\n{{labl}}</a>",
                "`s/link.hbs` is not a valid Handlebars template: `labl` is not a value ddlink gives a snippet (it gives `href`, `attributes`, `style` and `label`), at line 2, column 1",
            ),
        ];
        assert_refused(&cases);
    }

    /// A snippet whose markup would swallow what follows it, or be expanded again by the next
    /// `fix`, is refused when loaded.
    #[test]
    fn a_snippet_that_would_not_settle_is_refused() {
        let cases = [
            (
                "<a href=\"{{{href}}}\">{{{label}}}</a",
                "`s/link.hbs` ends inside a tag or an attribute value: close every tag it opens (`…</a>`), or the markup takes in what follows the placeholder",
            ),
            (
                "<a href=\"{{{href}}}\" title=\"x>{{{label}}}</a>",
                "`s/link.hbs` writes `{{{label}}}` inside a tag: the label is the placeholder's own markup, which goes between the tags (`<a href=\"{{{href}}}\">{{{label}}}</a>`)",
            ),
            (
                "<a href=\"{{{href}}}\">{{{label}}}</a> <dd-link name=\"ticket_list\">All</dd-link>",
                "`s/link.hbs` writes a placeholder (`<dd-link>` or `{{deeplink}}`): every `fix` would expand it again, and the file would never settle",
            ),
            (
                "<a href=\"{{{href}}}\">{{{label}}}</a> {{{{raw}}}}{{ deeplink name='quotes'}}{{{{/raw}}}}",
                "`s/link.hbs` writes a placeholder (`<dd-link>` or `{{deeplink}}`): every `fix` would expand it again, and the file would never settle",
            ),
            (
                "<a href=\"{{{href}}}\"{{{attributes}}}>{{{label}}}",
                "`s/link.hbs` leaves an `<a>` open: close it (`…</a>`), or the text after the placeholder becomes part of the link",
            ),
            (
                "<a HREF=\"{{{href}}}\">{{{label}}}</a>",
                "`s/link.hbs` writes the link other than as a whole double-quoted attribute value: write `href=\"{{{href}}}\"`",
            ),
            (
                "<A href=\"{{{href}}}\">{{{label}}}</a><STYLE>",
                "`s/link.hbs` leaves an element whose content is no markup open (`<style>`, `<script>`, `<title>`, `<textarea>`, …): close it, or what follows the placeholder is read as its text",
            ),
        ];
        assert_refused(&cases);
        // Text after the link, a comment, and a tag closed on a later line are fine.
        for snippet in [
            "<a href=\"{{{href}}}\">{{{label}}}</a> <!-- link -->",
            "<a href=\"{{{href}}}\"\n   >{{{label}}}</a\n>",
            "<style>.b{color:red}</style><abbr><a href=\"{{{href}}}\">{{{label}}}</A></abbr>",
            "<!-- <a> --><a href=\"{{{href}}}\">{{{label}}}</a><!-- <style> -->",
        ] {
            compile(("s/link.hbs", snippet), ("templates/button.hbs", BUTTON)).expect(snippet);
        }
    }
}
