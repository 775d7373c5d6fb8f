//! The offline validators `make validators` installs in a venv (kubernetes-validate, hadolint), for
//! tests/k8s_manifests.rs and tests/dockerfiles.rs. Included with
//! `#[path = "common/validators.rs"] mod validators;`.
//!
//! A missing venv skips the test with a message, and FAILS it when `ODOO_SIZER_REQUIRE_VALIDATORS=1` or
//! `ODOO_SIZER_REQUIRE_DOCKER=1` (as `.ci/run` sets): `make test` installs the venv before `cargo test`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (where Cargo.toml is).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The venv `make validators` fills: `$ODOO_SIZER_VALIDATORS_VENV`, else `target/venv`.
pub fn venv() -> PathBuf {
    std::env::var_os("ODOO_SIZER_VALIDATORS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/venv"))
}

fn required() -> bool {
    ["ODOO_SIZER_REQUIRE_VALIDATORS", "ODOO_SIZER_REQUIRE_DOCKER"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// `Some(path)` of the venv's `bin/NAME` when it is there; `None` (skip) otherwise, unless required.
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    let path = venv().join("bin").join(name);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "{} is missing: run `make validators` (it installs kubernetes-validate and hadolint in {})",
        path.display(),
        venv().display()
    );
    if required() {
        panic!("ODOO_SIZER_REQUIRE_VALIDATORS/ODOO_SIZER_REQUIRE_DOCKER=1 but {why}");
    }
    eprintln!("SKIPPED (set ODOO_SIZER_REQUIRE_VALIDATORS=1 to make this a failure): {why}");
    None
}
