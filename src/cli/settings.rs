//! What applies to each file of a run: the flags, over the closest ddlink.toml (or
//! `--config`), over the defaults.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ddlink::command::Client;
use ddlink::config::{Config, ConfigCache, FileConfig};
use ddlink::dialect::Dialect;
use ddlink::error::Error;
use ddlink::expand::Snippets;
use ddlink::rules::{RULES, Rule};
use ddlink::{FileKind, Portal, RewriterOptions};

use super::args::{CommonArgs, SelectionArgs};

/// Settings shared by every file of a run, and the configurations found so far.
pub struct Run {
    portal: Option<Portal>,
    psa: Option<Dialect>,
    client: Option<Client>,
    /// `--select`: when not empty, only these rules run.
    select: Vec<&'static Rule>,
    /// The rules `--select` names by code or name (not by a prefix): they run even when the
    /// configuration turns them off, since flags win over the file.
    named: Vec<&'static Rule>,
    ignore: Vec<&'static Rule>,
    pub force_exclude: bool,
    encoding: Option<&'static encoding_rs::Encoding>,
    explicit: Option<Arc<Config>>,
    cache: Mutex<ConfigCache>,
    /// Config files and snippet folders whose error was reported already (reported once
    /// per run).
    reported: Mutex<HashSet<PathBuf>>,
    /// The snippets of each `templates_dir` met so far, compiled once per run.
    snippets: Mutex<HashMap<PathBuf, Arc<Snippets>>>,
    /// The current directory, read once: a relative path is made absolute several times per
    /// file on its way to its configuration, a system call each time otherwise.
    cwd: Option<PathBuf>,
}

/// Whether `entry` names `rule` itself: its code (any case) or its name, not a prefix.
fn names(entry: &str, rule: &Rule) -> bool {
    rule.name.eq_ignore_ascii_case(entry.trim()) || rule.code.eq_ignore_ascii_case(entry.trim())
}

/// The rules a `--select`/`--ignore` entry names: a code, a code prefix (`DD1`) or a name, in
/// any case.
fn selected(entry: &str) -> Result<Vec<&'static Rule>, Error> {
    let entry = entry.trim();
    let rules: Vec<&'static Rule> = RULES
        .iter()
        .copied()
        .filter(|rule| {
            rule.name.eq_ignore_ascii_case(entry)
                || (entry.len() >= 2
                    && rule.code.len() >= entry.len()
                    && rule.code[..entry.len()].eq_ignore_ascii_case(entry))
        })
        .collect();
    if rules.is_empty() {
        return Err(Error::Selector(
            entry.to_owned(),
            "give codes (DD403), code prefixes (DD4) or names (desktop-link-in-email); `ddlink rules` lists them".to_owned(),
        ));
    }
    Ok(rules)
}

impl Run {
    pub fn new(common: &CommonArgs, selection: Option<&SelectionArgs>) -> Result<Run, Error> {
        let portal = common
            .portal
            .as_deref()
            .map(Portal::parse)
            .transpose()
            .map_err(Error::Portal)?;
        let cwd = std::env::current_dir().ok();
        let explicit = common
            .config
            .as_deref()
            .map(Config::load)
            .transpose()?
            .map(|config| match &cwd {
                Some(cwd) => config.with_globs_from(cwd),
                None => config,
            })
            .map(Arc::new);
        let mut select = Vec::new();
        let mut named = Vec::new();
        let mut ignore = Vec::new();
        if let Some(selection) = selection {
            if !selection.select.is_empty() && selection.select.iter().all(|e| e.trim().is_empty())
            {
                return Err(Error::EmptySelect);
            }
            for entry in selection.select.iter().filter(|e| !e.trim().is_empty()) {
                let rules = selected(entry)?;
                named.extend(rules.iter().copied().filter(|rule| names(entry, rule)));
                select.extend(rules);
            }
            for entry in selection.ignore.iter().filter(|e| !e.trim().is_empty()) {
                ignore.extend(selected(entry)?);
            }
        }
        let encoding = common
            .encoding
            .as_deref()
            .map(|label| {
                ddlink::rewrite::encoding::for_label(label)
                    .map_err(|_| Error::Encoding(label.to_owned()))
            })
            .transpose()?;
        Ok(Run {
            encoding,
            portal,
            psa: common.psa,
            client: common.client.map(Client::from),
            select,
            named,
            ignore,
            force_exclude: selection.is_some_and(|s| s.force_exclude),
            explicit,
            cache: Mutex::new(ConfigCache::new()),
            reported: Mutex::new(HashSet::new()),
            snippets: Mutex::new(HashMap::new()),
            cwd,
        })
    }

    /// The current directory as the run started, if it could be read.
    pub fn current_dir(&self) -> Option<&Path> {
        self.cwd.as_deref()
    }

    /// `path` from the current directory, when it is relative.
    fn absolute<'p>(&self, path: &'p Path) -> Cow<'p, Path> {
        match &self.cwd {
            Some(cwd) if path.is_relative() => Cow::Owned(cwd.join(path)),
            _ => Cow::Borrowed(path),
        }
    }

    /// The configuration that governs `path` (a file; for standard input without a name, the
    /// current directory's).
    pub fn config_for(&self, path: Option<&Path>) -> Result<Option<Arc<Config>>, Error> {
        if let Some(config) = &self.explicit {
            return Ok(Some(Arc::clone(config)));
        }
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = match path {
            Some(path) => cache.for_file(&self.absolute(path)),
            None => cache.discover(Path::new(".")),
        };
        found.map_err(Error::from)
    }

    /// Whether this error is the first report of its config file (the rest are repeats).
    pub fn first_report(&self, error: &Error) -> bool {
        match error {
            Error::Config(config) => self.first_of(config.path()),
            Error::Snippets { dir, .. } => self.first_of(dir),
            _ => true,
        }
    }

    fn first_of(&self, path: &Path) -> bool {
        self.reported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path.to_path_buf())
    }

    /// The snippets of `dir` (a configured `templates_dir`), compiled at its first use.
    fn snippets(&self, dir: &Path) -> Result<Arc<Snippets>, Error> {
        let mut compiled = self
            .snippets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(snippets) = compiled.get(dir) {
            return Ok(Arc::clone(snippets));
        }
        let snippets = Arc::new(Snippets::from_dir(dir).map_err(|error| Error::Snippets {
            dir: dir.to_path_buf(),
            error,
        })?);
        compiled.insert(dir.to_path_buf(), Arc::clone(&snippets));
        Ok(snippets)
    }

    /// Whether the configuration's `include` globs name `path`, which a walk then reads
    /// whatever its extension.
    pub fn walk_includes(&self, path: &Path) -> bool {
        let path = self.absolute(path);
        matches!(self.config_for(Some(&path)), Ok(Some(config)) if config.is_included(&path))
    }

    /// Whether a file found by walking a folder is excluded by its configuration.
    pub fn walk_excludes(&self, path: &Path) -> bool {
        let path = self.absolute(path);
        matches!(self.config_for(Some(&path)), Ok(Some(config)) if config.is_excluded(&path))
    }

    /// How to read `path` (or standard input standing for `path`), whose first bytes are
    /// `head` (for its byte-order mark or `<meta charset>`).
    pub fn options(&self, path: Option<&Path>, head: &[u8]) -> Result<RewriterOptions, Error> {
        // Standard input without a name is a file in the current directory: the
        // configuration's top-level settings apply.
        let absolute = self.absolute(path.unwrap_or(Path::new("-")));
        let config = self.config_for(path.map(|_| &*absolute))?;
        let file = config
            .as_ref()
            .map(|config| config.for_file(&absolute))
            .unwrap_or_default();
        let mut options = self.options_from(path, &file);
        if let Some(dir) = &file.templates_dir {
            options.expand.snippets = self.snippets(dir)?;
        }
        options.encoding = ddlink::rewrite::encoding::decide(head, self.encoding, options.encoding);
        if !options.encoding.is_ascii_compatible() {
            let path = path.map_or_else(|| "-".into(), Path::to_path_buf);
            // `--encoding` and the configuration take ASCII-compatible encodings only: this
            // one comes from the file's <meta> tag.
            return Err(match ddlink::rewrite::encoding::declared_charset(head) {
                Some((label, declared)) if declared == options.encoding => {
                    Error::UnsupportedDeclaredEncoding {
                        path,
                        label: label.to_owned(),
                        reason: unreadable_because(declared),
                    }
                }
                _ => Error::UnsupportedEncoding {
                    path,
                    encoding: options.encoding.name(),
                },
            });
        }
        Ok(options)
    }

    fn options_from(&self, path: Option<&Path>, file: &FileConfig) -> RewriterOptions {
        let kind = path.map_or(FileKind::Html, FileKind::from_path);
        let mut options = file.options(kind, self.portal.clone(), self.psa);
        if self.client.is_some() {
            options.expand.client = self.client;
            options.settings.client = self.client;
        }
        let rules = Arc::make_mut(&mut options.rules);
        if !self.select.is_empty() {
            for rule in RULES {
                if !self.select.iter().any(|s| std::ptr::eq(*s, *rule)) {
                    rules.set(rule, None);
                }
            }
        }
        // A rule the configuration turns off runs at its default severity when named; one
        // given a severity keeps it.
        for rule in &self.named {
            if !rules.is_enabled(rule) {
                rules.set(rule, Some(rule.severity));
            }
        }
        for rule in &self.ignore {
            rules.set(rule, None);
        }
        options
    }
}

/// Why a declared encoding that is not ASCII-compatible cannot be read.
fn unreadable_because(encoding: &'static encoding_rs::Encoding) -> &'static str {
    if encoding == encoding_rs::REPLACEMENT {
        "browsers decode no text in it, since the WHATWG Encoding Standard maps it to its \
         replacement encoding (its escape sequences could hide markup)"
    } else {
        "it is not ASCII-compatible (escape sequences switch its character sets), and ddlink \
         reads only ASCII-compatible encodings"
    }
}
