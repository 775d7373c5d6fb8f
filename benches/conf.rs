//! The odoo.conf core on generated realistic files of 40, 400, 4 000 and 40 000 lines, with throughput
//! in bytes (Criterion prints MiB/s; `bench/report.py` turns the estimates into MB/s and ns per line):
//!
//! - `conf_parse`: `Document::parse` alone;
//! - `conf_edit`: parse + `set_many` of the planned keys into `[options]` + the bytes to write, the document
//!   work of `apply` (set_many renders, re-parses and verifies the edited document, so this is two parses
//!   and a check; the bytes are then the edited document's own, taken over without a copy);
//! - `conf_apply_core`: everything `apply` does between reading and writing the file, with the same
//!   library calls as `src/commands/apply.rs`: `Prepared::new` (parse, refusal rules), the current values,
//!   `plan`, `Prepared::apply` (`set_many`) and the bytes to write (`src/commands/apply.rs` writes
//!   `outcome.document.as_bytes()`, no copy).
//!
//! Built with the release profile (opt-level "s", LTO), i.e. the code as shipped.

mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use odoo_sizer::apply::{Prepared, OPTIONS};
use odoo_sizer::conf::Document;
use odoo_sizer::limits::Budget;
use odoo_sizer::odoo::OdooVersion;
use odoo_sizer::plan::{self, Knobs, PlanInput};
use std::hint::black_box;

/// The bench input of `bench/compare.sh`: 2 CPUs, 4 GiB, Odoo 18.0, PostgreSQL max_connections 100.
fn plan_input(current: std::collections::BTreeMap<String, String>) -> PlanInput {
    PlanInput {
        budget: Budget {
            cpus: 2.0,
            memory_bytes: 4 << 30,
        },
        version: OdooVersion::V18,
        knobs: Knobs {
            pg_max_connections: Some(100),
            ..Knobs::default()
        },
        pins: Vec::new(),
        current,
    }
}

fn planned_settings() -> Vec<(&'static str, String)> {
    let plan = plan::plan(&plan_input(Default::default())).expect("plan");
    plan.settings.iter().map(|s| (s.key, s.value.render())).collect()
}

/// `bench/odoo.conf` must be `odoo_conf(400)`; `ODOO_SIZER_BENCH_REGENERATE=1` rewrites it.
fn check_fixture() {
    let path = support::root().join("bench/odoo.conf");
    let generated = support::odoo_conf(400);
    if std::env::var_os("ODOO_SIZER_BENCH_REGENERATE").is_some() {
        std::fs::write(&path, &generated).expect("write bench/odoo.conf");
    }
    let committed = std::fs::read_to_string(&path).expect("bench/odoo.conf (the file of bench/compare.sh)");
    assert!(
        committed == generated,
        "bench/odoo.conf is not odoo_conf(400): regenerate it with `make bench-fixture`"
    );
}

fn conf(c: &mut Criterion) {
    check_fixture();
    let settings = planned_settings();
    let inputs: Vec<(usize, Vec<u8>)> = support::SIZES
        .iter()
        .map(|&n| (n, support::odoo_conf(n).into_bytes()))
        .collect();
    for (n, bytes) in &inputs {
        assert_eq!(
            bytes.iter().filter(|b| **b == b'\n').count(),
            *n,
            "generated line count"
        );
        // Every input must be a file apply accepts and edits: otherwise the bench measures a refusal.
        let doc = Document::parse(bytes);
        assert!(doc.is_loadable() && doc.issues().is_empty());
        let prepared = Prepared::new(Some(bytes), OdooVersion::V18, false).expect("accepted");
        let plan = plan::plan(&plan_input(prepared.current_values())).expect("plan");
        let outcome = prepared.apply(&plan).expect("applied");
        assert!(outcome.changed());
    }

    let mut group = c.benchmark_group("conf_parse");
    for (n, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), bytes, |b, bytes| {
            b.iter(|| Document::parse(black_box(bytes)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("conf_edit");
    for (n, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), bytes, |b, bytes| {
            b.iter(|| {
                let mut doc = Document::parse(black_box(bytes));
                let changes = doc
                    .set_many(OPTIONS, settings.iter().map(|(k, v)| (*k, v.as_str())))
                    .expect("edit");
                (changes, doc.into_bytes())
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("conf_apply_core");
    for (n, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), bytes, |b, bytes| {
            b.iter(|| {
                let prepared =
                    Prepared::new(Some(black_box(bytes)), OdooVersion::V18, false).expect("accepted");
                let plan = plan::plan(&plan_input(prepared.current_values())).expect("plan");
                let outcome = prepared.apply(&plan).expect("applied");
                black_box(outcome.document.as_bytes());
                outcome
            })
        });
    }
    group.finish();
}

criterion_group!(benches, conf);
criterion_main!(benches);
