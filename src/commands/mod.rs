//! One module per subcommand: glue between the command line, the pure core and the I/O edges.

pub mod detect;
pub mod lint;
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
        Command::Lint(args) => lint::run(&args, sub, &mut out),
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

/// Names the origin of an argument for reports: `--cpus` or `ODOO_SIZER_CPUS`.
fn origin(matches: &ArgMatches, id: &str, flag: &str, env: &str) -> String {
    match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => env.to_string(),
        _ => flag.to_string(),
    }
}

/// The user's overrides, each labelled with where it came from.
pub fn overrides(args: &LimitArgs, matches: &ArgMatches) -> Overrides {
    Overrides {
        cpus: args.cpus.map(|value| Override {
            value,
            source: origin(matches, "cpus", "--cpus", "ODOO_SIZER_CPUS"),
        }),
        memory: args.memory.map(|value| Override {
            value,
            source: origin(matches, "memory", "--memory", "ODOO_SIZER_MEMORY"),
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

/// The Odoo version to work for, and where it came from: `--odoo-version` (or ODOO_SIZER_ODOO_VERSION),
/// else the official image's `ODOO_VERSION` (looked up with `env`), else the newest supported. The same
/// resolution as `plan`'s.
pub fn odoo_version(
    arg: Option<crate::odoo::OdooVersion>,
    matches: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(crate::odoo::OdooVersion, String)> {
    use crate::error::Error;
    use crate::odoo::OdooVersion;
    if let Some(v) = arg {
        return Ok((
            v,
            source(
                matches,
                "odoo_version",
                "--odoo-version",
                "ODOO_SIZER_ODOO_VERSION",
            ),
        ));
    }
    match env("ODOO_VERSION") {
        Some(text) => {
            let version = text.parse::<OdooVersion>().map_err(|e| Error::Environment {
                name: "ODOO_VERSION".into(),
                value: text.clone(),
                why: format!("{}; pass --odoo-version to choose another", e.why),
            })?;
            Ok((version, "ODOO_VERSION".to_string()))
        }
        None => Ok((OdooVersion::NEWEST, "default (newest supported)".to_string())),
    }
}

/// Writes `value` as pretty JSON followed by a newline.
pub fn write_json(out: &mut dyn std::io::Write, value: &impl serde::Serialize) -> Result<()> {
    use crate::error::Error;
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| Error::Output(e.into()))?;
    writeln!(out).map_err(Error::Output)
}
