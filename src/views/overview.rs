//! `llmlog costs`: one screen — today, this week, this month, all time, each budget's line, the
//! month's top models and types, and the week-on-week trend.

use crate::budget::{BudgetReport, Trend};
use crate::config::Settings;
use crate::engine::breakdown;
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::{date_of, day_of, format_local, local_midnight_ms};
use crate::render::sheet::{Cell, Sheet};
use crate::report::{evaluate_budgets, f64_col, i64_col, key_name, u64_col, ReportOptions};
use crate::scan::Scan;
use anyhow::Result;
use chrono::Datelike;
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Span {
    pub from: String,
    pub calls: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub key: String,
    pub calls: u64,
    pub cost_usd: f64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub now: String,
    pub timezone: String,
    pub today: Span,
    /// Since Monday.
    pub this_week: Span,
    pub this_month: Span,
    pub all_time: Span,
    pub budgets: Vec<BudgetReport>,
    pub top_models_this_month: Vec<Share>,
    pub top_types_this_month: Vec<Share>,
    pub trend: Trend,
}

pub fn build(scan: &Scan, settings: &Settings, top: usize) -> Result<Overview> {
    let tz = settings.tz;
    let lf = settings
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let today = crate::report::day_of_instant(settings.now_ms, tz);
    let date = date_of(today);
    let week = today - date.weekday().num_days_from_monday() as i32;
    let month = day_of(date.with_day(1).unwrap_or(date));
    let starts = [
        local_midnight_ms(today, tz),
        local_midnight_ms(week, tz),
        local_midnight_ms(month, tz),
    ];
    let mut exprs = vec![
        len().cast(DataType::UInt64).alias("calls"),
        col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
        col(c::TS_MS).min().alias("first"),
    ];
    for (i, s) in starts.iter().enumerate() {
        let inside = col(c::TS_MS)
            .gt_eq(lit(*s))
            .and(col(c::TS_MS).lt_eq(lit(settings.now_ms)));
        exprs.push(
            inside
                .clone()
                .cast(DataType::UInt64)
                .sum()
                .alias(format!("n{i}")),
        );
        exprs.push(
            col(c::COST)
                .fill_null(lit(0.0))
                .filter(inside)
                .sum()
                .alias(format!("c{i}")),
        );
    }
    let t = lf.clone().select(exprs).collect()?;
    let g = |n: &str| crate::report::f64_at(&t, n).map(|v| v.unwrap_or(0.0));
    let u = |n: &str| crate::report::u64_at(&t, n).map(|v| v.unwrap_or(0));
    let span = |i: usize| -> Result<Span> {
        Ok(Span {
            from: format_local(starts[i], tz),
            calls: u(&format!("n{i}"))?,
            cost_usd: g(&format!("c{i}"))?,
        })
    };
    let mut opts = ReportOptions::for_budgets(settings);
    opts.filters = settings.filters.clone();
    let (budgets, trend) = evaluate_budgets(lf.clone(), &scan.names, &settings.budgets, &opts)?;
    let month_lf = lf.filter(
        col(c::TS_MS)
            .gt_eq(lit(starts[2]))
            .and(col(c::TS_MS).lt_eq(lit(settings.now_ms))),
    );
    let month_cost = g("c2")?;
    let shares = |column: &str| -> Result<Vec<Share>> {
        let df = breakdown::by(month_lf.clone(), &[column]).collect()?;
        let k = i64_col(&df, column)?;
        let n = u64_col(&df, "calls")?;
        let cst = f64_col(&df, "cost_usd")?;
        let mut v: Vec<Share> = (0..df.height())
            .map(|i| Share {
                key: key_name(scan, column, k[i]),
                calls: n[i].unwrap_or(0),
                cost_usd: cst[i].unwrap_or(0.0),
                share: if month_cost > 0.0 {
                    cst[i].unwrap_or(0.0) / month_cost
                } else {
                    0.0
                },
            })
            .collect();
        v.sort_by(|a, b| {
            b.cost_usd
                .total_cmp(&a.cost_usd)
                .then_with(|| a.key.cmp(&b.key))
        });
        v.truncate(top);
        Ok(v)
    };
    Ok(Overview {
        now: format_local(settings.now_ms, tz),
        timezone: tz.name().to_string(),
        today: span(0)?,
        this_week: span(1)?,
        this_month: span(2)?,
        all_time: Span {
            from: crate::report::i64_at(&t, "first")?
                .map(|m| format_local(m, tz))
                .unwrap_or_default(),
            calls: u("calls")?,
            cost_usd: g("cost")?,
        },
        budgets,
        top_models_this_month: shares(c::MODEL)?,
        top_types_this_month: shares(c::TYPE)?,
        trend,
    })
}

pub fn sheets(o: &Overview) -> Vec<Sheet> {
    let row = |name: &str, s: &Span| {
        vec![
            Cell::text(name),
            Cell::Int(s.calls),
            Cell::Money(s.cost_usd),
        ]
    };
    let mut out = vec![Sheet {
        name: "Overview".into(),
        title: format!(
            "Costs — {} ({})",
            o.now.get(..16).unwrap_or(&o.now).replace('T', " "),
            o.timezone
        ),
        headers: vec!["".into(), "Calls".into(), "Cost".into()],
        rows: vec![
            row("Today", &o.today),
            row("This week", &o.this_week),
            row("This month", &o.this_month),
            row("All time", &o.all_time),
        ],
        note: Some({
            let t = &o.trend;
            let change = t
                .change
                .map(|c| format!("{:+.0}%", c * 100.0))
                .unwrap_or_else(|| "no spend the week before".into());
            format!(
                "Trend: {} in the last 7 days against {} the 7 before ({change}){}",
                crate::fmt::money(t.last_7d_usd),
                crate::fmt::money(t.previous_7d_usd),
                if t.increasing { " — rising" } else { "" }
            )
        }),
    }];
    if !o.budgets.is_empty() {
        out.push(Sheet {
            name: "Budgets".into(),
            title: "Budgets".into(),
            headers: ["Budget", "Spent", "Limit", "Used", "Projected", "Status"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: o
                .budgets
                .iter()
                .map(|b| {
                    vec![
                        Cell::text(&b.name),
                        Cell::Money(b.spent_usd),
                        Cell::Money(b.limit_usd),
                        Cell::Pct(b.share),
                        Cell::Money(b.projected_usd),
                        Cell::text(b.status.label()),
                    ]
                })
                .collect(),
            note: None,
        });
    }
    for (name, list) in [
        ("Top models this month", &o.top_models_this_month),
        ("Top types this month", &o.top_types_this_month),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push(Sheet {
            name: name.into(),
            title: name.into(),
            headers: ["", "Calls", "Cost", "Share"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: list
                .iter()
                .map(|s| {
                    vec![
                        Cell::text(&s.key),
                        Cell::Int(s.calls),
                        Cell::Money(s.cost_usd),
                        Cell::Pct(s.share),
                    ]
                })
                .collect(),
            note: None,
        });
    }
    out
}
