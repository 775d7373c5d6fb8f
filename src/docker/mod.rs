//! The Docker edge: the only asynchronous code of odoo-sizer, used by `inspect` and `watch`.
//!
//! Owns: the connection to the engine ([`client`]), choosing target containers ([`select`]), the facts
//! about one container (limits, Odoo version, config path, command-line and environment overrides:
//! [`target`], pure), reading and writing one file through the archive API ([`archive`]), the process
//! list ([`top`]), signals and restarts ([`control`]), the event stream ([`events`]), and running many
//! targets at once with a bound ([`map_bounded`]).
//! Must not: size Odoo, parse or edit odoo.conf, print anything, or create a runtime outside
//! [`runtime`] (the synchronous commands never start tokio).
//!
//! Every failure is a [`DockerError`] whose message names the engine or container and what to do next;
//! the command maps it to exit code 6 (7 when only some targets failed).

pub mod archive;
pub mod client;
pub mod control;
pub mod error;
pub mod events;
pub mod select;
pub mod target;
pub mod top;

pub use client::{ConnectOptions, DockerHost, Engine};
pub use error::DockerError;

use futures_util::stream::{self, StreamExt};
use std::future::Future;

/// How many targets are worked on at once by default: enough to hide the engine's latency, few enough
/// not to flood a small engine.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The runtime of the Docker commands: current-thread (the work is I/O on one socket), with I/O and
/// timers. Created by the Docker commands only.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
}

/// Runs `work` on every item with at most `limit` running at once, and returns the results in the
/// order of `items`. Each item's result is its own: one failure never stops or hides the others.
pub async fn map_bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    let count = items.len();
    let mut indexed: Vec<(usize, R)> = stream::iter(items.into_iter().enumerate())
        .map(|(i, item)| {
            let fut = work(item);
            async move { (i, fut.await) }
        })
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    indexed.sort_by_key(|(i, _)| *i);
    debug_assert_eq!(indexed.len(), count);
    indexed.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    #[test]
    fn bounded_keeps_order_isolates_failures_and_respects_the_limit() {
        let rt = runtime().unwrap();
        let running = Rc::new(Cell::new(0usize));
        let peak = Rc::new(Cell::new(0usize));
        let results = rt.block_on(map_bounded((0..40u64).collect(), 5, |i| {
            let running = running.clone();
            let peak = peak.clone();
            async move {
                running.set(running.get() + 1);
                peak.set(peak.get().max(running.get()));
                // later items finish first, to check that the order is restored
                tokio::time::sleep(Duration::from_millis(40 - i)).await;
                running.set(running.get() - 1);
                if i % 7 == 3 {
                    Err(format!("item {i} failed"))
                } else {
                    Ok(i * 2)
                }
            }
        }));
        assert_eq!(results.len(), 40);
        for (i, r) in results.iter().enumerate() {
            let i = i as u64;
            if i % 7 == 3 {
                assert_eq!(r, &Err(format!("item {i} failed")));
            } else {
                assert_eq!(r, &Ok(i * 2));
            }
        }
        assert!(peak.get() <= 5 && peak.get() >= 2, "peak {}", peak.get());
        assert!(rt
            .block_on(map_bounded(Vec::<u8>::new(), 0, |x| async move { x }))
            .is_empty());
    }
}
