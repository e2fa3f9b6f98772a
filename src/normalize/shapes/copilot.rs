//! GitHub Copilot CLI's OpenTelemetry file export (`~/.copilot/otel/*.jsonl`,
//! `COPILOT_OTEL_FILE_EXPORTER_PATH`): `type: "span"` lines with `gen_ai.*` attributes (read by the
//! otel shape's aliases), times as `[seconds, nanoseconds]`, latency = end − start. Metric lines
//! are not calls. Any OpenTelemetry JSON span export of GenAI calls reads the same way.

use super::{Shape, Verdict};
use crate::normalize::raw::{Ctx, Marker, RawCall, Target};

pub struct Copilot;

impl Shape for Copilot {
    fn name(&self) -> &'static str {
        "copilot"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match (ctx, key) {
            (Ctx::Top, "traceId" | "spanId") => Some(Target::Marker(Marker::OtelSpan)),
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        match raw.line_type.as_deref() {
            Some("span") => raw.has_span_marker,
            Some("metric") => true,
            _ => false,
        }
    }

    fn verdict(&self, raw: &RawCall<'_>) -> Verdict {
        let has_usage =
            raw.model.is_some() || raw.input_tokens.is_some() || raw.output_tokens.is_some();
        match raw.line_type.as_deref() {
            Some("span") if has_usage => Verdict::Call,
            Some("span") => Verdict::NotACall("copilot.span_without_usage"),
            _ => Verdict::NotACall("copilot.metric"),
        }
    }

    fn type_is_purpose(&self) -> bool {
        false
    }
}
