//! The Parquet dataset: `export`, every command reading it back, `sql` on DuckDB and Spark,
//! `render` of their results, S3 (a local moto server). The references are computed apart from
//! llmlog: by hand for basic.jsonl, by DuckDB's and Spark's own queries for the rest.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> String {
    std::env::var("LLMLOG_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn engines(args: &[&str]) -> Value {
    let script: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "dataset", "engines.py"]
        .iter()
        .collect();
    let out = Command::new(python())
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "engines.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(text.lines().last().unwrap()).expect("engines.py prints JSON")
}

fn export(args: &[&str]) -> Value {
    let mut full = vec!["export", "--format", "json"];
    full.extend_from_slice(args);
    let out = run(&full);
    assert_eq!(
        out.status.code(),
        Some(0),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("export prints JSON")
}

fn sample(name: &str) -> String {
    format!("{}/sample-logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The sections the report computes from the calls alone, compared number by number.
fn assert_same_report(a: &Value, b: &Value, sections: &[&str]) {
    fn same(a: &Value, b: &Value, path: &str) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => assert!(
                close(x.as_f64().unwrap(), y.as_f64().unwrap()),
                "{path}: {x} vs {y}"
            ),
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    same(v, y.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"));
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{path}: lengths");
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    same(v, w, &format!("{path}[{i}]"));
                }
            }
            _ => assert_eq!(a, b, "{path}"),
        }
    }
    for s in sections {
        same(&a[*s], &b[*s], s);
    }
}

const CALL_SECTIONS: [&str; 13] = [
    "summary",
    "errors_by_kind",
    "by_model",
    "by_type",
    "by_provider",
    "by_source",
    "by_project",
    "by_user",
    "users_total",
    "by_day",
    "by_hour",
    "slow_calls",
    "trend",
];

/// The sample logs in a temporary folder, under the names the dataset will record.
fn sample_logs(dir: &Path) -> PathBuf {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for f in [
        "app-calls.jsonl",
        "support-bot.jsonl",
        "litellm-spend.jsonl.gz",
    ] {
        std::fs::copy(sample(f), logs.join(f)).unwrap();
    }
    logs
}

// basic.jsonl by hand (see tests/analyze.rs): 6 calls, $0.06125, latencies 0.5 1 2 3 4 30 →
// p50 2.5, p95 23.5; gpt-4o 2 calls $0.0105; 2026-11-02: 3 calls $0.01125, 2026-11-03: 3 calls $0.05.
#[test]
fn a_small_export_holds_the_calls_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let ds = ds.to_str().unwrap();
    let e = export(&[&fixture("basic.jsonl"), "--to", ds]);
    assert_eq!(e["calls"], 6);
    assert_eq!(e["files"].as_array().unwrap().len(), 2, "{e}");
    let r = analyze_json(&[ds, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    approx(&r["summary"]["cost_usd"], 0.06125);
    approx(&r["summary"]["latency_s"]["p50"], 2.5);
    approx(&r["summary"]["latency_s"]["p95"], 23.5);
    approx(&row(&r["by_model"], "gpt-4o")["cost_usd"], 0.0105);
    assert_eq!(row(&r["by_day"], "2026-11-02")["calls"], 3);
    approx(&row(&r["by_day"], "2026-11-03")["cost_usd"], 0.05);
    // The top call still names its log line.
    assert_eq!(r["top_calls"][0]["line"], 4);
    assert!(r["top_calls"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("basic.jsonl"));

    // DuckDB, with its own SQL, reads the same from the files.
    let d = engines(&["duckdb-own", ds]);
    assert_eq!(d["calls"], 6);
    approx(&d["cost"], 0.06125);
    approx(&d["p95"], 23.5);
    assert_eq!(d["by_day"]["2026-11-02"][0], 3);
    approx(&d["by_day"]["2026-11-03"][1], 0.05);
    approx(&d["by_model"]["gpt-4o"][1], 0.0105);
}

#[test]
fn every_command_reads_the_dataset_as_it_reads_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let logs = sample_logs(dir.path());
    let ds = dir.path().join("ds");
    let (logs, ds) = (logs.to_str().unwrap(), ds.to_str().unwrap());
    export(&[logs, "--to", ds]);
    let now = ["--now", "2026-11-12", "--tz", "UTC"];
    let mut a = vec![logs];
    a.extend(now);
    let mut b = vec![ds];
    b.extend(now);
    let from_logs = analyze_json(&a);
    let from_ds = analyze_json(&b);
    assert_same_report(&from_logs, &from_ds, &CALL_SECTIONS);
    assert_same_report(
        &from_logs,
        &from_ds,
        &["top_calls", "outliers", "anomalies", "loops", "drifts"],
    );
    // What the export skipped is still reported, from its manifest.
    assert_eq!(from_ds["skipped"]["lines"], from_logs["skipped"]["lines"]);
    assert_eq!(
        from_ds["skipped"]["duplicates"],
        from_logs["skipped"]["duplicates"]
    );
    assert_eq!(
        from_ds["meta"]["lines_read"],
        from_logs["meta"]["lines_read"]
    );
    assert!(from_ds["pricing"]["source"]
        .as_str()
        .unwrap()
        .starts_with("as exported: genai-prices"));

    // Another zone: days and hours are the reader's, from the UTC instants. (A time logged
    // without an offset was placed in the export's --tz; basic.jsonl's all carry one.)
    let ds2 = dir.path().join("ds2");
    let ds2 = ds2.to_str().unwrap();
    export(&[&fixture("basic.jsonl"), "--to", ds2]);
    let berlin_logs = analyze_json(&[&fixture("basic.jsonl"), "--tz", "Europe/Berlin"]);
    let berlin_ds = analyze_json(&[ds2, "--tz", "Europe/Berlin"]);
    assert_same_report(&berlin_logs, &berlin_ds, &["by_day", "by_hour"]);
    // 23:30 UTC on the 3rd is the 4th in Berlin.
    assert_eq!(row(&berlin_ds["by_day"], "2026-11-04")["calls"], 1);

    // Budget status and check read it too.
    for cmd in [
        vec!["check", "--max-cost", "1"],
        vec![
            "budget", "status", "--budget", "daily=1", "--format", "json",
        ],
    ] {
        let mut x = cmd.clone();
        x.extend([logs, "--now", "2026-11-12", "--tz", "UTC"]);
        let mut y = cmd.clone();
        y.extend([ds, "--now", "2026-11-12", "--tz", "UTC"]);
        let (ox, oy) = (run(&x), run(&y));
        assert_eq!(ox.status.code(), oy.status.code(), "{cmd:?}");
        if cmd[0] == "budget" {
            assert_eq!(
                String::from_utf8_lossy(&ox.stdout),
                String::from_utf8_lossy(&oy.stdout)
            );
        }
    }
}

#[test]
fn exporting_again_adds_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let all = std::fs::read_to_string(fixture("basic.jsonl")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let app = logs.join("app.jsonl");
    std::fs::write(&app, format!("{}\n", lines[..4].join("\n"))).unwrap();
    let ds = dir.path().join("ds");
    let (logs_s, ds_s) = (logs.to_str().unwrap(), ds.to_str().unwrap());

    assert_eq!(export(&[logs_s, "--to", ds_s])["calls"], 4);
    // Unchanged: nothing is written.
    let again = export(&[logs_s, "--to", ds_s]);
    assert_eq!(again["calls"], 0);
    assert_eq!(again["inputs_unchanged"], 1);
    // Appended: only the new line is read and written.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&app)
        .and_then(|mut f| {
            use std::io::Write;
            writeln!(f, "{}", lines[4])
        })
        .unwrap();
    assert_eq!(export(&[logs_s, "--to", ds_s])["calls"], 1);
    // Rotated: the old file is known by its identity under its new name; the new one is new.
    std::fs::rename(&app, logs.join("app.jsonl.1")).unwrap();
    std::fs::write(&app, format!("{}\n", lines[5])).unwrap();
    let rotated = export(&[logs_s, "--to", ds_s]);
    assert_eq!(rotated["calls"], 1);
    assert_eq!(rotated["inputs_unchanged"], 1);

    let r = analyze_json(&[ds_s, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    approx(&r["summary"]["cost_usd"], 0.06125);
    assert_eq!(r["summary"]["errors"], 1);
    let d = engines(&["duckdb-own", ds_s]);
    assert_eq!(d["calls"], 6);

    // A run cut short before its manifest: the same run writes the same files again.
    let manifests = ds.join("_llmlog/manifests");
    let newest = std::fs::read_dir(&manifests)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    std::fs::remove_file(newest).unwrap();
    assert_eq!(export(&[logs_s, "--to", ds_s])["calls"], 1);
    assert_eq!(analyze_json(&[ds_s])["summary"]["calls"], 6);
}

#[test]
fn since_reads_only_the_days_it_needs_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let ds_s = ds.to_str().unwrap();
    export(&[&fixture("basic.jsonl"), "--to", ds_s]);
    // Break the first day's file: a query of the second day never opens it.
    let day1 = std::fs::read_dir(ds.join("date=2026-11-02"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&day1, b"PAR1 not really").unwrap();
    let r = analyze_json(&[ds_s, "--since", "2026-11-03", "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 3);
    approx(&r["summary"]["cost_usd"], 0.05);
    // Prices are fixed at export: asking to reprice says so instead of doing nothing quietly.
    let out = run(&[
        "analyze",
        ds_s,
        "--since",
        "2026-11-03",
        "--reprice",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apply when exporting"));

    let out = run(&["analyze", ds_s, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("date=2026-11-02") && err.contains("not a readable Parquet file"),
        "{err}"
    );

    // A damaged manifest is named, with a way out.
    let m = std::fs::read_dir(ds.join("_llmlog/manifests"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&m, b"{not json").unwrap();
    let out = run(&["analyze", ds_s, "--since", "2026-11-03"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an llmlog export manifest"), "{err}");

    // Datasets and logs are not mixed; export does not filter.
    let out = run(&["analyze", ds_s, &fixture("basic.jsonl")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not both"));
    let out = run(&[
        "export",
        &fixture("basic.jsonl"),
        "--to",
        ds_s,
        "--since",
        "2026-11-03",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("filter when reading"));
}

/// Runs the script from `llmlog sql` and renders its results as JSON.
fn sql_then_render(dialect: &str, ds: &str, results: &Path) -> (Value, Value) {
    std::fs::create_dir_all(results).unwrap();
    let script = results.with_extension("sql");
    let out = run(&[
        "sql",
        "--dialect",
        dialect,
        "--dataset",
        ds,
        "--results",
        results.to_str().unwrap(),
        "--top",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&script, &out.stdout).unwrap();
    let own = if dialect == "duckdb" {
        engines(&["duckdb-run", script.to_str().unwrap()]);
        engines(&["duckdb-own", ds])
    } else {
        engines(&["spark", ds, script.to_str().unwrap()])
    };
    let out = run(&["render", results.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (own, serde_json::from_slice(&out.stdout).unwrap())
}

fn assert_engine_figures(own: &Value, report: &Value) {
    let s = &report["summary"];
    assert_eq!(own["calls"], s["calls"]);
    assert!(close(
        own["cost"].as_f64().unwrap(),
        s["cost_usd"].as_f64().unwrap()
    ));
    assert!(close(
        own["p50"].as_f64().unwrap(),
        s["latency_s"]["p50"].as_f64().unwrap()
    ));
    assert!(close(
        own["p95"].as_f64().unwrap(),
        s["latency_s"]["p95"].as_f64().unwrap()
    ));
    for r in report["by_model"].as_array().unwrap() {
        let m = &own["by_model"][r["key"].as_str().unwrap()];
        assert_eq!(m[0], r["calls"], "{}", r["key"]);
        assert!(close(
            m[1].as_f64().unwrap(),
            r["cost_usd"].as_f64().unwrap()
        ));
    }
    // UTC days: the partitions.
    for r in report["by_day"].as_array().unwrap() {
        let d = &own["by_day"][r["key"].as_str().unwrap()];
        assert_eq!(d[0], r["calls"], "{}", r["key"]);
        assert!(close(
            d[1].as_f64().unwrap(),
            r["cost_usd"].as_f64().unwrap()
        ));
    }
}

const SQL_SECTIONS: [&str; 11] = [
    "errors_by_kind",
    "by_model",
    "by_type",
    "by_provider",
    "by_source",
    "by_project",
    "by_user",
    "users_total",
    "by_day",
    "by_hour",
    "top_calls",
];

#[test]
fn the_sql_on_duckdb_gives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let logs = sample_logs(dir.path());
    let ds = dir.path().join("ds");
    let (logs, ds) = (logs.to_str().unwrap(), ds.to_str().unwrap());
    export(&[logs, "--to", ds]);
    let reference = analyze_json(&[logs, "--tz", "UTC"]);
    let (own, rendered) = sql_then_render("duckdb", ds, &dir.path().join("results"));
    assert_engine_figures(&own, &reference);
    assert_same_report(&reference, &rendered, &SQL_SECTIONS);
    let (a, b) = (&reference["summary"], &rendered["summary"]);
    for k in [
        "calls",
        "cost_usd",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "success_rate",
        "errors",
        "cache_hit_rate",
        "latency_s",
        "first_call",
        "last_call",
        "days",
    ] {
        assert_same_report(a, b, &[k]);
    }
    // The table renders too, and says what SQL results cannot hold.
    let out = run(&[
        "render",
        dir.path().join("results").to_str().unwrap(),
        "--format",
        "table",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gpt-4o") && text.contains("rendered from SQL results"),
        "{text}"
    );
    // The dashboard drawn from the results says what the one drawn from the calls says.
    let svg_texts = |path: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.is_text())
            .map(|n| n.text().unwrap().trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let from_results = dir.path().join("render.svg");
    let from_calls = dir.path().join("dashboard.svg");
    let results = dir.path().join("results");
    let out = run(&[
        "render",
        results.to_str().unwrap(),
        "-o",
        from_results.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "dashboard",
        ds,
        "--tz",
        "UTC",
        "-o",
        from_calls.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (svg_texts(&from_results), svg_texts(&from_calls));
    assert!(a.len() > 100, "{a:?}");
    for t in a.iter().filter(|t| !t.contains("from SQL results")) {
        assert!(
            b.contains(t),
            "{t:?} is on the rendered dashboard, not on llmlog's"
        );
    }
    assert!(a.iter().any(|t| t == "11-05") && a.iter().any(|t| t == "claude-sonnet-4-5"));

    // A missing result is named.
    std::fs::remove_file(dir.path().join("results/by_hour.json")).unwrap();
    let out = run(&["render", dir.path().join("results").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("by_hour"));
}

#[test]
fn the_sql_on_spark_gives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let logs = sample_logs(dir.path());
    let ds = dir.path().join("ds");
    let (logs, ds) = (logs.to_str().unwrap(), ds.to_str().unwrap());
    export(&[logs, "--to", ds]);
    let reference = analyze_json(&[logs, "--tz", "UTC"]);
    let (own, rendered) = sql_then_render("spark", ds, &dir.path().join("results"));
    assert_engine_figures(&own, &reference);
    assert_same_report(&reference, &rendered, &SQL_SECTIONS);
    for k in [
        "calls",
        "cost_usd",
        "errors",
        "latency_s",
        "first_call",
        "last_call",
    ] {
        assert_same_report(&reference["summary"], &rendered["summary"], &[k]);
    }
}

/// A moto S3 server on a free local port, stopped when dropped.
struct S3Server(std::process::Child, String);

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn s3_server() -> S3Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(python())
        .args([
            "-c",
            "import sys; from moto.server import main; sys.exit(main(sys.argv[1:]))",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto");
    let endpoint = format!("http://127.0.0.1:{port}");
    let server = S3Server(child, endpoint.clone());
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("moto did not start on {endpoint}");
}

#[test]
fn export_to_s3_and_analyze_from_it() {
    let server = s3_server();
    engines(&["bucket", &server.1, "llm-logs"]);
    let dir = tempfile::tempdir().unwrap();
    let logs = sample_logs(dir.path());
    let logs = logs.to_str().unwrap();
    // Credentials from a profile file, as the AWS tools keep them; none on the command line.
    let aws = dir.path().join("aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[default]\naws_access_key_id = nobody\n\n[ci]\naws_access_key_id = test\naws_secret_access_key = s3cr3t-key\n",
    )
    .unwrap();
    std::fs::write(aws.join("config"), "[profile ci]\nregion = us-east-1\n").unwrap();
    let s3 = |args: &[&str]| {
        let mut c = llmlog();
        for k in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            c.env_remove(k);
        }
        c.env("AWS_ENDPOINT_URL", &server.1)
            .env("AWS_PROFILE", "ci")
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
            .env("AWS_CONFIG_FILE", aws.join("config"))
            .args(args)
            .output()
            .unwrap()
    };
    let to = "s3://llm-logs/fleet/calls";
    let out = s3(&["export", logs, "--to", to, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["calls"], 4200);
    let out = s3(&["export", logs, "--to", to, "--format", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["calls"], 0);

    let out = s3(&["analyze", to, "--format", "json", "--tz", "UTC"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_s3: Value = serde_json::from_slice(&out.stdout).unwrap();
    let from_logs = analyze_json(&[logs, "--tz", "UTC"]);
    assert_same_report(&from_logs, &from_s3, &CALL_SECTIONS[..12]);
    assert_same_report(&from_logs, &from_s3, &["top_calls"]);
    // The secret is nowhere in what llmlog printed.
    for o in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(o).contains("s3cr3t-key"));
    }
    // A bucket that does not exist is an error naming it.
    let out = s3(&["analyze", "s3://no-such-bucket/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-bucket"));
}

#[test]
fn a_line_still_being_written_waits_and_stray_files_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let all = std::fs::read_to_string(fixture("basic.jsonl")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let app = logs.join("app.jsonl");
    // Three lines, and half of the fourth: the writer is in the middle of it.
    let (head, tail) = lines[3].split_at(40);
    std::fs::write(&app, format!("{}\n{head}", lines[..3].join("\n"))).unwrap();
    let ds = dir.path().join("ds");
    let (logs_s, ds_s) = (logs.to_str().unwrap(), ds.to_str().unwrap());
    let out = run(&["export", logs_s, "--to", ds_s, "--format", "json"]);
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["calls"], 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no newline yet"));
    // The writer finishes the line and writes two more.
    std::fs::write(
        &app,
        format!(
            "{}\n{head}{tail}\n{}\n",
            lines[..3].join("\n"),
            lines[4..6].join("\n")
        ),
    )
    .unwrap();
    assert_eq!(export(&[logs_s, "--to", ds_s])["calls"], 3);
    let r = analyze_json(&[ds_s, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    approx(&r["summary"]["cost_usd"], 0.06125);

    // A Parquet file no manifest lists (an export cut short) is not read.
    let day = ds.join("date=2026-11-02");
    let part = std::fs::read_dir(&day)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&part, day.join("part-0000000000000000.parquet")).unwrap();
    let out = run(&["analyze", ds_s, "--format", "json"]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["calls"], 6);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no manifest lists"));
    // The manifests are never read as logs, even with the dataset inside the logs' folder.
    let inside = logs.join("ds");
    export(&[logs_s, "--to", inside.to_str().unwrap()]);
    let r = analyze_json(&[logs_s, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], 6);
    assert_eq!(r["meta"]["files"].as_array().unwrap().len(), 1);
}

#[test]
fn machines_exporting_to_one_dataset_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let ds_s = ds.to_str().unwrap();
    for (writer, file) in [("web-1", "basic.jsonl"), ("web-2", "ties.jsonl")] {
        let out = llmlog()
            .env("LLMLOG_WRITER", writer)
            .args(["export", &fixture(file), "--to", ds_s, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
    }
    let both = analyze_json(&[
        &fixture("basic.jsonl"),
        &fixture("ties.jsonl"),
        "--tz",
        "UTC",
    ]);
    let r = analyze_json(&[ds_s, "--tz", "UTC"]);
    assert_eq!(r["summary"]["calls"], both["summary"]["calls"]);
    assert!(close(
        r["summary"]["cost_usd"].as_f64().unwrap(),
        both["summary"]["cost_usd"].as_f64().unwrap()
    ));
    let files: Vec<&str> = r["meta"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].starts_with("web-1:") && files[0].ends_with("basic.jsonl"),
        "{files:?}"
    );
    assert!(
        files[1].starts_with("web-2:") && files[1].ends_with("ties.jsonl"),
        "{files:?}"
    );
}
