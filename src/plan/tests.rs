//! Unit tests of the sizing model (the property and snapshot tests live in tests/plan_*.rs).

use super::*;

const GIB: u64 = 1 << 30;

fn input(cpus: f64, memory: u64) -> PlanInput {
    PlanInput {
        budget: Budget {
            cpus,
            memory_bytes: memory,
        },
        version: OdooVersion::V18,
        knobs: Knobs::default(),
        pins: Vec::new(),
        current: BTreeMap::new(),
    }
}

fn pin(key: &str, value: &str) -> Pin {
    Pin {
        key: key.into(),
        value: value.into(),
        origin: "--set".into(),
        from_environment: false,
    }
}

#[test]
fn the_worked_example_of_the_docs() {
    let mut i = input(4.0, 8 * GIB);
    i.knobs.users = Some(60);
    let p = plan(&i).unwrap();
    assert_eq!(p.int("workers"), Some(8));
    assert_eq!(p.int("max_cron_threads"), Some(1));
    assert_eq!(p.estimate.processes, 11);
    // 9 × 324.8 MiB ≈ 3 GB for the worker and cron processes.
    let nine = 9 * p.estimate.per_worker_bytes;
    assert_eq!(p.estimate.per_worker_bytes, 340_577_485);
    assert!((3_000_000_000..3_100_000_000).contains(&nine), "{nine}");
    assert_eq!(
        p.estimate.ram_bytes,
        nine + p.estimate.master_bytes + p.estimate.gevent_bytes
    );
    assert_eq!(p.int("limit_memory_hard"), Some(2560 << 20));
    assert_eq!(p.int("limit_memory_soft"), Some(2048 << 20));
    assert!(
        p.warnings
            .iter()
            .all(|w| w.code == WarningCode::PostgresUnchecked),
        "{:?}",
        p.warnings
    );
}

#[test]
fn fractional_cpus() {
    assert_eq!(cpu_process_budget(0.1), 1);
    assert_eq!(cpu_process_budget(0.5), 2);
    assert_eq!(cpu_process_budget(1.5), 4);
    assert_eq!(cpu_process_budget(4.0), 9);
    assert_eq!(cpu_process_budget(8.0), 17);
    assert_eq!(cpu_process_budget(7.99), 16);
}

#[test]
fn second_cron_worker_from_8_cpus() {
    let p = plan(&input(8.0, 64 * GIB)).unwrap();
    assert_eq!((p.int("workers"), p.int("max_cron_threads")), (Some(15), Some(2)));
    let p = plan(&input(7.5, 64 * GIB)).unwrap();
    assert_eq!((p.int("workers"), p.int("max_cron_threads")), (Some(15), Some(1)));
}

#[test]
fn memory_bound_drops_workers_and_the_second_cron() {
    let p = plan(&input(16.0, 4 * GIB)).unwrap();
    let e = &p.estimate;
    assert_eq!(p.int("max_cron_threads"), Some(1));
    assert_eq!(p.int("workers"), Some(i64::from(e.memory_process_budget) - 1));
    assert!(p.get("workers").unwrap().reason.contains("limited by memory"));
    assert!(e.ram_bytes <= e.memory_budget_bytes);
    let hard = p.int("limit_memory_hard").unwrap() as u64;
    assert!((HARD_FLOOR..4 * GIB).contains(&hard));
}

#[test]
fn tiny_containers_fall_back_to_threaded_mode_with_a_warning() {
    let p = plan(&input(0.5, 512 << 20)).unwrap();
    assert_eq!(p.int("workers"), Some(0));
    assert_eq!(p.estimate.mode, Mode::Threaded);
    assert_eq!(p.estimate.processes, 1);
    assert!(p.has_warning(WarningCode::ThreadedMode));
    assert!(p.has_warning(WarningCode::SoftBelowIdleVms));
    assert!((p.int("limit_memory_hard").unwrap() as u64) < 512 << 20);
    assert!(p.get("gevent_port").is_none() && p.get("limit_memory_hard_gevent").is_none());
}

#[test]
fn low_cpu_with_memory_keeps_two_workers_and_warns() {
    let p = plan(&input(0.5, 8 * GIB)).unwrap();
    assert_eq!(p.int("workers"), Some(2));
    assert!(p.has_warning(WarningCode::CpuOversubscribed));
    let mut few_users = input(4.0, 8 * GIB);
    few_users.knobs.users = Some(3);
    let p = plan(&few_users).unwrap();
    assert_eq!(p.int("workers"), Some(2));
    assert!(p.get("workers").unwrap().reason.contains("PDF"));
    assert!(!p.has_warning(WarningCode::CpuOversubscribed));
}

#[test]
fn version_aware_keys() {
    let mut i = input(4.0, 8 * GIB);
    i.version = OdooVersion::V15;
    let p = plan(&i).unwrap();
    assert!(p.get("longpolling_port").is_some() && p.get("gevent_port").is_none());
    assert!(p.get("limit_memory_soft_gevent").is_none());
    i.version = OdooVersion::V18;
    let p = plan(&i).unwrap();
    assert_eq!(p.int("gevent_port"), Some(8072));
    assert!(p.get("limit_memory_soft_gevent").is_some() && p.get("limit_memory_hard_gevent").is_some());
    for version in OdooVersion::ALL {
        i.version = version;
        i.knobs.pg_max_connections = Some(100);
        let p = plan(&i).unwrap();
        for s in &p.settings {
            assert!(
                odoo::spec(s.key).unwrap().is_active(version),
                "{} in {version}",
                s.key
            );
        }
        assert_eq!(
            p.get("db_maxconn_gevent").is_some(),
            version >= OdooVersion::V17,
            "{version}"
        );
    }
}

#[test]
fn settings_order_starts_with_workers() {
    let mut i = input(4.0, 8 * GIB);
    i.knobs.pg_max_connections = Some(100);
    i.pins.push(pin("proxy_mode", "True"));
    let p = plan(&i).unwrap();
    let keys: Vec<&str> = p.settings.iter().map(|s| s.key).collect();
    assert_eq!(
        keys,
        [
            "workers",
            "max_cron_threads",
            "limit_memory_soft",
            "limit_memory_hard",
            "limit_memory_soft_gevent",
            "limit_memory_hard_gevent",
            "db_maxconn",
            "db_maxconn_gevent",
            "gevent_port",
            "proxy_mode"
        ]
    );
}

#[test]
fn time_limits_are_only_repaired() {
    let mut i = input(4.0, 8 * GIB);
    i.current.insert("limit_time_cpu".into(), "600".into());
    i.current.insert("limit_time_real".into(), "0".into());
    i.current.insert("limit_request".into(), "False".into());
    let p = plan(&i).unwrap();
    assert!(p.get("limit_time_cpu").is_none());
    assert_eq!(p.int("limit_time_real"), Some(120));
    assert!(p.get("limit_time_real").unwrap().reason.contains("'0'"));
    // `False` is 0 up to 18.0 ...
    assert_eq!(p.int("limit_request"), Some(65536));
    // ... but the default in 19.0.
    i.version = OdooVersion::V19;
    assert!(plan(&i).unwrap().get("limit_request").is_none());
    i.current
        .insert("limit_time_cpu".into(), "60 ; one minute".into());
    assert!(plan(&i)
        .unwrap()
        .get("limit_time_cpu")
        .unwrap()
        .reason
        .contains("refused"));
    i.version = OdooVersion::V15;
    i.current.insert("limit_request".into(), "0".into());
    assert_eq!(plan(&i).unwrap().int("limit_request"), Some(8192));
}

#[test]
fn postgres_budget() {
    let mut i = input(4.0, 8 * GIB);
    i.knobs.pg_max_connections = Some(100);
    let p = plan(&i).unwrap();
    // 100 − (3 + 10) − 1 LISTEN = 86 for 8 + 1 + 1 pools → 8 each.
    assert_eq!(p.int("db_maxconn"), Some(8));
    assert_eq!(p.int("db_maxconn_gevent"), Some(8));
    assert_eq!(p.estimate.postgres_connections, 10 * 8 + 1);
    assert!(p.estimate.postgres_connections <= p.estimate.postgres_usable_connections.unwrap());
    i.knobs.pg_max_connections = Some(20);
    let e = plan(&i).unwrap_err().to_string();
    assert!(
        e.contains("--pg-max-connections") && e.contains("at least"),
        "{e}"
    );
    i.knobs.pg_max_connections = Some(10_000);
    assert_eq!(plan(&i).unwrap().int("db_maxconn"), Some(64));
}

#[test]
fn pins_are_validated_and_kept() {
    let mut i = input(4.0, 8 * GIB);
    i.pins = vec![pin("workers", "0x4"), pin("limit_memory_hard", "1073741824")];
    let p = plan(&i).unwrap();
    assert_eq!(p.int("workers"), Some(4));
    assert_eq!(p.get("workers").unwrap().pinned_by.as_deref(), Some("--set"));
    assert_eq!(p.int("limit_memory_hard"), Some(1 << 30));
    assert_eq!(p.int("limit_memory_soft"), Some(819 << 20));
    for (key, value, needle) in [
        ("workers", "four", "invalid integer"),
        ("longpolling_port", "8072", "gevent_port"),
        ("limit-time-cpu", "60", "limit_time_cpu"),
        ("cron_workers", "2", "max_cron_threads"),
        ("proxy_mode", "0", "True or False"),
        ("nonsense", "1", "not an option"),
        ("dbfilter", " x", "spaces"),
    ] {
        i.pins = vec![pin(key, value)];
        let e = plan(&i).unwrap_err().to_string();
        assert!(e.contains(needle), "{key}={value}: {e}");
    }
    i.version = OdooVersion::V19;
    i.pins = vec![pin("limit_memory_hard", "False")];
    assert!(plan(&i).unwrap_err().to_string().contains("write 0"));
}

#[test]
fn environment_pins_of_odoo_19() {
    let mut i = input(4.0, 8 * GIB);
    i.version = OdooVersion::V19;
    let env = Pin {
        key: "workers".into(),
        value: "3".into(),
        origin: "ODOO_WORKERS".into(),
        from_environment: true,
    };
    i.pins = vec![env.clone()];
    let p = plan(&i).unwrap();
    assert_eq!(p.int("workers"), Some(3));
    assert!(p.has_warning(WarningCode::EnvironmentOverride));
    i.pins = vec![env.clone(), pin("workers", "5")];
    assert!(matches!(plan(&i), Err(PlanError::PinConflict { .. })));
    i.pins = vec![pin("workers", "3"), env];
    assert_eq!(
        plan(&i).unwrap().get("workers").unwrap().pinned_by.as_deref(),
        Some("ODOO_WORKERS")
    );
}

#[test]
fn every_environment_pin_of_odoo_19_is_warned_about_once() {
    let mut i = input(4.0, 8 * GIB);
    i.version = OdooVersion::V19;
    let env = |key: &str, value: &str, var: &str| Pin {
        key: key.into(),
        value: value.into(),
        origin: var.into(),
        from_environment: true,
    };
    i.pins = vec![
        env("workers", "3", "ODOO_WORKERS"),
        env("limit_memory_hard", "2684354560", "ODOO_LIMIT_MEMORY_HARD"),
        env("limit_time_real", "240", "ODOO_LIMIT_TIME_REAL"),
        // The same value on the command line: still one warning for the key.
        pin("limit_time_real", "240"),
    ];
    let p = plan(&i).unwrap();
    let messages: Vec<&str> = p
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::EnvironmentOverride)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "ODOO_LIMIT_MEMORY_HARD is set: Odoo 19.0 uses it instead of odoo.conf's limit_memory_hard",
            "ODOO_LIMIT_TIME_REAL is set: Odoo 19.0 uses it instead of odoo.conf's limit_time_real",
            "ODOO_WORKERS is set: Odoo 19.0 uses it instead of odoo.conf's workers",
        ]
    );
    // A --set alone is not an environment override.
    i.pins = vec![pin("limit_memory_hard", "2684354560")];
    assert!(!plan(&i).unwrap().has_warning(WarningCode::EnvironmentOverride));
}

#[test]
fn knobs_are_validated() {
    let mut i = input(4.0, 8 * GIB);
    i.knobs.heavy_ratio = 1.5;
    assert!(plan(&i).unwrap_err().to_string().contains("--heavy-ratio"));
    let mut i = input(4.0, 100 << 20);
    assert!(matches!(plan(&i), Err(PlanError::MemoryTooSmall(_))));
    i.budget.memory_bytes = 8 * GIB;
    i.knobs.users = Some(0);
    assert!(plan(&i).unwrap_err().to_string().contains("--users"));
}

#[test]
fn heavy_requests_above_the_default_raise_the_hard_limit_with_a_reason() {
    let mut i = input(4.0, 32 * GIB);
    i.knobs.heavy_mb = 4096.0;
    let p = plan(&i).unwrap();
    assert_eq!(p.int("limit_memory_hard"), Some(4096 << 20));
    assert!(p
        .get("limit_memory_hard")
        .unwrap()
        .reason
        .contains("raised above Odoo's default"));
}

#[test]
fn gevent_port_carries_over_longpolling_port() {
    let mut i = input(4.0, 8 * GIB);
    i.version = OdooVersion::V17;
    i.current.insert("longpolling_port".into(), "9000".into());
    let p = plan(&i).unwrap();
    assert_eq!(p.int("gevent_port"), Some(9000));
    i.version = OdooVersion::V16;
    assert!(plan(&i).unwrap().has_warning(WarningCode::IgnoredKey));
}

#[test]
fn managed_keys_are_in_the_table() {
    for key in MANAGED_KEYS {
        assert!(odoo::spec(key).is_some(), "{key}");
    }
}

#[test]
fn absurd_pins_and_knobs_do_not_overflow() {
    let mut i = input(128.0, 512 * GIB);
    i.knobs.pg_max_connections = Some(u32::MAX);
    i.knobs.heavy_mb = 1_048_576.0;
    i.knobs.light_mb = 1_048_576.0;
    i.pins = vec![
        pin("workers", "9223372036854775807"),
        pin("max_cron_threads", "4294967296"),
    ];
    let p = plan(&i).unwrap();
    assert!(p.has_warning(WarningCode::RamOverBudget));
    i.knobs.light_mb = 2_000_000.0;
    assert!(plan(&i).unwrap_err().to_string().contains("--light-mb"));
}

#[test]
fn refused_secret_pins_never_show_the_value() {
    let mut i = input(4.0, 8 * GIB);
    for value in ["hunter2\t", " hunter2", "hunter2\nmore"] {
        i.pins = vec![pin("admin_passwd", value)];
        let e = plan(&i).unwrap_err();
        assert!(matches!(e, PlanError::PinRefused { .. }), "{e:?}");
        let text = e.to_string();
        assert!(!text.contains("hunter2"), "the secret leaked: {text}");
        assert!(text.starts_with("--set: admin_passwd = '********' "), "{text}");
    }
    // Not a secret: the value is what the message is about.
    i.pins = vec![pin("dbfilter", " x")];
    assert_eq!(
        plan(&i).unwrap_err().to_string(),
        "--set: dbfilter = ' x' has leading or trailing spaces, which configparser strips"
    );
}
