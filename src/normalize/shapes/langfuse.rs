//! Langfuse observations exports: `type: GENERATION` rows are calls (spans and events are not),
//! with `usage_details` (`input` includes `input_cached_tokens`) and `cost_details` maps,
//! `total_cost`, `latency` in seconds, `provided_model_name`, and times like
//! `2026-11-20 10:00:05.123456` that are UTC without saying so.

use super::{f, top, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Target};

pub struct Langfuse;

impl Shape for Langfuse {
    fn name(&self) -> &'static str {
        "langfuse"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            c if top(c) => match key {
                "trace_id" if c == Ctx::Top => Some(Target::Marker(Marker::TraceId)),
                "provided_model_name" => f(F::Model, 6, "provided_model_name"),
                "usage_details" => Some(Target::Nested(Ctx::UsageDetails)),
                "cost_details" => Some(Target::Nested(Ctx::CostDetails)),
                _ => None,
            },
            Ctx::UsageDetails => match key {
                "input" => f(F::InputTokens, 12, "usage_details.input"),
                "output" => f(F::OutputTokens, 12, "usage_details.output"),
                "input_cached_tokens" => {
                    f(F::CachedTokens, 12, "usage_details.input_cached_tokens")
                }
                _ => None,
            },
            Ctx::CostDetails => match key {
                "total" => f(F::Cost, 12, "cost_details.total"),
                _ => None,
            },
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_trace_id
            && raw
                .line_type
                .as_deref()
                .is_some_and(|t| matches!(t, "GENERATION" | "SPAN" | "EVENT"))
    }

    fn verdict(&self, raw: &RawCall<'_>) -> Verdict {
        match raw.line_type.as_deref() {
            Some("GENERATION") => Verdict::Call,
            Some("SPAN") => Verdict::NotACall("langfuse.span"),
            _ => Verdict::NotACall("langfuse.event"),
        }
    }

    fn type_is_purpose(&self) -> bool {
        false
    }

    fn naive_times_are_utc(&self) -> bool {
        true
    }
}
