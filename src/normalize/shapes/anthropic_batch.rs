//! Anthropic Message Batches results: `custom_id` and `result` — `type` succeeded, errored,
//! canceled or expired; a succeeded result carries the message (`model`, `id`, `usage`). No line
//! has a time: calls are dated by the file's modification time unless `--batch-time` is given,
//! and the report says so. Priced at batch rates.

use super::{f, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Target};
use crate::pricing::Variant;

pub struct AnthropicBatch;

impl Shape for AnthropicBatch {
    fn name(&self) -> &'static str {
        "anthropic_batch"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match (ctx, key) {
            (Ctx::Top, "custom_id") => Some(Target::Marker(Marker::BatchCustomId)),
            (Ctx::Top, "result") => Some(Target::Nested(Ctx::BatchResult)),
            (Ctx::BatchResult, "type") => f(F::Status, 5, "result.type"),
            (Ctx::BatchResult, "message") => Some(Target::Nested(Ctx::Message)),
            (Ctx::BatchResult, "error") => Some(Target::ErrorValue("result.error")),
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_custom_id && raw.has_batch_result
    }

    fn verdict(&self, _raw: &RawCall<'_>) -> Verdict {
        Verdict::Call
    }

    fn variant(&self) -> Variant {
        Variant::Batch
    }

    fn timed_by_file(&self) -> bool {
        true
    }
}
