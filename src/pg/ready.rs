//! Is PostgreSQL up? A readiness probe with `pg_isready`'s meaning, and a bounded wait loop around it.
//!
//! The server is up when it replies to the startup message with an authentication request, with
//! ReadyForQuery, or with an ErrorResponse other than SQLSTATE 57P03 (cannot_connect_now: starting up,
//! shutting down, in recovery). A wrong password, a missing database or "too many clients" therefore
//! still mean "up", reported as a warning because Odoo will hit the same error. Refused, unreachable,
//! unresolvable, timed out, 57P03, or a peer that does not speak the protocol mean "not ready".
//!
//! Owns: that classification and the retry loop (backoff, deadline, final message). Must not: sleep or
//! read the clock except through [`Clock`], retry past the deadline, or decide what init does with the
//! result.

use super::client::{is_cannot_connect_now, Connection};
use super::settings::ConnSettings;
use super::{HumanDuration, PgError};
use std::time::{Duration, Instant};

/// The longest one attempt may take; a black-holed address then still gets retried.
pub const MAX_ATTEMPT: Duration = Duration::from_secs(5);
/// The shortest time given to the first attempt, even with a zero wait.
pub const MIN_FIRST_ATTEMPT: Duration = Duration::from_secs(1);
/// No new attempt is started with less time than this left before the deadline.
pub const MIN_LAST_ATTEMPT: Duration = Duration::from_millis(200);

/// Time for the wait loop: real in production, simulated in tests.
pub trait Clock {
    fn now(&self) -> Instant;
    fn sleep(&self, d: Duration);
}

/// The system clock and `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// `now + d`, or a century from now when `d` does not fit (`--wait-db=18446744073709551615`).
pub fn deadline_after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

/// How the server answered.
#[derive(Debug)]
pub enum Readiness {
    /// The session was authenticated with these settings: Odoo's credentials work.
    Accepted { server_version: Option<String> },
    /// The server is up but refused this session (wrong password, unknown role or database, too many
    /// clients, SSL required, an authentication method this tool lacks...).
    AnsweredWithError(PgError),
}

impl Readiness {
    /// A warning to log when the server is up but the check could not log in.
    pub fn warning(&self) -> Option<String> {
        match self {
            Readiness::Accepted { .. } => None,
            Readiness::AnsweredWithError(e) => Some(format!("PostgreSQL is up, but: {e}")),
        }
    }
}

/// The outcome of one probe.
#[derive(Debug)]
pub enum Probe {
    Ready(Readiness),
    NotReady(PgError),
}

/// A successful wait.
#[derive(Debug)]
pub struct ReadyReport {
    pub readiness: Readiness,
    pub attempts: u32,
    pub waited: Duration,
}

/// One readiness check: connect, start a session with Odoo's credentials, close it.
pub fn probe(settings: &ConnSettings, timeout: Duration) -> Probe {
    let deadline = deadline_after(Instant::now(), timeout);
    match Connection::open_detailed(settings, &settings.database.value, deadline) {
        Ok(conn) => {
            let server_version = conn.server_version().map(str::to_string);
            conn.terminate();
            Probe::Ready(Readiness::Accepted { server_version })
        }
        Err(f) if is_cannot_connect_now(&f.error) => Probe::NotReady(f.error),
        Err(f) if f.server_answered => Probe::Ready(Readiness::AnsweredWithError(f.error)),
        Err(f) => Probe::NotReady(f.error),
    }
}

/// Probes until the server is up or `timeout` has passed, sleeping `poll_interval` after the first
/// failure and doubling it up to `max(poll_interval, min(4 × poll_interval, 2 s))`. At least one attempt
/// is made; no attempt lasts more than [`MAX_ATTEMPT`] or starts less than [`MIN_LAST_ATTEMPT`] before
/// the deadline. The error on timeout names the server, the time waited, the last reason and what to do.
pub fn wait_ready(
    settings: &ConnSettings,
    timeout: Duration,
    poll_interval: Duration,
    clock: &dyn Clock,
) -> Result<ReadyReport, PgError> {
    let target = settings.endpoint().to_string();
    wait_ready_with(&target, timeout, poll_interval, clock, &mut |t| {
        probe(settings, t)
    })
}

/// [`wait_ready`] with the probe injected (`attempt_timeout` → outcome), for tests.
pub fn wait_ready_with(
    target: &str,
    timeout: Duration,
    poll_interval: Duration,
    clock: &dyn Clock,
    probe: &mut dyn FnMut(Duration) -> Probe,
) -> Result<ReadyReport, PgError> {
    let start = clock.now();
    let deadline = deadline_after(start, timeout);
    let max_delay = poll_interval.max(poll_interval.saturating_mul(4).min(Duration::from_secs(2)));
    let mut delay = poll_interval;
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        let left = deadline.saturating_duration_since(clock.now());
        let mut attempt_timeout = left.min(MAX_ATTEMPT);
        if attempts == 1 {
            attempt_timeout = attempt_timeout.max(MIN_FIRST_ATTEMPT);
        }
        let last = match probe(attempt_timeout) {
            Probe::Ready(readiness) => {
                return Ok(ReadyReport {
                    readiness,
                    attempts,
                    waited: clock.now().saturating_duration_since(start),
                })
            }
            Probe::NotReady(e) => e,
        };
        let left = deadline.saturating_duration_since(clock.now());
        if left < MIN_LAST_ATTEMPT {
            return Err(PgError::NotReady {
                target: target.to_string(),
                timeout: HumanDuration(timeout),
                waited: HumanDuration(clock.now().saturating_duration_since(start)),
                attempts,
                last: Box::new(last),
            });
        }
        // Sleep, but leave the last attempt a little time before the deadline.
        let pause = delay.min(left - MIN_LAST_ATTEMPT);
        if attempts == 1 {
            log::info!(
                "waiting up to {} for PostgreSQL at {target}: {last}",
                HumanDuration(timeout)
            );
        } else {
            log::debug!("PostgreSQL at {target} not ready (attempt {attempts}): {last}");
        }
        clock.sleep(pause);
        delay = delay.saturating_mul(2).min(max_delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::io;

    /// A clock that only moves when slept on (or when a fake probe says an attempt took time).
    struct FakeClock {
        base: Instant,
        offset: Cell<Duration>,
        sleeps: RefCell<Vec<Duration>>,
    }

    impl FakeClock {
        fn new() -> FakeClock {
            FakeClock {
                base: Instant::now(),
                offset: Cell::new(Duration::ZERO),
                sleeps: RefCell::new(Vec::new()),
            }
        }
        fn advance(&self, d: Duration) {
            self.offset.set(self.offset.get() + d);
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.base + self.offset.get()
        }
        fn sleep(&self, d: Duration) {
            self.sleeps.borrow_mut().push(d);
            self.advance(d);
        }
    }

    fn refused() -> PgError {
        PgError::Connect {
            target: "db:5432".into(),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        }
    }

    #[test]
    fn ready_at_once_makes_one_attempt_and_never_sleeps() {
        let clock = FakeClock::new();
        let r = wait_ready_with(
            "db:5432",
            Duration::from_secs(30),
            Duration::from_millis(500),
            &clock,
            &mut |_| Probe::Ready(Readiness::Accepted { server_version: None }),
        );
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.attempts, 1);
        assert!(clock.sleeps.borrow().is_empty());
    }

    #[test]
    fn retries_with_bounded_backoff_until_ready() {
        let clock = FakeClock::new();
        let mut n = 0;
        let r = wait_ready_with(
            "db:5432",
            Duration::from_secs(60),
            Duration::from_millis(500),
            &clock,
            &mut |_| {
                n += 1;
                if n < 7 {
                    Probe::NotReady(refused())
                } else {
                    Probe::Ready(Readiness::Accepted { server_version: None })
                }
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.attempts, 7);
        let ms: Vec<u128> = clock.sleeps.borrow().iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![500, 1000, 2000, 2000, 2000, 2000]);
        assert_eq!(r.waited, Duration::from_millis(9500));
    }

    #[test]
    fn gives_up_at_the_deadline_with_a_useful_message() {
        let clock = FakeClock::new();
        let mut timeouts = Vec::new();
        let err = wait_ready_with(
            "db:5432",
            Duration::from_secs(3),
            Duration::from_secs(1),
            &clock,
            &mut |t| {
                timeouts.push(t);
                clock.advance(Duration::from_millis(100));
                Probe::NotReady(refused())
            },
        )
        .err();
        let Some(err @ PgError::NotReady { attempts, .. }) = err else {
            panic!("{err:?}");
        };
        // 0 → probe (0.1 s) → sleep 1 → probe → sleep 1.6 (the last attempt keeps 0.2 s) → probe → 2.9 s:
        // less than 0.2 s left, give up.
        assert_eq!(attempts, 3);
        assert_eq!(timeouts.last(), Some(&MIN_LAST_ATTEMPT));
        let total: Duration = clock.sleeps.borrow().iter().sum();
        assert!(total <= Duration::from_secs(3));
        assert!(timeouts.iter().all(|t| *t <= Duration::from_secs(3)));
        let text = err.to_string();
        assert!(text.contains("db:5432"), "{text}");
        assert!(text.contains("within 3s (3 attempts in 2.9s)"), "{text}");
        assert!(text.contains("refused"), "{text}");
        assert!(text.contains("--wait-db"), "{text}");
    }

    #[test]
    fn a_zero_wait_still_makes_one_real_attempt() {
        let clock = FakeClock::new();
        let mut seen = None;
        let err = wait_ready_with(
            "db:5432",
            Duration::ZERO,
            Duration::from_secs(1),
            &clock,
            &mut |t| {
                seen = Some(t);
                Probe::NotReady(refused())
            },
        );
        assert!(matches!(err, Err(PgError::NotReady { attempts: 1, .. })));
        assert_eq!(seen, Some(MIN_FIRST_ATTEMPT));
        assert!(clock.sleeps.borrow().is_empty());
    }

    #[test]
    fn attempts_are_capped_so_a_black_hole_is_retried() {
        let clock = FakeClock::new();
        let mut seen = Vec::new();
        let _ = wait_ready_with(
            "db:5432",
            Duration::from_secs(60),
            Duration::from_secs(1),
            &clock,
            &mut |t| {
                seen.push(t);
                clock.advance(t);
                Probe::NotReady(refused())
            },
        );
        assert!(seen.len() > 5, "{seen:?}");
        assert!(seen.iter().all(|t| *t <= MAX_ATTEMPT));
    }

    #[test]
    fn huge_timeouts_and_intervals_do_not_overflow() {
        let clock = FakeClock::new();
        let mut n = 0;
        let r = wait_ready_with(
            "db:5432",
            Duration::MAX,
            Duration::from_secs(u64::MAX / 3),
            &clock,
            &mut |t| {
                assert!(t <= MAX_ATTEMPT);
                n += 1;
                if n == 1 {
                    Probe::NotReady(refused())
                } else {
                    Probe::Ready(Readiness::Accepted { server_version: None })
                }
            },
        );
        assert!(matches!(r, Ok(ReadyReport { attempts: 2, .. })), "{r:?}");
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now);
    }

    #[test]
    fn answered_with_error_carries_a_warning() {
        let r = Readiness::AnsweredWithError(refused());
        assert!(r
            .warning()
            .is_some_and(|w| w.starts_with("PostgreSQL is up, but")));
        assert!(Readiness::Accepted { server_version: None }.warning().is_none());
    }
}
