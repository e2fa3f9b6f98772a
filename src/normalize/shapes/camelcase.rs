//! TypeScript-style app loggers: camelCase keys, epoch milliseconds, latency in ms.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, Target};

pub struct CamelCase;

impl Shape for CamelCase {
    fn name(&self) -> &'static str {
        "camelcase"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        if !top(ctx) {
            return None;
        }
        match key {
            "startTime" => f(F::Timestamp, 6, "startTime"),
            "endTime" => f(F::EndTime, 0, "endTime"),
            "userId" => f(F::User, 1, "userId"),
            "customerId" => f(F::Customer, 6, "customerId"),
            "tenantId" => f(F::Customer, 7, "tenantId"),
            "orgId" => f(F::Customer, 8, "orgId"),
            "accountId" => f(F::Customer, 9, "accountId"),
            "conversationName" => f(F::ConversationName, 2, "conversationName"),
            // Claude Code writes `sessionId` too; it is both a conversation id and its marker.
            "sessionId" if ctx == Ctx::Top => Some(Target::Marker(Marker::SessionId)),
            "sessionId" => f(F::Conversation, 3, "sessionId"),
            "requestId" => f(F::RequestId, 1, "requestId"),
            "inputTokens" => f(F::InputTokens, 2, "inputTokens"),
            "promptTokens" => f(F::InputTokens, 3, "promptTokens"),
            "outputTokens" => f(F::OutputTokens, 2, "outputTokens"),
            "completionTokens" => f(F::OutputTokens, 3, "completionTokens"),
            "cachedTokens" => f(F::CachedTokens, 1, "cachedTokens"),
            "costUSD" => f(F::Cost, 2, "costUSD"),
            "costUsd" => f(F::Cost, 3, "costUsd"),
            "latencyMs" => f(F::LatencyMs, 1, "latencyMs"),
            // The Vercel AI SDK's telemetry.
            "msToFirstChunk" => f(F::TtftMs, 1, "msToFirstChunk"),
            "timeToFirstToken" => f(F::TtftMs, 2, "timeToFirstToken"),
            "durationMs" => f(F::LatencyMs, 3, "durationMs"),
            "cacheHit" => f(F::CacheHit, 2, "cacheHit"),
            "promptLength" => f(F::PromptLength, 1, "promptLength"),
            "qualityScore" => f(F::QualityScore, 3, "qualityScore"),
            "evalScore" => f(F::QualityScore, 4, "evalScore"),
            "userRating" => f(F::UserRating, 4, "userRating"),
            "isCorrect" => f(F::Correct, 2, "isCorrect"),
            _ => None,
        }
    }
}
