//! Acting on a running Odoo: signals to the container's main process (the kill API signals PID 1, which
//! is Odoo in the official image since its entrypoint `exec`s it) and restarts.
//!
//! Odoo's meaning of the signals (prefork server): SIGHUP re-executes Odoo with the same arguments and
//! PID, re-reading odoo.conf; SIGTTIN / SIGTTOU add / remove one HTTP worker, in memory only; SIGTERM
//! stops gracefully.
//! Owns: those requests and their errors. Must not: decide when to send them.

use super::client::Engine;
use super::error::DockerError;
use bollard::query_parameters::{KillContainerOptions, RestartContainerOptions};
use serde::Serialize;
use std::time::Duration;

/// The signals odoo-sizer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Signal {
    /// Reload: Odoo re-executes itself and re-reads its config.
    Hup,
    /// One more HTTP worker.
    Ttin,
    /// One HTTP worker less.
    Ttou,
    /// Graceful stop.
    Term,
}

impl Signal {
    /// The name the kill API takes.
    pub fn name(&self) -> &'static str {
        match self {
            Signal::Hup => "SIGHUP",
            Signal::Ttin => "SIGTTIN",
            Signal::Ttou => "SIGTTOU",
            Signal::Term => "SIGTERM",
        }
    }
}

/// The state named by the engine's 409 answer ("Container abc is not running", "... is paused ..."),
/// for [`DockerError::NotRunning`].
pub(crate) fn state_from_conflict(message: &str) -> String {
    if message.contains("paused") {
        "paused".into()
    } else if message.contains("restarting") {
        "restarting".into()
    } else {
        "stopped".into()
    }
}

/// A request about one container that failed: 404 is a container that does not exist (any more), 409 one
/// that is not running; anything else is the engine's error for `action`.
pub(crate) fn container_error(
    engine: &Engine,
    container: &str,
    action: &str,
    err: bollard::errors::Error,
) -> DockerError {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => {
            DockerError::NoSuchContainer {
                name: container.to_string(),
            }
        }
        bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message,
        } => DockerError::NotRunning {
            name: container.to_string(),
            state: state_from_conflict(&message),
        },
        other => engine.error(action, other),
    }
}

/// Sends `signal` to the container's PID 1.
pub async fn send_signal(engine: &Engine, container: &str, signal: Signal) -> Result<(), DockerError> {
    let options = KillContainerOptions {
        signal: signal.name().to_string(),
    };
    engine
        .bollard()
        .kill_container(container, Some(options))
        .await
        .map_err(|e| {
            container_error(
                engine,
                container,
                &format!("send {} to container {container}", signal.name()),
                e,
            )
        })
}

/// Restarts the container, giving it `stop_timeout` to stop before it is killed. The request may take
/// that long plus the start, so the engine's timeout is extended for it.
pub async fn restart(engine: &Engine, container: &str, stop_timeout: Duration) -> Result<(), DockerError> {
    let seconds = i32::try_from(stop_timeout.as_secs()).unwrap_or(i32::MAX);
    let options = RestartContainerOptions {
        signal: None,
        t: Some(seconds),
    };
    let docker = engine.bollard().clone();
    let patience = docker.timeout() + stop_timeout;
    docker
        .with_timeout(patience)
        .restart_container(container, Some(options))
        .await
        .map_err(|e| container_error(engine, container, &format!("restart container {container}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts() {
        assert_eq!(
            state_from_conflict("Cannot kill container: abc: Container abc is not running"),
            "stopped"
        );
        assert_eq!(
            state_from_conflict("Container abc is paused, unpause the container before stopping"),
            "paused"
        );
        assert_eq!(
            state_from_conflict("Container abc is restarting, wait until the container is running"),
            "restarting"
        );
        let e = DockerError::NotRunning {
            name: "abc".into(),
            state: state_from_conflict("Container abc is not running"),
        };
        assert_eq!(e.to_string(), "container abc is stopped, not running: start it first (odoo-sizer looks at running containers only)");
    }

    #[test]
    fn signal_names() {
        let names: Vec<_> = [Signal::Hup, Signal::Ttin, Signal::Ttou, Signal::Term]
            .iter()
            .map(Signal::name)
            .collect();
        assert_eq!(names, vec!["SIGHUP", "SIGTTIN", "SIGTTOU", "SIGTERM"]);
    }
}
