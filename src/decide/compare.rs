//! Two sets of calls side by side: totals, the change, where it came from (volume, mix, rate),
//! and the saving per call with a bootstrap interval.

use super::attribution::{attribute, Side};
use super::bootstrap;
use crate::report::{Report, Row};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub label: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub calls: u64,
    pub cost_usd: f64,
    pub cost_per_call_usd: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub tokens_per_call: Option<f64>,
    pub success_rate: Option<f64>,
    pub latency_p50_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
    /// Days the side spans (its window, or first to last call).
    pub days: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub calls: i64,
    pub calls_pct: Option<f64>,
    pub cost_usd: f64,
    pub cost_pct: Option<f64>,
    pub cost_per_call_usd: Option<f64>,
    pub cost_per_call_pct: Option<f64>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// In points of a fraction (0.01 = one percentage point).
    pub success_rate: Option<f64>,
    pub latency_p50_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attribution {
    pub by: Vec<String>,
    pub volume_usd: f64,
    pub mix_usd: f64,
    pub rate_usd: f64,
    /// volume + mix + rate: the change in cost.
    pub total_usd: f64,
    pub method: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Saving {
    /// Cost per call in A minus in B: positive when B is cheaper.
    pub per_call_usd: Option<f64>,
    pub per_call_pct: Option<f64>,
    /// 95% percentile-bootstrap interval of `per_call_usd`.
    pub ci95_usd: Option<[f64; 2]>,
    pub resamples: usize,
    pub seed: u64,
    /// At B's volume (calls per day), per 30 days.
    pub per_month_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_cost_usd: Option<f64>,
    /// Days until the saving repays `change_cost_usd`; null when there is no saving (or no
    /// --change-cost).
    pub payback_days: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub key: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    pub a_calls: u64,
    pub a_cost_usd: f64,
    pub b_calls: u64,
    pub b_cost_usd: f64,
    pub change_cost_usd: f64,
    pub change_pct: Option<f64>,
    pub a_cost_per_call_usd: Option<f64>,
    pub b_cost_per_call_usd: Option<f64>,
    pub a_input_tokens: u64,
    pub b_input_tokens: u64,
    pub a_output_tokens: u64,
    pub b_output_tokens: u64,
    pub a_success_rate: Option<f64>,
    pub b_success_rate: Option<f64>,
    pub a_latency_p50_s: Option<f64>,
    pub b_latency_p50_s: Option<f64>,
    pub a_latency_p95_s: Option<f64>,
    pub b_latency_p95_s: Option<f64>,
    pub volume_usd: f64,
    pub mix_usd: f64,
    pub rate_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: Totals,
    pub b: Totals,
    pub change: Change,
    pub attribution: Attribution,
    pub saving: Saving,
    pub rows: Vec<GroupRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_above_pct: Option<f64>,
    pub failed: bool,
    pub warnings: Vec<String>,
}

pub const METHOD: &str = "volume = (calls_b − calls_a) × cost_per_call_a; mix = Σ over groups (calls_b,g − calls_a,g × calls_b/calls_a) × cost_per_call_a,g; rate = Σ calls_b,g × (cost_per_call_b,g − cost_per_call_a,g); a group new in B counts as mix";

/// What the caller knows beyond the two reports.
pub struct Inputs<'a> {
    pub a: &'a Report,
    pub b: &'a Report,
    pub a_label: String,
    pub b_label: String,
    pub a_days: f64,
    pub b_days: f64,
    /// Every call's cost on each side (unpriced as 0), for the bootstrap.
    pub a_costs: &'a [f64],
    pub b_costs: &'a [f64],
    pub by: Vec<String>,
    pub seed: u64,
    pub change_cost: Option<f64>,
    pub fail_above_pct: Option<f64>,
    /// Said with the result (e.g. that the periods differ in length).
    pub notes: Vec<String>,
}

fn pct(from: f64, to: f64) -> Option<f64> {
    (from != 0.0).then(|| (to - from) / from * 100.0)
}

fn totals(r: &Report, label: String, days: f64) -> Totals {
    let s = &r.summary;
    Totals {
        label,
        since: r.meta.since.clone(),
        until: r.meta.until.clone(),
        calls: s.calls,
        cost_usd: s.cost_usd,
        cost_per_call_usd: s.avg_cost_usd,
        input_tokens: s.input_tokens,
        output_tokens: s.output_tokens,
        tokens_per_call: (s.calls > 0)
            .then(|| (s.input_tokens + s.output_tokens) as f64 / s.calls as f64),
        success_rate: s.success_rate,
        latency_p50_s: s.latency_s.p50,
        latency_p95_s: s.latency_s.p95,
        days,
    }
}

fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

pub fn compare(i: &Inputs<'_>) -> Comparison {
    let a = totals(i.a, i.a_label.clone(), i.a_days);
    let b = totals(i.b, i.b_label.clone(), i.b_days);
    let change = Change {
        calls: b.calls as i64 - a.calls as i64,
        calls_pct: pct(a.calls as f64, b.calls as f64),
        cost_usd: b.cost_usd - a.cost_usd,
        cost_pct: pct(a.cost_usd, b.cost_usd),
        cost_per_call_usd: diff(a.cost_per_call_usd, b.cost_per_call_usd),
        cost_per_call_pct: match (a.cost_per_call_usd, b.cost_per_call_usd) {
            (Some(x), Some(y)) => pct(x, y),
            _ => None,
        },
        input_tokens: b.input_tokens as i64 - a.input_tokens as i64,
        output_tokens: b.output_tokens as i64 - a.output_tokens as i64,
        success_rate: diff(a.success_rate, b.success_rate),
        latency_p50_s: diff(a.latency_p50_s, b.latency_p50_s),
        latency_p95_s: diff(a.latency_p95_s, b.latency_p95_s),
    };

    // Groups by key across both sides.
    let rows_of =
        |r: &Report| -> Vec<Row> { r.by.as_ref().map(|g| g.rows.clone()).unwrap_or_default() };
    type Entry = (Vec<String>, Side, Side, Option<Row>, Option<Row>);
    let mut groups: BTreeMap<String, Entry> = BTreeMap::new();
    for (side, rows) in [(0, rows_of(i.a)), (1, rows_of(i.b))] {
        for r in rows {
            let e = groups
                .entry(r.key.clone())
                .or_insert_with(|| (r.keys.clone(), Side::default(), Side::default(), None, None));
            let s = if side == 0 { &mut e.1 } else { &mut e.2 };
            s.calls += r.calls;
            s.cost += r.cost_usd;
            if side == 0 {
                e.3 = Some(r);
            } else {
                e.4 = Some(r);
            }
        }
    }
    let pairs: Vec<(Side, Side)> = groups.values().map(|(_, a, b, _, _)| (*a, *b)).collect();
    let parts = attribute(&pairs);
    let mut rows: Vec<GroupRow> = groups
        .into_iter()
        .zip(&parts)
        .map(|((key, (keys, ga, gb, ra, rb)), p)| GroupRow {
            a_input_tokens: ra.as_ref().map_or(0, |r| r.input_tokens),
            b_input_tokens: rb.as_ref().map_or(0, |r| r.input_tokens),
            a_output_tokens: ra.as_ref().map_or(0, |r| r.output_tokens),
            b_output_tokens: rb.as_ref().map_or(0, |r| r.output_tokens),
            a_success_rate: ra.as_ref().and_then(|r| r.success_rate),
            b_success_rate: rb.as_ref().and_then(|r| r.success_rate),
            a_latency_p50_s: ra.as_ref().and_then(|r| r.p50_s),
            b_latency_p50_s: rb.as_ref().and_then(|r| r.p50_s),
            a_latency_p95_s: ra.as_ref().and_then(|r| r.p95_s),
            b_latency_p95_s: rb.as_ref().and_then(|r| r.p95_s),
            key,
            keys,
            a_calls: ga.calls,
            a_cost_usd: ga.cost,
            b_calls: gb.calls,
            b_cost_usd: gb.cost,
            change_cost_usd: gb.cost - ga.cost,
            change_pct: pct(ga.cost, gb.cost),
            a_cost_per_call_usd: (ga.calls > 0).then(|| ga.cost / ga.calls as f64),
            b_cost_per_call_usd: (gb.calls > 0).then(|| gb.cost / gb.calls as f64),
            volume_usd: p.volume,
            mix_usd: p.mix,
            rate_usd: p.rate,
        })
        .collect();
    rows.sort_by(|x, y| {
        y.change_cost_usd
            .abs()
            .total_cmp(&x.change_cost_usd.abs())
            .then_with(|| x.key.cmp(&y.key))
    });
    let sum = |f: fn(&super::attribution::Parts) -> f64| parts.iter().map(f).sum::<f64>();
    let (volume, mix) = (sum(|p| p.volume), sum(|p| p.mix));
    // The total change as the groups see it (it equals b − a up to rounding); the rate effect is
    // its remainder, so the three printed parts add up exactly.
    let total = change.cost_usd;
    let attribution = Attribution {
        by: i.by.clone(),
        volume_usd: volume,
        mix_usd: mix,
        rate_usd: total - volume - mix,
        total_usd: total,
        method: METHOD,
    };

    let n = i.a_costs.len() + i.b_costs.len();
    let resamples = bootstrap::resamples_for(n);
    let per_call = diff(b.cost_per_call_usd, a.cost_per_call_usd);
    let calls_per_day = (b.days > 0.0).then(|| b.calls as f64 / b.days);
    let per_month = match (per_call, calls_per_day) {
        (Some(s), Some(c)) => Some(s * c * 30.0),
        _ => None,
    };
    let payback = match (i.change_cost, per_call, calls_per_day) {
        (Some(cost), Some(s), Some(c)) if s > 0.0 && c > 0.0 => Some(cost / (s * c)),
        _ => None,
    };
    let saving = Saving {
        per_call_usd: per_call,
        per_call_pct: match (a.cost_per_call_usd, per_call) {
            (Some(x), Some(s)) if x != 0.0 => Some(s / x * 100.0),
            _ => None,
        },
        ci95_usd: bootstrap::saving_interval(i.a_costs, i.b_costs, resamples, i.seed)
            .map(|(lo, hi)| [lo, hi]),
        resamples,
        seed: i.seed,
        per_month_usd: per_month,
        change_cost_usd: i.change_cost,
        payback_days: payback,
    };
    let failed = match i.fail_above_pct {
        Some(limit) => match change.cost_pct {
            Some(p) => p > limit,
            None => b.cost_usd > a.cost_usd,
        },
        None => false,
    };
    let mut warnings: Vec<String> = i.notes.clone();
    if a.calls == 0 {
        warnings.push(format!("A ({}) has no calls", a.label));
    }
    if b.calls == 0 {
        warnings.push(format!("B ({}) has no calls", b.label));
    }
    if i.change_cost.is_some() && payback.is_none() {
        warnings.push("no saving per call at B's volume: the change does not pay back".into());
    }
    for (side, r) in [("A", i.a), ("B", i.b)] {
        if r.pricing.unpriced_calls > 0 {
            warnings.push(format!(
                "{side}: {} calls have tokens but no known price; their cost counts as $0",
                r.pricing.unpriced_calls
            ));
        }
    }
    Comparison {
        a,
        b,
        change,
        attribution,
        saving,
        rows,
        fail_above_pct: i.fail_above_pct,
        failed,
        warnings,
    }
}
