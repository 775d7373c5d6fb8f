//! `odoo-sizer apply`: plan for this container and write exactly the planned keys into odoo.conf.
//!
//! Glue: limits → [`crate::apply::Prepared`] (refusals, `--fix`) → plan with the file's current values →
//! edit → [`crate::write::ConfigFile`] (locked, atomic, owner and mode kept). [`size_file`] is the whole job
//! without printing, reused by `init`.

use super::ArgSources;
use crate::apply::{self, Outcome, Prepared};
use crate::cli::{ApplyArgs, ConfigArg, Format, LimitArgs, PlanArgs};
use crate::error::{Error, Exit, Result};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::plan::{self, Plan, Warning};
use crate::write::{self, ConfigFile, Recovery, WriteMethod};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How far the job goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the result (to the config, or to `output`).
    Write,
    /// Compute the result only (`--dry-run`, `--check`): nothing is locked or written.
    Preview,
}

/// What [`size_file`] did.
pub struct Sized {
    pub config: PathBuf,
    pub config_source: String,
    /// Where the result goes (the config itself, or `--output`).
    pub destination: PathBuf,
    pub plan: Plan,
    pub outcome: Outcome,
    /// `None` when nothing was written (preview, or already sized).
    pub written: Option<WriteMethod>,
    pub warnings: Vec<Warning>,
}

/// What to size and how: the command-line groups `apply` shares with `init`.
pub struct Request<'a> {
    pub config: &'a ConfigArg,
    pub output: Option<&'a Path>,
    pub limits: &'a LimitArgs,
    pub plan: &'a PlanArgs,
    pub fix: bool,
    pub mode: Mode,
}

/// The whole `apply` job without printing: read (locked when writing), refuse or fix, plan, edit, write.
pub fn size_file(
    request: &Request<'_>,
    sources: &ArgSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Sized> {
    let Request {
        config,
        output,
        limits: limits_args,
        plan: plan_args,
        fix,
        mode,
    } = *request;
    let (config_path, config_source) = super::config_path(config, sources, env);
    let limits = super::limits(limits_args, sources, false);
    let budget = limits.budget()?;
    let (version, _) = super::plan::odoo_version(plan_args, sources, env)?;

    // The file to write is locked for the whole read-modify-write cycle. `read` holds a source that is
    // not the file written (a preview, or the source of `--output`).
    let (read, source_mode, destination) = match (mode, output) {
        (Mode::Preview, _) => (
            write::read_config(&config_path)?.map(|(bytes, _)| bytes),
            None,
            None,
        ),
        (Mode::Write, None) => {
            let file = ConfigFile::open(&config_path)?;
            report_recoveries(&file);
            (None, None, Some(file))
        }
        (Mode::Write, Some(output)) => {
            let source = write::read_config(&config_path)?;
            let file = ConfigFile::open(output)?;
            report_recoveries(&file);
            // A new copy gets the source's mode: it may hold secrets.
            let mode = source.as_ref().map(|(_, meta)| meta.mode);
            (source.map(|(bytes, _)| bytes), mode, Some(file))
        }
    };

    let refused = |refused| Error::Refused {
        path: config_path.display().to_string(),
        refused,
    };
    let source_bytes = match (mode, output, &destination) {
        (Mode::Write, None, Some(file)) => file.content.as_deref(),
        _ => read.as_deref(),
    };
    let prepared = Prepared::new(source_bytes, version, fix).map_err(refused)?;
    let current = prepared.current_values();
    let plan_args = super::resolve_pg_max(plan_args, &current);
    let input = super::plan::plan_input(&plan_args, sources, &limits, budget, env, current)?;
    let plan = plan::plan(&input.input)?;
    let outcome = prepared.apply(&plan).map_err(refused)?;

    let mut warnings = input.warnings;
    warnings.extend(plan.warnings.iter().cloned());
    warnings.extend(outcome.warnings.iter().map(|w| Warning {
        code: plan::WarningCode::InlineComment,
        message: w.clone(),
    }));

    let written = match &destination {
        Some(file) => {
            // The edited document's bytes, written without another copy.
            let bytes = outcome.document.as_bytes();
            if file.content.as_deref() == Some(bytes) {
                None
            } else {
                Some(file.replace(bytes, source_mode)?)
            }
        }
        None => None,
    };
    Ok(Sized {
        destination: output
            .map(Path::to_path_buf)
            .unwrap_or_else(|| config_path.clone()),
        config: config_path,
        config_source,
        plan,
        outcome,
        written,
        warnings,
    })
}

fn report_recoveries(file: &ConfigFile) {
    for recovery in &file.recoveries {
        match recovery {
            // The writer already logged these with the journal's path.
            Recovery::RestoredFromJournal { .. } | Recovery::KeptStaleJournal { .. } => {}
            Recovery::RemovedTempFiles(paths) => log::warn!(
                "removed {} temp file(s) left next to {} by an interrupted run",
                paths.len(),
                file.target.display()
            ),
        }
    }
}

pub fn run(args: &ApplyArgs, sources: &ArgSources, out: &mut dyn Write) -> Result<Exit> {
    let env = |name: &str| std::env::var(name).ok();
    let mode = if args.dry_run || args.check {
        Mode::Preview
    } else {
        Mode::Write
    };
    let request = Request {
        config: &args.config,
        output: args.output.as_deref(),
        limits: &args.limits,
        plan: &args.plan,
        fix: args.fix,
        mode,
    };
    let sized = size_file(&request, sources, &env)?;
    let changed = sized.outcome.changed();
    match args.format {
        Format::Json => super::write_json(out, &json_report(&sized, args.dry_run))?,
        Format::Text => {
            for warning in &sized.warnings {
                log::warn!("{}", warning.message);
            }
            let text = if args.dry_run {
                sized.outcome.masked_diff(&sized.config.display().to_string())
            } else {
                text_report(&sized, args.check)
            };
            out.write_all(text.as_bytes()).map_err(Error::Output)?;
        }
    }
    Ok(if args.check && changed {
        Exit::Findings
    } else {
        Exit::Success
    })
}

fn text_report(sized: &Sized, check: bool) -> String {
    let changes = apply::report_changes(&sized.outcome.changes, &sized.plan);
    let budget = &sized.plan.budget;
    let mut text = format!(
        "{}: sized for {} CPUs and {} (Odoo {})\n",
        sized.config.display(),
        HumanCpus(budget.cpus),
        HumanBytes(budget.memory_bytes),
        sized.plan.version
    );
    let status = match (check, sized.written, changes.is_empty()) {
        (_, _, true) => "already sized: nothing to change".to_string(),
        (true, _, false) => format!("{} change(s) needed (nothing written)", changes.len()),
        (false, Some(method), false) => format!(
            "{} change(s) written to {} ({})",
            changes.len(),
            sized.destination.display(),
            match method {
                WriteMethod::Atomic => "atomic replace",
                WriteMethod::InPlace => "rewritten in place",
            }
        ),
        (false, None, false) => format!(
            "{} is already up to date with these {} change(s)",
            sized.destination.display(),
            changes.len()
        ),
    };
    text.push_str(&status);
    text.push('\n');
    for change in &changes {
        let value = match (&change.old, &change.new) {
            (Some(old), Some(new)) => format!("{} = {new} (was {old})", change.key),
            (None, Some(new)) => format!("{} = {new} ({})", change.key, change.action),
            _ => format!("{} ({})", change.key, change.action),
        };
        text.push_str(&format!("  line {:<4} {value}", change.line));
        if let Some(reason) = &change.reason {
            text.push_str(&format!("\n             {reason}"));
        }
        text.push('\n');
    }
    text
}

fn json_report(sized: &Sized, with_diff: bool) -> serde_json::Value {
    let settings: serde_json::Map<String, serde_json::Value> = sized
        .plan
        .settings
        .iter()
        .map(|s| {
            let value = if s.secret() {
                json!(crate::conf::MASK)
            } else {
                serde_json::to_value(&s.value).unwrap_or(serde_json::Value::Null)
            };
            (s.key.to_string(), value)
        })
        .collect();
    let mut report = json!({
        "config": sized.config.display().to_string(),
        "config_source": sized.config_source,
        "destination": sized.destination.display().to_string(),
        "odoo_version": sized.plan.version.to_string(),
        "changed": sized.outcome.changed(),
        "written": sized.written.is_some(),
        "method": sized.written,
        "changes": apply::report_changes(&sized.outcome.changes, &sized.plan),
        "settings": settings,
        "warnings": sized.warnings,
    });
    if with_diff {
        report["diff"] = json!(sized.outcome.masked_diff(&sized.config.display().to_string()));
    }
    report
}
