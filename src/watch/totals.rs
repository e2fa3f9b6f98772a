//! Running totals of everything watched: just what the alert rules need, bounded in size
//! (per-day budget costs for a year, per-minute cost for a day, the last N outcomes).

use crate::budget::{Budget, DayCost};
use crate::engine::filter::glob_match;
use crate::normalize::record::CallRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet, VecDeque};

/// Days of budget history kept: enough for a yearly budget's window and its predecessor.
const KEEP_DAYS: i32 = 800;
const KEEP_MINUTES: i64 = 26 * 60;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Totals {
    /// Calls counted (each exactly once).
    pub calls: u64,
    /// Lines skipped as unreadable.
    pub skipped: u64,
    pub cost_usd: f64,
    /// Local day → "budget name|member" → cost.
    pub budget_days: BTreeMap<i32, BTreeMap<String, f64>>,
    /// UTC minute → cost, for the spike rule.
    pub minutes: BTreeMap<i64, f64>,
    /// The latest outcomes, true for an error, for the error-rate rule.
    pub recent: VecDeque<bool>,
    /// Calls dropped because their request id was seen just before (a logger that retried).
    #[serde(default)]
    pub duplicates: u64,
    /// Hashes of the latest request ids, oldest first, for deduplication across restarts.
    #[serde(default)]
    pub recent_ids: VecDeque<u64>,
    #[serde(skip)]
    id_set: HashSet<u64>,
}

/// How many recent request ids are remembered: duplicates come from retrying loggers and sit
/// close together; a bound keeps memory and the state file small.
const RECENT_IDS: usize = 10_000;

/// The value of a budget's field on a call, as scopes and `per` see it.
fn field<'r>(r: &'r CallRecord<'_>, name: &str) -> Option<&'r str> {
    match name {
        "model" => r.model.as_deref(),
        "provider" => r.provider.as_deref(),
        "type" => r.call_type.as_deref(),
        "user" => r.user.as_deref(),
        "project" => r.project.as_deref(),
        "tag" | "tags" => r.tags.as_deref(),
        "conversation" => r.conversation.as_deref(),
        _ => None,
    }
}

pub fn in_scope(b: &Budget, r: &CallRecord<'_>) -> bool {
    b.scope.iter().all(|(f, pattern)| match field(r, f) {
        Some(v) if f == "tag" || f == "tags" => v.split(',').any(|t| glob_match(pattern, t)),
        Some(v) => glob_match(pattern, v),
        None => false,
    })
}

impl Totals {
    /// True when this request id was among the latest ones seen (the call is then not counted);
    /// otherwise remembers it.
    pub fn seen_before(&mut self, key: &str) -> bool {
        if self.id_set.len() != self.recent_ids.len() {
            self.id_set = self.recent_ids.iter().copied().collect(); // rebuilt after a restart
        }
        // FNV, not std's hasher: these hashes are saved, and must mean the same after an upgrade.
        let id = super::tail::fnv1a(key.as_bytes());
        if self.id_set.contains(&id) {
            self.duplicates += 1;
            return true;
        }
        self.id_set.insert(id);
        self.recent_ids.push_back(id);
        if self.recent_ids.len() > RECENT_IDS {
            if let Some(old) = self.recent_ids.pop_front() {
                self.id_set.remove(&old);
            }
        }
        false
    }

    pub fn add(&mut self, r: &CallRecord<'_>, day: i32, budgets: &[Budget], recent_cap: usize) {
        let cost = r.cost_usd.unwrap_or(0.0);
        self.calls += 1;
        self.cost_usd += cost;
        for b in budgets.iter().filter(|b| in_scope(b, r)) {
            let member = match &b.per {
                Some(p) => field(r, p).unwrap_or("(none)"),
                None => "",
            };
            *self
                .budget_days
                .entry(day)
                .or_default()
                .entry(format!("{}|{member}", b.name))
                .or_default() += cost;
        }
        *self.minutes.entry(r.ts_ms.div_euclid(60_000)).or_default() += cost;
        if recent_cap > 0 {
            self.recent.push_back(!r.ok);
            while self.recent.len() > recent_cap {
                self.recent.pop_front();
            }
        }
    }

    /// Daily costs of one budget, as `budget::evaluate` wants them.
    pub fn budget_usage(&self, b: &Budget) -> Vec<DayCost> {
        let prefix = format!("{}|", b.name);
        let mut out = Vec::new();
        for (day, members) in &self.budget_days {
            for (k, cost) in members.range(prefix.clone()..) {
                let Some(member) = k.strip_prefix(&prefix) else {
                    break;
                };
                out.push(DayCost {
                    day: *day,
                    key: b.per.as_ref().map(|_| member.to_string()),
                    cost: *cost,
                });
            }
        }
        out
    }

    pub fn prune(&mut self, now_ms: i64, now_day: i32) {
        self.budget_days.retain(|d, _| *d >= now_day - KEEP_DAYS);
        let now_min = now_ms.div_euclid(60_000);
        self.minutes.retain(|m, _| *m > now_min - KEEP_MINUTES);
    }

    /// Cost of the last 60 minutes, and the average hour of the 24 hours before them.
    pub fn last_hour_and_trailing_average(&self, now_ms: i64) -> (f64, f64) {
        let now_min = now_ms.div_euclid(60_000);
        let last: f64 = self
            .minutes
            .range(now_min - 59..=now_min)
            .map(|(_, c)| c)
            .sum();
        let before: f64 = self
            .minutes
            .range(now_min - 25 * 60 + 1..now_min - 59)
            .map(|(_, c)| c)
            .sum();
        (last, before / 24.0)
    }

    /// Share of errors among the latest calls, when there are `over` of them.
    pub fn error_rate(&self, over: usize) -> Option<f64> {
        (over > 0 && self.recent.len() >= over).then(|| {
            self.recent.iter().rev().take(over).filter(|e| **e).count() as f64 / over as f64
        })
    }
}
