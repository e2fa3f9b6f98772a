//! Daily cost within a budget's scope (per member for per-field budgets): the input budgets need.

use super::cost_sum;
use super::filter::{column_for, Where};
use crate::budget::Budget;
use crate::normalize::columns::col_names as c;
use anyhow::Result;
use polars::prelude::*;

/// Rows of (day, [per column], cost_usd) for the calls a budget covers.
pub fn daily_cost(lf: LazyFrame, b: &Budget, names: &[String]) -> Result<LazyFrame> {
    let mut lf = lf;
    for (field, pattern) in &b.scope {
        let w = Where {
            field: field.clone(),
            negate: false,
            pattern: pattern.clone(),
        };
        lf = lf.filter(w.predicate(names, &[])?);
    }
    let mut keys = vec![col(c::DAY)];
    if let Some(per) = &b.per {
        keys.push(col(column_for(per)?).alias("member"));
    }
    Ok(lf.group_by(keys).agg([cost_sum().alias("cost_usd")]))
}

/// Total cost per local day, for the trend.
pub fn cost_by_day(lf: LazyFrame) -> LazyFrame {
    lf.group_by([col(c::DAY)])
        .agg([cost_sum().alias("cost_usd")])
}
