//! The `apply` command line: config path precedence, --check/--dry-run/--output, new files, symlinks,
//! modes and owners, secrets, warnings, errors and exit codes, concurrent runs.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];
const SAMPLE: &[u8] =
    b"[options]\n; comment kept\naddons_path = /mnt/extra-addons\n; workers = 0\nadmin_passwd = hunter2\n";

fn sizer() -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("ODOO_")) {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[test]
fn check_exits_1_until_applied_then_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    sizer()
        .args(["apply", "--check", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .code(1);
    assert_eq!(read(&conf), SAMPLE, "--check wrote");
    sizer()
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .success()
        .stdout(predicate::str::contains("change(s) written"));
    sizer()
        .args(["apply", "--check", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .code(0);
    let text = String::from_utf8(read(&conf)).expect("utf-8");
    assert!(
        text.contains("; comment kept\n") && text.contains("workers = 4\n"),
        "{text}"
    );
}

#[test]
fn odoo_rc_is_the_default_config_and_a_missing_file_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("fresh.conf");
    let out = sizer()
        .args(["apply", "--format", "json"])
        .args(LIMITS)
        .env("ODOO_RC", &conf)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["config_source"], "ODOO_RC");
    assert_eq!(report["method"], "atomic");
    let text = String::from_utf8(read(&conf)).expect("utf-8");
    assert!(text.starts_with("[options]\nworkers = 4\n"), "{text}");
    // --config beats ODOO_RC.
    let other = dir.path().join("other.conf");
    std::fs::write(&other, SAMPLE).expect("write");
    let out = sizer()
        .args(["apply", "--dry-run", "--format", "json", "--config"])
        .arg(&other)
        .args(LIMITS)
        .env("ODOO_RC", &conf)
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["config_source"], "--config");
}

#[test]
fn without_config_or_odoo_rc_the_official_path_is_used() {
    if Path::new("/etc/odoo").exists() {
        return; // this machine has an Odoo install: do not touch it
    }
    sizer()
        .args(["apply"])
        .args(LIMITS)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("/etc/odoo/odoo.conf"));
}

#[test]
fn output_leaves_the_source_untouched_and_keeps_its_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("odoo.conf");
    std::fs::write(&source, SAMPLE).expect("write");
    std::fs::set_permissions(&source, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let copy = dir.path().join("sized.conf");
    sizer()
        .args(["apply", "-c"])
        .arg(&source)
        .arg("--output")
        .arg(&copy)
        .args(LIMITS)
        .assert()
        .success();
    assert_eq!(read(&source), SAMPLE);
    assert!(String::from_utf8(read(&copy))
        .expect("utf-8")
        .contains("workers = 4"));
    assert_eq!(std::fs::metadata(&copy).expect("stat").mode() & 0o777, 0o640);
    // Idempotent on the copy too.
    let before = std::fs::metadata(&copy).expect("stat").ino();
    sizer()
        .args(["apply", "-c"])
        .arg(&source)
        .arg("--output")
        .arg(&copy)
        .args(LIMITS)
        .assert()
        .success()
        .stdout(predicate::str::contains("already up to date"));
    assert_eq!(
        std::fs::metadata(&copy).expect("stat").ino(),
        before,
        "rewritten without need"
    );
}

#[test]
fn configmap_style_symlinks_are_written_through() {
    // Kubernetes mounts ConfigMaps as odoo.conf -> ..data/odoo.conf, ..data -> ..2026_11_27...
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp = dir.path().join("..2026_11_27_00_00_00.1");
    std::fs::create_dir(&stamp).expect("mkdir");
    std::fs::write(stamp.join("odoo.conf"), SAMPLE).expect("write");
    std::os::unix::fs::symlink("..2026_11_27_00_00_00.1", dir.path().join("..data")).expect("link");
    std::os::unix::fs::symlink("..data/odoo.conf", dir.path().join("odoo.conf")).expect("link");
    sizer()
        .args(["apply", "-c"])
        .arg(dir.path().join("odoo.conf"))
        .args(LIMITS)
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(dir.path().join("odoo.conf"))
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert!(String::from_utf8(read(&stamp.join("odoo.conf")))
        .expect("utf-8")
        .contains("workers = 4"));
}

#[test]
fn secrets_never_reach_the_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    for args in [
        &["--dry-run"][..],
        &["--dry-run", "--format", "json"],
        &["--format", "json"],
        &[],
    ] {
        let out = sizer()
            .args(["apply", "-c"])
            .arg(&conf)
            .args(LIMITS)
            .args(args)
            .args(["--set", "admin_passwd=hunter3"])
            .output()
            .expect("run");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("hunter2") && !all.contains("hunter3"),
            "{args:?}: {all}"
        );
    }
}

#[test]
fn refused_files_exit_4_and_stay_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    let bad = b"[options]\nworkers = 4 ; four\n";
    std::fs::write(&conf, bad).expect("write");
    sizer()
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("line 2"))
        .stderr(predicate::str::contains("--fix"));
    assert_eq!(read(&conf), bad);
    // A binary file and an oversized one are refused too.
    std::fs::write(&conf, b"[options]\n\x00\x01\x02").expect("write");
    sizer()
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("NUL"));
    let f = std::fs::File::create(&conf).expect("create");
    f.set_len(17 << 20).expect("grow");
    sizer()
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("16 MiB"));
    // A directory is not a config.
    sizer()
        .args(["apply", "-c"])
        .arg(dir.path())
        .args(LIMITS)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("directory"));
}

#[test]
fn concurrent_runs_are_serialised() {
    // Each process pins a different key: without the lock, a run that read the file before another one
    // wrote it would drop that one's key (a lost update).
    let pins = [
        "limit_request=70001",
        "limit_time_cpu=601",
        "limit_time_real=1201",
        "db_maxconn=33",
        "http_port=8079",
        "dbfilter=^%d$",
        "db_template=template0",
        "log_level=warn",
        "smtp_port=2525",
        "transient_age_limit=2.0",
        "csv_internal_sep=;",
        "limit_time_real_cron=301",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    let bin = assert_cmd::cargo::cargo_bin("odoo-sizer");
    let children: Vec<_> = pins
        .iter()
        .map(|pin| {
            std::process::Command::new(&bin)
                .args(["apply", "-q", "--set", pin, "-c"])
                .arg(&conf)
                .args(LIMITS)
                .env_remove("ODOO_RC")
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("wait").success());
    }
    let text = String::from_utf8(read(&conf)).expect("utf-8");
    for pin in pins {
        let (key, value) = pin.split_once('=').expect("pin");
        assert!(
            text.contains(&format!("{key} = {value}\n")),
            "lost {pin}:\n{text}"
        );
    }
    assert!(
        text.contains("; comment kept\n") && text.contains("workers = 4\n"),
        "{text}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(leftovers.len(), 1, "temp files left: {leftovers:?}");
}

#[test]
fn a_comment_after_a_string_value_is_written_around_with_a_warning_naming_the_line() {
    // configparser keeps `; note` in the value: Odoo's dbfilter would be the regex '^%d$ ; note'. Not a
    // refusal (Odoo starts), but apply says so: on stderr with the text report, in `warnings` with JSON.
    const CONF: &str = "[options]\naddons_path = /mnt/extra-addons\ndbfilter = ^%d$ ; note\n";
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["text", "json"] {
        let conf = dir.path().join(format!("{format}.conf"));
        std::fs::write(&conf, CONF).expect("write");
        let out = sizer()
            .args(["apply", "--format", format, "-c"])
            .arg(&conf)
            .args(LIMITS)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        // The line stays as it was; the sizing keys are still written.
        let text = String::from_utf8(read(&conf)).expect("utf-8");
        assert!(
            text.starts_with(CONF) && text.contains("workers = 4\n"),
            "{format}:\n{text}"
        );
        if format == "json" {
            let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            let warnings = v["warnings"].as_array().expect("warnings");
            let found: Vec<&Value> = warnings
                .iter()
                .filter(|w| w["message"].as_str().unwrap_or("").contains("dbfilter"))
                .collect();
            assert_eq!(found.len(), 1, "{warnings:?}");
            assert_eq!(found[0]["code"], "inline-comment");
            let message = found[0]["message"].as_str().unwrap_or("");
            assert!(
                message.starts_with("line 3: ") && message.contains("'^%d$ ; note' instead of '^%d$'"),
                "{message}"
            );
        } else {
            let warning = stderr
                .lines()
                .find(|l| l.contains("dbfilter"))
                .unwrap_or_else(|| panic!("no warning about dbfilter on stderr:\n{stderr}"));
            assert!(
                warning.starts_with("warning: line 3: ") && warning.contains("'^%d$ ; note'"),
                "{warning}"
            );
            assert!(
                !String::from_utf8_lossy(&out.stdout).contains("dbfilter"),
                "the warning goes to stderr, not into the report"
            );
        }
    }
}

#[test]
fn concurrent_identical_runs_end_like_a_single_run() {
    // Many container starts sizing one shared file at once: whatever the interleaving, the result must be
    // byte for byte what one run makes, with nothing left behind (temp files, journals, locks). Identical
    // runs cannot lose each other's updates (concurrent_runs_are_serialised covers that); this catches
    // torn or interleaved writes, shared temp-file names, and a run that reads the already-sized file
    // and changes it again.
    const RUNS: usize = 8;
    let args = ["apply", "-q", "--set", "limit_time_real=1201", "--users", "12"];
    let single_dir = tempfile::tempdir().expect("tempdir");
    let single = single_dir.path().join("odoo.conf");
    std::fs::write(&single, SAMPLE).expect("write");
    sizer()
        .args(args)
        .arg("-c")
        .arg(&single)
        .args(LIMITS)
        .assert()
        .success();
    let expected = read(&single);
    assert_ne!(
        expected, SAMPLE,
        "the single run changed nothing: the comparison would prove nothing"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    let bin = assert_cmd::cargo::cargo_bin("odoo-sizer");
    let children: Vec<_> = (0..RUNS)
        .map(|_| {
            std::process::Command::new(&bin)
                .args(args)
                .arg("-c")
                .arg(&conf)
                .args(LIMITS)
                .env_remove("ODOO_RC")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(
        String::from_utf8_lossy(&read(&conf)),
        String::from_utf8_lossy(&expected)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["odoo.conf"], "left behind");
}

#[test]
fn the_atomic_replace_keeps_owner_and_mode() {
    // The normal write is a new file renamed over the old one: it must get the old file's owner (fchown)
    // and mode, or Odoo, running as its own user, may no longer read its config. Giving a file to another
    // user needs root; like tests/faults.rs, the test is skipped without it.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: needs root to give the config to another owner");
        return;
    }
    const OWNER: u32 = 1234;
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    std::os::unix::fs::chown(&conf, Some(OWNER), Some(OWNER)).expect("chown");
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let before = std::fs::metadata(&conf).expect("stat");
    sizer()
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .assert()
        .success()
        .stdout(predicate::str::contains("(atomic replace)"));
    let after = std::fs::metadata(&conf).expect("stat");
    assert!(
        String::from_utf8(read(&conf))
            .expect("utf-8")
            .contains("workers = 4\n"),
        "not sized"
    );
    assert_ne!(after.ino(), before.ino(), "not replaced atomically (same inode)");
    assert_eq!((after.uid(), after.gid()), (OWNER, OWNER), "owner lost");
    assert_eq!(after.mode() & 0o7777, 0o640, "mode lost");
    let names: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(names.len(), 1, "left behind: {names:?}");
}
