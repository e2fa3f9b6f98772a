//! Black-box tests of the core: logger envelopes, dedupe (same request id AND same content),
//! rotated files, determinism, and hostile input. Every expected number is computed by hand from
//! the fixture's content (prices from src/normalize/prices.toml, USD per 1M tokens).

mod common;
use common::*;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// helpers

fn fixture_dir(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", name].iter().collect()
}

fn num(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned integer: {v}"))
}

fn keys(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The envelope-only lines of a file are not calls, for the reason `no_call_fields`, and the
/// examples name them in order.
fn assert_not_calls(r: &Value, file: &str, lines: &[u64]) {
    let sk = &r["skipped"];
    assert_eq!(num(&sk["not_calls"]), lines.len() as u64, "{sk}");
    assert_eq!(
        num(&sk["not_call_reasons"]["no_call_fields"]),
        lines.len() as u64,
        "{sk}"
    );
    let ex = sk["not_call_examples"]
        .as_array()
        .expect("not_call_examples");
    assert_eq!(ex.len(), lines.len(), "{sk}");
    for (e, &line) in ex.iter().zip(lines) {
        assert!(e["file"].as_str().unwrap().ends_with(file), "{e}");
        assert_eq!(num(&e["line"]), line, "{e}");
    }
    assert_eq!(
        num(&sk["lines"]),
        0,
        "no line of a logger file is unusable: {sk}"
    );
    assert_eq!(num(&sk["duplicates"]), 0, "{sk}");
}

/// What a bounded run left behind.
struct Finished {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs llmlog, killing it (and failing the test) if it has not finished after 60 s.
fn run_bounded(args: &[&str]) -> Finished {
    let mut child = llmlog()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llmlog");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    // Drain both pipes while waiting, so a large report cannot block the child.
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for llmlog") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("llmlog {args:?} did not finish within 60 s (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = t_out.join().unwrap();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    Finished {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// No panic (101), no death by signal (stack overflow, abort: no exit code), only 0 or 2.
fn assert_no_crash(f: &Finished, what: &str) {
    let tail: String = f
        .stderr
        .chars()
        .rev()
        .take(2000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_ne!(f.code, Some(101), "{what}: llmlog panicked\nstderr: {tail}");
    assert!(
        matches!(f.code, Some(0) | Some(2)),
        "{what}: exit {:?} (None = killed by a signal)\nstderr: {tail}",
        f.code
    );
}

/// `analyze ARGS --format json --tz UTC`, bounded; must exit 0; the parsed report.
fn hostile_report(paths: &[&Path], what: &str) -> Value {
    let f = hostile_run(paths);
    assert_no_crash(&f, what);
    assert_eq!(
        f.code,
        Some(0),
        "{what}: a skippable line must not fail the run\nstderr: {}",
        f.stderr
    );
    serde_json::from_slice(&f.stdout).expect("valid JSON report")
}

fn hostile_run(paths: &[&Path]) -> Finished {
    let owned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["analyze", "--format", "json", "--tz", "UTC"];
    args.extend(owned.iter().map(String::as_str));
    run_bounded(&args)
}

/// The good line every hostile file carries besides its hostile line(s).
const GOOD: &str = r#"{"ts":1795168801,"model":"gpt-4o","cost":0.5}"#;

/// Writes `content` + "\n" + GOOD + "\n" as NAME in a fresh temp dir.
fn hostile_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    let mut bytes = content.to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(GOOD.as_bytes());
    bytes.push(b'\n');
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

/// A hostile line that must be skipped: only the good line counts.
fn assert_skipped_beside_good(name: &str, hostile: &[u8], skipped_lines: u64) {
    let (_dir, p) = hostile_file(name, hostile);
    let r = hostile_report(&[p.as_path()], name);
    assert_eq!(num(&r["summary"]["calls"]), 1, "{name}: {}", r["skipped"]);
    approx(&r["summary"]["cost_usd"], 0.5); // the good line's logged cost
    assert_eq!(
        num(&r["skipped"]["lines"]),
        skipped_lines,
        "{name}: {}",
        r["skipped"]
    );
    let ex = &r["skipped"]["examples"][0];
    assert!(ex["file"].as_str().unwrap().ends_with(name), "{ex}");
    assert_eq!(num(&ex["line"]), 1, "{ex}");
}

// ---------------------------------------------------------------------------------------------
// 1. one test per logger style (tests/fixtures/loggers/)

// winston.jsonl: level/message/timestamp/service envelope; lines 1 and 5 are envelope only
// (line 5 has level "error" — a logger level is not a call's status).
//   calls (lines 2, 3, 4, 6), logged costs: 0.0001794 + 0.003 + 0.0085 + 0.00009 = 0.0117694
//   input 812 + 1200 + 2000 + 400 = 4412; output 96 + 0 + 350 + 50 = 496
//   line 3 failed (status error, error.type rate_limit_error): errors 1, success 3/4
//   latency_ms max 30000 → 30 s
//   cust_42: lines 2 + 4 = 0.0001794 + 0.0085 = 0.0086794 (2 calls); cust_7 0.003; cust_9 0.00009
//   UTC hours: 10:00:01, 10:00:03, 11:15:40 (20th), 08:05:12 (21st)
#[test]
fn winston_envelope() {
    let r = analyze_json(&[&fixture("loggers/winston.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 4);
    approx(&s["cost_usd"], 0.0117694);
    assert_eq!(s["input_tokens"], 4412);
    assert_eq!(s["output_tokens"], 496);
    assert_eq!(s["errors"], 1);
    approx(&s["success_rate"], 0.75);
    approx(&s["latency_s"]["max"], 30.0);
    assert_eq!(r["errors_by_kind"][0]["key"], "rate_limit_error");
    let cust42 = row(&r["by_user"], "cust_42");
    assert_eq!(cust42["calls"], 2);
    approx(&cust42["cost_usd"], 0.0086794);
    approx(&row(&r["by_user"], "cust_7")["cost_usd"], 0.003);
    approx(&row(&r["by_user"], "cust_9")["cost_usd"], 0.00009);
    assert_eq!(r["users_total"], 3);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "11")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "08")["calls"], 1);
    assert_eq!(row(&r["by_day"], "2026-11-20")["calls"], 3);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
    assert_not_calls(&r, "winston.jsonl", &[1, 5]);
}

// pino.jsonl: numeric level, `time` in epoch ms, msg, pid, hostname (and `name` on two lines);
// lines 1 and 6 are envelope only.
//   calls (lines 2–5), logged costs: 0.00675 + 0 + 0.000702 + 0.009 = 0.016452
//   (line 3 logs cost 0 for a timed-out call: a logged 0 is a cost, not a reason to price it)
//   input 1500 + 900 + 3000 + 5000 = 10400; output 300 + 0 + 420 + 800 = 1520
//   line 3 success:false → errors 1; latencyMs max 60000 → 60 s
//   u_9: 0.00675 + 0.000702 = 0.007452 (2 calls); u_3: 0 (1); u_12: 0.009 (1)
//   epoch ms → UTC: 1795168801120 = 2026-11-20T10:00:01.120Z, 1795168865400 = 10:01:05.4,
//   1795172400250 = 11:00:00.25, 1795176123456 = 12:02:03.456 → hours 10, 10, 11, 12
#[test]
fn pino_envelope() {
    let r = analyze_json(&[&fixture("loggers/pino.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 4);
    approx(&s["cost_usd"], 0.016452);
    assert_eq!(s["input_tokens"], 10400);
    assert_eq!(s["output_tokens"], 1520);
    assert_eq!(s["errors"], 1);
    approx(&s["success_rate"], 0.75);
    approx(&s["latency_s"]["max"], 60.0);
    let u9 = row(&r["by_user"], "u_9");
    assert_eq!(u9["calls"], 2);
    approx(&u9["cost_usd"], 0.007452);
    approx(&row(&r["by_user"], "u_3")["cost_usd"], 0.0);
    approx(&row(&r["by_user"], "u_12")["cost_usd"], 0.009);
    assert_eq!(r["users_total"], 3);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "11")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "12")["calls"], 1);
    assert_eq!(s["days"], 1);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
    assert_not_calls(&r, "pino.jsonl", &[1, 6]);
}

// python-json-logger.jsonl: levelname/name/message (+ taskName: null); lines 1 and 6 envelope only.
//   calls (lines 2–5), logged cost_usd: 0.01275 + 0.0054 + 0.0027 + 0.027 = 0.04785
//   input 2200 + 1800 + 1200 + 4000 = 9200; output 410 + 0 + 300 + 1000 = 1710
//   line 3: status error, error_type timeout → errors 1, kind "timeout"; latency max 30.0 s
//   user_123: 0.01275 + 0.0027 = 0.01545 (2); user_456: 0.0054 + 0.027 = 0.0324 (2)
//   query_type: rag_query 2 (0.01275 + 0.027 = 0.03975), chat 2 (0.0054 + 0.0027 = 0.0081)
//   line 4 is 13:45+01:00 = 12:45Z → hour "12"
#[test]
fn python_json_logger_envelope() {
    let r = analyze_json(&[&fixture("loggers/python-json-logger.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 4);
    approx(&s["cost_usd"], 0.04785);
    assert_eq!(s["input_tokens"], 9200);
    assert_eq!(s["output_tokens"], 1710);
    assert_eq!(s["errors"], 1);
    approx(&s["success_rate"], 0.75);
    approx(&s["latency_s"]["max"], 30.0);
    assert_eq!(r["errors_by_kind"][0]["key"], "timeout");
    let u = row(&r["by_user"], "user_123");
    assert_eq!(u["calls"], 2);
    approx(&u["cost_usd"], 0.01545);
    let u = row(&r["by_user"], "user_456");
    assert_eq!(u["calls"], 2);
    approx(&u["cost_usd"], 0.0324);
    assert_eq!(r["users_total"], 2);
    approx(&row(&r["by_type"], "rag_query")["cost_usd"], 0.03975);
    approx(&row(&r["by_type"], "chat")["cost_usd"], 0.0081);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "12")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "08")["calls"], 1);
    assert_not_calls(&r, "python-json-logger.jsonl", &[1, 6]);
}

// go-slog.jsonl: `time` with nanoseconds and +02:00, level, msg; no cost on any line, so calls
// are priced from prices.toml. Lines 1 and 6 are envelope only.
//   line 2 gemini-2.5-flash (0.30 / 2.50): 900×0.30 + 120×2.50 = 270 + 300 = 570 → 0.00057
//   line 3 gemini-2.5-pro, failed, no tokens: nothing to price → 0
//   line 4 gemini-2.5-pro (1.25 / 10.00): 2400×1.25 + 600×10 = 3000 + 6000 → 0.009
//   line 5 gpt-4.1-mini (0.40 / 1.60): 1000×0.40 + 250×1.60 = 400 + 400 → 0.0008
//   total 0.00057 + 0 + 0.009 + 0.0008 = 0.01037; priced calls 3
//   input 900 + 2400 + 1000 = 4300; output 120 + 600 + 250 = 970; latency_ms max 30000 → 30 s
//   acct_3: 0.00057 + 0.009 = 0.00957 (2); acct_7: 0 (1, the failed one); acct_9: 0.0008
//   UTC: 12:00:01+02 → 10Z, 12:03:10.5+02 → 10Z, 14:30+02 → 12Z, 21st 09:15:30.999999999+02 → 07Z
#[test]
fn go_slog_envelope_priced_from_tokens() {
    let r = analyze_json(&[&fixture("loggers/go-slog.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 4);
    approx(&s["cost_usd"], 0.01037);
    assert_eq!(s["input_tokens"], 4300);
    assert_eq!(s["output_tokens"], 970);
    assert_eq!(s["errors"], 1);
    approx(&s["success_rate"], 0.75);
    approx(&s["latency_s"]["max"], 30.0);
    assert_eq!(r["errors_by_kind"][0]["key"], "context deadline exceeded");
    assert_eq!(r["pricing"]["priced_calls"], 3);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
    approx(
        &row(&r["by_model"], "gemini-2.5-flash")["cost_usd"],
        0.00057,
    );
    let pro = row(&r["by_model"], "gemini-2.5-pro");
    assert_eq!(pro["calls"], 2);
    approx(&pro["cost_usd"], 0.009);
    approx(&row(&r["by_model"], "gpt-4.1-mini")["cost_usd"], 0.0008);
    let a3 = row(&r["by_user"], "acct_3");
    assert_eq!(a3["calls"], 2);
    approx(&a3["cost_usd"], 0.00957);
    assert_eq!(row(&r["by_user"], "acct_7")["calls"], 1);
    approx(&row(&r["by_user"], "acct_9")["cost_usd"], 0.0008);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "12")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "07")["calls"], 1);
    assert_eq!(row(&r["by_day"], "2026-11-21")["calls"], 1);
    assert_not_calls(&r, "go-slog.jsonl", &[1, 6]);
}

// chat-reply.jsonl: the app logs the assistant's reply object under `message` (not Claude Code:
// no type/sessionId/parentUuid). Line 1 is a user turn `message:{role:user}` with no call field,
// line 6 a plain string `message` envelope: both not calls.
//   calls (lines 2–5), logged costs: 0.00675 + 0.000615 + 0 + 0.0155 = 0.022865
//   input 1500 + 2500 + 0 + 3000 = 7000; output 300 + 400 + 0 + 800 = 1500
//   line 4: status error, error.type server_error (message: null, usage: null) → errors 1
//   latency max 12.5 s; user_123: 0.00675 + 0.0155 = 0.02225 (2); user_456: 0.000615 + 0 (2)
//   UTC hours: 10, 10, 10 (20th), 07 (21st)
#[test]
fn chat_reply_message_objects_are_calls() {
    let r = analyze_json(&[&fixture("loggers/chat-reply.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 4);
    approx(&s["cost_usd"], 0.022865);
    assert_eq!(s["input_tokens"], 7000);
    assert_eq!(s["output_tokens"], 1500);
    assert_eq!(s["errors"], 1);
    approx(&s["success_rate"], 0.75);
    approx(&s["latency_s"]["max"], 12.5);
    assert_eq!(r["errors_by_kind"][0]["key"], "server_error");
    let u = row(&r["by_user"], "user_123");
    assert_eq!(u["calls"], 2);
    approx(&u["cost_usd"], 0.02225);
    let u = row(&r["by_user"], "user_456");
    assert_eq!(u["calls"], 2);
    approx(&u["cost_usd"], 0.000615);
    let m = row(&r["by_model"], "gpt-4o");
    assert_eq!(m["calls"], 3);
    approx(&m["cost_usd"], 0.00675 + 0.0155);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 3);
    assert_eq!(row(&r["by_hour"], "07")["calls"], 1);
    assert_not_calls(&r, "chat-reply.jsonl", &[1, 6]);
}

// ---------------------------------------------------------------------------------------------
// 2. the folder mixing all five loggers

// Files in walk order: chat-reply, go-slog, pino, python-json-logger, winston.
//   calls 4 × 5 = 20
//   cost 0.022865 + 0.01037 + 0.016452 + 0.04785 + 0.0117694 = 0.1093064
//   not calls 2 × 5 = 10, the first at chat-reply.jsonl:1
//   errors 5 → success 15/20 = 0.75
//   input 7000 + 4300 + 10400 + 9200 + 4412 = 35312; output 1500 + 970 + 1520 + 1710 + 496 = 6196
//   user_123 (python 2 + chat 2): 0.01545 + 0.02225 = 0.0377
//   user_456 (python 2 + chat 2): 0.0324 + 0.000615 = 0.033015
//   users: cust_42 cust_7 cust_9 u_9 u_3 u_12 user_123 user_456 acct_3 acct_7 acct_9 = 11
//   priced calls: the 3 go-slog ones
#[test]
fn folder_mixing_all_loggers() {
    let dir = fixture("loggers");
    let r = analyze_json(&[&dir, "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 20);
    approx(&s["cost_usd"], 0.1093064);
    assert_eq!(s["errors"], 5);
    approx(&s["success_rate"], 0.75);
    assert_eq!(s["input_tokens"], 35312);
    assert_eq!(s["output_tokens"], 6196);
    let sk = &r["skipped"];
    assert_eq!(sk["lines"], 0, "{sk}");
    assert_eq!(sk["duplicates"], 0, "{sk}");
    assert_eq!(sk["not_calls"], 10, "{sk}");
    assert_eq!(sk["not_call_reasons"]["no_call_fields"], 10, "{sk}");
    let ex0 = &sk["not_call_examples"][0];
    assert!(
        ex0["file"].as_str().unwrap().ends_with("chat-reply.jsonl"),
        "{ex0}"
    );
    assert_eq!(ex0["line"], 1);
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 5);
    assert_eq!(r["users_total"], 11);
    let u = row(&r["by_user"], "user_123");
    assert_eq!(u["calls"], 4);
    approx(&u["cost_usd"], 0.0377);
    let u = row(&r["by_user"], "user_456");
    assert_eq!(u["calls"], 4);
    approx(&u["cost_usd"], 0.033015);
    assert_eq!(r["pricing"]["priced_calls"], 3);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
}

// ---------------------------------------------------------------------------------------------
// 3. row ids: `id` numbers rows per file; dedupe needs the same id AND the same content

// service-a.jsonl: ids 1–5, then line 6 = line 2 byte for byte (same id 2, time, model, tokens,
// cost): a duplicate. service-b.jsonl: ids 1–5, then id 3 again with another time, model, tokens
// and cost: a second call.
//   calls: a 5 (+1 duplicate) + b 6 = 11; duplicates 1 (service-a.jsonl:6)
//   reused ids: 1, 2, 4, 5 each occur in a and b with different content; 3 occurs in a, and twice
//   in b with different content → 5 distinct ids (an id counts once however often it is reused)
//   cost a: 0.000174 + 0.000138 + 0.0045 + 0.00018 + 0.00225 = 0.007242
//   cost b: 0.002 + 0.0035 + 0.0051 + 0.00075 + 0.012 + 0.0013 = 0.02465
//   total 0.007242 + 0.02465 = 0.031892
//   input a 800+640+1000+1200+500 = 4140, b 1000+2000+1200+500+2000+800 = 7500 → 11640
//   output a 90+70+200+0+100 = 460, b 200+300+100+50+400+100 = 1150 → 1610
//   errors: service-a id 4 (status error, timeout) → 1
#[test]
fn row_ids_are_not_request_ids() {
    let dir = fixture("rowids");
    let r = analyze_json(&[&dir, "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 11);
    approx(&s["cost_usd"], 0.031892);
    assert_eq!(s["input_tokens"], 11640);
    assert_eq!(s["output_tokens"], 1610);
    assert_eq!(s["errors"], 1);
    let sk = &r["skipped"];
    assert_eq!(sk["duplicates"], 1, "{sk}");
    let d = &sk["duplicate_examples"][0];
    assert!(
        d["file"].as_str().unwrap().ends_with("service-a.jsonl"),
        "{d}"
    );
    assert_eq!(d["line"], 6);
    assert_eq!(sk["reused_ids"], 5, "{sk}");
    assert_eq!(sk["lines"], 0, "{sk}");
    // gpt-4o-mini in service-a: ids 1, 2, 4 (the repeat of 2 not again): 0.000174 + 0.000138 + 0.00018
    let mini = row(&r["by_model"], "gpt-4o-mini");
    assert_eq!(mini["calls"], 3);
    approx(&mini["cost_usd"], 0.000492);
    // claude-haiku-4-5 in service-b: ids 1, 2, 4 and the second 3: 0.002 + 0.0035 + 0.00075 + 0.0013
    let haiku = row(&r["by_model"], "claude-haiku-4-5");
    assert_eq!(haiku["calls"], 4);
    approx(&haiku["cost_usd"], 0.00755);

    // One file alone: service-b's two id-3 rows are both calls, and id 3 is reused once.
    let r = analyze_json(&[&fixture("rowids/service-b.jsonl"), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    approx(&r["summary"]["cost_usd"], 0.02465);
    assert_eq!(r["skipped"]["duplicates"], 0);
    assert_eq!(r["skipped"]["reused_ids"], 1);
    // service-a alone: the repeated row is a duplicate, no id is reused.
    let r = analyze_json(&[&fixture("rowids/service-a.jsonl"), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 5);
    approx(&r["summary"]["cost_usd"], 0.007242);
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_eq!(r["skipped"]["reused_ids"], 0);
}

// ---------------------------------------------------------------------------------------------
// 4. logrotate leftovers

// DIR = tests/fixtures/rotated/* + app.jsonl.2.gz (gzip of tests/fixtures/rotated-src/app.jsonl.2).
// No line has an id. app.jsonl.1's last 2 lines are app.jsonl's first 2 (copytruncate overlap).
//   app.jsonl-20261101: 0.00021 + 0.006 + 0.00075 = 0.00696 (3 calls)
//   app.jsonl.2.gz:     0.0055 + 0.00042 + 0.001 = 0.00692 (3 calls, the last a timeout)
//   app.jsonl.1:        0.000315 + 0.0115 + 0.000168 + 0.0054 = 0.017383 (4 calls)
//   app.jsonl:          (0.000168 + 0.0054 again: duplicates) + 0.000555 + 0.00265 = 0.003205 (2 new)
//   calls 3 + 3 + 4 + 2 = 12; cost 0.00696 + 0.00692 + 0.017383 + 0.003205 = 0.034468
//   duplicates 2; errors 1; notes.txt ignored (its call-like line would add $100)
//   ops: 0.00021 + 0.006 + 0.00042 + 0.001 + 0.000168 + 0.000555 = 0.008353 (6 calls)
//   dev: 0.00075 + 0.0055 + 0.000315 + 0.0115 + 0.0054 + 0.00265 = 0.026115 (6 calls)
//   2026-11-03 (UTC): 09:00, 12:00, 23:59:58, 23:59:59 → 4 calls, each once
//   input 1000+2000+3000 + 1000+2000+400 + 1500+3000+800+1200 + 2500+700 = 19100
//   output 100+100+500 + 300+200+0 + 150+400+80+240 + 300+90 = 2460
#[test]
fn rotated_files_overlap_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture("rotated")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let plain = std::fs::read(fixture("rotated-src/app.jsonl.2")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.path().join("app.jsonl.2.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&plain).unwrap();
    gz.finish().unwrap();

    let r = analyze_json(&[dir.path().to_str().unwrap(), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 12);
    approx(&s["cost_usd"], 0.034468);
    assert_eq!(s["input_tokens"], 19100);
    assert_eq!(s["output_tokens"], 2460);
    assert_eq!(s["errors"], 1);
    let sk = &r["skipped"];
    assert_eq!(sk["duplicates"], 2, "{sk}");
    assert_eq!(sk["lines"], 0, "{sk}");
    assert_eq!(sk["reused_ids"], 0, "{sk}");
    let files: Vec<&str> = r["meta"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    for name in [
        "app.jsonl",
        "app.jsonl.1",
        "app.jsonl.2.gz",
        "app.jsonl-20261101",
    ] {
        assert!(
            files
                .iter()
                .any(|f| Path::new(f).file_name().unwrap() == name),
            "{name} not read: {files:?}"
        );
    }
    assert!(!files.iter().any(|f| f.ends_with("notes.txt")), "{files:?}");
    let ops = row(&r["by_user"], "ops");
    assert_eq!(ops["calls"], 6);
    approx(&ops["cost_usd"], 0.008353);
    let dev = row(&r["by_user"], "dev");
    assert_eq!(dev["calls"], 6);
    approx(&dev["cost_usd"], 0.026115);
    assert_eq!(row(&r["by_day"], "2026-11-03")["calls"], 4);
    assert_eq!(row(&r["by_day"], "2026-11-01")["calls"], 3);
    assert_eq!(row(&r["by_day"], "2026-11-02")["calls"], 3);
    assert_eq!(row(&r["by_day"], "2026-11-04")["calls"], 2);
}

// ---------------------------------------------------------------------------------------------
// 5. determinism

fn json_bytes(args: &[&str]) -> Vec<u8> {
    let out = llmlog()
        .args(args)
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("POLARS_MAX_THREADS")
        .output()
        .expect("run llmlog");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

// Two runs of the same command print the same bytes. `--now` pins the clock (month projection
// and the 7-day trend read it), so only the program's own order of work could differ.
#[test]
fn same_input_same_bytes() {
    let loggers = fixture("loggers");
    let samples: String = [env!("CARGO_MANIFEST_DIR"), "sample-logs"]
        .iter()
        .collect::<PathBuf>()
        .to_string_lossy()
        .into_owned();
    for input in [loggers.as_str(), samples.as_str()] {
        let plain = [
            "analyze",
            input,
            "--format",
            "json",
            "--now",
            "2026-12-01T12:00:00Z",
        ];
        let a = json_bytes(&plain);
        let b = json_bytes(&plain);
        assert!(a == b, "two runs on {input} differ");
        let utc = [
            "analyze",
            input,
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            "2026-12-01T12:00:00Z",
        ];
        let a = json_bytes(&utc);
        let b = json_bytes(&utc);
        assert!(a == b, "two runs on {input} with --tz UTC differ");
        // polars on one thread: the same bytes as on all of them.
        let one = llmlog()
            .args(utc)
            .env("POLARS_MAX_THREADS", "1")
            .output()
            .expect("run llmlog");
        assert!(
            one.stdout == a,
            "{input}: one polars thread gives other bytes"
        );
    }
}

// ties.jsonl: users b, d, a, c (in that order), each 1 call of $0.25 → equal cost and calls;
// ties are ordered by key text ascending.
#[test]
fn ties_are_ordered_by_key() {
    let r = analyze_json(&[&fixture("ties.jsonl"), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 4);
    approx(&r["summary"]["cost_usd"], 1.0); // 4 × 0.25
    assert_eq!(keys(&r["by_user"]), ["a", "b", "c", "d"]);
    for u in r["by_user"].as_array().unwrap() {
        approx(&u["cost_usd"], 0.25);
        assert_eq!(u["calls"], 1);
    }
}

// ---------------------------------------------------------------------------------------------
// 6. hostile input: exit 0 (or 2 naming the file) — never a panic, a signal or a hang

// 1e25 as an epoch number is beyond any unit's years 1–9999 → bad_timestamp.
#[test]
fn hostile_epoch_1e25() {
    assert_skipped_beside_good(
        "epoch-1e25.jsonl",
        br#"{"ts": 1e25, "model":"gpt-4o","cost":1}"#,
        1,
    );
}

// i64::MAX read by magnitude as nanoseconds is 2262-04-11T23:47:16.854Z: inside years 1–9999,
// so it is a valid (if odd) call: 2 calls, cost 1 + 0.5 = 1.5, nothing skipped.
#[test]
fn hostile_epoch_i64_max_is_year_2262() {
    let (_d, p) = hostile_file(
        "epoch-i64-max.jsonl",
        br#"{"ts": 9223372036854775807, "cost": 1}"#,
    );
    let r = hostile_report(&[p.as_path()], "epoch-i64-max");
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 1.5);
    assert_eq!(r["skipped"]["lines"], 0);
    assert!(
        r["summary"]["last_call"]
            .as_str()
            .unwrap()
            .starts_with("2262-04-11T23:47:16"),
        "{}",
        r["summary"]["last_call"]
    );
}

// -62135596801000 ms is 0000-12-31T23:59:59Z, one second before year 1 → bad_timestamp.
#[test]
fn hostile_epoch_before_year_1() {
    assert_skipped_beside_good(
        "epoch-year-0.jsonl",
        br#"{"ts": -62135596801000, "cost": 1}"#,
        1,
    );
}

// Year 10000 → bad_timestamp.
#[test]
fn hostile_year_10000() {
    assert_skipped_beside_good(
        "year-10000.jsonl",
        br#"{"timestamp":"10000-01-01T00:00:00Z","cost":1}"#,
        1,
    );
}

// 1e300 tokens → out_of_range.
#[test]
fn hostile_tokens_1e300() {
    assert_skipped_beside_good(
        "tokens-1e300.jsonl",
        br#"{"ts":1795168801,"input_tokens":1e300}"#,
        1,
    );
}

// 2^64 tokens (one past u64::MAX) → out_of_range.
#[test]
fn hostile_tokens_past_u64() {
    assert_skipped_beside_good(
        "tokens-2pow64.jsonl",
        br#"{"ts":1795168801,"input_tokens":18446744073709551616}"#,
        1,
    );
}

// "NaN" in a string → nan_or_infinity.
#[test]
fn hostile_cost_nan_string() {
    assert_skipped_beside_good(
        "cost-nan-string.jsonl",
        br#"{"ts":1795168801,"cost":"NaN"}"#,
        1,
    );
}

// A raw NUL inside a string (a control character JSON forbids) and a raw NUL between tokens:
// two invalid_json lines, then the good line.
#[test]
fn hostile_nul_bytes() {
    assert_skipped_beside_good(
        "nul-bytes.jsonl",
        b"{\"ts\":1795168801,\"user\":\"a\0b\",\"cost\":1}\n{\"ts\":1795168801,\0\"cost\":1}",
        2,
    );
}

// An escaped NUL (\u0000) is valid JSON: the line is a call; its user key survives the report.
//   calls 2; cost 0.25 + 0.5 = 0.75
#[test]
fn escaped_nul_in_a_value_is_a_call() {
    let (_d, p) = hostile_file(
        "escaped-nul.jsonl",
        br#"{"ts":1795168802,"model":"gpt-4o","user_id":"nul\u0000user","cost":0.25}"#,
    );
    let r = hostile_report(&[p.as_path()], "escaped-nul");
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 0.75);
    assert_eq!(r["skipped"]["lines"], 0);
    approx(&row(&r["by_user"], "nul\u{0}user")["cost_usd"], 0.25);
}

// A lone surrogate escape in a field llmlog reads is not valid Unicode → invalid_json.
#[test]
fn hostile_lone_surrogate() {
    assert_skipped_beside_good(
        "lone-surrogate.jsonl",
        br#"{"ts":1795168801,"model":"\ud800","cost":1}"#,
        1,
    );
}

// UTF-16LE with a BOM (PowerShell's `>`): refused with exit 2, naming the file and the encoding.
#[test]
fn hostile_utf16_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("powershell-utf16.jsonl");
    let text = "{\"ts\":1795168801,\"model\":\"gpt-4o\",\"cost\":0.5}\r\n{\"ts\":1795168802,\"model\":\"gpt-4o\",\"cost\":0.25}\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&p, bytes).unwrap();
    let f = hostile_run(&[p.as_path()]);
    assert_no_crash(&f, "utf16");
    assert_eq!(f.code, Some(2), "stderr: {}", f.stderr);
    assert!(f.stderr.contains("powershell-utf16.jsonl"), "{}", f.stderr);
    assert!(f.stderr.contains("UTF-16"), "{}", f.stderr);
}

// A 25 MB line is a valid object (a logged prompt) and counts; so does the good line.
//   calls 2; cost 0.25 + 0.5 = 0.75
#[test]
fn hostile_25mb_line_counts() {
    let mut line = String::with_capacity(26 << 20);
    line.push_str(r#"{"ts":1795168802,"prompt":""#);
    line.push_str(&"x".repeat(25 << 20));
    line.push_str(r#"","model":"gpt-4o","cost":0.25}"#);
    let (_d, p) = hostile_file("long-line.jsonl", line.as_bytes());
    let r = hostile_report(&[p.as_path()], "25 MB line");
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 0.75);
    assert_eq!(r["skipped"]["lines"], 0);
}

// 200,000-deep nesting in a field llmlog does not read: the object is valid JSON and the line
// is a call (serde_json skips ignored values without recursion).
//   calls 2; cost 0.25 + 0.5 = 0.75
#[test]
fn hostile_deep_nesting_in_an_ignored_field() {
    let depth = 200_000;
    let mut line = String::from(r#"{"payload":"#);
    line.push_str(&"[".repeat(depth));
    line.push_str(&"]".repeat(depth));
    line.push_str(r#","ts":1795168802,"model":"gpt-4o","cost":0.25}"#);
    let (_d, p) = hostile_file("deep-payload.jsonl", line.as_bytes());
    let r = hostile_report(&[p.as_path()], "deep nesting (ignored field)");
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 0.75);
    assert_eq!(r["skipped"]["lines"], 0);
}

// 200,000-deep nesting in a field llmlog reads (tags): the parser's depth limit refuses it,
// without overflowing the stack → invalid_json; only the good line counts.
#[test]
fn hostile_deep_nesting_in_a_read_field() {
    let depth = 200_000;
    let mut line = String::from(r#"{"ts":1795168801,"cost":1,"tags":"#);
    line.push_str(&"[".repeat(depth));
    line.push_str(&"]".repeat(depth));
    line.push('}');
    assert_skipped_beside_good("deep-tags.jsonl", line.as_bytes(), 1);
}

/// A file-level problem: exit 0 with only the good line counted, or exit 2 naming the file.
fn assert_file_level(f: &Finished, name: &str) {
    assert_no_crash(f, name);
    if f.code == Some(2) {
        assert!(
            f.stderr.contains(name),
            "exit 2 must name {name}: {}",
            f.stderr
        );
        return;
    }
    let r: Value = serde_json::from_slice(&f.stdout).expect("valid JSON report");
    assert_eq!(r["summary"]["calls"], 1, "{name}: {}", r["skipped"]);
    approx(&r["summary"]["cost_usd"], 0.5);
    assert!(num(&r["skipped"]["lines"]) >= 1, "{name}: {}", r["skipped"]);
}

// A gzip bomb: ~200 MB of zero bytes without a newline (about 200 KB compressed), then the good
// line. The zero "line" is unusable; the good line after it still counts.
#[test]
fn hostile_gzip_bomb() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&p).unwrap(),
        flate2::Compression::fast(),
    );
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        gz.write_all(&zeros).unwrap();
    }
    gz.write_all(b"\n").unwrap();
    gz.write_all(GOOD.as_bytes()).unwrap();
    gz.write_all(b"\n").unwrap();
    gz.finish().unwrap();
    let f = hostile_run(&[p.as_path()]);
    assert_file_level(&f, "bomb.jsonl.gz");
}

// A 30 MB file of random letters and no newline at all, read beside a file with the good line.
#[test]
fn hostile_30mb_without_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("no-newline.jsonl");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let letters: Vec<u8> = (0..30usize << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'a' + (x % 26) as u8
        })
        .collect();
    std::fs::write(&p, &letters).unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, format!("{GOOD}\n")).unwrap();
    let f = hostile_run(&[p.as_path(), good.as_path()]);
    assert_file_level(&f, "no-newline.jsonl");
}

// Valid instants at the very ends of years 1–9999, shown in zones that push their local date past
// them (9999-12-31T23:59:59Z is 10000-01-01 in Kiritimati, +14; 0001-01-01T00:00:00Z is year 0
// in Los Angeles). They are calls (2 with the good line, cost 1 + 0.5 = 1.5); nothing may crash.
#[test]
fn extreme_valid_years_in_far_zones() {
    for (name, line, tz) in [
        (
            "year-9999.jsonl",
            r#"{"timestamp":"9999-12-31T23:59:59Z","model":"gpt-4o","cost":1}"#,
            "Pacific/Kiritimati",
        ),
        (
            "year-1.jsonl",
            r#"{"timestamp":"0001-01-01T00:00:00Z","model":"gpt-4o","cost":1}"#,
            "America/Los_Angeles",
        ),
    ] {
        let (_d, p) = hostile_file(name, line.as_bytes());
        let ps = p.display().to_string();
        let f = run_bounded(&["analyze", "--format", "json", "--tz", tz, &ps]);
        assert_no_crash(&f, name);
        if f.code == Some(0) {
            let r: Value = serde_json::from_slice(&f.stdout).expect("valid JSON report");
            assert_eq!(r["summary"]["calls"], 2, "{name}: {}", r["skipped"]);
            approx(&r["summary"]["cost_usd"], 1.5);
        } else {
            assert!(f.stderr.contains(name), "{name}: {}", f.stderr);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 7. the regression corpus (tests/corpus/*.jsonl, one hostile line per file)

// Expected outcome of each file (reason names as planned):
//   cost-1e300.jsonl           skipped  out_of_range   (cost beyond any real call)
//   cost-nan-string.jsonl      skipped  nan_or_infinity
//   deep-nesting-1000.jsonl    CALL     cost 1 (1000-deep array in an ignored field)
//   deep-tags-1000.jsonl       skipped  invalid_json   (depth limit in a field llmlog reads)
//   epoch-1e25.jsonl           skipped  bad_timestamp
//   epoch-1e25-string.jsonl    skipped  bad_timestamp
//   epoch-i64-max.jsonl        CALL     cost 1 (i64::MAX ns = 2262-04-11T23:47:16.854Z)
//   epoch-year-0.jsonl         skipped  bad_timestamp  (0000-12-31T23:59:59Z)
//   lone-surrogate.jsonl       skipped  invalid_json
//   nul-in-string.jsonl        skipped  invalid_json   (raw NUL inside a string)
//   nul-outside-string.jsonl   skipped  invalid_json   (raw NUL between tokens)
//   tokens-1e300.jsonl         skipped  out_of_range
//   tokens-2pow64.jsonl        skipped  out_of_range
//   year-10000.jsonl           skipped  bad_timestamp
// 14 files: 12 skipped lines, 2 calls, cost 1 + 1 = 2.
#[test]
fn regression_corpus() {
    let dir = fixture_dir("corpus");
    let f = hostile_run(&[dir.as_path()]);
    assert_no_crash(&f, "corpus");
    assert_eq!(f.code, Some(0), "stderr: {}", f.stderr);
    let r: Value = serde_json::from_slice(&f.stdout).expect("valid JSON report");
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 14);
    assert_eq!(r["skipped"]["lines"], 12, "{}", r["skipped"]);
    assert_eq!(r["summary"]["calls"], 2, "{}", r["skipped"]);
    approx(&r["summary"]["cost_usd"], 2.0);
}
