//! The command line (clap derive): global options, one struct per subcommand, and the argument groups
//! shared by several commands (limits, output format).
//!
//! Every flag has an `ODOO_SIZER_*` environment equivalent, shown in `--help`.

use crate::limits::quantity;
use crate::logging::{ColorChoice, LogFormat};
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

Exit codes:
  0 success, 1 changes needed / lint errors, 2 bad usage, 3 limits unknown,
  4 config refused, 5 file error, 6 Docker error, 7 some targets failed";

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the CPU and memory limits this container really has, and where each value comes from
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
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

/// Where the limits come from: the machine (or a fixture root), and explicit overrides.
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
