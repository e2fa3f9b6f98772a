//! A budget against usage at a moment: the current window's state, past breaches, the trend.

use super::window::window_of;
use super::Budget;
use crate::normalize::timestamp::{day_to_string, format_local, local_midnight_ms};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

/// Cost of one local day (for one value of the budget's `per` field, when it has one).
#[derive(Debug, Clone, PartialEq)]
pub struct DayCost {
    pub day: i32,
    pub key: Option<String>,
    pub cost: f64,
}

/// ok < projected-over < warning < over: the order `--fail-on` widens in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    ProjectedOver,
    Warning,
    Over,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::ProjectedOver => "projected-over",
            Status::Warning => "warning",
            Status::Over => "over",
        }
    }
}

/// One window's (or one member's) spend against the limit.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub spent_usd: f64,
    pub share: f64,
    pub projected_usd: f64,
    pub status: Status,
    /// The highest threshold reached (0.8, 1.0…), if any.
    pub threshold: Option<f64>,
    /// When the limit was crossed (if over) or will be at the current rate (if before the window ends).
    pub limit_date: Option<String>,
}

/// A past window that reached a threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Breach {
    pub window_start: String,
    pub window_end: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub spent_usd: f64,
    pub share: f64,
    pub threshold: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetReport {
    pub name: String,
    pub period: &'static str,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    pub limit_usd: f64,
    pub warn_at: Vec<f64>,
    /// The current window (the one containing now), in the report's zone; end is exclusive.
    pub window_start: String,
    pub window_end: String,
    /// For a per-field budget: the member closest to (or furthest over) its limit.
    pub spent_usd: f64,
    pub share: f64,
    pub remaining_usd: f64,
    pub days_elapsed: f64,
    pub days_left: f64,
    pub avg_daily_usd: f64,
    pub projected_usd: f64,
    pub limit_date: Option<String>,
    pub status: Status,
    /// Per-field budgets: members over or near their limit, worst first; `members_total` counts all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Usage>,
    pub members_total: u64,
    /// Past windows that reached a threshold, oldest first.
    pub breaches: Vec<Breach>,
    /// Windows from the first with data to the current one, and how many went over the limit.
    pub windows_total: u64,
    pub windows_over: u64,
    pub notes: Vec<String>,
}

/// Cost of the last 7 days against the 7 before (days ending with now's day).
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub last_7d_usd: f64,
    pub previous_7d_usd: f64,
    /// (last − previous) / previous; None when the previous week cost nothing.
    pub change: Option<f64>,
    /// More than 20% up on the week before.
    pub increasing: bool,
}

pub fn trend(day_costs: &[(i32, f64)], now_day: i32) -> Trend {
    let sum = |from: i32, to: i32| -> f64 {
        day_costs
            .iter()
            .filter(|(d, _)| *d >= from && *d <= to)
            .map(|(_, c)| c)
            .sum::<f64>()
            + 0.0
    };
    let last = sum(now_day - 6, now_day);
    let prev = sum(now_day - 13, now_day - 7);
    let change = (prev > 0.0).then(|| (last - prev) / prev);
    Trend {
        last_7d_usd: last,
        previous_7d_usd: prev,
        change,
        increasing: change.is_some_and(|c| c > 0.2),
    }
}

const MS_PER_DAY: f64 = 86_400_000.0;
/// Projections divide by elapsed time; before an hour has passed they would mean nothing.
const MIN_ELAPSED_MS: f64 = 3_600_000.0;

fn highest_threshold(share: f64, warn_at: &[f64]) -> Option<f64> {
    if share >= 1.0 {
        return Some(1.0);
    }
    warn_at.iter().rev().find(|w| share >= **w).copied()
}

/// Evaluates one budget. `usage` holds daily costs within the budget's scope; `now_ms` is the
/// moment to judge at; `tz` the zone the days are in.
pub fn evaluate(b: &Budget, usage: &[DayCost], now_ms: i64, now_day: i32, tz: Tz) -> BudgetReport {
    let (ws, we) = window_of(b.period, now_day);
    let ws_ms = local_midnight_ms(ws, tz);
    let we_ms = local_midnight_ms(we + 1, tz);
    let elapsed_ms = ((now_ms - ws_ms) as f64).max(MIN_ELAPSED_MS);
    let window_ms = (we_ms - ws_ms) as f64;
    let mut notes = Vec::new();

    // Current window, per member (one member, None, without `per`).
    let mut members: BTreeMap<Option<String>, Vec<(i32, f64)>> = BTreeMap::new();
    for u in usage.iter().filter(|u| u.day >= ws && u.day <= we) {
        members
            .entry(u.key.clone())
            .or_default()
            .push((u.day, u.cost));
    }
    if b.per.is_none() && members.is_empty() {
        members.insert(None, Vec::new());
    }
    let mut states: Vec<Usage> = members
        .into_iter()
        .map(|(key, days)| current_usage(b, key, days, now_ms, elapsed_ms, window_ms, we_ms, tz))
        .collect();
    states.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(b.share.partial_cmp(&a.share).unwrap())
            .then(a.key.cmp(&b.key))
    });
    let members_total = states.len() as u64;
    let worst = states.first().cloned().unwrap_or(Usage {
        key: None,
        spent_usd: 0.0,
        share: 0.0,
        projected_usd: 0.0,
        status: Status::Ok,
        threshold: None,
        limit_date: None,
    });
    let listed: Vec<Usage> = if b.per.is_some() {
        let near = b.warn_at.first().copied().unwrap_or(1.0);
        states
            .into_iter()
            .filter(|s| s.status > Status::Ok || s.share >= near)
            .collect()
    } else {
        Vec::new()
    };

    // History: every window from the first with data up to, not including, the current one.
    let first_day = usage.iter().map(|u| u.day).min();
    let mut breaches = Vec::new();
    let (mut windows_total, mut windows_over) = (1u64, 0u64);
    if worst.share >= 1.0 {
        windows_over += 1;
    }
    if let Some(first) = first_day.filter(|f| *f < ws) {
        let mut day = window_of(b.period, first).0;
        while day < ws {
            let (a, z) = window_of(b.period, day);
            windows_total += 1;
            let mut per_key: BTreeMap<Option<String>, f64> = BTreeMap::new();
            for u in usage.iter().filter(|u| u.day >= a && u.day <= z) {
                *per_key.entry(u.key.clone()).or_default() += u.cost;
            }
            let mut over = false;
            for (key, spent) in per_key {
                let share = spent / b.limit_usd;
                if let Some(t) = highest_threshold(share, &b.warn_at) {
                    over |= t >= 1.0;
                    breaches.push(Breach {
                        window_start: day_to_string(a),
                        window_end: day_to_string(z),
                        key,
                        spent_usd: spent,
                        share,
                        threshold: t,
                    });
                }
            }
            if over {
                windows_over += 1;
            }
            day = z + 1;
        }
    }

    if usage.is_empty() {
        notes.push(if b.scope.is_empty() {
            "no calls at all in the logs".to_string()
        } else {
            format!(
                "the scope {} matches no calls: check the field values",
                b.scope_label()
            )
        });
    } else if let Some(last) = usage.iter().map(|u| u.day).max().filter(|l| *l < ws) {
        notes.push(format!(
            "the latest call in scope is on {} — {} days before now; the current window has no calls",
            day_to_string(last),
            now_day - last
        ));
    }
    if b.per.is_some() && members_total > listed.len() as u64 {
        notes.push(format!(
            "{} of {} {}s are under {:.0}% of the limit and not listed",
            members_total - listed.len() as u64,
            members_total,
            b.per.as_deref().unwrap_or("member"),
            b.warn_at.first().copied().unwrap_or(1.0) * 100.0
        ));
    }

    let elapsed_days = (now_ms - ws_ms).max(0) as f64 / MS_PER_DAY;
    BudgetReport {
        name: b.name.clone(),
        period: b.period.name(),
        scope: b.scope_label(),
        per: b.per.clone(),
        limit_usd: b.limit_usd,
        warn_at: b.warn_at.clone(),
        window_start: format_local(ws_ms, tz),
        window_end: format_local(we_ms, tz),
        spent_usd: worst.spent_usd,
        share: worst.share,
        remaining_usd: (b.limit_usd - worst.spent_usd).max(0.0),
        days_elapsed: elapsed_days.min(window_ms / MS_PER_DAY),
        days_left: ((we_ms - now_ms).max(0) as f64 / MS_PER_DAY),
        avg_daily_usd: worst.spent_usd / (elapsed_ms / MS_PER_DAY).max(1.0 / 24.0),
        projected_usd: worst.projected_usd,
        limit_date: worst.limit_date.clone(),
        status: worst.status,
        members: listed,
        members_total: if b.per.is_some() { members_total } else { 1 },
        breaches,
        windows_total,
        windows_over,
        notes,
    }
}

#[allow(clippy::too_many_arguments)]
fn current_usage(
    b: &Budget,
    key: Option<String>,
    mut days: Vec<(i32, f64)>,
    now_ms: i64,
    elapsed_ms: f64,
    window_ms: f64,
    we_ms: i64,
    tz: Tz,
) -> Usage {
    days.sort_by_key(|(d, _)| *d);
    // `+ 0.0`: an empty f64 sum is -0.0, which would print as "-0%".
    let spent: f64 = days.iter().map(|(_, c)| c).sum::<f64>() + 0.0;
    let share = spent / b.limit_usd;
    // Linear at the window's average rate so far; a finished window projects to itself.
    let projected = if elapsed_ms >= window_ms {
        spent
    } else {
        spent * window_ms / elapsed_ms
    };
    let limit_date = if spent >= b.limit_usd {
        let mut acc = 0.0;
        days.iter()
            .find(|(_, c)| {
                acc += c;
                acc >= b.limit_usd
            })
            .map(|(d, _)| day_to_string(*d))
    } else if spent > 0.0 {
        let rate = spent / elapsed_ms;
        let at = now_ms as f64 + (b.limit_usd - spent) / rate;
        (at < we_ms as f64).then(|| format_local(at as i64, tz)[..10].to_string())
    } else {
        None
    };
    let threshold = highest_threshold(share, &b.warn_at);
    let status = match threshold {
        Some(t) if t >= 1.0 => Status::Over,
        Some(_) => Status::Warning,
        None if projected > b.limit_usd => Status::ProjectedOver,
        None => Status::Ok,
    };
    Usage {
        key,
        spent_usd: spent,
        share,
        projected_usd: projected,
        status,
        threshold,
        limit_date,
    }
}

#[cfg(test)]
mod tests {
    use super::super::window::day_of;
    use super::super::Period;
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        day_of(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn budget(period: Period, limit: f64) -> Budget {
        Budget {
            name: "b".into(),
            period,
            limit_usd: limit,
            warn_at: vec![0.8],
            scope: Default::default(),
            per: None,
            hard_limit: false,
            fallback: Default::default(),
            fallback_at: None,
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn monthly_projection_and_status() {
        // $300 spent by noon on Nov 10 (9.5 of 30 days): projected 300 × 30 / 9.5 = 947.37
        let usage = vec![
            DayCost {
                day: day(2026, 11, 2),
                key: None,
                cost: 100.0,
            },
            DayCost {
                day: day(2026, 11, 9),
                key: None,
                cost: 200.0,
            },
        ];
        let now = at(2026, 11, 10, 12);
        let r = evaluate(
            &budget(Period::Monthly, 1000.0),
            &usage,
            now,
            day(2026, 11, 10),
            chrono_tz::UTC,
        );
        assert_eq!(r.status, Status::Ok);
        assert!((r.projected_usd - 300.0 * 30.0 / 9.5).abs() < 1e-9);
        assert_eq!(r.window_start, "2026-11-01T00:00:00+00:00");
        assert_eq!(r.window_end, "2026-12-01T00:00:00+00:00");
        let r = evaluate(
            &budget(Period::Monthly, 900.0),
            &usage,
            now,
            day(2026, 11, 10),
            chrono_tz::UTC,
        );
        assert_eq!(r.status, Status::ProjectedOver);
        // At $300 per 9.5 days, the remaining $600 takes 19 days: noon on Nov 29.
        assert_eq!(r.limit_date.as_deref(), Some("2026-11-29"));
        let r = evaluate(
            &budget(Period::Monthly, 350.0),
            &usage,
            now,
            day(2026, 11, 10),
            chrono_tz::UTC,
        );
        assert_eq!(r.status, Status::Warning); // 85.7%
        let r = evaluate(
            &budget(Period::Monthly, 250.0),
            &usage,
            now,
            day(2026, 11, 10),
            chrono_tz::UTC,
        );
        assert_eq!(r.status, Status::Over);
        assert_eq!(r.limit_date.as_deref(), Some("2026-11-09"));
    }

    #[test]
    fn daily_history_counts_breaches() {
        let usage: Vec<DayCost> = (1..=10)
            .map(|d| DayCost {
                day: day(2026, 11, d),
                key: None,
                cost: if d % 3 == 0 { 60.0 } else { 42.0 },
            })
            .collect();
        let r = evaluate(
            &budget(Period::Daily, 50.0),
            &usage,
            at(2026, 11, 10, 12),
            day(2026, 11, 10),
            chrono_tz::UTC,
        );
        // Days 3, 6, 9 over (60 > 50); the others at 84% are warnings. Day 10 is the current window.
        assert_eq!(r.windows_total, 10);
        assert_eq!(r.windows_over, 3);
        assert_eq!(r.breaches.iter().filter(|b| b.threshold >= 1.0).count(), 3);
        assert_eq!(r.breaches.len(), 9);
        assert_eq!(r.status, Status::Warning);
    }

    #[test]
    fn dst_week_in_berlin_is_seven_local_days() {
        // The week of Mon 2026-10-19 … Sun 2026-10-25 ends with the switch back from CEST.
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let r = evaluate(
            &budget(Period::Weekly, 10.0),
            &[],
            at(2026, 10, 21, 12),
            day(2026, 10, 21),
            tz,
        );
        assert_eq!(r.window_start, "2026-10-19T00:00:00+02:00");
        assert_eq!(r.window_end, "2026-10-26T00:00:00+01:00");
    }

    #[test]
    fn trend_compares_weeks() {
        let costs: Vec<(i32, f64)> = (0..14)
            .map(|i| (100 + i, if i < 7 { 10.0 } else { 13.0 }))
            .collect();
        let t = trend(&costs, 113);
        assert_eq!((t.last_7d_usd, t.previous_7d_usd), (91.0, 70.0));
        assert!(t.increasing);
        assert!((t.change.unwrap() - 0.3).abs() < 1e-12);
    }
}
