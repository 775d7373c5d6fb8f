//! `odoo-sizer watch`: keeps running Odoo containers sized while they run.
//!
//! Glue: connect (exit 6 when the engine cannot be used at start) → subscribe to container events (from
//! a second before the resync, so nothing falls between them) → resync every selected container → loop
//! over: events (a `start` or `update` is debounced per container; `die`/`destroy` drop pending work),
//! the resync timer, SIGTERM/SIGINT. For each container due: is it selected (the rules of `inspect --all`,
//! narrowed by `--filter`, asked again just before acting)? → [`size_container`] → [`live_action`] →
//! [`write_sized`] with SIGHUP (or SIGTTIN/SIGTTOU), or the log line of what `--dry-run` would do. A
//! broken event stream is reconnected with backoff and followed by a resync. One log line per decision.

use super::inspect::{size_container, write_sized, After, Sizing};
use super::ArgSources;
use crate::cli::WatchArgs;
use crate::docker::events::{self, Action, ContainerEvent};
use crate::docker::select::{self, odoo_verdict, Selection, Verdict};
use crate::docker::target::Target;
use crate::docker::{self, ConnectOptions, DockerError, Engine};
use crate::error::{Error, Exit, Result};
use crate::watch::{live_action, Backoff, Debouncer, Decision, Outcome, Trigger};
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::Instant;

/// The target of `watch`'s log lines.
const TARGET: &str = "odoo_sizer::watch";

/// How long work already under way may go on after SIGTERM/SIGINT (a write is followed by its signal).
const GRACE: Duration = Duration::from_millis(700);

/// Containers worked on at once during a resync.
const RESYNC_CONCURRENCY: usize = 4;

/// Reconnection: the first wait, and the longest.
const BACKOFF_INITIAL: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// A stream that lived this long resets the backoff when it breaks.
const STABLE: Duration = Duration::from_secs(60);

type Events = Pin<Box<dyn Stream<Item = std::result::Result<ContainerEvent, DockerError>>>>;

pub fn run(args: &WatchArgs, sources: &ArgSources) -> Result<Exit> {
    let runtime = docker::runtime().map_err(|e| {
        Error::Docker(DockerError::Transport {
            host: "-".into(),
            action: "start the runtime of the Docker client".into(),
            message: e.to_string(),
        })
    })?;
    runtime.block_on(watch(args, sources))
}

/// A log line with an `event` field (and the given ones) in JSON.
fn note(level: log::Level, event: &str, message: &str, extra: &[(&str, serde_json::Value)]) {
    let mut fields = serde_json::Map::new();
    fields.insert("event".into(), event.into());
    for (key, value) in extra {
        fields.insert((*key).to_string(), value.clone());
    }
    crate::logging::structured(level, TARGET, message, &fields);
}

fn log_decision(decision: &Decision) {
    crate::logging::structured(decision.level(), TARGET, &decision.message(), &decision.fields());
}

/// SIGTERM and SIGINT, as one future.
struct Shutdown {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn new() -> Result<Shutdown> {
        let register = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| {
                Error::Docker(DockerError::Transport {
                    host: "-".into(),
                    action: format!("handle {name}"),
                    message: e.to_string(),
                })
            })
        };
        Ok(Shutdown {
            term: register(SignalKind::terminate(), "SIGTERM")?,
            int: register(SignalKind::interrupt(), "SIGINT")?,
        })
    }

    /// The name of the signal received.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// Seconds since the epoch, a second ago: where a new subscription starts, so that nothing that happens
/// while the resync runs is missed (a replayed event only sizes a container once more).
fn since_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 - 1)
        .unwrap_or(0)
}

/// Connects and subscribes. `Err` when the engine cannot be used.
async fn connect(filters: &[String]) -> std::result::Result<(Engine, Events), DockerError> {
    let engine = Engine::connect(&ConnectOptions::from_env()).await?;
    engine.facts().await?;
    let stream = events::container_events(&engine, filters, Some(since_now()))?;
    Ok((engine, Box::pin(stream)))
}

/// What an event's container is to `watch`.
enum Resolved {
    Selected(Box<Target>),
    /// Exists and runs, but is not selected: why.
    NotSelected {
        name: String,
        why: String,
    },
    /// Removed or stopped.
    Gone {
        name: Option<String>,
        why: String,
    },
    Failed(DockerError),
}

struct Watcher<'a> {
    args: &'a WatchArgs,
    sizing: Sizing<'a>,
    selection: Selection,
    engine: Engine,
    /// Selected containers seen so far (ID → name), to tell their `die`/`destroy` from others'.
    known: HashMap<String, String>,
    /// Names given by the events of containers waiting for their turn (ID → name), for the log of a
    /// container that is gone when its turn comes.
    names: HashMap<String, String>,
}

impl Watcher<'_> {
    /// Is container `id` selected now? Asks the engine with the selection narrowed to it.
    async fn resolve(&self, id: &str) -> Resolved {
        match select::select(&self.engine, &self.selection.narrowed_to(id), 1).await {
            Err(e) => return Resolved::Failed(e),
            Ok(outcomes) => {
                for outcome in outcomes {
                    match outcome.result {
                        Ok(selected) if selected.target.id == id => {
                            return Resolved::Selected(Box::new(selected.target))
                        }
                        Ok(_) => {}
                        Err(DockerError::NoSuchContainer { .. }) => {}
                        Err(e) => return Resolved::Failed(e),
                    }
                }
            }
        }
        // Not in the selected listing: say why.
        let facts = match self.engine.facts().await {
            Ok(facts) => facts,
            Err(e) => return Resolved::Failed(e),
        };
        match select::inspect_target(&self.engine, id, &facts).await {
            Err(DockerError::NoSuchContainer { .. }) => Resolved::Gone {
                name: None,
                why: "removed".into(),
            },
            Err(e) => Resolved::Failed(e),
            Ok(target) if !target.running => Resolved::Gone {
                name: Some(target.name.clone()),
                why: format!("it is {}", target.state),
            },
            Ok(target) => match odoo_verdict(&target.image, &target.env, &target.labels) {
                Verdict::NotOdoo(why) => Resolved::NotSelected {
                    name: target.name,
                    why,
                },
                Verdict::Odoo(_) => Resolved::NotSelected {
                    name: target.name,
                    why: format!(
                        "it does not match --filter {}",
                        self.args.filter.join(" --filter ")
                    ),
                },
            },
        }
    }

    /// Works on container `id` after an event.
    async fn handle_id(&self, id: &str, trigger: Trigger) -> Decision {
        let known = self
            .known
            .get(id)
            .or_else(|| self.names.get(id))
            .map(String::as_str);
        match self.resolve(id).await {
            Resolved::Selected(target) => self.handle_target(&target, trigger).await,
            Resolved::NotSelected { name, why } => {
                let mut d = Decision::new(Outcome::Ignored, &name, id, Some(trigger));
                d.reason = format!("not selected: {why}");
                d
            }
            Resolved::Gone { name, why } => {
                let name = name.as_deref().or(known).unwrap_or(id);
                let mut d = Decision::new(Outcome::Gone, name, id, Some(trigger));
                d.reason = format!("{why} before it could be sized");
                d
            }
            Resolved::Failed(e) => {
                let mut d = Decision::new(Outcome::Failed, known.unwrap_or(id), id, Some(trigger));
                d.reason = "could not tell whether it is selected".into();
                d.error = Some(e.to_string());
                d
            }
        }
    }

    /// A failure, or the container vanishing under our feet (removed or stopped between the event and
    /// the read or the write): the engine says which.
    async fn failed_or_gone(&self, mut d: Decision, error: String) -> Decision {
        let facts = self.engine.facts().await;
        let gone = match facts {
            Ok(facts) => match select::inspect_target(&self.engine, &d.id, &facts).await {
                Err(DockerError::NoSuchContainer { .. }) => Some("removed".to_string()),
                Ok(target) if !target.running => Some(format!("it is {}", target.state)),
                _ => None,
            },
            Err(_) => None,
        };
        match gone {
            Some(why) => {
                d.decision = Outcome::Gone;
                d.reason = format!("{why} while it was being sized");
                d.error = Some(error);
            }
            None => {
                d.decision = Outcome::Failed;
                d.error = Some(error);
            }
        }
        d
    }

    /// Sizes one selected container and, when its file changes, writes it and brings Odoo in line.
    async fn handle_target(&self, target: &Target, trigger: Trigger) -> Decision {
        let mut d = Decision::new(Outcome::Unchanged, &target.name, &target.id, Some(trigger));
        d.dry_run = self.args.dry_run;
        if let Ok(budget) = target.limits.budget() {
            d.cpus = Some(budget.cpus);
            d.memory_bytes = Some(budget.memory_bytes);
        }
        let sized = size_container(&self.engine, &self.sizing, target).await;
        if let Some(error) = sized.report.error.clone() {
            d.reason = "nothing written".into();
            return self.failed_or_gone(d, error).await;
        }
        d.changes = sized.report.changes.clone();
        if sized.bytes.is_none() {
            d.reason = "the file already holds the plan".into();
            return d;
        }
        if sized.file.is_none() {
            d.decision = Outcome::Failed;
            d.reason = "nothing written".into();
            d.error = Some(super::inspect::missing_config(target));
            return d;
        }
        let (live, why) = live_action(self.args.mode, &d.changes, &sized.report.current);
        d.signal = Some(live.signal().name());
        d.signals = live.count();
        d.reason = why;
        if self.args.dry_run {
            d.decision = Outcome::WouldApply;
            return d;
        }
        let report = write_sized(
            &self.engine,
            target,
            sized,
            &After::Signal(live.signal(), live.count()),
        )
        .await;
        let written = report.applied.as_ref().is_some_and(|a| a.written);
        match report.error {
            None => {
                d.decision = Outcome::Applied;
                d
            }
            Some(error) => {
                if !written {
                    d.signal = None;
                    d.signals = 0;
                    d.reason = "nothing written".into();
                } else {
                    d.reason = "the file was written, the signal failed".into();
                }
                self.failed_or_gone(d, error).await
            }
        }
    }

    /// Sizes every selected container now. `Err` when the engine cannot be used.
    async fn resync(&mut self, trigger: Trigger) -> std::result::Result<usize, DockerError> {
        let outcomes = select::select(&self.engine, &self.selection, RESYNC_CONCURRENCY).await?;
        let targets: Vec<Target> = outcomes
            .into_iter()
            .filter_map(|o| match o.result {
                Ok(selected) => Some(selected.target),
                Err(e) => {
                    note(
                        log::Level::Warn,
                        "resync-error",
                        &format!("resync: {}: {e}", o.requested),
                        &[("container", o.requested.clone().into())],
                    );
                    None
                }
            })
            .collect();
        let count = targets.len();
        let this = &*self;
        let decisions = docker::map_bounded(targets, RESYNC_CONCURRENCY, |target| async move {
            let d = this.handle_target(&target, trigger).await;
            (target.id.clone(), target.name.clone(), d)
        })
        .await;
        for (id, name, decision) in decisions {
            self.known.insert(id, name);
            log_decision(&decision);
        }
        Ok(count)
    }
}

/// The main loop. Returns 0 after SIGTERM/SIGINT; an error only when the engine cannot be used at start.
async fn watch(args: &WatchArgs, sources: &ArgSources) -> Result<Exit> {
    let mut shutdown = Shutdown::new()?;
    let connected = tokio::select! {
        c = connect(&args.filter) => c,
        name = shutdown.recv() => {
            note(log::Level::Info, "stopped", &format!("received {name} while connecting: stopped"), &[]);
            return Ok(Exit::Success);
        }
    };
    let (engine, mut stream) = connected?;
    note(
        log::Level::Info,
        "connected",
        &format!(
            "watching {} (API {}){}, mode {}, resync every {} s{}",
            engine.host(),
            engine.api_version(),
            if args.filter.is_empty() {
                String::new()
            } else {
                format!(", filter {}", args.filter.join(", "))
            },
            match args.mode {
                crate::watch::Mode::Reload => "reload",
                crate::watch::Mode::Ttin => "ttin",
            },
            args.resync,
            if args.dry_run { ", dry run" } else { "" }
        ),
        &[
            ("host", engine.host().to_string().into()),
            ("dry_run", args.dry_run.into()),
        ],
    );
    let mut watcher = Watcher {
        args,
        sizing: Sizing {
            plan: &args.plan,
            fix: args.fix,
            sources,
            processes: false,
        },
        selection: Selection {
            names: Vec::new(),
            all: true,
            filters: args.filter.clone(),
        },
        engine,
        known: HashMap::new(),
        names: HashMap::new(),
    };
    let mut debouncer = Debouncer::new(Duration::from_millis(args.debounce));
    let mut backoff = Backoff::new(BACKOFF_INITIAL, BACKOFF_MAX);
    let mut connected_at = Instant::now();
    let period = Duration::from_secs(args.resync);
    let mut resync = tokio::time::interval_at(Instant::now() + period, period);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    // The first resync, with SIGTERM honoured.
    let mut pending_resync = Some(Trigger::Startup);

    loop {
        if let Some(trigger) = pending_resync.take() {
            let stopped = {
                let work = watcher.resync(trigger);
                tokio::pin!(work);
                tokio::select! {
                    result = &mut work => {
                        match result {
                            Ok(n) => note(log::Level::Info, "resynced", &format!("{}: {n} selected container(s) looked at", trigger.name()), &[("containers", n.into()), ("trigger", trigger.name().into())]),
                            Err(e) => note(log::Level::Warn, "resync-error", &format!("{}: cannot list the containers: {e}", trigger.name()), &[("error", e.to_string().into())]),
                        }
                        None
                    }
                    name = shutdown.recv() => {
                        let _ = tokio::time::timeout(GRACE, &mut work).await;
                        Some(name)
                    }
                }
            };
            if let Some(name) = stopped {
                return Ok(stop(name));
            }
        }
        let next_due = debouncer.next_due();
        tokio::select! {
            name = shutdown.recv() => return Ok(stop(name)),
            _ = resync.tick() => pending_resync = Some(Trigger::Resync),
            item = stream.next() => match item {
                Some(Ok(event)) => on_event(&mut watcher, &mut debouncer, event),
                Some(Err(e)) => {
                    note(log::Level::Warn, "disconnected", &e.to_string(), &[("error", e.to_string().into())]);
                    if connected_at.elapsed() > STABLE {
                        backoff.reset();
                    }
                    match reconnect(&args.filter, &mut backoff, &mut shutdown).await {
                        Reconnected::Stopped(name) => return Ok(stop(name)),
                        Reconnected::To(engine, events) => {
                            watcher.engine = engine;
                            stream = events;
                            connected_at = Instant::now();
                            pending_resync = Some(Trigger::Reconnect);
                        }
                    }
                }
                None => {
                    // the stream yields its error before ending: only a bug lands here
                    note(log::Level::Warn, "disconnected", "the event stream ended", &[]);
                    match reconnect(&args.filter, &mut backoff, &mut shutdown).await {
                        Reconnected::Stopped(name) => return Ok(stop(name)),
                        Reconnected::To(engine, events) => {
                            watcher.engine = engine;
                            stream = events;
                            connected_at = Instant::now();
                            pending_resync = Some(Trigger::Reconnect);
                        }
                    }
                }
            },
            _ = sleep_until(next_due) => {
                let due = debouncer.take_due(std::time::Instant::now());
                let (done, stopped) = {
                    let w = &watcher;
                    let work = async move {
                        let mut out = Vec::new();
                        for (id, trigger) in due {
                            let d = w.handle_id(&id, trigger).await;
                            log_decision(&d);
                            out.push((id, d));
                        }
                        out
                    };
                    tokio::pin!(work);
                    tokio::select! {
                        done = &mut work => (Some(done), None),
                        name = shutdown.recv() => {
                            (tokio::time::timeout(GRACE, &mut work).await.ok(), Some(name))
                        }
                    }
                };
                if let Some(done) = done {
                    for (id, _) in &done {
                        watcher.names.remove(id);
                    }
                    remember(&mut watcher.known, done);
                }
                if let Some(name) = stopped {
                    return Ok(stop(name));
                }
            }
        }
    }
}

fn remember(known: &mut HashMap<String, String>, done: Vec<(String, Decision)>) {
    for (id, d) in done {
        match d.decision {
            Outcome::Ignored | Outcome::Gone | Outcome::Stopped => {
                known.remove(&id);
            }
            _ => {
                known.insert(id, d.container);
            }
        }
    }
}

/// Sleeps until `due`, or forever when nothing is due.
async fn sleep_until(due: Option<std::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

fn stop(signal: &str) -> Exit {
    note(
        log::Level::Info,
        "stopped",
        &format!("received {signal}: stopped"),
        &[("signal", signal.into())],
    );
    Exit::Success
}

/// Schedules a container on `start`/`update`; drops pending work on `die`/`destroy`.
fn on_event(watcher: &mut Watcher<'_>, debouncer: &mut Debouncer, event: ContainerEvent) {
    let now = std::time::Instant::now();
    let name = event.name.clone().unwrap_or_else(|| event.id.clone());
    match event.action {
        Action::Start | Action::Update => {
            let trigger = if event.action == Action::Start {
                Trigger::Start
            } else {
                Trigger::Update
            };
            debouncer.schedule(&event.id, trigger, now);
            if let Some(name) = event.name {
                watcher.names.insert(event.id, name);
            }
        }
        Action::Die | Action::Destroy => {
            let pending = debouncer.cancel(&event.id);
            watcher.names.remove(&event.id);
            let what = if event.action == Action::Die {
                "die event: it stopped"
            } else {
                "destroy event: it was removed"
            };
            let known = if event.action == Action::Destroy {
                watcher.known.remove(&event.id).is_some()
            } else {
                watcher.known.contains_key(&event.id)
            };
            let mut d = Decision::new(Outcome::Stopped, &name, &event.id, None);
            d.reason = if pending {
                format!("{what}: pending work dropped")
            } else {
                what.to_string()
            };
            if known || pending {
                log_decision(&d);
            } else {
                log::debug!("{}", d.message());
            }
        }
        Action::Other(action) => log::debug!("{name}: event {action} ignored"),
    }
}

enum Reconnected {
    To(Engine, Events),
    Stopped(&'static str),
}

/// Reconnects with backoff until it works or a stop signal arrives.
async fn reconnect(filters: &[String], backoff: &mut Backoff, shutdown: &mut Shutdown) -> Reconnected {
    loop {
        let delay = backoff.next_delay();
        note(
            log::Level::Info,
            "reconnecting",
            &format!("reconnecting in {:.1} s", delay.as_secs_f64()),
            &[("delay_ms", (delay.as_millis() as u64).into())],
        );
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            name = shutdown.recv() => return Reconnected::Stopped(name),
        }
        let attempt = tokio::select! {
            c = connect(filters) => c,
            name = shutdown.recv() => return Reconnected::Stopped(name),
        };
        match attempt {
            Ok((engine, events)) => {
                note(
                    log::Level::Info,
                    "reconnected",
                    &format!("reconnected to {} (API {})", engine.host(), engine.api_version()),
                    &[("host", engine.host().to_string().into())],
                );
                return Reconnected::To(engine, events);
            }
            Err(e) => note(
                log::Level::Warn,
                "reconnect-failed",
                &format!("cannot reconnect: {e}"),
                &[("error", e.to_string().into())],
            ),
        }
    }
}
