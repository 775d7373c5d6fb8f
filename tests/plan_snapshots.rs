//! Snapshots of `odoo-sizer plan` (text and JSON) for representative containers. The last three read
//! fixture trees with `--root`, so no snapshot depends on the machine the tests run on.
//!
//! Accept changes with `INSTA_UPDATE=always cargo test --test plan_snapshots` (or `cargo insta review`)
//! after checking them; under `CI=true` a mismatch fails.

use assert_cmd::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/cgroup/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> String {
    let output = Command::cargo_bin("odoo-sizer")
        .expect("binary")
        .env_clear()
        .arg("plan")
        .args(["--odoo-version", "18.0"])
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

fn cases() -> Vec<(&'static str, Vec<String>)> {
    let limits = |cpus: &str, memory: &str| {
        vec![
            "--cpus".to_string(),
            cpus.into(),
            "--memory".into(),
            memory.into(),
        ]
    };
    let root = |name: &str| vec!["--root".to_string(), fixture(name)];
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
    ]
}

#[test]
fn text_reports() {
    for (name, args) in cases() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(format!("text_{name}"), run(&args));
    }
}

#[test]
fn json_reports() {
    for (name, args) in cases() {
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
