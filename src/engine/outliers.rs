//! Single calls worth a look: the most expensive, and those far above their own model's norm.

use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// Columns shown for a single call.
fn call_columns() -> Vec<Expr> {
    [
        c::FILE,
        c::LINE,
        c::TS_MS,
        c::MODEL,
        c::TYPE,
        c::USER,
        c::INPUT_TOKENS,
        c::OUTPUT_TOKENS,
        c::COST,
        c::LATENCY,
    ]
    .iter()
    .map(|n| col(*n))
    .collect()
}

/// The `n` most expensive calls, ties broken by input order.
pub fn top_calls(lf: LazyFrame, n: u32) -> LazyFrame {
    // Cut to the calls at or above the n-th largest cost first: sorting every row by three keys
    // costs more than the whole rest of the analysis.
    let nth = col(c::COST).top_k(lit(n)).min();
    lf.filter(col(c::COST).is_not_null().and(col(c::COST).gt_eq(nth)))
        .sort_by_exprs(
            [col(c::COST), col(c::FILE), col(c::LINE)],
            SortMultipleOptions::new().with_order_descending_multi([true, false, false]),
        )
        .limit(n)
        .select(call_columns())
}

/// The robust rule: a call is an outlier when it costs more than `factor` times the median cost
/// of its own model, among models with at least `min_calls` priced calls. The median ignores the
/// outliers themselves (unlike a mean), and comparing within a model keeps an expensive model's
/// ordinary calls from flooding the list.
///
/// Step one: each qualifying model's median cost per call (a few rows). The report computes
/// the same in one pass (`report::model_medians`); this is the reference its test compares with.
pub fn model_medians(lf: LazyFrame, min_calls: u32) -> LazyFrame {
    lf.filter(col(c::COST).is_not_null())
        .group_by([col(c::MODEL)])
        .agg([
            col(c::COST).median().alias("model_median"),
            len().cast(DataType::UInt64).alias("model_calls"),
        ])
        .filter(
            col("model_calls")
                .gt_eq(lit(min_calls as u64))
                .and(col("model_median").gt(lit(0.0))),
        )
}

/// Step two: the calls above `factor` × their model's median, worst first. `floor` is `factor` ×
/// the smallest median: no call below it can qualify, so the join only sees a few rows.
pub fn model_outliers(lf: LazyFrame, medians: LazyFrame, factor: f64, floor: f64) -> LazyFrame {
    let mut cols = call_columns();
    cols.push(col("model_median"));
    cols.push((col(c::COST) / col("model_median")).alias("ratio"));
    lf.filter(col(c::COST).gt(lit(floor)))
        .inner_join(medians, col(c::MODEL), col(c::MODEL))
        .filter(col(c::COST).gt(col("model_median") * lit(factor)))
        .select(cols)
        .sort_by_exprs(
            [col("ratio"), col(c::FILE), col(c::LINE)],
            SortMultipleOptions::new().with_order_descending_multi([true, false, false]),
        )
}
