//! The live budget status apps obey — pure: (budgets, their reports, now) → status, and
//! (status, budgets, a question) → may I spend, and with which model.
//!
//! Written by `watch` to a small JSON file (schemas/budget-live-status.schema.json), served by
//! `watch --serve`, read by `llmlog guard`. Aggregates only: no log content.

use super::{Budget, BudgetReport};
use crate::engine::filter::glob_match;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a budget stands for apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    /// A `warn_at` threshold reached.
    Warning,
    /// Over the limit (a soft budget: alerts, nothing closes).
    Over,
    /// A hard-limit budget at 100%: apps stop spending (or switch to the fallback) until it reopens.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveStatus {
    /// When this status was computed (RFC 3339) and as epoch ms.
    pub generated_at: String,
    pub generated_ms: i64,
    /// How often watch rewrites it (`--interval`): older than about twice this, watch is gone.
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    pub budgets: Vec<LiveBudget>,
}

fn default_interval() -> u64 {
    1000
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBudget {
    pub name: String,
    pub period: String,
    /// Field → glob the budget covers (empty: every call).
    #[serde(rename = "where")]
    pub scope: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    pub hard_limit: bool,
    pub window_start: String,
    /// The window's end: when a closed budget reopens.
    pub reopens_at: String,
    pub reopens_ms: i64,
    pub limit_usd: f64,
    pub spent_usd: f64,
    pub share: f64,
    pub projected_usd: f64,
    pub state: State,
    /// Model glob → model to use instead, while in force (empty otherwise).
    pub fallback: BTreeMap<String, String>,
    /// For per-field budgets: the members near, over or closed (others are ok).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<LiveMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveMember {
    pub key: String,
    pub spent_usd: f64,
    pub share: f64,
    pub state: State,
    pub fallback: BTreeMap<String, String>,
}

fn state_of(b: &Budget, share: f64) -> State {
    if share >= 1.0 {
        if b.hard_limit {
            State::Closed
        } else {
            State::Over
        }
    } else if b.warn_at.first().is_some_and(|w| share >= *w) {
        State::Warning
    } else {
        State::Ok
    }
}

fn fallback_in_force(b: &Budget, share: f64, state: State) -> BTreeMap<String, String> {
    let on = state == State::Closed || b.fallback_at.is_some_and(|f| share >= f);
    if on {
        b.fallback.clone()
    } else {
        BTreeMap::new()
    }
}

/// The status of every budget from its report (as `budget status` computes it).
pub fn live(
    budgets: &[Budget],
    reports: &[BudgetReport],
    generated_at: String,
    now_ms: i64,
) -> LiveStatus {
    let budgets = budgets
        .iter()
        .zip(reports)
        .map(|(b, r)| {
            let state = state_of(b, r.share);
            let members = r
                .members
                .iter()
                .filter_map(|m| {
                    let key = m.key.clone()?;
                    let st = state_of(b, m.share);
                    Some(LiveMember {
                        key,
                        spent_usd: m.spent_usd,
                        share: m.share,
                        state: st,
                        fallback: fallback_in_force(b, m.share, st),
                    })
                })
                .collect();
            LiveBudget {
                name: b.name.clone(),
                period: b.period.name().to_string(),
                scope: b.scope.clone(),
                per: b.per.clone(),
                hard_limit: b.hard_limit,
                window_start: r.window_start.clone(),
                reopens_at: r.window_end.clone(),
                reopens_ms: chrono::DateTime::parse_from_rfc3339(&r.window_end)
                    .map(|d| d.timestamp_millis())
                    .unwrap_or(i64::MAX),
                limit_usd: b.limit_usd,
                spent_usd: r.spent_usd,
                share: r.share,
                projected_usd: r.projected_usd,
                state: if b.per.is_some() { State::Ok } else { state },
                fallback: if b.per.is_some() {
                    BTreeMap::new()
                } else {
                    fallback_in_force(b, r.share, state)
                },
                members,
            }
        })
        .collect();
    LiveStatus {
        generated_at,
        generated_ms: now_ms,
        interval_ms: default_interval(),
        budgets,
    }
}

/// A question to the guard: this call (model and other fields), optionally one budget only.
#[derive(Debug, Clone, Default)]
pub struct Question {
    pub budget: Option<String>,
    pub model: Option<String>,
    /// Canonical field → value (`user` → `u_42`).
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub allowed: bool,
    /// The model to use: the fallback in force, else the model asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why not (or why the model changed), one line per budget.
    pub reasons: Vec<String>,
}

/// May this call spend? Closed when a hard-limit budget covering it is closed in its current
/// window. A budget covers the call unless the question names a value outside its scope: a field
/// the question leaves out is assumed to match (ask with `--where project=…` to be precise). A
/// window that has ended by `now_ms` has reopened.
pub fn decide(status: &LiveStatus, q: &Question, now_ms: i64) -> Answer {
    let mut allowed = true;
    let mut model = q.model.clone();
    let mut reasons = Vec::new();
    for b in &status.budgets {
        if q.budget.as_deref().is_some_and(|n| n != b.name) {
            continue;
        }
        let value = |field: &str| -> Option<&str> {
            if field == "model" {
                q.model.as_deref()
            } else {
                q.fields.get(field).map(String::as_str)
            }
        };
        let covered = b.scope.iter().all(|(f, glob)| match value(f) {
            Some(v) if f == "tag" => v.split(',').any(|t| glob_match(glob, t)),
            Some(v) => glob_match(glob, v),
            None => true,
        });
        if !covered || now_ms >= b.reopens_ms {
            continue;
        }
        // Per-field budgets: the member this call belongs to (unknown member: not limited).
        let (state, share, spent, fallback, who) = match &b.per {
            Some(per) => match value(per).and_then(|v| b.members.iter().find(|m| m.key == v)) {
                Some(m) => (
                    m.state,
                    m.share,
                    m.spent_usd,
                    &m.fallback,
                    format!(" for {per} {}", m.key),
                ),
                None => continue,
            },
            None => (b.state, b.share, b.spent_usd, &b.fallback, String::new()),
        };
        let switch = q.model.as_deref().and_then(|m| {
            fallback
                .iter()
                .filter(|(glob, _)| glob_match(glob, m))
                .max_by_key(|(glob, _)| glob.len())
                .map(|(_, to)| to.clone())
        });
        if state == State::Closed {
            allowed = false;
            reasons.push(format!(
                "budget '{}'{who} is closed: {} of {} ({:.0}%) this {} window; reopens {}{}",
                b.name,
                crate::fmt::money(spent),
                crate::fmt::money(b.limit_usd),
                share * 100.0,
                b.period,
                b.reopens_at,
                switch
                    .as_deref()
                    .map(|s| format!("; fallback: {s}"))
                    .unwrap_or_default()
            ));
        } else if let Some(s) = &switch {
            reasons.push(format!(
                "budget '{}'{who} at {:.0}%: use {s} instead",
                b.name,
                share * 100.0
            ));
        }
        if switch.is_some() {
            model = switch;
        }
    }
    Answer {
        allowed,
        model,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(state: State, scope: &[(&str, &str)]) -> LiveBudget {
        LiveBudget {
            name: "daily".into(),
            period: "daily".into(),
            scope: scope
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            per: None,
            hard_limit: true,
            window_start: "2026-11-20T00:00:00+00:00".into(),
            reopens_at: "2026-11-21T00:00:00+00:00".into(),
            reopens_ms: 1_795_219_200_000,
            limit_usd: 10.0,
            spent_usd: 12.0,
            share: 1.2,
            projected_usd: 20.0,
            state,
            fallback: [("gpt-4o*".to_string(), "gpt-4o-mini".to_string())].into(),
            members: vec![],
        }
    }

    fn status(b: LiveBudget) -> LiveStatus {
        LiveStatus {
            generated_at: "x".into(),
            generated_ms: 0,
            interval_ms: 1000,
            budgets: vec![b],
        }
    }

    fn ask(model: &str, fields: &[(&str, &str)]) -> Question {
        Question {
            budget: None,
            model: Some(model.into()),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn closed_covering_budget_says_no_and_names_the_fallback() {
        let s = status(budget(State::Closed, &[("project", "support")]));
        let now = 1_795_200_000_000; // 2026-11-20T14:40Z
        let a = decide(&s, &ask("gpt-4o", &[("project", "support")]), now);
        assert!(!a.allowed);
        assert_eq!(a.model.as_deref(), Some("gpt-4o-mini"));
        // Another project is outside the scope; a field left out is assumed covered.
        assert!(decide(&s, &ask("gpt-4o", &[("project", "web")]), now).allowed);
        assert!(!decide(&s, &ask("claude-x", &[]), now).allowed);
        // The window's end reopens it.
        assert!(decide(&s, &ask("gpt-4o", &[]), 1_795_219_200_000).allowed);
    }
}
