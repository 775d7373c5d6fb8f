//! Real mounts for fault tests, in a private mount namespace (`unshare -m`), so nothing leaks to the
//! machine. They need root (CAP_SYS_ADMIN); without it the caller reports the test as skipped.

#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `script` with `sh -e` in a private mount namespace; `None` when this machine does not allow it.
pub fn in_mount_namespace(script: &str) -> Option<Output> {
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!(
            "SKIPPED: cannot create a mount namespace here (needs root): {}",
            String::from_utf8_lossy(&probe.stderr)
        );
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-m", "sh", "-ec", script])
            .env_remove("ODOO_RC")
            .env("NO_COLOR", "1")
            .output()
            .expect("unshare"),
    )
}
