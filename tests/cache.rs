//! The incremental cache: the same numbers with and without it, growth read on from where the
//! cache ended, rotation, truncation and corruption read again, eviction, clear, concurrent runs.

mod common;
use common::*;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A cache of its own for one test, so what it counts is its own doing.
struct Case {
    dir: tempfile::TempDir,
    cache: PathBuf,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        Case { dir, cache }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut c = llmlog();
        c.env("LLMLOG_CACHE_DIR", &self.cache).args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// analyze --format json: (stdout, stderr) after checking it succeeded.
    fn analyze(&self, inputs: &[&Path], extra: &[&str]) -> (Vec<u8>, String) {
        let mut args = vec![
            "analyze",
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            "2026-12-01",
        ];
        let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        args.extend(inputs.iter().map(|s| s.as_str()));
        args.extend_from_slice(extra);
        let out = self.run(&args, &[("LLMLOG_TIMING", "1")]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn entries(&self) -> usize {
        std::fs::read_dir(&self.cache)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "llmc"))
                    .count()
            })
            .unwrap_or(0)
    }
}

/// One call costing `cost`, at minute `i` of 2026-11-10.
fn call(i: usize, cost: f64, with_id: bool) -> String {
    let id = if with_id {
        format!(r#""request_id":"r{i}","#)
    } else {
        String::new()
    };
    format!(
        r#"{{{id}"timestamp":"2026-11-10T{:02}:{:02}:00Z","model":"gpt-4o","input_tokens":{},"output_tokens":10,"cost_usd":{cost},"latency_ms":{}}}"#,
        i / 60 % 24,
        i % 60,
        100 + i,
        200 + i
    ) + "\n"
}

fn write_calls(path: &Path, range: std::ops::Range<usize>, cost: f64, append: bool) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(path)
        .unwrap();
    for i in range {
        f.write_all(call(i, cost, i % 3 != 0).as_bytes()).unwrap();
    }
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// "cache: W of N inputs whole, G read on" from LLMLOG_TIMING.
fn cache_line(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.split("cache: ").nth(1))
        .unwrap_or_else(|| panic!("no cache line in {stderr}"))
        .to_string()
}

#[test]
fn the_same_bytes_with_and_without_the_cache_on_every_shape() {
    let c = Case::new();
    // Every fixture shape we have, plain, gzipped, agent trees: copied, so their entries are ours.
    let inputs = [
        "basic.jsonl",
        "bad-lines.jsonl",
        "camelcase.jsonl",
        "litellm-spend.jsonl",
        "otel-genai.jsonl",
        "claude",
        "loggers",
        "rotated",
        "rowids",
        "sources",
    ];
    let root = c.path("logs");
    std::fs::create_dir(&root).unwrap();
    for name in inputs {
        let from = PathBuf::from(fixture(name));
        copy_tree(&from, &root.join(name));
    }
    let (plain, _) = c.analyze(&[&root], &["--no-cache"]);
    assert_eq!(c.entries(), 0, "--no-cache writes nothing");
    let (cold, e1) = c.analyze(&[&root], &[]);
    let written = c.entries();
    assert!(written > 3, "an entry per input: {written}");
    let (warm, e2) = c.analyze(&[&root], &[]);
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&cold)
    );
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&warm)
    );
    assert!(cache_line(&e1).starts_with("0 of "), "{e1}");
    let warm_line = cache_line(&e2);
    let n: Vec<&str> = warm_line.split_whitespace().collect();
    assert_eq!(n[0], n[2], "every input whole from the cache: {warm_line}");
    // Other commands read through the same cache: dashboard, budget, check agree too.
    for args in [
        vec![
            "budget",
            "status",
            "--format",
            "json",
            "--budget",
            "monthly=1",
        ],
        vec!["check", "--budget", "monthly=1000"],
    ] {
        let root_s = root.display().to_string();
        let mut with = args.clone();
        with.extend(["--now", "2026-12-01", "--tz", "UTC", root_s.as_str()]);
        let mut without = with.clone();
        without.push("--no-cache");
        let (a, b) = (c.run(&with, &[]), c.run(&without, &[]));
        assert_eq!(a.stdout, b.stdout, "{args:?}");
        assert_eq!(a.status.code(), b.status.code());
    }
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

#[test]
fn a_log_that_grew_is_read_on_from_where_the_cache_ended() {
    let c = Case::new();
    let log = c.path("app.jsonl");
    write_calls(&log, 0..300, 0.01, false);
    let (first, _) = c.analyze(&[&log], &[]);
    assert_eq!(json(&first)["summary"]["calls"], 300);
    write_calls(&log, 300..450, 0.02, true);
    let (grown, err) = c.analyze(&[&log], &[]);
    assert_eq!(cache_line(&err), "0 of 1 inputs whole, 1 read on");
    let r = json(&grown);
    // By hand: 300 × $0.01 + 150 × $0.02 = $6; lines go on numbering where they left off.
    assert_eq!(r["summary"]["calls"], 450);
    approx(&r["summary"]["cost_usd"], 6.0);
    let (plain, _) = c.analyze(&[&log], &["--no-cache"]);
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&grown)
    );
    // The most expensive call's file:line is one of the appended lines.
    let top = &r["top_calls"][0];
    assert!(top["line"].as_u64().unwrap() > 300, "{top}");
    let (again, err) = c.analyze(&[&log], &[]);
    assert_eq!(cache_line(&err), "1 of 1 inputs whole, 0 read on");
    assert_eq!(again, grown);
}

#[test]
fn a_line_still_being_written_is_not_trusted() {
    let c = Case::new();
    let log = c.path("app.jsonl");
    write_calls(&log, 0..10, 0.5, false);
    let half = call(10, 0.5, true);
    let (a, b) = half.split_at(40);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(a.as_bytes())
        .unwrap();
    let (first, _) = c.analyze(&[&log], &[]);
    assert_eq!(json(&first)["summary"]["calls"], 10);
    assert_eq!(
        json(&first)["skipped"]["lines"],
        1,
        "the half line is skipped"
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(b.as_bytes())
        .unwrap();
    let (done, err) = c.analyze(&[&log], &[]);
    assert_eq!(
        cache_line(&err),
        "0 of 1 inputs whole, 0 read on",
        "read again"
    );
    assert_eq!(json(&done)["summary"]["calls"], 11);
    assert_eq!(json(&done)["skipped"]["lines"], 0);
    approx(&json(&done)["summary"]["cost_usd"], 5.5);
}

#[test]
fn rotated_truncated_and_rewritten_files_are_read_again() {
    let c = Case::new();
    let dir = c.path("logs");
    std::fs::create_dir(&dir).unwrap();
    let log = dir.join("app.jsonl");
    write_calls(&log, 0..100, 0.01, false);
    c.analyze(&[&dir], &[]);
    // logrotate: app.jsonl → app.jsonl.1 (same bytes, same inode), a new app.jsonl.
    std::fs::rename(&log, dir.join("app.jsonl.1")).unwrap();
    write_calls(&log, 100..130, 0.01, false);
    let (rotated, _) = c.analyze(&[&dir], &[]);
    let (plain, _) = c.analyze(&[&dir], &["--no-cache"]);
    assert_eq!(rotated, plain);
    assert_eq!(json(&rotated)["summary"]["calls"], 130);
    // Truncated and rewritten shorter: 20 calls of $1.
    write_calls(&log, 0..20, 1.0, false);
    std::fs::remove_file(dir.join("app.jsonl.1")).unwrap();
    let (short, _) = c.analyze(&[&dir], &[]);
    assert_eq!(json(&short)["summary"]["calls"], 20);
    approx(&json(&short)["summary"]["cost_usd"], 20.0);
    // Rewritten in place with the same size: another cost, same length of digits.
    write_calls(&log, 0..20, 2.0, false);
    let (same_size, _) = c.analyze(&[&log], &[]);
    approx(&json(&same_size)["summary"]["cost_usd"], 40.0);
}

#[test]
fn a_cached_input_beside_a_copy_still_counts_its_lines_once() {
    // Id-less lines are deduplicated across copies of one log: the cache of a file read alone
    // (one input, no line dedupe) must still carry what a later run with its copy needs.
    let c = Case::new();
    let dir = c.path("logs");
    std::fs::create_dir(&dir).unwrap();
    let log = dir.join("app.jsonl");
    write_calls(&log, 0..60, 0.1, false);
    c.analyze(&[&log], &[]);
    std::fs::copy(&log, dir.join("app.jsonl.1")).unwrap();
    let (both, _) = c.analyze(&[&dir], &[]);
    let (plain, _) = c.analyze(&[&dir], &["--no-cache"]);
    assert_eq!(both, plain);
    // By hand: 60 calls once each, $6; the 60 copies are duplicates (40 by id, 20 by line).
    let r = json(&both);
    assert_eq!(r["summary"]["calls"], 60);
    approx(&r["summary"]["cost_usd"], 6.0);
    assert_eq!(r["skipped"]["duplicates"], 60);
}

#[test]
fn a_corrupt_entry_is_rebuilt_and_mentioned_once() {
    let c = Case::new();
    let dir = c.path("logs");
    std::fs::create_dir(&dir).unwrap();
    for (i, name) in ["a.jsonl", "b.jsonl", "c.jsonl"].iter().enumerate() {
        write_calls(&dir.join(name), i * 100..i * 100 + 50, 0.01, false);
    }
    let (good, _) = c.analyze(&[&dir], &[]);
    assert_eq!(c.entries(), 3);
    // Flip a byte in the middle of every entry; truncate one.
    for (k, e) in std::fs::read_dir(&c.cache).unwrap().flatten().enumerate() {
        let mut bytes = std::fs::read(e.path()).unwrap();
        if k == 0 {
            bytes.truncate(bytes.len() / 3);
        } else {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
        }
        std::fs::write(e.path(), bytes).unwrap();
    }
    let (rebuilt, err) = c.analyze(&[&dir], &[]);
    assert_eq!(good, rebuilt, "numbers never come from a corrupt entry");
    assert_eq!(
        err.matches("cache entry").count(),
        1,
        "mentioned once: {err}"
    );
    let (_, err) = c.analyze(&[&dir], &[]);
    assert!(!err.contains("cache entry"), "rebuilt: {err}");
    assert_eq!(cache_line(&err), "3 of 3 inputs whole, 0 read on");
    // A foreign file in the cache's place is no entry either.
    for e in std::fs::read_dir(&c.cache).unwrap().flatten() {
        std::fs::write(e.path(), b"not a cache entry at all").unwrap();
    }
    let (foreign, _) = c.analyze(&[&dir], &[]);
    assert_eq!(good, foreign);
}

#[test]
fn settings_that_change_numbers_are_part_of_the_key() {
    let c = Case::new();
    let log = c.path("app.jsonl");
    // Tokens but no logged cost: priced from the database, or from our own price file.
    std::fs::write(
        &log,
        "{\"timestamp\":\"2026-11-10T10:00:00Z\",\"model\":\"house-model\",\"input_tokens\":1000000,\"output_tokens\":0}\n",
    )
    .unwrap();
    let prices = c.path("prices.toml");
    std::fs::write(
        &prices,
        "[models.\"house-model\"]\ninput_per_mtok = 2.0\noutput_per_mtok = 0\n",
    )
    .unwrap();
    let p = prices.display().to_string();
    let (a, _) = c.analyze(&[&log], &["--pricing", &p]);
    approx(&json(&a)["summary"]["cost_usd"], 2.0);
    // The same price file, new contents: the new price.
    std::fs::write(
        &prices,
        "[models.\"house-model\"]\ninput_per_mtok = 3.0\noutput_per_mtok = 0\n",
    )
    .unwrap();
    let (b, err) = c.analyze(&[&log], &["--pricing", &p]);
    approx(&json(&b)["summary"]["cost_usd"], 3.0);
    assert_eq!(
        cache_line(&err),
        "1 of 1 inputs whole, 0 read on",
        "new prices reprice the cached tokens; nothing is parsed again"
    );
    // Another zone moves the call's hour.
    let (utc, _) = c.analyze(&[&log], &["--pricing", &p]);
    let l = log.display().to_string();
    let tokyo = c.run(
        &[
            "analyze",
            "--format",
            "json",
            "--tz",
            "Asia/Tokyo",
            "--pricing",
            &p,
            &l,
        ],
        &[],
    );
    let hour = |r: &Value| {
        r["by_hour"]
            .as_array()
            .unwrap()
            .iter()
            .position(|h| h["calls"] == 1)
    };
    assert_eq!(hour(&json(&utc)), Some(10));
    assert_eq!(
        hour(&json(&tokyo.stdout)),
        Some(19),
        "10:00 UTC is 19:00 in Tokyo"
    );
    // Back to the database's prices (an unknown model: no cost) without a stale $3.
    let (none, _) = c.analyze(&[&log], &[]);
    assert_eq!(json(&none)["summary"]["cost_usd"], 0.0);
}

#[test]
fn the_cap_evicts_the_least_recently_used_and_clear_empties() {
    let c = Case::new();
    let (a, b) = (c.path("a.jsonl"), c.path("b.jsonl"));
    write_calls(&a, 0..2000, 0.01, false);
    write_calls(&b, 0..2000, 0.01, false);
    c.analyze(&[&a], &[]);
    assert_eq!(c.entries(), 1);
    // A cap smaller than two entries: writing b's evicts a's.
    let out = c.run(
        &["analyze", "--format", "json", b.to_str().unwrap()],
        &[("LLMLOG_CACHE_MAX_MB", "0")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(c.entries(), 1);
    let info = c.run(&["cache", "info", "--format", "json"], &[]);
    let v = json(&info.stdout);
    assert_eq!(v["entries"], 1);
    assert_eq!(v["items"][0]["calls"], 2000);
    let clear = c.run(&["cache", "clear"], &[]);
    assert_eq!(clear.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clear.stdout).contains("removed 1 entries"));
    assert_eq!(c.entries(), 0);
}

#[test]
fn what_a_killed_write_left_behind_is_removed_once_it_is_stale() {
    let c = Case::new();
    let a = c.path("a.jsonl");
    write_calls(&a, 0..2000, 0.01, false);
    c.analyze(&[&a], &[]);
    // Two leftovers of writes that never finished: one two hours old, one from a write that may
    // still be going.
    let stale = c.cache.join(".tmp-999999-0-abc");
    let fresh = c.cache.join(".tmp-999999-1-abc");
    for p in [&stale, &fresh] {
        std::fs::write(p, vec![0u8; 4096]).unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let b = c.path("b.jsonl");
    write_calls(&b, 0..2000, 0.02, false);
    c.analyze(&[&b], &[]);
    assert!(!stale.exists(), "a stale temporary file is removed");
    assert!(
        fresh.exists(),
        "a recent one may be a write in progress: kept"
    );
    assert_eq!(c.entries(), 2);
}

#[test]
fn concurrent_runs_agree_and_leave_whole_entries() {
    let c = Case::new();
    let dir = c.path("logs");
    std::fs::create_dir(&dir).unwrap();
    for k in 0..4 {
        write_calls(
            &dir.join(format!("s{k}.jsonl")),
            k * 1000..k * 1000 + 800,
            0.01,
            false,
        );
    }
    let (plain, _) = c.analyze(&[&dir], &["--no-cache"]);
    let d = dir.display().to_string();
    let cache = c.cache.clone();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (d, cache) = (d.clone(), cache.clone());
            std::thread::spawn(move || {
                llmlog()
                    .env("LLMLOG_CACHE_DIR", cache)
                    .args([
                        "analyze",
                        "--format",
                        "json",
                        "--tz",
                        "UTC",
                        "--now",
                        "2026-12-01",
                        &d,
                    ])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&plain)
        );
    }
    let (warm, err) = c.analyze(&[&dir], &[]);
    assert_eq!(warm, plain);
    assert_eq!(cache_line(&err), "4 of 4 inputs whole, 0 read on");
    assert!(!err.contains("cache entry"), "no torn entry: {err}");
}

#[test]
fn small_files_are_parsed_not_cached_by_default() {
    let c = Case::new();
    let log = c.path("small.jsonl");
    write_calls(&log, 0..100, 0.01, false);
    let l = log.display().to_string();
    let out = c.run(
        &["analyze", "--format", "json", &l],
        &[("LLMLOG_CACHE_MIN_BYTES", "1048576")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out.stdout)["summary"]["calls"], 100);
    assert_eq!(
        c.entries(),
        0,
        "a 15 KB file is cheaper to parse than to load"
    );
}

/// A log of many blocks and more than one entry segment (over 256 Ki rows), with ids repeated
/// across blocks, and a Claude Code session of several blocks (content-block repeats, a title):
/// cold, warm and grown runs give the bytes `--no-cache` gives, and the counts by hand.
#[test]
fn a_log_of_many_blocks_and_segments_counts_the_same_through_the_cache() {
    let c = Case::new();
    let root = c.path("logs");
    std::fs::create_dir(&root).unwrap();
    let flat = root.join("app.jsonl");
    let line = |i: usize| {
        // Lines 250000.. repeat lines 0.. exactly: duplicates, counted once.
        let k = i % 250_000;
        format!(
            r#"{{"request_id":"r{k}","timestamp":"2026-11-{:02}T{:02}:{:02}:00Z","model":"gpt-4o","input_tokens":{},"output_tokens":1,"cost_usd":0.001}}"#,
            1 + k / 20_000,
            k / 60 % 24,
            k % 60,
            k % 1000
        ) + "\n"
    };
    let mut text = String::new();
    for i in 0..270_000 {
        text.push_str(&line(i));
    }
    std::fs::write(&flat, &text).unwrap();
    let session = root.join("claude").join("-home-dev-big");
    std::fs::create_dir_all(&session).unwrap();
    let claude = session.join("9a8b7c6d.jsonl");
    let big = "x".repeat(3000);
    let message = |m: usize| {
        let mut s = String::new();
        for block in 0..2 {
            s.push_str(&format!(
                r#"{{"sessionId":"9a8b7c6d","type":"assistant","timestamp":"2026-11-05T{:02}:{:02}:00.000Z","requestId":"req_{m}","message":{{"id":"msg_{m}","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{{"type":"text","text":"part {block}"}}],"usage":{{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":5}}}},"uuid":"u{m}-{block}"}}"#,
                m / 60 % 24,
                m % 60
            ));
            s.push('\n');
        }
        s.push_str(&format!(
            r#"{{"sessionId":"9a8b7c6d","type":"user","timestamp":"2026-11-05T00:00:00.000Z","message":{{"role":"user","content":"{big}"}},"uuid":"t{m}"}}"#
        ));
        s.push('\n');
        s
    };
    let mut text = String::from(r#"{"type":"summary","summary":"Big session","leafUuid":"u0-1"}"#);
    text.push('\n');
    for m in 0..1500 {
        text.push_str(&message(m));
    }
    std::fs::write(&claude, &text).unwrap();
    assert!(
        std::fs::metadata(&claude).unwrap().len() > 5 << 20,
        "more than one block"
    );

    let (plain, _) = c.analyze(&[&root], &["--no-cache"]);
    let r = json(&plain);
    // By hand: 250,000 distinct flat calls at $0.001, 1,500 Claude Code messages once each.
    assert_eq!(r["summary"]["calls"], 251_500);
    let (cold, e1) = c.analyze(&[&root], &[]);
    assert_eq!(cache_line(&e1), "0 of 2 inputs whole, 0 read on");
    let (warm, e2) = c.analyze(&[&root], &[]);
    assert_eq!(cache_line(&e2), "2 of 2 inputs whole, 0 read on");
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&cold)
    );
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&warm)
    );
    let conversations = |extra: &[&str]| {
        let root_s = root.display().to_string();
        // The zone the analyses use: another one is another entry.
        let mut args = vec![
            "conversations",
            "--format",
            "json",
            "--tz",
            "UTC",
            root_s.as_str(),
        ];
        args.extend_from_slice(extra);
        c.run(&args, &[]).stdout
    };
    let titles = conversations(&["--no-cache"]);
    assert!(String::from_utf8_lossy(&titles).contains("Big session"));
    assert_eq!(conversations(&[]), titles);

    // Grown: 1,000 new flat calls (of a model the entry has no code for) and 10 new messages,
    // read on from where the entries ended; the entries continue (their segments copied).
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&flat)
        .unwrap();
    for i in 300_000..301_000 {
        let new = line(i)
            .replace("\"r", "\"n")
            .replace("gpt-4o", "gpt-4o-mini");
        f.write_all(new.as_bytes()).unwrap();
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&claude)
        .unwrap();
    for m in 1500..1510 {
        f.write_all(message(m).as_bytes()).unwrap();
    }
    drop(f);
    let (grown, e3) = c.analyze(&[&root], &[]);
    assert_eq!(cache_line(&e3), "0 of 2 inputs whole, 2 read on");
    assert!(e3.contains("(2 entries, 2 continued)"), "{e3}");
    let (plain, _) = c.analyze(&[&root], &["--no-cache"]);
    let r = json(&plain);
    assert_eq!(r["summary"]["calls"], 252_510);
    let models = r["by_model"].to_string();
    assert!(models.contains("gpt-4o-mini"), "{models}");
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&grown)
    );
    let (again, e4) = c.analyze(&[&root], &[]);
    assert_eq!(cache_line(&e4), "2 of 2 inputs whole, 0 read on");
    assert_eq!(again, grown);
}

/// An input of no calls at all (over the size the cache takes) is an entry like any other: the
/// next run takes it whole, with no note of an unreadable entry.
#[test]
fn an_input_without_calls_is_cached_too() {
    let c = Case::new();
    let log = c.path("service.jsonl");
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1_200_000 {
        text.push_str(&format!(
            "{{\"level\":\"info\",\"msg\":\"request {i} served\",\"time\":\"2026-11-10T10:00:00Z\"}}\n"
        ));
        i += 1;
    }
    std::fs::write(&log, text).unwrap();
    let (plain, _) = c.analyze(&[&log], &["--no-cache"]);
    assert_eq!(json(&plain)["summary"]["calls"], 0);
    let (cold, e1) = c.analyze(&[&log], &[]);
    let (warm, e2) = c.analyze(&[&log], &[]);
    assert_eq!(
        cache_line(&e2),
        "1 of 1 inputs whole, 0 read on",
        "{e1}\n{e2}"
    );
    assert!(!e2.contains("unreadable"), "{e2}");
    assert_eq!(plain, cold);
    assert_eq!(plain, warm);
}

/// Each input's entry is finished once its lines are counted, not all at the end: a run over
/// more inputs than it may open files at once still caches every one.
#[test]
fn many_inputs_need_no_more_open_files_than_one() {
    let c = Case::new();
    let root = c.path("many");
    std::fs::create_dir(&root).unwrap();
    for k in 0..60 {
        write_calls(
            &root.join(format!("app-{k:02}.jsonl")),
            k * 10..k * 10 + 10,
            0.01,
            false,
        );
    }
    let root_s = root.display().to_string();
    let cache_s = c.cache.display().to_string();
    let run = || {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 40 && exec \"$0\" analyze --format json --tz UTC --now 2026-12-01 \"$1\"")
            .arg(env!("CARGO_BIN_EXE_llmlog"))
            .arg(&root_s)
            .env("LLMLOG_CACHE_DIR", &cache_s)
            .env("LLMLOG_CACHE_MIN_BYTES", "0")
            .env("LLMLOG_TIMING", "1")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (cold, _) = run();
    // By hand: 60 files of 10 calls at $0.01.
    assert_eq!(json(&cold)["summary"]["calls"], 600);
    approx(&json(&cold)["summary"]["cost_usd"], 6.0);
    assert_eq!(c.entries(), 60);
    let (warm, e) = run();
    assert_eq!(cache_line(&e), "60 of 60 inputs whole, 0 read on");
    assert_eq!(cold, warm);
}
