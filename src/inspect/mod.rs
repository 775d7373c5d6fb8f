//! `odoo-sizer inspect`'s pure core: what one running Odoo container looks like to odoo-sizer, as a
//! report (its JSON form is a contract, see README.md "inspect --format json").
//!
//! Owns: the report model ([`TargetReport`]), the values Odoo really runs with ([`Sources`]: command
//! line, then Odoo 19's environment, then odoo.conf, then the version's default), the findings list and
//! the one function that builds it ([`findings`], the seam where `lint`'s rules plug in), the live
//! memory judgement ([`memory`]), the container-aware checks ([`checks`], stand-ins for `lint`'s
//! container rules) and the text rendering ([`render`]).
//! Must not: talk to the engine, read files or print (the command `commands::inspect` does).

pub mod checks;
pub mod memory;
pub mod render;

use crate::apply::{ChangeReport, Refusal};
use crate::cmdline::{CliOverride, EnvOverride};
use crate::docker::target::ConfigSource;
use crate::limits::Limits;
use crate::odoo::{self, Cast, OdooVersion};
use crate::plan::{Estimate, Warning};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

pub use memory::{LimitsInEffect, MemoryState, ProcessReport, Role};

/// How bad a finding is (ordered: errors first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Odoo cannot start with the file, or the container will be killed (OOM) before Odoo's own limit.
    Error,
    /// Odoo runs, but slower, less safely or differently than the file says.
    Warning,
    /// Worth knowing; nothing to fix.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One problem found in a container or its config, in `lint`'s shape: a stable rule id, a severity,
/// the line (when one line is at fault), the key, what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(rule: &str, severity: Severity, message: String) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            line: None,
            key: None,
            message,
            fix: None,
        }
    }

    pub fn key(mut self, key: &str) -> Finding {
        self.key = Some(key.to_string());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// Where the value Odoo runs with comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An option on Odoo's command line, as spelled (`--workers`).
    CommandLine(String),
    /// Odoo 19's environment variable (`ODOO_WORKERS`).
    Environment(String),
    /// odoo.conf.
    File,
    /// Nothing sets it: the version's default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine(option) => write!(f, "{option}"),
            Origin::Environment(variable) => write!(f, "{variable}"),
            Origin::File => f.write_str("odoo.conf"),
            Origin::Default => f.write_str("default"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The value of one key Odoo runs with (raw text, unmasked: mask before showing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// `None` when nothing sets the key (the default applies).
    pub raw: Option<String>,
    pub origin: Origin,
}

/// Everything that sets Odoo's options in a container, in Odoo's order of precedence: the command line
/// beats the environment (Odoo 19+ only), which beats odoo.conf, which beats the version's default.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub version: OdooVersion,
    /// odoo.conf's `[options]` values (lower-cased keys, raw text).
    pub file: &'a BTreeMap<String, String>,
    pub cli: &'a [CliOverride],
    pub env: &'a [EnvOverride],
}

impl Sources<'_> {
    /// The raw value Odoo runs with for `key`, and where it comes from.
    pub fn effective(&self, key: &str) -> Effective {
        if let Some(o) = self.cli.iter().rev().find(|o| o.key == key) {
            return Effective {
                raw: Some(o.value.clone()),
                origin: Origin::CommandLine(o.option.clone()),
            };
        }
        if self.version >= OdooVersion::V19 {
            if let Some(o) = self.env.iter().rev().find(|o| o.key == key) {
                return Effective {
                    raw: Some(o.value.clone()),
                    origin: Origin::Environment(o.variable.clone()),
                };
            }
        }
        match self.file.get(key) {
            Some(raw) => Effective {
                raw: Some(raw.clone()),
                origin: Origin::File,
            },
            None => Effective {
                raw: None,
                origin: Origin::Default,
            },
        }
    }

    /// The integer Odoo computes with for `key`: the cast value, the default when the key is unset (or,
    /// in 19.0, `False`), `None` when the value is `None` (19.0), not an integer, or the key unknown.
    pub fn int(&self, key: &str) -> Option<i64> {
        let spec = odoo::spec(key)?;
        match self.effective(key).raw {
            None => spec.default_int(self.version),
            Some(raw) => match spec.cast(self.version, &raw) {
                Ok(Cast::Default) => spec.default_int(self.version),
                Ok(cast) => cast.as_int(),
                Err(_) => None,
            },
        }
    }

    /// The effective value as text for reports: the raw value, else the default's; masked for secrets.
    pub fn shown(&self, key: &str) -> Option<String> {
        let raw = match self.effective(key).raw {
            Some(raw) => raw,
            None => match odoo::spec(key)?.default_in(self.version) {
                odoo::Default::Int(i) => i.to_string(),
                odoo::Default::Float(f) => f.to_string(),
                odoo::Default::Bool(b) => if b { "True" } else { "False" }.to_string(),
                odoo::Default::Str(s) => s.to_string(),
                odoo::Default::Unset | odoo::Default::Computed(_) => return None,
            },
        };
        Some(crate::conf::mask_value(key, &raw).into_owned())
    }
}

/// A map serialized in the order given (JSON objects keep the plan's order: workers first).
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> std::default::Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The current state of one recommended key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Current {
    /// The raw value in odoo.conf (`null`: not in the file). Secrets masked.
    pub file: Option<String>,
    /// The value Odoo runs with (`null`: an unset default such as `None`). Secrets masked.
    pub effective: Option<String>,
    /// `odoo.conf`, `default`, the command-line option (`--workers`) or the variable (`ODOO_WORKERS`).
    pub origin: Origin,
}

/// One recommended key: the value the plan writes and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommended {
    /// Typed like `plan --format json`'s settings (integers, booleans); secrets masked.
    pub value: serde_json::Value,
    pub reason: String,
    /// `--set KEY` or `ODOO_WORKERS` when the value was fixed by the user or the environment.
    pub pinned_by: Option<String>,
}

/// The config file as found in the container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigInfo {
    pub source: ConfigSource,
    pub exists: bool,
    /// The file read after following symbolic links (`null` when it does not exist).
    pub resolved_path: Option<String>,
    /// Symbolic links followed on the way.
    pub links: Vec<String>,
    /// Permission bits, octal (`0644`).
    pub mode: Option<String>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    pub size_bytes: Option<u64>,
}

/// Options set outside odoo.conf, which beat it (secret values masked when serialized).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Overrides {
    pub command_line: Vec<CliOverride>,
    /// Odoo 19's `ODOO_<OPTION>` and `PG*` variables (empty for older versions).
    pub environment: Vec<EnvOverride>,
}

/// What `--apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The sized config was written back into the container.
    pub written: bool,
    /// `reload` (SIGHUP to PID 1), `restart`, or `null` (nothing sent: not asked, or nothing written).
    pub action: Option<&'static str>,
}

/// Everything `inspect` says about one target. Field names are the JSON contract (README.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetReport {
    /// The container's name (or the name/ID as requested when it could not be found).
    pub container: String,
    pub id: Option<String>,
    pub image: Option<String>,
    /// The limits Docker grants (HostConfig), the engine's CPU count and memory when unlimited.
    pub limits: Option<Limits>,
    pub odoo_version: Option<String>,
    /// `ODOO_VERSION` (the container's), `--odoo-version`, or `default (newest supported)`.
    pub odoo_version_source: Option<String>,
    pub config_path: Option<String>,
    pub config: Option<ConfigInfo>,
    /// For every recommended key: the file's value, the value Odoo runs with, and its origin.
    pub current: Ordered<Current>,
    /// For every key the plan manages for this version and mode: the value and the reason.
    pub recommended: Ordered<Recommended>,
    /// The edits `--apply` makes (or made) to odoo.conf, in order; empty when already sized.
    pub changes: Vec<ChangeReport>,
    /// Errors first.
    pub findings: Vec<Finding>,
    /// Every process of the container with its memory, as seen before any `--apply`; `null` when the
    /// process list could not be read.
    pub processes: Option<Vec<ProcessReport>>,
    /// The per-process limits the processes are judged against (the values Odoo runs with now).
    pub memory_limits: Option<LimitsInEffect>,
    pub overrides: Overrides,
    /// The plan's estimate for the recommended settings.
    pub estimate: Option<Estimate>,
    /// The container's command (`Path` + `Args`), secrets masked.
    pub command: Vec<String>,
    /// `null` without `--apply`.
    pub applied: Option<Applied>,
    /// Why this target could not be inspected (or written); `null` on success.
    pub error: Option<String>,
}

impl TargetReport {
    /// A report that only knows the requested name and why it failed.
    pub fn failed(requested: &str, error: String) -> TargetReport {
        TargetReport {
            container: requested.to_string(),
            id: None,
            image: None,
            limits: None,
            odoo_version: None,
            odoo_version_source: None,
            config_path: None,
            config: None,
            current: Ordered::default(),
            recommended: Ordered::default(),
            changes: Vec::new(),
            findings: Vec::new(),
            processes: None,
            memory_limits: None,
            overrides: Overrides::default(),
            estimate: None,
            command: Vec::new(),
            applied: None,
            error: Some(error),
        }
    }

    /// True when the recommended settings differ from the file (or the file is missing).
    pub fn needs_changes(&self) -> bool {
        !self.changes.is_empty() || self.config.as_ref().is_some_and(|c| !c.exists)
    }
}

/// Everything findings are made from. [`findings`] is the single place that turns them into the list
/// a report shows, so that `lint`'s rules can be added there when it lands.
#[derive(Debug, Clone, Default)]
pub struct FindingInputs<'a> {
    /// Why the file was refused (`apply`'s rules): errors.
    pub refusals: &'a [Refusal],
    /// What `apply` warns about in a file it accepts (a string option with a `; comment`).
    pub config_warnings: &'a [String],
    /// About the container itself: limits that could not be read, a command line Odoo would refuse.
    pub target_warnings: &'a [String],
    /// The plan's warnings about the recommended settings.
    pub plan_warnings: &'a [Warning],
    /// The container-aware checks and the live memory, when the values Odoo runs with are known.
    pub container: Option<checks::ContainerView<'a>>,
    /// `lint` on the container's file, with the container's limits: its file and container rules.
    pub lint: Option<&'a crate::lint::Report>,
    /// Extra findings gathered by the command (a process list that could not be read, ...).
    pub extra: Vec<Finding>,
}

impl From<&crate::lint::Finding> for Finding {
    fn from(f: &crate::lint::Finding) -> Finding {
        Finding {
            rule: f.rule.id().to_string(),
            severity: match f.severity {
                crate::lint::Severity::Error => Severity::Error,
                crate::lint::Severity::Warning => Severity::Warning,
            },
            line: f.line,
            key: f.key.clone(),
            message: f.message.clone(),
            fix: Some(f.fix.clone()).filter(|fix| !fix.is_empty()),
        }
    }
}

/// `line 12: message` → (12, message).
fn split_line_prefix(message: &str) -> (Option<usize>, &str) {
    message
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(n, rest)| n.parse().ok().map(|n| (Some(n), rest)))
        .unwrap_or((None, message))
}

/// The findings of one target, errors first (stable within a severity): `lint`'s rules on the file (with
/// the container's limits), `apply`'s refusals that lint does not cover, the container's own warnings,
/// the checks of the values Odoo really runs with (command line and environment included; a rule lint
/// already reported on the file is not repeated), the live memory, and the plan's warnings.
pub fn findings(inputs: FindingInputs<'_>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let linted = |rule: &str, line: Option<usize>| {
        inputs.lint.is_some_and(|r| {
            r.findings
                .iter()
                .any(|f| f.rule.id() == rule && (line.is_none() || f.line == line))
        })
    };
    if let Some(report) = inputs.lint {
        out.extend(report.findings.iter().map(Finding::from));
    }
    for r in inputs.refusals.iter().filter(|r| !linted(r.rule, r.line)) {
        out.push(Finding {
            rule: r.rule.to_string(),
            severity: Severity::Error,
            line: r.line,
            key: None,
            message: r.message.clone(),
            fix: Some(r.fix.clone()).filter(|fix| !fix.is_empty()),
        });
    }
    for w in inputs.config_warnings {
        let (line, message) = split_line_prefix(w);
        if !linted("inline-comment", line) {
            out.push(Finding {
                line,
                ..Finding::new("inline-comment", Severity::Warning, message.to_string())
            });
        }
    }
    for w in inputs.target_warnings {
        let rule = if w.starts_with("cpu") || w.starts_with("memory") {
            "limits"
        } else {
            "command-line"
        };
        out.push(Finding::new(rule, Severity::Warning, w.clone()));
    }
    if let Some(view) = &inputs.container {
        out.extend(
            checks::container_checks(view)
                .into_iter()
                .filter(|f| !linted(&f.rule, None)),
        );
        out.extend(memory::findings(view));
    }
    for w in inputs.plan_warnings {
        let rule = serde_json::to_value(w.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "plan".to_string());
        out.push(Finding {
            rule,
            ..Finding::new("", Severity::Warning, w.message.clone())
        });
    }
    out.extend(inputs.extra);
    out.sort_by_key(|f| f.severity);
    out
}

#[cfg(test)]
mod tests;
