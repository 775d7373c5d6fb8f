//! Snapshots of `odoo-sizer plan` (text and JSON) for representative containers: the sizes of
//! docs/sizing.md on Odoo 18.0; three read fixture trees with `--root`, so no snapshot depends on the
//! machine the tests run on; then other versions (12.0 and 15.0 with `longpolling_port`, 16.0 with
//! `gevent_port`; 15.0 and 16.0 repairing a current config's zero `limit_request` to 8192 and 65536),
//! 19.0, and users with PostgreSQL's `max_connections`.
//!
//! Accept changes with `INSTA_UPDATE=always cargo test --test plan_snapshots` (or `cargo insta review`)
//! after checking them; under `CI=true` a mismatch fails.

use assert_cmd::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/cgroup/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A current config whose time limits cannot work in multi-process mode. It is written to a temporary
/// file, whose path appears in no output.
const ZERO_LIMITS: &str = "[options]\nworkers = 2\nlimit_request = 0\nlimit_time_real = 0\n";

fn zero_limits_config() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("odoo.conf");
    std::fs::write(&path, ZERO_LIMITS).expect("write");
    let path = path.display().to_string();
    (dir, path)
}

fn run(args: &[&str]) -> String {
    let output = Command::cargo_bin("odoo-sizer")
        .expect("binary")
        .env_clear()
        .arg("plan")
        .args(args)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// `config`: the path of [`ZERO_LIMITS`].
fn cases(config: &str) -> Vec<(&'static str, Vec<String>)> {
    let version = |v: &str| vec!["--odoo-version".to_string(), v.into()];
    let limits = |cpus: &str, memory: &str| {
        [
            version("18.0"),
            vec!["--cpus".into(), cpus.into(), "--memory".into(), memory.into()],
        ]
        .concat()
    };
    let root = |name: &str| [version("18.0"), vec!["--root".into(), fixture(name)]].concat();
    let on = |v: &str, cpus: &str, memory: &str, more: &[&str]| {
        [
            version(v),
            vec!["--cpus".into(), cpus.into(), "--memory".into(), memory.into()],
            more.iter().map(|s| s.to_string()).collect(),
        ]
        .concat()
    };
    let current = ["--config", config];
    vec![
        ("cpu0.5_mem512m", limits("0.5", "512m")),
        ("cpu1_mem1g", limits("1", "1g")),
        ("cpu2_mem4g", limits("2", "4g")),
        ("cpu4_mem8g", limits("4", "8g")),
        ("cpu8_mem32g", limits("8", "32g")),
        ("cpu16_mem64g", limits("16", "64g")),
        ("cpu_only", root("plan-cpu-only")),
        ("memory_only", root("plan-memory-only")),
        ("no_limits", root("plan-none")),
        ("odoo12_cpu2_mem4g", on("12.0", "2", "4g", &[])),
        ("odoo15_cpu2_mem4g_zero_limits", on("15.0", "2", "4g", &current)),
        ("odoo16_cpu2_mem4g_zero_limits", on("16.0", "2", "4g", &current)),
        ("odoo19_cpu4_mem8g", on("19.0", "4", "8g", &[])),
        (
            "cpu8_mem16g_users30_pg100",
            on(
                "18.0",
                "8",
                "16g",
                &["--users", "30", "--pg-max-connections", "100"],
            ),
        ),
    ]
}

#[test]
fn text_reports() {
    let (_dir, config) = zero_limits_config();
    for (name, args) in cases(&config) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(format!("text_{name}"), run(&args));
    }
}

#[test]
fn json_reports() {
    let (_dir, config) = zero_limits_config();
    for (name, args) in cases(&config) {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--format", "json"]);
        let text = run(&args);
        // The output is valid JSON with integer settings; the snapshot keeps its exact bytes.
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert!(value["settings"]["workers"].is_i64(), "{name}");
        insta::assert_snapshot!(format!("json_{name}"), text);
    }
}

#[test]
fn conf_snippets_with_users_and_postgres() {
    let text = run(&[
        "--odoo-version",
        "18.0",
        "--cpus",
        "4",
        "--memory",
        "8g",
        "--users",
        "60",
        "--pg-max-connections",
        "100",
        "--format",
        "conf",
    ]);
    insta::assert_snapshot!("conf_cpu4_mem8g_users60_pg100", text);
}
