//! Fake PostgreSQL servers on loopback for protocol errors a real server is not easily made to produce.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Serves up to `connections` connections with `serve(index, stream)`, for 20 s at most, then stops.
/// Returns the port and the server thread (join it to fail the test when the server's checks failed).
pub fn fake<F>(connections: usize, serve: F) -> (u16, JoinHandle<()>)
where
    F: Fn(usize, TcpStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("nonblocking: {e}"));
    let handle = std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(20);
        let mut served = 0;
        while served < connections && Instant::now() < end {
            match listener.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
                    serve(served, s);
                    served += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(_) => return,
            }
        }
    });
    (port, handle)
}
