//! Watch's `CallSink`: running totals of the calls the shared scan counts, bounded by the windows
//! they serve. Budgets are evaluated by the same polars query `budget status` runs, over a compact
//! cube of cost per (local day × the fields budgets use), so the two agree by construction.

use crate::anomaly::loops::{Burst, Detector, Event, LoopRule};
use crate::budget::Budget;
use crate::normalize::columns::{col_names as c, Dictionary};
use crate::normalize::dimension::Dimension;
use crate::scan::CallSink;
use anyhow::Result;
use polars::prelude::*;
use std::collections::{BTreeMap, VecDeque};

/// Days of cube kept: a yearly budget's window and its predecessor, with room to spare.
pub const KEEP_DAYS: i32 = 800;
/// Minutes of per-minute cost kept, for the spike rule (the last hour and the 24 before it).
const KEEP_MINUTES: i64 = 26 * 60;

/// A call over the expensive-call threshold, as the alert needs it.
#[derive(Debug, Clone)]
pub struct ExpensiveCall {
    pub ts_ms: i64,
    pub cost_usd: f64,
    pub model: Option<String>,
    pub user: Option<String>,
    pub file: String,
    pub line: u64,
}

/// A runaway loop watch saw start, with its key's names.
#[derive(Debug, Clone)]
pub struct LoopHit {
    pub burst: Burst<LoopKey>,
    pub user: Option<String>,
    pub conversation: Option<String>,
    pub call_type: Option<String>,
    pub model: Option<String>,
    pub first: (String, u64),
}

/// (user, conversation, type, model) codes: the conversation when logged, else the user.
pub type LoopKey = (u32, u32, u32, u32);

pub struct Totals {
    /// Calls counted (each exactly once).
    pub calls: u64,
    pub cost_usd: f64,
    /// Cost per (day, budget fields…): the frame budget status queries, aggregated.
    cube: Option<DataFrame>,
    cube_keys: Vec<&'static str>,
    compacted_height: usize,
    /// UTC minute → cost, for the spike rule.
    pub minutes: BTreeMap<i64, f64>,
    /// The latest outcomes, true for an error, for the error-rate rule.
    pub recent: VecDeque<bool>,
    recent_cap: usize,
    expensive_usd: Option<f64>,
    /// Expensive calls seen since the last `take_expensive`.
    expensive: Vec<ExpensiveCall>,
    loops: Option<Detector<LoopKey>>,
    loop_hits: Vec<LoopHit>,
}

impl Totals {
    pub fn new(budgets: &[Budget], recent_cap: usize, expensive_usd: Option<f64>) -> Totals {
        let mut cube_keys = vec![c::DAY];
        for b in budgets {
            for f in b.scope.keys().chain(b.per.iter()) {
                if let Ok(d) = Dimension::parse(f) {
                    if !cube_keys.contains(&d.column()) {
                        cube_keys.push(d.column());
                    }
                }
            }
        }
        Totals {
            calls: 0,
            cost_usd: 0.0,
            cube: None,
            cube_keys,
            compacted_height: 0,
            minutes: BTreeMap::new(),
            recent: VecDeque::new(),
            recent_cap,
            expensive_usd,
            expensive: Vec::new(),
            loops: None,
            loop_hits: Vec::new(),
        }
    }

    /// Follow runaway loops by this rule (the same detector analyze runs).
    pub fn detect_loops(&mut self, rule: LoopRule) {
        self.loops = Some(Detector::new(rule));
    }

    /// Whether the burst of this key is still going at `now_ms` (a call within the window).
    pub fn loop_going(&self, key: &LoopKey, now_ms: i64) -> bool {
        self.loops.as_ref().is_some_and(|d| {
            d.active_end(key)
                .is_some_and(|end| end >= now_ms - d.rule.within_ms)
        })
    }

    pub fn take_loops(&mut self) -> Vec<LoopHit> {
        std::mem::take(&mut self.loop_hits)
    }

    /// The cube as a lazy frame with the canonical column names budget queries use.
    pub fn cube(&self) -> LazyFrame {
        match &self.cube {
            Some(f) => f.clone().lazy(),
            None => {
                let mut cols: Vec<Column> = self
                    .cube_keys
                    .iter()
                    .map(|k| {
                        if *k == c::DAY {
                            Int32Chunked::from_vec((*k).into(), vec![]).into_column()
                        } else {
                            UInt32Chunked::from_vec((*k).into(), vec![]).into_column()
                        }
                    })
                    .collect();
                cols.push(Float64Chunked::from_vec(c::COST.into(), vec![]).into_column());
                DataFrame::new(0, cols)
                    .expect("empty cube has consistent columns")
                    .lazy()
            }
        }
    }

    fn aggregate(&self, lf: LazyFrame) -> LazyFrame {
        let keys: Vec<Expr> = self.cube_keys.iter().map(|k| col(*k)).collect();
        lf.group_by(keys)
            .agg([col(c::COST).fill_null(lit(0.0)).sum().alias(c::COST)])
    }

    /// Re-aggregates the cube and drops days no window needs.
    pub fn compact(&mut self, now_day: i32) -> Result<()> {
        let Some(cube) = self.cube.take() else {
            return Ok(());
        };
        let lf = cube
            .lazy()
            .filter(col(c::DAY).gt_eq(lit(now_day - KEEP_DAYS)));
        let keys: Vec<Expr> = self.cube_keys.iter().map(|k| col(*k)).collect();
        let f = self
            .aggregate(lf)
            .sort_by_exprs(keys, SortMultipleOptions::default())
            .collect()?;
        self.compacted_height = f.height();
        self.cube = Some(f);
        Ok(())
    }

    pub fn prune(&mut self, now_ms: i64, now_day: i32) -> Result<()> {
        let now_min = now_ms.div_euclid(60_000);
        self.minutes.retain(|m, _| *m > now_min - KEEP_MINUTES);
        if let Some(d) = &mut self.loops {
            let within = d.rule.within_ms;
            d.forget_before(now_ms - 2 * within);
        }
        self.compact(now_day)
    }

    pub fn take_expensive(&mut self) -> Vec<ExpensiveCall> {
        std::mem::take(&mut self.expensive)
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

    /// Cost in the last 24 hours.
    pub fn last_day(&self, now_ms: i64) -> f64 {
        self.minutes
            .range((now_ms.div_euclid(60_000) - 24 * 60)..)
            .map(|(_, c)| c)
            .sum()
    }
}

impl CallSink for Totals {
    fn calls(&mut self, frame: DataFrame, dict: &Dictionary, files: &[String]) -> Result<()> {
        let ts = frame.column(c::TS_MS)?.i64()?.clone();
        let cost = frame.column(c::COST)?.f64()?.clone();
        let ok = frame.column(c::OK)?.bool()?.clone();
        self.calls += frame.height() as u64;
        for (t, v) in ts.iter().zip(cost.iter()) {
            let (t, v) = (t.unwrap_or(0), v.unwrap_or(0.0));
            self.cost_usd += v;
            *self.minutes.entry(t.div_euclid(60_000)).or_default() += v;
        }
        if self.recent_cap > 0 {
            for o in ok.iter() {
                self.recent.push_back(!o.unwrap_or(true));
            }
            while self.recent.len() > self.recent_cap {
                self.recent.pop_front();
            }
        }
        if let Some(limit) = self.expensive_usd {
            let over = frame.filter(&cost.gt(limit))?;
            if over.height() > 0 {
                let names = dict.names();
                let name = |col: &str, i: usize| -> Result<Option<String>> {
                    let code = over.column(col)?.u32()?.get(i).unwrap_or(0);
                    Ok((code > 0).then(|| names.get(code as usize).cloned().unwrap_or_default()))
                };
                for i in 0..over.height() {
                    let file = over.column(c::FILE)?.u32()?.get(i).unwrap_or(0);
                    self.expensive.push(ExpensiveCall {
                        ts_ms: over.column(c::TS_MS)?.i64()?.get(i).unwrap_or(0),
                        cost_usd: over.column(c::COST)?.f64()?.get(i).unwrap_or(0.0),
                        model: name(c::MODEL, i)?,
                        user: name(c::USER, i)?,
                        file: files.get(file as usize).cloned().unwrap_or_default(),
                        line: over.column(c::LINE)?.u32()?.get(i).unwrap_or(0) as u64,
                    });
                }
            }
        }
        if let Some(d) = &mut self.loops {
            let u32s = |n: &str| -> Result<Vec<u32>> {
                Ok(frame
                    .column(n)?
                    .u32()?
                    .iter()
                    .map(|v| v.unwrap_or(0))
                    .collect())
            };
            let (user, conv, ty, model) = (
                u32s(c::USER)?,
                u32s(c::CONVERSATION)?,
                u32s(c::TYPE)?,
                u32s(c::MODEL)?,
            );
            let (input, file, line) = (u32s(c::INPUT_TOKENS)?, u32s(c::FILE)?, u32s(c::LINE)?);
            for i in 0..frame.height() {
                if user[i] == 0 && conv[i] == 0 {
                    continue; // a loop belongs to someone: calls naming no one are not followed
                }
                let key = if conv[i] > 0 {
                    (0, conv[i], ty[i], model[i])
                } else {
                    (user[i], 0, ty[i], model[i])
                };
                d.push(
                    key,
                    Event {
                        ts_ms: ts.get(i).unwrap_or(0),
                        input_tokens: input[i] as u64,
                        ok: ok.get(i).unwrap_or(true),
                        cost: cost.get(i).unwrap_or(0.0),
                        file: file[i],
                        line: line[i],
                    },
                );
            }
            let started = d.take_started();
            if !started.is_empty() {
                let names = dict.names();
                let name = |code: u32| {
                    (code > 0).then(|| names.get(code as usize).cloned().unwrap_or_default())
                };
                for b in started {
                    let (u, cv, t, m) = b.key;
                    self.loop_hits.push(LoopHit {
                        user: name(u),
                        conversation: name(cv),
                        call_type: name(t),
                        model: name(m),
                        first: (
                            files.get(b.first.0 as usize).cloned().unwrap_or_default(),
                            b.first.1 as u64,
                        ),
                        burst: b,
                    });
                }
            }
        }
        let keys: Vec<Expr> = self
            .cube_keys
            .iter()
            .map(|k| col(*k))
            .chain([col(c::COST)])
            .collect();
        let part = self.aggregate(frame.lazy().select(keys)).collect()?;
        match &mut self.cube {
            None => self.cube = Some(part),
            Some(cube) => {
                cube.vstack_mut_owned(part)?;
            }
        }
        // Keep the cube compact as it grows: re-aggregate once it doubles.
        let h = self.cube.as_ref().map_or(0, |f| f.height());
        if h > 2 * self.compacted_height + 50_000 {
            self.compact(i32::MIN / 2)?;
        }
        Ok(())
    }
}
