//! Cost, volume, reliability and latency grouped by one or more canonical fields.

use super::{cost_sum, latency_q, success_rate, token_sum};
use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// One row per distinct key: calls, cost, tokens, success rate, latency p50/p95, most cost first.
pub fn by(lf: LazyFrame, keys: &[&str]) -> LazyFrame {
    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut sort_by = vec![col("cost_usd"), col("calls")];
    sort_by.extend(key_exprs.iter().cloned());
    let mut desc = vec![true, true];
    desc.extend(keys.iter().map(|_| false));
    lf.group_by(key_exprs)
        .agg([
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
            latency_q(0.50).alias("p50"),
            latency_q(0.95).alias("p95"),
        ])
        .sort_by_exprs(
            sort_by,
            SortMultipleOptions::new().with_order_descending_multi(desc),
        )
}
