use super::{Findings, LinkSite, Origin};
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a portal link inside `<script>`, `<style>`, `<title>`, `<textarea>` or an HTML
    /// comment, where no reader can click it, or a deep link as an image's `src`, fetched when
    /// the mail opens and never clicked. Other rules do not look at such links, but for
    /// DD301 and DD302: a credential in one goes out with the e-mail all the same. A
    /// `{{deeplink}}` placeholder there is reported too: it is left as written, not expanded;
    /// so is one in a template comment of the mail system (`{{!-- … --}}`, `{{! … }}`,
    /// `{% comment %}…{% endcomment %}`) within one text of the document.
    ///
    /// ## Why is this bad?
    /// Mail clients strip scripts and never show comments: the link is dead weight, often a
    /// leftover of a template edit, and if it carries credentials it still ships them to every
    /// recipient.
    ///
    /// ## Example
    /// ```html
    /// <!-- <a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Tickets</a> -->
    /// ```
    ///
    /// ## Use instead
    /// Delete the dead link, or move it into the visible body.
    pub static LINK_IN_INERT_CONTEXT = {
        code: "DD407",
        name: "link-in-inert-context",
        severity: Warning,
        fix: None,
    };
}

fn place(context: &str) -> String {
    if context == "comment" {
        "an HTML comment".to_owned()
    } else if context.ends_with("comment") || context.ends_with("block") {
        format!("a {context}")
    } else {
        format!("`<{context}>`")
    }
}

/// A placeholder (`what`: `{{deeplink}}` or `<dd-link>`) at `span` inside `context`
/// (`script`, `comment`, …): not expanded.
pub fn report_placeholder(findings: &mut Findings, span: Span, what: &str, context: &str) {
    if findings.enabled(&LINK_IN_INERT_CONTEXT) {
        findings.push(
            Diagnostic::new(
                &LINK_IN_INERT_CONTEXT,
                span,
                format!(
                    "a `{what}` inside {} is left as it is, not expanded",
                    place(context)
                ),
            )
            .with_help("remove it, or move it into the visible body"),
        );
    }
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    let Origin::Inert(context) = site.origin else {
        return;
    };
    if !findings.enabled(&LINK_IN_INERT_CONTEXT) {
        return;
    }
    // An image's source on the portal (`/portal/assets/logo.png`) is a picture; only a deep
    // link there is a link gone astray.
    if context == "img"
        && !matches!(
            site.link.kind,
            crate::command::LinkKind::DeepLink(_) | crate::command::LinkKind::LegacyV1 { .. }
        )
    {
        return;
    }
    let place = place(context);
    findings.push(
        Diagnostic::new(
            &LINK_IN_INERT_CONTEXT,
            site.whole(),
            format!("a portal link inside {place} is never clicked"),
        )
        .with_help("remove it, or move it into the visible body"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;
    use crate::rules::{Origin, RuleSettings};

    #[test]
    fn only_this_rule_speaks_in_inert_contexts() {
        let found = check(
            "ddportal://name=tiket&ticket_id=1",
            &RuleSettings::default(),
            Origin::Inert("script"),
        );
        let codes: Vec<_> = found.iter().map(crate::Diagnostic::code).collect();
        assert_eq!(codes, ["DD407"]);
    }
}
