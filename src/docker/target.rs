//! What one container is, from the engine's answers (pure: built from `ContainerInspectResponse` and
//! `SystemInfo`, no requests here).
//!
//! Owns: the container's limits as the crate's [`Limits`] model ([`limits_from_host_config`]), the Odoo
//! version, the config path and where it comes from ([`config_path`]), and the options that override
//! the file (command line, Odoo 19 environment), gathered in [`Target`].
//! Must not: talk to the engine, size Odoo, or read the config file.

use crate::cmdline::{self, CliOverride, EnvOverride, OdooCommandLine};
use crate::limits::values::parse_cpu_list;
use crate::limits::{CpuLimits, Limits, MemoryLimits};
use bollard::models::{ContainerInspectResponse, HostConfig, SystemInfo, SystemInfoCgroupVersionEnum};
use serde::Serialize;
use std::collections::BTreeMap;

/// The config file of the official image (`ENV ODOO_RC=/etc/odoo/odoo.conf`), used when nothing names one.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/odoo/odoo.conf";

/// The CFS period Docker uses for `--cpus` and when `--cpu-period` is not given.
const DOCKER_CPU_PERIOD_US: u64 = 100_000;

/// What the engine says about its host (`GET /info`): what an unlimited container gets.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct EngineFacts {
    pub ncpu: Option<u32>,
    pub mem_total: Option<u64>,
    /// 1 or 2 (`CgroupVersion`, API 1.40+).
    pub cgroup_version: Option<u8>,
    /// False when the kernel cannot limit swap (`SwapLimit`): `--memory-swap` is then not enforced.
    pub swap_limit: Option<bool>,
    pub server_version: Option<String>,
}

impl EngineFacts {
    pub fn from_info(info: &SystemInfo) -> EngineFacts {
        EngineFacts {
            ncpu: info.ncpu.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0),
            mem_total: info
                .mem_total
                .and_then(|m| u64::try_from(m).ok())
                .filter(|m| *m > 0),
            cgroup_version: match info.cgroup_version {
                Some(SystemInfoCgroupVersionEnum::_1) => Some(1),
                Some(SystemInfoCgroupVersionEnum::_2) => Some(2),
                _ => None,
            },
            swap_limit: info.swap_limit,
            server_version: info.server_version.clone(),
        }
    }
}

const SRC_NANO: &str = "HostConfig.NanoCpus";
const SRC_QUOTA: &str = "HostConfig.CpuQuota/CpuPeriod";
const SRC_CPUSET: &str = "HostConfig.CpusetCpus";
const SRC_NCPU: &str = "engine NCPU (GET /info)";
const SRC_MEMORY: &str = "HostConfig.Memory";
const SRC_MEMTOTAL: &str = "engine MemTotal (GET /info)";

/// The container's CPU and memory limits as Docker grants them (`HostConfig`), in the same model
/// `detect` fills from inside, so that both can be compared and fed to the same plan:
/// - CPU: `NanoCpus` (`--cpus`, period 100000) or `CpuQuota`/`CpuPeriod` (`--cpu-quota/--cpu-period`,
///   period 100000 when 0) as a fraction, `CpusetCpus` counted, the engine's `NCPU` as the ceiling;
///   effective = the smallest, and `source` names the field it came from.
/// - Memory: `Memory` (0 = none), capped by the engine's `MemTotal`. Swap (`swap_max_bytes`, the swap
///   the container may use on top of its memory): `MemorySwap` −1 = unlimited (`None`); 0/unset with a
///   memory limit = Docker's default of twice the memory, i.e. as much swap as memory; otherwise
///   `MemorySwap − Memory`. No memory limit: no swap limit either.
pub fn limits_from_host_config(hc: &HostConfig, engine: &EngineFacts) -> Limits {
    let mut warnings = Vec::new();

    // CPU: every limit that applies, the smallest wins.
    let mut cpu = CpuLimits {
        version: engine.cgroup_version,
        ..Default::default()
    };
    if let Some(nano) = hc.nano_cpus.filter(|n| *n > 0) {
        let nano = nano as u64;
        cpu.quota_cpus = Some(nano as f64 / 1e9);
        cpu.quota_us = Some(nano * DOCKER_CPU_PERIOD_US / 1_000_000_000);
        cpu.period_us = Some(DOCKER_CPU_PERIOD_US);
    }
    let mut quota_source = SRC_NANO;
    if let Some(quota) = hc.cpu_quota.filter(|q| *q > 0) {
        let period = hc
            .cpu_period
            .filter(|p| *p > 0)
            .map_or(DOCKER_CPU_PERIOD_US, |p| p as u64);
        let cpus = quota as f64 / period as f64;
        // Docker refuses NanoCpus together with CpuQuota/CpuPeriod; if both show up, the kernel applies
        // the last written: keep the stricter one.
        if cpu.quota_cpus.is_none_or(|nano| cpus < nano) {
            cpu.quota_cpus = Some(cpus);
            cpu.quota_us = Some(quota as u64);
            cpu.period_us = Some(period);
            quota_source = SRC_QUOTA;
        }
    }
    if let Some(list) = hc.cpuset_cpus.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        match parse_cpu_list(list) {
            Ok(n) => cpu.cpuset_cpus = Some(n),
            Err(e) => warnings.push(format!("cpu: {SRC_CPUSET} '{list}' cannot be read: {e}")),
        }
    }
    // From inside, the affinity is the cpuset (or every CPU of the host).
    cpu.affinity_cpus = match (cpu.cpuset_cpus, engine.ncpu) {
        (Some(set), Some(n)) => Some(set.min(n)),
        (set, n) => set.or(n),
    };
    let candidates = [
        (cpu.quota_cpus, quota_source),
        (cpu.cpuset_cpus.map(f64::from), SRC_CPUSET),
        (engine.ncpu.map(f64::from), SRC_NCPU),
    ];
    let mut effective: Option<(f64, &str)> = None;
    for (value, source) in candidates {
        if let Some(v) = value {
            if effective.is_none_or(|(best, _)| v < best) {
                effective = Some((v, source));
            }
        }
    }
    if let Some((value, source)) = effective {
        cpu.effective_cpus = Some(value);
        cpu.source = Some(source.to_string());
    } else {
        warnings.push(
            "cpu: the container has no CPU limit and the engine did not report its CPU count (NCPU)".into(),
        );
    }

    // Memory.
    let mut memory = MemoryLimits {
        version: engine.cgroup_version,
        host_total_bytes: engine.mem_total,
        ..Default::default()
    };
    let limit = hc.memory.filter(|m| *m > 0).map(|m| m as u64);
    memory.max_bytes = limit;
    memory.swap_max_bytes = match (limit, hc.memory_swap) {
        (None, _) => None,
        (Some(_), Some(-1)) => None,
        (Some(m), None | Some(0)) => Some(m),
        (Some(m), Some(s)) if s > 0 && s as u64 >= m => Some(s as u64 - m),
        (Some(m), Some(s)) => {
            warnings.push(format!(
                "memory: HostConfig.MemorySwap {s} is below HostConfig.Memory {m}; swap treated as unlimited"
            ));
            None
        }
    };
    if limit.is_some() && engine.swap_limit == Some(false) {
        warnings.push(
            "memory: the engine reports no swap limit support (SwapLimit false): the container's swap is not limited"
                .into(),
        );
        memory.swap_max_bytes = None;
    }
    let effective = match (limit, engine.mem_total) {
        (Some(m), Some(total)) if total < m => Some((total, SRC_MEMTOTAL)),
        (Some(m), _) => Some((m, SRC_MEMORY)),
        (None, Some(total)) => Some((total, SRC_MEMTOTAL)),
        (None, None) => None,
    };
    if let Some((value, source)) = effective {
        memory.effective_bytes = Some(value);
        memory.source = Some(source.to_string());
    } else {
        warnings.push(
            "memory: the container has no memory limit and the engine did not report its memory (MemTotal)"
                .into(),
        );
    }

    if let Some(parent) = hc.cgroup_parent.as_deref().filter(|p| !p.is_empty()) {
        warnings.push(format!(
            "cpu, memory: the container runs under the cgroup parent {parent}; limits set on that parent are not \
             visible through the API (run `odoo-sizer detect` inside the container to see them)"
        ));
    }

    Limits {
        cpu,
        memory,
        approximate: false,
        warnings,
    }
}

/// Where the config path comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// `-c`/`--config` on Odoo's command line.
    CommandLine,
    /// The `ODOO_RC` environment variable.
    OdooRc,
    /// The `OPENERP_SERVER` environment variable (read up to Odoo 18).
    OpenerpServer,
    /// Nothing names one: the official image's `/etc/odoo/odoo.conf`.
    Default,
}

impl ConfigSource {
    pub fn describe(&self) -> &'static str {
        match self {
            ConfigSource::CommandLine => "-c/--config on the command line",
            ConfigSource::OdooRc => "ODOO_RC",
            ConfigSource::OpenerpServer => "OPENERP_SERVER",
            ConfigSource::Default => "the official image's default",
        }
    }
}

/// The config file Odoo reads in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigPath {
    /// Absolute path in the container.
    pub path: String,
    pub source: ConfigSource,
}

/// The value of `NAME` in `NAME=value` entries (the last one, as the kernel's environ has one).
pub fn env_value<'a>(env: &'a [String], name: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find_map(|e| e.split_once('=').filter(|(n, _)| *n == name).map(|(_, v)| v))
}

/// Makes a relative path absolute against the container's working directory (Odoo does `abspath`).
fn absolute(path: &str, workdir: Option<&str>) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let base = workdir.filter(|w| w.starts_with('/')).unwrap_or("/");
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches("./"))
}

/// The config path Odoo uses: `-c`/`--config`, else `ODOO_RC`, else `OPENERP_SERVER` (Odoo ≤ 18),
/// else `/etc/odoo/odoo.conf` (the official image's; Odoo itself would fall back to `~/.odoorc`).
pub fn config_path(
    cmdline: Option<&OdooCommandLine>,
    env: &[String],
    major: Option<u32>,
    workdir: Option<&str>,
) -> ConfigPath {
    let chosen = cmdline
        .and_then(|c| c.config.as_deref())
        .filter(|p| !p.is_empty())
        .map(|p| (p, ConfigSource::CommandLine))
        .or_else(|| {
            env_value(env, "ODOO_RC")
                .filter(|p| !p.is_empty())
                .map(|p| (p, ConfigSource::OdooRc))
        })
        .or_else(|| {
            env_value(env, "OPENERP_SERVER")
                .filter(|p| !p.is_empty() && major.is_none_or(|m| m < 19))
                .map(|p| (p, ConfigSource::OpenerpServer))
        });
    match chosen {
        Some((path, source)) => ConfigPath {
            path: absolute(path, workdir),
            source,
        },
        None => ConfigPath {
            path: DEFAULT_CONFIG_PATH.to_string(),
            source: ConfigSource::Default,
        },
    }
}

/// Everything odoo-sizer needs to know about one container, before reading its config file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub id: String,
    /// Without Docker's leading `/`.
    pub name: String,
    /// The image as the container was created from (`Config.Image`).
    pub image: String,
    /// `running`, `exited`, `paused`, ...
    pub state: String,
    /// Running and not paused: signals and the top API work.
    pub running: bool,
    /// The host PID of the container's PID 1.
    pub pid: Option<i64>,
    pub labels: BTreeMap<String, String>,
    /// `Config.User` (empty: the image's default).
    pub user: String,
    pub limits: Limits,
    /// `ODOO_VERSION` from the container's environment (the official image sets it).
    pub odoo_version: Option<String>,
    pub odoo_major: Option<u32>,
    /// What the container runs: `Path` followed by `Args`. Not serialized: it may hold passwords.
    #[serde(skip)]
    pub argv: Vec<String>,
    /// The same with the values of Odoo's secret options masked (serialized as `argv`).
    #[serde(rename = "argv")]
    pub argv_masked: Vec<String>,
    /// Odoo's own command line, when it can be found in `argv`.
    pub command_line: Option<OdooCommandLine>,
    pub config: ConfigPath,
    /// odoo.conf keys the command line overrides (effective values).
    pub cli_overrides: Vec<CliOverride>,
    /// odoo.conf keys the environment overrides (Odoo 19+, or version unknown).
    pub env_overrides: Vec<EnvOverride>,
    /// The container's environment (`NAME=value`); never serialized, it may hold secrets.
    #[serde(skip)]
    pub env: Vec<String>,
    /// What could not be read or would be refused by Odoo, each naming its source.
    pub warnings: Vec<String>,
}

impl Target {
    /// Builds the facts from `GET /containers/{id}/json` and the engine's facts. Fails only when the
    /// answer has no `Id`.
    pub fn from_inspect(c: &ContainerInspectResponse, engine: &EngineFacts) -> Result<Target, String> {
        let id =
            c.id.clone()
                .filter(|i| !i.is_empty())
                .ok_or("the engine's description of the container has no Id")?;
        let name = c
            .name
            .as_deref()
            .map(|n| n.trim_start_matches('/').to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.chars().take(12).collect());
        let config = c.config.clone().unwrap_or_default();
        let image = config
            .image
            .clone()
            .or_else(|| c.image.clone())
            .unwrap_or_default();
        let env = config.env.clone().unwrap_or_default();
        let labels: BTreeMap<String, String> =
            config.labels.clone().unwrap_or_default().into_iter().collect();
        let state = c.state.clone().unwrap_or_default();
        let paused = state.paused == Some(true);
        let running = state.running == Some(true) && !paused;
        let state_text = match (&state.status, paused) {
            (_, true) => "paused".to_string(),
            (Some(status), _) => status.to_string(),
            (None, _) if running => "running".to_string(),
            (None, _) => "unknown".to_string(),
        };

        let mut argv: Vec<String> = c.path.iter().filter(|p| !p.is_empty()).cloned().collect();
        argv.extend(c.args.clone().unwrap_or_default());

        let odoo_version = env_value(&env, "ODOO_VERSION")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        let odoo_major = odoo_version.as_deref().and_then(cmdline::odoo_major);
        let command_line = cmdline::parse(&argv);

        let argv_masked = match &command_line {
            Some(cl) => {
                // the launcher part may set secrets too (`env PGPASSWORD=... odoo`)
                let mut shown = cmdline::mask_words(&argv[..argv.len() - cl.args.len()]);
                shown.extend(cl.args_masked.iter().cloned());
                shown
            }
            // not a command line Odoo's reader understands (e.g. `sh -c "odoo ..."`): mask word by word
            None => cmdline::mask_words(&argv),
        };
        let limits = limits_from_host_config(&c.host_config.clone().unwrap_or_default(), engine);
        let mut warnings = limits.warnings.clone();
        match &command_line {
            Some(cl) if !cl.problems.is_empty() => warnings.push(format!(
                "the Odoo command line `{}` has options Odoo would refuse: {}",
                cl.args_masked.join(" "),
                cl.problems.join("; ")
            )),
            Some(_) => {}
            None => warnings.push(format!(
                "cannot find Odoo's arguments in the container's command `{}`: options given there are not known",
                argv_masked.join(" ")
            )),
        }
        let config = config_path(
            command_line.as_ref(),
            &env,
            odoo_major,
            config.working_dir.as_deref(),
        );
        let cli_overrides = command_line
            .as_ref()
            .map(OdooCommandLine::file_overrides)
            .unwrap_or_default();
        let env_overrides = cmdline::env_overrides(&env, odoo_major);

        Ok(Target {
            id,
            name,
            image,
            state: state_text,
            running,
            pid: state.pid.filter(|p| *p > 0),
            labels,
            user: config_user(c),
            limits,
            odoo_version,
            odoo_major,
            argv,
            argv_masked,
            command_line,
            config,
            cli_overrides,
            env_overrides,
            env,
            warnings,
        })
    }
}

fn config_user(c: &ContainerInspectResponse) -> String {
    c.config
        .as_ref()
        .and_then(|cfg| cfg.user.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GIB: u64 = 1 << 30;

    fn engine() -> EngineFacts {
        EngineFacts {
            ncpu: Some(8),
            mem_total: Some(16 * GIB),
            cgroup_version: Some(1),
            swap_limit: Some(true),
            server_version: Some("20.10.24".into()),
        }
    }

    fn hc(v: serde_json::Value) -> HostConfig {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn engine_facts_from_info() {
        let info: SystemInfo = serde_json::from_value(
            json!({"NCPU": 4, "MemTotal": 8_000_000_000i64, "CgroupVersion": "2", "SwapLimit": false}),
        )
        .unwrap();
        let f = EngineFacts::from_info(&info);
        assert_eq!(
            (f.ncpu, f.mem_total, f.cgroup_version, f.swap_limit),
            (Some(4), Some(8_000_000_000), Some(2), Some(false))
        );
        let f = EngineFacts::from_info(&SystemInfo::default());
        assert_eq!(f, EngineFacts::default());
    }

    #[test]
    fn nano_cpus() {
        let l = limits_from_host_config(
            &hc(json!({"NanoCpus": 1_500_000_000i64, "CpuPeriod": 0, "CpuQuota": 0})),
            &engine(),
        );
        assert_eq!(l.cpu.effective_cpus, Some(1.5));
        assert_eq!(l.cpu.quota_cpus, Some(1.5));
        assert_eq!((l.cpu.quota_us, l.cpu.period_us), (Some(150_000), Some(100_000)));
        assert_eq!(l.cpu.source.as_deref(), Some("HostConfig.NanoCpus"));
        assert_eq!(l.cpu.affinity_cpus, Some(8));
        assert_eq!(l.cpu.version, Some(1));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn quota_and_period() {
        let l = limits_from_host_config(&hc(json!({"CpuQuota": 75000, "CpuPeriod": 50000})), &engine());
        assert_eq!(l.cpu.effective_cpus, Some(1.5));
        assert_eq!((l.cpu.quota_us, l.cpu.period_us), (Some(75_000), Some(50_000)));
        assert_eq!(l.cpu.source.as_deref(), Some("HostConfig.CpuQuota/CpuPeriod"));
        // no period: Docker's default 100000
        let l = limits_from_host_config(&hc(json!({"CpuQuota": 50000})), &engine());
        assert_eq!(l.cpu.effective_cpus, Some(0.5));
        assert_eq!(l.cpu.period_us, Some(100_000));
        // both (never from Docker itself): the stricter
        let l = limits_from_host_config(
            &hc(json!({"NanoCpus": 1_000_000_000i64, "CpuQuota": 300000})),
            &engine(),
        );
        assert_eq!(l.cpu.effective_cpus, Some(1.0));
        assert_eq!(l.cpu.source.as_deref(), Some("HostConfig.NanoCpus"));
        // a quota above the host's CPUs: the host wins
        let l = limits_from_host_config(&hc(json!({"NanoCpus": 32_000_000_000i64})), &engine());
        assert_eq!(l.cpu.effective_cpus, Some(8.0));
        assert_eq!(l.cpu.source.as_deref(), Some("engine NCPU (GET /info)"));
        assert_eq!(l.cpu.quota_cpus, Some(32.0));
    }

    #[test]
    fn cpuset() {
        let l = limits_from_host_config(&hc(json!({"CpusetCpus": "0-2,5"})), &engine());
        assert_eq!(l.cpu.cpuset_cpus, Some(4));
        assert_eq!(l.cpu.affinity_cpus, Some(4));
        assert_eq!(l.cpu.effective_cpus, Some(4.0));
        assert_eq!(l.cpu.source.as_deref(), Some("HostConfig.CpusetCpus"));
        // cpuset and a smaller quota
        let l = limits_from_host_config(
            &hc(json!({"CpusetCpus": "0-3", "NanoCpus": 2_500_000_000i64})),
            &engine(),
        );
        assert_eq!(l.cpu.effective_cpus, Some(2.5));
        assert_eq!(l.cpu.cpuset_cpus, Some(4));
        // unreadable list: warning, host count
        let l = limits_from_host_config(&hc(json!({"CpusetCpus": "3-1"})), &engine());
        assert_eq!(l.cpu.effective_cpus, Some(8.0));
        assert!(
            l.warnings[0].contains("HostConfig.CpusetCpus '3-1'"),
            "{:?}",
            l.warnings
        );
    }

    #[test]
    fn no_limits_use_the_engine_and_unknown_engine_warns() {
        let l = limits_from_host_config(
            &hc(json!({"NanoCpus": 0, "CpuQuota": 0, "CpusetCpus": "", "Memory": 0, "MemorySwap": 0})),
            &engine(),
        );
        assert_eq!(l.cpu.effective_cpus, Some(8.0));
        assert_eq!(l.cpu.quota_cpus, None);
        assert_eq!(l.memory.effective_bytes, Some(16 * GIB));
        assert_eq!(l.memory.max_bytes, None);
        assert_eq!(l.memory.swap_max_bytes, None);
        assert_eq!(l.memory.source.as_deref(), Some("engine MemTotal (GET /info)"));
        assert!(l.warnings.is_empty());
        assert!(l.budget().is_ok());

        let l = limits_from_host_config(&HostConfig::default(), &EngineFacts::default());
        assert_eq!(l.cpu.effective_cpus, None);
        assert_eq!(l.memory.effective_bytes, None);
        assert_eq!(l.warnings.len(), 2);
        let err = l.budget().unwrap_err();
        assert!(err.to_string().contains("NCPU"), "{err}");
    }

    #[test]
    fn memory_and_swap_semantics() {
        let swap = |v| limits_from_host_config(&hc(v), &engine()).memory.swap_max_bytes;
        // the daemon writes 2x memory when --memory-swap is not given
        assert_eq!(swap(json!({"Memory": GIB, "MemorySwap": 2 * GIB})), Some(GIB));
        // 0/unset with a memory limit: Docker's default, as much swap as memory
        assert_eq!(swap(json!({"Memory": GIB, "MemorySwap": 0})), Some(GIB));
        assert_eq!(swap(json!({"Memory": GIB})), Some(GIB));
        // -1: unlimited swap
        assert_eq!(swap(json!({"Memory": GIB, "MemorySwap": -1})), None);
        // equal: no swap
        assert_eq!(swap(json!({"Memory": GIB, "MemorySwap": GIB})), Some(0));
        assert_eq!(swap(json!({"Memory": GIB, "MemorySwap": 3 * GIB})), Some(2 * GIB));
        // no memory limit: no swap limit
        assert_eq!(swap(json!({"MemorySwap": -1})), None);
        let l = limits_from_host_config(&hc(json!({"Memory": GIB, "MemorySwap": 100})), &engine());
        assert_eq!(l.memory.swap_max_bytes, None);
        assert!(
            l.warnings[0].contains("MemorySwap 100 is below"),
            "{:?}",
            l.warnings
        );

        let l = limits_from_host_config(&hc(json!({"Memory": 700 << 20})), &engine());
        assert_eq!(l.memory.max_bytes, Some(700 << 20));
        assert_eq!(l.memory.effective_bytes, Some(700 << 20));
        assert_eq!(l.memory.host_total_bytes, Some(16 * GIB));
        assert_eq!(l.memory.source.as_deref(), Some("HostConfig.Memory"));

        // above the host's RAM: raw kept, effective capped
        let l = limits_from_host_config(&hc(json!({"Memory": 64 * GIB})), &engine());
        assert_eq!(l.memory.max_bytes, Some(64 * GIB));
        assert_eq!(l.memory.effective_bytes, Some(16 * GIB));

        let mut no_swap = engine();
        no_swap.swap_limit = Some(false);
        let l = limits_from_host_config(&hc(json!({"Memory": GIB, "MemorySwap": 2 * GIB})), &no_swap);
        assert_eq!(l.memory.swap_max_bytes, None);
        assert!(l.warnings[0].contains("SwapLimit false"));
    }

    #[test]
    fn cgroup_parent_is_flagged() {
        let l = limits_from_host_config(&hc(json!({"CgroupParent": "/odoo.slice"})), &engine());
        assert!(l.warnings[0].contains("/odoo.slice"), "{:?}", l.warnings);
    }

    fn env(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn config_path_precedence() {
        let cl = cmdline::parse_odoo_args(&["-c".to_string(), "/srv/o.conf".to_string()]);
        let e = env(&["ODOO_RC=/etc/odoo/rc.conf", "OPENERP_SERVER=/old.conf"]);
        assert_eq!(
            config_path(Some(&cl), &e, Some(18), None),
            ConfigPath {
                path: "/srv/o.conf".into(),
                source: ConfigSource::CommandLine
            }
        );
        assert_eq!(config_path(None, &e, Some(18), None).source, ConfigSource::OdooRc);
        let e = env(&["OPENERP_SERVER=/old.conf"]);
        assert_eq!(config_path(None, &e, Some(17), None).path, "/old.conf");
        assert_eq!(
            config_path(None, &e, Some(19), None).source,
            ConfigSource::Default
        );
        assert_eq!(
            config_path(None, &env(&["ODOO_RC="]), None, None).path,
            DEFAULT_CONFIG_PATH
        );
        let rel = cmdline::parse_odoo_args(&["--config=conf/odoo.conf".to_string()]);
        assert_eq!(
            config_path(Some(&rel), &[], None, Some("/opt/odoo/")).path,
            "/opt/odoo/conf/odoo.conf"
        );
        assert_eq!(config_path(Some(&rel), &[], None, None).path, "/conf/odoo.conf");
        assert_eq!(ConfigSource::OdooRc.describe(), "ODOO_RC");
    }

    fn inspect(v: serde_json::Value) -> ContainerInspectResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn target_from_inspect() {
        let c = inspect(json!({
            "Id": "0123456789abcdef0123",
            "Name": "/odoo-prod",
            "Path": "/entrypoint.sh",
            "Args": ["odoo", "--config=/srv/odoo.conf", "--workers", "4", "--limit-memory-hard=9", "-w", "pw9"],
            "State": {"Status": "running", "Running": true, "Paused": false, "Pid": 4242},
            "Image": "sha256:abc",
            "Config": {
                "Image": "odoo:19",
                "User": "odoo",
                "WorkingDir": "/",
                "Env": ["PATH=/usr/bin", "ODOO_VERSION=19.0", "ODOO_RC=/etc/odoo/odoo.conf", "ODOO_WORKERS=2", "PGPASSWORD=s3cret"],
                "Labels": {"odoo-sizer.enable": "true"}
            },
            "HostConfig": {"NanoCpus": 2_000_000_000i64, "Memory": 4 * GIB, "MemorySwap": 8 * GIB}
        }));
        let t = Target::from_inspect(&c, &engine()).unwrap();
        assert_eq!(t.name, "odoo-prod");
        assert_eq!(t.image, "odoo:19");
        assert!(t.running);
        assert_eq!(t.state, "running");
        assert_eq!(t.pid, Some(4242));
        assert_eq!(t.user, "odoo");
        assert_eq!(t.odoo_version.as_deref(), Some("19.0"));
        assert_eq!(t.odoo_major, Some(19));
        assert_eq!(t.argv[0], "/entrypoint.sh");
        assert_eq!(
            t.config,
            ConfigPath {
                path: "/srv/odoo.conf".into(),
                source: ConfigSource::CommandLine
            }
        );
        let cli: Vec<_> = t
            .cli_overrides
            .iter()
            .map(|o| (o.key.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(
            cli,
            vec![
                ("workers", "4"),
                ("limit_memory_hard", "9"),
                ("db_password", "pw9")
            ]
        );
        let envo: Vec<_> = t.env_overrides.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(envo, vec!["workers", "db_password"]);
        assert_eq!(t.limits.cpu.effective_cpus, Some(2.0));
        assert_eq!(t.limits.memory.effective_bytes, Some(4 * GIB));
        assert_eq!(t.limits.memory.swap_max_bytes, Some(4 * GIB));
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("s3cret") && !json.contains("pw9"), "{json}");
        assert_eq!(t.argv_masked.last().map(String::as_str), Some("********"));
        assert_eq!(t.argv.last().map(String::as_str), Some("pw9"));
    }

    #[test]
    fn odd_inspect_answers() {
        assert!(Target::from_inspect(&ContainerInspectResponse::default(), &engine()).is_err());
        let t = Target::from_inspect(
            &inspect(json!({"Id": "abcdef0123456789", "Path": "sleep", "Args": ["100"],
                             "State": {"Status": "running", "Running": true, "Paused": true}})),
            &EngineFacts::default(),
        )
        .unwrap();
        assert_eq!(t.name, "abcdef012345");
        assert!(!t.running);
        assert_eq!(t.state, "paused");
        assert_eq!(t.odoo_version, None);
        assert_eq!(t.config.source, ConfigSource::Default);
        assert!(t
            .warnings
            .iter()
            .any(|w| w.contains("cannot find Odoo's arguments in the container's command `sleep 100`")));
        // the launcher's part of the command is masked too
        let t = Target::from_inspect(
            &inspect(
                json!({"Id": "env1", "Path": "env", "Args": ["PGPASSWORD=s3cret", "odoo", "--workers", "2"],
                             "State": {"Status": "running", "Running": true}}),
            ),
            &engine(),
        )
        .unwrap();
        assert!(t.command_line.is_some());
        assert_eq!(
            t.argv_masked.join(" "),
            "env PGPASSWORD=******** odoo --workers 2"
        );
        // a command odoo-sizer cannot read still never shows a password
        let t = Target::from_inspect(
            &inspect(
                json!({"Id": "sh1", "Path": "sh", "Args": ["-c", "exec odoo --db_password s3cret"],
                             "State": {"Status": "running", "Running": true}}),
            ),
            &engine(),
        )
        .unwrap();
        assert!(t.command_line.is_none());
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert_eq!(t.argv_masked[2], "exec odoo --db_password ********");
        let t = Target::from_inspect(
            &inspect(json!({"Id": "x1", "Path": "odoo", "Args": ["--bogus"], "State": {"Status": "exited", "Running": false}})),
            &engine(),
        )
        .unwrap();
        assert_eq!(t.state, "exited");
        assert!(
            t.warnings.iter().any(|w| w.contains("no such option: --bogus")),
            "{:?}",
            t.warnings
        );
    }
}
