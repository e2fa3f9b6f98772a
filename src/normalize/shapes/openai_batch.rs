//! OpenAI Batch API output files: one line per request, `custom_id`, `response.status_code`,
//! and the chat completion in `response.body` (read with the app aliases: `created`, `model`,
//! `usage`). A failed request has `response: null` and an `error`. Calls are priced at batch
//! rates; a line without a time of its own is dated by the file (or `--batch-time`).

use super::{f, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Target};
use crate::pricing::Variant;

pub struct OpenAiBatch;

impl Shape for OpenAiBatch {
    fn name(&self) -> &'static str {
        "openai_batch"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match (ctx, key) {
            (Ctx::Top, "custom_id") => Some(Target::Marker(Marker::BatchCustomId)),
            (Ctx::Top, "response") => Some(Target::Nested(Ctx::BatchResponse)),
            (Ctx::BatchResponse, "status_code") => f(F::Status, 5, "response.status_code"),
            (Ctx::BatchResponse, "request_id") => f(F::RequestId, 5, "response.request_id"),
            // The body is an ordinary chat completion: app aliases, ranked below the line's own.
            (Ctx::BatchResponse, "body") => Some(Target::Nested(Ctx::Metadata)),
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_custom_id && raw.has_batch_response
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
