//! The extra series a dashboard draws beyond the report: cost over time by model, latency bins.

use super::{f64_col, i64_col, u64_col, Names, Report, ReportOptions};
use crate::engine::timeline;
use crate::normalize::columns::col_names as c;
use crate::scan::Scan;
use anyhow::Result;
use polars::prelude::*;
use std::collections::BTreeMap;

/// How many models get their own colour; the rest are folded into "other".
pub const TOP_MODELS: usize = 6;

#[derive(Debug, Clone)]
pub struct DashboardData {
    /// Bucket labels in time order ("11-02", or "11-02 14h" when hourly).
    pub buckets: Vec<String>,
    pub hourly: bool,
    /// Series names: the top models by cost, then "other" when there are more.
    pub series: Vec<String>,
    /// cost[bucket][series]
    pub cost: Vec<Vec<f64>>,
    /// Latency bins: (lower edge in seconds, calls); the last is open-ended.
    pub latency_bins: Vec<(f64, u64)>,
}

/// Latency bin edges, log-spaced (1-2-5 per decade) from 10 ms to 5 minutes.
pub const LATENCY_EDGES: &[f64] = &[
    0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 300.0,
];

/// One cell of cost over time: a local day (days since 1970-01-01), its hour (0 when daily),
/// a model and what it cost.
pub struct CostCell {
    pub day: i64,
    pub hour: i64,
    pub model: String,
    pub cost: f64,
}

pub fn build(scan: &Scan, opts: &ReportOptions, report: &Report) -> Result<DashboardData> {
    let lf = opts
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let names = Names(&scan.names, &scan.files);
    let hourly = hourly(report);
    let df = timeline::cost_over_time(lf.clone(), hourly).collect()?;
    let days = i64_col(&df, c::DAY)?;
    let hours = if hourly {
        Some(i64_col(&df, c::HOUR)?)
    } else {
        None
    };
    let models = i64_col(&df, c::MODEL)?;
    let costs = f64_col(&df, "cost_usd")?;
    let cells: Vec<CostCell> = (0..df.height())
        .map(|i| CostCell {
            day: days[i].unwrap_or(0),
            hour: hours.as_ref().and_then(|h| h[i]).unwrap_or(0),
            model: names.of(c::MODEL, models[i]),
            cost: costs[i].unwrap_or(0.0),
        })
        .collect();
    let hist = timeline::latency_histogram(lf, LATENCY_EDGES).collect()?;
    let counts = (0..LATENCY_EDGES.len())
        .map(|i| {
            Ok(u64_col(&hist, &format!("bin{i}"))?
                .first()
                .copied()
                .flatten()
                .unwrap_or(0))
        })
        .collect::<Result<Vec<u64>>>()?;
    Ok(assemble(&cells, &counts, report))
}

/// Hour by hour for a run of under three days, else day by day.
pub fn hourly(report: &Report) -> bool {
    report.summary.days > 0 && report.summary.days < 3
}

/// The dashboard's series from cost cells and latency bin counts (one per `LATENCY_EDGES`),
/// however they were computed: by the frame's queries, or by an engine running `llmlog sql`.
pub fn assemble(cells: &[CostCell], counts: &[u64], report: &Report) -> DashboardData {
    let hourly = hourly(report);
    // The series: top models by total cost (the report's by_model order), then "other".
    let mut series: Vec<String> = report
        .by_model
        .iter()
        .filter(|r| r.cost_usd > 0.0)
        .take(TOP_MODELS)
        .map(|r| r.key.clone())
        .collect();
    let folded = report.by_model.iter().filter(|r| r.cost_usd > 0.0).count() > TOP_MODELS;
    if folded {
        series.push("other".into());
    }

    // Every bucket from the first to the last, so gaps show as gaps.
    let mut totals: BTreeMap<(i64, i64), Vec<f64>> = BTreeMap::new();
    if let (Some(first), Some(last)) = (
        cells.iter().map(|c| c.day).min(),
        cells.iter().map(|c| c.day).max(),
    ) {
        for d in first..=last {
            if hourly {
                for h in 0..24 {
                    totals.insert((d, h), vec![0.0; series.len()]);
                }
            } else {
                totals.insert((d, 0), vec![0.0; series.len()]);
            }
        }
    }
    for cell in cells {
        let key = (cell.day, if hourly { cell.hour } else { 0 });
        let idx = series.iter().position(|s| *s == cell.model).or(if folded {
            Some(series.len() - 1)
        } else {
            None
        });
        if let (Some(idx), Some(row)) = (idx, totals.get_mut(&key)) {
            row[idx] += cell.cost;
        }
    }
    if hourly {
        // Trim the empty hours before the first call and after the last.
        let has = |v: &Vec<f64>| v.iter().any(|x| *x > 0.0);
        while totals.first_key_value().is_some_and(|(_, v)| !has(v)) && totals.len() > 1 {
            totals.pop_first();
        }
        while totals.last_key_value().is_some_and(|(_, v)| !has(v)) && totals.len() > 1 {
            totals.pop_last();
        }
    }
    let buckets = totals
        .keys()
        .map(|(d, h)| {
            let day = crate::normalize::timestamp::day_to_string(*d as i32);
            if hourly {
                format!("{} {h:02}h", &day[5..])
            } else {
                day[5..].to_string()
            }
        })
        .collect();
    let cost = totals.into_values().collect();
    let latency_bins = LATENCY_EDGES
        .iter()
        .enumerate()
        .map(|(i, lo)| (*lo, counts.get(i).copied().unwrap_or(0)))
        .collect();
    DashboardData {
        buckets,
        hourly,
        series,
        cost,
        latency_bins,
    }
}
