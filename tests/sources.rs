//! Black-box tests of the shape adapters for coding agents' own logs and for batch, gateway and
//! observability exports (fixtures in tests/fixtures/sources/). Every expected number is computed
//! by hand from the fixture's content; prices are the genai-prices list prices in USD per 1M
//! tokens (`--pricing`-free: the bundled database):
//!   claude-sonnet-4-5 (anthropic): $3 in, $0.30 cache read, $3.75 cache write (5 min), $15 out
//!     below 200k input tokens; batch: $1.50 / $0.15 / $1.875 / $7.50
//!   gpt-5.1 (gpt-5.1-codex matches it): $1.25 in, $0.125 cached, $10 out
//!   gemini-2.5-pro (google): $1.25 in, $0.125 cached, $10 out below 200k
//!   gpt-4o-mini batch: $0.075 in, $0.30 out; cached input keeps its standard $0.075
//! A report's input_tokens include cache reads and cache writes; output_tokens include reasoning.

mod common;
use common::*;

use serde_json::Value;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// helpers

fn src(name: &str) -> String {
    fixture(&format!("sources/{name}"))
}

fn src_path(name: &str) -> PathBuf {
    PathBuf::from(src(name))
}

fn num(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned integer: {v}"))
}

fn keys(rows: &Value) -> Vec<String> {
    let mut k: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_owned())
        .collect();
    k.sort();
    k
}

fn has_warning(r: &Value, needle: &str) -> bool {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap_or("").contains(needle))
}

/// The reasons of the not-a-call lines, exactly (no other reason may appear).
fn assert_not_call_reasons(r: &Value, expected: &[(&str, u64)]) {
    let sk = &r["skipped"];
    let total: u64 = expected.iter().map(|(_, n)| n).sum();
    assert_eq!(num(&sk["not_calls"]), total, "{sk}");
    let got = sk["not_call_reasons"]
        .as_object()
        .expect("not_call_reasons");
    assert_eq!(got.len(), expected.len(), "{sk}");
    for (reason, n) in expected {
        assert_eq!(num(&sk["not_call_reasons"][*reason]), *n, "{reason}: {sk}");
    }
}

fn assert_no_unreadable_lines(r: &Value) {
    assert_eq!(num(&r["skipped"]["lines"]), 0, "{}", r["skipped"]);
}

/// Copies a directory tree (the agents' fake home is built from the fixtures at run time).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

// Per-source figures, shared by the per-source tests and the --agents test (derivations below).
const CLAUDE_CALLS: u64 = 4;
const CLAUDE_COST: f64 = 0.061905;
const CLAUDE_INPUT: u64 = 80655;
const CLAUDE_OUTPUT: u64 = 755;
const CODEX_CALLS: u64 = 3;
const CODEX_COST: f64 = 0.0375;
const CODEX_INPUT: u64 = 40000;
const CODEX_OUTPUT: u64 = 1000;
const GEMINI_CALLS: u64 = 2;
const GEMINI_COST: f64 = 0.01875;
const GEMINI_INPUT: u64 = 27000;
const GEMINI_OUTPUT: u64 = 750;
const COPILOT_CALLS: u64 = 2;
const COPILOT_COST: f64 = 0.07230765;
const COPILOT_INPUT: u64 = 27452;
const COPILOT_OUTPUT: u64 = 431;

const BATCH_TIME: &str = "2026-11-20T12:00:00Z";

// ---------------------------------------------------------------------------------------------
// 1. Claude Code: claude/projects/-home-dev-app/sess1.jsonl + sess1/subagents/agent-a1.jsonl
//
// sess1.jsonl (6 lines):
//   1 summary (leafUuid)                         → not a call: claude_code.summary
//   2 user prompt                                → claude_code.user_turn
//   3 assistant msg_01A1/req_011A1 (thinking)    → call A1
//   4 assistant msg_01A1/req_011A1 (tool_use), the same usage, another timestamp → duplicate
//   5 user tool_result                           → claude_code.user_turn
//   6 assistant msg_01A2/req_011A2               → call A2
// agent-a1.jsonl (5 lines, isSidechain: true):
//   1 assistant msg_01B1/req_011B1 (thinking)    → call B1
//   2 assistant msg_01B1/req_011B1 (tool_use), same usage → duplicate
//   3 user tool_result                           → claude_code.user_turn
//   4 file-history-snapshot                      → claude_code.file_history_snapshot
//   5 assistant msg_01B2/req_011B2               → call B2
//
// usage (input / cache write / cache read / output), all claude-sonnet-4-5-20250929, no logged cost:
//   A1: 10 / 2000 / 15000 / 300 → input 10+2000+15000 = 17010
//       10×3 + 2000×3.75 + 15000×0.30 + 300×15 = 30 + 7500 + 4500 + 4500 = 16530 → $0.01653
//   A2:  5 /  500 / 17000 / 120 → input 17505
//        5×3 +  500×3.75 + 17000×0.30 + 120×15 = 15 + 1875 + 5100 + 1800 = 8790 → $0.00879
//   B1: 12 / 5120 / 18000 / 240 → input 23132
//       12×3 + 5120×3.75 + 18000×0.30 + 240×15 = 36 + 19200 + 5400 + 3600 = 28236 → $0.028236
//   B2:  8 /    0 / 23000 /  95 → input 23008
//        8×3 + 0 + 23000×0.30 + 95×15 = 24 + 6900 + 1425 = 8349 → $0.008349
//   total 16530 + 8790 + 28236 + 8349 = 61905 → $0.061905
//   input 17010 + 17505 + 23132 + 23008 = 80655; cached 15000+17000+18000+23000 = 73000
//   cache writes 2000 + 500 + 5120 + 0 = 7620; output 300 + 120 + 240 + 95 = 755
//   not calls: user_turn 2 + 1 = 3, summary 1, file_history_snapshot 1 → 5; duplicates 2
//   all under project "-home-dev-app" (the subagent's session's project), one session id
#[test]
fn claude_code_session_and_subagent() {
    let r = analyze_json(&[&src("claude/projects"), "--tz", "UTC", "--by", "source"]);
    let s = &r["summary"];
    assert_eq!(num(&s["calls"]), CLAUDE_CALLS);
    approx(&s["cost_usd"], CLAUDE_COST);
    assert_eq!(num(&s["input_tokens"]), CLAUDE_INPUT);
    assert_eq!(num(&s["output_tokens"]), CLAUDE_OUTPUT);
    assert_eq!(s["cached_tokens"], 73000);
    assert_eq!(s["cache_write_tokens"], 7620);
    assert_eq!(s["errors"], 0);
    approx(&s["success_rate"], 1.0);

    let m = row(&r["by_model"], "claude-sonnet-4-5-20250929");
    assert_eq!(num(&m["calls"]), 4);
    approx(&m["cost_usd"], 0.061905);
    assert_eq!(keys(&r["by_source"]), ["claude_code"]);
    assert_eq!(num(&row(&r["by_source"], "claude_code")["calls"]), 4);
    assert_eq!(num(&row(&r["by"]["rows"], "claude_code")["calls"]), 4);
    // The subagent's calls count under the session's project, not under "subagents" or "sess1".
    assert_eq!(keys(&r["by_project"]), ["-home-dev-app"]);
    let p = row(&r["by_project"], "-home-dev-app");
    assert_eq!(num(&p["calls"]), 4);
    approx(&p["cost_usd"], 0.061905);
    // No provider logged: the price's provider fills it in.
    assert_eq!(num(&row(&r["by_provider"], "anthropic")["calls"]), 4);
    assert_eq!(r["pricing"]["priced_calls"], 4);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);

    assert_no_unreadable_lines(&r);
    let sk = &r["skipped"];
    assert_eq!(num(&sk["duplicates"]), 2, "{sk}");
    // The later copy is the duplicate: sess1.jsonl:4 and agent-a1.jsonl:2 (order not asserted).
    let dups: Vec<(String, u64)> = sk["duplicate_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["file"].as_str().unwrap().to_owned(), num(&e["line"])))
        .collect();
    assert!(
        dups.iter()
            .any(|(f, l)| f.ends_with("sess1.jsonl") && *l == 4),
        "{dups:?}"
    );
    assert!(
        dups.iter()
            .any(|(f, l)| f.ends_with("agent-a1.jsonl") && *l == 2),
        "{dups:?}"
    );
    assert_not_call_reasons(
        &r,
        &[
            ("claude_code.user_turn", 3),
            ("claude_code.summary", 1),
            ("claude_code.file_history_snapshot", 1),
        ],
    );
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 2);
    assert_eq!(r["meta"]["lines_read"], 11); // 6 + 5 non-blank lines
}

// The subagent transcript alone still belongs to -home-dev-app
// (projects/-home-dev-app/sess1/subagents/agent-a1.jsonl: parent of "subagents" is the session
// folder, whose parent is the project).
//   B1 + B2 = 0.028236 + 0.008349 = 0.036585; input 23132 + 23008 = 46140; duplicates 1
//   session id as conversation: "5b2c9f0e-1d2a-4c1e-9a8e-0f1e2d3c4b5a"
#[test]
fn claude_code_subagent_alone_keeps_the_sessions_project() {
    let r = analyze_json(&[
        &src("claude/projects/-home-dev-app/sess1/subagents/agent-a1.jsonl"),
        "--tz",
        "UTC",
        "--by",
        "conversation",
    ]);
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 0.036585);
    assert_eq!(r["summary"]["input_tokens"], 46140);
    assert_eq!(keys(&r["by_project"]), ["-home-dev-app"]);
    assert_eq!(
        num(&row(&r["by"]["rows"], "5b2c9f0e-1d2a-4c1e-9a8e-0f1e2d3c4b5a")["calls"]),
        2
    );
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_not_call_reasons(
        &r,
        &[
            ("claude_code.user_turn", 1),
            ("claude_code.file_history_snapshot", 1),
        ],
    );
}

// The main session file alone: A1 + A2 = 0.01653 + 0.00879 = 0.02532; input 17010 + 17505 =
// 34515; output 300 + 120 = 420; project from its folder.
#[test]
fn claude_code_main_session_alone() {
    let r = analyze_json(&[
        &src("claude/projects/-home-dev-app/sess1.jsonl"),
        "--tz",
        "UTC",
    ]);
    assert_eq!(r["summary"]["calls"], 2);
    approx(&r["summary"]["cost_usd"], 0.02532);
    assert_eq!(r["summary"]["input_tokens"], 34515);
    assert_eq!(r["summary"]["output_tokens"], 420);
    assert_eq!(keys(&r["by_project"]), ["-home-dev-app"]);
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_not_call_reasons(
        &r,
        &[("claude_code.user_turn", 2), ("claude_code.summary", 1)],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Codex: codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-abc.jsonl (9 lines)
//   1 session_meta (id 0199a1b2-…, cwd /home/dev/repo)   → codex.session_meta
//   2 turn_context model gpt-5.1-codex                  → codex.turn_context
//   3 token_count info: null                            → codex.token_count_without_info
//   4 response_item (assistant message)                 → codex.event
//   5 token_count: last = total = 14475 in (2432 cached), 216 out (64 reasoning) → call 1
//   6 the same event again (same running total 14475/216, same usage) → duplicate
//   7 turn_context (same model)                         → codex.turn_context
//   8 token_count: total 31200/14300/616/192, last 16725 in (11868 cached), 400 out (128) → call 2
//   9 token_count with only total_token_usage 40000/20000/1000/300 → call 3, its tokens the
//     growth of the total: 40000−31200 = 8800 in, 20000−14300 = 5700 cached,
//     1000−616 = 384 out, 300−192 = 108 reasoning
// prices (gpt-5.1): (input − cached)×1.25 + cached×0.125 + output×10 per 1M
//   call 1: 12043×1.25 + 2432×0.125 + 216×10 = 15053.75 + 304 + 2160 = 17517.75 → $0.01751775
//   call 2:  4857×1.25 + 11868×0.125 + 400×10 = 6071.25 + 1483.5 + 4000 = 11554.75 → $0.01155475
//   call 3:  3100×1.25 + 5700×0.125 + 384×10 = 3875 + 712.5 + 3840 = 8427.5 → $0.0084275
//   total 17517.75 + 11554.75 + 8427.5 = 37500 → $0.0375
//   input 14475 + 16725 + 8800 = 40000, cached 2432 + 11868 + 5700 = 20000,
//   output 216 + 400 + 384 = 1000, reasoning 64 + 128 + 108 = 300 — the session's final total.
#[test]
fn codex_rollout() {
    let r = analyze_json(&[
        &src("codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-abc.jsonl"),
        "--tz",
        "UTC",
        "--by",
        "conversation",
    ]);
    let s = &r["summary"];
    assert_eq!(num(&s["calls"]), CODEX_CALLS, "{}", r["skipped"]);
    approx(&s["cost_usd"], CODEX_COST);
    assert_eq!(num(&s["input_tokens"]), CODEX_INPUT);
    assert_eq!(s["cached_tokens"], 20000);
    assert_eq!(num(&s["output_tokens"]), CODEX_OUTPUT);
    assert_eq!(s["reasoning_tokens"], 300);
    approx(&s["success_rate"], 1.0);

    let m = row(&r["by_model"], "gpt-5.1-codex");
    assert_eq!(num(&m["calls"]), 3);
    approx(&m["cost_usd"], 0.0375);
    assert_eq!(keys(&r["by_model"]), ["gpt-5.1-codex"]);
    assert_eq!(num(&row(&r["by_provider"], "openai")["calls"]), 3);
    assert_eq!(keys(&r["by_source"]), ["codex"]);
    // project = the session's cwd; conversation = the session id
    assert_eq!(keys(&r["by_project"]), ["/home/dev/repo"]);
    approx(&row(&r["by_project"], "/home/dev/repo")["cost_usd"], 0.0375);
    assert_eq!(
        num(&row(&r["by"]["rows"], "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")["calls"]),
        3
    );
    assert_eq!(r["pricing"]["priced_calls"], 3);
    // Rate-limit readings: only lines 5 and 6 carry them (primary 12 % of 300 min, secondary 3 %
    // of 10080 min); the latest per window is reported.
    let rl = r["rate_limits"].as_array().expect("rate_limits");
    assert_eq!(rl.len(), 2, "{rl:?}");
    let primary = rl.iter().find(|w| w["window"] == "primary").unwrap();
    assert_eq!(primary["source"], "codex");
    approx(&primary["used_percent"], 12.0);
    approx(&primary["window_minutes"], 300.0);
    let secondary = rl.iter().find(|w| w["window"] == "secondary").unwrap();
    approx(&secondary["used_percent"], 3.0);
    approx(&secondary["window_minutes"], 10080.0);

    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_eq!(r["skipped"]["duplicate_examples"][0]["line"], 6);
    assert_not_call_reasons(
        &r,
        &[
            ("codex.session_meta", 1),
            ("codex.turn_context", 2),
            ("codex.token_count_without_info", 1),
            ("codex.event", 1),
        ],
    );
}

// The documented fallback on its own: a token_count event without last_token_usage is a call
// whose tokens are what total_token_usage grew by.
//   call 1 (last = total): 1000 in (200 cached), 100 out (20 reasoning)
//     800×1.25 + 200×0.125 + 100×10 = 1000 + 25 + 1000 = 2025 → $0.002025
//   call 2 (total only 3000/1200/250/50): 2000 in (1000 cached), 150 out (30 reasoning)
//     1000×1.25 + 1000×0.125 + 150×10 = 1250 + 125 + 1500 = 2875 → $0.002875
//   total $0.0049; input 3000, cached 1200, output 250, reasoning 50
#[test]
fn codex_token_count_with_only_the_running_total_is_a_call() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rollout-2026-11-21T09-00-00-tot.jsonl");
    let lines = [
        r#"{"timestamp":"2026-11-21T09:00:00.000Z","type":"session_meta","payload":{"id":"sess-tot","cwd":"/home/dev/tot"}}"#,
        r#"{"timestamp":"2026-11-21T09:00:01.000Z","type":"turn_context","payload":{"cwd":"/home/dev/tot","model":"gpt-5.1-codex"}}"#,
        r#"{"timestamp":"2026-11-21T09:00:10.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":200,"output_tokens":100,"reasoning_output_tokens":20,"total_tokens":1100},"last_token_usage":{"input_tokens":1000,"cached_input_tokens":200,"output_tokens":100,"reasoning_output_tokens":20,"total_tokens":1100}}}}"#,
        r#"{"timestamp":"2026-11-21T09:00:20.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":3000,"cached_input_tokens":1200,"output_tokens":250,"reasoning_output_tokens":50,"total_tokens":3250}}}}"#,
    ];
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let r = analyze_json(&[p.to_str().unwrap(), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2, "{}", r["skipped"]);
    approx(&s["cost_usd"], 0.0049);
    assert_eq!(s["input_tokens"], 3000);
    assert_eq!(s["cached_tokens"], 1200);
    assert_eq!(s["output_tokens"], 250);
    assert_eq!(s["reasoning_tokens"], 50);
    assert!(
        r["skipped"]["not_call_reasons"]["no_call_fields"].is_null(),
        "{}",
        r["skipped"]
    );
    assert_not_call_reasons(&r, &[("codex.session_meta", 1), ("codex.turn_context", 1)]);
}

// ---------------------------------------------------------------------------------------------
// 3. Gemini CLI: gemini/tmp/abc123/chats/session-2026-11-20T10-00-4f3a.jsonl (7 lines)
//   1 header (sessionId, projectHash)        → gemini_cli.header
//   2 user message u1                        → no_call_fields
//   3 g1, first copy (output 300)            → replaced by line 5: a duplicate
//   4 $set patch                             → gemini_cli.patch
//   5 g1 again: input 12000 (8000 cached), output 350 + thoughts 120 = 470 → call
//   6 g2: input 15000 (12000 cached), output 200 + thoughts 80 = 280 → call
//   7 $set patch                             → gemini_cli.patch
// gemini-2.5-pro: (input − cached)×1.25 + cached×0.125 + output×10 per 1M
//   g1: 4000×1.25 + 8000×0.125 + 470×10 = 5000 + 1000 + 4700 = 10700 → $0.0107
//   g2: 3000×1.25 + 12000×0.125 + 280×10 = 3750 + 1500 + 2800 = 8050 → $0.00805
//   total $0.01875; input 27000, cached 20000, output 750, reasoning 120 + 80 = 200
#[test]
fn gemini_cli_session() {
    let r = analyze_json(&[
        &src("gemini/tmp/abc123/chats/session-2026-11-20T10-00-4f3a.jsonl"),
        "--tz",
        "UTC",
        "--by",
        "conversation",
    ]);
    let s = &r["summary"];
    assert_eq!(num(&s["calls"]), GEMINI_CALLS);
    approx(&s["cost_usd"], GEMINI_COST);
    assert_eq!(num(&s["input_tokens"]), GEMINI_INPUT);
    assert_eq!(s["cached_tokens"], 20000);
    assert_eq!(num(&s["output_tokens"]), GEMINI_OUTPUT);
    assert_eq!(s["reasoning_tokens"], 200);

    let m = row(&r["by_model"], "gemini-2.5-pro");
    assert_eq!(num(&m["calls"]), 2);
    approx(&m["cost_usd"], 0.01875);
    assert_eq!(keys(&r["by_source"]), ["gemini_cli"]);
    assert_eq!(num(&row(&r["by_provider"], "google")["calls"]), 2);
    assert_eq!(
        num(&row(&r["by"]["rows"], "4f3a9c1e-0000-4000-8000-000000000001")["calls"]),
        2
    );

    // The last copy of g1 is the call: line 5, its tokens.
    let g1 = r["top_calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["line"] == 5)
        .unwrap_or_else(|| panic!("no call from line 5 in {}", r["top_calls"]));
    assert_eq!(g1["input_tokens"], 12000);
    assert_eq!(g1["output_tokens"], 470);
    approx(&g1["cost_usd"], 0.0107);
    assert!(r["top_calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["line"] != 3));

    assert_no_unreadable_lines(&r);
    let sk = &r["skipped"];
    assert_eq!(sk["duplicates"], 1, "{sk}");
    assert_eq!(sk["duplicate_examples"][0]["line"], 3, "{sk}");
    assert_not_call_reasons(
        &r,
        &[
            ("gemini_cli.header", 1),
            ("gemini_cli.patch", 2),
            ("no_call_fields", 1),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Copilot CLI OpenTelemetry export: copilot/otel/traces.jsonl (4 lines)
//   1 span a1 chat claude-sonnet-4.5: input 19452 (incl. 123 cache read + 25 cache write),
//     output 281 (128 reasoning); start [1795168800, 120000000] = 10:00:00.120Z,
//     end [1795168804, 967000000] → latency 4.847 s
//   2 metric                                   → copilot.metric
//   3 span execute_tool, no model or usage     → copilot.span_without_usage
//   4 span a3 chat: input 8000 (incl. 6000 cache read), output 150;
//     start [1795168810, 0], end [1795168812, 500000000] → 2.5 s
// claude-sonnet-4.5 → anthropic claude-sonnet-4-5:
//   a1: (19452−123−25)×3 + 123×0.30 + 25×3.75 + 281×15
//       = 19304×3 + 36.9 + 93.75 + 4215 = 57912 + 36.9 + 93.75 + 4215 = 62257.65 → $0.06225765
//   a3: (8000−6000)×3 + 6000×0.30 + 150×15 = 6000 + 1800 + 2250 = 10050 → $0.01005
//   total $0.07230765; input 19452 + 8000 = 27452; cached 123 + 6000 = 6123; cache writes 25;
//   output 281 + 150 = 431; reasoning 128
//   latency p50 (linear, two values) = (4.847 + 2.5) / 2 = 3.6735; max 4.847
#[test]
fn copilot_otel_spans() {
    let r = analyze_json(&[&src("copilot/otel/traces.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(num(&s["calls"]), COPILOT_CALLS);
    approx(&s["cost_usd"], COPILOT_COST);
    assert_eq!(num(&s["input_tokens"]), COPILOT_INPUT);
    assert_eq!(s["cached_tokens"], 6123);
    assert_eq!(s["cache_write_tokens"], 25);
    assert_eq!(num(&s["output_tokens"]), COPILOT_OUTPUT);
    assert_eq!(s["reasoning_tokens"], 128);
    assert_eq!(s["latency_s"]["calls"], 2);
    approx(&s["latency_s"]["p50"], 3.6735);
    approx(&s["latency_s"]["max"], 4.847);

    let m = row(&r["by_model"], "claude-sonnet-4.5");
    assert_eq!(num(&m["calls"]), 2);
    approx(&m["cost_usd"], 0.07230765);
    assert_eq!(num(&row(&r["by_provider"], "anthropic")["calls"]), 2);
    assert_eq!(keys(&r["by_source"]), ["copilot"]);
    assert_eq!(num(&row(&r["by_type"], "chat")["calls"]), 2);
    assert_eq!(num(&row(&r["by_hour"], "10")["calls"]), 2);

    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["duplicates"], 0);
    assert_not_call_reasons(
        &r,
        &[("copilot.metric", 1), ("copilot.span_without_usage", 1)],
    );
}

// ---------------------------------------------------------------------------------------------
// 5. exports

// exports/openai-batch-output.jsonl (3 lines), gpt-4o-mini-2024-07-18 at batch rates:
//   1 created 1795168800 = 2026-11-20T10:00:00Z, 22000 in (0 cached), 2000 out
//     22000×0.075 + 2000×0.30 = 1650 + 600 = 2250 → $0.00225
//   2 created 1795172400 = 11:00:00Z, 10000 in (4000 cached), 1000 out
//     6000×0.075 + 4000×0.075 + 1000×0.30 = 450 + 300 + 300 = 1050 → $0.00105
//   3 response null, error batch_expired: a failed call, no time of its own → --batch-time 12:00Z
//   total $0.0033; success 2/3; input 32000, cached 4000, output 3000; priced 2
#[test]
fn openai_batch_output() {
    let r = analyze_json(&[
        &src("exports/openai-batch-output.jsonl"),
        "--tz",
        "UTC",
        "--batch-time",
        BATCH_TIME,
    ]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 3);
    approx(&s["cost_usd"], 0.0033);
    approx(&s["success_rate"], 2.0 / 3.0);
    assert_eq!(s["errors"], 1);
    assert_eq!(s["input_tokens"], 32000);
    assert_eq!(s["cached_tokens"], 4000);
    assert_eq!(s["output_tokens"], 3000);
    assert_eq!(r["errors_by_kind"][0]["key"], "batch_expired");

    let m = row(&r["by_model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(m["calls"], 2);
    approx(&m["cost_usd"], 0.0033);
    assert_eq!(keys(&r["by_source"]), ["openai_batch"]);
    assert_eq!(row(&r["by_source"], "openai_batch")["calls"], 3);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "11")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "12")["calls"], 1); // the failed line, dated by --batch-time
    assert_eq!(row(&r["by_day"], "2026-11-20")["calls"], 3);
    assert_eq!(r["pricing"]["priced_calls"], 2);
    assert_eq!(r["pricing"]["unpriced_calls"], 0);
    assert!(has_warning(&r, "1 batch-result calls"), "{}", r["warnings"]);
    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["not_calls"], 0);
}

// A batch output body that says "service_tier": "default" (chat completions write it) is still a
// batch result: 22000×0.075 + 2000×0.30 = 2250 → $0.00225 (standard would be 22000×0.15 +
// 2000×0.60 = 3300 + 1200 = 4500 → $0.0045).
#[test]
fn openai_batch_body_service_tier_default_keeps_batch_rates() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("batch_out.jsonl");
    std::fs::write(
        &p,
        r#"{"id": "batch_req_200", "custom_id": "request-1", "response": {"status_code": 200, "request_id": "req_200", "body": {"id": "chatcmpl-200", "object": "chat.completion", "created": 1795168800, "model": "gpt-4o-mini-2024-07-18", "choices": [], "usage": {"prompt_tokens": 22000, "completion_tokens": 2000, "total_tokens": 24000}, "service_tier": "default", "system_fingerprint": "fp_1"}}, "error": null}
"#,
    )
    .unwrap();
    let r = analyze_json(&[p.to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 1);
    approx(&r["summary"]["cost_usd"], 0.00225);
}

// exports/anthropic-batch-results.jsonl (3 lines, no line has a time → --batch-time 12:00Z):
//   1 succeeded, claude-sonnet-4-5-20250929: 1100 in + 1000 cache write + 4000 cache read, 360 out
//     batch: 1100×1.50 + 1000×1.875 + 4000×0.15 + 360×7.50 = 1650 + 1875 + 600 + 2700 = 6825
//     → $0.006825; input 1100 + 1000 + 4000 = 6100
//   2 errored (invalid_request_error)  3 expired → failed calls without tokens
//   calls 3, success 1/3, errors 2; all on 2026-11-20, hour 12
#[test]
fn anthropic_batch_results() {
    let r = analyze_json(&[
        &src("exports/anthropic-batch-results.jsonl"),
        "--tz",
        "UTC",
        "--batch-time",
        BATCH_TIME,
    ]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 3);
    approx(&s["cost_usd"], 0.006825);
    approx(&s["success_rate"], 1.0 / 3.0);
    assert_eq!(s["errors"], 2);
    assert_eq!(s["input_tokens"], 6100);
    assert_eq!(s["cached_tokens"], 4000);
    assert_eq!(s["cache_write_tokens"], 1000);
    assert_eq!(s["output_tokens"], 360);
    assert!(
        r["errors_by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["key"] == "expired"),
        "{}",
        r["errors_by_kind"]
    );

    let m = row(&r["by_model"], "claude-sonnet-4-5-20250929");
    assert_eq!(m["calls"], 1);
    approx(&m["cost_usd"], 0.006825);
    assert_eq!(keys(&r["by_source"]), ["anthropic_batch"]);
    assert_eq!(keys(&r["by_day"]), ["2026-11-20"]);
    assert_eq!(row(&r["by_day"], "2026-11-20")["calls"], 3);
    assert_eq!(row(&r["by_hour"], "12")["calls"], 3);
    assert!(has_warning(&r, "3 batch-result calls"), "{}", r["warnings"]);
    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["not_calls"], 0);
}

// exports/openrouter-generation.jsonl (2 records, logged total_cost wins). In milliseconds,
// `latency` is the time to the first token and `generation_time` the whole call
// (src/normalize/shapes/openrouter.rs):
//   1 meta-llama/llama-4-scout via Groq, cust_42: $0.000512; native 64 in / 98 out (not 65/116);
//     latency 1016 ms → ttft 1.016 s; generation_time 2940 ms → latency 2.94 s
//   2 anthropic/claude-sonnet-4.5 via Anthropic, cust_7: $0.00402; native 1180 in / 200 out
//     (not 1210/240); latency 2484 ms → ttft 2.484 s; generation_time 5120 ms → latency 5.12 s
//   total 0.000512 + 0.00402 = $0.004532; input 64 + 1180 = 1244; output 98 + 200 = 298
//   latency p50 (2.94 + 5.12) / 2 = 4.03, max 5.12; ttft p50 (1.016 + 2.484) / 2 = 1.75
//   nothing priced from rates
#[test]
fn openrouter_generations() {
    let r = analyze_json(&[&src("exports/openrouter-generation.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2);
    approx(&s["cost_usd"], 0.004532);
    assert_eq!(s["input_tokens"], 1244);
    assert_eq!(s["output_tokens"], 298);
    assert_eq!(s["latency_s"]["calls"], 2);
    approx(&s["latency_s"]["p50"], 4.03);
    approx(&s["latency_s"]["max"], 5.12);
    assert_eq!(s["ttft_s"]["calls"], 2, "{s}");
    approx(&s["ttft_s"]["p50"], 1.75);
    approx(&s["success_rate"], 1.0);

    approx(&row(&r["by_user"], "cust_42")["cost_usd"], 0.000512);
    approx(&row(&r["by_user"], "cust_7")["cost_usd"], 0.00402);
    assert_eq!(keys(&r["by_provider"]), ["Anthropic", "Groq"]);
    approx(&row(&r["by_provider"], "Groq")["cost_usd"], 0.000512);
    approx(
        &row(&r["by_model"], "meta-llama/llama-4-scout")["cost_usd"],
        0.000512,
    );
    assert_eq!(
        row(&r["by_model"], "meta-llama/llama-4-scout")["input_tokens"],
        64
    );
    assert_eq!(keys(&r["by_source"]), ["openrouter"]);
    assert_eq!(r["pricing"]["priced_calls"], 0);
    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["not_calls"], 0);
}

// exports/langfuse-observations.jsonl (3 rows):
//   1 GENERATION gpt-4o, start "2026-11-20 23:30:05.123456" (UTC) = 2026-11-21 08:30 in Tokyo,
//     usage input 1500 (incl. 512 cached), output 300, total_cost $0.0067, latency 2.1 s,
//     time_to_first_token 0.5 s
//   2 SPAN                                        → langfuse.span
//   3 GENERATION gpt-4o-mini, start "2026-11-20 10:00:05.000000" = 19:00 in Tokyo,
//     2000 in, 150 out, total_cost $0.00039, latency 0.9 s, time_to_first_token 0.4 s
//   total 0.0067 + 0.00039 = $0.00709; input 3500, cached 512, output 450; p50 (2.1+0.9)/2 = 1.5
// Read as Tokyo wall-clock time instead, row 1 would fall on 2026-11-20 (23:30 JST): day 21 with
// hour 08 proves the naive time is read as UTC.
#[test]
fn langfuse_observations_naive_times_are_utc() {
    let r = analyze_json(&[
        &src("exports/langfuse-observations.jsonl"),
        "--tz",
        "Asia/Tokyo",
    ]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2);
    approx(&s["cost_usd"], 0.00709);
    assert_eq!(s["input_tokens"], 3500);
    assert_eq!(s["cached_tokens"], 512);
    assert_eq!(s["output_tokens"], 450);
    approx(&s["latency_s"]["p50"], 1.5);
    // time_to_first_token 0.5 and 0.4 s → p50 (0.5 + 0.4) / 2 = 0.45
    assert_eq!(s["ttft_s"]["calls"], 2, "{s}");
    approx(&s["ttft_s"]["p50"], 0.45);
    assert_eq!(s["days"], 2);

    assert_eq!(keys(&r["by_day"]), ["2026-11-20", "2026-11-21"]);
    let d21 = row(&r["by_day"], "2026-11-21");
    assert_eq!(d21["calls"], 1);
    approx(&d21["cost_usd"], 0.0067);
    let d20 = row(&r["by_day"], "2026-11-20");
    assert_eq!(d20["calls"], 1);
    approx(&d20["cost_usd"], 0.00039);
    assert_eq!(row(&r["by_hour"], "08")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "19")["calls"], 1);
    approx(&row(&r["by_model"], "gpt-4o")["cost_usd"], 0.0067);
    approx(&row(&r["by_user"], "user_456")["cost_usd"], 0.00039);
    assert_eq!(keys(&r["by_source"]), ["langfuse"]);
    assert_no_unreadable_lines(&r);
    assert_not_call_reasons(&r, &[("langfuse.span", 1)]);
}

// The same rows in UTC: both on 2026-11-20, hours 23 and 10.
#[test]
fn langfuse_observations_in_utc() {
    let r = analyze_json(&[&src("exports/langfuse-observations.jsonl"), "--tz", "UTC"]);
    assert_eq!(keys(&r["by_day"]), ["2026-11-20"]);
    assert_eq!(row(&r["by_day"], "2026-11-20")["calls"], 2);
    assert_eq!(row(&r["by_hour"], "23")["calls"], 1);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 1);
}

// exports/helicone-export.jsonl (2 rows, logged cost):
//   1 200, gpt-4o, user_123, feature "summary": 1500 in, 300 out, $0.00675, latency 2100 ms = 2.1 s
//   2 429, gpt-4o, user_456, no feature: 0 tokens, cost 0, latency 350 ms = 0.35 s → failed
//   total $0.00675; success 1/2; p50 (2.1 + 0.35) / 2 = 1.225, max 2.1
#[test]
fn helicone_export() {
    let r = analyze_json(&[&src("exports/helicone-export.jsonl"), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 2);
    approx(&s["cost_usd"], 0.00675);
    approx(&s["success_rate"], 0.5);
    assert_eq!(s["errors"], 1);
    assert_eq!(s["input_tokens"], 1500);
    assert_eq!(s["output_tokens"], 300);
    approx(&s["latency_s"]["p50"], 1.225);
    approx(&s["latency_s"]["max"], 2.1);

    let t = row(&r["by_type"], "summary");
    assert_eq!(t["calls"], 1);
    approx(&t["cost_usd"], 0.00675);
    approx(&row(&r["by_user"], "user_123")["cost_usd"], 0.00675);
    let u456 = row(&r["by_user"], "user_456");
    assert_eq!(u456["calls"], 1);
    assert_eq!(u456["errors"], 1);
    assert_eq!(keys(&r["by_source"]), ["helicone"]);
    assert_eq!(row(&r["by_hour"], "10")["calls"], 2);
    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["not_calls"], 0);
}

// The five export files read together, each by its own adapter:
//   calls 3 + 3 + 2 + 2 + 2 = 12
//   cost 0.0033 + 0.006825 + 0.004532 + 0.00709 + 0.00675 = 0.028497
//   errors 1 (openai) + 2 (anthropic) + 1 (helicone) = 4 → success 8/12
//   input 32000 + 6100 + 1244 + 3500 + 1500 = 44344; output 3000 + 360 + 298 + 450 + 300 = 4408
//   batch-result calls without a time: 1 + 3 = 4
#[test]
fn exports_folder_by_source() {
    let r = analyze_json(&[
        &src("exports"),
        "--tz",
        "UTC",
        "--batch-time",
        BATCH_TIME,
        "--by",
        "source",
    ]);
    let s = &r["summary"];
    assert_eq!(s["calls"], 12);
    approx(&s["cost_usd"], 0.028497);
    assert_eq!(s["errors"], 4);
    approx(&s["success_rate"], 8.0 / 12.0);
    assert_eq!(s["input_tokens"], 44344);
    assert_eq!(s["output_tokens"], 4408);
    assert_eq!(
        keys(&r["by_source"]),
        [
            "anthropic_batch",
            "helicone",
            "langfuse",
            "openai_batch",
            "openrouter"
        ]
    );
    for (key, calls, cost) in [
        ("openai_batch", 3u64, 0.0033),
        ("anthropic_batch", 3, 0.006825),
        ("openrouter", 2, 0.004532),
        ("langfuse", 2, 0.00709),
        ("helicone", 2, 0.00675),
    ] {
        let b = row(&r["by"]["rows"], key);
        assert_eq!(num(&b["calls"]), calls, "{key}");
        approx(&b["cost_usd"], cost);
    }
    assert!(has_warning(&r, "4 batch-result calls"), "{}", r["warnings"]);
    assert_no_unreadable_lines(&r);
    assert_eq!(r["skipped"]["duplicates"], 0);
    assert_not_call_reasons(&r, &[("langfuse.span", 1)]);
}

// ---------------------------------------------------------------------------------------------
// 6. --agents: a fake HOME holding every agent's logs (copies of the fixtures above)
//   claude_code 4 calls $0.061905, codex 3 $0.0375, gemini_cli 2 $0.01875, copilot 2 $0.07230765
//   total calls 4 + 3 + 2 + 2 = 11; cost 0.061905 + 0.0375 + 0.01875 + 0.07230765 = 0.19046265
//   input 80655 + 40000 + 27000 + 27452 = 175107; output 755 + 1000 + 750 + 431 = 2936
//   duplicates 2 (claude) + 1 (codex) + 1 (gemini) = 4
//   every call is on 2026-11-20 (UTC)

fn agents_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    copy_tree(&src_path("claude/projects"), &h.join(".claude/projects"));
    copy_tree(&src_path("codex/sessions"), &h.join(".codex/sessions"));
    copy_tree(&src_path("gemini/tmp"), &h.join(".gemini/tmp"));
    copy_tree(&src_path("copilot/otel"), &h.join(".copilot/otel"));
    home
}

fn analyze_agents(home: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["analyze", "--agents", "--format", "json", "--tz", "UTC"];
    args.extend_from_slice(extra);
    let out = llmlog()
        .args(args)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("COPILOT_OTEL_FILE_EXPORTER_PATH")
        .env_remove("LLM_USER_PATH")
        .output()
        .expect("run llmlog");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON report")
}

#[test]
fn agents_finds_every_agent_under_home() {
    let home = agents_home();
    let h = home.path();
    let r = analyze_agents(h, &[]);

    let agents: Vec<(String, String)> = r["meta"]["agents"]
        .as_array()
        .expect("meta.agents")
        .iter()
        .map(|a| {
            (
                a["agent"].as_str().unwrap().to_owned(),
                a["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = |agent: &str, rel: &str| (agent.to_owned(), h.join(rel).display().to_string());
    assert_eq!(
        agents,
        [
            want("claude_code", ".claude/projects"),
            want("codex", ".codex/sessions"),
            want("gemini_cli", ".gemini/tmp"),
            want("copilot", ".copilot/otel"),
        ]
    );
    // claude 2 files + codex 1 + gemini 1 + copilot 1
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 5);

    assert_eq!(
        keys(&r["by_source"]),
        ["claude_code", "codex", "copilot", "gemini_cli"]
    );
    for (key, calls, cost) in [
        ("claude_code", CLAUDE_CALLS, CLAUDE_COST),
        ("codex", CODEX_CALLS, CODEX_COST),
        ("gemini_cli", GEMINI_CALLS, GEMINI_COST),
        ("copilot", COPILOT_CALLS, COPILOT_COST),
    ] {
        let b = row(&r["by_source"], key);
        assert_eq!(num(&b["calls"]), calls, "{key}");
        approx(&b["cost_usd"], cost);
    }
    let s = &r["summary"];
    assert_eq!(
        num(&s["calls"]),
        CLAUDE_CALLS + CODEX_CALLS + GEMINI_CALLS + COPILOT_CALLS
    );
    assert_eq!(s["calls"], 11);
    approx(&s["cost_usd"], 0.19046265);
    approx(
        &s["cost_usd"],
        CLAUDE_COST + CODEX_COST + GEMINI_COST + COPILOT_COST,
    );
    assert_eq!(
        num(&s["input_tokens"]),
        CLAUDE_INPUT + CODEX_INPUT + GEMINI_INPUT + COPILOT_INPUT
    );
    assert_eq!(s["input_tokens"], 175107);
    assert_eq!(
        num(&s["output_tokens"]),
        CLAUDE_OUTPUT + CODEX_OUTPUT + GEMINI_OUTPUT + COPILOT_OUTPUT
    );
    assert_eq!(s["output_tokens"], 2936);
    assert_eq!(r["skipped"]["duplicates"], 4);
    assert_no_unreadable_lines(&r);

    // Projects: the Claude Code folder and the Codex session's cwd.
    assert_eq!(num(&row(&r["by_project"], "-home-dev-app")["calls"]), 4);
    assert_eq!(num(&row(&r["by_project"], "/home/dev/repo")["calls"]), 3);
}

#[test]
fn agents_by_day_and_source() {
    let home = agents_home();
    let r = analyze_agents(home.path(), &["--by", "day,source"]);
    let rows = &r["by"]["rows"];
    assert!(!rows.as_array().unwrap().is_empty(), "{rows}");
    assert_eq!(
        keys(rows),
        [
            "2026-11-20 / claude_code",
            "2026-11-20 / codex",
            "2026-11-20 / copilot",
            "2026-11-20 / gemini_cli"
        ]
    );
    let codex = row(rows, "2026-11-20 / codex");
    assert_eq!(num(&codex["calls"]), CODEX_CALLS);
    approx(&codex["cost_usd"], CODEX_COST);
    assert_eq!(codex["keys"], serde_json::json!(["2026-11-20", "codex"]));
    assert_eq!(
        num(&row(rows, "2026-11-20 / claude_code")["calls"]),
        CLAUDE_CALLS
    );
    assert_eq!(
        num(&row(rows, "2026-11-20 / gemini_cli")["calls"]),
        GEMINI_CALLS
    );
    assert_eq!(
        num(&row(rows, "2026-11-20 / copilot")["calls"]),
        COPILOT_CALLS
    );
}

// 7. --where source=codex keeps only Codex's 3 calls ($0.0375, 40000 in, 1000 out).
#[test]
fn agents_where_source_codex() {
    let home = agents_home();
    let r = analyze_agents(home.path(), &["--where", "source=codex"]);
    let s = &r["summary"];
    assert_eq!(num(&s["calls"]), CODEX_CALLS);
    approx(&s["cost_usd"], CODEX_COST);
    assert_eq!(num(&s["input_tokens"]), CODEX_INPUT);
    assert_eq!(num(&s["output_tokens"]), CODEX_OUTPUT);
    assert_eq!(keys(&r["by_source"]), ["codex"]);
    assert_eq!(keys(&r["by_model"]), ["gpt-5.1-codex"]);
    assert_eq!(keys(&r["by_project"]), ["/home/dev/repo"]);
}

// Older Gemini CLI sessions are one `.json` document: a header with a `messages` array.
// g1: 12000 in (8000 cached) + 350 out + 120 thoughts, gemini-2.5-pro at $1.25 / $0.125 / $10
// per 1M: 4000×1.25 + 8000×0.125 + 470×10 = 5000 + 1000 + 4700 = 10,700 per 1M = $0.0107.
#[test]
fn gemini_cli_single_document_session() {
    let dir = tempfile::tempdir().unwrap();
    let chats = dir.path().join("tmp/abc123/chats");
    std::fs::create_dir_all(&chats).unwrap();
    std::fs::write(
        chats.join("session-2026-11-20T10-00-old.json"),
        r#"{
  "sessionId": "4f3a9c1e-0000-4000-8000-000000000001",
  "projectHash": "abc123",
  "startTime": "2026-11-20T10:00:00.000Z",
  "messages": [
    {"id": "u1", "timestamp": "2026-11-20T10:00:01.000Z", "type": "user", "content": "fix the test"},
    {"id": "g1", "timestamp": "2026-11-20T10:00:05.000Z", "type": "gemini", "content": "Done.",
     "model": "gemini-2.5-pro",
     "tokens": {"input": 12000, "output": 350, "cached": 8000, "thoughts": 120, "tool": 0, "total": 12470}}
  ]
}
"#,
    )
    .unwrap();
    let r = analyze_json(&[dir.path().to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 1);
    approx(&r["summary"]["cost_usd"], 0.0107);
    assert_eq!(r["summary"]["output_tokens"], 470);
    assert_eq!(r["by_source"][0]["key"], "gemini_cli");
    assert_eq!(
        r["skipped"]["lines"], 0,
        "a pretty-printed document is not bad lines"
    );
    assert_eq!(r["skipped"]["not_call_reasons"]["gemini_cli.header"], 1);
}
