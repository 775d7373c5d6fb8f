//! The live memory of a container's processes (from the top API) against Odoo's per-process limits.
//!
//! Odoo measures `limit_memory_soft`/`limit_memory_hard` on each process's VIRTUAL size (VMS, `ps`'s
//! VSZ) on Linux: a worker above the soft limit is recycled after its current request, and the hard
//! limit is an `RLIMIT_AS` (allocations beyond it fail). So processes are judged on VSZ, never RSS.
//! Roles come from what `ps` shows: PID 1 of the container is the main process, Odoo's workers name
//! themselves `odoo: WorkerHTTP ...`/`odoo: WorkerCron ...` when `setproctitle` is installed, and the
//! gevent process runs `... gevent ...`; other children of PID 1 are `child`.
//! Owns: [`judge`] and the memory findings. Must not: ask the engine.

use super::checks::ContainerView;
use super::{Finding, Severity, Sources};
use crate::docker::top::Process;
use crate::limits::quantity::HumanBytes;
use crate::odoo::OdooVersion;
use serde::Serialize;

/// From this share of `limit_memory_hard` on, a process is "near" it.
pub const NEAR_HARD: f64 = 0.9;

/// What a process is to Odoo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The container's PID 1 (Odoo's master, or the threaded server, in the official image).
    Main,
    HttpWorker,
    CronWorker,
    Gevent,
    /// Another child of PID 1 (a worker without a process title).
    Child,
    Other,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Main => "main",
            Role::HttpWorker => "http-worker",
            Role::CronWorker => "cron-worker",
            Role::Gevent => "gevent",
            Role::Child => "child",
            Role::Other => "other",
        }
    }

    /// Workers: what the soft limit recycles.
    fn is_worker(&self) -> bool {
        matches!(self, Role::HttpWorker | Role::CronWorker | Role::Child)
    }
}

/// A process's virtual size against the limits in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryState {
    Ok,
    /// Above `limit_memory_soft`: recycled after its current request.
    AboveSoft,
    /// At or above 90 % of `limit_memory_hard`: its next large allocation may fail.
    NearHard,
    /// Above `limit_memory_hard` (a process the limit does not apply to, e.g. the prefork master).
    AboveHard,
    /// `ps` did not report its VSZ.
    Unknown,
}

impl MemoryState {
    pub fn as_str(&self) -> &'static str {
        match self {
            MemoryState::Ok => "ok",
            MemoryState::AboveSoft => "above-soft",
            MemoryState::NearHard => "near-hard",
            MemoryState::AboveHard => "above-hard",
            MemoryState::Unknown => "unknown",
        }
    }
}

/// The per-process limits Odoo runs with now, in bytes (`null` = disabled or unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct LimitsInEffect {
    pub soft_bytes: Option<u64>,
    pub hard_bytes: Option<u64>,
    /// 18.0+: the gevent process's own limits; unset means the process uses the limits above.
    pub soft_gevent_bytes: Option<u64>,
    pub hard_gevent_bytes: Option<u64>,
}

fn positive(value: Option<i64>) -> Option<u64> {
    value.filter(|v| *v > 0).map(|v| v as u64)
}

impl LimitsInEffect {
    /// The limits from the values Odoo runs with (command line, environment, file, default).
    pub fn from_sources(sources: &Sources<'_>) -> LimitsInEffect {
        let soft = positive(sources.int("limit_memory_soft"));
        let hard = positive(sources.int("limit_memory_hard"));
        let gevent = |key: &str, fallback: Option<u64>| {
            if sources.version < OdooVersion::V18 || sources.effective(key).raw.is_none() {
                fallback
            } else {
                positive(sources.int(key))
            }
        };
        LimitsInEffect {
            soft_bytes: soft,
            hard_bytes: hard,
            soft_gevent_bytes: gevent("limit_memory_soft_gevent", soft),
            hard_gevent_bytes: gevent("limit_memory_hard_gevent", hard),
        }
    }

    fn for_role(&self, role: Role) -> (Option<u64>, Option<u64>) {
        match role {
            Role::Gevent => (self.soft_gevent_bytes, self.hard_gevent_bytes),
            _ => (self.soft_bytes, self.hard_bytes),
        }
    }
}

/// One process with its role and memory state. `command` has secret option values masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessReport {
    /// Host PID (what the top API reports).
    pub pid: u32,
    pub ppid: Option<u32>,
    pub user: Option<String>,
    pub rss_bytes: Option<u64>,
    pub vsz_bytes: Option<u64>,
    pub command: String,
    pub role: Role,
    pub memory: MemoryState,
}

fn role_of(process: &Process, main_pid: Option<i64>) -> Role {
    if main_pid == Some(i64::from(process.pid)) {
        return Role::Main;
    }
    let command = &process.command;
    if command.contains("WorkerHTTP") {
        Role::HttpWorker
    } else if command.contains("WorkerCron") {
        Role::CronWorker
    } else if command.split_whitespace().any(|w| w == "gevent") {
        Role::Gevent
    } else if main_pid.is_some() && process.ppid.map(i64::from) == main_pid {
        Role::Child
    } else {
        Role::Other
    }
}

fn state_of(vsz: Option<u64>, soft: Option<u64>, hard: Option<u64>) -> MemoryState {
    let Some(vsz) = vsz else {
        return MemoryState::Unknown;
    };
    match (soft, hard) {
        (_, Some(hard)) if vsz > hard => MemoryState::AboveHard,
        (_, Some(hard)) if vsz as f64 >= NEAR_HARD * hard as f64 => MemoryState::NearHard,
        (Some(soft), _) if vsz > soft => MemoryState::AboveSoft,
        _ => MemoryState::Ok,
    }
}

/// Judges every process of the container; `main_pid` is the host PID of the container's PID 1.
pub fn judge(processes: &[Process], main_pid: Option<i64>, limits: &LimitsInEffect) -> Vec<ProcessReport> {
    processes
        .iter()
        .map(|p| {
            let role = role_of(p, main_pid);
            let (soft, hard) = limits.for_role(role);
            ProcessReport {
                pid: p.pid,
                ppid: p.ppid,
                user: p.user.clone(),
                rss_bytes: p.rss_bytes,
                vsz_bytes: p.vsz_bytes,
                command: crate::cmdline::mask_text(&p.command),
                role,
                memory: state_of(p.vsz_bytes, soft, hard),
            }
        })
        .collect()
}

fn listed(processes: &[&ProcessReport]) -> String {
    processes
        .iter()
        .map(|p| {
            format!(
                "PID {} ({}, VSZ {})",
                p.pid,
                p.role.as_str(),
                HumanBytes(p.vsz_bytes.unwrap_or(0))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(limit: Option<u64>) -> String {
    limit.map_or_else(|| "disabled".to_string(), |l| HumanBytes(l).to_string())
}

/// The memory findings: processes above the soft limit or near the hard one now, and live workers
/// already above the recommended soft limit.
pub fn findings(view: &ContainerView<'_>) -> Vec<Finding> {
    let Some(processes) = view.processes else {
        return Vec::new();
    };
    let limits = view.memory_limits;
    let mut out = Vec::new();
    let above_soft: Vec<&ProcessReport> = processes
        .iter()
        .filter(|p| p.memory == MemoryState::AboveSoft)
        .collect();
    if !above_soft.is_empty() {
        out.push(
            Finding::new(
                "memory-above-soft",
                Severity::Warning,
                format!(
                    "{} process(es) use more virtual memory than limit_memory_soft ({}): {}. Odoo recycles a worker after its current request when it is above",
                    above_soft.len(),
                    shown(limits.soft_bytes),
                    listed(&above_soft)
                ),
            )
            .key("limit_memory_soft")
            .fix("now and then is normal; all the time means the limit is too low for the workload (see the recommended value) or a leak"),
        );
    }
    let near_hard: Vec<&ProcessReport> = processes
        .iter()
        .filter(|p| matches!(p.memory, MemoryState::NearHard | MemoryState::AboveHard))
        .collect();
    if !near_hard.is_empty() {
        out.push(
            Finding::new(
                "memory-near-hard",
                Severity::Warning,
                format!(
                    "{} process(es) are at or above {:.0} % of limit_memory_hard ({}): {}. A worker's next large allocation fails with MemoryError",
                    near_hard.len(),
                    NEAR_HARD * 100.0,
                    shown(limits.hard_bytes),
                    listed(&near_hard)
                ),
            )
            .key("limit_memory_hard"),
        );
    }
    if let Some(soft) = view.recommended_soft {
        let over: Vec<&ProcessReport> = processes
            .iter()
            .filter(|p| p.role.is_worker() && p.vsz_bytes.is_some_and(|v| v > soft))
            .collect();
        if !over.is_empty() {
            out.push(
                Finding::new(
                    "soft-below-live-vsz",
                    Severity::Warning,
                    format!(
                        "the recommended limit_memory_soft ({}) is below the live virtual size of {}: with it, those workers would be recycled after every request",
                        HumanBytes(soft),
                        listed(&over)
                    ),
                )
                .key("limit_memory_soft")
                .fix("give the container more memory, or pin a higher value with --set limit_memory_soft=BYTES"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const MIB: u64 = 1 << 20;

    fn process(pid: u32, ppid: u32, vsz_mib: Option<u64>, command: &str) -> Process {
        Process {
            pid,
            ppid: Some(ppid),
            user: Some("101".into()),
            rss_bytes: vsz_mib.map(|v| v * MIB / 2),
            vsz_bytes: vsz_mib.map(|v| v * MIB),
            command: command.into(),
        }
    }

    #[test]
    fn roles_and_states() {
        let limits = LimitsInEffect {
            soft_bytes: Some(100 * MIB),
            hard_bytes: Some(200 * MIB),
            soft_gevent_bytes: Some(300 * MIB),
            hard_gevent_bytes: Some(400 * MIB),
        };
        let ps = vec![
            process(
                10,
                1,
                Some(500),
                "/usr/bin/python3 /usr/bin/odoo --db_password pw",
            ),
            process(11, 10, Some(150), "odoo: WorkerHTTP 11 ... "),
            process(12, 10, Some(185), "odoo: WorkerCron 12 ..."),
            process(13, 10, Some(250), "/usr/bin/python3 /usr/bin/odoo gevent -c x"),
            process(14, 10, Some(50), "sleep 1000000"),
            process(15, 3, None, "tail -f /dev/null"),
        ];
        let judged = judge(&ps, Some(10), &limits);
        let roles: Vec<Role> = judged.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            vec![
                Role::Main,
                Role::HttpWorker,
                Role::CronWorker,
                Role::Gevent,
                Role::Child,
                Role::Other
            ]
        );
        let states: Vec<MemoryState> = judged.iter().map(|p| p.memory).collect();
        assert_eq!(
            states,
            vec![
                MemoryState::AboveHard,
                MemoryState::AboveSoft,
                MemoryState::NearHard,
                MemoryState::Ok, // gevent: judged on its own limits
                MemoryState::Ok,
                MemoryState::Unknown
            ]
        );
        assert_eq!(
            judged[0].command,
            "/usr/bin/python3 /usr/bin/odoo --db_password ********"
        );
        // no main PID known: nothing is main or a child
        let judged = judge(&ps, None, &limits);
        assert_eq!(judged[0].role, Role::Other);
        assert_eq!(judged[4].role, Role::Other);
        // disabled limits: everything is ok
        let judged = judge(&ps, Some(10), &LimitsInEffect::default());
        assert!(judged
            .iter()
            .all(|p| matches!(p.memory, MemoryState::Ok | MemoryState::Unknown)));
    }

    #[test]
    fn limits_from_the_values_odoo_runs_with() {
        let file: BTreeMap<String, String> = [
            ("limit_memory_soft".to_string(), "1048576".to_string()),
            ("limit_memory_hard".to_string(), "0".to_string()),
        ]
        .into();
        let s = Sources {
            version: OdooVersion::V18,
            file: &file,
            cli: &[],
            env: &[],
        };
        let l = LimitsInEffect::from_sources(&s);
        assert_eq!(l.soft_bytes, Some(MIB));
        assert_eq!(l.hard_bytes, None, "0 disables the hard limit");
        assert_eq!((l.soft_gevent_bytes, l.hard_gevent_bytes), (Some(MIB), None));
        // defaults when nothing is set
        let empty = BTreeMap::new();
        let l = LimitsInEffect::from_sources(&Sources {
            version: OdooVersion::V17,
            file: &empty,
            cli: &[],
            env: &[],
        });
        assert_eq!(l.soft_bytes, Some(2048 * MIB));
        assert_eq!(l.hard_bytes, Some(2560 * MIB));
        // 19.0: `False` for an int option means the default
        let file: BTreeMap<String, String> = [("limit_memory_hard".to_string(), "False".to_string())].into();
        let l = LimitsInEffect::from_sources(&Sources {
            version: OdooVersion::V19,
            file: &file,
            cli: &[],
            env: &[],
        });
        assert_eq!(l.hard_bytes, Some(2560 * MIB));
        // up to 18.0 it is 0: disabled
        let l = LimitsInEffect::from_sources(&Sources {
            version: OdooVersion::V16,
            file: &file,
            cli: &[],
            env: &[],
        });
        assert_eq!(l.hard_bytes, None);
    }
}
