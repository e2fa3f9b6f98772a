//! OpenTelemetry GenAI semantic-convention attributes (`gen_ai.*`), flattened into the line or
//! under `attributes`. Input tokens include cache reads and writes, as the convention says.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Target};

pub struct Otel;

impl Shape for Otel {
    fn name(&self) -> &'static str {
        "otel"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        if !top(ctx) {
            return None;
        }
        match key {
            "gen_ai.response.model" => f(F::Model, 2, "gen_ai.response.model"),
            "gen_ai.request.model" => f(F::Model, 3, "gen_ai.request.model"),
            "gen_ai.provider.name" => f(F::Provider, 1, "gen_ai.provider.name"),
            "gen_ai.system" => f(F::Provider, 2, "gen_ai.system"),
            "gen_ai.operation.name" => f(F::CallType, 5, "gen_ai.operation.name"),
            "gen_ai.conversation.id" => f(F::Conversation, 1, "gen_ai.conversation.id"),
            "gen_ai.response.id" => f(F::RequestId, 2, "gen_ai.response.id"),
            "error.type" => f(F::ErrorKind, 1, "error.type"),
            "error.code" => f(F::ErrorKind, 3, "error.code"),
            "gen_ai.usage.input_tokens" => f(F::InputTokens, 4, "gen_ai.usage.input_tokens"),
            "gen_ai.usage.prompt_tokens" => f(F::InputTokens, 5, "gen_ai.usage.prompt_tokens"),
            "gen_ai.usage.output_tokens" => f(F::OutputTokens, 4, "gen_ai.usage.output_tokens"),
            "gen_ai.usage.completion_tokens" => {
                f(F::OutputTokens, 5, "gen_ai.usage.completion_tokens")
            }
            "gen_ai.usage.cache_read.input_tokens" => {
                f(F::CachedTokens, 2, "gen_ai.usage.cache_read.input_tokens")
            }
            "gen_ai.usage.cache_creation.input_tokens" => f(
                F::CacheWriteTokens,
                1,
                "gen_ai.usage.cache_creation.input_tokens",
            ),
            "gen_ai.usage.reasoning.output_tokens" => f(
                F::ReasoningTokens,
                1,
                "gen_ai.usage.reasoning.output_tokens",
            ),
            _ => None,
        }
    }
}
