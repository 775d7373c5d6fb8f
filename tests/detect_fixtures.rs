//! `detect` against the fixture trees in tests/fixtures/cgroup/<scenario>/: each holds a fake root
//! (proc/self/cgroup, proc/self/mountinfo, proc/self/status, proc/meminfo, cgroup files) and an
//! expected.json written from what the scenario grants (not from the program's output). Only the fields
//! present in expected.json are compared; `warnings: []` means no warning at all, `warnings_contain`
//! lists substrings that some warning must contain.

use odoo_sizer::limits::{detect, FsRoot, Overrides};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenarios() -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cgroup");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn check_subset(expected: &Value, actual: &Value, path: &str, failures: &mut Vec<String>) {
    match expected {
        Value::Object(fields) => {
            for (key, want) in fields {
                if key == "description" || key == "warnings_contain" {
                    continue;
                }
                let got = actual.get(key).unwrap_or(&Value::Null);
                check_subset(want, got, &format!("{path}.{key}"), failures);
            }
        }
        Value::Number(want) => {
            let close = match (want.as_f64(), actual.as_f64()) {
                (Some(w), Some(g)) => {
                    (w - g).abs() < 1e-9 && (want.as_u64() == actual.as_u64() || want.is_f64())
                }
                _ => false,
            };
            if !close {
                failures.push(format!("{path}: expected {want}, got {actual}"));
            }
        }
        other => {
            if other != actual {
                failures.push(format!("{path}: expected {other}, got {actual}"));
            }
        }
    }
}

#[test]
fn every_fixture_gives_the_granted_limits() {
    let scenarios = scenarios();
    assert!(
        scenarios.len() >= 16,
        "expected at least 16 scenarios, found {}",
        scenarios.len()
    );
    let mut failures = Vec::new();
    for dir in &scenarios {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("read expected"))
                .expect("expected.json is JSON");
        let limits = detect(&FsRoot::at(dir), &Overrides::default());
        let actual = serde_json::to_value(&limits).expect("serialise");
        let mut problems = Vec::new();
        check_subset(&expected, &actual, "", &mut problems);
        if let Some(Value::Array(needles)) = expected.get("warnings_contain") {
            for needle in needles.iter().filter_map(Value::as_str) {
                if !limits.warnings.iter().any(|w| w.contains(needle)) {
                    problems.push(format!("no warning contains {needle:?}"));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n    {}\n    warnings: {:?}",
                problems.join("\n    "),
                limits.warnings
            ));
        }
        // Re-reading gives the same answer (nothing cached, nothing random).
        assert_eq!(
            limits,
            detect(&FsRoot::at(dir), &Overrides::default()),
            "{name}: second read differs"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn limits_are_re_read_on_every_call() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cgroup/docker-v2-private");
    copy_tree(&src, tmp.path());
    let first = detect(&FsRoot::at(tmp.path()), &Overrides::default());
    assert_eq!(first.cpu.effective_cpus, Some(1.5));
    // `docker update --cpus 3 --memory 2g` while running.
    std::fs::write(tmp.path().join("sys/fs/cgroup/cpu.max"), "300000 100000\n").expect("write");
    std::fs::write(tmp.path().join("sys/fs/cgroup/memory.max"), "2147483648\n").expect("write");
    let second = detect(&FsRoot::at(tmp.path()), &Overrides::default());
    assert_eq!(second.cpu.effective_cpus, Some(3.0));
    assert_eq!(second.memory.effective_bytes, Some(2 << 30));
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
