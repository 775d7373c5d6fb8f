//! Processes, signals, restarts and events against the real engine, with the stand-in Odoo (it logs
//! every signal to /tmp/standin.log and starts workers + cron children from its config).
//! Needs the engine and `make test-image`.

mod common;

use common::*;
use futures_util::StreamExt;
use odoo_sizer::docker::archive::{read_file, write_file};
use odoo_sizer::docker::control::{restart, send_signal, Signal};
use odoo_sizer::docker::events::{container_events, Action};
use odoo_sizer::docker::top::processes;
use odoo_sizer::docker::{runtime, ConnectOptions, DockerError, Engine};
use std::time::Duration;

fn setup(timeout: Duration) -> Option<(String, Engine, tokio::runtime::Runtime)> {
    let image = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE)?;
    let rt = runtime().unwrap();
    let options = ConnectOptions {
        timeout,
        ..ConnectOptions::from_env()
    };
    let engine = rt.block_on(Engine::connect(&options)).unwrap();
    Some((image, engine, rt))
}

/// The stand-in's event log; empty until the stand-in has written it (polled right after a start).
fn standin_log(container: &str) -> String {
    match common::docker(&["exec", container, "cat", "/tmp/standin.log"]) {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => String::new(),
    }
}

/// How the host names a uid (what `ps` on the engine's host prints).
fn host_user(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines()
                .find(|l| l.split(':').nth(2) == Some(&uid.to_string()))
                .map(|l| l.split(':').next().unwrap_or_default().to_string())
        })
        .unwrap_or_else(|| uid.to_string())
}

fn sleepers(rt: &tokio::runtime::Runtime, engine: &Engine, c: &str) -> usize {
    rt.block_on(processes(engine, c))
        .unwrap()
        .iter()
        .filter(|p| p.command == "sleep 1000000")
        .count()
}

#[test]
fn reload_with_sighup_then_workers_with_ttin_ttou() {
    let Some((image, engine, rt)) = setup(Duration::from_secs(30)) else {
        return;
    };
    let guard = ContainerGuard::new("control-signals");
    let c = run_container(&guard, &image, &[], &[]);
    assert!(wait_until(Duration::from_secs(10), || standin_log(&c).contains("workers=0")));

    // threaded mode: one process (plus the stand-in's transient `sleep 1`)
    let procs = rt.block_on(processes(&engine, &c)).unwrap();
    let pid1: u32 = docker_ok(&["inspect", "-f", "{{.State.Pid}}", &c])
        .trim()
        .parse()
        .unwrap();
    let master = procs
        .iter()
        .find(|p| p.pid == pid1)
        .unwrap_or_else(|| panic!("{procs:?}"));
    assert!(master.command.contains("/usr/bin/odoo"), "{master:?}");
    assert_eq!(master.user.as_deref(), Some(host_user(101).as_str()));
    let (rss, vsz) = (master.rss_bytes.unwrap(), master.vsz_bytes.unwrap());
    assert!(rss > 0 && vsz >= rss, "{master:?}");
    assert_eq!(sleepers(&rt, &engine, &c), 0);

    // prefork: 2 workers + 1 cron, applied by a reload
    let conf = rt
        .block_on(read_file(&engine, &c, "/etc/odoo/odoo.conf"))
        .unwrap();
    let mut content = conf.content.clone();
    content.extend_from_slice(b"workers = 2\nmax_cron_threads = 1\n");
    rt.block_on(write_file(&engine, &c, &conf.path, &content, &conf.meta))
        .unwrap();
    rt.block_on(send_signal(&engine, &c, Signal::Hup)).unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || standin_log(&c)
            .contains("standin signal=HUP")),
        "{}",
        standin_log(&c)
    );
    assert!(wait_until(Duration::from_secs(10), || standin_log(&c)
        .contains("workers=2 max_cron_threads=1")));
    assert!(wait_until(Duration::from_secs(10), || sleepers(&rt, &engine, &c) == 3));
    // PID 1 is still the same process
    let again: u32 = docker_ok(&["inspect", "-f", "{{.State.Pid}}", &c])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(again, pid1);
    let workers = rt.block_on(processes(&engine, &c)).unwrap();
    for w in workers.iter().filter(|p| p.command == "sleep 1000000") {
        assert_eq!(w.ppid, Some(pid1), "{w:?}");
        assert!(w.rss_bytes.is_some() && w.vsz_bytes.is_some(), "{w:?}");
    }

    rt.block_on(send_signal(&engine, &c, Signal::Ttin)).unwrap();
    assert!(wait_until(Duration::from_secs(10), || standin_log(&c)
        .contains("standin signal=TTIN")));
    assert!(wait_until(Duration::from_secs(10), || sleepers(&rt, &engine, &c) == 4));
    rt.block_on(send_signal(&engine, &c, Signal::Ttou)).unwrap();
    assert!(wait_until(Duration::from_secs(10), || standin_log(&c)
        .contains("standin signal=TTOU")));
    assert!(wait_until(Duration::from_secs(10), || sleepers(&rt, &engine, &c) == 3));
}

#[test]
fn restart_and_stopped_containers() {
    let Some((image, engine, rt)) = setup(Duration::from_secs(30)) else {
        return;
    };
    let guard = ContainerGuard::new("control-restart");
    let c = run_container(&guard, &image, &[], &[]);
    assert!(wait_until(Duration::from_secs(10), || standin_log(&c).contains("workers=0")));
    let started = docker_ok(&["inspect", "-f", "{{.State.StartedAt}}", &c]);
    rt.block_on(restart(&engine, &c, Duration::from_secs(5))).unwrap();
    let restarted = docker_ok(&["inspect", "-f", "{{.State.StartedAt}} {{.State.Running}}", &c]);
    assert_ne!(started.trim(), restarted.trim());
    assert!(restarted.trim().ends_with("true"), "{restarted}");
    // the stand-in stopped gracefully on SIGTERM, and its log (in the container) survived
    assert!(
        standin_log(&c).contains("standin signal=TERM"),
        "{}",
        standin_log(&c)
    );

    docker_ok(&["stop", "-t", "2", &c]);
    let stopped = DockerError::NotRunning {
        name: c.clone(),
        state: "stopped".into(),
    };
    assert_eq!(
        rt.block_on(send_signal(&engine, &c, Signal::Hup)).unwrap_err(),
        stopped
    );
    assert_eq!(rt.block_on(processes(&engine, &c)).unwrap_err(), stopped);
    let e = rt
        .block_on(send_signal(&engine, "sizer-no-such-container-xyz", Signal::Hup))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::NoSuchContainer {
            name: "sizer-no-such-container-xyz".into()
        }
    );
    let e = rt
        .block_on(processes(&engine, "sizer-no-such-container-xyz"))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::NoSuchContainer {
            name: "sizer-no-such-container-xyz".into()
        }
    );
}

#[test]
fn container_events_for_selected_labels() {
    // a short timeout: it must not cut a quiet event stream (it covers response headers only)
    let Some((image, engine, rt)) = setup(Duration::from_secs(2)) else {
        return;
    };
    let guard = ContainerGuard::new("control-events");
    let other = ContainerGuard::new("control-events-other");
    let filters = vec![format!("label={}", guard.label)];
    let (id, seen) = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            // give the subscription time to be made, and the stream time to be quiet
            std::thread::sleep(Duration::from_secs(3));
            let noise = run_container(&other, &image, &[], &[]);
            let id = run_container(&guard, &image, &["--cpus", "1"], &[]);
            docker_ok(&[
                "update",
                "--cpus",
                "0.5",
                "--memory",
                "256m",
                "--memory-swap",
                "512m",
                &id,
            ]);
            docker_ok(&["kill", &id]);
            docker_ok(&["rm", &id]);
            docker_ok(&["rm", "-f", &noise]);
            id
        });
        let seen = rt.block_on(async {
            let mut stream = Box::pin(container_events(&engine, &filters, None).unwrap());
            let collect = async {
                let mut seen = Vec::new();
                while let Some(event) = stream.next().await {
                    let event = event.unwrap();
                    let done = event.action == Action::Destroy;
                    seen.push(event);
                    if done {
                        break;
                    }
                }
                seen
            };
            tokio::time::timeout(Duration::from_secs(60), collect).await
        });
        (worker.join().unwrap(), seen)
    });
    let seen = seen.expect("no destroy event within 60 s");
    let actions: Vec<Action> = seen.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        actions,
        vec![Action::Start, Action::Update, Action::Die, Action::Destroy],
        "{seen:?}"
    );
    assert!(seen.iter().all(|e| e.id == id), "{seen:?}");
    assert!(seen[0].name.is_some());
}
