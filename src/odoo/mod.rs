//! Facts about Odoo as data: the supported versions ([`OdooVersion`]), the table of `[options]` keys
//! ([`options`]) and how Odoo casts and odoo-sizer renders their values ([`cast`]).
//!
//! Owns: everything version-specific about odoo.conf keys, so that plan, apply and lint agree. Must not:
//! read files, decide sizes, or know about the document's layout.

pub mod cast;
pub mod options;
pub mod version;

pub use cast::{Cast, CastError, Value};
pub use options::{is_secret, spec, status, Default, KeyStatus, Kind, OptionSpec};
pub use version::{OdooVersion, VersionError};
