//! Runaway loops: bursts of near-identical calls of one key (a user or conversation, with the
//! type and model), many within a short window — a retry loop, an agent stuck on one step.
//!
//! A burst starts when a key has at least `calls` calls within `within` and at least 80% of them
//! have input tokens within ±`similar` (2%) of their median (a loop resends the same prompt; a normal
//! conversation's context grows). It lasts while the window keeps at least half that many calls;
//! the same detector runs over the sorted calls in analyze and over appended lines in watch.

use std::collections::VecDeque;
// foldhash: one lookup per call; SipHash's DoS resistance buys nothing for small integer keys.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::hash::Hash;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopRule {
    pub calls: usize,
    pub within_ms: i64,
    /// Input tokens within this fraction of the median count as the same prompt.
    pub similar: f64,
}

impl Default for LoopRule {
    fn default() -> Self {
        LoopRule {
            calls: 30,
            within_ms: 10 * 60_000,
            // A loop resends the same prompt: ±2% keeps an agent session whose context grows a
            // little each turn (and cache reads count as input) out.
            similar: 0.02,
        }
    }
}

/// Share of a window's calls that must look alike.
pub const SIMILAR_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub ts_ms: i64,
    pub input_tokens: u64,
    pub ok: bool,
    pub cost: f64,
    pub file: u32,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Burst<K> {
    pub key: K,
    pub start_ms: i64,
    pub end_ms: i64,
    /// When the burst crossed the threshold (its `calls`-th call).
    pub detected_ms: i64,
    pub calls: u64,
    pub errors: u64,
    pub cost: f64,
    pub first: (u32, u32),
    pub last: (u32, u32),
    /// The median input tokens of the calls that started it, and the share of them alike.
    pub median_input: u64,
    pub alike: f64,
}

struct KeyState<K> {
    window: VecDeque<Event>,
    /// Calls to skip before the window's test runs again after it failed (it sorts).
    skip: usize,
    active: Option<Burst<K>>,
    /// Every call of the key: count, first and last time (for its normal rate).
    seen: u64,
    first_ms: i64,
    last_ms: i64,
}

pub struct Detector<K> {
    pub rule: LoopRule,
    keys: HashMap<K, KeyState<K>>,
    finished: Vec<Burst<K>>,
    started: Vec<Burst<K>>,
}

/// A key's totals, for comparing a burst with the key's normal rate.
#[derive(Debug, Clone, Copy)]
pub struct KeyTotals {
    pub calls: u64,
    pub first_ms: i64,
    pub last_ms: i64,
}

fn alike(window: &VecDeque<Event>, similar: f64) -> (u64, f64) {
    let mut t: Vec<u64> = window.iter().map(|e| e.input_tokens).collect();
    t.sort_unstable();
    let med = t[t.len() / 2];
    let tol = similar * med.max(1) as f64;
    let n = t
        .iter()
        .filter(|&&x| (x as f64 - med as f64).abs() <= tol)
        .count();
    (med, n as f64 / t.len() as f64)
}

impl<K: Hash + Eq + Clone> Detector<K> {
    pub fn new(rule: LoopRule) -> Self {
        Detector {
            rule,
            keys: HashMap::default(),
            finished: Vec::new(),
            started: Vec::new(),
        }
    }

    pub fn push(&mut self, key: K, e: Event) {
        let rule = self.rule;
        let st = match self.keys.get_mut(&key) {
            Some(st) => st,
            None => self.keys.entry(key.clone()).or_insert_with(|| KeyState {
                window: VecDeque::new(),
                skip: 0,
                active: None,
                seen: 0,
                first_ms: e.ts_ms,
                last_ms: e.ts_ms,
            }),
        };
        st.seen += 1;
        st.first_ms = st.first_ms.min(e.ts_ms);
        st.last_ms = st.last_ms.max(e.ts_ms);
        let horizon = e.ts_ms - rule.within_ms;
        while st.window.front().is_some_and(|f| f.ts_ms < horizon) {
            st.window.pop_front();
        }
        // A window that drained is tested again soon: the skip never outlasts its calls.
        st.skip = st.skip.min(st.window.len() / 2);
        if st.active.is_some() && st.window.len() < rule.calls.div_ceil(2) {
            self.finished.push(st.active.take().unwrap());
        }
        // A loop's calls look like the one before; a call unlike its predecessor cannot be the
        // one that completes a burst, so the window's (sorting) test is skipped for it.
        let like_last = st.window.back().is_some_and(|p| {
            let tol = rule.similar * p.input_tokens.max(1) as f64;
            (e.input_tokens as f64 - p.input_tokens as f64).abs() <= tol
        });
        st.window.push_back(e);
        match &mut st.active {
            Some(b) => {
                b.end_ms = b.end_ms.max(e.ts_ms);
                b.calls += 1;
                b.errors += u64::from(!e.ok);
                b.cost += e.cost;
                b.last = (e.file, e.line);
            }
            None if like_last && st.skip > 0 => st.skip -= 1,
            None if like_last && st.window.len() >= rule.calls.max(2) => {
                let (median_input, share) = alike(&st.window, rule.similar);
                if share < SIMILAR_SHARE {
                    // Not alike yet: the share cannot reach 80% in fewer calls than this.
                    let w = st.window.len();
                    st.skip = ((SIMILAR_SHARE - share) * w as f64) as usize / 2;
                    // A busy key whose share hovers just under the line would sort its whole
                    // window every few calls: in a window over four times the threshold, the
                    // test waits for a sixteenth of it to be new (a burst is then seen at most
                    // that many calls late).
                    if w > 4 * rule.calls {
                        st.skip = st.skip.max(w / 16);
                    }
                }
                if share >= SIMILAR_SHARE {
                    let w = &st.window;
                    let b = Burst {
                        key,
                        start_ms: w.front().map_or(e.ts_ms, |f| f.ts_ms),
                        end_ms: e.ts_ms,
                        detected_ms: e.ts_ms,
                        calls: w.len() as u64,
                        errors: w.iter().filter(|x| !x.ok).count() as u64,
                        cost: w.iter().map(|x| x.cost).sum(),
                        first: w.front().map_or((e.file, e.line), |f| (f.file, f.line)),
                        last: (e.file, e.line),
                        median_input,
                        alike: share,
                    };
                    self.started.push(b.clone());
                    st.active = Some(b);
                }
            }
            None => {}
        }
    }

    /// The last call of the key's burst, while one is going.
    pub fn active_end(&self, key: &K) -> Option<i64> {
        self.keys.get(key)?.active.as_ref().map(|b| b.end_ms)
    }

    /// Bursts that started since the last call (for watch's alerts), as they were then.
    pub fn take_started(&mut self) -> Vec<Burst<K>> {
        std::mem::take(&mut self.started)
    }

    /// Forgets keys quiet since before `before_ms` (watch keeps memory bounded).
    pub fn forget_before(&mut self, before_ms: i64) {
        let finished = &mut self.finished;
        self.keys.retain(|_, st| {
            let keep = st.last_ms >= before_ms;
            if !keep {
                if let Some(b) = st.active.take() {
                    finished.push(b);
                }
            }
            keep
        });
        finished.clear();
    }

    /// Every burst, finished or still going, by start time; and each key's totals.
    pub fn finish(mut self) -> (Vec<Burst<K>>, HashMap<K, KeyTotals>) {
        let mut totals = HashMap::default();
        for (k, st) in self.keys {
            if let Some(b) = st.active {
                self.finished.push(b);
            }
            totals.insert(
                k,
                KeyTotals {
                    calls: st.seen,
                    first_ms: st.first_ms,
                    last_ms: st.last_ms,
                },
            );
        }
        self.finished.sort_by_key(|b| (b.start_ms, b.first));
        (self.finished, totals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts_ms: i64, input: u64, ok: bool) -> Event {
        Event {
            ts_ms,
            input_tokens: input,
            ok,
            cost: 0.01,
            file: 0,
            line: (ts_ms / 1000) as u32,
        }
    }

    #[test]
    fn a_retry_loop_is_one_burst() {
        let mut d = Detector::new(LoopRule::default());
        // Normal traffic: one call every 5 minutes for a day.
        for i in 0..288 {
            d.push("u1", ev(i * 300_000, 1000 + (i as u64 * 37) % 900, true));
        }
        // 100 identical failing calls, one a second, from t = 2 h.
        for i in 0..100 {
            d.push("u2", ev(7_200_000 + i * 1000, 1200, false));
        }
        let (bursts, totals) = d.finish();
        assert_eq!(bursts.len(), 1);
        let b = &bursts[0];
        assert_eq!((b.key, b.calls, b.errors), ("u2", 100, 100));
        assert_eq!((b.start_ms, b.end_ms), (7_200_000, 7_299_000));
        assert_eq!(b.detected_ms, 7_200_000 + 29_000);
        assert_eq!(totals["u1"].calls, 288);
    }

    #[test]
    fn growing_context_is_not_a_loop() {
        let mut d = Detector::new(LoopRule::default());
        // An agent session: 60 calls in 10 minutes, each prompt 5% longer than the last.
        let mut input = 1000.0;
        for i in 0..60 {
            d.push("s", ev(i * 10_000, input as u64, true));
            input *= 1.05;
        }
        assert!(d.finish().0.is_empty());
    }

    #[test]
    fn two_bursts_after_a_pause() {
        let mut d = Detector::new(LoopRule::default());
        for i in 0..40 {
            d.push("k", ev(i * 1000, 500, false));
        }
        for i in 0..40 {
            d.push("k", ev(3_600_000 + i * 1000, 500, false));
        }
        let (b, _) = d.finish();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].calls, b[1].calls), (40, 40));
    }
}
