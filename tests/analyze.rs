//! Black-box tests of `llmlog analyze`: fixtures in, numbers computed by hand out.

mod common;
use common::*;

// basic.jsonl, by hand:
//   costs: 0.0045 + 0.006 (gpt-4o, logged) + 0.00075 (gpt-4o-mini priced: 1000×0.15 + 1000×0.60
//   per 1M) + 0.05 (claude, logged) + error (none) + my-finetune (unpriced) = 0.06125
//   latencies sorted: 0.5 1 2 3 4 30 → p50 at rank 2.5 = 2.5; p90 at 4.5 = 4 + .5×26 = 17;
//   p95 at 4.75 = 4 + .75×26 = 23.5; p99 at 4.95 = 4 + .95×26 = 28.7
#[test]
fn totals_and_percentiles() {
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 6);
    approx(&s["cost_usd"], 0.06125);
    approx(&s["avg_cost_usd"], 0.06125 / 6.0);
    assert_eq!(s["input_tokens"], 14500);
    assert_eq!(s["output_tokens"], 2683);
    approx(&s["success_rate"], 5.0 / 6.0);
    assert_eq!(s["errors"], 1);
    approx(&s["latency_s"]["p50"], 2.5);
    approx(&s["latency_s"]["p90"], 17.0);
    approx(&s["latency_s"]["p95"], 23.5);
    approx(&s["latency_s"]["p99"], 28.7);
    approx(&s["latency_s"]["max"], 30.0);
    assert_eq!(s["days"], 2);
    approx(&s["avg_cost_per_day_usd"], 0.06125 / 2.0);
    assert_eq!(r["errors_by_kind"][0]["key"], "timeout");
    assert_eq!(r["errors_by_kind"][0]["calls"], 1);
    assert_eq!(r["slow_calls"]["count"], 1); // only the 30 s timeout is over 5 s
}

#[test]
fn breakdowns_by_model_type_user_hour_day() {
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "UTC"]);
    let m = row(&r["by_model"], "gpt-4o");
    assert_eq!(m["calls"], 2);
    approx(&m["cost_usd"], 0.0105);
    approx(&m["share"], 0.0105 / 0.06125);
    approx(&m["avg_cost_usd"], 0.00525);
    approx(&m["p50_s"], 1.5);
    approx(&row(&r["by_model"], "gpt-4o-mini")["cost_usd"], 0.00075);
    assert_eq!(
        r["by_model"][0]["key"], "claude-sonnet-4-5",
        "most cost first"
    );

    let chat = row(&r["by_type"], "chat");
    assert_eq!(chat["calls"], 4);
    approx(&chat["cost_usd"], 0.0045 + 0.00075);
    approx(&chat["success_rate"], 0.75);
    approx(&row(&r["by_type"], "rag")["cost_usd"], 0.056);

    approx(&row(&r["by_user"], "alice")["cost_usd"], 0.00525);
    assert_eq!(row(&r["by_user"], "bob")["calls"], 2);
    assert_eq!(r["users_total"], 3);

    let hours = r["by_hour"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(row(&r["by_hour"], "09")["calls"], 2);
    approx(&row(&r["by_hour"], "10")["cost_usd"], 0.05);
    assert_eq!(row(&r["by_hour"], "23")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "05")["calls"], 0);

    assert_eq!(row(&r["by_day"], "2026-11-02")["calls"], 3);
    assert_eq!(row(&r["by_day"], "2026-11-03")["calls"], 3);
}

#[test]
fn time_zone_moves_hours_and_days() {
    // Europe/Berlin is UTC+1 in November: 23:30Z on the 3rd is 00:30 on the 4th.
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "Europe/Berlin"]);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "00")["calls"], 1);
    assert_eq!(row(&r["by_day"], "2026-11-04")["calls"], 1);
    assert_eq!(row(&r["by_day"], "2026-11-03")["calls"], 2);
}

#[test]
fn naive_timestamps_are_read_in_the_report_zone() {
    // All four lines mean 09:15Z when the naive one is read in Berlin.
    let r = analyze_json(&[&fixture("naive-berlin.jsonl"), "--tz", "Europe/Berlin"]);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 4);
    // Read in UTC, the naive 10:15 stays 10:15Z; the other three are 09:15Z.
    let r = analyze_json(&[&fixture("naive-berlin.jsonl"), "--tz", "UTC"]);
    approx(&row(&r["by_hour"], "10")["cost_usd"], 1.0);
    approx(&row(&r["by_hour"], "09")["cost_usd"], 14.0);
}

#[test]
fn top_calls_name_file_and_line() {
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "UTC", "--top", "2"]);
    let top = r["top_calls"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!(top[0]["line"], 4);
    assert!(top[0]["file"].as_str().unwrap().ends_with("basic.jsonl"));
    approx(&top[0]["cost_usd"], 0.05);
    assert_eq!(top[1]["line"], 2);
    assert_eq!(top[0]["time"], "2026-11-03T10:00:00+00:00");
}

#[test]
fn unpriced_models_are_listed_not_zeroed() {
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "UTC"]);
    assert_eq!(r["pricing"]["unpriced_calls"], 1);
    assert_eq!(r["pricing"]["unpriced_models"][0]["model"], "my-finetune");
    assert_eq!(r["pricing"]["priced_calls"], 1);
    assert!(r["warnings"][0].as_str().unwrap().contains("my-finetune"));
}

#[test]
fn pricing_precedence() {
    // A TOML override prices the fine-tune (500×10 + 50×100 per 1M = 0.01) and changes gpt-4o's
    // price, but logged costs still win…
    let r = analyze_json(&[
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--pricing",
        &fixture("prices-override.toml"),
    ]);
    approx(&row(&r["by_model"], "my-finetune")["cost_usd"], 0.01);
    approx(&row(&r["by_model"], "gpt-4o")["cost_usd"], 0.0105);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
    // …unless --reprice: gpt-4o = (1000+2000)×1 + (200+100)×2 per 1M = 0.0036.
    let r = analyze_json(&[
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--reprice",
        "--pricing",
        &fixture("prices-override.toml"),
    ]);
    approx(&row(&r["by_model"], "gpt-4o")["cost_usd"], 0.0036);
    // The claude call has no override: the database's 3/15 per 1M → 10000×3 + 1333×15 = 49995
    // → 0.049995.
    approx(
        &row(&r["by_model"], "claude-sonnet-4-5")["cost_usd"],
        0.049995,
    );
    // LiteLLM's JSON form: 500×2e-6 + 50×4e-5 = 0.003.
    let r = analyze_json(&[
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--pricing",
        &fixture("prices-litellm.json"),
    ]);
    approx(&row(&r["by_model"], "my-finetune")["cost_usd"], 0.003);
}

#[test]
fn openai_usage_shape() {
    let r = analyze_json(&[&fixture("openai-usage.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 1);
    assert_eq!(s["input_tokens"], 812);
    assert_eq!(s["cached_tokens"], 512);
    // 300×0.15 + 512×0.075 + 96×0.60 per 1M = 141 → 0.000141 (dated name priced as gpt-4o-mini)
    approx(&s["cost_usd"], 0.000141);
    approx(&s["latency_s"]["p50"], 0.64);
    assert_eq!(r["by_type"][0]["key"], "faq");
    assert_eq!(r["by_user"][0]["key"], "cust_42");
    assert_eq!(s["first_call"], "2026-11-02T14:33:20+00:00");
    assert_eq!(
        r["by_provider"][0]["key"], "openai",
        "provider from the price table"
    );
}

#[test]
fn otel_genai_shape() {
    let r = analyze_json(&[&fixture("otel-genai.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2);
    // input includes cache reads (OTel): 400×3 + 1800×0.30 + 410×15 = 7890; plus 100×3 = 300
    approx(&s["cost_usd"], (7890.0 + 300.0) / 1e6);
    assert_eq!(s["cached_tokens"], 1800);
    assert_eq!(s["errors"], 1);
    assert_eq!(r["errors_by_kind"][0]["key"], "overloaded_error");
    assert_eq!(r["by_type"][0]["key"], "chat");
    assert_eq!(r["by_provider"][0]["key"], "anthropic");
    approx(&s["latency_s"]["max"], 3.1205);
}

#[test]
fn camelcase_shape() {
    let r = analyze_json(&[&fixture("camelcase.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2);
    approx(&s["cost_usd"], 0.00028);
    assert_eq!(s["input_tokens"], 700);
    assert_eq!(row(&r["by_user"], "u_9")["calls"], 2);
    assert_eq!(row(&r["by_type"], "image")["calls"], 1);
    approx(&s["latency_s"]["max"], 8.2);
    assert_eq!(s["first_call"], "2026-11-02T14:35:00+00:00");
    assert_eq!(
        r["pricing"]["unpriced_calls"], 0,
        "a logged cost of 0 is a cost"
    );
}

#[test]
fn litellm_shape_and_duplicates() {
    let r = analyze_json(&[
        &fixture("litellm-spend.jsonl"),
        "--tz",
        "UTC",
        "--by",
        "project",
    ]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2, "the repeated request id counts once");
    approx(&s["cost_usd"], 0.0044775 + 0.00035);
    approx(&s["latency_s"]["max"], 1.6); // endTime - startTime
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_eq!(r["skipped"]["duplicate_examples"][0]["line"], 3);
    assert_eq!(r["skipped"]["lines"], 0);
    approx(&row(&r["by"]["rows"], "team-a")["cost_usd"], 0.0044775);
    assert_eq!(row(&r["by_type"], "acompletion")["calls"], 2);
    // tags: filter on one tag of the list
    let r = analyze_json(&[
        &fixture("litellm-spend.jsonl"),
        "--tz",
        "UTC",
        "--where",
        "tag=search",
    ]);
    assert_eq!(r["summary"]["calls"], 1);
}

#[test]
fn claude_code_session_shape() {
    let r = analyze_json(&[&fixture("claude"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(
        s["calls"], 1,
        "one assistant message logged twice, a user turn and a summary"
    );
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_eq!(r["skipped"]["not_calls"], 2);
    assert_eq!(r["skipped"]["lines"], 0);
    assert_eq!(s["input_tokens"], 4 + 1830 + 24410);
    // 4×3 + 1830×3.75 + 24410×0.30 + 212×15 = 17377.5 per 1M
    approx(&s["cost_usd"], 0.0173775);
    assert_eq!(r["by_project"][0]["key"], "-home-dev-app");
    assert_eq!(
        r["by_type"][0]["key"], "(none)",
        "type is the line's role in Claude Code logs"
    );
    assert_eq!(r["by_model"][0]["key"], "claude-sonnet-4-20250514");
}

#[test]
fn bad_lines_are_counted_by_reason_and_never_counted_as_calls() {
    let r = analyze_json(&[&fixture("bad-lines.jsonl"), "--tz", "UTC"]);
    let sk = &r["skipped"];
    assert_eq!(r["summary"]["calls"], 3);
    approx(&r["summary"]["cost_usd"], 0.5 + 0.25 + 0.125);
    assert_eq!(sk["lines"], 9);
    let by = &sk["by_reason"];
    for (reason, n) in [
        ("not_an_object", 1),
        ("invalid_utf8", 1),
        ("truncated", 1),
        ("nan_or_infinity", 2),
        ("no_timestamp", 1),
        ("bad_timestamp", 1),
        ("negative_value", 1),
        ("bad_number", 1),
    ] {
        assert_eq!(by[reason], n, "{reason}");
    }
    let ex = sk["examples"].as_array().unwrap();
    assert_eq!(ex[0]["line"], 4);
    assert!(ex[0]["file"].as_str().unwrap().ends_with("bad-lines.jsonl"));
    assert_eq!(r["meta"]["lines_read"], 12);
}

#[test]
fn strict_turns_skipped_lines_into_exit_2() {
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--strict",
        &fixture("bad-lines.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-lines.jsonl:4"), "{err}");
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--strict",
        &fixture("basic.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn errors_name_the_path_or_flag_and_exit_2() {
    let out = run(&["analyze", "no/such/file.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.jsonl"));
    let out = run(&["analyze", &fixture("basic.jsonl"), "--tz", "Mars/Olympus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tz 'Mars/Olympus'"));
    let out = run(&["analyze", &fixture("basic.jsonl"), "--where", "colour=red"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field 'colour'"));
    let out = run(&["analyze", "'nothing/*.jsonl'"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--pricing",
        &fixture("basic.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pricing file"));
}

#[test]
fn stdin_gzip_directories_and_globs() {
    let data = std::fs::read(fixture("basic.jsonl")).unwrap();
    let out = run_stdin(&["analyze", "-", "--format", "json", "--tz", "UTC"], &data);
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["calls"], 6);

    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("nested/deeper");
    std::fs::create_dir_all(&sub).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(sub.join("old.jsonl.gz")).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut gz, &data).unwrap();
    gz.finish().unwrap();
    let three_lines: Vec<u8> = data
        .split_inclusive(|b| *b == b'\n')
        .take(3)
        .flatten()
        .copied()
        .collect();
    std::fs::write(dir.path().join("new.ndjson"), &three_lines).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
    std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();

    let r = analyze_json(&[dir.path().to_str().unwrap(), "--tz", "UTC"]);
    // new.ndjson repeats three lines of old.jsonl.gz, but it is another log (not a rotated
    // copy of old.jsonl): id-less lines count once only within one log's family.
    assert_eq!(r["summary"]["calls"], 6 + 3);
    assert_eq!(r["skipped"]["duplicates"], 0);
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 3);
    assert_eq!(r["skipped"]["lines"], 0);

    let pattern = format!("{}/**/*.gz", dir.path().display());
    let r = analyze_json(&[&pattern, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    approx(&r["summary"]["cost_usd"], 0.06125);
}

#[test]
fn filters_by_time_and_field() {
    let f = fixture("basic.jsonl");
    let r = analyze_json(&[&f, "--tz", "UTC", "--since", "2026-11-03"]);
    assert_eq!(r["summary"]["calls"], 3);
    let r = analyze_json(&[&f, "--tz", "UTC", "--until", "2026-11-02"]);
    assert_eq!(
        r["summary"]["calls"], 3,
        "a bare --until date includes that day"
    );
    let r = analyze_json(&[
        &f,
        "--tz",
        "UTC",
        "--since",
        "2026-11-02T09:30:00Z",
        "--until",
        "2026-11-03T10:15:00Z",
    ]);
    assert_eq!(r["summary"]["calls"], 3);
    let r = analyze_json(&[
        &f,
        "--tz",
        "UTC",
        "--last",
        "24h",
        "--now",
        "2026-11-04T00:00:00Z",
    ]);
    assert_eq!(r["summary"]["calls"], 3);
    let r = analyze_json(&[&f, "--tz", "UTC", "--where", "model=gpt-4o*"]);
    assert_eq!(r["summary"]["calls"], 3);
    let r = analyze_json(&[
        &f,
        "--tz",
        "UTC",
        "--where",
        "user=alice",
        "--where",
        "type!=rag",
    ]);
    assert_eq!(r["summary"]["calls"], 3);
    let r = analyze_json(&[&f, "--tz", "UTC", "--where", "status=error"]);
    assert_eq!(r["summary"]["calls"], 1);
}

#[test]
fn group_by_several_fields() {
    let r = analyze_json(&[&fixture("basic.jsonl"), "--tz", "UTC", "--by", "user,model"]);
    let rows = &r["by"]["rows"];
    assert_eq!(r["by"]["fields"], serde_json::json!(["user", "model"]));
    approx(&row(rows, "alice / gpt-4o")["cost_usd"], 0.0045);
    assert_eq!(row(rows, "bob / (none)")["calls"], 1);
    assert_eq!(rows.as_array().unwrap().len(), 6);
    assert_eq!(
        row(rows, "alice / gpt-4o")["keys"],
        serde_json::json!(["alice", "gpt-4o"])
    );
    // CSV gives each field its own column.
    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--by",
        "user,model",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("user,model,calls,cost_usd,"), "{text}");
    assert!(text.contains("\ncarol,claude-sonnet-4-5,1,0.05,"), "{text}");
}

#[test]
fn month_projection_uses_now() {
    // Nov 2026 has 30 days; at --now Nov 3 00:00Z only 2 days have passed: 0.06125 / 2 × 30.
    let r = analyze_json(&[
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--now",
        "2026-11-03T00:00:00Z",
    ]);
    let m = &r["summary"]["month"];
    assert_eq!(m["month"], "2026-11");
    // The data runs to 23:30 on the 3rd, later than --now: elapsed counts to the last call.
    approx(&m["days_elapsed"], 2.0 + 23.5 / 24.0);
    approx(&m["projected_usd"], 0.06125 / (2.0 + 23.5 / 24.0) * 30.0);
    let r = analyze_json(&[
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--now",
        "2026-11-16T00:00:00Z",
    ]);
    approx(
        &r["summary"]["month"]["projected_usd"],
        0.06125 / 15.0 * 30.0,
    );
}

#[test]
fn csv_and_markdown_outputs() {
    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--format",
        "csv",
        "--table",
        "user",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("user,calls,cost_usd,share"));
    assert!(lines[1].starts_with("carol,1,0.05,"));
    assert_eq!(lines.len(), 4);

    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--format",
        "markdown",
    ]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("### Cost by model"));
    assert!(md.contains("| claude-sonnet-4-5 | 1 | $0.0500 |"), "{md}");

    let out = run(&["analyze", &fixture("basic.jsonl"), "--table", "user"]);
    assert_eq!(out.status.code(), Some(2), "--table needs --format csv");
}

#[test]
fn table_output_fits_and_has_no_colour_when_piped() {
    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--tz",
        "UTC",
        "--format",
        "table",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no escape codes when piped");
    assert!(text.contains("Cost by model"));
    let total = text
        .lines()
        .find(|l| l.contains("Total cost"))
        .expect("a total cost line");
    assert!(total.contains("$0.061"), "{total}");
    let out = llmlog()
        .args([
            "analyze",
            &fixture("basic.jsonl"),
            "--format",
            "table",
            "--color",
            "always",
        ])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    let out = llmlog()
        .args([
            "analyze",
            &fixture("basic.jsonl"),
            "--format",
            "table",
            "--color",
            "always",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains('\x1b'),
        "NO_COLOR wins"
    );
}

#[test]
fn expensive_outliers_use_the_models_median() {
    // 25 ordinary calls at $0.01 and one at $0.50 (50× the median), one at $0.05 (5×: not one).
    let mut lines = String::new();
    for i in 0..25 {
        lines.push_str(&format!(
            "{{\"ts\": {}, \"model\": \"m\", \"cost\": 0.01}}\n",
            1793600000 + i
        ));
    }
    lines.push_str("{\"ts\": 1793700000, \"model\": \"m\", \"cost\": 0.5}\n");
    lines.push_str("{\"ts\": 1793700001, \"model\": \"m\", \"cost\": 0.05}\n");
    let out = run_stdin(&["analyze", "-", "--format", "json"], lines.as_bytes());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["outliers"]["count"], 1);
    assert_eq!(r["outliers"]["calls"][0]["line"], 26);
    approx(&r["outliers"]["calls"][0]["ratio"], 50.0);
}

#[test]
fn pricing_command_lists_and_filters() {
    let out = run(&[
        "pricing",
        "gpt-4o-mini-2024-07-18",
        "--at",
        "2026-11-01",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // OpenAI's list price: $0.15 in, $0.075 cached, $0.60 out per 1M; batch half of in and out.
    assert_eq!(v["provider"], "openai");
    assert!(v["source"]
        .as_str()
        .unwrap()
        .starts_with("genai-prices 0.2.1"));
    let std = &v["variants"][0];
    assert_eq!(std["variant"], "standard");
    approx(&std["tiers"][0]["input"], 0.15);
    approx(&std["tiers"][0]["cache_read"], 0.075);
    approx(&std["tiers"][0]["output"], 0.6);
    let batch = v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["variant"] == "batch")
        .expect("a batch variant");
    approx(&batch["tiers"][0]["input"], 0.075);
    approx(&batch["tiers"][0]["output"], 0.3);
    // A long-context model shows its tier: claude-sonnet-4-5 above 200k input tokens.
    let out = run(&[
        "pricing",
        "claude-sonnet-4-5",
        "--at",
        "2026-11-01",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tiers = &v["variants"][0]["tiers"];
    assert_eq!(tiers[1]["input_tokens_above"], 200_000);
    approx(&tiers[0]["input"], 3.0);
    approx(&tiers[1]["input"], 6.0);
    approx(&tiers[1]["output"], 22.5);
    // Part of a name lists the models; nothing at all is an error with a hint.
    let out = run(&["pricing", "sonnet-4", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["models"].as_array().unwrap().len() > 2);
    let out = run(&["pricing", "no-such-model"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pricing FILE"));
}

#[test]
fn a_price_file_with_nan_is_refused_by_name_and_field() {
    let p: std::path::PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "regressions",
        "prices-nan.toml",
    ]
    .iter()
    .collect();
    let out = run(&[
        "analyze",
        &fixture("basic.jsonl"),
        "--pricing",
        p.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("prices-nan.toml"), "{err}");
    assert!(err.contains("input_per_mtok = NaN"), "{err}");
}

// pricing.jsonl: token-only calls priced from the database at their own dates and tiers.
#[test]
fn token_only_calls_are_priced_at_their_date_tier_and_variant() {
    let r = analyze_json(&[&fixture("pricing.jsonl"), "--tz", "UTC"]);
    // claude-sonnet-4-6, 250k in + 1k out: tiered before 2026-03-13 ($6/$22.50 → 1.5225),
    // flat from then on ($3/$15 → 0.765).
    let by_day = &r["by_day"];
    approx(&row(by_day, "2026-03-12")["cost_usd"], 1.5225);
    approx(&row(by_day, "2026-03-13")["cost_usd"], 0.765);
    // claude-sonnet-4-5 on 2026-11-02: 265k in (10k cache read, 5k 1-hour cache write) + 1k out,
    // above 200k: 250k×6 + 10k×0.60 + 5k×12 (1h writes: 2× the $6 input) + 1k×22.5
    // = 1,500,000 + 6,000 + 60,000 + 22,500 = 1,588,500 per 1M.
    approx(&row(by_day, "2026-11-02")["cost_usd"], 1.5885);
    // gpt-5 with reasoning on 2026-11-03: 1000 in, 3000 out (2000 of them reasoning, billed as
    // output): 1000×1.25 + 3000×10 = 31,250 per 1M.
    approx(&row(by_day, "2026-11-03")["cost_usd"], 0.03125);
    // A model nobody prices is listed, not $0.
    assert_eq!(r["pricing"]["unpriced_calls"], 1);
    assert_eq!(r["pricing"]["unpriced_models"][0]["model"], "acme-llm-9");
    assert!(r["pricing"]["source"]
        .as_str()
        .unwrap()
        .starts_with("genai-prices 0.2.1"));
    // --batch: the same gpt-4o-mini call at half price (1M in + 1M out: 0.75 → 0.375).
    let std = analyze_json(&[
        &fixture("pricing.jsonl"),
        "--tz",
        "UTC",
        "--where",
        "model=gpt-4o-mini",
    ]);
    approx(&std["summary"]["cost_usd"], 0.75);
    let batch = analyze_json(&[
        &fixture("pricing.jsonl"),
        "--tz",
        "UTC",
        "--where",
        "model=gpt-4o-mini",
        "--batch",
    ]);
    approx(&batch["summary"]["cost_usd"], 0.375);
}

// audit.jsonl: calls that log tokens and a cost; some costs deliberately wrong.
#[test]
fn pricing_audit_compares_logged_costs_with_list_prices() {
    let out = run(&[
        "pricing",
        "audit",
        &fixture("audit.jsonl"),
        "--tz",
        "UTC",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = |name: &str| {
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["model"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
            .clone()
    };
    // gpt-4o: 2 calls of 1000 in + 100 out, list 1000×2.5 + 100×10 = 3500 per 1M = 0.0035 each;
    // logged 0.0035 and 0.007 (the second doubled): logged 0.0105 vs list 0.007 → +50%.
    let g = m("gpt-4o");
    assert_eq!(g["calls"], 2);
    assert_eq!(g["zero_cost_calls"], 0);
    approx(&g["logged_usd"], 0.0105);
    approx(&g["list_usd"], 0.007);
    approx(&g["difference"], 0.5);
    // gpt-4o-mini: 1M in + 1M out, list 0.75, logged 0.75: no difference.
    let mini = m("gpt-4o-mini");
    approx(&mini["list_usd"], 0.75);
    approx(&mini["difference"], 0.0);
    // claude-sonnet-4-5 logged at the old (pre-tier) rate for a 300k prompt: list 300k×6 = 1.8,
    // logged 0.9 → −50%.
    approx(&m("claude-sonnet-4-5")["difference"], -0.5);
    // A call with tokens and no cost is not audited; a model the database lacks has no list price.
    let u = m("acme-llm-9");
    assert_eq!(u["listed_calls"], 0);
    assert!(u["difference"].is_null());
}

#[test]
fn an_override_file_beats_the_database() {
    // prices-override.toml prices gpt-4o at $1 in / $2 out per 1M; pricing.jsonl's gpt-4o-mini
    // is not in it and keeps the database's price.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("calls.jsonl");
    std::fs::write(
        &f,
        "{\"ts\":\"2026-11-01T10:00:00Z\",\"model\":\"gpt-4o\",\"input_tokens\":1000000,\"output_tokens\":1000000}\n",
    )
    .unwrap();
    let db = analyze_json(&[f.to_str().unwrap(), "--tz", "UTC"]);
    approx(&db["summary"]["cost_usd"], 12.5); // 1M×2.5 + 1M×10
    let ov = analyze_json(&[
        f.to_str().unwrap(),
        "--tz",
        "UTC",
        "--pricing",
        &fixture("prices-override.toml"),
    ]);
    approx(&ov["summary"]["cost_usd"], 3.0); // 1M×1 + 1M×2
    assert!(ov["pricing"]["source"]
        .as_str()
        .unwrap()
        .contains("prices-override.toml"));
}

// genai-prices-mini.json: a one-model snapshot in the genai-prices v2 format, as a user would
// download a newer one: acme-llm-9 at $1/$2 per 1M, $10/$20 from 2026-11-04.
#[test]
fn pricing_data_replaces_the_bundled_database() {
    let r = analyze_json(&[
        &fixture("pricing.jsonl"),
        "--tz",
        "UTC",
        "--pricing-data",
        &fixture("genai-prices-mini.json"),
        "--where",
        "model=acme-llm-9",
    ]);
    // The 2026-11-04 call: 100×10 + 10×20 = 1,200 per 1M.
    approx(&r["summary"]["cost_usd"], 0.0012);
    assert!(r["pricing"]["source"]
        .as_str()
        .unwrap()
        .contains("genai-prices-mini.json (1 providers, 1 models)"));
    // Models the snapshot lacks are unpriced, not priced from the bundled data.
    let r = analyze_json(&[
        &fixture("pricing.jsonl"),
        "--tz",
        "UTC",
        "--pricing-data",
        &fixture("genai-prices-mini.json"),
    ]);
    assert_eq!(r["pricing"]["unpriced_calls"], 5);
    // A file that is not a snapshot: exit 2, named.
    let out = run(&[
        "analyze",
        &fixture("pricing.jsonl"),
        "--pricing-data",
        &fixture("basic.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("basic.jsonl"));
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = common::run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        for word in ["analyze", "dashboard", "compare", "anomaly-k"] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = common::run(&["man"]);
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(roff.contains(".TH llmlog 1"), "{roff}");
    assert!(roff.contains("analyze"));
}
