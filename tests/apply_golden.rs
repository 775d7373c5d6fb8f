//! Golden results of `apply` for every file of tests/fixtures/conf: the `--dry-run` diff, the report and
//! the resulting file (insta snapshots), the refusal message for files Odoo cannot load (file untouched),
//! idempotence, and Python's RawConfigParser reading back exactly the planned values, cast like Odoo.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conf");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    files
}

fn sizer(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("ODOO_")) {
        cmd.env_remove(var);
    }
    cmd
}

/// Makes CR visible so CRLF survives in a readable snapshot.
fn visible(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\r', "␍")
}

fn odoo_reads(path: &Path, settings: &serde_json::Map<String, Value>) -> Value {
    let kinds: serde_json::Map<String, Value> = settings
        .iter()
        .map(|(k, v)| {
            let kind = if v.is_boolean() {
                "flag"
            } else if v.is_i64() {
                "int"
            } else {
                "str"
            };
            (k.clone(), Value::from(kind))
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/odoo_read.py");
    let out = StdCommand::new("python3")
        .arg(script)
        .arg(path)
        .arg("18")
        .arg(Value::Object(kinds).to_string())
        .output()
        .expect("python3 is on every machine of this project");
    assert!(
        out.status.success(),
        "{}: Odoo would refuse the result: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn every_fixture_has_a_golden_apply_result() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/apply");
    let _guard = settings.bind_to_scope();

    for fixture in fixtures() {
        let name = fixture
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let stem = name.trim_end_matches(".conf").to_string();
        let dir = tempfile::tempdir().expect("tempdir");
        let original = std::fs::read(&fixture).expect("read fixture");
        std::fs::write(dir.path().join(&name), &original).expect("copy");

        let dry = sizer(dir.path())
            .args(["apply", "--dry-run", "--config", &name])
            .args(LIMITS)
            .output()
            .expect("run");
        let code = dry.status.code().unwrap_or(-1);
        if code == 4 {
            // Refused: the message names lines, the file is untouched, and every mode agrees.
            insta::assert_snapshot!(format!("{stem}.refused"), visible(&dry.stderr));
            let real = sizer(dir.path())
                .args(["apply", "--config", &name])
                .args(LIMITS)
                .output()
                .expect("run");
            assert_eq!(real.status.code(), Some(4), "{name}: apply must refuse too");
            assert_eq!(
                std::fs::read(dir.path().join(&name)).expect("read"),
                original,
                "{name} was touched"
            );
            continue;
        }
        assert_eq!(code, 0, "{name}: {}", String::from_utf8_lossy(&dry.stderr));
        insta::assert_snapshot!(format!("{stem}.dry-run"), visible(&dry.stdout));
        assert_eq!(
            std::fs::read(dir.path().join(&name)).expect("read"),
            original,
            "--dry-run wrote {name}"
        );

        let real = sizer(dir.path())
            .args(["apply", "--format", "json", "--config", &name])
            .args(LIMITS)
            .output()
            .expect("run");
        assert!(
            real.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&real.stderr)
        );
        let report: Value = serde_json::from_slice(&real.stdout).expect("json");
        let after = std::fs::read(dir.path().join(&name)).expect("read");
        insta::assert_snapshot!(format!("{stem}.result"), visible(&after));

        // Odoo reads exactly the planned values.
        let planned = report["settings"].as_object().expect("settings").clone();
        let read = odoo_reads(&dir.path().join(&name), &planned);
        assert_eq!(
            read,
            Value::Object(planned),
            "{name}: Odoo reads other values than planned"
        );

        // A second run changes nothing; --check agrees.
        let again = sizer(dir.path())
            .args(["apply", "--check", "--config", &name])
            .args(LIMITS)
            .output()
            .expect("run");
        assert_eq!(
            again.status.code(),
            Some(0),
            "{name}: second run: {}",
            String::from_utf8_lossy(&again.stdout)
        );
        let again = sizer(dir.path())
            .args(["apply", "--config", &name])
            .args(LIMITS)
            .output()
            .expect("run");
        assert!(again.status.success());
        assert_eq!(
            std::fs::read(dir.path().join(&name)).expect("read"),
            after,
            "{name}: not idempotent"
        );
    }
}

#[test]
fn fix_repairs_seed_style_inline_comments() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/apply");
    let _guard = settings.bind_to_scope();

    let name = "seed-inline-comments.conf";
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conf")
        .join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&fixture, dir.path().join(name)).expect("copy");
    let out = sizer(dir.path())
        .args(["apply", "--fix", "--format", "json", "--config", name])
        .args(LIMITS)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let after = std::fs::read(dir.path().join(name)).expect("read");
    insta::assert_snapshot!("seed-inline-comments.fixed", visible(&after));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("{}{stderr}", String::from_utf8_lossy(&out.stdout));
    // The secret's inline comment is neither moved nor shown.
    assert!(
        !all.contains("Sup3r") && !all.contains("odoo#pw") && !all.contains("rotate monthly"),
        "{all}"
    );
    let planned = report["settings"].as_object().expect("settings").clone();
    assert_eq!(
        odoo_reads(&dir.path().join(name), &planned),
        Value::Object(planned)
    );
}
