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

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub passed: bool,
    pub actual: String,
    pub limit: String,
}

fn usd(v: f64) -> String {
    crate::fmt::money(v)
}

pub fn check_limits(l: &Limits, f: &RunFigures) -> Vec<RuleResult> {
    let mut out = Vec::new();
    let mut push = |rule: &str, passed: bool, actual: String, limit: String| {
        out.push(RuleResult {
            rule: rule.into(),
            passed,
            actual,
            limit,
        });
    };
    if let Some(max) = l.max_cost {
        push(
            "total cost",
            f.cost_usd <= max,
            usd(f.cost_usd),
            format!("≤ {}", usd(max)),
        );
    }
    if let Some(max) = l.max_cost_per_call {
        let worst = f.max_call_cost_usd.unwrap_or(0.0);
        push(
            "most expensive call",
            worst <= max,
            usd(worst),
            format!("≤ {}", usd(max)),
        );
    }
    if let Some(max) = l.max_p95 {
        // No latency logged is a failure: a limit that cannot be checked must not pass silently.
        match f.p95_s {
            Some(p) => push(
                "latency p95",
                p <= max,
                format!("{p:.3}s"),
                format!("≤ {max}s"),
            ),
            None => push(
                "latency p95",
                false,
                "no latency logged".into(),
                format!("≤ {max}s"),
            ),
        }
    }
    let pct = |v: f64| format!("{:.2}%", v * 100.0);
    if let Some(min) = l.min_success_rate {
        match f.success_rate {
            Some(r) => push("success rate", r >= min, pct(r), format!("≥ {}", pct(min))),
            None => push(
                "success rate",
                false,
                "no calls".into(),
                format!("≥ {}", pct(min)),
            ),
        }
    }
    if let Some(max) = l.max_error_rate {
        match f.success_rate {
            // 1 − 0.95 is 0.05000000000000004 in floating point: compare with a hair of slack.
            Some(r) => push(
                "error rate",
                1.0 - r <= max + 1e-12,
                pct(1.0 - r),
                format!("≤ {}", pct(max)),
            ),
            None => push(
                "error rate",
                false,
                "no calls".into(),
                format!("≤ {}", pct(max)),
            ),
        }
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
        actual: format!(
            "{} {:.0}%{who}, projected {} — {}",
            usd(b.spent_usd),
            b.share * 100.0,
            usd(b.projected_usd),
            b.status.label()
        ),
        limit: format!("{} a {}", usd(b.limit_usd), period_unit(b.period)),
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
