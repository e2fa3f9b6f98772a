//! Whole-run figures: one row of totals, rates and latency percentiles.

use super::{cost_sum, is_unpriced, success_rate, token_sum};
use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// One row: calls, cost, tokens, success and cache rates, latency count, max and mean, time
/// range. (The percentiles come from `percentiles`, in one selection pass instead of a sort each.)
pub fn totals(lf: LazyFrame, slow_threshold_s: f64) -> LazyFrame {
    lf.select([
        len().cast(DataType::UInt64).alias("calls"),
        cost_sum().alias("cost_usd"),
        token_sum(c::INPUT_TOKENS).alias("input_tokens"),
        token_sum(c::OUTPUT_TOKENS).alias("output_tokens"),
        token_sum(c::CACHED_TOKENS).alias("cached_tokens"),
        token_sum(c::CACHE_WRITE_TOKENS).alias("cache_write_tokens"),
        token_sum(c::REASONING_TOKENS).alias("reasoning_tokens"),
        success_rate().alias("success_rate"),
        col(c::OK)
            .not()
            .cast(DataType::UInt64)
            .sum()
            .alias("errors"),
        col(c::CACHE_HIT)
            .cast(DataType::Float64)
            .mean()
            .alias("cache_hit_rate"),
        col(c::LATENCY)
            .count()
            .cast(DataType::UInt64)
            .alias("latency_calls"),
        col(c::LATENCY).max().alias("latency_max"),
        col(c::TTFT)
            .count()
            .cast(DataType::UInt64)
            .alias("ttft_calls"),
        col(c::LATENCY).mean().alias("latency_mean"),
        col(c::LATENCY)
            .gt(lit(slow_threshold_s))
            .cast(DataType::UInt64)
            .sum()
            .alias("slow_calls"),
        col(c::TS_MS).min().alias("first_ms"),
        col(c::TS_MS).max().alias("last_ms"),
        col(c::DAY).min().alias("first_day"),
        col(c::DAY).max().alias("last_day"),
        col(c::PRICED)
            .cast(DataType::UInt64)
            .sum()
            .alias("priced_calls"),
        is_unpriced()
            .cast(DataType::UInt64)
            .sum()
            .alias("unpriced_calls"),
    ])
}

/// Failed calls by error kind, most frequent first.
pub fn errors_by_kind(lf: LazyFrame) -> LazyFrame {
    lf.filter(col(c::OK).not())
        .group_by([col(c::ERROR_KIND)])
        .agg([len().cast(DataType::UInt64).alias("calls")])
        .sort_by_exprs(
            [col("calls"), col(c::ERROR_KIND)],
            SortMultipleOptions::new().with_order_descending_multi([true, false]),
        )
}

/// Models with calls that carried tokens but had no cost and no price.
pub fn unpriced_models(lf: LazyFrame) -> LazyFrame {
    lf.filter(is_unpriced())
        .group_by([col(c::MODEL)])
        .agg([
            len().cast(DataType::UInt64).alias("calls"),
            token_sum(c::INPUT_TOKENS).alias("input_tokens"),
            token_sum(c::OUTPUT_TOKENS).alias("output_tokens"),
        ])
        .sort_by_exprs(
            [col("calls")],
            SortMultipleOptions::new().with_order_descending(true),
        )
}

/// Cost between two local days (inclusive), for the month projection.
pub fn cost_between_days(lf: LazyFrame, first_day: i32, last_day: i32) -> LazyFrame {
    lf.filter(
        col(c::DAY)
            .gt_eq(lit(first_day))
            .and(col(c::DAY).lt_eq(lit(last_day))),
    )
    .select([cost_sum().alias("cost_usd")])
}
