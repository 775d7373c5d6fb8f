//! Container-aware checks of the values Odoo runs with against the limits Docker grants.
//!
//! `lint`'s container rules (`hard-limit-above-container`, `workers-above-cpu`, `threaded-mode`, same ids
//! and severities) judge the FILE; these judge the values Odoo really runs with ([`Sources`]: command
//! line, environment, file, default), which differ when the command line or Odoo 19's `ODOO_*` variables
//! override the file. [`super::findings`] drops a check lint already reported, so each problem shows once.
//! Pure.

use super::memory::{LimitsInEffect, ProcessReport};
use super::{Finding, Origin, Severity, Sources};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::limits::{Budget, Limits};
use crate::plan::cpu_process_budget;

/// What the checks look at.
#[derive(Debug, Clone, Copy)]
pub struct ContainerView<'a> {
    pub limits: &'a Limits,
    pub budget: Budget,
    pub sources: Sources<'a>,
    /// The keys the plan writes: an override of one of them makes the file's value useless.
    pub managed: &'a [&'a str],
    pub processes: Option<&'a [ProcessReport]>,
    pub memory_limits: &'a LimitsInEffect,
    /// The plan's `limit_memory_soft`, to compare with the live workers.
    pub recommended_soft: Option<u64>,
}

/// `workers = 16 (odoo.conf)`, `workers = 4 (--workers)`, `workers = 0 (default)`.
fn described(sources: &Sources<'_>, key: &str, value: i64) -> String {
    format!("{key} = {value} ({})", sources.effective(key).origin)
}

/// The container-aware findings on the effective values (see the module doc).
pub fn container_checks(view: &ContainerView<'_>) -> Vec<Finding> {
    let s = &view.sources;
    let mut out = Vec::new();
    let cpus = view.budget.cpus;
    let workers = s.int("workers");

    // The cgroup's OOM killer fires before Odoo's per-process limit when that limit is at or above what
    // the whole container may use.
    if let Some(container) = view.limits.memory.max_bytes {
        let container = container.min(view.budget.memory_bytes);
        let hard = s.int("limit_memory_hard");
        let problem = match hard {
            Some(h) if h > 0 && h as u64 >= container => Some(format!(
                "{} ({}) is at or above the container's memory limit ({})",
                described(s, "limit_memory_hard", h),
                HumanBytes(h as u64),
                HumanBytes(container)
            )),
            Some(h) if h <= 0 => Some(format!(
                "{} disables Odoo's per-process hard limit in a container limited to {}",
                described(s, "limit_memory_hard", h),
                HumanBytes(container)
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(
                Finding::new(
                    "hard-limit-above-container",
                    Severity::Error,
                    format!(
                        "{problem}: one process can take all of it, and the kernel's OOM killer stops the container before Odoo stops the worker"
                    ),
                )
                .key("limit_memory_hard")
                .fix("use the recommended limit_memory_hard (inspect --apply)"),
            );
        }
    }

    let budget = cpu_process_budget(cpus);
    match workers {
        Some(w) if w > 0 => {
            let cron = s.int("max_cron_threads").unwrap_or(0).max(0);
            if w + cron > i64::from(budget) {
                out.push(
                    Finding::new(
                        "workers-above-cpu",
                        Severity::Warning,
                        format!(
                            "{} + {} = {} worker processes on {} CPUs, more than (2 × CPUs) + 1 = {budget}: requests queue for the CPU, and every process costs memory",
                            described(s, "workers", w),
                            described(s, "max_cron_threads", cron),
                            w + cron,
                            HumanCpus(cpus)
                        ),
                    )
                    .key("workers")
                    .fix("use the recommended workers and max_cron_threads (inspect --apply)"),
                );
            }
        }
        Some(0) if cpus >= 2.0 => out.push(
            Finding::new(
                "threaded-mode",
                Severity::Warning,
                format!(
                    "{} runs the threaded server on {} CPUs: one Python process uses about one CPU (the GIL), and has no per-request time limits and no crash isolation",
                    described(s, "workers", 0),
                    HumanCpus(cpus)
                ),
            )
            .key("workers")
            .fix("use the recommended workers (multi-process mode; route /websocket to the gevent port)"),
        ),
        _ => {}
    }

    if view.limits.memory.max_bytes.is_none() {
        out.push(
            Finding::new(
                "no-memory-limit",
                Severity::Warning,
                format!(
                    "the container has no memory limit: sized for the engine's {} ({}), which every other container shares",
                    HumanBytes(view.budget.memory_bytes),
                    view.limits.memory.source.as_deref().unwrap_or("unknown")
                ),
            )
            .fix("give it one (docker run --memory, compose mem_limit / deploy.resources.limits.memory)"),
        );
    }
    if view.limits.cpu.quota_cpus.is_none() && view.limits.cpu.cpuset_cpus.is_none() {
        out.push(
            Finding::new(
                "no-cpu-limit",
                Severity::Info,
                format!(
                    "the container has no CPU limit: sized for the engine's {} CPUs",
                    HumanCpus(cpus)
                ),
            )
            .fix("give it one (docker run --cpus) if Odoo shares the host"),
        );
    }

    for key in view.managed {
        match s.effective(key).origin {
            Origin::CommandLine(option) => out.push(
                Finding::new(
                    "overridden-by-command-line",
                    Severity::Warning,
                    format!(
                        "{option} on the container's command line sets {key}, and beats odoo.conf: the file's value (sized or not) has no effect"
                    ),
                )
                .key(key)
                .fix(format!("remove {option} from the container's command (compose `command:`) and let odoo.conf size it")),
            ),
            Origin::Environment(variable) => out.push(
                Finding::new(
                    "overridden-by-environment",
                    Severity::Info,
                    format!(
                        "{variable} sets {key} and beats odoo.conf (Odoo {}): it was kept as a pin",
                        s.version
                    ),
                )
                .key(key),
            ),
            Origin::File | Origin::Default => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::CliOverride;
    use crate::limits::{CpuLimits, MemoryLimits};
    use crate::odoo::OdooVersion;
    use std::collections::BTreeMap;

    const GIB: u64 = 1 << 30;

    fn limits(cpu_quota: Option<f64>, memory: Option<u64>) -> Limits {
        Limits {
            cpu: CpuLimits {
                quota_cpus: cpu_quota,
                effective_cpus: Some(cpu_quota.unwrap_or(8.0)),
                source: Some("HostConfig.NanoCpus".into()),
                ..Default::default()
            },
            memory: MemoryLimits {
                max_bytes: memory,
                effective_bytes: Some(memory.unwrap_or(16 * GIB)),
                source: Some("HostConfig.Memory".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn rules(l: &Limits, file: &[(&str, &str)], cli: &[CliOverride]) -> Vec<(String, Severity)> {
        let file: BTreeMap<String, String> =
            file.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let sources = Sources {
            version: OdooVersion::V18,
            file: &file,
            cli,
            env: &[],
        };
        let memory_limits = LimitsInEffect::from_sources(&sources);
        let view = ContainerView {
            limits: l,
            budget: l.budget().unwrap(),
            sources,
            managed: &["workers", "max_cron_threads", "limit_memory_hard"],
            processes: None,
            memory_limits: &memory_limits,
            recommended_soft: None,
        };
        container_checks(&view)
            .into_iter()
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    fn has(found: &[(String, Severity)], rule: &str) -> bool {
        found.iter().any(|(r, _)| r == rule)
    }

    #[test]
    fn oversized_on_one_cpu_and_half_a_gib() {
        let l = limits(Some(1.0), Some(GIB / 2));
        let found = rules(&l, &[("workers", "16")], &[]);
        // Odoo's default hard limit (2.5 GiB) is above 512 MiB; 16 + 2 cron > 3
        assert!(
            found.contains(&("hard-limit-above-container".into(), Severity::Error)),
            "{found:?}"
        );
        assert!(
            found.contains(&("workers-above-cpu".into(), Severity::Warning)),
            "{found:?}"
        );
        assert!(!has(&found, "threaded-mode") && !has(&found, "no-memory-limit"));
    }

    #[test]
    fn sized_files_pass() {
        let l = limits(Some(2.0), Some(4 * GIB));
        let found = rules(
            &l,
            &[
                ("workers", "3"),
                ("max_cron_threads", "1"),
                ("limit_memory_hard", "1073741824"),
            ],
            &[],
        );
        assert!(found.is_empty(), "{found:?}");
        // exactly at the CPU budget: fine
        let found = rules(&l, &[("workers", "4"), ("max_cron_threads", "1")], &[]);
        assert!(!has(&found, "workers-above-cpu"), "{found:?}");
        let found = rules(&l, &[("workers", "5"), ("max_cron_threads", "1")], &[]);
        assert!(has(&found, "workers-above-cpu"), "{found:?}");
    }

    #[test]
    fn threaded_disabled_hard_limit_and_unlimited_containers() {
        let l = limits(Some(2.0), Some(4 * GIB));
        let found = rules(&l, &[("limit_memory_hard", "0")], &[]);
        assert!(has(&found, "threaded-mode"), "{found:?}");
        assert!(has(&found, "hard-limit-above-container"), "{found:?}");
        // one CPU: threaded is what the plan would do anyway
        let found = rules(
            &limits(Some(1.5), Some(4 * GIB)),
            &[("limit_memory_hard", "1")],
            &[],
        );
        assert!(!has(&found, "threaded-mode"), "{found:?}");
        // no limits at all: no hard-limit finding (nothing for the cgroup OOM killer), but both notes
        let found = rules(&limits(None, None), &[("workers", "2")], &[]);
        assert!(
            has(&found, "no-memory-limit") && has(&found, "no-cpu-limit"),
            "{found:?}"
        );
        assert!(!has(&found, "hard-limit-above-container"), "{found:?}");
    }

    #[test]
    fn command_line_overrides_win_and_are_reported() {
        let l = limits(Some(1.0), Some(GIB));
        let cli = [CliOverride {
            key: "workers".into(),
            value: "2".into(),
            option: "--workers".into(),
            secret: false,
        }];
        // the file says 16, the command line 2: judged on 2 (+ 1 cron = 3, the budget of 1 CPU)
        let found = rules(
            &l,
            &[
                ("workers", "16"),
                ("max_cron_threads", "1"),
                ("limit_memory_hard", "536870912"),
            ],
            &cli,
        );
        assert!(!has(&found, "workers-above-cpu"), "{found:?}");
        assert!(has(&found, "overridden-by-command-line"), "{found:?}");
    }
}
