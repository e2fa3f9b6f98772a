//! OpenAI response objects logged whole: `created` in epoch seconds, a nested `usage` with
//! `prompt_tokens`/`completion_tokens` and their `*_details` (cached and reasoning tokens), and
//! the `service_tier` that chose the price list.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Target};

pub struct OpenAi;

impl Shape for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            c if top(c) => match key {
                "created" => f(F::Timestamp, 5, "created"),
                // "flex" and "priority" have their own price lists.
                "service_tier" => f(F::ServiceTier, 0, "service_tier"),
                _ => None,
            },
            Ctx::Usage => match key {
                "input_tokens" => f(F::InputTokens, 10, "usage.input_tokens"),
                "prompt_tokens" => f(F::InputTokens, 11, "usage.prompt_tokens"),
                "output_tokens" => f(F::OutputTokens, 10, "usage.output_tokens"),
                "completion_tokens" => f(F::OutputTokens, 11, "usage.completion_tokens"),
                "reasoning_tokens" => f(F::ReasoningTokens, 10, "usage.reasoning_tokens"),
                "cost" => f(F::Cost, 10, "usage.cost"),
                "prompt_tokens_details" | "input_tokens_details" => {
                    Some(Target::Nested(Ctx::InputDetails))
                }
                "completion_tokens_details" | "output_tokens_details" => {
                    Some(Target::Nested(Ctx::OutputDetails))
                }
                _ => None,
            },
            Ctx::InputDetails => match key {
                "cached_tokens" => f(
                    F::CachedTokens,
                    12,
                    "usage.prompt_tokens_details.cached_tokens",
                ),
                _ => None,
            },
            Ctx::OutputDetails => match key {
                "reasoning_tokens" => f(
                    F::ReasoningTokens,
                    12,
                    "usage.completion_tokens_details.reasoning_tokens",
                ),
                _ => None,
            },
            _ => None,
        }
    }
}
