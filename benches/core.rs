//! The rest of the init job's pure core, and detection:
//!
//! - `plan`: the sizing model for the bench input (2 CPUs, 4 GiB, Odoo 18.0, `--pg-max-connections 100`),
//!   and for a small threaded container (0.5 CPU, 512 MiB);
//! - `mountinfo`: parsing a 1 000-mount `/proc/self/mountinfo` (hosts running many containers, Kubernetes
//!   nodes with many volumes), and the 27-line file of the bench fixture tree;
//! - `detect`: a whole `limits::detect` on fixture trees (file reads included): the bench tree (cgroup v2)
//!   and a cgroup v1 tree from the tests.

mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use odoo_sizer::limits::{self, mountinfo, Budget, FsRoot, Overrides};
use odoo_sizer::odoo::OdooVersion;
use odoo_sizer::plan::{self, Knobs, PlanInput};
use std::hint::black_box;

fn input(cpus: f64, memory_bytes: u64, pg: Option<u32>) -> PlanInput {
    PlanInput {
        budget: Budget { cpus, memory_bytes },
        version: OdooVersion::V18,
        knobs: Knobs {
            pg_max_connections: pg,
            ..Knobs::default()
        },
        pins: Vec::new(),
        current: Default::default(),
    }
}

fn core(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    let sized = input(2.0, 4 << 30, Some(100));
    let small = input(0.5, 512 << 20, None);
    plan::plan(&sized).expect("plan");
    plan::plan(&small).expect("plan");
    // `.ok()`: the bench measures the plan, and the large error type need not travel through Criterion.
    group.bench_function("2cpu_4gib_pg100", |b| {
        b.iter(|| plan::plan(black_box(&sized)).ok())
    });
    group.bench_function("0.5cpu_512mib", |b| b.iter(|| plan::plan(black_box(&small)).ok()));
    group.finish();

    let mut group = c.benchmark_group("mountinfo");
    let big = support::mountinfo_of(1000);
    let (mounts, bad) = mountinfo::parse(&big);
    // A quarter are nsfs lines (`net:[4026531833]` roots, one per network namespace on a Docker or
    // Kubernetes host), which the parser currently reports as lines it cannot parse.
    assert_eq!(mounts.len() + bad.len(), 1000);
    let fixture =
        std::fs::read_to_string(support::cgroup_root().join("proc/self/mountinfo")).expect("fixture");
    for (name, text) in [("1000_mounts", &big), ("fixture_27_mounts", &fixture)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| mountinfo::parse(black_box(text))));
    }
    group.finish();

    let mut group = c.benchmark_group("detect");
    let trees = [
        ("bench_tree_v2", support::cgroup_root()),
        (
            "docker_v1_private",
            support::root().join("tests/fixtures/cgroup/docker-v1-private-cgroupns"),
        ),
    ];
    for (name, dir) in trees {
        let root = FsRoot::at(&dir);
        let limits = limits::detect(&root, &Overrides::default());
        assert!(limits.budget().is_ok(), "{name}: {:?}", limits.warnings);
        group.bench_function(name, |b| {
            b.iter(|| limits::detect(black_box(&root), &Overrides::default()))
        });
    }
    group.finish();
}

criterion_group!(benches, core);
criterion_main!(benches);
