//! The HTML report in a real browser: headless Chromium (Debian's, with its driver) driven by
//! Selenium (both installed by `make test`), with the network off.

mod common;
use common::{analyze_json, run};
use serde_json::Value;
use std::path::Path;

fn python() -> String {
    std::env::var("LLMLOG_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Three days, two models: a costs $1 (2 calls), $2, $4; b costs $10, $10 (2 calls), nothing.
/// Total $27 over 7 calls; model a $7 over 4 calls; Nov 2–3: $16 over 4 calls.
const LOG: &str = r#"{"timestamp":"2026-11-01T10:00:00Z","model":"a","type":"faq","user_id":"ann","cost_usd":0.5}
{"timestamp":"2026-11-01T11:00:00Z","model":"a","type":"chat","user_id":"ann","cost_usd":0.5}
{"timestamp":"2026-11-01T12:00:00Z","model":"b","type":"chat","user_id":"bob","cost_usd":10}
{"timestamp":"2026-11-02T10:00:00Z","model":"a","type":"faq","user_id":"bob","cost_usd":2}
{"timestamp":"2026-11-02T11:00:00Z","model":"b","type":"chat","user_id":"bob","cost_usd":5}
{"timestamp":"2026-11-02T12:00:00Z","model":"b","type":"chat","user_id":"ann","cost_usd":5}
{"timestamp":"2026-11-03T10:00:00Z","model":"a","type":"faq","user_id":"ann","cost_usd":4}
"#;

fn dashboard(log: &Path, out: &Path) {
    let o = run(&[
        "dashboard",
        log.to_str().unwrap(),
        "--tz",
        "UTC",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_report_filters_and_sums_in_a_browser_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.jsonl");
    std::fs::write(&log, LOG).unwrap();
    let html = dir.path().join("report.html");
    dashboard(&log, &html);
    let shot: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "target", "browser-report.png"]
        .iter()
        .collect();
    let out = std::process::Command::new(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/browser/check_html.py"
        ))
        .args([
            html.to_str().unwrap(),
            "a",
            "2026-11-02",
            "2026-11-03",
            shot.to_str().unwrap(),
        ])
        .output()
        .expect("python with selenium: run `make test`, which installs it and Chromium");
    assert!(
        out.status.success(),
        "browser check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["console"],
        serde_json::json!([]),
        "console errors: {}",
        v["console"]
    );
    assert_eq!(
        v["resources"],
        serde_json::json!([]),
        "requests: {}",
        v["resources"]
    );
    // The headline is the JSON report's total.
    let r = analyze_json(&[log.to_str().unwrap(), "--tz", "UTC"]);
    assert_eq!(r["summary"]["cost_usd"], 27.0);
    assert_eq!(v["initial"]["cost"], "$27.00");
    assert_eq!(v["initial"]["calls"], "7");
    // A click on model a: its 4 calls and $7, and the type table holds just those calls.
    assert_eq!(v["model"]["calls"], "4");
    assert_eq!(v["model"]["cost"], "$7.00");
    let types: u64 = v["type_calls_after_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(types, 4);
    assert_eq!(v["chips"], "model: a ×");
    // Nov 2–3 after a reset: $16 over 4 calls.
    assert_eq!(v["range"]["cost"], "$16.00");
    assert_eq!(v["range"]["calls"], "4");
    // Sorted by calls: a (2 in the range) ties b (2): the tie goes by name.
    assert_eq!(v["sorted_first"], "a");
    assert!(shot.exists(), "a screenshot for a person to look at");
}

#[test]
fn data_is_embedded_safely_and_the_file_is_the_same_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("evil.jsonl");
    std::fs::write(
        &log,
        "{\"timestamp\":\"2026-11-01T10:00:00Z\",\"model\":\"</script><script>alert(1)</script>\",\"user_id\":\"<!-- x\",\"cost_usd\":1}\n",
    )
    .unwrap();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    dashboard(&log, &a);
    dashboard(&log, &b);
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(
        text.matches("</script>").count(),
        2,
        "only the page's own script tags close"
    );
    assert!(!text.contains("<!-- x"));
    assert!(text.contains("\\u003c/script\\u003e"));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // No reference to anything outside the file.
    for needle in ["http://", "https://", "src=\"", "@import", "url("] {
        assert!(!text.contains(needle), "the page refers out: {needle}");
    }
}
