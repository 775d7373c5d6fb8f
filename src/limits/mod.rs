//! What the container really has: the CPU and memory limits model, the overrides users pass, and the
//! cgroup/proc reading behind `odoo-sizer detect`.
//!
//! Owns: the [`Limits`] model (pure data), quantity parsing ([`quantity`]), the pure parsers of
//! `/proc/self/cgroup` ([`proc_cgroup`]), `/proc/self/mountinfo` ([`mountinfo`]) and cgroup value files
//! ([`values`]), and the one place that reads them from disk ([`reader`], with an injectable root so tests
//! run on fixture trees). Must not: decide anything about Odoo.

pub mod mountinfo;
pub mod proc_cgroup;
pub mod quantity;
pub mod reader;
pub mod values;

use serde::Serialize;

pub use reader::{detect, FsRoot};

/// CPU limits as detected (and possibly overridden). Field names are a JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CpuLimits {
    /// cgroup version of the `cpu` controller (1 or 2), `None` when no hierarchy offers it.
    pub version: Option<u8>,
    /// The strictest CFS quota on the walk from the process's cgroup to the mount point, in CPUs.
    pub quota_cpus: Option<f64>,
    pub quota_us: Option<u64>,
    pub period_us: Option<u64>,
    /// CPUs this process may run on (`sched_getaffinity`, or `Cpus_allowed_list` under `--root`).
    pub affinity_cpus: Option<u32>,
    /// CPUs of the cgroup's cpuset, when the cpuset controller is readable.
    pub cpuset_cpus: Option<u32>,
    /// min(affinity, cpuset, quota), kept as a fraction (an override replaces it).
    pub effective_cpus: Option<f64>,
    /// Where `effective_cpus` comes from: a file path as seen by the process, a syscall, or an override.
    pub source: Option<String>,
    /// The process's cgroup directory for this controller (where the walk starts).
    pub cgroup_path: Option<String>,
    /// True when the process's cgroup lies outside the visible mount and the mount point was used.
    pub approximate: bool,
}

/// Memory limits as detected (and possibly overridden). Field names are a JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MemoryLimits {
    pub version: Option<u8>,
    /// The strictest hard limit (v2 `memory.max`, v1 `memory.limit_in_bytes` and
    /// `hierarchical_memory_limit`), raw: it may be above the host's RAM.
    pub max_bytes: Option<u64>,
    /// The strictest v2 `memory.high` (throttling, never OOM).
    pub high_bytes: Option<u64>,
    /// Swap the cgroup may use (v2 `memory.swap.max`; v1 memsw limit minus memory limit).
    pub swap_max_bytes: Option<u64>,
    /// `MemTotal` of `/proc/meminfo`.
    pub host_total_bytes: Option<u64>,
    /// min(max, high, MemTotal): the memory budget (an override replaces it).
    pub effective_bytes: Option<u64>,
    pub source: Option<String>,
    pub cgroup_path: Option<String>,
    pub approximate: bool,
}

/// The whole detection result.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Limits {
    pub cpu: CpuLimits,
    pub memory: MemoryLimits,
    /// True when any controller's value is approximate.
    pub approximate: bool,
    /// Everything that could not be read or made sense of, each naming the file.
    pub warnings: Vec<String>,
}

/// A value the user supplied for a limit the container cannot see (e.g. Kubernetes pod-level limits behind
/// a private cgroup namespace), with the name of the flag or variable it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Override<T> {
    pub value: T,
    pub source: String,
}

/// Overrides for `--cpus` / `--memory` (or `ODOO_SIZER_CPUS` / `ODOO_SIZER_MEMORY`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overrides {
    pub cpus: Option<Override<f64>>,
    pub memory: Option<Override<u64>>,
}

impl Overrides {
    /// True when both limits are supplied, so nothing needs to be read from the machine.
    pub fn complete(&self) -> bool {
        self.cpus.is_some() && self.memory.is_some()
    }
}

/// The two numbers sizing needs, both known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub cpus: f64,
    pub memory_bytes: u64,
}

/// Neither the cgroups nor the host said how much CPU or memory there is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot determine the container's {what}: {details}. Pass {flag} (or set {env}) to give the value explicitly")]
pub struct UnknownLimit {
    pub what: &'static str,
    pub details: String,
    pub flag: &'static str,
    pub env: &'static str,
}

impl Limits {
    /// Limits that were supplied entirely by overrides (nothing read from the machine).
    pub fn from_overrides(overrides: &Overrides) -> Limits {
        let mut limits = Limits::default();
        limits.apply_overrides(overrides);
        limits
    }

    /// Replaces the effective values with the user's overrides, warning when an override exceeds a limit
    /// that was actually detected (the kernel will still enforce the detected one).
    pub fn apply_overrides(&mut self, overrides: &Overrides) {
        if let Some(o) = &overrides.cpus {
            if let Some(detected) = self.cpu.effective_cpus.filter(|d| o.value > *d + 1e-9) {
                self.warnings.push(format!(
                    "{} = {} is more than the {} CPUs detected from {}; using the override as asked",
                    o.source,
                    quantity::HumanCpus(o.value),
                    quantity::HumanCpus(detected),
                    self.cpu.source.as_deref().unwrap_or("the machine"),
                ));
            }
            self.cpu.effective_cpus = Some(o.value);
            self.cpu.source = Some(o.source.clone());
        }
        if let Some(o) = &overrides.memory {
            if let Some(detected) = self.memory.effective_bytes.filter(|d| o.value > *d) {
                self.warnings.push(format!(
                    "{} = {} is more than the {} detected from {}; using the override as asked",
                    o.source,
                    quantity::HumanBytes(o.value),
                    quantity::HumanBytes(detected),
                    self.memory.source.as_deref().unwrap_or("the machine"),
                ));
            }
            self.memory.effective_bytes = Some(o.value);
            self.memory.source = Some(o.source.clone());
        }
    }

    /// The budget sizing needs, or an error saying which value is unknown and why.
    pub fn budget(&self) -> Result<Budget, UnknownLimit> {
        let related = |needle: &str| {
            let found: Vec<&str> = self
                .warnings
                .iter()
                .filter(|w| w.contains(needle))
                .map(String::as_str)
                .collect();
            if found.is_empty() {
                "no cgroup limit and no host value could be read".to_string()
            } else {
                found.join("; ")
            }
        };
        let cpus = self.cpu.effective_cpus.ok_or_else(|| UnknownLimit {
            what: "CPU count",
            details: related("cpu"),
            flag: "--cpus",
            env: "ODOO_SIZER_CPUS",
        })?;
        let memory_bytes = self.memory.effective_bytes.ok_or_else(|| UnknownLimit {
            what: "memory",
            details: related("mem"),
            flag: "--memory",
            env: "ODOO_SIZER_MEMORY",
        })?;
        Ok(Budget { cpus, memory_bytes })
    }
}
