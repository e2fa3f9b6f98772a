//! costs, report, bill, conversations and digest on hand-computed fixtures; XLSX read back with
//! openpyxl (installed by `make test`).

mod common;
use common::{analyze_json, approx, run};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn python() -> String {
    std::env::var("LLMLOG_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs a Python snippet with the workbook path as argv[1]; returns its stdout.
fn openpyxl(script: &str, path: &str) -> String {
    let out = std::process::Command::new(python())
        .args(["-c", script, path])
        .output()
        .expect("python with openpyxl: run `make test`, which installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn overview_across_a_month_boundary_and_a_dst_change() {
    // New York: the week of Mon Oct 26 2026 holds the end of October and Sunday Nov 1, when
    // clocks fall back at 02:00. Now is Nov 1, 20:00 EST.
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        ("2026-10-25T23:30:00-04:00", 1.0), // the Sunday before: neither week nor month
        ("2026-10-26T00:30:00-04:00", 2.0), // Monday: this week, October
        ("2026-10-31T23:30:00-04:00", 4.0), // Saturday night: this week, October
        ("2026-11-01T00:30:00-04:00", 8.0), // today, before the change
        ("2026-11-01T01:30:00-05:00", 16.0), // today, the repeated hour
        ("2026-11-01T19:00:00-05:00", 32.0), // today
        ("2026-11-01T21:00:00-05:00", 64.0), // after now: only all time
    ];
    let text: String = lines
        .iter()
        .map(|(t, c)| format!("{{\"timestamp\":\"{t}\",\"model\":\"m\",\"cost_usd\":{c}}}\n"))
        .collect();
    let f = write(dir.path(), "o.jsonl", &text);
    let v = json(&[
        "costs",
        &f,
        "--tz",
        "America/New_York",
        "--now",
        "2026-11-01T20:00:00-05:00",
        "-f",
        "json",
    ]);
    approx(&v["today"]["cost_usd"], 56.0);
    assert_eq!(v["today"]["calls"], 3);
    approx(&v["this_week"]["cost_usd"], 62.0);
    assert_eq!(v["this_week"]["from"], "2026-10-26T00:00:00-04:00");
    approx(&v["this_month"]["cost_usd"], 56.0);
    approx(&v["all_time"]["cost_usd"], 127.0);
    assert_eq!(v["all_time"]["calls"], 7);
    assert_eq!(v["top_models_this_month"][0]["key"], "m");
    // Markdown too, and `llmlog` alone reads the logs the config names.
    let out = run(&["costs", &f, "--tz", "America/New_York", "-f", "markdown"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("| Today |"));
    let cfg = write(
        dir.path(),
        "llmlog.toml",
        "timezone = \"America/New_York\"\nlogs = [\"o.jsonl\"]\n",
    );
    let out = common::llmlog()
        .env("LLMLOG_CONFIG", &cfg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("all_time"),
        "piped: JSON"
    );
}

/// November 2026 in UTC: every day one call of model a (user u1, type t1) at $1, and on
/// Thursday Nov 12 also three calls of model b (user whale, type t2) at $3: that day costs $10.
fn month() -> String {
    let mut s = String::new();
    for d in 1..=30 {
        writeln!(s, r#"{{"timestamp":"2026-11-{d:02}T12:00:00Z","model":"a","user_id":"u1","type":"t1","project":"p1","cost_usd":1.0}}"#).unwrap();
    }
    for i in 0..3 {
        writeln!(s, r#"{{"timestamp":"2026-11-12T15:0{i}:00Z","model":"b","user_id":"whale","type":"t2","project":"p2","cost_usd":3.0}}"#).unwrap();
    }
    s
}

#[test]
fn monthly_report_names_the_peak_day_and_its_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "m.jsonl", &month());
    let args = [
        "report",
        &f,
        "--month",
        "2026-11",
        "--tz",
        "UTC",
        "--now",
        "2026-12-05T00:00:00Z",
    ];
    let mut a = args.to_vec();
    a.extend(["-f", "json"]);
    let v = json(&a);
    approx(&v["summary"]["cost_usd"], 39.0);
    assert_eq!(v["days"], 30);
    // Weekends of November 2026: the 1st, 7–8, 14–15, 21–22, 28–29 (9 days at $1); 21 weekdays
    // hold $20 + $10.
    assert_eq!(v["day_averages"]["weekend_days"], 9);
    approx(&v["day_averages"]["weekend_avg_usd"], 1.0);
    approx(&v["day_averages"]["weekday_avg_usd"], 30.0 / 21.0);
    let p = &v["peak_day"];
    assert_eq!(p["day"], "2026-11-12");
    approx(&p["cost_usd"], 10.0);
    approx(&p["median_day_usd"], 1.0);
    approx(&p["vs_median"], 9.0);
    for (dim, value) in [("model", "b"), ("type", "t2"), ("user", "whale")] {
        let d = p["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["dimension"] == dim)
            .unwrap();
        assert_eq!(d["value"], value);
        approx(&d["share"], 0.9);
    }
    assert_eq!(v["by_project"][0]["key"], "p1");

    // XLSX: one sheet per section, numbers as numbers with currency formats.
    let x = dir.path().join("r.xlsx");
    let mut a = args.to_vec();
    a.extend(["-o", x.to_str().unwrap()]);
    let out = run(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = openpyxl(
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nprint(','.join(wb.sheetnames))\nws = wb['By model']\nprint(ws['A1'].value, ws['A2'].value, ws['C2'].value, ws['C2'].data_type, ws['C2'].number_format, ws['B2'].value, ws['B2'].data_type)\ns = wb['Summary']\nprint(s['A2'].value, s['B2'].value)",
        x.to_str().unwrap(),
    );
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(
        lines[0],
        "Summary,By model,By project,By type,Top users,By day"
    );
    assert_eq!(lines[1], "Model a 30 n $#,##0.00#### 30 n");
    assert_eq!(lines[2], "Cost 39");
    // Same input, same bytes.
    let y = dir.path().join("r2.xlsx");
    let mut a = args.to_vec();
    a.extend(["-o", y.to_str().unwrap()]);
    run(&a);
    assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
}

#[test]
fn bill_with_markup_fee_and_minimum_reconciles_with_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    // acme: 100 calls at $0.10 = $10; +20% = $2; fees 100 × $0.001 = $0.10 → $12.10.
    for i in 0..100 {
        writeln!(s, r#"{{"timestamp":"2026-11-03T10:{:02}:{:02}Z","model":"m","customer_id":"acme","input_tokens":100,"output_tokens":10,"cost_usd":0.10}}"#, i / 60, i % 60).unwrap();
    }
    // beta (as tenant): 10 calls at $0.01 = $0.10; +$0.02; fees $0.01 → $0.13, raised to $5.
    for i in 0..10 {
        writeln!(s, r#"{{"timestamp":"2026-11-04T10:00:{i:02}Z","model":"m","tenant":"beta","input_tokens":50,"output_tokens":5,"cost_usd":0.01}}"#).unwrap();
    }
    // No customer: 5 calls at $0.10 = $0.50; +$0.10; fees $0.005 → $0.605, no minimum.
    for i in 0..5 {
        writeln!(s, r#"{{"timestamp":"2026-11-05T10:00:{i:02}Z","model":"m","user_id":"dev","cost_usd":0.10}}"#).unwrap();
    }
    // October: outside the bill.
    writeln!(
        s,
        r#"{{"timestamp":"2026-10-31T23:00:00Z","model":"m","customer_id":"acme","cost_usd":99}}"#
    )
    .unwrap();
    let f = write(dir.path(), "b.jsonl", &s);
    let terms = [
        "--markup",
        "20%",
        "--per-call-fee",
        "0.001",
        "--min-charge",
        "5",
    ];
    let mut a = vec![
        "bill",
        f.as_str(),
        "--month",
        "2026-11",
        "--tz",
        "UTC",
        "-f",
        "json",
    ];
    a.extend(terms);
    let v = json(&a);
    assert_eq!(v["by"], "customer");
    let line = |c: &str| {
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["customer"] == c)
            .unwrap()
            .clone()
    };
    let acme = line("acme");
    assert_eq!(acme["calls"], 100);
    assert_eq!(acme["input_tokens"], 10_000);
    approx(&acme["cost_usd"], 10.0);
    approx(&acme["markup_usd"], 2.0);
    approx(&acme["fees_usd"], 0.1);
    approx(&acme["amount_usd"], 12.1);
    let beta = line("beta");
    approx(&beta["minimum_usd"], 5.0 - 0.13);
    approx(&beta["amount_usd"], 5.0);
    let none = line("(none)");
    approx(&none["amount_usd"], 0.605);
    approx(&none["minimum_usd"], 0.0);
    approx(&v["total"]["amount_usd"], 12.1 + 5.0 + 0.605);
    approx(&v["total"]["cost_usd"], 10.6);
    assert_eq!(v["total"]["calls"], 115);
    // The same window in analyze: the same cost and calls.
    let r = analyze_json(&[
        &f,
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-30",
        "--tz",
        "UTC",
    ]);
    approx(
        &r["summary"]["cost_usd"],
        v["total"]["cost_usd"].as_f64().unwrap(),
    );
    assert_eq!(r["summary"]["calls"], v["total"]["calls"]);
    assert!(
        v["reconciliation"].as_str().unwrap().contains("$10.60"),
        "{}",
        v["reconciliation"]
    );

    // CSV (the default when piped) and XLSX.
    let mut a = vec!["bill", f.as_str(), "--month", "2026-11", "--tz", "UTC"];
    a.extend(terms);
    let csv = String::from_utf8(run(&a).stdout).unwrap();
    assert!(csv.starts_with("customer,calls,input_tokens,output_tokens,cost_usd,markup_usd,fees_usd,minimum_usd,amount_usd\nacme,100,10000,1000,10,2,0.1,0,12.1\n"), "{csv}");
    let x = dir.path().join("bill.xlsx");
    let mut a = vec![
        "bill",
        f.as_str(),
        "--month",
        "2026-11",
        "--tz",
        "UTC",
        "-o",
        x.to_str().unwrap(),
    ];
    a.extend(terms);
    assert_eq!(run(&a).status.code(), Some(0));
    let got = openpyxl(
        "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1])['Bill']\nrows = list(ws.iter_rows(min_row=2, max_row=5, values_only=True))\nfor r in rows: print(r[0], r[1], r[8])\nprint(ws['I2'].number_format)",
        x.to_str().unwrap(),
    );
    assert_eq!(
        got,
        "acme 100 12.1\nbeta 10 5\n(none) 5 0.605\nTotal 115 17.705\n$#,##0.00####\n"
    );
    // Bad terms are named.
    let out = run(&["bill", &f, "--markup", "lots"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--markup 'lots'"));
}

#[test]
fn conversations_by_cost_with_titles_and_models() {
    let dir = tempfile::tempdir().unwrap();
    let s = [
        r#"{"timestamp":"2026-11-01T10:00:00Z","model":"gpt-4o","conversation_id":"c1","conversation_name":"Refund policy","cost_usd":0.5}"#,
        r#"{"timestamp":"2026-11-01T10:05:00Z","model":"gpt-4o-mini","conversation_id":"c1","cost_usd":0.25}"#,
        r#"{"timestamp":"2026-11-01T11:00:00Z","model":"gpt-4o","conversation_id":"c2","cost_usd":0.1}"#,
        r#"{"timestamp":"2026-11-01T12:00:00Z","model":"gpt-4o","cost_usd":9}"#,
    ]
    .join("\n");
    let f = write(dir.path(), "c.jsonl", &(s + "\n"));
    let v = json(&["conversations", &f, "--tz", "UTC", "-f", "json"]);
    assert_eq!(v["total"], 2);
    assert_eq!(v["calls_without_conversation"], 1);
    let c1 = &v["top"][0];
    assert_eq!(c1["conversation"], "c1");
    assert_eq!(c1["name"], "Refund policy");
    assert_eq!(c1["messages"], 2);
    approx(&c1["cost_usd"], 0.75);
    assert_eq!(c1["models"], serde_json::json!(["gpt-4o", "gpt-4o-mini"]));
    assert_eq!(c1["first"], "2026-11-01T10:00:00+00:00");
    assert_eq!(c1["last"], "2026-11-01T10:05:00+00:00");
    assert_eq!(v["top"][1]["name"], Value::Null);
}

#[test]
fn digest_of_yesterday_against_the_day_before() {
    let dir = tempfile::tempdir().unwrap();
    let s = [
        r#"{"timestamp":"2026-11-09T10:00:00Z","model":"a","user_id":"u1","cost_usd":2.0}"#,
        r#"{"timestamp":"2026-11-10T10:00:00Z","model":"a","user_id":"u1","cost_usd":1.0}"#,
        r#"{"timestamp":"2026-11-10T11:00:00Z","model":"b","user_id":"u2","cost_usd":4.0,"status":"error"}"#,
        r#"{"timestamp":"2026-11-11T08:00:00Z","model":"b","user_id":"u2","cost_usd":100.0}"#,
    ]
    .join("\n");
    let f = write(dir.path(), "d.jsonl", &(s + "\n"));
    // Now Nov 11 09:00: yesterday is Nov 10 ($5, 2 calls, 1 error) against Nov 9 ($2): +150%.
    let v = json(&[
        "digest",
        &f,
        "--tz",
        "UTC",
        "--now",
        "2026-11-11T09:00:00Z",
        "-f",
        "json",
    ]);
    assert_eq!(v["label"], "2026-11-10");
    approx(&v["cost_usd"], 5.0);
    assert_eq!(v["calls"], 2);
    assert_eq!(v["errors"], 1);
    approx(&v["previous_cost_usd"], 2.0);
    approx(&v["change_pct"], 150.0);
    // Movers: model b and user u2 +$4, model a and user u1 −$1.
    assert_eq!(
        (
            v["movers"][0]["dimension"].as_str(),
            v["movers"][0]["key"].as_str()
        ),
        (Some("model"), Some("b"))
    );
    approx(&v["movers"][0]["change_usd"], 4.0);
    // Weekly: Mon Nov 9 – Sun Nov 15 when now is Nov 17.
    let w = json(&[
        "digest",
        &f,
        "--tz",
        "UTC",
        "--now",
        "2026-11-17T09:00:00Z",
        "--period",
        "weekly",
        "-f",
        "json",
    ]);
    assert_eq!(w["label"], "week of 2026-11-09");
    approx(&w["cost_usd"], 107.0);
}

#[test]
fn views_refuse_ambiguous_or_empty_input() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "m.jsonl", &month());
    // A bare 20 is surely not 2000%.
    let out = run(&["bill", &f, "--markup", "20"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("write 20%"));
    // No calls: no report for 1970.
    let empty = write(dir.path(), "empty.jsonl", "");
    let out = run(&["report", &empty, "--tz", "UTC", "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no calls"));
    // A log naming only customers still has users to group by.
    let c = write(dir.path(), "c.jsonl", "{\"timestamp\":\"2026-11-01T10:00:00Z\",\"model\":\"m\",\"customer_id\":\"acme\",\"cost_usd\":1}\n");
    let v = common::analyze_json(&[&c, "--tz", "UTC"]);
    assert_eq!(v["by_user"][0]["key"], "acme");
}

#[test]
fn claude_code_summary_lines_title_their_session() {
    // The fixture session has a summary line ("Fix the build") after its one call.
    let v = json(&[
        "conversations",
        &common::fixture("claude"),
        "--tz",
        "UTC",
        "-f",
        "json",
    ]);
    assert_eq!(v["top"][0]["name"], "Fix the build");
    assert_eq!(v["top"][0]["messages"], 1);
}
