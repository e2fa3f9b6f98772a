//! Which alerts the budgets' state and the running totals call for now — pure:
//! (budget reports, totals, rules, raised) → new alerts.

use super::totals::Totals;
use crate::alert::{Alert, AlertRecord};
use crate::budget::{Budget, BudgetReport};
use crate::config::file::AlertsSection;
use crate::fmt::money;

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// Alert key of a budget threshold, without the threshold: one per budget, window and member.
fn budget_prefix(name: &str, window_start: &str, member: Option<&str>) -> String {
    format!("budget|{name}|{window_start}|{}|", member.unwrap_or(""))
}

/// Budget alerts: each threshold once per window and member; once a higher threshold has fired,
/// lower ones stay quiet for that window. A new window starts clean (its key differs).
pub fn budget_alerts(
    reports: &[BudgetReport],
    budgets: &[Budget],
    raised: &[AlertRecord],
    at: &str,
) -> Vec<Alert> {
    let mut out = Vec::new();
    for (b, report) in budgets.iter().zip(reports) {
        out.extend(reopened(b, report, raised, at));
        // Per-field budgets list their members near or over the limit; others have one state.
        let states: Vec<(Option<String>, f64, f64)> = if b.per.is_some() {
            report
                .members
                .iter()
                .map(|m| (m.key.clone(), m.spent_usd, m.share))
                .collect()
        } else {
            vec![(None, report.spent_usd, report.share)]
        };
        for (member, spent, share) in states {
            let threshold = if share >= 1.0 {
                Some(1.0)
            } else {
                b.warn_at.iter().rev().find(|w| share >= **w).copied()
            };
            let Some(t) = threshold else { continue };
            let prefix = budget_prefix(&b.name, &report.window_start, member.as_deref());
            let already = raised.iter().any(|r| {
                r.alert.key.starts_with(&prefix) && r.alert.threshold.is_some_and(|rt| rt >= t)
            });
            if already {
                continue;
            }
            let who = member
                .as_deref()
                .map(|m| format!(" for {} {m}", b.per.as_deref().unwrap_or("")))
                .unwrap_or_default();
            let (severity, verb) = if t >= 1.0 && b.hard_limit {
                ("critical", "is closed at")
            } else if t >= 1.0 {
                ("critical", "is over")
            } else {
                ("warning", "has reached")
            };
            // A closed budget says what apps switch to.
            let fallback =
                if (t >= 1.0 && b.hard_limit) || b.fallback_at.is_some_and(|f| share >= f) {
                    let list: Vec<String> = b
                        .fallback
                        .iter()
                        .map(|(k, v)| format!("{k} → {v}"))
                        .collect();
                    if list.is_empty() {
                        String::new()
                    } else {
                        format!(" Fallback in force: {}.", list.join(", "))
                    }
                } else {
                    String::new()
                };
            let closed = if t >= 1.0 && b.hard_limit {
                format!(
                    " Apps asking `llmlog guard` are refused until {}.",
                    report.window_end
                )
            } else {
                String::new()
            };
            out.push(Alert {
                key: format!("{prefix}{t}"),
                kind: "budget".into(),
                severity: severity.into(),
                title: format!("Budget '{}'{who} {verb} {} of {}", b.name, pct(t), money(b.limit_usd)),
                message: format!(
                    "{} spent of the {} {} budget '{}'{who} ({}) in the window starting {}; projected {} by the window's end.",
                    money(spent),
                    money(b.limit_usd),
                    b.period.name(),
                    b.name,
                    pct(share),
                    &report.window_start[..10],
                    money(report.projected_usd)
                ) + &closed + &fallback,
                at: at.to_string(),
                budget: Some(b.name.clone()),
                window_start: Some(report.window_start.clone()),
                member,
                threshold: Some(t),
                spent_usd: Some(spent),
                limit_usd: Some(b.limit_usd),
            });
        }
    }
    out
}

/// A hard-limit budget that was closed in an earlier window is open again: say so once, on the
/// new window's first pass (the closed alert is still remembered then; it is pruned after).
fn reopened(b: &Budget, report: &BudgetReport, raised: &[AlertRecord], at: &str) -> Vec<Alert> {
    if !b.hard_limit {
        return Vec::new();
    }
    let mut members: Vec<Option<String>> = raised
        .iter()
        .filter(|r| {
            r.alert.budget.as_deref() == Some(b.name.as_str())
                && r.alert.threshold.is_some_and(|t| t >= 1.0)
                && r.alert
                    .window_start
                    .as_deref()
                    .is_some_and(|ws| ws < report.window_start.as_str())
        })
        .map(|r| r.alert.member.clone())
        .collect();
    members.sort();
    members.dedup();
    members
        .into_iter()
        .filter_map(|member| {
            let key = format!(
                "reopened|{}|{}|{}",
                b.name,
                report.window_start,
                member.as_deref().unwrap_or("")
            );
            if raised.iter().any(|r| r.alert.key == key) {
                return None;
            }
            let who = member
                .as_deref()
                .map(|m| format!(" for {} {m}", b.per.as_deref().unwrap_or("")))
                .unwrap_or_default();
            let mut a = Alert::simple(
                key,
                "budget",
                "warning",
                format!("Budget '{}'{who} has reopened", b.name),
                format!(
                    "The {} window starting {} has begun: '{}'{who} is open again ({} limit).",
                    b.period.name(),
                    &report.window_start[..10.min(report.window_start.len())],
                    b.name,
                    money(b.limit_usd)
                ),
                at,
            );
            a.budget = Some(b.name.clone());
            a.window_start = Some(report.window_start.clone());
            a.member = member;
            Some(a)
        })
        .collect()
}

/// Spike and error-rate alerts, at most one of each per clock hour.
pub fn rate_alerts(
    totals: &Totals,
    rules: &AlertsSection,
    now_ms: i64,
    raised: &[AlertRecord],
    at: &str,
) -> Vec<Alert> {
    let hour = now_ms.div_euclid(3_600_000);
    let seen = |key: &str| raised.iter().any(|r| r.alert.key == key);
    let mut out = Vec::new();
    if let Some(spike) = &rules.spike {
        let (last, avg) = totals.last_hour_and_trailing_average(now_ms);
        let key = format!("spike|{hour}");
        if avg > 0.0 && last > spike.factor * avg && !seen(&key) {
            out.push(Alert::simple(
                key,
                "spike",
                "warning",
                format!("Spend spike: {} in the last hour, {:.1}× the average hour", money(last), last / avg),
                format!("The last 60 minutes cost {} against {} per hour over the 24 hours before (alert above {}×).", money(last), money(avg), spike.factor),
                at,
            ));
        }
    }
    if let Some(errors) = &rules.errors {
        let key = format!("errors|{hour}");
        if let Some(rate) = totals.error_rate(errors.over_calls as usize) {
            if rate > errors.max_rate && !seen(&key) {
                out.push(Alert::simple(
                    key,
                    "error_rate",
                    "critical",
                    format!(
                        "Error rate {} over the last {} calls",
                        pct(rate),
                        errors.over_calls
                    ),
                    format!(
                        "{} of the last {} calls failed (alert above {}).",
                        pct(rate),
                        errors.over_calls,
                        pct(errors.max_rate)
                    ),
                    at,
                ));
            }
        }
    }
    out
}
