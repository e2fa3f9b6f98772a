//! Cost against quality: per model and type, the average logged quality, the share judged
//! correct, and what a correct answer and a quality point cost.

use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// One row per (model, type) among calls that logged a quality or correctness; none when no
/// call did. `cost_per_correct` divides the cost of calls that logged correctness by the correct
/// ones; `cost_per_point` the cost of calls that logged a quality by the sum of their quality.
pub fn by_model_type(lf: LazyFrame) -> LazyFrame {
    let has_q = col(c::QUALITY).is_not_null();
    let has_c = col(c::CORRECT).is_not_null();
    let cost = || col(c::COST).fill_null(lit(0.0));
    lf.filter(has_q.clone().or(has_c.clone()))
        .group_by([col(c::MODEL), col(c::TYPE)])
        .agg([
            len().cast(DataType::UInt64).alias("calls"),
            cost().sum().alias("cost_usd"),
            has_q
                .clone()
                .cast(DataType::UInt64)
                .sum()
                .alias("rated_calls"),
            col(c::QUALITY)
                .cast(DataType::Float64)
                .mean()
                .alias("avg_quality"),
            col(c::QUALITY)
                .cast(DataType::Float64)
                .sum()
                .alias("quality_points"),
            cost().filter(has_q).sum().alias("rated_cost_usd"),
            has_c
                .clone()
                .cast(DataType::UInt64)
                .sum()
                .alias("judged_calls"),
            col(c::CORRECT)
                .cast(DataType::UInt64)
                .sum()
                .alias("correct_calls"),
            cost().filter(has_c).sum().alias("judged_cost_usd"),
        ])
}
