//! A small PostgreSQL client for `init --wait-db` and `--pg-max-connections auto`: is the server Odoo
//! will use up, and how many connections does it allow?
//!
//! Owns: the connection settings Odoo would use ([`settings`], pure), the wire protocol 3.0 messages
//! ([`protocol`], pure), password authentication — cleartext, MD5, SCRAM-SHA-256 ([`auth`], pure), one
//! synchronous connection with a deadline over TCP or a Unix socket ([`client`]), and the readiness probe
//! with its bounded retry loop ([`ready`]).
//!
//! Must not: speak SSL/GSSAPI, run anything but the fixed read-only queries below, keep a connection open,
//! print a password, allocate without a bound or block past the caller's deadline because of what a server
//! sends.

pub mod auth;
pub mod client;
pub mod protocol;
pub mod ready;
pub mod settings;

use std::fmt;
use std::time::{Duration, Instant};

pub use client::Connection;
pub use protocol::ServerError;
pub use ready::{probe, wait_ready, Clock, Probe, Readiness, ReadyReport, SystemClock};
pub use settings::{ConnSettings, Endpoint, Origin, Resolved, Secret, SettingsError};

/// SQLSTATE `57P03` cannot_connect_now: starting up, shutting down, in recovery.
pub const CANNOT_CONNECT_NOW: &str = "57P03";
/// SQLSTATE `28P01` invalid_password.
pub const INVALID_PASSWORD: &str = "28P01";
/// SQLSTATE `28000` invalid_authorization_specification (also "no pg_hba.conf entry").
pub const INVALID_AUTHORIZATION: &str = "28000";
/// SQLSTATE `3D000` invalid_catalog_name (the database does not exist).
pub const INVALID_CATALOG_NAME: &str = "3D000";

/// How many connections the server allows, read with `SHOW` over a real session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgCapacity {
    /// `max_connections`.
    pub max_connections: u32,
    /// `superuser_reserved_connections`: slots only superusers may use.
    pub superuser_reserved: u32,
    /// `reserved_connections` (PostgreSQL 16+, for `pg_use_reserved_connections`); 0 before 16.
    pub reserved: u32,
    /// Client backends connected right now (`pg_stat_activity`), when it could be read.
    pub in_use: Option<u32>,
}

impl PgCapacity {
    /// Connections a role without superuser or `pg_use_reserved_connections` may open in total.
    pub fn ordinary_slots(&self) -> u32 {
        self.max_connections
            .saturating_sub(self.superuser_reserved)
            .saturating_sub(self.reserved)
    }
}

/// Everything talking to PostgreSQL can fail with. Messages name the server (`target`) and never contain
/// the password.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The host name did not resolve (yet: in Compose the name appears when the container starts).
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    /// Connection refused, no route, unreachable, socket file missing.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: std::io::Error,
    },
    /// The deadline passed while connecting or waiting for the server.
    #[error("{target} did not answer in time ({phase})")]
    Timeout { target: String, phase: &'static str },
    /// The connection broke after it was established.
    #[error("connection to {target} failed while {phase}: {source}")]
    Io {
        target: String,
        phase: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The peer does not speak the PostgreSQL protocol 3.0 as expected (or is hostile).
    #[error("{target} sent something that is not a valid PostgreSQL 3.0 reply ({detail}): is this really a PostgreSQL server?")]
    Protocol { target: String, detail: String },
    /// The server refused the password (28P01) or the role (28000).
    #[error(
        "PostgreSQL at {target} refused user \"{user}\": {error}. Odoo will fail with these credentials: check db_user/db_password (or USER/PASSWORD); --pg-max-connections N can be given instead of auto"
    )]
    AuthFailed {
        target: String,
        user: String,
        error: Box<ServerError>,
    },
    /// pg_hba.conf has no line for this user, host and database (SQLSTATE 28000).
    #[error("PostgreSQL at {target} has no pg_hba.conf entry for user \"{user}\" ({error}): {advice}")]
    NoHbaEntry {
        target: String,
        user: String,
        error: Box<ServerError>,
        advice: &'static str,
    },
    /// The server (or a pooler in front of it) demands SSL, which this tool does not speak.
    #[error("{target} requires SSL for user \"{user}\" ({error}); odoo-sizer does not speak SSL: give --pg-max-connections N instead of auto")]
    SslRequired {
        target: String,
        user: String,
        error: Box<ServerError>,
    },
    /// The server asked for a password but none is configured.
    #[error("PostgreSQL at {target} asks user \"{user}\" for a password, and none is configured: set db_password in odoo.conf (or PASSWORD, PASSWORD_FILE, PGPASSWORD)")]
    NoPassword { target: String, user: String },
    /// An authentication method this tool does not implement (GSSAPI, SSPI, Kerberos, SCRAM with channel
    /// binding only).
    #[error("PostgreSQL at {target} asks for {method} authentication, which odoo-sizer does not support: give --pg-max-connections N instead of auto")]
    UnsupportedAuth { target: String, method: String },
    /// The server's SCRAM exchange was invalid, or its signature did not prove it knows the password.
    #[error("SCRAM-SHA-256 authentication with {target} failed: {detail}")]
    Scram { target: String, detail: String },
    /// Any other ErrorResponse (database missing, too many clients, a failed query).
    #[error("PostgreSQL at {target} answered: {error}")]
    Server { target: String, error: Box<ServerError> },
    /// `SHOW` returned something that is not a count.
    #[error("unexpected answer from {target} to `{query}`: {detail}")]
    BadValue {
        target: String,
        query: String,
        detail: String,
    },
    /// `wait_ready` gave up.
    #[error(
        "PostgreSQL at {target} did not answer within {timeout} ({attempts} attempts in {waited}); last error: {last}. Check that the database server is running and reachable from here as {target} (db_host/db_port in odoo.conf, HOST/PORT in the environment), or wait longer with --wait-db=SECONDS"
    )]
    NotReady {
        target: String,
        /// The wait that was asked for.
        timeout: HumanDuration,
        /// The time actually spent.
        waited: HumanDuration,
        attempts: u32,
        #[source]
        last: Box<PgError>,
    },
}

impl PgError {
    /// The server's SQLSTATE, when the error is an ErrorResponse.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::AuthFailed { error, .. }
            | PgError::SslRequired { error, .. }
            | PgError::NoHbaEntry { error, .. }
            | PgError::Server { error, .. } => Some(error.code.as_str()),
            _ => None,
        }
    }
}

/// A duration written for people: `30s`, `1.5s`, `250ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms < 1000 {
            write!(f, "{ms}ms")
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{:.1}s", self.0.as_secs_f64())
        }
    }
}

/// Reads `max_connections`, `superuser_reserved_connections`, `reserved_connections` (16+) and the number
/// of client backends from the server, over one short session that is then closed.
///
/// When the database was not chosen explicitly (`PGDATABASE`) and `postgres` does not exist, `template1`
/// is tried, as PostgreSQL's own tools do.
pub fn max_connections(settings: &ConnSettings, timeout: Duration) -> Result<PgCapacity, PgError> {
    let deadline = ready::deadline_after(Instant::now(), timeout);
    let mut conn = match Connection::open(settings, &settings.database.value, deadline) {
        Err(e)
            if e.sqlstate() == Some(INVALID_CATALOG_NAME)
                && matches!(settings.database.origin, Origin::Default { .. }) =>
        {
            Connection::open(settings, "template1", deadline)?
        }
        other => other?,
    };
    let capacity = read_capacity(&mut conn);
    conn.terminate();
    capacity
}

fn read_capacity(conn: &mut Connection) -> Result<PgCapacity, PgError> {
    let max_connections = show_count(conn, "max_connections")?;
    let superuser_reserved = show_count(conn, "superuser_reserved_connections")?;
    // Unknown before PostgreSQL 16 (42704 undefined_object): nothing reserved then.
    let reserved = match show_count(conn, "reserved_connections") {
        Ok(n) => n,
        Err(e) if e.sqlstate() == Some("42704") => 0,
        Err(e) => return Err(e),
    };
    let in_use = match conn
        .query_single_value("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
    {
        Ok(Some(v)) => v.trim().parse::<u32>().ok(),
        Ok(None) => None,
        Err(e @ PgError::Server { .. }) => {
            log::debug!("cannot count the connections in use: {e}");
            None
        }
        Err(e) => return Err(e),
    };
    Ok(PgCapacity {
        max_connections,
        superuser_reserved,
        reserved,
        in_use,
    })
}

fn show_count(conn: &mut Connection, setting: &str) -> Result<u32, PgError> {
    let query = format!("SHOW {setting}");
    let value = conn.query_single_value(&query)?;
    let bad = |detail: String| PgError::BadValue {
        target: conn.target().to_string(),
        query: query.clone(),
        detail,
    };
    match value {
        Some(v) => v
            .trim()
            .parse::<u32>()
            .map_err(|_| bad(format!("{v:?} is not a count"))),
        None => Err(bad("no value".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(HumanDuration(Duration::from_millis(250)).to_string(), "250ms");
        assert_eq!(HumanDuration(Duration::from_secs(30)).to_string(), "30s");
        assert_eq!(HumanDuration(Duration::from_millis(1500)).to_string(), "1.5s");
    }

    #[test]
    fn ordinary_slots_subtract_reserved_and_never_underflow() {
        let c = PgCapacity {
            max_connections: 100,
            superuser_reserved: 3,
            reserved: 2,
            in_use: None,
        };
        assert_eq!(c.ordinary_slots(), 95);
        let tiny = PgCapacity {
            max_connections: 2,
            superuser_reserved: 3,
            reserved: 0,
            in_use: Some(1),
        };
        assert_eq!(tiny.ordinary_slots(), 0);
    }
}
