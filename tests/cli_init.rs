//! `init` outside containers: it becomes the command (same PID), sizes the file the command makes Odoo
//! read, passes --config/ODOO_RC with --output, applies the failure policy (--strict, also under -q), and
//! waits for a real PostgreSQL server (tests/common/pg.rs) before asking it for max_connections.

#[path = "common/pg.rs"]
mod pg_helper;

use pg_helper::{free_port, pg_bin_dir, shared_server, Options, PgServer, MAX_CONNECTIONS, SCRAM};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];
const CONF: &[u8] = b"[options]\n; kept\n; workers = 0\n";

/// A temp dir holding odoo.conf and a fake `odoo` that prints its argv, ODOO_RC and the workers it reads.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("odoo.conf"), CONF).expect("write");
        let odoo = dir.path().join("bin/odoo");
        std::fs::create_dir(dir.path().join("bin")).expect("mkdir");
        std::fs::write(
            &odoo,
            "#!/bin/sh\necho \"odoo pid=$$ argv=$*\"\necho \"ODOO_RC=$ODOO_RC\"\n\
             conf=$ODOO_RC\nfor a in \"$@\"; do case $a in --config=*) conf=${a#--config=};; esac; done\n\
             grep '^workers' \"$conf\" || echo 'no workers'\n",
        )
        .expect("write");
        std::fs::set_permissions(&odoo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Sandbox { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn init(&self) -> Command {
        self.init_with(&LIMITS)
    }

    fn init_with(&self, limits: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
        for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("ODOO_") || k.starts_with("PG")) {
            cmd.env_remove(var);
        }
        for var in ["HOST", "PORT", "USER", "PASSWORD", "PASSWORD_FILE"] {
            cmd.env_remove(var);
        }
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.current_dir(self.dir.path())
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .arg("init")
            .args(limits);
        cmd
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn init_becomes_the_command_with_the_same_pid() {
    let sb = Sandbox::new();
    let child = sb
        .init()
        .args(["-c", "odoo.conf", "--", "sh", "-c", "echo pid=$$"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&format!("pid={pid}")),
        "{}",
        out(&o)
    );
    let text = String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read")).expect("utf-8");
    assert!(
        text.contains("; kept\n") && text.contains("workers = 4\n"),
        "{text}"
    );
    // The summary line names the limits and the result.
    assert!(
        out(&o).contains("odoo-sizer: 2 CPUs, 4 GiB -> Odoo 18.0: workers=4"),
        "{}",
        out(&o)
    );
}

#[test]
fn quiet_silences_the_summary_and_no_command_just_sizes() {
    let sb = Sandbox::new();
    let o = sb.init().args(["-q", "-c", "odoo.conf"]).output().expect("run");
    assert!(o.status.success());
    assert_eq!(out(&o), "", "nothing on stdout/stderr with -q");
    assert!(
        String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read"))
            .expect("utf-8")
            .contains("workers = 4")
    );
}

#[test]
fn the_commands_own_config_is_the_one_sized_and_overrides_are_reported() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("other.conf"), CONF).expect("write");
    let o = sb
        .init()
        .args(["-c", "odoo.conf", "--", "odoo", "-c", "other.conf", "--workers=3"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(
        std::fs::read(sb.path("odoo.conf")).expect("read"),
        CONF,
        "the wrong file was sized"
    );
    assert!(
        String::from_utf8(std::fs::read(sb.path("other.conf")).expect("read"))
            .expect("utf-8")
            .contains("workers = 4")
    );
    let all = out(&o);
    assert!(all.contains("passes -c other.conf"), "{all}");
    assert!(
        all.contains("--workers=3") && all.contains("beats odoo.conf"),
        "{all}"
    );
}

#[test]
fn output_exports_odoo_rc_and_passes_config_to_odoo() {
    let sb = Sandbox::new();
    let o = sb
        .init()
        .args([
            "-c",
            "odoo.conf",
            "--output",
            "sized.conf",
            "--",
            "odoo",
            "--http-port=8069",
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", out(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("argv=--http-port=8069 --config=sized.conf"),
        "{stdout}"
    );
    assert!(stdout.contains("ODOO_RC=sized.conf"), "{stdout}");
    assert!(stdout.contains("workers = 4"), "{stdout}");
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), CONF);
    // Not odoo: no --config is added (a shell would not understand it), but ODOO_RC is still exported.
    let o = sb
        .init()
        .args([
            "-c",
            "odoo.conf",
            "--output",
            "sized.conf",
            "--",
            "sh",
            "-c",
            "echo args=$# rc=$ODOO_RC",
        ])
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("args=0 rc=sized.conf"),
        "{}",
        out(&o)
    );
}

#[test]
fn failure_policy_starts_anyway_unless_strict() {
    let sb = Sandbox::new();
    let refused = b"[options]\nworkers = 2\nWorkers = 3\n";
    std::fs::write(sb.path("odoo.conf"), refused).expect("write");
    let o = sb
        .init()
        .args(["-c", "odoo.conf", "--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("started"));
    assert!(out(&o).contains("sizing skipped"), "{}", out(&o));
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), refused);

    let o = sb
        .init()
        .args(["--strict", "-c", "odoo.conf", "--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("started"));
    // Without a command, a failure is always an error.
    let o = sb.init().args(["-c", "odoo.conf"]).output().expect("run");
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn a_missing_command_exits_127() {
    let sb = Sandbox::new();
    let o = sb
        .init()
        .args(["-c", "odoo.conf", "--", "no-such-command-here"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(127), "{}", out(&o));
    assert!(out(&o).contains("no-such-command-here"));
}

fn db_conf(sb: &Sandbox, host: &str, port: u16) {
    let text = format!(
        "[options]\n; workers = 0\ndb_host = {host}\ndb_port = {port}\ndb_user = {}\ndb_password = {}\n",
        SCRAM.name, SCRAM.password
    );
    std::fs::write(sb.path("odoo.conf"), text).expect("write");
}

#[test]
fn wait_db_waits_for_a_real_server_and_auto_sizes_db_maxconn() {
    let Some(bin) = pg_bin_dir() else { return };
    let server = shared_server(&bin);
    let sb = Sandbox::new();
    db_conf(&sb, "127.0.0.1", server.port);
    let o = sb
        .init()
        .args([
            "-v",
            "--wait-db=20",
            "--pg-max-connections",
            "auto",
            "-c",
            "odoo.conf",
            "--",
            "sh",
            "-c",
            "echo started",
        ])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    assert!(all.contains("started") && all.contains("answered"), "{all}");
    assert!(
        all.contains(&format!("max_connections = {MAX_CONNECTIONS}")),
        "{all}"
    );
    let text = String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read")).expect("utf-8");
    assert!(
        text.contains("db_maxconn = "),
        "auto did not size db_maxconn:\n{text}"
    );
    // The password never appears.
    assert!(!all.contains(SCRAM.password), "{all}");
}

#[test]
fn wait_db_is_bounded_when_nothing_answers() {
    let sb = Sandbox::new();
    db_conf(&sb, "127.0.0.1", free_port());
    let started = std::time::Instant::now();
    let o = sb
        .init()
        .args([
            "--wait-db=2",
            "--pg-max-connections",
            "auto",
            "-c",
            "odoo.conf",
            "--",
            "sh",
            "-c",
            "echo started",
        ])
        .output()
        .expect("run");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let all = out(&o);
    assert!(o.status.success() && all.contains("started"), "{all}");
    assert!(
        all.contains("did not answer") || all.contains("cannot connect"),
        "{all}"
    );
    // auto is not asked again after the failed wait, and the file is still sized.
    assert!(
        all.contains("warning: --pg-max-connections auto: not asked, the database wait failed; db_maxconn is not sized from the server: pass --pg-max-connections N")
            && !all.contains("cannot ask PostgreSQL"),
        "{all}"
    );
    let text = String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read")).expect("utf-8");
    assert!(
        text.contains("workers = 4\n") && !text.contains("db_maxconn"),
        "{text}"
    );
    let o = sb
        .init()
        .args([
            "--strict",
            "--wait-db=1",
            "-c",
            "odoo.conf",
            "--",
            "sh",
            "-c",
            "echo started",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(8), "{}", out(&o));
    assert!(!out(&o).contains("started"));
    let _ = Path::new("/");
}

#[test]
fn odoo_19_environment_overrides_are_reported_and_kept_as_pins() {
    let sb = Sandbox::new();
    let o = sb
        .init_with(&["--cpus", "2", "--memory", "4g", "--odoo-version", "19.0"])
        .args(["-c", "odoo.conf", "--", "sh", "-c", "grep ^workers odoo.conf"])
        .env("ODOO_WORKERS", "3")
        .env("ODOO_LIMIT_MEMORY_HARD", "2684354560")
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    // One warning per key, naming the variable.
    for (var, key) in [
        ("ODOO_WORKERS", "workers"),
        ("ODOO_LIMIT_MEMORY_HARD", "limit_memory_hard"),
    ] {
        assert_eq!(
            count(
                &all,
                &format!("warning: {var} is set: Odoo 19.0 uses it instead of odoo.conf's {key}\n")
            ),
            1,
            "{all}"
        );
    }
    // The file agrees with what Odoo 19 will use, so it does not lie to the next reader.
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("workers = 3"),
        "{all}"
    );
}

/// Occurrences of `needle` in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn quiet_keeps_the_failure_policy_message() {
    let sb = Sandbox::new();
    let refused = b"[options]\nworkers = 2\nWorkers = 3\n";
    std::fs::write(sb.path("odoo.conf"), refused).expect("write");
    let o = sb
        .init()
        .args(["-q", "-c", "odoo.conf", "--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("started"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        count(
            &stderr,
            "error: sizing skipped, starting the command with the config unchanged: "
        ),
        1,
        "-q hid the failure policy's message: {stderr}"
    );
    assert!(stderr.contains("[duplicate-key]"), "{stderr}");
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), refused);
}

#[test]
fn unreadable_limits_follow_the_failure_policy() {
    let sb = Sandbox::new();
    // An empty root: no cgroup, no /proc/self/status, no /proc/meminfo.
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path().to_string_lossy().into_owned();
    let limits = ["--root", root.as_str(), "--odoo-version", "18.0"];
    let o = sb
        .init_with(&limits)
        .args(["-c", "odoo.conf", "--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("started"), "{all}");
    assert!(
        all.contains("error: sizing skipped, starting the command with the config unchanged: cannot determine the container's"),
        "{all}"
    );
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), CONF);

    let o = sb
        .init_with(&limits)
        .args(["--strict", "-c", "odoo.conf", "--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("started"));
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), CONF);
}

#[test]
fn odoo_rc_names_the_file_to_size() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("custom.conf"), CONF).expect("write");
    let o = sb
        .init()
        .env("ODOO_RC", sb.path("custom.conf"))
        .args(["--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success() && all.contains("started"), "{all}");
    let text = String::from_utf8(std::fs::read(sb.path("custom.conf")).expect("read")).expect("utf-8");
    assert!(
        text.contains("; kept\n") && text.contains("workers = 4\n"),
        "{text}"
    );
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), CONF);
    // The summary names the file written.
    assert!(
        all.contains(&format!("; {}: ", sb.path("custom.conf").display()))
            && all.contains(" change(s) written"),
        "{all}"
    );
}

#[test]
fn a_config_in_the_command_is_reported_whatever_init_would_have_sized() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("other.conf"), CONF).expect("write");
    // From ODOO_RC.
    let o = sb
        .init()
        .env("ODOO_RC", "odoo.conf")
        .args(["--", "odoo", "-c", "other.conf"])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    assert_eq!(
        count(
            &all,
            "warning: the command passes -c other.conf, so Odoo reads that file: sizing it instead of odoo.conf (ODOO_RC)"
        ),
        1,
        "{all}"
    );
    assert_eq!(std::fs::read(sb.path("odoo.conf")).expect("read"), CONF);
    assert!(
        String::from_utf8_lossy(&std::fs::read(sb.path("other.conf")).expect("read")).contains("workers = 4")
    );

    // From the default, with --config= spelled long.
    std::fs::write(sb.path("other.conf"), CONF).expect("write");
    let o = sb
        .init()
        .args(["--", "odoo", "--config=other.conf"])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    assert!(
        all.contains("warning: the command passes -c other.conf, so Odoo reads that file: sizing it instead of /etc/odoo/odoo.conf (default)"),
        "{all}"
    );
    assert!(
        String::from_utf8_lossy(&std::fs::read(sb.path("other.conf")).expect("read")).contains("workers = 4")
    );

    // The same file under another spelling: nothing to report.
    let o = sb
        .init()
        .env("ODOO_RC", sb.path("odoo.conf"))
        .args(["--", "odoo", "-c", "./odoo.conf"])
        .output()
        .expect("run");
    let all = out(&o);
    assert!(o.status.success(), "{all}");
    assert!(!all.contains("passes -c"), "{all}");
}

/// `db_maxconn` as `plan` computes it for the sandbox's limits and this `max_connections`.
fn planned_db_maxconn(max_connections: u32) -> i64 {
    let o = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"))
        .args(["plan", "--format", "json", "--pg-max-connections"])
        .arg(max_connections.to_string())
        .args(LIMITS)
        .env_remove("ODOO_VERSION")
        .output()
        .expect("run plan");
    assert!(o.status.success(), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["settings"]["db_maxconn"]
        .as_i64()
        .unwrap_or_else(|| panic!("no db_maxconn in {v}"))
}

#[test]
fn auto_asks_a_server_that_comes_up_only_after_init_started() {
    let Some(bin) = pg_bin_dir() else { return };
    let expected = planned_db_maxconn(MAX_CONNECTIONS);
    // The value must tell the server's answer from PostgreSQL's default of 100.
    assert_ne!(expected, planned_db_maxconn(100));
    let server = PgServer::init(&bin, Options::default());
    let sb = Sandbox::new();
    db_conf(&sb, "127.0.0.1", server.port);
    let mut child = sb
        .init()
        .args([
            "-v",
            "--wait-db=60",
            "--pg-max-connections",
            "auto",
            "-c",
            "odoo.conf",
            "--",
            "sh",
            "-c",
            "echo started",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "init ended before the server started"
    );
    server.start();
    let o = child.wait_with_output().expect("wait");
    let all = out(&o);
    assert!(o.status.success() && all.contains("started"), "{all}");
    assert!(
        all.contains(&format!("max_connections = {MAX_CONNECTIONS}")),
        "{all}"
    );
    let text = String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read")).expect("utf-8");
    assert!(
        text.contains(&format!("db_maxconn = {expected}\n")),
        "db_maxconn not sized from the server's max_connections = {MAX_CONNECTIONS}:\n{text}\n{all}"
    );
    assert!(!all.contains(SCRAM.password), "{all}");
}

/// init --wait-db --pg-max-connections auto with no db_* keys in the file and these variables.
fn wait_db_with_env(env: &[(&str, &str)]) -> (Output, String) {
    let sb = Sandbox::new();
    let mut cmd = sb.init();
    cmd.args([
        "-v",
        "--wait-db=20",
        "--pg-max-connections",
        "auto",
        "-c",
        "odoo.conf",
        "--",
        "sh",
        "-c",
        "echo started",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run");
    let text = String::from_utf8(std::fs::read(sb.path("odoo.conf")).expect("read")).expect("utf-8");
    (o, text)
}

#[test]
fn wait_db_takes_the_credentials_from_pg_variables_and_password_file() {
    let Some(bin) = pg_bin_dir() else { return };
    let server = shared_server(&bin);
    let port = server.port.to_string();
    let expected = format!("db_maxconn = {}\n", planned_db_maxconn(MAX_CONNECTIONS));

    // libpq's PG* variables.
    let (o, text) = wait_db_with_env(&[
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", &port),
        ("PGUSER", SCRAM.name),
        ("PGPASSWORD", SCRAM.password),
    ]);
    let all = out(&o);
    assert!(o.status.success() && all.contains("started"), "{all}");
    assert!(
        all.contains("answered after") && all.contains("(from $PGPASSWORD)"),
        "{all}"
    );
    assert!(
        text.contains(&expected),
        "PG*: auto did not ask the server:\n{text}\n{all}"
    );
    assert!(!all.contains(SCRAM.password), "{all}");

    // The official image's variables, the password read from PASSWORD_FILE (its trailing newline
    // dropped), which replaces PASSWORD.
    let secrets = tempfile::tempdir().expect("tempdir");
    let file = secrets.path().join("pg-password");
    std::fs::write(&file, format!("{}\n", SCRAM.password)).expect("write");
    let file = file.to_string_lossy().into_owned();
    let (o, text) = wait_db_with_env(&[
        ("HOST", "127.0.0.1"),
        ("PORT", &port),
        ("USER", SCRAM.name),
        ("PASSWORD", "not-the-password"),
        ("PASSWORD_FILE", &file),
    ]);
    let all = out(&o);
    assert!(o.status.success() && all.contains("started"), "{all}");
    assert!(
        all.contains("answered after") && all.contains("(from $PASSWORD_FILE ("),
        "{all}"
    );
    assert!(
        text.contains(&expected),
        "PASSWORD_FILE: auto did not ask the server:\n{text}\n{all}"
    );
    assert!(!all.contains(SCRAM.password), "{all}");
}
