//! Helpers for the `watch` tests: a `watch` process whose JSON log lines can be waited for, and the
//! plan computed by this build for given limits (never hard-coded).

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running `odoo-sizer watch`; stderr goes to a file read as JSON lines. Killed when dropped.
pub struct Watch {
    child: Child,
    log: tempfile::NamedTempFile,
    pub status: Option<ExitStatus>,
}

impl Watch {
    /// Starts `odoo-sizer watch --log-format json ARGS` with a clean environment (PATH, HOME and
    /// DOCKER_HOST kept, plus `env`).
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Watch {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_odoo-sizer"));
        cmd.env_clear();
        for var in ["PATH", "HOME", "DOCKER_HOST"] {
            if let Ok(value) = std::env::var(var) {
                cmd.env(var, value);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(["watch", "--log-format", "json"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("reopen log"));
        let child = cmd.spawn().expect("start odoo-sizer watch");
        Watch {
            child,
            log,
            status: None,
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let _ = std::fs::File::open(self.log.path()).and_then(|mut f| f.read_to_string(&mut text));
        text
    }

    /// Every line, parsed; panics on a line that is not a JSON object.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
                assert!(v.is_object(), "not an object: {l}");
                v
            })
            .collect()
    }

    /// Waits up to `timeout` for a line matching `pred`.
    pub fn wait_for(&mut self, timeout: Duration, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.lines().into_iter().find(|l| pred(l)) {
                return found;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
                panic!("watch exited ({status}) before {what}:\n{}", self.text());
            }
            if Instant::now() > deadline {
                panic!("no {what} within {timeout:?}:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The decision lines about `container` (by name).
    pub fn decisions(&self, container: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["event"] == "decision" && l["container"] == container)
            .collect()
    }

    /// Waits for watch's connection and first resync.
    pub fn wait_ready(&mut self) {
        self.wait_for(Duration::from_secs(20), "the startup resync", |l| {
            l["event"] == "resynced" && l["trigger"] == "startup"
        });
    }

    /// Sends `signal` and waits (up to 10 s) for the exit: the exit status and how long it took.
    pub fn stop_with(&mut self, signal: i32) -> (ExitStatus, Duration) {
        let pid = self.child.id() as i32;
        let start = Instant::now();
        // SAFETY: kill(2) on the PID of our own child, which has not been reaped yet.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
        let deadline = start + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                self.status = Some(status);
                return (status, start.elapsed());
            }
            if Instant::now() > deadline {
                panic!(
                    "watch did not stop within 10 s of signal {signal}:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `plan --format json` of this build for these limits (Odoo 18.0, the given config's current values):
/// its settings as the text odoo.conf holds.
pub fn planned(cpus: &str, memory: &str, config: &Path) -> BTreeMap<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_odoo-sizer"))
        .env_clear()
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
        .arg("--config")
        .arg(config)
        .output()
        .expect("run plan");
    assert!(
        out.status.success(),
        "plan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    v["settings"]
        .as_object()
        .expect("settings")
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Bool(true) => "True".into(),
                Value::Bool(false) => "False".into(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// The active `[options]` values of an odoo.conf text (last one wins, comments skipped).
pub fn options(conf: &str) -> BTreeMap<String, String> {
    let mut in_options = false;
    let mut out = BTreeMap::new();
    for line in conf.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_options = t == "[options]";
            continue;
        }
        if !in_options || t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            out.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

/// The keys of `plan` whose value `conf` does not hold: empty when the file is sized.
pub fn differences(conf: &str, plan: &BTreeMap<String, String>) -> Vec<String> {
    let have = options(conf);
    plan.iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: want {v}, have {:?}", have.get(k)))
        .collect()
}
