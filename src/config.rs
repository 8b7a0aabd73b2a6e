//! `ddlink.toml` (SPEC §5.2): the schema, discovery, and what the config says about one file.
//!
//! A config is read in two steps. Serde turns the TOML into a raw schema that keeps every
//! value's byte span (`toml::Spanned`), refusing unknown keys; then each value is validated
//! into its real type ([`Dialect`], [`Portal`], a compiled glob, a rule and its severity), so
//! that every mistake becomes one [`ConfigError`] whose label sits on the offending key or
//! value and whose help says what to write instead.
//!
//! Discovery is the closest `ddlink.toml` walking up from a file's folder; configs are never
//! merged. Globs are relative to the config's folder, and `*` does not cross `/`.
//!
//! Like the rest of the library this module never prints; it reads the file system (that is
//! its job) and, for relative paths only, the current directory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{LabeledSpan, NamedSource, SourceSpan};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::command::token::is_single_token;
use crate::command::{Client, Portal, credential_ranges, mask_credentials};
use crate::diagnostic::Severity;
use crate::dialect::{Dialect, Language};
use crate::expand::ExpandSettings;
use crate::rewrite::{FileKind, RewriterOptions};
use crate::rules::{self, Rule, RuleConfig, RuleSettings};

/// The name of the config file that [`Config::discover`] looks for.
pub const FILE_NAME: &str = "ddlink.toml";

/// The commented starter config that `ddlink init` writes. Every key is documented; the
/// active values are the defaults, so writing this file changes nothing until it is edited.
pub const STARTER: &str = r#"# ddlink.toml: settings for `ddlink check` and `ddlink fix`.
#
# ddlink uses the closest ddlink.toml found walking up from each template's folder (or the
# file given with --config). Configs are not merged: the closest one decides everything.
# Command-line flags (--psa, --portal, --client, --encoding) win over this file.
# Paths and globs are relative to the folder of this file; `*` stays within one folder,
# `**` crosses folders.

# The web portal's origin: `https://{subdomain}.deskdirector.com` or your custom domain.
# Expanded links use it, and links to another portal host are reported (DD408).
# portal = "https://acme.deskdirector.com"

# Which client expanded links open: "web" (https://{portal}/portal/deeplink?...) or
# "desktop" (ddportal://..., only for audiences that all have the desktop app; DD403,
# desktop-link-in-email, then reports none).
client = "web"

# The PSA whose tokens the templates use: "connectwise", "autotask" or "deskdirector".
# Without it ddlink detects the dialect from each template's tokens (DD205 when it cannot).
# psa = "connectwise"

# The encoding of templates that declare none (no byte-order mark, no <meta charset>),
# as a WHATWG label such as "utf-8" or "windows-1252".
# encoding = "utf-8"

# A folder of Handlebars snippets (link.hbs, button.hbs) used instead of the built-in ones
# when placeholders are expanded.
# templates_dir = "snippets"

# Which files a folder walk picks up, and which it skips. A file named on the command line
# is processed even when excluded, unless --force-exclude is given. Without `include` a walk
# picks up .html, .htm, .mjml, .txt, .hbs and .liquid files, the extension in any case
# (A.HTML too); `include` replaces that list, and its globs match case as written.
# include = ["**/*.html", "**/*.htm", "**/*.mjml", "**/*.txt", "**/*.hbs", "**/*.liquid"]
exclude = []

# The parser's memory limit per template: bytes, or a size such as "512KiB", "64MiB", "1GiB".
# A template that needs more is reported (DD602) instead of exhausting the machine.
max_memory = "64MiB"

[autotask]
# The language of your Autotask instance: "en", "de" or "es". Autotask translates variable
# names and resolves only its own language's names.
language = "en"

# Auth parameters added to expanded links. Use your PSA's tokens, never a literal secret:
# the examples are DeskDirector's Liquid; a ConnectWise or Autotask template needs the token
# its own mail system fills in (ddlink takes these as written, whatever the dialect).
# [auth]
# passwordless_token = "{{ Token }}"
# access_token = "{{ AccessToken }}"
# The contact e-mail token passwordless links carry. ConnectWise has none by default: write
# your instance's. Set, it replaces [Contact: Email Address] and {{ Contact.Email }} too.
# email_token = "[your-contact-email-token]"

# Rule severities, by code or name: "error", "warning", "info" or "off".
# `ddlink rules` lists every rule; `ddlink rule DD403` explains one.
# [rules]
# DD403 = "off"
# unknown-param = "error"

# Settings for some files only, matched by globs. Later overrides win over earlier ones.
# Each may set `psa`, `portal`, `client`, `[overrides.autotask]` and `[overrides.rules]`.
# [[overrides]]
# files = ["autotask/**"]
# psa = "autotask"
# rules = { DD303 = "error" }
"#;

// ---------------------------------------------------------------------------------------------
// The raw schema: what serde reads, with spans for everything validated afterwards.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    portal: Option<Spanned<String>>,
    client: Option<Spanned<String>>,
    psa: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    templates_dir: Option<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    max_memory: Option<Spanned<toml::Value>>,
    autotask: Option<RawAutotask>,
    auth: Option<RawAuth>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutotask {
    language: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
// The fields are the keys of `[auth]`, as users write them.
#[allow(clippy::struct_field_names)]
struct RawAuth {
    passwordless_token: Option<Spanned<String>>,
    access_token: Option<Spanned<String>>,
    email_token: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    files: Spanned<Vec<Spanned<String>>>,
    psa: Option<Spanned<String>>,
    portal: Option<Spanned<String>>,
    client: Option<Spanned<String>>,
    #[serde(default)]
    rules: RawRules,
    autotask: Option<RawAutotask>,
}

/// A `[rules]` table as written: `(rule, severity)` pairs in file order. The keys are rule
/// codes or names, checked after deserialising so that the error can suggest the right one.
#[derive(Default)]
struct RawRules(Vec<(Spanned<String>, Spanned<String>)>);

impl<'de> Deserialize<'de> for RawRules {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RulesVisitor;

        impl<'de> Visitor<'de> for RulesVisitor {
            type Value = RawRules;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a table of rule codes or names to \"error\", \"warning\", \"info\" or \"off\"",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRules, A::Error> {
                let mut pairs: Vec<(Spanned<String>, Spanned<String>)> = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                // The TOML table may be stored sorted by key: restore the order of the file.
                pairs.sort_by_key(|(key, _)| key.span().start);
                Ok(RawRules(pairs))
            }
        }

        deserializer.deserialize_map(RulesVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// The validated config.

/// A parsed, validated `ddlink.toml`.
#[derive(Clone, Debug)]
pub struct Config {
    /// The config file, absolute and without `.` or `..` components.
    pub path: PathBuf,
    /// Its folder: globs and `templates_dir` are relative to it (the globs of a `--config`
    /// file to the current directory: see [`Config::with_globs_from`]).
    pub root: PathBuf,
    /// `root` with symlinks resolved, when it exists: a fallback for matching files whose
    /// path reaches the same folder through a symlink (`/tmp` → `/private/tmp`).
    canonical_root: Option<PathBuf>,
    /// The top-level settings, as they apply to a file no override matches.
    base: FileConfig,
    include: Vec<String>,
    include_set: Option<GlobSet>,
    exclude: Vec<String>,
    exclude_set: GlobSet,
    overrides: Vec<Override>,
}

/// One `[[overrides]]` entry, validated.
#[derive(Clone, Debug)]
struct Override {
    files: GlobSet,
    /// Names the override in messages: `ddlink.toml [[overrides]] autotask/**`.
    source: String,
    psa: Option<Dialect>,
    portal: Option<Portal>,
    client: Option<Client>,
    language: Option<Language>,
    rules: Vec<(&'static Rule, Option<Severity>)>,
}

/// The settings for one file after `[[overrides]]` are applied (the last matching override
/// wins per key; rule severities accumulate in order, so a later setting of a rule wins).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileConfig {
    pub portal: Option<Portal>,
    pub client: Option<Client>,
    pub psa: Option<Dialect>,
    /// Where `psa` came from, for messages: `ddlink.toml`, or
    /// `ddlink.toml [[overrides]] autotask/**`.
    pub psa_source: Option<String>,
    /// A WHATWG label of an ASCII-compatible encoding.
    pub encoding: Option<String>,
    /// Resolved against the config's folder.
    pub templates_dir: Option<PathBuf>,
    pub autotask_language: Language,
    pub passwordless_token: Option<String>,
    pub access_token: Option<String>,
    /// `[auth] email_token`: the contact e-mail token of passwordless links.
    pub email_token: Option<String>,
    /// In bytes.
    pub max_memory: Option<usize>,
    /// In file order, the overrides' rules after the top-level `[rules]`; `None` is "off".
    pub rules: Vec<(&'static Rule, Option<Severity>)>,
}

impl FileConfig {
    /// Apply the configured rule severities, in order, to `rules` (command-line `--select`
    /// and `--ignore` are applied after this, so that they win).
    pub fn apply_rules(&self, rules: &mut RuleConfig) {
        for (rule, severity) in &self.rules {
            rules.set(rule, *severity);
        }
    }

    /// How to read a file of `kind` under this configuration. `portal` and `psa` given on the
    /// command line win over the file's.
    pub fn options(
        &self,
        kind: FileKind,
        portal: Option<Portal>,
        psa: Option<Dialect>,
    ) -> RewriterOptions {
        let mut settings = RuleSettings::new(portal.or_else(|| self.portal.clone()), psa);
        settings.config_dialect = self.psa.map(|dialect| {
            let place = self
                .psa_source
                .clone()
                .unwrap_or_else(|| FILE_NAME.to_owned());
            (dialect, place)
        });
        settings.language = self.autotask_language;
        settings.client = self.client;
        let mut rules = RuleConfig::default();
        self.apply_rules(&mut rules);
        let defaults = RewriterOptions::default();
        RewriterOptions {
            kind,
            settings,
            rules: Arc::new(rules),
            max_memory: self.max_memory.unwrap_or(defaults.max_memory),
            // The snippets of `templates_dir` are loaded by the caller, which reports errors.
            expand: ExpandSettings {
                client: self.client,
                passwordless_token: self.passwordless_token.clone(),
                access_token: self.access_token.clone(),
                email_token: self.email_token.clone(),
                ..ExpandSettings::default()
            },
            encoding: self
                .encoding
                .as_deref()
                .and_then(|label| crate::rewrite::encoding::for_label(label).ok())
                .unwrap_or(encoding_rs::UTF_8),
            chunk_size: crate::rewrite::CHUNK_SIZE,
            keep_expansions: defaults.keep_expansions,
            keep_origins: defaults.keep_origins,
            quick_pass: defaults.quick_pass,
            raw_thread_from: defaults.raw_thread_from,
        }
    }
}

impl Config {
    /// Parse and validate `text` read from `path`. A relative `path` is taken from the
    /// current directory; it also names the file in error reports, as given.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let source = Source { path, text };
        let deserializer = toml::de::Deserializer::parse(text)
            .map_err(|error| source.toml_error(&error, ConfigErrorKind::Syntax))?;
        let raw = RawConfig::deserialize(deserializer)
            .map_err(|error| source.toml_error(&error, ConfigErrorKind::Schema))?;

        let absolute = normalize(&absolute(path));
        let root = absolute
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let canonical_root = std::fs::canonicalize(&root).ok();
        let file_name = absolute.file_name().map_or_else(
            || FILE_NAME.to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );

        let psa = raw
            .psa
            .as_ref()
            .map(|v| parse_psa(&source, v))
            .transpose()?;
        let auth = raw.auth.unwrap_or(RawAuth {
            passwordless_token: None,
            access_token: None,
            email_token: None,
        });
        let base = FileConfig {
            portal: raw
                .portal
                .as_ref()
                .map(|v| parse_portal(&source, v))
                .transpose()?,
            client: raw
                .client
                .as_ref()
                .map(|v| parse_client(&source, v))
                .transpose()?,
            psa,
            psa_source: psa.map(|_| file_name.clone()),
            encoding: raw
                .encoding
                .as_ref()
                .map(|v| encoding_label(&source, v))
                .transpose()?,
            templates_dir: raw
                .templates_dir
                .as_ref()
                .map(|v| non_empty(&source, v, "templates_dir", TEMPLATES_DIR_HELP))
                .transpose()?
                .map(|dir| normalize(&root.join(dir))),
            autotask_language: parse_autotask(&source, raw.autotask.as_ref())?.unwrap_or_default(),
            passwordless_token: auth_expression(
                &source,
                auth.passwordless_token.as_ref(),
                "passwordless_token",
            )?,
            access_token: auth_expression(&source, auth.access_token.as_ref(), "access_token")?,
            email_token: auth_expression(&source, auth.email_token.as_ref(), "email_token")?,
            max_memory: raw
                .max_memory
                .as_ref()
                .map(|v| parse_max_memory(&source, v))
                .transpose()?,
            rules: parse_rules(&source, &raw.rules)?,
        };

        let include_set = if raw.include.is_empty() {
            None
        } else {
            Some(compile_globs(&source, &raw.include)?)
        };
        let exclude_set = compile_globs(&source, &raw.exclude)?;

        let mut overrides = Vec::with_capacity(raw.overrides.len());
        for entry in &raw.overrides {
            if entry.files.get_ref().is_empty() {
                return Err(source.error(
                    ConfigErrorKind::InvalidValue,
                    entry.files.span(),
                    "`files` in [[overrides]] is empty".to_owned(),
                    "matches no file",
                    Some(
                        "list the files this override applies to, e.g. `files = [\"autotask/**\"]`"
                            .to_owned(),
                    ),
                ));
            }
            let globs: Vec<&str> = entry
                .files
                .get_ref()
                .iter()
                .map(|g| g.get_ref().as_str())
                .collect();
            overrides.push(Override {
                files: compile_globs(&source, entry.files.get_ref())?,
                source: format!("{file_name} [[overrides]] {}", globs.join(", ")),
                psa: entry
                    .psa
                    .as_ref()
                    .map(|v| parse_psa(&source, v))
                    .transpose()?,
                portal: entry
                    .portal
                    .as_ref()
                    .map(|v| parse_portal(&source, v))
                    .transpose()?,
                client: entry
                    .client
                    .as_ref()
                    .map(|v| parse_client(&source, v))
                    .transpose()?,
                language: parse_autotask(&source, entry.autotask.as_ref())?,
                rules: parse_rules(&source, &entry.rules)?,
            });
        }

        Ok(Config {
            path: absolute,
            root,
            canonical_root,
            base,
            include: raw.include.into_iter().map(Spanned::into_inner).collect(),
            include_set,
            exclude: raw.exclude.into_iter().map(Spanned::into_inner).collect(),
            exclude_set,
            overrides,
        })
    }

    /// Read and parse the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|error| ConfigError::read(path, &error))?;
        let text = String::from_utf8(bytes).map_err(|error| ConfigError::not_utf8(path, &error))?;
        Config::parse(path, &text)
    }

    /// The closest `ddlink.toml` walking up from `dir` (closest wins, no merging); `None` if
    /// there is none up to the file-system root. A relative `dir` is taken from the current
    /// directory.
    pub fn discover(dir: &Path) -> Result<Option<Config>, ConfigError> {
        let dir = normalize(&absolute(dir));
        for folder in dir.ancestors() {
            let candidate = folder.join(FILE_NAME);
            if names_a_config(&candidate)? {
                return Config::load(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// Everything the config says about one file (path absolute or relative to the current
    /// directory). A file outside the config's folder gets the top-level settings only.
    pub fn for_file(&self, file: &Path) -> FileConfig {
        let mut settings = self.base.clone();
        let Some(relative) = self.relative(file) else {
            return settings;
        };
        for entry in &self.overrides {
            if !entry.files.is_match(&relative) {
                continue;
            }
            if let Some(psa) = entry.psa {
                settings.psa = Some(psa);
                settings.psa_source = Some(entry.source.clone());
            }
            if let Some(portal) = &entry.portal {
                settings.portal = Some(portal.clone());
            }
            if let Some(client) = entry.client {
                settings.client = Some(client);
            }
            if let Some(language) = entry.language {
                settings.autotask_language = language;
            }
            settings.rules.extend(entry.rules.iter().copied());
        }
        settings
    }

    /// The `include` globs as written.
    pub fn include(&self) -> &[String] {
        &self.include
    }

    /// The `exclude` globs as written.
    pub fn exclude(&self) -> &[String] {
        &self.exclude
    }

    /// Whether a folder walk should skip `file`: it, or a folder it is in, matches an
    /// `exclude` glob (so `exclude = ["archive"]` skips everything under `archive/`), or
    /// `include` globs are set and the file matches none. Globs do not speak about files
    /// outside the config's folder: those are never excluded.
    pub fn is_excluded(&self, file: &Path) -> bool {
        let Some(relative) = self.relative(file) else {
            return false;
        };
        if self.exclude_set.is_match(&relative)
            || relative
                .parent()
                .is_some_and(|folder| self.excluded_folder(folder))
            || self.in_templates_dir(file)
        {
            return true;
        }
        self.include_set
            .as_ref()
            .is_some_and(|include| !include.is_match(&relative))
    }

    /// Whether an `include` glob names `file`: a folder walk then picks it up whatever its
    /// extension (`**/*.tmpl`).
    pub fn is_included(&self, file: &Path) -> bool {
        let Some(relative) = self.relative(file) else {
            return false;
        };
        self.include_set
            .as_ref()
            .is_some_and(|include| include.is_match(&relative))
    }

    /// Whether a folder walk should not descend into `dir`: only `exclude` globs apply (an
    /// `include` glob such as `**/*.html` names files, never folders).
    pub fn is_excluded_dir(&self, dir: &Path) -> bool {
        self.in_templates_dir(dir)
            || self
                .relative(dir)
                .is_some_and(|relative| self.excluded_folder(&relative))
    }

    /// Whether `path` is in the `templates_dir`: its snippets (`*.hbs`) are ddlink's own
    /// markup, not templates to check.
    fn in_templates_dir(&self, path: &Path) -> bool {
        self.base
            .templates_dir
            .as_ref()
            .is_some_and(|dir| normalize(&absolute(path)).starts_with(normalize(dir)))
    }

    /// Whether the folder `relative`, or a folder it is in, matches an exclude glob, written
    /// either as the folder (`archive`) or as its content (`archive/**`).
    fn excluded_folder(&self, relative: &Path) -> bool {
        relative
            .ancestors()
            .filter(|folder| !folder.as_os_str().is_empty())
            .any(|folder| {
                let mut with_slash = folder.as_os_str().to_owned();
                with_slash.push("/");
                self.exclude_set.is_match(folder)
                    || self.exclude_set.is_match(Path::new(&with_slash))
            })
    }

    /// The config with its globs (`include`, `exclude`, `[[overrides]] files`) matched from
    /// `dir` rather than from its own folder: a file given with `--config` holds the settings
    /// of the current directory's project wherever it is kept (`ci/ddlink.toml`), as ruff
    /// reads one. `templates_dir` stays relative to the file.
    #[must_use]
    pub fn with_globs_from(mut self, dir: &Path) -> Config {
        self.root = normalize(&absolute(dir));
        self.canonical_root = std::fs::canonicalize(&self.root).ok();
        self
    }

    /// `file` relative to the config's folder, or `None` when it lies outside.
    fn relative(&self, file: &Path) -> Option<PathBuf> {
        let file = normalize(&absolute(file));
        if let Ok(relative) = file.strip_prefix(&self.root) {
            return Some(relative.to_path_buf());
        }
        let canonical_root = self.canonical_root.as_ref()?;
        canonicalize_lenient(&file)?
            .strip_prefix(canonical_root)
            .ok()
            .map(Path::to_path_buf)
    }
}

/// `path` with symlinks resolved, even when its last components do not exist yet (a
/// `--stdin-filename` need not name a real file).
fn canonicalize_lenient(path: &Path) -> Option<PathBuf> {
    let mut missing = Vec::new();
    for existing in path.ancestors() {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            let mut result = canonical;
            result.extend(missing.iter().rev());
            return Some(result);
        }
        missing.push(existing.file_name()?);
    }
    None
}

/// A relative path taken from the current directory (left as it is if that is unknown).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    }
}

/// Remove `.` and resolve `..` lexically, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Caching discovery for a batch of files.

/// [`Config::discover`] for many files: each folder is looked up once, and each config file
/// is read once and shared.
#[derive(Debug, Default)]
pub struct ConfigCache {
    /// Every folder looked at, with the config that applies in it (its own or an
    /// ancestor's); so a config file is read once however many files it governs.
    by_dir: HashMap<PathBuf, Option<Arc<Config>>>,
}

impl ConfigCache {
    pub fn new() -> Self {
        ConfigCache::default()
    }

    /// The closest config walking up from `dir`, as [`Config::discover`]. Errors are not
    /// cached: a broken config is reported again for the next file under it.
    pub fn discover(&mut self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let dir = normalize(&absolute(dir));
        let mut visited = Vec::new();
        let mut found = None;
        for folder in dir.ancestors() {
            if let Some(cached) = self.by_dir.get(folder) {
                found.clone_from(cached);
                break;
            }
            visited.push(folder.to_path_buf());
            let candidate = folder.join(FILE_NAME);
            if names_a_config(&candidate)? {
                found = Some(Arc::new(Config::load(&candidate)?));
                break;
            }
        }
        for folder in visited {
            self.by_dir.insert(folder, found.clone());
        }
        Ok(found)
    }

    /// The config that applies to `file`: the closest one walking up from its folder.
    pub fn for_file(&mut self, file: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let file = absolute(file);
        let dir = file.parent().unwrap_or(&file);
        self.discover(dir)
    }
}

/// Whether a `ddlink.toml` stands at `candidate`: a file, or a symlink even if it leads
/// nowhere (a shared configuration linked in and since moved), which is then an error to
/// report rather than a configuration silently dropped. A folder so named is none. Anything
/// else so named (a named pipe, a socket, a device) is an error: no one wrote a configuration
/// there, and reading a named pipe waits for a writer that may never come.
fn names_a_config(candidate: &Path) -> Result<bool, ConfigError> {
    let Ok(link) = std::fs::symlink_metadata(candidate) else {
        return Ok(false);
    };
    match std::fs::metadata(candidate) {
        Err(_) => Ok(!link.is_dir()),
        Ok(target) if target.is_dir() => Ok(false),
        Ok(target) if target.is_file() => Ok(true),
        Ok(target) => Err(ConfigError::not_a_file(candidate, target.file_type())),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation of values.

const PSA_HELP: &str = "use one of `connectwise`, `autotask`, `deskdirector`";
const CLIENT_HELP: &str = "use `web` (a portal link in the browser) or `desktop` (ddportal://)";
const LANGUAGE_HELP: &str = "use one of `en`, `de`, `es`, your Autotask instance's language";
const SEVERITY_HELP: &str = "use one of `error`, `warning`, `info`, `off`";
const ENCODING_HELP: &str =
    "write a WHATWG encoding label such as `utf-8` or `windows-1252`, or remove the key";
const TEMPLATES_DIR_HELP: &str = "write a folder relative to ddlink.toml, or remove the key";
const MAX_MEMORY_HELP: &str =
    "write a number of bytes (`67108864`) or a size with a unit: `512KiB`, `64MiB`, `1GiB`";
const GLOB_HELP: &str = "globs are relative to the folder of ddlink.toml: `*` matches within one folder, `**` any folders, `?` one character, `[abc]` a set, `{a,b}` alternatives";

/// An `[auth]` value: the mail system's per-recipient token expression (`{{ Token }}`,
/// `[Contact: Email Address]`), never a literal, which every recipient's link would carry
/// (a secret, or one contact's address). A literal token is hidden from the excerpt: the log
/// it lands in may be public.
fn auth_expression(
    source: &Source,
    value: Option<&Spanned<String>>,
    key: &str,
) -> Result<Option<String>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.get_ref();
    if !crate::command::token::tokens(text).is_empty() {
        return Ok(Some(text.clone()));
    }
    let (message, help) = if key == "email_token" {
        (
            format!(
                "`[auth] {key}` is no template token: every recipient's link would name the same contact"
            ),
            "write your PSA's contact e-mail token, such as `[Contact: Email Address]` (Autotask) or your ConnectWise instance's",
        )
    } else {
        (
            format!(
                "`[auth] {key}` is no template token: every recipient's link would carry the same credential"
            ),
            "write the mail system's per-recipient token expression, such as `{{ Token }}`, and revoke the value if it is a real one",
        )
    };
    let label = if text.trim().is_empty() {
        "empty"
    } else {
        "a literal, not a token"
    };
    let error = source.error(
        ConfigErrorKind::InvalidValue,
        value.span(),
        message,
        label,
        Some(help.to_owned()),
    );
    Err(if key == "email_token" {
        error
    } else {
        error.hiding(value.span())
    })
}

fn parse_psa(source: &Source, value: &Spanned<String>) -> Result<Dialect, ConfigError> {
    value.get_ref().parse().map_err(|_| {
        source.bad_value(
            value,
            format!("unknown PSA `{}`", value.get_ref()),
            "not a PSA",
            PSA_HELP,
            Dialect::ALL.iter().map(|d| d.as_str()),
        )
    })
}

fn parse_client(source: &Source, value: &Spanned<String>) -> Result<Client, ConfigError> {
    let text = value.get_ref().trim();
    [Client::Web, Client::Desktop]
        .into_iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            source.bad_value(
                value,
                format!("unknown client `{}`", value.get_ref()),
                "not a client",
                CLIENT_HELP,
                ["web", "desktop"],
            )
        })
}

fn parse_portal(source: &Source, value: &Spanned<String>) -> Result<Portal, ConfigError> {
    Portal::parse(value.get_ref()).map_err(|error| {
        source.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            format!("invalid portal: {error}"),
            "not a portal origin",
            Some(
                "write the portal's origin, e.g. `portal = \"https://acme.deskdirector.com\"`"
                    .to_owned(),
            ),
        )
    })
}

fn parse_autotask(
    source: &Source,
    autotask: Option<&RawAutotask>,
) -> Result<Option<Language>, ConfigError> {
    let Some(value) = autotask.and_then(|a| a.language.as_ref()) else {
        return Ok(None);
    };
    value.get_ref().parse().map(Some).map_err(|_| {
        source.bad_value(
            value,
            format!("unknown Autotask language `{}`", value.get_ref()),
            "not a supported language",
            LANGUAGE_HELP,
            Language::ALL.iter().map(|l| l.as_str()),
        )
    })
}

/// An `encoding` value: a WHATWG label of an encoding ddlink reads (ASCII-compatible).
fn encoding_label(source: &Source, value: &Spanned<String>) -> Result<String, ConfigError> {
    let label = non_empty(source, value, "encoding", ENCODING_HELP)?;
    match crate::rewrite::encoding::for_label(&label) {
        Ok(_) => Ok(label),
        Err(found) => Err(source.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            match found {
                Some(encoding) => format!(
                    "`{label}` is {}, which ddlink cannot read (not ASCII-compatible)",
                    encoding.name()
                ),
                None => format!("`{label}` is not an encoding label"),
            },
            "unknown encoding",
            Some(ENCODING_HELP.to_owned()),
        )),
    }
}

fn non_empty(
    source: &Source,
    value: &Spanned<String>,
    key: &str,
    help: &str,
) -> Result<String, ConfigError> {
    if value.get_ref().trim().is_empty() {
        return Err(source.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            format!("`{key}` is empty"),
            "empty",
            Some(help.to_owned()),
        ));
    }
    Ok(value.get_ref().clone())
}

fn parse_rules(
    source: &Source,
    rules: &RawRules,
) -> Result<Vec<(&'static Rule, Option<Severity>)>, ConfigError> {
    let mut parsed: Vec<(&'static Rule, Option<Severity>)> = Vec::with_capacity(rules.0.len());
    for (key, value) in &rules.0 {
        let rule = rules::find(key.get_ref()).ok_or_else(|| {
            source.bad_value(
                key,
                format!("unknown rule `{}`", key.get_ref()),
                "no such rule",
                "run `ddlink rules` to list every rule code and name",
                rules::RULES.iter().flat_map(|r| [r.code, r.name]),
            )
        })?;
        // TOML refuses a key written twice, but not a rule named once by code and once by
        // name: which severity was meant cannot be told.
        // `parsed` holds one rule per key before this one, in order.
        if let Some(at) = parsed.iter().position(|(seen, _)| seen.code == rule.code) {
            let first = &rules.0[at].0;
            return Err(source.error(
                ConfigErrorKind::InvalidValue,
                key.span(),
                format!(
                    "rule {} is set twice in `[rules]`, as `{}` and as `{}`",
                    rule.code,
                    first.get_ref(),
                    key.get_ref()
                ),
                "set again here",
                Some(format!(
                    "keep one of the two (`{}` and `{}` are the same rule)",
                    rule.code, rule.name
                )),
            ));
        }
        let severity = match value.get_ref().trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "off" => None,
            _ => {
                return Err(source.bad_value(
                    value,
                    format!(
                        "unknown severity `{}` for rule {}",
                        value.get_ref(),
                        rule.code
                    ),
                    "not a severity",
                    SEVERITY_HELP,
                    ["error", "warning", "info", "off"],
                ));
            }
        };
        parsed.push((rule, severity));
    }
    Ok(parsed)
}

fn parse_max_memory(source: &Source, value: &Spanned<toml::Value>) -> Result<usize, ConfigError> {
    let bytes = match value.get_ref() {
        toml::Value::Integer(n) => usize::try_from(*n).ok(),
        toml::Value::String(text) => parse_size(text),
        _ => None,
    };
    if bytes.is_some_and(|bytes| bytes < crate::rewrite::MIN_MAX_MEMORY) {
        let written = &source.text[clamp(value.span(), source.text.len())];
        return Err(source.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            format!("`max_memory` {written} is too small"),
            "below 16KiB",
            Some("the parser needs at least `16KiB` before it reads a byte".to_owned()),
        ));
    }
    bytes.ok_or_else(|| {
        let written = &source.text[clamp(value.span(), source.text.len())];
        source.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            format!("invalid `max_memory`: {written}"),
            "not a size",
            Some(MAX_MEMORY_HELP.to_owned()),
        )
    })
}

/// `"64MiB"`, `"512 KiB"`, `"1GB"`, `"1000"`: a whole number and an optional unit
/// (binary `KiB`/`MiB`/`GiB`, decimal `KB`/`MB`/`GB`, or `B`), case-insensitive.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: usize = text[..digits].parse().ok()?;
    let unit: usize = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(unit)
}

/// Compile globs relative to the config's folder; `*` does not cross `/`. A leading `./` or
/// `/` is accepted and means the config's folder.
fn compile_globs(source: &Source, globs: &[Spanned<String>]) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let text = glob.get_ref().as_str();
        let text = text.strip_prefix("./").unwrap_or(text);
        let text = text.strip_prefix('/').unwrap_or(text);
        let compiled = GlobBuilder::new(text)
            .literal_separator(true)
            .build()
            .map_err(|error| {
                source.error(
                    ConfigErrorKind::InvalidGlob,
                    glob.span(),
                    format!("invalid glob `{}`: {}", glob.get_ref(), error.kind()),
                    "invalid glob",
                    Some(GLOB_HELP.to_owned()),
                )
            })?;
        builder.add(compiled);
    }
    builder.build().map_err(|error| {
        let span = globs.first().map_or(0..0, Spanned::span);
        source.error(
            ConfigErrorKind::InvalidGlob,
            span,
            format!("cannot compile these globs: {error}"),
            "here",
            Some("use fewer or simpler globs".to_owned()),
        )
    })
}

/// The candidate closest to `word` when it is a plausible typo of it (case ignored).
fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word = word.trim().to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn clamp(span: Range<usize>, len: usize) -> Range<usize> {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// What kind of mistake a [`ConfigError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// The file could not be read.
    Read,
    /// The file is not valid TOML.
    Syntax,
    /// A key ddlink does not know, a missing key, or a value of the wrong TOML type.
    Schema,
    /// A value of the right type that ddlink cannot use (an unknown PSA, rule, severity...).
    InvalidValue,
    /// A glob that does not compile.
    InvalidGlob,
}

/// A config error: a miette diagnostic that shows the config file with a label at the
/// offending key or value, and says what to do. (Boxed: it travels through every `Result` of
/// discovery and is rare.)
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct ConfigError(Box<Details>);

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(ddlink::config))]
struct Details {
    kind: ConfigErrorKind,
    path: PathBuf,
    message: String,
    #[source_code]
    source_code: Option<NamedSource<String>>,
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    span: Option<Range<usize>>,
    #[help]
    help: Option<String>,
}

impl ConfigError {
    /// The error with the value at `span` (its quotes kept) blotted out of the excerpt byte
    /// for byte, so that the label still points at it.
    fn hiding(mut self, span: Range<usize>) -> Self {
        if let Some(source) = self.0.source_code.take() {
            let mut text = source.inner().clone();
            let inside = span.start + 1..span.end.saturating_sub(1).max(span.start + 1);
            if let Some(value) = text.get(inside.clone()) {
                let blot = "*".repeat(value.len());
                text.replace_range(inside, &blot);
            }
            self.0.source_code = Some(NamedSource::new(source.name(), text).with_language("toml"));
        }
        self
    }

    fn read(path: &Path, error: &io::Error) -> Self {
        ConfigError(Box::new(Details {
            kind: ConfigErrorKind::Read,
            path: path.to_path_buf(),
            message: format!("cannot read config `{}`: {error}", path.display()),
            source_code: None,
            labels: Vec::new(),
            span: None,
            help: Some("check that the file exists and is readable".to_owned()),
        }))
    }

    /// A `ddlink.toml` found walking up that is not a file: what it is instead.
    fn not_a_file(path: &Path, file_type: std::fs::FileType) -> Self {
        #[cfg(unix)]
        let what = {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                " (it is a named pipe)"
            } else if file_type.is_socket() {
                " (it is a socket)"
            } else if file_type.is_block_device() || file_type.is_char_device() {
                " (it is a device)"
            } else {
                ""
            }
        };
        #[cfg(not(unix))]
        let what = {
            let _ = file_type;
            ""
        };
        ConfigError(Box::new(Details {
            kind: ConfigErrorKind::Read,
            path: path.to_path_buf(),
            message: format!("config `{}` is not a regular file{what}", path.display()),
            source_code: None,
            labels: Vec::new(),
            span: None,
            help: Some(
                "a ddlink.toml found walking up from a template must be a file: remove or rename this one, or name a configuration with --config".to_owned(),
            ),
        }))
    }

    /// A config that is not UTF-8 text (TOML is): where, and what it seems to be instead.
    fn not_utf8(path: &Path, error: &std::string::FromUtf8Error) -> Self {
        let bytes = error.as_bytes();
        let at = error.utf8_error().valid_up_to();
        let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
        let column = 1 + at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        let seems = match bytes {
            [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
                " (it is UTF-16, as Windows PowerShell 5 writes files)"
            }
            _ => "",
        };
        ConfigError(Box::new(Details {
            kind: ConfigErrorKind::Read,
            path: path.to_path_buf(),
            message: format!(
                "config `{}` is not UTF-8 text{seems}: byte 0x{:02X} at line {line}, column {column}",
                path.display(),
                bytes[at]
            ),
            source_code: None,
            labels: Vec::new(),
            span: None,
            help: Some("save it as UTF-8 (TOML files are UTF-8)".to_owned()),
        }))
    }

    pub fn kind(&self) -> ConfigErrorKind {
        self.0.kind
    }

    /// The config file, as it was given.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// The byte range of the offending key or value, when there is one.
    pub fn span(&self) -> Option<Range<usize>> {
        self.0.span.clone()
    }

    /// The message without the file or help.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// The string values of `text` that hold a credential written out: under a key that names
/// one (`passwordless_token`, `access_token`, a misspelling, `api_key`, `password`), or any
/// key of `[auth]` but `email_token`, where the value is no template token. Read by shape,
/// since the text may not parse: strings of every TOML form, in arrays and inline tables too.
fn written_secrets(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut in_auth = false;
    // The key whose value is being read, and where the next key would start.
    let mut key: Option<&str> = None;
    let mut key_start = 0;
    let mut line_blank = true;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'#' => {
                at = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                continue;
            }
            b'\n' => {
                line_blank = true;
                key_start = at + 1;
            }
            b'[' if line_blank => {
                let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                let name = text[at..line_end]
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .trim_matches(['"', '\'']);
                in_auth = name.eq_ignore_ascii_case("auth");
                key = None;
                at = line_end;
                continue;
            }
            b'=' => key = Some(text[key_start..at].trim().trim_matches(['"', '\''])),
            b'{' | b',' => key_start = at + 1,
            b'"' | b'\'' => {
                let (inside, end) = toml_string_at(text, at);
                let is_key = text[end..].trim_start_matches([' ', '\t']).starts_with('=');
                let value = text[inside.clone()].trim();
                if !is_key
                    && key.is_some_and(|key| holds_a_secret(key, in_auth))
                    && !value.is_empty()
                    && !is_single_token(value)
                {
                    found.push(inside);
                }
                line_blank = false;
                at = end;
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => line_blank = false,
        }
        at += 1;
    }
    found
}

/// Whether the value of `key` (dotted or not) is a credential.
fn holds_a_secret(key: &str, in_auth: bool) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    // A rule's severity (`password-in-link = "off"`) is no credential.
    if last == "email_token" || crate::rules::find(&last).is_some() {
        return false;
    }
    in_auth
        || key.to_ascii_lowercase().starts_with("auth.")
        || ["token", "pass", "pwd", "secret", "key", "credential"]
            .iter()
            .any(|word| last.contains(word))
}

/// The string that starts at `at` (a quote) in `text`, in any of TOML's four forms: the
/// range of its contents, and where it ends. One left open ends with its line (a one-line
/// form) or with the text.
fn toml_string_at(text: &str, at: usize) -> (Range<usize>, usize) {
    let quote = text.as_bytes()[at];
    let triple = [quote; 3];
    if text.as_bytes()[at..].starts_with(&triple) {
        let inside = at + 3;
        return match memchr::memmem::find(&text.as_bytes()[inside..], &triple) {
            Some(close) => (inside..inside + close, inside + close + 3),
            None => (inside..text.len(), text.len()),
        };
    }
    let inside = at + 1;
    let mut escaped = false;
    for (offset, byte) in text.as_bytes()[inside..].iter().enumerate() {
        match byte {
            b'\n' => return (inside..inside + offset, inside + offset),
            b'\\' if quote == b'"' && !escaped => {
                escaped = true;
                continue;
            }
            &b if b == quote && !escaped => return (inside..inside + offset, inside + offset + 1),
            _ => {}
        }
        escaped = false;
    }
    (inside..text.len(), text.len())
}

/// The text being parsed, to build errors that show it.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn error(
        &self,
        kind: ConfigErrorKind,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        let span = clamp(span, self.text.len());
        ConfigError(Box::new(Details {
            kind,
            path: self.path.to_path_buf(),
            message: match mask_credentials(&message) {
                Cow::Borrowed(_) => message,
                Cow::Owned(masked) => masked,
            },
            source_code: Some(
                NamedSource::new(self.path.display().to_string(), self.shown_text())
                    .with_language("toml"),
            ),
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(label.to_owned()),
                SourceSpan::from(span.clone()),
            )],
            span: Some(span),
            help: help.map(|help| mask_credentials(&help).into_owned()),
        }))
    }

    /// The text as errors show it: each user name and password written in a URL (a portal's,
    /// most likely), and each credential written out under a key that names one, blotted out
    /// byte for byte, so that every span still points where it did. An excerpt shows the lines
    /// around the one at fault, whatever they hold.
    fn shown_text(&self) -> String {
        let mut shown = self.text.to_owned();
        for range in credential_ranges(self.text)
            .into_iter()
            .chain(written_secrets(self.text))
        {
            // Line breaks stay: a string of several lines keeps its lines, and every line
            // after it its number.
            let blot: String = shown[range.clone()]
                .chars()
                .map(|c| match c {
                    '\n' | '\r' => c.to_string(),
                    _ => "*".repeat(c.len_utf8()),
                })
                .collect();
            shown.replace_range(range, &blot);
        }
        shown
    }

    /// An unknown value: the help suggests the closest candidate, then lists what is allowed.
    fn bad_value<'c>(
        &self,
        value: &Spanned<String>,
        message: String,
        label: &str,
        help: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> ConfigError {
        let help = match closest(value.get_ref(), candidates) {
            Some(guess) => format!("did you mean `{guess}`? {help}"),
            None => help.to_owned(),
        };
        self.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            message,
            label,
            Some(help),
        )
    }

    /// A TOML syntax error or a serde schema error, with a friendlier message for the usual
    /// ones (unknown keys with a did-you-mean, missing keys).
    fn toml_error(&self, error: &toml::de::Error, kind: ConfigErrorKind) -> ConfigError {
        let span = error.span().unwrap_or(0..0);
        let raw = error.message().trim();
        let quoted: Vec<&str> = raw.split('`').skip(1).step_by(2).collect();
        if kind == ConfigErrorKind::Syntax {
            let help = "fix the TOML syntax at the marked place (see https://toml.io)";
            return self.error(
                kind,
                span,
                format!("{} is not valid TOML: {raw}", self.file_name()),
                "here",
                Some(help.to_owned()),
            );
        }
        if raw.starts_with("unknown field") && !quoted.is_empty() {
            let key = quoted[0];
            let expected = &quoted[1..];
            let mut help = match closest(key, expected.iter().copied()) {
                Some(guess) => format!("did you mean `{guess}`? "),
                None => String::new(),
            };
            if expected.is_empty() {
                help.push_str("remove it");
            } else {
                help.push_str("the keys allowed here are ");
                help.push_str(&expected.join(", "));
            }
            return self.error(
                kind,
                span,
                format!("unknown key `{key}`"),
                "unknown key",
                Some(help),
            );
        }
        if raw.starts_with("missing field") && !quoted.is_empty() {
            let key = quoted[0];
            let help = if key == "files" {
                "say which files the override applies to, e.g. `files = [\"autotask/**\"]`"
                    .to_owned()
            } else {
                format!("add `{key}`")
            };
            return self.error(
                kind,
                span,
                format!("missing key `{key}`"),
                "in this table",
                Some(help),
            );
        }
        let written = self
            .text
            .get(clamp(span.clone(), self.text.len()))
            .unwrap_or("");
        // A `[name]` header where a list of tables is expected: `[[name]]` starts each entry.
        let header = written
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .filter(|name| !name.starts_with('['));
        let help = if raw.contains("expected a string") {
            Some("write the value as a quoted string: `\"…\"`".to_owned())
        } else if let Some(name) = header.filter(|_| raw.contains("expected a sequence")) {
            Some(format!(
                "each entry of `{name}` is a table that starts with `[[{name}]]` (two brackets)"
            ))
        } else if raw.contains("expected a sequence") {
            Some("write a list, e.g. `[\"archive/**\"]`".to_owned())
        } else if raw.contains("expected struct") {
            Some(
                "this key holds a table: write a `[name]` line, with its keys on the lines below"
                    .to_owned(),
            )
        } else {
            None
        };
        let raw = raw.strip_prefix("invalid type: ").unwrap_or(raw);
        // The schema's type names are not the user's words.
        let raw = match raw.find("expected struct ") {
            Some(at) => format!("{}expected a table", &raw[..at]),
            None => raw.to_owned(),
        };
        self.error(
            kind,
            span,
            format!("wrong type of value: {raw}"),
            "here",
            help,
        )
    }

    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || FILE_NAME.to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config that is not UTF-8 says where and what it seems to be, not "cannot read".
    #[test]
    fn a_config_that_is_not_utf8_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let message = |bytes: &[u8]| {
            let path = dir.path().join("ddlink.toml");
            std::fs::write(&path, bytes).unwrap();
            let error = Config::load(&path).unwrap_err();
            assert_eq!(error.kind(), ConfigErrorKind::Read);
            error
                .message()
                .replace(&*path.to_string_lossy(), "ddlink.toml")
        };
        assert_eq!(
            message(b"psa = \"autotask\"\nportal = \"https://caf\xe9.com\"\n"),
            "config `ddlink.toml` is not UTF-8 text: byte 0xE9 at line 2, column 22"
        );
        assert_eq!(
            message(b"\xff\xfep\x00s\x00a\x00"),
            "config `ddlink.toml` is not UTF-8 text (it is UTF-16, as Windows PowerShell 5 writes files): byte 0xFF at line 1, column 1"
        );
    }

    #[test]
    fn starter_parses_and_changes_nothing() {
        let config = Config::parse(Path::new("/project/ddlink.toml"), STARTER).unwrap();
        let file = config.for_file(Path::new("/project/cw/ticket.html"));
        assert_eq!(file.client, Some(Client::Web));
        assert_eq!(file.psa, None);
        assert_eq!(file.autotask_language, Language::En);
        assert_eq!(file.max_memory, Some(crate::rewrite::DEFAULT_MAX_MEMORY));
        assert!(file.rules.is_empty());
        // The walk's own choice stands: any template extension in any case, nothing else.
        for name in ["ticket.html", "TICKET.HTML", "b.Htm", "d.TXT"] {
            assert!(
                !config.is_excluded(&Path::new("/project/cw").join(name)),
                "{name}"
            );
        }
        assert!(!config.is_included(Path::new("/project/cw/notes.md")));
    }

    #[test]
    fn starter_examples_parse_when_uncommented() {
        let uncommented: String = STARTER
            .lines()
            .map(|line| {
                let trimmed = line.strip_prefix("# ").unwrap_or(line);
                let looks_like_toml = trimmed.starts_with('[')
                    || trimmed
                        .split_once(" = ")
                        .is_some_and(|(key, _)| !key.contains(' ') && !key.is_empty());
                if looks_like_toml { trimmed } else { line }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(Path::new("/project/ddlink.toml"), &uncommented)
            .unwrap_or_else(|e| panic!("{e:?}\n{uncommented}"));
        let file = config.for_file(Path::new("/project/autotask/x.html"));
        assert_eq!(file.psa, Some(Dialect::Autotask));
        assert_eq!(file.access_token.as_deref(), Some("{{ AccessToken }}"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("512 KiB"), Some(512 << 10));
        assert_eq!(parse_size("1gib"), Some(1 << 30));
        assert_eq!(parse_size("2MB"), Some(2_000_000));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("1.5GiB"), None);
        assert_eq!(parse_size("64XB"), None);
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("prtal", ["portal", "psa"]), Some("portal"));
        assert_eq!(closest("halo", ["connectwise", "autotask"]), None);
    }
}
