//! Rules that need the container's limits (or PostgreSQL's `max_connections`): memory and CPU
//! oversubscription, the hard memory limit against the cgroup limit, the threaded server on several
//! CPUs, the listen address. The figures are the sizing model's ([`crate::plan`]), so lint and plan agree.
//!
//! Must not: run without the limits (each rule returns when what it needs is unknown).

use super::{Context, Findings, IntValue, Rule, Severity, View};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::odoo::OdooVersion;
use crate::plan;

pub(super) fn check(view: &View<'_>, ctx: &Context, out: &mut Findings) {
    if let Some(memory) = ctx.memory_bytes {
        hard_limit(view, memory, out);
        memory_estimate(view, ctx, memory, out);
    }
    if let Some(cpus) = ctx.cpus {
        cpu(view, cpus, out);
    }
    if ctx.cpus.is_some() || ctx.memory_bytes.is_some() {
        http_interface(view, out);
    }
    if let Some(max_connections) = ctx.pg_max_connections {
        postgres(view, max_connections, out);
    }
}

/// `limit_memory_hard` is a per-process RLIMIT_AS; when it is disabled or not below the container's
/// memory, one process can grow until the cgroup's OOM killer stops the whole container.
fn hard_limit(view: &View<'_>, memory: u64, out: &mut Findings) {
    let hard = view.int("limit_memory_hard");
    check_hard(view, "limit_memory_hard", hard, memory, out);
    let prefork = view.workers().is_some_and(|w| w > 0);
    if view.version >= OdooVersion::V18 && prefork {
        let gevent = view.int("limit_memory_hard_gevent");
        if gevent.in_file() && gevent.value().is_some() {
            check_hard(view, "limit_memory_hard_gevent", gevent, memory, out);
        }
    }
}

fn check_hard(view: &View<'_>, key: &str, hard: IntValue, memory: u64, out: &mut Findings) {
    let Some(value) = hard.value() else {
        return;
    };
    let version = view.version;
    let size = HumanBytes(value.max(0) as u64);
    let written = view
        .option(key)
        .map(|o| format!("{key} = {}", o.meant()))
        .unwrap_or_default();
    let subject = match hard {
        IntValue::Default(_) => {
            format!("{key} is not set, so Odoo {version} uses its default of {size}, which")
        }
        IntValue::Skipped { .. } => {
            format!("{written}, which Odoo {version} skips for its default of {size},")
        }
        _ if value <= 0 => format!("{written} disables Odoo's limit, so a process"),
        _ => format!("{written} ({size})"),
    };
    let container = HumanBytes(memory);
    let message = if value <= 0 {
        format!("{subject} can grow until the container's memory limit ({container}), where the kernel's OOM killer stops the whole container")
    } else if value as u64 >= memory {
        format!("{subject} is not below the container's memory limit ({container}): a runaway request reaches the cgroup limit before Odoo's own, and the kernel's OOM killer stops the whole container")
    } else {
        return;
    };
    out.push(
        Rule::HardLimitAboveContainer,
        Severity::Error,
        hard.line(),
        Some(key),
        message,
        format!("set {key} well below {container} (per process, virtual memory); `odoo-sizer plan --memory {memory}` computes one"),
    );
}

/// The sizing model's memory estimate of the configured process counts against the budget.
fn memory_estimate(view: &View<'_>, ctx: &Context, memory: u64, out: &mut Findings) {
    let (Some(workers), Some(cron)) = (view.workers(), view.cron()) else {
        return;
    };
    let ram = plan::estimated_ram(&ctx.knobs, workers, cron);
    if ram <= memory {
        return;
    }
    let processes = if workers > 0 {
        format!("master + {workers} HTTP + {cron} cron workers + gevent")
    } else {
        "the threaded server".to_string()
    };
    let line = view.int("workers").line();
    // What one more worker adds to the estimate.
    let per_worker =
        plan::estimated_ram(&ctx.knobs, 2, 0).saturating_sub(plan::estimated_ram(&ctx.knobs, 1, 0));
    out.push(
        Rule::MemoryOversubscribed,
        Severity::Warning,
        line,
        Some("workers"),
        format!(
            "Odoo's sizing guidance (≈{} per worker: 80 % light requests of {} MiB, 20 % heavy of {} MiB) puts {processes} at {}, more than the container's {}: under load the kernel's OOM killer stops the container",
            HumanBytes(per_worker),
            ctx.knobs.light_mb,
            ctx.knobs.heavy_mb,
            HumanBytes(ram),
            HumanBytes(memory)
        ),
        format!("lower workers/max_cron_threads (`odoo-sizer plan --memory {memory}` sizes them)"),
    );
}

fn cpu(view: &View<'_>, cpus: f64, out: &mut Findings) {
    let budget = plan::cpu_process_budget(cpus);
    let workers_value = view.int("workers");
    let (Some(workers), cron) = (view.workers(), view.cron()) else {
        return;
    };
    if workers == 0 {
        if cpus >= 2.0 {
            let written = if workers_value.in_file() {
                "workers = 0"
            } else {
                "workers is not set (0)"
            };
            out.push(
                Rule::ThreadedMode,
                Severity::Warning,
                workers_value.line(),
                Some("workers"),
                format!("{written}: the threaded server runs Python code on about one CPU at a time (GIL) with no per-request time limits and no crash isolation, on a container with {} CPUs", HumanCpus(cpus)),
                format!("run the multi-process server: (2 × {} CPUs) + 1 = {budget} processes for workers + max_cron_threads (`odoo-sizer plan` sizes them)", HumanCpus(cpus)),
            );
        }
        return;
    }
    let Some(cron) = cron else {
        return;
    };
    let total = u64::from(workers) + u64::from(cron);
    if total > u64::from(budget) {
        out.push(
            Rule::WorkersAboveCpu,
            Severity::Warning,
            workers_value.line(),
            Some("workers"),
            format!("workers ({workers}) + max_cron_threads ({cron}) = {total} processes, more than the (2 × {} CPUs) + 1 = {budget} the container's CPUs can serve: requests queue for the CPU and hit limit_time_real", HumanCpus(cpus)),
            format!("keep workers + max_cron_threads at most {budget} (`odoo-sizer plan --cpus {}` sizes them)", HumanCpus(cpus)),
        );
    }
}

/// In a container, connections through published ports reach the container's own interface, never its
/// loopback: Odoo must listen on every interface.
fn http_interface(view: &View<'_>, out: &mut Findings) {
    if view.read_spec("http_interface").is_none() {
        return;
    }
    let version = view.version;
    let option = view.option("http_interface");
    let value = option.map(|o| o.meant().into_owned()).unwrap_or_default();
    let line = option.map(|o| o.line());
    match value.as_str() {
        "0.0.0.0" | "::" | "[::]" => {}
        "" if version < OdooVersion::V19 => {}
        "" => out.push(
            Rule::HttpInterface,
            Severity::Warning,
            line,
            Some("http_interface"),
            format!("http_interface is {}: Odoo {version} listens on 0.0.0.0 but warns that Odoo 20.0 will listen on 127.0.0.1 only, which a container's published ports cannot reach", if line.is_some() { "empty" } else { "not set" }),
            "set http_interface = 0.0.0.0".to_string(),
        ),
        address => out.push(
            Rule::HttpInterface,
            Severity::Warning,
            line,
            Some("http_interface"),
            format!("Odoo listens on {address} only: connections through the container's published ports arrive on its own network interface, so Odoo is unreachable from outside unless {address} is that interface's address"),
            format!("set http_interface = 0.0.0.0{}", if version < OdooVersion::V19 { " (or leave it empty)" } else { "" }),
        ),
    }
}

/// Worst-case PostgreSQL connections of the configured pools against `max_connections` minus the
/// connections PostgreSQL reserves for superusers.
fn postgres(view: &View<'_>, max_connections: u32, out: &mut Findings) {
    let (Some(workers), Some(cron)) = (view.workers(), view.cron()) else {
        return;
    };
    let pool_of = |v: IntValue| v.value().map(|n| n.clamp(0, i64::from(u32::MAX)) as u32);
    let pool_value = view.int("db_maxconn");
    let Some(pool) = pool_of(pool_value) else {
        return;
    };
    let gevent_value = view.int("db_maxconn_gevent");
    let gevent = match (view.read_spec("db_maxconn_gevent"), gevent_value.value()) {
        (Some(_), Some(_)) => match pool_of(gevent_value) {
            Some(g) => g,
            None => return,
        },
        _ if matches!(gevent_value, IntValue::Invalid { .. }) => return,
        _ => pool,
    };
    let gevent_pool = if workers > 0 { gevent } else { 0 };
    let worst = plan::worst_case_connections(workers, cron, pool, gevent_pool);
    let usable = max_connections.saturating_sub(plan::PG_SUPERUSER_RESERVED);
    if worst <= usable {
        return;
    }
    let formula = if workers > 0 {
        format!("({workers} HTTP + {cron} cron workers) × db_maxconn {pool} + gevent {gevent_pool} + {cron} cron LISTEN")
    } else {
        format!("db_maxconn {pool} + {} cron LISTEN", u32::from(cron > 0))
    };
    out.push(
        Rule::DbMaxconnOverPg,
        Severity::Warning,
        pool_value.line().or(view.int("workers").line()),
        Some("db_maxconn"),
        format!("in the worst case Odoo opens {worst} PostgreSQL connections ({formula}), more than the {usable} PostgreSQL accepts (max_connections {max_connections} − {} reserved for superusers): busy moments end in \"too many clients\" / \"The Connection Pool Is Full\"", plan::PG_SUPERUSER_RESERVED),
        format!("lower db_maxconn (`odoo-sizer plan --pg-max-connections {max_connections}` sizes it), or raise PostgreSQL's max_connections"),
    );
}
