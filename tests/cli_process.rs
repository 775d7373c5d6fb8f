//! The process around the commands (`src/main.rs` starts without std's runtime set-up and does the parts
//! the program relies on itself): closed standard descriptors are opened on /dev/null (and stay so for the
//! command `init` runs), a closed pipe on standard output is a normal end (SIGPIPE is ignored), and a command
//! run by `init` gets SIGPIPE back at its default.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];
const SAMPLE: &[u8] = b"[options]\n; comment kept\n; workers = 0\n";

fn sizer() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("ODOO_")) {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// `apply` of SAMPLE in a fresh directory, with `adjust` applied to the command; returns the status,
/// the file's content and the directory's entries.
fn apply_with(adjust: impl FnOnce(&mut Command)) -> (std::process::ExitStatus, String, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, SAMPLE).expect("write");
    let mut cmd = sizer();
    cmd.arg("apply").arg("-c").arg(&conf).args(LIMITS);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    adjust(&mut cmd);
    let status = cmd.status().expect("run");
    let content = String::from_utf8(std::fs::read(&conf).expect("read")).expect("utf-8");
    (status, content, entries(dir.path()))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Closes `fds` in the child between fork and exec.
fn closing(cmd: &mut Command, fds: &'static [i32]) {
    // SAFETY: close(2) is async-signal-safe; nothing else runs in the child before exec.
    unsafe {
        cmd.pre_exec(move || {
            for &fd in fds {
                libc::close(fd);
            }
            Ok(())
        });
    }
}

/// What a user sees with closed descriptors. (It passes without the /dev/null descriptors too, as long as
/// no file the run writes gets number 1 or 2; the `init` test below is the one that needs them.)
#[test]
fn apply_with_closed_standard_descriptors_writes_the_same_file() {
    let (status, expected, _) = apply_with(|_| {});
    assert!(status.success(), "{status:?}");
    assert!(expected.contains("workers = 4\n"), "{expected}");
    for fds in [&[1][..], &[2], &[0, 1, 2]] {
        let fds: &'static [i32] = Vec::leak(fds.to_vec());
        let (status, content, names) = apply_with(|cmd| {
            cmd.arg("-v");
            closing(cmd, fds);
        });
        assert_eq!(status.code(), Some(0), "descriptors {fds:?} closed: {status:?}");
        assert_eq!(content, expected, "descriptors {fds:?} closed");
        assert_eq!(names, ["odoo.conf"], "descriptors {fds:?} closed");
    }
}

#[test]
fn closed_standard_descriptors_are_open_on_dev_null_for_the_command_init_runs() {
    // A closed descriptor 0, 1 or 2 would be the number of the first file or socket Odoo opens (its
    // PostgreSQL connection as standard input, a log file written with everything printed). The shell
    // that init becomes says where its own 0, 1 and 2 lead.
    for fds in [&[0][..], &[1], &[2], &[0, 1, 2]] {
        let fds: &'static [i32] = Vec::leak(fds.to_vec());
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("odoo.conf"), SAMPLE).expect("write");
        let mut cmd = sizer();
        cmd.current_dir(dir.path())
            .args(["init", "-q", "-c", "odoo.conf"])
            .args(LIMITS)
            .args([
                "--",
                "/bin/sh",
                "-c",
                "exec 3>fds.txt; for fd in 0 1 2; do l=$(readlink /proc/$$/fd/$fd) || l=closed; echo $l >&3; done",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        closing(&mut cmd, fds);
        let status = cmd.status().expect("run");
        assert!(status.success(), "descriptors {fds:?} closed: {status:?}");
        let seen = std::fs::read_to_string(dir.path().join("fds.txt")).expect("fds.txt");
        assert_eq!(seen, "/dev/null\n".repeat(3), "descriptors {fds:?} closed");
    }
}

#[test]
fn a_closed_pipe_on_standard_output_is_a_normal_end() {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) returns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: both descriptors were just created and are owned here only.
    let (read_end, write_end) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read_end);
    let output = sizer()
        .args(["plan", "--format", "json"])
        .args(LIMITS)
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    // Killed by SIGPIPE, the status would carry the signal and no code.
    assert_eq!(output.status.signal(), None, "{:?}", output.status);
    assert_eq!(output.status.code(), Some(0), "{:?}", output.status);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_command_init_runs_gets_sigpipe_at_its_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("odoo.conf"), SAMPLE).expect("write");
    let output = sizer()
        .current_dir(dir.path())
        .args(["init", "-q", "-c", "odoo.conf"])
        .args(LIMITS)
        .args(["--", "/bin/sh", "-c", "grep ^SigIgn: /proc/self/status"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{output:?}");
    let line = String::from_utf8(output.stdout).expect("utf-8");
    let mask = line
        .trim()
        .strip_prefix("SigIgn:")
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .unwrap_or_else(|| panic!("no SigIgn line in {line:?}"));
    assert_eq!(
        mask & (1 << (libc::SIGPIPE - 1)),
        0,
        "SIGPIPE ignored in the child: {line}"
    );
}
