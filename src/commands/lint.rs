//! `odoo-sizer lint`: read odoo.conf (through the size-capped reader), resolve the Odoo version and the
//! limits the user asked for, run the pure [`crate::lint`] and print its findings as text or JSON.
//! Exit 1 when any finding is an error, 0 otherwise.
//!
//! The container's limits are used only when given (`--cpus`, `--memory`, their variables, `--root`) or
//! asked for (`--detect`): without them the container rules are skipped, so the verdict on a file never
//! depends on the machine lint runs on.

use super::ArgSources;
use crate::cli::{Format, LintArgs};
use crate::conf::Document;
use crate::error::{Error, Exit, Result};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::lint::{self, render, Context};
use crate::write::{self, FileError};
use std::io::Write;

pub fn run(args: &LintArgs, sources: &ArgSources, out: &mut dyn Write) -> Result<Exit> {
    let env = |name: &str| std::env::var(name).ok();
    let (version, version_source) = super::odoo_version(args.odoo_version, sources, &env)?;
    let (path, origin) = super::config_path(&args.config, sources, &env);
    let bytes = match write::read_config(&path) {
        Ok(Some((bytes, _))) => bytes,
        Ok(None) | Err(FileError::NoDirectory { .. }) => return Err(Error::ConfigNotFound { path, origin }),
        Err(e) => return Err(e.into()),
    };
    let doc = Document::parse(&bytes);
    let container = container(args, sources)?;
    let ctx = Context {
        cpus: container.cpus,
        memory_bytes: container.memory_bytes,
        pg_max_connections: args.pg_max_connections,
        ..Context::new(version)
    };
    log::info!(
        "checking {} ({origin}) for Odoo {version} ({version_source}); {}",
        path.display(),
        match (ctx.cpus, ctx.memory_bytes) {
            (None, None) => "container rules skipped (no limits given)".to_string(),
            (cpus, memory) => format!(
                "container: {} CPUs, {}",
                cpus.map_or("?".to_string(), |c| HumanCpus(c).to_string()),
                memory.map_or("?".to_string(), |m| HumanBytes(m).to_string())
            ),
        }
    );
    let report = lint::lint(&doc, &ctx);
    let origin = render::Origin {
        config: path.display().to_string(),
        limits: container.source,
    };
    match args.format {
        Format::Json => super::write_json(out, &render::json(&report, &ctx, &origin))?,
        Format::Text => out
            .write_all(render::text(&report, &ctx, &origin).as_bytes())
            .map_err(Error::Output)?,
    }
    Ok(if report.has_errors() {
        Exit::Findings
    } else {
        Exit::Success
    })
}

/// What lint knows of the container.
struct Container {
    cpus: Option<f64>,
    memory_bytes: Option<u64>,
    source: Option<String>,
}

/// With `--detect` or `--root`: the detected limits (overrides applied), both required. Otherwise only
/// the overrides, each on its own (`--cpus` alone enables the CPU rules).
fn container(args: &LintArgs, sources: &ArgSources) -> Result<Container> {
    if args.detect || args.limits.root.is_some() {
        let limits = super::limits(&args.limits, sources, false);
        for warning in &limits.warnings {
            log::warn!("{warning}");
        }
        let budget = limits.budget()?;
        let unknown = || "unknown".to_string();
        return Ok(Container {
            cpus: Some(budget.cpus),
            memory_bytes: Some(budget.memory_bytes),
            source: Some(format!(
                "CPU: {}; memory: {}",
                limits.cpu.source.clone().unwrap_or_else(unknown),
                limits.memory.source.clone().unwrap_or_else(unknown)
            )),
        });
    }
    let overrides = super::overrides(&args.limits, sources);
    let sources: Vec<String> = [
        overrides.cpus.as_ref().map(|o| o.source.clone()),
        overrides.memory.as_ref().map(|o| o.source.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Container {
        cpus: overrides.cpus.map(|o| o.value),
        memory_bytes: overrides.memory.map(|o| o.value),
        source: (!sources.is_empty()).then(|| sources.join(", ")),
    })
}
