//! File errors with real faults rather than failpoints: a single file bind-mounted over the config (rename
//! fails with EBUSY) while no temp directory is writable for the safety journal. Mounts happen in a
//! private mount namespace (`unshare -m`), so nothing leaks to the machine; without the right to create
//! one (not root) the test is reported as skipped, and tests/failpoints.rs covers the same path.

#[path = "common/mounts.rs"]
mod mounts;
use mounts::in_mount_namespace;

const CONF: &[u8] = b"[options]\n; kept comment\n; workers = 0\n";

#[test]
fn a_bind_mounted_file_without_a_journal_directory_is_not_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host_file = dir.path().join("host-odoo.conf");
    std::fs::write(&host_file, CONF).expect("write");
    let target_dir = dir.path().join("etc-odoo");
    std::fs::create_dir(&target_dir).expect("mkdir");
    std::fs::write(target_dir.join("odoo.conf"), b"placeholder").expect("write");
    let no_tmp = dir.path().join("no-such-tmp");
    let target = target_dir.join("odoo.conf");
    let script = format!(
        "mount --bind {h} {t}
         set +e; TMPDIR={n} {bin} apply -c {t} --cpus 2 --memory 4g --odoo-version 18.0; echo \"exit=$?\"",
        h = host_file.display(),
        t = target.display(),
        n = no_tmp.display(),
        bin = assert_cmd::cargo::cargo_bin("odoo-sizer").display(),
    );
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("exit=5"), "{stdout}{stderr}");
    let head = format!(
        "error: {} is bind-mounted and cannot be replaced atomically, and no temp directory is writable for the safety journal ({}/",
        target.display(),
        no_tmp.display()
    );
    assert!(stderr.starts_with(&head), "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            ": No such file or directory (os error 2)); set TMPDIR to a writable directory or use --output"
        ),
        "{stderr}"
    );
    // Neither the mounted file nor the mount point's own file changed, and nothing was left behind.
    assert_eq!(std::fs::read(&host_file).expect("read"), CONF);
    assert_eq!(std::fs::read(&target).expect("read"), b"placeholder");
    assert_eq!(std::fs::read_dir(&target_dir).expect("ls").count(), 1);
    assert!(!no_tmp.exists());
}
