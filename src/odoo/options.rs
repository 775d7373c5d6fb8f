//! The table of Odoo's `[options]` keys: type, default per version, first/last version, renames,
//! secrets. Plan, apply and lint all ask this table, so they never disagree about which key exists where.
//!
//! Sources, read in Odoo's `odoo/tools/config.py` (and its `base/tests/test_configmanager.py`) of each
//! series: 12.0, 13.0, 14.0, 16.0, 17.0 (optparse `configmanager`), 18.0 (the test's list of defaults),
//! 19.0 (the rewritten `configmanager` with `FileOnlyOption` and `env_name`). 15.0 was not read
//! separately: keys that appear between 14.0 and 16.0 say so in their doc. Keys the file cannot set in a
//! version (`file_loadable=False` in 19.0, or not copied from the file up to 18.0) end the version before.

use super::cast::{self, Cast, CastError};
use super::version::OdooVersion;

const V12: OdooVersion = OdooVersion::V12;
const V13: OdooVersion = OdooVersion::V13;
const V14: OdooVersion = OdooVersion::V14;
const V15: OdooVersion = OdooVersion::V15;
const V16: OdooVersion = OdooVersion::V16;
const V17: OdooVersion = OdooVersion::V17;
const V18: OdooVersion = OdooVersion::V18;
const V19: OdooVersion = OdooVersion::V19;

const MIB: i64 = 1024 * 1024;

/// How Odoo casts a value (see [`super::cast`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Int,
    Float,
    /// `store_true`/`store_false` options: never cast up to 18.0 (any non-empty string is truthy), strict
    /// booleans in 19.0.
    Flag,
    Str,
    /// optparse `choice`: the value must be one of these, exactly.
    Choice(&'static [&'static str]),
}

/// An option's default in one range of versions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(&'static str),
    /// `False`/`None`: unset. For `*_gevent` options it means "use the non-gevent option's value".
    Unset,
    /// Computed at start (e.g. from $HOME or the installation path); the text says how.
    Computed(&'static str),
}

/// From `since`, the option is called `to` (the old name may still work for a while: see
/// [`OptionSpec::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rename {
    pub to: &'static str,
    pub since: OdooVersion,
}

/// One key of the `[options]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec {
    pub key: &'static str,
    pub kind: Kind,
    /// First version in which the file key has an effect.
    pub since: OdooVersion,
    /// Last version in which the file key is read (as an option or a deprecated alias); `None` = still read.
    pub until: Option<OdooVersion>,
    /// `(from version, default)`, oldest first; the first entry's version is `since`.
    pub defaults: &'static [(OdooVersion, Default)],
    pub renamed_to: Option<Rename>,
    pub renamed_from: &'static [&'static str],
    /// Versions that declare the key but do not read it from the file.
    pub ignored_in: &'static [OdooVersion],
    /// Never printed in clear (diffs, JSON, logs, errors).
    pub secret: bool,
    /// 19.0's environment variable when it is not `ODOO_<KEY>` (e.g. `PGHOST` for `db_host`).
    pub env_override: Option<&'static str>,
    /// What it does, with the source of any version-specific fact.
    pub doc: &'static str,
}

const BASE: OptionSpec = OptionSpec {
    key: "",
    kind: Kind::Str,
    since: V12,
    until: None,
    defaults: &[],
    renamed_to: None,
    renamed_from: &[],
    ignored_in: &[],
    secret: false,
    env_override: None,
    doc: "",
};

/// Log levels accepted by `--log-level` (14.0–18.0 list; 12.0/13.0 lack `runbot`).
const LOG_LEVELS: &[&str] = &[
    "info",
    "debug_rpc",
    "warn",
    "test",
    "critical",
    "runbot",
    "debug_sql",
    "error",
    "debug",
    "debug_rpc_answer",
    "notset",
];

const SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// Every option odoo-sizer knows, grouped as in `odoo/tools/config.py`.
#[rustfmt::skip]
pub const OPTIONS: &[OptionSpec] = &[
    // --- file-only options ---
    OptionSpec { key: "admin_passwd", defaults: &[(V12, Default::Str("admin"))], secret: true, doc: "master password of the database manager (file only); Odoo rewrites the file when it is changed from the manager", ..BASE },
    OptionSpec { key: "csv_internal_sep", defaults: &[(V12, Default::Str(","))], doc: "separator of CSV exports' multi-valued cells (file only)", ..BASE },
    OptionSpec { key: "publisher_warranty_url", defaults: &[(V12, Default::Str("http://services.odoo.com/publisher-warranty/"))], doc: "publisher warranty endpoint (file only)", ..BASE },
    OptionSpec { key: "reportgz", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "gzip reports (file only)", ..BASE },
    OptionSpec { key: "websocket_keep_alive_timeout", kind: Kind::Int, since: V16, defaults: &[(V16, Default::Int(3600))], doc: "seconds a websocket stays open without traffic (file only; 16.0+, with the bus rewrite)", ..BASE },
    OptionSpec { key: "websocket_rate_limit_burst", kind: Kind::Int, since: V16, defaults: &[(V16, Default::Int(10))], doc: "websocket messages allowed in a burst (file only; 16.0+)", ..BASE },
    OptionSpec { key: "websocket_rate_limit_delay", kind: Kind::Float, since: V16, defaults: &[(V16, Default::Float(0.2))], doc: "seconds between websocket messages after a burst (file only; 16.0+)", ..BASE },
    OptionSpec { key: "bin_path", since: V19, defaults: &[(V19, Default::Str(""))], doc: "where to look for wkhtmltopdf and friends (file only; 19.0)", ..BASE },
    OptionSpec { key: "default_productivity_apps", kind: Kind::Flag, since: V19, defaults: &[(V19, Default::Bool(false))], doc: "file only; 19.0", ..BASE },
    OptionSpec { key: "import_file_maxbytes", kind: Kind::Int, since: V19, defaults: &[(V19, Default::Int(10 * MIB))], doc: "largest file base_import fetches (file only; 19.0 option, alias import_image_maxbytes)", ..BASE },
    OptionSpec { key: "import_file_timeout", kind: Kind::Int, since: V19, defaults: &[(V19, Default::Int(3))], doc: "file only; 19.0", ..BASE },
    OptionSpec { key: "import_url_regex", since: V19, defaults: &[(V19, Default::Str("^(?:http|https)://"))], doc: "file only; 19.0", ..BASE },
    OptionSpec { key: "proxy_access_token", since: V19, defaults: &[(V19, Default::Str(""))], secret: true, doc: "file only; 19.0", ..BASE },
    // --- common ---
    OptionSpec { key: "without_demo", defaults: &[(V12, Default::Unset)], doc: "do not load demo data (`all` or a module list up to 18.0; a boolean in 19.0, which warns and guesses on anything else)", ..BASE },
    OptionSpec { key: "with_demo", kind: Kind::Flag, since: V19, defaults: &[(V19, Default::Bool(false))], doc: "install demo data in new databases (19.0)", ..BASE },
    OptionSpec { key: "skip_auto_install", kind: Kind::Flag, since: V19, defaults: &[(V19, Default::Bool(false))], doc: "19.0", ..BASE },
    OptionSpec { key: "import_partial", until: Some(V18), defaults: &[(V12, Default::Str(""))], doc: "file of a resumable import (not read from the file in 19.0)", ..BASE },
    OptionSpec { key: "pidfile", defaults: &[(V12, Default::Unset)], doc: "file holding the server's PID", ..BASE },
    OptionSpec { key: "addons_path", defaults: &[(V12, Default::Computed("the installation's addons directories"))], doc: "comma-separated addons directories", ..BASE },
    OptionSpec { key: "upgrade_path", since: V13, defaults: &[(V13, Default::Str(""))], doc: "extra upgrade scripts directory (13.0+)", ..BASE },
    OptionSpec { key: "pre_upgrade_scripts", since: V19, defaults: &[(V19, Default::Str(""))], doc: "19.0", ..BASE },
    OptionSpec { key: "server_wide_modules", defaults: &[(V12, Default::Str("base,web")), (V19, Default::Str("base,rpc,web"))], doc: "modules loaded for every database (`--load`)", ..BASE },
    OptionSpec { key: "data_dir", defaults: &[(V12, Default::Computed("~/.local/share/Odoo, or /var/lib/odoo without a home"))], doc: "filestore and sessions; the official image uses /var/lib/odoo", ..BASE },
    OptionSpec { key: "archive_dir", since: V19, defaults: &[(V19, Default::Str(""))], doc: "19.0", ..BASE },
    // --- HTTP ---
    OptionSpec { key: "http_interface", renamed_from: &["xmlrpc_interface"], defaults: &[(V12, Default::Str("")), (V19, Default::Str("0.0.0.0"))], doc: "listen address; '' means all interfaces up to 18.0; 19.0 defaults to 0.0.0.0 and warns that 20.0 will use 127.0.0.1 (containers need 0.0.0.0)", ..BASE },
    OptionSpec { key: "http_port", kind: Kind::Int, defaults: &[(V12, Default::Int(8069))], renamed_from: &["xmlrpc_port"], doc: "main HTTP port", ..BASE },
    OptionSpec { key: "longpolling_port", kind: Kind::Int, until: Some(V17), defaults: &[(V12, Default::Int(8072)), (V16, Default::Int(0))], renamed_to: Some(Rename { to: "gevent_port", since: V16 }), ignored_in: &[V16], doc: "port of the longpolling process up to 15.0; a deprecated alias of gevent_port in 16.0/17.0 (16.0 stores it under `gevent-port`, so the FILE key is ignored); removed in 18.0", ..BASE },
    OptionSpec { key: "gevent_port", kind: Kind::Int, since: V16, defaults: &[(V16, Default::Int(8072))], renamed_from: &["longpolling_port"], doc: "port of the gevent process serving /websocket in multi-process mode (16.0+)", ..BASE },
    OptionSpec { key: "http_enable", kind: Kind::Flag, defaults: &[(V12, Default::Bool(true))], renamed_from: &["xmlrpc"], doc: "serve HTTP (`--no-http` disables it)", ..BASE },
    OptionSpec { key: "proxy_mode", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "trust X-Forwarded-* headers; required behind a reverse proxy", ..BASE },
    OptionSpec { key: "x_sendfile", kind: Kind::Flag, since: V16, defaults: &[(V16, Default::Bool(false))], doc: "delegate file downloads to the web server with X-Sendfile/X-Accel-Redirect (16.0+)", ..BASE },
    OptionSpec { key: "xmlrpc_port", kind: Kind::Int, until: Some(V18), defaults: &[(V12, Default::Unset)], renamed_to: Some(Rename { to: "http_port", since: V12 }), doc: "outdated name mapped to http_port by `load()` (read in 12.0–17.0; gone in 19.0)", ..BASE },
    OptionSpec { key: "xmlrpc_interface", until: Some(V18), defaults: &[(V12, Default::Unset)], renamed_to: Some(Rename { to: "http_interface", since: V12 }), doc: "outdated name mapped to http_interface by `load()` (gone in 19.0)", ..BASE },
    OptionSpec { key: "xmlrpc", kind: Kind::Flag, until: Some(V18), defaults: &[(V12, Default::Unset)], renamed_to: Some(Rename { to: "http_enable", since: V12 }), doc: "outdated name mapped to http_enable by `load()` (gone in 19.0)", ..BASE },
    // --- web ---
    OptionSpec { key: "dbfilter", defaults: &[(V12, Default::Str(""))], doc: "regular expression selecting the databases served (`%d`, `%h` placeholders)", ..BASE },
    // --- testing ---
    OptionSpec { key: "test_file", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "not read from the file in 19.0", ..BASE },
    OptionSpec { key: "test_enable", kind: Kind::Flag, until: Some(V18), defaults: &[(V12, Default::Bool(false))], doc: "recomputed from test_tags up to 18.0; not read from the file in 19.0", ..BASE },
    OptionSpec { key: "test_tags", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "not read from the file in 19.0", ..BASE },
    OptionSpec { key: "screencasts", since: V13, defaults: &[(V13, Default::Str(""))], doc: "13.0+", ..BASE },
    OptionSpec { key: "screenshots", since: V13, defaults: &[(V13, Default::Str("/tmp/odoo_tests"))], doc: "13.0+", ..BASE },
    // --- logging ---
    OptionSpec { key: "logfile", defaults: &[(V12, Default::Unset)], doc: "log file; unset logs to stderr (what containers want)", ..BASE },
    OptionSpec { key: "logrotate", kind: Kind::Flag, until: Some(V12), defaults: &[(V12, Default::Bool(false))], doc: "12.0 only", ..BASE },
    OptionSpec { key: "syslog", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "log to syslog (exclusive with logfile)", ..BASE },
    OptionSpec { key: "log_handler", defaults: &[(V12, Default::Str(":INFO"))], doc: "`logger:LEVEL,logger:LEVEL` (not the repr of a Python list)", ..BASE },
    OptionSpec { key: "log_db", defaults: &[(V12, Default::Unset)], doc: "database to log into", ..BASE },
    OptionSpec { key: "log_db_level", defaults: &[(V12, Default::Str("warning"))], doc: "level of log_db", ..BASE },
    OptionSpec { key: "log_level", kind: Kind::Choice(LOG_LEVELS), defaults: &[(V12, Default::Str("info"))], doc: "optparse choice, cast from the file", ..BASE },
    // --- SMTP ---
    OptionSpec { key: "email_from", defaults: &[(V12, Default::Unset)], doc: "default sender", ..BASE },
    OptionSpec { key: "from_filter", since: V15, defaults: &[(V15, Default::Unset)], doc: "absent in 14.0, present in 16.0 (15.0 assumed)", ..BASE },
    OptionSpec { key: "smtp_server", defaults: &[(V12, Default::Str("localhost"))], doc: "SMTP host", ..BASE },
    OptionSpec { key: "smtp_port", kind: Kind::Int, defaults: &[(V12, Default::Int(25))], doc: "SMTP port", ..BASE },
    OptionSpec { key: "smtp_ssl", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "STARTTLS", ..BASE },
    OptionSpec { key: "smtp_user", defaults: &[(V12, Default::Unset)], doc: "SMTP user", ..BASE },
    OptionSpec { key: "smtp_password", defaults: &[(V12, Default::Unset)], secret: true, doc: "SMTP password", ..BASE },
    OptionSpec { key: "smtp_ssl_certificate_filename", since: V15, defaults: &[(V15, Default::Unset)], doc: "absent in 14.0, present in 16.0 (15.0 assumed)", ..BASE },
    OptionSpec { key: "smtp_ssl_private_key_filename", since: V15, defaults: &[(V15, Default::Unset)], doc: "absent in 14.0, present in 16.0 (15.0 assumed)", ..BASE },
    // --- database ---
    OptionSpec { key: "db_name", defaults: &[(V12, Default::Unset)], env_override: Some("PGDATABASE"), doc: "database(s) to serve", ..BASE },
    OptionSpec { key: "db_user", defaults: &[(V12, Default::Unset)], env_override: Some("PGUSER"), doc: "PostgreSQL role", ..BASE },
    OptionSpec { key: "db_password", defaults: &[(V12, Default::Unset)], secret: true, env_override: Some("PGPASSWORD"), doc: "PostgreSQL password", ..BASE },
    OptionSpec { key: "pg_path", defaults: &[(V12, Default::Unset)], env_override: Some("PGPATH"), doc: "directory of pg_dump/pg_restore", ..BASE },
    OptionSpec { key: "db_host", defaults: &[(V12, Default::Unset)], env_override: Some("PGHOST"), doc: "PostgreSQL host; unset = local socket", ..BASE },
    OptionSpec { key: "db_port", kind: Kind::Int, defaults: &[(V12, Default::Unset)], env_override: Some("PGPORT"), doc: "PostgreSQL port", ..BASE },
    OptionSpec { key: "db_sslmode", kind: Kind::Choice(SSL_MODES), defaults: &[(V12, Default::Str("prefer"))], env_override: Some("PGSSLMODE"), doc: "libpq sslmode, optparse choice", ..BASE },
    OptionSpec { key: "db_maxconn", kind: Kind::Int, defaults: &[(V12, Default::Int(64))], doc: "connection pool size PER PROCESS", ..BASE },
    OptionSpec { key: "db_maxconn_gevent", kind: Kind::Int, since: V17, defaults: &[(V17, Default::Unset)], doc: "pool size of the gevent process; unset = db_maxconn (17.0+)", ..BASE },
    OptionSpec { key: "db_template", defaults: &[(V12, Default::Str("template0"))], env_override: Some("PGDATABASE_TEMPLATE"), doc: "template of new databases", ..BASE },
    OptionSpec { key: "db_replica_host", since: V18, defaults: &[(V18, Default::Unset)], env_override: Some("PGHOST_REPLICA"), doc: "read-only replica (18.0+)", ..BASE },
    OptionSpec { key: "db_replica_port", kind: Kind::Int, since: V18, defaults: &[(V18, Default::Unset)], env_override: Some("PGPORT_REPLICA"), doc: "read-only replica port (18.0+)", ..BASE },
    OptionSpec { key: "db_app_name", since: V19, defaults: &[(V19, Default::Str("odoo-{pid}"))], env_override: Some("PGAPPNAME"), doc: "application_name of connections (19.0)", ..BASE },
    // --- i18n ---
    OptionSpec { key: "load_language", defaults: &[(V12, Default::Unset)], doc: "languages to load", ..BASE },
    OptionSpec { key: "language", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "i18n import/export language (gone from the server options in 19.0)", ..BASE },
    OptionSpec { key: "translate_out", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "gone from the server options in 19.0", ..BASE },
    OptionSpec { key: "translate_in", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "gone from the server options in 19.0", ..BASE },
    OptionSpec { key: "translate_modules", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "gone from the server options in 19.0", ..BASE },
    OptionSpec { key: "overwrite_existing_translations", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "i18n overwrite", ..BASE },
    // --- security ---
    OptionSpec { key: "list_db", kind: Kind::Flag, defaults: &[(V12, Default::Bool(true))], doc: "database manager and selector (`--no-database-list` disables)", ..BASE },
    // --- advanced ---
    OptionSpec { key: "dev_mode", defaults: &[(V12, Default::Unset)], env_override: Some("ODOO_DEV"), doc: "developer features", ..BASE },
    OptionSpec { key: "shell_interface", until: Some(V18), defaults: &[(V12, Default::Unset)], doc: "REPL of `odoo shell`", ..BASE },
    OptionSpec { key: "stop_after_init", kind: Kind::Flag, until: Some(V18), defaults: &[(V12, Default::Bool(false))], doc: "not read from the file in 19.0", ..BASE },
    OptionSpec { key: "osv_memory_count_limit", kind: Kind::Int, defaults: &[(V12, Default::Unset), (V16, Default::Int(0))], doc: "max records of a transient model (False up to 14.0, 0 from 16.0)", ..BASE },
    OptionSpec { key: "osv_memory_age_limit", kind: Kind::Float, until: Some(V16), defaults: &[(V12, Default::Float(1.0)), (V14, Default::Unset)], renamed_to: Some(Rename { to: "transient_age_limit", since: V14 }), doc: "hours transient records live; a deprecated alias of transient_age_limit in 14.0–16.0, removed in 17.0", ..BASE },
    OptionSpec { key: "transient_age_limit", kind: Kind::Float, since: V14, defaults: &[(V14, Default::Float(1.0))], renamed_from: &["osv_memory_age_limit"], doc: "hours transient (wizard) records live (14.0+)", ..BASE },
    OptionSpec { key: "max_cron_threads", kind: Kind::Int, defaults: &[(V12, Default::Int(2))], doc: "cron worker PROCESSES in multi-process mode, threads in threaded mode", ..BASE },
    OptionSpec { key: "limit_time_worker_cron", kind: Kind::Int, since: V18, defaults: &[(V18, Default::Int(0))], doc: "seconds before a cron worker is recycled, 0 = never (added during 18.0: absent from early 18.0 builds)", ..BASE },
    OptionSpec { key: "unaccent", kind: Kind::Flag, defaults: &[(V12, Default::Bool(false))], doc: "use the unaccent extension", ..BASE },
    OptionSpec { key: "geoip_database", until: Some(V16), defaults: &[(V12, Default::Str("/usr/share/GeoIP/GeoLite2-City.mmdb"))], renamed_to: Some(Rename { to: "geoip_city_db", since: V17 }), doc: "GeoIP city database; renamed geoip_city_db in 17.0 (the file key is then unknown)", ..BASE },
    OptionSpec { key: "geoip_city_db", since: V17, defaults: &[(V17, Default::Str("/usr/share/GeoIP/GeoLite2-City.mmdb"))], renamed_from: &["geoip_database"], doc: "17.0+", ..BASE },
    OptionSpec { key: "geoip_country_db", since: V17, defaults: &[(V17, Default::Str("/usr/share/GeoIP/GeoLite2-Country.mmdb"))], doc: "17.0+", ..BASE },
    // --- multiprocessing (POSIX) ---
    OptionSpec { key: "workers", kind: Kind::Int, defaults: &[(V12, Default::Int(0))], doc: "HTTP worker processes; 0 = threaded server. No range check in Odoo; 1 makes PDF reports unavailable", ..BASE },
    OptionSpec { key: "limit_memory_soft", kind: Kind::Int, defaults: &[(V12, Default::Int(2048 * MIB))], doc: "per-process VIRTUAL memory (VMS) above which a worker is recycled after its request (the whole server in threaded mode)", ..BASE },
    OptionSpec { key: "limit_memory_hard", kind: Kind::Int, defaults: &[(V12, Default::Int(2560 * MIB))], doc: "per-process RLIMIT_AS: allocations beyond it fail (set by each worker, the gevent process and the threaded server; never by the prefork master)", ..BASE },
    OptionSpec { key: "limit_memory_soft_gevent", kind: Kind::Int, since: V18, defaults: &[(V18, Default::Unset)], doc: "soft limit of the gevent process; unset = limit_memory_soft (18.0+)", ..BASE },
    OptionSpec { key: "limit_memory_hard_gevent", kind: Kind::Int, since: V18, defaults: &[(V18, Default::Unset)], doc: "hard limit of the gevent process; unset = limit_memory_hard (18.0+)", ..BASE },
    OptionSpec { key: "limit_time_cpu", kind: Kind::Int, defaults: &[(V12, Default::Int(60))], doc: "CPU seconds per request (RLIMIT_CPU), cron workers included; 0 is NOT unlimited in multi-process mode", ..BASE },
    OptionSpec { key: "limit_time_real", kind: Kind::Int, defaults: &[(V12, Default::Int(120))], doc: "wall seconds per request, enforced by the master with SIGKILL; 0 kills workers in a loop in multi-process mode", ..BASE },
    OptionSpec { key: "limit_time_real_cron", kind: Kind::Int, defaults: &[(V12, Default::Int(-1))], doc: "wall seconds per cron job; -1 = limit_time_real, 0 = no cron watchdog", ..BASE },
    OptionSpec { key: "limit_request", kind: Kind::Int, defaults: &[(V12, Default::Int(8192)), (V16, Default::Int(65536))], doc: "requests before a worker is recycled (8192 up to 15.0, 65536 from 16.0)", ..BASE },
];

/// A key seen in popular samples that no supported Odoo reads (kept for lint's `renamed-key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleKey {
    pub key: &'static str,
    /// The real option to use instead, if any.
    pub use_instead: Option<&'static str>,
    pub why: &'static str,
}

#[rustfmt::skip]
pub const STALE_KEYS: &[StaleKey] = &[
    StaleKey { key: "cron_workers", use_instead: Some("max_cron_threads"), why: "not an Odoo option; cron workers are set by max_cron_threads" },
    StaleKey { key: "debug_mode", use_instead: Some("dev_mode"), why: "removed long before 12.0; developer features are dev_mode (`--dev`)" },
    StaleKey { key: "x-sendfile", use_instead: Some("x_sendfile"), why: "hyphenated keys are never mapped to options; the option is x_sendfile (16.0+)" },
    StaleKey { key: "xmlrpcs", use_instead: None, why: "Odoo's built-in HTTPS server was removed before 12.0; terminate TLS in the proxy" },
    StaleKey { key: "xmlrpcs_port", use_instead: None, why: "Odoo's built-in HTTPS server was removed before 12.0" },
    StaleKey { key: "xmlrpcs_interface", use_instead: None, why: "Odoo's built-in HTTPS server was removed before 12.0" },
    StaleKey { key: "secure_cert_file", use_instead: None, why: "Odoo's built-in HTTPS server was removed before 12.0" },
    StaleKey { key: "secure_pkey_file", use_instead: None, why: "Odoo's built-in HTTPS server was removed before 12.0" },
    StaleKey { key: "netrpc", use_instead: None, why: "NET-RPC was removed before 12.0" },
    StaleKey { key: "netrpc_port", use_instead: None, why: "NET-RPC was removed before 12.0" },
    StaleKey { key: "netrpc_interface", use_instead: None, why: "NET-RPC was removed before 12.0" },
    StaleKey { key: "timezone", use_instead: None, why: "not read by 12.0+; users' time zones are per user" },
];

/// What a key means to one Odoo version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyStatus {
    /// A real option of this version.
    Active(&'static OptionSpec),
    /// A deprecated name that still works, for the option `of`.
    Alias {
        spec: &'static OptionSpec,
        of: &'static str,
    },
    /// Declared, but the file value is not read in this version.
    Ignored {
        spec: &'static OptionSpec,
        use_instead: Option<&'static str>,
    },
    /// Introduced in a later version.
    NotYet(&'static OptionSpec),
    /// No longer read; `use_instead` names the successor.
    Removed {
        spec: &'static OptionSpec,
        use_instead: Option<&'static str>,
    },
    /// Seen in samples, never an option of a supported version.
    Stale(&'static StaleKey),
    Unknown,
}

impl OptionSpec {
    /// Whether and how `version` reads this key from the file.
    pub fn status(&'static self, version: OdooVersion) -> KeyStatus {
        let successor = self.renamed_to.map(|r| r.to);
        if version < self.since {
            return KeyStatus::NotYet(self);
        }
        if self.until.is_some_and(|last| version > last) {
            return KeyStatus::Removed {
                spec: self,
                use_instead: successor,
            };
        }
        if self.ignored_in.contains(&version) {
            return KeyStatus::Ignored {
                spec: self,
                use_instead: successor,
            };
        }
        match self.renamed_to {
            Some(rename) if version >= rename.since => KeyStatus::Alias {
                spec: self,
                of: rename.to,
            },
            _ => KeyStatus::Active(self),
        }
    }

    /// True when the key is a real option (not an alias) of `version`.
    pub fn is_active(&'static self, version: OdooVersion) -> bool {
        matches!(self.status(version), KeyStatus::Active(_))
    }

    /// The default in `version` (the last entry at or before it).
    pub fn default_in(&self, version: OdooVersion) -> Default {
        self.defaults
            .iter()
            .rev()
            .find(|(from, _)| *from <= version)
            .map(|(_, d)| *d)
            .unwrap_or(Default::Unset)
    }

    /// The default as an integer, for int options with a numeric default.
    pub fn default_int(&self, version: OdooVersion) -> Option<i64> {
        match self.default_in(version) {
            Default::Int(i) => Some(i),
            _ => None,
        }
    }

    /// Casts a raw file value exactly as `version` does.
    pub fn cast(&self, version: OdooVersion, raw: &str) -> Result<Cast, CastError> {
        cast::cast(self.key, self.kind, version, raw)
    }

    /// The environment variable Odoo 19.0 reads for this option (it beats the file); `None` before 19.0.
    pub fn env_var(&'static self, version: OdooVersion) -> Option<String> {
        if version < V19 || !self.is_active(version) {
            return None;
        }
        Some(
            self.env_override
                .map(str::to_string)
                .unwrap_or_else(|| format!("ODOO_{}", self.key.to_ascii_uppercase())),
        )
    }
}

/// The table entry for `key` (lower-case, as configparser stores it), whatever the version.
pub fn spec(key: &str) -> Option<&'static OptionSpec> {
    // Length and first byte before the bytes: a call to `bcmp` for each of the ~20 keys of the same length
    // was most of a lookup, and `lint` looks up every key of the file.
    let first = key.as_bytes().first();
    OPTIONS
        .iter()
        .find(|o| o.key.len() == key.len() && o.key.as_bytes().first() == first && o.key == key)
}

/// What `key` means to `version`.
pub fn status(key: &str, version: OdooVersion) -> KeyStatus {
    if let Some(spec) = spec(key) {
        return spec.status(version);
    }
    match STALE_KEYS.iter().find(|s| s.key == key) {
        Some(stale) => KeyStatus::Stale(stale),
        None => KeyStatus::Unknown,
    }
}

/// The real options of `version`.
pub fn options_of(version: OdooVersion) -> impl Iterator<Item = &'static OptionSpec> {
    OPTIONS.iter().filter(move |o| o.is_active(version))
}

/// Values of this key must never be shown: a known secret, or a name matching `passw`, `secret` or
/// `token` (for addon sections and unknown keys).
pub fn is_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    spec(&lower).is_some_and(|s| s.secret) || ["passw", "secret", "token"].iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_lowercase_and_defaults_start_at_since() {
        let mut seen = std::collections::BTreeSet::new();
        for o in OPTIONS {
            assert!(seen.insert(o.key), "duplicate {}", o.key);
            assert_eq!(o.key, o.key.to_ascii_lowercase());
            assert!(!o.key.contains('-'), "{}", o.key);
            assert_eq!(o.defaults.first().map(|d| d.0), Some(o.since), "{}", o.key);
            assert!(o.defaults.windows(2).all(|w| w[0].0 < w[1].0), "{}", o.key);
            assert!(o.until.is_none_or(|u| u >= o.since), "{}", o.key);
            assert!(!o.doc.is_empty(), "{}", o.key);
            assert!(spec(o.key).is_some());
        }
        for s in STALE_KEYS {
            assert!(spec(s.key).is_none(), "{} is both stale and an option", s.key);
        }
    }

    #[test]
    fn renames_are_symmetric() {
        for o in OPTIONS {
            if let Some(r) = o.renamed_to {
                let new = spec(r.to).unwrap_or_else(|| panic!("{} → {} missing", o.key, r.to));
                assert!(
                    new.renamed_from.contains(&o.key),
                    "{} not in {}.renamed_from",
                    o.key,
                    r.to
                );
            }
            for old in o.renamed_from {
                let old = spec(old).unwrap_or_else(|| panic!("{old} missing"));
                assert_eq!(old.renamed_to.map(|r| r.to), Some(o.key));
            }
        }
    }

    #[test]
    fn version_facts_of_odoo_facts_section_2() {
        let v = |m| OdooVersion::from_major(m).unwrap();
        assert_eq!(
            status("longpolling_port", v(15)),
            KeyStatus::Active(spec("longpolling_port").unwrap())
        );
        assert!(matches!(
            status("longpolling_port", v(16)),
            KeyStatus::Ignored {
                use_instead: Some("gevent_port"),
                ..
            }
        ));
        assert!(matches!(
            status("longpolling_port", v(17)),
            KeyStatus::Alias {
                of: "gevent_port",
                ..
            }
        ));
        assert!(matches!(
            status("longpolling_port", v(18)),
            KeyStatus::Removed {
                use_instead: Some("gevent_port"),
                ..
            }
        ));
        assert!(matches!(status("gevent_port", v(15)), KeyStatus::NotYet(_)));
        assert!(spec("gevent_port").unwrap().is_active(v(16)));
        assert!(!spec("db_maxconn_gevent").unwrap().is_active(v(16)));
        assert!(spec("db_maxconn_gevent").unwrap().is_active(v(17)));
        assert!(!spec("limit_memory_hard_gevent").unwrap().is_active(v(17)));
        assert!(spec("limit_memory_soft_gevent").unwrap().is_active(v(18)));
        assert!(!spec("x_sendfile").unwrap().is_active(v(15)));
        assert_eq!(spec("limit_request").unwrap().default_int(v(15)), Some(8192));
        assert_eq!(spec("limit_request").unwrap().default_int(v(16)), Some(65536));
        assert_eq!(
            spec("limit_memory_hard").unwrap().default_int(v(19)),
            Some(2_684_354_560)
        );
        assert_eq!(
            spec("limit_memory_soft").unwrap().default_int(v(12)),
            Some(2_147_483_648)
        );
        assert_eq!(spec("max_cron_threads").unwrap().default_int(v(18)), Some(2));
        assert_eq!(
            spec("http_interface").unwrap().default_in(v(18)),
            Default::Str("")
        );
        assert_eq!(
            spec("http_interface").unwrap().default_in(v(19)),
            Default::Str("0.0.0.0")
        );
        assert!(matches!(
            status("osv_memory_age_limit", v(13)),
            KeyStatus::Active(_)
        ));
        assert!(matches!(
            status("osv_memory_age_limit", v(14)),
            KeyStatus::Alias {
                of: "transient_age_limit",
                ..
            }
        ));
        assert!(matches!(
            status("osv_memory_age_limit", v(17)),
            KeyStatus::Removed { .. }
        ));
        assert!(matches!(
            status("xmlrpc_port", v(16)),
            KeyStatus::Alias { of: "http_port", .. }
        ));
        assert!(matches!(status("xmlrpc_port", v(19)), KeyStatus::Removed { .. }));
        assert!(matches!(
            status("cron_workers", v(18)),
            KeyStatus::Stale(StaleKey {
                use_instead: Some("max_cron_threads"),
                ..
            })
        ));
        assert_eq!(status("no_such_key", v(18)), KeyStatus::Unknown);
    }

    #[test]
    fn environment_variables_of_19() {
        let workers = spec("workers").unwrap();
        assert_eq!(workers.env_var(OdooVersion::V19).as_deref(), Some("ODOO_WORKERS"));
        assert_eq!(workers.env_var(OdooVersion::V18), None);
        assert_eq!(
            spec("db_host").unwrap().env_var(OdooVersion::V19).as_deref(),
            Some("PGHOST")
        );
        assert_eq!(spec("test_tags").unwrap().env_var(OdooVersion::V19), None);
    }

    #[test]
    fn secrets() {
        for key in [
            "admin_passwd",
            "db_password",
            "smtp_password",
            "Proxy_Access_Token",
            "my_api_secret",
            "s3_token",
            "ldap_passwd",
        ] {
            assert!(is_secret(key), "{key}");
        }
        assert!(!is_secret("workers"));
    }

    #[test]
    fn every_default_is_valid_for_its_kind() {
        for o in OPTIONS {
            for (version, default) in o.defaults {
                let ok = match (o.kind, default) {
                    (Kind::Int, Default::Int(_) | Default::Unset) => true,
                    (Kind::Float, Default::Float(_) | Default::Unset) => true,
                    (Kind::Flag, Default::Bool(_) | Default::Unset) => true,
                    (Kind::Choice(c), Default::Str(s)) => c.contains(s),
                    (Kind::Str, Default::Str(_) | Default::Unset | Default::Computed(_)) => true,
                    _ => false,
                };
                assert!(ok, "{} {version}: {default:?} for {:?}", o.key, o.kind);
            }
        }
    }
}
