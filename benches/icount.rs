//! Instruction counts of the pure core, for `bench/icount.sh`: this machine is shared and noisy, so next to
//! Criterion's times the benchmarks report what callgrind counts, which does not depend on the load.
//!
//! `icount OP LINES ITERATIONS` runs OP (`parse`, `edit`, `apply_core`, `plan`, `mountinfo`, `detect`)
//! ITERATIONS times on the generated input of LINES lines; `bench/icount.sh` runs it under
//! `valgrind --tool=callgrind` with two iteration counts and reports the difference per iteration, so that
//! process start and input generation cancel out. Run by `cargo bench` (with `--bench`) it does nothing.
//! The operations are exactly those of `benches/conf.rs` and `benches/core.rs`.

mod support;

use odoo_sizer::apply::{Prepared, OPTIONS};
use odoo_sizer::conf::Document;
use odoo_sizer::limits::{self, mountinfo, Budget, FsRoot, Overrides};
use odoo_sizer::odoo::OdooVersion;
use odoo_sizer::plan::{self, Knobs, PlanInput};
use std::hint::black_box;

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (op, lines, iterations) = match args.as_slice() {
        [op, lines, iterations] => (
            op.as_str(),
            lines.parse::<usize>().expect("LINES"),
            iterations.parse::<usize>().expect("ITERATIONS"),
        ),
        _ => {
            println!("icount: run by bench/icount.sh under callgrind (icount OP LINES ITERATIONS)");
            return;
        }
    };
    let bytes = support::odoo_conf(lines).into_bytes();
    let settings: Vec<(&str, String)> = plan::plan(&plan_input(Default::default()))
        .expect("plan")
        .settings
        .iter()
        .map(|s| (s.key, s.value.render()))
        .collect();
    let mounts = if op == "mountinfo" {
        support::mountinfo_of(lines)
    } else {
        String::new()
    };
    let root = FsRoot::at(support::cgroup_root());
    let input = plan_input(Default::default());
    // The size of the input, for instructions per byte and per line.
    let (size, line_count) = match op {
        "mountinfo" => (mounts.len(), mounts.lines().count()),
        "parse" | "edit" | "apply_core" => (bytes.len(), lines),
        _ => (0, 0),
    };
    println!("{size} {line_count}");
    for _ in 0..iterations {
        match op {
            "parse" => drop(black_box(Document::parse(black_box(&bytes)))),
            "edit" => {
                let mut doc = Document::parse(black_box(&bytes));
                let changes = doc
                    .set_many(OPTIONS, settings.iter().map(|(k, v)| (*k, v.as_str())))
                    .expect("edit");
                black_box((changes, doc.into_bytes()));
            }
            "apply_core" => {
                let prepared =
                    Prepared::new(Some(black_box(&bytes)), OdooVersion::V18, false).expect("accepted");
                let plan = plan::plan(&plan_input(prepared.current_values())).expect("plan");
                let outcome = prepared.apply(&plan).expect("applied");
                black_box(outcome.document.as_bytes());
            }
            "plan" => drop(black_box(plan::plan(black_box(&input)))),
            "mountinfo" => drop(black_box(mountinfo::parse(black_box(&mounts)))),
            "detect" => drop(black_box(limits::detect(black_box(&root), &Overrides::default()))),
            other => panic!("unknown operation {other}"),
        }
    }
}
