//! `llm`'s logs.db, written by the real `llm` CLI (0.36, with the llm-echo plugin: no network,
//! no key), read by llmlog. Expected figures come from the database itself, summed by Python's
//! sqlite3 — an independent reader.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> String {
    std::env::var("LLMLOG_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The `llm` executable beside the test Python (make test installs it into target/pyenv).
fn llm_cli() -> PathBuf {
    Path::new(&python()).with_file_name("llm")
}

fn sql(db: &Path, query: &str) -> String {
    let out = Command::new(python())
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])",
            db.to_str().unwrap(),
            query,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn reads_a_logs_db_written_by_the_real_llm_cli() {
    let dir = tempfile::tempdir().unwrap();
    for prompt in ["hi there", "a second, longer prompt", "third"] {
        let out = Command::new(llm_cli())
            .args(["-m", "echo", prompt])
            .env("LLM_USER_PATH", dir.path())
            .output()
            .expect("llm CLI (make test installs it into target/pyenv)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = dir.path().join("logs.db");
    let calls: u64 = sql(&db, "select count(*) from turns").parse().unwrap();
    let input: u64 = sql(&db, "select sum(input_tokens) from turns")
        .parse()
        .unwrap();
    let output: u64 = sql(&db, "select sum(output_tokens) from turns")
        .parse()
        .unwrap();
    assert_eq!(calls, 3);
    let r = analyze_json(&[db.to_str().unwrap(), "--tz", "UTC"]);
    let s = &r["summary"];
    assert_eq!(s["calls"], calls);
    assert_eq!(s["input_tokens"], input);
    assert_eq!(s["output_tokens"], output);
    assert_eq!(r["by_source"][0]["key"], "llm");
    assert_eq!(r["by_model"][0]["key"], "echo");
    // echo is nobody's priced model: listed, not $0.
    assert_eq!(r["pricing"]["unpriced_models"][0]["model"], "echo");
    assert_eq!(r["skipped"]["lines"], 0);
    // A directory holding it works too (logs.db is picked up by name).
    let r = analyze_json(&[dir.path().to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], calls);
    // Each prompt started a conversation, which llm names; the names come through.
    let names = sql(
        &db,
        "select group_concat(name, '|') from (select name from threads order by name)",
    );
    let out = llmlog()
        .args([
            "conversations",
            db.to_str().unwrap(),
            "--tz",
            "UTC",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 3, "{v}");
    let mut got: Vec<String> = v["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    got.sort();
    assert_eq!(got.join("|"), names.trim());
}

#[test]
fn an_older_database_with_responses_and_turns_counts_each_call_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("logs.db");
    // An llm database from before 0.36 (responses), partly migrated into turns: r2 is in both.
    let script = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('create table responses (id text primary key, model text, prompt text, response text, conversation_id text, duration_ms integer, datetime_utc text, input_tokens integer, output_tokens integer, token_details text, resolved_model text)')
c.execute('create table turns (id text primary key, thread_id text, model text, resolved_model text, input_tokens integer, output_tokens integer, token_details text, duration_ms integer, datetime_utc text)')
c.execute("insert into responses values ('r1','gpt-4o-mini','hi','hello','c1',800,'2026-11-20T10:00:00.000000',1000,100,null,null)")
c.execute("insert into responses values ('r2','4o-mini','hi again','x','c1',500,'2026-11-20T11:00:00.000000',2000,200,null,'gpt-4o-mini')")
c.execute("insert into turns values ('r2','c1','4o-mini','gpt-4o-mini',2000,200,null,500,'2026-11-20T11:00:00.000000')")
c.execute("insert into turns values ('t3','th2','gpt-4o-mini',null,3000,300,null,1200,'2026-11-21T09:00:00+00:00')")
c.commit()
"#;
    let out = Command::new(python())
        .args(["-c", script, db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = analyze_json(&[db.to_str().unwrap(), "--tz", "UTC"]);
    let s = &r["summary"];
    // r1, r2 (in both tables: once), t3.
    assert_eq!(s["calls"], 3);
    assert_eq!(r["skipped"]["duplicates"], 1);
    assert_eq!(s["input_tokens"], 1000 + 2000 + 3000);
    // gpt-4o-mini (the resolved model of the alias 4o-mini) at $0.15 in / $0.60 out per 1M:
    // 6000×0.15 + 600×0.60 = 900 + 360 = 1260 per 1M.
    approx(&s["cost_usd"], 0.00126);
    assert_eq!(r["by_model"][0]["key"], "gpt-4o-mini");
    approx(&s["latency_s"]["max"], 1.2);
    assert_eq!(r["by_day"][1]["key"], "2026-11-21");
    // Not llm's database: refused by name.
    let other = dir.path().join("other.db");
    Command::new(python())
        .args([
            "-c",
            "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('create table t (a)')",
            other.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let out = run(&["analyze", other.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("other.db"));
}
