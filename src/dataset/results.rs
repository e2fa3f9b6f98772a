//! The results of `llmlog sql`, as an engine wrote them (JSON lines: DuckDB one file per query,
//! Spark a folder of part files per query) → llmlog's report, for its renderers. Only the
//! sections the SQL computes are filled; the rest say so in the warnings.

use super::sql::{result_names, BREAKDOWNS};
use crate::normalize::timestamp::format_local;
use crate::report::*;
use anyhow::{anyhow, bail, Context, Result};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

type Obj = Map<String, Value>;

/// The rows of one result: `dir/name.json`, or the part files of `dir/name/`.
fn rows(dir: &Path, name: &str) -> Result<Vec<Obj>> {
    let file = dir.join(format!("{name}.json"));
    let folder = dir.join(name);
    let mut texts = Vec::new();
    if file.is_file() {
        texts.push((file.clone(), std::fs::read_to_string(&file)?));
    } else if folder.is_dir() {
        let mut parts: Vec<_> = std::fs::read_dir(&folder)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !n.starts_with('.')
                    && !n.starts_with('_')
                    && (n.ends_with(".json") || n.starts_with("part-"))
            })
            .collect();
        parts.sort();
        for p in parts {
            let t =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            texts.push((p, t));
        }
    } else {
        bail!(
            "{}: no result `{name}` ({name}.json or {name}/); run the script from `llmlog sql` with its results going here",
            dir.display()
        );
    }
    let mut out = Vec::new();
    for (path, text) in texts {
        let trimmed = text.trim_start();
        // DuckDB can also write one JSON array.
        if trimmed.starts_with('[') {
            let v: Vec<Obj> = serde_json::from_str(trimmed)
                .with_context(|| format!("{}: not a JSON array of objects", path.display()))?;
            out.extend(v);
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Obj = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a JSON object", path.display(), i + 1))?;
            out.push(v);
        }
    }
    Ok(out)
}

fn f(o: &Obj, k: &str) -> Option<f64> {
    match o.get(k)? {
        Value::Number(n) => n.as_f64(),
        // Engines that write decimals or big integers as strings.
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn u(o: &Obj, k: &str) -> u64 {
    f(o, k).map_or(0, |v| v.max(0.0).round() as u64)
}

fn s(o: &Obj, k: &str) -> String {
    match o.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "(none)".into(),
        Some(v) => v.to_string(),
    }
}

fn row(o: &Obj, total_cost: f64) -> Row {
    let calls = u(o, "calls");
    let cost = f(o, "cost_usd").unwrap_or(0.0);
    Row {
        key: s(o, "key"),
        keys: Vec::new(),
        calls,
        cost_usd: cost,
        share: if total_cost > 0.0 {
            cost / total_cost
        } else {
            0.0
        },
        avg_cost_usd: if calls > 0 { cost / calls as f64 } else { 0.0 },
        input_tokens: u(o, "input_tokens"),
        output_tokens: u(o, "output_tokens"),
        cached_tokens: u(o, "cached_tokens"),
        success_rate: f(o, "success_rate"),
        errors: u(o, "errors"),
        p50_s: f(o, "p50_s"),
        p95_s: f(o, "p95_s"),
    }
}

fn by_cost(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.calls.cmp(&a.calls))
            .then_with(|| a.key.cmp(&b.key))
    });
}

fn day_number(s: &str) -> Option<i32> {
    super::partition_day(&format!("date={s}"))
}

/// The dashboard's series from the `cost_over_time` and `latency_histogram` results.
pub fn dashboard(dir: &Path, report: &Report) -> Result<crate::report::dashboard::DashboardData> {
    use crate::report::dashboard::{assemble, CostCell, LATENCY_EDGES};
    let cells: Vec<CostCell> = rows(dir, "cost_over_time")?
        .iter()
        .filter_map(|o| {
            Some(CostCell {
                day: day_number(o.get("day")?.as_str()?)? as i64,
                hour: u(o, "hour") as i64,
                model: s(o, "model"),
                cost: f(o, "cost_usd").unwrap_or(0.0),
            })
        })
        .collect();
    let hist = rows(dir, "latency_histogram")?;
    let counts: Vec<u64> = (0..LATENCY_EDGES.len())
        .map(|i| hist.first().map_or(0, |h| u(h, &format!("bin{i}"))))
        .collect();
    Ok(assemble(&cells, &counts, report))
}

pub fn report(dir: &Path, tz: Tz, top_n: u32, now_ms: i64) -> Result<Report> {
    if !dir.is_dir() {
        bail!(
            "{}: not a folder of results (run the script from `llmlog sql` first)",
            dir.display()
        );
    }
    let mut got: BTreeMap<&str, Vec<Obj>> = BTreeMap::new();
    for name in result_names() {
        if name == "cost_over_time" || name == "latency_histogram" {
            continue; // the dashboard's, read by `dashboard`
        }
        got.insert(name, rows(dir, name)?);
    }
    let t = got["summary"]
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("{}: the summary result is empty", dir.display()))?;
    let calls = u(&t, "calls");
    let cost = f(&t, "cost_usd").unwrap_or(0.0);
    let (first_ms, last_ms) = (
        f(&t, "first_ms").map(|v| v as i64),
        f(&t, "last_ms").map(|v| v as i64),
    );
    let first_day = t
        .get("first_day")
        .and_then(Value::as_str)
        .and_then(day_number);
    let last_day = t
        .get("last_day")
        .and_then(Value::as_str)
        .and_then(day_number);
    let days = match (first_day, last_day) {
        (Some(a), Some(b)) if b >= a => (b - a + 1) as u64,
        _ => 0,
    };
    let mut breakdowns: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
    for (name, _) in BREAKDOWNS {
        let mut v: Vec<Row> = got[name].iter().map(|o| row(o, cost)).collect();
        by_cost(&mut v);
        breakdowns.insert(name, v);
    }
    let mut take = |n: &str| breakdowns.remove(n).unwrap_or_default();
    let mut by_day = take("by_day");
    by_day.sort_by(|a, b| a.key.cmp(&b.key));
    let hours = take("by_hour");
    let by_hour = (0..24)
        .map(|h| {
            let key = format!("{h:02}");
            hours.iter().find(|r| r.key == key).cloned().unwrap_or(Row {
                key,
                keys: Vec::new(),
                calls: 0,
                cost_usd: 0.0,
                share: 0.0,
                avg_cost_usd: 0.0,
                input_tokens: 0,
                output_tokens: 0,
                cached_tokens: 0,
                success_rate: None,
                errors: 0,
                p50_s: None,
                p95_s: None,
            })
        })
        .collect();
    let mut by_user = take("by_user");
    by_user.truncate(top_n as usize);
    let month = match (last_day, last_ms) {
        (Some(ld), Some(lms)) => Some(month(&by_day, ld, lms, now_ms, tz)),
        _ => None,
    };
    let mut errors_by_kind: Vec<KeyCount> = got["errors_by_kind"]
        .iter()
        .map(|o| KeyCount {
            key: s(o, "key"),
            calls: u(o, "calls"),
        })
        .collect();
    errors_by_kind.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    let mut top: Vec<CallRow> = got["top_calls"]
        .iter()
        .map(|o| CallRow {
            file: s(o, "file"),
            line: u(o, "line"),
            time: f(o, "time_ms").map_or_else(String::new, |m| format_local(m as i64, tz)),
            model: s(o, "model"),
            call_type: s(o, "type"),
            user: s(o, "user"),
            input_tokens: u(o, "input_tokens"),
            output_tokens: u(o, "output_tokens"),
            cost_usd: f(o, "cost_usd").unwrap_or(0.0),
            latency_s: f(o, "latency_s"),
            model_median_usd: None,
            ratio: None,
        })
        .collect();
    top.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then_with(|| a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
    });
    top.truncate(top_n as usize);
    let latency_calls = u(&t, "latency_calls");
    let summary = Summary {
        calls,
        cost_usd: cost,
        avg_cost_usd: (calls > 0).then(|| cost / calls as f64),
        input_tokens: u(&t, "input_tokens"),
        output_tokens: u(&t, "output_tokens"),
        cached_tokens: u(&t, "cached_tokens"),
        cache_write_tokens: u(&t, "cache_write_tokens"),
        reasoning_tokens: u(&t, "reasoning_tokens"),
        success_rate: f(&t, "success_rate"),
        errors: u(&t, "errors"),
        cache_hit_rate: f(&t, "cache_hit_rate"),
        latency_s: Latency {
            calls: latency_calls,
            p50: f(&t, "p50"),
            p90: f(&t, "p90"),
            p95: f(&t, "p95"),
            p99: f(&t, "p99"),
            max: f(&t, "latency_max"),
            mean: f(&t, "latency_mean"),
        },
        ttft_s: None,
        first_call: first_ms.map(|m| format_local(m, tz)),
        last_call: last_ms.map(|m| format_local(m, tz)),
        days,
        avg_cost_per_day_usd: (days > 0).then(|| cost / days as f64),
        month,
    };
    let slow = u(&t, "slow_calls");
    Ok(Report {
        meta: Meta {
            version: env!("CARGO_PKG_VERSION"),
            timezone: tz.name().to_string(),
            files: vec![dir.display().to_string()],
            agents: Vec::new(),
            bytes_read: 0,
            lines_read: 0,
            since: None,
            until: None,
            filters: Vec::new(),
            top_n,
        },
        summary,
        errors_by_kind,
        by_model: take("by_model"),
        by_type: take("by_type"),
        by_provider: take("by_provider"),
        by_source: take("by_source"),
        by_project: take("by_project"),
        by_user,
        users_total: u(&t, "users"),
        by_day,
        by_hour,
        by: None,
        top_calls: top,
        quality: Vec::new(),
        outliers: Outliers {
            rule: "not computed from SQL results (llmlog analyze DATASET has them)".into(),
            count: 0,
            calls: Vec::new(),
        },
        findings: Default::default(),
        slow_calls: SlowCalls {
            threshold_s: super::SLOW_THRESHOLD_S,
            count: slow,
            share: (latency_calls > 0).then(|| slow as f64 / latency_calls as f64),
        },
        skipped: SkippedReport {
            lines: 0,
            by_reason: BTreeMap::new(),
            examples: Vec::new(),
            duplicates: 0,
            duplicate_examples: Vec::new(),
            reused_ids: 0,
            reused_id_examples: Vec::new(),
            not_calls: 0,
            not_call_reasons: BTreeMap::new(),
            not_call_examples: Vec::new(),
        },
        pricing: PricingReport {
            source: "as exported (the dataset's `pricing` column)".into(),
            priced_calls: u(&t, "priced_calls"),
            unpriced_calls: u(&t, "unpriced_calls"),
            unpriced_models: Vec::new(),
        },
        rate_limits: Vec::new(),
        budgets: Vec::new(),
        trend: crate::budget::evaluate::trend(
            &by_day_costs(&take_days(&got, cost)),
            crate::normalize::timestamp::Zone::new(tz).local_day_hour(now_ms).0,
        ),
        warnings: vec![format!(
            "rendered from SQL results in {}: outliers, anomalies, loops, quality and budgets are not part of them (llmlog analyze on the dataset has everything)",
            dir.display()
        )],
    })
}

fn take_days(got: &BTreeMap<&str, Vec<Obj>>, cost: f64) -> Vec<Row> {
    got["by_day"].iter().map(|o| row(o, cost)).collect()
}

fn by_day_costs(rows: &[Row]) -> Vec<(i32, f64)> {
    rows.iter()
        .filter_map(|r| day_number(&r.key).map(|d| (d, r.cost_usd)))
        .collect()
}

/// The last call's month, as `report` projects it: spent so far, and the month at that rate.
fn month(by_day: &[Row], last_day: i32, last_ms: i64, now_ms: i64, tz: Tz) -> MonthProjection {
    use crate::budget::{window::window_of, Period};
    use crate::normalize::timestamp::{date_of, local_midnight_ms};
    let (start, end) = window_of(Period::Monthly, last_day);
    let so_far: f64 = by_day
        .iter()
        .filter(|r| day_number(&r.key).is_some_and(|d| d >= start && d <= end))
        .map(|r| r.cost_usd)
        .sum();
    let days_in_month = (end - start + 1) as u32;
    let start_ms = local_midnight_ms(start, tz);
    let end_ms = local_midnight_ms(end + 1, tz);
    let reference = now_ms.max(last_ms).min(end_ms);
    let elapsed = ((reference - start_ms) as f64 / 86_400_000.0).clamp(1.0, days_in_month as f64);
    MonthProjection {
        month: date_of(start).format("%Y-%m").to_string(),
        cost_so_far_usd: so_far,
        days_elapsed: elapsed,
        days_in_month,
        projected_usd: so_far / elapsed * days_in_month as f64,
    }
}
