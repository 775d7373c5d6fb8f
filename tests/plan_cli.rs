//! The `plan` command end to end: exit codes and messages for bad values, the deployment docs' worked
//! example, environment equivalents (each plan variable against its flag: tests/cli_env.rs), `--config`
//! (the current values in JSON and text, invalid time limits repaired), and `--format conf` re-read by
//! Python's configparser and cast the way Odoo casts it.

use assert_cmd::Command;
use predicates::prelude::*;
use std::process::Command as StdCommand;

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    cmd.env_clear().arg("plan");
    cmd
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = plan()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_worked_example_comes_out_exactly() {
    let v = json(&["--cpus", "4", "--users", "60", "--memory", "8g"]);
    assert_eq!(v["settings"]["workers"], 8);
    assert_eq!(v["settings"]["max_cron_threads"], 1);
    assert_eq!(v["estimate"]["processes"], 11);
    let per_worker = v["estimate"]["per_worker_bytes"].as_u64().unwrap();
    // 0.8 × 150 MiB + 0.2 × 1024 MiB = 324.8 MiB; 9 of them ≈ 3 GB.
    assert_eq!(per_worker, (324.8f64 * 1048576.0).round() as u64);
    assert!((2.9e9..3.1e9).contains(&(9.0 * per_worker as f64)));
    let ram = v["estimate"]["ram_bytes"].as_u64().unwrap();
    let master = v["estimate"]["master_bytes"].as_u64().unwrap();
    let gevent = v["estimate"]["gevent_bytes"].as_u64().unwrap();
    assert_eq!(ram, 9 * per_worker + master + gevent);
    assert_eq!(v["inputs"]["users"]["source"], "--users");
    // serde_json::Value sorts keys: check the order on the text.
    let out = plan()
        .args([
            "--cpus", "4", "--users", "60", "--memory", "8g", "--format", "json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let settings = &text[text.find("\"settings\": {").unwrap()..];
    let first_key = settings.lines().nth(1).unwrap().trim();
    assert!(first_key.starts_with("\"workers\": 8"), "{first_key}");
    assert_eq!(
        v["settings"].as_object().unwrap().len(),
        v["reasons"].as_object().unwrap().len()
    );
}

#[test]
fn bad_values_exit_2_naming_the_flag() {
    for (args, flag) in [
        (vec!["--cpus", "0", "--memory", "1g"], "--cpus"),
        (vec!["--cpus", "2", "--memory", "lots"], "--memory"),
        (vec!["--cpus", "2", "--memory", "4g", "--users", "0"], "--users"),
        (
            vec!["--cpus", "2", "--memory", "4g", "--users", "many"],
            "--users",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--heavy-ratio", "1.5"],
            "--heavy-ratio",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--light-mb=-1"],
            "--light-mb",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--users-per-worker", "0"],
            "--users-per-worker",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--odoo-version", "11.0"],
            "--odoo-version",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--pg-max-connections", "0"],
            "--pg-max-connections",
        ),
        (vec!["--cpus", "2", "--memory", "4g", "--set", "workers"], "--set"),
        (
            vec!["--cpus", "2", "--memory", "4g", "--set", "workers=four"],
            "--set workers",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--set", "longpolling_port=8072"],
            "gevent_port",
        ),
        (
            vec!["--cpus", "2", "--memory", "4g", "--format", "yaml"],
            "--format",
        ),
        (
            vec!["--cpus", "64", "--memory", "64g", "--pg-max-connections", "50"],
            "--pg-max-connections",
        ),
    ] {
        plan()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
}

#[test]
fn environment_equivalents() {
    let out = plan()
        .env("ODOO_SIZER_CPUS", "4")
        .env("ODOO_SIZER_MEMORY", "8g")
        .env("ODOO_SIZER_USERS", "60")
        .env("ODOO_VERSION", "17.0")
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"]["cpus"]["source"], "ODOO_SIZER_CPUS");
    assert_eq!(v["inputs"]["users"]["source"], "ODOO_SIZER_USERS");
    assert_eq!(v["inputs"]["odoo_version"]["source"], "ODOO_VERSION");
    assert_eq!(v["odoo_version"], "17.0");
    assert_eq!(v["settings"]["workers"], 8);

    plan()
        .args(["--cpus", "1", "--memory", "4g"])
        .env("ODOO_VERSION", "saas~17.2")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ODOO_VERSION"));
    plan()
        .args(["--cpus", "1", "--memory", "4g"])
        .env("ODOO_SIZER_USERS", "x")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--users"));
}

#[test]
fn odoo_19_environment_variables_are_pins() {
    let out = plan()
        .args([
            "--cpus",
            "4",
            "--memory",
            "8g",
            "--odoo-version",
            "19",
            "--format",
            "json",
        ])
        .env("ODOO_WORKERS", "3")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["settings"]["workers"], 3);
    assert!(v["reasons"]["workers"].as_str().unwrap().contains("ODOO_WORKERS"));
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "environment-override"));
    // Odoo 18 does not read it.
    let v = json(&["--cpus", "4", "--memory", "8g", "--odoo-version", "18"]);
    assert_eq!(v["settings"]["workers"], 8);
}

#[test]
fn unknown_limits_exit_3() {
    let empty = tempfile::tempdir().unwrap();
    plan()
        .args(["--root", empty.path().to_str().unwrap()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--cpus").or(predicate::str::contains("--memory")));
}

#[test]
fn secrets_are_masked_except_in_conf() {
    let v = json(&["--cpus", "2", "--memory", "4g", "--set", "admin_passwd=hunter2"]);
    assert_eq!(v["settings"]["admin_passwd"], "********");
    assert!(!v.to_string().contains("hunter2"));
    plan()
        .args(["--cpus", "2", "--memory", "4g", "--set", "admin_passwd=hunter2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("hunter2").not());
    plan()
        .args([
            "--cpus",
            "2",
            "--memory",
            "4g",
            "--set",
            "admin_passwd=hunter2",
            "--format",
            "conf",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("admin_passwd = hunter2"));
}

/// Reads a file like Odoo and casts the values the way the given Odoo version does (shared script).
fn odoo_read_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/odoo_read.py")
}

#[test]
fn conf_snippets_read_back_as_planned() {
    if StdCommand::new("python3").arg("--version").output().is_err() {
        panic!("python3 is needed for this test (it is on every machine of this project)");
    }
    let dir = tempfile::tempdir().unwrap();
    for version in ["12.0", "15.0", "16.0", "17.0", "18.0", "19.0"] {
        for (cpus, memory) in [("0.5", "512m"), ("2", "2g"), ("4", "8g"), ("16", "64g")] {
            let base = [
                "--cpus",
                cpus,
                "--memory",
                memory,
                "--odoo-version",
                version,
                "--pg-max-connections",
                "400",
            ];
            let extra = ["--set", "proxy_mode=True", "--set", "list_db=False"];
            let conf = plan()
                .args(base)
                .args(extra)
                .args(["--format", "conf"])
                .output()
                .unwrap();
            assert!(conf.status.success(), "{}", String::from_utf8_lossy(&conf.stderr));
            let v = json(&[&base[..], &extra[..]].concat());
            let settings = v["settings"].as_object().unwrap();
            let kinds: serde_json::Map<String, serde_json::Value> = settings
                .iter()
                .map(|(k, value)| {
                    let kind = if value.is_boolean() {
                        "flag"
                    } else if value.is_i64() {
                        "int"
                    } else {
                        "str"
                    };
                    (k.clone(), serde_json::Value::from(kind))
                })
                .collect();
            let path = dir.path().join(format!("{version}-{cpus}-{memory}.conf"));
            std::fs::write(&path, &conf.stdout).unwrap();
            let major = version.trim_end_matches(".0");
            let read = StdCommand::new("python3")
                .arg(odoo_read_script())
                .args([
                    path.to_str().unwrap(),
                    major,
                    &serde_json::Value::Object(kinds).to_string(),
                ])
                .output()
                .unwrap();
            assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
            let back: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
            assert_eq!(&back, &v["settings"], "Odoo {version} on {cpus} CPUs / {memory}");
        }
    }
}

/// A config with the sizing keys at hand-set values, time limits that cannot work in multi-process mode,
/// an unmanaged key and a valid time limit that must be left alone.
const CURRENT: &str = "[options]\naddons_path = /mnt/extra-addons\nworkers = 2\nmax_cron_threads = 2\n\
limit_time_real = 0\nlimit_request = 0\nlimit_time_real_cron = 300\n";

fn current_config() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("odoo.conf");
    std::fs::write(&path, CURRENT).expect("write");
    let path = path.display().to_string();
    (dir, path)
}

#[test]
fn config_values_are_the_current_side_in_json() {
    let (_dir, conf) = current_config();
    let limits = ["--cpus", "4", "--memory", "8g", "--odoo-version", "18.0"];
    let v = json(&[&limits[..], &["--config", &conf]].concat());
    // `current` holds the file's raw values of the keys in `settings`, and only those.
    let current = v["current"].as_object().expect("current is an object");
    let expected: serde_json::Value = serde_json::json!({
        "workers": "2",
        "max_cron_threads": "2",
        "limit_time_real": "0",
        "limit_request": "0",
    });
    assert_eq!(&serde_json::Value::Object(current.clone()), &expected);
    for key in current.keys() {
        assert!(v["settings"].get(key).is_some(), "current {key} is not a setting");
    }
    // The sizing does not follow the file: 4 CPUs still give 8 + 1.
    assert_eq!(v["settings"]["workers"], 8);
    assert_eq!(v["settings"]["max_cron_threads"], 1);
    // Without --config there is no current side and the time limits are not touched.
    let bare = json(&limits);
    assert!(bare.get("current").is_none(), "{bare}");
    for key in ["limit_time_real", "limit_request", "limit_time_cpu"] {
        assert!(
            bare["settings"].get(key).is_none(),
            "{key} planned without a config"
        );
    }
}

#[test]
fn invalid_time_limits_in_the_config_are_repaired_with_a_reason() {
    let (_dir, conf) = current_config();
    // limit_request's default is 8192 up to 15.0 and 65536 from 16.0; limit_time_real's is 120.
    for (version, request_default) in [("12.0", 8192), ("15.0", 8192), ("16.0", 65536), ("19.0", 65536)] {
        let v = json(&[
            "--cpus",
            "4",
            "--memory",
            "8g",
            "--odoo-version",
            version,
            "--config",
            &conf,
        ]);
        assert_eq!(v["settings"]["limit_time_real"], 120, "{version}");
        assert_eq!(v["settings"]["limit_request"], request_default, "{version}");
        let reason = v["reasons"]["limit_time_real"].as_str().expect("a reason");
        assert!(
            reason.contains("'0'") && reason.contains("multi-process") && reason.contains("120"),
            "{version}: {reason}"
        );
        let reason = v["reasons"]["limit_request"].as_str().expect("a reason");
        assert!(
            reason.contains("'0'") && reason.contains(&request_default.to_string()),
            "{version}: {reason}"
        );
        // A valid time limit and an unset one are left as they are.
        for key in ["limit_time_real_cron", "limit_time_cpu"] {
            assert!(v["settings"].get(key).is_none(), "{version}: {key} planned");
        }
    }
    // In threaded mode 0 is harmless (no per-request limits): nothing is repaired.
    let v = json(&[
        "--cpus",
        "4",
        "--memory",
        "8g",
        "--odoo-version",
        "18.0",
        "--set",
        "workers=0",
        "--config",
        &conf,
    ]);
    assert_eq!(v["mode"], "threaded");
    assert!(v["settings"].get("limit_time_real").is_none(), "{v}");
}

#[test]
fn text_shows_the_current_value_next_to_the_planned_one() {
    let (_dir, conf) = current_config();
    let out = plan()
        .args([
            "--cpus",
            "4",
            "--memory",
            "8g",
            "--odoo-version",
            "18.0",
            "--config",
            &conf,
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    // The value column of a setting's row (rows are `key  value  reason`, columns 2+ spaces apart).
    let value = |key: &str| -> String {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no row for {key}:\n{text}"));
        line[key.len()..]
            .trim_start()
            .split("  ")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(value("workers"), "8 (now 2)");
    assert_eq!(value("max_cron_threads"), "1 (now 2)");
    assert_eq!(value("limit_time_real"), "120 (now 0)");
    assert_eq!(value("limit_request"), "65536 (now 0)");
    // A setting the file does not have shows no "now".
    assert_eq!(value("limit_memory_hard"), "2684354560");
    // Without --config no row says "now".
    plan()
        .args(["--cpus", "4", "--memory", "8g", "--odoo-version", "18.0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(now").not());
}

#[test]
fn a_config_odoo_would_refuse_is_refused_by_plan_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\nworkers = 2\nworkers = 3\n").expect("write");
    plan()
        .args(["--cpus", "4", "--memory", "8g", "--config"])
        .arg(&conf)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("duplicate-key"));
    // A missing file plans without current values (apply would create it).
    let v = json(&[
        "--cpus",
        "4",
        "--memory",
        "8g",
        "--config",
        dir.path().join("missing.conf").to_str().expect("UTF-8 path"),
    ]);
    assert!(v.get("current").is_none(), "{v}");
}
