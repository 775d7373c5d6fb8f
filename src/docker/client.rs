//! The connection to the Docker engine, made like the docker CLI makes it: `DOCKER_HOST` (`unix://` or
//! `tcp://`), else `/var/run/docker.sock`; then the API version is negotiated down to what the engine
//! speaks. Also turns bollard's errors into [`DockerError`]s that say what to do.
//!
//! Owns: [`DockerHost`] parsing (pure), [`Engine`] (a connected, version-negotiated client plus the
//! engine's facts, fetched once), and error classification.
//! Must not: read the process environment except in [`ConnectOptions::from_env`], or pick targets.

use super::error::DockerError;
use super::target::EngineFacts;
use bollard::{ClientVersion, Docker, API_DEFAULT_VERSION};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The socket the docker CLI uses when `DOCKER_HOST` is unset.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The oldest API odoo-sizer can use: 1.25 (Docker 1.13) added `HostConfig.NanoCpus` (`--cpus`).
pub const MIN_API: (usize, usize) = (1, 25);

/// How long to wait for the engine's answer (response headers; an event stream stays open).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerHost {
    /// A unix socket path.
    Unix(String),
    /// `host:port`, plain HTTP.
    Tcp(String),
}

impl fmt::Display for DockerHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerHost::Unix(path) => write!(f, "unix://{path}"),
            DockerHost::Tcp(addr) => write!(f, "tcp://{addr}"),
        }
    }
}

/// Reads a `DOCKER_HOST` value as the docker CLI does: unset or empty → the default socket;
/// `unix:///path`; `tcp://host[:port]` (port 2375 by default; `http://` is accepted too). TLS
/// (`DOCKER_TLS_VERIFY`), `ssh://` and `npipe://` are refused with what to do instead.
pub fn parse_docker_host(value: Option<&str>, tls_verify: Option<&str>) -> Result<DockerHost, DockerError> {
    let raw = value.map(str::trim).unwrap_or("");
    let invalid = |reason: &str| DockerError::InvalidHost {
        value: raw.to_string(),
        reason: reason.to_string(),
    };
    if raw.is_empty() {
        return Ok(DockerHost::Unix(DEFAULT_SOCKET.to_string()));
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(invalid(
            "it has no scheme; write unix:///path/to/docker.sock or tcp://HOST:PORT",
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "unix" => {
            if !rest.starts_with('/') {
                return Err(invalid(
                    "a unix socket needs an absolute path: unix:///var/run/docker.sock",
                ));
            }
            Ok(DockerHost::Unix(rest.to_string()))
        }
        "tcp" | "http" => {
            if tls_verify.is_some_and(|v| !v.is_empty()) {
                return Err(invalid(
                    "DOCKER_TLS_VERIFY is set, but odoo-sizer speaks plain HTTP only. Unset it for a \
                     plain tcp:// engine, or mount the engine's unix socket and use unix://",
                ));
            }
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() {
                return Err(invalid("no host after tcp://"));
            }
            if authority.contains('/') {
                return Err(invalid(
                    "a path after the host is not supported: use tcp://HOST:PORT",
                ));
            }
            let has_port = match authority.rsplit_once(':') {
                // [::1]:2375 or host:2375; a bare IPv6 literal ends with ']'
                Some((_, port)) if !port.ends_with(']') => {
                    if port.parse::<u16>().is_err() {
                        return Err(invalid(&format!("'{port}' is not a port number")));
                    }
                    true
                }
                _ => false,
            };
            Ok(DockerHost::Tcp(if has_port {
                authority.to_string()
            } else {
                format!("{authority}:2375")
            }))
        }
        "https" => Err(invalid(
            "TLS is not supported: reach the engine through its unix socket or a plain tcp:// address",
        )),
        "ssh" => Err(invalid(
            "ssh:// is not supported: forward the socket (ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock \
             HOST) and set DOCKER_HOST=unix:///tmp/docker.sock",
        )),
        other => Err(invalid(&format!(
            "the scheme {other}:// is not supported: use unix:// or tcp://"
        ))),
    }
}

/// How to connect: the `DOCKER_HOST` and `DOCKER_TLS_VERIFY` values and the request timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    pub docker_host: Option<String>,
    pub tls_verify: Option<String>,
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            docker_host: None,
            tls_verify: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ConnectOptions {
    /// `DOCKER_HOST` and `DOCKER_TLS_VERIFY` from the environment, the default timeout.
    pub fn from_env() -> Self {
        ConnectOptions {
            docker_host: std::env::var("DOCKER_HOST").ok(),
            tls_verify: std::env::var("DOCKER_TLS_VERIFY").ok(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// A connected engine: the bollard client at the negotiated API version, and where it is.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    host: DockerHost,
    timeout_secs: u64,
    facts: Arc<OnceCell<EngineFacts>>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("host", &self.host.to_string())
            .field("api_version", &self.api_version())
            .finish()
    }
}

fn client(
    host: &DockerHost,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    match host {
        DockerHost::Unix(path) => Docker::connect_with_unix(path, timeout_secs, version),
        DockerHost::Tcp(addr) => Docker::connect_with_http(&format!("tcp://{addr}"), timeout_secs, version),
    }
}

/// `1.41` → (1, 41).
pub fn parse_api_version(text: &str) -> Option<(usize, usize)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The newest API an engine says it speaks when it refuses a client version as too new:
/// `client version 1.53 is too new. Maximum supported API version is 1.41` (Docker ≥ 1.13), or
/// `client is newer than server (client API version: 1.53, server API version: 1.24)` (older).
pub fn max_api_from_refusal(message: &str) -> Option<(usize, usize)> {
    for marker in ["Maximum supported API version is ", "server API version: "] {
        if let Some(at) = message.find(marker) {
            let rest = &message[at + marker.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            return parse_api_version(rest[..end].trim_end_matches('.'));
        }
    }
    None
}

fn version_text((major, minor): (usize, usize)) -> String {
    format!("{major}.{minor}")
}

impl Engine {
    /// Connects and negotiates the API version with bollard's `negotiate_version()` (`GET /version`),
    /// then refuses engines older than [`MIN_API`]. bollard 0.21 sends paths without the `/vX.Y`
    /// prefix, so the engine answers in its own API version; should a request be refused as too new
    /// ("client version 1.53 is too new. Maximum supported API version is 1.41", from a versioned
    /// proxy or a bollard that prefixes paths), the refusal names the engine's newest API, and the
    /// client is rebuilt at that version and negotiates again.
    pub async fn connect(options: &ConnectOptions) -> Result<Engine, DockerError> {
        let host = parse_docker_host(options.docker_host.as_deref(), options.tls_verify.as_deref())?;
        // bollard counts whole seconds; never 0 (that would time out at once)
        let timeout_secs = options.timeout.as_secs_f64().ceil().max(1.0) as u64;
        let mut engine = Engine {
            docker: client(&host, timeout_secs, API_DEFAULT_VERSION)
                .map_err(|e| classify(&host, timeout_secs, "connect", e))?,
            host,
            timeout_secs,
            facts: Arc::new(OnceCell::new()),
        };
        match engine.docker.clone().negotiate_version().await {
            Ok(docker) => engine.docker = docker,
            Err(e) => {
                let max = match &e {
                    bollard::errors::Error::DockerResponseServerError { message, .. } => {
                        max_api_from_refusal(message)
                    }
                    _ => None,
                };
                let Some(max) = max else {
                    return Err(engine.error("ask its version", e));
                };
                if max < MIN_API {
                    return Err(engine.too_old(max));
                }
                let version = ClientVersion {
                    major_version: max.0,
                    minor_version: max.1,
                };
                let docker =
                    client(&engine.host, timeout_secs, &version).map_err(|e| engine.error("connect", e))?;
                engine.docker = docker
                    .negotiate_version()
                    .await
                    .map_err(|e| engine.error("ask its version", e))?;
            }
        }
        let negotiated = engine.docker.client_version();
        let negotiated = (negotiated.major_version, negotiated.minor_version);
        if negotiated < MIN_API {
            return Err(engine.too_old(negotiated));
        }
        log::debug!(
            "connected to the Docker engine at {} (API {})",
            engine.host,
            engine.api_version()
        );
        Ok(engine)
    }

    fn too_old(&self, api: (usize, usize)) -> DockerError {
        DockerError::EngineTooOld {
            host: self.host.to_string(),
            api: version_text(api),
            min: version_text(MIN_API),
        }
    }

    /// Where the engine listens.
    pub fn host(&self) -> &DockerHost {
        &self.host
    }

    /// The API version in use (`1.41`).
    pub fn api_version(&self) -> String {
        let v = self.docker.client_version();
        format!("{}.{}", v.major_version, v.minor_version)
    }

    /// The bollard client, for requests this module does not wrap.
    pub fn bollard(&self) -> &Docker {
        &self.docker
    }

    /// The engine's CPU count, memory, cgroup version and swap support (`GET /info`, asked once).
    pub async fn facts(&self) -> Result<EngineFacts, DockerError> {
        self.facts
            .get_or_try_init(|| async {
                let info = self
                    .docker
                    .info()
                    .await
                    .map_err(|e| self.error("describe itself (GET /info)", e))?;
                Ok(EngineFacts::from_info(&info))
            })
            .await
            .cloned()
    }

    /// Turns a bollard error into a [`DockerError`] naming this engine and the action.
    pub fn error(&self, action: &str, err: bollard::errors::Error) -> DockerError {
        classify(&self.host, self.timeout_secs, action, err)
    }
}

/// The first `std::io::Error` in an error's chain (the connector's error, under hyper's).
fn io_error_in<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = e.source();
    }
    None
}

/// Every message of an error's chain, without repeats: `client error (Connect): Connection refused`.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Classifies a bollard error. 404s stay [`DockerError::Engine`]: only the caller knows whether a
/// container or a path is missing.
pub fn classify(
    host: &DockerHost,
    timeout_secs: u64,
    action: &str,
    err: bollard::errors::Error,
) -> DockerError {
    use bollard::errors::Error as B;
    let host_text = host.to_string();
    match err {
        B::SocketNotFoundError(path) => DockerError::NoSocket {
            host: host_text,
            socket: path,
        },
        B::RequestTimeoutError => DockerError::Timeout {
            host: host_text,
            action: action.to_string(),
            seconds: timeout_secs,
        },
        B::DockerResponseServerError { status_code, message } => DockerError::Engine {
            host: host_text,
            action: action.to_string(),
            status: status_code,
            message: message.trim().to_string(),
        },
        other => {
            // bollard's wrappers are `#[error(transparent)]`: start from the wrapped error itself
            let io_kind = match &other {
                B::IOError { err } => Some(err.kind()),
                B::HyperLegacyError { err } => io_error_in(err).map(std::io::Error::kind),
                B::HyperResponseError { err } => io_error_in(err).map(std::io::Error::kind),
                _ => io_error_in(&other).map(std::io::Error::kind),
            };
            match io_kind {
                Some(std::io::ErrorKind::PermissionDenied) => permission_denied(host),
                Some(std::io::ErrorKind::ConnectionRefused) => {
                    DockerError::ConnectionRefused { host: host_text }
                }
                Some(std::io::ErrorKind::NotFound) => match host {
                    DockerHost::Unix(path) => DockerError::NoSocket {
                        host: host_text,
                        socket: path.clone(),
                    },
                    DockerHost::Tcp(_) => DockerError::Transport {
                        host: host_text,
                        action: action.to_string(),
                        message: chain_text(&other),
                    },
                },
                Some(std::io::ErrorKind::TimedOut) => DockerError::Timeout {
                    host: host_text,
                    action: action.to_string(),
                    seconds: timeout_secs,
                },
                _ => DockerError::Transport {
                    host: host_text,
                    action: action.to_string(),
                    message: chain_text(&other),
                },
            }
        }
    }
}

/// Owner, group and mode of a socket file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketStat {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// The name of group `gid` in an `/etc/group` text.
pub fn group_name(etc_group: &str, gid: u32) -> Option<String> {
    etc_group.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let id: u32 = fields.next()?.trim().parse().ok()?;
        (id == gid && !name.is_empty()).then(|| name.to_string())
    })
}

/// This process's effective uid and supplementary groups, from a `/proc/self/status` text.
pub fn identity_from_status(status: &str) -> Option<(u32, Vec<u32>)> {
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(|rest| {
            rest.split_whitespace()
                .filter_map(|t| t.parse::<u32>().ok())
                .collect::<Vec<u32>>()
        })
    };
    let uid = *field("Uid:")?.get(1)?;
    let groups = field("Groups:").unwrap_or_default();
    Some((uid, groups))
}

/// Describes who may use the socket and what to do about it.
pub fn permission_advice(
    stat: Option<SocketStat>,
    group: Option<&str>,
    me: Option<(u32, &[u32])>,
) -> (String, String) {
    let Some(stat) = stat else {
        return (
            "owner unknown: the socket cannot be examined".to_string(),
            "run odoo-sizer as a user that can use the Docker socket (a member of its group, or root)"
                .to_string(),
        );
    };
    let group_text = match group {
        Some(name) => format!("group {name} (gid {})", stat.gid),
        None => format!("gid {} (no name for it in /etc/group here)", stat.gid),
    };
    let owner = format!(
        "owner uid {}, {group_text}, mode {:03o}",
        stat.uid,
        stat.mode & 0o777
    );
    let who = match me {
        Some((uid, _)) => format!("this user (uid {uid})"),
        None => "this user".to_string(),
    };
    let group_rw = stat.mode & 0o060 == 0o060;
    let advice = if !group_rw {
        format!(
            "the socket is not read-write for its group, so only uid {} (or root) can use it: run \
             odoo-sizer as that user, or make the socket group-writable",
            stat.uid
        )
    } else if me.is_some_and(|(_, groups)| groups.contains(&stat.gid)) {
        format!(
            "{who} is in {group_text} yet was refused: check the socket's mode and any security \
             policy (SELinux, AppArmor) confining odoo-sizer"
        )
    } else if let Some(name) = group {
        format!(
            "{who} is not in group {name} (gid {gid}). Add it (`sudo usermod -aG {name} $USER`, then log in \
             again), or run odoo-sizer as root; in a container with the socket mounted, add `--group-add {gid}`",
            gid = stat.gid
        )
    } else {
        // no name for the gid: most likely a container with the host's socket mounted
        format!(
            "{who} is not in gid {gid}, which has no name here (a container with the host's socket mounted?): \
             run it with `--group-add {gid}` (compose: `group_add: [\"{gid}\"]`), or as root",
            gid = stat.gid
        )
    };
    (owner, advice)
}

fn permission_denied(host: &DockerHost) -> DockerError {
    let socket = match host {
        DockerHost::Unix(path) => path.clone(),
        DockerHost::Tcp(addr) => {
            return DockerError::Transport {
                host: host.to_string(),
                action: "connect".to_string(),
                message: format!("permission denied connecting to {addr}"),
            }
        }
    };
    let stat = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&socket).ok().map(|m| SocketStat {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode(),
        })
    };
    let group = stat.and_then(|s| {
        std::fs::read_to_string("/etc/group")
            .ok()
            .and_then(|text| group_name(&text, s.gid))
    });
    let me = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| identity_from_status(&s));
    let (owner, advice) = permission_advice(
        stat,
        group.as_deref(),
        me.as_ref().map(|(uid, groups)| (*uid, groups.as_slice())),
    );
    DockerError::PermissionDenied {
        socket,
        owner,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_values() {
        let ok = |v: Option<&str>| parse_docker_host(v, None).unwrap();
        assert_eq!(ok(None), DockerHost::Unix("/var/run/docker.sock".into()));
        assert_eq!(ok(Some("")), DockerHost::Unix("/var/run/docker.sock".into()));
        assert_eq!(
            ok(Some("unix:///run/user/1000/docker.sock")),
            DockerHost::Unix("/run/user/1000/docker.sock".into())
        );
        assert_eq!(
            ok(Some("tcp://10.0.0.2:2376")),
            DockerHost::Tcp("10.0.0.2:2376".into())
        );
        assert_eq!(ok(Some("tcp://docker")), DockerHost::Tcp("docker:2375".into()));
        assert_eq!(ok(Some("tcp://docker/")), DockerHost::Tcp("docker:2375".into()));
        assert_eq!(
            ok(Some("http://[::1]:2375")),
            DockerHost::Tcp("[::1]:2375".into())
        );
        assert_eq!(ok(Some("tcp://[::1]")), DockerHost::Tcp("[::1]:2375".into()));
        assert_eq!(ok(Some("tcp://docker:2375")).to_string(), "tcp://docker:2375");
        assert_eq!(ok(None).to_string(), "unix:///var/run/docker.sock");
        for (bad, needle) in [
            ("/var/run/docker.sock", "no scheme"),
            ("unix://relative.sock", "absolute path"),
            ("tcp://", "no host"),
            ("tcp://h:port", "not a port"),
            ("tcp://h:2375/v1", "path after the host"),
            ("ssh://me@box", "forward the socket"),
            ("npipe:////./pipe/docker_engine", "npipe:// is not supported"),
            ("https://h:2376", "TLS is not supported"),
        ] {
            let err = parse_docker_host(Some(bad), None).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(needle) && text.contains(bad), "{bad}: {text}");
        }
        let err = parse_docker_host(Some("tcp://h:2376"), Some("1")).unwrap_err();
        assert!(err.to_string().contains("DOCKER_TLS_VERIFY"), "{err}");
        assert!(parse_docker_host(Some("tcp://h:2376"), Some("")).is_ok());
    }

    #[test]
    fn api_versions_from_refusals() {
        assert_eq!(
            max_api_from_refusal("client version 1.53 is too new. Maximum supported API version is 1.41"),
            Some((1, 41))
        );
        assert_eq!(
            max_api_from_refusal(
                "client is newer than server (client API version: 1.53, server API version: 1.24)"
            ),
            Some((1, 24))
        );
        assert_eq!(max_api_from_refusal("page not found"), None);
        assert_eq!(parse_api_version("1.41"), Some((1, 41)));
        assert_eq!(parse_api_version("x"), None);
        assert!((1, 24) < MIN_API && (1, 41) >= MIN_API && (2, 0) > MIN_API);
    }

    #[test]
    fn classification() {
        let host = DockerHost::Unix("/nope.sock".into());
        let e = classify(
            &host,
            5,
            "x",
            bollard::errors::Error::SocketNotFoundError("/nope.sock".into()),
        );
        assert!(matches!(e, DockerError::NoSocket { .. }));
        assert!(e.to_string().contains("Is the engine running?") && e.to_string().contains("DOCKER_HOST"));
        let e = classify(
            &host,
            5,
            "list containers",
            bollard::errors::Error::RequestTimeoutError,
        );
        assert_eq!(
            e,
            DockerError::Timeout {
                host: "unix:///nope.sock".into(),
                action: "list containers".into(),
                seconds: 5
            }
        );
        let io = |kind| bollard::errors::Error::IOError {
            err: std::io::Error::new(kind, "boom"),
        };
        assert!(matches!(
            classify(&host, 5, "x", io(std::io::ErrorKind::ConnectionRefused)),
            DockerError::ConnectionRefused { .. }
        ));
        assert!(matches!(
            classify(&host, 5, "x", io(std::io::ErrorKind::PermissionDenied)),
            DockerError::PermissionDenied { .. }
        ));
        let e = classify(&host, 5, "inspect c", io(std::io::ErrorKind::BrokenPipe));
        assert!(
            matches!(e, DockerError::Transport { .. }) && e.is_connection(),
            "{e:?}"
        );
        let e = classify(
            &host,
            5,
            "inspect c",
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                message: "No such container: c\n".into(),
            },
        );
        assert_eq!(
            e.to_string(),
            "the Docker engine at unix:///nope.sock refused to inspect c: No such container: c (HTTP 404)"
        );
        assert!(!e.is_connection());
    }

    #[test]
    fn permission_messages_name_the_group() {
        let etc_group = "root:x:0:\ndocker:x:998:alice\nbroken\n:x:5:\n";
        assert_eq!(group_name(etc_group, 998).as_deref(), Some("docker"));
        assert_eq!(group_name(etc_group, 5), None);
        assert_eq!(group_name(etc_group, 7), None);
        let status =
            "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 27 \n";
        assert_eq!(identity_from_status(status), Some((1000, vec![4, 24, 27])));
        assert_eq!(identity_from_status("Name: x"), None);

        let stat = SocketStat {
            uid: 0,
            gid: 998,
            mode: 0o140660,
        };
        let (owner, advice) = permission_advice(Some(stat), Some("docker"), Some((1000, &[4, 27])));
        assert_eq!(owner, "owner uid 0, group docker (gid 998), mode 660");
        assert!(
            advice.contains("this user (uid 1000) is not in group docker (gid 998)"),
            "{advice}"
        );
        assert!(
            advice.contains("usermod -aG docker") && advice.contains("--group-add 998"),
            "{advice}"
        );

        let (owner, advice) = permission_advice(Some(stat), None, None);
        assert!(owner.contains("gid 998 (no name"), "{owner}");
        assert_eq!(
            advice,
            "this user is not in gid 998, which has no name here (a container with the host's socket mounted?): \
             run it with `--group-add 998` (compose: `group_add: [\"998\"]`), or as root"
        );

        let (_, advice) = permission_advice(Some(stat), Some("docker"), Some((1000, &[998])));
        assert!(advice.contains("is in group docker"), "{advice}");

        let private = SocketStat {
            uid: 0,
            gid: 0,
            mode: 0o140600,
        };
        let (_, advice) = permission_advice(Some(private), Some("root"), Some((1000, &[])));
        assert!(advice.contains("not read-write for its group"), "{advice}");

        let (owner, _) = permission_advice(None, None, None);
        assert!(owner.contains("unknown"));
    }
}
