//! `llmlog check` rules: run-level limits for a CI evaluation run, and budgets at a chosen level.

use super::rule::period_unit;
use super::{BudgetReport, Status};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct Limits {
    pub max_cost: Option<f64>,
    pub max_cost_per_call: Option<f64>,
    pub max_p95: Option<f64>,
    pub min_success_rate: Option<f64>,
    pub max_error_rate: Option<f64>,
}

/// The run's figures the limits are checked against.
#[derive(Debug, Clone, Default)]
pub struct RunFigures {
    pub calls: u64,
    pub cost_usd: f64,
    pub max_call_cost_usd: Option<f64>,
    pub p95_s: Option<f64>,
    pub success_rate: Option<f64>,
}

/// What a rule's numbers measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Usd,
    Seconds,
    /// A fraction in 0..1 (0.95 = 95%).
    Ratio,
}

/// One rule's outcome. Numbers stay numbers (`actual`, `limit`); the display text is beside them.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub passed: bool,
    /// The measured value; null when it could not be measured (no calls, no latency logged).
    pub actual: Option<f64>,
    pub limit: f64,
    pub unit: Unit,
    pub actual_text: String,
    pub limit_text: String,
}

fn usd(v: f64) -> String {
    crate::fmt::money(v)
}

pub fn check_limits(l: &Limits, f: &RunFigures) -> Vec<RuleResult> {
    let mut out = Vec::new();
    let mut push = |rule: &str,
                    passed: bool,
                    actual: Option<f64>,
                    limit: f64,
                    unit: Unit,
                    actual_text: String,
                    limit_text: String| {
        out.push(RuleResult {
            rule: rule.into(),
            passed,
            actual,
            limit,
            unit,
            actual_text,
            limit_text,
        });
    };
    if let Some(max) = l.max_cost {
        push(
            "total cost",
            f.cost_usd <= max,
            Some(f.cost_usd),
            max,
            Unit::Usd,
            usd(f.cost_usd),
            format!("≤ {}", usd(max)),
        );
    }
    if let Some(max) = l.max_cost_per_call {
        let worst = f.max_call_cost_usd.unwrap_or(0.0);
        push(
            "most expensive call",
            worst <= max,
            Some(worst),
            max,
            Unit::Usd,
            usd(worst),
            format!("≤ {}", usd(max)),
        );
    }
    if let Some(max) = l.max_p95 {
        // No latency logged is a failure: a limit that cannot be checked must not pass silently.
        let text = f
            .p95_s
            .map_or_else(|| "no latency logged".into(), |p| format!("{p:.3}s"));
        push(
            "latency p95",
            f.p95_s.is_some_and(|p| p <= max),
            f.p95_s,
            max,
            Unit::Seconds,
            text,
            format!("≤ {max}s"),
        );
    }
    let pct = |v: f64| format!("{:.2}%", v * 100.0);
    if let Some(min) = l.min_success_rate {
        push(
            "success rate",
            f.success_rate.is_some_and(|r| r >= min),
            f.success_rate,
            min,
            Unit::Ratio,
            f.success_rate.map_or_else(|| "no calls".into(), pct),
            format!("≥ {}", pct(min)),
        );
    }
    if let Some(max) = l.max_error_rate {
        let rate = f.success_rate.map(|r| 1.0 - r);
        push(
            "error rate",
            // 1 − 0.95 is 0.05000000000000004 in floating point: compare with a hair of slack.
            rate.is_some_and(|e| e <= max + 1e-12),
            rate,
            max,
            Unit::Ratio,
            rate.map_or_else(|| "no calls".into(), pct),
            format!("≤ {}", pct(max)),
        );
    }
    out
}

/// A budget fails the check when its status reaches `fail_on` (over by default).
pub fn check_budget(b: &BudgetReport, fail_on: Status) -> RuleResult {
    let who = b
        .members
        .first()
        .and_then(|m| m.key.clone())
        .map(|k| format!(" ({k})"))
        .unwrap_or_default();
    RuleResult {
        rule: format!("budget {} ({}, {})", b.name, b.period, b.scope),
        passed: b.status < fail_on,
        actual: Some(b.spent_usd),
        limit: b.limit_usd,
        unit: Unit::Usd,
        actual_text: format!(
            "{} {:.0}%{who}, projected {} — {}",
            usd(b.spent_usd),
            b.share * 100.0,
            usd(b.projected_usd),
            b.status.label()
        ),
        limit_text: format!("{} a {}", usd(b.limit_usd), period_unit(b.period)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_pass_and_fail() {
        let f = RunFigures {
            calls: 10,
            cost_usd: 2.5,
            max_call_cost_usd: Some(0.4),
            p95_s: Some(3.0),
            success_rate: Some(0.95),
        };
        let l = Limits {
            max_cost: Some(3.0),
            max_cost_per_call: Some(0.3),
            max_p95: Some(3.0),
            min_success_rate: Some(0.99),
            max_error_rate: Some(0.05),
        };
        let r = check_limits(&l, &f);
        let passed: Vec<bool> = r.iter().map(|r| r.passed).collect();
        assert_eq!(passed, vec![true, false, true, false, true]);
        let none = RunFigures::default();
        assert!(
            !check_limits(
                &Limits {
                    max_p95: Some(1.0),
                    ..Default::default()
                },
                &none
            )[0]
            .passed
        );
    }
}
