//! `llmlog digest`: yesterday (or last week) against the period before — cost, calls, budgets
//! and the top movers — printed, or delivered once per period through the alert sinks.

use crate::alert::{Alert, AlertSink};
use crate::budget::BudgetReport;
use crate::cli::DigestPeriod;
use crate::config::Settings;
use crate::fmt::money;
use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::{date_of, day_to_string, format_local, local_midnight_ms};
use crate::render::sheet::{Cell, Sheet};
use crate::report::{evaluate_budgets, f64_col, i64_col, key_name, ReportOptions};
use crate::scan::Scan;
use anyhow::{Context, Result};
use chrono::Datelike;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct Mover {
    pub dimension: &'static str,
    pub key: String,
    pub before_usd: f64,
    pub after_usd: f64,
    pub change_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub period: &'static str,
    /// `2026-11-30`, or `week of 2026-11-23`.
    pub label: String,
    pub since: String,
    pub until: String,
    pub calls: u64,
    pub cost_usd: f64,
    pub previous_calls: u64,
    pub previous_cost_usd: f64,
    pub change_pct: Option<f64>,
    pub errors: u64,
    pub budgets: Vec<BudgetReport>,
    /// The largest changes in cost by model, type and user.
    pub movers: Vec<Mover>,
}

/// The period's first day and the day after it, and the previous period's first day.
fn days(period: DigestPeriod, today: i32) -> (i32, i32, i32) {
    match period {
        DigestPeriod::Daily => (today - 1, today, today - 2),
        DigestPeriod::Weekly => {
            let monday = today - date_of(today).weekday().num_days_from_monday() as i32;
            (monday - 7, monday, monday - 14)
        }
    }
}

pub fn build(scan: &Scan, settings: &Settings, period: DigestPeriod) -> Result<Digest> {
    let tz = settings.tz;
    let today = crate::report::day_of_instant(settings.now_ms, tz);
    let (from, to, prev) = days(period, today);
    let (since, until, prev_ms) = (
        local_midnight_ms(from, tz),
        local_midnight_ms(to, tz),
        local_midnight_ms(prev, tz),
    );
    let base = settings
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let side = |a: i64, b: i64| {
        base.clone()
            .filter(col(c::TS_MS).gt_eq(lit(a)).and(col(c::TS_MS).lt(lit(b))))
    };
    let totals = |lf: LazyFrame| -> Result<(u64, f64, u64)> {
        let t = lf
            .select([
                len().cast(DataType::UInt64).alias("n"),
                col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
                col(c::OK)
                    .not()
                    .cast(DataType::UInt64)
                    .sum()
                    .alias("errors"),
            ])
            .collect()?;
        Ok((
            crate::report::u64_at(&t, "n")?.unwrap_or(0),
            crate::report::f64_at(&t, "cost")?.unwrap_or(0.0),
            crate::report::u64_at(&t, "errors")?.unwrap_or(0),
        ))
    };
    let (n, cost, errors) = totals(side(since, until))?;
    let (pn, pcost, _) = totals(side(prev_ms, since))?;
    let mut movers = Vec::new();
    for (dim, column) in [("model", c::MODEL), ("type", c::TYPE), ("user", c::USER)] {
        let mut by: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for (i, lf) in [side(prev_ms, since), side(since, until)]
            .into_iter()
            .enumerate()
        {
            let df = lf
                .group_by([col(column)])
                .agg([col(c::COST).fill_null(lit(0.0)).sum().alias("cost")])
                .collect()?;
            let k = i64_col(&df, column)?;
            let v = f64_col(&df, "cost")?;
            for r in 0..df.height() {
                let e = by.entry(key_name(scan, column, k[r])).or_default();
                if i == 0 {
                    e.0 += v[r].unwrap_or(0.0);
                } else {
                    e.1 += v[r].unwrap_or(0.0);
                }
            }
        }
        movers.extend(
            by.into_iter()
                .filter(|(k, _)| k != "(none)")
                .map(|(key, (b, a))| Mover {
                    dimension: dim,
                    key,
                    before_usd: b,
                    after_usd: a,
                    change_usd: a - b,
                }),
        );
    }
    movers.sort_by(|a, b| {
        b.change_usd
            .abs()
            .total_cmp(&a.change_usd.abs())
            .then_with(|| a.dimension.cmp(b.dimension))
            .then_with(|| a.key.cmp(&b.key))
    });
    movers.retain(|m| m.change_usd != 0.0);
    movers.truncate(5);
    // Budgets as they stood at the period's end.
    let mut opts = ReportOptions::for_budgets(settings);
    opts.now_ms = until - 1;
    let upto = base.filter(col(c::TS_MS).lt(lit(until)));
    let (budgets, _) = evaluate_budgets(upto, &scan.names, &settings.budgets, &opts)?;
    Ok(Digest {
        period: period_name(period),
        label: match period {
            DigestPeriod::Daily => day_to_string(from),
            DigestPeriod::Weekly => format!("week of {}", day_to_string(from)),
        },
        since: format_local(since, tz),
        until: format_local(until, tz),
        calls: n,
        cost_usd: cost,
        previous_calls: pn,
        previous_cost_usd: pcost,
        change_pct: (pcost > 0.0).then(|| (cost - pcost) / pcost * 100.0),
        errors,
        budgets,
        movers,
    })
}

pub fn sheets(d: &Digest) -> Vec<Sheet> {
    let change = d
        .change_pct
        .map(|p| format!("{p:+.1}%"))
        .unwrap_or_else(|| "–".into());
    let mut out = vec![Sheet {
        name: "Digest".into(),
        title: format!("Digest — {} ({})", d.label, d.period),
        headers: vec![
            "".into(),
            "This period".into(),
            "The one before".into(),
            "Change".into(),
        ],
        rows: vec![
            vec![
                Cell::text("Cost"),
                Cell::Money(d.cost_usd),
                Cell::Money(d.previous_cost_usd),
                Cell::text(change),
            ],
            vec![
                Cell::text("Calls"),
                Cell::Int(d.calls),
                Cell::Int(d.previous_calls),
                Cell::text(format!("{:+}", d.calls as i64 - d.previous_calls as i64)),
            ],
            vec![
                Cell::text("Errors"),
                Cell::Int(d.errors),
                Cell::Empty,
                Cell::Empty,
            ],
        ],
        note: None,
    }];
    if !d.movers.is_empty() {
        out.push(Sheet {
            name: "Movers".into(),
            title: "Top movers".into(),
            headers: ["", "", "Before", "After", "Change"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: d
                .movers
                .iter()
                .map(|m| {
                    vec![
                        Cell::text(m.dimension),
                        Cell::text(&m.key),
                        Cell::Money(m.before_usd),
                        Cell::Money(m.after_usd),
                        Cell::Money(m.change_usd),
                    ]
                })
                .collect(),
            note: None,
        });
    }
    if !d.budgets.is_empty() {
        out.push(Sheet {
            name: "Budgets".into(),
            title: "Budgets".into(),
            headers: ["Budget", "Spent", "Limit", "Used", "Status"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: d
                .budgets
                .iter()
                .map(|b| {
                    vec![
                        Cell::text(&b.name),
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

fn period_name(period: DigestPeriod) -> &'static str {
    match period {
        DigestPeriod::Daily => "daily",
        DigestPeriod::Weekly => "weekly",
    }
}

/// The delivery key of the period's digest at `now_ms` (as `alert` keys it).
pub fn key_at(period: DigestPeriod, now_ms: i64, tz: chrono_tz::Tz) -> String {
    let today = crate::report::day_of_instant(now_ms, tz);
    let (from, _, _) = days(period, today);
    format!(
        "digest|{}|{}",
        period_name(period),
        format_local(local_midnight_ms(from, tz), tz)
    )
}

/// Whether every one of `sinks` has had the digest keyed `key`.
pub fn all_sent(dir: &Path, key: &str, sinks: &[Box<dyn AlertSink>]) -> bool {
    load_sent(dir).is_ok_and(|s| {
        s.digests.get(key).is_some_and(|m| {
            sinks
                .iter()
                .all(|k| m.get(k.name()).copied().unwrap_or(false))
        })
    })
}

/// The digest as one message for email and webhooks.
pub fn alert(d: &Digest, at: &str) -> Alert {
    let change = d
        .change_pct
        .map(|p| format!(" ({p:+.0}% on the period before)"))
        .unwrap_or_default();
    let mut lines = vec![format!(
        "{} calls cost {}{change}; {} failed.",
        d.calls,
        money(d.cost_usd),
        d.errors
    )];
    for m in &d.movers {
        lines.push(format!(
            "{} {}: {} → {} ({}{})",
            m.dimension,
            m.key,
            money(m.before_usd),
            money(m.after_usd),
            if m.change_usd > 0.0 { "+" } else { "" },
            money(m.change_usd)
        ));
    }
    for b in &d.budgets {
        lines.push(format!(
            "budget '{}': {} of {} ({:.0}%), {}",
            b.name,
            money(b.spent_usd),
            money(b.limit_usd),
            b.share * 100.0,
            b.status.label()
        ));
    }
    Alert::simple(
        format!("digest|{}|{}", d.period, d.since),
        "digest",
        "info",
        format!(
            "LLM spend {} digest, {}: {}",
            d.period,
            d.label,
            money(d.cost_usd)
        ),
        lines.join("\n"),
        at,
    )
}

/// What was delivered, by digest key and sink: kept beside watch's state, in its own file so
/// the two never overwrite each other.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Sent {
    pub digests: BTreeMap<String, BTreeMap<String, bool>>,
}

pub const SENT_FILE: &str = "digests-sent.json";

pub fn load_sent(dir: &Path) -> Result<Sent> {
    let p = dir.join(SENT_FILE);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).with_context(|| {
            format!(
                "{} is damaged; move it away (digests may then be sent again)",
                p.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Sent::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", p.display())),
    }
}

fn save_sent(dir: &Path, s: &Sent) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let p = dir.join(SENT_FILE);
    let tmp = dir.join(format!("{SENT_FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(s)?)?;
    std::fs::rename(&tmp, &p).with_context(|| format!("cannot write {}", p.display()))?;
    Ok(())
}

/// Sends the digest to every sink that has not had it; records each delivery at once. Returns
/// (delivered now, already delivered, failed).
pub fn send_once(
    a: &Alert,
    sinks: &[Box<dyn AlertSink>],
    dir: &Path,
) -> Result<(usize, usize, Vec<String>)> {
    let mut sent = load_sent(dir)?;
    let (mut now, mut before, mut failed) = (0, 0, Vec::new());
    for s in sinks {
        let name = s.name().to_string();
        if sent
            .digests
            .get(&a.key)
            .and_then(|m| m.get(&name))
            .copied()
            .unwrap_or(false)
        {
            before += 1;
            continue;
        }
        let mut ok = false;
        let mut last = String::new();
        for attempt in 0..3 {
            match s.send(a) {
                Ok(()) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    last = format!("{e:#}");
                    std::thread::sleep(std::time::Duration::from_millis(300 << attempt));
                }
            }
        }
        sent.digests
            .entry(a.key.clone())
            .or_default()
            .insert(name.clone(), ok);
        save_sent(dir, &sent)?;
        if ok {
            now += 1;
        } else {
            failed.push(format!("{name}: {last}"));
        }
    }
    Ok((now, before, failed))
}

/// Whether a scheduled digest is due: past `at` (HH:MM, local) and not yet fully sent.
pub fn due(at_minutes: u32, local_minutes_now: u32) -> bool {
    local_minutes_now >= at_minutes
}

/// `09:00` → minutes after midnight.
pub fn parse_at(s: &str) -> Result<u32> {
    let (h, m) = s.trim().split_once(':').ok_or_else(|| {
        anyhow::anyhow!("[alerts.digest] at = '{s}': expected HH:MM, e.g. \"09:00\"")
    })?;
    let (h, m): (u32, u32) = (
        h.parse()
            .map_err(|_| anyhow::anyhow!("[alerts.digest] at = '{s}': expected HH:MM"))?,
        m.parse()
            .map_err(|_| anyhow::anyhow!("[alerts.digest] at = '{s}': expected HH:MM"))?,
    );
    if h > 23 || m > 59 {
        anyhow::bail!("[alerts.digest] at = '{s}': expected a time of day, 00:00 to 23:59");
    }
    Ok(h * 60 + m)
}
