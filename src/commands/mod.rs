//! One module per subcommand: glue between the command line, the pure core and the I/O edges.

pub mod apply;
pub mod detect;
pub mod init;
pub mod inspect;
pub mod lint;
pub mod plan;
pub mod watch;

use crate::cli::{Cli, Command, LimitArgs};
use crate::error::{Exit, Result};
use crate::limits::{self, FsRoot, Limits, Override, Overrides};
use clap::parser::ValueSource;
use clap::ArgMatches;

/// Runs the command the user asked for. `sources` tell whether a value came from a flag or from its
/// environment variable (see [`ArgSources::of`]).
pub fn run(cli: Cli, sources: &ArgSources) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Detect(sub) => detect::run(&sub.args, sources, &mut out),
        Command::Plan(sub) => plan::run(&sub.args, sources, &mut out),
        Command::Apply(sub) => apply::run(&sub.args, sources, &mut out),
        Command::Init(sub) => init::run(&sub.args, sources, cli.global.quiet),
        Command::Lint(sub) => lint::run(&sub.args, sources, &mut out),
        Command::Inspect(sub) => inspect::run(&sub.args, sources, &mut out),
        Command::Watch(sub) => watch::run(&sub.args, sources),
    }
}

/// Where the subcommand's arguments got their values: the command line or an environment variable
/// (defaults are not recorded). Read from clap's matches before they are consumed into [`Cli`], so that
/// the matches need not be cloned (`Cli::from_arg_matches_mut` takes the values out of them).
#[derive(Debug, Clone, Default)]
pub struct ArgSources(Vec<(String, ValueSource)>);

impl ArgSources {
    /// The sources of the subcommand's own arguments (the global options written after its name
    /// included).
    pub fn of(matches: &ArgMatches) -> ArgSources {
        ArgSources::top_level(matches.subcommand().map_or(matches, |(_, m)| m))
    }

    /// The sources of the arguments written before the subcommand's name (the global options).
    pub fn top_level(matches: &ArgMatches) -> ArgSources {
        ArgSources(
            matches
                .ids()
                .filter_map(|id| {
                    let source = matches.value_source(id.as_str())?;
                    (source != ValueSource::DefaultValue).then(|| (id.as_str().to_string(), source))
                })
                .collect(),
        )
    }

    /// True when argument `id` was given on the command line.
    pub fn on_command_line(&self, id: &str) -> bool {
        self.get(id) == Some(ValueSource::CommandLine)
    }

    fn get(&self, id: &str) -> Option<ValueSource> {
        self.0.iter().find(|(i, _)| i == id).map(|&(_, s)| s)
    }
}

/// Names the origin of an argument for reports: `--users`, `ODOO_SIZER_USERS`, or `default`.
fn source(sources: &ArgSources, id: &str, flag: &str, env: &str) -> String {
    match sources.get(id) {
        Some(ValueSource::EnvVariable) => env.to_string(),
        Some(ValueSource::CommandLine) => flag.to_string(),
        _ => "default".to_string(),
    }
}

/// The config file to work on and where its path came from: `--config`, else `$ODOO_RC` (the variable
/// Odoo and the official image use), else the official image's `/etc/odoo/odoo.conf`.
pub fn config_path(
    arg: &crate::cli::ConfigArg,
    sources: &ArgSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> (std::path::PathBuf, String) {
    if let Some(path) = &arg.config {
        return (
            path.clone(),
            source(sources, "config", "--config", "ODOO_SIZER_CONFIG"),
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
pub fn overrides(args: &LimitArgs, sources: &ArgSources) -> Overrides {
    Overrides {
        cpus: args.cpus.map(|value| Override {
            value,
            source: source(sources, "cpus", "--cpus", "ODOO_SIZER_CPUS"),
        }),
        memory: args.memory.map(|value| Override {
            value,
            source: source(sources, "memory", "--memory", "ODOO_SIZER_MEMORY"),
        }),
    }
}

/// Reads the limits (always, for `detect`), or only what the overrides leave unknown.
pub fn limits(args: &LimitArgs, sources: &ArgSources, always_read: bool) -> Limits {
    let overrides = overrides(args, sources);
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
    sources: &ArgSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(crate::odoo::OdooVersion, String)> {
    use crate::error::Error;
    use crate::odoo::OdooVersion;
    if let Some(v) = arg {
        return Ok((
            v,
            source(
                sources,
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

/// How long `--pg-max-connections auto` may take to ask the server.
const PG_ASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Resolves `--pg-max-connections auto` by asking the server Odoo will use (settings from the config's
/// `[options]`, else the official image's HOST/USER/PASSWORD, else PG*). When the server cannot be asked,
/// a warning says why and db_maxconn is left unsized: the plan itself never fails because of it.
pub fn resolve_pg_max(
    args: &crate::cli::PlanArgs,
    conf: &std::collections::BTreeMap<String, String>,
) -> crate::cli::PlanArgs {
    use crate::cli::PgMaxConnections;
    let mut args = args.clone();
    if args.pg_max_connections != Some(PgMaxConnections::Auto) {
        return args;
    }
    let lookup = |key: &str| conf.get(key).cloned();
    let asked = crate::pg::settings::resolve_from_process(&lookup)
        .map_err(|e| e.to_string())
        .and_then(|settings| {
            let server = settings.endpoint().to_string();
            crate::pg::max_connections(&settings, PG_ASK_TIMEOUT)
                .map(|capacity| (capacity, server))
                .map_err(|e| e.to_string())
        });
    match asked {
        Ok((capacity, server)) => {
            log::info!("{server} allows max_connections = {}", capacity.max_connections);
            args.pg_max_connections = Some(PgMaxConnections::Queried {
                value: capacity.max_connections,
                server,
            });
        }
        Err(why) => log::warn!(
            "--pg-max-connections auto: cannot ask PostgreSQL ({why}); db_maxconn is not sized from the server: pass --pg-max-connections N"
        ),
    }
    args
}
