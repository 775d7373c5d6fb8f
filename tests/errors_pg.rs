//! PostgreSQL error classes a real server is not easily made to produce, from fake servers on loopback
//! (one thread each, a bounded number of connections): a password asked for when none is configured,
//! another server error, a connection closed during the startup. Then what the command line does with
//! them: `init --wait-db` warns and starts the command (the server is up), `--strict` exits 8 naming the
//! last error, `--pg-max-connections auto` warns and plans on.

#[path = "common/pg.rs"]
mod pg_helper;

#[path = "common/fake_pg.rs"]
mod fake_pg;
use odoo_sizer::pg::{self, PgError, Probe, Readiness, Secret};
use pg_helper::settings_for;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

/// Serves `connections` connections with `serve` (see tests/common/fake_pg.rs).
fn fake(connections: usize, serve: fn(TcpStream)) -> (u16, JoinHandle<()>) {
    fake_pg::fake(connections, move |_, stream| serve(stream))
}

fn read_startup(s: &mut TcpStream) {
    let mut len = [0u8; 4];
    if s.read_exact(&mut len).is_ok() {
        let len = i32::from_be_bytes(len).clamp(4, 10_000) as usize - 4;
        let mut body = vec![0u8; len];
        let _ = s.read_exact(&mut body);
    }
}

fn read_message(s: &mut TcpStream) -> Option<u8> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]).clamp(4, 100_000) as usize - 4;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some(head[0])
}

fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn too_many_clients() -> Vec<u8> {
    msg(
        b'E',
        b"SFATAL\0VFATAL\0C53300\0Msorry, too many clients already\0\0",
    )
}

fn ready_session() -> Vec<u8> {
    let mut out = msg(b'R', &0i32.to_be_bytes());
    out.extend(msg(b'Z', b"I"));
    out
}

#[test]
fn a_password_request_without_a_password_is_named() {
    let (port, server) = fake(2, |mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&msg(b'R', &3i32.to_be_bytes())); // AuthenticationCleartextPassword
    });
    let mut settings = settings_for("127.0.0.1", port, "odoo", "unused", None);
    settings.password.value = Secret::new("");
    let expected = format!(
        "PostgreSQL at 127.0.0.1:{port} asks user \"odoo\" for a password, and none is configured: set db_password in odoo.conf (or PASSWORD, PASSWORD_FILE, PGPASSWORD)"
    );
    let err = pg::max_connections(&settings, T).err();
    assert!(matches!(err, Some(PgError::NoPassword { .. })), "{err:?}");
    assert_eq!(err.map(|e| e.to_string()).unwrap_or_default(), expected);
    // The server answered: it is up, with a warning.
    match pg::probe(&settings, T) {
        Probe::Ready(r @ Readiness::AnsweredWithError(PgError::NoPassword { .. })) => {
            assert_eq!(r.warning(), Some(format!("PostgreSQL is up, but: {expected}")));
        }
        other => panic!("{other:?}"),
    }
    assert!(server.join().is_ok());
}

#[test]
fn other_server_errors_are_shown_with_their_sqlstate() {
    let (port, server) = fake(2, |mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&too_many_clients());
    });
    let settings = settings_for("127.0.0.1", port, "odoo", "odoo-pw", None);
    let err = pg::max_connections(&settings, T).err();
    assert!(matches!(err, Some(PgError::Server { .. })), "{err:?}");
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        format!("PostgreSQL at 127.0.0.1:{port} answered: FATAL: sorry, too many clients already (SQLSTATE 53300)")
    );
    assert!(matches!(
        pg::probe(&settings, T),
        Probe::Ready(Readiness::AnsweredWithError(PgError::Server { .. }))
    ));
    assert!(server.join().is_ok());
}

#[test]
fn a_connection_closed_during_the_startup_is_an_io_error() {
    let (port, server) = fake(1, |mut s| {
        read_startup(&mut s);
        drop(s);
    });
    let settings = settings_for("127.0.0.1", port, "odoo", "odoo-pw", None);
    match pg::probe(&settings, T) {
        Probe::NotReady(e @ PgError::Io { .. }) => assert_eq!(
            e.to_string(),
            format!("connection to 127.0.0.1:{port} failed while starting the session: the server closed the connection")
        ),
        other => panic!("{other:?}"),
    }
    assert!(server.join().is_ok());
}

/// The binary with only the given environment (plus PATH), no colors.
fn sizer(env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn db_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("HOST", "127.0.0.1".to_string()),
        ("PORT", port.to_string()),
        ("USER", "odoo".to_string()),
        ("PASSWORD", "odoo-pw-never-shown".to_string()),
    ]
}

#[test]
fn init_warns_when_the_server_is_up_but_refuses_and_exits_8_when_it_never_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").expect("write");
    let limits = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];

    // Up, but refusing the session: a warning, and the command starts.
    let (port, server) = fake(1, |mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&too_many_clients());
    });
    let out = sizer(&db_env(port))
        .args(["init", "--strict", "--wait-db=5", "-c"])
        .arg(&conf)
        .args(limits)
        .args(["--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("started"));
    assert!(
        stderr.contains(&format!(
            "warning: PostgreSQL is up, but: PostgreSQL at 127.0.0.1:{port} answered: FATAL: sorry, too many clients already (SQLSTATE 53300)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("odoo-pw-never-shown"), "{stderr}");
    assert!(server.join().is_ok());

    // Starting up until the deadline: NotReady names the last error; exit 8 with --strict.
    let (port, _server) = fake(1000, |mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&msg(
            b'E',
            b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0",
        ));
    });
    let out = sizer(&db_env(port))
        .args(["init", "--strict", "--wait-db=1", "-c"])
        .arg(&conf)
        .args(limits)
        .args(["--", "sh", "-c", "echo started"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("started"));
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_default();
    assert!(
        line.starts_with(&format!("PostgreSQL at 127.0.0.1:{port} did not answer within 1s ("))
            && line.contains(&format!(
                "; last error: PostgreSQL at 127.0.0.1:{port} answered: FATAL: the database system is starting up (SQLSTATE 57P03). Check that the database server is running"
            ))
            && line.ends_with("or wait longer with --wait-db=SECONDS"),
        "{stderr}"
    );
}

#[test]
fn pg_max_connections_auto_warns_and_plans_on_when_the_answer_is_unusable() {
    let (port, server) = fake(1, |mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&ready_session());
        if read_message(&mut s) == Some(b'Q') {
            // SHOW max_connections answered with text that is not a count.
            let mut out = msg(
                b'T',
                b"\0\x01x\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0",
            );
            out.extend(msg(b'D', b"\0\x01\0\0\0\x04lots"));
            out.extend(msg(b'C', b"SHOW\0"));
            out.extend(msg(b'Z', b"I"));
            let _ = s.write_all(&out);
            let _ = read_message(&mut s);
        }
    });
    let out = sizer(&db_env(port))
        .args([
            "plan",
            "--cpus",
            "2",
            "--memory",
            "4g",
            "--pg-max-connections",
            "auto",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: --pg-max-connections auto: cannot ask PostgreSQL (unexpected answer from 127.0.0.1:{port} to `SHOW max_connections`: \"lots\" is not a count); db_maxconn is not sized from the server: pass --pg-max-connections N"
        )),
        "{stderr}"
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(plan["settings"]["workers"].is_u64(), "{plan:#}");
    assert!(server.join().is_ok());
}
