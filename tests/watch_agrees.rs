//! `watch` and `budget status` read the logs through one core and evaluate budgets with one
//! query: on the same files and the same `--now` they report the same spent and status for every
//! budget — whatever budgets were added or edited since watch last ran, and after `--from-end`.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-20T12:00:00Z";

fn budget_status(logs: &Path, cfg: &Path) -> Value {
    let out = run(&[
        "budget",
        "status",
        logs.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["budgets"].clone()
}

/// `watch --once --format json`: its events (ingest, budgets, alerts, deliveries) and stderr.
fn watch_once(logs: &Path, cfg: &Path, state: &Path, extra: &[&str]) -> (Vec<Value>, String) {
    let mut args = vec![
        "watch",
        "--once",
        "--poll",
        "--format",
        "json",
        "--now",
        NOW,
        logs.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0) | Some(2)), "{stderr}");
    let events = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (events, stderr)
}

fn budgets_event(events: &[Value]) -> Value {
    events
        .iter()
        .find(|e| e["event"] == "budgets")
        .expect("a budgets event")["budgets"]
        .clone()
}

fn alerts(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["event"] == "alert")
        .map(|e| e["alert"].clone())
        .collect()
}

fn setup(budgets: &str) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(
        fixture("budget-month.jsonl"),
        logs.join("budget-month.jsonl"),
    )
    .unwrap();
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(&cfg, format!("timezone = \"UTC\"\n{budgets}")).unwrap();
    let state = t.path().join("state");
    (t, logs, cfg, state)
}

fn config_of(t: &Path, budgets: &str) -> PathBuf {
    let cfg = t.join("llmlog.toml");
    std::fs::write(&cfg, format!("timezone = \"UTC\"\n{budgets}")).unwrap();
    cfg
}

#[test]
fn watch_once_reports_what_budget_status_reports_for_every_budget() {
    let cfg = fixture("budget-month.toml");
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(fixture("budget-month.jsonl"), logs.join("a.jsonl")).unwrap();
    let state = t.path().join("state");
    let status = budget_status(&logs, Path::new(&cfg));
    let (events, stderr) = watch_once(&logs, Path::new(&cfg), &state, &[]);
    let watched = budgets_event(&events);
    assert_eq!(status.as_array().unwrap().len(), 4);
    // The whole report of every budget: spent, share, status, projection, members, history.
    assert_eq!(watched, status, "{stderr}");
    // And the numbers are the right ones (tests/budget.rs computes them by hand): the monthly
    // budget has $435 of $600 spent by Nov 20 noon.
    approx(&watched[0]["spent_usd"], 435.0);
}

#[test]
fn a_budget_added_after_the_data_was_read_alerts_at_once() {
    // First run: only the monthly budget (72.5%: quiet).
    let monthly = "[[budget]]\nname = \"monthly\"\nperiod = \"monthly\"\nlimit_usd = 600\n";
    let (t, logs, cfg, state) = setup(monthly);
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    assert!(alerts(&events).is_empty(), "{events:?}");
    // Then a daily budget for the support project is added. budget-month.jsonl has $20 of
    // support calls on Nov 20 before noon (2 × $10): $20 of $10 is 200%.
    let daily = format!(
        "{monthly}[[budget]]\nname = \"support today\"\nperiod = \"daily\"\nlimit_usd = 10\nwhere = {{ project = \"support\" }}\n"
    );
    let cfg = config_of(t.path(), &daily);
    let status = budget_status(&logs, &cfg);
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    let watched = budgets_event(&events);
    assert_eq!(watched, status);
    let a = alerts(&events);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["budget"], "support today");
    assert_eq!(a[0]["threshold"], 1.0);
    approx(&a[0]["spent_usd"], status[1]["spent_usd"].as_f64().unwrap());
    // Run again: raised once, never again in the same window.
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    assert!(alerts(&events).is_empty());
}

#[test]
fn from_end_still_counts_what_was_there_for_budgets() {
    let daily = "[[budget]]\nname = \"support today\"\nperiod = \"daily\"\nlimit_usd = 10\nwhere = { project = \"support\" }\n";
    let (_t, logs, cfg, state) = setup(daily);
    let status = budget_status(&logs, &cfg);
    let (events, _) = watch_once(&logs, &cfg, &state, &["--from-end"]);
    assert_eq!(budgets_event(&events), status);
    assert_eq!(alerts(&events).len(), 1, "the window is over its limit");
}

#[test]
fn lowering_a_limit_fires_the_new_threshold() {
    let budget = |limit: u32| {
        format!("[[budget]]\nname = \"monthly\"\nperiod = \"monthly\"\nlimit_usd = {limit}\nwarn_at = [0.8]\n")
    };
    let (t, logs, _cfg, state) = setup(&budget(1000));
    let cfg = config_of(t.path(), &budget(1000));
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    assert!(alerts(&events).is_empty(), "$435 of $1000");
    let cfg = config_of(t.path(), &budget(500));
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    let a = alerts(&events);
    assert_eq!(a.len(), 1, "$435 of $500 = 87%: {a:?}");
    assert_eq!(a[0]["threshold"], 0.8);
    let cfg = config_of(t.path(), &budget(400));
    let (events, _) = watch_once(&logs, &cfg, &state, &[]);
    let a = alerts(&events);
    assert_eq!(a.len(), 1, "$435 of $400: over: {a:?}");
    assert_eq!(a[0]["threshold"], 1.0);
}

#[test]
fn webhook_secrets_never_appear_in_output_events_or_state() {
    let secret = "T0SECRET/B0SECRET/xoxb-very-secret";
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed again when the listener drops
    let budgets = format!(
        "[[budget]]\nname = \"monthly\"\nperiod = \"monthly\"\nlimit_usd = 100\n\n[alerts.webhook]\nurl = \"http://127.0.0.1:{dead}/services/{secret}\"\n"
    );
    let (t, logs, cfg, state) = setup(&budgets);
    let (events, stderr) = watch_once(&logs, &cfg, &state, &[]);
    assert!(
        !alerts(&events).is_empty(),
        "the budget is over: an alert is raised"
    );
    let all = format!(
        "{}\n{stderr}\n{}",
        events
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        std::fs::read_to_string(state.join("watch-state.json")).unwrap()
    );
    assert!(all.contains("webhook"), "the failure is reported: {all}");
    assert!(!all.contains("SECRET"), "the hook's path leaked: {all}");
    assert!(all.contains(&format!("http://127.0.0.1:{dead}/…")), "{all}");
    let out = run(&["watch", "--test-alert", "--config", cfg.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!err.contains("SECRET"), "{err}");
    drop(t);
}

#[test]
fn the_state_folder_beside_the_config_is_never_read_as_logs() {
    // llmlog.toml inside the watched folder: watch keeps .llmlog/ (state, status.json) there.
    let t = tempfile::tempdir().unwrap();
    let logs = t.path();
    std::fs::copy(fixture("budget-month.jsonl"), logs.join("calls.jsonl")).unwrap();
    let cfg = logs.join("llmlog.toml");
    std::fs::write(
        &cfg,
        "timezone = \"UTC\"\n[[budget]]\nname = \"monthly\"\nperiod = \"monthly\"\nlimit_usd = 600\n",
    )
    .unwrap();
    let once = || -> Value {
        let out = run(&[
            "watch",
            "--once",
            "--poll",
            "--format",
            "json",
            "--now",
            NOW,
            logs.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|e| e["event"] == "ingest")
            .unwrap()
    };
    let first = once();
    assert!(logs.join(".llmlog/status.json").exists());
    let second = once();
    assert_eq!(first["calls"], second["calls"]);
    assert_eq!(
        second["skipped"], 0,
        "status.json and watch-state.json are not logs"
    );
    let r = analyze_json(&[logs.to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 1);
}

#[test]
fn lines_appended_to_an_agent_session_read_like_the_rest_of_it() {
    // A Codex rollout: the model and session come from its first lines. Lines appended while
    // watch runs must still know them — watch's totals then equal analyze's of the whole file.
    use std::io::{BufRead, BufReader, Write};
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sessions/2026/11/20");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("rollout-2026-11-20T10-00-00-abc.jsonl");
    let head = concat!(
        r#"{"timestamp":"2026-11-20T10:00:00.100Z","type":"session_meta","payload":{"id":"s1","cwd":"/home/dev/repo"}}"#,
        "\n",
        r#"{"timestamp":"2026-11-20T10:00:03.200Z","type":"turn_context","payload":{"cwd":"/home/dev/repo","model":"gpt-5.1-codex"}}"#,
        "\n",
        r#"{"timestamp":"2026-11-20T10:00:19.978Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10000,"cached_input_tokens":0,"output_tokens":100,"reasoning_output_tokens":0}}}}"#,
        "\n",
    );
    std::fs::write(&f, head).unwrap();
    let cfg = t.path().join("llmlog.toml");
    std::fs::write(&cfg, "timezone = \"UTC\"\n").unwrap();
    let mut child = llmlog()
        .args([
            "watch",
            t.path().join("sessions").to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--state",
            t.path().join("state").to_str().unwrap(),
            "--format",
            "json",
            "--interval",
            "0.2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next_ingest = || -> Value {
        loop {
            let l = lines.next().unwrap().unwrap();
            let v: Value = serde_json::from_str(&l).unwrap();
            if v["event"] == "ingest" {
                return v;
            }
        }
    };
    assert_eq!(next_ingest()["calls"], 1);
    // The running total grows by 5000 in and 50 out: a call of that size, still gpt-5.1-codex.
    let mut h = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
    h.write_all(concat!(
        r#"{"timestamp":"2026-11-20T10:01:02.400Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":15000,"cached_input_tokens":0,"output_tokens":150,"reasoning_output_tokens":0}}}}"#, "\n"
    ).as_bytes()).unwrap();
    let v = next_ingest();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(v["calls"], 2);
    // gpt-5.1 at $1.25 in / $10 out per 1M: 15000×1.25 + 150×10 = 18,750 + 1,500 = 20,250 per 1M.
    approx(&v["cost_usd"], 0.02025);
    let r = analyze_json(&[t.path().join("sessions").to_str().unwrap(), "--tz", "UTC"]);
    approx(&r["summary"]["cost_usd"], 0.02025);
}
