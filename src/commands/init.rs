//! `odoo-sizer init -- COMMAND`: the container init step. Sizes odoo.conf (the same code as `apply`),
//! optionally waits for PostgreSQL, then replaces itself with COMMAND (execvp): the PID stays (PID 1 in a
//! container) and signals reach Odoo directly.
//!
//! Order: the database wait comes first, so that `--pg-max-connections auto` asks a server that is up (at
//! a container start PostgreSQL usually is not yet). Its connection settings come from the file's
//! `db_*` keys (sizing never changes them), else the image's variables, else `PG*`.
//!
//! Failure policy: a sizing problem must never keep production down. Unless `--strict`, every failure
//! before the exec is logged once, at error level (it survives `-q`: a skipped sizing in production
//! must be visible), and COMMAND starts with the config unchanged.

use super::apply::{size_file, Mode, Request, Sized};
use super::ArgSources;
use crate::cli::{ConfigArg, InitArgs, PgMaxConnections};
use crate::cmdline;
use crate::conf::Document;
use crate::error::{Error, Exit, Result};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::pg;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often `--wait-db` asks at first (it backs off up to 2 s).
const WAIT_DB_POLL: Duration = Duration::from_millis(250);

pub fn run(args: &InitArgs, sources: &ArgSources, quiet: bool) -> Result<Exit> {
    let env = |name: &str| std::env::var(name).ok();
    let argv: Vec<String> = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let odoo_cmdline = cmdline::parse(&argv);

    // The file Odoo will read: the command's own -c/--config wins over everything.
    let mut config = args.config.clone();
    if let Some(path) = odoo_cmdline.as_ref().and_then(|c| c.config.clone()) {
        let (otherwise, source) = super::config_path(&config, sources, &env);
        if !same_file(Path::new(&path), &otherwise) {
            log::warn!(
                "the command passes -c {path}, so Odoo reads that file: sizing it instead of {} ({source})",
                otherwise.display()
            );
        }
        config = ConfigArg {
            config: Some(PathBuf::from(path)),
        };
    }

    // The database first: `--pg-max-connections auto` needs it up.
    let mut plan_args = std::borrow::Cow::Borrowed(&args.plan);
    if let Some(seconds) = args.wait_db {
        let (path, _) = super::config_path(&config, sources, &env);
        let conf = crate::write::read_config(&path)
            .ok()
            .flatten()
            .map(|(bytes, _)| options_of(&Document::parse(&bytes)))
            .unwrap_or_default();
        if let Err(error) = wait_for_database(&conf, Duration::from_secs(seconds)) {
            if args.strict {
                return Err(error);
            }
            log::error!("{error}; starting the command anyway");
            if args.plan.pg_max_connections == Some(PgMaxConnections::Auto) {
                // Asking again would only add a timeout to the start.
                log::warn!(
                    "--pg-max-connections auto: not asked, the database wait failed; db_maxconn is not sized from the server: pass --pg-max-connections N"
                );
                plan_args.to_mut().pg_max_connections = None;
            }
        }
    }

    let request = Request {
        config: &config,
        output: args.output.as_deref(),
        limits: &args.limits,
        plan: &plan_args,
        fix: args.fix,
        mode: Mode::Write,
    };
    let sized = match size_file(&request, sources, &env) {
        Ok(sized) => {
            report(&sized, odoo_cmdline.as_ref(), quiet);
            Some(sized)
        }
        Err(error) if args.strict || argv.is_empty() => return Err(error),
        Err(error) => {
            // An error, not a warning: it must survive -q.
            log::error!("sizing skipped, starting the command with the config unchanged: {error}");
            None
        }
    };

    let Some((program, rest)) = args.command.split_first() else {
        return Ok(Exit::Success);
    };
    let mut command = std::process::Command::new(program);
    command.args(rest);
    if let (Some(output), Some(_)) = (&args.output, &sized) {
        command.env("ODOO_RC", output);
        if cmdline::odoo_args(&argv).is_some() {
            command.arg(format!("--config={}", output.display()));
        }
    }
    // Only returns when the exec failed.
    let source = command.exec();
    Err(Error::Exec {
        command: program.to_string_lossy().into_owned(),
        source,
    })
}

/// Whether two paths name the same file: equal as written, or resolving to the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn options_of(doc: &Document) -> BTreeMap<String, String> {
    doc.values(crate::apply::OPTIONS)
        .map(|v| v.into_pairs().into_iter().collect())
        .unwrap_or_default()
}

/// Waits, bounded, until the PostgreSQL server Odoo will use answers the protocol.
fn wait_for_database(conf: &BTreeMap<String, String>, timeout: Duration) -> Result<()> {
    let lookup = |key: &str| conf.get(key).cloned();
    let settings = pg::settings::resolve_from_process(&lookup)?;
    log::info!(
        "waiting up to {} s for PostgreSQL: {}",
        timeout.as_secs(),
        settings.summary()
    );
    let report = pg::wait_ready(&settings, timeout, WAIT_DB_POLL, &pg::SystemClock)?;
    if let Some(warning) = report.readiness.warning() {
        log::warn!("{warning}");
    }
    log::info!(
        "PostgreSQL at {} answered after {:.1} s ({} attempt(s))",
        settings.endpoint(),
        report.waited.as_secs_f64(),
        report.attempts
    );
    Ok(())
}

/// The one summary line (limits → plan → file), and the overrides that defeat the sizing.
fn report(sized: &Sized, odoo: Option<&cmdline::OdooCommandLine>, quiet: bool) {
    let plan = &sized.plan;
    if let Some(odoo) = odoo {
        for o in odoo.file_overrides() {
            if let Some(setting) = plan.get(&o.key) {
                log::warn!(
                    "the command line passes {}{}, which beats odoo.conf: Odoo will not use the planned {} = {}; remove it from the command",
                    o.option,
                    if o.secret { String::new() } else { format!("={}", o.value) },
                    setting.key,
                    setting.value.render()
                );
            }
        }
    }
    for warning in &sized.warnings {
        log::warn!("{}", warning.message);
    }
    if quiet {
        return;
    }
    let int = |key: &str| plan.int(key).map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let bytes = |key: &str| {
        plan.int(key)
            .and_then(|v| u64::try_from(v).ok())
            .map(|v| HumanBytes(v).to_string())
            .unwrap_or_else(|| "-".into())
    };
    let changes = sized.outcome.changes.len();
    eprintln!(
        "odoo-sizer: {} CPUs, {} -> Odoo {}: workers={} max_cron_threads={} limit_memory_hard={} (est. {} for {} processes); {}: {}",
        HumanCpus(plan.budget.cpus),
        HumanBytes(plan.budget.memory_bytes),
        plan.version,
        int("workers"),
        int("max_cron_threads"),
        bytes("limit_memory_hard"),
        HumanBytes(plan.estimate.ram_bytes),
        plan.estimate.processes,
        sized.destination.display(),
        match (changes, sized.written) {
            (0, _) => "already sized".to_string(),
            (n, Some(_)) => format!("{n} change(s) written"),
            (n, None) => format!("up to date ({n} change(s) from the source)"),
        }
    );
}
