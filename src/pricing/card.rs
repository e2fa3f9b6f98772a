//! A model's rates in effect for one call, per token, and the arithmetic of a call's cost.

use serde::Serialize;

/// A call's tokens in the canonical sense: `input` includes cache reads and writes, `output`
/// includes reasoning, and `cache_write_1h` is part of `cache_write`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tokens {
    pub input: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub cache_write_1h: u64,
    pub output: u64,
    pub reasoning: u64,
}

/// USD per token for each kind of token, plus a fee per request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RateCard {
    pub input: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    pub cache_write_1h: f64,
    pub output: f64,
    pub reasoning: f64,
    pub per_request: f64,
}

impl RateCard {
    pub fn cost(&self, t: &Tokens) -> f64 {
        let cache_read = t.cache_read.min(t.input);
        let cache_write = t.cache_write.min(t.input - cache_read);
        let write_1h = t.cache_write_1h.min(cache_write);
        let uncached = t.input - cache_read - cache_write;
        let reasoning = t.reasoning.min(t.output);
        uncached as f64 * self.input
            + cache_read as f64 * self.cache_read
            + (cache_write - write_1h) as f64 * self.cache_write
            + write_1h as f64 * self.cache_write_1h
            + (t.output - reasoning) as f64 * self.output
            + reasoning as f64 * self.reasoning
            + self.per_request
    }

    /// Rates of one $/1M figure per kind (our override files).
    pub fn per_mtok(input: f64, cache_read: f64, cache_write: f64, output: f64) -> RateCard {
        RateCard {
            input: input / 1e6,
            cache_read: cache_read / 1e6,
            cache_write: cache_write / 1e6,
            cache_write_1h: cache_write / 1e6,
            output: output / 1e6,
            reasoning: output / 1e6,
            per_request: 0.0,
        }
    }
}

/// Rates by prompt size: providers charge the whole request at a higher rate above a prompt
/// size (Anthropic and Google above 200k input tokens). `levels[i]` applies when the call's
/// input tokens exceed `levels[i].0`; the first level starts at 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tiers {
    pub levels: Vec<(u64, RateCard)>,
}

impl Tiers {
    pub fn flat(card: RateCard) -> Tiers {
        Tiers {
            levels: vec![(0, card)],
        }
    }

    pub fn card_for(&self, input_tokens: u64) -> &RateCard {
        let mut card = &self.levels[0].1;
        for (above, c) in &self.levels[1..] {
            if input_tokens > *above {
                card = c;
            }
        }
        card
    }

    pub fn cost(&self, t: &Tokens) -> f64 {
        self.card_for(t.input).cost(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_charged_once() {
        // $3 in, $0.30 cache read, $3.75 write, $6 1h write, $15 out per 1M.
        let mut c = RateCard::per_mtok(3.0, 0.3, 3.75, 15.0);
        c.cache_write_1h = 6.0 / 1e6;
        let t = Tokens {
            input: 1000 + 200 + 300,
            cache_read: 200,
            cache_write: 300,
            cache_write_1h: 100,
            output: 50,
            reasoning: 0,
        };
        // 1000×3 + 200×0.3 + 200×3.75 + 100×6 + 50×15 = 3000+60+750+600+750 = 5160 per 1M
        assert!((c.cost(&t) - 0.00516).abs() < 1e-15);
    }

    #[test]
    fn tier_by_input_tokens_strictly_above() {
        let tiers = Tiers {
            levels: vec![
                (0, RateCard::per_mtok(3.0, 0.3, 3.75, 15.0)),
                (200_000, RateCard::per_mtok(6.0, 0.6, 7.5, 22.5)),
            ],
        };
        assert_eq!(tiers.card_for(200_000).input, 3.0 / 1e6);
        assert_eq!(tiers.card_for(200_001).input, 6.0 / 1e6);
    }
}
