//! Simon Willison's `llm` CLI: rows of its logs.db (`turns` since 0.36, `responses` before),
//! turned into JSON lines by `ingest::sqlite`. `model` (or the `resolved_model` it resolved to),
//! `datetime_utc`, `duration_ms`, `input_tokens`, `output_tokens`, the thread (`thread_id`) or
//! conversation (`conversation_id`). A row in both tables (a migrated database) has the same id
//! and counts once.

use super::{f, FileState, Inherited, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Scalar, Target};

pub struct Llm;

impl Shape for Llm {
    fn name(&self) -> &'static str {
        "llm"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match (ctx, key) {
            (Ctx::Top, "llm_table") => Some(Target::Marker(Marker::LlmRow)),
            (Ctx::Top, "datetime_utc") => f(F::Timestamp, 8, "datetime_utc"),
            (Ctx::Top, "resolved_model") => f(F::ResolvedModel, 0, "resolved_model"),
            (Ctx::Top, "thread_id") => f(F::Conversation, 5, "thread_id"),
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_llm_row
    }

    /// `datetime_utc` says so, with or without an offset.
    fn naive_times_are_utc(&self) -> bool {
        true
    }

    fn inherit(&self, raw: &RawCall<'_>, _state: &mut FileState) -> Option<Inherited> {
        let resolved = match raw.resolved_model.as_ref().map(|s| &s.value) {
            Some(Scalar::Str(s)) if !s.is_empty() => Some(s.to_string()),
            _ => None,
        };
        Some(Inherited {
            model: resolved,
            ..Inherited::default()
        })
    }
}
