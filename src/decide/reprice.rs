//! A call's cost on another model: its own tokens at that model's list price (standard tier) in
//! effect at the call's time (the batch list with `--batch`). What `whatif` and `optimize` are built on.

use crate::normalize::columns::col_names as c;
use crate::pricing::card::Tokens;
use crate::pricing::{Pricer, Resolved, Variant, BUCKET_MS};
use crate::report::{f64_col, i64_col, u64_col};
use anyhow::Result;
use polars::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The columns repricing reads, out of the (filtered) frame.
pub struct Calls {
    pub ts_ms: Vec<i64>,
    pub model: Vec<u32>,
    pub tokens: Vec<Tokens>,
    pub cost: Vec<Option<f64>>,
}

impl Calls {
    pub fn of(lf: LazyFrame) -> Result<Calls> {
        let df = lf
            .select([
                col(c::TS_MS),
                col(c::MODEL),
                col(c::INPUT_TOKENS),
                col(c::CACHED_TOKENS),
                col(c::CACHE_WRITE_TOKENS),
                col(c::OUTPUT_TOKENS),
                col(c::REASONING_TOKENS),
                col(c::COST),
            ])
            .collect()?;
        let g = |n| u64_col(&df, n);
        let (input, cached, write, output, reasoning) = (
            g(c::INPUT_TOKENS)?,
            g(c::CACHED_TOKENS)?,
            g(c::CACHE_WRITE_TOKENS)?,
            g(c::OUTPUT_TOKENS)?,
            g(c::REASONING_TOKENS)?,
        );
        let tokens = (0..df.height())
            .map(|i| Tokens {
                input: input[i].unwrap_or(0),
                cache_read: cached[i].unwrap_or(0),
                cache_write: write[i].unwrap_or(0),
                // The frame does not keep the 1-hour share: all writes at the 5-minute rate.
                cache_write_1h: 0,
                output: output[i].unwrap_or(0),
                reasoning: reasoning[i].unwrap_or(0),
            })
            .collect();
        Ok(Calls {
            ts_ms: i64_col(&df, c::TS_MS)?
                .into_iter()
                .map(|v| v.unwrap_or(0))
                .collect(),
            model: i64_col(&df, c::MODEL)?
                .into_iter()
                .map(|v| v.unwrap_or(0) as u32)
                .collect(),
            tokens,
            cost: f64_col(&df, c::COST)?,
        })
    }

    pub fn len(&self) -> usize {
        self.ts_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts_ms.is_empty()
    }
}

/// Why a call that should be repriced was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// It logged a cost but no tokens to reprice.
    NoTokens,
    /// The target model has no price at the call's time.
    NoPrice,
}

/// Rates of one target model, memoized per half hour.
pub struct Rates<'p> {
    pricer: &'p Pricer,
    model: String,
    variant: Variant,
    memo: HashMap<i64, Option<Arc<Resolved>>>,
}

impl<'p> Rates<'p> {
    pub fn new(pricer: &'p Pricer, model: &str, variant: Variant) -> Rates<'p> {
        Rates {
            pricer,
            model: model.to_string(),
            variant,
            memo: HashMap::new(),
        }
    }

    /// Call `i` on this model; Err says why it could not be repriced.
    pub fn cost(&mut self, calls: &Calls, i: usize) -> Result<f64, Kept> {
        let t = &calls.tokens[i];
        if t.input == 0 && t.output == 0 {
            return Err(Kept::NoTokens);
        }
        let ts = calls.ts_ms[i];
        let bucket = ts.div_euclid(BUCKET_MS);
        let (pricer, model, variant) = (self.pricer, &self.model, self.variant);
        let r = self
            .memo
            .entry(bucket)
            .or_insert_with(|| pricer.resolve(model, None, ts, variant));
        match r {
            Some(r) => Ok(r.tiers.cost(t)),
            None => Err(Kept::NoPrice),
        }
    }
}
