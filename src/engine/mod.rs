//! The analysis, as polars queries over the canonical frame: LazyFrame in, LazyFrame out.
//! Nothing here collects; `report` is the one place that runs the queries.

pub mod audit;
pub mod breakdown;
pub mod budget_usage;
pub mod filter;
pub mod outliers;
pub mod percentiles;
pub mod quality;
pub mod summary;
pub mod timeline;

use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// Cost with unknown (unpriced) calls counted as zero in sums, never as a made-up price.
pub(crate) fn cost_sum() -> Expr {
    col(c::COST).fill_null(lit(0.0)).sum()
}

pub(crate) fn token_sum(name: &str) -> Expr {
    col(name).cast(DataType::UInt64).sum()
}

pub(crate) fn success_rate() -> Expr {
    col(c::OK).cast(DataType::Float64).mean()
}

pub(crate) fn latency_q(q: f64) -> Expr {
    col(c::LATENCY).quantile(lit(q), QuantileMethod::Linear)
}

/// Calls that carried tokens but could not be priced.
pub(crate) fn is_unpriced() -> Expr {
    col(c::COST).is_null().and(
        col(c::INPUT_TOKENS)
            .gt(lit(0u32))
            .or(col(c::OUTPUT_TOKENS).gt(lit(0u32))),
    )
}
