//! Rules about `[options]` keys: whether this Odoo version reads each one, under which name, and what
//! to write instead. Every fact comes from the options table ([`crate::odoo::status`]).
//!
//! Must not: look at values (that is `values`).

use super::{Findings, Rule, Severity, View};
use crate::odoo::{self, KeyStatus, OdooVersion, OptionSpec};

pub(super) fn check(view: &View<'_>, out: &mut Findings) {
    let version = view.version;
    for option in &view.options {
        let key = option.key;
        if key.is_empty() {
            continue;
        }
        let line = Some(option.line());
        let mut push = |rule, message: String, fix: String| {
            out.push(rule, Severity::Warning, line, Some(key), message, fix)
        };
        match odoo::status(key, version) {
            KeyStatus::Active(_) => {}
            KeyStatus::Alias { spec, of } => push(
                Rule::RenamedKey,
                format!(
                    "`{key}` is a deprecated alias of `{of}` in Odoo {version}{}",
                    last_read(spec)
                ),
                format!("rename it to `{of}` (same value)"),
            ),
            KeyStatus::Ignored { use_instead, .. } => match use_instead {
                Some(new) => push(
                    Rule::RenamedKey,
                    format!("Odoo {version} ignores `{key}` in the file: the option is `{new}`"),
                    format!("rename it to `{new}`"),
                ),
                None => push(
                    Rule::RemovedKey,
                    format!("Odoo {version} ignores `{key}` in the file"),
                    "remove it".to_string(),
                ),
            },
            KeyStatus::Removed { spec, use_instead } => {
                let last = spec.until.map(|v| format!(" (last read by {v})")).unwrap_or_default();
                match use_instead {
                    Some(new) => push(
                        Rule::RenamedKey,
                        format!("Odoo {version} no longer reads `{key}`{last}: the option is now `{new}`"),
                        format!("rename it to `{new}`"),
                    ),
                    None => push(
                        Rule::RemovedKey,
                        format!("Odoo {version} no longer reads `{key}`{last}"),
                        "remove it".to_string(),
                    ),
                }
            }
            KeyStatus::NotYet(spec) => {
                let fix = match predecessor(spec, version) {
                    Some(old) => format!("use `{old}` on Odoo {version}"),
                    None => format!("remove it, or lint for the Odoo version you run (--odoo-version; now {version})"),
                };
                push(
                    Rule::FutureKey,
                    format!("`{key}` only exists from Odoo {}: Odoo {version} ignores it", spec.since),
                    fix,
                );
            }
            KeyStatus::Stale(stale) => match stale.use_instead {
                Some(new) => push(
                    Rule::RenamedKey,
                    format!("Odoo {version} ignores `{key}`: {}", stale.why),
                    format!("use `{new}` instead"),
                ),
                None => push(
                    Rule::RemovedKey,
                    format!("Odoo {version} ignores `{key}`: {}", stale.why),
                    "remove it".to_string(),
                ),
            },
            KeyStatus::Unknown => match hyphen_fix(key) {
                Some(spec) => {
                    let since = match spec.status(version) {
                        KeyStatus::NotYet(s) => format!(" (from Odoo {})", s.since),
                        _ => String::new(),
                    };
                    push(
                        Rule::HyphenatedKey,
                        format!(
                            "`{key}` is not an option: Odoo never maps hyphens to underscores in the file, so it ignores this line{}",
                            if version >= OdooVersion::V19 { " (with an \"unknown option\" warning)" } else { "" }
                        ),
                        format!("write `{}`{since}", spec.key),
                    );
                }
                None => push(
                    Rule::UnknownKey,
                    format!(
                        "`{key}` is not an option of Odoo {version}: Odoo itself ignores it{}; an addon may still read it",
                        if version >= OdooVersion::V19 { " (and logs an \"unknown option\" warning)" } else { "" }
                    ),
                    "check the spelling; remove it if no addon uses it".to_string(),
                ),
            },
        }
    }
}

/// `; removed in 19.0` for an alias that a later version drops.
fn last_read(spec: &OptionSpec) -> String {
    match spec.until {
        Some(last) => match OdooVersion::from_major(last.major().saturating_add(1)) {
            Some(next) => format!(" and Odoo {next} no longer reads it"),
            None => String::new(),
        },
        None => String::new(),
    }
}

/// The option a hyphenated key was meant to be (`limit-time-cpu` → `limit_time_cpu`).
fn hyphen_fix(key: &str) -> Option<&'static OptionSpec> {
    if !key.contains('-') {
        return None;
    }
    odoo::spec(&key.replace('-', "_"))
}

/// The name that `version` reads for an option introduced later under a new name (`gevent_port` on
/// 15.0 → `longpolling_port`).
fn predecessor(spec: &OptionSpec, version: OdooVersion) -> Option<&'static str> {
    spec.renamed_from
        .iter()
        .copied()
        .find(|old| odoo::spec(old).is_some_and(|s| matches!(s.status(version), KeyStatus::Active(_))))
}
