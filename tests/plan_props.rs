//! Property tests of the sizing model over a grid of containers: CPUs 0.1–128 (fractions included),
//! memory 256 MiB–512 GiB, with and without a user count, every supported Odoo version.

use odoo_sizer::limits::Budget;
use odoo_sizer::odoo::{Cast, OdooVersion, Value};
use odoo_sizer::plan::{plan, Knobs, Mode, Plan, PlanError, PlanInput, WarningCode, MIB};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn cpus() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.1f64..=128.0,
        (1u32..=128).prop_map(f64::from),
        (1u32..=256).prop_map(|half| f64::from(half) / 2.0),
        (100u32..=128_000).prop_map(|milli| f64::from(milli) / 1000.0),
    ]
}

fn memory() -> impl Strategy<Value = u64> {
    prop_oneof![
        (256u64..=512 * 1024).prop_map(|mib| mib * MIB),
        (8u32..=19).prop_map(|shift| (1u64 << shift) * MIB),
        (256 * MIB..=512 * 1024 * MIB),
    ]
}

fn version() -> impl Strategy<Value = OdooVersion> {
    prop::sample::select(OdooVersion::ALL.to_vec())
}

fn users() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), (1u32..=5000).prop_map(Some)]
}

fn input(cpus: f64, memory: u64, version: OdooVersion, users: Option<u32>) -> PlanInput {
    PlanInput {
        budget: Budget {
            cpus,
            memory_bytes: memory,
        },
        version,
        knobs: Knobs {
            users,
            ..Knobs::default()
        },
        pins: Vec::new(),
        current: BTreeMap::new(),
    }
}

fn workers(p: &Plan) -> i64 {
    p.int("workers").expect("workers is always planned")
}

fn check_invariants(p: &Plan, memory: u64) -> Result<(), TestCaseError> {
    let w = workers(p);
    prop_assert_ne!(w, 1, "workers = 1 breaks PDF reports");
    prop_assert_eq!(w == 0, p.estimate.mode == Mode::Threaded);
    for (soft_key, hard_key) in [
        ("limit_memory_soft", "limit_memory_hard"),
        ("limit_memory_soft_gevent", "limit_memory_hard_gevent"),
    ] {
        let (Some(soft), Some(hard)) = (p.int(soft_key), p.int(hard_key)) else {
            prop_assert!(p.get(hard_key).is_none() && soft_key.ends_with("_gevent"));
            continue;
        };
        prop_assert!(
            hard > 0 && (hard as u64) < memory,
            "{hard_key} {hard} vs memory {memory}"
        );
        prop_assert!(soft > 0 && soft < hard, "{soft_key} {soft} vs {hard}");
    }
    if p.estimate.ram_bytes > memory {
        prop_assert!(
            p.has_warning(WarningCode::RamOverBudget),
            "{} > {memory} without a warning",
            p.estimate.ram_bytes
        );
    }
    prop_assert_eq!(
        p.estimate.processes,
        match p.estimate.mode {
            Mode::Prefork => p.estimate.http_workers + p.estimate.cron_workers + 2,
            Mode::Threaded => 1,
        }
    );
    // Every setting exists in the version and reads back, through Odoo's own cast, as the planned value.
    for s in &p.settings {
        let spec = odoo_sizer::odoo::spec(s.key).expect("planned keys are in the table");
        prop_assert!(
            spec.is_active(p.version),
            "{} does not exist in {}",
            s.key,
            p.version
        );
        let cast = spec.cast(p.version, &s.value.render());
        let same = match (&s.value, &cast) {
            (Value::Int(i), Ok(Cast::Int(j))) => i == j,
            (Value::Bool(b), Ok(Cast::Bool(c))) => b == c,
            (Value::Str(a), Ok(Cast::Str(b))) => a == b,
            (Value::Float(a), Ok(Cast::Float(b))) => a == b,
            _ => false,
        };
        prop_assert!(
            same,
            "{} = {} reads back as {:?} in {}",
            s.key,
            s.value,
            cast,
            p.version
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(cpus in cpus(), memory in memory(), version in version(), users in users()) {
        let p = plan(&input(cpus, memory, version, users)).expect("no pins, no PostgreSQL limit: always a plan");
        check_invariants(&p, memory)?;
    }

    #[test]
    fn more_cpu_or_memory_never_gives_fewer_workers(
        cpus in cpus(),
        extra_cpus in prop_oneof![Just(0.0), 0.0f64..=64.0],
        memory in memory(),
        extra_memory in prop_oneof![Just(0u64), (0u64..=256 * 1024).prop_map(|m| m * MIB)],
        version in version(),
        users in users(),
    ) {
        let small = plan(&input(cpus, memory, version, users)).expect("plan");
        let more_cpu = plan(&input(cpus + extra_cpus, memory, version, users)).expect("plan");
        let more_memory = plan(&input(cpus, memory + extra_memory, version, users)).expect("plan");
        let more_both = plan(&input(cpus + extra_cpus, memory + extra_memory, version, users)).expect("plan");
        prop_assert!(workers(&more_cpu) >= workers(&small), "{cpus}+{extra_cpus} CPUs: {} < {}", workers(&more_cpu), workers(&small));
        prop_assert!(workers(&more_memory) >= workers(&small), "{memory}+{extra_memory} B: {} < {}", workers(&more_memory), workers(&small));
        prop_assert!(workers(&more_both) >= workers(&more_cpu).max(workers(&more_memory)));
    }

    #[test]
    fn more_users_never_give_fewer_workers(cpus in cpus(), memory in memory(), users in 1u32..=1000, extra in 0u32..=1000) {
        let few = plan(&input(cpus, memory, OdooVersion::V18, Some(users))).expect("plan");
        let many = plan(&input(cpus, memory, OdooVersion::V18, Some(users + extra))).expect("plan");
        let unknown = plan(&input(cpus, memory, OdooVersion::V18, None)).expect("plan");
        prop_assert!(workers(&many) >= workers(&few));
        prop_assert!(workers(&unknown) >= workers(&many));
    }

    #[test]
    fn postgres_budget_is_respected_or_refused(
        cpus in cpus(), memory in memory(), version in version(), max_connections in 1u32..=2000,
    ) {
        let mut i = input(cpus, memory, version, None);
        i.knobs.pg_max_connections = Some(max_connections);
        match plan(&i) {
            Ok(p) => {
                check_invariants(&p, memory)?;
                let usable = p.estimate.postgres_usable_connections.expect("given");
                prop_assert!(p.estimate.postgres_connections <= usable, "{} > {usable}", p.estimate.postgres_connections);
                let m = p.int("db_maxconn").expect("planned when max_connections is given");
                prop_assert!((2..=64).contains(&m));
                prop_assert_eq!(p.get("db_maxconn_gevent").is_some(), version >= OdooVersion::V17 && p.estimate.mode == Mode::Prefork);
            }
            Err(PlanError::PostgresTooSmall { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}
