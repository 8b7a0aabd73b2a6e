use super::Findings;
use crate::diagnostic::{Diagnostic, Span};

declare_rule! {
    /// ## What it does
    /// Reports a `<dd-link>` or `{{deeplink …}}` placeholder that cannot be expanded as
    /// written: a control attribute with a value it does not take (`client`, `auth`,
    /// `remember-me`, `as`), a web link with no portal configured, an auth mode whose tokens
    /// the dialect and the configuration do not provide, a `{{deeplink}}` call that is not
    /// `key='value'` pairs or opens a block (`{{#deeplink}}`), a value holding `&` or `#` (it would split the link), an `href` on
    /// `<dd-link>`, a placeholder where no reader would see it, or a `{{deeplink}}` where
    /// ddlink does not expand one (an attribute other than a link's `href`, an unquoted
    /// `href`). A `{{deeplink}}` may be wrapped over lines, each going on with `key=…` or the
    /// closing `}}`; one left open is reported, and so is one written hard against the word
    /// after it in text (`…}}からご確認ください`), which the URL would run into.
    ///
    /// ## Why is this bad?
    /// A placeholder that cannot be met is left as it is: sent like that, the e-mail shows the
    /// raw placeholder, or nothing, instead of a link. ddlink never writes half a link.
    ///
    /// ## Example
    /// ```html
    /// <dd-link name="ticket" auth="passwordless">View</dd-link>   <!-- ConnectWise, no [auth] config -->
    /// ```
    ///
    /// ## Use instead
    /// Configure what the placeholder needs (`portal`, `[auth] passwordless_token` in
    /// `ddlink.toml`), or drop the option.
    pub static INVALID_PLACEHOLDER = {
        code: "DD411",
        name: "invalid-placeholder",
        severity: Error,
        fix: None,
    };
}

pub fn report(findings: &mut Findings, span: Span, message: String, help: String) {
    if findings.enabled(&INVALID_PLACEHOLDER) {
        findings.push(Diagnostic::new(&INVALID_PLACEHOLDER, span, message).with_help(help));
    }
}
