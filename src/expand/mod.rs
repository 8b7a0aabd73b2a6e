//! Placeholder expansion (SPEC §3): `<dd-link …>label</dd-link>` and `{{deeplink …}}` become
//! PSA-aware deep links. A placeholder is read during the document's pass and expanded when
//! the document ends, once its dialect (and so its ticket-id token) is known. What cannot be
//! met is a diagnostic and the placeholder stays as it is: never half a link.

pub mod mustache;
pub mod snippets;

use std::fmt::Write as _;
use std::sync::Arc;

use crate::command::spec::{self, TICKET_ID};
use crate::command::token::{command_splitter, find_char_outside_tokens, tokens};
use crate::command::{Client, Command, DeepLink, LegacyV1, ParsedLink, Target, parse_link};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity, Span};
use crate::dialect::token::{Meaning, token_for};
use crate::dialect::{Dialect, Language, Resolved};
use crate::rules::did_you_mean::closest;
use crate::rules::tokens::{self as token_rules, token_uses};
use crate::rules::{
    Findings, LinkSite, Origin, RuleConfig, RuleSettings, TextMap, bare_deeplink_in_text,
    check_link, invalid_placeholder, literal_credential, password_in_link, psa_undetermined,
    unknown_param,
};
pub use snippets::{Snippet, SnippetData, SnippetError, Snippets};

/// What expansion needs besides the rule settings.
#[derive(Clone, Debug)]
pub struct ExpandSettings {
    /// The configured default client (`client` in ddlink.toml); web when absent.
    pub client: Option<Client>,
    /// `[auth] passwordless_token`.
    pub passwordless_token: Option<String>,
    /// `[auth] access_token`.
    pub access_token: Option<String>,
    /// `[auth] email_token`: the contact e-mail token, over the dialect's own.
    pub email_token: Option<String>,
    pub snippets: Arc<Snippets>,
}

impl ExpandSettings {
    /// Whether `token`, the value (or part of the value) of `key`, is (part of) an `[auth]`
    /// expression of the configuration: the user's word on what fills in the credential,
    /// which the template's dialect does not judge (the configuration may say `{{ Token }}`
    /// for a ConnectWise template). Under a key that is no credential (`ticket_id`) the token
    /// is judged as any other: the configuration says what fills in a credential, not a ticket.
    pub fn is_configured_auth(&self, token: &str, key: Option<&str>) -> bool {
        key.is_none_or(crate::command::spec::is_auth_key)
            && [
                &self.passwordless_token,
                &self.access_token,
                &self.email_token,
            ]
            .into_iter()
            .flatten()
            .any(|expression| expression.contains(token))
    }
}

impl Default for ExpandSettings {
    fn default() -> Self {
        ExpandSettings {
            client: None,
            passwordless_token: None,
            access_token: None,
            email_token: None,
            snippets: Snippets::builtin(),
        }
    }
}

/// One `key=value` of a placeholder: an attribute of `<dd-link>`, or an argument of
/// `{{deeplink}}`. A placeholder keeps its arguments with spans from its own start (see
/// [`Placeholder::args`]), so that equal placeholders share one list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    /// Shared, as the values are: a large template repeats the same few arguments.
    pub key: Arc<str>,
    /// Decoded (entities resolved).
    pub value: Arc<str>,
    /// Where the argument is written (attribute or `key='value'`).
    pub span: Span,
    /// Where its value is written, if apart.
    pub value_span: Span,
    /// The attribute's raw value (for pass-through attributes).
    pub raw_value: Arc<str>,
}

impl Arg {
    /// This argument with its spans counted from `base`, the start of its placeholder.
    #[must_use]
    pub fn relative_to(self, base: usize) -> Arg {
        self.moved(|at| at.saturating_sub(base))
    }

    /// This argument, kept from its placeholder's start, with its spans placed in the
    /// document again (`base` is that start).
    fn placed_at(&self, base: usize) -> Arg {
        self.clone().moved(|at| at + base)
    }

    fn moved(self, offset: impl Fn(usize) -> usize) -> Arg {
        let shift = |span: Span| Span::new(offset(span.start), offset(span.end));
        Arg {
            span: shift(self.span),
            value_span: shift(self.value_span),
            ..self
        }
    }
}

/// Where a `{{deeplink}}` sits, which decides how its URL is escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MustacheContext {
    /// In an attribute value, with its quote (`None`: unquoted).
    Attribute(Option<u8>),
    /// In HTML text.
    HtmlText,
    /// In the text of a link element (`<a href="…">{{deeplink …}}</a>`): clickable already.
    LinkLabel,
    /// In a plain-text template.
    PlainText,
}

/// A placeholder waiting for the end of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placeholder {
    Element {
        start_tag: Span,
        /// `None` when the element is self-closing (`<dd-link … />`).
        end_tag: Option<Span>,
        /// No label text between the tags.
        empty_label: bool,
        /// An empty label that holds a comment (`<!-- todo -->`): kept, with the default
        /// label after it.
        label_comment: bool,
        /// Spans from `start_tag.start`.
        args: Arc<[Arg]>,
        /// The white space the placeholder's line starts with, when the placeholder starts
        /// the line: inserted markup of several lines is indented to match.
        indent: String,
        /// In a link or another placeholder, or one of those in its label (DD406): the
        /// placeholder is judged, and left as it is, since its link would be in another. So
        /// is one directly in an MJML layout element (DD411), where MJML would drop it.
        nested: bool,
    },
    Mustache {
        span: Span,
        context: MustacheContext,
        /// Spans from `span.start`.
        args: Arc<[Arg]>,
    },
}

impl Placeholder {
    /// The span diagnostics about the whole placeholder point at.
    pub fn span(&self) -> Span {
        match self {
            Placeholder::Element { start_tag, .. } => *start_tag,
            Placeholder::Mustache { span, .. } => *span,
        }
    }

    /// The arguments, with their spans in the document.
    pub fn args(&self) -> Vec<Arg> {
        let base = self.span().start;
        match self {
            Placeholder::Element { args, .. } | Placeholder::Mustache { args, .. } => {
                args.iter().map(|arg| arg.placed_at(base)).collect()
            }
        }
    }
}

/// Everything a placeholder's expansion depends on.
pub struct Context<'a> {
    pub settings: &'a RuleSettings,
    pub expand: &'a ExpandSettings,
    pub rules: &'a RuleConfig,
    pub dialect: &'a Resolved,
    pub language: Language,
    /// `\n`, `\r\n` or `\r`: inserted markup uses the file's own line ending.
    pub newline: &'a str,
    /// The document's encoding, which inserted tokens must be written in.
    pub encoding: &'static encoding_rs::Encoding,
    /// Whether a finding is covered by a `ddlink-ignore` comment: such a problem does not
    /// stop an expansion, as a rule that is off does not.
    pub suppressed: &'a dyn Fn(&Diagnostic) -> bool,
    /// Whether the expansion's edits are wanted (a fix), or only what it finds (a check).
    pub edits_wanted: bool,
}

/// `rendered` with each of its line breaks (`\r\n`, `\r` or `\n`, whichever a custom snippet
/// was saved with) written as `break_to`: the file's own line ending and indentation.
fn relined(rendered: &str, break_to: &str) -> String {
    let mut out = String::with_capacity(rendered.len());
    let mut rest = rendered;
    while let Some(at) = memchr::memchr2(b'\r', b'\n', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        out.push_str(break_to);
        let len = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

/// Attributes and arguments that steer expansion instead of becoming the command.
const CONTROLS: &[&str] = &["client", "auth", "remember-me", "as"];

/// Whether an argument's key is a near miss of a control (`remember_me` for `remember-me`):
/// not a parameter to put in the link.
fn near_a_control(key: &str) -> bool {
    closest(key, CONTROLS.iter().copied()).is_some()
}

/// The auth mode a placeholder asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Auth {
    None,
    Passwordless,
    AccessToken,
}

/// Whether an argument of `args` other than `arg` is a near miss of `key` too: renamed, the
/// two would repeat it.
fn near_miss_elsewhere(args: &[Arg], arg: &Arg, key: &str) -> bool {
    args.iter().any(|other| {
        !std::ptr::eq(other, arg)
            && !is_command_key(&other.key)
            && !CONTROLS.contains(&&*other.key)
            && closest(&other.key, spec::all_keys().chain(CONTROLS.iter().copied())) == Some(key)
    })
}

/// The control attributes of a placeholder, read.
struct Controls {
    client: Client,
    auth: Auth,
    remember: Option<&'static str>,
    snippet: Snippet,
}

impl Controls {
    /// Read the control attributes; a bad value is a diagnostic (and `None`).
    fn read(args: &[Arg], context: &Context, findings: &mut Findings) -> Option<Controls> {
        // `<dd-link as="button" as="link">`: an HTML parser keeps the first, its author may
        // have meant either, and ddlink makes the link from it. (An attribute passed to the
        // anchor is passed as written, twice if so: a browser reads it as it would have read
        // the placeholder's. A `{{deeplink}}` with any key twice is reported before.)
        let mut repeated = false;
        for (at, arg) in args.iter().enumerate() {
            if CONTROLS.contains(&&*arg.key)
                && args[..at]
                    .iter()
                    .any(|a| a.key.eq_ignore_ascii_case(&arg.key))
            {
                crate::rules::duplicate_param::report_in_placeholder(findings, arg.span, &arg.key);
                repeated = true;
            }
        }
        if repeated {
            return None;
        }
        let control = |name: &str| args.iter().find(|a| &*a.key == name);
        let bad = |findings: &mut Findings, arg: &Arg, allowed: &[&str]| {
            let listed = |each: &dyn Fn(&str) -> String| {
                let mut items: Vec<String> = allowed.iter().map(|value| each(value)).collect();
                let last = items.pop().unwrap_or_default();
                if items.is_empty() {
                    last
                } else {
                    format!("{} or {last}", items.join(", "))
                }
            };
            invalid_placeholder::report(
                findings,
                arg.value_span,
                format!(
                    "`{}=\"{}\"`: expected {}",
                    arg.key,
                    arg.value.trim(),
                    listed(&|value| format!("`{value}`"))
                ),
                format!(
                    "write {}",
                    listed(&|value| format!("`{}=\"{value}\"`", arg.key))
                ),
            );
            None
        };
        let client = match control("client").map(|a| (a, a.value.trim())) {
            None => context.expand.client.unwrap_or(Client::Web),
            Some((_, "web")) => Client::Web,
            Some((_, "desktop")) => Client::Desktop,
            Some((arg, _)) => return bad(findings, arg, &["web", "desktop"]),
        };
        let auth = match control("auth").map(|a| (a, a.value.trim())) {
            None | Some((_, "none")) => Auth::None,
            Some((_, "passwordless")) => Auth::Passwordless,
            Some((_, "access-token")) => Auth::AccessToken,
            Some((arg, "password")) => {
                say_left(password_in_link::refusal(arg.value_span), context, findings);
                return None;
            }
            Some((arg, _)) => {
                return bad(findings, arg, &["none", "passwordless", "access-token"]);
            }
        };
        let remember = match control("remember-me").map(|a| (a, a.value.trim())) {
            None => None,
            Some((_, "true")) => Some("true"),
            Some((_, "false")) => Some("false"),
            Some((arg, _)) => return bad(findings, arg, &["true", "false"]),
        };
        let snippet = match control("as").map(|a| (a, a.value.trim())) {
            None | Some((_, "link")) => Snippet::Link,
            Some((_, "button")) => Snippet::Button,
            Some((arg, _)) => return bad(findings, arg, &["link", "button"]),
        };
        Some(Controls {
            client,
            auth,
            remember,
            snippet,
        })
    }
}

impl Controls {
    /// What a placeholder without control attributes asks for.
    fn defaults(context: &Context) -> Controls {
        Controls {
            client: context.expand.client.unwrap_or(Client::Web),
            auth: Auth::None,
            remember: None,
            snippet: Snippet::Link,
        }
    }
}

/// Whether `arg` is the command of a legacy V1 link (`ticketid="5"`, `mytickets`, with no
/// `name`): taken
/// into the command, where DD501 makes it the V2 command it stands for, as in a link.
fn legacy_command(args: &[Arg], arg: &Arg) -> bool {
    let Some(form) = LegacyV1::of_pair(&arg.key, !arg.value.is_empty()) else {
        return false;
    };
    // Beside `name`, or beside the V2 key it stands for (`invoiceid` and `invoice_id`: which
    // one is meant is for a person to say), it is a misspelt parameter.
    !args.iter().any(|other| {
        other.key.eq_ignore_ascii_case(spec::NAME_KEY)
            || form
                .v2_key()
                .is_some_and(|key| other.key.eq_ignore_ascii_case(key))
    })
}

/// Expand one placeholder: the edits that replace it, or `None` (and diagnostics) when it
/// cannot be met.
pub fn expand(
    placeholder: &Placeholder,
    context: &Context,
    findings: &mut Findings,
) -> Option<Vec<Edit>> {
    let whole = placeholder.span();
    let args = placeholder.args();
    // A bad control or a misspelt key stops the expansion, but the command is judged all the
    // same, as it would be in a link: one check shows every finding, not one per run.
    let read = Controls::read(&args, context, findings);
    let mut blocked = read.is_none();
    if matches!(placeholder, Placeholder::Element { .. }) && written_credential(&args, findings) {
        blocked = true;
    }
    let Controls {
        client,
        auth,
        remember,
        snippet,
    } = read.unwrap_or_else(|| Controls::defaults(context));
    // The command: every argument that is a command key (for `{{deeplink}}`, every argument
    // that is not a control).
    let is_element = matches!(placeholder, Placeholder::Element { .. });
    let mut command = Command::empty();
    // The same command with its tokens as the template writes them (see [`written_value`]).
    let mut written = Command::empty();
    let mut sources: Vec<Source> = Vec::new();
    let mut misspelt = false;
    for arg in &args {
        if CONTROLS.contains(&&*arg.key) {
            continue;
        }
        if is_element && arg.key.eq_ignore_ascii_case("href") {
            // Passed through, it would give the anchor a second href.
            invalid_placeholder::report(
                findings,
                arg.span,
                "`<dd-link>` writes its own `href`".to_owned(),
                "remove the `href` attribute: the link is made from the command attributes"
                    .to_owned(),
            );
            return None;
        }
        if !is_command_key(&arg.key)
            && !legacy_command(&args, arg)
            && (is_element || near_a_control(&arg.key))
        {
            let reported = near_miss_reported(&args, arg, context, findings);
            misspelt |= reported;
            if is_element || reported {
                continue;
            }
        }
        one_value(arg, findings)?;
        command.push(arg.key.to_string(), arg.value.to_string());
        written.push(arg.key.to_string(), written_value(arg));
        sources.push(Source {
            key: arg.key.to_string(),
            span: arg.span,
            value_span: arg.value_span,
            verbatim: (arg.raw_value == arg.value
                && (arg.value.is_ascii() || context.encoding == encoding_rs::UTF_8))
                .then(|| Arc::clone(&arg.value)),
            plain: (arg.raw_value == arg.value).then(|| Arc::clone(&arg.value)),
        });
    }
    // Without its `name` (a near miss of it, DD104) the command says nothing more.
    if misspelt && command.name().is_none() {
        return None;
    }
    blocked |= misspelt;
    if !default_ticket_id(&mut command, &mut written, context) {
        say_left(psa_undetermined::undetermined(whole), context, findings);
        return None;
    }
    if written_beside_its_control(&sources, auth, remember, findings) {
        return None;
    }
    let command_len = command.pairs().len();
    if auth != Auth::None {
        add_auth(&mut command, auth, context, whole, findings)?;
    }
    if let Some(remember) = remember {
        command.push(spec::AUTH_REMEMBER_ME, remember);
    }
    for (key, value) in &command.pairs()[command_len..] {
        written.push(key.as_str(), value.as_str());
    }
    let target = target(client, context, whole, findings)?;
    let written_url = DeepLink::new(target.clone(), written)
        .canonical()
        .to_string();
    let url = DeepLink::new(target, command).canonical().to_string();
    writable(&url, &written_url, whole, context, findings)?;
    // A URL written into HTML text is a bare deep link there (DD405), as the next check
    // would find it.
    let bare_in_text = matches!(
        placeholder,
        Placeholder::Mustache {
            context: MustacheContext::HtmlText,
            ..
        }
    );
    if !judge(&url, &sources, whole, bare_in_text, context, findings)
        || blocked
        || matches!(placeholder, Placeholder::Element { nested: true, .. })
    {
        return None;
    }
    render(placeholder, snippet, &written_url, context, findings)
}

/// The dialect rules over the tokens of the link at `site` that a placeholder makes.
fn judge_tokens(site: &LinkSite, context: &Context, local: &mut Findings) {
    let mut uses = token_uses(site, &mut local.strings);
    // A `{{deeplink}}` in a value is reported where it is read (DD411), not as a token too.
    uses.retain(|u| {
        !context.expand.is_configured_auth(&u.token, u.key) && !mustache::may_hold(&u.token)
    });
    token_rules::check(
        &uses,
        &[],
        context.dialect,
        context.language,
        context.expand.email_token.as_deref(),
        local,
    );
}

/// Whether the argument `arg`, no command key, is reported as a near miss of one (DD104),
/// which stops the expansion. Suppressed, the near miss is the user's word that the attribute
/// is meant (a vendor's): the placeholder is expanded with it, as with DD104 turned off.
fn near_miss_reported(args: &[Arg], arg: &Arg, context: &Context, findings: &mut Findings) -> bool {
    let reported = unknown_param::check_placeholder_key(
        findings,
        arg.span,
        &arg.key,
        CONTROLS,
        |key| args.iter().any(|other| &*other.key == key),
        // Another near miss that would be renamed into the key too.
        |key| near_miss_elsewhere(args, arg, key),
    );
    reported
        && !findings
            .diagnostics()
            .last()
            .is_some_and(|diagnostic| (context.suppressed)(diagnostic))
}

/// Reports `why`, the finding that leaves a placeholder as it is. Where its rule is off or
/// the finding suppressed, DD411 says it too: the placeholder is not expanded all the same,
/// and a run must not pass over it in silence.
fn say_left(why: Diagnostic, context: &Context, findings: &mut Findings) {
    let reported = findings.enabled(why.rule) && !(context.suppressed)(&why);
    if !reported {
        invalid_placeholder::report(
            findings,
            why.span,
            format!("the placeholder is left as it is: {}", why.message()),
            why.help().unwrap_or_default().to_owned(),
        );
    }
    if findings.enabled(why.rule) {
        findings.push(why);
    }
}

/// Adds the dialect's ticket-id token to a ticket command that lacks `ticket_id`. `name="Ticket"`
/// is the ticket command in the wrong case (DD111 fixes it): it takes the default all the
/// same. A near miss (`ticketid='77'`) names the ticket meant: no default beside it, so that
/// DD104 says what it stands for and the call is left as it is. `false` when a default is
/// needed and no dialect decides it.
fn default_ticket_id(command: &mut Command, written: &mut Command, context: &Context) -> bool {
    let misspelt_ticket_id = command.pairs().iter().any(|(key, _)| {
        !is_command_key(key) && crate::rules::did_you_mean::closest(key, [TICKET_ID]).is_some()
    });
    let is_ticket = command
        .name()
        .is_some_and(|name| name.eq_ignore_ascii_case("ticket"));
    if !is_ticket || command.get(TICKET_ID).is_some() || misspelt_ticket_id {
        return true;
    }
    let Some(dialect) = context.dialect.dialect else {
        return false;
    };
    let token =
        token_for(Meaning::TicketId, dialect, context.language).expect("every dialect has one");
    written.push(TICKET_ID, token.clone());
    command.push(TICKET_ID, token);
    true
}

/// `arg`'s value as its link writes it: decoded, but with each template token as the template
/// writes it (`{{ x | append: '&amp;y' }}`), since the mail system fills tokens in from the
/// template's source: the decoded `'&y'` would reach the mail as `'&y'`, not `'&amp;y'`, and a
/// browser would read an entity in it. Decoded whole when the two do not hold the same tokens
/// (`&#91;Ticket: ID&#93;`).
fn written_value(arg: &Arg) -> String {
    if arg.raw_value == arg.value {
        return arg.value.to_string();
    }
    let decoded = tokens(&arg.value);
    let raw = tokens(&arg.raw_value);
    if decoded.len() != raw.len() || decoded.iter().zip(&raw).any(|(d, r)| d.shape != r.shape) {
        return arg.value.to_string();
    }
    let mut out = String::with_capacity(arg.raw_value.len());
    let mut at = 0;
    for (d, r) in decoded.iter().zip(&raw) {
        out.push_str(&arg.value[at..d.range.start]);
        out.push_str(&arg.raw_value[r.range.clone()]);
        at = d.range.end;
    }
    out.push_str(&arg.value[at..]);
    out
}

/// `Some` unless the link (`url`, and `written` with its tokens as written) cannot be written
/// as it is meant: with white space outside its tokens, or with a token that holds a character
/// the document's encoding lacks.
fn writable(
    url: &str,
    written: &str,
    whole: Span,
    context: &Context,
    findings: &mut Findings,
) -> Option<()> {
    if let Some(space) = whitespace_outside_tokens(url) {
        // A link with white space in it breaks in mail clients (DD402 reports it in links);
        // a placeholder is not expanded into one.
        invalid_placeholder::report(
            findings,
            whole,
            format!(
                "the link would hold {} outside template tokens",
                crate::rules::whitespace_in_url::space_named(space)
            ),
            "remove the white space from the placeholder's values".to_owned(),
        );
        return None;
    }
    if context.encoding == encoding_rs::UTF_8 || written.is_ascii() {
        return Some(());
    }
    // Such a token comes from `[auth]` (the template's own are written in its encoding):
    // written as a character reference, it is no longer the token the mail system fills in.
    for token in tokens(written) {
        let text = &written[token.range];
        if context.encoding.encode(text).2 {
            let lacking = text
                .chars()
                .find(|c| context.encoding.encode(c.encode_utf8(&mut [0; 4])).2)
                .unwrap_or_default();
            invalid_placeholder::report(
                findings,
                whole,
                format!(
                    "the token `{text}` holds `{lacking}`, which this template's encoding ({}) cannot write",
                    context.encoding.name()
                ),
                "write the token in characters of the template's encoding, or save the template as UTF-8".to_owned(),
            );
            return None;
        }
    }
    Some(())
}

/// `Some` when `arg`'s value can be one value of the link: not a `{{deeplink}}` (reported
/// where it is read, DD411), not split by `&` or `#` outside tokens.
fn one_value(arg: &Arg, findings: &mut Findings) -> Option<()> {
    if mustache::may_hold(&arg.value) {
        return None;
    }
    if let Some((separator, role)) = command_splitter(&arg.value) {
        invalid_placeholder::report(
            findings,
            arg.value_span,
            format!(
                "`{}` holds `{separator}`, which in the link {role}",
                arg.key
            ),
            format!("give `{}` a single value, without `&` or `#`", arg.key),
        );
        return None;
    }
    Some(())
}

/// Where the link of a placeholder at `whole` leads: `None` (and a finding) for the web
/// without a portal.
fn target(
    client: Client,
    context: &Context,
    whole: Span,
    findings: &mut Findings,
) -> Option<Target> {
    match (client, &context.settings.portal) {
        (Client::Desktop, _) => Some(Target::Desktop),
        (Client::Web, Some(portal)) => Some(Target::Web(portal.clone())),
        (Client::Web, None) => {
            invalid_placeholder::report(
                findings,
                whole,
                "a web link needs the portal, and none is configured".to_owned(),
                "set `portal` in ddlink.toml, pass --portal, or use client=\"desktop\"".to_owned(),
            );
            None
        }
    }
}

/// `Some` unless the configured `[auth] setting` holds `&` or `#` outside its tokens, which
/// would split the link: then reported at the placeholder (`whole`), never half a link.
fn splits_the_link(setting: &str, value: &str, whole: Span, findings: &mut Findings) -> Option<()> {
    let Some((separator, _)) = command_splitter(value) else {
        return Some(());
    };
    invalid_placeholder::report(
        findings,
        whole,
        format!(
            "`[auth] {setting}` in ddlink.toml holds `{separator}`, which would split the link"
        ),
        format!(
            "write `[auth] {setting}` as one template expression, without `&` or `#` outside it"
        ),
    );
    None
}

/// The first white-space character of `url` outside template tokens.
fn whitespace_outside_tokens(url: &str) -> Option<char> {
    find_char_outside_tokens(url, char::is_whitespace)
}

/// Whether an attribute of `<dd-link>` is a command key (the others pass through to the
/// anchor).
fn is_command_key(key: &str) -> bool {
    spec::is_known_key(key)
}

/// Whether a parameter that a control adds (`auth`'s credentials, `remember-me`'s
/// `auth_remember_me`) is also written as an argument: reported, as the link would hold it
/// twice.
fn written_beside_its_control(
    sources: &[Source],
    auth: Auth,
    remember: Option<&str>,
    findings: &mut Findings,
) -> bool {
    let added: &[(&str, &str)] = match auth {
        Auth::Passwordless => &[
            (spec::AUTH_USERNAME, "auth=\"passwordless\""),
            (spec::AUTH_TOKEN, "auth=\"passwordless\""),
        ],
        Auth::AccessToken => &[(spec::ACCESS_TOKEN, "auth=\"access-token\"")],
        Auth::None => &[],
    };
    let remembered = remember.map(|_| (spec::AUTH_REMEMBER_ME, "remember-me"));
    let mut found = false;
    for (key, control) in added.iter().copied().chain(remembered) {
        for source in sources.iter().filter(|s| s.key.eq_ignore_ascii_case(key)) {
            crate::rules::duplicate_param::report_added_by_control(
                findings,
                source.span,
                &source.key,
                control,
            );
            found = true;
        }
    }
    found
}

fn add_auth(
    command: &mut Command,
    auth: Auth,
    context: &Context,
    whole: Span,
    findings: &mut Findings,
) -> Option<()> {
    let dialect = context.dialect.dialect;
    match auth {
        Auth::Passwordless => {
            let email = context.expand.email_token.clone().or_else(|| {
                let token = token_for(Meaning::ContactEmail, dialect?, context.language)?;
                // Liquid can URL-encode the address (`+` would arrive as a space: DD206);
                // the other PSAs cannot.
                Some(match token.strip_suffix(" }}") {
                    Some(inner) if dialect == Some(Dialect::DeskDirector) => {
                        format!("{inner} | url_encode }}}}")
                    }
                    _ => token,
                })
            });
            let token = context.expand.passwordless_token.clone().or_else(|| {
                (dialect == Some(Dialect::DeskDirector)).then(|| "{{ Token }}".to_owned())
            });
            let has_email = email.is_some();
            let (Some(email), Some(token)) = (email, token) else {
                let (why, help) = match (dialect, has_email) {
                    (Some(Dialect::ConnectWise), false) => (
                        "ConnectWise has no contact e-mail token by default",
                        "set `[auth] email_token` (your instance's contact e-mail token) and `[auth] passwordless_token` in ddlink.toml, or drop `auth`",
                    ),
                    (None, false) => (
                        "the template's PSA is unknown, so its contact e-mail token is too",
                        "set the PSA (`psa` in ddlink.toml, or --psa), or `[auth] email_token`, or drop `auth`",
                    ),
                    _ => (
                        "no passwordless token expression is configured",
                        "set `[auth] passwordless_token` in ddlink.toml, or drop `auth`",
                    ),
                };
                invalid_placeholder::report(
                    findings,
                    whole,
                    format!("cannot make a passwordless link: {why}"),
                    help.to_owned(),
                );
                return None;
            };
            for (setting, value) in [("email_token", &email), ("passwordless_token", &token)] {
                splits_the_link(setting, value, whole, findings)?;
            }
            command.push(spec::AUTH_USERNAME, email);
            command.push(spec::AUTH_TOKEN, token);
        }
        Auth::AccessToken => {
            let Some(token) = context.expand.access_token.clone() else {
                invalid_placeholder::report(
                    findings,
                    whole,
                    "cannot make an access-token link: no access-token expression is configured"
                        .to_owned(),
                    "set `[auth] access_token` in ddlink.toml, or drop `auth`".to_owned(),
                );
                return None;
            };
            splits_the_link("access_token", &token, whole, findings)?;
            command.push(spec::ACCESS_TOKEN, token);
        }
        Auth::None => {}
    }
    Some(())
}

/// Where a command argument of a placeholder is written.
struct Source {
    key: String,
    /// The whole argument (`key="value"`).
    span: Span,
    value_span: Span,
    /// The value, when it is written byte for byte as the link holds it (no character
    /// reference, no escape, no byte the encoding writes otherwise): a fix inside it is a fix
    /// of the placeholder.
    verbatim: Option<Arc<str>>,
    /// The value, when it is written without a character reference or an escape, in any
    /// encoding: a fix of the whole value replaces it, though a fix inside it could not be
    /// placed byte for byte.
    plain: Option<Arc<str>>,
}

/// An edit that renames a parameter of the link (`ticketid` → `ticket_id`), made an edit of the
/// argument's key where the placeholder writes it.
fn placed_key_edit(edit: &Edit, url: &str, link: &ParsedLink, sources: &[Source]) -> Option<Edit> {
    let param = link
        .params
        .iter()
        .find(|p| p.key.start == edit.start && p.key.end == edit.end)?;
    let key = &url[param.key.clone()];
    let source = sources.iter().find(|s| s.key == key)?;
    let is_key = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    (key.is_ascii() && is_key(&edit.content) && source.span.len() >= key.len()).then(|| {
        Edit::replace(
            Span::new(source.span.start, source.span.start + key.len()),
            Arc::clone(&edit.content),
        )
    })
}

/// A fix of the link that a placeholder would become, made a fix of the placeholder: when
/// each of its edits falls inside one value written verbatim and writes nothing that would
/// end the value (`[Ticket: ID]` for `[srnumber]`, `approve` for `aprove`). Others (a
/// parameter removed or added) have no place in the placeholder.
fn placed_fix(fix: &Fix, url: &str, link: &ParsedLink, sources: &[Source]) -> Option<Fix> {
    let edits = fix
        .edits
        .iter()
        .map(|edit| {
            if let Some(renamed) = placed_key_edit(edit, url, link, sources) {
                return Some(renamed);
            }
            let param = link.params.iter().find(|p| {
                p.value
                    .as_ref()
                    .is_some_and(|v| v.start <= edit.start && edit.end <= v.end)
            })?;
            let value = param.value.clone()?;
            let source = sources.iter().find(|s| s.key == url[param.key.clone()])?;
            if edit.content.contains(['"', '\'', '&', '<', '>', '`']) {
                return None;
            }
            // `[Ticket: Número]` in a windows-1252 template: the whole value, replaced.
            if (edit.start, edit.end) == (value.start, value.end)
                && source.plain.as_deref() == Some(&url[value.clone()])
            {
                return Some(Edit::replace(source.value_span, Arc::clone(&edit.content)));
            }
            if source.verbatim.as_deref() != Some(&url[value.clone()]) {
                return None;
            }
            let start = source.value_span.start + (edit.start - value.start);
            let end = source.value_span.start + (edit.end - value.start);
            Some(Edit::replace(
                Span::new(start, end),
                Arc::clone(&edit.content),
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Fix {
        applicability: fix.applicability,
        edits: edits.into_boxed_slice(),
    })
}

/// Run the link rules on the URL a placeholder would become. Findings point at the
/// placeholder's own arguments where they come from one (the rest at the placeholder); a fix
/// is kept where it edits a value as the placeholder writes it (see [`placed_fix`]), dropped
/// where it would edit only the URL. `false` when an error stops the expansion.
fn judge(
    url: &str,
    sources: &[Source],
    whole: Span,
    bare_in_text: bool,
    context: &Context,
    findings: &mut Findings,
) -> bool {
    let Some(link) = parse_link(url, &context.settings.hosts) else {
        return true;
    };
    let map = TextMap::identity(url.to_owned(), 0);
    let site = LinkSite {
        map: &map,
        range: 0..url.len(),
        text: url,
        gaps: &[],
        link: &link,
        origin: Origin::PlainText,
        settings: context.settings,
    };
    let mut local = Findings::new(context.rules);
    check_link(&site, &mut local);
    // A password or a credential written out is never generated, whether its rules (DD301,
    // DD302) are on, off or suppressed.
    let all_rules = RuleConfig::default();
    let mut credentials = Findings::new(&all_rules);
    password_in_link::check(&site, &mut credentials);
    literal_credential::check(&site, &mut credentials);
    let carries_credential = !credentials.diagnostics().is_empty();
    if bare_in_text {
        bare_deeplink_in_text::check(
            &LinkSite {
                origin: Origin::HtmlText,
                range: site.range.clone(),
                ..site
            },
            &mut local,
        );
    }
    judge_tokens(&site, context, &mut local);
    let mut blocked = false;
    for mut diagnostic in local.into_diagnostics() {
        let param = link.params.iter().find(|p| {
            p.range.start <= diagnostic.span.start
                && diagnostic.span.start < p.range.end.max(p.range.start + 1)
        });
        diagnostic.span = param
            .and_then(|p| {
                let key = &url[p.key.clone()];
                // The argument this parameter came from: the second `action` of the link
                // from the second `action` attribute (DD109 points at the repeat).
                let repeat = link
                    .params
                    .iter()
                    .take_while(|q| !std::ptr::eq(*q, p))
                    .filter(|q| url[q.key.clone()] == *key)
                    .count();
                let mut named = sources.iter().filter(|s| s.key == key);
                let first = named.clone().next();
                named.nth(repeat).or(first).map(|source| {
                    let Some(value) = p.value.clone().filter(|v| v.start <= diagnostic.span.start)
                    else {
                        return source.span;
                    };
                    // A value written byte for byte as the link holds it: the finding points
                    // at its own part of it (one token of two), as in a link.
                    if source.verbatim.as_deref() == Some(&url[value.clone()])
                        && diagnostic.span.end <= value.end
                    {
                        let start = source.value_span.start + (diagnostic.span.start - value.start);
                        let end = source.value_span.start + (diagnostic.span.end - value.start);
                        return Span::new(start, end);
                    }
                    source.value_span
                })
            })
            .unwrap_or(whole);
        // A near miss of a parameter (`ticketid`) is no request the link can meet: a default
        // `ticket_id` would be added beside it and open another ticket.
        // So is one beside the key it misspells (`action='close' acton='approve'`), which
        // has no fix: which of the two is meant is for a person to say.
        let misspelt = diagnostic.rule.code == unknown_param::UNKNOWN_PARAM.code
            && (diagnostic.fix.is_some()
                || param.is_some_and(|p| {
                    crate::rules::did_you_mean::closest(&url[p.key.clone()], spec::all_keys())
                        .is_some()
                }));
        if misspelt && let Some(help) = diagnostic.help().map(str::to_owned) {
            let stop = if help.ends_with(['?', '.']) { "" } else { "." };
            diagnostic.set_help(format!("{help}{stop} {}", unknown_param::LEFT_UNTIL_THEN));
        }
        diagnostic.fix = diagnostic
            .fix
            .as_ref()
            .and_then(|fix| placed_fix(fix, url, &link, sources));
        // A suppressed finding does not stop the expansion, as a rule turned off does not.
        blocked |= (misspelt || diagnostic.severity == Severity::Error)
            && !(context.suppressed)(&diagnostic);
        findings.push(diagnostic);
    }
    if carries_credential && !blocked {
        invalid_placeholder::report(
            findings,
            whole,
            "the link would carry a password or a credential written out, which ddlink never generates".to_owned(),
            "remove it from the placeholder; for a link that signs the contact in, use auth=\"passwordless\" or auth=\"access-token\" with the mail system's tokens".to_owned(),
        );
        blocked = true;
    }
    !blocked
}

/// How a `<dd-link>` element opens (in lower case; tag names are matched in any case).
pub const ELEMENT_OPENING: &[u8] = b"<dd-link";

/// Where each `<dd-link` element opening starts in raw bytes (any case), and its length.
pub fn element_openings(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    memchr::memchr_iter(b'<', bytes).filter_map(|at| {
        let end = at + ELEMENT_OPENING.len();
        (bytes.get(at..end)?.eq_ignore_ascii_case(ELEMENT_OPENING)
            && bytes
                .get(end)
                .is_none_or(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/'))
        .then_some((at, ELEMENT_OPENING.len()))
    })
}

/// Stands for a label that stays where it is: the rendered snippet is cut around it.
const MARKER: &str = "\u{E000}ddlink-label\u{E000}";

/// The URL escaped for HTML: outside template tokens, `&` as `&amp;`, `"` as `&quot;` (and,
/// in an attribute quoted with `'`, `'` as `&#39;`; in text, `<` as `&lt;`). Tokens are kept
/// byte for byte, since the mail system reads them in the template's source; a token holding
/// the attribute's own quote cannot be written there (`Err`).
fn escape_html(url: &str, quote: Option<u8>) -> Result<String, String> {
    let mut out = String::with_capacity(url.len() + 16);
    let mut at = 0;
    let plain = |text: &str, out: &mut String| {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '"' if quote != Some(b'\'') => out.push_str("&quot;"),
                '\'' if quote == Some(b'\'') => out.push_str("&#39;"),
                '<' if quote.is_none() => out.push_str("&lt;"),
                _ => out.push(c),
            }
        }
    };
    for token in tokens(url) {
        plain(&url[at..token.range.start], &mut out);
        let text = &url[token.range.clone()];
        if let Some(q) = quote
            && text.as_bytes().contains(&q)
        {
            return Err(format!(
                "the token `{text}` holds the quote (`{}`) the attribute is written in",
                q as char
            ));
        }
        out.push_str(text);
        at = token.range.end;
    }
    plain(&url[at..], &mut out);
    Ok(out)
}

/// The URL written where a `{{deeplink}}` stood.
fn render_mustache(
    span: Span,
    where_: MustacheContext,
    url: &str,
    findings: &mut Findings,
) -> Option<Vec<Edit>> {
    let escaped = match where_ {
        MustacheContext::Attribute(Some(quote)) => escape_html(url, Some(quote)),
        MustacheContext::Attribute(None) => {
            if url.contains(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '>' | '=' | '<' | '`')
            }) {
                Err(
                    "this link cannot be written into an unquoted attribute: quote the attribute"
                        .to_owned(),
                )
            } else {
                escape_html(url, Some(b'"'))
            }
        }
        MustacheContext::HtmlText | MustacheContext::LinkLabel => escape_html(url, None),
        MustacheContext::PlainText => Ok(url.to_owned()),
    };
    match escaped {
        Ok(text) => Some(vec![Edit::replace(span, text)]),
        Err(problem) => {
            invalid_placeholder::report(
                findings,
                span,
                problem,
                "change the token's quotes, or the attribute's".to_owned(),
            );
            None
        }
    }
}

fn render(
    placeholder: &Placeholder,
    snippet: Snippet,
    url: &str,
    context: &Context,
    findings: &mut Findings,
) -> Option<Vec<Edit>> {
    match placeholder {
        Placeholder::Mustache {
            span,
            context: where_,
            ..
        } => render_mustache(*span, *where_, url, findings),
        Placeholder::Element {
            start_tag,
            end_tag,
            empty_label,
            label_comment,
            args,
            indent,
            ..
        } => {
            let passed = || {
                args.iter().filter(|a| {
                    !CONTROLS.contains(&&*a.key)
                        && !is_command_key(&a.key)
                        && !legacy_command(args, a)
                })
            };
            if refused_attributes(&passed, *start_tag, findings) {
                return None;
            }
            let (attributes, style) = passed_markup(passed(), start_tag.start, findings)?;
            // The snippets write `href="…"`.
            let href = match escape_html(url, Some(b'"')) {
                Ok(href) => href,
                Err(problem) => {
                    invalid_placeholder::report(
                        findings,
                        *start_tag,
                        problem,
                        "use single quotes inside the token".to_owned(),
                    );
                    return None;
                }
            };
            if !context.edits_wanted && context.expand.snippets.always_render() {
                // A check keeps no edits: rendering would tell nothing more.
                return Some(Vec::new());
            }
            let render_with = |label: &str, findings: &mut Findings| {
                let data = SnippetData {
                    href: &href,
                    attributes: &attributes,
                    style: &style,
                    label,
                };
                match context.expand.snippets.render(snippet, &data) {
                    Ok(rendered) => {
                        if let Some(name) = snippets::written_twice(&rendered, &attributes) {
                            invalid_placeholder::report(
                                findings,
                                *start_tag,
                                format!(
                                    "the snippet writes its own `{name}` in the tag the placeholder's attributes go in: the link would have two, and mail clients keep only the first"
                                ),
                                format!(
                                    "leave `{name}` out of the placeholder, or out of the snippet in templates_dir"
                                ),
                            );
                            return None;
                        }
                        Some(relined(&rendered, &format!("{}{indent}", context.newline)))
                    }
                    Err(message) => {
                        invalid_placeholder::report(
                            findings,
                            *start_tag,
                            format!("the snippet failed: {message}"),
                            "fix the snippet in templates_dir".to_owned(),
                        );
                        None
                    }
                }
            };
            let no_label = (*empty_label && !*label_comment) || end_tag.is_none();
            let custom = !context.expand.snippets.always_render();
            let (rendered, keeps_label) = if no_label && custom {
                rendered_without_label(&render_with, url, findings)?
            } else if end_tag.is_some() && *empty_label && *label_comment {
                let label = format!("{MARKER}{}", default_label(url));
                (render_with(&label, findings)?, true)
            } else if no_label {
                (render_with(&default_label(url), findings)?, false)
            } else {
                (render_with(MARKER, findings)?, true)
            };
            place_rendered(rendered, &href, keeps_label, *start_tag, *end_tag, findings)
        }
    }
}

/// A custom snippet's rendering for a placeholder without a label: the snippet's own label
/// when it writes one for an empty `label` (`{{#if label}}{{{label}}}{{else}}Open{{/if}}`:
/// what an empty label gives is not what a label gives with the label taken out), else the
/// snippet around ddlink's label for the command.
fn rendered_without_label(
    render_with: &dyn Fn(&str, &mut Findings) -> Option<String>,
    url: &str,
    findings: &mut Findings,
) -> Option<(String, bool)> {
    let unlabelled = render_with("", findings)?;
    let labelled = render_with(MARKER, findings)?;
    // Its own label is text it writes only without one (an empty `{{else}}` writes none).
    if visible_text(&unlabelled) > visible_text(&labelled.replace(MARKER, "")) {
        Some((unlabelled, false))
    } else {
        Some((render_with(&default_label(url), findings)?, false))
    }
}

/// How many characters of `markup` a reader sees: not tags, not white space.
fn visible_text(markup: &str) -> usize {
    let mut in_tag = false;
    markup
        .chars()
        .filter(|&c| {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    return false;
                }
                _ => {}
            }
            !in_tag && !c.is_whitespace()
        })
        .count()
}

/// The edits that put a `<dd-link>`'s rendered markup in place of its tags (around its label,
/// kept where it is, when `keeps_label`).
fn place_rendered(
    rendered: String,
    href: &str,
    keeps_label: bool,
    start_tag: Span,
    end_tag: Option<Span>,
    findings: &mut Findings,
) -> Option<Vec<Edit>> {
    // A custom snippet's conditions may leave out what its probe saw written
    // (`{{#if (eq attributes …)}}`): a link without its URL or its label is never written.
    let lost = if !rendered.contains(&format!("href=\"{href}\"")) {
        Some("the link's URL")
    } else if keeps_label && !rendered.contains(MARKER) {
        Some("the placeholder's label")
    } else {
        None
    };
    if let Some(lost) = lost {
        invalid_placeholder::report(
            findings,
            start_tag,
            format!("the snippet left out {lost} for this placeholder"),
            "make the snippet write `href=\"{{{href}}}\"` and `{{{label}}}` whatever its conditions"
                .to_owned(),
        );
        return None;
    }
    match (end_tag, rendered.split_once(MARKER)) {
        (Some(end), Some((before, after))) => Some(vec![
            Edit::replace(start_tag, before),
            Edit::replace(end, after),
        ]),
        (Some(end), None) => Some(vec![Edit::replace(
            Span::new(start_tag.start, end.end),
            rendered,
        )]),
        (None, _) => Some(vec![Edit::replace(start_tag, rendered)]),
    }
}

/// Whether a `<dd-link>`'s pass-through attributes cannot be carried over to the anchor
/// (reported).
fn refused_attributes<'a, I: DoubleEndedIterator<Item = &'a Arg>>(
    passed: &dyn Fn() -> I,
    start_tag: Span,
    findings: &mut Findings,
) -> bool {
    // `{% if x %}class="y"{% endif %}` in the tag: HTML reads the template code as
    // attribute names, which cannot be written back as they were.
    let mut refuse = |first: &Arg, last: &Arg, message: String, help: &str| {
        let span = Span::new(
            start_tag.start + first.span.start,
            start_tag.start + last.span.end,
        );
        invalid_placeholder::report(findings, span, message, help.to_owned());
        true
    };
    let is_code = |a: &&Arg| a.key.contains(['{', '}', '%']);
    if let (Some(code), Some(last)) = (passed().find(is_code), passed().rfind(is_code)) {
        return refuse(
            code,
            last,
            format!(
                "template code (`{}`) between the attributes of `<dd-link>` cannot be carried over to the link",
                code.key
            ),
            "put the condition around the whole `<dd-link>…</dd-link>`, or inside its label",
        );
    }
    // A credential among them (`password="…"`) is said by `expand`, which renders nothing.
    false
}

/// Whether a `<dd-link>`'s pass-through attributes hold a credential written out
/// (`password="…"`, reported): no command key, it would pass to the anchor, and the e-mail
/// would carry it. Said whatever else the placeholder holds, not once its other findings are
/// fixed.
fn written_credential(args: &[Arg], findings: &mut Findings) -> bool {
    let Some(credential) = args.iter().find(|a| {
        !CONTROLS.contains(&&*a.key)
            && !is_command_key(&a.key)
            && !legacy_command(args, a)
            && is_written_credential(a)
    }) else {
        return false;
    };
    invalid_placeholder::report(
        findings,
        credential.span,
        format!(
            "`{}` holds a credential written out, which would go into the e-mail with the link",
            credential.key
        ),
        "remove it from the placeholder; for a link that signs the contact in, use auth=\"passwordless\" or auth=\"access-token\" with the mail system's tokens".to_owned(),
    );
    true
}

/// A pass-through attribute under a credential's name (`password`, `pwd`, `token`,
/// `api_key`) holding a value written out rather than a template token.
fn is_written_credential(arg: &Arg) -> bool {
    let value = arg.value.trim();
    !value.is_empty()
        && !crate::command::token::is_single_token(value)
        && spec::is_secret_key(&arg.key)
}

/// ` key="value"`, the value as written in the source. In the quote it does not hold, so that
/// a template expression in it (`title='Hi {{ name | default: "there" }}'`) stays byte for
/// byte; holding both, its `"` are escaped.
/// The attributes a `<dd-link>` (whose start tag is at `base`) passes to its anchor, as
/// markup, and its `style` value, escaped for the snippet's double-quoted `style`; `None`
/// (reported) when a `"` in template code would have to be changed.
fn passed_markup<'a>(
    passed: impl Iterator<Item = &'a Arg>,
    base: usize,
    findings: &mut Findings,
) -> Option<(String, String)> {
    let mut attributes = String::new();
    let mut style = String::new();
    let mut styled = false;
    for arg in passed {
        // Where a `"` must become `&quot;` (the snippet's double-quoted `style`, or a value
        // holding both quotes), one inside template code would reach the mail system's
        // template engine changed.
        let is_style = arg.key.eq_ignore_ascii_case("style");
        let requoted = arg.raw_value.contains('"') && (is_style || arg.raw_value.contains('\''));
        if requoted && quote_in_template_code(&arg.raw_value) {
            invalid_placeholder::report(
                findings,
                arg.placed_at(base).span,
                format!(
                    "`{}` holds a `\"` inside template code, which the link's double-quoted `{}` would change to `&quot;`",
                    arg.key, arg.key
                ),
                "write the template code with single quotes (`default: '#f00'`)".to_owned(),
            );
            return None;
        }
        if is_style {
            // A browser reads the first of two `style`s; the snippet writes one.
            if !styled {
                style = arg.raw_value.replace('"', "&quot;");
                styled = true;
            }
        } else {
            write_attribute(&mut attributes, &arg.key, &arg.raw_value);
        }
    }
    Some((attributes, style))
}

/// Whether a template token in `raw_value` (`{{ x | default: "y" }}`) holds a `"`.
fn quote_in_template_code(raw_value: &str) -> bool {
    crate::command::token::tokens(raw_value)
        .into_iter()
        .any(|token| raw_value[token.range].contains('"'))
}

fn write_attribute(out: &mut String, key: &str, raw_value: &str) {
    let _ = if !raw_value.contains('"') {
        write!(out, " {key}=\"{raw_value}\"")
    } else if !raw_value.contains('\'') {
        write!(out, " {key}='{raw_value}'")
    } else {
        write!(out, " {key}=\"{}\"", raw_value.replace('"', "&quot;"))
    };
}

/// The label of a placeholder written without one.
fn default_label(url: &str) -> String {
    let command = url
        .split_once('?')
        .map_or_else(|| url.trim_start_matches("ddportal://"), |(_, c)| c);
    let command = Command::parse(command.split('#').next().unwrap_or_default());
    // A V1 command (`ticketid=5`, `mytickets`) is labelled as the V2 command it stands for.
    let name = command.name().or_else(|| {
        command.pairs().iter().find_map(|(key, value)| {
            crate::command::LegacyV1::of_pair(key, !value.is_empty())
                .or_else(|| crate::command::LegacyV1::of_pair(key, false))
                .map(crate::command::LegacyV1::v2_name)
        })
    });
    let label = match (name, command.get("action"), command.get("state")) {
        (Some("ticket"), Some("approve" | "auto_approve"), _) => "Approve",
        (Some("ticket"), Some("decline" | "auto_decline"), _) => "Decline",
        (Some("ticket"), Some("close"), _) => "Close ticket",
        (Some("ticket"), Some("reopen"), _) => "Reopen ticket",
        (Some("ticket"), Some("chat"), _) => "Chat with us",
        (Some("ticket"), _, _) => "View ticket",
        (Some("ticket_list"), _, Some("approval")) => "Your approvals",
        (Some("ticket_list"), _, _) => "Your tickets",
        (Some("support_options" | "pre_ticket_chat" | "request_types" | "request_type"), _, _) => {
            "Get support"
        }
        (Some("invoices"), _, _) => "Your invoices",
        (Some("invoice"), _, _) => "View invoice",
        (Some("quotes"), _, _) => "Your quotes",
        (Some("quote"), _, _) => "View quote",
        (Some("survey"), _, _) => "Take the survey",
        (Some("notifications"), _, _) => "Notifications",
        (Some("content_page"), _, _) => "Read more",
        (Some("menu_item"), _, _) => "Open",
        _ => "Open the portal",
    };
    label.to_owned()
}
