//! The command line (clap derive): global options, one struct per subcommand, and the argument groups
//! shared by several commands (limits, output format).
//!
//! Every flag has an `ODOO_SIZER_*` environment equivalent, shown in `--help`.

use crate::limits::quantity;
use crate::logging::{ColorChoice, LogFormat};
use crate::odoo::OdooVersion;
use crate::plan::{DEFAULT_HEAVY_MB, DEFAULT_HEAVY_RATIO, DEFAULT_LIGHT_MB, DEFAULT_USERS_PER_WORKER};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str = "Sizes Odoo for the CPU and memory its container really has.";

const LONG_ABOUT: &str = "\
Sizes Odoo for the CPU and memory its container really has.

Inside a container limited to 2 CPUs and 4 GiB, sizing Odoo from the host's cores and RAM starts too \
many workers and gets the container OOM-killed. odoo-sizer reads the limits Docker, Kubernetes, systemd \
or LXC actually grant (cgroup v1 and v2: CPU quota, cpuset, memory limit, including limits set on \
parent cgroups) and sizes Odoo from them.";

const EXAMPLES: &str = "\
Examples:
  odoo-sizer detect                       what this container really has
  odoo-sizer detect --format json         the same, for scripts
  odoo-sizer detect --root tests/fixtures/cgroup/docker-v2-private
                                          read a fixture tree instead of /
  odoo-sizer plan --users 60              Odoo settings for this container
  odoo-sizer plan --cpus 4 --memory 8g --format conf
                                          an [options] snippet for another size

Exit codes:
  0 success, 1 changes needed / lint errors, 2 bad usage, 3 limits unknown,
  4 config refused, 5 file error, 6 Docker error, 7 some targets failed,
  8 PostgreSQL unreachable";

#[derive(Debug, Parser)]
#[command(
    name = "odoo-sizer",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 110
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More detail on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true, env = "ODOO_SIZER_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,

    /// When to color stderr; `auto` respects NO_COLOR and colors only a terminal
    #[arg(
        long,
        value_enum,
        default_value_t,
        global = true,
        env = "ODOO_SIZER_COLOR",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,

    /// Format of the log lines on stderr
    #[arg(
        long,
        value_enum,
        default_value_t,
        global = true,
        env = "ODOO_SIZER_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
}

/// `defer`: each subcommand's arguments are only built when that subcommand runs (or its help is shown),
/// not for every start: `apply` at every container start does not pay for building `detect` and `plan`.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Show the CPU and memory limits this container really has, and where each value comes from
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// Compute Odoo's workers, cron workers, memory limits and pool sizes for this container, with the
    /// reason for every number
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanCmdArgs),
    /// Size odoo.conf for this container: change the sizing keys in place and nothing else, byte for byte
    #[command(after_help = APPLY_EXAMPLES)]
    Apply(ApplyArgs),
}

const APPLY_EXAMPLES: &str = "\
Examples:
  odoo-sizer apply                                  size $ODOO_RC (else /etc/odoo/odoo.conf) in place
  odoo-sizer apply --dry-run                        show the diff, write nothing
  odoo-sizer apply --check                          exit 1 when the file is not sized (for CI)
  odoo-sizer apply --config /etc/odoo/odoo.conf --output /run/odoo/odoo.conf
                                                    read-only config (ConfigMap, :ro mount): write a sized copy
  odoo-sizer apply --fix                            also move `; comments` after values to their own line

Only the keys `plan` computes are written: an active key is updated in place, else a commented default such
as `; workers = 0` is uncommented, else the key is added at the end of [options]. Comments, other keys and
sections, line endings and the final newline stay byte-identical. A file Odoo could not load (duplicate keys,
keys before [options], `workers = 4 ; four`, ...) is refused with exit code 4 and left untouched. Writes are
atomic (temp file, fsync, rename) and keep the owner and mode; a bind-mounted single file is rewritten in
place with a journal. Secret values never appear in the output.";

// The config file to size: `--config`, else $ODOO_RC, else /etc/odoo/odoo.conf.
// (A plain comment: with `defer`, a doc comment here would become the about text of every
// subcommand that flattens it, replacing the subcommand's own.)
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArg {
    /// The odoo.conf to read [default: $ODOO_RC, else /etc/odoo/odoo.conf]
    #[arg(short = 'c', long, value_name = "PATH", env = "ODOO_SIZER_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Write the sized file here instead, leaving the source untouched (read-only configs)
    #[arg(short, long, value_name = "PATH", env = "ODOO_SIZER_OUTPUT")]
    pub output: Option<PathBuf>,

    /// Print the unified diff of what would change; write nothing
    #[arg(long, env = "ODOO_SIZER_DRY_RUN", value_parser = clap::builder::FalseyValueParser::new())]
    pub dry_run: bool,

    /// Write nothing; exit 1 when the file needs changes, 0 when it is already sized
    #[arg(long, env = "ODOO_SIZER_CHECK", value_parser = clap::builder::FalseyValueParser::new())]
    pub check: bool,

    /// Also repair what can be repaired without guessing: a `; comment` after a value in [options] moves
    /// to its own line above (never on secret keys)
    #[arg(long, env = "ODOO_SIZER_FIX", value_parser = clap::builder::FalseyValueParser::new())]
    pub fix: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_FORMAT")]
    pub format: Format,
}

const PLAN_EXAMPLES: &str = "\
Examples:
  odoo-sizer plan                                   size Odoo for the limits of this container
  odoo-sizer plan --cpus 4 --memory 8g --users 60   the deployment docs' example: 8 workers + 1 cron
  odoo-sizer plan --format conf > sizing.conf       an [options] snippet Odoo accepts
  odoo-sizer plan --format json | jq .settings
  odoo-sizer plan --odoo-version 16.0 --pg-max-connections 100
  odoo-sizer plan --set workers=4 --set proxy_mode=True
                                                    keep values of your own (validated for the version)

The Odoo version defaults to $ODOO_VERSION (set by the official image), else the newest supported (19.0).
On Odoo 19, ODOO_<OPTION> variables (e.g. ODOO_WORKERS) override odoo.conf: plan treats them as pins.
The derivation of every number is in docs/sizing.md.";

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PlanFormat {
    /// A table of settings with reasons, the inputs and their sources, the estimate, warnings
    #[default]
    Text,
    /// `{inputs, settings, reasons, estimate, warnings}` for programs
    Json,
    /// An `[options]` snippet that Odoo accepts
    Conf,
}

#[derive(Debug, Args)]
pub struct PlanCmdArgs {
    /// The current odoo.conf: its values are shown as "current" and let the plan repair invalid ones
    /// (e.g. `limit_time_real = 0` in multi-process mode)
    #[arg(short = 'c', long, value_name = "PATH", env = "ODOO_SIZER_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_FORMAT")]
    pub format: PlanFormat,
}

// The sizing model's knobs and pins; shared by every command that plans (plan, apply, init, inspect).
// (A plain comment: with `defer`, a doc comment here would become the about text of every
// subcommand that flattens it, replacing the subcommand's own.)
#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    /// Concurrent users; caps HTTP workers at ceil(users / users-per-worker)
    #[arg(long, value_name = "N", env = "ODOO_SIZER_USERS", value_parser = clap::value_parser!(u32).range(1..))]
    pub users: Option<u32>,

    /// Odoo version (12.0 to 19.0, `18` or `18.0`) [default: $ODOO_VERSION, else 19.0]
    #[arg(long, value_name = "VERSION", env = "ODOO_SIZER_ODOO_VERSION", value_parser = parse_version_arg)]
    pub odoo_version: Option<OdooVersion>,

    /// Memory of a light request, in MiB (Odoo deployment docs: 150)
    #[arg(long, value_name = "MIB", env = "ODOO_SIZER_LIGHT_MB", default_value_t = DEFAULT_LIGHT_MB, value_parser = parse_positive_mb)]
    pub light_mb: f64,

    /// Memory of a heavy request, in MiB (Odoo deployment docs: 1 GB = 1024)
    #[arg(long, value_name = "MIB", env = "ODOO_SIZER_HEAVY_MB", default_value_t = DEFAULT_HEAVY_MB, value_parser = parse_positive_mb)]
    pub heavy_mb: f64,

    /// Share of heavy requests, 0 to 1 (Odoo deployment docs: 0.2)
    #[arg(long, value_name = "RATIO", env = "ODOO_SIZER_HEAVY_RATIO", default_value_t = DEFAULT_HEAVY_RATIO, value_parser = parse_ratio)]
    pub heavy_ratio: f64,

    /// Concurrent users one HTTP worker serves (Odoo deployment docs: 6)
    #[arg(long, value_name = "N", env = "ODOO_SIZER_USERS_PER_WORKER", default_value_t = DEFAULT_USERS_PER_WORKER, value_parser = clap::value_parser!(u32).range(1..))]
    pub users_per_worker: u32,

    /// PostgreSQL's max_connections, to size db_maxconn (and db_maxconn_gevent on 17.0+)
    #[arg(long, value_name = "N", env = "ODOO_SIZER_PG_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    pub pg_max_connections: Option<u32>,

    /// Pin an option to a value (repeatable; validated for the Odoo version and kept as is).
    /// In ODOO_SIZER_SET, separate several with newlines
    #[arg(long = "set", value_name = "KEY=VALUE", env = "ODOO_SIZER_SET", value_delimiter = '\n', value_parser = parse_set_arg)]
    pub set: Vec<SetArg>,
}

/// One `--set KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetArg {
    /// Lower-cased, as configparser stores keys.
    pub key: String,
    pub value: String,
}

fn parse_set_arg(text: &str) -> Result<SetArg, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE (e.g. workers=4)"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("'{text}' has no key before '=' (e.g. workers=4)"));
    }
    Ok(SetArg {
        key: key.to_ascii_lowercase(),
        value: value.to_string(),
    })
}

fn parse_version_arg(value: &str) -> Result<OdooVersion, String> {
    value
        .parse()
        .map_err(|e: crate::odoo::VersionError| e.to_string())
}

fn parse_positive_mb(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= 1_048_576.0 => Ok(x),
        _ => Err(format!(
            "'{value}' is not a positive number of MiB up to 1048576 (e.g. 150 or 512.5)"
        )),
    }
}

fn parse_ratio(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("'{value}' is not a ratio between 0 and 1 (e.g. 0.2)")),
    }
}

const DETECT_EXAMPLES: &str = "\
Examples:
  odoo-sizer detect
  odoo-sizer detect --format json | jq .cpu.effective_cpus
  odoo-sizer detect --root /tmp/snapshot      a copy of another machine's /proc and /sys/fs/cgroup
  ODOO_SIZER_CPUS=1500m ODOO_SIZER_MEMORY=2Gi odoo-sizer detect
                                              Kubernetes pod limits the container cannot see

The JSON fields are documented in README.md (\"detect --format json\").";

/// Text for people, JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub limits: LimitArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_FORMAT")]
    pub format: Format,
}

// Where the limits come from: the machine (or a fixture root), and explicit overrides.
// (A plain comment: with `defer`, a doc comment here would become the about text of every
// subcommand that flattens it, replacing the subcommand's own.)
#[derive(Debug, Args, Clone, Default)]
pub struct LimitArgs {
    /// Read proc/self/cgroup, proc/self/mountinfo, proc/self/status, proc/meminfo and the cgroup files
    /// below DIR instead of / (the affinity then comes from DIR/proc/self/status)
    #[arg(long, value_name = "DIR", env = "ODOO_SIZER_ROOT")]
    pub root: Option<PathBuf>,

    /// CPUs the container may use, replacing the detected value: a decimal (`1.5`) or Kubernetes
    /// millicores (`1500m`). For limits the container cannot see, e.g. Kubernetes pod-level limits
    #[arg(long, value_name = "CPUS", env = "ODOO_SIZER_CPUS", value_parser = parse_cpus_arg)]
    pub cpus: Option<f64>,

    /// Memory the container may use, replacing the detected value: bytes (`1073741824`), or Docker's
    /// suffixes b/k/m/g/t with powers of 1024 (`512m`, `1.5g`, `2Gi`, `2GiB`). `G` means GiB as in
    /// `docker run --memory`, not Kubernetes' decimal 10^9
    #[arg(long, value_name = "SIZE", env = "ODOO_SIZER_MEMORY", value_parser = parse_memory_arg)]
    pub memory: Option<u64>,
}

fn parse_cpus_arg(value: &str) -> Result<f64, String> {
    quantity::parse_cpus(value).map_err(|e| e.to_string())
}

fn parse_memory_arg(value: &str) -> Result<u64, String> {
    quantity::parse_memory(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
