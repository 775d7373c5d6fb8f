//! The errors of the Docker edge. Each message names the engine (socket or address) or the container
//! and path involved, and says what to do next. All of them map to exit code 6; a command working on
//! several targets reports each failure and exits with 7 when others succeeded.
//!
//! Must not: talk to the engine. (Translating bollard's errors into these is [`super::client`]'s job.)

/// Everything the Docker edge can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerError {
    /// `DOCKER_HOST` is malformed or uses a transport odoo-sizer does not speak.
    #[error("DOCKER_HOST={value} cannot be used: {reason}")]
    InvalidHost { value: String, reason: String },

    /// The unix socket does not exist.
    #[error(
        "cannot connect to the Docker engine at {host}: {socket} does not exist. Is the engine running? \
         If it listens elsewhere, set DOCKER_HOST (unix:///path/to/docker.sock or tcp://HOST:2375)"
    )]
    NoSocket { host: String, socket: String },

    /// Nothing accepts connections at the address (a stale socket file, a stopped engine, a wrong port).
    #[error(
        "cannot connect to the Docker engine at {host}: connection refused. Is the engine running and \
         listening there? Set DOCKER_HOST to its address (unix:///path/to/docker.sock or tcp://HOST:2375)"
    )]
    ConnectionRefused { host: String },

    /// The socket exists but this user may not open it.
    #[error("permission denied on the Docker socket {socket} ({owner}): {advice}")]
    PermissionDenied {
        socket: String,
        /// `owner root, group docker (gid 998), mode 660`
        owner: String,
        advice: String,
    },

    /// No answer (response headers) within the timeout.
    #[error(
        "the Docker engine at {host} did not answer within {seconds} s while trying to {action}. \
         Is it overloaded or stuck? Check `docker info`; retry, or allow more time"
    )]
    Timeout {
        host: String,
        action: String,
        seconds: u64,
    },

    /// The engine's newest API is older than what odoo-sizer needs.
    #[error(
        "the Docker engine at {host} speaks API {api} at most; odoo-sizer needs API {min} or newer \
         (Docker 1.13 or later): upgrade the engine"
    )]
    EngineTooOld { host: String, api: String, min: String },

    /// The engine answered a request with an error.
    #[error("the Docker engine at {host} refused to {action}: {message} (HTTP {status})")]
    Engine {
        host: String,
        action: String,
        status: u16,
        message: String,
    },

    /// The connection broke or the answer could not be read.
    #[error(
        "talking to the Docker engine at {host} failed while trying to {action}: {message}. Is the engine \
         still running? Check `docker info` and retry"
    )]
    Transport {
        host: String,
        action: String,
        message: String,
    },

    /// The event stream ended or broke: the caller reconnects (`watch`).
    #[error("the event stream of the Docker engine at {host} ended: {reason}. Reconnect to go on watching")]
    EventsDisconnected { host: String, reason: String },

    /// A name or ID that matches no container.
    #[error("no such container: {name}. List the containers with `docker ps -a`")]
    NoSuchContainer { name: String },

    /// The container exists but does not run.
    #[error(
        "container {name} is {state}, not running: start it first (odoo-sizer looks at running \
         containers only)"
    )]
    NotRunning { name: String, state: String },

    /// The container was named explicitly but nothing says it runs Odoo.
    #[error("container {name} does not look like Odoo: {why}")]
    NotOdoo { name: String, why: String },

    /// Names together with `--all`/`--filter`, or nothing selected at all.
    #[error("cannot select containers: {reason}")]
    BadSelection { reason: String },

    /// A `--filter` that is not `KEY=VALUE`.
    #[error("--filter {filter}: {reason} (expected KEY=VALUE as in `docker ps --filter`, e.g. label=odoo-sizer.enable=true)")]
    BadFilter { filter: String, reason: String },

    /// A path that is not an absolute file path in the container.
    #[error(
        "{container}: {path} is not an absolute file path in the container; give Odoo an absolute config \
         path there (-c /etc/odoo/odoo.conf, or ODOO_RC)"
    )]
    NotAbsolute { container: String, path: String },

    /// The path does not exist in the container.
    #[error(
        "{container}: {path} does not exist in the container; check the config path (the container's \
         -c/--config or ODOO_RC)"
    )]
    NoSuchPath { container: String, path: String },

    /// The path is a directory.
    #[error("{container}: {path} is a directory, not a config file; give the path of the file itself")]
    IsDirectory { container: String, path: String },

    /// The path is a device, fifo, socket or hard link.
    #[error("{container}: {path} is a {kind}, not a regular file; point the config path at the file itself")]
    NotRegularFile {
        container: String,
        path: String,
        kind: String,
    },

    /// The file is above the size limit; reading stopped there.
    #[error(
        "{container}: {path} is larger than {limit} bytes{size}; an odoo.conf is never that big, so it \
         was not read. Check the config path"
    )]
    FileTooLarge {
        container: String,
        path: String,
        limit: u64,
        /// ` (12345678 bytes)` when the size is known, else empty.
        size: String,
    },

    /// Symbolic links lead nowhere after too many hops, or in a loop.
    #[error(
        "{container}: {path}: more than {hops} symbolic links to follow (a loop?); fix the links, or point \
         the config path at the real file"
    )]
    SymlinkLoop {
        container: String,
        path: String,
        hops: usize,
    },

    /// The archive from the engine is not a tar holding exactly one file.
    #[error(
        "{container}: the archive the engine sent for {path} cannot be used: {reason}. Retry; if it \
         persists, look at what `docker cp {container}:{path} -` sends"
    )]
    BadArchive {
        container: String,
        path: String,
        reason: String,
    },

    /// The engine refused to write the file.
    #[error("{container}: cannot write {path}: {reason}")]
    WriteRefused {
        container: String,
        path: String,
        reason: String,
    },
}

impl DockerError {
    /// True when the engine itself could not be reached or used: every other target will fail the same
    /// way, and `watch` should reconnect.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            DockerError::InvalidHost { .. }
                | DockerError::NoSocket { .. }
                | DockerError::ConnectionRefused { .. }
                | DockerError::PermissionDenied { .. }
                | DockerError::Timeout { .. }
                | DockerError::EngineTooOld { .. }
                | DockerError::Transport { .. }
                | DockerError::EventsDisconnected { .. }
        )
    }
}
