//! `watch --serve ADDR`: the live status over HTTP for services in containers. GET /status (the
//! status file's JSON) and GET /guard?model=…&user=… (200 allowed, 429 closed, the answer as
//! JSON). Read-only, aggregates only, one connection at a time with short timeouts.

use crate::budget::status::{decide, LiveStatus, Question};
use crate::normalize::dimension::Dimension;
use anyhow::{Context, Result};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Shared = Arc<Mutex<Option<LiveStatus>>>;

const MAX_CONNECTIONS: usize = 16;
/// The whole request line must arrive within this.
const DEADLINE: Duration = Duration::from_secs(2);

/// Binds now (so a bad address is an error at start) and serves on a thread.
pub fn start(addr: &str, status: Shared, clock: fn() -> i64) -> Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).with_context(|| {
        format!("--serve {addr}: cannot listen there (give e.g. 127.0.0.1:8787)")
    })?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        eprintln!("llmlog: note: --serve {local} answers beyond this machine");
    }
    // A thread per connection, at most MAX_CONNECTIONS at once, each done within DEADLINE: a
    // slow client cannot hold the endpoint.
    let active = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::spawn(move || {
        use std::sync::atomic::Ordering;
        for conn in listener.incoming().flatten() {
            if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                continue; // dropped: the client retries
            }
            active.fetch_add(1, Ordering::SeqCst);
            let (status, active) = (status.clone(), active.clone());
            std::thread::spawn(move || {
                let _ = handle(conn, &status, clock);
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok(local)
}

fn handle(mut conn: TcpStream, status: &Shared, clock: fn() -> i64) -> Result<()> {
    conn.set_write_timeout(Some(DEADLINE))?;
    let line = request_line(&mut conn)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let current = status.lock().unwrap().clone();
    let (code, body) = match (method, path, current) {
        ("GET", _, None) => (503, r#"{"error":"no status yet"}"#.to_string()),
        ("GET", "/status", Some(s)) => (200, serde_json::to_string(&s)?),
        ("GET", "/guard", Some(s)) => {
            let mut q = Question::default();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let v = decode(v);
                match k {
                    "model" => q.model = Some(v),
                    "budget" => q.budget = Some(v),
                    other => {
                        if let Ok(d) = Dimension::parse(other) {
                            q.fields.insert(d.name().to_string(), v);
                        }
                    }
                }
            }
            let a = decide(&s, &q, clock());
            (
                if a.allowed { 200 } else { 429 },
                serde_json::to_string(&a)?,
            )
        }
        ("GET", _, Some(_)) => (404, r#"{"error":"use /status or /guard?model=…"}"#.into()),
        _ => (405, r#"{"error":"GET only"}"#.into()),
    };
    let reason = match code {
        200 => "OK",
        429 => "Too Many Requests",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    write!(
        conn,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    Ok(())
}

/// The request line (at most 8 KB), read against one deadline for the whole line.
fn request_line(conn: &mut TcpStream) -> std::io::Result<String> {
    use std::io::Read;
    let end = std::time::Instant::now() + DEADLINE;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.contains(&b'\n') && buf.len() < 8192 {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = buf.split(|b| *b == b'\n').next().unwrap_or(&[]);
    Ok(String::from_utf8_lossy(line).into_owned())
}

/// `%xx` and `+` in a query value.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_query_values() {
        assert_eq!(super::decode("gpt-4o%2Dmini+x"), "gpt-4o-mini x");
        assert_eq!(super::decode("50%"), "50%");
        assert_eq!(super::decode("%zz"), "%zz");
    }
}
