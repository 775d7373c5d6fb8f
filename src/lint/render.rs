//! Pure renderers of a lint [`Report`]: compiler-style text and the JSON document.
//!
//! JSON contract (`lint --format json`): `findings` (each `{rule, severity, line, key, message, fix}`,
//! `line`/`key` null when the finding is about the whole file) and `summary` (`config`, `odoo_version`,
//! `errors`, `warnings`, `python_error`, `limits` `{cpus, memory_bytes, pg_max_connections, source}`,
//! `skipped_rules`). Findings never hold secret values (see [`super::shown`]).

use super::{Context, Finding, Needs, Report, Rule};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use serde::Serialize;

/// Where the file and the limits came from, for the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The config path as given (or as defaulted).
    pub config: String,
    /// Where the limits come from (`--cpus, --memory`, `/sys/fs/cgroup/memory.max`...), when known.
    pub limits: Option<String>,
}

/// The `lint --format json` document.
#[derive(Debug, Serialize)]
pub struct Json<'a> {
    pub findings: &'a [Finding],
    pub summary: Summary<'a>,
}

#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub config: &'a str,
    pub odoo_version: String,
    pub errors: usize,
    pub warnings: usize,
    /// The exception Python's configparser raises on the file (Odoo does not start), if any.
    pub python_error: Option<&'a str>,
    pub limits: Limits<'a>,
    pub skipped_rules: Vec<Rule>,
}

#[derive(Debug, Serialize)]
pub struct Limits<'a> {
    pub cpus: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub pg_max_connections: Option<u32>,
    pub source: Option<&'a str>,
}

pub fn json<'a>(report: &'a Report, ctx: &Context, origin: &'a Origin) -> Json<'a> {
    Json {
        findings: &report.findings,
        summary: Summary {
            config: &origin.config,
            odoo_version: report.version.to_string(),
            errors: report.errors(),
            warnings: report.warnings(),
            python_error: report.python_error.as_deref(),
            limits: Limits {
                cpus: ctx.cpus,
                memory_bytes: ctx.memory_bytes,
                pg_max_connections: ctx.pg_max_connections,
                source: origin.limits.as_deref(),
            },
            skipped_rules: report.skipped.clone(),
        },
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line per finding like a compiler (`odoo.conf:4: error[inline-comment]: ...`), its fix on the next,
/// then a summary.
pub fn text(report: &Report, ctx: &Context, origin: &Origin) -> String {
    let config = &origin.config;
    let mut out = String::new();
    for f in &report.findings {
        let place = match f.line {
            Some(line) => format!("{config}:{line}"),
            None => config.clone(),
        };
        out.push_str(&format!(
            "{place}: {}[{}]: {}\n    fix: {}\n",
            f.severity, f.rule, f.message, f.fix
        ));
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    let version = report.version;
    if report.findings.is_empty() {
        out.push_str(&format!("{config}: no problems found for Odoo {version}\n"));
    } else {
        out.push_str(&format!(
            "{config}: {}, {} for Odoo {version}\n",
            plural(report.errors(), "error"),
            plural(report.warnings(), "warning")
        ));
    }
    if let Some(e) = &report.python_error {
        out.push_str(&format!("Odoo cannot read this file: {e}\n"));
    }
    let mut limits = Vec::new();
    if let Some(c) = ctx.cpus {
        limits.push(format!("{} CPUs", HumanCpus(c)));
    }
    if let Some(m) = ctx.memory_bytes {
        limits.push(HumanBytes(m).to_string());
    }
    let mut against = Vec::new();
    if !limits.is_empty() {
        let from = origin
            .limits
            .as_deref()
            .map(|s| format!(" (from {s})"))
            .unwrap_or_default();
        against.push(format!("{}{from}", limits.join(", ")));
    }
    if let Some(p) = ctx.pg_max_connections {
        against.push(format!("PostgreSQL max_connections {p}"));
    }
    if !against.is_empty() {
        out.push_str(&format!("checked against {}\n", against.join(" and ")));
    }
    let skipped_container: Vec<&str> = report
        .skipped
        .iter()
        .filter(|r| r.needs() != Needs::PgMaxConnections)
        .map(|r| r.id())
        .collect();
    if !skipped_container.is_empty() {
        out.push_str(&format!(
            "not checked without the container's limits (give --cpus and --memory, or --detect): {}\n",
            skipped_container.join(", ")
        ));
    }
    out
}
