//! SARIF 2.1.0 (OASIS), for code-scanning tools such as GitHub code scanning.
//!
//! One log with one run. `tool.driver.rules` is the whole rule catalogue, in [`RULES`] order,
//! so that `ruleIndex` is a rule's position in the registry and a consumer can show the
//! documentation of any rule, found or not. Columns count characters (`columnKind`
//! `unicodeCodePoints`), as everywhere in ddlink; regions also carry the byte range, and fixes
//! address bytes only, exactly as `ddlink fix` does.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::FileReport;
use ddlink::rules::{RULES, Rule};
use ddlink::{Diagnostic, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where to learn about ddlink: the package's repository or homepage, else its crate page.
const INFORMATION_URI: &str = {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    if !repository.is_empty() {
        repository
    } else if !homepage.is_empty() {
        homepage
    } else {
        "https://crates.io/crates/ddlink"
    }
};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// Whether the rule can repair what it reports: none, safe, unsafe or sometimes.
    fix: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Message {
    fn text(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: &'a ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Message,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: &'a ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: ByteRegion,
    inserted_content: InsertedContent<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByteRegion {
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
struct InsertedContent<'a> {
    text: &'a str,
}

pub fn write(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let artifacts: Vec<ArtifactLocation> = reports
        .iter()
        .map(|report| artifact_location(&report.path))
        .collect();
    let results = reports
        .iter()
        .zip(&artifacts)
        .flat_map(|(report, artifact)| {
            report
                .diagnostics
                .iter()
                .zip(&report.located)
                .map(move |(diagnostic, located)| {
                    let start = located.start;
                    let end = located.end.max(start);
                    SarifResult {
                        rule_id: diagnostic.rule.code,
                        rule_index: RULES
                            .iter()
                            .position(|rule| rule.code == diagnostic.rule.code),
                        level: level(diagnostic.severity),
                        message: Message::text(sentence(diagnostic)),
                        locations: [Location {
                            physical_location: PhysicalLocation {
                                artifact_location: artifact,
                                region: Region {
                                    start_line: start.line.max(1),
                                    start_column: start.column.max(1),
                                    end_line: end.line.max(1),
                                    end_column: end.column.max(1),
                                    byte_offset: diagnostic.span.start,
                                    byte_length: diagnostic.span.len(),
                                },
                            },
                        }],
                        fixes: diagnostic
                            .fix
                            .iter()
                            .map(|fix| fix_of(fix, diagnostic, artifact))
                            .collect(),
                        properties: ResultProperties {
                            name: diagnostic.rule.name,
                        },
                    }
                })
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "ddlink",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: RULES.iter().map(|rule| descriptor(rule)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(super::json_error)?;
    writeln!(out)
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let documentation = rule.documentation();
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        short_description: Message::text(rule.summary()),
        full_description: Message::text(documentation.trim_end()),
        help: Message {
            text: documentation.trim_end().to_owned(),
            markdown: Some(documentation.trim_end().to_owned()),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            fix: rule.fix.as_str(),
        },
    }
}

fn fix_of<'a>(
    fix: &'a ddlink::Fix,
    diagnostic: &Diagnostic,
    artifact: &'a ArtifactLocation,
) -> SarifFix<'a> {
    let kind = if fix.is_safe() {
        "Safe fix (applied by `ddlink fix`)"
    } else {
        "Unsafe fix (applied by `ddlink fix --unsafe-fixes` only; review it)"
    };
    let text = match diagnostic.help() {
        Some(help) => format!("{kind}: {help}"),
        None => format!("{kind}."),
    };
    SarifFix {
        description: Message::text(text),
        artifact_changes: [ArtifactChange {
            artifact_location: artifact,
            replacements: fix
                .edits
                .iter()
                .map(|edit| Replacement {
                    deleted_region: ByteRegion {
                        byte_offset: edit.start,
                        byte_length: edit.end.saturating_sub(edit.start),
                    },
                    inserted_content: InsertedContent {
                        text: &edit.content,
                    },
                })
                .collect(),
        }],
    }
}

/// SARIF's name for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The message, then the help as a second sentence: "`aprove` is not a ticket action. Did
/// you mean `approve`?"
pub(super) fn sentence(diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message().trim_end().to_owned();
    let Some(help) = diagnostic.help().map(str::trim) else {
        return text;
    };
    if help.is_empty() {
        return text;
    }
    if !text.ends_with(['.', '?', '!', ':']) {
        text.push('.');
    }
    if !text.is_empty() {
        text.push(' ');
    }
    let mut chars = help.chars();
    if let Some(first) = chars.next() {
        text.extend(first.to_uppercase());
        text.push_str(chars.as_str());
    }
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

/// The path as reports name it: `/` separators, no leading `./`.
pub(super) fn display_path(path: &str) -> String {
    let mut path = if std::path::MAIN_SEPARATOR == '\\' {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    };
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/').to_owned();
    }
    path
}

/// The path as CI services name a file, relative to the checkout: an absolute path under the
/// current folder (`$CI_PROJECT_DIR/templates/a.html`, `$GITHUB_WORKSPACE/…`, where a CI
/// job runs) is taken relative to it; any other path is as reports name it.
pub(super) fn checkout_path(path: &str) -> String {
    let absolute = Path::new(path);
    if absolute.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(relative) = lexically_normal(absolute).strip_prefix(&cwd)
        && !relative.as_os_str().is_empty()
    {
        return display_path(&relative.to_string_lossy());
    }
    display_path(path)
}

/// A relative path becomes a relative URI reference against the source root (`%SRCROOT%`);
/// an absolute path, or one that climbs out of the current folder (`../x.html`), becomes a
/// `file:` URI: a code-scanning service resolves `%SRCROOT%` to the checkout, where
/// `../x.html` names nothing.
fn artifact_location(path: &str) -> ArtifactLocation {
    let climbs_out = Path::new(path)
        .components()
        .find(|c| !matches!(c, Component::CurDir))
        .is_some_and(|c| c == Component::ParentDir);
    let absolute = if climbs_out {
        std::path::absolute(path).ok()
    } else {
        Some(PathBuf::from(path)).filter(|p| p.is_absolute())
    };
    if let Some(uri) = absolute.and_then(|p| file_uri(&lexically_normal(&p))) {
        return ArtifactLocation {
            uri,
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: encode_relative(&display_path(path)),
        uri_base_id: Some("%SRCROOT%"),
    }
}

/// The `file:` URI of an absolute path, every byte that RFC 3986 does not allow in a path
/// segment percent-encoded (`[`, `]`, `^`, `|` too, which a URL parser leaves as they are).
#[cfg(unix)]
fn file_uri(path: &Path) -> Option<String> {
    let path = path.to_str()?;
    Some(format!("file://{}", encode_relative(path)))
}

/// The `file:` URI of an absolute path (a drive letter and all).
#[cfg(not(unix))]
fn file_uri(path: &Path) -> Option<String> {
    url::Url::from_file_path(path).ok().map(String::from)
}

/// `a/b/../c` as `a/c`, as a URI reference resolves it (a symbolic link on the way is not
/// followed, as a browser or code-scanning service does not follow it either).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// Percent-encode a relative path as a URI reference (RFC 3986 `path-noscheme`): everything
/// but unreserved characters, sub-delimiters, `@` and `/` is escaped, `:` included so that a
/// first segment is never read as a scheme.
fn encode_relative(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(display_path("./sub/a.html"), "sub/a.html");
        assert_eq!(display_path("././a.html"), "a.html");
        assert_eq!(encode_relative("sub/a b,c%.html"), "sub/a%20b,c%25.html");
        assert_eq!(encode_relative("c:x.html"), "c%3Ax.html");
        assert_eq!(encode_relative("é.html"), "%C3%A9.html");
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_become_file_uris() {
        let absolute = artifact_location("/tmp/a b.html");
        assert_eq!(absolute.uri, "file:///tmp/a%20b.html");
        // What a URI's path may not hold is encoded, and its dot segments resolved, as in a
        // relative path.
        assert_eq!(
            artifact_location("/tmp/x/../[x]^|#?é:.html").uri,
            "file:///tmp/%5Bx%5D%5E%7C%23%3F%C3%A9%3A.html"
        );
        assert!(absolute.uri_base_id.is_none());
        assert_eq!(
            artifact_location("sub/a.html").uri_base_id,
            Some("%SRCROOT%")
        );
    }

    #[cfg(unix)]
    #[test]
    fn paths_out_of_the_current_folder_become_file_uris() {
        let cwd = std::env::current_dir().unwrap();
        let parent = cwd.parent().unwrap().join("x y.html");
        let expected = url::Url::from_file_path(&parent).unwrap().to_string();
        for path in ["../x y.html", "./../x y.html", "../sub/../x y.html"] {
            let location = artifact_location(path);
            assert_eq!(location.uri, expected, "{path}");
            assert!(location.uri_base_id.is_none(), "{path}");
        }
        assert_eq!(
            lexically_normal(Path::new("/a/b/../c/./d")),
            Path::new("/a/c/d")
        );
        // `sub/../a.html` stays in the folder: relative, as written.
        assert_eq!(artifact_location("sub/../a.html").uri, "sub/../a.html");
    }
}
