//! Black-box tests of `llmlog watch` against real files written by another thread, a real SMTP
//! server (aiosmtpd, installed by `make test`) and a real HTTP server on 127.0.0.1.

mod common;
use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `llmlog watch --format json`, its events collected as they arrive.
struct Watch {
    child: Child,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Watch {
    /// Polling every 0.1 s: deterministic timing for the tests of what is read.
    fn start(args: &[&str]) -> Watch {
        let mut full = vec!["--poll", "--interval", "0.1"];
        full.extend_from_slice(args);
        Watch::start_raw(&full)
    }

    fn start_raw(args: &[&str]) -> Watch {
        let mut full = vec!["watch", "--format", "json", "--tz", "UTC"];
        full.extend_from_slice(args);
        let mut child = llmlog()
            .args(&full)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    ev.lock().unwrap().push(v);
                }
            }
        });
        Watch { child, events }
    }

    fn calls(&self) -> u64 {
        self.events
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["event"] == "ingest")
            .map_or(0, |e| e["calls"].as_u64().unwrap())
    }

    fn alerts(&self) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "alert")
            .map(|e| e["alert"].clone())
            .collect()
    }

    fn wait_calls(&self, n: u64, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            if self.calls() == n {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("expected {n} calls, watch counted {}", self.calls());
    }

    fn kill9(mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now_ts() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A call line; every one distinct (a sequence number as prompt_length), as real calls are:
/// byte-identical id-less lines in a log and its rotated copy are one call logged twice.
fn call(cost: f64, i: usize) -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{{\"timestamp\": \"{}\", \"model\": \"gpt-4o\", \"user_id\": \"u{}\", \"cost\": {cost}, \"latency\": 1.0, \"prompt_length\": {seq}}}\n", now_ts(), i % 3)
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let state = t.path().join("state");
    (t, logs, state)
}

#[test]
fn appended_lines_are_counted_as_they_arrive() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, &(0..3).map(|i| call(0.1, i)).collect::<String>());
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(3, 10);
    let f2 = f.clone();
    std::thread::spawn(move || {
        for i in 0..5 {
            append(&f2, &call(0.1, i));
            std::thread::sleep(Duration::from_millis(30));
        }
    })
    .join()
    .unwrap();
    w.wait_calls(8, 10);
    // A file created later in the watched directory is picked up too.
    append(&logs.join("new.jsonl"), &call(0.1, 0));
    w.wait_calls(9, 10);
}

#[test]
fn notifications_wake_it_long_before_the_timer() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, &call(0.1, 0));
    // The timer alone would rescan every 30 s; the directory notification must wake it.
    let w = Watch::start_raw(&[
        logs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--interval",
        "30",
    ]);
    w.wait_calls(1, 5);
    let t = Instant::now();
    append(&f, &call(0.1, 1));
    w.wait_calls(2, 5);
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn a_request_logged_twice_counts_once_even_across_a_restart() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    // The same request logged again is the same line: same id, time and cost.
    let ts = now_ts();
    let line =
        |id: &str| format!("{{\"timestamp\": \"{ts}\", \"request_id\": \"{id}\", \"cost\": 1}}\n");
    append(&f, &(line("r1") + &line("r2") + &line("r1")));
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(2, 10);
    w.kill9();
    append(&f, &(line("r2") + &line("r3")));
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(3, 10);
    let last = w
        .events
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event"] == "ingest")
        .unwrap()
        .clone();
    assert_eq!(last["duplicates"], 2);
}

#[test]
fn a_half_written_line_waits_for_its_newline() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, &call(0.1, 0));
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(1, 10);
    let line = call(0.1, 1);
    let (a, b) = line.split_at(line.len() / 2);
    append(&f, a);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(w.calls(), 1, "half a line is not a call");
    append(&f, b);
    w.wait_calls(2, 10);
    let skipped = w
        .events
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event"] == "ingest")
        .unwrap()["skipped"]
        .clone();
    assert_eq!(skipped, 0, "and never a skipped line");
}

#[test]
fn rename_rotation_with_writes_during_rotation() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, "");
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    let writer = {
        let (f, logs) = (f.clone(), logs.clone());
        std::thread::spawn(move || {
            let mut old = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
            for i in 0..100 {
                old.write_all(call(0.01, i).as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
            // logrotate's default: rename, then the app writes a little more to its open handle
            // before it reopens the path.
            std::fs::rename(&f, logs.join("app.jsonl.1")).unwrap();
            for i in 0..20 {
                old.write_all(call(0.01, i).as_bytes()).unwrap();
            }
            let mut new = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&f)
                .unwrap();
            for i in 0..80 {
                new.write_all(call(0.01, i).as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    writer.join().unwrap();
    w.wait_calls(200, 15);
}

#[test]
fn copytruncate_is_detected_and_the_file_reread() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, &(0..50).map(|i| call(0.01, i)).collect::<String>());
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(50, 10);
    std::fs::copy(&f, logs.join("app.jsonl.1")).unwrap(); // not *.jsonl: not watched
    std::fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&f, &(0..20).map(|i| call(0.01, i)).collect::<String>());
    w.wait_calls(70, 10);
}

#[test]
fn kill_9_at_random_moments_counts_every_call_once() {
    let (_t, logs, state) = dirs();
    let f = logs.join("app.jsonl");
    append(&f, "");
    const LINES: usize = 1500;
    let writer = {
        let f = f.clone();
        std::thread::spawn(move || {
            let mut h = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
            for i in 0..LINES {
                h.write_all(call(0.001, i).as_bytes()).unwrap();
                if i % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(3));
                }
            }
        })
    };
    // A deterministic sequence of "random" lifetimes between 30 and 400 ms.
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    let mut kills = 0;
    while !writer.is_finished() || kills < 3 {
        let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(30 + seed % 370));
        w.kill9();
        kills += 1;
    }
    writer.join().unwrap();
    let w = Watch::start(&[logs.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    w.wait_calls(LINES as u64, 15);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        w.calls(),
        LINES as u64,
        "after {kills} kill -9s, every line counted exactly once"
    );
}

fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("llmlog.toml");
    std::fs::write(
        &p,
        format!("timezone = \"UTC\"\n\n[[budget]]\nname = \"daily cap\"\nperiod = \"daily\"\nlimit_usd = 10\nwarn_at = [0.8]\n\n{extra}"),
    )
    .unwrap();
    p
}

#[test]
fn an_alert_fires_once_per_threshold_and_not_again_after_a_restart() {
    let (t, logs, state) = dirs();
    let cfg = write_config(t.path(), "");
    let f = logs.join("app.jsonl");
    let args = [
        logs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ];
    append(&f, &call(5.0, 0));
    let w = Watch::start(&args);
    w.wait_calls(1, 10);
    assert!(w.alerts().is_empty(), "50% of the limit: quiet");
    append(&f, &call(3.5, 1)); // $8.50: 85%
    w.wait_calls(2, 10);
    std::thread::sleep(Duration::from_millis(300));
    let a = w.alerts();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["threshold"], 0.8);
    append(&f, &call(0.5, 2)); // $9.00: still the 80% band
    w.wait_calls(3, 10);
    append(&f, &call(3.0, 3)); // $12.00: over
    w.wait_calls(4, 10);
    std::thread::sleep(Duration::from_millis(300));
    let a = w.alerts();
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[1]["threshold"], 1.0);
    w.kill9();
    // Restarted: nothing new is raised, and more spend in the same window stays quiet.
    append(&f, &call(1.0, 4));
    let w = Watch::start(&args);
    w.wait_calls(5, 10);
    std::thread::sleep(Duration::from_millis(400));
    assert!(w.alerts().is_empty(), "no alert twice: {:?}", w.alerts());
}

/// `watch --once`: catch up, raise and deliver alerts, save the state, exit.
fn watch_once(logs: &Path, state: &Path, cfg: &Path) -> std::process::Output {
    run(&[
        "watch",
        "--once",
        "--poll",
        "--tz",
        "UTC",
        logs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ])
}

fn python() -> String {
    std::env::var("LLMLOG_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real SMTP server (aiosmtpd) on 127.0.0.1 that stores what it receives in a Maildir.
struct Smtp {
    child: Child,
    maildir: PathBuf,
    port: u16,
}

impl Smtp {
    fn start(dir: &Path) -> Smtp {
        let maildir = dir.join("maildir");
        let port = free_port();
        let child = std::process::Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python with aiosmtpd: run `make test`, which installs it");
        let end = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < end,
                "aiosmtpd did not start: run `make test`, which installs it into target/pyenv"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Smtp {
            child,
            maildir,
            port,
        }
    }

    fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in rd.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out.sort_by_key(|m| m.contains("100%"));
        out
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn email_alerts_reach_a_real_smtp_server_once_per_threshold() {
    let (t, logs, state) = dirs();
    let smtp = Smtp::start(t.path());
    let cfg = write_config(
        t.path(),
        &format!(
            "[alerts.email]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"llmlog@example.com\"\nto = [\"oncall@example.com\", \"finance@example.com\"]\ntimeout_s = 5\n",
            smtp.port
        ),
    );
    let f = logs.join("app.jsonl");
    let once = |expect: i32| {
        let out = watch_once(&logs, &state, &cfg);
        assert_eq!(
            out.status.code(),
            Some(expect),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    append(&f, &call(9.0, 0));
    once(0);
    append(&f, &call(3.0, 1));
    once(0);
    once(0);
    let end = Instant::now() + Duration::from_secs(10);
    while smtp.messages().len() < 2 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 2, "one email per threshold: {msgs:?}");
    let (warn, over) = (&msgs[0], &msgs[1]);
    for m in &msgs {
        assert!(
            m.contains("X-RcptTo: oncall@example.com, finance@example.com"),
            "{m}"
        );
        assert!(m.contains("From: llmlog@example.com"), "{m}");
    }
    assert!(
        warn.contains("Subject: [llmlog] Budget 'daily cap' has reached 80% of $10.00"),
        "{warn}"
    );
    assert!(
        warn.contains("$9.00 spent of the $10.00 daily budget 'daily cap'"),
        "{warn}"
    );
    assert!(
        over.contains("Subject: [llmlog] Budget 'daily cap' is over 100% of $10.00"),
        "{over}"
    );
    assert!(over.contains("$12.00 spent"), "{over}");
}

/// A real HTTP server on 127.0.0.1 that fails the first `fail_first` requests with 500.
fn http_server(fail_first: usize) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let status = if n < fail_first {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = s.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (port, bodies)
}

#[test]
fn webhook_that_fails_first_gets_the_alert_on_retry() {
    let (t, logs, state) = dirs();
    let (port, bodies) = http_server(1);
    let cfg = write_config(
        t.path(),
        &format!("[alerts.webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\nformat = \"json\"\n"),
    );
    append(&logs.join("app.jsonl"), &call(12.0, 0));
    let out = watch_once(&logs, &state, &cfg);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(
        bodies.len(),
        2,
        "a failed attempt, then the retry: {bodies:?}"
    );
    let first: Value = serde_json::from_str(&bodies[0]).unwrap();
    let second: Value = serde_json::from_str(&bodies[1]).unwrap();
    assert_eq!(first, second, "the same alert, retried");
    assert_eq!(second["kind"], "budget");
    assert_eq!(second["threshold"], 1.0);
    assert_eq!(second["budget"], "daily cap");
    let st: Value =
        serde_json::from_slice(&std::fs::read(state.join("watch-state.json")).unwrap()).unwrap();
    assert_eq!(st["alerts"][0]["delivered"]["webhook"], true);
    assert!(String::from_utf8_lossy(&out.stderr).contains("alert sink webhook failed (attempt 1"));
}

#[test]
fn slack_format_and_test_alert() {
    let (t, _logs, _state) = dirs();
    let (port, bodies) = http_server(0);
    let cfg = write_config(
        t.path(),
        &format!("[alerts.webhook]\nurl = \"http://127.0.0.1:{port}/slack\"\nformat = \"slack\"\n"),
    );
    let out = run(&["watch", "--test-alert", "--config", cfg.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook: sent"));
    let b: Value = serde_json::from_str(&bodies.lock().unwrap()[0]).unwrap();
    assert!(
        b["text"]
            .as_str()
            .unwrap()
            .starts_with("*Test alert from llmlog watch*"),
        "{b}"
    );
    // A sink that cannot be reached is reported, with exit status 2.
    let dead = free_port();
    let cfg = write_config(
        t.path(),
        &format!("[alerts.webhook]\nurl = \"http://127.0.0.1:{dead}/\"\n"),
    );
    let out = run(&["watch", "--test-alert", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook: FAILED"));
}

#[test]
fn spike_error_rate_and_expensive_call_rules() {
    let (t, logs, state) = dirs();
    let p = t.path().join("llmlog.toml");
    std::fs::write(
        &p,
        "timezone = \"UTC\"\n[alerts]\nexpensive_call_usd = 2.0\n[alerts.spike]\nfactor = 3.0\n[alerts.errors]\nmax_rate = 0.2\nover_calls = 10\n",
    )
    .unwrap();
    // $1 an hour for the 24 hours before the last one, then $10 in the last hour: 10× the average.
    let now = chrono::Utc::now();
    let mut text = String::new();
    for h in 2..=25 {
        let ts = (now - chrono::Duration::hours(h)).format("%Y-%m-%dT%H:%M:%SZ");
        text.push_str(&format!("{{\"timestamp\": \"{ts}\", \"cost\": 1.0}}\n"));
    }
    for i in 0..5 {
        let ts = (now - chrono::Duration::minutes(10 + i)).format("%Y-%m-%dT%H:%M:%SZ");
        // The last ten calls: three failed (30% > 20%); one cost $2.50 (> $2).
        text.push_str(&format!(
            "{{\"timestamp\": \"{ts}\", \"cost\": {}, \"status\": \"success\"}}\n",
            if i == 0 { 2.5 } else { 1.875 }
        ));
    }
    for i in 0..5 {
        let ts = (now - chrono::Duration::minutes(5 + i)).format("%Y-%m-%dT%H:%M:%SZ");
        let status = if i < 3 { "error" } else { "success" };
        text.push_str(&format!(
            "{{\"timestamp\": \"{ts}\", \"status\": \"{status}\"}}\n"
        ));
    }
    append(&logs.join("app.jsonl"), &text);
    let out = run(&[
        "watch",
        "--once",
        "--poll",
        "--format",
        "json",
        logs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--config",
        p.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kinds: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "alert")
        .map(|e| e["alert"]["kind"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["error_rate", "expensive_call", "spike"],
        "{kinds:?}"
    );
}

/// A failing call of user bot7, the same prompt every time (a retry loop), at `now`.
fn retry(i: usize) -> String {
    format!("{{\"timestamp\": \"{}\", \"model\": \"gpt-4o\", \"user_id\": \"bot7\", \"type\": \"chat\", \"input_tokens\": 1234, \"status\": \"error\", \"request_id\": \"r{i}\"}}\n", now_ts())
}

#[test]
fn a_live_retry_loop_alerts_once_and_not_again_after_a_restart() {
    let (t, logs, state) = dirs();
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(
        &cfg,
        "timezone = \"UTC\"\n[alerts.loop]\ncalls = 30\nwithin = \"10min\"\n",
    )
    .unwrap();
    let f = logs.join("app.jsonl");
    // Normal traffic first: three users, distinct prompts.
    append(&f, &(0..10).map(|i| call(0.01, i)).collect::<String>());
    let args = [
        logs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ];
    let w = Watch::start(&args);
    w.wait_calls(10, 10);
    let f2 = f.clone();
    std::thread::spawn(move || {
        for batch in 0..4 {
            let text: String = (0..30).map(|i| retry(batch * 30 + i)).collect();
            append(&f2, &text);
            std::thread::sleep(Duration::from_millis(150));
        }
    })
    .join()
    .unwrap();
    w.wait_calls(130, 10);
    std::thread::sleep(Duration::from_millis(300));
    let loops: Vec<Value> = w
        .alerts()
        .into_iter()
        .filter(|a| a["kind"] == "loop")
        .collect();
    assert_eq!(loops.len(), 1, "{loops:#?}");
    let title = loops[0]["title"].as_str().unwrap();
    assert!(
        title.starts_with("Runaway loop: 30 calls of user bot7 (chat / gpt-4o)"),
        "{title}"
    );
    assert!(
        loops[0]["message"]
            .as_str()
            .unwrap()
            .contains("app.jsonl:11"),
        "{}",
        loops[0]["message"]
    );
    w.kill9();
    // Restarted while the loop goes on: the same burst is not alerted again.
    append(&f, &(120..140).map(retry).collect::<String>());
    let w = Watch::start(&args);
    w.wait_calls(150, 10);
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        w.alerts().iter().all(|a| a["kind"] != "loop"),
        "no second alert: {:?}",
        w.alerts()
    );
}

/// Yesterday (Nov 10) cost $5 over two calls; the day before $2.
fn digest_logs(logs: &Path) {
    append(
        &logs.join("app.jsonl"),
        "{\"timestamp\": \"2026-11-09T10:00:00Z\", \"model\": \"a\", \"cost\": 2.0}\n{\"timestamp\": \"2026-11-10T10:00:00Z\", \"model\": \"a\", \"cost\": 1.0}\n{\"timestamp\": \"2026-11-10T11:00:00Z\", \"model\": \"b\", \"cost\": 4.0}\n",
    );
}

#[test]
fn digest_is_sent_once_to_smtp_and_webhook_across_runs() {
    let (t, logs, state) = dirs();
    digest_logs(&logs);
    let smtp = Smtp::start(t.path());
    let (port, bodies) = http_server(0);
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(
        &cfg,
        format!("timezone = \"UTC\"\n[alerts.email]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"llmlog@example.com\"\nto = [\"finance@example.com\"]\ntimeout_s = 5\n[alerts.webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\nformat = \"json\"\n", smtp.port),
    )
    .unwrap();
    let send = || {
        run(&[
            "digest",
            logs.to_str().unwrap(),
            "--send",
            "--config",
            cfg.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--now",
            "2026-11-11T09:00:00Z",
        ])
    };
    let out = send();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let end = Instant::now() + Duration::from_secs(10);
    while smtp.messages().is_empty() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("LLM spend daily digest, 2026-11-10: $5.00"),
        "{}",
        mail[0]
    );
    assert!(
        mail[0].contains("+150% on the period before"),
        "{}",
        mail[0]
    );
    assert_eq!(bodies.lock().unwrap().len(), 1);
    assert!(bodies.lock().unwrap()[0].contains("\"kind\":\"digest\""));
    // Run again (cron, a restart): nothing is sent twice.
    let out = send();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already sent"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(bodies.lock().unwrap().len(), 1);
}

#[test]
fn watch_sends_the_scheduled_digest_once() {
    let (t, logs, state) = dirs();
    digest_logs(&logs);
    let (port, bodies) = http_server(0);
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(
        &cfg,
        format!("timezone = \"UTC\"\n[alerts.digest]\nperiod = \"daily\"\nat = \"08:30\"\n[alerts.webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\nformat = \"json\"\n"),
    )
    .unwrap();
    let once = |now: &str| {
        let out = run(&[
            "watch",
            "--once",
            "--poll",
            logs.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--now",
            now,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    once("2026-11-11T08:00:00Z"); // before 08:30: not yet
    assert_eq!(bodies.lock().unwrap().len(), 0);
    once("2026-11-11T09:00:00Z");
    assert_eq!(bodies.lock().unwrap().len(), 1);
    assert!(bodies.lock().unwrap()[0].contains("2026-11-10"));
    once("2026-11-11T10:00:00Z"); // the same day again: already sent
    assert_eq!(bodies.lock().unwrap().len(), 1);
}
