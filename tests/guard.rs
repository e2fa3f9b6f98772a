//! Hard limits apps obey: watch's live status file, `llmlog guard`, and `watch --serve`.

mod common;
use common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A hard daily $10 budget for the support project with a fallback, and a per-user hard $3 one.
const CONFIG: &str = r#"timezone = "UTC"

[[budget]]
name = "support daily"
period = "daily"
limit_usd = 10
where = { project = "support" }
hard_limit = true
fallback = { "gpt-4o*" = "gpt-4o-mini", "claude-opus-*" = "claude-sonnet-4-5" }

[[budget]]
name = "per user"
period = "daily"
limit_usd = 3
per = "user"
hard_limit = true
"#;

fn now_ts() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn call(project: &str, user: &str, cost: f64, i: usize) -> String {
    format!(
        "{{\"timestamp\": \"{}\", \"model\": \"gpt-4o\", \"project\": \"{project}\", \"user_id\": \"{user}\", \"cost\": {cost}, \"prompt_length\": {i}}}\n",
        now_ts()
    )
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

struct Setup {
    _t: tempfile::TempDir,
    logs: PathBuf,
    log: PathBuf,
    cfg: PathBuf,
    status: PathBuf,
}

fn setup() -> Setup {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let status = t.path().join("status.json");
    let log = logs.join("app.jsonl");
    append(&log, "");
    Setup {
        logs,
        log,
        cfg,
        status,
        _t: t,
    }
}

/// A running watch, killed when dropped (a failed assertion must not leave it behind).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn watch(s: &Setup, extra: &[&str]) -> Running {
    let child = llmlog()
        .args([
            "watch",
            s.logs.to_str().unwrap(),
            "--config",
            s.cfg.to_str().unwrap(),
            "--state",
            s.status.parent().unwrap().join("state").to_str().unwrap(),
            "--status-file",
            s.status.to_str().unwrap(),
            "--interval",
            "0.2",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running(child)
}

fn status_of(s: &Setup) -> Option<Value> {
    let bytes = std::fs::read(&s.status).ok()?;
    // Never half-written: every read parses.
    Some(serde_json::from_slice(&bytes).expect("a whole status file"))
}

fn wait_for(s: &Setup, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        if let Some(v) = status_of(s) {
            if pred(&v) {
                return v;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("status never showed {what}: {:?}", status_of(s));
}

fn guard(s: &Setup, args: &[&str]) -> (i32, String, String) {
    let out = run(&[
        &[
            "guard",
            "--config",
            s.cfg.to_str().unwrap(),
            "--status-file",
            s.status.to_str().unwrap(),
        ][..],
        args,
    ]
    .concat());
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn state_of<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()
}

#[test]
fn a_hard_limit_closes_guard_refuses_and_names_the_fallback() {
    let s = setup();
    let mut w = watch(&s, &[]);
    append(&s.log, &call("support", "u1", 4.0, 0));
    let v = wait_for(&s, "$4 spent", |v| {
        state_of(v, "support daily")["spent_usd"].as_f64() == Some(4.0)
    });
    assert_eq!(state_of(&v, "support daily")["state"], "ok");
    let (code, model, _) = guard(&s, &["--model", "gpt-4o", "--where", "project=support"]);
    assert_eq!((code, model.as_str()), (0, "gpt-4o"));

    // Appended from another thread while watch runs: $4 + $7 = $11 of $10 → closed.
    let log = s.log.clone();
    std::thread::spawn(move || append(&log, &call("support", "u2", 7.0, 1)))
        .join()
        .unwrap();
    let started = Instant::now();
    let v = wait_for(&s, "closed", |v| {
        state_of(v, "support daily")["state"] == "closed"
    });
    assert!(started.elapsed() < Duration::from_secs(10));
    let b = state_of(&v, "support daily");
    approx(&b["spent_usd"], 11.0);
    assert_eq!(b["fallback"]["gpt-4o*"], "gpt-4o-mini");
    assert!(b["reopens_at"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00+00:00"));

    let (code, model, err) = guard(&s, &["--model", "gpt-4o", "--where", "project=support"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(model, "gpt-4o-mini", "the fallback on stdout");
    assert!(
        err.contains("support daily") && err.contains("closed"),
        "{err}"
    );
    // The most specific glob: claude-opus-4 → claude-sonnet-4-5.
    let (_, model, _) = guard(
        &s,
        &["--model", "claude-opus-4", "--where", "project=support"],
    );
    assert_eq!(model, "claude-sonnet-4-5");
    // Another project is outside the budget's scope.
    let (code, model, _) = guard(&s, &["--model", "gpt-4o", "--where", "project=web"]);
    assert_eq!((code, model.as_str()), (0, "gpt-4o"));
    // Per-user hard limit ($3): u2 spent $7 → closed for u2 only; u1 spent $4 → closed too;
    // u3 spent nothing.
    let (code, _, _) = guard(&s, &["--budget", "per user", "--where", "user=u2"]);
    assert_eq!(code, 1);
    let (code, _, _) = guard(&s, &["--budget", "per user", "--where", "user=u3"]);
    assert_eq!(code, 0);
    // The window's end reopens it.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%dT00:00:01Z")
        .to_string();
    let (code, model, _) = guard(
        &s,
        &[
            "--model",
            "gpt-4o",
            "--where",
            "project=support",
            "--now",
            &tomorrow,
        ],
    );
    assert_eq!((code, model.as_str()), (0, "gpt-4o"));

    // kill -9: the status file is whole, and still readable.
    let _ = w.0.kill();
    let _ = w.0.wait();
    assert!(status_of(&s).is_some());
    // Once stale (watch gone), guard reads the logs itself — and gives the same answer.
    std::thread::sleep(Duration::from_millis(5200));
    let (code, model, err) = guard(
        &s,
        &[
            s.logs.to_str().unwrap(),
            "--model",
            "gpt-4o",
            "--where",
            "project=support",
        ],
    );
    assert_eq!((code, model.as_str()), (1, "gpt-4o-mini"), "{err}");
    // Stale and no logs: a clear error.
    let (code, _, err) = guard(&s, &["--model", "gpt-4o"]);
    assert_eq!(code, 2);
    assert!(err.contains("no fresh status file"), "{err}");
}

fn http_get(port: u16, path: &str) -> (u16, Value) {
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    let code: u16 = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    (code, serde_json::from_str(body).unwrap())
}

#[test]
fn the_local_endpoint_answers_200_then_429() {
    let s = setup();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let _w = watch(&s, &["--serve", &addr]);
    append(&s.log, &call("support", "u1", 2.0, 0));
    wait_for(&s, "$2", |v| {
        state_of(v, "support daily")["spent_usd"].as_f64() == Some(2.0)
    });
    let (code, a) = http_get(port, "/guard?model=gpt-4o&project=support");
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["model"], "gpt-4o");
    append(&s.log, &call("support", "u1", 9.0, 1));
    wait_for(&s, "closed", |v| {
        state_of(v, "support daily")["state"] == "closed"
    });
    std::thread::sleep(Duration::from_millis(300));
    let (code, a) = http_get(port, "/guard?model=gpt-4o&project=support");
    assert_eq!(code, 429, "{a}");
    assert_eq!(a["allowed"], false);
    assert_eq!(a["model"], "gpt-4o-mini");
    let (code, st) = http_get(port, "/status");
    assert_eq!(code, 200);
    assert_eq!(state_of(&st, "support daily")["state"], "closed");
    // Read-only, aggregates only: no log lines, no file paths.
    assert!(!st.to_string().contains("prompt_length"));
}

#[test]
fn a_closed_budget_alerts_closed_then_reopened() {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    append(
        &logs.join("app.jsonl"),
        "{\"timestamp\": \"2026-11-20T10:00:00Z\", \"model\": \"gpt-4o\", \"project\": \"support\", \"cost\": 12}\n",
    );
    let once = |now: &str| -> Vec<Value> {
        let out = run(&[
            "watch",
            "--once",
            "--poll",
            "--format",
            "json",
            "--now",
            now,
            logs.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--state",
            t.path().join("state").to_str().unwrap(),
        ]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["event"] == "alert")
            .map(|e| e["alert"].clone())
            .collect()
    };
    let a = once("2026-11-20T12:00:00Z");
    let closed: Vec<&Value> = a
        .iter()
        .filter(|x| x["budget"] == "support daily")
        .collect();
    assert_eq!(closed.len(), 1, "{a:?}");
    assert!(
        closed[0]["title"].as_str().unwrap().contains("is closed"),
        "{a:?}"
    );
    assert!(closed[0]["message"]
        .as_str()
        .unwrap()
        .contains("gpt-4o* → gpt-4o-mini"));
    // The next day's first pass: reopened, once per budget (and member) that was closed — the
    // support budget, and the per-user budget's member without a user ($12 of $3).
    let a = once("2026-11-21T00:00:05Z");
    let reopened: Vec<(&str, &str)> = a
        .iter()
        .filter(|x| x["title"].as_str().unwrap().contains("reopened"))
        .map(|x| {
            (
                x["budget"].as_str().unwrap(),
                x["member"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        reopened,
        [("support daily", ""), ("per user", "(none)")],
        "{a:?}"
    );
    assert!(once("2026-11-21T00:10:00Z").is_empty());
}
