//! The report: plain serde structs that renderers see, and the one place that runs the queries.
//! JSON output is this model serialized; `schemas/report.schema.json` documents it.

use crate::budget::window::window_of;
use crate::budget::Period;
use crate::budget::{self, Budget, BudgetReport, DayCost, Trend};
use crate::engine::{breakdown, budget_usage, filter::Filters, outliers, summary};
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::{date_of, day_to_string, format_local, local_midnight_ms};
use crate::scan::{Problem, Scan};
pub mod anomalies;
pub mod buckets;
pub mod dashboard;
pub mod html;
pub mod type_days;

use anyhow::Result;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub meta: Meta,
    pub summary: Summary,
    pub errors_by_kind: Vec<KeyCount>,
    pub by_model: Vec<Row>,
    pub by_type: Vec<Row>,
    pub by_provider: Vec<Row>,
    /// By the adapter that read the calls (`app`, `claude_code`, `codex`, …).
    pub by_source: Vec<Row>,
    pub by_project: Vec<Row>,
    /// The top users by cost (see `meta.top_n`); `users_total` counts them all.
    pub by_user: Vec<Row>,
    pub users_total: u64,
    pub by_day: Vec<Row>,
    /// All 24 hours of the day, 00 to 23, in the report's time zone.
    pub by_hour: Vec<Row>,
    /// The `--by` grouping, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Grouping>,
    pub top_calls: Vec<CallRow>,
    /// Cost against quality per model and type, where calls log a quality score, a rating or
    /// correctness (`quality_score`, `user_rating`, `correct` and their aliases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<QualityRow>,
    pub outliers: Outliers,
    /// Anomalous hours and days with their drivers, runaway loops, steps in cost per call
    /// (analyze and dashboard; empty for the commands that only need totals).
    #[serde(flatten)]
    pub findings: anomalies::Findings,
    pub slow_calls: SlowCalls,
    pub skipped: SkippedReport,
    pub pricing: PricingReport,
    /// The latest rate-limit reading per source and window (Codex's primary / secondary).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<RateLimitReport>,
    /// Configured and --budget budgets, evaluated at `now`.
    pub budgets: Vec<BudgetReport>,
    /// Cost of the 7 days up to now against the 7 before.
    pub trend: Trend,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub version: &'static str,
    pub timezone: String,
    pub files: Vec<String>,
    /// `--agents`: the agent log locations found on this machine.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<AgentRootReport>,
    pub bytes_read: u64,
    pub lines_read: u64,
    pub since: Option<String>,
    pub until: Option<String>,
    pub filters: Vec<String>,
    pub top_n: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateLimitReport {
    pub source: String,
    pub window: String,
    pub used_percent: f64,
    pub window_minutes: Option<f64>,
    pub resets_at: Option<String>,
    /// When it was read (the call that reported it).
    pub as_of: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentRootReport {
    pub agent: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub calls: u64,
    pub cost_usd: f64,
    pub avg_cost_usd: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub success_rate: Option<f64>,
    pub errors: u64,
    /// Share of calls flagged as cache hits, among calls that say either way.
    pub cache_hit_rate: Option<f64>,
    pub latency_s: Latency,
    /// Time to the first token, over the calls whose source logs it (Langfuse, OpenRouter,
    /// Vercel-style `msToFirstChunk`); absent when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttft_s: Option<Ttft>,
    pub first_call: Option<String>,
    pub last_call: Option<String>,
    /// Calendar days from the first call's to the last call's, inclusive.
    pub days: u64,
    pub avg_cost_per_day_usd: Option<f64>,
    pub month: Option<MonthProjection>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ttft {
    pub calls: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Calls that logged a latency; the percentiles are over these.
    pub calls: u64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
}

/// The month of the last call: spent so far, and the month's total at the same daily rate.
#[derive(Debug, Clone, Serialize)]
pub struct MonthProjection {
    pub month: String,
    pub cost_so_far_usd: f64,
    pub days_elapsed: f64,
    pub days_in_month: u32,
    pub projected_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyCount {
    pub key: String,
    pub calls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub key: String,
    /// With several --by fields: each field's value (`key` joins them with " / ").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    pub calls: u64,
    pub cost_usd: f64,
    /// This row's share of the total cost (0..1).
    pub share: f64,
    pub avg_cost_usd: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub success_rate: Option<f64>,
    pub errors: u64,
    pub p50_s: Option<f64>,
    pub p95_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grouping {
    pub fields: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallRow {
    pub file: String,
    pub line: u64,
    pub time: String,
    pub model: String,
    #[serde(rename = "type")]
    pub call_type: String,
    pub user: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub latency_s: Option<f64>,
    /// For outliers: the model's median cost per call and this call's multiple of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_median_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityRow {
    pub model: String,
    #[serde(rename = "type")]
    pub call_type: String,
    /// Calls that logged a quality or correctness.
    pub calls: u64,
    pub cost_usd: f64,
    /// Calls with a quality (0–1), and their mean.
    pub rated_calls: u64,
    pub avg_quality: Option<f64>,
    /// Calls that logged correctness, and the share correct.
    pub judged_calls: u64,
    pub correct_calls: u64,
    pub share_correct: Option<f64>,
    /// Cost of the judged calls over the correct ones.
    pub cost_per_correct_usd: Option<f64>,
    /// Cost of the rated calls over the sum of their quality.
    pub cost_per_quality_point_usd: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outliers {
    pub rule: String,
    pub count: u64,
    pub calls: Vec<CallRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlowCalls {
    pub threshold_s: f64,
    pub count: u64,
    /// Share of the calls that logged a latency.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedReport {
    /// Unusable lines (not JSON, no timestamp, negative values…); never counted as calls.
    pub lines: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub examples: Vec<Problem>,
    /// The same call logged again (same request id and content, or the same line in another
    /// file); counted once.
    pub duplicates: u64,
    pub duplicate_examples: Vec<Problem>,
    /// Request ids used for more than one distinct call: every such call is counted.
    pub reused_ids: u64,
    pub reused_id_examples: Vec<Problem>,
    /// Lines that are not calls: a shape's own non-call lines (Claude Code user turns, say), and
    /// lines naming no model, tokens, cost, latency or outcome. Never errors.
    pub not_calls: u64,
    pub not_call_reasons: BTreeMap<&'static str, u64>,
    pub not_call_examples: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PricingReport {
    /// Where rates come from: the genai-prices database (version) and any override files.
    pub source: String,
    /// Calls priced from the rates (no logged cost, or --reprice).
    pub priced_calls: u64,
    /// Calls with tokens but neither a logged cost nor a known price: left out of cost, not zero.
    pub unpriced_calls: u64,
    pub unpriced_models: Vec<UnpricedModel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnpricedModel {
    pub model: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// What to compute beyond the defaults.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub tz: Tz,
    pub filters: Filters,
    pub filter_labels: Vec<String>,
    pub by: Option<Vec<String>>,
    pub top_n: u32,
    pub outlier_factor: f64,
    pub outlier_min_calls: u32,
    pub slow_threshold_s: f64,
    pub now_ms: i64,
    pub budgets: Vec<Budget>,
    /// Look for anomalies, loops and steps (None: skip them).
    pub findings: Option<anomalies::FindingOptions>,
}

impl ReportOptions {
    /// Defaults for commands that only need totals and budgets (`budget status`, `check`).
    pub fn for_budgets(s: &crate::config::Settings) -> ReportOptions {
        ReportOptions {
            tz: s.tz,
            filters: s.filters.clone(),
            filter_labels: s.filter_labels.clone(),
            by: None,
            top_n: 10,
            outlier_factor: 10.0,
            outlier_min_calls: 20,
            slow_threshold_s: 5.0,
            now_ms: s.now_ms,
            budgets: s.budgets.clone(),
            findings: None,
        }
    }
}

/// Dimension codes → display names.
/// Codes → names: the dictionary, and the input files (for the `file` column).
struct Names<'a>(&'a [String], &'a [String]);

impl Names<'_> {
    fn of(&self, column: &str, v: Option<i64>) -> String {
        match (column, v) {
            (_, None) => "(none)".into(),
            (c::HOUR, Some(h)) => format!("{h:02}"),
            (c::DAY, Some(d)) => day_to_string(d as i32),
            (c::FILE, Some(f)) => self
                .1
                .get(f as usize)
                .cloned()
                .unwrap_or_else(|| "?".into()),
            (_, Some(0)) => "(none)".into(),
            (_, Some(code)) => self
                .0
                .get(code as usize)
                .cloned()
                .unwrap_or_else(|| "?".into()),
        }
    }
}

pub fn build(scan: &Scan, opts: &ReportOptions) -> Result<Report> {
    let lf = opts
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    // The findings (periods, loops, steps) are independent of the rest and a third of the
    // queries' time: they run beside it, so both cores stay busy.
    std::thread::scope(|s| {
        let findings = s.spawn(|| match &opts.findings {
            Some(f) => anomalies::build(scan, lf.clone(), opts.tz, f),
            None => Ok(anomalies::Findings::default()),
        });
        let report = build_rest(scan, opts, lf.clone());
        let findings = findings
            .join()
            .map_err(|_| anyhow::anyhow!("the findings' queries failed"))??;
        let mut report = report?;
        report.findings = findings;
        Ok(report)
    })
}

fn build_rest(scan: &Scan, opts: &ReportOptions, lf: LazyFrame) -> Result<Report> {
    let mut stages = Stages::new();
    let names = Names(&scan.names, &scan.files);
    let mut warnings = Vec::new();

    let t = summary::totals(lf.clone(), opts.slow_threshold_s).collect()?;
    let lq = whole_quantiles(lf.clone(), c::LATENCY, &[0.50, 0.90, 0.95, 0.99])?;
    let tq = whole_quantiles(lf.clone(), c::TTFT, &[0.50, 0.95, 0.99])?;
    stages.mark("totals");
    let calls = u64_at(&t, "calls")?.unwrap_or(0);
    let cost = f64_at(&t, "cost_usd")?.unwrap_or(0.0);
    let first_ms = i64_at(&t, "first_ms")?;
    let last_ms = i64_at(&t, "last_ms")?;
    let first_day = i64_at(&t, "first_day")?;
    let last_day = i64_at(&t, "last_day")?;
    let days = match (first_day, last_day) {
        (Some(a), Some(b)) => (b - a + 1) as u64,
        _ => 0,
    };
    let latency_calls = u64_at(&t, "latency_calls")?.unwrap_or(0);
    let slow = u64_at(&t, "slow_calls")?.unwrap_or(0);

    let month = match (last_day, last_ms) {
        (Some(ld), Some(lms)) => Some(month_projection(lf.clone(), ld as i32, lms, opts)?),
        _ => None,
    };
    stages.mark("month");

    let summary = Summary {
        calls,
        cost_usd: cost,
        avg_cost_usd: (calls > 0).then(|| cost / calls as f64),
        input_tokens: u64_at(&t, "input_tokens")?.unwrap_or(0),
        output_tokens: u64_at(&t, "output_tokens")?.unwrap_or(0),
        cached_tokens: u64_at(&t, "cached_tokens")?.unwrap_or(0),
        cache_write_tokens: u64_at(&t, "cache_write_tokens")?.unwrap_or(0),
        reasoning_tokens: u64_at(&t, "reasoning_tokens")?.unwrap_or(0),
        success_rate: f64_at(&t, "success_rate")?,
        errors: u64_at(&t, "errors")?.unwrap_or(0),
        cache_hit_rate: f64_at(&t, "cache_hit_rate")?,
        latency_s: Latency {
            calls: latency_calls,
            p50: lq[0],
            p90: lq[1],
            p95: lq[2],
            p99: lq[3],
            max: f64_at(&t, "latency_max")?,
            mean: f64_at(&t, "latency_mean")?,
        },
        ttft_s: match u64_at(&t, "ttft_calls")?.unwrap_or(0) {
            0 => None,
            n => Some(Ttft {
                calls: n,
                p50: tq[0],
                p95: tq[1],
                p99: tq[2],
            }),
        },
        first_call: first_ms.map(|m| format_local(m, opts.tz)),
        last_call: last_ms.map(|m| format_local(m, opts.tz)),
        days,
        avg_cost_per_day_usd: (days > 0).then(|| cost / days as f64),
        month,
    };

    let errs = summary::errors_by_kind(lf.clone()).collect()?;
    stages.mark("errors");
    let errors_by_kind = {
        let keys = i64_col(&errs, c::ERROR_KIND)?;
        let n = u64_col(&errs, "calls")?;
        let mut v: Vec<KeyCount> = keys
            .into_iter()
            .zip(n)
            .map(|(k, n)| KeyCount {
                key: names.of(c::ERROR_KIND, k),
                calls: n.unwrap_or(0),
            })
            .collect();
        // Ties by name, not by dictionary code (which depends on thread timing).
        v.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
        v
    };

    let rows = |keys: &[&str]| -> Result<Vec<Row>> {
        let df = breakdown::by(lf.clone(), keys).collect()?;
        let mut rows = rows_of(&df, keys, &names, cost)?;
        // Ties by the key's text, not its dictionary code (which depends on which thread saw
        // the string first): the same input gives the same order on every run.
        rows.sort_by(|a, b| {
            b.cost_usd
                .total_cmp(&a.cost_usd)
                .then(b.calls.cmp(&a.calls))
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(rows)
    };
    // The eight breakdowns in one plan: polars runs them side by side.
    let dims = [
        c::MODEL,
        c::TYPE,
        c::PROVIDER,
        c::SOURCE,
        c::PROJECT,
        c::USER,
        c::DAY,
        c::HOUR,
    ];
    let frames = breakdowns(lf.clone(), &dims)?;
    stages.mark("breakdowns");
    let latency = group_latencies(lf.clone(), &dims, [lq[0], lq[2]])?;
    stages.mark("latencies");
    let mut all: Vec<Vec<Row>> = Vec::with_capacity(dims.len());
    for ((d, df), lat) in dims.iter().zip(&frames).zip(&latency) {
        let mut rows = rows_of(df, &[d], &names, cost)?;
        for (row, key) in rows.iter_mut().zip(i64_col(df, d)?) {
            if let Some(q) = key.and_then(|k| lat.get(&k)) {
                (row.p50_s, row.p95_s) = (q[0], q[1]);
            }
        }
        rows.sort_by(|a, b| {
            b.cost_usd
                .total_cmp(&a.cost_usd)
                .then(b.calls.cmp(&a.calls))
                .then_with(|| a.key.cmp(&b.key))
        });
        all.push(rows);
    }
    let mut all = all.into_iter();
    let mut next = || all.next().unwrap_or_default();
    let by_model = next();
    let by_type = next();
    let by_provider = next();
    let by_source = next();
    let by_project = next();
    let mut by_user = next();
    let users_total = by_user.len() as u64;
    by_user.truncate(opts.top_n as usize);
    let mut by_day = next();
    by_day.sort_by(|a, b| a.key.cmp(&b.key));
    let by_hour = all_hours(next());

    let by = match &opts.by {
        None => None,
        Some(fields) => {
            let cols: Vec<&str> = fields
                .iter()
                .map(|f| crate::engine::filter::column_for(f))
                .collect::<Result<_>>()?;
            let mut rows = rows(&cols)?;
            if cols.iter().all(|c| *c == c::DAY || *c == c::HOUR) {
                rows.sort_by(|a, b| a.key.cmp(&b.key));
            }
            Some(Grouping {
                fields: fields.clone(),
                rows,
            })
        }
    };

    let quality = quality_rows(lf.clone(), &names)?;
    stages.mark("by+quality");
    let findings = anomalies::Findings::default(); // filled in by `build`
    let top = outliers::top_calls(lf.clone(), opts.top_n).collect()?;
    let top_calls = call_rows(&top, scan, &names, opts.tz)?;
    let medians = model_medians(lf.clone(), opts.outlier_min_calls)?;
    let mut outlier_calls = match f64_col(&medians, "model_median")?
        .into_iter()
        .flatten()
        .reduce(f64::min)
    {
        None => Vec::new(),
        Some(smallest) => {
            let floor = smallest * opts.outlier_factor;
            let out =
                outliers::model_outliers(lf.clone(), medians.lazy(), opts.outlier_factor, floor)
                    .collect()?;
            call_rows(&out, scan, &names, opts.tz)?
        }
    };
    let outlier_count = outlier_calls.len() as u64;
    stages.mark("top+outliers");
    outlier_calls.truncate(opts.top_n as usize);

    let unpriced = summary::unpriced_models(lf.clone()).collect()?;
    let unpriced_models: Vec<UnpricedModel> = {
        let m = i64_col(&unpriced, c::MODEL)?;
        let n = u64_col(&unpriced, "calls")?;
        let i = u64_col(&unpriced, "input_tokens")?;
        let o = u64_col(&unpriced, "output_tokens")?;
        let mut v: Vec<UnpricedModel> = (0..m.len())
            .map(|k| UnpricedModel {
                model: names.of(c::MODEL, m[k]),
                calls: n[k].unwrap_or(0),
                input_tokens: i[k].unwrap_or(0),
                output_tokens: o[k].unwrap_or(0),
            })
            .collect();
        v.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.model.cmp(&b.model)));
        v
    };
    let unpriced_calls = u64_at(&t, "unpriced_calls")?.unwrap_or(0);
    if unpriced_calls > 0 {
        let list: Vec<String> = unpriced_models.iter().map(|m| m.model.clone()).collect();
        warnings.push(format!(
            "{unpriced_calls} calls have tokens but no cost and no known price (models: {}); their cost is left out of the totals — add prices with --pricing FILE (see llmlog pricing MODEL)",
            list.join(", ")
        ));
    }
    if calls == 0 {
        warnings
            .push("no calls matched: check the paths, the filters and the skipped lines".into());
    }
    if scan.counts.file_timed > 0 {
        warnings.push(format!(
            "{} batch-result calls carry no time of their own: dated by --batch-time if given, else by their file's modification time",
            scan.counts.file_timed
        ));
    }
    for e in &scan.counts.read_errors {
        warnings.push(format!("could not read to the end: {e}"));
    }

    let (budgets, trend) = evaluate_budgets(lf.clone(), &scan.names, &opts.budgets, opts)?;
    stages.mark("unpriced+budgets");
    stages.print();
    for b in &budgets {
        for n in &b.notes {
            warnings.push(format!("budget '{}': {n}", b.name));
        }
    }

    Ok(Report {
        meta: Meta {
            version: env!("CARGO_PKG_VERSION"),
            timezone: opts.tz.name().to_string(),
            files: scan.files.clone(),
            agents: scan
                .agent_roots
                .iter()
                .map(|(a, p)| AgentRootReport {
                    agent: a.clone(),
                    path: p.clone(),
                })
                .collect(),
            bytes_read: scan.counts.bytes,
            lines_read: scan.counts.lines,
            since: opts.filters.since_ms.map(|m| format_local(m, opts.tz)),
            until: opts.filters.until_ms.map(|m| format_local(m, opts.tz)),
            filters: opts.filter_labels.clone(),
            top_n: opts.top_n,
        },
        summary,
        errors_by_kind,
        by_model,
        by_type,
        by_provider,
        by_source,
        by_project,
        by_user,
        users_total,
        by_day,
        by_hour,
        by,
        top_calls,
        quality,
        outliers: Outliers {
            rule: format!(
                "cost > {}x the median cost of the same model (models with at least {} priced calls)",
                opts.outlier_factor, opts.outlier_min_calls
            ),
            count: outlier_count,
            calls: outlier_calls,
        },
        findings,
        slow_calls: SlowCalls {
            threshold_s: opts.slow_threshold_s,
            count: slow,
            share: (latency_calls > 0).then(|| slow as f64 / latency_calls as f64),
        },
        skipped: SkippedReport {
            lines: scan.counts.skipped.lines,
            by_reason: scan.counts.skipped.by_reason.clone(),
            examples: scan.counts.skipped.examples.clone(),
            duplicates: scan.counts.duplicates.count,
            duplicate_examples: scan.counts.duplicates.examples.clone(),
            reused_ids: scan.counts.reused_ids.count,
            reused_id_examples: scan.counts.reused_ids.examples.clone(),
            not_calls: scan.counts.not_calls.count,
            not_call_reasons: scan.counts.not_calls.by_reason.clone(),
            not_call_examples: scan.counts.not_calls.examples.clone(),
        },
        pricing: PricingReport {
            source: scan.pricing_source.clone(),
            priced_calls: u64_at(&t, "priced_calls")?.unwrap_or(0),
            unpriced_calls,
            unpriced_models,
        },
        rate_limits: scan
            .counts
            .rate_limits
            .iter()
            .map(|((source, window), (ts, rl))| RateLimitReport {
                source: source.to_string(),
                window: window.to_string(),
                used_percent: rl.used_percent,
                window_minutes: rl.window_minutes,
                resets_at: rl.resets_at_ms.map(|m| format_local(m, opts.tz)),
                as_of: format_local(*ts, opts.tz),
            })
            .collect(),
        budgets,
        trend,
        warnings,
    })
}

/// The local day `now` falls on.
pub fn day_of_instant(ms: i64, tz: Tz) -> i32 {
    crate::normalize::timestamp::Zone::new(tz)
        .local_day_hour(ms)
        .0
}

/// Every budget at `now`, and the week-on-week trend. Polars sums cost per day (and member);
/// the budget module does the rest as a pure function.
pub fn evaluate_budgets(
    lf: LazyFrame,
    names: &[String],
    budgets: &[Budget],
    opts: &ReportOptions,
) -> Result<(Vec<BudgetReport>, Trend)> {
    let now_day = day_of_instant(opts.now_ms, opts.tz);
    let mut out = Vec::new();
    for b in budgets {
        let df = budget_usage::daily_cost(lf.clone(), b, names)?.collect()?;
        let days = i64_col(&df, c::DAY)?;
        let costs = f64_col(&df, "cost_usd")?;
        let members = if b.per.is_some() {
            Some(i64_col(&df, "member")?)
        } else {
            None
        };
        let per_column = b
            .per
            .as_deref()
            .map(crate::engine::filter::column_for)
            .transpose()?;
        let usage: Vec<DayCost> = (0..df.height())
            .map(|i| DayCost {
                day: days[i].unwrap_or(0) as i32,
                key: members
                    .as_ref()
                    .map(|m| names_of(names, per_column.unwrap_or(""), m[i])),
                cost: costs[i].unwrap_or(0.0),
            })
            .collect();
        out.push(budget::evaluate(b, &usage, opts.now_ms, now_day, opts.tz));
    }
    let by_day = budget_usage::cost_by_day(lf).collect()?;
    let day_costs: Vec<(i32, f64)> = i64_col(&by_day, c::DAY)?
        .into_iter()
        .zip(f64_col(&by_day, "cost_usd")?)
        .map(|(d, c)| (d.unwrap_or(0) as i32, c.unwrap_or(0.0)))
        .collect();
    Ok((out, budget::evaluate::trend(&day_costs, now_day)))
}

/// The display name of a code in `column` (dimension, day, hour or file).
pub fn key_name(scan: &Scan, column: &str, v: Option<i64>) -> String {
    Names(&scan.names, &scan.files).of(column, v)
}

fn names_of(names: &[String], column: &str, v: Option<i64>) -> String {
    Names(names, &[]).of(column, v)
}

/// Spend in the last call's month so far, and that month's total at the same daily rate.
/// Elapsed time runs from the month's start to now (or the last call, if later), at most to the
/// month's end (a finished month projects to itself); it is at least one day, so a month's first
/// hours do not project wildly.
fn month_projection(
    lf: LazyFrame,
    last_day: i32,
    last_ms: i64,
    opts: &ReportOptions,
) -> Result<MonthProjection> {
    let (start_day, end_day) = window_of(Period::Monthly, last_day);
    let days_in_month = (end_day - start_day + 1) as u32;
    let df = summary::cost_between_days(lf, start_day, end_day).collect()?;
    let so_far = f64_at(&df, "cost_usd")?.unwrap_or(0.0);
    let start_ms = local_midnight_ms(start_day, opts.tz);
    let end_ms = local_midnight_ms(end_day + 1, opts.tz);
    // Logs can run ahead of a --now in the past; never count less time than the data covers.
    let reference = opts.now_ms.max(last_ms).min(end_ms);
    let elapsed = ((reference - start_ms) as f64 / 86_400_000.0).clamp(1.0, days_in_month as f64);
    Ok(MonthProjection {
        month: date_of(start_day).format("%Y-%m").to_string(),
        cost_so_far_usd: so_far,
        days_elapsed: elapsed,
        days_in_month,
        projected_usd: so_far / elapsed * days_in_month as f64,
    })
}

/// LLMLOG_TIMING=1: how long each of the report's queries took (beside the findings' thread).
struct Stages {
    on: bool,
    last: std::time::Instant,
    parts: Vec<(&'static str, f64)>,
}

impl Stages {
    fn new() -> Self {
        Stages {
            on: std::env::var_os("LLMLOG_TIMING").is_some(),
            last: std::time::Instant::now(),
            parts: Vec::new(),
        }
    }

    fn mark(&mut self, name: &'static str) {
        // The stage's scratch goes back before the next stage makes its own.
        crate::memory::give_back();
        if self.on {
            let now = std::time::Instant::now();
            self.parts.push((name, (now - self.last).as_secs_f64()));
            self.last = now;
        }
    }

    fn print(&self) {
        if self.on {
            let parts: Vec<String> = self
                .parts
                .iter()
                .map(|(n, t)| format!("{n} {t:.3}s"))
                .collect();
            eprintln!("timing: report: {}", parts.join(", "));
        }
    }
}

fn all_hours(rows: Vec<Row>) -> Vec<Row> {
    (0..24)
        .map(|h| {
            let key = format!("{h:02}");
            rows.iter().find(|r| r.key == key).cloned().unwrap_or(Row {
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
        .collect()
}

fn quality_rows(lf: LazyFrame, names: &Names<'_>) -> Result<Vec<QualityRow>> {
    let df = crate::engine::quality::by_model_type(lf).collect()?;
    let model = i64_col(&df, c::MODEL)?;
    let ty = i64_col(&df, c::TYPE)?;
    let calls = u64_col(&df, "calls")?;
    let cost = f64_col(&df, "cost_usd")?;
    let rated = u64_col(&df, "rated_calls")?;
    let avg = f64_col(&df, "avg_quality")?;
    let points = f64_col(&df, "quality_points")?;
    let rated_cost = f64_col(&df, "rated_cost_usd")?;
    let judged = u64_col(&df, "judged_calls")?;
    let correct = u64_col(&df, "correct_calls")?;
    let judged_cost = f64_col(&df, "judged_cost_usd")?;
    let mut v: Vec<QualityRow> = (0..df.height())
        .map(|i| {
            let judged_n = judged[i].unwrap_or(0);
            let correct_n = correct[i].unwrap_or(0);
            let pts = points[i].unwrap_or(0.0);
            QualityRow {
                model: names.of(c::MODEL, model[i]),
                call_type: names.of(c::TYPE, ty[i]),
                calls: calls[i].unwrap_or(0),
                cost_usd: cost[i].unwrap_or(0.0),
                rated_calls: rated[i].unwrap_or(0),
                avg_quality: avg[i],
                judged_calls: judged_n,
                correct_calls: correct_n,
                share_correct: (judged_n > 0).then(|| correct_n as f64 / judged_n as f64),
                cost_per_correct_usd: (correct_n > 0)
                    .then(|| judged_cost[i].unwrap_or(0.0) / correct_n as f64),
                cost_per_quality_point_usd: (pts > 0.0).then(|| rated_cost[i].unwrap_or(0.0) / pts),
            }
        })
        .collect();
    v.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then_with(|| a.model.cmp(&b.model))
            .then_with(|| a.call_type.cmp(&b.call_type))
    });
    Ok(v)
}

/// Each model's median cost per priced call, for models with at least `min_calls` of them and a
/// positive median: `outliers::model_medians`, computed in one counting pass (polars' grouped
/// median runs on one core).
fn model_medians(lf: LazyFrame, min_calls: u32) -> Result<DataFrame> {
    // The model codes and costs where they lie when the frame is one chunk and every call has a
    // cost; else a copy with NaN for "no cost" (which the median and the count skip). Filtering
    // first, as polars would, copied both columns and then copied them again as keys.
    let mut df = lf.select([col(c::MODEL), col(c::COST)]).collect()?;
    df.rechunk_mut();
    let model = df.column(c::MODEL)?.u32()?;
    let keys: std::borrow::Cow<'_, [u32]> = match (model.null_count(), model.cont_slice()) {
        (0, Ok(s)) => s.into(),
        _ => model.iter().map(|v| v.unwrap_or(0)).collect(),
    };
    let cost = df.column(c::COST)?.f64()?;
    let cost: std::borrow::Cow<'_, [f64]> = match (cost.null_count(), cost.cont_slice()) {
        (0, Ok(s)) => s.into(),
        _ => cost.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
    };
    let mut calls: std::collections::HashMap<i64, u64, foldhash::fast::FixedState> =
        Default::default();
    for (&k, v) in keys.iter().zip(cost.iter()) {
        if !v.is_nan() {
            *calls.entry(i64::from(k)).or_default() += 1;
        }
    }
    let medians = crate::engine::percentiles::quantiles_by(&keys, &cost, &[0.5]);
    let mut rows: Vec<(u32, f64, u64)> = medians
        .iter()
        .filter_map(|(&k, q)| {
            let n = calls.get(&k).copied().unwrap_or(0);
            let m = q[0]?;
            (n >= u64::from(min_calls) && m > 0.0).then_some((k as u32, m, n))
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    Ok(DataFrame::new(
        rows.len(),
        vec![
            UInt32Chunked::from_vec(c::MODEL.into(), rows.iter().map(|r| r.0).collect())
                .into_column(),
            Float64Chunked::from_vec("model_median".into(), rows.iter().map(|r| r.1).collect())
                .into_column(),
            UInt64Chunked::from_vec("model_calls".into(), rows.iter().map(|r| r.2).collect())
                .into_column(),
        ],
    )?)
}

/// Latency p50 and p95 per value of each of `dims`, dims side by side on the cores.
/// The single-field breakdowns (`breakdown::by_without_latency` for each of `dims`, the query
/// they are checked against) from one counting pass per field over the codes. polars' eight
/// hash aggregations took 0.6–0.9 s on 4 million calls; the codes are dense, so an array per
/// field does the same work in a few milliseconds. Rows come in key order (the caller sorts).
fn breakdowns(lf: LazyFrame, dims: &[&str]) -> Result<Vec<DataFrame>> {
    use rayon::prelude::*;
    let mut cols: Vec<Expr> = dims.iter().map(|d| col(*d)).collect();
    cols.extend([
        col(c::COST),
        col(c::OK),
        col(c::INPUT_TOKENS),
        col(c::OUTPUT_TOKENS),
        col(c::CACHED_TOKENS),
    ]);
    let df = lf.select(cols).collect()?;
    let cost: Vec<f64> = df
        .column(c::COST)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let ok: Vec<bool> = df
        .column(c::OK)?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let tokens = |n: &str| -> Result<Vec<u32>> {
        Ok(df
            .column(n)?
            .u32()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (input, output, cached) = (
        tokens(c::INPUT_TOKENS)?,
        tokens(c::OUTPUT_TOKENS)?,
        tokens(c::CACHED_TOKENS)?,
    );
    let df = &df;
    let (cost, ok, input, output, cached) = (&cost, &ok, &input, &output, &cached);
    dims.par_iter()
        .map(|d| {
            let column = df.column(d)?;
            let dtype = column.dtype().clone();
            let polars = || -> Result<DataFrame> {
                Ok(breakdown::by_without_latency(df.clone().lazy(), &[d])
                    .sort([*d], SortMultipleOptions::default())
                    .collect()?)
            };
            // The keys are read where they are (twice: their range, then the sums), not copied.
            let vals = (&cost[..], &ok[..], &input[..], &output[..], &cached[..]);
            // A field of one value throughout (one source file; no project, all null) is one
            // group of every row: summed without reading, or making, a column of keys.
            let scalar = match column {
                Column::Scalar(sc) => Some((sc.scalar().value().extract::<i64>(), sc.len())),
                _ => None,
            };
            if scalar.is_none() && column.null_count() > 0 {
                return polars();
            }
            let summed = match (&dtype, scalar) {
                (_, Some((key, n))) => sum_by(|| std::iter::repeat_n(key.unwrap_or(0), n), vals),
                (DataType::UInt32, _) => {
                    let ca = column.u32()?;
                    sum_by(|| ca.into_no_null_iter().map(i64::from), vals)
                }
                (DataType::Int32, _) => {
                    let ca = column.i32()?;
                    sum_by(|| ca.into_no_null_iter().map(i64::from), vals)
                }
                _ => {
                    let cast = column.cast(&DataType::Int64)?;
                    let ca = cast.i64()?;
                    sum_by(|| ca.into_no_null_iter(), vals)
                }
            };
            let (
                min,
                Sums {
                    calls,
                    sums,
                    oks,
                    toks,
                },
            ) = match summed {
                Summed::Empty => return empty_breakdown(d, &dtype),
                // Sparse keys (never for codes, days or hours): polars' hash aggregation.
                Summed::Sparse => return polars(),
                Summed::Dense(min, sums) => (min, sums),
            };
            let n = calls.len();
            let groups: Vec<usize> = (0..n).filter(|g| calls[*g] > 0).collect();
            let null_key = matches!(scalar, Some((None, _)));
            let key_col = Int64Chunked::from_iter_options(
                (*d).into(),
                groups
                    .iter()
                    .map(|g| (!null_key).then_some(*g as i64 + min)),
            )
            .into_column()
            .cast(&dtype)?;
            let u64s = |name: &str, f: &dyn Fn(usize) -> u64| {
                UInt64Chunked::from_vec(name.into(), groups.iter().map(|g| f(*g)).collect())
                    .into_column()
            };
            Ok(DataFrame::new(
                groups.len(),
                vec![
                    key_col,
                    u64s("calls", &|g| calls[g]),
                    Float64Chunked::from_vec(
                        "cost_usd".into(),
                        groups.iter().map(|g| sums[*g]).collect(),
                    )
                    .into_column(),
                    u64s("input_tokens", &|g| toks[g][0]),
                    u64s("output_tokens", &|g| toks[g][1]),
                    u64s("cached_tokens", &|g| toks[g][2]),
                    Float64Chunked::from_vec(
                        "success_rate".into(),
                        groups
                            .iter()
                            .map(|g| oks[*g] as f64 / calls[*g] as f64)
                            .collect(),
                    )
                    .into_column(),
                    u64s("errors", &|g| calls[g] - oks[g]),
                ],
            )?)
        })
        .collect()
}

/// Per key (its offset from the smallest): calls, cost, successes, input/output/cached tokens.
struct Sums {
    calls: Vec<u64>,
    sums: Vec<f64>,
    oks: Vec<u64>,
    toks: Vec<[u64; 3]>,
}

enum Summed {
    Empty,
    /// Keys too far apart for an array.
    Sparse,
    Dense(i64, Sums),
}

type Values<'a> = (&'a [f64], &'a [bool], &'a [u32], &'a [u32], &'a [u32]);

fn sum_by<I: Iterator<Item = i64>>(keys: impl Fn() -> I, v: Values<'_>) -> Summed {
    let (cost, ok, input, output, cached) = v;
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    for k in keys() {
        min = min.min(k);
        max = max.max(k);
    }
    if min > max {
        return Summed::Empty;
    }
    let span = (max as i128 - min as i128) as u128 + 1;
    if span > (1 << 26) {
        return Summed::Sparse;
    }
    let n = span as usize;
    let mut s = Sums {
        calls: vec![0u64; n],
        sums: vec![0f64; n],
        oks: vec![0u64; n],
        toks: vec![[0u64; 3]; n],
    };
    for (i, k) in keys().enumerate() {
        let g = (k - min) as usize;
        s.calls[g] += 1;
        s.sums[g] += cost[i];
        s.oks[g] += u64::from(ok[i]);
        let t = &mut s.toks[g];
        t[0] += u64::from(input[i]);
        t[1] += u64::from(output[i]);
        t[2] += u64::from(cached[i]);
    }
    Summed::Dense(min, s)
}

fn empty_breakdown(d: &str, dtype: &DataType) -> Result<DataFrame> {
    let mut s = Schema::default();
    s.insert((*d).into(), dtype.clone());
    for n in [
        "calls",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "errors",
    ] {
        s.insert(n.into(), DataType::UInt64);
    }
    s.insert("cost_usd".into(), DataType::Float64);
    s.insert("success_rate".into(), DataType::Float64);
    Ok(DataFrame::empty_with_schema(&s))
}

/// Quantiles of one column over every call, the way polars' `quantile(Linear)` gives them (to the
/// bit), from one copy and a selection per quantile instead of a sort per quantile.
fn whole_quantiles(lf: LazyFrame, column: &str, qs: &[f64]) -> Result<Vec<Option<f64>>> {
    let df = lf.select([col(column)]).collect()?;
    // A column of one value (ttft where no source logs it: all null) needs no copy.
    if let Column::Scalar(sc) = df.column(column)? {
        let v = sc
            .scalar()
            .value()
            .extract::<f64>()
            .filter(|_| !sc.is_empty());
        return Ok(vec![v; qs.len()]);
    }
    let values: Vec<f64> = df
        .column(column)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    Ok(crate::engine::percentiles::quantiles(&values, qs))
}

/// p50 and p95 of latency per key of each of `dims`; `whole` is the p50 and p95 of all the
/// rows, which is every key's answer when a field has one value throughout (one source file, one
/// project), so such a field costs nothing.
fn group_latencies(
    lf: LazyFrame,
    dims: &[&str],
    whole: [Option<f64>; 2],
) -> Result<Vec<crate::engine::percentiles::ByKey>> {
    use rayon::prelude::*;
    let mut cols: Vec<Expr> = dims.iter().map(|d| col(*d)).collect();
    cols.push(col(c::LATENCY));
    let mut df = lf.select(cols).collect()?;
    df.rechunk_mut();
    // A column without nulls is read in place; NaN stands for a missing latency.
    let lat = df.column(c::LATENCY)?.f64()?;
    let latency: std::borrow::Cow<'_, [f64]> = match (lat.null_count(), lat.cont_slice()) {
        (0, Ok(s)) => s.into(),
        _ => lat.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
    };
    let latency = &latency[..];
    let df = &df;
    // Two fields at a time: each holds a group number and a value per row while it runs.
    dims.par_iter()
        .map(|d| {
            let column = df.column(d)?;
            if let Column::Scalar(sc) = column {
                let mut one = crate::engine::percentiles::ByKey::default();
                // A null key is never looked up: its rows have no key to show a latency for.
                if let Some(k) = sc.scalar().value().extract::<i64>() {
                    if !sc.is_empty() {
                        one.insert(k, whole.to_vec());
                    }
                }
                return Ok(one);
            }
            let qs = &[0.50, 0.95];
            use crate::engine::percentiles::quantiles_by;
            Ok(match column.dtype() {
                DataType::UInt32 => match column.u32()?.cont_slice() {
                    Ok(keys) => quantiles_by(keys, latency, qs),
                    Err(_) => {
                        let keys: Vec<u32> = column.u32()?.into_no_null_iter().collect();
                        quantiles_by(&keys, latency, qs)
                    }
                },
                DataType::Int32 => match column.i32()?.cont_slice() {
                    Ok(keys) => quantiles_by(keys, latency, qs),
                    Err(_) => {
                        let keys: Vec<i32> = column.i32()?.into_no_null_iter().collect();
                        quantiles_by(&keys, latency, qs)
                    }
                },
                _ => {
                    let keys: Vec<i64> = column
                        .cast(&DataType::Int64)?
                        .i64()?
                        .into_no_null_iter()
                        .collect();
                    quantiles_by(&keys, latency, qs)
                }
            })
        })
        .collect()
}

fn rows_of(df: &DataFrame, keys: &[&str], names: &Names<'_>, total: f64) -> Result<Vec<Row>> {
    let has = |n: &str| df.get_column_names().iter().any(|c| c.as_str() == n);
    let (p50, p95) = if has("p50") {
        (f64_col(df, "p50")?, f64_col(df, "p95")?)
    } else {
        (vec![None; df.height()], vec![None; df.height()])
    };
    let key_cols: Vec<Vec<Option<i64>>> =
        keys.iter().map(|k| i64_col(df, k)).collect::<Result<_>>()?;
    let calls = u64_col(df, "calls")?;
    let cost = f64_col(df, "cost_usd")?;
    let input = u64_col(df, "input_tokens")?;
    let output = u64_col(df, "output_tokens")?;
    let cached = u64_col(df, "cached_tokens")?;
    let sr = f64_col(df, "success_rate")?;
    let errors = u64_col(df, "errors")?;
    Ok((0..df.height())
        .map(|i| {
            let parts: Vec<String> = keys
                .iter()
                .zip(&key_cols)
                .map(|(k, col)| names.of(k, col[i]))
                .collect();
            let key = parts.join(" / ");
            let n = calls[i].unwrap_or(0);
            let cost_i = cost[i].unwrap_or(0.0);
            Row {
                key,
                keys: if parts.len() > 1 { parts } else { Vec::new() },
                calls: n,
                cost_usd: cost_i,
                share: if total > 0.0 { cost_i / total } else { 0.0 },
                avg_cost_usd: if n > 0 { cost_i / n as f64 } else { 0.0 },
                input_tokens: input[i].unwrap_or(0),
                output_tokens: output[i].unwrap_or(0),
                cached_tokens: cached[i].unwrap_or(0),
                success_rate: sr[i],
                errors: errors[i].unwrap_or(0),
                p50_s: p50[i],
                p95_s: p95[i],
            }
        })
        .collect())
}

fn call_rows(df: &DataFrame, scan: &Scan, names: &Names<'_>, tz: Tz) -> Result<Vec<CallRow>> {
    let file = u64_col(df, c::FILE)?;
    let line = u64_col(df, c::LINE)?;
    let ts = i64_col(df, c::TS_MS)?;
    let model = i64_col(df, c::MODEL)?;
    let ty = i64_col(df, c::TYPE)?;
    let user = i64_col(df, c::USER)?;
    let input = u64_col(df, c::INPUT_TOKENS)?;
    let output = u64_col(df, c::OUTPUT_TOKENS)?;
    let cost = f64_col(df, c::COST)?;
    let lat = f64_col(df, c::LATENCY)?;
    let median = if df.column("model_median").is_ok() {
        Some(f64_col(df, "model_median")?)
    } else {
        None
    };
    let ratio = if df.column("ratio").is_ok() {
        Some(f64_col(df, "ratio")?)
    } else {
        None
    };
    Ok((0..df.height())
        .map(|i| CallRow {
            file: scan
                .files
                .get(file[i].unwrap_or(0) as usize)
                .cloned()
                .unwrap_or_default(),
            line: line[i].unwrap_or(0),
            time: ts[i].map(|m| format_local(m, tz)).unwrap_or_default(),
            model: names.of(c::MODEL, model[i]),
            call_type: names.of(c::TYPE, ty[i]),
            user: names.of(c::USER, user[i]),
            input_tokens: input[i].unwrap_or(0),
            output_tokens: output[i].unwrap_or(0),
            cost_usd: cost[i].unwrap_or(0.0),
            latency_s: lat[i],
            model_median_usd: median.as_ref().and_then(|m| m[i]),
            ratio: ratio.as_ref().and_then(|r| r[i]),
        })
        .collect())
}

// Column extraction: cast to one type, then read. Result frames are small (rows per group).
pub(crate) fn f64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let s = df.column(name)?.cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().collect())
}

pub(crate) fn i64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let s = df.column(name)?.cast(&DataType::Int64)?;
    Ok(s.i64()?.iter().collect())
}

pub(crate) fn u64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<u64>>> {
    let s = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(s.u64()?.iter().collect())
}

pub(crate) fn f64_at(df: &DataFrame, name: &str) -> Result<Option<f64>> {
    Ok(f64_col(df, name)?.first().copied().flatten())
}

pub(crate) fn i64_at(df: &DataFrame, name: &str) -> Result<Option<i64>> {
    Ok(i64_col(df, name)?.first().copied().flatten())
}

pub(crate) fn u64_at(df: &DataFrame, name: &str) -> Result<Option<u64>> {
    Ok(u64_col(df, name)?.first().copied().flatten())
}

#[cfg(test)]
mod median_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The counting pass gives what polars' group-by gives: counts, token sums, errors and
        /// success rates exactly, cost sums to the last few bits (the order of the additions).
        #[test]
        fn breakdowns_equal_polars_group_by(
            rows in prop::collection::vec(
                (0u32..6, -3i32..4, prop::option::weighted(0.8, 0.0f64..5.0), any::<bool>(), 0u32..100_000, 0u32..5_000),
                0..300,
            ),
        ) {
            let n = rows.len();
            let df = DataFrame::new(
                n,
                vec![
                    UInt32Chunked::from_vec(c::MODEL.into(), rows.iter().map(|r| r.0).collect()).into_column(),
                    Int32Chunked::from_vec(c::DAY.into(), rows.iter().map(|r| r.1 + 20_000).collect()).into_column(),
                    Float64Chunked::from_iter_options(c::COST.into(), rows.iter().map(|r| r.2)).into_column(),
                    BooleanChunked::from_slice(c::OK.into(), &rows.iter().map(|r| r.3).collect::<Vec<_>>()).into_column(),
                    UInt32Chunked::from_vec(c::INPUT_TOKENS.into(), rows.iter().map(|r| r.4).collect()).into_column(),
                    UInt32Chunked::from_vec(c::OUTPUT_TOKENS.into(), rows.iter().map(|r| r.5).collect()).into_column(),
                    UInt32Chunked::from_vec(c::CACHED_TOKENS.into(), rows.iter().map(|r| r.5 / 2).collect()).into_column(),
                    // Fields of one value throughout, as the scan leaves them: a scalar source
                    // and an all-null project.
                    Column::new_scalar(c::SOURCE.into(), Scalar::new(DataType::UInt32, AnyValue::UInt32(3)), n),
                    Column::full_null(c::PROJECT.into(), n, &DataType::UInt32),
                ],
            ).unwrap();
            prop_assert!(matches!(df.column(c::PROJECT).unwrap(), Column::Scalar(_)));
            let dims = [c::MODEL, c::DAY, c::SOURCE, c::PROJECT];
            let ours = breakdowns(df.clone().lazy(), &dims).unwrap();
            for (d, mine) in dims.iter().zip(&ours) {
                let theirs = breakdown::by_without_latency(df.clone().lazy(), &[d])
                    .sort([*d], SortMultipleOptions::default())
                    .collect()
                    .unwrap();
                prop_assert_eq!(i64_col(mine, d).unwrap(), i64_col(&theirs, d).unwrap());
                for k in ["calls", "input_tokens", "output_tokens", "cached_tokens", "errors"] {
                    prop_assert_eq!(u64_col(mine, k).unwrap(), u64_col(&theirs, k).unwrap(), "{}", k);
                }
                prop_assert_eq!(f64_col(mine, "success_rate").unwrap(), f64_col(&theirs, "success_rate").unwrap());
                for (a, b) in f64_col(mine, "cost_usd").unwrap().iter().zip(f64_col(&theirs, "cost_usd").unwrap()) {
                    let (a, b) = (a.unwrap(), b.unwrap());
                    prop_assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{} vs {}", a, b);
                }
            }
        }

        #[test]
        fn model_medians_equal_polars_grouped_median(
            rows in prop::collection::vec((0u32..5, prop::option::weighted(0.9, 0.0f64..3.0)), 0..400),
            min_calls in 1u32..20,
        ) {
            let df = DataFrame::new(
                rows.len(),
                vec![
                    UInt32Chunked::from_vec(c::MODEL.into(), rows.iter().map(|r| r.0).collect()).into_column(),
                    Float64Chunked::from_iter_options(c::COST.into(), rows.iter().map(|r| r.1)).into_column(),
                ],
            ).unwrap();
            let ours = model_medians(df.clone().lazy(), min_calls).unwrap();
            let polars = outliers::model_medians(df.lazy(), min_calls)
                .sort([c::MODEL], SortMultipleOptions::default())
                .collect()
                .unwrap();
            prop_assert_eq!(i64_col(&ours, c::MODEL).unwrap(), i64_col(&polars, c::MODEL).unwrap());
            prop_assert_eq!(f64_col(&ours, "model_median").unwrap(), f64_col(&polars, "model_median").unwrap());
            prop_assert_eq!(u64_col(&ours, "model_calls").unwrap(), u64_col(&polars, "model_calls").unwrap());
        }
    }
}
