//! A fault-injecting proxy in front of the real Docker engine, on a unix socket of its own: point
//! `DOCKER_HOST` at it and decide, per request, to forward it, to drop the connection without an answer
//! (the engine died mid-request), or to run something first (remove the container the request is about).
//! One request per connection: the proxy answers with `Connection: close`, so the client opens a new
//! connection for each request and every request passes through the decision.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const ENGINE_SOCKET: &str = "/var/run/docker.sock";

/// What to do with one request.
pub enum Action {
    Forward,
    /// Close the client's connection without an answer, as an engine that stops does.
    Drop,
}

/// Decides from the request line (`GET /v1.41/containers/ID/archive?path=... HTTP/1.1`); may act first.
pub type Rule = Arc<dyn Fn(&str) -> Action + Send + Sync>;

/// Starts the proxy; returns the socket path to use as `unix://PATH`.
pub fn start(dir: &Path, rule: Rule) -> PathBuf {
    let path = dir.join("engine-proxy.sock");
    let listener = UnixListener::bind(&path).expect("bind the proxy socket");
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let rule = rule.clone();
            std::thread::spawn(move || serve(client, &rule));
        }
    });
    path
}

fn serve(mut client: UnixStream, rule: &Rule) {
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_string();
    match rule(&line) {
        Action::Drop => {}
        Action::Forward => {
            let Ok(mut engine) = UnixStream::connect(ENGINE_SOCKET) else {
                return;
            };
            let mut request = String::new();
            for (i, l) in head.split("\r\n").enumerate() {
                if i > 0 && l.to_ascii_lowercase().starts_with("connection:") {
                    continue;
                }
                if l.is_empty() {
                    continue;
                }
                request.push_str(l);
                request.push_str("\r\n");
            }
            request.push_str("Connection: close\r\n\r\n");
            if engine.write_all(request.as_bytes()).is_err() || engine.write_all(&body).is_err() {
                return;
            }
            let mut answer = Vec::new();
            let _ = engine.read_to_end(&mut answer);
            let _ = client.write_all(&answer);
        }
    }
}

/// The request head (up to the blank line) and its body (by Content-Length; chunked bodies are not
/// needed by the requests these tests make through the proxy).
fn read_request(stream: &mut UnixStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some((head, body))
}
