//! Replays the fuzz corpus without cargo-fuzz or libFuzzer: every file of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` goes through the same `check` function the fuzz target runs (each
//! `fuzz/fuzz_targets/<target>.rs` is compiled here as a module; its `fuzz_target!` line is left out
//! under `cfg(test)`). See `fuzz/README.md`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// One line per target: `name: "path"` compiles `fuzz/fuzz_targets/name.rs` (a `#[path]` cannot be
/// computed with `concat!`) and adds the test `name`.
macro_rules! targets {
    ($($name:ident: $path:tt),* $(,)?) => {
        $(
            #[path = $path]
            mod $name;

            #[test]
            fn $name() {
                replay(stringify!($name), $name::check);
            }
        )*

        const TARGETS: &[(&str, &str)] = &[$((stringify!($name), $path)),*];
    };
}

targets!(
    mountinfo: "../fuzz/fuzz_targets/mountinfo.rs",
    proc_cgroup: "../fuzz/fuzz_targets/proc_cgroup.rs",
    cgroup_values: "../fuzz/fuzz_targets/cgroup_values.rs",
    quantity: "../fuzz/fuzz_targets/quantity.rs",
    odoo_cast: "../fuzz/fuzz_targets/odoo_cast.rs",
    detect_tree: "../fuzz/fuzz_targets/detect_tree.rs",
    plan: "../fuzz/fuzz_targets/plan.rs",
    conf_document: "../fuzz/fuzz_targets/conf_document.rs",
    docker_archive: "../fuzz/fuzz_targets/docker_archive.rs",
);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("readable directory entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    files.sort();
    files
}

/// Runs `check` on every corpus and regression file of `target`; fails naming every file that panics.
fn replay(target: &str, check: fn(&[u8])) {
    let corpus = files(&fuzz_dir().join("corpus").join(target));
    let regressions = files(&fuzz_dir().join("regressions").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is empty: every target needs a seed corpus"
    );
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs of {target} fail:\n{}",
        failures.len(),
        corpus.len() + regressions.len(),
        failures.join("\n")
    );
    eprintln!(
        "{target}: {} corpus and {} regression inputs replayed",
        corpus.len(),
        regressions.len()
    );
}

/// A target added to `fuzz/fuzz_targets/` but not to `targets!` above (or to `fuzz/Cargo.toml`) would
/// silently never be replayed (or never be fuzzed).
#[test]
fn every_fuzz_target_is_declared_and_replayed() {
    let mut on_disk: Vec<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    on_disk.sort();
    let mut replayed: Vec<String> = TARGETS.iter().map(|(t, _)| t.to_string()).collect();
    replayed.sort();
    assert_eq!(
        on_disk, replayed,
        "fuzz/fuzz_targets/*.rs versus targets!() in this file"
    );

    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (target, path) in TARGETS {
        assert_eq!(
            *path,
            format!("../fuzz/fuzz_targets/{target}.rs"),
            "targets!() line of {target}"
        );
        let line = format!(
            r#"{{ name = "{target}", path = "fuzz_targets/{target}.rs", test = false, doc = false, bench = false }},"#
        );
        assert!(
            manifest.lines().any(|l| l.trim() == line),
            "fuzz/Cargo.toml has no line `{line}`"
        );
    }
}
