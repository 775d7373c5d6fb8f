//! The command line (clap derive): global options, one struct per subcommand, and the argument groups
//! shared by several commands (limits, output format).
//!
//! Every option has an environment equivalent named after its long flag (`--users-per-worker` →
//! `ODOO_SIZER_USERS_PER_WORKER`), shown in `--help`, except:
//! - `-v/--verbose` (a count, for a person at a terminal; `ODOO_SIZER_LOG_FORMAT` and `ODOO_SIZER_QUIET`
//!   cover the logging of a container);
//! - `inspect`'s targets and actions: `--all`, `--filter`, `--apply`, `--reload`, `--restart` and its
//!   CONTAINER arguments. They choose which containers are written into, signalled or restarted, so they are
//!   given on each run: a variable left in a shell, or in the environment of a `watch` sidecar (which reads
//!   `ODOO_SIZER_FILTER`), must never make an `inspect` act on containers nobody named;
//! - positional arguments (`init`'s COMMAND), `--help` and `--version`.
//!
//! `tests/cli_env.rs` keeps this list and the code in sync.

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
  odoo-sizer plan --users 60              Odoo settings for it, with the reason for every number
  odoo-sizer apply --dry-run              what sizing would change in $ODOO_RC (comments kept)
  ENTRYPOINT [\"odoo-sizer\", \"init\", \"--\", \"/entrypoint.sh\"]
                                          size on every start of an Odoo image, then exec Odoo
  odoo-sizer lint --config odoo.conf      what in odoo.conf would break or degrade Odoo
  odoo-sizer inspect --all                running Odoo containers: sized for their limits?
  odoo-sizer watch                        a sidecar keeping them sized through `docker update`

Exit codes (docs/errors.md):
  0 success, 1 changes needed / lint errors, 2 bad usage, 3 limits unknown,
  4 config refused, 5 file error, 6 Docker error, 7 some targets failed,
  8 PostgreSQL did not answer (init --wait-db --strict), 126/127 init: COMMAND not executable/found";

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

/// Options every command accepts, before or after its name (`odoo-sizer -v apply`, `odoo-sizer apply -v`).
///
/// They are declared at both places instead of as clap `global` options: clap copies a global option
/// into every subcommand at every start (7 subcommands x 4 options, ~35 KB and ~40 k instructions of an
/// `apply` that uses one of them; BENCHMARKS.md, "Fourth round"), whereas a subcommand's own options are
/// only built when it runs (`defer`). [`Cli::effective_global`] merges the two places.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More detail on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, env = "ODOO_SIZER_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,

    /// When to color stderr; `auto` respects NO_COLOR and colors only a terminal
    #[arg(
        long,
        value_enum,
        default_value_t,
        env = "ODOO_SIZER_COLOR",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,

    /// Format of the log lines on stderr
    #[arg(
        long,
        value_enum,
        default_value_t,
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
    Detect(Sub<DetectArgs>),
    /// Compute Odoo's workers, cron workers, memory limits and pool sizes for this container, with the
    /// reason for every number
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(Sub<PlanCmdArgs>),
    /// Size odoo.conf for this container: change the sizing keys in place and nothing else, byte for byte
    #[command(after_help = APPLY_EXAMPLES)]
    Apply(Sub<ApplyArgs>),
    /// Container init step: size odoo.conf, optionally wait for PostgreSQL, then become COMMAND (exec)
    #[command(after_help = INIT_EXAMPLES)]
    Init(Sub<InitArgs>),
    /// Check odoo.conf for what would stop Odoo, make it ignore a setting or read another value than
    /// meant, and (given the container's limits) what would not fit the container
    #[command(after_help = LINT_EXAMPLES)]
    Lint(Sub<LintArgs>),
    /// Look at running Odoo containers through the Docker API: limits, config, live memory, findings, and
    /// the sized settings; with --apply, write them back (and --reload or --restart)
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(Sub<InspectArgs>),
    /// Keep running Odoo containers sized: follow Docker events (start, `docker update`) and resize and
    /// reload each selected container whose limits changed (a long-running sidecar)
    #[command(after_help = WATCH_EXAMPLES)]
    Watch(Sub<WatchArgs>),
}

/// A subcommand's own options, and the global options written after its name.
#[derive(Debug, Args)]
pub struct Sub<T: Args> {
    #[command(flatten)]
    pub args: T,
    #[command(flatten)]
    pub global: GlobalArgs,
}

impl Command {
    /// The global options written after the subcommand's name.
    pub fn global(&self) -> &GlobalArgs {
        match self {
            Command::Detect(s) => &s.global,
            Command::Plan(s) => &s.global,
            Command::Apply(s) => &s.global,
            Command::Init(s) => &s.global,
            Command::Lint(s) => &s.global,
            Command::Inspect(s) => &s.global,
            Command::Watch(s) => &s.global,
        }
    }
}

impl Cli {
    /// The global options in effect. `before(id)` and `after(id)` tell whether option `id` was given on
    /// the command line before or after the subcommand's name. `-v` counts add up and `-q` counts at
    /// either place; `--color` and `--log-format` are taken from the command line (after the name first),
    /// else from their environment variable or default, which are the same at both places.
    pub fn effective_global(
        &self,
        before: impl Fn(&str) -> bool,
        after: impl Fn(&str) -> bool,
    ) -> GlobalArgs {
        let (top, sub) = (&self.global, self.command.global());
        let pick = |id: &str| !after(id) && before(id);
        GlobalArgs {
            verbose: top.verbose.saturating_add(sub.verbose),
            quiet: top.quiet || sub.quiet,
            color: if pick("color") { top.color } else { sub.color },
            log_format: if pick("log_format") {
                top.log_format
            } else {
                sub.log_format
            },
        }
    }
}

const WATCH_EXAMPLES: &str = "\
Examples:
  odoo-sizer watch                                 every running container that looks like Odoo
  odoo-sizer watch --filter label=odoo-sizer.enable=true --log-format json
  odoo-sizer watch --mode ttin                     adjust workers live (SIGTTIN/SIGTTOU) when only they change
  odoo-sizer watch --dry-run -v                    log what would be done, write nothing

Selects containers like `inspect --all` (image name containing odoo, ODOO_VERSION in the environment, or
the label odoo-sizer.enable=true; odoo-sizer.enable=false keeps one out), narrowed by --filter. On a start or
a `docker update` (debounced per container) and at every resync, each selected container is sized like
`inspect --apply`: a config Odoo would refuse is never written, a file changed since it was read is not
overwritten, mode and owner stay. When the file changed, Odoo is reloaded with SIGHUP to PID 1. One log line
per decision on stderr (info level by default; --log-format json for one JSON object per line). A broken
event stream is reconnected with backoff, then every container is resynced.
Exit: 0 after SIGTERM/SIGINT, 6 when the engine cannot be used at start, 2 for a bad command line.";

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Only containers matching this `docker ps` filter (repeatable: label=KEY=VALUE, name=...); in
    /// ODOO_SIZER_FILTER, separate several with newlines
    #[arg(long, value_name = "KEY=VALUE", env = "ODOO_SIZER_FILTER", value_delimiter = '\n', value_parser = parse_filter_arg)]
    pub filter: Vec<String>,

    /// Look at every selected container every SECONDS, besides the events (events can be missed)
    #[arg(long, value_name = "SECONDS", env = "ODOO_SIZER_RESYNC", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub resync: u64,

    /// How a running Odoo takes the new file: reload (SIGHUP), or ttin (SIGTTIN/SIGTTOU per worker when
    /// only `workers` changed; a reload otherwise)
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_MODE")]
    pub mode: crate::watch::Mode,

    /// Wait this long after a container's last event before working on it (bursts are folded)
    #[arg(long, value_name = "MS", env = "ODOO_SIZER_DEBOUNCE", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub debounce: u64,

    /// Log what would be written and sent; write and send nothing
    #[arg(long, env = "ODOO_SIZER_DRY_RUN", value_parser = clap::builder::FalseyValueParser::new())]
    pub dry_run: bool,

    /// Also repair what apply --fix repairs (a `; comment` after a value moves to its own line)
    #[arg(long, env = "ODOO_SIZER_FIX", value_parser = clap::builder::FalseyValueParser::new())]
    pub fix: bool,

    #[command(flatten)]
    pub plan: PlanArgs,
}

const INIT_EXAMPLES: &str = "\
Examples (as an image's entrypoint):
  ENTRYPOINT [\"odoo-sizer\", \"init\", \"--\", \"/entrypoint.sh\"]      in front of the official image's entrypoint
  CMD [\"odoo\"]
  odoo-sizer init --wait-db -- odoo                      wait up to 30 s for PostgreSQL, then exec odoo
  odoo-sizer init --output /var/lib/odoo/odoo.conf -- /entrypoint.sh odoo
                                                         read-only config (ConfigMap, :ro mount): size a copy,
                                                         export ODOO_RC and pass --config=PATH to odoo
  odoo-sizer init                                        no COMMAND: size and exit

The process becomes COMMAND (execvp): same PID (PID 1 in a container), signals go straight to Odoo.
--wait-db runs first, so that --pg-max-connections auto asks a server that is up. If sizing fails
(unreadable limits, a config Odoo would refuse) or PostgreSQL does not answer in time, one error is logged
(shown even with -q) and COMMAND still starts with the config unchanged, so a sizing problem never keeps
production down; --strict exits non-zero instead. A summary line (limits -> workers, memory) goes to stderr;
-q silences it and the warnings, not the errors. Exit codes when COMMAND cannot be started: 127 not found,
126 not executable.";

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Write the sized config here (the source stays untouched), export ODOO_RC=PATH and pass
    /// --config=PATH when COMMAND is odoo or the official /entrypoint.sh
    #[arg(short, long, value_name = "PATH", env = "ODOO_SIZER_OUTPUT")]
    pub output: Option<PathBuf>,

    /// Also move `; comments` after values in [options] to their own line (see `apply --fix`)
    #[arg(long, env = "ODOO_SIZER_FIX", value_parser = clap::builder::FalseyValueParser::new())]
    pub fix: bool,

    /// Wait until PostgreSQL answers (a protocol-level check), at most SECONDS [default: 30]; the
    /// connection settings are the ones Odoo uses: db_host/db_port/db_user/db_password of odoo.conf,
    /// else HOST/PORT/USER/PASSWORD (+ PASSWORD_FILE) of the official image, else PG*
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, require_equals = true, default_missing_value = "30", env = "ODOO_SIZER_WAIT_DB")]
    pub wait_db: Option<u64>,

    /// Exit non-zero when sizing or the database wait fails, instead of starting COMMAND anyway
    #[arg(long, env = "ODOO_SIZER_STRICT", value_parser = clap::builder::FalseyValueParser::new())]
    pub strict: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// The command to become, e.g. `/entrypoint.sh odoo` or `odoo --http-port=8069`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
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

const INSPECT_EXAMPLES: &str = "\
Examples:
  odoo-sizer inspect odoo                           one container: limits, config, processes, findings
  odoo-sizer inspect --all                          every running container that looks like Odoo
  odoo-sizer inspect --filter label=tier=prod --format json
  odoo-sizer inspect --all --check                  exit 1 when a container is not sized (monitoring)
  odoo-sizer inspect odoo --apply --reload          write the sized config back, then SIGHUP Odoo

Connects like the docker CLI: DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock. Limits come from
each container's HostConfig (the engine's CPU count and memory when unlimited), the Odoo version from its
ODOO_VERSION (else --odoo-version, else 19.0), the config path from -c/--config in its command, else ODOO_RC,
else /etc/odoo/odoo.conf; the file is read through the archive API. Without --apply nothing is written.
--apply uses apply's rules (a file Odoo could not load is refused and left untouched) and keeps the file's
mode and owner; --reload and --restart act only on containers whose file was written.
Exit: 0 inspected (changes may be recommended), 1 with --check when a container needs changes, 7 when a
target failed (unknown, stopped, not Odoo, refused or unreadable config: the others are still inspected),
6 when the engine cannot be used. The JSON fields are documented in README.md (\"inspect --format json\").";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("targets").required(true).multiple(true).args(["containers", "all", "filter"])))]
pub struct InspectArgs {
    /// Containers to inspect, by name or ID (each must run and look like Odoo)
    #[arg(value_name = "CONTAINER", conflicts_with_all = ["all", "filter"])]
    pub containers: Vec<String>,

    /// Every running container that looks like Odoo: image name containing `odoo`, ODOO_VERSION in its
    /// environment, or the label odoo-sizer.enable=true (odoo-sizer.enable=false keeps one out)
    #[arg(long)]
    pub all: bool,

    /// Only containers matching this `docker ps` filter (repeatable: label=KEY=VALUE, name=..., id=...);
    /// implies --all
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_filter_arg)]
    pub filter: Vec<String>,

    /// Write the sized config back into each container (apply's rules; mode and owner kept)
    #[arg(long)]
    pub apply: bool,

    /// With --apply: send SIGHUP to the container's PID 1 after writing (Odoo re-reads its config)
    #[arg(long, requires = "apply", conflicts_with = "restart")]
    pub reload: bool,

    /// With --apply: restart the container after writing
    #[arg(long, requires = "apply")]
    pub restart: bool,

    /// Write nothing; exit 1 when a container needs changes
    #[arg(long, conflicts_with = "apply", env = "ODOO_SIZER_CHECK", value_parser = clap::builder::FalseyValueParser::new())]
    pub check: bool,

    /// Also repair what apply --fix repairs (a `; comment` after a value moves to its own line)
    #[arg(long, env = "ODOO_SIZER_FIX", value_parser = clap::builder::FalseyValueParser::new())]
    pub fix: bool,

    /// Containers worked on at once (each needs an archive read and a process list from the engine)
    #[arg(long, value_name = "N", env = "ODOO_SIZER_CONCURRENCY", default_value_t = DEFAULT_INSPECT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_FORMAT")]
    pub format: Format,
}

/// The default of `inspect --concurrency` (see BENCHMARKS.md, "inspect").
pub const DEFAULT_INSPECT_CONCURRENCY: u16 = 8;

fn parse_filter_arg(value: &str) -> Result<String, String> {
    crate::docker::select::parse_filters(&[value.to_string()])
        .map(|_| value.to_string())
        .map_err(|e| e.to_string())
}

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

    /// PostgreSQL's max_connections, to size db_maxconn (and db_maxconn_gevent on 17.0+); `auto` asks
    /// the server Odoo will use (db_host/db_user/... of odoo.conf, else HOST/USER/PASSWORD, else PG*)
    #[arg(long, value_name = "N|auto", env = "ODOO_SIZER_PG_MAX_CONNECTIONS", value_parser = parse_pg_max)]
    pub pg_max_connections: Option<PgMaxConnections>,

    /// Pin an option to a value (repeatable; validated for the Odoo version and kept as is).
    /// In ODOO_SIZER_SET, separate several with newlines
    #[arg(long = "set", value_name = "KEY=VALUE", env = "ODOO_SIZER_SET", value_delimiter = '\n', value_parser = parse_set_arg)]
    pub set: Vec<SetArg>,
}

/// `--pg-max-connections`: a number, or `auto` (asked from the server before planning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgMaxConnections {
    Given(u32),
    Auto,
    /// `auto`, answered by the server at `server`.
    Queried {
        value: u32,
        server: String,
    },
}

fn parse_pg_max(text: &str) -> Result<PgMaxConnections, String> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(PgMaxConnections::Auto);
    }
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(PgMaxConnections::Given(n)),
        _ => Err(format!(
            "'{text}' is neither a positive number of connections (e.g. 100) nor `auto`"
        )),
    }
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

const LINT_EXAMPLES: &str = "\
Examples:
  odoo-sizer lint                            check $ODOO_RC, else /etc/odoo/odoo.conf
  odoo-sizer lint -c odoo.conf --odoo-version 16.0
  odoo-sizer lint --detect                   also check it against this container's limits
  odoo-sizer lint --cpus 2 --memory 4g --format json | jq '.findings[].rule'

Exit status: 1 when any finding is an error, 0 otherwise (warnings only).
Without --cpus/--memory/--root or --detect the container rules are skipped:
the verdict on a file never depends on the machine lint runs on.
Every rule is described in docs/lint.md.";

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Odoo version (12.0 to 19.0, `18` or `18.0`) [default: $ODOO_VERSION, else 19.0]
    #[arg(long, value_name = "VERSION", env = "ODOO_SIZER_ODOO_VERSION", value_parser = parse_version_arg)]
    pub odoo_version: Option<OdooVersion>,

    /// Output format
    #[arg(long, value_enum, default_value_t, env = "ODOO_SIZER_FORMAT")]
    pub format: Format,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Check the container rules against the limits detected on this machine (with --cpus/--memory
    /// overriding them)
    #[arg(long, env = "ODOO_SIZER_DETECT", value_parser = clap::builder::FalseyValueParser::new())]
    pub detect: bool,

    /// PostgreSQL's max_connections, to check the worst-case number of connections
    #[arg(long, value_name = "N", env = "ODOO_SIZER_PG_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    pub pg_max_connections: Option<u32>,
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
    /// suffixes b/k/m/g/t/p with powers of 1024 (`512m`, `1.5g`, `2Gi`, `2GiB`). `G` means GiB as in
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
