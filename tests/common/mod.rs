//! Helpers shared by the tests that need the real Docker engine.
//!
//! When `ODOO_SIZER_REQUIRE_DOCKER=1` (set by `.ci/run`), a missing engine or test image FAILS the test;
//! otherwise the test prints why it is skipped and returns. Every container is labelled and removed by
//! label when the guard drops, even when the test fails.

#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::Once;

pub const LABEL: &str = "odoo-sizer-test";

/// True when the engine must be there (CI).
pub fn docker_required() -> bool {
    std::env::var("ODOO_SIZER_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

/// Runs `docker ARGS` and returns its output (never panics on a missing binary: the error is an output).
pub fn docker(args: &[&str]) -> std::io::Result<Output> {
    Command::new("docker").args(args).output()
}

/// Runs `docker ARGS`, panicking with the command's stderr when it fails.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args).unwrap_or_else(|e| panic!("cannot run docker {args:?}: {e}"));
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

static VERSION_LOGGED: Once = Once::new();

/// `Some(image)` when the engine answers and the test image exists; `None` (skip) otherwise, unless
/// Docker is required, in which case the test fails with what to do.
pub fn engine_with_image(image_env: &str, default_image: &str) -> Option<String> {
    let answered = docker(&["version", "--format", "{{.Server.Version}}"]);
    let server = match &answered {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => {
            return unavailable(&format!(
                "the Docker engine does not answer: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Err(e) => return unavailable(&format!("cannot run the docker CLI: {e}")),
    };
    VERSION_LOGGED.call_once(|| {
        if let Ok(out) = docker(&["version"]) {
            eprintln!(
                "docker version (engine {server}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    });
    let image = std::env::var(image_env).unwrap_or_else(|_| default_image.to_string());
    match docker(&["image", "inspect", "--format", "{{.Id}}", &image]) {
        Ok(out) if out.status.success() => Some(image),
        _ => unavailable(&format!(
            "the test image {image} does not exist; build it with `make test-image`"
        )),
    }
}

fn unavailable(why: &str) -> Option<String> {
    if docker_required() {
        panic!("ODOO_SIZER_REQUIRE_DOCKER=1 but {why}");
    }
    eprintln!("SKIPPED (set ODOO_SIZER_REQUIRE_DOCKER=1 to make this a failure): {why}");
    None
}

/// Removes every container carrying this guard's label when dropped.
pub struct ContainerGuard {
    pub label: String,
}

impl ContainerGuard {
    pub fn new(test: &str) -> ContainerGuard {
        ContainerGuard {
            label: format!("{LABEL}={test}-{}", std::process::id()),
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let filter = format!("label={}", self.label);
        if let Ok(out) = docker(&["ps", "-aq", "--filter", &filter]) {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let mut args = vec!["rm".to_string(), "-f".to_string()];
                args.extend(ids);
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let _ = docker(&refs);
            }
        }
    }
}

/// The stand-in Odoo image (`make test-image`): its environment variable and default tag.
pub const ODOO_IMAGE_ENV: &str = "ODOO_SIZER_TEST_ODOO_IMAGE";
pub const DEFAULT_ODOO_IMAGE: &str = "odoo-sizer-test-odoo:dev";

/// `docker run -d --network none --label <guard>` with `args` (options), the image and `cmd`; returns
/// the container ID.
pub fn run_container(guard: &ContainerGuard, image: &str, args: &[&str], cmd: &[&str]) -> String {
    let mut all = vec!["run", "-d", "--network", "none", "--label", &guard.label];
    all.extend_from_slice(args);
    all.push(image);
    all.extend_from_slice(cmd);
    docker_ok(&all).trim().to_string()
}

/// `docker exec CONTAINER CMD...` (as the image's user), stdout.
pub fn exec(container: &str, cmd: &[&str]) -> String {
    let mut all = vec!["exec", container];
    all.extend_from_slice(cmd);
    docker_ok(&all)
}

/// `docker exec -u 0 CONTAINER CMD...`, stdout.
pub fn exec_root(container: &str, cmd: &[&str]) -> String {
    let mut all = vec!["exec", "-u", "0", container];
    all.extend_from_slice(cmd);
    docker_ok(&all)
}

/// Waits up to `timeout` for `check` to hold, polling every 100 ms; returns whether it did.
pub fn wait_until(timeout: std::time::Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        if check() {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// An extra tag of an image, removed (untagged only) when dropped.
pub struct TagGuard {
    pub tag: String,
}

impl TagGuard {
    pub fn new(image: &str, tag: &str) -> TagGuard {
        docker_ok(&["tag", image, tag]);
        TagGuard { tag: tag.to_string() }
    }
}

impl Drop for TagGuard {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "--no-prune", &self.tag]);
    }
}
