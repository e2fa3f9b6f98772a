//! `optimize`: for each group of work (type by default), cheaper models the logs already show
//! doing that work at least as reliably (and as well, where quality is logged), with the saving.

use super::reprice::{Calls, Rates};
use crate::normalize::columns::col_names as c;
use crate::pricing::Pricer;
use crate::report::{f64_col, i64_col, key_name, u64_col};
use crate::scan::Scan;
use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ModelEvidence {
    pub model: String,
    pub calls: u64,
    pub cost_usd: f64,
    pub cost_per_call_usd: Option<f64>,
    pub success_rate: Option<f64>,
    /// Mean quality (0–1) over `rated_calls`, when logged.
    pub avg_quality: Option<f64>,
    pub rated_calls: u64,
    /// Share judged correct over `judged_calls`, when logged.
    pub share_correct: Option<f64>,
    pub judged_calls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// The group of work (the --by value).
    pub group: String,
    pub from: ModelEvidence,
    pub to: ModelEvidence,
    /// `from`'s calls in the logs' span, repriced on `to` from their own tokens.
    pub repriced_usd: f64,
    pub saving_usd: f64,
    pub saving_pct: Option<f64>,
    /// The saving per 30 days at the logs' volume.
    pub saving_per_month_usd: f64,
    pub evidence: String,
    /// The largest saving for this group and current model: the move to make. The others are
    /// alternatives, left out of the total.
    pub best: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub group: String,
    pub from: String,
    pub to: String,
    pub saving_per_month_usd: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Optimize {
    pub by: Vec<String>,
    pub calls: u64,
    /// Calendar days the calls span; savings are scaled by 30 / days.
    pub days: u64,
    pub min_calls: u64,
    pub min_saving_usd: f64,
    pub suggestions: Vec<Suggestion>,
    /// Cheaper models that did not qualify, and why.
    pub rejected: Vec<Rejected>,
    pub saving_per_month_usd: f64,
    pub method: &'static str,
    pub pricing_source: String,
    pub warnings: Vec<String>,
}

pub const METHOD: &str = "a model B is suggested for model A's calls of a group when the logs hold at least --min-calls calls of B in that group, B's success rate there is no lower than A's, B's mean quality is no lower where A's calls log quality, and A's calls repriced on B from their own tokens (list price at each call's time) save at least --min-saving per 30 days at the logs' volume";

struct Stats {
    calls: u64,
    cost: f64,
    success: Option<f64>,
    quality: Option<f64>,
    rated: u64,
    correct: Option<f64>,
    judged: u64,
}

pub fn optimize(
    scan: &Scan,
    lf: LazyFrame,
    pricer: &Pricer,
    by: &[String],
    min_calls: u64,
    min_saving: f64,
) -> Result<Optimize> {
    let by_cols: Vec<&str> = by
        .iter()
        .map(|f| crate::engine::filter::column_for(f))
        .collect::<Result<_>>()?;
    let df = lf.collect()?;
    let calls = Calls::of(df.clone().lazy())?;
    let span = df
        .clone()
        .lazy()
        .select([
            col(c::DAY).min().alias("first"),
            col(c::DAY).max().alias("last"),
        ])
        .collect()?;
    let days = match (i64_col(&span, "first")?[0], i64_col(&span, "last")?[0]) {
        (Some(a), Some(b)) => (b - a + 1) as u64,
        _ => 0,
    };
    let mut keys: Vec<Expr> = by_cols.iter().map(|k| col(*k)).collect();
    keys.push(col(c::MODEL));
    let stats = df
        .clone()
        .lazy()
        .group_by(keys.clone())
        .agg([
            len().cast(DataType::UInt64).alias("calls"),
            col(c::COST).fill_null(lit(0.0)).sum().alias("cost_usd"),
            col(c::OK)
                .cast(DataType::Float64)
                .mean()
                .alias("success_rate"),
            col(c::QUALITY)
                .cast(DataType::Float64)
                .mean()
                .alias("avg_quality"),
            col(c::QUALITY)
                .is_not_null()
                .cast(DataType::UInt64)
                .sum()
                .alias("rated_calls"),
            col(c::CORRECT)
                .cast(DataType::Float64)
                .mean()
                .alias("share_correct"),
            col(c::CORRECT)
                .is_not_null()
                .cast(DataType::UInt64)
                .sum()
                .alias("judged_calls"),
        ])
        .collect()?;
    let group_codes: Vec<Vec<Option<i64>>> = by_cols
        .iter()
        .map(|k| i64_col(&stats, k))
        .collect::<Result<_>>()?;
    let model_codes = i64_col(&stats, c::MODEL)?;
    let n = u64_col(&stats, "calls")?;
    let cost = f64_col(&stats, "cost_usd")?;
    let sr = f64_col(&stats, "success_rate")?;
    let q = f64_col(&stats, "avg_quality")?;
    let rated = u64_col(&stats, "rated_calls")?;
    let correct = f64_col(&stats, "share_correct")?;
    let judged = u64_col(&stats, "judged_calls")?;
    // group name → model code → stats
    let mut groups: BTreeMap<String, BTreeMap<u32, Stats>> = BTreeMap::new();
    for i in 0..stats.height() {
        let g: Vec<String> = by_cols
            .iter()
            .zip(&group_codes)
            .map(|(k, v)| key_name(scan, k, v[i]))
            .collect();
        let m = model_codes[i].unwrap_or(0) as u32;
        if m == 0 {
            continue; // calls without a model cannot move to another one
        }
        groups.entry(g.join(" / ")).or_default().insert(
            m,
            Stats {
                calls: n[i].unwrap_or(0),
                cost: cost[i].unwrap_or(0.0),
                success: sr[i],
                quality: q[i],
                rated: rated[i].unwrap_or(0),
                correct: correct[i],
                judged: judged[i].unwrap_or(0),
            },
        );
    }
    // Models with enough calls somewhere are the only possible targets.
    let mut targets: Vec<u32> = groups
        .values()
        .flat_map(|ms| ms.iter().filter(|(_, s)| s.calls >= 1).map(|(m, _)| *m))
        .collect();
    targets.sort_unstable();
    targets.dedup();

    // For each target, every call repriced on it, summed per (group, model) by polars.
    let group_of_row: Vec<String> = {
        let gc: Vec<Vec<Option<i64>>> = by_cols
            .iter()
            .map(|k| i64_col(&df, k))
            .collect::<Result<_>>()?;
        (0..df.height())
            .map(|i| {
                by_cols
                    .iter()
                    .zip(&gc)
                    .map(|(k, v)| key_name(scan, k, v[i]))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect()
    };
    let mut repriced: BTreeMap<(String, u32, u32), f64> = BTreeMap::new();
    let mut base = DataFrame::new(
        df.height(),
        vec![
            Column::new("group".into(), group_of_row),
            df.column(c::MODEL)?.clone(),
        ],
    )?;
    for &t in &targets {
        let name = &scan.names[t as usize];
        let mut rates = Rates::new(pricer, name, crate::pricing::Variant::Standard);
        let at: Vec<Option<f64>> = (0..calls.len())
            // A call that cannot be repriced keeps its cost: no saving is claimed for it.
            .map(|i| calls.cost[i].map(|own| rates.cost(&calls, i).unwrap_or(own)))
            .collect();
        base.with_column(Column::new("at".into(), at))?;
        let sums = base
            .clone()
            .lazy()
            .group_by([col("group"), col(c::MODEL)])
            .agg([col("at").fill_null(lit(0.0)).sum().alias("at")])
            .collect()?;
        let g = sums.column("group")?.str()?.clone();
        let m = i64_col(&sums, c::MODEL)?;
        let v = f64_col(&sums, "at")?;
        for i in 0..sums.height() {
            let (Some(gname), Some(mc)) = (g.get(i), m[i]) else {
                continue;
            };
            repriced.insert((gname.to_string(), mc as u32, t), v[i].unwrap_or(0.0));
        }
    }

    let scale = if days > 0 { 30.0 / days as f64 } else { 0.0 };
    let evidence_of = |m: u32, s: &Stats| ModelEvidence {
        model: scan.names[m as usize].clone(),
        calls: s.calls,
        cost_usd: s.cost,
        cost_per_call_usd: (s.calls > 0).then(|| s.cost / s.calls as f64),
        success_rate: s.success,
        avg_quality: s.quality,
        rated_calls: s.rated,
        share_correct: s.correct,
        judged_calls: s.judged,
    };
    let mut suggestions = Vec::new();
    let mut rejected = Vec::new();
    for (g, models) in &groups {
        for (&from, fs) in models {
            if fs.cost <= 0.0 {
                continue;
            }
            for (&to, ts) in models {
                if to == from {
                    continue;
                }
                let Some(&at) = repriced.get(&(g.clone(), from, to)) else {
                    continue;
                };
                let saving = fs.cost - at;
                if saving <= 0.0 {
                    continue; // not cheaper for this work
                }
                let monthly = saving * scale;
                let pct = |v: Option<f64>| {
                    v.map(|x| format!("{:.1}%", x * 100.0))
                        .unwrap_or_else(|| "–".into())
                };
                let mut reasons = Vec::new();
                if ts.calls < min_calls {
                    reasons.push(format!(
                        "too few calls: {} has {} calls here, --min-calls is {min_calls}",
                        scan.names[to as usize], ts.calls
                    ));
                }
                if ts.success.unwrap_or(0.0) < fs.success.unwrap_or(0.0) {
                    reasons.push(format!(
                        "worse success rate: {} against {}",
                        pct(ts.success),
                        pct(fs.success)
                    ));
                }
                // Where the current model's calls are scored, the cheaper one must be scored too,
                // over as many calls as the evidence needs, and score no lower.
                if fs.rated > 0 {
                    match ts.quality {
                        Some(tq) if ts.rated >= min_calls => {
                            if tq < fs.quality.unwrap_or(0.0) {
                                reasons.push(format!(
                                    "lower quality: {tq:.2} against {:.2}",
                                    fs.quality.unwrap_or(0.0)
                                ));
                            }
                        }
                        _ => reasons.push(format!(
                            "quality logged for {} of its calls here (--min-calls {min_calls}), while the current model's calls have it",
                            ts.rated
                        )),
                    }
                }
                if fs.judged > 0 {
                    match ts.correct {
                        Some(tc) if ts.judged >= min_calls => {
                            if tc < fs.correct.unwrap_or(0.0) {
                                reasons.push(format!(
                                    "fewer correct answers: {} against {}",
                                    pct(Some(tc)),
                                    pct(fs.correct)
                                ));
                            }
                        }
                        _ => reasons.push(format!(
                            "correctness logged for {} of its calls here (--min-calls {min_calls}), while the current model's calls have it",
                            ts.judged
                        )),
                    }
                }
                if monthly < min_saving {
                    reasons.push(format!(
                        "saving {} per 30 days is below --min-saving {}",
                        crate::fmt::money(monthly),
                        crate::fmt::money(min_saving)
                    ));
                }
                if reasons.is_empty() {
                    let quality = match (fs.quality, ts.quality) {
                        (Some(a), Some(b)) => format!(", quality {b:.2} vs {a:.2}"),
                        _ => String::new(),
                    };
                    suggestions.push(Suggestion {
                        group: g.clone(),
                        from: evidence_of(from, fs),
                        to: evidence_of(to, ts),
                        repriced_usd: at,
                        saving_usd: saving,
                        saving_pct: Some(saving / fs.cost * 100.0),
                        saving_per_month_usd: monthly,
                        best: false,
                        evidence: format!(
                            "{} calls of {} in '{g}' succeed {} (vs {} over {} calls){quality}",
                            ts.calls,
                            scan.names[to as usize],
                            pct(ts.success),
                            pct(fs.success),
                            fs.calls
                        ),
                    });
                } else {
                    rejected.push(Rejected {
                        group: g.clone(),
                        from: scan.names[from as usize].clone(),
                        to: scan.names[to as usize].clone(),
                        saving_per_month_usd: monthly,
                        reasons,
                    });
                }
            }
        }
    }
    let order = |a: f64, b: f64| b.total_cmp(&a);
    suggestions.sort_by(|a, b| {
        order(a.saving_per_month_usd, b.saving_per_month_usd)
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.from.model.cmp(&b.from.model))
            .then_with(|| a.to.model.cmp(&b.to.model))
    });
    rejected.sort_by(|a, b| {
        order(a.saving_per_month_usd, b.saving_per_month_usd)
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.from.cmp(&b.from))
            .then_with(|| a.to.cmp(&b.to))
    });
    // The best move per (group, model) is what one would do; the total counts only those.
    let mut seen = std::collections::BTreeSet::new();
    for s in &mut suggestions {
        s.best = seen.insert((s.group.clone(), s.from.model.clone()));
    }
    let total: f64 = suggestions
        .iter()
        .filter(|s| s.best)
        .map(|s| s.saving_per_month_usd)
        .sum();
    let mut warnings = Vec::new();
    if days == 0 {
        warnings.push("no calls: nothing to optimize".into());
    } else if suggestions.is_empty() {
        warnings.push(
            "no suggestion: no cheaper model in the logs has enough evidence for the same work"
                .into(),
        );
    }
    Ok(Optimize {
        by: by.to_vec(),
        calls: calls.len() as u64,
        days,
        min_calls,
        min_saving_usd: min_saving,
        suggestions,
        rejected,
        saving_per_month_usd: total,
        method: METHOD,
        pricing_source: pricer.label(),
        warnings,
    })
}
