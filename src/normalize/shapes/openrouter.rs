//! OpenRouter generation records: `total_cost`, `tokens_prompt` / `tokens_completion` and the
//! provider's own counts `native_tokens_*` (preferred), `provider_name`, `external_user`,
//! `created_at`, and in milliseconds `latency` (to the first token) and `generation_time` (the
//! whole call).

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, RawCall, Target};

pub struct OpenRouter;

impl Shape for OpenRouter {
    fn name(&self) -> &'static str {
        "openrouter"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        if !top(ctx) {
            return None;
        }
        match key {
            "native_tokens_prompt" => f(F::InputTokens, 6, "native_tokens_prompt"),
            "tokens_prompt" => f(F::InputTokens, 8, "tokens_prompt"),
            "native_tokens_completion" => f(F::OutputTokens, 6, "native_tokens_completion"),
            "tokens_completion" => f(F::OutputTokens, 8, "tokens_completion"),
            "native_tokens_cached" => f(F::CachedTokens, 5, "native_tokens_cached"),
            "native_tokens_reasoning" => f(F::ReasoningTokens, 5, "native_tokens_reasoning"),
            "provider_name" => f(F::Provider, 4, "provider_name"),
            "external_user" => f(F::User, 5, "external_user"),
            // `generation_time` is the whole call; `latency` (the time to the first token) is
            // read by the common alias and moved by `latency_is_first_token_ms`.
            "generation_time" => f(F::LatencyMs, 0, "generation_time"),
            _ => None,
        }
    }

    fn latency_is_first_token_ms(&self) -> bool {
        true
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.input_tokens
            .as_ref()
            .is_some_and(|s| s.field.contains("tokens_prompt"))
    }
}
