//! `odoo-sizer plan`: read the limits (or take the overrides), gather the knobs, pins and their
//! sources, run the sizing model and print the plan as text, JSON or an `[options]` snippet.
//!
//! [`plan_input`] is the glue other commands reuse (apply, init, inspect): it turns [`PlanArgs`] into the
//! model's input and the report's provenance lines.

use super::ArgSources;
use crate::cli::{PgMaxConnections, PlanArgs, PlanCmdArgs, PlanFormat};
use crate::error::{Error, Exit, Result};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::limits::{Budget, Limits};
use crate::odoo::{self, OdooVersion};
use crate::plan::render::{self, Input, Report};
use crate::plan::{self, Knobs, Pin, PlanInput, Warning, WarningCode, MANAGED_KEYS};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;

pub fn run(args: &PlanCmdArgs, sources: &ArgSources, out: &mut dyn Write) -> Result<Exit> {
    let limits = super::limits(&args.limits, sources, false);
    let budget = limits.budget()?;
    let env = |name: &str| std::env::var(name).ok();
    let current = match &args.config {
        Some(path) => current_values(path, &args.plan, sources, &env)?,
        None => BTreeMap::new(),
    };
    let plan_args = super::resolve_pg_max(&args.plan, &current);
    let prepared = plan_input(&plan_args, sources, &limits, budget, &env, current)?;
    let plan = plan::plan(&prepared.input)?;
    let report = Report {
        plan: &plan,
        inputs: prepared.inputs,
        extra_warnings: prepared.warnings,
    };
    log::info!(
        "planned {} processes for Odoo {} ({} CPUs, {})",
        plan.estimate.processes,
        plan.version,
        HumanCpus(budget.cpus),
        HumanBytes(budget.memory_bytes)
    );
    match args.format {
        PlanFormat::Json => super::write_json(out, &render::json(&report))?,
        PlanFormat::Text => out
            .write_all(render::text(&report).as_bytes())
            .map_err(Error::Output)?,
        PlanFormat::Conf => {
            // The snippet also carries them as comments; stderr makes sure a redirect does not hide them.
            for w in report.warnings() {
                log::warn!("{}", w.message);
            }
            out.write_all(render::conf(&report).as_bytes())
                .map_err(Error::Output)?
        }
    }
    Ok(Exit::Success)
}

/// The `[options]` values of the config at `path`, read with the same document model and refusal rules as
/// `apply` (a missing file has no values).
fn current_values(
    path: &std::path::Path,
    args: &PlanArgs,
    sources: &ArgSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>> {
    let (version, _) = odoo_version(args, sources, env)?;
    let Some((bytes, _)) = crate::write::read_config(path)? else {
        log::warn!(
            "{} does not exist: planning without current values",
            path.display()
        );
        return Ok(BTreeMap::new());
    };
    let prepared =
        crate::apply::Prepared::new(Some(&bytes), version, false).map_err(|refused| Error::Refused {
            path: path.display().to_string(),
            refused,
        })?;
    for warning in &prepared.warnings {
        log::warn!("{}: {warning}", path.display());
    }
    Ok(prepared.current_values())
}

/// The model's input with the provenance of each value.
pub struct Prepared {
    pub input: PlanInput,
    pub inputs: Vec<Input>,
    /// About the limits (no cgroup limit found, detection problems).
    pub warnings: Vec<Warning>,
}

/// The Odoo version to size for, and where it came from (see [`super::odoo_version`]).
pub fn odoo_version(
    args: &PlanArgs,
    sources: &ArgSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(OdooVersion, String)> {
    super::odoo_version(args.odoo_version, sources, env)
}

/// Builds the model's input from the plan flags. `env` looks up environment variables that are not
/// clap's (the image's `ODOO_VERSION`, Odoo 19's `ODOO_<OPTION>`); `current` holds the current raw
/// `[options]` values (lower-cased keys), empty without `--config`.
pub fn plan_input(
    args: &PlanArgs,
    sources: &ArgSources,
    limits: &Limits,
    budget: Budget,
    env: &dyn Fn(&str) -> Option<String>,
    current: BTreeMap<String, String>,
) -> Result<Prepared> {
    let src = |id: &str, flag: &str, var: &str| super::source(sources, id, flag, var);
    let (version, version_source) = odoo_version(args, sources, env)?;

    let mut pins: Vec<Pin> = Vec::new();
    if version >= OdooVersion::V19 {
        for key in MANAGED_KEYS {
            let Some(var) = odoo::spec(key).and_then(|s| s.env_var(version)) else {
                continue;
            };
            if let Some(value) = env(&var) {
                pins.push(Pin {
                    key: key.to_string(),
                    value,
                    origin: var,
                    from_environment: true,
                });
            }
        }
    }
    let set_origin = src("set", "--set", "ODOO_SIZER_SET");
    for set in &args.set {
        pins.push(Pin {
            key: set.key.clone(),
            value: set.value.clone(),
            origin: format!("{set_origin} {}", set.key),
            from_environment: false,
        });
    }

    let knobs = Knobs {
        users: args.users,
        light_mb: args.light_mb,
        heavy_mb: args.heavy_mb,
        heavy_ratio: args.heavy_ratio,
        users_per_worker: args.users_per_worker,
        pg_max_connections: match &args.pg_max_connections {
            Some(PgMaxConnections::Given(n)) | Some(PgMaxConnections::Queried { value: n, .. }) => Some(*n),
            Some(PgMaxConnections::Auto) | None => None,
        },
    };

    let unknown = |s: &Option<String>| s.clone().unwrap_or_else(|| "unknown".to_string());
    let optional = |v: Option<u32>| v.map(|n| json!(n)).unwrap_or(serde_json::Value::Null);
    let shown = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".to_string());
    let mut inputs = vec![
        Input {
            name: "cpus",
            value: json!(budget.cpus),
            display: HumanCpus(budget.cpus).to_string(),
            source: unknown(&limits.cpu.source),
        },
        Input {
            name: "memory_bytes",
            value: json!(budget.memory_bytes),
            display: HumanBytes(budget.memory_bytes).to_string(),
            source: unknown(&limits.memory.source),
        },
        Input {
            name: "odoo_version",
            value: json!(version.to_string()),
            display: version.to_string(),
            source: version_source,
        },
        Input {
            name: "users",
            value: optional(knobs.users),
            display: shown(knobs.users),
            source: if knobs.users.is_some() {
                src("users", "--users", "ODOO_SIZER_USERS")
            } else {
                "not given".into()
            },
        },
        Input {
            name: "light_mb",
            value: json!(knobs.light_mb),
            display: format!("{} MiB", knobs.light_mb),
            source: src("light_mb", "--light-mb", "ODOO_SIZER_LIGHT_MB"),
        },
        Input {
            name: "heavy_mb",
            value: json!(knobs.heavy_mb),
            display: format!("{} MiB", knobs.heavy_mb),
            source: src("heavy_mb", "--heavy-mb", "ODOO_SIZER_HEAVY_MB"),
        },
        Input {
            name: "heavy_ratio",
            value: json!(knobs.heavy_ratio),
            display: knobs.heavy_ratio.to_string(),
            source: src("heavy_ratio", "--heavy-ratio", "ODOO_SIZER_HEAVY_RATIO"),
        },
        Input {
            name: "users_per_worker",
            value: json!(knobs.users_per_worker),
            display: knobs.users_per_worker.to_string(),
            source: src(
                "users_per_worker",
                "--users-per-worker",
                "ODOO_SIZER_USERS_PER_WORKER",
            ),
        },
        Input {
            name: "pg_max_connections",
            value: optional(knobs.pg_max_connections),
            display: shown(knobs.pg_max_connections),
            source: match &args.pg_max_connections {
                Some(PgMaxConnections::Queried { server, .. }) => format!("SHOW max_connections on {server}"),
                Some(PgMaxConnections::Auto) => "auto: the server could not be asked".into(),
                Some(PgMaxConnections::Given(_)) => src(
                    "pg_max_connections",
                    "--pg-max-connections",
                    "ODOO_SIZER_PG_MAX_CONNECTIONS",
                ),
                None => "not given".into(),
            },
        },
    ];
    if !pins.is_empty() {
        let shown: Vec<String> = pins
            .iter()
            .map(|p| {
                let value = if odoo::is_secret(&p.key) {
                    render::MASK
                } else {
                    &p.value
                };
                format!("{}={value}", p.key)
            })
            .collect();
        let mut origins: Vec<&str> = pins
            .iter()
            .map(|p| {
                if p.from_environment {
                    p.origin.as_str()
                } else {
                    set_origin.as_str()
                }
            })
            .collect();
        origins.dedup();
        inputs.push(Input {
            name: "pins",
            value: json!(shown),
            display: shown.join(", "),
            source: origins.join(", "),
        });
    }

    Ok(Prepared {
        input: PlanInput {
            budget,
            version,
            knobs,
            pins,
            current,
        },
        inputs,
        warnings: limit_warnings(limits, budget),
    })
}

/// What the operator must know about the limits the plan stands on.
fn limit_warnings(limits: &Limits, budget: Budget) -> Vec<Warning> {
    let mut warnings: Vec<Warning> = limits
        .warnings
        .iter()
        .map(|w| Warning {
            code: WarningCode::Limits,
            message: w.clone(),
        })
        .collect();
    let overridden = |source: &Option<String>| {
        source
            .as_deref()
            .is_some_and(|s| s.starts_with("--") || s.starts_with("ODOO_SIZER_"))
    };
    if !overridden(&limits.cpu.source) && limits.cpu.quota_cpus.is_none() {
        warnings.push(Warning {
            code: WarningCode::Limits,
            message: format!(
                "no CPU quota found: sized for the {} CPUs this process may run on ({}); if the container is limited elsewhere (e.g. Kubernetes pod limits), pass --cpus",
                HumanCpus(budget.cpus),
                limits.cpu.source.as_deref().unwrap_or("unknown")
            ),
        });
    }
    if !overridden(&limits.memory.source)
        && limits.memory.max_bytes.is_none()
        && limits.memory.high_bytes.is_none()
    {
        warnings.push(Warning {
            code: WarningCode::Limits,
            message: format!(
                "no memory limit found: sized for the host's {} ({}), which other processes share; pass --memory for the container's real share",
                HumanBytes(budget.memory_bytes),
                limits.memory.source.as_deref().unwrap_or("unknown")
            ),
        });
    }
    warnings
}
