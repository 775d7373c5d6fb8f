use super::*;
use crate::apply::Refusal;
use crate::plan::WarningCode;

fn file(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cli(key: &str, value: &str, option: &str) -> CliOverride {
    CliOverride {
        key: key.into(),
        value: value.into(),
        option: option.into(),
        secret: crate::odoo::is_secret(key),
    }
}

fn env(key: &str, value: &str, variable: &str) -> EnvOverride {
    EnvOverride {
        key: key.into(),
        value: value.into(),
        variable: variable.into(),
        secret: crate::odoo::is_secret(key),
    }
}

#[test]
fn precedence_is_odoos() {
    let f = file(&[
        ("workers", "16"),
        ("db_password", "s3cret"),
        ("max_cron_threads", "1"),
    ]);
    let c = [cli("workers", "4", "--workers")];
    let e = [
        env("workers", "5", "ODOO_WORKERS"),
        env("max_cron_threads", "3", "ODOO_MAX_CRON_THREADS"),
    ];
    let s19 = Sources {
        version: OdooVersion::V19,
        file: &f,
        cli: &c,
        env: &e,
    };
    assert_eq!(s19.int("workers"), Some(4));
    assert_eq!(
        s19.effective("workers").origin,
        Origin::CommandLine("--workers".into())
    );
    assert_eq!(s19.int("max_cron_threads"), Some(3));
    assert_eq!(
        s19.effective("max_cron_threads").origin.to_string(),
        "ODOO_MAX_CRON_THREADS"
    );
    // before 19.0 the environment does not count
    let s18 = Sources {
        version: OdooVersion::V18,
        ..s19
    };
    assert_eq!(s18.int("max_cron_threads"), Some(1));
    assert_eq!(s18.effective("max_cron_threads").origin, Origin::File);
    // unset: the version's default
    assert_eq!(s18.int("limit_request"), Some(65536));
    assert_eq!(s18.effective("limit_request").origin, Origin::Default);
    assert_eq!(s18.shown("limit_request").as_deref(), Some("65536"));
    let s14 = Sources {
        version: OdooVersion::V14,
        ..s18
    };
    assert_eq!(s14.int("limit_request"), Some(8192));
    // secrets are masked when shown
    assert_eq!(s18.shown("db_password").as_deref(), Some(crate::conf::MASK));
    // optparse's casts: 0x10 is 16, True is 1
    let f = file(&[("workers", "0x10"), ("max_cron_threads", "True")]);
    let s = Sources {
        version: OdooVersion::V17,
        file: &f,
        cli: &[],
        env: &[],
    };
    assert_eq!(s.int("workers"), Some(16));
    assert_eq!(s.int("max_cron_threads"), Some(1));
    assert_eq!(s.int("no_such_key"), None);
}

#[test]
fn findings_come_errors_first_with_their_lines() {
    let refusals = [Refusal {
        rule: "duplicate-key",
        line: Some(4),
        message: "Odoo cannot load the file: duplicate workers".into(),
        fix: "keep one".into(),
    }];
    let config_warnings =
        ["line 7: `dbfilter` ends with `; note`, which Odoo reads as part of the value".to_string()];
    let target_warnings = [
        "memory: the engine reports no swap limit support".to_string(),
        "cannot find Odoo's arguments in the container's command `sleep 1`".to_string(),
    ];
    let plan_warnings = [Warning {
        code: WarningCode::ThreadedMode,
        message: "planned the threaded server".into(),
    }];
    let list = findings(FindingInputs {
        refusals: &refusals,
        config_warnings: &config_warnings,
        target_warnings: &target_warnings,
        plan_warnings: &plan_warnings,
        container: None,
        lint: None,
        extra: vec![Finding::new("top", Severity::Info, "x".into())],
    });
    let summary: Vec<(&str, Severity, Option<usize>)> = list
        .iter()
        .map(|f| (f.rule.as_str(), f.severity, f.line))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("duplicate-key", Severity::Error, Some(4)),
            ("inline-comment", Severity::Warning, Some(7)),
            ("limits", Severity::Warning, None),
            ("command-line", Severity::Warning, None),
            ("threaded-mode", Severity::Warning, None),
            ("top", Severity::Info, None),
        ]
    );
    assert!(list[1].message.starts_with("`dbfilter`"), "{}", list[1].message);
    assert_eq!(list[0].fix.as_deref(), Some("keep one"));
}

#[test]
fn the_json_contract_of_a_failed_target() {
    let report = TargetReport::failed("nope", "no such container: nope".into());
    let v = serde_json::to_value(&report).unwrap();
    for field in [
        "container",
        "id",
        "limits",
        "odoo_version",
        "config_path",
        "current",
        "recommended",
        "changes",
        "findings",
        "processes",
        "error",
    ] {
        assert!(v.get(field).is_some(), "{field} missing: {v}");
    }
    assert_eq!(v["error"], "no such container: nope");
    assert_eq!(v["current"], serde_json::json!({}));
    assert!(!report.needs_changes());
    let text = render::text(&[report]);
    assert!(text.contains("FAILED: no such container: nope"), "{text}");
    assert!(
        text.ends_with("1 container(s): 0 already sized, 0 with changes recommended, 1 failed\n"),
        "{text}"
    );
}

#[test]
fn ordered_maps_keep_their_order() {
    let m = Ordered(vec![("workers".to_string(), 1), ("db_maxconn".to_string(), 2)]);
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"workers":1,"db_maxconn":2}"#
    );
    assert_eq!(m.get("db_maxconn"), Some(&2));
    assert_eq!(m.get("x"), None);
}
