//! docker/Dockerfile (the binary in a scratch image) and docker/odoo.Dockerfile (odoo:18 with odoo-sizer as
//! entrypoint wrapper): their structure (pure), hadolint (the validators venv), and real builds on the
//! engine with the local stand-ins for the images that cannot be pulled here.
//!
//! docker/Dockerfile's builder stage normally runs on an official Rust image. Here it runs on a stand-in
//! builder (docker/test-builder: the stand-in Odoo image's busybox and a checking stand-in `cargo`), so the
//! build exercises the real Dockerfile on the real classic builder — context and .dockerignore, stages,
//! build arguments, the cargo command line and RUSTFLAGS, the copy into scratch, ENTRYPOINT/CMD — while the
//! compilation itself is `make static`'s, with the same flags. A real compile in Docker would need a Rust
//! toolchain image (about 1.5 GB, made from the host's toolchain) and crates.io from inside the build: too
//! heavy for `make test` on this machine.

mod common;
#[path = "common/validators.rs"]
mod validators;

use common::{
    docker, docker_ok, engine_with_image, ContainerGuard, DEFAULT_ODOO_IMAGE, LABEL, ODOO_IMAGE_ENV,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const SIZER_DOCKERFILE: &str = "docker/Dockerfile";
const ODOO_DOCKERFILE: &str = "docker/odoo.Dockerfile";
const BINARY: &str = "/usr/local/bin/odoo-sizer";

// ---- a Dockerfile reader (enough for these files) ---------------------------------------------------

/// One instruction: the keyword upper-cased, its arguments with continuation lines joined.
#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
    line: usize,
}

/// Parser directives (`# syntax=...` at the top) and the instructions. Comment lines are dropped, also
/// inside continued instructions, as Docker does.
fn parse(path: &str) -> (Vec<String>, Vec<Instruction>) {
    let text = std::fs::read_to_string(validators::repo().join(path)).unwrap();
    let mut directives = Vec::new();
    let mut instructions = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut in_header = true;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if in_header {
            let directive = line
                .strip_prefix('#')
                .map(str::trim)
                .and_then(|d| d.split_once('='))
                .filter(|(k, _)| !k.trim().is_empty() && k.trim().chars().all(|c| c.is_ascii_alphanumeric()));
            if let Some((key, value)) = directive {
                directives.push(format!("{}={}", key.trim().to_lowercase(), value.trim()));
                continue;
            }
            in_header = false;
        }
        // comment lines, and empty lines (also inside a continued instruction), are skipped
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (start, mut so_far) = pending.take().unwrap_or((n + 1, String::new()));
        let (body, continued) = match line.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (line, false),
        };
        if !so_far.is_empty() && !body.is_empty() {
            so_far.push(' ');
        }
        so_far.push_str(body);
        if continued {
            pending = Some((start, so_far));
            continue;
        }
        let (keyword, args) = so_far.split_once(char::is_whitespace).unwrap_or((&so_far, ""));
        instructions.push(Instruction {
            keyword: keyword.to_uppercase(),
            args: args.trim().to_string(),
            line: start,
        });
    }
    assert!(
        pending.is_none(),
        "{path}: the last instruction ends with a continuation"
    );
    (directives, instructions)
}

/// The instructions before the first FROM, and each stage (its FROM first).
fn stages(instructions: &[Instruction]) -> (Vec<Instruction>, Vec<Vec<Instruction>>) {
    let first = instructions
        .iter()
        .position(|i| i.keyword == "FROM")
        .expect("a FROM");
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    for i in &instructions[first..] {
        if i.keyword == "FROM" {
            stages.push(Vec::new());
        }
        stages.last_mut().unwrap().push(i.clone());
    }
    (instructions[..first].to_vec(), stages)
}

fn args_of<'a>(stage: &'a [Instruction], keyword: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|i| i.keyword == keyword)
        .map(|i| i.args.as_str())
        .collect()
}

/// An exec-form (JSON) ENTRYPOINT/CMD.
fn exec_form(path: &str, stage: &[Instruction], keyword: &str) -> Value {
    let all = args_of(stage, keyword);
    assert_eq!(
        all.len(),
        1,
        "{path}: one {keyword} in the last stage, got {all:?}"
    );
    serde_json::from_str(all[0])
        .unwrap_or_else(|e| panic!("{path}: {keyword} not in exec form ({e}): {}", all[0]))
}

/// No parser directive (`# syntax=` would make BuildKit pull a frontend image) and nothing only BuildKit
/// understands: the engine here (and many CI engines) build with the classic builder.
fn assert_classic_builder_only(path: &str) {
    let (directives, instructions) = parse(path);
    assert!(directives.is_empty(), "{path}: parser directives {directives:?}");
    for i in &instructions {
        for flag in [
            "--mount",
            "--chmod",
            "--link",
            "--parents",
            "--exclude",
            "--network",
            "--security",
            "--checksum",
        ] {
            assert!(
                !i.args.contains(flag),
                "{path}:{}: {flag} is BuildKit only",
                i.line
            );
        }
        assert!(
            !i.args.contains("<<"),
            "{path}:{}: heredocs are BuildKit only",
            i.line
        );
    }
}

// ---- structure (no engine needed) -------------------------------------------------------------------

#[test]
fn the_sizer_dockerfile_builds_statically_into_scratch() {
    assert_classic_builder_only(SIZER_DOCKERFILE);
    let (_, instructions) = parse(SIZER_DOCKERFILE);
    let (global, stages) = stages(&instructions);
    assert_eq!(
        args_of(&global, "ARG"),
        ["RUST_IMAGE=rust:1.95-slim"],
        "the builder image, a build argument"
    );
    assert_eq!(stages.len(), 2, "builder and final stage");

    let builder = &stages[0];
    assert_eq!(builder[0].args, "${RUST_IMAGE} AS builder");
    assert_eq!(args_of(builder, "ARG"), ["TARGET=x86_64-unknown-linux-gnu"]);
    let runs = args_of(builder, "RUN");
    assert_eq!(runs.len(), 1, "{runs:?}");
    for part in [
        "RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target \"${TARGET}\"",
        "cp \"target/${TARGET}/release/odoo-sizer\" /out/odoo-sizer",
        "chmod 0755 /out/odoo-sizer",
        "/out/odoo-sizer --version",
    ] {
        assert!(runs[0].contains(part), "the RUN lacks {part:?}: {}", runs[0]);
    }

    let last = &stages[1];
    assert_eq!(last[0].args, "scratch");
    assert_eq!(
        args_of(last, "COPY"),
        [format!("--from=builder /out/odoo-sizer {BINARY}")]
    );
    assert_eq!(exec_form(SIZER_DOCKERFILE, last, "ENTRYPOINT"), json!([BINARY]));
    assert_eq!(exec_form(SIZER_DOCKERFILE, last, "CMD"), json!(["detect"]));

    // `COPY . .` from the repository root: target/ (gigabytes) and .git stay out of the context.
    let ignore = std::fs::read_to_string(validators::repo().join(".dockerignore")).unwrap();
    for entry in ["target", ".git"] {
        assert!(
            ignore.lines().any(|l| l.trim() == entry),
            ".dockerignore lacks {entry}"
        );
    }
}

#[test]
fn the_odoo_dockerfile_wraps_the_official_entrypoint() {
    assert_classic_builder_only(ODOO_DOCKERFILE);
    let (_, instructions) = parse(ODOO_DOCKERFILE);
    let (global, stages) = stages(&instructions);
    assert_eq!(
        args_of(&global, "ARG"),
        ["ODOO_IMAGE=odoo:18", "SIZER_IMAGE=odoo-sizer:latest"],
        "both images are build arguments (the tests substitute local stand-ins)"
    );
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0][0].args, "${SIZER_IMAGE} AS sizer");
    let last = &stages[1];
    assert_eq!(last[0].args, "${ODOO_IMAGE}");
    // The path docker/Dockerfile puts the binary at, to the same place (on the official image's PATH).
    assert_eq!(args_of(last, "COPY"), [format!("--from=sizer {BINARY} {BINARY}")]);
    assert_eq!(
        args_of(last, "USER").last(),
        Some(&"odoo"),
        "the official image's user, kept"
    );
    assert_eq!(
        exec_form(ODOO_DOCKERFILE, last, "ENTRYPOINT"),
        json!(["odoo-sizer", "init", "--", "/entrypoint.sh"])
    );
    assert_eq!(exec_form(ODOO_DOCKERFILE, last, "CMD"), json!(["odoo"]));
    assert!(
        args_of(last, "RUN").is_empty(),
        "nothing to run: no shell needed in the base"
    );
}

#[test]
fn the_reader_sees_continuations_comments_and_directives() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("Dockerfile");
    std::fs::write(
        &path,
        "# syntax=docker/dockerfile:1\n# a comment\nFROM a AS b\nRUN one \\\n  # dropped\n  two\n\ncmd [\"x\"]\n",
    )
    .unwrap();
    let (directives, instructions) = parse(path.to_str().unwrap());
    assert_eq!(directives, ["syntax=docker/dockerfile:1"]);
    let got: Vec<(String, String, usize)> = instructions
        .into_iter()
        .map(|i| (i.keyword, i.args, i.line))
        .collect();
    assert_eq!(
        got,
        [
            ("FROM".into(), "a AS b".into(), 3),
            ("RUN".into(), "one two".into(), 4),
            ("CMD".into(), "[\"x\"]".into(), 8)
        ]
    );
}

// ---- hadolint ---------------------------------------------------------------------------------------

fn hadolint(files: &[PathBuf]) -> Option<(bool, String)> {
    let tool = validators::venv_tool("hadolint")?;
    let out = Command::new(tool)
        .arg("--no-color")
        .args(files)
        .output()
        .expect("run hadolint");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), report))
}

#[test]
fn hadolint_finds_nothing() {
    let files = [SIZER_DOCKERFILE, ODOO_DOCKERFILE].map(|f| validators::repo().join(f));
    let Some((ok, report)) = hadolint(&files) else {
        return;
    };
    assert!(ok, "hadolint (every rule, down to info):\n{report}");
}

/// The lint can fail: known mistakes in copies of the files are reported (and `USER odoo` only passes
/// because of its documented ignore comment).
#[test]
fn hadolint_reports_mistakes() {
    let tmp = tempfile::tempdir().unwrap();
    let sizer = std::fs::read_to_string(validators::repo().join(SIZER_DOCKERFILE)).unwrap();
    let odoo = std::fs::read_to_string(validators::repo().join(ODOO_DOCKERFILE)).unwrap();
    let cases = [
        (
            &sizer,
            "ARG RUST_IMAGE=rust:1.95-slim",
            "FROM rust:latest AS base\nARG RUST_IMAGE=rust:1.95-slim",
            "DL3007",
        ),
        (&sizer, "WORKDIR /src", "RUN cd /src", "DL3003"),
        (&odoo, "# hadolint ignore=DL3066\n", "", "DL3066"),
    ];
    for (n, (text, from, to, rule)) in cases.into_iter().enumerate() {
        assert!(text.contains(from), "{from:?} is gone: update this test");
        let path = tmp.path().join(format!("case{n}.Dockerfile"));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let Some((ok, report)) = hadolint(&[path]) else {
            return;
        };
        assert!(
            !ok && report.contains(rule),
            "{rule} expected for {from:?} -> {to:?}:\n{report}"
        );
    }
}

// ---- real builds on the engine ----------------------------------------------------------------------

/// Serializes this file's engine tests: a test's clean-up removes every image this process built, which a
/// concurrent build could be using.
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn engine_lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a test builds, removed when dropped: its tags, and every image its builds made — the classic
/// builder puts the build's `--label` on each step's image, so the intermediate images (and the builder
/// stage, left untagged behind the final image) are found by that label. Only this process's label.
#[derive(Default)]
struct Images {
    tags: Vec<String>,
}

fn build_label() -> String {
    format!("{LABEL}=dockerfiles-{}", std::process::id())
}

impl Images {
    fn tag(&mut self, name: &str) -> String {
        let tag = format!("odoo-sizer-test-{name}:{}", std::process::id());
        self.tags.push(tag.clone());
        tag
    }

    /// `docker build` (the classic builder, never pulling) of DOCKERFILE in CONTEXT, tagged TAG and
    /// labelled; the build output, or the output as the error.
    fn build(
        &mut self,
        dockerfile: &Path,
        context: &Path,
        tag: &str,
        build_args: &[String],
    ) -> Result<String, String> {
        let label = build_label();
        let file = dockerfile.to_str().unwrap();
        let mut args = vec!["build", "--force-rm", "--label", &label, "-t", tag, "-f", file];
        for arg in build_args {
            args.extend(["--build-arg", arg]);
        }
        args.push(context.to_str().unwrap());
        let out = docker(&args).expect("run docker build");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        for tag in self.tags.iter().rev() {
            let _ = docker(&["rmi", "-f", tag]);
        }
        // children before parents: a parent with children is refused, and removed on a later round
        let filter = format!("label={}", build_label());
        for _ in 0..20 {
            let Ok(out) = docker(&["images", "-a", "-q", "--no-trunc", "--filter", &filter]) else {
                return;
            };
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if ids.is_empty() {
                return;
            }
            for id in &ids {
                let _ = docker(&["rmi", id]);
            }
        }
    }
}

fn config(image: &str) -> Value {
    let out = docker_ok(&["image", "inspect", "--format", "{{json .Config}}", image]);
    serde_json::from_str(&out).expect("image config JSON")
}

/// The files of a one-layer image, from `docker save`: (path, mode, uid, gid) of every non-directory.
fn layer_files(image: &str) -> Vec<(String, u32, u64, u64)> {
    let out = docker(&["save", image]).expect("docker save");
    assert!(
        out.status.success(),
        "docker save {image}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut members: HashMap<String, Vec<u8>> = HashMap::new();
    for entry in tar::Archive::new(&out.stdout[..]).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        members.insert(path, data);
    }
    let manifest: Value = serde_json::from_slice(&members["manifest.json"]).expect("manifest.json");
    let layers = manifest[0]["Layers"].as_array().expect("Layers");
    assert_eq!(layers.len(), 1, "one layer: {manifest}");
    let layer = &members[layers[0].as_str().unwrap()];
    let mut files = Vec::new();
    for entry in tar::Archive::new(&layer[..]).entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        if header.entry_type().is_dir() {
            continue;
        }
        files.push((
            entry.path().unwrap().to_string_lossy().into_owned(),
            header.mode().unwrap() & 0o7777,
            header.uid().unwrap(),
            header.gid().unwrap(),
        ));
    }
    files
}

fn run(guard: &ContainerGuard, args: &[&str]) -> String {
    let mut all = vec!["run", "--rm", "--network", "none", "--label", &guard.label];
    all.extend_from_slice(args);
    docker_ok(&all)
}

/// docker/Dockerfile built for real from the repository root, its builder stage on the stand-in builder;
/// then docker/odoo.Dockerfile on top of the result, as a user would chain them.
#[test]
fn the_sizer_image_builds_and_runs_in_scratch() {
    let _engine = engine_lock();
    let Some(odoo_image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let repo = validators::repo();
    let guard = ContainerGuard::new("dockerfiles-sizer");
    let mut images = Images::default();

    let builder = images.tag("standin-rust");
    images
        .build(
            &repo.join("docker/test-builder/Dockerfile"),
            &repo.join("docker/test-builder"),
            &builder,
            &[format!("BASE={odoo_image}")],
        )
        .unwrap_or_else(|e| panic!("the stand-in builder: {e}"));

    let sizer = images.tag("sizer");
    let log = images
        .build(
            &repo.join(SIZER_DOCKERFILE),
            repo,
            &sizer,
            &[format!("RUST_IMAGE={builder}")],
        )
        .unwrap_or_else(|e| panic!("{SIZER_DOCKERFILE}: {e}"));
    assert!(log.contains("stand-in cargo: placed"), "{log}");
    let version = format!("odoo-sizer {}", env!("CARGO_PKG_VERSION"));
    assert!(
        log.lines().any(|l| l.trim() == version),
        "the --version smoke test: {log}"
    );

    let cfg = config(&sizer);
    assert_eq!(cfg["Entrypoint"], json!([BINARY]), "{cfg:#}");
    assert_eq!(cfg["Cmd"], json!(["detect"]), "{cfg:#}");
    assert!(
        matches!(cfg["User"].as_str(), None | Some("")),
        "runs as root: {cfg:#}"
    );
    assert_eq!(
        layer_files(&sizer),
        [(BINARY.trim_start_matches('/').to_string(), 0o755, 0, 0)],
        "the binary alone, root-owned, 0755"
    );

    // The default command (detect) in an empty root, with the limits granted.
    let text = run(&guard, &["--cpus", "1.5", "--memory", "1g", &sizer]);
    assert!(text.contains("1.5 CPUs") && text.contains("1 GiB"), "{text}");
    let out = run(
        &guard,
        &[
            "--cpus", "1.5", "--memory", "1g", &sizer, "detect", "--format", "json",
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["cpu"]["effective_cpus"].as_f64(), Some(1.5), "{v:#}");
    assert_eq!(v["memory"]["effective_bytes"].as_u64(), Some(1 << 30), "{v:#}");

    // The user's next step: that image as SIZER_IMAGE of docker/odoo.Dockerfile.
    let empty = tempfile::tempdir().unwrap();
    let odoo = images.tag("odoo-on-sizer");
    images
        .build(
            &repo.join(ODOO_DOCKERFILE),
            empty.path(),
            &odoo,
            &[format!("ODOO_IMAGE={odoo_image}"), format!("SIZER_IMAGE={sizer}")],
        )
        .unwrap_or_else(|e| panic!("{ODOO_DOCKERFILE} on {sizer}: {e}"));
    let version = run(&guard, &["--entrypoint", "odoo-sizer", &odoo, "--version"]);
    assert!(version.starts_with("odoo-sizer "), "{version}");
}

/// The stand-in builder really checks the build: a Dockerfile without crt-static does not build.
#[test]
fn the_standin_builder_refuses_a_dynamic_build() {
    let _engine = engine_lock();
    let Some(odoo_image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let repo = validators::repo();
    let mut images = Images::default();
    let builder = images.tag("standin-rust-check");
    images
        .build(
            &repo.join("docker/test-builder/Dockerfile"),
            &repo.join("docker/test-builder"),
            &builder,
            &[format!("BASE={odoo_image}")],
        )
        .unwrap_or_else(|e| panic!("the stand-in builder: {e}"));
    let text = std::fs::read_to_string(repo.join(SIZER_DOCKERFILE)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, expect) in [
        (
            "target-feature=+crt-static'",
            "target-feature=-crt-static'",
            "RUSTFLAGS lacks",
        ),
        ("--release --locked", "--release", "unexpected command line"),
    ] {
        assert!(
            text.contains(from),
            "{from:?} is gone from {SIZER_DOCKERFILE}: update this test"
        );
        let broken = tmp.path().join("Dockerfile");
        std::fs::write(&broken, text.replacen(from, to, 1)).unwrap();
        let tag = images.tag("sizer-broken");
        match images.build(&broken, repo, &tag, &[format!("RUST_IMAGE={builder}")]) {
            Ok(log) => panic!("{from:?} -> {to:?} built:\n{log}"),
            Err(log) => assert!(log.contains(expect), "{expect:?} expected:\n{log}"),
        }
    }
}

/// docker/odoo.Dockerfile on the stand-in Odoo image with the scratch test image as SIZER_IMAGE (both
/// from `make test-image`): the entrypoint wrapper, the official CMD and user, the binary's mode, and
/// everything else of the base image kept.
#[test]
fn the_odoo_image_keeps_the_official_contract() {
    let _engine = engine_lock();
    let Some(odoo_image) = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE) else {
        return;
    };
    let Some(sizer_image) = engine_with_image("ODOO_SIZER_TEST_IMAGE", "odoo-sizer-test:dev") else {
        return;
    };
    let guard = ContainerGuard::new("dockerfiles-odoo");
    let mut images = Images::default();
    let tag = images.tag("odoo");
    let empty = tempfile::tempdir().unwrap();
    images
        .build(
            &validators::repo().join(ODOO_DOCKERFILE),
            empty.path(),
            &tag,
            &[
                format!("ODOO_IMAGE={odoo_image}"),
                format!("SIZER_IMAGE={sizer_image}"),
            ],
        )
        .unwrap_or_else(|e| panic!("{ODOO_DOCKERFILE}: {e}"));

    let cfg = config(&tag);
    assert_eq!(
        cfg["Entrypoint"],
        json!(["odoo-sizer", "init", "--", "/entrypoint.sh"]),
        "{cfg:#}"
    );
    assert_eq!(cfg["Cmd"], json!(["odoo"]), "{cfg:#}");
    assert_eq!(cfg["User"], "odoo", "{cfg:#}");
    let base = config(&odoo_image);
    for key in ["Env", "ExposedPorts", "Volumes", "WorkingDir"] {
        assert_eq!(cfg[key], base[key], "{key} of the base image changed");
    }

    let mode = run(&guard, &["--entrypoint", "stat", &tag, "-c", "%a %u %g", BINARY]);
    assert_eq!(
        mode.trim(),
        "755 0 0",
        "root-owned, executable by all, writable by root only"
    );
    let script = "id -un; command -v odoo-sizer; odoo-sizer --version; \
                  if [ -w /usr/local/bin/odoo-sizer ]; then echo writable; else echo read-only; fi";
    let out = run(&guard, &["--entrypoint", "sh", &tag, "-c", script]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], "odoo");
    assert_eq!(lines[1], BINARY, "found on the PATH, as the ENTRYPOINT names it");
    assert!(lines[2].starts_with("odoo-sizer "), "{out}");
    assert_eq!(lines[3], "read-only", "the odoo user cannot replace the binary");

    // Run as users will: default entrypoint and command, with limits. Odoo (the stand-in) is PID 1 and
    // reads a config sized for them.
    let name = format!("odoo-sizer-dockerfile-run-{}", std::process::id());
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "--label",
        &guard.label,
        "--cpus",
        "1.5",
        "--memory",
        "2g",
        &tag,
    ]);
    let mut logs = String::new();
    for _ in 0..100 {
        logs = docker_ok(&["logs", &name]);
        if logs.contains("standin config=") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let plan = assert_cmd::Command::cargo_bin("odoo-sizer")
        .unwrap()
        .args([
            "plan",
            "--format",
            "json",
            "--odoo-version",
            "18.0",
            "--cpus",
            "1.5",
            "--memory",
            "2g",
        ])
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let workers = plan["settings"]["workers"].as_i64().unwrap();
    assert!(logs.contains("standin pid=1 "), "{logs}");
    assert!(logs.contains(&format!("workers={workers} ")), "{logs}");
}
