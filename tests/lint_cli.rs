//! The `lint` command end to end: exit codes, where the config file and the version come from, the
//! gating of the container rules (`--cpus`/`--memory`, `--root`, `--detect`), a verdict that does not
//! depend on the machine, and secrets never printed (stdout or stderr, any format, any version).

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn conf(name: &str) -> String {
    format!("{}/tests/fixtures/conf/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn cgroup(name: &str) -> String {
    format!("{}/tests/fixtures/cgroup/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn lint() -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    cmd.env_clear().arg("lint");
    cmd
}

fn json(args: &[&str], expected_exit: i32) -> Value {
    let out = lint()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(expected_exit),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

const CONTAINER_RULES: &[&str] = &[
    "http-interface",
    "hard-limit-above-container",
    "workers-above-cpu",
    "threaded-mode",
    "memory-oversubscribed",
];

#[test]
fn exit_1_on_errors_0_on_warnings_only_or_nothing() {
    lint()
        .args(["--config", &conf("seed-inline-comments.conf")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[inline-comment]"));
    lint()
        .args(["--config", &conf("lint/warnings-only.conf")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[inline-comment]"))
        .stdout(predicate::str::contains("0 errors, 2 warnings"));
    lint()
        .args(["--config", &conf("lint/clean.conf")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no problems found for Odoo 19.0"));
    // Errors only from a container rule still fail.
    lint()
        .args(["--config", &conf("lint/clean.conf"), "--memory", "1g"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[hard-limit-above-container]"));
}

#[test]
fn the_text_format_is_compiler_like() {
    let out = lint()
        .args(["--config", "seed-inline-comments.conf", "--odoo-version", "18"])
        .current_dir(conf(""))
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let first = text.lines().next().expect("a line");
    assert!(
        first.starts_with("seed-inline-comments.conf:3: warning[inline-comment]: "),
        "{first}"
    );
    assert!(text.lines().nth(1).expect("fix").starts_with("    fix: "));
    assert!(text.contains("seed-inline-comments.conf: 4 errors, 4 warnings for Odoo 18.0"));
}

#[test]
fn json_summary_counts_the_findings() {
    let v = json(
        &[
            "--config",
            &conf("lint/typed-values.conf"),
            "--odoo-version",
            "18.0",
        ],
        1,
    );
    let findings = v["findings"].as_array().expect("findings");
    let errors = findings.iter().filter(|f| f["severity"] == "error").count() as u64;
    assert_eq!(v["summary"]["errors"].as_u64(), Some(errors));
    assert_eq!(
        v["summary"]["warnings"].as_u64(),
        Some(findings.len() as u64 - errors)
    );
    assert_eq!(v["summary"]["odoo_version"], "18.0");
    for f in findings {
        for field in ["rule", "severity", "line", "key", "message", "fix"] {
            assert!(f.get(field).is_some(), "{field} missing in {f}");
        }
    }
    let v = json(&["--config", &conf("duplicate-key.conf")], 1);
    assert_eq!(v["summary"]["python_error"], "DuplicateOptionError on line 6");
}

#[test]
fn container_rules_are_skipped_without_limits_and_the_verdict_is_the_same_anywhere() {
    let v = json(
        &["--config", &conf("official-18.0.conf"), "--odoo-version", "18.0"],
        0,
    );
    assert!(rules(&v).is_empty());
    let limits = &v["summary"]["limits"];
    for field in ["cpus", "memory_bytes", "pg_max_connections", "source"] {
        assert!(limits[field].is_null(), "{field}: {limits}");
    }
    let skipped: Vec<&str> = v["summary"]["skipped_rules"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for rule in CONTAINER_RULES {
        assert!(skipped.contains(rule), "{rule} in {skipped:?}");
    }
    // Without limit flags nothing of the machine is read: the output does not change with the
    // working directory or the home directory (the golden snapshots hold it on every machine).
    let run = |dir: &str| {
        lint()
            .args(["--config", &conf("official-18.0.conf")])
            .current_dir(dir)
            .env("HOME", dir)
            .output()
            .expect("run")
            .stdout
    };
    assert_eq!(run("/"), run(&conf("")));
}

#[test]
fn cpus_and_memory_enable_their_rules() {
    let file = conf("official-18.0.conf");
    let v = json(&["--config", &file, "--cpus", "2", "--odoo-version", "18"], 0);
    assert_eq!(rules(&v), vec!["threaded-mode"]);
    assert_eq!(v["summary"]["limits"]["source"], "--cpus");
    let v = json(&["--config", &file, "--memory", "2g", "--odoo-version", "18"], 1);
    assert!(rules(&v).contains(&"hard-limit-above-container".to_string()));
    assert!(!rules(&v).contains(&"threaded-mode".to_string()));
    // The same from the environment.
    let out = lint()
        .args(["--config", &file, "--format", "json"])
        .env("ODOO_SIZER_CPUS", "2")
        .env("ODOO_SIZER_MEMORY", "2Gi")
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["summary"]["limits"]["source"],
        "ODOO_SIZER_CPUS, ODOO_SIZER_MEMORY"
    );
    assert!(rules(&v).contains(&"threaded-mode".to_string()));
    // A bad value is a usage error.
    lint()
        .args(["--config", &file, "--cpus", "zero"])
        .assert()
        .code(2);
}

#[test]
fn root_and_detect_use_the_detected_limits() {
    // docker run --cpus=1.5 --memory=1g.
    let v = json(
        &[
            "--config",
            &conf("lint/clean.conf"),
            "--root",
            &cgroup("docker-v2-private"),
            "--odoo-version",
            "18.0",
        ],
        1,
    );
    assert_eq!(v["summary"]["limits"]["cpus"], 1.5);
    assert_eq!(v["summary"]["limits"]["memory_bytes"], 1073741824u64);
    let source = v["summary"]["limits"]["source"].as_str().expect("source");
    assert!(
        source.contains("cpu.max") && source.contains("memory.max"),
        "{source}"
    );
    let found = rules(&v);
    for rule in [
        "hard-limit-above-container",
        "workers-above-cpu",
        "memory-oversubscribed",
    ] {
        assert!(found.contains(&rule.to_string()), "{rule} in {found:?}");
    }
    // --detect with --root reads the same tree; an override still wins.
    let v = json(
        &[
            "--config",
            &conf("lint/clean.conf"),
            "--detect",
            "--root",
            &cgroup("docker-v2-private"),
            "--memory",
            "64g",
        ],
        0,
    );
    assert_eq!(v["summary"]["limits"]["memory_bytes"], 64u64 << 30);
    assert!(!rules(&v).contains(&"hard-limit-above-container".to_string()));
    // No cgroup information: the host's values of the tree (4 CPUs, 8 GiB), which the clean file fits.
    let v = json(
        &[
            "--config",
            &conf("lint/clean.conf"),
            "--root",
            &cgroup("no-cgroup-info"),
        ],
        0,
    );
    assert_eq!(v["summary"]["limits"]["cpus"], 4.0);
    // Limits that cannot be determined at all: exit 3 naming the flag, as for plan.
    let empty = tempfile::tempdir().expect("tempdir");
    lint()
        .args(["--config", &conf("lint/clean.conf"), "--detect", "--root"])
        .arg(empty.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--cpus"));
}

#[test]
fn config_path_resolution_and_missing_files() {
    // ODOO_RC is used when --config is absent, and --config wins over it.
    lint()
        .env("ODOO_RC", conf("duplicate-key.conf"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("duplicate-key"));
    lint()
        .env("ODOO_RC", conf("duplicate-key.conf"))
        .args(["--config", &conf("lint/clean.conf")])
        .assert()
        .code(0);
    // A missing file: exit 5, naming the path and where it came from.
    lint()
        .args(["--config", "/nonexistent/odoo.conf"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("/nonexistent/odoo.conf").and(predicate::str::contains("--config")));
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("odoo.conf");
    lint().env("ODOO_RC", &missing).assert().code(5).stderr(
        predicate::str::contains(missing.display().to_string()).and(predicate::str::contains("ODOO_RC")),
    );
    if !PathBuf::from("/etc/odoo/odoo.conf").exists() {
        lint()
            .assert()
            .code(5)
            .stderr(predicate::str::contains("/etc/odoo/odoo.conf"));
    }
    // A directory, and a file above the 16 MiB cap: file errors, exit 5.
    lint()
        .args(["--config", &dir.path().display().to_string()])
        .assert()
        .code(5);
    let big = dir.path().join("big.conf");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len((16 << 20) + 1).expect("sparse file");
    lint()
        .args(["--config", &big.display().to_string()])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("16 MiB"));
}

#[test]
fn the_version_comes_from_the_flag_or_odoo_version() {
    let file = conf("stale-keys.conf");
    let v = json(&["--config", &file], 0);
    assert_eq!(v["summary"]["odoo_version"], "19.0", "newest by default");
    let out = lint()
        .args(["--config", &file, "--format", "json"])
        .env("ODOO_VERSION", "16.0")
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["summary"]["odoo_version"], "16.0");
    let out = lint()
        .args(["--config", &file, "--format", "json", "--odoo-version", "17"])
        .env("ODOO_VERSION", "16.0")
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["summary"]["odoo_version"], "17.0", "the flag wins");
    lint()
        .args(["--config", &file])
        .env("ODOO_VERSION", "saas~17.2")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ODOO_VERSION"));
}

#[test]
fn secrets_are_never_printed() {
    let secrets = [
        // secrets.conf
        "$pbkdf2-sha512$600000$c2FsdA$aGFzaA",
        "c2FsdA",
        "correct-horse-battery-staple",
        "sm:tp=pass",
        "old-token-value",
        "ghp_exampleexampleexample",
        "aws/secret/key",
        // seed-inline-comments.conf
        "Sup3r;Secret",
        "rotate monthly",
        "odoo#pw",
        "from vault",
        // lint/secrets-everywhere.conf
        "hunter2-admin",
        "rotated",
        "pg-secret-value",
        "smtp-secret-value",
        "swallowed-host-value",
        "api-token-value",
        "ldap-secret-value",
        "proxy-token-value",
    ];
    let files = [
        "secrets.conf",
        "seed-inline-comments.conf",
        "lint/secrets-everywhere.conf",
    ];
    for file in files {
        for version in ["12", "16", "18", "19"] {
            for format in ["text", "json"] {
                for limits in [
                    &[][..],
                    &["--cpus", "1", "--memory", "1g", "--pg-max-connections", "10"][..],
                ] {
                    let out = lint()
                        .args([
                            "-vvv",
                            "--config",
                            &conf(file),
                            "--odoo-version",
                            version,
                            "--format",
                            format,
                        ])
                        .args(limits)
                        .output()
                        .expect("run");
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(!stdout.is_empty());
                    for secret in secrets {
                        assert!(
                            !stdout.contains(secret) && !stderr.contains(secret),
                            "{secret} printed for {file} {version} {format} {limits:?}:\n{stdout}\n{stderr}"
                        );
                    }
                }
            }
        }
    }
}
