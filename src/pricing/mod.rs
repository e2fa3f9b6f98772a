//! What a call costs when its log does not say (or with `--reprice`): a user's override file
//! first, then the genai-prices database — at the rate in effect at the call's own time, in its
//! prompt-size tier, for its variant (batch, flex, priority).
//!
//! Rates are resolved once per distinct (model, provider, variant, half hour) — the finest grain
//! any price in the database changes at (dated changes start at midnight UTC; off-peak windows are
//! half-hour aligned) — and shared by every call in it: pricing is a multiply-add per call.

pub mod card;
pub mod database;
pub mod overrides;

use card::Tiers;
use database::Database;
use overrides::Overrides;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Which of a model's price lists applies to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    #[default]
    Standard,
    /// A batch API (about half price).
    Batch,
    /// OpenAI's `service_tier: "flex"`.
    Flex,
    /// OpenAI's `service_tier: "priority"`.
    Priority,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Standard,
        Variant::Batch,
        Variant::Flex,
        Variant::Priority,
    ];

    /// The genai-prices price context that selects it.
    pub fn context(self) -> Option<(&'static str, &'static str)> {
        match self {
            Variant::Standard => None,
            Variant::Batch => Some(("processing", "batch")),
            Variant::Flex => Some(("service_tier", "flex")),
            Variant::Priority => Some(("service_tier", "priority")),
        }
    }

    /// A logged `service_tier` value.
    pub fn of_service_tier(s: &str) -> Variant {
        match s.trim().to_ascii_lowercase().as_str() {
            "flex" => Variant::Flex,
            "priority" => Variant::Priority,
            "batch" => Variant::Batch,
            _ => Variant::Standard,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Standard => "standard",
            Variant::Batch => "batch",
            Variant::Flex => "flex",
            Variant::Priority => "priority",
        }
    }
}

/// Where a call's price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Override,
    Database,
}

/// A model's rates for one (provider, variant, half hour).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The provider that prices it (from the database, or the override's `provider`).
    pub provider: Option<String>,
    /// The database's model id (`claude-sonnet-4-5`), or the override's name.
    pub model_id: String,
    pub tiers: Tiers,
    pub source: Source,
}

/// Half an hour, in ms: the bucket rates are resolved per.
pub const BUCKET_MS: i64 = 30 * 60 * 1000;

type Key = (String, Option<String>, Variant, i64);
type CardKey = (String, Option<String>, Variant, [u64; 2]);

pub struct Pricer {
    pub overrides: Overrides,
    pub db: Database,
    buckets: Mutex<HashMap<Key, Option<Arc<Resolved>>>>,
    cards: Mutex<HashMap<CardKey, Arc<Resolved>>>,
}

impl Pricer {
    pub fn new(overrides: Overrides, db: Database) -> Pricer {
        Pricer {
            overrides,
            db,
            buckets: Mutex::new(HashMap::new()),
            cards: Mutex::new(HashMap::new()),
        }
    }

    /// What the data says, for the report: the database and any override files.
    pub fn label(&self) -> String {
        if self.overrides.files.is_empty() {
            self.db.label()
        } else {
            format!(
                "{}; overrides from {}",
                self.db.label(),
                self.overrides.files.join(", ")
            )
        }
    }

    /// The rates for a call of `model` at `ts_ms`. None: neither an override nor the database
    /// knows the model (the call is then counted as unpriced, never as $0).
    pub fn resolve(
        &self,
        model: &str,
        provider: Option<&str>,
        ts_ms: i64,
        variant: Variant,
    ) -> Option<Arc<Resolved>> {
        let bucket = ts_ms.div_euclid(BUCKET_MS);
        let key: Key = (
            model.to_string(),
            provider.map(String::from),
            variant,
            bucket,
        );
        if let Some(r) = self.buckets.lock().unwrap().get(&key) {
            return r.clone();
        }
        let r = self.compute(model, provider, bucket * BUCKET_MS, variant);
        self.buckets.lock().unwrap().insert(key, r.clone());
        r
    }

    fn compute(
        &self,
        model: &str,
        provider: Option<&str>,
        at_ms: i64,
        variant: Variant,
    ) -> Option<Arc<Resolved>> {
        if let Some(p) = self.overrides.lookup(model) {
            return Some(Arc::new(Resolved {
                provider: p.provider.clone().or_else(|| provider.map(String::from)),
                model_id: model.to_string(),
                tiers: Tiers::flat(p.card()),
                source: Source::Override,
            }));
        }
        // Most half hours price like the one before: two probes say so, and the card is reused.
        let sig = self.db.signature(model, provider, at_ms, variant)?;
        let ck: CardKey = (model.to_string(), provider.map(String::from), variant, sig);
        if let Some(r) = self.cards.lock().unwrap().get(&ck) {
            return Some(r.clone());
        }
        let found = self.db.find(model, provider, at_ms, variant)?;
        let r = Arc::new(Resolved {
            provider: Some(found.provider_id),
            model_id: found.model_id,
            tiers: found.tiers,
            source: Source::Database,
        });
        self.cards.lock().unwrap().insert(ck, r.clone());
        Some(r)
    }

    /// Distinct rate cards computed so far (for LLMLOG_TIMING).
    pub fn cards_computed(&self) -> usize {
        self.cards.lock().unwrap().len()
    }
}

/// One block's pricing: the flags, and a memo of the rates each (model, provider, variant, half
/// hour) resolved to, keyed by dictionary codes so a call costs one small hash lookup.
pub struct PriceStep<'p> {
    pub pricer: &'p Pricer,
    /// Price every call with tokens from the rates, even when it logged a cost.
    pub reprice: bool,
    /// Price every call at its batch rate (`--batch`).
    pub force_batch: bool,
    memo: FastMap<(u32, u32, Variant, i64), Option<Arc<Resolved>>>,
}

/// foldhash: the memo is looked up once per call; SipHash's DoS resistance buys nothing here.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// What pricing made of one call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Priced {
    /// The cost reported: the logged one, else the list price; None when neither exists.
    pub cost: Option<f64>,
    /// True when `cost` came from the rates, not the log.
    pub from_rates: bool,
    /// The list price of the call's tokens, whether or not it logged a cost (the audit's "list").
    pub list: Option<f64>,
    /// The rates used, if any (their provider fills in calls that logged none).
    pub rates: Option<Arc<Resolved>>,
}

impl<'p> PriceStep<'p> {
    pub fn new(pricer: &'p Pricer, reprice: bool, force_batch: bool) -> PriceStep<'p> {
        PriceStep {
            pricer,
            reprice,
            force_batch,
            memo: FastMap::default(),
        }
    }

    pub fn price(
        &mut self,
        r: &crate::normalize::record::CallRecord<'_>,
        model_code: u32,
        provider_code: u32,
    ) -> Priced {
        let tokens = card::Tokens {
            input: r.input_tokens,
            cache_read: r.cached_tokens,
            cache_write: r.cache_write_tokens,
            cache_write_1h: r.cache_write_1h_tokens,
            output: r.output_tokens,
            reasoning: r.reasoning_tokens,
        };
        let call = PricingInputs {
            model: r.model.as_deref(),
            provider: r.provider.as_deref(),
            ts_ms: r.ts_ms,
            variant: r.variant,
            logged_cost: r.logged_cost,
            tokens,
        };
        self.price_inputs(&call, model_code, provider_code)
    }

    /// Prices what a call's pricing depends on (the cache reprices cached calls with it).
    pub fn price_inputs(
        &mut self,
        c: &PricingInputs<'_>,
        model_code: u32,
        provider_code: u32,
    ) -> Priced {
        let tokens = &c.tokens;
        let has_tokens = tokens.input > 0 || tokens.output > 0;
        let resolved = match c.model {
            Some(model) if has_tokens || c.provider.is_none() => {
                let variant = if self.force_batch {
                    Variant::Batch
                } else {
                    c.variant
                };
                let key = (
                    model_code,
                    provider_code,
                    variant,
                    c.ts_ms.div_euclid(BUCKET_MS),
                );
                let pricer = self.pricer;
                self.memo
                    .entry(key)
                    .or_insert_with(|| pricer.resolve(model, c.provider, c.ts_ms, variant))
                    .clone()
            }
            _ => None,
        };
        let list = resolved
            .as_ref()
            .filter(|_| has_tokens)
            .map(|x| x.tiers.cost(tokens));
        let (cost, from_rates) = match (c.logged_cost, self.reprice, list) {
            (Some(c), false, _) => (Some(c), false),
            (_, _, Some(l)) => (Some(l), true),
            (logged, _, None) => (logged, false),
        };
        Priced {
            cost,
            from_rates,
            list,
            rates: resolved,
        }
    }
}

/// What a call's price depends on.
pub struct PricingInputs<'a> {
    pub model: Option<&'a str>,
    /// The provider as logged (not as the rates inferred it).
    pub provider: Option<&'a str>,
    pub ts_ms: i64,
    pub variant: Variant,
    pub logged_cost: Option<f64>,
    pub tokens: card::Tokens,
}

#[cfg(test)]
mod tests {
    use super::card::Tokens;
    use super::*;

    fn pricer() -> Pricer {
        Pricer::new(Overrides::default(), Database::bundled())
    }

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn cost(p: &Pricer, model: &str, at: &str, v: Variant, t: Tokens) -> f64 {
        p.resolve(model, None, ms(at), v).unwrap().tiers.cost(&t)
    }

    // Expected figures by hand from the published per-1M rates (Anthropic's and OpenAI's pricing
    // pages, which the database mirrors).
    #[test]
    fn claude_sonnet_4_5_long_context_tier_and_cache() {
        let p = pricer();
        // Above 200k input tokens the whole request is charged at $6 in / $22.50 out, $0.60 cache
        // read, $7.50 5-minute write: 250k×6 + 10k×0.6 + 5k×7.5 + 1k×22.5 = 1,500,000 + 6,000 +
        // 37,500 + 22,500 = 1,566,000 per 1M = $1.566.
        let t = Tokens {
            input: 265_000,
            cache_read: 10_000,
            cache_write: 5_000,
            cache_write_1h: 0,
            output: 1_000,
            reasoning: 0,
        };
        let c = cost(
            &p,
            "claude-sonnet-4-5",
            "2026-11-01T12:00:00Z",
            Variant::Standard,
            t,
        );
        assert!((c - 1.566).abs() < 1e-9, "{c}");
        // At or below 200k: $3 / $15 / $0.30 / $3.75: 185k×3 + 10k×0.3 + 5k×3.75 + 1k×15 =
        // 555,000 + 3,000 + 18,750 + 15,000 = 591,750 per 1M.
        let t = Tokens {
            input: 200_000,
            ..t
        };
        let c = cost(
            &p,
            "claude-sonnet-4-5",
            "2026-11-01T12:00:00Z",
            Variant::Standard,
            t,
        );
        assert!((c - 0.59175).abs() < 1e-9, "{c}");
    }

    #[test]
    fn gpt_4o_mini_batch_is_half_price_from_when_the_database_lists_it() {
        let p = pricer();
        // $0.15 in, $0.075 cached, $0.60 out per 1M; batch $0.075 in, $0.30 out (cached input
        // keeps its rate): 800k×0.075 + 200k×0.075 + 1M×0.30 = 60,000+15,000+300,000 → $0.375.
        let t = Tokens {
            input: 1_000_000,
            cache_read: 200_000,
            output: 1_000_000,
            ..Tokens::default()
        };
        let std = cost(
            &p,
            "gpt-4o-mini",
            "2026-11-01T12:00:00Z",
            Variant::Standard,
            t,
        );
        // 800k×0.15 + 200k×0.075 + 1M×0.6 = 120,000 + 15,000 + 600,000 → $0.735
        assert!((std - 0.735).abs() < 1e-9, "{std}");
        let batch = cost(&p, "gpt-4o-mini", "2026-11-01T12:00:00Z", Variant::Batch, t);
        assert!((batch - 0.375).abs() < 1e-9, "{batch}");
    }

    #[test]
    fn a_dated_price_change_prices_each_call_at_its_own_date() {
        let p = pricer();
        // claude-sonnet-4-6 was tiered above 200k until 2026-03-13, flat from then on:
        // 250k in + 1k out: before 250k×6 + 1k×22.5 = 1,522,500 per 1M; after 250k×3 + 1k×15 =
        // 765,000 per 1M.
        let t = Tokens {
            input: 250_000,
            output: 1_000,
            ..Tokens::default()
        };
        let before = cost(
            &p,
            "claude-sonnet-4-6",
            "2026-03-12T12:00:00Z",
            Variant::Standard,
            t,
        );
        let after = cost(
            &p,
            "claude-sonnet-4-6",
            "2026-03-13T12:00:00Z",
            Variant::Standard,
            t,
        );
        assert!((before - 1.5225).abs() < 1e-9, "{before}");
        assert!((after - 0.765).abs() < 1e-9, "{after}");
    }

    #[test]
    fn time_of_day_prices() {
        let p = pricer();
        // deepseek-chat: $0.27 in / $1.10 out 00:30–16:30 UTC, half that off-peak.
        let t = Tokens {
            input: 1_000_000,
            output: 1_000_000,
            ..Tokens::default()
        };
        let peak = cost(
            &p,
            "deepseek-chat",
            "2026-11-01T12:00:00Z",
            Variant::Standard,
            t,
        );
        let off = cost(
            &p,
            "deepseek-chat",
            "2026-11-01T20:00:00Z",
            Variant::Standard,
            t,
        );
        assert!((peak - 1.37).abs() < 1e-9, "{peak}");
        assert!((off - 0.685).abs() < 1e-9, "{off}");
    }

    #[test]
    fn unknown_models_are_none() {
        assert!(pricer()
            .resolve("my-finetune-v3", None, 0, Variant::Standard)
            .is_none());
    }

    #[test]
    fn crate_version_matches_cargo_lock() {
        let lock = include_str!("../../Cargo.lock");
        let i = lock.find("name = \"genai-prices\"").expect("in Cargo.lock");
        let version = lock[i..].lines().nth(1).unwrap();
        assert_eq!(
            version,
            format!("version = \"{}\"", database::CRATE_VERSION)
        );
    }
}
