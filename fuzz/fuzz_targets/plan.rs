//! Fuzz target `plan`: the sizing model (`plan::plan`) and its three renderers.
//!
//! The input is structured (`arbitrary`) and mapped into the documented ranges: CPUs in (0, 4096]
//! (millicores), memory in [1 MiB, 16 TiB], every supported Odoo version, `--light-mb`/`--heavy-mb` in
//! (0, 1048576] MiB, `--heavy-ratio` in [0, 1], `--users`, `--users-per-worker` and
//! `--pg-max-connections` ≥ 1; plus `--set` pins (managed keys, other options, hyphenated and unknown
//! keys, fuzzed keys; numbers, booleans or fuzzed text; from a flag or from Odoo 19's environment) and
//! current odoo.conf values.
//!
//! Checks: `plan()` returns Ok or Err, never panics; the only errors are the ones the input can cause
//! (memory below 128 MiB, a PostgreSQL too small for the pools, a refused pin). On Ok: `workers` is not 1
//! unless pinned; for both soft/hard pairs, a computed hard limit is > 0 and below the memory budget, and
//! a computed soft limit is below the hard limit (when that is enabled); the process count matches the
//! mode; every setting exists in the version and reads back through Odoo's cast as the planned value;
//! the text, JSON and conf renderings never panic and the conf has every setting.
//!
//! libfuzzer: -max_len=1024
#![cfg_attr(not(test), no_main)]

use arbitrary::{Arbitrary, Unstructured};
use odoo_sizer::limits::Budget;
use odoo_sizer::odoo::{self, Cast, OdooVersion, Value};
use odoo_sizer::plan::render::{self, Report};
use odoo_sizer::plan::{plan, Knobs, Mode, Pin, PlanError, PlanInput, MANAGED_KEYS, MIB};
use std::collections::BTreeMap;

const MAX_MEMORY: u64 = 16 << 40;
const MIN_MEMORY_BUDGET: u64 = 128 * MIB;

/// Keys beyond the managed ones: valid options of some versions, aliases, secrets, and refused keys.
const OTHER_KEYS: &[&str] = &[
    "proxy_mode",
    "list_db",
    "db_host",
    "admin_passwd",
    "log_level",
    "http_port",
    "xmlrpc_port",
    "longpolling_port",
    "limit-memory-hard",
    "osv_memory_age_limit",
    "netrpc",
    "no_such_option",
];

#[derive(Debug, Arbitrary)]
struct PlanCase {
    millicpus: u32,
    memory: u64,
    version: u8,
    users: Option<u32>,
    light: u32,
    heavy: u32,
    heavy_ratio: u16,
    users_per_worker: u32,
    pg_max_connections: Option<u32>,
    pins: Vec<PinCase>,
    current: Vec<(Key, Text)>,
}

#[derive(Debug, Arbitrary)]
struct PinCase {
    key: Key,
    value: Text,
    from_environment: bool,
}

#[derive(Debug, Arbitrary)]
enum Key {
    Managed(u8),
    Other(u8),
    Fuzzed(String),
}

impl Key {
    fn name(&self) -> String {
        match self {
            Key::Managed(i) => MANAGED_KEYS[usize::from(*i) % MANAGED_KEYS.len()].to_string(),
            Key::Other(i) => OTHER_KEYS[usize::from(*i) % OTHER_KEYS.len()].to_string(),
            Key::Fuzzed(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Text {
    Int(i64),
    Small(u16),
    Bool(bool),
    Fuzzed(String),
}

impl Text {
    fn render(&self) -> String {
        match self {
            Text::Int(i) => i.to_string(),
            Text::Small(i) => i.to_string(),
            Text::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Text::Fuzzed(s) => s.clone(),
        }
    }
}

impl PlanCase {
    fn input(&self) -> PlanInput {
        let mb = |x: u32| f64::from(x % 1_048_576_000 + 1) / 1000.0;
        PlanInput {
            budget: Budget {
                cpus: f64::from(self.millicpus % 4_096_000 + 1) / 1000.0,
                memory_bytes: MIB + self.memory % (MAX_MEMORY - MIB + 1),
            },
            version: OdooVersion::ALL[usize::from(self.version) % OdooVersion::ALL.len()],
            knobs: Knobs {
                users: self.users.map(|u| u.max(1)),
                light_mb: mb(self.light),
                heavy_mb: mb(self.heavy),
                heavy_ratio: f64::from(self.heavy_ratio) / f64::from(u16::MAX),
                users_per_worker: self.users_per_worker.max(1),
                pg_max_connections: self.pg_max_connections.map(|c| c.max(1)),
            },
            pins: self
                .pins
                .iter()
                .take(16)
                .map(|p| Pin {
                    key: p.key.name(),
                    value: p.value.render(),
                    origin: if p.from_environment {
                        format!("ODOO_{}", p.key.name().to_ascii_uppercase())
                    } else {
                        "--set".into()
                    },
                    from_environment: p.from_environment,
                })
                .collect(),
            current: self
                .current
                .iter()
                .take(16)
                .map(|(k, v)| (k.name(), v.render()))
                .collect::<BTreeMap<_, _>>(),
        }
    }
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let Ok(case) = PlanCase::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let input = case.input();
    #[cfg(test)]
    if std::env::var_os("FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let budget = input.budget.memory_bytes;
    let p = match plan(&input) {
        Ok(p) => p,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            match e {
                PlanError::MemoryTooSmall(m) => assert!(m == budget && m < MIN_MEMORY_BUDGET),
                PlanError::PostgresTooSmall { .. } => assert!(input.knobs.pg_max_connections.is_some()),
                PlanError::PinKey { .. }
                | PlanError::PinValue { .. }
                | PlanError::PinRefused { .. }
                | PlanError::PinConflict { .. } => assert!(!input.pins.is_empty()),
                PlanError::Knob { .. } => panic!("knobs in their documented ranges refused: {message}"),
            }
            return;
        }
    };
    assert!(budget >= MIN_MEMORY_BUDGET, "planned for {budget} bytes");
    let pinned = |key: &str| p.get(key).is_some_and(|s| s.pinned_by.is_some());

    let workers = p.int("workers").expect("workers is always planned");
    if !pinned("workers") {
        assert_ne!(workers, 1, "workers = 1 breaks PDF reports");
        assert_eq!(workers == 0, p.estimate.mode == Mode::Threaded);
    }
    assert_eq!(p.estimate.mode == Mode::Threaded, p.estimate.http_workers == 0);
    assert_eq!(
        p.estimate.processes,
        match p.estimate.mode {
            Mode::Prefork => p.estimate.http_workers + p.estimate.cron_workers + 2,
            Mode::Threaded => 1,
        }
    );

    for (soft_key, hard_key) in [
        ("limit_memory_soft", "limit_memory_hard"),
        ("limit_memory_soft_gevent", "limit_memory_hard_gevent"),
    ] {
        let (soft, hard) = (p.int(soft_key), p.int(hard_key));
        if let Some(h) = hard.filter(|_| !pinned(hard_key)) {
            assert!(
                h > 0 && (h as u64) < budget,
                "{hard_key} = {h} for a budget of {budget}"
            );
        }
        if let (Some(s), Some(h)) = (soft, hard) {
            if !pinned(soft_key) && h > 0 {
                assert!(s < h, "{soft_key} = {s} is not below {hard_key} = {h}");
            }
        }
    }

    for s in &p.settings {
        let spec = odoo::spec(s.key).expect("planned keys are in the table");
        assert!(
            spec.is_active(p.version),
            "{} is not an option of {}",
            s.key,
            p.version
        );
        let written = s.value.render();
        let read = spec.cast(p.version, &written);
        let same = match (&s.value, &read) {
            (Value::Int(i), Ok(Cast::Int(j))) => i == j,
            (Value::Bool(b), Ok(Cast::Bool(c))) => b == c,
            (Value::Str(a), Ok(Cast::Str(b))) => a == b,
            (Value::Float(a), Ok(Cast::Float(b))) => a == b,
            _ => false,
        };
        assert!(
            same,
            "{} = {written:?} reads back as {read:?} in {}",
            s.key, p.version
        );
    }

    let report = Report {
        plan: &p,
        inputs: Vec::new(),
        extra_warnings: Vec::new(),
    };
    let _ = render::text(&report);
    let json = serde_json::to_string(&render::json(&report)).expect("the plan serializes");
    assert!(json.starts_with('{'));
    let conf = render::conf(&report);
    for s in &p.settings {
        assert!(
            conf.lines().any(|l| l.starts_with(&format!("{} = ", s.key))),
            "{} missing from the conf output",
            s.key
        );
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
