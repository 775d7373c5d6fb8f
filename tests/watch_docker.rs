//! `odoo-sizer watch` against the real engine, with the stand-in Odoo image (it logs every signal to
//! /tmp/standin.log). Each test narrows watch to its own containers with two label filters (both must
//! match): `odoo-sizer.enable=true` and the test's own label, so that concurrent tests never meet.
//! Needs the engine and `make test-image`; skipped otherwise, failed under ODOO_SIZER_REQUIRE_DOCKER=1.

mod common;
#[path = "common/watch.rs"]
mod watch_helper;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use watch_helper::{differences, planned, Watch};

/// The stand-in image's own odoo.conf (what a fresh container holds).
fn image_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docker/test-odoo/odoo.conf")
}

fn conf_of(container: &str) -> String {
    exec(container, &["cat", "/etc/odoo/odoo.conf"])
}

fn standin_log(container: &str) -> String {
    // the log may not exist yet right after a start
    let out = docker(&["exec", container, "cat", "/tmp/standin.log"]).expect("docker exec");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

fn name(test: &str, suffix: &str) -> String {
    format!("sizer-watch-{test}-{}-{suffix}", std::process::id())
}

/// `docker run -d --name NAME --label <guard> [--label odoo-sizer.enable=true] LIMITS... IMAGE`.
fn start(guard: &ContainerGuard, image: &str, name: &str, enabled: bool, limits: &[&str]) -> String {
    let mut args = vec!["--name", name];
    if enabled {
        args.extend(["--label", "odoo-sizer.enable=true"]);
    }
    args.extend_from_slice(limits);
    run_container(guard, image, &args, &[])
}

fn filters(guard: &ContainerGuard) -> Vec<String> {
    vec![
        "--filter".into(),
        "label=odoo-sizer.enable=true".into(),
        "--filter".into(),
        format!("label={}", guard.label),
    ]
}

fn watch(guard: &ContainerGuard, extra: &[&str]) -> Watch {
    let mut args: Vec<String> = filters(guard);
    args.extend(["--debounce".into(), "200".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut w = Watch::start(&refs, &[]);
    w.wait_ready();
    w
}

/// Waits until the container's config holds `plan`; how long it took.
fn wait_sized(w: &Watch, container: &str, plan: &std::collections::BTreeMap<String, String>) -> Duration {
    let start = Instant::now();
    let ok = wait_until(Duration::from_secs(15), || {
        differences(&conf_of(container), plan).is_empty()
    });
    assert!(
        ok,
        "{container} not sized: {:?}\nconfig:\n{}\nwatch:\n{}",
        differences(&conf_of(container), plan),
        conf_of(container),
        w.text()
    );
    start.elapsed()
}

fn applied(w: &Watch, container: &str, trigger: &[&str]) -> Vec<Value> {
    w.decisions(container)
        .into_iter()
        .filter(|d| d["decision"] == "applied" && trigger.iter().any(|t| d["trigger"] == *t))
        .collect()
}

#[test]
fn sizes_on_start_follows_docker_update_leaves_others_alone_and_stops_on_sigterm() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("watch-main");
    let mut w = watch(&guard, &[]);

    let odoo = name("main", "odoo");
    let other = name("main", "unlabelled");
    start(&guard, &image, &odoo, true, &["--cpus", "1", "--memory", "1g"]);
    start(&guard, &image, &other, false, &["--cpus", "1", "--memory", "1g"]);

    // started: sized for 1 CPU / 1 GiB, reloaded
    let small = planned("1", "1g", &image_conf());
    wait_sized(&w, &odoo, &small);
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &standin_log(&odoo),
            "signal=HUP"
        ) == 1),
        "no SIGHUP: {}",
        standin_log(&odoo)
    );
    let d = w.wait_for(Duration::from_secs(5), "the start decision", |l| {
        l["event"] == "decision" && l["container"] == odoo.as_str() && l["decision"] == "applied"
    });
    assert_eq!(d["trigger"], "start");
    assert_eq!(d["signal"], "SIGHUP");
    assert_eq!(d["cpus"], 1.0);
    assert_eq!(d["memory_bytes"], 1u64 << 30);
    assert!(!d["changes"].as_array().expect("changes").is_empty(), "{d}");

    // docker update: the new plan within a few seconds, and a second SIGHUP
    let before = Instant::now();
    docker_ok(&["update", "--cpus", "2", "--memory", "2g", &odoo]);
    let big = planned("2", "2g", &image_conf());
    assert_ne!(
        small, big,
        "the two sizes must plan differently for this test to mean anything"
    );
    wait_sized(&w, &odoo, &big);
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &standin_log(&odoo),
            "signal=HUP"
        ) == 2),
        "no second SIGHUP: {}",
        standin_log(&odoo)
    );
    let took = before.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "took {took:?} to follow docker update"
    );
    let d = applied(&w, &odoo, &["update"]);
    assert_eq!(d.len(), 1, "{:#?}", w.decisions(&odoo));
    assert_eq!(d[0]["memory_bytes"], 2u64 << 30);
    // the stand-in re-read the sized file on SIGHUP, as Odoo re-executes itself
    assert!(
        standin_log(&odoo).contains(&format!("workers={}", big["workers"])),
        "{}",
        standin_log(&odoo)
    );

    // the unlabelled container was never touched, and never signalled
    let original = std::fs::read_to_string(image_conf()).expect("image conf");
    assert_eq!(conf_of(&other), original);
    assert_eq!(
        count(&standin_log(&other), "signal="),
        0,
        "{}",
        standin_log(&other)
    );
    assert!(
        w.lines()
            .iter()
            .all(|l| l["container"] != other.as_str() || l["decision"] == "ignored"),
        "{}",
        w.text()
    );

    // removed: watch notes it and goes on; a container started and removed at once is no failure
    docker_ok(&["rm", "-f", &odoo]);
    w.wait_for(
        Duration::from_secs(10),
        "the destroy of the first container",
        |l| {
            l["container"] == odoo.as_str()
                && l["decision"] == "stopped"
                && l["reason"].as_str().is_some_and(|r| r.contains("destroy"))
        },
    );
    let flash = name("main", "flash");
    start(&guard, &image, &flash, true, &["--cpus", "1", "--memory", "1g"]);
    docker_ok(&["rm", "-f", &flash]);
    let next = name("main", "next");
    start(&guard, &image, &next, true, &["--cpus", "2", "--memory", "2g"]);
    wait_sized(&w, &next, &big);
    for d in w.decisions(&flash) {
        assert!(
            ["stopped", "gone", "applied"].contains(&d["decision"].as_str().unwrap_or_default()),
            "{d}"
        );
    }

    // SIGTERM: a clean stop within a second
    let (status, took) = w.stop_with(libc::SIGTERM);
    assert_eq!(status.code(), Some(0), "{}", w.text());
    assert!(took < Duration::from_secs(1), "SIGTERM took {took:?}");
    eprintln!("watch stopped {took:?} after SIGTERM");
    let last = w.lines().pop().expect("lines");
    assert_eq!(last["event"], "stopped");
    assert_eq!(last["signal"], "SIGTERM");
    assert!(w.lines().iter().all(|l| l["level"] != "error"), "{}", w.text());
}

#[test]
fn ttin_mode_adjusts_workers_live_when_only_the_cpu_changes() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("watch-ttin");
    let odoo = name("ttin", "odoo");
    // 8 GiB: memory is not what limits the workers, so the CPU alone changes them
    start(&guard, &image, &odoo, true, &["--cpus", "1", "--memory", "8g"]);
    let mut w = watch(&guard, &["--mode", "ttin"]);
    let one = planned("1", "8g", &image_conf());
    wait_sized(&w, &odoo, &one);
    // the first sizing uncomments keys: a reload
    assert!(wait_until(Duration::from_secs(10), || count(
        &standin_log(&odoo),
        "signal=HUP"
    ) == 1));
    let two = planned("2", "8g", &image_conf());
    let changed: Vec<&String> = two.keys().filter(|k| one.get(*k) != two.get(*k)).collect();
    assert_eq!(
        changed,
        ["workers"],
        "the test needs sizes where only workers differ"
    );
    let delta: i64 = two["workers"].parse::<i64>().unwrap() - one["workers"].parse::<i64>().unwrap();
    assert!(delta > 0);

    docker_ok(&["update", "--cpus", "2", &odoo]);
    wait_sized(&w, &odoo, &two);
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &standin_log(&odoo),
            "signal=TTIN"
        ) == delta as usize),
        "{}",
        standin_log(&odoo)
    );
    // The decision that wrote the new workers: usually triggered by the update event, but the container's
    // own start event (replayed: watch subscribes a second early) can reach it first.
    let new_workers = two["workers"].clone();
    let d = w.wait_for(
        Duration::from_secs(5),
        "the decision writing the new workers",
        |l| {
            l["container"] == odoo.as_str()
                && l["decision"] == "applied"
                && l["changes"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["key"] == "workers" && c["new"] == new_workers.as_str())
                })
        },
    );
    assert_eq!(d["signal"], "SIGTTIN");
    assert_eq!(d["signals"], delta);
    std::thread::sleep(Duration::from_millis(500));
    let log = standin_log(&odoo);
    assert_eq!(
        count(&log, "signal=HUP"),
        1,
        "no reload when only workers change: {log}"
    );

    // and back: SIGTTOU as many times
    docker_ok(&["update", "--cpus", "1", &odoo]);
    wait_sized(&w, &odoo, &one);
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &standin_log(&odoo),
            "signal=TTOU"
        ) == delta as usize),
        "{}",
        standin_log(&odoo)
    );
    assert_eq!(count(&standin_log(&odoo), "signal=HUP"), 1);

    // a memory change as well: a reload, even in ttin mode
    docker_ok(&[
        "update",
        "--cpus",
        "2",
        "--memory",
        "2g",
        "--memory-swap",
        "4g",
        &odoo,
    ]);
    wait_sized(&w, &odoo, &planned("2", "2g", &image_conf()));
    assert!(wait_until(Duration::from_secs(10), || count(
        &standin_log(&odoo),
        "signal=HUP"
    ) == 2));
    let (status, _) = w.stop_with(libc::SIGINT);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn dry_run_writes_nothing_refused_configs_are_logged_and_json_lines_carry_the_fields() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("watch-dry");
    let odoo = name("dry", "odoo");
    let broken = name("dry", "broken");
    start(&guard, &image, &odoo, true, &["--cpus", "1", "--memory", "1g"]);
    // a config Odoo would refuse (a duplicate key), written before Odoo starts
    run_container(
        &guard,
        &image,
        &[
            "--name",
            &broken,
            "--label",
            "odoo-sizer.enable=true",
            "--entrypoint",
            "/bin/sh",
        ],
        &[
            "-c",
            "printf '[options]\\nworkers = 2\\nworkers = 3\\n' > /etc/odoo/odoo.conf; exec /entrypoint.sh odoo",
        ],
    );
    assert!(wait_until(Duration::from_secs(10), || standin_log(&broken)
        .contains("standin pid=1")));
    let original = std::fs::read_to_string(image_conf()).expect("image conf");

    let mut w = watch(&guard, &["--dry-run"]);
    let d = w.wait_for(Duration::from_secs(10), "the dry-run decision", |l| {
        l["container"] == odoo.as_str() && l["event"] == "decision"
    });
    assert_eq!(d["decision"], "would_apply", "{d}");
    assert_eq!(d["dry_run"], true);
    assert_eq!(d["signal"], "SIGHUP");
    assert!(
        d["message"].as_str().unwrap_or_default().contains("dry run"),
        "{d}"
    );
    let plan = planned("1", "1g", &image_conf());
    let changes = d["changes"].as_array().expect("changes");
    for change in changes {
        let key = change["key"].as_str().expect("key");
        assert_eq!(
            change["new"].as_str(),
            plan.get(key).map(String::as_str),
            "{change}"
        );
    }
    let f = w.wait_for(Duration::from_secs(10), "the refusal", |l| {
        l["container"] == broken.as_str() && l["event"] == "decision"
    });
    assert_eq!(f["decision"], "failed");
    assert_eq!(f["level"], "warn");
    assert!(f["error"].as_str().unwrap_or_default().contains("refused"), "{f}");

    // an update changes nothing either
    docker_ok(&["update", "--cpus", "2", "--memory", "2g", &odoo]);
    w.wait_for(Duration::from_secs(10), "the dry-run update decision", |l| {
        l["container"] == odoo.as_str() && l["trigger"] == "update"
    });
    assert_eq!(conf_of(&odoo), original);
    assert_eq!(count(&standin_log(&odoo), "signal="), 0);
    assert_eq!(conf_of(&broken), "[options]\nworkers = 2\nworkers = 3\n");
    assert_eq!(count(&standin_log(&broken), "signal="), 0);

    // every line is one JSON object with level, target, message and event; decisions carry the
    // documented fields
    let lines = w.lines();
    assert!(lines.len() >= 4, "{}", w.text());
    for line in &lines {
        for key in ["level", "target", "message", "event"] {
            assert!(line.get(key).is_some(), "{key} missing: {line}");
        }
        if line["event"] == "decision" {
            for key in [
                "decision",
                "container",
                "id",
                "trigger",
                "reason",
                "cpus",
                "memory_bytes",
                "changes",
                "signal",
                "signals",
                "dry_run",
                "error",
            ] {
                assert!(line.get(key).is_some(), "{key} missing: {line}");
            }
        }
    }
    let (status, _) = w.stop_with(libc::SIGTERM);
    assert_eq!(status.code(), Some(0));
}
