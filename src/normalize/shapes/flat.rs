//! The plain shape most apps write by hand: snake_case fields at the top level (or under
//! `metadata`), seconds for latency, an ISO or epoch timestamp. Also the reader of every line no
//! other shape claims, so it knows the common envelope-free aliases.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Target};

pub struct Flat;

impl Shape for Flat {
    fn name(&self) -> &'static str {
        "flat"
    }

    fn source(&self) -> &'static str {
        "app"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        if ctx == Ctx::Error {
            return match key {
                "type" => f(F::ErrorKind, 10, "error.type"),
                "code" => f(F::ErrorKind, 11, "error.code"),
                _ => None,
            };
        }
        if !top(ctx) {
            return None;
        }
        match key {
            "timestamp" => f(F::Timestamp, 0, "timestamp"),
            "ts" => f(F::Timestamp, 1, "ts"),
            // pino's epoch milliseconds and slog's RFC 3339 with nanoseconds both land here.
            "time" => f(F::Timestamp, 2, "time"),
            "@timestamp" => f(F::Timestamp, 3, "@timestamp"),
            "created_at" => f(F::Timestamp, 4, "created_at"),
            "start_time" => f(F::Timestamp, 7, "start_time"),
            "end_time" => f(F::EndTime, 1, "end_time"),
            "model" => f(F::Model, 0, "model"),
            "model_name" => f(F::Model, 1, "model_name"),
            "provider" => f(F::Provider, 0, "provider"),
            "query_type" => f(F::CallType, 0, "query_type"),
            "feature" => f(F::CallType, 1, "feature"),
            "operation" => f(F::CallType, 2, "operation"),
            "kind" => f(F::CallType, 3, "kind"),
            "call_type" => f(F::CallType, 4, "call_type"),
            "type" if ctx == Ctx::Top => Some(Target::LineType),
            "type" => f(F::CallType, 6, "type"),
            "user_id" => f(F::User, 0, "user_id"),
            "customer_id" => f(F::Customer, 0, "customer_id"),
            "customer" => f(F::Customer, 1, "customer"),
            "tenant" => f(F::Customer, 2, "tenant"),
            "tenant_id" => f(F::Customer, 3, "tenant_id"),
            "org_id" => f(F::Customer, 4, "org_id"),
            "account_id" => f(F::Customer, 5, "account_id"),
            "end_user" => f(F::User, 3, "end_user"),
            "user" => f(F::User, 4, "user"),
            "project" => f(F::Project, 0, "project"),
            "team" => f(F::Project, 1, "team"),
            "team_id" => f(F::Project, 2, "team_id"),
            "app" => f(F::Project, 3, "app"),
            "tags" => f(F::Tags, 0, "tags"),
            "conversation_id" => f(F::Conversation, 0, "conversation_id"),
            "conversation_name" => f(F::ConversationName, 0, "conversation_name"),
            "conversation_title" => f(F::ConversationName, 1, "conversation_title"),
            "session_id" => f(F::Conversation, 2, "session_id"),
            "request_id" => f(F::RequestId, 0, "request_id"),
            // A bare `id` may be a row number; dedupe compares content too, so that is harmless.
            "id" => f(F::RequestId, 3, "id"),
            "status" => f(F::Status, 0, "status"),
            "status_code" => f(F::Status, 1, "status_code"),
            "http_status" => f(F::Status, 2, "http_status"),
            "success" => f(F::Success, 0, "success"),
            "error" => Some(Target::ErrorValue("error")),
            "error_type" => f(F::ErrorKind, 0, "error_type"),
            "error_code" => f(F::ErrorKind, 2, "error_code"),
            "input_tokens" => f(F::InputTokens, 0, "input_tokens"),
            "prompt_tokens" => f(F::InputTokens, 1, "prompt_tokens"),
            "output_tokens" => f(F::OutputTokens, 0, "output_tokens"),
            "completion_tokens" => f(F::OutputTokens, 1, "completion_tokens"),
            "cached_tokens" => f(F::CachedTokens, 0, "cached_tokens"),
            "cache_write_tokens" => f(F::CacheWriteTokens, 2, "cache_write_tokens"),
            "reasoning_tokens" => f(F::ReasoningTokens, 0, "reasoning_tokens"),
            "cost_usd" => f(F::Cost, 0, "cost_usd"),
            "cost" => f(F::Cost, 1, "cost"),
            "total_cost" => f(F::Cost, 4, "total_cost"),
            "latency_s" => f(F::LatencyS, 0, "latency_s"),
            "latency" => f(F::LatencyS, 1, "latency"),
            "duration" => f(F::LatencyS, 2, "duration"),
            "duration_s" => f(F::LatencyS, 3, "duration_s"),
            "elapsed" => f(F::LatencyS, 4, "elapsed"),
            "latency_ms" => f(F::LatencyMs, 0, "latency_ms"),
            "duration_ms" => f(F::LatencyMs, 2, "duration_ms"),
            "response_time_ms" => f(F::LatencyMs, 4, "response_time_ms"),
            "time_to_first_token" => f(F::TtftS, 0, "time_to_first_token"),
            "ttft" => f(F::TtftS, 1, "ttft"),
            "ttft_ms" => f(F::TtftMs, 0, "ttft_ms"),
            "cached" => f(F::CacheHit, 0, "cached"),
            "cache_hit" => f(F::CacheHit, 1, "cache_hit"),
            "prompt_length" => f(F::PromptLength, 0, "prompt_length"),
            "quality_score" => f(F::QualityScore, 0, "quality_score"),
            "quality" => f(F::QualityScore, 1, "quality"),
            "eval_score" => f(F::QualityScore, 2, "eval_score"),
            "user_rating" => f(F::UserRating, 0, "user_rating"),
            "rating" => f(F::UserRating, 1, "rating"),
            "feedback" => f(F::UserRating, 2, "feedback"),
            "thumbs" => f(F::UserRating, 3, "thumbs"),
            "correct" => f(F::Correct, 0, "correct"),
            "is_correct" => f(F::Correct, 1, "is_correct"),
            "usage" => Some(Target::Nested(Ctx::Usage)),
            "metadata" | "attributes" if ctx == Ctx::Top => Some(Target::Nested(Ctx::Metadata)),
            _ => None,
        }
    }
}
