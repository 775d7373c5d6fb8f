//! A small PostgreSQL client for `init --wait-db` and `--pg-max-connections auto`: is the server Odoo
//! will use up, and how many connections does it allow?
//!
//! Owns: the connection settings Odoo would use ([`settings`], pure).
//!
//! Must not: print a password.

pub mod settings;

pub use settings::{ConnSettings, Endpoint, Origin, Resolved, Secret, SettingsError};
