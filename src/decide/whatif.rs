//! `whatif`: the selected calls repriced on other models, and the saving by group.

use super::reprice::{Calls, Kept, Rates};
use crate::engine::filter::glob_match;
use crate::normalize::columns::col_names as c;
use crate::pricing::{Pricer, Variant};
use crate::report::{f64_col, i64_col, key_name, u64_col};
use crate::scan::Scan;
use anyhow::{bail, Result};
use polars::prelude::*;
use serde::Serialize;

/// `--as FROM=TO`.
#[derive(Debug, Clone, PartialEq)]
pub struct Swap {
    pub from: String,
    pub to: String,
}

impl Swap {
    pub fn parse(s: &str) -> Result<Swap> {
        match s.split_once('=') {
            Some((f, t)) if !f.trim().is_empty() && !t.trim().is_empty() => Ok(Swap {
                from: f.trim().to_string(),
                to: t.trim().to_string(),
            }),
            _ => bail!("--as '{s}': expected FROM=TO, e.g. --as 'gpt-4o*=gpt-4o-mini'"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatifRow {
    pub key: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    pub calls: u64,
    /// Calls repriced on a TO model.
    pub repriced_calls: u64,
    pub before_usd: f64,
    pub after_usd: f64,
    pub saving_usd: f64,
    pub saving_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SwapReport {
    pub from: String,
    pub to: String,
    pub calls: u64,
    pub before_usd: f64,
    pub after_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Whatif {
    pub calls: u64,
    pub repriced_calls: u64,
    pub before_usd: f64,
    pub after_usd: f64,
    pub saving_usd: f64,
    pub saving_pct: Option<f64>,
    pub swaps: Vec<SwapReport>,
    pub by: Vec<String>,
    pub rows: Vec<WhatifRow>,
    pub by_type: Vec<WhatifRow>,
    pub by_user: Vec<WhatifRow>,
    pub pricing_source: String,
    pub method: &'static str,
    pub warnings: Vec<String>,
}

pub const METHOD: &str = "each call whose model matches FROM is priced from its own tokens (input, cache reads and writes, output, reasoning) at TO's list price (standard tier) in effect at the call's time; cache writes at the 5-minute rate; other calls keep their cost";

pub fn whatif(
    scan: &Scan,
    lf: LazyFrame,
    pricer: &Pricer,
    swaps: &[Swap],
    by: &[String],
    variant: Variant,
    now_ms: i64,
) -> Result<Whatif> {
    // The database's id of each target, to leave alone calls already on it under another name
    // (gpt-4o-mini-2024-07-18 is gpt-4o-mini).
    let target_ids: Vec<Option<String>> = swaps
        .iter()
        .map(|s| {
            pricer
                .resolve(&s.to, None, now_ms, Variant::Standard)
                .map(|r| r.model_id.clone())
        })
        .collect();
    let df = lf.collect()?;
    let calls = Calls::of(df.clone().lazy())?;
    // Model code → the swap it falls under (first match wins).
    let swap_of: Vec<Option<usize>> = scan
        .names
        .iter()
        .enumerate()
        .map(|(code, name)| {
            if code == 0 {
                return None;
            }
            // A model already on its target stays as it is (`gpt-4o*=gpt-4o-mini` and gpt-4o-mini).
            swaps
                .iter()
                .position(|s| glob_match(&s.from, name))
                .filter(|&k| {
                    swaps[k].to != *name
                        && (target_ids[k].is_none()
                            || pricer
                                .resolve(name, None, now_ms, Variant::Standard)
                                .map(|r| r.model_id.clone())
                                != target_ids[k])
                })
        })
        .collect();
    let mut rates: Vec<Rates> = swaps
        .iter()
        .map(|s| Rates::new(pricer, &s.to, variant))
        .collect();
    let mut after: Vec<Option<f64>> = Vec::with_capacity(calls.len());
    let mut repriced: Vec<bool> = Vec::with_capacity(calls.len());
    let mut per_swap = vec![(0u64, 0.0f64, 0.0f64); swaps.len()];
    let (mut no_tokens, mut no_price, mut unpriced) = (0u64, 0u64, 0u64);
    for i in 0..calls.len() {
        let before = calls.cost[i];
        let s = swap_of.get(calls.model[i] as usize).copied().flatten();
        let (a, r) = match (s, before) {
            (None, _) => (before, false),
            (Some(_), None) => {
                unpriced += 1;
                (None, false)
            }
            (Some(k), Some(b)) => match rates[k].cost(&calls, i) {
                Ok(v) => {
                    per_swap[k].0 += 1;
                    per_swap[k].1 += b;
                    per_swap[k].2 += v;
                    (Some(v), true)
                }
                Err(Kept::NoTokens) => {
                    no_tokens += 1;
                    (before, false)
                }
                Err(Kept::NoPrice) => {
                    no_price += 1;
                    (before, false)
                }
            },
        };
        after.push(a);
        repriced.push(r);
    }
    let mut df = df;
    df.with_column(Column::new("after_usd".into(), after))?;
    df.with_column(Column::new("repriced".into(), repriced))?;
    let by_cols: Vec<&str> = by
        .iter()
        .map(|f| crate::engine::filter::column_for(f))
        .collect::<Result<_>>()?;
    let group = |keys: &[&str]| -> Result<Vec<WhatifRow>> {
        let g = df
            .clone()
            .lazy()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                len().cast(DataType::UInt64).alias("calls"),
                col("repriced")
                    .cast(DataType::UInt64)
                    .sum()
                    .alias("repriced_calls"),
                col(c::COST).fill_null(lit(0.0)).sum().alias("before_usd"),
                col("after_usd")
                    .fill_null(lit(0.0))
                    .sum()
                    .alias("after_usd"),
            ])
            .collect()?;
        let key_cols: Vec<Vec<Option<i64>>> =
            keys.iter().map(|k| i64_col(&g, k)).collect::<Result<_>>()?;
        let n = u64_col(&g, "calls")?;
        let rp = u64_col(&g, "repriced_calls")?;
        let b = f64_col(&g, "before_usd")?;
        let a = f64_col(&g, "after_usd")?;
        let mut rows: Vec<WhatifRow> = (0..g.height())
            .map(|i| {
                let parts: Vec<String> = keys
                    .iter()
                    .zip(&key_cols)
                    .map(|(k, v)| key_name(scan, k, v[i]))
                    .collect();
                let (before, after) = (b[i].unwrap_or(0.0), a[i].unwrap_or(0.0));
                WhatifRow {
                    key: parts.join(" / "),
                    keys: if parts.len() > 1 { parts } else { Vec::new() },
                    calls: n[i].unwrap_or(0),
                    repriced_calls: rp[i].unwrap_or(0),
                    before_usd: before,
                    after_usd: after,
                    saving_usd: before - after,
                    saving_pct: (before != 0.0).then(|| (before - after) / before * 100.0),
                }
            })
            .collect();
        rows.sort_by(|x, y| {
            y.saving_usd
                .total_cmp(&x.saving_usd)
                .then(y.before_usd.total_cmp(&x.before_usd))
                .then_with(|| x.key.cmp(&y.key))
        });
        Ok(rows)
    };
    let rows = group(&by_cols)?;
    let by_type = group(&[c::TYPE])?;
    let by_user = group(&[c::USER])?;
    let before: f64 = rows.iter().map(|r| r.before_usd).sum();
    let after_total: f64 = rows.iter().map(|r| r.after_usd).sum();
    let mut warnings = Vec::new();
    for (i, s) in swaps.iter().enumerate() {
        if swaps[..i].iter().any(|p| p.from == s.from) {
            warnings.push(format!(
                "--as '{}={}': '{}' is already swapped by an earlier --as; the first wins",
                s.from, s.to, s.from
            ));
        }
    }
    let matched: u64 = per_swap.iter().map(|p| p.0).sum::<u64>() + no_tokens + no_price + unpriced;
    if matched == 0 {
        warnings.push(format!(
            "no call's model matches {}: see the models with llmlog analyze",
            swaps
                .iter()
                .map(|s| format!("'{}'", s.from))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if no_tokens > 0 {
        warnings.push(format!(
            "{no_tokens} matching calls logged a cost but no tokens: kept at their logged cost"
        ));
    }
    if no_price > 0 {
        warnings.push(format!(
            "{no_price} matching calls are older than the target model's first price: kept at their cost"
        ));
    }
    if unpriced > 0 {
        warnings.push(format!(
            "{unpriced} matching calls have no known cost today: left out of before and after"
        ));
    }
    Ok(Whatif {
        calls: calls.len() as u64,
        repriced_calls: per_swap.iter().map(|p| p.0).sum(),
        before_usd: before,
        after_usd: after_total,
        saving_usd: before - after_total,
        saving_pct: (before != 0.0).then(|| (before - after_total) / before * 100.0),
        swaps: swaps
            .iter()
            .zip(&per_swap)
            .map(|(s, p)| SwapReport {
                from: s.from.clone(),
                to: s.to.clone(),
                calls: p.0,
                before_usd: p.1,
                after_usd: p.2,
            })
            .collect(),
        by: by.to_vec(),
        rows,
        by_type,
        by_user,
        pricing_source: pricer.label(),
        method: METHOD,
        warnings,
    })
}
