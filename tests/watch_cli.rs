//! `odoo-sizer watch` without the real engine: exit codes at start (an engine that cannot be used: 6;
//! a bad command line: 2), and the event stream ending — a fake engine on a unix socket closes it, then
//! goes away (its socket removed) and comes back at the same path, as an engine restart does: watch
//! logs the disconnection, retries with backoff, reconnects, resyncs, and still stops at once on SIGTERM.

#[path = "common/fake_engine.rs"]
mod fake;
#[path = "common/watch.rs"]
mod watch_helper;

use fake::json;

use std::io::Write;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use watch_helper::Watch;

fn sizer(args: &[&str], docker_host: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_odoo-sizer"))
        .env_clear()
        .env("DOCKER_HOST", docker_host)
        .args(args)
        .output()
        .expect("run odoo-sizer")
}

#[test]
fn an_engine_unusable_at_start_is_exit_6() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("unix://{}/none.sock", dir.path().display());
    for host in [missing.as_str(), "tcp://127.0.0.1:1", "ssh://me@box"] {
        let start = Instant::now();
        let out = sizer(&["watch"], host);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{host}: {stderr}");
        assert!(start.elapsed() < Duration::from_secs(10), "{host}");
        assert!(
            stderr.contains("DOCKER_HOST") || stderr.contains("connection refused"),
            "{host}: {stderr}"
        );
    }
}

#[test]
fn bad_command_lines_are_exit_2() {
    for args in [
        vec!["watch", "--filter", "nonsense"],
        vec!["watch", "--mode", "restart"],
        vec!["watch", "--resync", "0"],
        vec!["watch", "--debounce", "soon"],
        vec!["watch", "some-container"],
    ] {
        let out = sizer(&args, "unix:///nonexistent.sock");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let help = sizer(&["watch", "--help"], "");
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--filter",
        "--resync",
        "--mode",
        "--debounce",
        "--dry-run",
        "--users",
        "ODOO_SIZER_RESYNC",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
}

/// What the fake engine saw.
#[derive(Default)]
struct Seen {
    events: AtomicUsize,
    lists: AtomicUsize,
    inspects: AtomicUsize,
}

fn answer(stream: &mut UnixStream, seen: &Seen) {
    let Some(line) = fake::request_line(stream) else {
        return;
    };
    let reply = if line.contains("/version") {
        json(
            "200 OK",
            r#"{"ApiVersion":"1.41","Version":"20.10.24","MinAPIVersion":"1.12"}"#,
        )
    } else if line.contains("/info") {
        json("200 OK", r#"{"NCPU":2,"MemTotal":8589934592}"#)
    } else if line.contains("/events") {
        // one start event of a container that is gone by the time watch looks, then the end
        seen.events.fetch_add(1, Ordering::SeqCst);
        let event = r#"{"Type":"container","Action":"start","Actor":{"ID":"c0ffee","Attributes":{"name":"ghost"}},"time":1,"timeNano":1000000000}"#;
        let chunk = format!("{:x}\r\n{event}\n\r\n", event.len() + 1);
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunk}0\r\n\r\n"
        )
        .into_bytes()
    } else if line.contains("/containers/json") {
        seen.lists.fetch_add(1, Ordering::SeqCst);
        json("200 OK", "[]")
    } else if line.contains("/containers/c0ffee/json") {
        seen.inspects.fetch_add(1, Ordering::SeqCst);
        json("404 Not Found", r#"{"message":"No such container: c0ffee"}"#)
    } else {
        json("404 Not Found", r#"{"message":"page not found"}"#)
    };
    let _ = stream.write_all(&reply);
}

/// Serves `listener` until the process ends.
fn serve(listener: UnixListener, seen: Arc<Seen>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let seen = seen.clone();
            std::thread::spawn(move || answer(&mut stream, &seen));
        }
    });
}

fn wait(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

#[test]
fn the_event_stream_ending_and_the_engine_restarting_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.sock");
    let seen = Arc::new(Seen::default());
    serve(UnixListener::bind(&path).unwrap(), seen.clone());
    let host = format!("unix://{}", path.display());

    // the engine "stops" as soon as its first stream has been served: its socket goes away
    let mut w = Watch::start(&["--debounce", "50"], &[("DOCKER_HOST", &host)]);
    w.wait_ready();
    assert!(wait(Duration::from_secs(10), || seen
        .events
        .load(Ordering::SeqCst)
        >= 1));
    std::fs::remove_file(&path).unwrap();
    w.wait_for(Duration::from_secs(10), "the disconnection", |l| {
        l["event"] == "disconnected"
    });
    let failed = w.wait_for(Duration::from_secs(10), "a failed reconnection", |l| {
        l["event"] == "reconnect-failed"
    });
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .contains("does not exist"),
        "{failed}"
    );

    // the engine is back at the same path: watch reconnects, resyncs, and goes on reading events
    let before = seen.events.load(Ordering::SeqCst);
    serve(UnixListener::bind(&path).unwrap(), seen.clone());
    w.wait_for(Duration::from_secs(15), "the reconnection", |l| {
        l["event"] == "reconnected"
    });
    w.wait_for(Duration::from_secs(10), "the resync after it", |l| {
        l["event"] == "resynced" && l["trigger"] == "reconnect"
    });
    assert!(wait(Duration::from_secs(10), || seen
        .events
        .load(Ordering::SeqCst)
        > before));
    // the event's container was gone when watch looked: logged, nothing else
    let gone = w.wait_for(Duration::from_secs(10), "the vanished container", |l| {
        l["event"] == "decision" && l["id"] == "c0ffee" && l["decision"] == "gone"
    });
    assert_eq!(gone["container"], "ghost", "{gone}");
    assert_eq!(gone["level"], "info", "{gone}");
    assert!(seen.inspects.load(Ordering::SeqCst) >= 1);

    // waits between attempts grow: 0.5 s, then 1 s, ...
    let delays: Vec<u64> = w
        .lines()
        .iter()
        .filter(|l| l["event"] == "reconnecting")
        .filter_map(|l| l["delay_ms"].as_u64())
        .collect();
    assert!(delays.len() >= 2 && delays[1] > delays[0], "{delays:?}");

    // and SIGTERM still stops it at once, even while it is reconnecting
    let failures = |w: &Watch| {
        w.lines()
            .iter()
            .filter(|l| l["event"] == "reconnect-failed")
            .count()
    };
    let so_far = failures(&w);
    std::fs::remove_file(&path).unwrap();
    assert!(
        wait(Duration::from_secs(20), || failures(&w) > so_far),
        "no new failed reconnection:\n{}",
        w.text()
    );
    let (status, took) = w.stop_with(libc::SIGTERM);
    assert_eq!(status.code(), Some(0), "{}", w.text());
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(!Path::new(&path).exists());
}
