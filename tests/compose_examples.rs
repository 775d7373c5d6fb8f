//! compose-examples/ run for real: each `compose.yaml` is validated by the Compose tool installed here
//! (`docker compose` or `docker-compose`, whichever exists) with the real image names and with the local
//! stand-ins substituted through its variables, then brought up under a unique project name and checked:
//! - entrypoint/: the image built from docker/odoo.Dockerfile runs the stand-in Odoo as PID 1 with a config
//!   sized for the service's `cpus:`/`mem_limit:`, after `init --wait-db` reached the PostgreSQL container
//!   (a real server: the stand-in PostgreSQL image is the host's PostgreSQL, `make test-postgres-image`);
//! - one-off/: `run --rm sizer inspect <odoo> --apply --reload` sizes the running Odoo and reloads it;
//! - sidecar/: the `watch` service sizes Odoo at start and follows `docker update`.
//!
//! Every project is taken down (`down -v --remove-orphans`) by a guard, also when a test fails. Needs the
//! engine, a Compose tool and `make test-image`; skipped otherwise, failed under ODOO_SIZER_REQUIRE_DOCKER=1.

mod common;
#[path = "common/watch.rs"]
mod watch_helper;

use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use watch_helper::{differences, planned};

const SIZER_IMAGE_ENV: &str = "ODOO_SIZER_TEST_IMAGE";
const DEFAULT_SIZER_IMAGE: &str = "odoo-sizer-test:dev";
const POSTGRES_IMAGE_ENV: &str = "ODOO_SIZER_TEST_POSTGRES_IMAGE";
const DEFAULT_POSTGRES_IMAGE: &str = "odoo-sizer-test-postgres:dev";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> PathBuf {
    repo().join("compose-examples")
}

/// The Compose tool: `docker compose` (v2) or `docker-compose` (v1), or `None` (skip, or fail when
/// Docker is required).
fn compose_tool() -> Option<Vec<String>> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works("docker", &["compose", "version"]) {
        return Some(vec!["docker".into(), "compose".into()]);
    }
    if works("docker-compose", &["version"]) {
        return Some(vec!["docker-compose".into()]);
    }
    let why =
        "no Compose tool (`docker compose` or `docker-compose`): install Debian's docker-compose (make deps)";
    if docker_required() {
        panic!("ODOO_SIZER_REQUIRE_DOCKER=1 but {why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// One Compose project: a directory, a unique name, the variables; taken down when dropped.
struct Project {
    tool: Vec<String>,
    dir: PathBuf,
    name: String,
    env: Vec<(String, String)>,
    /// Images the project built, removed when dropped.
    built: Vec<String>,
}

impl Project {
    fn new(tool: &[String], example: &str, env: &[(&str, String)]) -> Project {
        let name = format!("sizertest{}{}", example.replace('-', ""), std::process::id());
        let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        env.push(("COMPOSE_PROJECT_NAME".into(), name.clone()));
        Project {
            tool: tool.to_vec(),
            dir: examples().join(example),
            name,
            env,
            built: Vec::new(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.tool[0]);
        cmd.args(&self.tool[1..])
            .args(["-p", &self.name])
            .args(args)
            .current_dir(&self.dir);
        // the variables the files use come from here only
        for var in [
            "ODOO_IMAGE",
            "POSTGRES_IMAGE",
            "SIZER_IMAGE",
            "ODOO_SIZED_IMAGE",
            "ODOO_CONTAINER",
            "ODOO_PORT",
            "COMPOSE_PROJECT_NAME",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run the Compose tool")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "compose {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The container of a service.
    fn container(&self, service: &str) -> String {
        let id = self.ok(&["ps", "-q", service]).trim().to_string();
        assert!(!id.is_empty(), "no container for {service}");
        id
    }

    fn logs(&self, service: &str) -> String {
        let out = self.run(&["logs", "--no-color", service]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.run(&["--profile", "tools", "down", "-v", "--remove-orphans", "-t", "2"]);
        for image in &self.built {
            let _ = docker(&["rmi", image]);
        }
    }
}

/// The stand-in images, or `None` (skip).
struct Images {
    odoo: String,
    sizer: String,
    postgres: String,
}

fn images() -> Option<Images> {
    Some(Images {
        odoo: engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE)?,
        sizer: engine_with_image(SIZER_IMAGE_ENV, DEFAULT_SIZER_IMAGE)?,
        postgres: engine_with_image(POSTGRES_IMAGE_ENV, DEFAULT_POSTGRES_IMAGE)?,
    })
}

/// A free loopback port (the examples publish Odoo's port; concurrent tests must not collide).
fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port().to_string()
}

fn image_conf() -> PathBuf {
    repo().join("docker/test-odoo/odoo.conf")
}

fn conf_of(container: &str) -> String {
    exec(container, &["cat", "/etc/odoo/odoo.conf"])
}

fn standin_log(container: &str) -> String {
    let out = docker(&["exec", container, "cat", "/tmp/standin.log"]).expect("docker exec");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hups(container: &str) -> usize {
    standin_log(container)
        .lines()
        .filter(|l| l.contains("signal=HUP"))
        .count()
}

#[test]
fn every_example_is_valid_with_the_real_images_and_with_the_stand_ins() {
    let Some(tool) = compose_tool() else {
        return;
    };
    let stand_ins = [
        ("ODOO_IMAGE", "odoo-sizer-test-odoo:dev".to_string()),
        ("POSTGRES_IMAGE", "odoo-sizer-test-postgres:dev".to_string()),
        ("SIZER_IMAGE", "odoo-sizer-test:dev".to_string()),
        ("ODOO_SIZED_IMAGE", "odoo-sizer-test-sized:config".to_string()),
        ("ODOO_CONTAINER", "odoo-config-test".to_string()),
        ("ODOO_PORT", "18069".to_string()),
    ];
    for example in ["entrypoint", "one-off", "sidecar"] {
        let real = Project::new(&tool, example, &[]);
        let text = real.ok(&["config"]);
        assert!(text.contains("postgres:16"), "{example}: {text}");
        if example == "entrypoint" {
            assert!(text.contains("ODOO_IMAGE: odoo:18"), "{example}: {text}");
            assert!(text.contains("odoo.Dockerfile"), "{example}: {text}");
            assert!(text.contains("--wait-db"), "{example}: {text}");
        } else {
            assert!(text.contains("image: odoo:18"), "{example}: {text}");
            assert!(text.contains("/var/run/docker.sock"), "{example}: {text}");
        }
        // Compose accepts the limits and keeps them
        assert!(
            text.contains("cpus:") && text.contains("mem_limit:"),
            "{example}: {text}"
        );
        assert!(!text.contains("odoo-sizer-test"), "{example}: {text}");

        let substituted = Project::new(&tool, example, &stand_ins);
        let text = substituted.ok(&["config"]);
        assert!(
            !text.contains("odoo:18") && !text.contains("postgres:16"),
            "{example}: {text}"
        );
        assert!(text.contains("odoo-sizer-test-postgres:dev"), "{example}: {text}");
        if example == "sidecar" {
            assert!(
                text.contains(&format!("label=com.docker.compose.project={}", substituted.name)),
                "{example}: {text}"
            );
        }
        // a broken file is refused: the check means something
        let broken = tempfile::tempdir().unwrap();
        let yaml = std::fs::read_to_string(examples().join(example).join("compose.yaml")).unwrap();
        std::fs::write(
            broken.path().join("compose.yaml"),
            yaml.replace("services:", "servics:"),
        )
        .unwrap();
        let mut cmd = substituted.command(&["config"]);
        cmd.current_dir(broken.path());
        assert!(
            !cmd.output().unwrap().status.success(),
            "{example}: a broken file passed"
        );
    }
}

#[test]
fn the_examples_readme_covers_every_directory() {
    let readme = std::fs::read_to_string(examples().join("README.md")).unwrap();
    for dir in ["entrypoint", "one-off", "sidecar", "kubernetes"] {
        assert!(examples().join(dir).is_dir(), "{dir}");
        assert!(
            readme.contains(&format!("]({dir}/")),
            "README.md does not link {dir}/"
        );
    }
    for dir in ["entrypoint", "one-off", "sidecar"] {
        assert!(examples().join(dir).join("compose.yaml").is_file(), "{dir}");
        assert!(
            readme.contains(&format!("## `{dir}/`")),
            "README.md has no section for {dir}/"
        );
    }
    // the commands the README shows are the ones the tests run
    assert!(readme.contains("docker compose run --rm sizer inspect odoo --apply --reload"));
    assert!(readme.contains("--filter label=odoo-sizer.enable=true"));
}

#[test]
fn entrypoint_example_sizes_odoo_after_waiting_for_postgresql() {
    let (Some(tool), Some(images)) = (compose_tool(), images()) else {
        return;
    };
    let sized_image = format!("odoo-sizer-test-sized:{}", std::process::id());
    let mut project = Project::new(
        &tool,
        "entrypoint",
        &[
            ("ODOO_IMAGE", images.odoo.clone()),
            ("SIZER_IMAGE", images.sizer.clone()),
            ("POSTGRES_IMAGE", images.postgres.clone()),
            ("ODOO_SIZED_IMAGE", sized_image.clone()),
            ("ODOO_PORT", free_port()),
        ],
    );
    project.built.push(sized_image.clone());
    project.ok(&["build"]);
    project.ok(&["up", "-d", "--no-build"]);
    let odoo = project.container("odoo");
    let db = project.container("db");
    assert!(
        wait_until(Duration::from_secs(60), || project
            .logs("odoo")
            .contains("standin pid=")),
        "Odoo did not start:\n{}\n{}",
        project.logs("odoo"),
        project.logs("db")
    );
    let logs = project.logs("odoo");
    // init waited for the real server, then became the official entrypoint, which became Odoo (PID 1)
    assert!(logs.contains("PostgreSQL at db:5432 answered after"), "{logs}");
    assert!(logs.contains("standin pid=1 "), "{logs}");
    assert!(!logs.contains("starting the command anyway"), "{logs}");
    assert!(
        project
            .logs("db")
            .contains("database system is ready to accept connections"),
        "{}",
        project.logs("db")
    );
    // the container has the limits of the file, and its config holds the plan for them
    let limits = docker_ok(&[
        "inspect",
        "--format",
        "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}",
        &odoo,
    ]);
    assert_eq!(limits.trim(), format!("{} {}", 2_000_000_000u64, 4u64 << 30));
    let plan = planned("2", "4g", &image_conf());
    let conf = conf_of(&odoo);
    assert!(
        differences(&conf, &plan).is_empty(),
        "{:?}\n{conf}",
        differences(&conf, &plan)
    );
    assert!(
        conf.contains("; admin_passwd = admin"),
        "comments are kept: {conf}"
    );
    assert!(
        logs.contains(&format!(
            "standin config=/etc/odoo/odoo.conf workers={}",
            plan["workers"]
        )),
        "{logs}"
    );
    // the server really is PostgreSQL, with the example's role and password
    let check = docker(&["exec", &db, "sh", "-c", "ls /var/lib/postgresql/data/PG_VERSION"]).unwrap();
    assert!(check.status.success());
}

#[test]
fn one_off_example_sizes_the_running_odoo_and_reloads_it() {
    let (Some(tool), Some(images)) = (compose_tool(), images()) else {
        return;
    };
    let name = format!("sizer-oneoff-odoo-{}", std::process::id());
    let project = Project::new(
        &tool,
        "one-off",
        &[
            ("ODOO_IMAGE", images.odoo.clone()),
            ("SIZER_IMAGE", images.sizer.clone()),
            ("POSTGRES_IMAGE", images.postgres.clone()),
            ("ODOO_CONTAINER", name.clone()),
            ("ODOO_PORT", free_port()),
        ],
    );
    project.ok(&["up", "-d", "--no-build"]);
    // `up` leaves the tool out
    assert!(project.ok(&["ps", "-q", "sizer"]).trim().is_empty());
    assert!(wait_until(Duration::from_secs(30), || standin_log(&name)
        .contains("standin pid=1")));
    let original = std::fs::read_to_string(image_conf()).unwrap();
    assert_eq!(conf_of(&name), original);

    // the README's command, with the container's name
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--rm", "sizer", "inspect", &name, "--apply", "--reload"];
        args.extend_from_slice(extra);
        project.run(&args)
    };
    let out = run(&["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report["container"], name.as_str());
    assert_eq!(report["applied"]["written"], true, "{report:#}");
    assert_eq!(report["applied"]["action"], "reload");
    assert!(!report["changes"].as_array().unwrap().is_empty());
    let plan = planned("1", "2g", &image_conf());
    assert!(
        differences(&conf_of(&name), &plan).is_empty(),
        "{}",
        conf_of(&name)
    );
    assert!(
        wait_until(Duration::from_secs(10), || hups(&name) == 1),
        "{}",
        standin_log(&name)
    );

    // again: nothing to change, no reload
    let out = run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(reports[0]["changes"].as_array().unwrap().is_empty());
    assert_eq!(reports[0]["applied"]["written"], false);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(hups(&name), 1);
    // the tool's containers are gone (--rm)
    assert!(project.ok(&["ps", "-a", "-q", "sizer"]).trim().is_empty());
}

#[test]
fn sidecar_example_sizes_odoo_and_follows_docker_update() {
    let (Some(tool), Some(images)) = (compose_tool(), images()) else {
        return;
    };
    let project = Project::new(
        &tool,
        "sidecar",
        &[
            ("ODOO_IMAGE", images.odoo.clone()),
            ("SIZER_IMAGE", images.sizer.clone()),
            ("POSTGRES_IMAGE", images.postgres.clone()),
            ("ODOO_PORT", free_port()),
        ],
    );
    project.ok(&["up", "-d", "--no-build"]);
    let odoo = project.container("odoo");
    let small = planned("1", "1g", &image_conf());
    let sized = |plan: &std::collections::BTreeMap<String, String>| {
        wait_until(Duration::from_secs(30), || {
            differences(&conf_of(&odoo), plan).is_empty()
        })
    };
    assert!(
        sized(&small),
        "not sized: {}\nsizer:\n{}",
        conf_of(&odoo),
        project.logs("sizer")
    );
    assert!(
        wait_until(Duration::from_secs(10), || hups(&odoo) == 1),
        "{}",
        standin_log(&odoo)
    );

    let start = Instant::now();
    docker_ok(&["update", "--cpus", "2", "--memory", "2g", &odoo]);
    let big = planned("2", "2g", &image_conf());
    assert!(
        sized(&big),
        "not resized: {}\nsizer:\n{}",
        conf_of(&odoo),
        project.logs("sizer")
    );
    assert!(
        wait_until(Duration::from_secs(10), || hups(&odoo) == 2),
        "{}",
        standin_log(&odoo)
    );
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let logs = project.logs("sizer");
    assert!(logs.contains("(update): applied"), "{logs}");
    assert!(logs.contains("sent SIGHUP"), "{logs}");

    // the sidecar stops at once on the SIGTERM of `stop`
    let start = Instant::now();
    project.ok(&["stop", "-t", "10", "sizer"]);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "stopping the sidecar took {took:?}"
    );
    assert!(project.logs("sizer").contains("received SIGTERM: stopped"));
    let sizer = project.container("sizer");
    let code = docker_ok(&["inspect", "--format", "{{.State.ExitCode}}", &sizer]);
    assert_eq!(code.trim(), "0");
}
