//! `watch`'s pure core: how to make a running Odoo match its freshly sized file (a reload, or SIGTTIN /
//! SIGTTOU when only the worker count changed), the debouncing of event bursts per container, the
//! reconnection backoff, and the decision records that are logged (one per decision).
//!
//! Must not: talk to the engine, sleep or log (the command `commands::watch` does).

use crate::apply::ChangeReport;
use crate::docker::control::Signal;
use crate::inspect::{Current, Ordered, Origin};
use crate::limits::quantity::{HumanBytes, HumanCpus};
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How `watch` brings a running Odoo in line with the file it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// SIGHUP to PID 1: Odoo re-executes itself (same PID) and re-reads odoo.conf
    #[default]
    Reload,
    /// When only `workers` changed (between two multi-process values), add or remove HTTP workers live
    /// with SIGTTIN/SIGTTOU (one per worker); anything else still reloads
    Ttin,
}

/// What to send once the sized file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// SIGHUP: the whole file is re-read.
    Reload,
    /// SIGTTIN (`signal`) or SIGTTOU, `count` times: one HTTP worker more or less each.
    Workers { signal: Signal, count: usize },
}

impl Live {
    pub fn signal(&self) -> Signal {
        match self {
            Live::Reload => Signal::Hup,
            Live::Workers { signal, .. } => *signal,
        }
    }

    pub fn count(&self) -> usize {
        match self {
            Live::Reload => 1,
            Live::Workers { count, .. } => *count,
        }
    }
}

fn positive_int(value: Option<&str>) -> Option<i64> {
    value
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
}

/// How to apply `changes` (the edit just made) to the running Odoo, and why. `--mode ttin` uses
/// SIGTTIN/SIGTTOU only when the edit changes `workers` alone, from one multi-process value to another
/// (0 is the threaded server: a different server, which needs the re-exec), and Odoo runs with the
/// file's value (a `--workers` option or `ODOO_WORKERS` would make the file's value irrelevant).
/// Everything else — memory limits, cron workers, a missing key — needs the reload.
pub fn live_action(mode: Mode, changes: &[ChangeReport], current: &Ordered<Current>) -> (Live, String) {
    if mode == Mode::Reload {
        return (Live::Reload, "--mode reload".into());
    }
    let others: Vec<&str> = changes
        .iter()
        .filter(|c| c.key != "workers")
        .map(|c| c.key.as_str())
        .collect();
    if !others.is_empty() {
        return (
            Live::Reload,
            format!("{} changed too: only a reload applies them", others.join(", ")),
        );
    }
    let Some(change) = changes.iter().find(|c| c.key == "workers") else {
        return (Live::Reload, "workers did not change".into());
    };
    if change.action != "updated" {
        return (
            Live::Reload,
            format!("workers was {} in the file (not set before)", change.action),
        );
    }
    if current.get("workers").is_some_and(|c| c.origin != Origin::File) {
        return (
            Live::Reload,
            "Odoo does not take workers from the file (command line or environment)".into(),
        );
    }
    match (
        positive_int(change.old.as_deref()),
        positive_int(change.new.as_deref()),
    ) {
        (Some(old), Some(new)) if old != new => {
            let signal = if new > old { Signal::Ttin } else { Signal::Ttou };
            let count = old.abs_diff(new) as usize;
            (
                Live::Workers { signal, count },
                format!("only workers changed ({old} -> {new})"),
            )
        }
        _ => (
            Live::Reload,
            "workers switches between the threaded and the multi-process server".into(),
        ),
    }
}

/// What made `watch` look at a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The container started.
    Start,
    /// `docker update`: its limits may have changed.
    Update,
    /// The periodic resync (events can be missed).
    Resync,
    /// The resync when `watch` starts.
    Startup,
    /// The resync after the event stream was reconnected.
    Reconnect,
}

impl Trigger {
    pub fn name(&self) -> &'static str {
        match self {
            Trigger::Start => "start",
            Trigger::Update => "update",
            Trigger::Resync => "resync",
            Trigger::Startup => "startup",
            Trigger::Reconnect => "reconnect",
        }
    }

    /// Several triggers folded into one run: an event beats a resync, an update beats a start.
    fn merge(self, other: Trigger) -> Trigger {
        let rank = |t: Trigger| match t {
            Trigger::Update => 3,
            Trigger::Start => 2,
            Trigger::Startup | Trigger::Reconnect => 1,
            Trigger::Resync => 0,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Folds bursts of events per container into one run: a container is due `delay` after its last event,
/// but never later than `4 × delay` after the first one of the burst (a container that keeps changing
/// is still looked at).
#[derive(Debug)]
pub struct Debouncer {
    delay: Duration,
    pending: HashMap<String, Pending>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    first: Instant,
    due: Instant,
    trigger: Trigger,
}

impl Debouncer {
    pub fn new(delay: Duration) -> Debouncer {
        Debouncer {
            delay,
            pending: HashMap::new(),
        }
    }

    /// Notes an event for `id` at `now`.
    pub fn schedule(&mut self, id: &str, trigger: Trigger, now: Instant) {
        let delay = self.delay;
        let entry = self.pending.entry(id.to_string()).or_insert(Pending {
            first: now,
            due: now + delay,
            trigger,
        });
        entry.trigger = entry.trigger.merge(trigger);
        entry.due = (now + delay).min(entry.first + delay * 4);
    }

    /// Forgets `id` (it stopped or was removed).
    pub fn cancel(&mut self, id: &str) -> bool {
        self.pending.remove(id).is_some()
    }

    /// When the next container is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.due).min()
    }

    /// The containers due at `now`, removed from the pending set (in ID order).
    pub fn take_due(&mut self, now: Instant) -> Vec<(String, Trigger)> {
        let mut due: Vec<(String, Trigger)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(id, p)| (id.clone(), p.trigger))
            .collect();
        due.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, _) in &due {
            self.pending.remove(id);
        }
        due
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Exponential backoff for reconnecting: `initial`, doubling up to `max`; [`Backoff::reset`] after a
/// connection that worked.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            next: initial,
        }
    }

    /// The wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

/// What `watch` decided for one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The sized file was written and Odoo reloaded (or its workers adjusted).
    Applied,
    /// `--dry-run`: it would have been written; nothing was.
    WouldApply,
    /// The file already holds the plan: nothing to do.
    Unchanged,
    /// The config cannot be sized (refused, missing, unreadable) or the write/signal failed.
    Failed,
    /// The container went away (removed or stopped) before it could be worked on.
    Gone,
    /// It stopped (`die`) or was removed (`destroy`): pending work dropped.
    Stopped,
    /// Not selected (not Odoo, filtered out, `odoo-sizer.enable=false`): never acted on.
    Ignored,
}

impl Outcome {
    fn word(&self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::WouldApply => "would apply",
            Outcome::Unchanged => "already sized",
            Outcome::Failed => "failed",
            Outcome::Gone => "gone",
            Outcome::Stopped => "stopped",
            Outcome::Ignored => "ignored",
        }
    }
}

/// One decision, logged as one line (`--log-format json`: these fields, plus `level`, `target`,
/// `message` and `event: "decision"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub decision: Outcome,
    /// The container's name (its ID when the name is unknown).
    pub container: String,
    pub id: String,
    pub trigger: Option<Trigger>,
    /// Why: what changed or failed, in words.
    pub reason: String,
    /// The limits sized for.
    pub cpus: Option<f64>,
    pub memory_bytes: Option<u64>,
    /// The edits made (or that would be made), secrets masked.
    pub changes: Vec<ChangeReport>,
    /// `SIGHUP`, `SIGTTIN` or `SIGTTOU` when one was (or would be) sent.
    pub signal: Option<&'static str>,
    /// How many times.
    pub signals: usize,
    pub dry_run: bool,
    pub error: Option<String>,
}

impl Decision {
    pub fn new(decision: Outcome, container: &str, id: &str, trigger: Option<Trigger>) -> Decision {
        Decision {
            decision,
            container: container.to_string(),
            id: id.to_string(),
            trigger,
            reason: String::new(),
            cpus: None,
            memory_bytes: None,
            changes: Vec::new(),
            signal: None,
            signals: 0,
            dry_run: false,
            error: None,
        }
    }

    /// The line a person reads (text logs): everything the JSON fields say.
    pub fn message(&self) -> String {
        let mut text = self.container.clone();
        if let Some(trigger) = self.trigger {
            text.push_str(&format!(" ({})", trigger.name()));
        }
        text.push_str(": ");
        text.push_str(self.decision.word());
        if !self.changes.is_empty() {
            let list: Vec<String> = self
                .changes
                .iter()
                .map(|c| match (&c.old, &c.new) {
                    (Some(old), Some(new)) => format!("{} {old} -> {new}", c.key),
                    (None, Some(new)) => format!("{} = {new} ({})", c.key, c.action),
                    _ => format!("{} ({})", c.key, c.action),
                })
                .collect();
            text.push_str(&format!(" [{}]", list.join(", ")));
        }
        if let (Some(cpus), Some(memory)) = (self.cpus, self.memory_bytes) {
            let unit = if cpus == 1.0 { "CPU" } else { "CPUs" };
            text.push_str(&format!(
                " for {} {unit} / {}",
                HumanCpus(cpus),
                HumanBytes(memory)
            ));
        }
        if let Some(signal) = self.signal {
            let verb = if self.dry_run { "would send" } else { "sent" };
            if self.signals > 1 {
                text.push_str(&format!(", {verb} {signal} x{}", self.signals));
            } else {
                text.push_str(&format!(", {verb} {signal}"));
            }
        }
        if !self.reason.is_empty() {
            text.push_str(&format!(" ({})", self.reason));
        }
        if self.dry_run && self.decision == Outcome::WouldApply {
            text.push_str(" [dry run: nothing written]");
        }
        if let Some(error) = &self.error {
            text.push_str(&format!(": {error}"));
        }
        text
    }

    /// Failures are warnings; a periodic resync that finds nothing to do and ignored containers are
    /// debug lines; everything else is info.
    pub fn level(&self) -> log::Level {
        match self.decision {
            Outcome::Failed => log::Level::Warn,
            Outcome::Ignored => log::Level::Debug,
            Outcome::Unchanged if self.trigger == Some(Trigger::Resync) => log::Level::Debug,
            _ => log::Level::Info,
        }
    }

    /// The fields of the JSON line.
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        map.insert("event".into(), "decision".into());
        map
    }
}

#[cfg(test)]
mod tests;
