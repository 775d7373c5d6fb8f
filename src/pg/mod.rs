//! A small PostgreSQL client for `init --wait-db` and `--pg-max-connections auto`: is the server Odoo
//! will use up, and how many connections does it allow?
//!
//! Owns: the connection settings Odoo would use ([`settings`], pure), the wire protocol 3.0 messages
//! ([`protocol`], pure), password authentication — cleartext, MD5, SCRAM-SHA-256 ([`auth`], pure).
//!
//! Must not: speak SSL/GSSAPI, print a password, allocate without a bound because of what a server
//! sends.

pub mod auth;
pub mod protocol;
pub mod settings;

pub use protocol::ServerError;
pub use settings::{ConnSettings, Endpoint, Origin, Resolved, Secret, SettingsError};
