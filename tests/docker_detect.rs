//! `detect` inside real containers: the static binary in a scratch image, run with the limits each test
//! grants, must report exactly those limits. Needs the engine and `make test-image`.

mod common;

use common::{docker_ok, engine_with_image, ContainerGuard};
use serde_json::Value;

const IMAGE_ENV: &str = "ODOO_SIZER_TEST_IMAGE";
const DEFAULT_IMAGE: &str = "odoo-sizer-test:dev";

/// Host values as the engine reports them (what an unlimited container sees).
fn engine_cpus_and_memory() -> (f64, u64) {
    let info = docker_ok(&["info", "--format", "{{.NCPU}} {{.MemTotal}}"]);
    let mut parts = info.split_whitespace();
    let cpus = parts.next().and_then(|v| v.parse().ok()).expect("NCPU");
    let mem = parts.next().and_then(|v| v.parse().ok()).expect("MemTotal");
    (cpus, mem)
}

fn detect_in_container(image: &str, guard: &ContainerGuard, limits: &[&str]) -> Value {
    let mut args = vec!["run", "--rm", "--network", "none", "--label", &guard.label];
    args.extend_from_slice(limits);
    args.extend_from_slice(&[image, "detect", "--format", "json"]);
    let out = docker_ok(&args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("detect output is not JSON ({e}): {out}"))
}

fn assert_cpus(v: &Value, want: f64, what: &str) {
    let got = v["cpu"]["effective_cpus"].as_f64().unwrap_or(-1.0);
    assert!(
        (got - want).abs() < 1e-9,
        "{what}: effective_cpus {got}, granted {want}: {v:#}"
    );
}

fn assert_memory(v: &Value, max: Option<u64>, effective: u64, what: &str) {
    assert_eq!(v["memory"]["max_bytes"].as_u64(), max, "{what}: max_bytes: {v:#}");
    assert_eq!(
        v["memory"]["effective_bytes"].as_u64(),
        Some(effective),
        "{what}: effective_bytes: {v:#}"
    );
    assert_eq!(v["approximate"], false, "{what}: {v:#}");
}

#[test]
fn granted_limits_are_detected_in_real_containers() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("detect");
    let (host_cpus, host_memory) = engine_cpus_and_memory();
    const GIB: u64 = 1 << 30;

    let v = detect_in_container(&image, &guard, &["--cpus", "1.5", "--memory", "1g"]);
    assert_cpus(&v, 1.5, "--cpus 1.5 --memory 1g");
    assert_memory(&v, Some(GIB), GIB, "--cpus 1.5 --memory 1g");
    assert_eq!(v["cpu"]["quota_cpus"].as_f64(), Some(1.5));

    let v = detect_in_container(&image, &guard, &["--cpus", "0.5"]);
    assert_cpus(&v, 0.5, "--cpus 0.5");
    assert_memory(&v, None, host_memory, "--cpus 0.5");

    let v = detect_in_container(&image, &guard, &["--cpuset-cpus", "0"]);
    assert_cpus(&v, 1.0, "--cpuset-cpus 0");
    assert_eq!(v["cpu"]["affinity_cpus"].as_u64(), Some(1));

    let v = detect_in_container(&image, &guard, &["--memory", "700m"]);
    assert_cpus(&v, host_cpus, "--memory 700m");
    assert_memory(&v, Some(700 << 20), 700 << 20, "--memory 700m");

    let v = detect_in_container(&image, &guard, &[]);
    assert_cpus(&v, host_cpus, "no limits");
    assert_memory(&v, None, host_memory, "no limits");
    assert_eq!(v["warnings"], Value::Array(vec![]), "no limits: {v:#}");
}

#[test]
fn both_cgroup_namespaces_give_the_same_answer() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("cgroupns");
    for ns in ["host", "private"] {
        let v = detect_in_container(
            &image,
            &guard,
            &["--cgroupns", ns, "--cpus", "1.5", "--memory", "1g"],
        );
        assert_cpus(&v, 1.5, &format!("--cgroupns {ns}"));
        assert_memory(&v, Some(1 << 30), 1 << 30, &format!("--cgroupns {ns}"));
    }
}

#[test]
fn cpu_quota_and_period_flags() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("quota");
    let v = detect_in_container(&image, &guard, &["--cpu-quota", "75000", "--cpu-period", "50000"]);
    assert_cpus(&v, 1.5, "--cpu-quota 75000 --cpu-period 50000");
    assert_eq!(v["cpu"]["period_us"].as_u64(), Some(50000));
}
