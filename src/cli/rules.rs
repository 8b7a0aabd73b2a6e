//! `ddlink rules` and `ddlink rule CODE|NAME`.

use std::fmt::Write as _;
use std::io::{self, Write};

use ddlink::rules::{RULES, find};

use super::ExitStatus;

pub fn list() -> ExitStatus {
    let mut text =
        String::from("code   name                          severity  fix        summary\n");
    for rule in RULES {
        let _ = writeln!(
            text,
            "{:<6} {:<29} {:<9} {:<10} {}",
            rule.code,
            rule.name,
            rule.severity.as_str(),
            rule.fix.as_str(),
            rule.summary()
        );
    }
    super::output::print_stdout(text.as_bytes())
}

pub fn show(code_or_name: &str) -> ExitStatus {
    // Names in any case, as codes are (`Invalid-Action` as `dd106`).
    let rule = find(code_or_name).or_else(|| {
        RULES
            .iter()
            .copied()
            .find(|rule| rule.name.eq_ignore_ascii_case(code_or_name))
    });
    let Some(rule) = rule else {
        // `DD1`: a prefix, as `--select` takes, names a group of rules, not one.
        let upper = code_or_name.to_ascii_uppercase();
        let group: Vec<&str> = RULES
            .iter()
            .map(|r| r.code)
            .filter(|code| upper.len() > 2 && upper.starts_with("DD") && code.starts_with(&upper))
            .collect();
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            let asked = crate::report::visible::line(code_or_name);
            let _ = writeln!(
                io::stderr(),
                "error: `{asked}` names a group of rules ({first}–{last}), not one: give a code or a name; `ddlink rules` lists them"
            );
            return ExitStatus::Failure;
        }
        let names = RULES.iter().flat_map(|r| [r.code, r.name]);
        let hint = names
            .map(|n| {
                (
                    strsim::jaro_winkler(
                        &n.to_ascii_lowercase(),
                        &code_or_name.to_ascii_lowercase(),
                    ),
                    n,
                )
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        let asked = crate::report::visible::line(code_or_name);
        let _ = writeln!(
            io::stderr(),
            "error: no rule `{asked}`{hint}; `ddlink rules` lists them"
        );
        return ExitStatus::Failure;
    };
    let text = format!(
        "# {} {}\n\nDefault severity: {}. Fix: {}.\n\n{}",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.fix.as_str(),
        rule.documentation()
    );
    super::output::print_stdout(text.as_bytes())
}
