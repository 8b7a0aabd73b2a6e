//! GitLab Code Quality report: a JSON array of Code Climate issues, shown in merge requests.
//!
//! GitLab compares the fingerprints of the merge request's report with those of the target
//! branch's to tell new findings from fixed ones, and keeps one issue per fingerprint. So a
//! fingerprint must be
//! - unique per occurrence: two identical findings (same file, rule and message) are told
//!   apart by their occurrence index, in file order;
//! - stable across runs and across edits elsewhere in the file: it hashes the path, the code,
//!   the message and that index, and no line numbers or offsets, so that adding a line above
//!   a finding does not make it "new".
//!
//! The hash is FNV-1a with 128 bits: not cryptographic (nothing here is secret or
//! adversarial), std-only, deterministic across platforms and releases (unlike std's
//! `DefaultHasher`), and 32 hex digits like the MD5 fingerprints other tools emit.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::FileReport;
use super::sarif::{checkout_path, sentence};
use ddlink::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn write(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let paths: Vec<String> = reports.iter().map(|r| checkout_path(&r.path)).collect();
    let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut issues = Vec::new();
    for (report, path) in reports.iter().zip(&paths) {
        for (diagnostic, located) in report.diagnostics.iter().zip(&report.located) {
            let code = diagnostic.rule.code;
            let occurrence = occurrences
                .entry((path.as_str(), code, diagnostic.message()))
                .or_insert(0);
            let fingerprint = fingerprint(path, code, *occurrence, diagnostic.message());
            *occurrence += 1;
            let begin = located.start.line.max(1);
            issues.push(Issue {
                kind: "issue",
                description: format!("{code}: {}", sentence(diagnostic)),
                check_name: code,
                fingerprint,
                severity: severity(diagnostic.severity),
                location: IssueLocation {
                    path,
                    lines: Lines {
                        begin,
                        end: located.end.line.max(begin),
                    },
                },
            });
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(super::json_error)?;
    writeln!(out)
}

/// Code Climate's name for a severity.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// FNV-1a 128 of the path, code, occurrence index and message, as 32 hex digits. Fields are
/// separated by a NUL byte so that no two different tuples hash the same bytes.
fn fingerprint(path: &str, code: &str, occurrence: usize, message: &str) -> String {
    const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let occurrence = occurrence.to_string();
    let mut hash = OFFSET_BASIS;
    for field in [path, code, &occurrence, message] {
        for &byte in field.as_bytes().iter().chain(&[0]) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_128_known_values() {
        // FNV-1a 128 of the empty string is the offset basis; of "a", the published vector.
        let fnv = |bytes: &[u8]| {
            let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
            for &byte in bytes {
                hash ^= u128::from(byte);
                hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
            }
            hash
        };
        assert_eq!(fnv(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_ne!(
            fingerprint("a.html", "DD101", 0, "m"),
            fingerprint("a.html", "DD101", 1, "m")
        );
        assert_eq!(fingerprint("a", "b", 0, "c").len(), 32);
    }
}
