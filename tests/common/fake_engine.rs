//! Fake Docker engines on unix sockets, for the errors a real engine is not easily made to produce: an
//! HTTP answer per request line, one request per connection.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads a request head from `stream` and returns its first line (`GET /v1.41/info HTTP/1.1`).
pub fn request_line(stream: &mut UnixStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    Some(text.lines().next().unwrap_or_default().to_string())
}

/// Reads a whole request from `stream`: its first line and its body (`Content-Length` bytes; empty
/// without that header), for the requests that carry data (`PUT /containers/{id}/archive`).
pub fn request(stream: &mut UnixStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while data.len() < end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let line = head.lines().next().unwrap_or_default().to_string();
    Some((line, data[end..end + length].to_vec()))
}

/// A fake engine at `dir/NAME`: `respond` gets each request line and returns the whole answer, or
/// `None` to keep the connection open without answering (an engine that hangs).
pub fn serve<F>(dir: &Path, name: &str, respond: F) -> PathBuf
where
    F: Fn(&str) -> Option<Vec<u8>> + Send + Sync + Copy + 'static,
{
    let path = dir.join(name);
    let listener = UnixListener::bind(&path).expect("bind the fake engine's socket");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let Some(line) = request_line(&mut stream) else {
                    return;
                };
                match respond(&line) {
                    Some(answer) => {
                        let _ = stream.write_all(&answer);
                    }
                    None => std::thread::sleep(Duration::from_secs(30)),
                }
            });
        }
    });
    path
}

/// An HTTP/1.1 answer that closes the connection.
pub fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn json(status: &str, body: &str) -> Vec<u8> {
    http(status, "application/json", body.as_bytes())
}
