use super::{Findings, LinkSite, Origin};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a deep link written as text in an HTML template, outside any `href`; also as
    /// the text of a link to another address (`<a href="https://example.com/">https://…</a>`).
    ///
    /// ## Why is this bad?
    /// Whether it becomes clickable depends on the recipient's mail client, and long links with
    /// `[Ticket: ID]`-style tokens are often cut at the space. In plain-text templates bare
    /// links are expected and this rule is silent. As the text of a link to another address,
    /// it is clickable, but not as itself: the reader sees a portal link, and a click opens
    /// the other address.
    ///
    /// ## Example
    /// ```html
    /// <p>Open https://acme.deskdirector.com/portal/deeplink?name=ticket_list</p>
    /// ```
    ///
    /// ## Use instead
    /// ```html
    /// <p><a href="https://acme.deskdirector.com/portal/deeplink?name=ticket_list">Open your tickets</a></p>
    /// ```
    pub static BARE_DEEPLINK_IN_TEXT = {
        code: "DD405",
        name: "bare-deeplink-in-text",
        severity: Info,
        fix: None,
    };
}

pub fn check(site: &LinkSite, findings: &mut Findings) {
    if !findings.enabled(&BARE_DEEPLINK_IN_TEXT) {
        return;
    }
    let (message, help) = match site.origin {
        Origin::HtmlText => (
            "a deep link in text is clickable only if the mail client links it",
            "wrap it in `<a href=\"…\">` with a label",
        ),
        Origin::OtherLinkLabel => (
            "this deep link is the text of a link to another address: the reader sees a portal link, and a click opens the other address",
            "put the deep link in the `href`, or give the link a label that is not an address",
        ),
        _ => return,
    };
    findings.push(Diagnostic::new(&BARE_DEEPLINK_IN_TEXT, site.whole(), message).with_help(help));
}
