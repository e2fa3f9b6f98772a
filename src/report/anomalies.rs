//! The findings section of the report: anomalous hours and days with their drivers, runaway
//! loops, and steps in cost or tokens per call. Polars aggregates; `crate::anomaly` judges.

use super::buckets::Buckets;
use super::{f64_col, i64_col, key_name};
use crate::anomaly::drift::step_up;
use crate::anomaly::loops::{Detector, Event, LoopRule};
use crate::anomaly::periods::{detect, Flag, Plan, DAILY, HOURLY};
use crate::fmt::{count, money};
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::{day_to_string, format_local, local_midnight_ms};
use crate::scan::Scan;
use anyhow::Result;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the findings are computed with.
#[derive(Debug, Clone, Copy)]
pub struct FindingOptions {
    pub k: f64,
    pub loops: LoopRule,
}

impl Default for FindingOptions {
    fn default() -> Self {
        FindingOptions {
            k: 5.0,
            loops: LoopRule::default(),
        }
    }
}

const HOUR_MS: i64 = 3_600_000;
/// Hours and days looked at, at most (the most recent): enough for any baseline, bounded for
/// logs whose times span centuries.
const MAX_HOURS: i64 = 400 * 24;
const MAX_DAYS: i64 = 3 * 366;
/// Anomalies explained in full (largest scores first); the rest are counted.
const MAX_LISTED: usize = 20;
/// Error rates are judged over periods with at least this many calls.
const MIN_CALLS_FOR_RATE: u64 = 20;
/// Days with fewer calls of a type do not count for its steps.
const MIN_CALLS_PER_DAY: u64 = 5;
const DIMENSIONS: [(&str, &str); 5] = [
    ("model", c::MODEL),
    ("type", c::TYPE),
    ("user", c::USER),
    ("project", c::PROJECT),
    ("conversation", c::CONVERSATION),
];

#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub dimension: &'static str,
    pub value: String,
    pub observed: f64,
    pub baseline: f64,
    /// This value's part of the excess; over a dimension's values they add up to the excess.
    pub excess: f64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub dimension: &'static str,
    /// The largest parts, then "(other)": they add up to the excess.
    pub rows: Vec<Driver>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    /// `hour` or `day`.
    pub period: &'static str,
    pub start: String,
    pub end: String,
    /// `cost`, `calls` or `error_rate`.
    pub metric: &'static str,
    pub observed: f64,
    pub baseline: f64,
    /// 1.4826 × MAD of the baseline (or its floor): one "unit" of normal variation.
    pub spread: f64,
    /// How many spreads above the baseline.
    pub score: f64,
    pub basis: String,
    /// `observed − baseline`, in dollars (cost), calls, or errors (error rate).
    pub excess: f64,
    pub excess_unit: &'static str,
    /// The top value of each dimension, by its share of the excess.
    pub drivers: Vec<Driver>,
    /// The leading dimension in full.
    pub breakdown: Option<Breakdown>,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Loop {
    pub user: String,
    pub conversation: String,
    #[serde(rename = "type")]
    pub call_type: String,
    pub model: String,
    pub start: String,
    pub end: String,
    pub duration_s: f64,
    pub calls: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub cost_usd: f64,
    pub first: Place,
    pub last: Place,
    pub median_input_tokens: u64,
    /// Share of the first calls within ±similar of the median input tokens.
    pub alike_share: f64,
    pub calls_per_minute: f64,
    /// The key's rate outside its bursts, over the time it was active; null when it had none.
    pub normal_calls_per_minute: Option<f64>,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    #[serde(rename = "type")]
    pub call_type: String,
    /// `input_tokens_per_call` or `cost_per_call_usd`.
    pub metric: &'static str,
    /// The first day at the new level.
    pub changed_on: String,
    pub before: f64,
    pub after: f64,
    pub ratio: f64,
    pub days_before: usize,
    pub days_after: usize,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Findings {
    pub anomalies: Vec<Anomaly>,
    /// Anomalies found in all (the list holds the `MAX_LISTED` most unusual).
    pub anomalies_total: u64,
    pub anomaly_rule: String,
    pub loops: Vec<Loop>,
    pub loop_rule: String,
    pub drifts: Vec<Drift>,
    /// What could not be judged, and why (not enough history).
    #[serde(rename = "finding_notes")]
    pub notes: Vec<String>,
}

/// One flagged period, before its drivers are known.
struct Found {
    period: &'static str,
    metric: &'static str,
    bucket: i64,
    flag: Flag,
    /// Buckets of the baseline.
    history: Vec<i64>,
    /// For error rates: the period's calls and errors.
    calls: f64,
    errors: f64,
}

fn judge(
    s: &Buckets,
    period: &'static str,
    plans: &[Plan],
    k: f64,
    per_call: (f64, f64),
) -> Vec<Found> {
    let (mean_cost, sd_cost) = per_call;
    let mut out = Vec::new();
    let all = |_: usize| true;
    // Counts vary by about their square root; a sparse baseline (a few calls a day) still needs
    // a real burst, not a busy session, to count.
    let count_floor = |m: f64| m.sqrt().max(0.1 * m).max(3.0);
    // Cost varies with the number of calls and with each call's cost: about sd × √calls, with
    // the baseline taken as at least 9 calls.
    let cost_floor = |m: f64| {
        let calls = if mean_cost > 0.0 { m / mean_cost } else { 0.0 };
        (0.2 * m).max(sd_cost.max(mean_cost) * calls.max(9.0).sqrt())
    };
    let rates: Vec<f64> = s
        .errors
        .iter()
        .zip(&s.calls)
        .map(|(e, n)| if *n > 0.0 { e / n } else { 0.0 })
        .collect();
    let enough = |i: usize| s.calls[i] >= MIN_CALLS_FOR_RATE as f64;
    let rate_floor = |_: f64| 0.05;
    for (metric, values, floor, usable) in [
        (
            "cost",
            &s.cost,
            &cost_floor as &dyn Fn(f64) -> f64,
            &all as &dyn Fn(usize) -> bool,
        ),
        ("calls", &s.calls, &count_floor, &all),
        ("error_rate", &rates, &rate_floor, &enough),
    ] {
        for f in detect(values, plans, k, floor, usable) {
            out.push(Found {
                period,
                metric,
                bucket: s.start + f.index as i64,
                history: f.history.iter().map(|h| s.start + *h as i64).collect(),
                calls: s.calls[f.index],
                errors: s.errors[f.index],
                flag: f,
            });
        }
    }
    out
}

pub fn build(scan: &Scan, lf: LazyFrame, tz: Tz, o: &FindingOptions) -> Result<Findings> {
    let started = std::time::Instant::now();
    let mut notes = Vec::new();
    let stats = lf
        .clone()
        .select([
            col(c::COST).fill_null(lit(0.0)).mean().alias("mean"),
            col(c::COST).fill_null(lit(0.0)).std(1).alias("sd"),
            len().cast(DataType::UInt64).alias("n"),
        ])
        .collect()?;
    let n = super::u64_at(&stats, "n")?.unwrap_or(0);
    if n == 0 {
        return Ok(Findings {
            anomaly_rule: rule_text(o),
            loop_rule: loop_text(&o.loops),
            ..Findings::default()
        });
    }
    let per_call = (
        super::f64_at(&stats, "mean")?.unwrap_or(0.0),
        super::f64_at(&stats, "sd")?.unwrap_or(0.0),
    );

    let (hourly, daily) = super::buckets::hourly_and_daily(lf.clone(), MAX_HOURS, MAX_DAYS)?;
    let mut found = Vec::new();
    if let Some(h) = &hourly {
        if h.calls.len() <= 5 * 24 {
            notes.push(format!(
                "hourly anomalies need 5 days of history (the same hour on 5 days before); the calls span {:.1} days",
                h.calls.len() as f64 / 24.0
            ));
        }
        found.extend(judge(h, "hour", &HOURLY, o.k, per_call));
    }
    if let Some(d) = &daily {
        if d.calls.len() <= 5 {
            notes.push(format!(
                "daily anomalies need more than 5 days of history; the calls span {} days",
                d.calls.len()
            ));
        }
        found.extend(judge(d, "day", &DAILY, o.k, per_call));
    }
    let anomalies_total = found.len() as u64;
    found.sort_by(|a, b| b.flag.score.total_cmp(&a.flag.score));
    found.truncate(MAX_LISTED);
    let mut anomalies = explain(scan, &lf, &found, tz)?;
    anomalies.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then_with(|| a.period.cmp(b.period))
            .then_with(|| a.metric.cmp(b.metric))
    });

    let timing = std::env::var_os("LLMLOG_TIMING").is_some();
    // Each finding's scratch (a copy of a few columns) goes back before the next is made.
    crate::memory::give_back();
    let t0 = std::time::Instant::now();
    let loops = loops(scan, lf.clone(), tz, &o.loops)?;
    crate::memory::give_back();
    let t1 = std::time::Instant::now();
    let drifts = drifts(scan, lf, &mut notes)?;
    if timing {
        eprintln!(
            "timing: findings: periods {:.3}s, loops {:.3}s, drifts {:.3}s",
            (t0 - started).as_secs_f64(),
            (t1 - t0).as_secs_f64(),
            t1.elapsed().as_secs_f64()
        );
    }
    Ok(Findings {
        anomalies,
        anomalies_total,
        anomaly_rule: rule_text(o),
        loops,
        loop_rule: loop_text(&o.loops),
        drifts,
        notes,
    })
}

fn rule_text(o: &FindingOptions) -> String {
    format!(
        "observed > median + {} × max(1.4826 × MAD, floor) of the baseline: the same hour of the week (3–8 weeks), else of the day (5–14 days), else the 24 hours before; for days the same weekday (3–8 weeks), else the 7 days before (--anomaly-k sets {})",
        o.k, o.k
    )
}

fn loop_text(r: &LoopRule) -> String {
    format!(
        "at least {} calls of one user or conversation (or of no one) with the same type and model within {} minutes, 80% of them within ±{}% of their median input tokens, at least 10× the key's rate otherwise (or, for a key with no other calls, half of them failed)",
        r.calls,
        r.within_ms as f64 / 60_000.0,
        r.similar * 100.0
    )
}

/// Hours since the epoch (UTC): every bucket is a real hour, so a day that falls back an hour
/// does not fold two into one. Exact: the remainder is taken off before dividing.
fn hour_bucket() -> Expr {
    let ts = col(c::TS_MS);
    ((ts.clone() - ts % lit(HOUR_MS)) / lit(HOUR_MS)).cast(DataType::Int64)
}

fn span(period: &str, bucket: i64, tz: Tz) -> (String, String) {
    if period == "hour" {
        (
            format_local(bucket * HOUR_MS, tz),
            format_local((bucket + 1) * HOUR_MS, tz),
        )
    } else {
        let d = bucket as i32;
        (
            format_local(local_midnight_ms(d, tz), tz),
            format_local(local_midnight_ms(d + 1, tz), tz),
        )
    }
}

/// Drivers: each dimension value's part of the excess. A value's baseline is the period's
/// baseline shared out by the value's part of the baseline periods' total, so the parts add up
/// to the excess exactly.
fn explain(scan: &Scan, lf: &LazyFrame, found: &[Found], tz: Tz) -> Result<Vec<Anomaly>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // Every bucket any anomaly needs, per period kind.
    let mut need: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for f in found {
        let e = need.entry(f.period).or_default();
        e.insert(f.bucket);
        e.extend(f.history.iter().copied());
    }
    // (period, dimension) → bucket → value code → (cost, calls, errors)
    type Cells = BTreeMap<i64, BTreeMap<Option<i64>, (f64, f64, f64)>>;
    let mut cells: BTreeMap<(&str, &str), Cells> = BTreeMap::new();
    for (period, buckets) in &need {
        let bucket = if *period == "hour" {
            hour_bucket()
        } else {
            col(c::DAY).cast(DataType::Int64)
        };
        let list = Series::new("b".into(), buckets.iter().copied().collect::<Vec<i64>>());
        let base = lf
            .clone()
            .with_column(bucket.alias("bucket"))
            .filter(col("bucket").is_in(lit(list).implode(false), false));
        for (dim, column) in DIMENSIONS {
            let df = base
                .clone()
                .group_by([col("bucket"), col(column)])
                .agg([
                    col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
                    len().cast(DataType::Float64).alias("calls"),
                    col(c::OK)
                        .not()
                        .cast(DataType::Float64)
                        .sum()
                        .alias("errors"),
                ])
                .collect()?;
            let b = i64_col(&df, "bucket")?;
            let v = i64_col(&df, column)?;
            let (co, ca, er) = (
                f64_col(&df, "cost")?,
                f64_col(&df, "calls")?,
                f64_col(&df, "errors")?,
            );
            let m = cells.entry((period, dim)).or_default();
            for i in 0..df.height() {
                if let Some(bk) = b[i] {
                    m.entry(bk).or_default().insert(
                        v[i],
                        (
                            co[i].unwrap_or(0.0),
                            ca[i].unwrap_or(0.0),
                            er[i].unwrap_or(0.0),
                        ),
                    );
                }
            }
        }
    }
    let mut out = Vec::new();
    for f in found {
        let pick = |t: &(f64, f64, f64)| match f.metric {
            "cost" => t.0,
            "calls" => t.1,
            _ => t.2,
        };
        // The excess in the metric's own unit: dollars, calls, or errors beyond the baseline rate.
        let (excess, expected_total, unit) = match f.metric {
            "cost" => (f.flag.observed - f.flag.baseline, f.flag.baseline, "usd"),
            "calls" => (f.flag.observed - f.flag.baseline, f.flag.baseline, "calls"),
            _ => {
                let expected = f.flag.baseline * f.calls;
                (f.errors - expected, expected, "errors")
            }
        };
        let mut drivers = Vec::new();
        let mut distinct: BTreeMap<&str, usize> = BTreeMap::new();
        let mut breakdowns: BTreeMap<&str, Vec<Driver>> = BTreeMap::new();
        for (dim, _) in DIMENSIONS {
            let Some(m) = cells.get(&(f.period, dim)) else {
                continue;
            };
            let empty = BTreeMap::new();
            let now = m.get(&f.bucket).unwrap_or(&empty);
            let mut hist: BTreeMap<Option<i64>, f64> = BTreeMap::new();
            for h in &f.history {
                for (v, t) in m.get(h).unwrap_or(&empty) {
                    *hist.entry(*v).or_default() += pick(t);
                }
            }
            let hist_total: f64 = hist.values().sum();
            let values: BTreeSet<Option<i64>> = now.keys().chain(hist.keys()).copied().collect();
            if values.iter().all(|v| matches!(v, None | Some(0))) {
                continue; // the dimension is not logged
            }
            distinct.insert(dim, values.len());
            let column = DIMENSIONS
                .iter()
                .find(|d| d.0 == dim)
                .map(|d| d.1)
                .unwrap_or("");
            let mut rows: Vec<Driver> = values
                .iter()
                .map(|v| {
                    let observed = now.get(v).map(&pick).unwrap_or(0.0);
                    let baseline = if hist_total > 0.0 {
                        expected_total * hist.get(v).copied().unwrap_or(0.0) / hist_total
                    } else {
                        0.0
                    };
                    let ex = observed - baseline;
                    Driver {
                        dimension: dim,
                        value: key_name(scan, column, *v),
                        observed,
                        baseline,
                        excess: ex,
                        share: if excess != 0.0 { ex / excess } else { 0.0 },
                    }
                })
                .collect();
            rows.sort_by(|a, b| {
                b.excess
                    .total_cmp(&a.excess)
                    .then_with(|| a.value.cmp(&b.value))
            });
            // Calls that name no value of a dimension say nothing about it.
            let Some(top) = rows.iter().find(|r| r.value != "(none)").cloned() else {
                continue;
            };
            drivers.push(top);
            {
                let mut shown: Vec<Driver> = rows.iter().take(5).cloned().collect();
                if rows.len() > 5 {
                    let rest = &rows[5..];
                    let (ob, ba, ex) = rest.iter().fold((0.0, 0.0, 0.0), |a, r| {
                        (a.0 + r.observed, a.1 + r.baseline, a.2 + r.excess)
                    });
                    shown.push(Driver {
                        dimension: dim,
                        value: "(other)".into(),
                        observed: ob,
                        baseline: ba,
                        excess: ex,
                        share: if excess != 0.0 { ex / excess } else { 0.0 },
                    });
                }
                breakdowns.insert(dim, shown);
            }
        }
        // Largest share first; but within 5 points of the largest, the most specific dimension
        // (the most values) leads: one user behind a model's whole excess is the better answer.
        drivers.sort_by(|a, b| b.share.total_cmp(&a.share));
        if let Some(best) = drivers.first().map(|d| d.share) {
            let lead = (0..drivers.len())
                .filter(|&i| drivers[i].share >= best - 0.05)
                .max_by_key(|&i| {
                    (
                        distinct.get(drivers[i].dimension).copied().unwrap_or(0),
                        usize::MAX - i,
                    )
                });
            if let Some(i) = lead {
                let d = drivers.remove(i);
                drivers.insert(0, d);
            }
        }
        let leading = drivers.first().and_then(|d| {
            breakdowns.remove(d.dimension).map(|rows| Breakdown {
                dimension: d.dimension,
                rows,
            })
        });
        let (start, end) = span(f.period, f.bucket, tz);
        let show = |v: f64| match f.metric {
            "cost" => money(v),
            "calls" => count(v.round() as u64),
            _ => format!("{:.1}%", v * 100.0),
        };
        let basis = f.flag.basis.describe(f.history.len());
        let lead = drivers
            .first()
            .map(|d| {
                let part = match unit {
                    "usd" => money(d.excess),
                    _ => count(d.excess.max(0.0).round() as u64),
                };
                format!(
                    "; {} {} accounts for {} ({:.0}%)",
                    d.dimension,
                    d.value,
                    part,
                    d.share * 100.0
                )
            })
            .unwrap_or_default();
        let evidence = format!(
            "{} {} in this {} against a median of {} over {basis} ({:.1} spreads above, spread {}){lead}",
            metric_name(f.metric),
            show(f.flag.observed),
            f.period,
            show(f.flag.baseline),
            f.flag.score,
            show(f.flag.spread),
        );
        out.push(Anomaly {
            period: f.period,
            start,
            end,
            metric: f.metric,
            observed: f.flag.observed,
            baseline: f.flag.baseline,
            spread: f.flag.spread,
            score: f.flag.score,
            basis,
            excess,
            excess_unit: unit,
            drivers,
            breakdown: leading,
            evidence,
        });
    }
    Ok(out)
}

fn metric_name(m: &str) -> &'static str {
    match m {
        "cost" => "cost",
        "calls" => "calls",
        _ => "error rate",
    }
}

type LoopKey = (u32, u32, u32, u32);

fn loops(scan: &Scan, lf: LazyFrame, tz: Tz, rule: &LoopRule) -> Result<Vec<Loop>> {
    // Calls naming no user or conversation form one key per type and model.
    let df = lf
        .select([
            col(c::TS_MS),
            col(c::USER),
            col(c::CONVERSATION),
            col(c::TYPE),
            col(c::MODEL),
            col(c::INPUT_TOKENS),
            col(c::OK),
            col(c::COST).fill_null(lit(0.0)),
            col(c::FILE),
            col(c::LINE),
        ])
        .collect()?;
    let mut df = df;
    df.rechunk_mut_par();
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    // Whole columns without nulls: borrowed slices, not copies or per-value Options.
    use std::borrow::Cow;
    let u32s = |n: &str| -> Result<Cow<'_, [u32]>> {
        let ca = df.column(n)?.u32()?;
        Ok(match ca.cont_slice() {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(ca.iter().map(|v| v.unwrap_or(0)).collect()),
        })
    };
    let (user, conv, ty, model) = (
        u32s(c::USER)?,
        u32s(c::CONVERSATION)?,
        u32s(c::TYPE)?,
        u32s(c::MODEL)?,
    );
    let (input, file, line) = (u32s(c::INPUT_TOKENS)?, u32s(c::FILE)?, u32s(c::LINE)?);
    let ts_ca = df.column(c::TS_MS)?.i64()?;
    let ts: Cow<'_, [i64]> = match ts_ca.cont_slice() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(ts_ca.iter().map(|v| v.unwrap_or(0)).collect()),
    };
    let ok: Vec<bool> = df
        .column(c::OK)?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(true))
        .collect();
    let cost_ca = df.column(c::COST)?.f64()?;
    let cost: Cow<'_, [f64]> = match cost_ca.cont_slice() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(cost_ca.iter().map(|v| v.unwrap_or(0.0)).collect()),
    };
    // The calls in (time, file, line) order. Rows are in input order, (file, line) ascending,
    // so ordering by time with the row number breaking ties is that order; when the times never
    // go back, the rows already are. (polars' sort on three columns took most of the findings'
    // time on logs whose copies interleave: 6.5 s of 14 s on the 1 GB log written twice.)
    let order: Option<Vec<u32>> = if ts.windows(2).all(|w| w[0] <= w[1]) {
        None
    } else {
        use rayon::prelude::*;
        let mut keyed: Vec<(i64, u32)> =
            ts.iter().enumerate().map(|(i, &t)| (t, i as u32)).collect();
        keyed.par_sort_unstable();
        Some(keyed.into_iter().map(|(_, i)| i).collect())
    };
    let mut d: Detector<LoopKey> = Detector::new(*rule);
    for k in 0..df.height() {
        let i = order.as_ref().map_or(k, |o| o[k] as usize);
        // The conversation when logged (a loop is in one), else the user.
        let key = if conv[i] > 0 {
            (0, conv[i], ty[i], model[i])
        } else {
            (user[i], 0, ty[i], model[i])
        };
        d.push(
            key,
            Event {
                ts_ms: ts[i],
                input_tokens: input[i] as u64,
                ok: ok[i],
                cost: cost[i],
                file: file[i],
                line: line[i],
            },
        );
    }
    let (bursts, totals) = d.finish();
    // Burst calls per key, to take them out of the key's normal rate.
    let mut in_bursts: BTreeMap<LoopKey, (u64, i64)> = BTreeMap::new();
    for b in &bursts {
        let e = in_bursts.entry(b.key).or_default();
        e.0 += b.calls;
        e.1 += b.end_ms - b.start_ms;
    }
    let mut out = Vec::new();
    for b in bursts {
        let minutes = ((b.end_ms - b.start_ms) as f64 / 60_000.0).max(1.0);
        let rate = b.calls as f64 / minutes;
        let t = totals.get(&b.key);
        let (bc, bd) = in_bursts.get(&b.key).copied().unwrap_or((0, 0));
        let normal = t.and_then(|t| {
            let calls = t.calls.saturating_sub(bc);
            let active = ((t.last_ms - t.first_ms - bd) as f64 / 60_000.0).max(1.0);
            (calls > 0).then(|| calls as f64 / active)
        });
        if normal.is_some_and(|n| rate < 10.0 * n) {
            continue; // this key always runs this fast
        }
        // A key seen only in bursts has no normal rate to compare with (a nightly batch job): a
        // loop then shows itself by failing.
        if normal.is_none() && (b.errors as f64) < 0.5 * b.calls as f64 {
            continue;
        }
        let name = |column: &str, code: u32| {
            if code == 0 {
                String::new()
            } else {
                key_name(scan, column, Some(code as i64))
            }
        };
        let place = |(f, l): (u32, u32)| Place {
            file: scan.files.get(f as usize).cloned().unwrap_or_default(),
            line: l as u64,
        };
        let (u, cv, ty, m) = b.key;
        let who = if cv > 0 {
            format!("conversation {}", name(c::CONVERSATION, cv))
        } else if u > 0 {
            format!("user {}", name(c::USER, u))
        } else {
            "calls naming no user".to_string()
        };
        let evidence = format!(
            "{} calls of {who} ({} / {}) in {:.0} minutes, {:.0} a minute{}; {:.0}% with input within ±{:.0}% of {} tokens; {} failed",
            count(b.calls),
            name(c::TYPE, ty),
            name(c::MODEL, m),
            (b.end_ms - b.start_ms) as f64 / 60_000.0,
            rate,
            normal
                .map(|n| format!(" against {n:.2} a minute otherwise"))
                .unwrap_or_else(|| ", with no other calls of this key".into()),
            b.alike * 100.0,
            rule.similar * 100.0,
            count(b.median_input),
            count(b.errors)
        );
        out.push(Loop {
            user: name(c::USER, u),
            conversation: name(c::CONVERSATION, cv),
            call_type: name(c::TYPE, ty),
            model: name(c::MODEL, m),
            start: format_local(b.start_ms, tz),
            end: format_local(b.end_ms, tz),
            duration_s: (b.end_ms - b.start_ms) as f64 / 1000.0,
            calls: b.calls,
            errors: b.errors,
            error_rate: b.errors as f64 / b.calls as f64,
            cost_usd: b.cost,
            first: place(b.first),
            last: place(b.last),
            median_input_tokens: b.median_input,
            alike_share: b.alike,
            calls_per_minute: rate,
            normal_calls_per_minute: normal,
            evidence,
        });
    }
    Ok(out)
}

fn drifts(scan: &Scan, lf: LazyFrame, notes: &mut Vec<String>) -> Result<Vec<Drift>> {
    // The most recent days only: every split of every type is tried.
    let last = lf
        .clone()
        .select([col(c::DAY).max().alias("d")])
        .collect()?;
    let last = super::i64_at(&last, "d")?.unwrap_or(0);
    let mut per_type: BTreeMap<Option<i64>, Vec<(i64, f64, f64)>> = BTreeMap::new();
    for r in super::type_days::type_days(lf, (last - MAX_DAYS) as i32)? {
        if r.calls < MIN_CALLS_PER_DAY {
            continue;
        }
        per_type.entry(Some(r.call_type as i64)).or_default().push((
            r.day as i64,
            r.input / r.calls as f64,
            r.cost / r.calls as f64,
        ));
    }
    let mut out = Vec::new();
    let mut judged = 0;
    for (t, days) in per_type {
        if days.len() < 2 * crate::anomaly::drift::MIN_SIDE {
            continue;
        }
        judged += 1;
        let tokens: Vec<f64> = days.iter().map(|d| d.1).collect();
        let costs: Vec<f64> = days.iter().map(|d| d.2).collect();
        let (metric, step) = match step_up(&tokens) {
            Some(s) => ("input_tokens_per_call", s),
            None => match step_up(&costs) {
                Some(s) => ("cost_per_call_usd", s),
                None => continue,
            },
        };
        let name = key_name(scan, c::TYPE, t);
        let changed_on = day_to_string(days[step.index].0 as i32);
        let show = |v: f64| {
            if metric == "cost_per_call_usd" {
                money(v)
            } else {
                format!("{} tokens", count(v.round() as u64))
            }
        };
        out.push(Drift {
            evidence: format!(
                "{name}: {} per call from {changed_on} ({} days), against {} before ({} days): {:.1}×",
                show(step.after),
                step.days_after,
                show(step.before),
                step.days_before,
                step.ratio
            ),
            call_type: name,
            metric,
            changed_on,
            before: step.before,
            after: step.after,
            ratio: step.ratio,
            days_before: step.days_before,
            days_after: step.days_after,
        });
    }
    if judged == 0 {
        notes.push(format!(
            "steps in cost per call need {} days with at least {MIN_CALLS_PER_DAY} calls of a type; no type has them",
            2 * crate::anomaly::drift::MIN_SIDE
        ));
    }
    Ok(out)
}
