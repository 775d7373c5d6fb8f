//! A throwaway PostgreSQL cluster for the `pg` tests: `initdb` in a temp dir, a free loopback port and a
//! Unix socket in that dir, one role per authentication method, `max_connections = 37`.
//!
//! The server binaries come from `ODOO_SIZER_PG_BIN`, else `initdb` on PATH, else the newest
//! `/usr/lib/postgresql/<ver>/bin` (`make deps` installs Debian's `postgresql`). PostgreSQL refuses to run
//! as root: as root, every server command runs through `runuser -u postgres` (the user Debian's package
//! creates), or `nobody` when that user does not exist. When the binaries are missing the tests are
//! skipped with a message, and FAIL when `ODOO_SIZER_REQUIRE_PG=1` or `ODOO_SIZER_REQUIRE_DOCKER=1`.
//!
//! [`PgServer`] stops what it started (`pg_ctl stop -m immediate`) and removes its directory when dropped,
//! also when a test fails.

#![allow(dead_code)]

use odoo_sizer::pg::settings::{resolve, Inputs};
use odoo_sizer::pg::ConnSettings;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

pub const MAX_CONNECTIONS: u32 = 37;
pub const SUPERUSER_RESERVED: u32 = 4;

/// A login role and how pg_hba.conf authenticates it.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    pub name: &'static str,
    pub password: &'static str,
    pub method: &'static str,
}

pub const TRUST: Role = Role {
    name: "trust_user",
    password: "unused-by-trust",
    method: "trust",
};
pub const CLEARTEXT: Role = Role {
    name: "clear_user",
    password: "clear pass",
    method: "password",
};
pub const MD5: Role = Role {
    name: "md5_user",
    password: "md5 pass",
    method: "md5",
};
pub const SCRAM: Role = Role {
    name: "scram_user",
    password: "scram pass, with = and é",
    method: "scram-sha-256",
};
/// Only a `hostssl` line matches this role over TCP: without SSL the server finds no entry.
pub const SSL_ONLY: Role = Role {
    name: "ssl_user",
    password: "ssl pass",
    method: "scram-sha-256",
};
pub const ROLES: [Role; 4] = [TRUST, CLEARTEXT, MD5, SCRAM];

/// Whether a missing server must fail the test rather than skip it.
pub fn pg_required() -> bool {
    ["ODOO_SIZER_REQUIRE_PG", "ODOO_SIZER_REQUIRE_DOCKER"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|x| x == "1"))
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`, or `None` (test skipped) — unless required,
/// then the test fails saying what to do.
pub fn pg_bin_dir() -> Option<PathBuf> {
    let found = find_bin_dir();
    if found.is_none() {
        let why = "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: run `make deps` \
                   (installs Debian's postgresql) or set ODOO_SIZER_PG_BIN";
        if pg_required() {
            panic!("ODOO_SIZER_REQUIRE_PG/ODOO_SIZER_REQUIRE_DOCKER=1 but {why}");
        }
        eprintln!("SKIPPED (set ODOO_SIZER_REQUIRE_PG=1 to make this a failure): {why}");
    }
    found
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ODOO_SIZER_PG_BIN") {
        let dir = PathBuf::from(dir);
        return has_server(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if let Ok(real) = std::fs::canonicalize(&initdb) {
                if let Some(parent) = real.parent() {
                    if has_server(parent) {
                        return Some(parent.to_path_buf());
                    }
                }
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A port nobody listens on right now (the kernel's pick, released at once).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"))
        .port()
}

/// What to prepare in the cluster.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Drop the `postgres` database (to test the `template1` fallback).
    pub drop_postgres_db: bool,
}

/// A cluster in a temp dir; stopped and removed on drop.
pub struct PgServer {
    pub port: u16,
    /// The Unix socket directory (the `host` to use for a socket connection).
    pub socket_dir: PathBuf,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    run_as: Option<String>,
    started: Mutex<bool>,
    // Last: removed after Drop::drop stopped the server.
    _dir: tempfile::TempDir,
}

impl PgServer {
    /// `initdb`, configuration and roles; not started.
    pub fn init(bin: &Path, options: Options) -> PgServer {
        let run_as = run_as_user();
        // As root, the directory must be reachable by the server's user: /tmp is world-traversable.
        let base = if run_as.is_some() {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("odoo-sizer-pg-")
            .tempdir_in(&base)
            .unwrap_or_else(|e| panic!("temp dir in {}: {e}", base.display()));
        if let Some(user) = &run_as {
            chown_to(dir.path(), user);
        }
        let server = PgServer {
            port: free_port(),
            socket_dir: dir.path().to_path_buf(),
            bin: bin.to_path_buf(),
            data: dir.path().join("data"),
            log: dir.path().join("server.log"),
            run_as,
            started: Mutex::new(false),
            _dir: dir,
        };
        server.initdb(options);
        server
    }

    /// `init` and `start`.
    pub fn start_new(bin: &Path, options: Options) -> PgServer {
        let s = PgServer::init(bin, options);
        s.start();
        s
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.env_remove("PGHOST")
            .env_remove("PGPORT")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, what: &str, mut cmd: Command) -> Output {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what} ({cmd:?}): {e}"));
        if !out.status.success() {
            panic!(
                "{what} failed ({}):\n{}\n{}\nserver log:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
        out
    }

    fn initdb(&self, options: Options) {
        let mut cmd = self.command("initdb");
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-U", "pgadmin", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        self.run("initdb", cmd);

        let conf = format!(
            "\n# odoo-sizer test cluster\nlisten_addresses = '127.0.0.1'\nport = {}\n\
             unix_socket_directories = '{}'\nmax_connections = {MAX_CONNECTIONS}\n\
             superuser_reserved_connections = {SUPERUSER_RESERVED}\npassword_encryption = 'scram-sha-256'\n\
             shared_buffers = 8MB\nfsync = off\nsynchronous_commit = off\nlog_connections = on\n",
            self.port,
            self.socket_dir.display()
        );
        append(&self.data.join("postgresql.conf"), &conf);

        let mut hba = String::from("# TYPE DATABASE USER ADDRESS METHOD\nlocal all pgadmin trust\n");
        hba.push_str("host all pgadmin 127.0.0.1/32 trust\n");
        for role in ROLES {
            hba.push_str(&format!("local all {} {}\n", role.name, role.method));
            hba.push_str(&format!("host all {} 127.0.0.1/32 {}\n", role.name, role.method));
        }
        hba.push_str(&format!(
            "hostssl all {} 127.0.0.1/32 {}\n",
            SSL_ONLY.name, SSL_ONLY.method
        ));
        std::fs::write(self.data.join("pg_hba.conf"), hba).unwrap_or_else(|e| panic!("pg_hba.conf: {e}"));

        // Roles, created in single-user mode: no client program needed. Passwords are stored as MD5 for
        // the md5 role (else the server would run SCRAM for it), as SCRAM for the others.
        let quote = |s: &str| s.replace('\'', "''");
        let mut sql = String::new();
        for role in ROLES {
            let encryption = if role.method == "md5" {
                "md5"
            } else {
                "scram-sha-256"
            };
            sql.push_str(&format!("SET password_encryption = '{encryption}';\n"));
            sql.push_str(&format!(
                "CREATE ROLE {} LOGIN PASSWORD '{}';\n",
                role.name,
                quote(role.password)
            ));
        }
        sql.push_str("SET password_encryption = 'scram-sha-256';\n");
        sql.push_str(&format!(
            "CREATE ROLE {} LOGIN PASSWORD '{}';\n",
            SSL_ONLY.name,
            quote(SSL_ONLY.password)
        ));
        let db = if options.drop_postgres_db {
            sql.push_str("DROP DATABASE postgres;\n");
            "template1"
        } else {
            "postgres"
        };
        self.single_user(db, &sql);
    }

    fn single_user(&self, db: &str, sql: &str) {
        use std::io::Write;
        let mut cmd = self.command("postgres");
        cmd.args(["--single", "-D"])
            .arg(&self.data)
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("postgres --single: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(sql.as_bytes())
                .unwrap_or_else(|e| panic!("postgres --single stdin: {e}"));
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("postgres --single: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && !text.contains("ERROR"),
            "postgres --single failed ({}):\n{text}",
            out.status
        );
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        let mut cmd = self.command("pg_ctl");
        cmd.args(["start", "-w", "-t", "60", "-s", "-D"])
            .arg(&self.data)
            .arg("-l")
            .arg(&self.log);
        // Mark as started before: even a half-started server gets stopped by Drop.
        *started = true;
        self.run("pg_ctl start", cmd);
    }

    /// Stops the server at once (`-m immediate`), if it was started.
    pub fn stop(&self) {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        if *started {
            let mut cmd = self.command("pg_ctl");
            cmd.args(["stop", "-m", "immediate", "-w", "-t", "30", "-s", "-D"])
                .arg(&self.data);
            match cmd.output() {
                Ok(out) if out.status.success() => {}
                Ok(out) => eprintln!(
                    "warning: pg_ctl stop failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(e) => eprintln!("warning: cannot run pg_ctl stop: {e}"),
            }
            *started = false;
        }
    }

    /// The server log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The settings odoo-sizer resolves from an odoo.conf with these db_* keys (and no environment).
    pub fn settings(&self, role: Role, password: &str, over_unix_socket: bool) -> ConnSettings {
        let host = if over_unix_socket {
            self.socket_dir.to_string_lossy().into_owned()
        } else {
            "127.0.0.1".to_string()
        };
        settings_for(&host, self.port, role.name, password, None)
    }
}

/// Settings as resolved from odoo.conf keys, with `PGDATABASE` when `database` is given.
pub fn settings_for(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    database: Option<&str>,
) -> ConnSettings {
    let conf: HashMap<String, String> = [
        ("db_host", host.to_string()),
        ("db_port", port.to_string()),
        ("db_user", user.to_string()),
        ("db_password", password.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let env: HashMap<String, String> = database
        .map(|d| ("PGDATABASE".to_string(), d.to_string()))
        .into_iter()
        .collect();
    let conf_fn = |k: &str| conf.get(k).cloned();
    let env_fn = |k: &str| env.get(k).cloned();
    let read = |_: &Path| -> std::io::Result<Vec<u8>> { Err(std::io::ErrorKind::NotFound.into()) };
    resolve(&Inputs {
        conf: &conf_fn,
        env: &env_fn,
        read_file: &read,
    })
    .unwrap_or_else(|e| panic!("settings: {e}"))
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One running cluster shared by the tests of a binary that are running at the same time; it is stopped
/// when the last of them drops its handle.
pub fn shared_server(bin: &Path) -> Arc<PgServer> {
    static SHARED: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = slot.upgrade() {
        return s;
    }
    let s = Arc::new(PgServer::start_new(bin, Options::default()));
    *slot = Arc::downgrade(&s);
    s
}

/// The user to run the server as when this process is root.
fn run_as_user() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let exists = |u: &str| {
        Command::new("id")
            .arg("-u")
            .arg(u)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    Some(if exists("postgres") { "postgres" } else { "nobody" }.to_string())
}

fn chown_to(path: &Path, user: &str) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, user])
            .output()
            .unwrap_or_else(|e| panic!("id {flag} {user}: {e}"));
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("id {flag} {user}: {e}"))
    };
    let (uid, gid) = (id("-u"), id("-g"));
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Polls `f` until it returns true or `timeout` passes.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}
