//! Black-box tests of budgets (`budget status`, budgets in `analyze`) and the `check` gate.
//!
//! budget-month.jsonl, by hand: every day Nov 1–20 (UTC) support/u1 spends $10 at 09:00 and
//! web/u2 $5 at 15:00; on Nov 5, 12 and 19 support/u3 also spends $45 at 12:00.
//! Now is 2026-11-20T18:00Z.

mod common;
use common::*;
use serde_json::Value;

const NOW: &str = "2026-11-20T18:00:00Z";

fn status_json(extra: &[&str]) -> Value {
    let mut args = vec![
        "budget", "status", "--format", "json", "--now", NOW, "--tz", "UTC",
    ];
    let f = fixture("budget-month.jsonl");
    args.push(&f);
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn budget<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()
}

#[test]
fn monthly_budget_spent_projection_and_status() {
    // Spent: 20 days × $15 + 3 × $45 = $435 after 19.75 days → projected 435 × 30 / 19.75.
    let projected = 435.0 * 30.0 / 19.75;
    for (limit, status) in [
        ("1000", "ok"),
        ("600", "projected-over"),
        ("500", "warning"),
        ("400", "over"),
    ] {
        let d = status_json(&["--budget", &format!("monthly={limit}")]);
        let b = &d["budgets"][0];
        approx(&b["spent_usd"], 435.0);
        approx(&b["projected_usd"], projected);
        assert_eq!(b["status"], status, "limit {limit}");
        assert_eq!(b["window_start"], "2026-11-01T00:00:00+00:00");
        assert_eq!(b["window_end"], "2026-12-01T00:00:00+00:00");
    }
    // $165 to go at $435 / 19.75 days: 7.49 days after Nov 20 18:00 → Nov 28.
    let d = status_json(&["--budget", "monthly=600"]);
    assert_eq!(d["budgets"][0]["limit_date"], "2026-11-28");
    approx(&d["budgets"][0]["remaining_usd"], 165.0);
    // Cumulative spend first reaches $400 on Nov 19 (15 × 19 + 135 = 420; Nov 18: 360).
    let d = status_json(&["--budget", "monthly=400"]);
    assert_eq!(d["budgets"][0]["limit_date"], "2026-11-19");
}

#[test]
fn scoped_daily_budget_history() {
    let d = status_json(&["--config", &fixture("budget-month.toml")]);
    let b = budget(&d, "support daily");
    // Support spends $10 a day, $55 on Nov 5, 12 and 19: three days over $50, no warnings (20%).
    assert_eq!(b["windows_total"], 20);
    assert_eq!(b["windows_over"], 3);
    let days: Vec<&str> = b["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["window_start"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-11-05", "2026-11-12", "2026-11-19"]);
    approx(&b["breaches"][0]["spent_usd"], 55.0);
    // Today: $10 by 18:00 → projected 10 × 24 / 18.
    approx(&b["spent_usd"], 10.0);
    approx(&b["projected_usd"], 10.0 * 24.0 / 18.0);
    assert_eq!(b["status"], "ok");
}

#[test]
fn per_user_budget_names_who() {
    let d = status_json(&["--config", &fixture("budget-month.toml")]);
    let b = budget(&d, "per user");
    // Only u3 ever passes $40 (the $45 days); u1 ($10) and u2 ($5) stay far below.
    assert_eq!(b["windows_over"], 3);
    for br in b["breaches"].as_array().unwrap() {
        assert_eq!(br["key"], "u3");
        approx(&br["spent_usd"], 45.0);
    }
    assert_eq!(b["members_total"], 2, "u1 and u2 spent today");
    assert!(
        b["members"].as_array().is_none_or(|m| m.is_empty()),
        "nobody near the limit today"
    );
    approx(&b["spent_usd"], 10.0); // the member closest to the limit today: u1
}

#[test]
fn weekly_budget_weeks_start_monday_and_glob_scope() {
    let d = status_json(&["--config", &fixture("budget-month.toml")]);
    let b = budget(&d, "support weekly");
    // Weeks: Oct 26–Nov 1 ($10), Nov 2–8 ($115), Nov 9–15 ($115), Nov 16–22 (now: $95 = 95%).
    assert_eq!(b["window_start"], "2026-11-16T00:00:00+00:00");
    approx(&b["spent_usd"], 95.0);
    assert_eq!(b["status"], "warning");
    assert_eq!(b["windows_total"], 4);
    assert_eq!(b["windows_over"], 2);
    assert_eq!(b["breaches"][0]["window_start"], "2026-11-02");
    assert_eq!(b["breaches"][0]["window_end"], "2026-11-08");
}

#[test]
fn trend_week_on_week() {
    let d = status_json(&["--budget", "monthly=1000"]);
    // Nov 14–20: 7 × 15 + 45 = 150; Nov 7–13: 7 × 15 + 45 = 150.
    approx(&d["trend"]["last_7d_usd"], 150.0);
    approx(&d["trend"]["previous_7d_usd"], 150.0);
    assert_eq!(d["trend"]["increasing"], false);
}

#[test]
fn windows_follow_the_zone_across_dst() {
    // 23:30Z on Sun Oct 25 is 00:30 on Mon Oct 26 in Berlin (CET, after the switch back):
    // this week's window holds the $7 call in Berlin, nothing in UTC.
    let f = fixture("budget-dst.jsonl");
    let args = |tz: &'static str| {
        vec![
            "budget",
            "status",
            "--format",
            "json",
            "--now",
            "2026-10-27T12:00:00Z",
            "--budget",
            "weekly=100",
            "--tz",
            tz,
        ]
    };
    let mut a = args("Europe/Berlin");
    a.push(&f);
    let d: Value = serde_json::from_slice(&run(&a).stdout).unwrap();
    approx(&d["budgets"][0]["spent_usd"], 7.0);
    assert_eq!(d["budgets"][0]["window_start"], "2026-10-26T00:00:00+01:00");
    let mut a = args("UTC");
    a.push(&f);
    let d: Value = serde_json::from_slice(&run(&a).stdout).unwrap();
    approx(&d["budgets"][0]["spent_usd"], 0.0);
}

#[test]
fn scope_matching_nothing_is_said() {
    let out = run(&[
        "budget",
        "status",
        "--format",
        "json",
        "--now",
        NOW,
        &fixture("budget-month.jsonl"),
        "--budget",
        "daily=5,project=nonexistent",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches no calls"));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(d["budgets"][0]["notes"][0]
        .as_str()
        .unwrap()
        .contains("matches no calls"));
}

#[test]
fn old_logs_are_said_to_be_old() {
    let out = run(&[
        "budget",
        "status",
        "--format",
        "json",
        "--now",
        "2026-12-24T12:00:00Z",
        &fixture("budget-month.jsonl"),
        "--budget",
        "daily=5",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2026-11-20") && err.contains("34 days before now"),
        "{err}"
    );
}

#[test]
fn budget_status_exit_codes_and_config_errors() {
    let f = fixture("budget-month.jsonl");
    assert_eq!(
        run(&[
            "budget",
            "status",
            &f,
            "--now",
            NOW,
            "--budget",
            "monthly=1000"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        run(&[
            "budget",
            "status",
            &f,
            "--now",
            NOW,
            "--budget",
            "monthly=400"
        ])
        .status
        .code(),
        Some(1)
    );
    let out = run(&["budget", "status", &f]);
    assert_eq!(out.status.code(), Some(2), "no budgets is an error");
    let out = run(&[
        "budget",
        "status",
        &f,
        "--config",
        &fixture("bad-config.toml"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 7") && err.contains("wanr_at"), "{err}");
}

#[test]
fn analyze_reports_budgets_in_json_and_table() {
    let f = fixture("budget-month.jsonl");
    let cfg = fixture("budget-month.toml");
    let r = analyze_json(&[&f, "--now", NOW, "--config", &cfg]);
    let names: Vec<&str> = r["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["monthly", "support daily", "per user", "support weekly"]
    );
    for key in [
        "name",
        "period",
        "window_start",
        "window_end",
        "limit_usd",
        "spent_usd",
        "share",
        "projected_usd",
        "status",
        "breaches",
    ] {
        assert!(r["budgets"][0].get(key).is_some(), "{key}");
    }
    let out = run(&[
        "analyze", &f, "--now", NOW, "--config", &cfg, "--format", "table",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Budgets") && text.contains("PROJECTED-OVER"),
        "{text}"
    );
    assert!(text.contains("3 of 20 days over the limit"), "{text}");
}

#[test]
fn config_timezone_and_llmlog_config_env() {
    // LLMLOG_CONFIG is read when --config is absent; its timezone sets the days.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("conf.toml");
    std::fs::write(&cfg, "timezone = \"Asia/Tokyo\"\n[[budget]]\nname = \"d\"\nperiod = \"daily\"\nlimit_usd = 100\n").unwrap();
    let out = llmlog()
        .args([
            "budget",
            "status",
            "--format",
            "json",
            "--now",
            NOW,
            &fixture("budget-month.jsonl"),
        ])
        .env("LLMLOG_CONFIG", &cfg)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    // 18:00Z is 03:00 on Nov 21 in Tokyo: the daily window is Nov 21 there, and holds only the
    // $5 call logged at 15:00Z on Nov 20 — midnight in Tokyo.
    assert_eq!(d["budgets"][0]["window_start"], "2026-11-21T00:00:00+09:00");
    approx(&d["budgets"][0]["spent_usd"], 5.0);
}

// check: basic.jsonl has cost $0.06125, the dearest call $0.05, p95 23.5 s, success 5/6.
fn check(args: &[&str]) -> (i32, String) {
    let f = fixture("basic.jsonl");
    let mut full = vec!["check", f.as_str(), "--tz", "UTC"];
    full.extend_from_slice(args);
    let out = run(&full);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn each_check_rule_passes_and_fails() {
    for (pass, fail) in [
        (["--max-cost", "0.07"], ["--max-cost", "0.06"]),
        (
            ["--max-cost-per-call", "0.05"],
            ["--max-cost-per-call", "0.04"],
        ),
        (["--max-p95", "30"], ["--max-p95", "20"]),
        (["--min-success-rate", "0.8"], ["--min-success-rate", "0.9"]),
        (["--max-error-rate", "0.2"], ["--max-error-rate", "0.1"]),
    ] {
        let (code, text) = check(&pass);
        assert_eq!(code, 0, "{pass:?}: {text}");
        assert!(text.starts_with("PASS"), "{text}");
        let (code, text) = check(&fail);
        assert_eq!(code, 1, "{fail:?}: {text}");
        assert!(text.starts_with("FAIL"), "{text}");
    }
}

#[test]
fn check_json_gives_numbers_with_their_text() {
    let (code, text) = check(&[
        "--format",
        "json",
        "--max-cost",
        "0.06",
        "--max-p95",
        "30",
        "--min-success-rate",
        "0.8",
    ]);
    assert_eq!(code, 1, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    let rules = d["rules"].as_array().unwrap();
    // basic.jsonl: cost $0.06125 > $0.06; p95 23.5 s; success 5/6.
    approx(&rules[0]["actual"], 0.06125);
    approx(&rules[0]["limit"], 0.06);
    assert_eq!(rules[0]["unit"], "usd");
    assert_eq!(rules[0]["actual_text"], "$0.0613");
    assert_eq!(rules[0]["passed"], false);
    approx(&rules[1]["actual"], 23.5);
    assert_eq!(rules[1]["unit"], "seconds");
    approx(&rules[2]["actual"], 5.0 / 6.0);
    assert_eq!(rules[2]["unit"], "ratio");
    assert_eq!(rules[2]["passed"], true);
}

#[test]
fn check_fail_on_widens_budget_rules() {
    let f = fixture("budget-month.jsonl");
    let base = [
        "check",
        f.as_str(),
        "--tz",
        "UTC",
        "--now",
        NOW,
        "--budget",
        "monthly=600",
    ];
    assert_eq!(
        run(&base).status.code(),
        Some(0),
        "projected-over is not over"
    );
    let mut a = base.to_vec();
    a.extend(["--fail-on", "projected"]);
    assert_eq!(run(&a).status.code(), Some(1));
    let mut a = base.to_vec();
    a.extend(["--fail-on", "warning"]);
    assert_eq!(run(&a).status.code(), Some(0), "not yet at 80%");
    let out = run(&["check", f.as_str()]);
    assert_eq!(out.status.code(), Some(2), "no rules is an error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
}

#[test]
fn check_markdown_matches_snapshot() {
    let (code, md) = check(&[
        "--format",
        "markdown",
        "--max-cost",
        "0.1",
        "--max-cost-per-call",
        "0.04",
        "--max-p95",
        "30",
        "--min-success-rate",
        "0.9",
        "--max-error-rate",
        "0.2",
    ]);
    assert_eq!(code, 1);
    let expected = std::fs::read_to_string(fixture("check-expected.md")).unwrap();
    assert_eq!(md, expected);
}

#[test]
fn thousands_of_users_list_only_those_near_the_limit() {
    // 3,000 users spend $1 each today; two of them spend $9 and $12 against a $10 per-user budget.
    let mut lines = String::new();
    for u in 0..3000 {
        let cost = match u {
            7 => 9.0,
            42 => 12.0,
            _ => 1.0,
        };
        lines.push_str(&format!("{{\"timestamp\": \"2026-11-20T08:00:00Z\", \"user_id\": \"u{u}\", \"cost\": {cost}}}\n"));
    }
    let out = run_stdin(
        &[
            "budget",
            "status",
            "-",
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            NOW,
            "--budget",
            "daily=10,per=user",
        ],
        lines.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "u42 is over");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &d["budgets"][0];
    assert_eq!(b["members_total"], 3000);
    let listed: Vec<&str> = b["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["u42", "u7"]);
    assert_eq!(b["status"], "over");
    assert!(b["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("2998 of 3000 users"));
}
