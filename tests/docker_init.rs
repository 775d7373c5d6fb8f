//! `init` as the entrypoint of a (stand-in) Odoo container: PID 1, argv passed through, the config sized
//! per `plan` with comments kept, read-only configs with --output, a bind-mounted single file, SIGTERM
//! reaching Odoo, and --wait-db against a real PostgreSQL reached through its Unix socket.
//! Needs the engine and `make test-image` (odoo-sizer-test-odoo:dev).

mod common;
#[path = "common/pg.rs"]
mod pg_helper;

use common::{docker, docker_ok, engine_with_image, ContainerGuard};
use std::time::{Duration, Instant};

const IMAGE_ENV: &str = "ODOO_SIZER_TEST_ODOO_IMAGE";
const DEFAULT_IMAGE: &str = "odoo-sizer-test-odoo:dev";
const SIZER: &str = "/usr/local/bin/odoo-sizer";

/// What `plan` says for these limits (computed by this build, not hard-coded).
fn planned_workers(cpus: &str, memory: &str) -> (i64, i64) {
    let out = assert_cmd::Command::cargo_bin("odoo-sizer")
        .expect("binary")
        .args([
            "plan",
            "--format",
            "json",
            "--odoo-version",
            "18.0",
            "--cpus",
            cpus,
            "--memory",
            memory,
        ])
        .output()
        .expect("plan");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    (
        v["settings"]["workers"].as_i64().expect("workers"),
        v["settings"]["max_cron_threads"].as_i64().expect("cron"),
    )
}

fn wait_for_log(name: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = docker(&["logs", name]).expect("docker logs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if text.contains(needle) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn run_detached(guard: &ContainerGuard, name: &str, extra: &[&str], image: &str, args: &[&str]) {
    let mut cmd = vec![
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "--label",
        &guard.label,
    ];
    cmd.extend_from_slice(extra);
    cmd.extend_from_slice(&["--entrypoint", SIZER, image]);
    cmd.extend_from_slice(args);
    docker_ok(&cmd);
}

#[test]
fn init_sizes_then_becomes_odoo_as_pid_1() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("init-pid1");
    let name = format!("odoo-sizer-init-{}", std::process::id());
    run_detached(
        &guard,
        &name,
        &["--cpus", "1.5", "--memory", "2g"],
        &image,
        &["init", "--", "/entrypoint.sh", "odoo"],
    );
    let logs = wait_for_log(&name, "standin ready");
    let (workers, cron) = planned_workers("1.5", "2g");
    assert!(logs.contains("standin pid=1 uid=101"), "{logs}");
    // The official entrypoint's db arguments reached Odoo: argv passed through.
    assert!(logs.contains("argv=--db_host db --db_port 5432"), "{logs}");
    assert!(
        logs.contains(&format!("workers={workers} max_cron_threads={cron}")),
        "{logs}"
    );
    assert!(
        logs.contains("standin conf| ; admin_passwd = admin"),
        "a comment was lost: {logs}"
    );
    assert!(
        logs.contains("odoo-sizer: 1.5 CPUs, 2 GiB -> Odoo 18.0"),
        "{logs}"
    );

    // SIGTERM reaches Odoo (PID 1) directly: it stops at once, cleanly.
    let started = Instant::now();
    docker_ok(&["stop", "-t", "10", &name]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "SIGTERM did not reach the stand-in"
    );
    let logs = wait_for_log(&name, "standin signal=TERM");
    assert!(logs.contains("standin signal=TERM"), "{logs}");
    assert_eq!(
        docker_ok(&["inspect", "-f", "{{.State.ExitCode}}", &name]).trim(),
        "0"
    );
}

#[test]
fn a_read_only_config_is_sized_into_output() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("init-ro");
    let dir = tempfile::tempdir().expect("tempdir");
    let host_conf = dir.path().join("odoo.conf");
    let original = b"[options]\n; from a ConfigMap\ndata_dir = /var/lib/odoo\n; workers = 0\n";
    std::fs::write(&host_conf, original).expect("write");
    let mount = format!("{}:/etc/odoo/odoo.conf:ro", host_conf.display());
    let name = format!("odoo-sizer-init-ro-{}", std::process::id());
    run_detached(
        &guard,
        &name,
        &["--cpus", "2", "--memory", "4g", "-v", &mount],
        &image,
        &[
            "init",
            "--output",
            "/tmp/odoo.conf",
            "--",
            "/entrypoint.sh",
            "odoo",
        ],
    );
    let logs = wait_for_log(&name, "standin ready");
    let (workers, _) = planned_workers("2", "4g");
    assert!(
        logs.contains(&format!("standin config=/tmp/odoo.conf workers={workers}")),
        "{logs}"
    );
    assert!(logs.contains("--config=/tmp/odoo.conf"), "{logs}");
    assert!(logs.contains("standin conf| ; from a ConfigMap"), "{logs}");
    assert_eq!(
        std::fs::read(&host_conf).expect("read"),
        original,
        "the read-only source changed"
    );

    // Without --output the same container explains what to do, and still starts Odoo.
    let name2 = format!("{name}-no-output");
    run_detached(
        &guard,
        &name2,
        &["-v", &mount],
        &image,
        &["init", "--", "/entrypoint.sh", "odoo"],
    );
    let logs = wait_for_log(&name2, "standin ready");
    assert!(logs.contains("read-only") && logs.contains("--output"), "{logs}");
    assert!(
        logs.contains("standin config=/etc/odoo/odoo.conf workers=0"),
        "{logs}"
    );
}

#[test]
fn a_bind_mounted_single_file_is_sized_in_place() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("init-bind");
    let dir = tempfile::tempdir().expect("tempdir");
    let host_conf = dir.path().join("odoo.conf");
    std::fs::write(&host_conf, b"[options]\n; mine\n; workers = 0\n").expect("write");
    // The odoo user (uid 101) must be able to write the bind-mounted file, as in real deployments.
    std::os::unix::fs::chown(&host_conf, Some(101), Some(101)).expect("chown");
    let mount = format!("{}:/etc/odoo/odoo.conf", host_conf.display());
    let name = format!("odoo-sizer-init-bind-{}", std::process::id());
    run_detached(
        &guard,
        &name,
        &["--cpus", "1", "--memory", "2g", "-v", &mount],
        &image,
        &["init", "--", "/entrypoint.sh", "odoo"],
    );
    let logs = wait_for_log(&name, "standin ready");
    let (workers, _) = planned_workers("1", "2g");
    assert!(logs.contains(&format!("workers={workers}")), "{logs}");
    let text = String::from_utf8(std::fs::read(&host_conf).expect("read")).expect("utf-8");
    assert!(
        text.contains("; mine\n") && text.contains(&format!("workers = {workers}\n")),
        "{text}"
    );
    let meta = std::fs::metadata(&host_conf).expect("stat");
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), 101, "owner changed");
}

#[test]
fn wait_db_through_the_unix_socket_up_and_down() {
    let Some(image) = engine_with_image(IMAGE_ENV, DEFAULT_IMAGE) else {
        return;
    };
    let Some(bin) = pg_helper::pg_bin_dir() else {
        return;
    };
    let server = pg_helper::shared_server(&bin);
    let guard = ContainerGuard::new("init-waitdb");
    let socket = format!("{}:/run/pg", server.socket_dir.display());
    let role = pg_helper::SCRAM;
    let env = [
        "-e".to_string(),
        "HOST=/run/pg".to_string(),
        "-e".to_string(),
        format!("PORT={}", server.port),
        "-e".to_string(),
        format!("USER={}", role.name),
        "-e".to_string(),
        format!("PASSWORD={}", role.password),
    ];
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    // Up: the socket directory is mounted; root in the container to traverse the cluster's directory.
    let name = format!("odoo-sizer-waitdb-{}", std::process::id());
    let mut extra = vec!["--user", "0", "-v", &socket];
    extra.extend_from_slice(&env);
    run_detached(
        &guard,
        &name,
        &extra,
        &image,
        &[
            "init",
            "-v",
            "--wait-db=20",
            "--strict",
            "--",
            "/entrypoint.sh",
            "odoo",
        ],
    );
    let logs = wait_for_log(&name, "standin ready");
    assert!(
        logs.contains("answered") && logs.contains("standin pid=1"),
        "{logs}"
    );
    // odoo-sizer never prints it (the stand-in prints its own argv, where the official entrypoint put it).
    let ours: Vec<&str> = logs.lines().filter(|l| !l.starts_with("standin")).collect();
    assert!(
        !ours.join("\n").contains(role.password),
        "password in odoo-sizer's logs: {logs}"
    );

    // Down: an empty directory where the socket should be. Bounded; --strict exits 8, default starts.
    let empty = tempfile::tempdir().expect("tempdir");
    let empty_mount = format!("{}:/run/pg", empty.path().display());
    let mut extra = vec!["--user", "0", "-v", &empty_mount];
    extra.extend_from_slice(&env);
    let strict = format!("{name}-strict");
    let started = Instant::now();
    run_detached(
        &guard,
        &strict,
        &extra,
        &image,
        &["init", "--wait-db=2", "--strict", "--", "/entrypoint.sh", "odoo"],
    );
    let code = docker_ok(&["wait", &strict]);
    assert_eq!(code.trim(), "8", "{}", wait_for_log(&strict, "error"));
    assert!(started.elapsed() < Duration::from_secs(20));
    let lenient = format!("{name}-lenient");
    run_detached(
        &guard,
        &lenient,
        &extra,
        &image,
        &["init", "--wait-db=2", "--", "/entrypoint.sh", "odoo"],
    );
    let logs = wait_for_log(&lenient, "standin ready");
    assert!(
        logs.contains("did not answer") && logs.contains("standin pid=1"),
        "{logs}"
    );
}
