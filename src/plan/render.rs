//! Pure renderers of a [`Plan`]: the text report, the JSON document and the `[options]` snippet.
//! Secrets are masked in text and JSON; the conf snippet carries real values (it is meant to be written).
//!
//! JSON contract (`plan --format json`): `inputs` (each `{value, source}`), `settings` (exactly the keys
//! `apply` writes, typed: integers for int options, booleans for flags), `reasons`, `current` (only when
//! current values were given), `estimate`, `warnings` (`{code, message}`).

use super::{Estimate, Mode, Plan, Warning};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::odoo::Value;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// Shown instead of secret values.
pub const MASK: &str = "********";

/// One input of the plan and where it came from (`--cpus`, `ODOO_SIZER_USERS`, `/sys/fs/cgroup/cpu.max`,
/// `default`).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: &'static str,
    pub value: serde_json::Value,
    /// How a person reads it (`8 GiB`).
    pub display: String,
    pub source: String,
}

/// A plan with the provenance of its inputs and the warnings gathered before planning (limits).
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub plan: &'a Plan,
    pub inputs: Vec<Input>,
    /// Warnings from reading the limits, shown before the plan's own.
    pub extra_warnings: Vec<Warning>,
}

impl Report<'_> {
    pub fn warnings(&self) -> impl Iterator<Item = &Warning> {
        self.extra_warnings.iter().chain(&self.plan.warnings)
    }
}

/// A map serialized in the order given.
struct Ordered<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonInput<'a> {
    value: &'a serde_json::Value,
    source: &'a str,
}

/// The JSON document; serialize it (its maps keep the plan's order: workers first).
#[derive(Serialize)]
pub struct JsonReport<'a> {
    odoo_version: String,
    mode: Mode,
    inputs: Ordered<&'static str, JsonInput<'a>>,
    settings: Ordered<&'static str, Value>,
    reasons: Ordered<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    current: Ordered<&'a str, String>,
    estimate: &'a Estimate,
    warnings: Vec<&'a Warning>,
}

impl<K, V> Ordered<K, V> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The JSON document (pretty-printed by the caller).
pub fn json<'a>(report: &'a Report) -> JsonReport<'a> {
    let plan = report.plan;
    JsonReport {
        odoo_version: plan.version.to_string(),
        mode: plan.estimate.mode,
        inputs: Ordered(
            report
                .inputs
                .iter()
                .map(|i| {
                    (
                        i.name,
                        JsonInput {
                            value: &i.value,
                            source: &i.source,
                        },
                    )
                })
                .collect(),
        ),
        settings: Ordered(
            plan.settings
                .iter()
                .map(|s| {
                    (
                        s.key,
                        if s.secret() {
                            Value::Str(MASK.into())
                        } else {
                            s.value.clone()
                        },
                    )
                })
                .collect(),
        ),
        reasons: Ordered(plan.settings.iter().map(|s| (s.key, s.reason.as_str())).collect()),
        current: Ordered(
            plan.settings
                .iter()
                .filter_map(|s| {
                    let raw = plan.current.get(s.key)?;
                    Some((s.key, if s.secret() { MASK.to_string() } else { raw.clone() }))
                })
                .collect(),
        ),
        estimate: &plan.estimate,
        warnings: report.warnings().collect(),
    }
}

fn summary(plan: &Plan) -> String {
    let e = &plan.estimate;
    let shape = match e.mode {
        Mode::Prefork => format!(
            "{} HTTP worker{} + {} cron worker{}",
            e.http_workers,
            plural(e.http_workers),
            e.cron_workers,
            plural(e.cron_workers)
        ),
        Mode::Threaded => format!(
            "threaded server, {} cron thread{}",
            e.cron_workers,
            plural(e.cron_workers)
        ),
    };
    format!(
        "Odoo {} for {} CPUs and {}: {} ({shape})",
        plan.version,
        HumanCpus(plan.budget.cpus),
        HumanBytes(plan.budget.memory_bytes),
        e.mode
    )
}

fn label(name: &str) -> &str {
    match name {
        "memory_bytes" => "memory",
        "odoo_version" => "odoo version",
        "light_mb" => "light request",
        "heavy_mb" => "heavy request",
        "heavy_ratio" => "heavy ratio",
        "users_per_worker" => "users per worker",
        "pg_max_connections" => "pg max_connections",
        other => other,
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn table(out: &mut String, header: [&str; 3], rows: &[[String; 3]]) {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    let mut line = |cells: [&str; 3]| {
        let text = format!("{:<w0$}  {:<w1$}  {}", cells[0], cells[1], cells[2]);
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for r in rows {
        line([&r[0], &r[1], &r[2]]);
    }
}

/// The report for people: settings with reasons, inputs with sources, the estimate, warnings.
pub fn text(report: &Report) -> String {
    let plan = report.plan;
    let e = &plan.estimate;
    let mut out = String::new();
    out.push_str(&summary(plan));
    out.push_str("\n\n");

    let has_current = !plan.current.is_empty();
    let rows: Vec<[String; 3]> = plan
        .settings
        .iter()
        .map(|s| {
            let value = if s.secret() {
                MASK.to_string()
            } else {
                s.value.render()
            };
            let value = match plan.current.get(s.key) {
                Some(raw) if has_current => {
                    let raw = if s.secret() { MASK } else { raw.as_str() };
                    format!("{value} (now {raw})")
                }
                _ => value,
            };
            [s.key.to_string(), value, s.reason.clone()]
        })
        .collect();
    table(&mut out, ["SETTING", "VALUE", "REASON"], &rows);

    out.push('\n');
    let rows: Vec<[String; 3]> = report
        .inputs
        .iter()
        .map(|i| [label(i.name).to_string(), i.display.clone(), i.source.clone()])
        .collect();
    table(&mut out, ["INPUT", "VALUE", "SOURCE"], &rows);

    out.push('\n');
    let processes = match e.mode {
        Mode::Prefork => format!(
            "{} (1 master + {} HTTP + {} cron + 1 gevent)",
            e.processes, e.http_workers, e.cron_workers
        ),
        Mode::Threaded => "1 (threaded server)".to_string(),
    };
    let ram = match e.mode {
        Mode::Prefork => format!(
            "{} of {} (master {} + {} × {} + gevent {})",
            HumanBytes(e.ram_bytes),
            HumanBytes(e.memory_budget_bytes),
            HumanBytes(e.master_bytes),
            e.http_workers + e.cron_workers,
            HumanBytes(e.per_worker_bytes),
            HumanBytes(e.gevent_bytes)
        ),
        Mode::Threaded => format!(
            "{} of {} (interpreter {} + average request load {})",
            HumanBytes(e.ram_bytes),
            HumanBytes(e.memory_budget_bytes),
            HumanBytes(e.master_bytes),
            HumanBytes(e.per_worker_bytes)
        ),
    };
    let postgres = match e.postgres_usable_connections {
        Some(usable) => format!("{} worst case, of {usable} usable", e.postgres_connections),
        None => format!("{} worst case", e.postgres_connections),
    };
    let rows = vec![
        ["processes".to_string(), processes, String::new()],
        ["memory".to_string(), ram, String::new()],
        [
            "reserve".to_string(),
            HumanBytes(e.reserve_bytes).to_string(),
            "kept free for page cache, wkhtmltopdf, the kernel".to_string(),
        ],
        [
            "cpu budget".to_string(),
            format!("{} processes", e.cpu_process_budget),
            "(2 × CPUs) + 1".to_string(),
        ],
        [
            "memory budget".to_string(),
            format!("{} processes", e.memory_process_budget),
            "worker and cron processes that fit with room for one heavy request".to_string(),
        ],
        ["postgres".to_string(), postgres, "connections".to_string()],
    ];
    table(&mut out, ["ESTIMATE", "VALUE", "NOTE"], &rows);

    out.push('\n');
    let warnings: Vec<&Warning> = report.warnings().collect();
    if warnings.is_empty() {
        out.push_str("WARNINGS: none\n");
    } else {
        out.push_str("WARNINGS\n");
        for w in warnings {
            let code = serde_json::to_value(w.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push_str(&format!("- [{code}] {}\n", w.message));
        }
    }
    out
}

/// An `[options]` snippet that `configparser.RawConfigParser` and Odoo read back as planned: one
/// `key = value` per setting, full-line `;` comments only (inline comments would become part of values).
pub fn conf(report: &Report) -> String {
    let plan = report.plan;
    let mut out = format!("; odoo-sizer plan: {}\n", summary(plan));
    for w in report.warnings() {
        // A warning spanning lines would turn the next line into a continuation: keep it on one.
        let message = w.message.replace(['\n', '\r'], " ");
        out.push_str(&format!("; warning: {message}\n"));
    }
    out.push_str("[options]\n");
    for s in &plan.settings {
        out.push_str(&format!("{} = {}\n", s.key, s.value.render()));
    }
    out
}
