//! A step up that stayed up: a type of call whose tokens (or cost) per call jumped on one day and
//! did not come back — a prompt change that doubled the context, a model swap.
//!
//! Over the days with enough calls, every split with at least `MIN_SIDE` days on each side is
//! tried; a split qualifies when the median after is at least `MIN_RATIO` × the median before and
//! at least 80% of the days on each side lie on their side of the midpoint between the two
//! medians. The split that sorts the most days correctly wins (ties: the larger ratio).

use super::robust::median;

pub const MIN_SIDE: usize = 3;
pub const MIN_RATIO: f64 = 1.5;
const CONSISTENT: f64 = 0.8;

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Index of the first day after the step.
    pub index: usize,
    pub before: f64,
    pub after: f64,
    pub ratio: f64,
    pub days_before: usize,
    pub days_after: usize,
}

pub fn step_up(values: &[f64]) -> Option<Step> {
    let n = values.len();
    if n < 2 * MIN_SIDE {
        return None;
    }
    let mut best: Option<(usize, Step)> = None;
    for s in MIN_SIDE..=n - MIN_SIDE {
        let (b, a) = (median(&values[..s]), median(&values[s..]));
        if b <= 0.0 || a < MIN_RATIO * b {
            continue;
        }
        let mid = (a + b) / 2.0;
        let low = values[..s].iter().filter(|v| **v < mid).count();
        let high = values[s..].iter().filter(|v| **v > mid).count();
        if (low as f64) < CONSISTENT * s as f64 || (high as f64) < CONSISTENT * (n - s) as f64 {
            continue;
        }
        let step = Step {
            index: s,
            before: b,
            after: a,
            ratio: a / b,
            days_before: s,
            days_after: n - s,
        };
        let right = low + high;
        let better = match &best {
            None => true,
            Some((r, prev)) => right > *r || (right == *r && step.ratio > prev.ratio),
        };
        if better {
            best = Some((right, step));
        }
    }
    best.map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doubling_on_day_six() {
        let v = [
            1000.0, 1010.0, 990.0, 1005.0, 995.0, 2000.0, 2020.0, 1990.0, 2010.0,
        ];
        let s = step_up(&v).unwrap();
        assert_eq!(s.index, 5);
        assert_eq!((s.before, s.after), (1000.0, 2005.0));
    }

    #[test]
    fn noise_a_spike_or_a_dip_is_no_step() {
        assert!(step_up(&[100.0, 104.0, 98.0, 101.0, 99.0, 103.0, 100.0]).is_none());
        // One high day that came back down.
        assert!(step_up(&[100.0, 100.0, 100.0, 300.0, 100.0, 100.0, 100.0]).is_none());
        // A step down is not a step up.
        assert!(step_up(&[200.0, 200.0, 200.0, 100.0, 100.0, 100.0]).is_none());
    }
}
