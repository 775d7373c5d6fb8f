//! `odoo-sizer inspect` end to end against the real engine, with the stand-in Odoo image (it logs every
//! signal to /tmp/standin.log and starts `workers + max_cron_threads` sleepers in prefork mode).
//! Needs the engine and `make test-image`; every container carries the test label and is removed by it.

mod common;

use common::*;
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

/// Runs `odoo-sizer inspect ARGS` with a clean environment (PATH, HOME and DOCKER_HOST kept).
fn sizer(args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_odoo-sizer"));
    cmd.env_clear();
    for var in ["PATH", "HOME", "DOCKER_HOST"] {
        if let Ok(value) = std::env::var(var) {
            cmd.env(var, value);
        }
    }
    cmd.arg("inspect").args(args).output().expect("run odoo-sizer")
}

/// `inspect ARGS --format json`: the exit code, the reports, stderr.
fn inspect_json(args: &[&str]) -> (i32, Vec<Value>, String) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = sizer(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), reports, stderr)
}

fn report<'a>(reports: &'a [Value], container: &str) -> &'a Value {
    reports
        .iter()
        .find(|r| r["container"] == container)
        .unwrap_or_else(|| panic!("no report for {container}: {reports:#?}"))
}

fn odoo_image() -> Option<String> {
    engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE)
}

fn name(test: &str, suffix: &str) -> String {
    format!("sizer-inspect-{test}-{}-{suffix}", std::process::id())
}

/// Replaces odoo.conf's content in place (owner and mode stay: the file is truncated, not replaced).
fn write_conf(container: &str, path: &str, content: &str) {
    let script = format!("cat > {path}");
    let mut child = std::process::Command::new("docker")
        .args(["exec", "-i", "-u", "0", container, "sh", "-c", &script])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("docker exec");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(content.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

fn cat(container: &str, path: &str) -> String {
    exec(container, &["cat", path])
}

fn stat(container: &str, path: &str) -> String {
    exec(container, &["stat", "-c", "%a %u %g", path])
        .trim()
        .to_string()
}

fn standin_log(container: &str) -> String {
    exec(container, &["cat", "/tmp/standin.log"])
}

/// Worker sleepers the stand-in started, as `docker top` sees them.
fn sleepers(container: &str) -> usize {
    docker_ok(&["top", container, "-o", "pid,args"])
        .lines()
        .filter(|l| l.trim_end().ends_with(" sleep 1000000"))
        .count()
}

fn recommended_int(r: &Value, key: &str) -> i64 {
    r["recommended"][key]["value"]
        .as_i64()
        .unwrap_or_else(|| panic!("recommended {key}: {r:#}"))
}

fn rules(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["rule"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

const OVERSIZED: &str = "\
[options]
; the official image's keys
addons_path = /mnt/extra-addons
data_dir = /var/lib/odoo

; sized by hand for a 16-core box, years ago
workers = 16
max_cron_threads = 2
# keep this comment
";

#[test]
fn limits_of_every_kind_and_the_json_contract() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-limits");
    let n = |s: &str| name("limits", s);
    let ncpu: u32 = docker_ok(&["info", "--format", "{{.NCPU}}"])
        .trim()
        .parse()
        .expect("NCPU");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("cpus", vec!["--cpus", "1.5", "--memory", "3g"]),
        (
            "quota",
            vec!["--cpu-quota", "50000", "--cpu-period", "100000", "--memory", "1g"],
        ),
        ("cpuset", vec!["--cpuset-cpus", "0", "--memory", "2g"]),
        ("memory", vec!["--memory", "768m"]),
        ("none", vec![]),
    ];
    for (suffix, flags) in &cases {
        let container = n(suffix);
        let mut args = vec!["--name", container.as_str()];
        args.extend(flags.iter().copied());
        run_container(&guard, &image, &args, &[]);
    }
    let filter = format!("label={}", guard.label);
    let (code, reports, stderr) = inspect_json(&["--filter", &filter]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reports.len(), cases.len(), "{reports:#?}");

    let cpu = |s: &str| {
        let r = report(&reports, &n(s));
        (
            r["limits"]["cpu"]["effective_cpus"].as_f64().unwrap(),
            r["limits"]["cpu"]["source"].as_str().unwrap().to_string(),
        )
    };
    let memory = |s: &str| {
        let r = report(&reports, &n(s));
        (
            r["limits"]["memory"]["effective_bytes"].as_u64().unwrap(),
            r["limits"]["memory"]["source"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(cpu("cpus"), (1.5, "HostConfig.NanoCpus".into()));
    assert_eq!(cpu("quota"), (0.5, "HostConfig.CpuQuota/CpuPeriod".into()));
    assert_eq!(cpu("cpuset").0, 1.0);
    if ncpu > 1 {
        assert_eq!(cpu("cpuset").1, "HostConfig.CpusetCpus");
    }
    assert_eq!(cpu("none"), (f64::from(ncpu), "engine NCPU (GET /info)".into()));
    assert_eq!(memory("cpus"), (3 << 30, "HostConfig.Memory".into()));
    assert_eq!(memory("memory"), (768 << 20, "HostConfig.Memory".into()));
    assert_eq!(memory("none").1, "engine MemTotal (GET /info)");
    assert!(rules(report(&reports, &n("none"))).contains(&"no-memory-limit".to_string()));
    assert!(rules(report(&reports, &n("none"))).contains(&"no-cpu-limit".to_string()));
    assert!(!rules(report(&reports, &n("cpus"))).contains(&"no-memory-limit".to_string()));

    // The plan follows the limits: 1.5 CPUs and 3 GiB is (2 × 1.5) + 1 = 4 processes: 3 HTTP + 1 cron.
    let r = report(&reports, &n("cpus"));
    assert_eq!(recommended_int(r, "workers"), 3, "{r:#}");
    assert_eq!(recommended_int(r, "max_cron_threads"), 1, "{r:#}");

    // The JSON contract, on every report.
    for r in &reports {
        for field in [
            "container",
            "id",
            "limits",
            "odoo_version",
            "config_path",
            "current",
            "recommended",
            "changes",
            "findings",
            "processes",
            "error",
        ] {
            assert!(r.get(field).is_some(), "{field} missing: {r:#}");
        }
        assert_eq!(r["error"], Value::Null, "{r:#}");
        assert_eq!(r["id"].as_str().map(str::len), Some(64));
        assert_eq!(r["odoo_version"], "18.0");
        assert_eq!(r["odoo_version_source"], "the container's ODOO_VERSION");
        assert_eq!(r["config_path"], "/etc/odoo/odoo.conf");
        assert_eq!(r["config"]["source"], "odoo_rc");
        assert_eq!(r["config"]["exists"], true);
        assert_eq!(r["config"]["uid"], 101);
        assert_eq!(r["applied"], Value::Null, "nothing applied without --apply");
        // every recommended key has a value, a reason and a current state
        let recommended = r["recommended"].as_object().unwrap();
        assert!(recommended.contains_key("workers"));
        for (key, rec) in recommended {
            assert!(!rec["value"].is_null(), "{key}: {rec}");
            assert!(!rec["reason"].as_str().unwrap().is_empty(), "{key}");
            let current = &r["current"][key];
            assert!(current["origin"].is_string(), "{key}: {current}");
        }
        // the image's default config is not sized: changes are recommended, with reasons
        let changes = r["changes"].as_array().unwrap();
        assert!(!changes.is_empty(), "{r:#}");
        let workers_change = changes.iter().find(|c| c["key"] == "workers");
        if let Some(c) = workers_change {
            assert!(c["line"].as_u64().unwrap() > 0);
            assert!(c["reason"].is_string());
            assert!(["updated", "uncommented", "added"].contains(&c["action"].as_str().unwrap()));
        }
        for f in r["findings"].as_array().unwrap() {
            for field in ["rule", "severity", "line", "key", "message", "fix"] {
                assert!(f.get(field).is_some(), "{field} missing: {f}");
            }
            assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
        }
        // the stand-in: PID 1 is the main process, with its memory
        let processes = r["processes"].as_array().unwrap();
        let main = processes
            .iter()
            .find(|p| p["role"] == "main")
            .unwrap_or_else(|| panic!("{processes:#?}"));
        assert!(main["command"].as_str().unwrap().contains("/usr/bin/odoo"));
        assert!(main["vsz_bytes"].as_u64().unwrap() >= main["rss_bytes"].as_u64().unwrap());
        assert_eq!(main["memory"], "ok");
        assert!(r["memory_limits"]["soft_bytes"].is_u64());
    }

    // The text report says the same.
    let out = sizer(&[&n("cpus")]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1.5 CPUs (HostConfig.NanoCpus), 3 GiB (HostConfig.Memory)"),
        "{text}"
    );
    assert!(text.contains("change(s) recommended (nothing written"), "{text}");
    assert!(text.contains("PROCESSES"), "{text}");
    assert!(text.contains("1 container(s): 0 already sized, 1 with changes recommended, 0 failed"));
}

#[test]
fn oversized_then_applied_with_reload_then_already_sized() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-apply");
    let c = name("apply", "reload");
    run_container(
        &guard,
        &image,
        &["--name", &c, "--cpus", "1", "--memory", "4g"],
        &[],
    );
    const CONF: &str = "/etc/odoo/odoo.conf";
    write_conf(&c, CONF, OVERSIZED);
    exec_root(&c, &["chmod", "640", CONF]);
    let before_stat = stat(&c, CONF);
    assert_eq!(before_stat, "640 101 101");

    // Without --apply nothing is written, and --check says changes are needed.
    let (code, reports, stderr) = inspect_json(&[&c]);
    assert_eq!(code, 0, "{stderr}");
    let r = &reports[0];
    assert_eq!(r["current"]["workers"]["file"], "16");
    assert_eq!(r["current"]["workers"]["origin"], "odoo.conf");
    assert!(rules(r).contains(&"workers-above-cpu".to_string()), "{r:#}");
    let workers = recommended_int(r, "workers");
    let cron = recommended_int(r, "max_cron_threads");
    assert!(
        workers > 0 && workers + cron <= 3,
        "1 CPU: (2 × 1) + 1 = 3 processes; {r:#}"
    );
    assert!(!r["changes"].as_array().unwrap().is_empty());
    assert_eq!(cat(&c, CONF), OVERSIZED);
    let (code, _, _) = inspect_json(&[&c, "--check"]);
    assert_eq!(code, 1, "--check: changes needed");
    assert_eq!(cat(&c, CONF), OVERSIZED);
    assert!(!standin_log(&c).contains("signal=HUP"));

    // --apply --reload: written losslessly with owner and mode kept, then SIGHUP.
    let (code, reports, stderr) = inspect_json(&[&c, "--apply", "--reload"]);
    assert_eq!(code, 0, "{stderr}");
    let r = &reports[0];
    assert_eq!(r["applied"]["written"], true, "{r:#}");
    assert_eq!(r["applied"]["action"], "reload");
    let after = cat(&c, CONF);
    assert!(after.contains(&format!("workers = {workers}\n")), "{after}");
    assert!(after.contains(&format!("max_cron_threads = {cron}\n")), "{after}");
    for kept in [
        "; the official image's keys\n",
        "; sized by hand for a 16-core box, years ago\n",
        "# keep this comment\n",
        "addons_path = /mnt/extra-addons\n",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(!after.contains("workers = 16"), "{after}");
    assert_eq!(stat(&c, CONF), before_stat, "owner and mode kept");
    assert!(
        wait_until(Duration::from_secs(30), || standin_log(&c)
            .contains("standin signal=HUP")),
        "{}",
        standin_log(&c)
    );
    let planned = format!("workers={workers} max_cron_threads={cron}");
    assert!(
        wait_until(Duration::from_secs(30), || standin_log(&c).contains(&planned)),
        "{}",
        standin_log(&c)
    );
    let expected = usize::try_from(workers + cron).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || sleepers(&c) == expected),
        "{} sleepers, expected {expected}",
        sleepers(&c)
    );

    // Already sized now: nothing to change, nothing written, no second reload.
    let (code, reports, _) = inspect_json(&[&c, "--check"]);
    assert_eq!(code, 0);
    assert_eq!(reports[0]["changes"], serde_json::json!([]));
    assert_eq!(reports[0]["current"]["workers"]["file"], workers.to_string());
    assert!(!rules(&reports[0]).contains(&"workers-above-cpu".to_string()));
    let (code, reports, _) = inspect_json(&[&c, "--apply", "--reload"]);
    assert_eq!(code, 0);
    assert_eq!(reports[0]["applied"]["written"], false);
    assert_eq!(reports[0]["applied"]["action"], Value::Null);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(standin_log(&c).matches("signal=HUP").count(), 1);
    assert_eq!(cat(&c, CONF), after);
    let text = String::from_utf8_lossy(&sizer(&[&c]).stdout).into_owned();
    assert!(text.contains("already sized: nothing to change"), "{text}");
}

#[test]
fn apply_with_restart() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-restart");
    let c = name("restart", "a");
    run_container(
        &guard,
        &image,
        &["--name", &c, "--cpus", "1", "--memory", "4g"],
        &[],
    );
    write_conf(&c, "/etc/odoo/odoo.conf", OVERSIZED);
    let started = docker_ok(&["inspect", "-f", "{{.State.StartedAt}}", &c]);
    let (code, reports, stderr) = inspect_json(&[&c, "--apply", "--restart"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reports[0]["applied"]["action"], "restart", "{:#}", reports[0]);
    let workers = recommended_int(&reports[0], "workers");
    assert_ne!(docker_ok(&["inspect", "-f", "{{.State.StartedAt}}", &c]), started);
    assert_eq!(
        docker_ok(&["inspect", "-f", "{{.State.Running}}", &c]).trim(),
        "true"
    );
    // the restarted stand-in read the sized file
    assert!(wait_until(Duration::from_secs(30), || standin_log(&c).contains(
        &format!("standin config=/etc/odoo/odoo.conf workers={workers} ")
    )));
    assert!(!standin_log(&c).contains("signal=HUP"));
}

#[test]
fn every_failure_is_reported_and_never_stops_the_others() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-failures");
    let n = |s: &str| name("fail", s);
    run_container(&guard, &image, &["--name", &n("good"), "--memory", "2g"], &[]);
    let stopped = run_container(&guard, &image, &["--name", &n("stopped")], &[]);
    docker_ok(&["stop", "-t", "5", &stopped]);
    run_container(
        &guard,
        &image,
        &["--name", &n("not-odoo"), "-e", "ODOO_VERSION="],
        &[],
    );
    run_container(&guard, &image, &["--name", &n("duplicate")], &[]);
    write_conf(
        &n("duplicate"),
        "/etc/odoo/odoo.conf",
        "[options]\nworkers = 2\n; again\nworkers = 4\n",
    );
    run_container(
        &guard,
        &image,
        &["--name", &n("missing"), "-e", "ODOO_RC=/etc/odoo/missing.conf"],
        &[],
    );
    run_container(
        &guard,
        &image,
        &["--name", &n("directory"), "-e", "ODOO_RC=/etc/odoo"],
        &[],
    );
    run_container(
        &guard,
        &image,
        &["--name", &n("huge"), "-e", "ODOO_RC=/tmp/huge.conf"],
        &[],
    );
    exec(
        &n("huge"),
        &[
            "dd",
            "if=/dev/zero",
            "of=/tmp/huge.conf",
            "bs=1048576",
            "count=17",
        ],
    );
    run_container(
        &guard,
        &image,
        &["--name", &n("latin1"), "-e", "ODOO_RC=/tmp/latin1.conf"],
        &[],
    );
    exec(
        &n("latin1"),
        &[
            "sh",
            "-c",
            "printf '[options]\\ndbfilter = caf\\351\\n' > /tmp/latin1.conf",
        ],
    );
    let unknown = n("no-such-container");

    let names: Vec<String> = [
        "good",
        "stopped",
        "not-odoo",
        "duplicate",
        "missing",
        "directory",
        "huge",
        "latin1",
    ]
    .iter()
    .map(|s| n(s))
    .chain([unknown.clone()])
    .collect();
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let duplicate_before = cat(&n("duplicate"), "/etc/odoo/odoo.conf");
    let (code, reports, stderr) = inspect_json(&args);
    assert_eq!(code, 7, "some targets failed: {stderr}");
    assert_eq!(reports.len(), names.len(), "{reports:#?}");
    let error = |s: &str| {
        report(&reports, &n(s))["error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert_eq!(report(&reports, &n("good"))["error"], Value::Null);
    assert!(!report(&reports, &n("good"))["recommended"]
        .as_object()
        .unwrap()
        .is_empty());
    assert!(
        error("stopped").contains("is exited, not running"),
        "{}",
        error("stopped")
    );
    assert!(
        error("not-odoo").contains("does not look like Odoo"),
        "{}",
        error("not-odoo")
    );
    assert!(
        report(&reports, &unknown)["error"]
            .as_str()
            .unwrap()
            .contains("no such container"),
        "{reports:#?}"
    );
    // refused: the findings name the rule and the line; the plan is still shown
    let dup = report(&reports, &n("duplicate"));
    assert!(
        error("duplicate").contains("is refused"),
        "{}",
        error("duplicate")
    );
    assert!(
        error("duplicate").contains("duplicate-key on line 4"),
        "{}",
        error("duplicate")
    );
    let finding = dup["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "error" && f["line"] == 4)
        .unwrap_or_else(|| panic!("{dup:#}"));
    assert!(
        finding["fix"].as_str().unwrap().contains("delete one"),
        "{finding:#}"
    );
    assert!(!dup["recommended"].as_object().unwrap().is_empty());
    assert_eq!(dup["changes"], serde_json::json!([]));
    // a missing config is not an error: Odoo runs on its defaults
    let missing = report(&reports, &n("missing"));
    assert_eq!(missing["error"], Value::Null, "{missing:#}");
    assert_eq!(missing["config"]["exists"], false);
    assert_eq!(missing["config_path"], "/etc/odoo/missing.conf");
    assert!(rules(missing).contains(&"config-missing".to_string()));
    assert_eq!(missing["current"]["workers"]["origin"], "default");
    assert!(
        error("directory").contains("is a directory"),
        "{}",
        error("directory")
    );
    assert!(error("huge").contains("larger than"), "{}", error("huge"));
    assert!(error("latin1").contains("invalid-utf8"), "{}", error("latin1"));
    // every failure is also on stderr
    for s in ["stopped", "not-odoo", "duplicate", "directory", "huge", "latin1"] {
        assert!(stderr.contains(&n(s)), "{s} not on stderr: {stderr}");
    }

    // The text report shows every target and the summary.
    let out = sizer(&args);
    assert_eq!(out.status.code(), Some(7));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("9 container(s): 0 already sized, 2 with changes recommended, 7 failed"),
        "{text}"
    );

    // --apply: refused and missing files are left alone (and say why); the good one is written.
    let (code, reports, _) = inspect_json(&[&n("good"), &n("duplicate"), &n("missing"), "--apply"]);
    assert_eq!(code, 7);
    assert_eq!(report(&reports, &n("good"))["applied"]["written"], true);
    assert_eq!(cat(&n("duplicate"), "/etc/odoo/odoo.conf"), duplicate_before);
    let missing = report(&reports, &n("missing"));
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("does not create files inside containers"),
        "{missing:#}"
    );
    assert_eq!(missing["applied"]["written"], false);
    let ls = docker(&["exec", &n("missing"), "ls", "/etc/odoo/missing.conf"]).unwrap();
    assert!(!ls.status.success(), "nothing created");
}

#[test]
fn secrets_never_show() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-secrets");
    let c = name("secrets", "a");
    run_container(
        &guard,
        &image,
        &[
            "--name",
            &c,
            "--memory",
            "2g",
            "-e",
            "ODOO_VERSION=19.0",
            "-e",
            "PGPASSWORD=env-s3cret",
            "-e",
            "ODOO_WORKERS=3",
        ],
        &["odoo", "--db_password", "arg-s3cret"],
    );
    write_conf(
        &c,
        "/etc/odoo/odoo.conf",
        "[options]\nadmin_passwd = conf-s3cret\nsmtp_password = smtp-s3cret\nworkers = 9\n",
    );
    for args in [
        vec![c.as_str(), "--format", "json", "-vv"],
        vec![c.as_str(), "-vv"],
        vec![c.as_str(), "--apply", "-vvv", "--format", "json"],
    ] {
        let out = sizer(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            for secret in ["env-s3cret", "arg-s3cret", "conf-s3cret", "smtp-s3cret"] {
                assert!(!text.contains(secret), "{args:?} shows {secret}:\n{text}");
            }
        }
    }
    // ...yet they are there, and the file still holds them after --apply
    assert!(cat(&c, "/etc/odoo/odoo.conf").contains("admin_passwd = conf-s3cret"));
    let (_, reports, _) = inspect_json(&[&c]);
    let r = &reports[0];
    // Odoo 19: ODOO_WORKERS beats the file and is kept as a pin; --db_password beats the file too
    assert_eq!(r["current"]["workers"]["origin"], "ODOO_WORKERS");
    assert_eq!(r["recommended"]["workers"]["value"], 3);
    assert!(rules(r).contains(&"overridden-by-environment".to_string()));
    let overridden: Vec<&str> = r["overrides"]["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert!(overridden.contains(&"db_password"), "{r:#}");
    assert!(r["command"].as_array().unwrap().iter().any(|a| a == "********"));
}

#[test]
fn fifty_containers_in_one_call() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-fifty");
    const COUNT: usize = 50;
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..10 {
            let (guard, image) = (&guard, &image);
            s.spawn(move || {
                for _ in 0..COUNT / 10 {
                    run_container(guard, image, &["--cpus", "0.5", "--memory", "512m"], &[]);
                }
            });
        }
    });
    eprintln!("started {COUNT} containers in {:?}", started.elapsed());
    let filter = format!("label={}", guard.label);
    let started = Instant::now();
    let (code, reports, stderr) = inspect_json(&["--filter", &filter]);
    eprintln!(
        "inspected {} containers in {:?}",
        reports.len(),
        started.elapsed()
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reports.len(), COUNT);
    let mut ids = std::collections::HashSet::new();
    for r in &reports {
        assert_eq!(r["error"], Value::Null, "{r:#}");
        assert!(ids.insert(r["id"].as_str().unwrap().to_string()));
        assert_eq!(r["limits"]["cpu"]["effective_cpus"], 0.5);
        assert_eq!(r["limits"]["memory"]["max_bytes"], 512u64 << 20);
        assert_eq!(r["config"]["exists"], true);
        assert!(r["config"]["size_bytes"].as_u64().unwrap() > 0);
        assert!(!r["processes"].as_array().unwrap().is_empty());
        assert!(r["recommended"]["limit_memory_hard"]["value"].as_u64().unwrap() < 512 << 20);
    }
}

#[test]
fn inline_comments_are_refused_unless_fixed() {
    let Some(image) = odoo_image() else {
        return;
    };
    let guard = ContainerGuard::new("inspect-fix");
    let c = name("fix", "a");
    run_container(
        &guard,
        &image,
        &["--name", &c, "--cpus", "2", "--memory", "4g"],
        &[],
    );
    const CONF: &str = "[options]\nworkers = 16 ; sixteen, for the sales\nmax_cron_threads = 1\n";
    write_conf(&c, "/etc/odoo/odoo.conf", CONF);
    // Odoo reads `16 ; sixteen, for the sales` as the value and dies: refused, nothing written
    let (code, reports, _) = inspect_json(&[&c, "--apply"]);
    assert_eq!(code, 7);
    let r = &reports[0];
    assert!(
        r["error"].as_str().unwrap().contains("inline-comment on line 2"),
        "{r:#}"
    );
    assert_eq!(r["applied"], Value::Null);
    assert_eq!(cat(&c, "/etc/odoo/odoo.conf"), CONF);
    // --fix moves the comment to its own line, then sizes
    let (code, reports, stderr) = inspect_json(&[&c, "--apply", "--fix"]);
    assert_eq!(code, 0, "{stderr}");
    let actions: Vec<&str> = reports[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "comment-moved", "{actions:?}");
    let after = cat(&c, "/etc/odoo/odoo.conf");
    let workers = recommended_int(&reports[0], "workers");
    assert!(
        after.starts_with(&format!(
            "[options]\n; sixteen, for the sales\nworkers = {workers}\n"
        )),
        "{after}"
    );
}

#[test]
fn empty_selections_and_the_version_precedence() {
    let Some(image) = odoo_image() else {
        return;
    };
    // nothing selected: an empty list, exit 0
    let nothing = format!("label=odoo-sizer-test-nothing-{}", std::process::id());
    let (code, reports, stderr) = inspect_json(&["--filter", &nothing]);
    assert_eq!((code, reports.len()), (0, 0), "{stderr}");
    assert!(
        stderr.contains("no running container looks like Odoo"),
        "{stderr}"
    );
    let out = sizer(&["--filter", &nothing]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no running container looks like Odoo"));

    let guard = ContainerGuard::new("inspect-version");
    let (v18, unversioned) = (name("version", "18"), name("version", "none"));
    run_container(&guard, &image, &["--name", &v18, "--memory", "2g"], &[]);
    let enable = "odoo-sizer.enable=true";
    run_container(
        &guard,
        &image,
        &[
            "--name",
            &unversioned,
            "--memory",
            "2g",
            "-e",
            "ODOO_VERSION=",
            "--label",
            enable,
        ],
        &[],
    );
    // --odoo-version is the fallback for containers that do not say what they run
    let (code, reports, stderr) = inspect_json(&[&v18, &unversioned, "--odoo-version", "16"]);
    assert_eq!(code, 0, "{stderr}");
    let r = report(&reports, &v18);
    assert_eq!(
        (r["odoo_version"].as_str(), r["odoo_version_source"].as_str()),
        (Some("18.0"), Some("the container's ODOO_VERSION"))
    );
    let r = report(&reports, &unversioned);
    assert_eq!(
        (r["odoo_version"].as_str(), r["odoo_version_source"].as_str()),
        (Some("16.0"), Some("--odoo-version"))
    );
    // 16.0 has no gevent limits; 18.0 does
    assert!(
        r["recommended"].get("limit_memory_soft_gevent").is_none(),
        "{r:#}"
    );
    assert!(report(&reports, &v18)["recommended"]
        .get("limit_memory_soft_gevent")
        .is_some());
    // an ODOO_VERSION that is not a major version: the fallback, and a finding saying so
    let odd = name("version", "odd");
    run_container(
        &guard,
        &image,
        &["--name", &odd, "--memory", "2g", "-e", "ODOO_VERSION=saas~17.2"],
        &[],
    );
    let (code, reports, _) = inspect_json(&[&odd, "--odoo-version", "17.0"]);
    assert_eq!(code, 0);
    assert_eq!(reports[0]["odoo_version"], "17.0");
    assert!(
        rules(&reports[0]).contains(&"odoo-version".to_string()),
        "{:#}",
        reports[0]
    );
    // and without it, the newest supported
    let (_, reports, _) = inspect_json(&[&unversioned]);
    assert_eq!(reports[0]["odoo_version"], "19.0");
    assert_eq!(reports[0]["odoo_version_source"], "default (newest supported)");
}
