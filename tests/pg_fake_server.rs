//! The `pg` client against fake servers on loopback: "starting up" (57P03) replies, garbage, silence,
//! trickling, floods, forged SCRAM exchanges and odd answers. Each fake serves a bounded number of
//! connections and stops by itself.

#[path = "common/pg.rs"]
mod pg_helper;

#[path = "common/fake_pg.rs"]
mod fake_pg;
use fake_pg::fake;
use odoo_sizer::pg::{self, PgError, Probe, Readiness, SystemClock};
use pg_helper::settings_for;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Joins a fake server, failing the test when one of its own checks failed.
fn join(server: JoinHandle<()>) {
    assert!(server.join().is_ok(), "the fake server's checks failed");
}

fn settings(port: u16) -> pg::ConnSettings {
    settings_for("127.0.0.1", port, "odoo", "odoo-pw", None)
}

fn read_startup(s: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 4];
    if s.read_exact(&mut len).is_err() {
        return Vec::new();
    }
    let len = i32::from_be_bytes(len).clamp(4, 10_000) as usize - 4;
    let mut body = vec![0u8; len];
    let _ = s.read_exact(&mut body);
    body
}

fn read_message(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]).clamp(4, 100_000) as usize - 4;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn auth(code: i32, extra: &[u8]) -> Vec<u8> {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(extra);
    msg(b'R', &body)
}

fn error(code: &str, message: &str) -> Vec<u8> {
    msg(
        b'E',
        format!("SFATAL\0VFATAL\0C{code}\0M{message}\0\0").as_bytes(),
    )
}

fn ready_session() -> Vec<u8> {
    let mut out = auth(0, &[]);
    out.extend(msg(b'S', b"server_version\x0016.4\0"));
    out.extend(msg(b'K', &[0, 0, 0, 1, 0, 0, 0, 2]));
    out.extend(msg(b'Z', b"I"));
    out
}

fn one_column_result(value: &str) -> Vec<u8> {
    let mut out = msg(
        b'T',
        b"\0\x01x\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0",
    );
    let mut row = vec![0u8, 1];
    row.extend_from_slice(&(value.len() as i32).to_be_bytes());
    row.extend_from_slice(value.as_bytes());
    out.extend(msg(b'D', &row));
    out.extend(msg(b'C', b"SHOW\0"));
    out.extend(msg(b'Z', b"I"));
    out
}

#[test]
fn starting_up_is_not_ready_and_the_wait_goes_on_until_the_server_accepts() {
    let (port, server) = fake(3, |i, mut s| {
        read_startup(&mut s);
        if i < 2 {
            let _ = s.write_all(&error("57P03", "the database system is starting up"));
        } else {
            let _ = s.write_all(&ready_session());
            let _ = read_message(&mut s); // Terminate
        }
    });
    let report = pg::wait_ready(
        &settings(port),
        Duration::from_secs(10),
        Duration::from_millis(50),
        &SystemClock,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.attempts, 3);
    assert!(matches!(
        report.readiness,
        Readiness::Accepted { server_version: Some(ref v) } if v == "16.4"
    ));
    join(server);
}

#[test]
fn a_server_that_stays_in_recovery_times_out_with_the_reason() {
    let (port, _server) = fake(1000, |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&error("57P03", "the database system is in recovery mode"));
    });
    let err = pg::wait_ready(
        &settings(port),
        Duration::from_millis(800),
        Duration::from_millis(50),
        &SystemClock,
    )
    .err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("did not answer within"), "{text}");
    assert!(text.contains("57P03") && text.contains("recovery mode"), "{text}");
}

#[test]
fn a_huge_announced_length_is_refused_at_once() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(b"R\x7f\xff\xff\xff");
        std::thread::sleep(Duration::from_millis(500));
    });
    let started = Instant::now();
    match pg::probe(&settings(port), Duration::from_secs(5)) {
        Probe::NotReady(e @ PgError::Protocol { .. }) => {
            assert!(
                e.to_string().contains("is this really a PostgreSQL server"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    join(server);
}

#[test]
fn an_http_server_is_not_postgresql() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    assert!(matches!(
        pg::probe(&settings(port), Duration::from_secs(5)),
        Probe::NotReady(PgError::Protocol { .. })
    ));
    join(server);
}

#[test]
fn a_silent_server_cannot_hold_the_probe_past_its_timeout() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        std::thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    match pg::probe(&settings(port), Duration::from_millis(700)) {
        Probe::NotReady(PgError::Timeout { .. }) => {}
        other => panic!("{other:?}"),
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    join(server);
}

#[test]
fn a_trickling_server_cannot_extend_the_deadline() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        // A valid notice, one byte every 100 ms, over and over.
        let notice = msg(b'N', b"SNOTICE\0C00000\0Mhello\0\0");
        for b in notice.iter().cycle().take(60) {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let started = Instant::now();
    let outcome = pg::probe(&settings(port), Duration::from_secs(1));
    let elapsed = started.elapsed();
    assert!(
        matches!(outcome, Probe::NotReady(PgError::Timeout { .. })),
        "{outcome:?}"
    );
    assert!(elapsed < Duration::from_millis(1800), "{elapsed:?}");
    join(server);
}

#[test]
fn a_flood_of_notices_is_cut_off() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        let notice = msg(b'N', b"SNOTICE\0C00000\0Mhello\0\0");
        let burst: Vec<u8> = notice.iter().copied().cycle().take(notice.len() * 1000).collect();
        for _ in 0..100 {
            if s.write_all(&burst).is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    match pg::probe(&settings(port), Duration::from_secs(20)) {
        Probe::NotReady(e @ PgError::Protocol { .. }) => {
            assert!(e.to_string().contains("messages during startup"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    join(server);
}

#[test]
fn a_closed_connection_is_not_ready() {
    let (port, server) = fake(1, |_, s| drop(s));
    match pg::probe(&settings(port), Duration::from_secs(5)) {
        Probe::NotReady(e) => assert!(matches!(e, PgError::Io { .. } | PgError::Connect { .. }), "{e:?}"),
        other => panic!("{other:?}"),
    }
    join(server);
}

/// A SCRAM server that does not know the password: it forges the server-first message and `final`
/// decides how it ends.
fn forged_scram(final_msg: &'static [u8]) -> (u16, JoinHandle<()>) {
    fake(2, move |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&auth(10, b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"));
        let Some((b'p', body)) = read_message(&mut s) else {
            return;
        };
        // mechanism\0, Int32 length, "n,,n=,r=<nonce>"
        let Some(nul) = body.iter().position(|&b| b == 0) else {
            return;
        };
        assert_eq!(&body[..nul], b"SCRAM-SHA-256");
        let first = String::from_utf8_lossy(&body[nul + 5..]).into_owned();
        assert!(first.starts_with("n,,n=,r="), "{first}");
        let nonce = first.trim_start_matches("n,,n=,r=").to_string();
        let server_first = format!("r={nonce}forged,s=c2FsdHNhbHQ=,i=4096");
        let _ = s.write_all(&auth(11, server_first.as_bytes()));
        let Some((b'p', client_final)) = read_message(&mut s) else {
            return;
        };
        let client_final = String::from_utf8_lossy(&client_final).into_owned();
        assert!(
            client_final.starts_with(&format!("c=biws,r={nonce}forged,p=")),
            "{client_final}"
        );
        let _ = s.write_all(final_msg);
        let _ = read_message(&mut s);
    })
}

#[test]
fn a_scram_server_with_a_wrong_signature_is_rejected() {
    let mut wrong = auth(12, b"v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    wrong.extend(ready_session());
    let (port, server) = forged_scram(Box::leak(wrong.into_boxed_slice()));
    let err = pg::max_connections(&settings(port), Duration::from_secs(5)).err();
    let text = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert!(matches!(err, Some(PgError::Scram { .. })), "{err:?}");
    assert!(text.contains("signature is wrong"), "{text}");
    // The server did answer: up, with a warning.
    assert!(matches!(
        pg::probe(&settings(port), Duration::from_secs(5)),
        Probe::Ready(Readiness::AnsweredWithError(PgError::Scram { .. }))
    ));
    join(server);
}

#[test]
fn a_scram_server_that_skips_its_proof_is_rejected() {
    let (port, server) = forged_scram(Box::leak(ready_session().into_boxed_slice()));
    let err = pg::max_connections(&settings(port), Duration::from_secs(5)).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("without proving it knows the password"), "{text}");
    drop(pg::probe(&settings(port), Duration::from_secs(5)));
    join(server);
}

#[test]
fn unsupported_methods_and_ssl_demands_are_named() {
    let (port, server) = fake(2, |i, mut s| {
        read_startup(&mut s);
        let reply = if i == 0 {
            auth(7, &[])
        } else {
            error("08P01", "SSL required")
        };
        let _ = s.write_all(&reply);
    });
    let err = pg::max_connections(&settings(port), Duration::from_secs(5)).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("GSSAPI") && text.contains("--pg-max-connections N"),
        "{text}"
    );
    let err = pg::max_connections(&settings(port), Duration::from_secs(5)).err();
    assert!(matches!(err, Some(PgError::SslRequired { .. })), "{err:?}");
    join(server);
}

#[test]
fn odd_answers_to_show_are_errors_not_numbers() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&ready_session());
        let Some((b'Q', _)) = read_message(&mut s) else {
            return;
        };
        let _ = s.write_all(&one_column_result("lots"));
        let _ = read_message(&mut s);
    });
    let err = pg::max_connections(&settings(port), Duration::from_secs(5)).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("SHOW max_connections") && text.contains("\"lots\""),
        "{text}"
    );
    join(server);
}

#[test]
fn capacity_from_a_pre_16_server_without_reserved_connections() {
    let (port, server) = fake(1, |_, mut s| {
        read_startup(&mut s);
        let _ = s.write_all(&ready_session());
        let answers = [
            one_column_result("250"),
            one_column_result("5"),
            {
                let mut e = msg(
                    b'E',
                    b"SERROR\0VERROR\0C42704\0Munrecognized configuration parameter \"reserved_connections\"\0\0",
                );
                e.extend(msg(b'Z', b"I"));
                e
            },
            one_column_result("12"),
        ];
        for answer in answers {
            let Some((b'Q', _)) = read_message(&mut s) else {
                return;
            };
            let _ = s.write_all(&answer);
        }
        let _ = read_message(&mut s);
    });
    let cap = pg::max_connections(&settings(port), Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cap,
        pg::PgCapacity {
            max_connections: 250,
            superuser_reserved: 5,
            reserved: 0,
            in_use: Some(12)
        }
    );
    assert_eq!(cap.ordinary_slots(), 245);
    join(server);
}
