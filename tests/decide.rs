//! compare, whatif, optimize, estimate and the quality fields, on fixtures whose numbers are
//! worked out by hand in the comments.

mod common;
use common::{approx, row, run};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// `n` calls of `model` spread over `days` days from `day0` (YYYY-MM-DD), each with the JSON
/// fields in `extra`.
fn calls(out: &mut String, n: usize, day0: &str, days: usize, model: &str, extra: &str) {
    let start = chrono::NaiveDate::parse_from_str(day0, "%Y-%m-%d").unwrap();
    for i in 0..n {
        let day = start + chrono::Days::new((i % days) as u64);
        let secs = (i * 37) % 86_000;
        writeln!(
            out,
            r#"{{"timestamp":"{day}T{:02}:{:02}:{:02}Z","model":"{model}"{extra}}}"#,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
        .unwrap();
    }
}

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let out = run(args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

/// A: October — x 100 calls at $0.01 ($1), y 100 at $0.10 ($10): 200 calls, $11.
/// B: November — x 150 at $0.01 ($1.50), y 250 at $0.12 ($30): 400 calls, $31.50.
/// Calls doubled: volume = (400 − 200) × $11/200 = $11.
/// Mix at A's rates: x (150 − 2·100)·0.01 = −0.50, y (250 − 2·100)·0.10 = +5 → $4.50.
/// Rate: x 150·(0.01 − 0.01) = 0, y 250·(0.12 − 0.10) = $5 → $5. Total 11 + 4.5 + 5 = $20.50.
fn two_months(dir: &Path) -> String {
    let mut s = String::new();
    calls(&mut s, 100, "2026-10-01", 31, "x", r#","cost_usd":0.01"#);
    calls(&mut s, 100, "2026-10-01", 31, "y", r#","cost_usd":0.10"#);
    calls(&mut s, 150, "2026-11-01", 30, "x", r#","cost_usd":0.01"#);
    calls(&mut s, 250, "2026-11-01", 30, "y", r#","cost_usd":0.12"#);
    write(dir, "months.jsonl", &s)
}

#[test]
fn compare_periods_decomposes_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let f = two_months(dir.path());
    let (code, v) = json(&[
        "compare",
        &f,
        "--periods",
        "2026-10,2026-11",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["a"]["calls"], 200);
    assert_eq!(v["b"]["calls"], 400);
    approx(&v["a"]["cost_usd"], 11.0);
    approx(&v["b"]["cost_usd"], 31.5);
    approx(&v["change"]["cost_usd"], 20.5);
    assert_eq!(v["change"]["calls"], 200);
    approx(&v["attribution"]["volume_usd"], 11.0);
    approx(&v["attribution"]["mix_usd"], 4.5);
    approx(&v["attribution"]["rate_usd"], 5.0);
    approx(&v["a"]["cost_per_call_usd"], 0.055);
    approx(&v["b"]["cost_per_call_usd"], 0.07875);
    // Rows: the largest change first, each with its own parts.
    assert_eq!(v["rows"][0]["key"], "y");
    let y = row(&v["rows"], "y");
    approx(&y["change_cost_usd"], 20.0);
    approx(&y["mix_usd"], 5.0);
    approx(&y["rate_usd"], 5.0);
    approx(&y["volume_usd"], 10.0);
    let x = row(&v["rows"], "x");
    approx(&x["mix_usd"], -0.5);
    approx(&x["rate_usd"], 0.0);
    // B is dearer per call: a negative saving whose interval holds the point estimate.
    approx(&v["saving"]["per_call_usd"], 0.055 - 0.07875);
    let ci = v["saving"]["ci95_usd"].as_array().unwrap();
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo <= -0.02375 && -0.02375 <= hi && lo < hi, "{lo} {hi}");

    // --a/--b name the same periods as ranges.
    let (_, w) = json(&[
        "compare",
        &f,
        "--a",
        "2026-10-01..2026-10-31",
        "--b",
        "2026-11",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(w["attribution"], v["attribution"]);

    // The CI gate: +186% trips 100, not 200.
    let gate = |pct: &str| {
        run(&[
            "compare",
            &f,
            "--periods",
            "2026-10,2026-11",
            "--tz",
            "UTC",
            "-f",
            "json",
            "--fail-above",
            pct,
        ])
        .status
        .code()
    };
    assert_eq!(gate("100"), Some(1));
    assert_eq!(gate("200"), Some(0));
}

#[test]
fn compare_last_span_against_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let f = two_months(dir.path());
    // Now = Dec 1 00:00 UTC: last 30 days is November, the 30 before are Oct 2–31.
    let (_, v) = json(&[
        "compare",
        &f,
        "--last",
        "30d",
        "--now",
        "2026-12-01T00:00:00Z",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(v["b"]["calls"], 400);
    // October 1 is outside: the calls on day 0 of the 31-day spread (i % 31 == 0: 4 of x, 4 of y).
    assert_eq!(v["a"]["calls"], 200 - 8);
}

#[test]
fn compare_two_sets_saving_interval_and_payback() {
    let dir = tempfile::tempdir().unwrap();
    // Before: 200 calls at $0.02; after: 200 at $0.01, both over 10 days (20 calls a day).
    // Saving $0.01 a call, $0.20 a day: $6 per 30 days; a $10 change pays back in 50 days.
    // Every call costs the same, so every resample's difference is exactly $0.01.
    let (mut a, mut b) = (String::new(), String::new());
    calls(&mut a, 200, "2026-11-01", 10, "big", r#","cost_usd":0.02"#);
    calls(
        &mut b,
        200,
        "2026-11-11",
        10,
        "small",
        r#","cost_usd":0.01"#,
    );
    let (fa, fb) = (
        write(dir.path(), "before.jsonl", &a),
        write(dir.path(), "after.jsonl", &b),
    );
    let args = [
        "compare",
        &fa,
        "--vs",
        &fb,
        "--change-cost",
        "10",
        "--tz",
        "UTC",
        "-f",
        "json",
    ];
    let (code, v) = json(&args);
    assert_eq!(code, Some(0));
    approx(&v["saving"]["per_call_usd"], 0.01);
    approx(&v["saving"]["per_month_usd"], 6.0);
    approx(&v["saving"]["payback_days"], 50.0);
    approx(&v["saving"]["ci95_usd"][0], 0.01);
    approx(&v["saving"]["ci95_usd"][1], 0.01);
    // Moving every call from big to small is all mix; volume and rate are nil.
    approx(&v["attribution"]["mix_usd"], -2.0);
    approx(&v["attribution"]["volume_usd"], 0.0);
    approx(&v["attribution"]["rate_usd"], 0.0);
    // Same input, same bytes; csv and markdown carry the rows.
    assert_eq!(run(&args).stdout, run(&args).stdout);
    let csv =
        String::from_utf8(run(&["compare", &fa, "--vs", &fb, "--tz", "UTC", "-f", "csv"]).stdout)
            .unwrap();
    assert!(
        csv.starts_with("key,a_calls,a_cost_usd,b_calls,b_cost_usd"),
        "{csv}"
    );
    assert!(csv.contains("\nbig,200,4,0,0,-4,-100,"), "{csv}");
    let md = String::from_utf8(
        run(&["compare", &fa, "--vs", &fb, "--tz", "UTC", "-f", "markdown"]).stdout,
    )
    .unwrap();
    assert!(
        md.contains("### Where the change in cost came from (by model)"),
        "{md}"
    );
}

#[test]
fn compare_seeds_make_the_interval_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for (i, day) in ["2026-11-01", "2026-11-02"].iter().enumerate() {
        for k in 0..60 {
            let cost = 0.001 * ((k * 7 + i * 3) % 11) as f64;
            writeln!(
                s,
                r#"{{"timestamp":"{day}T10:{:02}:00Z","model":"m","cost_usd":{cost}}}"#,
                k % 60
            )
            .unwrap();
        }
    }
    let f = write(dir.path(), "c.jsonl", &s);
    let ci = |seed: &str| {
        json(&[
            "compare",
            &f,
            "--periods",
            "2026-11-01,2026-11-02",
            "--tz",
            "UTC",
            "-f",
            "json",
            "--seed",
            seed,
        ])
        .1["saving"]["ci95_usd"]
            .clone()
    };
    assert_eq!(ci("1"), ci("1"));
    assert_ne!(ci("1"), ci("2"));
}

#[test]
fn compare_explains_bad_flags() {
    let out = run(&["compare", "x.jsonl", "--periods", "2026-10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--periods: give two"));
    let out = run(&["compare", "x.jsonl", "--periods", "2026-10,2026-13"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a month"));
    let out = run(&["compare", "x.jsonl", "--a", "2026-10"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--a and --b go together"));
}

/// Rates for hand pricing: big $10 in / $20 out per 1M tokens, small $1 / $2, tiny $0.5 / $1.
fn prices(dir: &Path) -> String {
    write(
        dir,
        "prices.toml",
        "[models.\"big\"]\ninput_per_mtok = 10.0\noutput_per_mtok = 20.0\n\n[models.\"small\"]\ninput_per_mtok = 1.0\noutput_per_mtok = 2.0\n\n[models.\"tiny\"]\ninput_per_mtok = 0.5\noutput_per_mtok = 1.0\n",
    )
}

#[test]
fn whatif_reprices_from_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let p = prices(dir.path());
    let mut s = String::new();
    // big faq: 10 × (1000 in, 500 out) = 10 × $0.02 = $0.20; on small 10 × $0.002 = $0.02.
    calls(
        &mut s,
        10,
        "2026-11-01",
        3,
        "big",
        r#","type":"faq","user":"ann","input_tokens":1000,"output_tokens":500"#,
    );
    // big chat: 5 × (2000, 1000) = 5 × $0.04 = $0.20; on small 5 × $0.004 = $0.02.
    calls(
        &mut s,
        5,
        "2026-11-01",
        3,
        "big",
        r#","type":"chat","user":"bob","input_tokens":2000,"output_tokens":1000"#,
    );
    // small faq: 10 × $0.002 = $0.02, unchanged.
    calls(
        &mut s,
        10,
        "2026-11-01",
        3,
        "small",
        r#","type":"faq","user":"ann","input_tokens":1000,"output_tokens":500"#,
    );
    let f = write(dir.path(), "w.jsonl", &s);
    let (code, v) = json(&[
        "whatif",
        &f,
        "--pricing",
        &p,
        "--as",
        "b*=small",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(code, Some(0), "{v}");
    approx(&v["before_usd"], 0.42);
    approx(&v["after_usd"], 0.06);
    approx(&v["saving_usd"], 0.36);
    assert_eq!(v["repriced_calls"], 15);
    let big = row(&v["rows"], "big");
    approx(&big["before_usd"], 0.40);
    approx(&big["after_usd"], 0.04);
    approx(&row(&v["by_type"], "chat")["saving_usd"], 0.18);
    approx(&row(&v["by_user"], "bob")["saving_usd"], 0.18);
    // Scoped to faq: only those calls are considered.
    let (_, v) = json(&[
        "whatif",
        &f,
        "--pricing",
        &p,
        "--as",
        "big=small",
        "--where",
        "type=faq",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    approx(&v["before_usd"], 0.22);
    approx(&v["after_usd"], 0.04);
    // An unknown target is an error that names it.
    let out = run(&[
        "whatif",
        &f,
        "--pricing",
        &p,
        "--as",
        "big=no-such-model-xyz",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no price for 'no-such-model-xyz'"));
}

#[test]
fn optimize_suggests_only_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let p = prices(dir.path());
    let mut s = String::new();
    let tok = r#","input_tokens":1000,"output_tokens":500"#;
    // faq: big 40 calls ($0.02 each = $0.80; on small $0.08: saving $0.72 over 3 days → $7.20
    // per 30 days), small 40 calls with better quality: qualifies. tiny has only 10 calls.
    calls(
        &mut s,
        40,
        "2026-11-01",
        3,
        "big",
        &format!(r#","type":"faq","quality_score":0.8{tok}"#),
    );
    calls(
        &mut s,
        40,
        "2026-11-01",
        3,
        "small",
        &format!(r#","type":"faq","quality_score":0.85{tok}"#),
    );
    calls(
        &mut s,
        10,
        "2026-11-01",
        3,
        "tiny",
        &format!(r#","type":"faq","quality_score":0.9{tok}"#),
    );
    // chat: small fails 4 of 40 (90% against 100%): rejected.
    calls(
        &mut s,
        40,
        "2026-11-01",
        3,
        "big",
        &format!(r#","type":"chat"{tok}"#),
    );
    calls(
        &mut s,
        36,
        "2026-11-01",
        3,
        "small",
        &format!(r#","type":"chat"{tok}"#),
    );
    calls(
        &mut s,
        4,
        "2026-11-01",
        3,
        "small",
        &format!(r#","type":"chat","status":"error"{tok}"#),
    );
    // summary: small's quality is lower (0.6 against 0.9): rejected.
    calls(
        &mut s,
        40,
        "2026-11-01",
        3,
        "big",
        &format!(r#","type":"summary","quality_score":0.9{tok}"#),
    );
    calls(
        &mut s,
        40,
        "2026-11-01",
        3,
        "small",
        &format!(r#","type":"summary","quality_score":0.6{tok}"#),
    );
    let f = write(dir.path(), "o.jsonl", &s);
    let (code, v) = json(&["optimize", &f, "--pricing", &p, "--tz", "UTC", "-f", "json"]);
    assert_eq!(code, Some(0), "{v}");
    let sugg = v["suggestions"].as_array().unwrap();
    assert_eq!(sugg.len(), 1, "{v:#}");
    assert_eq!(sugg[0]["group"], "faq");
    assert_eq!(sugg[0]["from"]["model"], "big");
    assert_eq!(sugg[0]["to"]["model"], "small");
    approx(&sugg[0]["saving_usd"], 0.72);
    approx(&sugg[0]["saving_per_month_usd"], 7.2);
    assert_eq!(v["days"], 3);
    let rejected = v["rejected"].as_array().unwrap();
    let why = |group: &str, from: &str, to: &str| -> String {
        rejected
            .iter()
            .find(|r| r["group"] == group && r["from"] == from && r["to"] == to)
            .unwrap_or_else(|| panic!("no rejection {group} {from}→{to} in {v:#}"))["reasons"]
            .to_string()
    };
    assert!(why("faq", "big", "tiny").contains("too few calls"));
    assert!(why("chat", "big", "small").contains("worse success rate"));
    assert!(why("summary", "big", "small").contains("lower quality"));
    // A higher bar removes the one suggestion.
    let (_, v) = json(&[
        "optimize",
        &f,
        "--pricing",
        &p,
        "--tz",
        "UTC",
        "-f",
        "json",
        "--min-saving",
        "10",
    ]);
    assert_eq!(v["suggestions"].as_array().unwrap().len(), 0);
}

#[test]
fn quality_fields_in_every_alias_form() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"timestamp":"2026-11-01T10:00:00Z","model":"q","type":"t","cost_usd":0.01,"quality_score":0.8,"correct":true}"#,
        r#"{"timestamp":"2026-11-01T10:01:00Z","model":"q","type":"t","cost_usd":0.01,"quality":60,"is_correct":false}"#,
        r#"{"timestamp":"2026-11-01T10:02:00Z","model":"q","type":"t","cost_usd":0.02,"user_rating":5,"correct":"yes"}"#,
        r#"{"timestamp":"2026-11-01T10:03:00Z","model":"q","type":"t","cost_usd":0.02,"rating":"thumbs_down"}"#,
        r#"{"timestamp":"2026-11-01T10:04:00Z","model":"q","type":"t","cost_usd":0.04,"qualityScore":0.4,"isCorrect":true}"#,
        r#"{"timestamp":"2026-11-01T10:05:00Z","model":"q","type":"t","cost_usd":1.0}"#,
        r#"{"timestamp":"2026-11-01T10:06:00Z","model":"q","type":"u","cost_usd":0.5,"metadata":{"eval_score":1.0,"feedback":"👍"}}"#,
    ];
    let f = write(dir.path(), "q.jsonl", &(lines.join("\n") + "\n"));
    let v = common::analyze_json(&[&f, "--tz", "UTC"]);
    let q = v["quality"].as_array().unwrap();
    let t = q.iter().find(|r| r["type"] == "t").unwrap();
    // Rated: 0.8, 0.6, 1.0 (5 stars), 0.0 (thumbs down), 0.4 → mean 2.8 / 5 = 0.56.
    assert_eq!(t["calls"], 5);
    assert_eq!(t["rated_calls"], 5);
    approx(&t["avg_quality"], 0.56);
    // Judged: lines 1, 2, 3, 5 → 3 of 4 correct; their cost $0.08 over 3 correct answers.
    assert_eq!(t["judged_calls"], 4);
    assert_eq!(t["correct_calls"], 3);
    approx(&t["share_correct"], 0.75);
    approx(&t["cost_per_correct_usd"], 0.08 / 3.0);
    // Rated cost $0.10 over 2.8 quality points.
    approx(&t["cost_per_quality_point_usd"], 0.10 / 2.8);
    // Under metadata, eval_score wins over the rating.
    let u = q.iter().find(|r| r["type"] == "u").unwrap();
    approx(&u["avg_quality"], 1.0);
    // The table shows the section.
    let out = run(&["analyze", &f, "--tz", "UTC", "-f", "table"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Cost against quality"));
}

#[test]
fn estimate_counts_tokens_and_checks_budgets() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.toml",
        "[models.\"gpt-4o\"]\ninput_per_mtok = 2.5\noutput_per_mtok = 10.0\n",
    );
    // "tiktoken is great!" is 6 tokens (OpenAI's cookbook); as one user message 3 + 1 ("user")
    // + 6 + 3 reply priming = 13. With 100 output tokens: 13 × 2.5/1M + 100 × 10/1M = $0.0010325.
    let (code, v) = json(&[
        "estimate",
        "--model",
        "gpt-4o",
        "--prompt",
        "tiktoken is great!",
        "--max-output",
        "100",
        "--pricing",
        &p,
        "-f",
        "json",
    ]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["text_tokens"], 6);
    assert_eq!(v["input_tokens"], 13);
    assert_eq!(v["exact_tokens"], true);
    approx(&v["cost_usd"], 0.0010325);

    // Output length from history: successful gpt-4o summarize calls with 100..500 output tokens
    // → median 300, p90 400 + 0.6 × 100 = 460. Each logged $0.001: $0.005 spent in November.
    let mut s = String::new();
    for (i, out) in [100, 200, 300, 400, 500].iter().enumerate() {
        writeln!(s, r#"{{"timestamp":"2026-11-0{}T10:00:00Z","model":"gpt-4o","type":"summarize","input_tokens":50,"output_tokens":{out},"cost_usd":0.001}}"#, i + 1).unwrap();
    }
    writeln!(s, r#"{{"timestamp":"2026-11-06T10:00:00Z","model":"gpt-4o","type":"summarize","input_tokens":50,"output_tokens":0,"cost_usd":0,"status":"error"}}"#).unwrap();
    writeln!(s, r#"{{"timestamp":"2026-11-06T10:00:00Z","model":"gpt-4o","type":"chat","input_tokens":50,"output_tokens":9000,"cost_usd":0}}"#).unwrap();
    let logs = write(dir.path(), "past.jsonl", &s);
    let base = [
        "estimate",
        "--model",
        "gpt-4o",
        "--prompt",
        "tiktoken is great!",
        "--logs",
        &logs,
        "--type",
        "summarize",
        "--pricing",
        &p,
        "--now",
        "2026-11-20T00:00:00Z",
        "--tz",
        "UTC",
        "-f",
        "json",
    ];
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--budget", "monthly=0.01", "--fail-over-budget"]);
    let (code, v) = json(&args);
    assert_eq!(v["output_tokens_per_prompt"]["p50"], 300);
    assert_eq!(v["output_tokens_per_prompt"]["p90"], 460);
    assert_eq!(v["output_tokens_per_prompt"]["history_calls"], 5);
    // Typical 13 × 2.5/1M + 300 × 10/1M = $0.0030325; high with 460: $0.0046325.
    approx(&v["cost_usd"], 0.0030325);
    approx(&v["cost_high_usd"], 0.0046325);
    let b = &v["budgets"][0];
    approx(&b["spent_usd"], 0.005);
    approx(&b["after_usd"], 0.0080325);
    assert_eq!(b["line"], "after this batch: $0.008033 of $0.0100 (80%)");
    assert_eq!(code, Some(0));
    // A tighter budget breaks at the high estimate: exit 1.
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--budget", "monthly=0.009", "--fail-over-budget"]);
    let (code, v) = json(&args);
    assert_eq!(v["fits"], false);
    assert_eq!(code, Some(1));
}

#[test]
fn estimate_reads_batches_in_jsonl_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.toml",
        "[models.\"gpt-4o\"]\ninput_per_mtok = 2.5\noutput_per_mtok = 10.0\n",
    );
    // Three requests: 13 tokens each as computed above (a bare prompt, a chat message, an
    // OpenAI batch line) → 39.
    let jsonl = write(
        dir.path(),
        "b.jsonl",
        "{\"prompt\":\"tiktoken is great!\"}\n{\"messages\":[{\"role\":\"user\",\"content\":\"tiktoken is great!\"}]}\n{\"custom_id\":\"r1\",\"method\":\"POST\",\"body\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"tiktoken is great!\"}]}}\n",
    );
    let (_, v) = json(&[
        "estimate",
        "--model",
        "gpt-4o",
        "--batch",
        &jsonl,
        "--max-output",
        "10",
        "--pricing",
        &p,
        "-f",
        "json",
    ]);
    assert_eq!(v["prompts"], 3);
    assert_eq!(v["input_tokens"], 39);
    // CSV with a quoted comma: "2 + 2 = 4" is 7 tokens; "a, b" is quoted.
    let csv = write(
        dir.path(),
        "b.csv",
        "id,prompt\n1,2 + 2 = 4\n2,\"tiktoken is great!\"\n",
    );
    let (_, v) = json(&[
        "estimate",
        "--model",
        "gpt-4",
        "--batch",
        &csv,
        "--max-output",
        "10",
        "--pricing",
        &p,
        "-f",
        "json",
    ]);
    assert_eq!(v["prompts"], 2);
    assert_eq!(v["text_tokens"], 13);
    // A row without a prompt is named by file and line.
    let bad = write(dir.path(), "bad.jsonl", "{\"prompt\":\"ok\"}\n{\"id\":2}\n");
    let out = run(&[
        "estimate",
        "--model",
        "gpt-4o",
        "--batch",
        &bad,
        "--max-output",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:2: no prompt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without history or --max-output: say what to give.
    let out = run(&["estimate", "--model", "gpt-4o", "--prompt", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-output"));
}

#[test]
fn thumbs_as_numbers_and_stars() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        // thumbs/feedback: above 0 is up.
        r#"{"timestamp":"2026-11-01T10:00:00Z","model":"a","cost_usd":0.01,"thumbs":1}"#,
        r#"{"timestamp":"2026-11-01T10:01:00Z","model":"a","cost_usd":0.01,"feedback":-1}"#,
        // stars: 1 is the worst, 0 can only be thumbs down, 3 is the middle.
        r#"{"timestamp":"2026-11-01T10:02:00Z","model":"b","cost_usd":0.01,"rating":1}"#,
        r#"{"timestamp":"2026-11-01T10:03:00Z","model":"b","cost_usd":0.01,"user_rating":3}"#,
        r#"{"timestamp":"2026-11-01T10:04:00Z","model":"b","cost_usd":0.01,"user_rating":0}"#,
    ];
    let f = write(dir.path(), "t.jsonl", &(lines.join("\n") + "\n"));
    let v = common::analyze_json(&[&f, "--tz", "UTC"]);
    let q = |m: &str| {
        v["quality"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == m)
            .unwrap()
            .clone()
    };
    approx(&q("a")["avg_quality"], 0.5); // 1 and 0
    approx(&q("b")["avg_quality"], 0.5 / 3.0); // 0, 0.5, 0
}

#[test]
fn estimate_learns_only_from_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.toml",
        "[models.\"gpt-4o\"]\ninput_per_mtok = 2.5\noutput_per_mtok = 10.0\n",
    );
    // Only gpt-4o-mini history: it says nothing about gpt-4o's output.
    let logs = write(
        dir.path(),
        "mini.jsonl",
        "{\"timestamp\":\"2026-11-01T10:00:00Z\",\"model\":\"gpt-4o-mini\",\"output_tokens\":999}\n",
    );
    let out = run(&[
        "estimate",
        "--model",
        "gpt-4o",
        "--prompt",
        "x",
        "--logs",
        &logs,
        "--pricing",
        &p,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no successful calls of gpt-4o"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn whatif_leaves_calls_already_on_the_target() {
    let dir = tempfile::tempdir().unwrap();
    // gpt-4o-mini-2024-07-18 is gpt-4o-mini in the database: not repriced, even though
    // 'gpt-4o*' matches it.
    let f = write(
        dir.path(),
        "m.jsonl",
        "{\"timestamp\":\"2026-11-01T10:00:00Z\",\"model\":\"gpt-4o-mini-2024-07-18\",\"input_tokens\":1000,\"output_tokens\":100,\"cost_usd\":0.5}\n",
    );
    let (_, v) = json(&[
        "whatif",
        &f,
        "--as",
        "gpt-4o*=gpt-4o-mini",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(v["repriced_calls"], 0);
    approx(&v["saving_usd"], 0.0);
}

#[test]
fn compare_says_when_periods_differ_or_miss_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let f = two_months(dir.path());
    let (_, v) = json(&[
        "compare",
        &f,
        "--a",
        "2026-10-01..2026-10-10",
        "--b",
        "2026-11",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert!(
        v["warnings"]
            .to_string()
            .contains("the periods differ in length"),
        "{}",
        v["warnings"]
    );
    let (_, v) = json(&[
        "compare",
        &f,
        "--now",
        "2027-03-01T00:00:00Z",
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert!(
        v["warnings"]
            .to_string()
            .contains("the logs' calls run from 2026-10-01 to 2026-11-30"),
        "{}",
        v["warnings"]
    );
}
