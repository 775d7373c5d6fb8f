//! The Docker edge against the real engine (and against fake engines on unix sockets for what a real
//! one cannot be made to do): connection errors, API negotiation, limits read from `HostConfig` compared
//! with what `detect` sees inside the same container, selection, and 50 containers at once.
//! Needs the engine and `make test-image`; skipped otherwise, failed under ODOO_SIZER_REQUIRE_DOCKER=1.

mod common;
#[path = "common/fake_engine.rs"]
mod fake;

use common::*;
use odoo_sizer::docker::select::{select, Evidence, Selection, ENABLE_LABEL};
use odoo_sizer::docker::{archive, map_bounded, runtime, top, ConnectOptions, DockerError, Engine};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn options(host: &str, timeout: Duration) -> ConnectOptions {
    ConnectOptions {
        docker_host: Some(host.to_string()),
        tls_verify: None,
        timeout,
    }
}

fn connect_error(host: &str, timeout: Duration) -> DockerError {
    let rt = runtime().unwrap();
    match rt.block_on(Engine::connect(&options(host, timeout))) {
        Ok(engine) => panic!("connected to {host}: {engine:?}"),
        Err(e) => e,
    }
}

/// What a fake engine answers to a request line (`None`: it hangs).
type Respond = fn(&str) -> Option<Vec<u8>>;

/// A fake engine at `dir/fake-engine.sock` (see tests/common/fake_engine.rs).
fn fake_engine(dir: &Path, respond: Respond) -> PathBuf {
    fake::serve(dir, "fake-engine.sock", respond)
}

fn json_answer(status: &str, body: &str) -> Vec<u8> {
    fake::json(status, body)
}

#[test]
fn connection_errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();

    // no socket
    let missing = dir.path().join("nothing-here.sock");
    let e = connect_error(&format!("unix://{}", missing.display()), Duration::from_secs(5));
    assert!(matches!(e, DockerError::NoSocket { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&missing.display().to_string()), "{text}");
    assert!(
        text.contains("Is the engine running?") && text.contains("set DOCKER_HOST"),
        "{text}"
    );

    // a socket file nobody listens on (the engine died)
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let e = connect_error(&format!("unix://{}", stale.display()), Duration::from_secs(5));
    assert!(matches!(e, DockerError::ConnectionRefused { .. }), "{e:?}");
    assert!(e.to_string().contains("connection refused"), "{e}");

    // tcp: nothing listens on port 1
    let e = connect_error("tcp://127.0.0.1:1", Duration::from_secs(5));
    assert!(
        matches!(e, DockerError::ConnectionRefused { ref host } if host == "tcp://127.0.0.1:1"),
        "{e:?}"
    );

    // malformed and unsupported values
    let e = connect_error("/var/run/docker.sock", Duration::from_secs(5));
    assert!(
        e.to_string()
            .starts_with("DOCKER_HOST=/var/run/docker.sock cannot be used: it has no scheme"),
        "{e}"
    );
    let e = connect_error("ssh://me@box", Duration::from_secs(5));
    assert!(e.to_string().contains("ssh -nNT -L"), "{e}");
    assert!(e.is_connection());
}

#[test]
fn engines_too_old_and_silent_engines() {
    // an engine that answers with its (old) API version, and one that refuses the client's version
    let answers: [Respond; 2] = [
        |_| {
            Some(json_answer(
                "200 OK",
                r#"{"ApiVersion":"1.24","Version":"1.12.6","MinAPIVersion":"1.12"}"#,
            ))
        },
        |_| {
            Some(json_answer(
                "400 Bad Request",
                r#"{"message":"client version 1.53 is too new. Maximum supported API version is 1.24"}"#,
            ))
        },
    ];
    for answer in answers {
        let dir = tempfile::tempdir().unwrap();
        let old = fake_engine(dir.path(), answer);
        let e = connect_error(&format!("unix://{}", old.display()), Duration::from_secs(5));
        assert_eq!(
            e,
            DockerError::EngineTooOld {
                host: format!("unix://{}", old.display()),
                api: "1.24".into(),
                min: "1.25".into()
            }
        );
        assert!(e.to_string().contains("upgrade the engine"), "{e}");
    }

    let dir = tempfile::tempdir().unwrap();
    let silent = fake_engine(dir.path(), |_| None);
    let started = Instant::now();
    let e = connect_error(&format!("unix://{}", silent.display()), Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(e, DockerError::Timeout { seconds: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("did not answer within 1 s"), "{e}");
}

#[test]
fn negotiation_down_to_an_older_engine_and_event_stream_end() {
    let dir = tempfile::tempdir().unwrap();
    // the first /version is refused (as a versioned proxy would), the next ones answered
    static VERSION_CALLS: AtomicUsize = AtomicUsize::new(0);
    let sock = fake_engine(dir.path(), |line| {
        let is_version = line.contains("/version ");
        if is_version && VERSION_CALLS.fetch_add(1, Ordering::SeqCst) > 0 {
            Some(json_answer(
                "200 OK",
                r#"{"ApiVersion":"1.30","Version":"17.06.0-ce","MinAPIVersion":"1.12"}"#,
            ))
        } else if line.contains("/events?") {
            let event = r#"{"Type":"container","Action":"start","Actor":{"ID":"c0ffee","Attributes":{"name":"odoo1"}},"time":1,"timeNano":1000000000}"#;
            let chunk = format!("{:x}\r\n{event}\n\r\n", event.len() + 1);
            Some(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}0\r\n\r\n"
                )
                .into_bytes(),
            )
        } else {
            Some(json_answer(
                "400 Bad Request",
                r#"{"message":"client version 1.53 is too new. Maximum supported API version is 1.30"}"#,
            ))
        }
    });
    let rt = runtime().unwrap();
    rt.block_on(async {
        use futures_util::StreamExt;
        let host = format!("unix://{}", sock.display());
        let engine = Engine::connect(&options(&host, Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(engine.api_version(), "1.30");
        assert_eq!(VERSION_CALLS.load(Ordering::SeqCst), 2);
        let mut events = Box::pin(odoo_sizer::docker::events::container_events(&engine, &[], None).unwrap());
        let first = events.next().await.unwrap().unwrap();
        assert_eq!(first.id, "c0ffee");
        assert_eq!(first.name.as_deref(), Some("odoo1"));
        let end = events.next().await.unwrap().unwrap_err();
        assert!(matches!(end, DockerError::EventsDisconnected { .. }), "{end:?}");
        assert!(end.is_connection());
        assert!(events.next().await.is_none());
    });
}

fn real_engine() -> Option<(String, Engine)> {
    let image = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE)?;
    let rt = runtime().unwrap();
    let engine = rt
        .block_on(Engine::connect(&ConnectOptions::from_env()))
        .unwrap_or_else(|e| panic!("the docker CLI answers but odoo-sizer cannot connect: {e}"));
    Some((image, engine))
}

#[test]
fn connects_like_the_cli_and_negotiates() {
    let Some((_, engine)) = real_engine() else { return };
    let api = docker_ok(&["version", "--format", "{{.Server.APIVersion}}"]);
    assert_eq!(engine.api_version(), api.trim());
    let rt = runtime().unwrap();
    let facts = rt.block_on(engine.facts()).unwrap();
    let info = docker_ok(&["info", "--format", "{{.NCPU}} {{.MemTotal}}"]);
    assert_eq!(
        format!("{} {}", facts.ncpu.unwrap(), facts.mem_total.unwrap()),
        info.trim()
    );
}

/// Probe run as an unprivileged user by `permission_denied_names_the_group`.
#[test]
#[ignore = "run by permission_denied_names_the_group as another user"]
fn permission_probe() {
    let Ok(host) = std::env::var("ODOO_SIZER_PROBE_HOST") else {
        return;
    };
    let e = connect_error(&host, Duration::from_secs(5));
    println!(
        "PROBE-KIND: {}",
        if matches!(e, DockerError::PermissionDenied { .. }) {
            "permission"
        } else {
            "other"
        }
    );
    println!("PROBE-MESSAGE: {e}");
}

#[test]
fn permission_denied_names_the_group() {
    let Some(_) = real_engine() else { return };
    let socket = match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => h.trim_start_matches("unix://").to_string(),
        Ok(h) if !h.is_empty() => return eprintln!("SKIPPED: DOCKER_HOST={h} is not a unix socket"),
        _ => "/var/run/docker.sock".to_string(),
    };
    let meta = std::fs::metadata(&socket).unwrap();
    use std::os::unix::fs::MetadataExt;
    if meta.mode() & 0o006 == 0o006 {
        return eprintln!("SKIPPED: {socket} is world-writable");
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args([
            "--exact",
            "permission_probe",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ODOO_SIZER_PROBE_HOST", format!("unix://{socket}"))
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if docker_required() && running_as_root() {
                panic!("the probe failed as uid 65534: {err}");
            }
            return eprintln!("SKIPPED: cannot run the probe as another user: {err}");
        }
        Err(e) => return eprintln!("SKIPPED: setpriv is not available: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PROBE-KIND: permission"), "{stdout}");
    let group = std::fs::read_to_string("/etc/group").ok().and_then(|g| {
        g.lines()
            .find(|l| l.split(':').nth(2) == Some(&meta.gid().to_string()))
            .map(|l| l.split(':').next().unwrap_or("").to_string())
    });
    let want = match group {
        Some(name) => format!("group {name} (gid {})", meta.gid()),
        None => format!("gid {}", meta.gid()),
    };
    let message = stdout
        .lines()
        .find(|l| l.starts_with("PROBE-MESSAGE: "))
        .unwrap_or_default();
    assert!(message.contains(&socket) && message.contains(&want), "{message}");
    assert!(
        message.contains("uid 65534") && message.contains(&format!("--group-add {}", meta.gid())),
        "{message}"
    );
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// `detect --format json` inside the container: the limits as the container itself sees them.
fn detect_inside(container: &str) -> Value {
    let out = exec(container, &["odoo-sizer", "detect", "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("detect output is not JSON ({e}): {out}"))
}

#[test]
fn limits_from_the_api_equal_what_was_granted() {
    let Some((image, engine)) = real_engine() else {
        return;
    };
    let guard = ContainerGuard::new("docker-limits");
    let rt = runtime().unwrap();
    let facts = rt.block_on(engine.facts()).unwrap();
    let ncpu = facts.ncpu.unwrap();
    let host_mem = facts.mem_total.unwrap();
    const MIB: u64 = 1 << 20;
    // (flags, effective CPUs, CPU source, memory limit, swap allowed on top)
    type Case<'a> = (Vec<&'a str>, f64, &'a str, Option<u64>, Option<u64>);
    let mut cases: Vec<Case> = vec![
        (
            vec!["--cpus", "1.5", "--memory", "1g"],
            1.5,
            "HostConfig.NanoCpus",
            Some(1024 * MIB),
            Some(1024 * MIB),
        ),
        (
            vec!["--cpu-quota", "75000", "--cpu-period", "50000"],
            1.5,
            "HostConfig.CpuQuota/CpuPeriod",
            None,
            None,
        ),
        (
            vec!["--cpuset-cpus", "0"],
            1.0,
            "HostConfig.CpusetCpus",
            None,
            None,
        ),
        (
            vec!["--memory", "700m", "--memory-swap", "1g"],
            f64::from(ncpu),
            "engine NCPU (GET /info)",
            Some(700 * MIB),
            Some(324 * MIB),
        ),
        (
            vec!["--memory", "512m", "--memory-swap", "-1"],
            f64::from(ncpu),
            "engine NCPU (GET /info)",
            Some(512 * MIB),
            None,
        ),
        (
            vec!["--memory", "512m", "--memory-swap", "512m"],
            f64::from(ncpu),
            "engine NCPU (GET /info)",
            Some(512 * MIB),
            Some(0),
        ),
        (vec![], f64::from(ncpu), "engine NCPU (GET /info)", None, None),
    ];
    if ncpu >= 2 {
        cases.push((
            vec!["--cpuset-cpus", "0-1", "--cpus", "0.5"],
            0.5,
            "HostConfig.NanoCpus",
            None,
            None,
        ));
    }
    for (flags, cpus, source, memory, swap) in cases {
        let what = format!("{flags:?}");
        let id = run_container(&guard, &image, &flags, &[]);
        let target = rt
            .block_on(odoo_sizer::docker::select::inspect_target(&engine, &id, &facts))
            .unwrap();
        let limits = &target.limits;
        assert!(
            (limits.cpu.effective_cpus.unwrap() - cpus).abs() < 1e-9,
            "{what}: {limits:?}"
        );
        assert_eq!(limits.cpu.source.as_deref(), Some(source), "{what}");
        assert_eq!(limits.memory.max_bytes, memory, "{what}");
        assert_eq!(
            limits.memory.effective_bytes,
            Some(memory.unwrap_or(host_mem)),
            "{what}"
        );
        assert_eq!(limits.memory.swap_max_bytes, swap, "{what}");
        assert!(limits.warnings.is_empty(), "{what}: {:?}", limits.warnings);

        // the same numbers as the container sees from inside
        let inside = detect_inside(&id);
        let inside_cpus = inside["cpu"]["effective_cpus"].as_f64().unwrap();
        assert!((inside_cpus - cpus).abs() < 1e-9, "{what}: inside {inside:#}");
        assert_eq!(
            inside["memory"]["max_bytes"].as_u64(),
            memory,
            "{what}: inside {inside:#}"
        );
        assert_eq!(
            inside["memory"]["effective_bytes"].as_u64(),
            limits.memory.effective_bytes,
            "{what}"
        );
        assert_eq!(
            inside["memory"]["swap_max_bytes"].as_u64(),
            swap,
            "{what}: inside {inside:#}"
        );
        if let Some(q) = limits.cpu.quota_us {
            assert_eq!(inside["cpu"]["quota_us"].as_u64(), Some(q), "{what}");
            assert_eq!(
                inside["cpu"]["period_us"].as_u64(),
                limits.cpu.period_us,
                "{what}"
            );
        }

        // the stand-in: Odoo 18 from ODOO_VERSION, config from ODOO_RC
        assert_eq!(target.odoo_version.as_deref(), Some("18.0"));
        assert_eq!(target.config.path, "/etc/odoo/odoo.conf");
    }
}

#[test]
fn limits_follow_docker_update() {
    let Some((image, engine)) = real_engine() else {
        return;
    };
    let guard = ContainerGuard::new("docker-update");
    let rt = runtime().unwrap();
    let facts = rt.block_on(engine.facts()).unwrap();
    let id = run_container(
        &guard,
        &image,
        &["--cpus", "1", "--memory", "1g", "--memory-swap", "2g"],
        &[],
    );
    docker_ok(&["update", "--cpus", "0.5", "--memory", "768m", &id]);
    let t = rt
        .block_on(odoo_sizer::docker::select::inspect_target(&engine, &id, &facts))
        .unwrap();
    assert_eq!(t.limits.cpu.effective_cpus, Some(0.5));
    assert_eq!(t.limits.memory.max_bytes, Some(768 << 20));
}

#[test]
fn command_line_and_config_path_of_real_containers() {
    let Some((image, engine)) = real_engine() else {
        return;
    };
    let guard = ContainerGuard::new("docker-cmdline");
    let rt = runtime().unwrap();
    let facts = rt.block_on(engine.facts()).unwrap();
    // the official entrypoint convention: `/entrypoint.sh odoo ARGS`
    let id = run_container(
        &guard,
        &image,
        &["-e", "ODOO_RC=/nowhere.conf"],
        &[
            "odoo",
            "--config=/etc/odoo/odoo.conf",
            "--workers",
            "3",
            "--db_maxconn=16",
            "--limit-memory-hard=3000000000",
        ],
    );
    let t = rt
        .block_on(odoo_sizer::docker::select::inspect_target(&engine, &id, &facts))
        .unwrap();
    assert_eq!(t.argv[0], "/entrypoint.sh");
    assert_eq!(t.config.path, "/etc/odoo/odoo.conf");
    assert_eq!(t.config.source.describe(), "-c/--config on the command line");
    let got: Vec<(&str, &str)> = t
        .cli_overrides
        .iter()
        .map(|o| (o.key.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("workers", "3"),
            ("db_maxconn", "16"),
            ("limit_memory_hard", "3000000000")
        ]
    );
    // the stand-in really got those arguments (its PID 1 prints its argv)
    assert!(wait_until(Duration::from_secs(10), || {
        docker_ok(&["logs", &id]).contains("argv=--config=/etc/odoo/odoo.conf --workers 3")
    }));
    // Odoo 19 environment overrides are reported for a 19 image only
    let id19 = run_container(
        &guard,
        &image,
        &["-e", "ODOO_VERSION=19.0", "-e", "ODOO_WORKERS=5"],
        &[],
    );
    let t = rt
        .block_on(odoo_sizer::docker::select::inspect_target(&engine, &id19, &facts))
        .unwrap();
    assert_eq!(t.odoo_major, Some(19));
    assert_eq!(t.env_overrides.len(), 1, "{:?}", t.env_overrides);
    assert_eq!(
        (t.env_overrides[0].key.as_str(), t.env_overrides[0].value.as_str()),
        ("workers", "5")
    );
}

#[test]
fn selection_of_real_containers() {
    let Some((image, engine)) = real_engine() else {
        return;
    };
    let tag = format!("odoo-sizer-test-{}/odoo:dev", std::process::id());
    let _tag = TagGuard::new(&image, &tag);
    let guard = ContainerGuard::new("docker-select");
    let mine = format!("label={}", guard.label);
    let name = |suffix: &str| format!("sizer-select-{}-{suffix}", std::process::id());
    // by ODOO_VERSION (the stand-in's image name is one of odoo-sizer's own, which never counts)
    run_container(&guard, &image, &["--name", &name("standin")], &[]);
    // by image name only
    run_container(
        &guard,
        &tag,
        &["--name", &name("by-image"), "-e", "ODOO_VERSION="],
        &[],
    );
    // by label only
    let label_on = format!("{ENABLE_LABEL}=true");
    run_container(
        &guard,
        &image,
        &[
            "--name",
            &name("by-label"),
            "-e",
            "ODOO_VERSION=",
            "--label",
            &label_on,
        ],
        &[],
    );
    // not Odoo: no evidence
    run_container(
        &guard,
        &image,
        &["--name", &name("plain"), "-e", "ODOO_VERSION="],
        &[],
    );
    // opted out
    let label_off = format!("{ENABLE_LABEL}=false");
    run_container(
        &guard,
        &image,
        &["--name", &name("opted-out"), "--label", &label_off],
        &[],
    );
    // stopped ones
    let exited = run_container(&guard, &image, &["--name", &name("exited")], &[]);
    docker_ok(&["stop", "-t", "1", &exited]);
    docker_ok(&[
        "create",
        "--network",
        "none",
        "--label",
        &guard.label,
        "--name",
        &name("created"),
        &image,
    ]);

    let rt = runtime().unwrap();
    let all = Selection {
        all: true,
        filters: vec![mine.clone()],
        ..Default::default()
    };
    let outcomes = rt.block_on(select(&engine, &all, 8)).unwrap();
    let mut picked: Vec<(String, Vec<Evidence>)> = outcomes
        .into_iter()
        .map(|o| {
            let s = o.result.unwrap();
            (s.target.name, s.evidence)
        })
        .collect();
    picked.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        picked,
        vec![
            (name("by-image"), vec![Evidence::ImageName(tag.clone())]),
            (name("by-label"), vec![Evidence::Label]),
            (name("standin"), vec![Evidence::OdooVersionEnv("18.0".into())]),
        ]
    );

    // a narrower filter
    let narrowed = Selection {
        all: true,
        filters: vec![mine.clone(), format!("name={}", name("by-"))],
        ..Default::default()
    };
    assert_eq!(rt.block_on(select(&engine, &narrowed, 8)).unwrap().len(), 2);

    // named targets: each gets its own outcome, in order
    let named = Selection {
        names: vec![
            name("standin"),
            "sizer-no-such-container-xyz".into(),
            name("exited"),
            name("created"),
            name("plain"),
            name("opted-out"),
            name("standin"),
        ],
        ..Default::default()
    };
    let outcomes = rt.block_on(select(&engine, &named, 8)).unwrap();
    assert_eq!(outcomes.len(), 6, "the duplicate is dropped: {outcomes:?}");
    assert!(outcomes[0].result.is_ok());
    let errors: Vec<DockerError> = outcomes[1..]
        .iter()
        .map(|o| o.result.clone().unwrap_err())
        .collect();
    assert_eq!(
        errors[0],
        DockerError::NoSuchContainer {
            name: "sizer-no-such-container-xyz".into()
        }
    );
    assert_eq!(
        errors[1],
        DockerError::NotRunning {
            name: name("exited"),
            state: "exited".into()
        }
    );
    assert_eq!(
        errors[2],
        DockerError::NotRunning {
            name: name("created"),
            state: "created".into()
        }
    );
    assert!(
        matches!(&errors[3], DockerError::NotOdoo { why, .. } if why.contains("no ODOO_VERSION")),
        "{:?}",
        errors[3]
    );
    assert!(
        matches!(&errors[4], DockerError::NotOdoo { why, .. } if why.contains("odoo-sizer.enable=false")),
        "{:?}",
        errors[4]
    );
    for e in &errors {
        assert!(!e.is_connection(), "{e}");
    }
    // a filter the engine refuses
    let bad = Selection {
        all: true,
        filters: vec!["colour=blue".into()],
        ..Default::default()
    };
    let e = rt.block_on(select(&engine, &bad, 8)).unwrap_err();
    assert!(matches!(e, DockerError::Engine { status: 400, .. }), "{e:?}");
}

#[test]
fn fifty_containers_in_one_call() {
    let Some((image, engine)) = real_engine() else {
        return;
    };
    let guard = ContainerGuard::new("docker-fifty");
    const COUNT: usize = 50;
    let started = Instant::now();
    std::thread::scope(|s| {
        for chunk in 0..10 {
            let guard = &guard;
            let image = &image;
            s.spawn(move || {
                for _ in 0..COUNT / 10 {
                    run_container(
                        guard,
                        image,
                        &["--entrypoint", "sleep", "--memory", "64m"],
                        &["100000"],
                    );
                }
                chunk
            });
        }
    });
    eprintln!("started {COUNT} containers in {:?}", started.elapsed());
    let expected = std::fs::read("docker/test-odoo/odoo.conf").unwrap();
    let rt = runtime().unwrap();
    let started = Instant::now();
    let results = rt.block_on(async {
        let selection = Selection {
            all: true,
            filters: vec![format!("label={}", guard.label)],
            ..Default::default()
        };
        let outcomes = select(&engine, &selection, 16).await.unwrap();
        map_bounded(outcomes, 16, |o| {
            let engine = &engine;
            async move {
                let selected = o.result?;
                let file =
                    archive::read_file(engine, &selected.target.id, &selected.target.config.path).await?;
                let processes = top::processes(engine, &selected.target.id).await?;
                Ok::<_, DockerError>((selected.target, file, processes))
            }
        })
        .await
    });
    let elapsed = started.elapsed();
    eprintln!(
        "selected, read the config of and listed the processes of {} containers in {elapsed:?}",
        results.len()
    );
    assert_eq!(results.len(), COUNT);
    for r in results {
        let (target, file, processes) = r.unwrap();
        assert_eq!(file.content, expected, "{}", target.name);
        assert_eq!(target.limits.memory.max_bytes, Some(64 << 20));
        assert_eq!(processes.len(), 1, "{processes:?}");
        assert!(processes[0].command.starts_with("sleep"), "{processes:?}");
    }
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}
