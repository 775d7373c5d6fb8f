//! `odoo-sizer inspect`: look at running Odoo containers through the Docker API and, with `--apply`,
//! write the sized config back.
//!
//! Glue: connect → select (the engine's inspect answer of each target is kept and reused) → for each
//! target, at most `--concurrency` at once: read the config (archive API) and list the processes (top
//! API) at the same time → [`assess`] (synchronous and pure: version, `apply`'s refusal rules, plan,
//! edit, findings) → with `--apply`, write back (re-read first, refused if the file changed since) and
//! reload or restart → print → exit code. One target's failure never stops the others.
//!
//! The per-container part — [`size_container`] (read, plan, edit) and [`write_sized`] (write back, then
//! signal or restart) — is shared with `watch`, so both follow the same rules.

use super::ArgSources;
use crate::apply::{self, Prepared};
use crate::cli::{Format, InspectArgs, PlanArgs};
use crate::docker::archive::{self, RemoteFile};
use crate::docker::control::{self, Signal};
use crate::docker::select::{self, Selection};
use crate::docker::target::{env_value, Target};
use crate::docker::top::{self, Process};
use crate::docker::{self, ConnectOptions, DockerError, Engine};
use crate::error::{Error, Exit, Result};
use crate::inspect::checks::ContainerView;
use crate::inspect::{
    self, memory, render, Applied, ConfigInfo, Current, Finding, FindingInputs, LimitsInEffect, Overrides,
    Recommended, Severity, Sources, TargetReport,
};
use crate::odoo::OdooVersion;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

/// How long `--restart` lets a container stop before the engine kills it (Docker's default).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What sizing one container needs besides the engine and the container: the plan's options (and the
/// sources naming where each came from) and `--fix`. Shared by `inspect` and `watch`.
#[derive(Clone, Copy)]
pub struct Sizing<'a> {
    pub plan: &'a PlanArgs,
    pub fix: bool,
    pub sources: &'a ArgSources,
    /// Also list the processes (top API) for the live memory judgement (`inspect`; `watch` skips it).
    pub processes: bool,
}

/// What every target's work needs.
struct Context<'a> {
    engine: &'a Engine,
    args: &'a InspectArgs,
    sizing: Sizing<'a>,
}

pub fn run(args: &InspectArgs, sources: &ArgSources, out: &mut dyn Write) -> Result<Exit> {
    let runtime = docker::runtime().map_err(|e| {
        Error::Docker(DockerError::Transport {
            host: "-".into(),
            action: "start the runtime of the Docker client".into(),
            message: e.to_string(),
        })
    })?;
    let started = Instant::now();
    let reports = runtime.block_on(inspect_all(args, sources))?;
    log::info!(
        "inspected {} container(s) in {:.0} ms (concurrency {})",
        reports.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        args.concurrency
    );
    for report in &reports {
        if let Some(error) = &report.error {
            log::error!("{error}");
        }
    }
    if reports.is_empty() {
        log::warn!("no running container looks like Odoo");
    }
    match args.format {
        Format::Json => super::write_json(out, &reports)?,
        Format::Text => out
            .write_all(render::text(&reports).as_bytes())
            .map_err(Error::Output)?,
    }
    Ok(exit_code(&reports, args.check))
}

/// 7 when any target failed, else 1 with `--check` when any needs changes, else 0.
pub fn exit_code(reports: &[TargetReport], check: bool) -> Exit {
    if reports.iter().any(|r| r.error.is_some()) {
        Exit::Partial
    } else if check && reports.iter().any(TargetReport::needs_changes) {
        Exit::Findings
    } else {
        Exit::Success
    }
}

/// Connects, selects and works on every target. `Err` only when the engine itself cannot be used.
async fn inspect_all(args: &InspectArgs, sources: &ArgSources) -> Result<Vec<TargetReport>> {
    let engine = Engine::connect(&ConnectOptions::from_env()).await?;
    let selection = Selection {
        names: args.containers.clone(),
        all: args.all,
        filters: args.filter.clone(),
    };
    let limit = usize::from(args.concurrency);
    let outcomes = timed(
        "select the containers".to_string(),
        select::select(&engine, &selection, limit),
    )
    .await?;
    let cx = Context {
        engine: &engine,
        args,
        sizing: Sizing {
            plan: &args.plan,
            fix: args.fix,
            sources,
            processes: true,
        },
    };
    Ok(docker::map_bounded(outcomes, limit, |outcome| inspect_one(&cx, outcome)).await)
}

/// Awaits `work` and logs how long it took (`-vv`): where the time goes, request by request.
async fn timed<T>(what: String, work: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let result = work.await;
    log::debug!("{what}: {:.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    result
}

async fn inspect_one(cx: &Context<'_>, outcome: select::Outcome) -> TargetReport {
    let target = match outcome.result {
        Ok(selected) => selected.target,
        Err(e) => return TargetReport::failed(&outcome.requested, e.to_string()),
    };
    let sized = size_container(cx.engine, &cx.sizing, &target).await;
    if cx.args.apply && sized.report.error.is_none() {
        let after = if cx.args.reload {
            After::Signal(Signal::Hup, 1)
        } else if cx.args.restart {
            After::Restart
        } else {
            After::Nothing
        };
        write_sized(cx.engine, &target, sized, &after).await
    } else {
        sized.report
    }
}

/// One container read and sized: its report (with `error` set when it could not be sized), the config
/// as read (`None`: missing, or not read), and the sized file's bytes when they differ from it.
pub struct Sized {
    pub report: TargetReport,
    pub file: Option<RemoteFile>,
    pub bytes: Option<Vec<u8>>,
}

/// Reads the container's config through the archive API (and its processes, when asked) and sizes it:
/// version, `apply`'s refusal rules, plan, edit, findings. Writes nothing; never fails as a whole (the
/// report's `error` says why a container could not be sized).
pub async fn size_container(engine: &Engine, sizing: &Sizing<'_>, target: &Target) -> Sized {
    // The two requests of a target run together: the engine spends its time in each (a re-exec of
    // itself for the archive, `ps` for top), so the latency of one hides behind the other.
    let read = timed(
        format!("{}: GET archive {}", target.name, target.config.path),
        archive::read_file(engine, &target.id, &target.config.path),
    );
    let (file, processes) = if sizing.processes {
        let (file, processes) = futures_util::future::join(
            read,
            timed(
                format!("{}: GET top", target.name),
                top::processes(engine, &target.id),
            ),
        )
        .await;
        (file, Some(processes))
    } else {
        (read.await, None)
    };
    let unread = |e: DockerError| Sized {
        report: failed(target, e.to_string()),
        file: None,
        bytes: None,
    };
    let mut extra = Vec::new();
    let file = match file {
        Ok(file) => Some(file),
        Err(DockerError::NoSuchPath { .. }) => None,
        Err(e) => return unread(e),
    };
    let processes = match processes {
        None => None,
        Some(Ok(list)) => Some(list),
        Some(Err(e @ (DockerError::NotRunning { .. } | DockerError::NoSuchContainer { .. }))) => {
            return unread(e)
        }
        Some(Err(e)) => {
            extra.push(Finding::new(
                "processes-unreadable",
                Severity::Warning,
                format!("the process list could not be read: {e}"),
            ));
            None
        }
    };
    let Assessed { report, sized } = assess(sizing, target, file.as_ref(), processes.as_deref(), extra);
    Sized {
        report,
        file,
        bytes: sized,
    }
}

/// What is known of a target before its config is read.
fn base_report(target: &Target) -> TargetReport {
    TargetReport {
        id: Some(target.id.clone()),
        image: Some(target.image.clone()),
        limits: Some(target.limits.clone()),
        odoo_version: target.odoo_version.clone(),
        config_path: Some(target.config.path.clone()),
        overrides: Overrides {
            command_line: target.cli_overrides.clone(),
            environment: target.env_overrides.clone(),
        },
        command: target.argv_masked.clone(),
        error: None,
        ..TargetReport::failed(&target.name, String::new())
    }
}

/// A report for a target whose requests failed. The Docker layer's messages name the container by the
/// ID it was given: name it as the user knows it.
fn failed(target: &Target, error: String) -> TargetReport {
    let error = error.replace(&target.id, &target.name);
    let error = if error.contains(&target.name) {
        error
    } else {
        format!("{}: {error}", target.name)
    };
    TargetReport {
        error: Some(error),
        ..base_report(target)
    }
}

fn config_info(target: &Target, file: Option<&RemoteFile>) -> ConfigInfo {
    ConfigInfo {
        source: target.config.source,
        exists: file.is_some(),
        resolved_path: file.map(|f| f.path.clone()),
        links: file.map(|f| f.links.clone()).unwrap_or_default(),
        mode: file.map(|f| format!("{:04o}", f.meta.mode)),
        uid: file.map(|f| f.meta.uid),
        gid: file.map(|f| f.meta.gid),
        size_bytes: file.map(|f| f.content.len() as u64),
    }
}

/// A report, and the sized file's bytes when they differ from the container's.
struct Assessed {
    report: TargetReport,
    sized: Option<Vec<u8>>,
}

/// Everything about one target that needs no request: the Odoo version, `apply`'s refusal rules,
/// the plan with the file's current values, the edit, the findings and the live memory judgement.
fn assess(
    cx: &Sizing<'_>,
    target: &Target,
    file: Option<&RemoteFile>,
    processes: Option<&[Process]>,
    mut extra: Vec<Finding>,
) -> Assessed {
    let mut report = base_report(target);
    report.config = Some(config_info(target, file));
    let fail = |mut report: TargetReport, error: String| {
        report.error = Some(error);
        Assessed { report, sized: None }
    };
    let name = &target.name;
    let path = &target.config.path;

    let budget = match target.limits.budget() {
        Ok(budget) => budget,
        Err(e) => return fail(report, format!("{name}: {e}")),
    };

    // The container's ODOO_VERSION says what runs there: it beats --odoo-version, which is the
    // fallback for containers without one (the plan command's order is the other way round).
    // An empty or unsupported ODOO_VERSION is not passed on: the fallback applies, with a finding.
    let mut plan_args = cx.plan.clone();
    let mut version_known = false;
    if let Some(raw) = target.odoo_version.as_deref() {
        match raw.parse::<OdooVersion>() {
            Ok(_) => {
                plan_args.odoo_version = None;
                version_known = true;
            }
            Err(e) => {
                extra.push(
                    Finding::new(
                        "odoo-version",
                        Severity::Warning,
                        format!("the container's ODOO_VERSION: {e}; sized for the version below instead"),
                    )
                    .fix("pass --odoo-version for containers whose ODOO_VERSION is not a major version"),
                );
            }
        }
    }
    let env = |variable: &str| -> Option<String> {
        if variable == "ODOO_VERSION" && !version_known {
            return None;
        }
        env_value(&target.env, variable).map(str::to_string)
    };
    let (version, version_source) = match super::plan::odoo_version(&plan_args, cx.sources, &env) {
        Ok(found) => found,
        Err(e) => return fail(report, format!("{name}: {e}")),
    };
    report.odoo_version = Some(version.to_string());
    report.odoo_version_source = Some(if version_source == "ODOO_VERSION" {
        "the container's ODOO_VERSION".to_string()
    } else {
        version_source
    });

    if file.is_none() {
        extra.push(
            Finding::new(
                "config-missing",
                Severity::Warning,
                format!(
                    "{path} does not exist in the container: Odoo runs on its defaults (Odoo silently ignores a missing config named by ODOO_RC)"
                ),
            )
            .fix(format!("create {path} with the recommended settings (docker cp), or mount one")),
        );
    }

    // apply's rules: a file Odoo could not load, or would ignore, is refused (and planned without it).
    let (prepared, mut refusals) = match Prepared::new(file.map(|f| f.content.as_slice()), version, cx.fix) {
        Ok(prepared) => (Some(prepared), Vec::new()),
        Err(refused) => (None, refused.refusals),
    };
    let file_values = prepared
        .as_ref()
        .map(Prepared::current_values)
        .unwrap_or_default();
    let config_warnings = prepared.as_ref().map(|p| p.warnings.clone()).unwrap_or_default();

    let input = match super::plan::plan_input(
        &plan_args,
        cx.sources,
        &target.limits,
        budget,
        &env,
        file_values.clone(),
    ) {
        Ok(input) => input,
        Err(e) => return fail(report, format!("{name}: {e}")),
    };
    let plan = match crate::plan::plan(&input.input) {
        Ok(plan) => plan,
        Err(e) => return fail(report, format!("{name}: {e}")),
    };

    let sources = Sources {
        version,
        file: &file_values,
        cli: &target.cli_overrides,
        env: &target.env_overrides,
    };
    for setting in &plan.settings {
        let key = setting.key;
        let value = if setting.secret() {
            serde_json::Value::String(crate::conf::MASK.to_string())
        } else {
            serde_json::to_value(&setting.value).unwrap_or(serde_json::Value::Null)
        };
        report.recommended.0.push((
            key.to_string(),
            Recommended {
                value,
                reason: setting.reason.clone(),
                pinned_by: setting.pinned_by.clone(),
            },
        ));
        report.current.0.push((
            key.to_string(),
            Current {
                file: file_values
                    .get(key)
                    .map(|raw| crate::conf::mask_value(key, raw).into_owned()),
                effective: sources.shown(key),
                origin: sources.effective(key).origin,
            },
        ));
    }
    report.estimate = Some(plan.estimate.clone());

    let mut sized = None;
    if let Some(prepared) = prepared {
        match prepared.apply(&plan) {
            Ok(outcome) => {
                report.changes = apply::report_changes(&outcome.changes, &plan);
                if outcome.changed() {
                    sized = Some(outcome.bytes());
                }
            }
            Err(refused) => refusals.extend(refused.refusals),
        }
    }

    let memory_limits = LimitsInEffect::from_sources(&sources);
    let judged = processes.map(|list| memory::judge(list, target.pid, &memory_limits));
    let managed: Vec<&str> = plan.settings.iter().map(|s| s.key).collect();
    let recommended_soft = plan.int("limit_memory_soft").filter(|v| *v > 0).map(|v| v as u64);
    let lint_report = file.map(|f| {
        let doc = crate::conf::Document::parse(&f.content);
        crate::lint::lint(
            &doc,
            &crate::lint::Context {
                cpus: Some(budget.cpus),
                memory_bytes: Some(budget.memory_bytes),
                ..crate::lint::Context::new(version)
            },
        )
    });
    report.findings = inspect::findings(FindingInputs {
        lint: lint_report.as_ref(),
        refusals: &refusals,
        config_warnings: &config_warnings,
        target_warnings: &target.warnings,
        plan_warnings: &plan.warnings,
        container: Some(ContainerView {
            limits: &target.limits,
            budget,
            sources,
            managed: &managed,
            processes: judged.as_deref(),
            memory_limits: &memory_limits,
            recommended_soft,
        }),
        extra,
    });
    report.processes = judged;
    report.memory_limits = Some(memory_limits);

    if !refusals.is_empty() {
        // What Odoo runs with is unknown (it cannot load the file, or ignores it): no current values.
        report.current = inspect::Ordered::default();
        report.changes.clear();
        let problems: Vec<String> = refusals
            .iter()
            .map(|r| match r.line {
                Some(line) => format!("{} on line {line}", r.rule),
                None => r.rule.to_string(),
            })
            .collect();
        return fail(
            report,
            format!(
                "{name}: {path} is refused: Odoo could not start with it or would ignore settings ({}; see the findings), so nothing can be written",
                problems.join(", ")
            ),
        );
    }
    Assessed { report, sized }
}

/// Why a missing config is not created inside a container.
pub fn missing_config(target: &Target) -> String {
    format!(
        "{}: {} does not exist, and odoo-sizer does not create files inside containers: their owner and \
         mode cannot be chosen safely through the API, and Odoo silently ignores a config it cannot read. Create it \
         with the recommended settings (docker cp, then chown it to the user Odoo runs as) or mount one, then run again",
        target.name, target.config.path
    )
}

/// What to do once the sized file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Nothing,
    /// Send this signal to the container's PID 1, this many times: SIGHUP once (`reload`: Odoo
    /// re-executes itself and re-reads the file), or SIGTTIN/SIGTTOU once per worker added/removed.
    Signal(Signal, usize),
    /// Restart the container.
    Restart,
}

impl After {
    /// The name reported in `applied.action`.
    pub fn action(&self) -> Option<&'static str> {
        match self {
            After::Nothing => None,
            After::Signal(Signal::Hup, _) => Some("reload"),
            After::Signal(Signal::Ttin, _) => Some("ttin"),
            After::Signal(Signal::Ttou, _) => Some("ttou"),
            After::Signal(Signal::Term, _) => Some("stop"),
            After::Restart => Some("restart"),
        }
    }
}

/// Writes the sized file over the one read (refused by the archive layer if it changed since), then
/// does `after`. Nothing is written when the container is already sized, and nothing is sent when
/// nothing was written. The report's `applied` says what was done, its `error` what failed.
pub async fn write_sized(engine: &Engine, target: &Target, sized: Sized, after: &After) -> TargetReport {
    let Sized {
        mut report,
        file,
        bytes,
    } = sized;
    report.applied = Some(Applied {
        written: false,
        action: None,
    });
    let Some(bytes) = bytes else {
        return report;
    };
    let name = &target.name;
    let Some(file) = file else {
        report.error = Some(missing_config(target));
        return report;
    };
    let written = timed(
        format!("{name}: PUT archive {}", file.path),
        archive::replace_file(engine, &file, &bytes),
    )
    .await;
    if let Err(e) = written {
        let TargetReport { error, .. } = failed(target, e.to_string());
        report.error = error;
        return report;
    }
    let mut applied = Applied {
        written: true,
        action: None,
    };
    let done = match *after {
        After::Nothing => None,
        After::Signal(signal, times) => {
            let mut result = Ok(());
            for _ in 0..times {
                result = timed(
                    format!("{name}: POST kill {}", signal.name()),
                    control::send_signal(engine, &target.id, signal),
                )
                .await;
                if result.is_err() {
                    break;
                }
            }
            Some(result)
        }
        After::Restart => Some(
            timed(
                format!("{name}: POST restart"),
                control::restart(engine, &target.id, STOP_TIMEOUT),
            )
            .await,
        ),
    };
    match (done, after.action()) {
        (Some(Ok(())), action) => applied.action = action,
        (Some(Err(e)), action) => {
            report.error = Some(format!(
                "{name}: the sized config was written to {}, but the {} failed: {e}",
                file.path,
                action.unwrap_or("action")
            ))
        }
        (None, _) => {}
    }
    report.applied = Some(applied);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let ok = TargetReport {
            error: None,
            ..TargetReport::failed("a", String::new())
        };
        let mut changed = ok.clone();
        changed.changes.push(apply::ChangeReport {
            key: "workers".into(),
            line: 3,
            action: "updated",
            old: Some("16".into()),
            new: Some("2".into()),
            reason: None,
        });
        let broken = TargetReport::failed("b", "no such container: b".into());
        assert_eq!(exit_code(&[], false), Exit::Success);
        assert_eq!(exit_code(std::slice::from_ref(&ok), true), Exit::Success);
        assert_eq!(exit_code(&[ok.clone(), changed.clone()], false), Exit::Success);
        assert_eq!(exit_code(&[ok.clone(), changed.clone()], true), Exit::Findings);
        assert_eq!(exit_code(&[changed, broken.clone()], true), Exit::Partial);
        assert_eq!(exit_code(&[broken], false), Exit::Partial);
    }
}
