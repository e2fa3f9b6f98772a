//! The genai-prices database (Pydantic's, bundled with the `genai-prices` crate, or a newer
//! snapshot from `--pricing-data FILE`): providers, model-matching rules, dated and time-of-day
//! prices, long-context tiers, and batch / flex / priority variants.
//!
//! The crate prices one usage at a time. We ask it a handful of questions per distinct (model,
//! provider, variant, half hour) — what one more token of each kind costs, and at which prompt
//! sizes that changes — and keep the answer as a `Tiers` card, so a million calls cost a million
//! multiply-adds, not a million rule scans.

use super::card::{RateCard, Tiers};
use super::Variant;
use anyhow::{Context, Result};
use genai_prices::{Calculator, PriceRequest, Usage, UsageKey};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The version of the `genai-prices` crate whose bundled data we use (checked against
/// Cargo.lock by a test, so an upgrade cannot leave it stale).
pub const CRATE_VERSION: &str = "0.2.1";

/// Tokens added per probe: small enough to stay within a tier, large enough for exact rates.
const D: f64 = 1000.0;
/// The largest prompt a tier search looks at.
const MAX_PROMPT: u64 = 10_000_000;

pub struct Database {
    calc: Calc,
    /// Where the data came from (the counts are added by `label`).
    origin: String,
}

enum Calc {
    /// The crate's bundled data, decoded on first use: commands that never price (guard on a
    /// status file) stay fast.
    Bundled,
    Loaded(Box<Calculator>),
}

/// What the database says a model is, and costs at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub provider_id: String,
    pub model_id: String,
    pub tiers: Tiers,
}

impl Database {
    pub fn bundled() -> Database {
        Database {
            origin: format!("genai-prices {CRATE_VERSION} (bundled data"),
            calc: Calc::Bundled,
        }
    }

    /// A genai-prices JSON snapshot (the v2 feed, `prices/new_data/v2/data.json`).
    pub fn from_file(path: &Path) -> Result<Database> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("--pricing-data {}: cannot read it", path.display()))?;
        let calc = Calculator::from_json(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "--pricing-data {}: not a genai-prices data file ({e}); download prices/new_data/v2/data.json from github.com/pydantic/genai-prices",
                path.display()
            )
        })?;
        Ok(Database {
            calc: Calc::Loaded(Box::new(calc)),
            origin: format!("genai-prices data file {}", path.display()),
        })
    }

    /// Where the data came from, for reports: "genai-prices 0.2.1 (bundled data, 47 providers, …)".
    pub fn label(&self) -> String {
        match self.calc {
            Calc::Bundled => format!("{}, {})", self.origin, counts(self.calc())),
            Calc::Loaded(_) => format!("{} ({})", self.origin, counts(self.calc())),
        }
    }

    fn calc(&self) -> &Calculator {
        match &self.calc {
            Calc::Bundled => Calculator::bundled(),
            Calc::Loaded(c) => c,
        }
    }

    /// The price of one usage, and what it matched. None when the model is unknown.
    fn price(
        &self,
        model: &str,
        provider: Option<&str>,
        at: SystemTime,
        variant: Variant,
        usage: &[(UsageKey, f64)],
    ) -> Option<(f64, String, String)> {
        let usage = Usage::from_iter(usage.iter().cloned());
        let run = |provider: Option<&str>| {
            let mut req = PriceRequest::new(model, &usage).with_timestamp(at);
            if let Some(p) = provider {
                req = req.with_provider_id(p);
            }
            if let Some((k, v)) = variant.context() {
                req = req.with_price_context(k, v);
            }
            self.calc().calculate(&req)
        };
        let r = match run(provider) {
            Ok(r) => r,
            // A provider the database does not know: let it match the model alone.
            Err(_) if provider.is_some() => run(None).ok()?,
            Err(_) => return None,
        };
        r.total_price
            .is_finite()
            .then_some((r.total_price, r.provider_id, r.model_id))
    }

    /// Two costs that change whenever any rate of the model changes: two buckets with the same
    /// signature share one card.
    pub fn signature(
        &self,
        model: &str,
        provider: Option<&str>,
        ts_ms: i64,
        variant: Variant,
    ) -> Option<[u64; 2]> {
        let at = system_time(ts_ms);
        let mix = |input: f64| {
            [
                (UsageKey::INPUT_TOKENS, input),
                (UsageKey::CACHE_READ_TOKENS, 300.0),
                (UsageKey::CACHE_WRITE_TOKENS, 200.0),
                (UsageKey::CACHE_WRITE_1H_TOKENS, 50.0),
                (UsageKey::OUTPUT_TOKENS, 700.0),
                (UsageKey::OUTPUT_REASONING_TOKENS, 100.0),
            ]
        };
        let lo = self.price(model, provider, at, variant, &mix(2000.0))?.0;
        let hi = self
            .price(model, provider, at, variant, &mix(MAX_PROMPT as f64))?
            .0;
        Some([lo.to_bits(), hi.to_bits()])
    }

    /// The model's rates at an instant: one card per prompt-size tier.
    pub fn find(
        &self,
        model: &str,
        provider: Option<&str>,
        ts_ms: i64,
        variant: Variant,
    ) -> Option<Found> {
        let at = system_time(ts_ms);
        let (_, provider_id, model_id) = self.price(
            model,
            provider,
            at,
            variant,
            &[(UsageKey::INPUT_TOKENS, 1.0)],
        )?;
        let cost = |usage: &[(UsageKey, f64)]| {
            self.price(model, provider, at, variant, usage)
                .map_or(0.0, |r| r.0)
        };
        let card_at = |n: f64| -> RateCard {
            let c0 = cost(&[(UsageKey::INPUT_TOKENS, n)]);
            let rate = |usage: &[(UsageKey, f64)]| (cost(usage) - c0) / D;
            let input = rate(&[(UsageKey::INPUT_TOKENS, n + D)]);
            RateCard {
                input,
                cache_read: rate(&[
                    (UsageKey::INPUT_TOKENS, n + D),
                    (UsageKey::CACHE_READ_TOKENS, D),
                ]),
                cache_write: rate(&[
                    (UsageKey::INPUT_TOKENS, n + D),
                    (UsageKey::CACHE_WRITE_TOKENS, D),
                ]),
                cache_write_1h: rate(&[
                    (UsageKey::INPUT_TOKENS, n + D),
                    (UsageKey::CACHE_WRITE_TOKENS, D),
                    (UsageKey::CACHE_WRITE_1H_TOKENS, D),
                ]),
                output: rate(&[(UsageKey::INPUT_TOKENS, n), (UsageKey::OUTPUT_TOKENS, D)]),
                reasoning: rate(&[
                    (UsageKey::INPUT_TOKENS, n),
                    (UsageKey::OUTPUT_TOKENS, D),
                    (UsageKey::OUTPUT_REASONING_TOKENS, D),
                ]),
                per_request: (c0 - n * input).max(0.0),
            }
        };
        // The input and output rates at a prompt size: they change exactly where a tier starts.
        let fee = cost(&[(UsageKey::INPUT_TOKENS, 0.0)]);
        let sig = |n: u64| -> [f64; 2] {
            let n = n as f64;
            let base = cost(&[(UsageKey::INPUT_TOKENS, n)]);
            [
                (base - fee) / n,
                (cost(&[(UsageKey::INPUT_TOKENS, n), (UsageKey::OUTPUT_TOKENS, D)]) - base) / D,
            ]
        };
        let same = |a: [f64; 2], b: [f64; 2]| {
            a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-18)
        };
        let mut levels = vec![(0u64, card_at(1.0))];
        let mut from = 1u64;
        while levels.len() < 6 {
            let s = sig(from);
            if same(sig(MAX_PROMPT), s) {
                break;
            }
            // The smallest prompt priced differently from `from`: the tier applies above hi − 1.
            let (mut lo, mut hi) = (from, MAX_PROMPT);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if same(sig(mid), s) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            levels.push((hi - 1, card_at(hi as f64)));
            from = hi;
        }
        Some(Found {
            provider_id,
            model_id,
            tiers: Tiers { levels },
        })
    }

    /// Every provider and model id, for `llmlog pricing` listings.
    pub fn models(&self) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        for p in self.calc().providers() {
            for m in p.models() {
                out.push((
                    p.id().to_string(),
                    m.id().to_string(),
                    m.name().map(String::from),
                ));
            }
        }
        out
    }
}

fn counts(c: &Calculator) -> String {
    let providers = c.providers().count();
    let models: usize = c.providers().map(|p| p.models().count()).sum();
    format!("{providers} providers, {models} models")
}

pub fn system_time(ts_ms: i64) -> SystemTime {
    if ts_ms >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ts_ms as u64)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_millis(ts_ms.unsigned_abs())
    }
}
