//! One module per subcommand: glue between the command line, the pure core and the I/O edges.

pub mod apply;
pub mod detect;
pub mod inspect;
pub mod plan;

use crate::cli::{Cli, Command, LimitArgs};
use crate::error::{Exit, Result};
use crate::limits::{self, FsRoot, Limits, Override, Overrides};
use clap::parser::ValueSource;
use clap::ArgMatches;

/// Runs the command the user asked for. `matches` are the subcommand's own matches, used to tell
/// whether a value came from a flag or from its environment variable.
pub fn run(cli: Cli, matches: &ArgMatches) -> Result<Exit> {
    let sub = matches.subcommand().map(|(_, m)| m).unwrap_or(matches);
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Detect(args) => detect::run(&args, sub, &mut out),
        Command::Plan(args) => plan::run(&args, sub, &mut out),
        Command::Apply(args) => apply::run(&args, sub, &mut out),
        Command::Inspect(args) => inspect::run(&args, sub, &mut out),
    }
}

/// Names the origin of an argument for reports: `--users`, `ODOO_SIZER_USERS`, or `default`.
fn source(matches: &ArgMatches, id: &str, flag: &str, env: &str) -> String {
    match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => env.to_string(),
        Some(ValueSource::CommandLine) => flag.to_string(),
        _ => "default".to_string(),
    }
}

/// The config file to work on and where its path came from: `--config`, else `$ODOO_RC` (the variable
/// Odoo and the official image use), else the official image's `/etc/odoo/odoo.conf`.
pub fn config_path(
    arg: &crate::cli::ConfigArg,
    matches: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
) -> (std::path::PathBuf, String) {
    if let Some(path) = &arg.config {
        return (
            path.clone(),
            source(matches, "config", "--config", "ODOO_SIZER_CONFIG"),
        );
    }
    match env("ODOO_RC").filter(|v| !v.is_empty()) {
        Some(path) => (path.into(), "ODOO_RC".to_string()),
        None => (DEFAULT_CONFIG.into(), "default".to_string()),
    }
}

/// Where the official image keeps odoo.conf.
pub const DEFAULT_CONFIG: &str = "/etc/odoo/odoo.conf";

/// The user's overrides, each labelled with where it came from.
pub fn overrides(args: &LimitArgs, matches: &ArgMatches) -> Overrides {
    Overrides {
        cpus: args.cpus.map(|value| Override {
            value,
            source: source(matches, "cpus", "--cpus", "ODOO_SIZER_CPUS"),
        }),
        memory: args.memory.map(|value| Override {
            value,
            source: source(matches, "memory", "--memory", "ODOO_SIZER_MEMORY"),
        }),
    }
}

/// Reads the limits (always, for `detect`), or only what the overrides leave unknown.
pub fn limits(args: &LimitArgs, matches: &ArgMatches, always_read: bool) -> Limits {
    let overrides = overrides(args, matches);
    if overrides.complete() && !always_read {
        return Limits::from_overrides(&overrides);
    }
    let root = match &args.root {
        Some(dir) => FsRoot::at(dir),
        None => FsRoot::host(),
    };
    limits::detect(&root, &overrides)
}

/// Writes `value` as pretty JSON followed by a newline.
pub fn write_json(out: &mut dyn std::io::Write, value: &impl serde::Serialize) -> Result<()> {
    use crate::error::Error;
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}
