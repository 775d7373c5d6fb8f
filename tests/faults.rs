//! Real faults, not simulated ones: a full disk (a 64 KiB tmpfs), a read-only mount, a single file
//! bind-mounted over the config (rename fails with EBUSY, as in `docker run -v ./odoo.conf:/etc/odoo/odoo.conf`)
//! and a user without permission. Mounts happen in a private mount namespace (`unshare -m`), so nothing
//! leaks to the machine. They need root (CAP_SYS_ADMIN); without it they are reported as skipped, and
//! the same code paths stay covered by the failpoint tests.

#[path = "common/mounts.rs"]
mod mounts;
use mounts::in_mount_namespace;
use std::path::Path;
use std::process::{Command, Output};

const LIMITS: &str = "--cpus 2 --memory 4g --odoo-version 18.0";
const CONF: &[u8] = b"[options]\n; kept comment\naddons_path = /mnt/extra-addons\n; workers = 0\n";

fn bin() -> String {
    assert_cmd::cargo::cargo_bin("odoo-sizer").display().to_string()
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_full_disk_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("before.conf"), CONF).expect("write");
    let d = dir.path().display();
    let before = outside.path().join("before.conf");
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs {d}
         cp {b} {d}/odoo.conf
         dd if=/dev/zero of={d}/filler bs=4k 2>/dev/null || true
         set +e; {bin} apply -c {d}/odoo.conf {LIMITS}; echo \"exit=$?\"
         cmp {d}/odoo.conf {b} && echo same
         ls -A {d}",
        b = before.display(),
        bin = bin(),
    );
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    let all = text(&out);
    assert!(all.contains("exit=5"), "{all}");
    assert!(all.contains("no space left"), "{all}");
    assert!(all.contains("same"), "the config changed: {all}");
    // Only the config and the filler remain: no temp file.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let listing: Vec<&str> = stdout.lines().skip_while(|l| *l != "same").skip(1).collect();
    assert_eq!(listing, ["filler", "odoo.conf"], "{all}");
}

#[test]
fn a_read_only_mount_suggests_output_and_output_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf_dir = dir.path().join("etc");
    std::fs::create_dir(&conf_dir).expect("mkdir");
    std::fs::write(conf_dir.join("odoo.conf"), CONF).expect("write");
    let d = conf_dir.display();
    let out_path = dir.path().join("sized.conf");
    let script = format!(
        "mount --bind {d} {d}
         mount -o remount,bind,ro {d}
         set +e; {bin} apply -c {d}/odoo.conf {LIMITS}; echo \"exit=$?\"
         {bin} apply -q -c {d}/odoo.conf --output {o} {LIMITS}; echo \"output-exit=$?\"",
        bin = bin(),
        o = out_path.display()
    );
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    let all = text(&out);
    assert!(
        all.contains("exit=5") && all.contains("read-only") && all.contains("--output"),
        "{all}"
    );
    assert!(all.contains("output-exit=0"), "{all}");
    assert_eq!(std::fs::read(conf_dir.join("odoo.conf")).expect("read"), CONF);
    assert!(String::from_utf8(std::fs::read(&out_path).expect("read"))
        .expect("utf-8")
        .contains("workers = 4"));
}

#[test]
fn a_bind_mounted_single_file_is_rewritten_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host_file = dir.path().join("host-odoo.conf");
    std::fs::write(&host_file, CONF).expect("write");
    let target_dir = dir.path().join("etc-odoo");
    std::fs::create_dir(&target_dir).expect("mkdir");
    std::fs::write(target_dir.join("odoo.conf"), b"placeholder").expect("write");
    let script = format!(
        "mount --bind {h} {t}/odoo.conf
         {bin} apply -c {t}/odoo.conf --format json {LIMITS}",
        h = host_file.display(),
        t = target_dir.display(),
        bin = bin()
    );
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&host_file).expect("stat"));
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["method"], "in-place", "{report}");
    let after = String::from_utf8(std::fs::read(&host_file).expect("read")).expect("utf-8");
    assert!(
        after.contains("; kept comment\n") && after.contains("workers = 4\n"),
        "{after}"
    );
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&host_file).expect("stat")),
        inode
    );
    // The mount point's own file was never touched and no temp file was left next to it.
    assert_eq!(
        std::fs::read(target_dir.join("odoo.conf")).expect("read"),
        b"placeholder"
    );
    assert_eq!(std::fs::read_dir(&target_dir).expect("ls").count(), 1);
}

#[test]
fn permission_denied_names_the_user_and_the_way_out() {
    if Command::new("setpriv").arg("--version").output().is_err() || unsafe_is_not_root() {
        eprintln!("SKIPPED: needs root and setpriv to run as another user");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, CONF).expect("write");
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("odoo-sizer"))
        .args(["apply", "-c"])
        .arg(&conf)
        .args(LIMITS.split(' '))
        .env_remove("ODOO_RC")
        .output()
        .expect("setpriv");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(5), "{all}");
    assert!(
        all.contains("permission denied") && all.contains("uid 65534") && all.contains("--output"),
        "{all}"
    );
    assert_eq!(std::fs::read(&conf).expect("read"), CONF);
    let _ = Path::new("/");
}

fn unsafe_is_not_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() != 0 }
}
