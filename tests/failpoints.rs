//! Fault injection (build with `--features failpoints`; `make test` runs it): the process is killed at
//! every step of a write, over many runs, and the config is always either the old or the new version,
//! never partial, never lost; the next run leaves no temp file or journal behind. Errors injected at each
//! step (ENOSPC, EROFS, EACCES, EBUSY) leave the file untouched or take the in-place path.
#![cfg(feature = "failpoints")]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];

/// Kill points of the atomic path, then of the in-place path (entered when the rename fails with EBUSY,
/// as it does for a single file bind-mounted into a container).
const KILL_POINTS: [&str; 8] = [
    "after-temp-create=return(kill)",
    "after-write=return(kill)",
    "after-fsync=return(kill)",
    "after-rename=return(kill)",
    "rename=return(ebusy);inplace-after-journal=return(kill)",
    "rename=return(ebusy);inplace-after-write=return(kill)",
    "rename=return(ebusy);inplace-after-fsync=return(kill)",
    "after-temp-create=return(eacces);inplace-after-write=return(kill)",
];

struct Case {
    dir: tempfile::TempDir,
    tmp: tempfile::TempDir,
    conf: PathBuf,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().expect("tempdir");
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("odoo.conf");
        Case { dir, tmp, conf }
    }

    fn run(&self, failpoints: Option<&str>) -> Output {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
        cmd.args(["apply", "-q", "-c"])
            .arg(&self.conf)
            .args(LIMITS)
            .env("TMPDIR", self.tmp.path());
        for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("ODOO_") || k == "FAILPOINTS") {
            cmd.env_remove(var);
        }
        if let Some(f) = failpoints {
            cmd.env("FAILPOINTS", f);
        }
        cmd.output().expect("run")
    }

    fn leftovers(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = Vec::new();
        for dir in [self.dir.path(), self.tmp.path()] {
            found.extend(
                std::fs::read_dir(dir)
                    .expect("ls")
                    .filter_map(|e| e.ok())
                    .map(|e| e.path()),
            );
        }
        found.retain(|p| p != &self.conf);
        found
    }
}

/// A config whose size varies with `seed`, so partial writes cut at different places.
fn original(seed: usize) -> Vec<u8> {
    let mut text = String::from("[options]\naddons_path = /mnt/extra-addons\n; workers = 0\n");
    for i in 0..(seed * 7919 % 97) {
        text.push_str(&format!("; padding line {i} {}\n", "x".repeat(seed * 31 % 200)));
    }
    text.push_str("limit_memory_hard = 2684354560\n");
    text.into_bytes()
}

fn runs() -> usize {
    std::env::var("FAILPOINT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(125)
}

#[test]
fn a_kill_at_any_step_leaves_the_old_or_the_new_file() {
    let case = Case::new();
    // The expected result of each original, computed by an uninterrupted run.
    let mut expected = std::collections::HashMap::new();
    for seed in 0..runs() {
        let old = original(seed);
        std::fs::write(&case.conf, &old).expect("write");
        assert!(case.run(None).status.success());
        expected.insert(seed, std::fs::read(&case.conf).expect("read"));
    }
    let mut kills = 0;
    for (seed, new) in &expected {
        let old = original(*seed);
        let point = KILL_POINTS[seed % KILL_POINTS.len()];
        std::fs::write(&case.conf, &old).expect("write");
        let out = case.run(Some(point));
        assert_eq!(
            out.status.signal(),
            Some(9),
            "{point}: not killed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kills += 1;
        let now = std::fs::read(&case.conf).expect("the config must still exist");
        // In-place kills before the journal is removed may leave a mixed file on disk, but only while a
        // journal exists: the next run restores it first. Whatever a reader finds after the NEXT run is new.
        if !point.contains("inplace-after-write") {
            assert!(
                now == old || now == *new,
                "{point}: the file is neither old nor new"
            );
        }
        let out = case.run(None);
        assert!(
            out.status.success(),
            "{point}: recovery run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            &std::fs::read(&case.conf).expect("read"),
            new,
            "{point}: wrong content after recovery"
        );
        assert_eq!(case.leftovers(), Vec::<PathBuf>::new(), "{point}: leftovers");
    }
    assert!(kills >= KILL_POINTS.len());
}

#[test]
fn an_interrupted_in_place_write_is_restored_before_anything_else() {
    let case = Case::new();
    let old = original(3);
    std::fs::write(&case.conf, &old).expect("write");
    let out = case.run(Some("rename=return(ebusy);inplace-after-write=return(kill)"));
    assert_eq!(out.status.signal(), Some(9));
    // A journal is left; a --dry-run must not touch anything, a real run restores then applies.
    assert_eq!(case.leftovers().len(), 1, "{:?}", case.leftovers());
    let out = case.run(None);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty() || !stderr.contains("error"), "{stderr}");
    assert!(case.leftovers().is_empty());
}

#[test]
fn injected_errors_leave_the_file_untouched_with_a_clear_message() {
    for (point, needle) in [
        ("after-write=return(enospc)", "no space left"),
        ("after-temp-create=return(erofs)", "--output"),
        ("after-fsync=return(eio)", "cannot write"),
    ] {
        let case = Case::new();
        let old = original(5);
        std::fs::write(&case.conf, &old).expect("write");
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
        let out = cmd
            .args(["apply", "-c"])
            .arg(&case.conf)
            .args(LIMITS)
            .env("FAILPOINTS", point)
            .env("TMPDIR", case.tmp.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(5), "{point}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{point}: {stderr}");
        assert_eq!(
            std::fs::read(&case.conf).expect("read"),
            old,
            "{point}: file touched"
        );
        assert!(case.leftovers().is_empty(), "{point}: {:?}", case.leftovers());
    }
}

#[test]
fn a_file_changed_during_the_run_is_not_overwritten() {
    let case = Case::new();
    std::fs::write(&case.conf, original(1)).expect("write");
    let child = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"))
        .args(["apply", "-c"])
        .arg(&case.conf)
        .args(LIMITS)
        .env("FAILPOINTS", "before-replace=sleep(1500)")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // Odoo's own config.save (the master password changed from the database manager) rewrites the file.
    let theirs = b"[options]\nadmin_passwd = new-master\n";
    write_elsewhere_and_rename(&case.conf, theirs);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed by another program"));
    assert_eq!(std::fs::read(&case.conf).expect("read"), theirs);
}

fn write_elsewhere_and_rename(target: &Path, content: &[u8]) {
    let temp = target.with_extension("theirs");
    std::fs::write(&temp, content).expect("write");
    std::fs::rename(&temp, target).expect("rename");
}

/// `apply` with `failpoints` and `TMPDIR` set, the file created or rewritten: exit code and stderr.
fn apply_with(case: &Case, failpoints: &str, tmpdir: &Path) -> (Option<i32>, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"))
        .args(["apply", "-c"])
        .arg(&case.conf)
        .args(LIMITS)
        .env_remove("ODOO_RC")
        .env("NO_COLOR", "1")
        .env("FAILPOINTS", failpoints)
        .env("TMPDIR", tmpdir)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bind_mounted_file_without_a_writable_temp_dir_is_left_alone() {
    // The rename fails as on a single bind-mounted file, and the journal cannot be written: nothing is
    // overwritten without a saved copy (FileError::NoJournal).
    let case = Case::new();
    let old = original(2);
    std::fs::write(&case.conf, &old).expect("write");
    let no_tmp = case.tmp.path().join("no-such-dir");
    let (code, stderr) = apply_with(&case, "rename=return(ebusy)", &no_tmp);
    assert_eq!(code, Some(5), "{stderr}");
    let journal = stderr
        .split("safety journal (")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_default()
        .to_string();
    assert!(journal.starts_with(&no_tmp.display().to_string()), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: {} is bind-mounted and cannot be replaced atomically, and no temp directory is writable for the safety journal ({journal}: No such file or directory (os error 2)); set TMPDIR to a writable directory or use --output",
            case.conf.display()
        )
    );
    assert_eq!(std::fs::read(&case.conf).expect("read"), old, "file touched");
    assert!(case.leftovers().is_empty(), "{:?}", case.leftovers());
}

#[test]
fn a_new_file_in_a_directory_we_may_not_write_is_permission_denied() {
    // EACCES where the temp file is created, and no existing file to rewrite in place.
    let case = Case::new();
    let (code, stderr) = apply_with(&case, "after-temp-create=return(eacces)", case.tmp.path());
    assert_eq!(code, Some(5), "{stderr}");
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: permission denied trying to create a temp file next to {} (running as uid {uid}); run as the file's owner, or write the sized copy elsewhere with --output PATH",
            case.conf.display()
        )
    );
    assert!(!case.conf.exists());
    assert!(case.leftovers().is_empty(), "{:?}", case.leftovers());
}
