//! The text report of `inspect`: one block per container (limits, version, config, plan, status, the
//! current vs recommended table with reasons, findings, live memory), then a summary line.
//! Pure; secrets are already masked in the report.

use super::{Origin, TargetReport};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::plan::Mode;

fn table(out: &mut String, indent: &str, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from(indent);
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn bytes(value: Option<u64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| HumanBytes(v).to_string())
}

/// The status line of one report.
pub fn status(r: &TargetReport) -> String {
    if let Some(error) = &r.error {
        return format!("FAILED: {error}");
    }
    let count = r.changes.len();
    let missing = r.config.as_ref().is_some_and(|c| !c.exists);
    if let Some(applied) = &r.applied {
        if applied.written {
            let then = match applied.action {
                Some("reload") => "; reloaded (SIGHUP to PID 1)",
                Some("restart") => "; container restarted",
                _ => "",
            };
            return format!(
                "{count} change(s) written to {}{then}",
                r.config_path.as_deref().unwrap_or("the config")
            );
        }
    }
    if missing {
        return format!(
            "the config file does not exist: Odoo runs on its defaults; {} setting(s) recommended (--apply does not create files inside containers)",
            r.recommended.0.len()
        );
    }
    if count == 0 {
        "already sized: nothing to change".to_string()
    } else {
        format!("{count} change(s) recommended (nothing written; --apply writes them)")
    }
}

fn block(out: &mut String, r: &TargetReport) {
    let mut header = r.container.clone();
    if let Some(id) = &r.id {
        header.push_str(&format!(" ({})", short_id(id)));
    }
    if let Some(image) = &r.image {
        header.push_str(&format!(" {image}"));
    }
    out.push_str(&header);
    out.push('\n');

    let mut facts: Vec<Vec<String>> = Vec::new();
    if let Some(l) = &r.limits {
        let cpu = match l.cpu.effective_cpus {
            Some(c) => format!(
                "{} CPUs ({})",
                HumanCpus(c),
                l.cpu.source.as_deref().unwrap_or("unknown")
            ),
            None => "CPUs unknown".to_string(),
        };
        let memory = match l.memory.effective_bytes {
            Some(m) => format!(
                "{} ({})",
                HumanBytes(m),
                l.memory.source.as_deref().unwrap_or("unknown")
            ),
            None => "memory unknown".to_string(),
        };
        facts.push(vec!["limits".into(), format!("{cpu}, {memory}")]);
    }
    if let Some(version) = &r.odoo_version {
        facts.push(vec![
            "odoo".into(),
            format!(
                "{version} ({})",
                r.odoo_version_source.as_deref().unwrap_or("unknown")
            ),
        ]);
    }
    if let Some(path) = &r.config_path {
        let mut text = path.clone();
        if let Some(c) = &r.config {
            text.push_str(&format!(" ({})", config_source(c.source)));
            if !c.links.is_empty() {
                if let Some(resolved) = &c.resolved_path {
                    text.push_str(&format!(", a link to {resolved}"));
                }
            }
            if c.exists {
                text.push_str(&format!(
                    ", mode {}, owner {}:{}, {} bytes",
                    c.mode.as_deref().unwrap_or("?"),
                    c.uid.map_or("?".into(), |u| u.to_string()),
                    c.gid.map_or("?".into(), |g| g.to_string()),
                    c.size_bytes.unwrap_or(0)
                ));
            } else {
                text.push_str(", does not exist");
            }
        }
        facts.push(vec!["config".into(), text]);
    }
    if let Some(e) = &r.estimate {
        let shape = match e.mode {
            Mode::Prefork => format!(
                "prefork, {} HTTP + {} cron workers",
                e.http_workers, e.cron_workers
            ),
            Mode::Threaded => format!("threaded, {} cron threads", e.cron_workers),
        };
        facts.push(vec![
            "plan".into(),
            format!(
                "{shape}, about {} of a {} budget",
                HumanBytes(e.ram_bytes),
                HumanBytes(e.memory_budget_bytes)
            ),
        ]);
    }
    facts.push(vec!["status".into(), status(r)]);
    table(out, "  ", &facts);

    if !r.recommended.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            "KEY".to_string(),
            "CURRENT".to_string(),
            "RECOMMENDED".to_string(),
            "REASON".to_string(),
        ]];
        for (key, rec) in &r.recommended.0 {
            let current = match r.current.get(key) {
                Some(c) => {
                    let value = c.effective.clone().unwrap_or_else(|| "unset".to_string());
                    match &c.origin {
                        Origin::File => value,
                        origin => format!("{value} ({origin})"),
                    }
                }
                None => "-".to_string(),
            };
            let value = match &rec.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            rows.push(vec![key.clone(), current, value, rec.reason.clone()]);
        }
        table(out, "  ", &rows);
    }

    if !r.findings.is_empty() {
        out.push_str("\n  FINDINGS\n");
        let width = r.findings.iter().map(|f| f.rule.len()).max().unwrap_or(0);
        for f in &r.findings {
            let place = match f.line {
                Some(line) => format!("line {line}: "),
                None => String::new(),
            };
            out.push_str(&format!(
                "  {:<8} {:<width$}  {place}{}\n",
                f.severity.to_string(),
                f.rule,
                f.message
            ));
            if let Some(fix) = &f.fix {
                out.push_str(&format!("  {:<8} {:<width$}  fix: {fix}\n", "", ""));
            }
        }
    }

    if let Some(processes) = &r.processes {
        let limits = r.memory_limits.unwrap_or_default();
        out.push_str(&format!(
            "\n  PROCESSES (VSZ against limit_memory_soft {} and limit_memory_hard {})\n",
            limits
                .soft_bytes
                .map_or("disabled".to_string(), |b| HumanBytes(b).to_string()),
            limits
                .hard_bytes
                .map_or("disabled".to_string(), |b| HumanBytes(b).to_string()),
        ));
        let mut rows = vec![vec![
            "PID".to_string(),
            "ROLE".to_string(),
            "USER".to_string(),
            "RSS".to_string(),
            "VSZ".to_string(),
            "MEMORY".to_string(),
            "COMMAND".to_string(),
        ]];
        for p in processes {
            rows.push(vec![
                p.pid.to_string(),
                p.role.as_str().to_string(),
                p.user.clone().unwrap_or_else(|| "-".into()),
                bytes(p.rss_bytes),
                bytes(p.vsz_bytes),
                p.memory.as_str().to_string(),
                p.command.clone(),
            ]);
        }
        table(out, "  ", &rows);
    }
}

fn config_source(source: crate::docker::target::ConfigSource) -> &'static str {
    source.describe()
}

/// The whole text report: every block, then a summary line.
pub fn text(reports: &[TargetReport]) -> String {
    let mut out = String::new();
    if reports.is_empty() {
        out.push_str("no running container looks like Odoo (image name containing `odoo`, ODOO_VERSION in its environment, or the label odoo-sizer.enable=true)\n");
        return out;
    }
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        block(&mut out, r);
    }
    out.push('\n');
    out.push_str(&summary(reports));
    out.push('\n');
    out
}

/// `3 container(s): 1 already sized, 1 with changes recommended, 1 failed`.
pub fn summary(reports: &[TargetReport]) -> String {
    let (mut sized, mut written, mut changes, mut failed) = (0, 0, 0, 0);
    for r in reports {
        if r.error.is_some() {
            failed += 1;
        } else if r.applied.as_ref().is_some_and(|a| a.written) {
            written += 1;
        } else if r.needs_changes() {
            changes += 1;
        } else {
            sized += 1;
        }
    }
    let mut parts = vec![format!("{sized} already sized")];
    if written > 0 {
        parts.push(format!("{written} written"));
    }
    parts.push(format!("{changes} with changes recommended"));
    parts.push(format!("{failed} failed"));
    format!("{} container(s): {}", reports.len(), parts.join(", "))
}
