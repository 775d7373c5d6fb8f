//! `odoo-sizer detect`: print the limits and where each value comes from.

use super::ArgSources;
use crate::cli::{DetectArgs, Format};
use crate::error::{Error, Exit, Result};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::limits::Limits;
use std::io::Write;

pub fn run(args: &DetectArgs, sources: &ArgSources, out: &mut dyn Write) -> Result<Exit> {
    let limits = super::limits(&args.limits, sources, true);
    match args.format {
        Format::Json => super::write_json(out, &limits)?,
        Format::Text => out
            .write_all(render_text(&limits).as_bytes())
            .map_err(Error::Output)?,
    }
    // The result is printed either way; a missing value is still an error for scripts.
    limits.budget()?;
    Ok(Exit::Success)
}

fn version(v: Option<u8>) -> String {
    match v {
        Some(v) => format!("cgroup v{v}"),
        None => "no cgroup controller".to_string(),
    }
}

/// A short human summary with the source of each value.
pub fn render_text(limits: &Limits) -> String {
    let cpu = &limits.cpu;
    let memory = &limits.memory;
    let unknown = || "unknown".to_string();
    let mut text = String::new();
    let mut line = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };

    line(format!(
        "CPU     {:<12} from {}",
        cpu.effective_cpus
            .map(|c| format!("{} CPUs", HumanCpus(c)))
            .unwrap_or_else(unknown),
        cpu.source.as_deref().unwrap_or("nowhere")
    ));
    line(format!(
        "        quota: {}; affinity: {}; cpuset: {}; {}{}",
        match (cpu.quota_cpus, cpu.quota_us, cpu.period_us) {
            (Some(c), Some(q), Some(p)) => format!("{} CPUs ({q}/{p} µs)", HumanCpus(c)),
            _ => "none".to_string(),
        },
        cpu.affinity_cpus
            .map(|a| format!("{a} CPUs"))
            .unwrap_or_else(unknown),
        cpu.cpuset_cpus
            .map(|a| format!("{a} CPUs"))
            .unwrap_or_else(|| "-".to_string()),
        version(cpu.version),
        cpu.cgroup_path
            .as_deref()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default(),
    ));
    line(format!(
        "Memory  {:<12} from {}",
        memory
            .effective_bytes
            .map(|b| HumanBytes(b).to_string())
            .unwrap_or_else(unknown),
        memory.source.as_deref().unwrap_or("nowhere")
    ));
    let bytes = |b: Option<u64>| {
        b.map(|b| HumanBytes(b).to_string())
            .unwrap_or_else(|| "none".to_string())
    };
    line(format!(
        "        max: {}; high: {}; swap: {}; host: {}; {}{}",
        bytes(memory.max_bytes),
        bytes(memory.high_bytes),
        bytes(memory.swap_max_bytes),
        memory
            .host_total_bytes
            .map(|b| HumanBytes(b).to_string())
            .unwrap_or_else(unknown),
        version(memory.version),
        memory
            .cgroup_path
            .as_deref()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default(),
    ));
    if limits.approximate {
        line(
            "Approximate: the process's cgroup is outside the visible hierarchy; see the warnings"
                .to_string(),
        );
    }
    for warning in &limits.warnings {
        line(format!("warning: {warning}"));
    }
    text
}
