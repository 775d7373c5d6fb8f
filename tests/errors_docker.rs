//! Docker error classes a real engine is not easily made to produce, from fake engines on unix sockets
//! (an HTTP answer per request line): an engine too old, one refusing a request, one breaking off its
//! answer, an archive that is not one file, a selection of nothing. At the command line, an engine that
//! cannot be used exits 6 before any target is worked on. Needs no Docker engine.

use odoo_sizer::docker::select::{select, Selection};
use odoo_sizer::docker::{archive, runtime, ConnectOptions, DockerError, Engine};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "common/fake_engine.rs"]
mod fake;

type Answer = fn(&str) -> Vec<u8>;

/// A fake engine at `dir/engine.sock` (see tests/common/fake_engine.rs): `answer` gets the request line
/// and returns the bytes to send, after which the connection is closed.
fn fake_engine(dir: &Path, answer: Answer) -> PathBuf {
    fake::serve(dir, "engine.sock", move |line| Some(answer(line)))
}

use fake::{http, json};

/// `/version` of a current engine; `other` for every other request.
fn engine_answering(line: &str, other: fn(&str) -> Vec<u8>) -> Vec<u8> {
    if line.contains("/version ") {
        json(
            "200 OK",
            r#"{"ApiVersion":"1.41","Version":"20.10.24","MinAPIVersion":"1.12"}"#,
        )
    } else {
        other(line)
    }
}

fn connect(sock: &Path) -> Result<Engine, DockerError> {
    let options = ConnectOptions {
        docker_host: Some(format!("unix://{}", sock.display())),
        tls_verify: None,
        timeout: Duration::from_secs(5),
    };
    runtime().expect("runtime").block_on(Engine::connect(&options))
}

/// `odoo-sizer inspect --all` against the fake engine: exit code and stderr.
fn inspect_all(sock: &Path) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"))
        .env_clear()
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .env("NO_COLOR", "1")
        .args(["inspect", "--all"])
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_engine_too_old_exits_6_saying_upgrade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = fake_engine(dir.path(), |_| {
        json(
            "200 OK",
            r#"{"ApiVersion":"1.24","Version":"1.12.6","MinAPIVersion":"1.12"}"#,
        )
    });
    let (code, stdout, stderr) = inspect_all(&sock);
    assert_eq!(code, Some(6), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: the Docker engine at unix://{} speaks API 1.24 at most; odoo-sizer needs API 1.25 or newer (Docker 1.13 or later): upgrade the engine",
            sock.display()
        )
    );
}

#[test]
fn an_engine_refusing_a_request_exits_6_with_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = fake_engine(dir.path(), |line| {
        engine_answering(line, |_| {
            json(
                "500 Internal Server Error",
                r#"{"message":"the daemon is shutting down"}"#,
            )
        })
    });
    let (code, _, stderr) = inspect_all(&sock);
    assert_eq!(code, Some(6), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: the Docker engine at unix://{} refused to describe itself (GET /info): the daemon is shutting down (HTTP 500)",
            sock.display()
        )
    );
}

#[test]
fn an_answer_broken_off_is_a_transport_error_saying_what_to_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = fake_engine(dir.path(), |line| {
        engine_answering(line, |_| {
            // 1000 bytes announced, 10 sent, then the connection closes.
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"NCPU\": 4"
                .to_vec()
        })
    });
    let engine = connect(&sock).expect("connect");
    let rt = runtime().expect("runtime");
    let e = rt.block_on(engine.facts()).expect_err("broken answer");
    assert!(matches!(e, DockerError::Transport { .. }), "{e:?}");
    assert!(e.is_connection());
    let text = e.to_string();
    let head = format!(
        "talking to the Docker engine at unix://{} failed while trying to describe itself (GET /info): ",
        sock.display()
    );
    assert!(
        text.starts_with(&head)
            && text.ends_with(". Is the engine still running? Check `docker info` and retry"),
        "{text}"
    );
    // The command line: exit 6, the same message.
    let (code, _, stderr) = inspect_all(&sock);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.starts_with(&format!("error: {head}")), "{stderr}");
}

#[test]
fn an_archive_that_is_not_one_file_is_refused_naming_the_container() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = fake_engine(dir.path(), |line| {
        engine_answering(line, |line| {
            if line.contains("/containers/web/archive") {
                // Not a tar at all.
                http("200 OK", "application/x-tar", &[7u8; 1024])
            } else {
                json("404 Not Found", r#"{"message":"page not found"}"#)
            }
        })
    });
    let engine = connect(&sock).expect("connect");
    let rt = runtime().expect("runtime");
    let e = rt
        .block_on(archive::read_file(&engine, "web", "/etc/odoo/odoo.conf"))
        .expect_err("refused");
    let DockerError::BadArchive { ref reason, .. } = e else {
        panic!("{e:?}");
    };
    assert!(!e.is_connection());
    assert_eq!(
        e.to_string(),
        format!(
            "web: the archive the engine sent for /etc/odoo/odoo.conf cannot be used: {reason}. Retry; if it persists, look at what `docker cp web:/etc/odoo/odoo.conf -` sends"
        )
    );
}

#[test]
fn a_selection_names_containers_or_uses_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = fake_engine(dir.path(), |line| {
        engine_answering(line, |_| {
            json("500 Internal Server Error", r#"{"message":"not reached"}"#)
        })
    });
    let engine = connect(&sock).expect("connect");
    let rt = runtime().expect("runtime");
    for (selection, reason) in [
        (
            Selection::default(),
            "no container named; name one or more, or use --all (optionally with --filter)",
        ),
        (
            Selection {
                names: vec!["web".into()],
                all: true,
                ..Default::default()
            },
            "name containers, or use --all/--filter, not both",
        ),
    ] {
        let e = rt.block_on(select(&engine, &selection, 4)).expect_err("refused");
        assert_eq!(
            e,
            DockerError::BadSelection {
                reason: reason.into()
            }
        );
        assert_eq!(e.to_string(), format!("cannot select containers: {reason}"));
    }
    // A malformed filter, before any request.
    let bad = Selection {
        all: true,
        filters: vec!["label".into()],
        ..Default::default()
    };
    let e = rt.block_on(select(&engine, &bad, 4)).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "--filter label: there is no '=' (expected KEY=VALUE as in `docker ps --filter`, e.g. label=odoo-sizer.enable=true)"
    );
}
