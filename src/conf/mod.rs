//! The odoo.conf document: a lossless, format-preserving model of the file with exactly the semantics of
//! CPython 3.11's `configparser.RawConfigParser()` (what Odoo 14–19 reads it with), the edits `apply` needs,
//! and secret masking.
//!
//! Owns: parsing bytes into a [`Document`] (total: it never fails, problems become [`Issue`]s), rendering it
//! back byte for byte, the placement rules of `apply` ([`Document::set`], [`Document::set_many`],
//! [`Document::move_inline_comment`]) and masking ([`is_secret_key`], [`Document::masked`]).
//! Must not: read or write files, know Odoo's option table or types, or decide policy (whether a problem
//! is an error or a warning is for `lint`/`apply`).
//!
//! ```
//! use odoo_sizer::conf::Document;
//!
//! let mut doc = Document::parse(b"[options]\r\naddons_path = /mnt/extra-addons\r\n; workers = 0\r\n");
//! assert!(doc.is_loadable()); // what `RawConfigParser().read()` would say
//! let changes = doc.set_many("options", [("workers", "5"), ("max_cron_threads", "1")])?;
//! assert_eq!(
//!     doc.as_str(),
//!     Some("[options]\r\naddons_path = /mnt/extra-addons\r\nmax_cron_threads = 1\r\nworkers = 5\r\n")
//! );
//! assert_eq!(changes[0].to_string(), "line 3: [options] max_cron_threads = 1 (added)");
//! assert_eq!(doc.values("options").and_then(|v| v.get("workers").map(String::from)), Some("5".into()));
//! # Ok::<(), odoo_sizer::conf::EditError>(())
//! ```

// Input-dependent code paths must not be able to panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable
    )
)]

mod breaks;
mod document;
mod edit;
mod issue;
pub mod pychar;
mod secret;

pub use document::{
    Document, EntryRef, InlineComment, LineEnding, LineKind, LineRef, Values, DEFAULT_SECTION,
    MAX_DOCUMENT_BYTES,
};
pub use edit::{Change, ChangeKind, EditError};
pub use issue::{Issue, IssueKind, PyErrorClass, PythonError};
pub use secret::{is_secret_key, mask_value, MASK};
