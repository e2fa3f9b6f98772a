//! Cost, volume, reliability and latency grouped by one or more canonical fields.

use super::{cost_sum, latency_q, success_rate, token_sum};
use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// One row per distinct key: calls, cost, tokens, success rate, latency p50/p95, most cost first.
pub fn by(lf: LazyFrame, keys: &[&str]) -> LazyFrame {
    by_with(lf, keys, true)
}

/// The same without the latency percentiles: an aggregation polars can split across cores
/// (`percentiles::quantiles_by` adds them in one pass).
pub fn by_without_latency(lf: LazyFrame, keys: &[&str]) -> LazyFrame {
    by_with(lf, keys, false)
}

fn by_with(lf: LazyFrame, keys: &[&str], latency: bool) -> LazyFrame {
    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut sort_by = vec![col("cost_usd"), col("calls")];
    sort_by.extend(key_exprs.iter().cloned());
    let mut desc = vec![true, true];
    desc.extend(keys.iter().map(|_| false));
    let mut aggs = vec![
        len().cast(DataType::UInt64).alias("calls"),
        cost_sum().alias("cost_usd"),
        token_sum(c::INPUT_TOKENS).alias("input_tokens"),
        token_sum(c::OUTPUT_TOKENS).alias("output_tokens"),
        token_sum(c::CACHED_TOKENS).alias("cached_tokens"),
        success_rate().alias("success_rate"),
        col(c::OK)
            .not()
            .cast(DataType::UInt64)
            .sum()
            .alias("errors"),
    ];
    if latency {
        aggs.push(latency_q(0.50).alias("p50"));
        aggs.push(latency_q(0.95).alias("p95"));
    }
    lf.group_by(key_exprs).agg(aggs).sort_by_exprs(
        sort_by,
        SortMultipleOptions::new().with_order_descending_multi(desc),
    )
}
