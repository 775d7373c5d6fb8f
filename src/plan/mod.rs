//! The sizing model: container budget + Odoo version + knobs + pins + current values in, Odoo settings
//! with a reason for every number, an estimate and warnings out. A pure function: no I/O, no clock, no
//! environment — `apply`, `init`, `inspect` and `watch` reuse it unchanged.
//!
//! The derivation and the source of every constant are in `docs/sizing.md`; [`render`] turns a plan
//! into the text, JSON and odoo.conf outputs. Must not: read files or the environment.

pub mod render;

use crate::limits::quantity::{HumanBytes, HumanCpus};
use crate::limits::Budget;
use crate::odoo::{self, Cast, KeyStatus, OdooVersion, OptionSpec, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

pub const MIB: u64 = 1 << 20;

/// Odoo's deployment docs: light requests ~150 MB, heavy ones ~1 GB, 20 % heavy, ~6 users per worker
/// (the docs' "MB" are MiB: 0.8 × 150 + 0.2 × 1024 = 324.8).
pub const DEFAULT_LIGHT_MB: f64 = 150.0;
pub const DEFAULT_HEAVY_MB: f64 = 1024.0;
pub const DEFAULT_HEAVY_RATIO: f64 = 0.2;
pub const DEFAULT_USERS_PER_WORKER: u32 = 6;

/// From this many processes in the CPU budget ((2 × 8 CPUs) + 1 = 17), a second cron worker costs at
/// most 1/16 of the HTTP capacity; below it (e.g. the docs' own 4-CPU example with 9) one cron worker.
pub const TWO_CRON_MIN_PROCESSES: u32 = 17;
/// Soft limit / hard limit ratio of Odoo's own defaults (2048 MiB / 2560 MiB).
pub const SOFT_TO_HARD: f64 = 0.8;
/// The virtual size of an idle worker: a maintainer calls ~500 MB VMS normal for the gevent process; a
/// forked HTTP worker starts at the master's VMS (interpreter, Odoo and server-wide modules imported).
pub const IDLE_WORKER_VMS: u64 = 512 * MIB;
/// Lowest soft limit that leaves an idle worker room to serve requests: Odoo's former default (640 MB,
/// quoted in the 11.0/12.0 `--limit-memory-soft` help), above the docs' example (600 MiB).
pub const SOFT_FLOOR: u64 = 640 * MIB;
/// Lowest hard limit planned in multi-process mode: SOFT_FLOOR / SOFT_TO_HARD.
pub const HARD_FLOOR: u64 = 800 * MIB;
/// Memory kept free for what is not an Odoo process but is charged to the container: page cache and
/// kernel memory, wkhtmltopdf started by report requests, the entrypoint. 5 %, between 32 MiB and 1 GiB.
pub const RESERVE_FRACTION: f64 = 0.05;
pub const RESERVE_MIN: u64 = 32 * MIB;
pub const RESERVE_MAX: u64 = 1024 * MIB;
/// Virtual size a threaded server (several threads, each with a stack and possibly a malloc arena)
/// should be allowed: a judgment, below which the hard limit, applied to the whole server by
/// `ThreadedServer.start()`, may stop threads from starting.
pub const THREADED_ADDRESS_SPACE: u64 = 1024 * MIB;
/// Below this, no Odoo process starts at all.
pub const MIN_MEMORY_BUDGET: u64 = 128 * MIB;
/// PostgreSQL's `superuser_reserved_connections` default, plus 10 % (at least 2) of `max_connections`
/// for psql, backups and monitoring.
pub const PG_SUPERUSER_RESERVED: u32 = 3;
pub const PG_ADMIN_FRACTION: f64 = 0.10;
/// Fewer than 2 connections per pool makes requests that open a second cursor wait for the first.
pub const MIN_DB_MAXCONN: u32 = 2;
/// PostgreSQL's default `max_connections`.
pub const PG_DEFAULT_MAX_CONNECTIONS: u32 = 100;

/// Every key the model may compute (pins can add any other option). On Odoo 19, `ODOO_<OPTION>`
/// variables of these keys are pins: Odoo reads them over the file.
pub const MANAGED_KEYS: &[&str] = &[
    "workers",
    "max_cron_threads",
    "limit_memory_soft",
    "limit_memory_hard",
    "limit_memory_soft_gevent",
    "limit_memory_hard_gevent",
    "limit_time_cpu",
    "limit_time_real",
    "limit_request",
    "db_maxconn",
    "db_maxconn_gevent",
    "gevent_port",
    "longpolling_port",
];

/// The model's knobs, with the official figures as defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knobs {
    /// Concurrent users; caps HTTP workers at ceil(users / users_per_worker).
    pub users: Option<u32>,
    pub light_mb: f64,
    pub heavy_mb: f64,
    pub heavy_ratio: f64,
    pub users_per_worker: u32,
    /// PostgreSQL's `max_connections`, to budget `db_maxconn`.
    pub pg_max_connections: Option<u32>,
}

impl std::default::Default for Knobs {
    fn default() -> Self {
        Knobs {
            users: None,
            light_mb: DEFAULT_LIGHT_MB,
            heavy_mb: DEFAULT_HEAVY_MB,
            heavy_ratio: DEFAULT_HEAVY_RATIO,
            users_per_worker: DEFAULT_USERS_PER_WORKER,
            pg_max_connections: None,
        }
    }
}

/// A value the user fixed, and where it came from (`--set`, `ODOO_WORKERS`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub key: String,
    pub value: String,
    pub origin: String,
    /// True for Odoo 19's `ODOO_<OPTION>` variables: Odoo reads them over the file.
    pub from_environment: bool,
}

/// Everything the model needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    pub budget: Budget,
    pub version: OdooVersion,
    pub knobs: Knobs,
    pub pins: Vec<Pin>,
    /// The current raw `[options]` values (lower-cased keys), e.g. from `--config`; may be empty.
    pub current: BTreeMap<String, String>,
}

/// Multi-process (prefork) or threaded server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Prefork,
    Threaded,
}

/// One planned key.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: &'static str,
    pub value: Value,
    pub reason: String,
    /// The pin's origin when the user fixed this value.
    pub pinned_by: Option<String>,
}

impl Setting {
    pub fn secret(&self) -> bool {
        odoo::is_secret(self.key)
    }
}

/// What the planned Odoo is expected to use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub mode: Mode,
    /// Every Odoo process: master + HTTP workers + cron workers + gevent (1 in threaded mode).
    pub processes: u32,
    pub http_workers: u32,
    /// Cron worker processes (threads in threaded mode).
    pub cron_workers: u32,
    /// Estimated resident memory of all processes.
    pub ram_bytes: u64,
    pub per_worker_bytes: u64,
    pub master_bytes: u64,
    /// 0 in threaded mode (no separate gevent process).
    pub gevent_bytes: u64,
    pub memory_budget_bytes: u64,
    pub reserve_bytes: u64,
    /// `floor(2 × CPUs) + 1`.
    pub cpu_process_budget: u32,
    /// Worker + cron processes that fit the memory budget with room for one heavy request.
    pub memory_process_budget: u32,
    /// Worst-case PostgreSQL connections with the planned (or current, or default) pool sizes.
    pub postgres_connections: u32,
    /// `max_connections` minus the reserve, when `--pg-max-connections` was given.
    pub postgres_usable_connections: Option<u32>,
}

/// Machine-readable warning kinds (stable strings in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    ThreadedMode,
    CpuOversubscribed,
    RamOverBudget,
    SoftBelowIdleVms,
    HardLimitAboveBudget,
    HardLimitTooLow,
    TightMemory,
    SoftAboveHard,
    NoHardLimit,
    SingleWorker,
    ZeroTimeLimit,
    PostgresUnchecked,
    PostgresOverBudget,
    EnvironmentOverride,
    IgnoredKey,
    /// A string option with a `; comment` after its value, which Odoo reads as part of the value (added
    /// by `apply`, under the id of the lint rule that finds it).
    InlineComment,
    /// Problems reading the limits (added by the command, from detection).
    Limits,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

/// The result of [`plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub version: OdooVersion,
    pub knobs: Knobs,
    pub budget: Budget,
    /// In a logical order: workers first.
    pub settings: Vec<Setting>,
    pub estimate: Estimate,
    pub warnings: Vec<Warning>,
    /// The current raw values of the planned keys (from [`PlanInput::current`]).
    pub current: BTreeMap<String, String>,
}

impl Plan {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|s| s.value.as_int())
    }

    pub fn has_warning(&self, code: WarningCode) -> bool {
        self.warnings.iter().any(|w| w.code == code)
    }
}

/// Why no plan could be made. Every message names the flag or variable to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("invalid {flag} {value}: {why}")]
    Knob {
        flag: &'static str,
        value: String,
        why: &'static str,
    },
    #[error("the memory budget {} is below {}, in which no Odoo process starts; if the detection is wrong, pass --memory (or set ODOO_SIZER_MEMORY)", HumanBytes(*.0), HumanBytes(MIN_MEMORY_BUDGET))]
    MemoryTooSmall(u64),
    #[error("{origin}: '{key}' {why}")]
    PinKey {
        key: String,
        origin: String,
        why: String,
    },
    #[error("{origin}: {source}")]
    PinValue {
        origin: String,
        #[source]
        source: odoo::CastError,
    },
    #[error("{origin}: {key} = '{value}' {why}")]
    PinRefused {
        key: String,
        value: String,
        origin: String,
        why: String,
    },
    #[error("{env} = '{env_value}' overrides the file in Odoo {version}, so {flag_origin} = '{flag_value}' would be ignored; unset {env} or drop the --set")]
    PinConflict {
        key: String,
        env: String,
        env_value: String,
        flag_origin: String,
        flag_value: String,
        version: OdooVersion,
    },
    #[error("PostgreSQL max_connections = {max_connections} (--pg-max-connections) leaves {usable} connections after the reserve of {reserve}, but {pools} connection pools of at least {MIN_DB_MAXCONN} connections{listen} need {needed}: raise max_connections to at least {minimum}, or pin fewer workers with --set workers=N")]
    PostgresTooSmall {
        max_connections: u32,
        usable: u32,
        reserve: u32,
        pools: u32,
        listen: String,
        needed: u32,
        minimum: u32,
    },
}

/// Validated pins, keyed by option.
struct Pins {
    values: BTreeMap<&'static str, (Value, Pin)>,
}

impl Pins {
    fn get(&self, key: &str) -> Option<&(Value, Pin)> {
        self.values.get(key)
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|(v, _)| v.as_int())
    }

    fn setting(&self, key: &'static str, what: &str) -> Option<Setting> {
        self.get(key).map(|(value, pin)| Setting {
            key,
            value: value.clone(),
            reason: pinned_reason(pin, what),
            pinned_by: Some(pin.origin.clone()),
        })
    }
}

fn pinned_reason(pin: &Pin, what: &str) -> String {
    if pin.from_environment {
        format!("pinned by {} (Odoo 19 reads it over the file){what}", pin.origin)
    } else {
        format!("pinned by {}{what}", pin.origin)
    }
}

/// Pinned `workers`/`max_cron_threads` are counted up to this many processes.
const MAX_PINNED_PROCESSES: i64 = 1_000_000;
/// Request sizes above 1 TiB are not requests.
const MAX_REQUEST_MB: f64 = 1_048_576.0;

fn validate_knobs(k: &Knobs) -> Result<(), PlanError> {
    let knob = |flag, value: String, why| Err(PlanError::Knob { flag, value, why });
    let positive = |x: f64| x.is_finite() && x > 0.0 && x <= MAX_REQUEST_MB;
    if !positive(k.light_mb) {
        return knob(
            "--light-mb",
            k.light_mb.to_string(),
            "it must be a positive number of MiB, at most 1048576",
        );
    }
    if !positive(k.heavy_mb) {
        return knob(
            "--heavy-mb",
            k.heavy_mb.to_string(),
            "it must be a positive number of MiB, at most 1048576",
        );
    }
    if !(k.heavy_ratio.is_finite() && (0.0..=1.0).contains(&k.heavy_ratio)) {
        return knob(
            "--heavy-ratio",
            k.heavy_ratio.to_string(),
            "it must be between 0 and 1",
        );
    }
    if k.users_per_worker == 0 {
        return knob("--users-per-worker", "0".into(), "it must be at least 1");
    }
    if k.users == Some(0) {
        return knob(
            "--users",
            "0".into(),
            "it must be at least 1 (leave it out when unknown)",
        );
    }
    if k.pg_max_connections == Some(0) {
        return knob("--pg-max-connections", "0".into(), "it must be at least 1");
    }
    Ok(())
}

/// Pins are checked against the version's table and cast exactly as Odoo would read them.
fn validate_pins(version: OdooVersion, pins: &[Pin]) -> Result<Pins, PlanError> {
    let mut values: BTreeMap<&'static str, (Value, Pin)> = BTreeMap::new();
    for pin in pins {
        let key_err = |why: String| PlanError::PinKey {
            key: pin.key.clone(),
            origin: pin.origin.clone(),
            why,
        };
        // The value is shown to say what was refused, but never a secret's (logs are not secret).
        let refused = |why: String| PlanError::PinRefused {
            key: pin.key.clone(),
            value: crate::conf::mask_value(&pin.key, &pin.value).into_owned(),
            origin: pin.origin.clone(),
            why,
        };
        if pin.key.contains('-') {
            return Err(key_err(format!(
                "is not an option: Odoo never maps hyphenated keys; use '{}'",
                pin.key.replace('-', "_")
            )));
        }
        let spec: &'static OptionSpec = match odoo::status(&pin.key, version) {
            KeyStatus::Active(spec) => spec,
            KeyStatus::Alias { of, .. } => {
                return Err(key_err(format!(
                    "is a deprecated alias in Odoo {version}; set '{of}' instead"
                )))
            }
            KeyStatus::Ignored { use_instead, .. } | KeyStatus::Removed { use_instead, .. } => {
                let hint = use_instead.map(|k| format!("; use '{k}'")).unwrap_or_default();
                return Err(key_err(format!("is not read by Odoo {version}{hint}")));
            }
            KeyStatus::NotYet(spec) => {
                return Err(key_err(format!(
                    "only exists from Odoo {} (planning for {version})",
                    spec.since
                )))
            }
            KeyStatus::Stale(stale) => {
                let hint = stale
                    .use_instead
                    .map(|k| format!("; use '{k}'"))
                    .unwrap_or_default();
                return Err(key_err(format!("is not an Odoo option: {}{hint}", stale.why)));
            }
            KeyStatus::Unknown => return Err(key_err(format!("is not an option of Odoo {version}"))),
        };
        if pin.value.contains(['\n', '\r']) {
            return Err(refused(
                "contains a line break, which odoo.conf cannot hold in one value".into(),
            ));
        }
        if pin.value.trim() != pin.value && spec.kind == odoo::Kind::Str {
            return Err(refused(
                "has leading or trailing spaces, which configparser strips".into(),
            ));
        }
        let cast = spec
            .cast(version, &pin.value)
            .map_err(|source| PlanError::PinValue {
                origin: pin.origin.clone(),
                source,
            })?;
        let value = pin_value(spec, version, &pin.value, cast).map_err(refused)?;
        if let Some((_, earlier)) = values.get(spec.key) {
            if earlier.from_environment != pin.from_environment {
                let (env, flag) = if earlier.from_environment {
                    (earlier, pin)
                } else {
                    (pin, earlier)
                };
                if env.value != flag.value {
                    return Err(PlanError::PinConflict {
                        key: spec.key.to_string(),
                        env: env.origin.clone(),
                        env_value: crate::conf::mask_value(spec.key, &env.value).into_owned(),
                        flag_origin: flag.origin.clone(),
                        flag_value: crate::conf::mask_value(spec.key, &flag.value).into_owned(),
                        version,
                    });
                }
                // Same value: keep the environment's origin, Odoo reads that one.
                if earlier.from_environment {
                    continue;
                }
            }
        }
        // Among flags, the last --set wins (as on any command line).
        values.insert(spec.key, (value, pin.clone()));
    }
    Ok(Pins { values })
}

/// The typed value to write for a pin. Flags must be spelled so that every reader agrees: up to 18.0
/// Odoo reads `0` or `no` as ON (a non-empty string), so only True/False (and 19.0's words) are taken.
fn pin_value(spec: &OptionSpec, version: OdooVersion, raw: &str, cast: Cast) -> Result<Value, String> {
    match (spec.kind, cast) {
        (_, Cast::None) => Err("is 'None', which Odoo 19 reads as no value; leave the key out instead".into()),
        (_, Cast::Default) => Err(format!(
            "is ignored by Odoo {version} (False is only a boolean for flags; it falls back to the default); write 0 to disable"
        )),
        (odoo::Kind::Flag, Cast::Bool(b)) => Ok(Value::Bool(b)),
        (odoo::Kind::Flag, _) => Err(format!(
            "is ambiguous for a flag: Odoo {version} reads any non-empty text as ON; write True or False"
        )),
        (odoo::Kind::Int, Cast::Int(i)) => Ok(Value::Int(i)),
        (odoo::Kind::Int, Cast::Bool(_)) => Err(format!(
            "is a boolean for an integer option (Odoo {version} would read it as {}); write a number",
            i64::from(raw == "True" || raw == "true")
        )),
        (odoo::Kind::Float, Cast::Float(x)) => Ok(Value::Float(x)),
        (odoo::Kind::Float, Cast::Bool(_)) => Err("is a boolean for a number option; write a number".into()),
        (odoo::Kind::Str | odoo::Kind::Choice(_), Cast::Str(s)) => Ok(Value::Str(s)),
        (odoo::Kind::Str | odoo::Kind::Choice(_), Cast::Bool(b)) => Ok(Value::Bool(b)),
        (_, other) => Err(format!("cannot be used as a value of this option ({other:?})")),
    }
}

fn mib(bytes: u64) -> String {
    HumanBytes(bytes).to_string()
}

fn floor_mib(bytes: u64) -> u64 {
    bytes / MIB * MIB
}

fn mib_to_bytes(mb: f64) -> u64 {
    (mb * MIB as f64).round() as u64
}

/// How the process counts were decided, for the reasons.
struct Sizing {
    mode: Mode,
    http: u32,
    cron: u32,
    fallback: Option<Fallback>,
    bound: Bound,
}

#[derive(Clone, Copy, PartialEq)]
enum Fallback {
    /// Fewer than 2 HTTP workers were possible, prefork minimum fits memory: 2 workers.
    TwoWorkers,
    /// Even 2 HTTP + 1 cron do not fit memory: threaded server.
    Threaded,
}

#[derive(Clone, Copy, PartialEq)]
enum Bound {
    Cpu,
    Users,
    Memory,
    Pinned,
}

/// The memory arithmetic shared by the steps.
struct MemoryModel {
    budget: u64,
    reserve: u64,
    per_worker: u64,
    master: u64,
    gevent: u64,
    /// What one worker must be able to grow to: max(heavy request, HARD_FLOOR).
    heavy_room: u64,
}

impl MemoryModel {
    fn new(budget: u64, knobs: &Knobs) -> MemoryModel {
        let per_worker_mb = knobs.light_mb * (1.0 - knobs.heavy_ratio) + knobs.heavy_mb * knobs.heavy_ratio;
        let per_worker = mib_to_bytes(per_worker_mb);
        MemoryModel {
            budget,
            reserve: ((budget as f64 * RESERVE_FRACTION) as u64).clamp(RESERVE_MIN, RESERVE_MAX),
            per_worker,
            master: mib_to_bytes(knobs.light_mb),
            gevent: per_worker,
            heavy_room: mib_to_bytes(knobs.heavy_mb).max(HARD_FLOOR),
        }
    }

    /// Largest number of worker + cron processes such that all processes at their estimate, plus one
    /// worker grown to a heavy request, plus the reserve, fit the budget.
    fn process_budget(&self) -> u32 {
        self.process_budget_with(self.heavy_room)
    }

    /// The same with only HARD_FLOOR of room for the growing worker: the tightest multi-process setup
    /// that still has working memory limits.
    fn minimal_process_budget(&self) -> u32 {
        self.process_budget_with(HARD_FLOOR)
    }

    fn process_budget_with(&self, room: u64) -> u32 {
        let fixed = self.master + self.gevent + room + self.reserve;
        match self.budget.checked_sub(fixed) {
            Some(left) => u32::try_from(left / self.per_worker.max(1) + 1).unwrap_or(u32::MAX),
            None => 0,
        }
    }

    fn prefork_ram(&self, workers_and_cron: u32) -> u64 {
        self.master + u64::from(workers_and_cron) * self.per_worker + self.gevent
    }

    fn threaded_ram(&self) -> u64 {
        self.master + self.per_worker
    }
}

/// Makes the plan. See `docs/sizing.md` for the derivation.
pub fn plan(input: &PlanInput) -> Result<Plan, PlanError> {
    validate_knobs(&input.knobs)?;
    let version = input.version;
    let budget = input.budget;
    if budget.memory_bytes < MIN_MEMORY_BUDGET {
        return Err(PlanError::MemoryTooSmall(budget.memory_bytes));
    }
    let pins = validate_pins(version, &input.pins)?;
    let knobs = &input.knobs;
    let memory = MemoryModel::new(budget.memory_bytes, knobs);
    let mut warnings: Vec<Warning> = Vec::new();
    let mut warn = |code, message: String| warnings.push(Warning { code, message });

    // --- processes ---
    let cpu_budget = cpu_process_budget(budget.cpus);
    let memory_budget = memory.process_budget();
    let users_cap = knobs.users.map(|u| u.div_ceil(knobs.users_per_worker));
    let sizing = size_processes(
        cpu_budget,
        memory_budget,
        memory.minimal_process_budget(),
        users_cap,
        &pins,
    );
    let (mode, http, cron) = (sizing.mode, sizing.http, sizing.cron);
    let mut settings: Vec<Setting> = Vec::new();

    let cpus = HumanCpus(budget.cpus);
    let cpu_formula = format!("(2 × {cpus} CPUs) + 1 = {cpu_budget} processes");
    let memory_formula = format!(
        "{} fits {memory_budget} worker and cron processes of {} each (with the master, the gevent process, room for one heavy request and the reserve)",
        mib(memory.budget),
        mib(memory.per_worker)
    );

    settings.push(match pins.setting("workers", "") {
        Some(s) => s,
        None => Setting {
            key: "workers",
            value: Value::Int(i64::from(http)),
            reason: workers_reason(
                &sizing,
                &cpu_formula,
                &memory_formula,
                users_cap,
                knobs,
                cpu_budget,
            ),
            pinned_by: None,
        },
    });
    settings.push(match pins.setting("max_cron_threads", "") {
        Some(s) => s,
        None => Setting {
            key: "max_cron_threads",
            value: Value::Int(i64::from(cron)),
            reason: cron_reason(&sizing, cpu_budget),
            pinned_by: None,
        },
    });

    match sizing.fallback {
        Some(Fallback::Threaded) => warn(
            WarningCode::ThreadedMode,
            format!(
                "{} cannot hold the smallest multi-process setup (2 HTTP workers + 1 cron worker + master + gevent ≈ {}, plus {} for one process to grow to and the reserve): planned the threaded server (workers = 0), which has no per-request time limits and no crash isolation; give the container at least {} for multi-process mode",
                mib(memory.budget),
                mib(memory.prefork_ram(3)),
                mib(HARD_FLOOR),
                mib(min_prefork_budget(knobs))
            ),
        ),
        Some(Fallback::TwoWorkers) if cpu_budget < 2 + cron => warn(
            WarningCode::CpuOversubscribed,
            format!(
                "{cpu_formula}, fewer than the 2 HTTP workers + {cron} cron worker planned (Odoo needs at least 2 workers for PDF reports): requests will queue for the CPU"
            ),
        ),
        _ => {}
    }
    if http == 1 && mode == Mode::Prefork {
        warn(
            WarningCode::SingleWorker,
            "workers = 1: Odoo refuses to print PDF reports with fewer than 2 workers".into(),
        );
    }
    // One per key Odoo 19 takes from its environment (the value is not shown: it may be a secret).
    for (key, (_, pin)) in pins.values.iter().filter(|(_, (_, p))| p.from_environment) {
        warn(
            WarningCode::EnvironmentOverride,
            format!(
                "{} is set: Odoo {version} uses it instead of odoo.conf's {key}",
                pin.origin
            ),
        );
    }

    // --- estimate ---
    let (processes, ram) = match mode {
        Mode::Prefork => (http + cron + 2, memory.prefork_ram(http + cron)),
        Mode::Threaded => (1, memory.threaded_ram()),
    };
    if ram > memory.budget {
        warn(
            WarningCode::RamOverBudget,
            format!(
                "the estimated {} for {processes} Odoo processes exceeds the memory budget of {}: the kernel's OOM killer may stop the container",
                mib(ram),
                mib(memory.budget)
            ),
        );
    }

    // --- memory limits ---
    // What one process may grow to while every other one stays at its estimate.
    let others = match mode {
        Mode::Prefork => ram.saturating_sub(memory.per_worker),
        Mode::Threaded => 0,
    };
    let room = memory.budget.saturating_sub(memory.reserve + others);
    let limits = memory_limits(
        spec_of("limit_memory_soft"),
        spec_of("limit_memory_hard"),
        version,
        &memory,
        room,
        mode,
        others,
        &pins,
    );
    check_memory_limits(&limits, &memory, "", &mut warnings);
    settings.extend(limits.settings);
    if mode == Mode::Prefork && version >= OdooVersion::V18 {
        let gevent_others = ram.saturating_sub(memory.gevent);
        let gevent_room = memory.budget.saturating_sub(memory.reserve + gevent_others);
        let gevent = memory_limits(
            spec_of("limit_memory_soft_gevent"),
            spec_of("limit_memory_hard_gevent"),
            version,
            &memory,
            gevent_room,
            mode,
            gevent_others,
            &pins,
        );
        check_memory_limits(&gevent, &memory, " (gevent)", &mut warnings);
        settings.extend(gevent.settings);
    }

    // --- time limits and limit_request: only repaired ---
    for key in ["limit_time_cpu", "limit_time_real", "limit_request"] {
        if let Some(setting) = time_limit(key, version, mode, &pins, &input.current, &mut warnings) {
            settings.push(setting);
        }
    }

    // --- PostgreSQL connections ---
    let (db_settings, connections, usable) = db_connections(
        version,
        mode,
        http,
        cron,
        knobs,
        &pins,
        &input.current,
        &mut warnings,
    )?;
    settings.extend(db_settings);

    // --- gevent / longpolling port ---
    if mode == Mode::Prefork {
        settings.push(port_setting(version, &pins, &input.current, &mut warnings));
    }

    // --- any other pin ---
    for (key, (value, pin)) in &pins.values {
        if settings.iter().all(|s| s.key != *key) {
            settings.push(Setting {
                key,
                value: value.clone(),
                reason: pinned_reason(pin, ""),
                pinned_by: Some(pin.origin.clone()),
            });
        }
    }

    let current = settings
        .iter()
        .filter_map(|s| {
            input
                .current
                .get(s.key)
                .map(|raw| (s.key.to_string(), raw.clone()))
        })
        .collect();
    Ok(Plan {
        version,
        knobs: knobs.clone(),
        budget,
        settings,
        estimate: Estimate {
            mode,
            processes,
            http_workers: if mode == Mode::Prefork { http } else { 0 },
            cron_workers: cron,
            ram_bytes: ram,
            per_worker_bytes: memory.per_worker,
            master_bytes: memory.master,
            gevent_bytes: if mode == Mode::Prefork { memory.gevent } else { 0 },
            memory_budget_bytes: memory.budget,
            reserve_bytes: memory.reserve,
            cpu_process_budget: cpu_budget,
            memory_process_budget: memory_budget,
            postgres_connections: connections,
            postgres_usable_connections: usable,
        },
        warnings,
        current,
    })
}

/// The table entry of a key the model manages. These are constants of this module, all in the table
/// (unit-tested), so a miss is a programming error, not an input problem.
fn spec_of(key: &str) -> &'static OptionSpec {
    odoo::spec(key).expect("every key the model manages is in the option table")
}

/// `floor(2 × CPUs) + 1`: the docs' rule of thumb with fractional CPUs (1.5 CPUs → 4 processes).
pub fn cpu_process_budget(cpus: f64) -> u32 {
    let doubled = (2.0 * cpus).floor();
    if doubled.is_finite() && doubled >= 0.0 {
        (doubled as u64).saturating_add(1).min(u64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// The model's estimate of the resident memory of an Odoo configured by hand (for `lint`): `workers`
/// HTTP workers and `cron` cron workers with the master and the gevent process, or the threaded server
/// when `workers` is 0. The same arithmetic as [`Estimate::ram_bytes`] of a plan with those counts pinned.
pub fn estimated_ram(knobs: &Knobs, workers: u32, cron: u32) -> u64 {
    // The per-process figures do not depend on the budget.
    let memory = MemoryModel::new(0, knobs);
    if workers > 0 {
        memory.prefork_ram(workers.saturating_add(cron))
    } else {
        memory.threaded_ram()
    }
}

/// Worst-case PostgreSQL connections of an Odoo configured by hand (for `lint`), as
/// [`Estimate::postgres_connections`] counts them: one pool of `pool` connections per HTTP and cron
/// worker, the gevent process's pool of `gevent_pool`, and one LISTEN connection per cron worker; the
/// threaded server (`workers` = 0) has one pool and one LISTEN connection when it runs cron threads.
pub fn worst_case_connections(workers: u32, cron: u32, pool: u32, gevent_pool: u32) -> u32 {
    if workers > 0 {
        workers
            .saturating_add(cron)
            .saturating_mul(pool)
            .saturating_add(gevent_pool)
            .saturating_add(cron)
    } else {
        pool.saturating_add(u32::from(cron > 0))
    }
}

/// The smallest budget (in MiB) that holds 2 HTTP + 1 cron workers under the same rules.
fn min_prefork_budget(knobs: &Knobs) -> u64 {
    let fits = |mib_count: u64| MemoryModel::new(mib_count * MIB, knobs).minimal_process_budget() >= 3;
    let (mut low, mut high) = (1u64, 1u64 << 30);
    while low < high {
        let mid = low + (high - low) / 2;
        if fits(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low * MIB
}

fn size_processes(
    cpu_budget: u32,
    memory_budget: u32,
    minimal_memory_budget: u32,
    users_cap: Option<u32>,
    pins: &Pins,
) -> Sizing {
    // Odoo accepts any number; beyond a million processes nothing is meaningful, and the bound keeps
    // every sum and product of the model far from overflowing.
    let clamp = |i: i64| i.clamp(0, MAX_PINNED_PROCESSES) as u32;
    let cron_pin = pins.int("max_cron_threads").map(clamp);
    let cron_cpu = if cpu_budget >= TWO_CRON_MIN_PROCESSES {
        2
    } else {
        1
    };
    let cron_target = cron_pin.unwrap_or(cron_cpu);
    if let Some(workers) = pins.int("workers").map(clamp) {
        let mode = if workers > 0 {
            Mode::Prefork
        } else {
            Mode::Threaded
        };
        let cron = match cron_pin {
            Some(c) => c,
            None if workers > 0 && workers + cron_target > memory_budget => 1,
            None => cron_target,
        };
        return Sizing {
            mode,
            http: workers,
            cron,
            fallback: None,
            bound: Bound::Pinned,
        };
    }
    let http_cpu = cpu_budget.saturating_sub(cron_target);
    let (http_want, mut bound) = match users_cap {
        Some(cap) if cap < http_cpu => (cap, Bound::Users),
        _ => (http_cpu, Bound::Cpu),
    };
    let (mut http, mut cron) = (http_want, cron_target);
    if http_want + cron_target > memory_budget {
        cron = cron_pin.unwrap_or(1);
        http = http_want.min(memory_budget.saturating_sub(cron));
        bound = Bound::Memory;
    }
    if http >= 2 {
        return Sizing {
            mode: Mode::Prefork,
            http,
            cron,
            fallback: None,
            bound,
        };
    }
    if minimal_memory_budget >= 2 + cron.max(1) {
        Sizing {
            mode: Mode::Prefork,
            http: 2,
            cron,
            fallback: Some(Fallback::TwoWorkers),
            bound,
        }
    } else {
        Sizing {
            mode: Mode::Threaded,
            http: 0,
            cron: cron_pin.unwrap_or(1),
            fallback: Some(Fallback::Threaded),
            bound,
        }
    }
}

fn workers_reason(
    s: &Sizing,
    cpu: &str,
    memory: &str,
    users_cap: Option<u32>,
    k: &Knobs,
    cpu_budget: u32,
) -> String {
    let cron = s.cron;
    let users = match (k.users, users_cap) {
        (Some(u), Some(cap)) => format!("; {u} users / {} per worker → {cap} needed", k.users_per_worker),
        _ => String::new(),
    };
    match (s.fallback, s.bound) {
        (Some(Fallback::Threaded), _) => {
            format!("threaded server: even 2 HTTP workers + 1 cron worker do not fit ({memory})")
        }
        (Some(Fallback::TwoWorkers), _) => {
            let why = if users_cap.is_some_and(|c| c < 2) && cpu_budget >= 2 + cron {
                format!(
                    "{} users need {} worker",
                    k.users.unwrap_or(0),
                    users_cap.unwrap_or(0)
                )
            } else if s.bound == Bound::Memory {
                format!("{memory}; 2 HTTP + {cron} cron fit only with a tighter hard limit")
            } else {
                format!("{cpu} − {cron} cron = {}", cpu_budget.saturating_sub(cron))
            };
            format!("2, the minimum: Odoo needs at least 2 workers for PDF reports ({why})")
        }
        (None, Bound::Cpu) => format!("{cpu} − {cron} cron = {} HTTP workers{users}", s.http),
        (None, Bound::Users) => format!(
            "{} HTTP workers for {} users at {} per worker (the CPU allows {}: {cpu} − {cron} cron)",
            s.http,
            k.users.unwrap_or(0),
            k.users_per_worker,
            cpu_budget.saturating_sub(cron)
        ),
        (None, Bound::Memory) => format!(
            "{} HTTP workers, limited by memory: {memory} − {cron} cron (the CPU would allow {}){users}",
            s.http,
            cpu_budget.saturating_sub(cron)
        ),
        (None, Bound::Pinned) => "pinned".into(),
    }
}

fn cron_reason(s: &Sizing, cpu_budget: u32) -> String {
    match (s.mode, s.cron) {
        (Mode::Threaded, _) => format!(
            "{} cron thread{} in the threaded server: the smallest setup",
            s.cron,
            if s.cron == 1 { "" } else { "s" }
        ),
        (_, 2) => format!(
            "2 cron workers (Odoo's default): the CPU budget of {cpu_budget} processes is at least {TWO_CRON_MIN_PROCESSES} (8 CPUs), so the second costs at most 1/16 of the HTTP capacity"
        ),
        _ if s.bound == Bound::Memory && cpu_budget >= TWO_CRON_MIN_PROCESSES => {
            "1 cron worker: memory is the limit, and a second cron worker would take an HTTP worker's memory".into()
        }
        _ => format!(
            "1 cron worker process: a second one would take a slot of the {cpu_budget}-process CPU budget from HTTP (2 only from {TWO_CRON_MIN_PROCESSES} processes, i.e. 8 CPUs)"
        ),
    }
}

/// The planned soft/hard pair (and the facts needed to check it).
struct MemoryLimits {
    settings: Vec<Setting>,
    soft: Option<i64>,
    hard: Option<i64>,
    room: u64,
    mode: Mode,
    hard_pinned: bool,
}

#[allow(clippy::too_many_arguments)]
fn memory_limits(
    soft_spec: &'static OptionSpec,
    hard_spec: &'static OptionSpec,
    version: OdooVersion,
    m: &MemoryModel,
    room: u64,
    mode: Mode,
    others: u64,
    pins: &Pins,
) -> MemoryLimits {
    // Odoo's defaults of the non-gevent options are the ceiling (the *_gevent ones default to them).
    let default_hard = spec_of("limit_memory_hard")
        .default_int(version)
        .unwrap_or(0)
        .max(0) as u64;
    let default_soft = spec_of("limit_memory_soft")
        .default_int(version)
        .unwrap_or(0)
        .max(0) as u64;
    let raised = m.heavy_room > default_hard;
    let ceiling = default_hard.max(m.heavy_room);
    // Never 0 (that disables the limit) and always strictly below the budget.
    let floor = HARD_FLOOR.min(m.budget.saturating_sub(m.reserve));
    let hard = floor_mib(ceiling.min(room.max(floor)));
    let who = match (soft_spec.key.ends_with("_gevent"), mode) {
        (true, _) => "the gevent process",
        (false, Mode::Prefork) => "each worker",
        (false, Mode::Threaded) => "the server",
    };
    let hard_reason = {
        let room_text = match mode {
            Mode::Prefork => format!(
                "{} − {} reserve − {} for the other processes at their estimate = {}",
                mib(m.budget),
                mib(m.reserve),
                mib(others),
                mib(room)
            ),
            Mode::Threaded => format!("{} − {} reserve = {}", mib(m.budget), mib(m.reserve), mib(room)),
        };
        let cap = if raised {
            format!(
                "{} (raised above Odoo's default {} for --heavy-mb {})",
                mib(ceiling),
                mib(default_hard),
                m.heavy_room / MIB
            )
        } else {
            format!("Odoo's default {}", mib(default_hard))
        };
        let binding = if hard < ceiling {
            "below Odoo's default so that "
        } else {
            ""
        };
        format!(
            "virtual memory (RLIMIT_AS) of {who}: min({cap}, {room_text}) = {}; {binding}a runaway process gets MemoryError before the container's OOM killer fires",
            mib(hard)
        )
    };
    let mut settings = Vec::new();
    let hard_setting = pins.setting(hard_spec.key, "").unwrap_or(Setting {
        key: hard_spec.key,
        value: Value::Int(hard as i64),
        reason: hard_reason,
        pinned_by: None,
    });
    let hard_value = hard_setting.value.as_int();
    let hard_pinned = hard_setting.pinned_by.is_some();
    let basis = match hard_value {
        Some(h) if h > 0 => h as u64,
        _ => hard,
    };
    let soft_ceiling = if raised {
        (ceiling as f64 * SOFT_TO_HARD) as u64
    } else {
        default_soft
    };
    let soft = floor_mib(soft_ceiling.min((basis as f64 * SOFT_TO_HARD) as u64));
    let soft_setting = pins.setting(soft_spec.key, "").unwrap_or_else(|| Setting {
        key: soft_spec.key,
        value: Value::Int(soft as i64),
        reason: if mode == Mode::Threaded {
            format!(
                "{} of the hard limit, at most Odoo's default {}: above it the threaded server reloads itself after the current request",
                percent(SOFT_TO_HARD),
                mib(default_soft)
            )
        } else {
            format!(
                "{} of the hard limit (the ratio of Odoo's defaults, 2048/2560 MiB), at most Odoo's default {}; above the ~{} virtual size of an idle worker, so {who} is recycled only after memory-hungry requests",
                percent(SOFT_TO_HARD),
                mib(soft_ceiling),
                mib(IDLE_WORKER_VMS)
            )
        },
        pinned_by: None,
    });
    let soft_value = soft_setting.value.as_int();
    settings.push(soft_setting);
    settings.push(hard_setting);
    MemoryLimits {
        settings,
        soft: soft_value,
        hard: hard_value,
        room,
        mode,
        hard_pinned,
    }
}

fn percent(x: f64) -> String {
    format!("{}%", (x * 100.0).round())
}

fn check_memory_limits(l: &MemoryLimits, m: &MemoryModel, whose: &str, warnings: &mut Vec<Warning>) {
    // The gevent process serves websockets, not heavy requests: only the workers need the heavy room.
    let runs_heavy_requests = whose.is_empty();
    let mut warn = |code, message: String| warnings.push(Warning { code, message });
    match l.hard {
        Some(h) if h <= 0 => warn(
            WarningCode::NoHardLimit,
            format!("the hard memory limit{whose} is disabled (0): a runaway request can grow until the OOM killer stops the whole container"),
        ),
        Some(h) if h as u64 >= m.budget => warn(
            WarningCode::HardLimitAboveBudget,
            format!("the hard memory limit{whose} ({}) is not below the memory budget ({}): the OOM killer fires before Odoo's limit", mib(h as u64), mib(m.budget)),
        ),
        Some(h) if (h as u64) > l.room && l.mode == Mode::Prefork && !l.hard_pinned => warn(
            WarningCode::HardLimitTooLow,
            format!("there is only {} left for one runaway process{whose}; its hard limit of {} cannot keep the OOM killer away", mib(l.room), mib(h as u64)),
        ),
        Some(h) if (h as u64) > l.room && l.hard_pinned => warn(
            WarningCode::HardLimitAboveBudget,
            format!("the pinned hard memory limit{whose} ({}) exceeds the {} one process can grow to while the others stay at their estimate", mib(h as u64), mib(l.room)),
        ),
        _ => {}
    }
    if let Some(h) = l.hard.filter(|h| {
        runs_heavy_requests
            && *h > 0
            && (*h as u64) < m.heavy_room
            && l.mode == Mode::Prefork
            && !l.hard_pinned
    }) {
        warn(
            WarningCode::TightMemory,
            format!(
                "only {} of virtual memory is left for one worker to grow (limit_memory_hard): requests needing more than that (the model's heavy requests take {}) fail with MemoryError; more memory, or fewer workers, gives them room",
                mib(h as u64),
                mib(m.heavy_room)
            ),
        );
    }
    if let Some(h) = l
        .hard
        .filter(|h| l.mode == Mode::Threaded && *h > 0 && (*h as u64) < THREADED_ADDRESS_SPACE)
    {
        warn(
            WarningCode::HardLimitTooLow,
            format!(
                "the threaded server applies limit_memory_hard ({}) to its whole address space, thread stacks and malloc arenas included; below ~{} it may fail to start threads (\"can't start new thread\"): check that Odoo starts, or give the container more memory",
                mib(h as u64),
                mib(THREADED_ADDRESS_SPACE)
            ),
        );
    }
    if let (Some(s), Some(h)) = (l.soft, l.hard) {
        if h > 0 && s >= h {
            warn(
                WarningCode::SoftAboveHard,
                format!("limit_memory_soft{whose} ({s}) is not below limit_memory_hard ({h}): workers hit MemoryError before they are recycled"),
            );
        }
    }
    if let Some(s) = l.soft.filter(|s| *s > 0 && (*s as u64) < SOFT_FLOOR) {
        warn(
            WarningCode::SoftBelowIdleVms,
            format!(
                "the soft memory limit{whose} ({}) is below the {} an Odoo process needs to serve requests (its idle virtual size is ~{}): expect recycling after most requests{}",
                mib(s as u64),
                mib(SOFT_FLOOR),
                mib(IDLE_WORKER_VMS),
                if l.mode == Mode::Threaded { " and server reloads" } else { "" }
            ),
        );
    }
}

/// Time limits and `limit_request` are left alone unless the current value cannot work in multi-process
/// mode (0, negative, or unreadable): then the version's default, with the reason.
fn time_limit(
    key: &'static str,
    version: OdooVersion,
    mode: Mode,
    pins: &Pins,
    current: &BTreeMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Option<Setting> {
    let spec = spec_of(key);
    if let Some(setting) = pins.setting(key, "") {
        if mode == Mode::Prefork && setting.value.as_int().is_some_and(|v| v <= 0) {
            warnings.push(Warning {
                code: WarningCode::ZeroTimeLimit,
                message: format!(
                    "{key} = {} is pinned, but in multi-process mode it kills or recycles workers in a loop",
                    setting.value
                ),
            });
        }
        return Some(setting);
    }
    if mode != Mode::Prefork {
        return None;
    }
    let raw = current.get(key)?;
    let default = spec.default_int(version)?;
    let effect = match key {
        "limit_time_cpu" => "RLIMIT_CPU would kill each worker at its first request",
        "limit_time_real" => "the master would kill every worker as soon as it starts a request",
        _ => "each worker would be recycled after every request",
    };
    let why = match spec.cast(version, raw) {
        Err(e) => format!("the current value '{raw}' is refused by Odoo ({})", e.why),
        Ok(Cast::Default) => return None,
        Ok(cast) => match cast.as_int() {
            Some(v) if v > 0 => return None,
            Some(v) => format!("the current value '{raw}' means {v}, and in multi-process mode {effect}"),
            None => format!("the current value '{raw}' is not a number Odoo can compute with"),
        },
    };
    Some(Setting {
        key,
        value: Value::Int(default),
        reason: format!("{why}: set to Odoo {version}'s default {default}"),
        pinned_by: None,
    })
}

/// Pool sizes when `--pg-max-connections` is given; the worst-case count either way.
#[allow(clippy::too_many_arguments)]
fn db_connections(
    version: OdooVersion,
    mode: Mode,
    http: u32,
    cron: u32,
    knobs: &Knobs,
    pins: &Pins,
    current: &BTreeMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<Setting>, u32, Option<u32>), PlanError> {
    let has_gevent_pool = version >= OdooVersion::V17;
    // Pools: one per HTTP and cron worker, plus the gevent process; each cron worker also LISTENs on
    // one extra connection. Threaded: one pool and one LISTEN connection.
    let (pools, listen) = match mode {
        Mode::Prefork => (http + cron, cron),
        Mode::Threaded => (1, u32::from(cron > 0)),
    };
    let gevent_pools = u32::from(mode == Mode::Prefork);
    let current_int = |key: &str| -> Option<i64> {
        let raw = current.get(key)?;
        spec_of(key).cast(version, raw).ok()?.as_int()
    };
    let pool_size = |key: &str| pins.int(key).or_else(|| current_int(key)).filter(|v| *v > 0);
    let default_pool = spec_of("db_maxconn").default_int(version).unwrap_or(64);
    let worst = |m: u32, g: u32| {
        pools
            .saturating_mul(m)
            .saturating_add(gevent_pools * g)
            .saturating_add(listen)
    };
    let Some(max_connections) = knobs.pg_max_connections else {
        let m = pool_size("db_maxconn")
            .unwrap_or(default_pool)
            .clamp(0, i64::from(u32::MAX)) as u32;
        let g = if has_gevent_pool {
            pool_size("db_maxconn_gevent").map(|g| g as u32).unwrap_or(m)
        } else {
            m
        };
        let total = worst(m, g);
        let mut settings = Vec::new();
        for key in ["db_maxconn", "db_maxconn_gevent"] {
            settings.extend(pins.setting(key, ""));
        }
        if total > PG_DEFAULT_MAX_CONNECTIONS {
            warnings.push(Warning {
                code: WarningCode::PostgresUnchecked,
                message: format!(
                    "in the worst case Odoo opens {total} PostgreSQL connections ({pools} pools × {m}{}{}), more than PostgreSQL's default max_connections of {PG_DEFAULT_MAX_CONNECTIONS}; pass --pg-max-connections to size db_maxconn",
                    if gevent_pools > 0 { format!(" + gevent {g}") } else { String::new() },
                    if listen > 0 { format!(" + {listen} cron LISTEN") } else { String::new() }
                ),
            });
        }
        return Ok((settings, total, None));
    };
    let reserve =
        PG_SUPERUSER_RESERVED + ((f64::from(max_connections) * PG_ADMIN_FRACTION).ceil() as u32).max(2);
    let usable = max_connections.saturating_sub(reserve);
    let share = pools + gevent_pools;
    let fitted = usable.saturating_sub(listen) / share.max(1);
    let m = fitted.min(default_pool.clamp(0, i64::from(u32::MAX)) as u32);
    let pinned_m = pins.int("db_maxconn");
    if m < MIN_DB_MAXCONN && pinned_m.is_none() {
        let needed = share * MIN_DB_MAXCONN + listen;
        return Err(PlanError::PostgresTooSmall {
            max_connections,
            usable,
            reserve,
            pools: share,
            listen: if listen > 0 {
                format!(
                    " plus {listen} cron LISTEN connection{}",
                    if listen == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            },
            needed,
            minimum: needed + reserve,
        });
    }
    let formula = format!(
        "PostgreSQL max_connections {max_connections} − {reserve} reserved (superuser_reserved_connections 3 + 10 % for admin tools) − {listen} cron LISTEN = {}, shared by {share} pools ({}{})",
        usable.saturating_sub(listen),
        match mode {
            Mode::Prefork => format!("{http} HTTP + {cron} cron workers + the gevent process"),
            Mode::Threaded => "the threaded server".into(),
        },
        if fitted > m { format!("; capped at Odoo's default {m}") } else { String::new() },
    );
    let mut settings = vec![pins.setting("db_maxconn", "").unwrap_or(Setting {
        key: "db_maxconn",
        value: Value::Int(i64::from(m)),
        reason: format!("connections per process: {formula} → {m}"),
        pinned_by: None,
    })];
    let m_eff = pinned_m
        .map(|p| p.clamp(0, i64::from(u32::MAX)) as u32)
        .unwrap_or(m);
    let mut g = m_eff;
    if has_gevent_pool && mode == Mode::Prefork {
        let setting = pins.setting("db_maxconn_gevent", "").unwrap_or(Setting {
            key: "db_maxconn_gevent",
            value: Value::Int(i64::from(m)),
            reason: format!(
                "the gevent process's pool, same share as a worker's ({m}); unset it would follow db_maxconn"
            ),
            pinned_by: None,
        });
        g = setting
            .value
            .as_int()
            .map(|v| v.clamp(0, i64::from(u32::MAX)) as u32)
            .unwrap_or(m);
        settings.push(setting);
    }
    let total = worst(m_eff, g);
    if total > usable {
        warnings.push(Warning {
            code: WarningCode::PostgresOverBudget,
            message: format!("the pinned pool sizes allow {total} PostgreSQL connections in the worst case, more than the {usable} available (max_connections {max_connections} − {reserve} reserved): expect \"The Connection Pool Is Full\""),
        });
    }
    Ok((settings, total, Some(usable)))
}

/// The port `/websocket` (≤ 15.0: `/longpolling`) must be routed to in multi-process mode.
fn port_setting(
    version: OdooVersion,
    pins: &Pins,
    current: &BTreeMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Setting {
    let (key, path) = if version >= OdooVersion::V16 {
        ("gevent_port", "/websocket")
    } else {
        ("longpolling_port", "/longpolling")
    };
    let route = format!("multi-process mode serves {path} from the gevent process on this port: route {path} to it in the reverse proxy");
    if let Some(s) = pins.setting(key, &format!("; {route}")) {
        return s;
    }
    let spec = spec_of(key);
    let valid = |k: &str| -> Option<i64> {
        let raw = current.get(k)?;
        spec_of(k)
            .cast(version, raw)
            .ok()?
            .as_int()
            .filter(|p| (1..=65535).contains(p))
    };
    if let Some(port) = valid(key) {
        return Setting {
            key,
            value: Value::Int(port),
            reason: format!("kept; {route}"),
            pinned_by: None,
        };
    }
    if key == "gevent_port" && version <= OdooVersion::V17 {
        if let Some(port) = valid("longpolling_port") {
            let status = if version == OdooVersion::V16 {
                warnings.push(Warning {
                    code: WarningCode::IgnoredKey,
                    message: format!("longpolling_port = {port} is ignored as a file key by Odoo 16.0, which listens on gevent_port (default 8072); the plan moves the value to gevent_port"),
                });
                "ignored by Odoo 16.0 as a file key"
            } else {
                "a deprecated alias in 17.0, removed in 18.0"
            };
            return Setting {
                key,
                value: Value::Int(port),
                reason: format!("the port of longpolling_port ({status}) under its current name; {route}"),
                pinned_by: None,
            };
        }
    }
    let default = spec.default_int(version).filter(|p| *p > 0).unwrap_or(8072);
    Setting {
        key,
        value: Value::Int(default),
        reason: format!("Odoo's default; {route}"),
        pinned_by: None,
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Prefork => "multi-process",
            Mode::Threaded => "threaded",
        })
    }
}

#[cfg(test)]
mod tests;
