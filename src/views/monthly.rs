//! `llmlog report`: the period's report for the people who pay — summary, by model, project and
//! type, top users, weekday against weekend, the peak day and what drove it, the budgets.

use crate::anomaly::robust::median;
use crate::budget::BudgetReport;
use crate::decide::window::Window;
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::{date_of, day_to_string};
use crate::render::sheet::{Cell, Sheet};
use crate::report::{self, f64_col, i64_col, key_name, Report, ReportOptions, Row};
use crate::scan::Scan;
use anyhow::Result;
use chrono::Datelike;
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DayAverages {
    pub weekdays: u64,
    pub weekday_avg_usd: f64,
    pub weekend_days: u64,
    pub weekend_avg_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub dimension: &'static str,
    pub value: String,
    pub cost_usd: f64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    pub day: String,
    pub cost_usd: f64,
    pub calls: u64,
    /// The period's median day (days without calls count as $0).
    pub median_day_usd: f64,
    pub vs_median: Option<f64>,
    /// The model, type and user with the largest share of the day's cost.
    pub drivers: Vec<Driver>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Monthly {
    pub period: String,
    pub since: String,
    /// The end, exclusive (the instant after the last day).
    pub until: String,
    /// The last day of the period, included.
    pub last_day: String,
    /// Days of the period up to now (a running month counts to today).
    pub days: u64,
    pub summary: report::Summary,
    pub by_model: Vec<Row>,
    pub by_project: Vec<Row>,
    pub by_type: Vec<Row>,
    pub top_users: Vec<Row>,
    pub users_total: u64,
    pub by_day: Vec<Row>,
    pub day_averages: DayAverages,
    pub peak_day: Option<Peak>,
    pub budgets: Vec<BudgetReport>,
    pub pricing_source: String,
    pub warnings: Vec<String>,
}

pub fn build(scan: &Scan, mut opts: ReportOptions, w: &Window, now_ms: i64) -> Result<Monthly> {
    let tz = opts.tz;
    // The budgets as they stood at the end of the period (or now, for a running one).
    opts.now_ms = now_ms.min(w.until_ms - 1);
    let r: Report = report::build(scan, &opts)?;
    let first_day = crate::report::day_of_instant(w.since_ms, tz);
    let last_day = crate::report::day_of_instant(opts.now_ms.max(w.since_ms), tz);
    let cost_of: std::collections::BTreeMap<String, (f64, u64)> = r
        .by_day
        .iter()
        .map(|d| (d.key.clone(), (d.cost_usd, d.calls)))
        .collect();
    let (mut wd, mut we) = (Vec::new(), Vec::new());
    let mut all = Vec::new();
    for d in first_day..=last_day {
        let cost = cost_of.get(&day_to_string(d)).map_or(0.0, |x| x.0);
        all.push(cost);
        if date_of(d).weekday().number_from_monday() >= 6 {
            we.push(cost);
        } else {
            wd.push(cost);
        }
    }
    let avg = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let med = median(&all);
    let peak = match r
        .by_day
        .iter()
        .max_by(|a, b| a.cost_usd.total_cmp(&b.cost_usd).then(b.key.cmp(&a.key)))
    {
        Some(p) if p.cost_usd > 0.0 => {
            let day = chrono::NaiveDate::parse_from_str(&p.key, "%Y-%m-%d")
                .map(crate::normalize::timestamp::day_of)
                .unwrap_or(first_day);
            let lf = opts
                .filters
                .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?
                .filter(col(c::DAY).eq(lit(day)));
            let mut drivers = Vec::new();
            for (dim, column) in [("model", c::MODEL), ("type", c::TYPE), ("user", c::USER)] {
                let df = lf
                    .clone()
                    .group_by([col(column)])
                    .agg([col(c::COST).fill_null(lit(0.0)).sum().alias("cost")])
                    .collect()?;
                let k = i64_col(&df, column)?;
                let v = f64_col(&df, "cost")?;
                let best = (0..df.height())
                    .map(|i| (key_name(scan, column, k[i]), v[i].unwrap_or(0.0)))
                    .filter(|(name, _)| name != "(none)")
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
                if let Some((value, cost)) = best {
                    drivers.push(Driver {
                        dimension: dim,
                        value,
                        cost_usd: cost,
                        share: cost / p.cost_usd,
                    });
                }
            }
            Some(Peak {
                day: p.key.clone(),
                cost_usd: p.cost_usd,
                calls: p.calls,
                median_day_usd: med,
                vs_median: (med > 0.0).then(|| (p.cost_usd - med) / med),
                drivers,
            })
        }
        _ => None,
    };
    Ok(Monthly {
        period: w.label.clone(),
        since: crate::normalize::timestamp::format_local(w.since_ms, tz),
        until: crate::normalize::timestamp::format_local(w.until_ms, tz),
        last_day: day_to_string(crate::report::day_of_instant(w.until_ms - 1, tz)),
        days: all.len() as u64,
        summary: r.summary.clone(),
        by_model: r.by_model.clone(),
        by_project: r.by_project.clone(),
        by_type: r.by_type.clone(),
        top_users: r.by_user.clone(),
        users_total: r.users_total,
        by_day: r.by_day.clone(),
        day_averages: DayAverages {
            weekdays: wd.len() as u64,
            weekday_avg_usd: avg(&wd),
            weekend_days: we.len() as u64,
            weekend_avg_usd: avg(&we),
        },
        peak_day: peak,
        budgets: r.budgets.clone(),
        pricing_source: r.pricing.source.clone(),
        warnings: r.warnings.clone(),
    })
}

fn rows_sheet(name: &str, key: &str, rows: &[Row]) -> Sheet {
    Sheet {
        name: name.into(),
        title: name.into(),
        headers: [
            key,
            "Calls",
            "Cost",
            "Share",
            "Input tokens",
            "Output tokens",
            "Success",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::text(&r.key),
                    Cell::Int(r.calls),
                    Cell::Money(r.cost_usd),
                    Cell::Pct(r.share),
                    Cell::Int(r.input_tokens),
                    Cell::Int(r.output_tokens),
                    r.success_rate.map(Cell::Pct).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
        note: None,
    }
}

pub fn sheets(m: &Monthly) -> Vec<Sheet> {
    let s = &m.summary;
    let a = &m.day_averages;
    let mut summary = vec![
        vec![Cell::text("Cost"), Cell::Money(s.cost_usd)],
        vec![Cell::text("Calls"), Cell::Int(s.calls)],
        vec![
            Cell::text("Cost per call"),
            s.avg_cost_usd.map(Cell::Money).unwrap_or(Cell::Empty),
        ],
        vec![Cell::text("Input tokens"), Cell::Int(s.input_tokens)],
        vec![Cell::text("Output tokens"), Cell::Int(s.output_tokens)],
        vec![
            Cell::text("Success rate"),
            s.success_rate.map(Cell::Pct).unwrap_or(Cell::Empty),
        ],
        vec![Cell::text("Days"), Cell::Int(m.days)],
        vec![
            Cell::text(format!("Weekday average ({} days)", a.weekdays)),
            Cell::Money(a.weekday_avg_usd),
        ],
        vec![
            Cell::text(format!("Weekend average ({} days)", a.weekend_days)),
            Cell::Money(a.weekend_avg_usd),
        ],
    ];
    if let Some(p) = &m.peak_day {
        summary.push(vec![
            Cell::text(format!("Peak day {}", p.day)),
            Cell::Money(p.cost_usd),
        ]);
        summary.push(vec![
            Cell::text("Median day"),
            Cell::Money(p.median_day_usd),
        ]);
    }
    let mut out = vec![Sheet {
        name: "Summary".into(),
        title: format!(
            "Report — {} ({} to {})",
            m.period,
            m.since.get(..10).unwrap_or(""),
            m.until.get(..10).unwrap_or("")
        ),
        headers: vec!["".into(), "".into()],
        rows: summary,
        note: m.peak_day.as_ref().map(|p| {
            let drivers: Vec<String> = p
                .drivers
                .iter()
                .map(|d| {
                    format!(
                        "{} {} {} ({:.0}%)",
                        d.dimension,
                        d.value,
                        crate::fmt::money(d.cost_usd),
                        d.share * 100.0
                    )
                })
                .collect();
            format!(
                "Peak day {}: {}{}; driven by {}.",
                p.day,
                crate::fmt::money(p.cost_usd),
                p.vs_median
                    .map(|v| format!(", {:+.0}% on the median day", v * 100.0))
                    .unwrap_or_default(),
                drivers.join(", ")
            )
        }),
    }];
    out.push(rows_sheet("By model", "Model", &m.by_model));
    out.push(rows_sheet("By project", "Project", &m.by_project));
    out.push(rows_sheet("By type", "Type", &m.by_type));
    let mut users = rows_sheet("Top users", "User", &m.top_users);
    users.note = Some(format!(
        "Top {} of {} users.",
        m.top_users.len(),
        m.users_total
    ));
    out.push(users);
    out.push(rows_sheet("By day", "Day", &m.by_day));
    if !m.budgets.is_empty() {
        out.push(Sheet {
            name: "Budgets".into(),
            title: "Budgets at the end of the period".into(),
            headers: ["Budget", "Window", "Spent", "Limit", "Used", "Status"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: m
                .budgets
                .iter()
                .map(|b| {
                    vec![
                        Cell::text(&b.name),
                        Cell::text(format!(
                            "{} → {}",
                            b.window_start.get(..10).unwrap_or(""),
                            b.window_end.get(..10).unwrap_or("")
                        )),
                        Cell::Money(b.spent_usd),
                        Cell::Money(b.limit_usd),
                        Cell::Pct(b.share),
                        Cell::text(b.status.label()),
                    ]
                })
                .collect(),
            note: None,
        });
    }
    out
}
