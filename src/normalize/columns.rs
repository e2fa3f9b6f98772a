//! Canonical records → polars columns. Strings become codes into one shared dictionary, so the
//! frame holds numbers only: 4 million calls fit in a few hundred MB and group-bys hash integers.

use super::record::CallRecord;
use crate::pricing::{PriceStep, Priced};
use polars::prelude::*;
// foldhash: the per-row lookups of dictionary codes are hot; SipHash's DoS resistance buys nothing here.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::sync::Mutex;

/// Column names of the canonical frame. Dimension columns hold `u32` codes; code 0 means "none".
pub mod col_names {
    pub const TS_MS: &str = "ts_ms";
    pub const DAY: &str = "day";
    pub const HOUR: &str = "hour";
    pub const MODEL: &str = "model";
    pub const PROVIDER: &str = "provider";
    pub const TYPE: &str = "type";
    pub const USER: &str = "user";
    pub const PROJECT: &str = "project";
    pub const TAGS: &str = "tags";
    pub const CONVERSATION: &str = "conversation";
    pub const ERROR_KIND: &str = "error_kind";
    pub const SOURCE: &str = "source";
    pub const CUSTOMER: &str = "customer";
    pub const CONVERSATION_NAME: &str = "conversation_name";
    pub const OK: &str = "ok";
    pub const INPUT_TOKENS: &str = "input_tokens";
    pub const OUTPUT_TOKENS: &str = "output_tokens";
    pub const CACHED_TOKENS: &str = "cached_tokens";
    pub const CACHE_WRITE_TOKENS: &str = "cache_write_tokens";
    pub const REASONING_TOKENS: &str = "reasoning_tokens";
    pub const COST: &str = "cost_usd";
    pub const PRICED: &str = "priced";
    /// The list price of the call's tokens (whether or not it logged a cost), for the audit.
    pub const LIST_COST: &str = "list_cost_usd";
    pub const LATENCY: &str = "latency_s";
    pub const TTFT: &str = "ttft_s";
    pub const CACHE_HIT: &str = "cache_hit";
    pub const PROMPT_LENGTH: &str = "prompt_length";
    /// Quality on 0–1 (score or rating), and whether the answer was correct, where logged.
    pub const QUALITY: &str = "quality";
    pub const CORRECT: &str = "correct";
    pub const FILE: &str = "file";
    pub const LINE: &str = "line";
}
use col_names as c;

/// Strings ↔ codes, shared by all parsing threads. Each thread keeps a lock-free cache in front.
#[derive(Default)]
pub struct Dictionary {
    inner: Mutex<DictInner>,
}

#[derive(Default)]
struct DictInner {
    codes: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Dictionary {
    pub fn new() -> Self {
        Dictionary::default()
    }

    pub(crate) fn code(&self, s: &str) -> u32 {
        let mut d = self.inner.lock().unwrap();
        if let Some(&c) = d.codes.get(s) {
            return c;
        }
        d.names.push(s.into());
        let code = d.names.len() as u32; // codes start at 1; 0 is "none"
        d.codes.insert(s.into(), code);
        code
    }

    /// Code → string so far (code 0 is ""), for a dictionary that keeps growing (watch).
    pub fn names(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap();
        std::iter::once(String::new())
            .chain(inner.names.iter().map(|n| String::from(&**n)))
            .collect()
    }

    /// Code → string, once parsing is done.
    pub fn freeze(self) -> Vec<String> {
        let inner = self.inner.into_inner().unwrap();
        std::iter::once(String::new())
            .chain(inner.names.into_iter().map(String::from))
            .collect()
    }
}

/// A block's columns under construction.
pub struct Columns<'d> {
    dict: &'d Dictionary,
    pricing: Option<PriceStep<'d>>,
    /// The provider code of each rate card seen (by address), for calls that logged no provider.
    provider_of_rates: HashMap<usize, u32>,
    cache: HashMap<String, u32>,
    ts_ms: Vec<i64>,
    day: Vec<i32>,
    hour: Vec<i32>,
    dims: [Vec<u32>; 11],
    ok: Vec<bool>,
    tokens: [Vec<u32>; 5],
    cost: Vec<Option<f64>>,
    priced: Vec<bool>,
    list_cost: Vec<Option<f64>>,
    latency: Vec<Option<f64>>,
    ttft: Vec<Option<f64>>,
    cache_hit: Vec<Option<bool>>,
    prompt_length: Vec<Option<u32>>,
    quality: Vec<Option<f64>>,
    correct: Vec<Option<bool>>,
    file: Vec<u32>,
    line: Vec<u32>,
    /// What the prices were computed from, kept for the cache (which reprices cached calls when
    /// the prices change instead of parsing again).
    pricing_inputs: Option<PricingInputColumns>,
}

/// The columns a call's price depends on beyond the frame's own: the logged cost, the price list,
/// 1-hour cache writes and the provider as logged.
#[derive(Default)]
struct PricingInputColumns {
    logged_cost: Vec<Option<f64>>,
    variant: Vec<u32>,
    cache_write_1h: Vec<u32>,
    provider_logged: Vec<u32>,
}

/// Column names of the pricing inputs' frame.
pub mod pricing_input_names {
    pub const LOGGED_COST: &str = "__logged_cost";
    pub const VARIANT: &str = "__variant";
    pub const CACHE_WRITE_1H: &str = "__cache_write_1h";
    pub const PROVIDER_LOGGED: &str = "__provider_logged";
}

/// A price list as a small code, for the cache.
pub fn variant_code(v: crate::pricing::Variant) -> u32 {
    use crate::pricing::Variant::*;
    match v {
        Standard => 0,
        Batch => 1,
        Flex => 2,
        Priority => 3,
    }
}

pub fn variant_of(code: u32) -> Option<crate::pricing::Variant> {
    use crate::pricing::Variant::*;
    [Standard, Batch, Flex, Priority]
        .get(code as usize)
        .copied()
}

impl<'d> Columns<'d> {
    /// Columns whose calls are priced by `pricing` (None: costs as logged, e.g. for an empty frame).
    pub fn new(dict: &'d Dictionary, capacity: usize, pricing: Option<PriceStep<'d>>) -> Self {
        let v32 = || Vec::with_capacity(capacity);
        Columns {
            dict,
            pricing,
            provider_of_rates: HashMap::default(),
            cache: HashMap::default(),
            ts_ms: Vec::with_capacity(capacity),
            day: v32(),
            hour: v32(),
            dims: std::array::from_fn(|_| Vec::with_capacity(capacity)),
            ok: Vec::with_capacity(capacity),
            tokens: std::array::from_fn(|_| Vec::with_capacity(capacity)),
            cost: Vec::with_capacity(capacity),
            priced: Vec::with_capacity(capacity),
            list_cost: Vec::with_capacity(capacity),
            latency: Vec::with_capacity(capacity),
            ttft: Vec::with_capacity(capacity),
            cache_hit: Vec::with_capacity(capacity),
            prompt_length: Vec::with_capacity(capacity),
            quality: Vec::with_capacity(capacity),
            correct: Vec::with_capacity(capacity),
            file: Vec::with_capacity(capacity),
            line: Vec::with_capacity(capacity),
            pricing_inputs: None,
        }
    }

    /// Also keep what each call was priced from (see `into_frames`).
    pub fn keep_pricing_inputs(mut self) -> Self {
        self.pricing_inputs = Some(PricingInputColumns::default());
        self
    }

    pub fn len(&self) -> usize {
        self.ts_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts_ms.is_empty()
    }

    fn code(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(&c) = self.cache.get(s) {
            return c;
        }
        let c = self.dict.code(s);
        self.cache.insert(s.to_owned(), c);
        c
    }

    pub fn push(&mut self, r: &CallRecord<'_>, day: i32, hour: u8, file: u32, line: u32) {
        self.ts_ms.push(r.ts_ms);
        self.day.push(day);
        self.hour.push(hour as i32);
        let mut codes = [0u32; 11];
        for (i, d) in super::dimension::Dimension::TEXT.iter().enumerate() {
            codes[i] = self.code(d.of(r));
        }
        if let Some(p) = &mut self.pricing_inputs {
            p.logged_cost.push(r.logged_cost);
            p.variant.push(variant_code(r.variant));
            p.cache_write_1h
                .push(r.cache_write_1h_tokens.min(u32::MAX as u64) as u32);
            p.provider_logged.push(codes[1]);
        }
        // Model and provider are the first two dimensions.
        let priced = match &mut self.pricing {
            Some(p) => p.price(r, codes[0], codes[1]),
            None => Priced {
                cost: r.logged_cost,
                ..Priced::default()
            },
        };
        if codes[1] == 0 {
            // A known model tells its provider when the line does not.
            if let Some(rates) = &priced.rates {
                let addr = std::sync::Arc::as_ptr(rates) as usize;
                codes[1] = match self.provider_of_rates.get(&addr) {
                    Some(&c) => c,
                    None => {
                        let c = self.code(rates.provider.as_deref());
                        self.provider_of_rates.insert(addr, c);
                        c
                    }
                };
            }
        }
        for (i, code) in codes.into_iter().enumerate() {
            self.dims[i].push(code);
        }
        self.ok.push(r.ok);
        let sat = |v: u64| v.min(u32::MAX as u64) as u32;
        let toks = [
            r.input_tokens,
            r.output_tokens,
            r.cached_tokens,
            r.cache_write_tokens,
            r.reasoning_tokens,
        ];
        for (i, t) in toks.into_iter().enumerate() {
            self.tokens[i].push(sat(t));
        }
        self.cost.push(priced.cost);
        self.priced.push(priced.from_rates);
        self.list_cost.push(priced.list);
        self.latency.push(r.latency_s);
        self.ttft.push(r.ttft_s);
        self.cache_hit.push(r.cache_hit);
        self.prompt_length.push(r.prompt_length.map(sat));
        self.quality.push(r.quality);
        self.correct.push(r.correct);
        self.file.push(file);
        self.line.push(line);
    }

    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        Ok(self.into_frames()?.0)
    }

    /// The frame, and the pricing inputs' frame when they were kept.
    pub fn into_frames(mut self) -> PolarsResult<(DataFrame, Option<DataFrame>)> {
        let height = self.len();
        let inputs = match self.pricing_inputs.take() {
            None => None,
            Some(p) => {
                use pricing_input_names as n;
                Some(DataFrame::new(
                    height,
                    vec![
                        Float64Chunked::from_iter_options(
                            n::LOGGED_COST.into(),
                            p.logged_cost.into_iter(),
                        )
                        .into_column(),
                        UInt32Chunked::from_vec(n::VARIANT.into(), p.variant).into_column(),
                        UInt32Chunked::from_vec(n::CACHE_WRITE_1H.into(), p.cache_write_1h)
                            .into_column(),
                        UInt32Chunked::from_vec(n::PROVIDER_LOGGED.into(), p.provider_logged)
                            .into_column(),
                    ],
                )?)
            }
        };
        let mut cols: Vec<Column> = Vec::with_capacity(24);
        cols.push(Int64Chunked::from_vec(c::TS_MS.into(), self.ts_ms).into_column());
        cols.push(Int32Chunked::from_vec(c::DAY.into(), self.day).into_column());
        cols.push(Int32Chunked::from_vec(c::HOUR.into(), self.hour).into_column());
        for (d, v) in super::dimension::Dimension::TEXT.iter().zip(self.dims) {
            cols.push(UInt32Chunked::from_vec(d.column().into(), v).into_column());
        }
        cols.push(BooleanChunked::from_slice(c::OK.into(), &self.ok).into_column());
        let token_names = [
            c::INPUT_TOKENS,
            c::OUTPUT_TOKENS,
            c::CACHED_TOKENS,
            c::CACHE_WRITE_TOKENS,
            c::REASONING_TOKENS,
        ];
        for (name, v) in token_names.iter().zip(self.tokens) {
            cols.push(UInt32Chunked::from_vec((*name).into(), v).into_column());
        }
        cols.push(
            Float64Chunked::from_iter_options(c::COST.into(), self.cost.into_iter()).into_column(),
        );
        cols.push(BooleanChunked::from_slice(c::PRICED.into(), &self.priced).into_column());
        cols.push(
            Float64Chunked::from_iter_options(c::LIST_COST.into(), self.list_cost.into_iter())
                .into_column(),
        );
        cols.push(
            Float64Chunked::from_iter_options(c::LATENCY.into(), self.latency.into_iter())
                .into_column(),
        );
        cols.push(
            Float64Chunked::from_iter_options(c::TTFT.into(), self.ttft.into_iter()).into_column(),
        );
        cols.push(
            BooleanChunked::from_iter_options(c::CACHE_HIT.into(), self.cache_hit.into_iter())
                .into_column(),
        );
        cols.push(
            UInt32Chunked::from_iter_options(
                c::PROMPT_LENGTH.into(),
                self.prompt_length.into_iter(),
            )
            .into_column(),
        );
        cols.push(
            Float64Chunked::from_iter_options(c::QUALITY.into(), self.quality.into_iter())
                .into_column(),
        );
        cols.push(
            BooleanChunked::from_iter_options(c::CORRECT.into(), self.correct.into_iter())
                .into_column(),
        );
        cols.push(UInt32Chunked::from_vec(c::FILE.into(), self.file).into_column());
        cols.push(UInt32Chunked::from_vec(c::LINE.into(), self.line).into_column());
        Ok((DataFrame::new(height, cols)?, inputs))
    }
}
