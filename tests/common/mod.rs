//! Helpers for black-box tests: run the real binary, read its JSON.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn fixture(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name]
        .iter()
        .collect();
    p.to_string_lossy().into_owned()
}

pub fn llmlog() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_llmlog"));
    // One cache for the whole suite, out of the user's home: every test that reads a file an
    // earlier test read goes through the cache, so the by-hand numbers check it too.
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("llmlog-cache");
    c.env_remove("LLMLOG_TZ")
        .env_remove("LLMLOG_CONFIG")
        .env_remove("LLMLOG_NO_CACHE")
        .env("LLMLOG_CACHE_DIR", cache)
        // Small files too (by default only inputs of 1 MiB and more are cached).
        .env("LLMLOG_CACHE_MIN_BYTES", "0")
        .env("NO_COLOR", "1");
    c.stdin(Stdio::null());
    c
}

pub fn run(args: &[&str]) -> Output {
    llmlog().args(args).output().expect("run llmlog")
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = llmlog()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llmlog");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `analyze … --format json` and parses the report; panics with stderr on failure.
pub fn analyze_json(args: &[&str]) -> Value {
    let mut full = vec!["analyze", "--format", "json"];
    full.extend_from_slice(args);
    let out = run(&full);
    assert!(
        out.status.code() == Some(0),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON report")
}

pub fn approx(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!(
        (a - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {a}"
    );
}

/// The row with this key in a breakdown array.
pub fn row<'a>(rows: &'a Value, key: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row '{key}' in {rows}"))
}
