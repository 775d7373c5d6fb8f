//! The PostgreSQL connection settings Odoo would use, and where each one comes from.
//!
//! Owns: the precedence rules (pure): odoo.conf `[options]` `db_host`/`db_port`/`db_user`/`db_password`,
//! else the official image's entrypoint variables with their fallbacks and defaults, else libpq's `PG*`
//! variables; the [`Secret`] type that keeps the password out of logs. Must not: read files or the
//! environment itself (the caller passes lookups; [`resolve_from_process`] is the only edge), connect.
//!
//! The entrypoint of odoo/docker 17.0 and 18.0 resolves (bash `${VAR:=...}`, so an empty variable counts
//! as unset):
//! `HOST ← DB_PORT_5432_TCP_ADDR ← PGHOST ← db`, `PORT ← DB_PORT_5432_TCP_PORT ← PGPORT ← 5432`,
//! `USER ← DB_ENV_POSTGRES_USER ← POSTGRES_USER ← PGUSER ← odoo`,
//! `PASSWORD ← DB_ENV_POSTGRES_PASSWORD ← POSTGRES_PASSWORD ← PGPASSWORD ← odoo`, where `PASSWORD_FILE`
//! (read with `$(< file)`: trailing newlines dropped) replaces `PASSWORD`. It passes `--db_host` etc. only
//! for keys missing from the file. The 19.0 entrypoint drops the `PG*` fallbacks and instead forwards
//! nothing when `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD` is set, because Odoo 19 reads them itself: with
//! `ODOO_VERSION` ≥ 19 the `PG*` variable therefore comes first in the environment chain.
//!
//! Odoo treats `False` (and an empty value) in the file as unset; so does this module.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A password: `Debug` and `Display` print a mask, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The password itself, for the authentication exchange only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Where a setting comes from, for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A key of odoo.conf's `[options]`.
    ConfigFile { key: &'static str },
    /// An environment variable.
    Env { var: &'static str },
    /// The file named by `PASSWORD_FILE`.
    PasswordFile { path: PathBuf },
    /// A built-in default; `what` says whose.
    Default { what: &'static str },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::ConfigFile { key } => write!(f, "odoo.conf {key}"),
            Origin::Env { var } => write!(f, "${var}"),
            Origin::PasswordFile { path } => write!(f, "$PASSWORD_FILE ({})", path.display()),
            Origin::Default { what } => write!(f, "default: {what}"),
        }
    }
}

/// A value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<T> {
    pub value: T,
    pub origin: Origin,
}

/// The settings used to reach PostgreSQL the way Odoo would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSettings {
    /// A host name, an IP address, or (starting with `/`) the directory of a Unix socket.
    pub host: Resolved<String>,
    pub port: Resolved<u16>,
    pub user: Resolved<String>,
    pub password: Resolved<Secret>,
    /// The database named in the startup message: `PGDATABASE`, else `postgres` (Odoo's own database
    /// may not exist yet; the official image's wait-for-psql also uses `postgres`).
    pub database: Resolved<String>,
}

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp {
        host: String,
        port: u16,
    },
    /// `{dir}/.s.PGSQL.{port}`, as libpq builds it for a host starting with `/`.
    Unix {
        path: PathBuf,
    },
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Endpoint::Tcp { host, port } => write!(f, "{host}:{port}"),
            Endpoint::Unix { path } => write!(f, "{}", path.display()),
        }
    }
}

impl ConnSettings {
    pub fn endpoint(&self) -> Endpoint {
        let host = &self.host.value;
        if host.starts_with('/') {
            let dir = host.trim_end_matches('/');
            let dir = if dir.is_empty() { "/" } else { dir };
            Endpoint::Unix {
                path: Path::new(dir).join(format!(".s.PGSQL.{}", self.port.value)),
            }
        } else {
            Endpoint::Tcp {
                host: host.clone(),
                port: self.port.value,
            }
        }
    }

    /// One line for logs: every value with its origin, the password masked.
    pub fn summary(&self) -> String {
        format!(
            "{} (host from {}, port from {}), user {} (from {}), password {} (from {}), database {} (from {})",
            self.endpoint(),
            self.host.origin,
            self.port.origin,
            self.user.value,
            self.user.origin,
            self.password.value,
            self.password.origin,
            self.database.value,
            self.database.origin,
        )
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid PostgreSQL port {value:?} from {origin}: expected a number from 1 to 65535")]
    BadPort { value: String, origin: Origin },
    #[error("several PostgreSQL hosts {value:?} from {origin}: odoo-sizer can only check a single host; leave out --wait-db, and give --pg-max-connections N instead of auto")]
    MultipleHosts { value: String, origin: Origin },
    #[error("cannot read the PostgreSQL password from $PASSWORD_FILE ({}): {source}; fix the path or the file's permissions, or unset PASSWORD_FILE", path.display())]
    PasswordFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl SettingsError {
    /// True when the bad value comes from odoo.conf (Odoo itself would refuse to start).
    pub fn is_from_config_file(&self) -> bool {
        match self {
            SettingsError::BadPort { origin, .. } | SettingsError::MultipleHosts { origin, .. } => {
                matches!(origin, Origin::ConfigFile { .. })
            }
            SettingsError::PasswordFile { .. } => false,
        }
    }
}

/// What [`resolve`] looks at. Every lookup returns the raw value, `None` when absent.
pub struct Inputs<'a> {
    /// odoo.conf `[options]` values by (lower-case) key.
    pub conf: &'a dyn Fn(&str) -> Option<String>,
    /// Environment variables.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Reads the file named by `PASSWORD_FILE` (only called when that password is the one used).
    pub read_file: &'a dyn Fn(&Path) -> io::Result<Vec<u8>>,
}

const ENTRYPOINT_DEFAULT: &str = "the official Odoo image";

/// Resolves the settings; see the module documentation for the order.
pub fn resolve(inputs: &Inputs<'_>) -> Result<ConnSettings, SettingsError> {
    let env = |var: &str| (inputs.env)(var).filter(|v| !v.is_empty());
    let odoo19 = env("ODOO_VERSION")
        .and_then(|v| major_version(&v))
        .is_some_and(|m| m >= 19);
    // The entrypoint's chains, in order; with Odoo 19 the PG* variable goes first.
    let chain = |entrypoint: &[&'static str], pg: &'static str| -> Vec<&'static str> {
        if odoo19 {
            std::iter::once(pg).chain(entrypoint.iter().copied()).collect()
        } else {
            entrypoint.iter().copied().chain(std::iter::once(pg)).collect()
        }
    };
    let first_env = |vars: &[&'static str]| {
        vars.iter().find_map(|var| {
            env(var).map(|value| Resolved {
                value,
                origin: Origin::Env { var },
            })
        })
    };
    let from_conf = |key: &'static str| {
        (inputs.conf)(key)
            .filter(|v| odoo_value_is_set(v))
            .map(|value| Resolved {
                value,
                origin: Origin::ConfigFile { key },
            })
    };
    let default = |value: &str| Resolved {
        value: value.to_string(),
        origin: Origin::Default {
            what: ENTRYPOINT_DEFAULT,
        },
    };

    let host = from_conf("db_host")
        .or_else(|| first_env(&chain(&["HOST", "DB_PORT_5432_TCP_ADDR"], "PGHOST")))
        .unwrap_or_else(|| default("db"));
    if host.value.contains(',') {
        return Err(SettingsError::MultipleHosts {
            value: host.value,
            origin: host.origin,
        });
    }

    let port_raw = from_conf("db_port")
        .or_else(|| first_env(&chain(&["PORT", "DB_PORT_5432_TCP_PORT"], "PGPORT")))
        .unwrap_or_else(|| default("5432"));
    let port = match port_raw.value.trim().parse::<u16>() {
        Ok(p) if p > 0 => Resolved {
            value: p,
            origin: port_raw.origin,
        },
        _ => {
            return Err(SettingsError::BadPort {
                value: port_raw.value,
                origin: port_raw.origin,
            })
        }
    };

    let user = from_conf("db_user")
        .or_else(|| {
            first_env(&chain(
                &["USER", "DB_ENV_POSTGRES_USER", "POSTGRES_USER"],
                "PGUSER",
            ))
        })
        .unwrap_or_else(|| default("odoo"));

    let password = match from_conf("db_password") {
        Some(p) => p,
        None => env_password(inputs, odoo19, &first_env)?.unwrap_or_else(|| default("odoo")),
    };
    let password = Resolved {
        value: Secret(password.value),
        origin: password.origin,
    };

    let database = env("PGDATABASE")
        .map(|value| Resolved {
            value,
            origin: Origin::Env { var: "PGDATABASE" },
        })
        .unwrap_or_else(|| Resolved {
            value: "postgres".to_string(),
            origin: Origin::Default {
                what: "postgres, which exists before Odoo's database does",
            },
        });

    Ok(ConnSettings {
        host,
        port,
        user,
        password,
        database,
    })
}

/// The password from the environment: `PASSWORD_FILE` replaces `PASSWORD` (as in the entrypoint), and an
/// empty file counts as unset (`${PASSWORD:=...}` then falls back).
fn env_password(
    inputs: &Inputs<'_>,
    odoo19: bool,
    first_env: &dyn Fn(&[&'static str]) -> Option<Resolved<String>>,
) -> Result<Option<Resolved<String>>, SettingsError> {
    if odoo19 {
        if let Some(p) = first_env(&["PGPASSWORD"]) {
            return Ok(Some(p));
        }
    }
    // `[ -v PASSWORD_FILE ]`: set, even to an empty string (which then fails to read, as in bash).
    if let Some(path) = (inputs.env)("PASSWORD_FILE") {
        let path = PathBuf::from(path);
        let bytes = (inputs.read_file)(&path).map_err(|source| SettingsError::PasswordFile {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| SettingsError::PasswordFile {
            path: path.clone(),
            source: io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"),
        })?;
        let value = text.trim_end_matches('\n');
        if !value.is_empty() {
            return Ok(Some(Resolved {
                value: value.to_string(),
                origin: Origin::PasswordFile { path },
            }));
        }
    }
    let mut vars = vec!["PASSWORD", "DB_ENV_POSTGRES_PASSWORD", "POSTGRES_PASSWORD"];
    if !odoo19 {
        vars.push("PGPASSWORD");
    }
    Ok(first_env(&vars))
}

/// Odoo's notion of a set value: not empty and not the boolean `False`.
fn odoo_value_is_set(raw: &str) -> bool {
    !matches!(raw.trim(), "" | "False" | "false")
}

/// `18.0` → 18, `19` → 19, `saas~18.3` → 18.
fn major_version(raw: &str) -> Option<u32> {
    let digits: String = raw
        .trim()
        .trim_start_matches("saas~")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// [`resolve`] on this process's environment, reading `PASSWORD_FILE` from disk. Variables that are not
/// valid UTF-8 are ignored.
pub fn resolve_from_process(conf: &dyn Fn(&str) -> Option<String>) -> Result<ConnSettings, SettingsError> {
    let env = |var: &str| std::env::var_os(var).and_then(|v| v.into_string().ok());
    let read_file = |path: &Path| std::fs::read(path);
    resolve(&Inputs {
        conf,
        env: &env,
        read_file: &read_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn resolve_with(
        conf: &[(&str, &str)],
        env: &[(&str, &str)],
        files: &[(&str, &str)],
    ) -> Result<ConnSettings, SettingsError> {
        let conf = map(conf);
        let env = map(env);
        let files = map(files);
        let conf_fn = |k: &str| conf.get(k).cloned();
        let env_fn = |k: &str| env.get(k).cloned();
        let read = |p: &Path| {
            files
                .get(p.to_str().unwrap_or_default())
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file or directory"))
        };
        resolve(&Inputs {
            conf: &conf_fn,
            env: &env_fn,
            read_file: &read,
        })
    }

    fn ok(conf: &[(&str, &str)], env: &[(&str, &str)]) -> ConnSettings {
        match resolve_with(conf, env, &[]) {
            Ok(s) => s,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn official_defaults_when_nothing_is_set() {
        let s = ok(&[], &[]);
        assert_eq!(s.host.value, "db");
        assert_eq!(s.port.value, 5432);
        assert_eq!(s.user.value, "odoo");
        assert_eq!(s.password.value.expose(), "odoo");
        assert_eq!(s.database.value, "postgres");
        assert!(matches!(s.host.origin, Origin::Default { .. }));
        assert_eq!(s.endpoint().to_string(), "db:5432");
    }

    #[test]
    fn file_beats_entrypoint_env_which_beats_pg_env() {
        let env = [
            ("HOST", "envhost"),
            ("PGHOST", "pghost"),
            ("PORT", "6000"),
            ("PGPORT", "7000"),
            ("USER", "envuser"),
            ("PGUSER", "pguser"),
            ("PASSWORD", "envpw"),
            ("PGPASSWORD", "pgpw"),
        ];
        let conf = [
            ("db_host", "filehost"),
            ("db_port", "5555"),
            ("db_user", "fileuser"),
            ("db_password", "filepw"),
        ];
        let s = ok(&conf, &env);
        assert_eq!(s.host.value, "filehost");
        assert_eq!(s.host.origin, Origin::ConfigFile { key: "db_host" });
        assert_eq!(s.port.value, 5555);
        assert_eq!(s.user.value, "fileuser");
        assert_eq!(s.password.value.expose(), "filepw");

        let s = ok(&[], &env);
        assert_eq!(s.host.value, "envhost");
        assert_eq!(s.host.origin, Origin::Env { var: "HOST" });
        assert_eq!(s.port.value, 6000);
        assert_eq!(s.user.value, "envuser");
        assert_eq!(s.password.value.expose(), "envpw");
        assert_eq!(s.password.origin, Origin::Env { var: "PASSWORD" });

        let pg_only = [
            ("PGHOST", "pghost"),
            ("PGPORT", "7000"),
            ("PGUSER", "pguser"),
            ("PGPASSWORD", "pgpw"),
            ("PGDATABASE", "mydb"),
        ];
        let s = ok(&[], &pg_only);
        assert_eq!(s.host.value, "pghost");
        assert_eq!(s.host.origin, Origin::Env { var: "PGHOST" });
        assert_eq!(s.port.value, 7000);
        assert_eq!(s.user.value, "pguser");
        assert_eq!(s.password.value.expose(), "pgpw");
        assert_eq!(s.database.value, "mydb");
    }

    #[test]
    fn false_and_empty_in_the_file_mean_unset() {
        let conf = [
            ("db_host", "False"),
            ("db_port", ""),
            ("db_user", "false"),
            ("db_password", "False"),
        ];
        let s = ok(&conf, &[("HOST", "envhost")]);
        assert_eq!(s.host.value, "envhost");
        assert_eq!(s.port.value, 5432);
        assert_eq!(s.user.value, "odoo");
        assert_eq!(s.password.value.expose(), "odoo");
    }

    #[test]
    fn empty_env_vars_count_as_unset_like_bash_colon_equals() {
        let s = ok(&[], &[("HOST", ""), ("PGHOST", "pghost"), ("USER", "")]);
        assert_eq!(s.host.value, "pghost");
        assert_eq!(s.user.value, "odoo");
    }

    #[test]
    fn legacy_link_and_postgres_image_variables_follow_the_entrypoint_order() {
        let s = ok(
            &[],
            &[
                ("DB_PORT_5432_TCP_ADDR", "linked"),
                ("PGHOST", "pghost"),
                ("DB_PORT_5432_TCP_PORT", "5433"),
                ("POSTGRES_USER", "pguser-image"),
                ("PGUSER", "pguser"),
                ("DB_ENV_POSTGRES_PASSWORD", "linkpw"),
                ("POSTGRES_PASSWORD", "imgpw"),
            ],
        );
        assert_eq!(s.host.value, "linked");
        assert_eq!(s.port.value, 5433);
        assert_eq!(s.user.value, "pguser-image");
        assert_eq!(s.password.value.expose(), "linkpw");
        assert_eq!(
            s.password.origin,
            Origin::Env {
                var: "DB_ENV_POSTGRES_PASSWORD"
            }
        );
    }

    #[test]
    fn odoo_19_puts_pg_variables_before_the_entrypoint_ones() {
        let env = [
            ("ODOO_VERSION", "19.0"),
            ("HOST", "envhost"),
            ("PGHOST", "pghost"),
            ("PASSWORD", "envpw"),
            ("PGPASSWORD", "pgpw"),
        ];
        let s = ok(&[], &env);
        assert_eq!(s.host.value, "pghost");
        assert_eq!(s.password.value.expose(), "pgpw");
        // The file still wins.
        let s = ok(&[("db_host", "filehost")], &env);
        assert_eq!(s.host.value, "filehost");
        // 18.0 keeps HOST first.
        let s = ok(&[], &[("ODOO_VERSION", "18.0"), ("HOST", "h"), ("PGHOST", "p")]);
        assert_eq!(s.host.value, "h");
    }

    #[test]
    fn password_file_replaces_password_and_loses_trailing_newlines() {
        let s = resolve_with(
            &[],
            &[("PASSWORD_FILE", "/run/secrets/pg"), ("PASSWORD", "envpw")],
            &[("/run/secrets/pg", "s3cret pw\n\n")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.password.value.expose(), "s3cret pw");
        assert_eq!(
            s.password.origin,
            Origin::PasswordFile {
                path: PathBuf::from("/run/secrets/pg")
            }
        );
        // The file's db_password wins, and the password file is then not even read.
        let s = resolve_with(
            &[("db_password", "filepw")],
            &[("PASSWORD_FILE", "/missing")],
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.password.value.expose(), "filepw");
    }

    #[test]
    fn unreadable_password_file_is_an_error_and_an_empty_one_falls_back() {
        let err = resolve_with(&[], &[("PASSWORD_FILE", "/missing")], &[]).err();
        assert!(
            matches!(&err, Some(SettingsError::PasswordFile { path, .. }) if path == Path::new("/missing")),
            "{err:?}"
        );
        let s = resolve_with(
            &[],
            &[("PASSWORD_FILE", "/empty"), ("POSTGRES_PASSWORD", "imgpw")],
            &[("/empty", "\n")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.password.value.expose(), "imgpw");
    }

    #[test]
    fn bad_ports_name_their_origin() {
        for bad in ["0", "65536", "54 32", "5432.0", "abc", "-1"] {
            let err = resolve_with(&[("db_port", bad)], &[], &[]).err();
            match err {
                Some(e @ SettingsError::BadPort { .. }) => {
                    assert!(e.is_from_config_file());
                    assert!(e.to_string().contains("odoo.conf db_port"), "{e}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let s = ok(&[("db_port", " 6432 ")], &[]);
        assert_eq!(s.port.value, 6432);
        let err = resolve_with(&[], &[("PGPORT", "x")], &[]).err();
        assert!(err.is_some_and(|e| !e.is_from_config_file() && e.to_string().contains("$PGPORT")));
    }

    #[test]
    fn several_hosts_are_refused() {
        let err = resolve_with(&[], &[("PGHOST", "a,b")], &[]).err();
        assert!(matches!(err, Some(SettingsError::MultipleHosts { .. })));
    }

    #[test]
    fn unix_socket_directories_give_the_libpq_socket_path() {
        let s = ok(&[("db_host", "/var/run/postgresql/")], &[("PORT", "5433")]);
        assert_eq!(
            s.endpoint(),
            Endpoint::Unix {
                path: PathBuf::from("/var/run/postgresql/.s.PGSQL.5433")
            }
        );
        let s = ok(&[("db_host", "::1")], &[]);
        assert_eq!(s.endpoint().to_string(), "[::1]:5432");
    }

    #[test]
    fn the_password_is_never_printed() {
        let s = ok(&[("db_password", "hunter2-very-secret")], &[]);
        let debug = format!("{s:?}");
        let summary = s.summary();
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!summary.contains("hunter2"), "{summary}");
        assert!(summary.contains("********"));
        assert!(summary.contains("odoo.conf db_password"));
        assert_eq!(format!("{}", s.password.value), "********");
    }

    #[test]
    fn major_versions() {
        assert_eq!(major_version("18.0"), Some(18));
        assert_eq!(major_version("19"), Some(19));
        assert_eq!(major_version("saas~18.3"), Some(18));
        assert_eq!(major_version("latest"), None);
    }
}
