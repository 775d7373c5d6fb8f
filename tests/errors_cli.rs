//! Error classes of docs/errors.md that the command line reaches without an engine or a database: each is
//! triggered for real, and its exit code and message (as printed) are checked. The others are covered by
//! the tests the document cites.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];

/// The binary with a clean environment (no ODOO_*, PG*, HOST/PORT/... from the machine), no colors.
fn sizer() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out: Output = cmd.output().expect("run odoo-sizer");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `error: MESSAGE` as logged, without the prefix (one line).
fn error_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| panic!("no error line in: {stderr}"))
}

#[test]
fn output_errors_exit_5_and_a_closed_pipe_is_not_an_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        return eprintln!("SKIPPED: no /dev/full here");
    };
    for format in ["text", "json", "conf"] {
        let (code, _, stderr) = run(sizer()
            .args(["plan", "--format", format])
            .args(LIMITS)
            .stdout(full.try_clone().expect("dup")));
        assert_eq!(code, Some(5), "{format}: {stderr}");
        assert!(
            error_line(&stderr)
                .starts_with("cannot write the result to standard output: No space left on device")
                && stderr.contains("; check where it goes (a full disk, a closed file)"),
            "{format}: {stderr}"
        );
    }
    // `odoo-sizer plan | head -1`: the reader went away; that is a normal end.
    let mut child = sizer()
        .args(["plan"])
        .args(LIMITS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_command_that_cannot_be_executed_exits_126_and_a_missing_one_127() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").expect("write");
    let script = dir.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho started\n").expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, stdout, stderr) = run(sizer()
        .args(["init", "-q", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .arg("--")
        .arg(&script));
    assert_eq!(code, Some(126), "{stderr}");
    assert!(!stdout.contains("started"));
    assert_eq!(
        error_line(&stderr),
        format!(
            "cannot start `{}`: Permission denied (os error 13); check the command after `--` (PATH, execute permission)",
            script.display()
        )
    );
    let (code, _, stderr) = run(sizer()
        .args(["init", "-q", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .args(["--", "no-such-command-anywhere"]));
    assert_eq!(code, Some(127), "{stderr}");
    assert_eq!(
        error_line(&stderr),
        "cannot start `no-such-command-anywhere`: No such file or directory (os error 2); check the command after `--` (PATH, execute permission)"
    );
}

#[test]
fn a_config_in_a_missing_directory_exits_5_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("no-such-dir/odoo.conf");
    for command in ["apply", "init"] {
        let (code, _, stderr) = run(sizer().args([command, "-c"]).arg(&conf).args(LIMITS));
        assert_eq!(code, Some(5), "{command}: {stderr}");
        assert_eq!(
            error_line(&stderr),
            format!(
                "the directory of {} does not exist; create it or choose another path",
                conf.display()
            ),
            "{command}"
        );
    }
    // `--output` into a missing directory: the same, naming the output.
    let source = dir.path().join("odoo.conf");
    std::fs::write(&source, "[options]\n").expect("write");
    let (code, _, stderr) = run(sizer()
        .args(["apply", "-c"])
        .arg(&source)
        .arg("--output")
        .arg(&conf)
        .args(LIMITS));
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        error_line(&stderr).contains(&conf.display().to_string()),
        "{stderr}"
    );
}

#[test]
fn an_unusable_odoo_version_variable_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").expect("write");
    let limits = ["--cpus", "2", "--memory", "4g"];
    for args in [
        vec!["plan"],
        vec!["apply", "-c", conf.to_str().expect("utf-8")],
        vec!["lint", "-c", conf.to_str().expect("utf-8")],
    ] {
        let (code, _, stderr) = run(sizer().args(&args).args(limits).env("ODOO_VERSION", "11.0"));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        let line = error_line(&stderr);
        assert!(
            line.starts_with("environment variable ODOO_VERSION = '11.0': ")
                && line.ends_with("; pass --odoo-version to choose another"),
            "{args:?}: {line}"
        );
    }
    assert_eq!(std::fs::read(&conf).expect("read"), b"[options]\n");
}

#[test]
fn a_memory_budget_too_small_exits_2() {
    let (code, _, stderr) = run(sizer().args(["plan", "--cpus", "1", "--memory", "100m"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        error_line(&stderr),
        "the memory budget 100 MiB is below 128 MiB, in which no Odoo process starts; if the detection is wrong, pass --memory (or set ODOO_SIZER_MEMORY)"
    );
}

#[test]
fn pins_odoo_would_refuse_exit_2_naming_the_pin() {
    for (pin, expected) in [
        // PlanError::PinKey
        (
            "longpolling_port=8072",
            "--set longpolling_port: 'longpolling_port' is not read by Odoo 18.0; use 'gevent_port'",
        ),
        (
            "limit-time-cpu=60",
            "--set limit-time-cpu: 'limit-time-cpu' is not an option: Odoo never maps hyphenated keys; use 'limit_time_cpu'",
        ),
        // PlanError::PinValue
        (
            "workers=four",
            "--set workers: workers = 'four' is refused by Odoo 18.0: option workers: invalid integer value: 'four' (not a digit in this base)",
        ),
        // PlanError::PinRefused, a secret's value masked
        (
            "admin_passwd=hunter2\t",
            "--set admin_passwd: admin_passwd = '********' has leading or trailing spaces, which configparser strips",
        ),
    ] {
        let (code, stdout, stderr) = run(sizer().args(["plan", "--set", pin]).args(LIMITS));
        assert_eq!(code, Some(2), "{pin}: {stderr}");
        assert_eq!(error_line(&stderr), expected, "{pin}");
        assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    }
}

#[test]
fn an_odoo_19_variable_and_a_different_set_conflict() {
    let (code, _, stderr) = run(sizer()
        .args(["plan", "--cpus", "2", "--memory", "4g", "--set", "workers=5"])
        .env("ODOO_VERSION", "19.0")
        .env("ODOO_WORKERS", "3"));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        error_line(&stderr),
        "ODOO_WORKERS = '3' overrides the file in Odoo 19.0, so --set workers = '5' would be ignored; unset ODOO_WORKERS or drop the --set"
    );
}

#[test]
fn a_postgres_too_small_for_the_plan_exits_2() {
    let (code, _, stderr) = run(sizer().args([
        "plan",
        "--cpus",
        "64",
        "--memory",
        "64g",
        "--odoo-version",
        "18.0",
        "--pg-max-connections",
        "50",
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    let line = error_line(&stderr);
    assert!(
        line.starts_with("PostgreSQL max_connections = 50 (--pg-max-connections) leaves ")
            && line.contains("raise max_connections to at least ")
            && line.ends_with("or pin fewer workers with --set workers=N"),
        "{line}"
    );
}

/// `init` on a sized config, waiting for PostgreSQL with `env` (and `--strict` or not), then `sh -c
/// 'echo started'`.
fn init_wait_db(conf: &Path, strict: bool, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = sizer();
    cmd.arg("init");
    if strict {
        cmd.arg("--strict");
    }
    cmd.args(["--wait-db=1", "-c"])
        .arg(conf)
        .args(LIMITS)
        .args(["--", "sh", "-c", "echo started"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

#[test]
fn postgres_settings_errors_follow_the_failure_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("odoo.conf");
    std::fs::write(&plain, "[options]\n").expect("write");

    // SettingsError::BadPort from the environment: a usage error (2).
    let (code, stdout, stderr) = init_wait_db(&plain, true, &[("HOST", "127.0.0.1"), ("PORT", "54x")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stdout.contains("started"));
    assert_eq!(
        error_line(&stderr),
        "invalid PostgreSQL port \"54x\" from $PORT: expected a number from 1 to 65535"
    );
    // Without --strict: one error line, and the command starts anyway.
    let (code, stdout, stderr) = init_wait_db(&plain, false, &[("HOST", "127.0.0.1"), ("PORT", "54x")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("started"), "{stdout}");
    assert!(
        stderr.contains("invalid PostgreSQL port \"54x\" from $PORT")
            && stderr.contains("starting the command anyway"),
        "{stderr}"
    );

    // SettingsError::MultipleHosts from odoo.conf: the config is refused (4).
    let hosts = dir.path().join("hosts.conf");
    std::fs::write(&hosts, "[options]\ndb_host = db1,db2\n").expect("write");
    let (code, _, stderr) = init_wait_db(&hosts, true, &[]);
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(
        error_line(&stderr),
        "several PostgreSQL hosts \"db1,db2\" from odoo.conf db_host: odoo-sizer can only check a single host; leave out --wait-db, and give --pg-max-connections N instead of auto"
    );

    // SettingsError::PasswordFile: a file error (5), and the password file's content never shows.
    let missing = dir.path().join("no-such-secret");
    let missing_text = missing.display().to_string();
    let (code, _, stderr) = init_wait_db(
        &plain,
        true,
        &[("HOST", "127.0.0.1"), ("PASSWORD_FILE", missing_text.as_str())],
    );
    assert_eq!(code, Some(5), "{stderr}");
    assert_eq!(
        error_line(&stderr),
        format!(
            "cannot read the PostgreSQL password from $PASSWORD_FILE ({missing_text}): No such file or directory (os error 2); fix the path or the file's permissions, or unset PASSWORD_FILE"
        )
    );
}

#[test]
fn errors_go_to_stderr_and_nothing_to_stdout() {
    // A failing command prints no partial result: scripts reading stdout see nothing.
    for args in [
        vec!["plan", "--cpus", "1", "--memory", "100m"],
        vec!["detect", "--memory", "lots"],
        vec!["lint", "-c", "/nonexistent/odoo.conf"],
    ] {
        let (code, stdout, stderr) = run(sizer().args(&args));
        assert_ne!(code, Some(0), "{args:?}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(!stderr.is_empty(), "{args:?}");
    }
}
