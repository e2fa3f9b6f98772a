//! Hours and days far outside their own baseline.
//!
//! A period's baseline is the same period in the preceding cycles where there are enough of them
//! — the same hour of the week over up to 8 weeks (at least 3), else the same hour of the day over
//! up to 14 days (at least 5); for days, the same weekday over up to 8 weeks (at least 3), else
//! the 7 days before (at least 5). A period is anomalous when
//!
//!   observed > median + k × max(1.4826 × MAD, floor)
//!
//! with the median and MAD (median absolute deviation) of the baseline values. The floor keeps a
//! flat or sparse baseline from flagging noise: for calls √median, 10% of the median and at least
//! 3 calls; for cost a fifth of the median and the spread of at least 9 typical calls; for error
//! rate 5 points, over periods with at least 20 calls.

use super::robust::{mad, median, MAD_TO_SIGMA};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    SameHourOfWeek,
    SameHourOfDay,
    PrecedingHours,
    SameWeekday,
    PrecedingDays,
}

impl Basis {
    pub fn describe(self, n: usize) -> String {
        match self {
            Basis::SameHourOfWeek => format!("the same hour of the week in the {n} weeks before"),
            Basis::SameHourOfDay => format!("the same hour of the day on the {n} days before"),
            Basis::PrecedingHours => format!("the {n} hours before"),
            Basis::SameWeekday => format!("the same weekday in the {n} weeks before"),
            Basis::PrecedingDays => format!("the {n} days before"),
        }
    }
}

/// One way of choosing a baseline: `lag` periods apart, up to `max` of them, at least `min`.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub basis: Basis,
    pub lag: usize,
    pub max: usize,
    pub min: usize,
}

/// No fallback to "the hours before": with a daily rhythm, a night-time median would flag every
/// busy hour. Without 5 days of history hours are not judged (and the report says so).
pub const HOURLY: [Plan; 2] = [
    Plan {
        basis: Basis::SameHourOfWeek,
        lag: 168,
        max: 8,
        min: 3,
    },
    Plan {
        basis: Basis::SameHourOfDay,
        lag: 24,
        max: 14,
        min: 5,
    },
];

pub const DAILY: [Plan; 2] = [
    Plan {
        basis: Basis::SameWeekday,
        lag: 7,
        max: 8,
        min: 3,
    },
    Plan {
        basis: Basis::PrecedingDays,
        lag: 1,
        max: 7,
        min: 5,
    },
];

/// A period that crossed the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Index into the series.
    pub index: usize,
    pub observed: f64,
    pub baseline: f64,
    /// 1.4826 × MAD, after the floor.
    pub spread: f64,
    /// (observed − baseline) / spread.
    pub score: f64,
    pub basis: Basis,
    /// Series indices of the baseline periods.
    pub history: Vec<usize>,
}

/// The baseline indices of period `i`, by the first plan with enough history. `usable` says which
/// periods may serve (error rates need enough calls).
pub fn baseline_of(
    i: usize,
    plans: &[Plan],
    usable: &dyn Fn(usize) -> bool,
) -> Option<(Basis, Vec<usize>)> {
    for p in plans {
        let idx: Vec<usize> = (1..=p.max)
            .filter_map(|j| i.checked_sub(j * p.lag))
            .filter(|&k| usable(k))
            .collect();
        if idx.len() >= p.min {
            return Some((p.basis, idx));
        }
    }
    None
}

/// Flags every period of `values` above its baseline by more than `k` spreads. `floor` gives the
/// smallest spread for a baseline median; `usable` which periods count (as observed and history).
pub fn detect(
    values: &[f64],
    plans: &[Plan],
    k: f64,
    floor: &dyn Fn(f64) -> f64,
    usable: &dyn Fn(usize) -> bool,
) -> Vec<Flag> {
    let mut out = Vec::new();
    for i in 0..values.len() {
        if !usable(i) {
            continue;
        }
        let Some((basis, history)) = baseline_of(i, plans, usable) else {
            continue;
        };
        let base: Vec<f64> = history.iter().map(|&h| values[h]).collect();
        let med = median(&base);
        let spread = (MAD_TO_SIGMA * mad(&base, med)).max(floor(med));
        if spread <= 0.0 {
            continue;
        }
        let score = (values[i] - med) / spread;
        if score > k {
            out.push(Flag {
                index: i,
                observed: values[i],
                baseline: med,
                spread,
                score,
                basis,
                history,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_among_steady_days() {
        // 10 days of 100 ± 5 calls, then 300: baseline median 100, MAD 5 → spread 7.41;
        // score (300 − 100) / 7.41 = 27.
        let mut v: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 95.0 } else { 105.0 })
            .collect();
        v.push(300.0);
        let floor = |m: f64| m.sqrt().max(1.0);
        let flags = detect(&v, &DAILY, 5.0, &floor, &|_| true);
        assert_eq!(flags.len(), 1);
        let f = &flags[0];
        assert_eq!(f.index, 10);
        // Only one week back exists (day 3), so the 7 days before serve: days 9, 7, 5, 3 at 105
        // and 8, 6, 4 at 95 → median 105, MAD 0 → the floor √105 = 10.25; score 195 / 10.25 = 19.
        assert_eq!(f.basis, Basis::PrecedingDays);
        assert_eq!(f.history.len(), 7);
        assert_eq!(f.baseline, 105.0);
        assert!((f.spread - 105f64.sqrt()).abs() < 1e-12);
        assert!((f.score - 195.0 / 105f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn quiet_series_and_short_history_flag_nothing() {
        let v: Vec<f64> = (0..60).map(|i| 100.0 + ((i * 7) % 11) as f64).collect();
        let floor = |m: f64| m.sqrt().max(1.0);
        assert!(detect(&v, &DAILY, 5.0, &floor, &|_| true).is_empty());
        // Four days: not enough history for anything.
        assert!(detect(&[1.0, 1.0, 1.0, 500.0], &DAILY, 5.0, &floor, &|_| true).is_empty());
    }
}
