//! One synchronous PostgreSQL session over TCP or a Unix socket, bounded by a deadline.
//!
//! Owns: name resolution (in a helper thread, so a slow resolver cannot outlive the deadline), the
//! connection, the startup and authentication exchange, simple queries and Terminate. Must not: retry
//! (that is [`super::ready`]), block past the deadline, read more than [`MAX_SESSION_BYTES`] or keep more
//! than [`MAX_ROWS`] rows, whatever the peer sends.

use super::auth::{self, ScramClient, ScramVerifier};
use super::protocol::{self, Auth, Backend, ServerError, MAX_BODY_LEN};
use super::settings::{ConnSettings, Endpoint};
use super::{PgError, CANNOT_CONNECT_NOW, INVALID_AUTHORIZATION, INVALID_PASSWORD};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Bytes read over one session at most: a server streaming notices forever is cut off.
pub const MAX_SESSION_BYTES: usize = 8 << 20;
/// Rows kept from one query.
pub const MAX_ROWS: usize = 64;
/// Messages read during one exchange (startup or one query) at most.
const MAX_MESSAGES: usize = 10_000;

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn set_read_timeout(&self, t: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(Some(t)),
            Stream::Unix(s) => s.set_read_timeout(Some(t)),
        }
    }

    fn set_write_timeout(&self, t: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(Some(t)),
            Stream::Unix(s) => s.set_write_timeout(Some(t)),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
        }
    }
}

/// An authenticated session, ready for queries.
pub struct Connection {
    stream: Stream,
    target: String,
    deadline: Instant,
    bytes_read: usize,
    /// True once the server replied to the startup message with an authentication request, an error or
    /// ReadyForQuery: it is up, whatever happens next.
    answered: bool,
    server_version: Option<String>,
}

/// How far a failed [`Connection::open`] got: whether the server had answered.
#[derive(Debug)]
pub struct OpenFailure {
    pub error: PgError,
    /// The server replied to the startup message (an authentication request, an error or
    /// ReadyForQuery) before the failure.
    pub server_answered: bool,
}

impl From<OpenFailure> for PgError {
    fn from(f: OpenFailure) -> PgError {
        f.error
    }
}

impl Connection {
    /// Connects, sends the startup message for `database` and authenticates as `settings.user`.
    pub fn open(settings: &ConnSettings, database: &str, deadline: Instant) -> Result<Connection, PgError> {
        Connection::open_detailed(settings, database, deadline).map_err(PgError::from)
    }

    /// Like [`Connection::open`], also telling whether the server answered before the failure.
    pub fn open_detailed(
        settings: &ConnSettings,
        database: &str,
        deadline: Instant,
    ) -> Result<Connection, OpenFailure> {
        let not_answered = |error| OpenFailure {
            error,
            server_answered: false,
        };
        let endpoint = settings.endpoint();
        let target = endpoint.to_string();
        let stream = connect(&endpoint, &target, deadline).map_err(not_answered)?;
        let mut conn = Connection {
            stream,
            target,
            deadline,
            bytes_read: 0,
            answered: false,
            server_version: None,
        };
        match conn.startup(settings, database) {
            Ok(()) => Ok(conn),
            Err(error) => {
                let server_answered = conn.answered;
                conn.terminate();
                Err(OpenFailure {
                    error,
                    server_answered,
                })
            }
        }
    }

    /// `host:port` or the socket path, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The `server_version` the server reported at startup.
    pub fn server_version(&self) -> Option<&str> {
        self.server_version.as_deref()
    }

    fn remaining(&self, phase: &'static str) -> Result<Duration, PgError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(PgError::Timeout {
                target: self.target.clone(),
                phase,
            })
        } else {
            Ok(left)
        }
    }

    fn io_error(&self, phase: &'static str, e: io::Error) -> PgError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => PgError::Timeout {
                target: self.target.clone(),
                phase,
            },
            _ => PgError::Io {
                target: self.target.clone(),
                phase,
                source: e,
            },
        }
    }

    fn send(&mut self, bytes: &[u8], phase: &'static str) -> Result<(), PgError> {
        let left = self.remaining(phase)?;
        self.stream
            .set_write_timeout(left)
            .and_then(|()| self.stream.write_all(bytes))
            .and_then(|()| self.stream.flush())
            .map_err(|e| self.io_error(phase, e))
    }

    /// Fills `buf` completely, each read bounded by what is left of the deadline.
    fn read_exact(&mut self, buf: &mut [u8], phase: &'static str) -> Result<(), PgError> {
        if self.bytes_read.saturating_add(buf.len()) > MAX_SESSION_BYTES {
            return Err(self.protocol_error(format!("more than {MAX_SESSION_BYTES} bytes in one session")));
        }
        let mut filled = 0;
        while filled < buf.len() {
            let left = self.remaining(phase)?;
            self.stream
                .set_read_timeout(left)
                .map_err(|e| self.io_error(phase, e))?;
            match self.stream.read(&mut buf[filled..]) {
                Ok(0) => {
                    return Err(self.io_error(
                        phase,
                        io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"),
                    ))
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(phase, e)),
            }
        }
        self.bytes_read += buf.len();
        Ok(())
    }

    fn protocol_error(&self, detail: String) -> PgError {
        PgError::Protocol {
            target: self.target.clone(),
            detail,
        }
    }

    /// Reads and decodes one backend message.
    fn receive(&mut self, phase: &'static str) -> Result<Backend, PgError> {
        let mut head = [0u8; 5];
        self.read_exact(&mut head, phase)?;
        let (tag, len) = protocol::header(head, MAX_BODY_LEN).map_err(|e| self.protocol_error(e.0))?;
        let mut body = vec![0u8; len];
        self.read_exact(&mut body, phase)?;
        let msg = protocol::decode(tag, &body).map_err(|e| self.protocol_error(e.0))?;
        // Only a real reply to the startup message counts (not notices a garbage peer could repeat).
        if matches!(
            msg,
            Backend::Authentication(_) | Backend::Error(_) | Backend::ReadyForQuery(_)
        ) {
            self.answered = true;
        }
        Ok(msg)
    }

    fn server_error(&self, error: ServerError, user: &str) -> PgError {
        let error = Box::new(error);
        let target = self.target.clone();
        let user = user.to_string();
        if error.code == INVALID_PASSWORD {
            return PgError::AuthFailed { target, user, error };
        }
        if error.code == INVALID_AUTHORIZATION && error.message.contains("pg_hba.conf") {
            // Over TCP the message ends with ", no encryption" (", SSL off" before PostgreSQL 14): a
            // hostssl line may exist that only an SSL connection would match.
            let advice = if error.message.contains("no encryption") || error.message.contains("SSL off") {
                "if the server only accepts SSL connections (hostssl), Odoo may still connect but odoo-sizer, \
                 which does not speak SSL, cannot check it: give --pg-max-connections N instead of auto; \
                 otherwise allow this host and user in pg_hba.conf"
            } else {
                "Odoo will be refused too: allow this host and user in pg_hba.conf"
            };
            return PgError::NoHbaEntry {
                target,
                user,
                error,
                advice,
            };
        }
        if error.code == INVALID_AUTHORIZATION {
            return PgError::AuthFailed { target, user, error };
        }
        if error.code == "08P01" && error.message.to_ascii_lowercase().contains("ssl") {
            // Connection poolers (PgBouncer) that demand TLS say "SSL required".
            return PgError::SslRequired { target, user, error };
        }
        PgError::Server { target, error }
    }

    fn startup(&mut self, settings: &ConnSettings, database: &str) -> Result<(), PgError> {
        const PHASE: &str = "starting the session";
        let user = settings.user.value.as_str();
        let password = settings.password.value.expose();
        let msg = protocol::startup(&[
            ("user", user),
            ("database", database),
            ("application_name", "odoo-sizer"),
        ]);
        self.send(&msg, PHASE)?;
        let mut scram: Option<ScramClient> = None;
        let mut verifier: Option<ScramVerifier> = None;
        let mut scram_verified = false;
        let mut authenticated = false;
        for _ in 0..MAX_MESSAGES {
            match self.receive(PHASE)? {
                Backend::Authentication(auth) => {
                    if authenticated {
                        return Err(
                            self.protocol_error("authentication request after AuthenticationOk".into())
                        );
                    }
                    match auth {
                        Auth::Ok => {
                            if scram.is_some() && !scram_verified {
                                return Err(self.scram_error(
                                    "the server accepted the session without proving it knows the password",
                                ));
                            }
                            authenticated = true;
                        }
                        Auth::CleartextPassword => {
                            self.require_password(password, user)?;
                            self.send(&protocol::password(password), PHASE)?;
                        }
                        Auth::Md5Password { salt } => {
                            self.require_password(password, user)?;
                            let hashed = auth::md5_password(user, password, salt);
                            self.send(&protocol::password(&hashed), PHASE)?;
                        }
                        Auth::Sasl { mechanisms } => {
                            if scram.is_some() {
                                return Err(self.scram_error("the server restarted the SASL exchange"));
                            }
                            if !mechanisms.iter().any(|m| m == auth::SCRAM_SHA_256) {
                                return Err(PgError::UnsupportedAuth {
                                    target: self.target.clone(),
                                    method: format!("SASL ({})", mechanisms.join(", ")),
                                });
                            }
                            self.require_password(password, user)?;
                            let nonce = auth::new_nonce()
                                .map_err(|e| self.scram_error(&format!("no random nonce: {e}")))?;
                            let client = ScramClient::new("", password, &nonce);
                            let first = client.client_first();
                            self.send(
                                &protocol::sasl_initial_response(auth::SCRAM_SHA_256, first.as_bytes()),
                                PHASE,
                            )?;
                            scram = Some(client);
                        }
                        Auth::SaslContinue(data) => {
                            let Some(client) = &scram else {
                                return Err(self.protocol_error("SASLContinue without SASL".into()));
                            };
                            if verifier.is_some() {
                                return Err(self.scram_error("a second server-first message"));
                            }
                            let (last, check) =
                                client.client_final(&data).map_err(|e| self.scram_error(&e))?;
                            self.send(&protocol::sasl_response(last.as_bytes()), PHASE)?;
                            verifier = Some(check);
                        }
                        Auth::SaslFinal(data) => {
                            let Some(check) = &verifier else {
                                return Err(self.protocol_error("SASLFinal before SASLContinue".into()));
                            };
                            check.verify(&data).map_err(|e| self.scram_error(&e))?;
                            scram_verified = true;
                        }
                        Auth::Other(code) => {
                            return Err(PgError::UnsupportedAuth {
                                target: self.target.clone(),
                                method: Auth::method_name(code),
                            })
                        }
                    }
                }
                Backend::Error(error) => return Err(self.server_error(error, user)),
                Backend::ParameterStatus { name, value } => {
                    if name == "server_version" {
                        self.server_version = Some(value);
                    }
                }
                Backend::ReadyForQuery(_) if authenticated => return Ok(()),
                Backend::Notice(_) | Backend::BackendKeyData | Backend::NegotiateProtocolVersion => {}
                other => {
                    return Err(self.protocol_error(format!("unexpected {other:?} during startup")));
                }
            }
        }
        Err(self.protocol_error(format!("more than {MAX_MESSAGES} messages during startup")))
    }

    fn require_password(&self, password: &str, user: &str) -> Result<(), PgError> {
        if password.is_empty() {
            return Err(PgError::NoPassword {
                target: self.target.clone(),
                user: user.to_string(),
            });
        }
        Ok(())
    }

    fn scram_error(&self, detail: &str) -> PgError {
        PgError::Scram {
            target: self.target.clone(),
            detail: detail.to_string(),
        }
    }

    /// Runs a simple query and returns its rows (at most [`MAX_ROWS`]) as text; NULL is `None`.
    pub fn simple_query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, PgError> {
        const PHASE: &str = "running a query";
        self.send(&protocol::query(sql), PHASE)?;
        let mut rows = Vec::new();
        let mut failure = None;
        for _ in 0..MAX_MESSAGES {
            match self.receive(PHASE)? {
                Backend::DataRow(values) => {
                    if rows.len() < MAX_ROWS {
                        rows.push(
                            values
                                .into_iter()
                                .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
                                .collect(),
                        );
                    }
                }
                Backend::Error(error) => {
                    failure = Some(PgError::Server {
                        target: self.target.clone(),
                        error: Box::new(error),
                    })
                }
                Backend::ReadyForQuery(_) => {
                    return match failure {
                        Some(e) => Err(e),
                        None => Ok(rows),
                    }
                }
                Backend::RowDescription { .. }
                | Backend::CommandComplete(_)
                | Backend::EmptyQueryResponse
                | Backend::Notice(_)
                | Backend::ParameterStatus { .. } => {}
                other => return Err(self.protocol_error(format!("unexpected {other:?} after a query"))),
            }
        }
        Err(self.protocol_error(format!("more than {MAX_MESSAGES} messages after a query")))
    }

    /// The first column of the first row, if any.
    pub fn query_single_value(&mut self, sql: &str) -> Result<Option<String>, PgError> {
        let rows = self.simple_query(sql)?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .flatten())
    }

    /// Sends Terminate, best effort, and closes the connection.
    pub fn terminate(mut self) {
        let _ = self.send(&protocol::terminate(), "closing the session");
    }
}

/// Resolves and connects, each step bounded by the deadline.
fn connect(endpoint: &Endpoint, target: &str, deadline: Instant) -> Result<Stream, PgError> {
    let timeout = |phase| PgError::Timeout {
        target: target.to_string(),
        phase,
    };
    let left = |phase| {
        let d = deadline.saturating_duration_since(Instant::now());
        if d.is_zero() {
            Err(timeout(phase))
        } else {
            Ok(d)
        }
    };
    match endpoint {
        Endpoint::Unix { path } => {
            left("connecting")?;
            let s = UnixStream::connect(path).map_err(|source| PgError::Connect {
                target: target.to_string(),
                source,
            })?;
            Ok(Stream::Unix(s))
        }
        Endpoint::Tcp { host, port } => {
            let addrs = resolve(host, *port, left("resolving the host name")?)?;
            let mut last = None;
            for addr in addrs {
                let d = left("connecting")?;
                match TcpStream::connect_timeout(&addr, d) {
                    Ok(s) => {
                        let _ = s.set_nodelay(true);
                        return Ok(Stream::Tcp(s));
                    }
                    Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                        last = Some(timeout("connecting"));
                    }
                    Err(source) => {
                        last = Some(PgError::Connect {
                            target: target.to_string(),
                            source,
                        })
                    }
                }
            }
            Err(last.unwrap_or_else(|| PgError::Resolve {
                host: host.clone(),
                reason: "no address".to_string(),
            }))
        }
    }
}

/// Resolves `host` with the system resolver in a helper thread, giving up at `timeout` (the thread then
/// ends on its own when the resolver returns).
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, PgError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    let spawned = std::thread::Builder::new()
        .name("pg-resolve".to_string())
        .spawn(move || {
            let r = (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>());
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Err(PgError::Resolve {
            host: host.to_string(),
            reason: format!("cannot start the resolver thread: {e}"),
        });
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(PgError::Resolve {
            host: host.to_string(),
            reason: "no address".to_string(),
        }),
        Ok(Err(e)) => Err(PgError::Resolve {
            host: host.to_string(),
            reason: e.to_string(),
        }),
        Err(_) => Err(PgError::Resolve {
            host: host.to_string(),
            reason: format!("the resolver did not answer within {timeout:?}"),
        }),
    }
}

/// True for the "starting up / shutting down / in recovery" error.
pub fn is_cannot_connect_now(e: &PgError) -> bool {
    e.sqlstate() == Some(CANNOT_CONNECT_NOW)
}
