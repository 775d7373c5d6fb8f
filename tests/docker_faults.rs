//! Docker faults during `inspect`, through a fault-injecting proxy in front of the real engine
//! (tests/common/proxy.rs): the engine dying in the middle of one container's config read, a container
//! removed between the listing and the read, and the engine gone for good after the listing. Each gives
//! a clear per-container error, the other containers are still processed, and the exit code (7) says
//! some failed. Needs the engine and `make test-image`.

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use common::*;
use proxy::Action;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn start_standins(guard: &ContainerGuard, image: &str, names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            docker_ok(&[
                "run",
                "-d",
                "--name",
                name,
                "--network",
                "none",
                "--label",
                &guard.label,
                "--cpus",
                "1",
                "--memory",
                "1g",
                image,
            ])
            .trim()
            .to_string()
        })
        .collect()
}

fn inspect_through(socket: &std::path::Path, names: &[String]) -> (i32, Vec<Value>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_odoo-sizer"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .arg("inspect")
        .args(names)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), reports, stderr)
}

fn by_name<'a>(reports: &'a [Value], name: &str) -> &'a Value {
    reports
        .iter()
        .find(|r| r["container"] == name)
        .unwrap_or_else(|| panic!("no report for {name}: {reports:#?}"))
}

fn names(test: &str) -> Vec<String> {
    ["a", "b", "c"]
        .iter()
        .map(|s| format!("sizer-fault-{test}-{}-{s}", std::process::id()))
        .collect()
}

#[test]
fn the_engine_dying_during_one_read_fails_only_that_container() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("fault-drop");
    let names = names("drop");
    let ids = start_standins(&guard, &image, &names);
    let victim = ids[1].clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = proxy::start(
        dir.path(),
        Arc::new(move |line: &str| {
            if line.contains(&format!("/containers/{victim}/archive")) {
                Action::Drop
            } else {
                Action::Forward
            }
        }),
    );
    let (code, reports, stderr) = inspect_through(&socket, &names);
    assert_eq!(code, 7, "{stderr}");
    for ok in [&names[0], &names[2]] {
        assert_eq!(
            by_name(&reports, ok)["error"],
            Value::Null,
            "{:#}",
            by_name(&reports, ok)
        );
    }
    let failed = by_name(&reports, &names[1])["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        failed.contains(&names[1]),
        "the error names the container: {failed}"
    );
    assert!(!failed.is_empty());
}

#[test]
fn a_container_removed_between_listing_and_reading_is_reported() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("fault-removed");
    let names = names("removed");
    let ids = start_standins(&guard, &image, &names);
    let victim = ids[1].clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = proxy::start(
        dir.path(),
        Arc::new(move |line: &str| {
            if line.contains(&format!("/containers/{victim}/archive")) {
                // Removed by someone else right now, then the read reaches the engine.
                let _ = docker(&["rm", "-f", &victim]);
            }
            Action::Forward
        }),
    );
    let (code, reports, stderr) = inspect_through(&socket, &names);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(by_name(&reports, &names[0])["error"], Value::Null);
    assert_eq!(by_name(&reports, &names[2])["error"], Value::Null);
    let failed = by_name(&reports, &names[1])["error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        failed.contains("no such container") || failed.contains("not found") || failed.contains("removed"),
        "{failed}"
    );
}

#[test]
fn an_engine_gone_after_the_listing_fails_every_container_clearly() {
    let Some(image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let guard = ContainerGuard::new("fault-gone");
    let names = names("gone");
    start_standins(&guard, &image, &names);
    let gone = Arc::new(AtomicBool::new(false));
    let flag = gone.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = proxy::start(
        dir.path(),
        Arc::new(move |line: &str| {
            // The engine answers the version, info and container look-ups, then stops.
            if line.contains("/archive") || line.contains("/top") {
                flag.store(true, Ordering::SeqCst);
            }
            if flag.load(Ordering::SeqCst) {
                Action::Drop
            } else {
                Action::Forward
            }
        }),
    );
    let (code, reports, stderr) = inspect_through(&socket, &names);
    assert!(gone.load(Ordering::SeqCst));
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(reports.len(), 3, "every container is reported: {reports:#?}");
    for name in &names {
        let error = by_name(&reports, name)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(error.contains(name), "{error}");
    }
}
