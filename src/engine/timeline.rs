//! Cost over time per model (daily, or hourly for short ranges), and the latency histogram.

use super::cost_sum;
use crate::normalize::columns::col_names as c;
use polars::prelude::*;

/// Rows of (day, [hour], model, cost_usd).
pub fn cost_over_time(lf: LazyFrame, hourly: bool) -> LazyFrame {
    let mut keys = vec![col(c::DAY)];
    if hourly {
        keys.push(col(c::HOUR));
    }
    keys.push(col(c::MODEL));
    lf.group_by(keys).agg([cost_sum().alias("cost_usd")])
}

/// One row: the count of calls whose latency falls in each [edges[i], edges[i+1]) bin, named
/// `bin0`, `bin1`, …; the last bin is open-ended.
pub fn latency_histogram(lf: LazyFrame, edges: &[f64]) -> LazyFrame {
    let lat = || col(c::LATENCY);
    let bins: Vec<Expr> = edges
        .iter()
        .enumerate()
        .map(|(i, lo)| {
            let inside = match edges.get(i + 1) {
                Some(hi) => lat().gt_eq(lit(*lo)).and(lat().lt(lit(*hi))),
                None => lat().gt_eq(lit(*lo)),
            };
            inside.cast(DataType::UInt64).sum().alias(format!("bin{i}"))
        })
        .collect();
    lf.select(bins)
}
