//! `odoo-sizer inspect` on the command line, without an engine: an unusable `DOCKER_HOST` exits 6 with
//! the documented, actionable message; a malformed command line exits 2.

use assert_cmd::Command;
use predicates::prelude::*;

fn inspect(docker_host: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("odoo-sizer").expect("binary");
    cmd.env_clear().arg("inspect");
    if let Some(host) = docker_host {
        cmd.env("DOCKER_HOST", host);
    }
    cmd
}

#[test]
fn an_unusable_docker_host_exits_6_saying_what_to_do() {
    // malformed
    inspect(Some("tcp://docker:port"))
        .args(["--all"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(predicate::str::contains(
            "DOCKER_HOST=tcp://docker:port cannot be used: 'port' is not a port number",
        ));
    inspect(Some("/var/run/docker.sock"))
        .args(["odoo"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "it has no scheme; write unix:///path/to/docker.sock",
        ));
    // no socket there
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let host = format!("unix://{}", socket.display());
    inspect(Some(&host))
        .args(["--all", "--format", "json"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "cannot connect to the Docker engine at {host}: {} does not exist. Is the engine running? If it listens elsewhere, set DOCKER_HOST",
            socket.display()
        )));
    // nothing listens there
    inspect(Some("tcp://127.0.0.1:1"))
        .args(["--all"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "cannot connect to the Docker engine at tcp://127.0.0.1:1: connection refused",
        ));
}

#[test]
fn a_malformed_command_line_exits_2() {
    for (args, needle) in [
        (vec![], "required"),
        (vec!["odoo", "--all"], "cannot be used with"),
        (vec!["odoo", "--filter", "label=x"], "cannot be used with"),
        (vec!["--all", "--filter", "label"], "there is no '='"),
        (vec!["odoo", "--reload"], "--apply"),
        (
            vec!["odoo", "--apply", "--reload", "--restart"],
            "cannot be used with",
        ),
        (vec!["odoo", "--apply", "--check"], "cannot be used with"),
        (vec!["odoo", "--concurrency", "0"], "--concurrency"),
        (vec!["odoo", "--users", "0"], "--users"),
    ] {
        inspect(Some("unix:///nonexistent/docker.sock"))
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
}
