//! Anomalies with their drivers, runaway loops and steps, on generated traffic whose injected
//! events are known by construction — and quiet traffic where nothing may be flagged.

mod common;
use common::{approx, run};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic generator (xorshift), so the fixtures are the same on every run.
struct Gen(u64);
impl Gen {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

/// What to inject into the quiet traffic.
#[derive(Default)]
struct Inject {
    /// 200 calls of user "whale" at $0.05 on Nov 21, 14:00–15:00 UTC: $10 exactly.
    whale: bool,
    /// Every call on Nov 23, 10:00–11:00 fails.
    error_storm: bool,
    /// From Nov 16 on, summary prompts are twice as long.
    step: bool,
}

const DAYS: usize = 28;

/// Four weeks of traffic from Nov 1 (UTC): 3–35 calls an hour with a day-time peak, 60 users,
/// conversations of three calls, types faq/chat/summary with steady prompt sizes, 2% errors.
fn traffic(inject: &Inject) -> String {
    let mut g = Gen(0x9e3779b97f4a7c15);
    let mut s = String::new();
    let types = [("faq", 200.0), ("chat", 500.0), ("summary", 1000.0)];
    for d in 0..DAYS {
        for h in 0..24 {
            let base = if (8..20).contains(&h) { 30.0 } else { 8.0 };
            let n = (base * (0.85 + 0.3 * g.unit())).round() as usize;
            for i in 0..n {
                let (ty, size) = types[g.below(3)];
                let size = if inject.step && ty == "summary" && d >= 15 {
                    size * 2.0
                } else {
                    size
                };
                let input = (size * (0.9 + 0.2 * g.unit())).round();
                let output = (150.0 * (0.8 + 0.4 * g.unit())).round();
                let cost = input * 2e-6 + output * 8e-6;
                let storm = inject.error_storm && d == 22 && h == 10;
                let status = if storm || g.unit() < 0.02 {
                    "error"
                } else {
                    "success"
                };
                writeln!(
                    s,
                    r#"{{"timestamp":"2026-11-{:02}T{h:02}:{:02}:{:02}Z","model":"{}","type":"{ty}","user_id":"u{}","conversation_id":"c{d}-{h}-{}","input_tokens":{input},"output_tokens":{output},"cost_usd":{cost:.8},"status":"{status}"}}"#,
                    d + 1,
                    g.below(60),
                    g.below(60),
                    if g.unit() < 0.5 { "m-a" } else { "m-b" },
                    g.below(60),
                    i / 3
                )
                .unwrap();
            }
            if inject.whale && d == 20 && h == 14 {
                for i in 0..200 {
                    writeln!(
                        s,
                        r#"{{"timestamp":"2026-11-21T14:{:02}:{:02}Z","model":"m-a","type":"chat","user_id":"whale","input_tokens":{},"output_tokens":300,"cost_usd":0.05}}"#,
                        i % 60,
                        (i * 7) % 60,
                        3000 + i * 50
                    )
                    .unwrap();
                }
            }
        }
    }
    s
}

/// 500 identical failing calls of user bot7 in ten minutes (Nov 25, 15:00–15:10), its own file.
fn retry_loop() -> String {
    let mut s = String::new();
    for i in 0..500 {
        let t = i * 1200; // ms: 500 calls in 600 s
        writeln!(
            s,
            r#"{{"timestamp":"2026-11-25T15:{:02}:{:02}.{:03}Z","model":"m-b","type":"chat","user_id":"bot7","input_tokens":1234,"output_tokens":0,"cost_usd":0.001,"status":"error","error_type":"rate_limit"}}"#,
            t / 60_000,
            t / 1000 % 60,
            t % 1000
        )
        .unwrap();
    }
    s
}

fn analyze(dir: &Path, files: &[(&str, String)]) -> Value {
    let mut paths = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        paths.push(p.to_string_lossy().into_owned());
    }
    let mut args: Vec<&str> = vec!["--tz", "UTC"];
    args.extend(paths.iter().map(|p| p.as_str()));
    common::analyze_json(&args)
}

#[test]
fn quiet_traffic_raises_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(dir.path(), &[("app.jsonl", traffic(&Inject::default()))]);
    assert!(v["summary"]["calls"].as_u64().unwrap() > 10_000);
    assert_eq!(
        v["anomalies"],
        serde_json::json!([]),
        "{:#}",
        v["anomalies"]
    );
    assert_eq!(v["loops"], serde_json::json!([]));
    assert_eq!(v["drifts"], serde_json::json!([]));
}

#[test]
fn an_expensive_hour_is_explained_by_its_user() {
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(
        dir.path(),
        &[(
            "app.jsonl",
            traffic(&Inject {
                whale: true,
                ..Default::default()
            }),
        )],
    );
    let list = v["anomalies"].as_array().unwrap();
    let a = list
        .iter()
        .find(|a| a["metric"] == "cost" && a["period"] == "hour")
        .unwrap_or_else(|| panic!("no cost anomaly in {list:#?}"));
    assert_eq!(a["start"], "2026-11-21T14:00:00+00:00");
    assert_eq!(a["basis"], "the same hour of the day on the 14 days before");
    // The user dimension: whale had no calls in the baseline, so all $10 of it is excess.
    let whale = &a["drivers"][0];
    assert_eq!(
        (whale["dimension"].as_str(), whale["value"].as_str()),
        (Some("user"), Some("whale"))
    );
    approx(&whale["observed"], 10.0);
    approx(&whale["baseline"], 0.0);
    approx(&whale["excess"], 10.0);
    let excess = a["excess"].as_f64().unwrap();
    assert!(whale["share"].as_f64().unwrap() > 0.95, "{whale}");
    // The breakdown's parts add up to the excess, and the excess is observed − baseline.
    let parts: f64 = a["breakdown"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["excess"].as_f64().unwrap())
        .sum();
    assert!((parts - excess).abs() < 1e-9, "{parts} vs {excess}");
    approx(
        &a["excess"],
        a["observed"].as_f64().unwrap() - a["baseline"].as_f64().unwrap(),
    );
    // The whale's calls are each about 5 000 input tokens more than usual: no loop (growing).
    assert_eq!(v["loops"], serde_json::json!([]));
}

#[test]
fn an_error_storm_is_flagged_with_its_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(
        dir.path(),
        &[(
            "app.jsonl",
            traffic(&Inject {
                error_storm: true,
                ..Default::default()
            }),
        )],
    );
    let list = v["anomalies"].as_array().unwrap();
    let a = list
        .iter()
        .find(|a| a["metric"] == "error_rate")
        .unwrap_or_else(|| panic!("no error-rate anomaly in {list:#?}"));
    assert_eq!(a["start"], "2026-11-23T10:00:00+00:00");
    approx(&a["observed"], 1.0);
    assert!(
        a["evidence"]
            .as_str()
            .unwrap()
            .contains("error rate 100.0%"),
        "{}",
        a["evidence"]
    );
    assert_eq!(a["excess_unit"], "errors");
    // Nothing else stands out.
    assert!(
        list.iter()
            .all(|x| x["start"] == "2026-11-23T10:00:00+00:00" || x["period"] == "day"),
        "{list:#?}"
    );
}

#[test]
fn a_retry_loop_is_found_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(
        dir.path(),
        &[
            ("app.jsonl", traffic(&Inject::default())),
            ("retry.jsonl", retry_loop()),
        ],
    );
    let loops = v["loops"].as_array().unwrap();
    assert_eq!(loops.len(), 1, "{loops:#?}");
    let l = &loops[0];
    assert_eq!(l["user"], "bot7");
    assert_eq!(
        (l["type"].as_str(), l["model"].as_str()),
        (Some("chat"), Some("m-b"))
    );
    assert_eq!(l["calls"], 500);
    assert_eq!(l["errors"], 500);
    approx(&l["cost_usd"], 0.5);
    assert_eq!(l["start"], "2026-11-25T15:00:00+00:00");
    assert_eq!(l["end"], "2026-11-25T15:09:58+00:00");
    assert!(l["first"]["file"]
        .as_str()
        .unwrap()
        .ends_with("retry.jsonl"));
    assert_eq!(l["first"]["line"], 1);
    assert_eq!(l["last"]["line"], 500);
    assert_eq!(l["median_input_tokens"], 1234);
    assert_eq!(l["normal_calls_per_minute"], Value::Null);
    // The table says it too.
    let out = run(&[
        "analyze",
        "--tz",
        "UTC",
        "-f",
        "table",
        dir.path().to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Runaway loops (1)"), "{text}");
}

#[test]
fn a_prompt_length_step_names_its_day() {
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(
        dir.path(),
        &[(
            "app.jsonl",
            traffic(&Inject {
                step: true,
                ..Default::default()
            }),
        )],
    );
    let d = v["drifts"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["type"], "summary");
    assert_eq!(d[0]["metric"], "input_tokens_per_call");
    assert_eq!(d[0]["changed_on"], "2026-11-16");
    assert_eq!(
        (d[0]["days_before"].as_u64(), d[0]["days_after"].as_u64()),
        (Some(15), Some(13))
    );
    let ratio = d[0]["ratio"].as_f64().unwrap();
    assert!((1.9..2.1).contains(&ratio), "{ratio}");
}

#[test]
fn short_history_says_so_instead() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..40 {
        writeln!(
            s,
            r#"{{"timestamp":"2026-11-01T10:{:02}:00Z","model":"m","cost_usd":0.01}}"#,
            i
        )
        .unwrap();
    }
    writeln!(
        s,
        r#"{{"timestamp":"2026-11-01T11:00:00Z","model":"m","cost_usd":50}}"#
    )
    .unwrap();
    let v = analyze(dir.path(), &[("short.jsonl", s)]);
    assert_eq!(v["anomalies"], serde_json::json!([]));
    let notes = v["finding_notes"].to_string();
    assert!(
        notes.contains("hourly anomalies need 5 days of history"),
        "{notes}"
    );
    // --anomaly-k is checked.
    let out = run(&["analyze", "--anomaly-k", "-1", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

/// Quiet logs of other rhythms: nothing may be flagged.
#[test]
fn quiet_logs_of_every_rhythm_raise_nothing() {
    let mut g = Gen(0x2545f4914f6cdd1d);
    let mut s = String::new();
    // (1) A short busy day: 4 busy hours, 20 quiet ones, for 5 weeks.
    for d in 0..35 {
        for h in 0..24 {
            let n = if (13..17).contains(&h) { 120 } else { 2 };
            for i in 0..n {
                let day =
                    chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Days::new(d);
                writeln!(s, r#"{{"timestamp":"{day}T{h:02}:{:02}:00Z","model":"m","type":"chat","user_id":"u{}","input_tokens":{},"cost_usd":{:.6}}}"#, i % 60, g.below(40), 300 + g.below(400), 0.001 + 0.002 * g.unit()).unwrap();
            }
        }
    }
    // (2) A nightly batch job: 200 distinct classification prompts at 02:00 every night, one user.
    for d in 0..35 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Days::new(d);
        for i in 0..200 {
            writeln!(s, r#"{{"timestamp":"{day}T02:{:02}:{:02}Z","model":"m","type":"classify","user_id":"batch","input_tokens":{},"cost_usd":0.0004}}"#, i / 60, i % 60, 200 + g.below(300)).unwrap();
        }
    }
    // (3) An agent session: 40 calls in 10 minutes, the context growing by 150–500 tokens a call.
    let mut ctx = 60_000;
    for i in 0..40 {
        ctx += 150 + g.below(350);
        writeln!(s, r#"{{"timestamp":"2026-10-20T15:{:02}:{:02}Z","model":"claude","type":"agent","conversation_id":"sess1","input_tokens":{ctx},"cost_usd":0.0001}}"#, i / 4, (i % 4) * 15).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let v = analyze(dir.path(), &[("quiet.jsonl", s)]);
    assert_eq!(v["loops"], serde_json::json!([]), "{:#}", v["loops"]);
    assert_eq!(
        v["anomalies"],
        serde_json::json!([]),
        "{:#}",
        v["anomalies"]
    );
}

#[test]
fn sparse_dev_logs_and_a_dst_night_raise_nothing() {
    let mut g = Gen(7);
    let mut s = String::new();
    // A developer's log: a handful of calls on some days, sessions of up to 12 calls.
    for d in 0..42u64 {
        if g.unit() < 0.4 {
            continue;
        }
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 25).unwrap() + chrono::Days::new(d);
        let n = 1 + g.below(12);
        let h = 9 + g.below(9);
        for i in 0..n {
            writeln!(s, r#"{{"timestamp":"{day}T{h:02}:{:02}:00Z","model":"m","input_tokens":{},"cost_usd":{:.5}}}"#, i * 3, 100 + g.below(2000), 0.0005 + 0.01 * g.unit()).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    std::fs::write(&p, s).unwrap();
    let v = common::analyze_json(&[p.to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(
        v["anomalies"],
        serde_json::json!([]),
        "{:#}",
        v["anomalies"]
    );
    assert_eq!(v["loops"], serde_json::json!([]), "{:#}", v["loops"]);
    // Flat traffic through New York's fall-back night (Nov 1, 2026): 30 calls every hour for
    // five weeks; the repeated hour is an hour of its own, not 60 calls.
    let mut s = String::new();
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z")
        .unwrap()
        .timestamp();
    for hour in 0..(35 * 24) {
        for i in 0..30 {
            let t = chrono::DateTime::from_timestamp(start + hour * 3600 + i * 120, 0).unwrap();
            writeln!(
                s,
                r#"{{"timestamp":"{}","model":"flat","input_tokens":{},"cost_usd":0.001}}"#,
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                100 + i
            )
            .unwrap();
        }
    }
    let p = dir.path().join("dst.jsonl");
    std::fs::write(&p, s).unwrap();
    let v = common::analyze_json(&[p.to_str().unwrap(), "--tz", "America/New_York"]);
    assert_eq!(
        v["anomalies"],
        serde_json::json!([]),
        "{:#}",
        v["anomalies"]
    );
    assert_eq!(v["loops"], serde_json::json!([]), "{:#}", v["loops"]);
}

/// The same loop written alternately into two files (two workers): one loop, its first call in
/// the first file and its last in the second, whatever order the rows arrive in.
#[test]
fn a_loop_split_across_two_files_is_one_loop() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (String::new(), String::new());
    for (i, line) in retry_loop().lines().enumerate() {
        let s = if i % 2 == 0 { &mut a } else { &mut b };
        s.push_str(line);
        s.push('\n');
    }
    let v = analyze(
        dir.path(),
        &[
            ("app.jsonl", traffic(&Inject::default())),
            ("w1.jsonl", a),
            ("w2.jsonl", b),
        ],
    );
    let loops = v["loops"].as_array().unwrap();
    assert_eq!(loops.len(), 1, "{loops:#?}");
    let l = &loops[0];
    assert_eq!(l["calls"], 500);
    assert_eq!(l["start"], "2026-11-25T15:00:00+00:00");
    assert_eq!(l["end"], "2026-11-25T15:09:58+00:00");
    assert!(l["first"]["file"].as_str().unwrap().ends_with("w1.jsonl"));
    assert_eq!(l["first"]["line"], 1);
    assert!(l["last"]["file"].as_str().unwrap().ends_with("w2.jsonl"));
    assert_eq!(l["last"]["line"], 250);
}
