//! Golden results of `odoo-sizer lint` on every odoo.conf fixture (`tests/fixtures/conf/*.conf` and
//! `tests/fixtures/conf/lint/*.conf`), for Odoo 16.0, 18.0 and 19.0, as text and JSON; and for a few of
//! them against a container (2 CPUs, 2 GiB, PostgreSQL max_connections 100).
//!
//! No limit is read from the machine (no --detect, no --root, a cleared environment), so the snapshots
//! hold on any machine. Accept changes with `INSTA_UPDATE=always cargo test --test lint_golden` (or
//! `cargo insta review`) after reading every finding; under `CI=true` a mismatch fails.

use assert_cmd::Command;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conf")
}

/// Fixture paths relative to `tests/fixtures/conf`, sorted.
fn fixtures() -> Vec<String> {
    let mut names = Vec::new();
    for sub in ["", "lint/"] {
        let entries = std::fs::read_dir(dir().join(sub)).expect("fixture dir");
        for entry in entries.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".conf") {
                names.push(format!("{sub}{name}"));
            }
        }
    }
    names.sort();
    names
}

/// The snapshot name of a fixture: `lint/typed-values.conf` → `lint-typed-values`.
fn slug(name: &str) -> String {
    name.trim_end_matches(".conf").replace('/', "-")
}

/// Runs lint in the fixtures directory with a cleared environment; returns the exit code and stdout.
fn lint(name: &str, version: &str, format: &str, extra: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("odoo-sizer")
        .expect("binary")
        .env_clear()
        .current_dir(dir())
        .args([
            "lint",
            "--config",
            name,
            "--odoo-version",
            version,
            "--format",
            format,
        ])
        .args(extra)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "{name} {version}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8(out.stdout).expect("UTF-8 output"))
}

fn golden(format: &str, versions: &[&str], extra: &[&str], names: &[String], prefix: &str) {
    for name in names {
        let mut snapshot = String::new();
        for version in versions {
            let (code, out) = lint(name, version, format, extra);
            let report: serde_json::Value = match format {
                "json" => serde_json::from_str(&out).expect("JSON"),
                _ => serde_json::Value::Null,
            };
            if format == "json" {
                // The exit code follows the errors in the report.
                let errors = report["summary"]["errors"].as_u64().expect("errors");
                assert_eq!(code == 1, errors > 0, "{name} {version}");
            }
            snapshot.push_str(&format!(
                "== odoo-sizer lint --config {name} --odoo-version {version}{} → exit {code}\n{out}\n",
                extra.iter().map(|a| format!(" {a}")).collect::<String>()
            ));
        }
        insta::assert_snapshot!(format!("{prefix}{}", slug(name)), snapshot);
    }
}

const VERSIONS: &[&str] = &["16.0", "18.0", "19.0"];

#[test]
fn every_fixture_as_text() {
    golden("text", VERSIONS, &[], &fixtures(), "text_");
}

#[test]
fn every_fixture_as_json() {
    golden("json", VERSIONS, &[], &fixtures(), "json_");
}

/// Fixtures whose container findings are worth a golden result.
const CONTAINER: &[&str] = &[
    "official-18.0.conf",
    "upper-colon.conf",
    "lint/container.conf",
    "lint/clean.conf",
    "lint/false-values.conf",
    "lint/memory-limits.conf",
];

const LIMITS: &[&str] = &["--cpus", "2", "--memory", "2g", "--pg-max-connections", "100"];

#[test]
fn container_rules_as_text() {
    let names: Vec<String> = CONTAINER.iter().map(|s| s.to_string()).collect();
    golden("text", &["18.0", "19.0"], LIMITS, &names, "container_text_");
}

#[test]
fn container_rules_as_json() {
    let names: Vec<String> = CONTAINER.iter().map(|s| s.to_string()).collect();
    golden("json", &["18.0", "19.0"], LIMITS, &names, "container_json_");
}

#[test]
fn every_fixture_has_a_golden_result() {
    let names = fixtures();
    assert!(names.len() >= 30, "{}", names.len());
    let snapshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for name in names {
        for kind in ["text", "json"] {
            let file = snapshots.join(format!("lint_golden__{kind}_{}.snap", slug(&name)));
            assert!(file.exists(), "{} is missing", file.display());
        }
    }
}
