//! `llmlog bill`: one line per customer — calls, tokens, provider cost, markup, fees, the
//! minimum-charge top-up and the amount due — with totals equal to analyze's for the window.

use crate::normalize::columns::col_names as c;
use crate::render::sheet::{Cell, Sheet};
use crate::report::{f64_col, i64_col, key_name, u64_col};
use crate::scan::Scan;
use anyhow::{bail, Result};
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default)]
pub struct Terms {
    /// A fraction of the cost (0.2 = 20%).
    pub markup: f64,
    pub per_call_fee: f64,
    pub min_charge: f64,
}

/// `20%` or `0.2`.
pub fn parse_markup(s: &str) -> Result<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => match t.parse::<f64>() {
            // "20" is surely 20%, not 2000%: say so rather than guess.
            Ok(x) if x > 1.0 => {
                bail!("--markup {s}: write {s}% for a percentage (or a fraction such as 0.2)")
            }
            other => other,
        },
    };
    match v {
        Ok(x) if x.is_finite() && (0.0..=100.0).contains(&x) => Ok(x),
        _ => bail!("--markup '{s}': give a percentage (20%) or a fraction (0.2), 0 or more"),
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Line {
    pub customer: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub markup_usd: f64,
    pub fees_usd: f64,
    /// What --min-charge adds to reach the minimum.
    pub minimum_usd: f64,
    pub amount_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bill {
    pub period: String,
    pub since: String,
    pub until: String,
    /// The field customers are told apart by.
    pub by: String,
    pub markup: f64,
    pub per_call_fee_usd: f64,
    pub min_charge_usd: f64,
    pub lines: Vec<Line>,
    pub total: Line,
    /// How the total reconciles with `llmlog analyze` for the same window.
    pub reconciliation: String,
    pub pricing_source: String,
    pub warnings: Vec<String>,
}

pub fn lines(scan: &Scan, lf: LazyFrame, column: &str, t: &Terms) -> Result<Vec<Line>> {
    let df = lf
        .group_by([col(column)])
        .agg([
            len().cast(DataType::UInt64).alias("calls"),
            col(c::INPUT_TOKENS)
                .cast(DataType::UInt64)
                .sum()
                .alias("input"),
            col(c::OUTPUT_TOKENS)
                .cast(DataType::UInt64)
                .sum()
                .alias("output"),
            col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
        ])
        .collect()?;
    let k = i64_col(&df, column)?;
    let (n, i, o) = (
        u64_col(&df, "calls")?,
        u64_col(&df, "input")?,
        u64_col(&df, "output")?,
    );
    let cost = f64_col(&df, "cost")?;
    let mut v: Vec<Line> = (0..df.height())
        .map(|r| {
            let calls = n[r].unwrap_or(0);
            let cost = cost[r].unwrap_or(0.0);
            let markup = cost * t.markup;
            let fees = calls as f64 * t.per_call_fee;
            let sub = cost + markup + fees;
            let customer = key_name(scan, column, k[r]);
            // Calls naming no customer are billed at cost to no one: no minimum for them.
            let minimum = if calls > 0 && sub < t.min_charge && customer != "(none)" {
                t.min_charge - sub
            } else {
                0.0
            };
            Line {
                customer,
                calls,
                input_tokens: i[r].unwrap_or(0),
                output_tokens: o[r].unwrap_or(0),
                cost_usd: cost,
                markup_usd: markup,
                fees_usd: fees,
                minimum_usd: minimum,
                amount_usd: sub + minimum,
            }
        })
        .collect();
    v.sort_by(|a, b| {
        b.amount_usd
            .total_cmp(&a.amount_usd)
            .then_with(|| a.customer.cmp(&b.customer))
    });
    Ok(v)
}

pub fn total(lines: &[Line]) -> Line {
    let mut t = Line {
        customer: "Total".into(),
        ..Line::default()
    };
    for l in lines {
        t.calls += l.calls;
        t.input_tokens += l.input_tokens;
        t.output_tokens += l.output_tokens;
        t.cost_usd += l.cost_usd;
        t.markup_usd += l.markup_usd;
        t.fees_usd += l.fees_usd;
        t.minimum_usd += l.minimum_usd;
        t.amount_usd += l.amount_usd;
    }
    t
}

pub fn sheet(b: &Bill) -> Sheet {
    let row = |l: &Line| {
        vec![
            Cell::text(&l.customer),
            Cell::Int(l.calls),
            Cell::Int(l.input_tokens),
            Cell::Int(l.output_tokens),
            Cell::Money(l.cost_usd),
            Cell::Money(l.markup_usd),
            Cell::Money(l.fees_usd),
            Cell::Money(l.minimum_usd),
            Cell::Money(l.amount_usd),
        ]
    };
    Sheet {
        name: "Bill".into(),
        title: format!("Bill — {} (by {})", b.period, b.by),
        headers: [
            "Customer",
            "Calls",
            "Input tokens",
            "Output tokens",
            "Cost",
            "Markup",
            "Fees",
            "Minimum",
            "Amount due",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: b
            .lines
            .iter()
            .map(row)
            .chain(std::iter::once(row(&b.total)))
            .collect(),
        note: Some(format!(
            "Markup {:.1}%, {} per call, minimum {}. {}",
            b.markup * 100.0,
            crate::fmt::money(b.per_call_fee_usd),
            crate::fmt::money(b.min_charge_usd),
            b.reconciliation
        )),
    }
}
