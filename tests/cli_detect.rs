//! The `detect` command line: formats, overrides and their sources, bad values, unknown limits.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cgroup")
        .join(name)
}

fn sizer() -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    for var in [
        "ODOO_SIZER_CPUS",
        "ODOO_SIZER_MEMORY",
        "ODOO_SIZER_ROOT",
        "ODOO_SIZER_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is JSON")
}

#[test]
fn json_has_the_contract_fields() {
    let out = sizer()
        .args(["detect", "--format", "json", "--root"])
        .arg(fixture("docker-v2-private"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    for field in [
        "version",
        "quota_cpus",
        "affinity_cpus",
        "effective_cpus",
        "source",
    ] {
        assert!(v["cpu"].get(field).is_some(), "cpu.{field} missing");
    }
    for field in [
        "version",
        "max_bytes",
        "high_bytes",
        "swap_max_bytes",
        "host_total_bytes",
        "effective_bytes",
        "source",
    ] {
        assert!(v["memory"].get(field).is_some(), "memory.{field} missing");
    }
    assert_eq!(v["cpu"]["effective_cpus"], 1.5);
    assert_eq!(v["memory"]["effective_bytes"], 1073741824u64);
    assert_eq!(v["approximate"], false);
    assert_eq!(v["warnings"], Value::Array(vec![]));
}

#[test]
fn text_names_the_source_of_each_value() {
    sizer()
        .args(["detect", "--root"])
        .arg(fixture("k8s-v2-burstable"))
        .assert()
        .success()
        .stdout(predicate::str::contains("1.5 CPUs"))
        .stdout(predicate::str::contains("cri-containerd-"))
        .stdout(predicate::str::contains("memory.high"))
        .stdout(predicate::str::contains("cgroup v2"));
}

#[test]
fn overrides_replace_values_and_name_their_origin() {
    let out = sizer()
        .args(["detect", "--format", "json", "--cpus", "1500m", "--root"])
        .arg(fixture("docker-v2-private"))
        .env("ODOO_SIZER_MEMORY", "2Gi")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["cpu"]["effective_cpus"], 1.5);
    assert_eq!(v["cpu"]["source"], "--cpus");
    assert_eq!(v["memory"]["effective_bytes"], 2147483648u64);
    assert_eq!(v["memory"]["source"], "ODOO_SIZER_MEMORY");
    // The raw detected limit is still reported, and the override above it is flagged.
    assert_eq!(v["memory"]["max_bytes"], 1073741824u64);
    assert!(v["warnings"][0]
        .as_str()
        .unwrap_or("")
        .contains("ODOO_SIZER_MEMORY"));
}

#[test]
fn bad_override_values_are_usage_errors_naming_the_flag() {
    sizer()
        .args(["detect", "--memory", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--memory"))
        .stderr(predicate::str::contains("512m"));
    sizer()
        .args(["detect"])
        .env("ODOO_SIZER_CPUS", "-2")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--cpus"))
        .stderr(predicate::str::contains("1500m"));
}

#[test]
fn the_p_suffix_is_accepted_and_documented_like_the_others() {
    // go-units' RAMInBytes (`docker run --memory`) accepts b, k, m, g, t and p: so does --memory.
    for (flag, env) in [(Some("1p"), None), (None, Some("1PiB"))] {
        let mut cmd = sizer();
        cmd.args(["detect", "--format", "json", "--root"])
            .arg(fixture("docker-v2-private"));
        if let Some(value) = flag {
            cmd.args(["--memory", value]);
        }
        if let Some(value) = env {
            cmd.env("ODOO_SIZER_MEMORY", value);
        }
        let out = cmd.assert().success().get_output().stdout.clone();
        assert_eq!(
            json(&out)["memory"]["effective_bytes"],
            1u64 << 50,
            "{flag:?} {env:?}"
        );
    }
    // Every place that lists the suffixes lists p: --help and the error message.
    sizer()
        .args(["detect", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("b/k/m/g/t/p"));
    sizer()
        .args(["detect", "--memory", "1x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("b, k, m, g, t, p"));
}

#[test]
fn nothing_readable_is_exit_3_naming_the_files() {
    let empty = tempfile::tempdir().expect("tempdir");
    sizer()
        .args(["detect", "--format", "json", "--root"])
        .arg(empty.path())
        .assert()
        .code(3)
        .stdout(predicate::str::contains("\"effective_cpus\": null"))
        .stderr(predicate::str::contains("/proc/self/status"))
        .stderr(predicate::str::contains("--cpus"));
}

#[test]
fn garbage_is_reported_but_not_fatal() {
    sizer()
        .args(["detect", "--root"])
        .arg(fixture("garbage-values"))
        .assert()
        .success()
        .stdout(predicate::str::contains("warning: /sys/fs/cgroup/cpu.max"));
}

#[test]
fn help_has_examples_and_env_names() {
    sizer()
        .args(["detect", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("ODOO_SIZER_CPUS"))
        .stdout(predicate::str::contains("ODOO_SIZER_MEMORY"));
}
