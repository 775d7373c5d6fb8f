//! The `pg` module against a real PostgreSQL server (see tests/common/pg.rs): readiness, bounded waits,
//! `max_connections` over TCP and the Unix socket with every authentication method, and the errors
//! users will see.

#[path = "common/pg.rs"]
mod pg_helper;

use odoo_sizer::pg::{self, PgError, Probe, Readiness, SystemClock};
use pg_helper::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(10);

fn server() -> Option<Arc<PgServer>> {
    pg_bin_dir().map(|bin| shared_server(&bin))
}

fn transports() -> [(bool, &'static str); 2] {
    [(false, "TCP"), (true, "Unix socket")]
}

#[test]
fn ready_when_up_with_every_auth_method_over_tcp_and_unix_socket() {
    let Some(srv) = server() else { return };
    for role in ROLES {
        for (unix, how) in transports() {
            let settings = srv.settings(role, role.password, unix);
            match pg::probe(&settings, T) {
                Probe::Ready(Readiness::Accepted { server_version }) => {
                    assert!(
                        server_version.as_deref().is_some_and(|v| !v.is_empty()),
                        "{how} {}: no server_version",
                        role.name
                    );
                }
                other => panic!("{how} {} ({}): {other:?}\n{}", role.name, role.method, srv.log()),
            }
            let report = pg::wait_ready(&settings, T, Duration::from_millis(100), &SystemClock)
                .unwrap_or_else(|e| panic!("{how} {}: {e}", role.name));
            assert_eq!(report.attempts, 1);
            assert!(report.readiness.warning().is_none());
        }
    }
}

#[test]
fn max_connections_over_tcp_and_unix_socket_with_every_auth_method() {
    let Some(srv) = server() else { return };
    for role in ROLES {
        for (unix, how) in transports() {
            let settings = srv.settings(role, role.password, unix);
            let cap = pg::max_connections(&settings, T)
                .unwrap_or_else(|e| panic!("{how} {} ({}): {e}\n{}", role.name, role.method, srv.log()));
            assert_eq!(cap.max_connections, MAX_CONNECTIONS, "{how} {}", role.name);
            assert_eq!(cap.superuser_reserved, SUPERUSER_RESERVED);
            assert_eq!(
                cap.ordinary_slots(),
                MAX_CONNECTIONS - SUPERUSER_RESERVED - cap.reserved
            );
            // Our own session is one of the client backends.
            let in_use = cap
                .in_use
                .unwrap_or_else(|| panic!("{how} {}: in_use unknown", role.name));
            assert!((1..=MAX_CONNECTIONS).contains(&in_use), "in_use = {in_use}");
        }
    }
}

#[test]
fn wrong_password_is_a_clear_error_but_the_server_counts_as_up() {
    let Some(srv) = server() else { return };
    for role in [CLEARTEXT, MD5, SCRAM] {
        for (unix, how) in transports() {
            let settings = srv.settings(role, "definitely-wrong", unix);
            let err = pg::max_connections(&settings, T).err();
            let Some(err @ PgError::AuthFailed { .. }) = err else {
                panic!("{how} {}: expected AuthFailed, got {err:?}", role.name);
            };
            assert_eq!(err.sqlstate(), Some("28P01"));
            let text = err.to_string();
            assert!(text.contains(role.name), "{text}");
            assert!(text.contains("--pg-max-connections N"), "{text}");
            assert!(!text.contains("definitely-wrong"), "the password leaked: {text}");

            match pg::probe(&settings, T) {
                Probe::Ready(r @ Readiness::AnsweredWithError(PgError::AuthFailed { .. })) => {
                    let warning = r.warning().unwrap_or_default();
                    assert!(warning.contains("PostgreSQL is up"), "{warning}");
                }
                other => panic!("{how} {}: {other:?}", role.name),
            }
            let report = pg::wait_ready(&settings, T, Duration::from_millis(100), &SystemClock)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(report.attempts, 1, "a wrong password must not be retried");
        }
    }
}

#[test]
fn missing_database_and_unknown_role_mean_up_with_a_warning() {
    let Some(srv) = server() else { return };
    let settings = settings_for("127.0.0.1", srv.port, MD5.name, MD5.password, Some("no_such_db"));
    match pg::probe(&settings, T) {
        Probe::Ready(Readiness::AnsweredWithError(e)) => assert_eq!(e.sqlstate(), Some("3D000"), "{e}"),
        other => panic!("{other:?}"),
    }
    // Explicitly chosen: no fallback to template1.
    let err = pg::max_connections(&settings, T).err();
    assert!(
        err.as_ref().is_some_and(|e| e.sqlstate() == Some("3D000")),
        "{err:?}"
    );

    // A role pg_hba.conf does not know at all.
    let settings = settings_for("127.0.0.1", srv.port, "ghost", "pw", None);
    match pg::probe(&settings, T) {
        Probe::Ready(Readiness::AnsweredWithError(e @ PgError::NoHbaEntry { .. })) => {
            assert!(e.to_string().contains("pg_hba.conf"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ssl_only_role_is_reported_clearly() {
    let Some(srv) = server() else { return };
    let settings = srv.settings(SSL_ONLY, SSL_ONLY.password, false);
    let err = pg::max_connections(&settings, T).err();
    let Some(err @ PgError::NoHbaEntry { .. }) = err else {
        panic!("{err:?}");
    };
    let text = err.to_string();
    assert!(text.contains("no encryption"), "{text}");
    assert!(text.contains("does not speak SSL"), "{text}");
    assert!(text.contains("--pg-max-connections N"), "{text}");
    assert!(matches!(
        pg::probe(&settings, T),
        Probe::Ready(Readiness::AnsweredWithError(_))
    ));
}

#[test]
fn template1_is_used_when_the_postgres_database_is_gone() {
    let Some(bin) = pg_bin_dir() else { return };
    let srv = PgServer::start_new(
        &bin,
        Options {
            drop_postgres_db: true,
        },
    );
    let settings = srv.settings(SCRAM, SCRAM.password, false);
    assert!(matches!(
        pg::probe(&settings, T),
        Probe::Ready(Readiness::AnsweredWithError(ref e)) if e.sqlstate() == Some("3D000")
    ));
    let cap = pg::max_connections(&settings, T).unwrap_or_else(|e| panic!("{e}\n{}", srv.log()));
    assert_eq!(cap.max_connections, MAX_CONNECTIONS);
}

#[test]
fn nothing_listening_fails_within_the_bound_with_the_documented_message() {
    // Needs no server at all.
    let port = free_port();
    let settings = settings_for("127.0.0.1", port, "odoo", "odoo", None);
    let started = Instant::now();
    let err = pg::wait_ready(
        &settings,
        Duration::from_secs(2),
        Duration::from_millis(200),
        &SystemClock,
    )
    .err();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    let Some(err @ PgError::NotReady { attempts, .. }) = err else {
        panic!("{err:?}");
    };
    assert!(attempts >= 3, "{attempts}");
    let text = err.to_string();
    for part in [
        &format!("PostgreSQL at 127.0.0.1:{port} did not answer within 2s ({attempts} attempts in "),
        "); last error: cannot connect to",
        "refused",
        "Check that the database server is running",
        "--wait-db=SECONDS",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }

    // A Unix socket directory without a server.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = settings_for(&dir.path().to_string_lossy(), 5432, "odoo", "odoo", None);
    let err = pg::wait_ready(
        &settings,
        Duration::from_millis(500),
        Duration::from_millis(100),
        &SystemClock,
    )
    .err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains(".s.PGSQL.5432"), "{text}");
}

#[test]
fn an_unresolvable_host_is_not_ready_and_bounded() {
    let settings = settings_for("no-such-host.invalid", 5432, "odoo", "odoo", None);
    let started = Instant::now();
    let err = pg::wait_ready(
        &settings,
        Duration::from_secs(1),
        Duration::from_millis(200),
        &SystemClock,
    )
    .err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("cannot resolve no-such-host.invalid"), "{text}");
}

#[test]
fn ready_after_the_server_starts_late() {
    let Some(bin) = pg_bin_dir() else { return };
    let srv = Arc::new(PgServer::init(&bin, Options::default()));
    let settings = srv.settings(SCRAM, SCRAM.password, false);
    // Nothing listens yet.
    assert!(matches!(pg::probe(&settings, T), Probe::NotReady(_)));
    let starter = {
        let srv = Arc::clone(&srv);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            srv.start();
        })
    };
    let started = Instant::now();
    let report = pg::wait_ready(
        &settings,
        Duration::from_secs(60),
        Duration::from_millis(100),
        &SystemClock,
    );
    let joined = starter.join();
    let report = report.unwrap_or_else(|e| panic!("{e}\n{}", srv.log()));
    assert!(joined.is_ok(), "the server did not start");
    assert!(report.attempts > 1, "{report:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        matches!(report.readiness, Readiness::Accepted { .. }),
        "{report:?}"
    );

    // And the other way: once stopped, it is not ready any more.
    srv.stop();
    assert!(matches!(pg::probe(&settings, T), Probe::NotReady(_)));
}
