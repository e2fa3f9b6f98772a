//! The data an HTML report embeds: a cube of calls and cost per (day, model, type, user,
//! project) that the page filters and sums in the browser, plus the report's lists. Aggregates,
//! never calls: its size grows with the number of distinct combinations, not with the logs.

use super::{f64_col, i64_col, key_name, u64_col, Report};
use crate::engine::filter::Filters;
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::day_to_string;
use crate::scan::Scan;
use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Users kept by name; the rest are one "(other users)" entry.
pub const TOP_USERS: usize = 50;
/// Rows of the cube at most; beyond it the least costly rows of each day are folded.
const MAX_ROWS: usize = 40_000;

/// One cube row: day, model, type, user, project (indices), calls, cost, errors, input and
/// output tokens.
pub type CubeRow = (u32, u32, u32, u32, u32, u64, f64, u64, u64, u64);
type CellKey = (u32, u32, u32, u32, u32);
type CellSums = (u64, f64, u64, u64, u64);

#[derive(Debug, Clone, Serialize)]
pub struct HtmlData {
    pub days: Vec<String>,
    /// Names per dimension, in the order the cube's indices refer to.
    pub dims: BTreeMap<&'static str, Vec<String>>,
    /// [day, model, type, user, project, calls, cost, errors, input tokens, output tokens]
    pub cube: Vec<CubeRow>,
    pub folded_rows: u64,
}

const DIMS: [(&str, &str); 4] = [
    ("model", c::MODEL),
    ("type", c::TYPE),
    ("user", c::USER),
    ("project", c::PROJECT),
];

pub fn build(scan: &Scan, filters: &Filters, _report: &Report) -> Result<HtmlData> {
    let lf = filters.apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    // The top users by cost keep their names.
    let users = lf
        .clone()
        .group_by([col(c::USER)])
        .agg([col(c::COST).fill_null(lit(0.0)).sum().alias("cost")])
        .sort_by_exprs(
            [col("cost"), col(c::USER)],
            SortMultipleOptions::new().with_order_descending_multi([true, false]),
        )
        .limit(TOP_USERS as u32)
        .collect()?;
    let top: Vec<u32> = i64_col(&users, c::USER)?
        .into_iter()
        .flatten()
        .map(|v| v as u32)
        .collect();
    let other = u32::MAX;
    let list = Series::new("top".into(), top.clone());
    let user = when(col(c::USER).is_in(lit(list).implode(false), false))
        .then(col(c::USER))
        .otherwise(lit(other))
        .alias(c::USER);
    let df = lf
        .with_column(user)
        .group_by([
            col(c::DAY),
            col(c::MODEL),
            col(c::TYPE),
            col(c::USER),
            col(c::PROJECT),
        ])
        .agg([
            len().cast(DataType::UInt64).alias("calls"),
            col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
            col(c::OK)
                .not()
                .cast(DataType::UInt64)
                .sum()
                .alias("errors"),
            col(c::INPUT_TOKENS)
                .cast(DataType::UInt64)
                .sum()
                .alias("input"),
            col(c::OUTPUT_TOKENS)
                .cast(DataType::UInt64)
                .sum()
                .alias("output"),
        ])
        .collect()?;
    let day = i64_col(&df, c::DAY)?;
    let codes: Vec<Vec<Option<i64>>> = DIMS
        .iter()
        .map(|(_, col)| i64_col(&df, col))
        .collect::<Result<_>>()?;
    let (calls, cost, errors) = (
        u64_col(&df, "calls")?,
        f64_col(&df, "cost")?,
        u64_col(&df, "errors")?,
    );
    let (input, output) = (u64_col(&df, "input")?, u64_col(&df, "output")?);
    // Names, sorted, so the file does not depend on dictionary codes (thread timing).
    let mut dims: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut index: Vec<BTreeMap<Option<i64>, u32>> = Vec::new();
    for (k, (dim, column)) in DIMS.iter().enumerate() {
        let mut names: Vec<(String, Option<i64>)> = codes[k]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|code| {
                let name = if code == Some(other as i64) {
                    "(other users)".to_string()
                } else {
                    key_name(scan, column, code)
                };
                (name, code)
            })
            .collect();
        names.sort();
        index.push(
            names
                .iter()
                .enumerate()
                .map(|(i, (_, code))| (*code, i as u32))
                .collect(),
        );
        dims.insert(dim, names.into_iter().map(|(n, _)| n).collect());
    }
    let first = day.iter().flatten().min().copied().unwrap_or(0);
    let last = day.iter().flatten().max().copied().unwrap_or(first);
    let days: Vec<String> = (first..=last).map(|d| day_to_string(d as i32)).collect();
    let mut cube: Vec<CubeRow> = (0..df.height())
        .map(|i| {
            (
                (day[i].unwrap_or(first) - first) as u32,
                index[0][&codes[0][i]],
                index[1][&codes[1][i]],
                index[2][&codes[2][i]],
                index[3][&codes[3][i]],
                calls[i].unwrap_or(0),
                cost[i].unwrap_or(0.0),
                errors[i].unwrap_or(0),
                input[i].unwrap_or(0),
                output[i].unwrap_or(0),
            )
        })
        .collect();
    cube.sort_by_key(|r| (r.0, r.1, r.2, r.3, r.4));
    let mut folded_rows = 0;
    if cube.len() > MAX_ROWS {
        // Keep the costliest rows; fold the rest into (day, model, type, other users, project).
        let mut by_cost: Vec<usize> = (0..cube.len()).collect();
        by_cost.sort_by(|&a, &b| cube[b].6.total_cmp(&cube[a].6).then(a.cmp(&b)));
        let keep: std::collections::BTreeSet<usize> =
            by_cost[..MAX_ROWS / 2].iter().copied().collect();
        let other_user = dims["user"].iter().position(|n| n == "(other users)");
        let other_idx = match other_user {
            Some(i) => i as u32,
            None => {
                dims.get_mut("user").unwrap().push("(other users)".into());
                (dims["user"].len() - 1) as u32
            }
        };
        let mut merged: BTreeMap<CellKey, CellSums> = BTreeMap::new();
        for (i, r) in cube.iter().enumerate() {
            let key = if keep.contains(&i) {
                (r.0, r.1, r.2, r.3, r.4)
            } else {
                (r.0, r.1, r.2, other_idx, r.4)
            };
            if !keep.contains(&i) {
                folded_rows += 1;
            }
            let e = merged.entry(key).or_default();
            e.0 += r.5;
            e.1 += r.6;
            e.2 += r.7;
            e.3 += r.8;
            e.4 += r.9;
        }
        cube = merged
            .into_iter()
            .map(|(k, v)| (k.0, k.1, k.2, k.3, k.4, v.0, v.1, v.2, v.3, v.4))
            .collect();
    }
    Ok(HtmlData {
        days,
        dims,
        cube,
        folded_rows,
    })
}
