//! `odoo-sizer watch` without the real engine: exit codes at start (an engine that cannot be used: 6;
//! a bad command line: 2), and the event stream ending — a fake engine on a unix socket closes it, then
//! goes away (its socket removed) and comes back at the same path, as an engine restart does: watch
//! logs the disconnection, retries with backoff, reconnects, resyncs, and still stops at once on SIGTERM.
//! And the periodic resync: a fake engine holding one Odoo container whose limits change without an
//! event; `--resync 1` sizes it again, writes the new plan and reloads, a timer that does not elapse
//! does nothing.

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

const GIB: i64 = 1 << 30;
const ODOO_ID: &str = "0dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd0";

/// One running Odoo container as a fake engine holds it: its limits, its odoo.conf, and what watch did.
struct FakeOdoo {
    nano_cpus: i64,
    memory: i64,
    conf: Vec<u8>,
    /// Every request line, in order (the event stream's included).
    requests: Vec<String>,
    /// Files written (`PUT .../archive`) and signals sent (`POST .../kill`).
    writes: usize,
    signals: Vec<String>,
}

type Shared = Arc<std::sync::Mutex<FakeOdoo>>;

fn locked(odoo: &Shared) -> std::sync::MutexGuard<'_, FakeOdoo> {
    odoo.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `odoo.conf` as the archive API sends it: a tar of that one file (odoo's, mode 0644).
fn conf_tar(conf: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(conf.len() as u64);
    header.set_mode(0o644);
    header.set_uid(101);
    header.set_gid(101);
    header.set_mtime(1_700_000_000);
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(&mut header, "odoo.conf", conf)
        .expect("build the archive");
    builder.into_inner().expect("finish the archive")
}

/// The content of `odoo.conf` in an archive watch uploaded.
fn conf_from_tar(archive: &[u8]) -> Option<Vec<u8>> {
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.path().ok()?.to_str()? == "odoo.conf" {
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).ok()?;
            return Some(content);
        }
    }
    None
}

/// The answer of the fake engine holding `odoo`: the version and facts, a container listing of that one
/// Odoo, its inspection (the limits it holds now), its config through the archive API (read and
/// written), the kill API, and an event stream that stays open and never sends anything.
fn answer_odoo(stream: &mut UnixStream, odoo: &Shared) {
    let Some((line, body)) = fake::request(stream) else {
        return;
    };
    let container = format!("/containers/{ODOO_ID}/");
    let reply = {
        let mut o = locked(odoo);
        o.requests.push(line.clone());
        if line.contains("/version") {
            json(
                "200 OK",
                r#"{"ApiVersion":"1.41","Version":"20.10.24","MinAPIVersion":"1.12"}"#,
            )
        } else if line.contains("/info") {
            json("200 OK", r#"{"NCPU":8,"MemTotal":17179869184}"#)
        } else if line.contains("/events") {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec()
        } else if line.contains("/containers/json") {
            json(
                "200 OK",
                &serde_json::json!([{
                    "Id": ODOO_ID, "Names": ["/fake-odoo"], "Image": "odoo:18",
                    "Labels": {"odoo-sizer.enable": "true"}, "State": "running", "Status": "Up"
                }])
                .to_string(),
            )
        } else if line.contains(&format!("{container}json")) {
            json(
                "200 OK",
                &serde_json::json!({
                    "Id": ODOO_ID, "Name": "/fake-odoo", "Path": "/entrypoint.sh", "Args": ["odoo"],
                    "State": {"Status": "running", "Running": true, "Paused": false, "Pid": 4242},
                    "Image": "sha256:0dd0",
                    "Config": {
                        "Image": "odoo:18", "User": "odoo", "WorkingDir": "/",
                        "Env": ["PATH=/usr/bin", "ODOO_VERSION=18.0", "ODOO_RC=/etc/odoo/odoo.conf"],
                        "Labels": {"odoo-sizer.enable": "true"}
                    },
                    "HostConfig": {"NanoCpus": o.nano_cpus, "Memory": o.memory}
                })
                .to_string(),
            )
        } else if line.starts_with("GET") && line.contains(&format!("{container}archive")) {
            fake::http("200 OK", "application/x-tar", &conf_tar(&o.conf))
        } else if line.starts_with("PUT") && line.contains(&format!("{container}archive")) {
            match conf_from_tar(&body) {
                Some(conf) => {
                    o.conf = conf;
                    o.writes += 1;
                    fake::http("200 OK", "text/plain", b"")
                }
                None => json("400 Bad Request", r#"{"message":"not an archive of odoo.conf"}"#),
            }
        } else if line.starts_with("POST") && line.contains(&format!("{container}kill")) {
            let signal = line
                .split(['?', '&', ' '])
                .find_map(|p| p.strip_prefix("signal="))
                .unwrap_or("SIGKILL")
                .to_string();
            o.signals.push(signal);
            fake::http("204 No Content", "text/plain", b"")
        } else {
            json("404 Not Found", r#"{"message":"page not found"}"#)
        }
    };
    let _ = stream.write_all(&reply);
    if line.contains("/events") {
        // the stream stays open (and empty) while the test runs
        std::thread::sleep(Duration::from_secs(600));
    }
}

/// A fake engine at `dir/NAME` holding one Odoo container with 1 CPU and 1 GiB and `conf`.
fn serve_odoo(dir: &Path, name: &str, conf: &[u8]) -> (String, Shared) {
    let path = dir.join(name);
    let listener = UnixListener::bind(&path).unwrap();
    let odoo: Shared = Arc::new(std::sync::Mutex::new(FakeOdoo {
        nano_cpus: 1_000_000_000,
        memory: GIB,
        conf: conf.to_vec(),
        requests: Vec::new(),
        writes: 0,
        signals: Vec::new(),
    }));
    let shared = odoo.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let odoo = shared.clone();
            std::thread::spawn(move || answer_odoo(&mut stream, &odoo));
        }
    });
    (format!("unix://{}", path.display()), odoo)
}

fn conf_text(odoo: &Shared) -> String {
    String::from_utf8_lossy(&locked(odoo).conf).into_owned()
}

/// `docker update` without its event (a missed event): only the periodic resync can find the new limits.
/// Two watches, each on its own fake engine with the same Odoo, both change limits at once: the one with
/// `--resync 1` sizes it again with trigger `resync`, writes the new plan and reloads; the one whose
/// timer does not elapse (`--resync 86400`) asks its engine nothing and writes nothing meanwhile.
#[test]
fn the_periodic_resync_finds_limits_changed_without_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let image_conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docker/test-odoo/odoo.conf");
    let conf = std::fs::read(&image_conf).unwrap();
    let small = watch_helper::planned("1", "1g", &image_conf);
    let big = watch_helper::planned("2", "2g", &image_conf);
    assert_ne!(small, big, "the two sizes must plan differently");

    let (host, odoo) = serve_odoo(dir.path(), "timer.sock", &conf);
    let (idle_host, idle) = serve_odoo(dir.path(), "idle.sock", &conf);
    let mut w = Watch::start(&["--resync", "1", "--debounce", "50"], &[("DOCKER_HOST", &host)]);
    let mut idle_w = Watch::start(
        &["--resync", "86400", "--debounce", "50"],
        &[("DOCKER_HOST", &idle_host)],
    );
    w.wait_ready();
    idle_w.wait_ready();

    // both were sized at startup for 1 CPU / 1 GiB and reloaded once
    for (watch, fake) in [(&w, &odoo), (&idle_w, &idle)] {
        let startup: Vec<_> = watch
            .decisions("fake-odoo")
            .into_iter()
            .filter(|d| d["decision"] == "applied")
            .collect();
        assert_eq!(startup.len(), 1, "{}", watch.text());
        assert_eq!(startup[0]["trigger"], "startup", "{}", startup[0]);
        assert_eq!(
            watch_helper::differences(&conf_text(fake), &small),
            Vec::<String>::new()
        );
        let f = locked(fake);
        assert_eq!((f.writes, f.signals.as_slice()), (1, &["SIGHUP".to_string()][..]));
    }

    // the limits change, and no event says so
    let idle_seen = locked(&idle).requests.len();
    for fake in [&odoo, &idle] {
        let mut f = locked(fake);
        f.nano_cpus = 2_000_000_000;
        f.memory = 2 * GIB;
    }

    // within a few periods, the timer's resync sizes it for 2 CPUs / 2 GiB, writes and reloads
    let d = w.wait_for(Duration::from_secs(30), "an applied resync", |l| {
        l["event"] == "decision"
            && l["container"] == "fake-odoo"
            && l["decision"] == "applied"
            && l["trigger"] != "startup"
    });
    assert_eq!(d["trigger"], "resync", "{d}");
    assert_eq!(d["cpus"], 2.0, "{d}");
    assert_eq!(d["memory_bytes"], 2 * GIB, "{d}");
    assert_eq!(d["signal"], "SIGHUP", "{d}");
    assert!(!d["changes"].as_array().expect("changes").is_empty(), "{d}");
    assert_eq!(
        watch_helper::differences(&conf_text(&odoo), &big),
        Vec::<String>::new()
    );
    {
        let f = locked(&odoo);
        assert_eq!(f.writes, 2);
        assert_eq!(f.signals, ["SIGHUP", "SIGHUP"]);
    }

    // two more periods go by (the timer's resyncs are logged), and the sized file is left alone
    let ticks = |w: &Watch| {
        w.lines()
            .iter()
            .filter(|l| l["event"] == "resynced" && l["trigger"] == "resync")
            .count()
    };
    let so_far = ticks(&w);
    assert!(
        wait(Duration::from_secs(30), || ticks(&w) >= so_far + 2),
        "the timer stopped:\n{}",
        w.text()
    );
    assert_eq!(locked(&odoo).writes, 2, "{}", w.text());

    // meanwhile, the watch whose timer did not elapse asked its engine nothing and wrote nothing
    {
        let f = locked(&idle);
        assert!(
            f.requests[idle_seen..].is_empty(),
            "{:?}\n{}",
            &f.requests[idle_seen..],
            idle_w.text()
        );
        assert_eq!((f.writes, f.signals.len()), (1, 1));
    }
    assert_eq!(
        watch_helper::differences(&conf_text(&idle), &small),
        Vec::<String>::new()
    );
    assert!(
        idle_w
            .lines()
            .iter()
            .all(|l| l["trigger"].is_null() || l["trigger"] == "startup"),
        "{}",
        idle_w.text()
    );
    let (status, _) = idle_w.stop_with(libc::SIGTERM);
    assert_eq!(status.code(), Some(0), "{}", idle_w.text());
    let (status, _) = w.stop_with(libc::SIGTERM);
    assert_eq!(status.code(), Some(0), "{}", w.text());
}
