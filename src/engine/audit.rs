//! The pricing audit: for calls that logged both tokens and a cost, the logged total against
//! the list price of the same tokens, per model.

use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// One row per model: calls, logged $, list $ (models the rates know), calls without a list price.
pub fn by_model(lf: LazyFrame) -> LazyFrame {
    let has_tokens = col(c::INPUT_TOKENS)
        .gt(lit(0u32))
        .or(col(c::OUTPUT_TOKENS).gt(lit(0u32)));
    let listed = col(c::LIST_COST).is_not_null();
    lf.filter(
        col(c::PRICED)
            .not()
            .and(col(c::COST).is_not_null())
            .and(has_tokens),
    )
    .group_by([col(c::MODEL)])
    .agg([
        len().cast(DataType::UInt64).alias("calls"),
        listed
            .clone()
            .cast(DataType::UInt64)
            .sum()
            .alias("listed_calls"),
        col(c::COST)
            .filter(listed.clone())
            .sum()
            .alias("logged_usd"),
        col(c::LIST_COST).filter(listed).sum().alias("list_usd"),
        col(c::COST).sum().alias("logged_all_usd"),
        // A response cache that logs $0 for a hit is the commonest reason logged < list.
        col(c::COST)
            .eq(lit(0.0))
            .cast(DataType::UInt64)
            .sum()
            .alias("zero_cost_calls"),
    ])
}
