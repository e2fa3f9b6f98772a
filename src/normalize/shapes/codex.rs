//! OpenAI Codex CLI rollouts (`${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-*.jsonl`).
//!
//! A call is an `event_msg` whose `payload.type` is `token_count` with a non-null `info`: its
//! tokens are `info.last_token_usage` (or the growth of the cumulative `total_token_usage`);
//! `cached_input_tokens` is inside `input_tokens` and `reasoning_output_tokens` inside
//! `output_tokens`, as in our record. The model is the latest `turn_context.payload.model`, the
//! conversation `session_meta.payload.id`, the project the session's `cwd` — state carried down
//! the file, so rollout files are read in one block (`ingest::sources::Source::sequential`). The
//! same event written twice has the same cumulative total: one call.

use super::{f, Content, FileState, Inherited, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, RawCall, Scalar, Slot, Target};

pub struct Codex;

const LINE_TYPES: &[&str] = &[
    "session_meta",
    "turn_context",
    "event_msg",
    "response_item",
    "compacted",
];

fn text(s: &Option<Slot<'_>>) -> Option<String> {
    match &s.as_ref()?.value {
        Scalar::Str(v) if !v.is_empty() => Some(v.to_string()),
        _ => None,
    }
}

fn num(s: &Option<Slot<'_>>) -> u64 {
    match s.as_ref().map(|s| &s.value) {
        Some(Scalar::Num(v)) if *v >= 0.0 && v.is_finite() => v.min(u32::MAX as f64) as u64,
        _ => 0,
    }
}

impl Shape for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            Ctx::Top => match key {
                "payload" => Some(Target::Nested(Ctx::Payload)),
                _ => None,
            },
            Ctx::Payload => match key {
                "type" => f(F::PayloadType, 0, "payload.type"),
                "model" => f(F::PayloadModel, 0, "payload.model"),
                "cwd" => f(F::PayloadCwd, 0, "payload.cwd"),
                "id" => f(F::PayloadId, 0, "payload.id"),
                "info" => Some(Target::Nested(Ctx::CodexInfo)),
                "rate_limits" => Some(Target::Nested(Ctx::RateLimits)),
                _ => None,
            },
            Ctx::RateLimits => match key {
                "primary" => Some(Target::Nested(Ctx::RateLimitPrimary)),
                "secondary" => Some(Target::Nested(Ctx::RateLimitSecondary)),
                _ => None,
            },
            Ctx::RateLimitPrimary => match key {
                "used_percent" => f(F::RlPrimaryUsed, 0, "rate_limits.primary.used_percent"),
                "window_minutes" => f(F::RlPrimaryWindow, 0, "rate_limits.primary.window_minutes"),
                "resets_at" => f(F::RlPrimaryResets, 0, "rate_limits.primary.resets_at"),
                _ => None,
            },
            Ctx::RateLimitSecondary => match key {
                "used_percent" => f(F::RlSecondaryUsed, 0, "rate_limits.secondary.used_percent"),
                "window_minutes" => f(
                    F::RlSecondaryWindow,
                    0,
                    "rate_limits.secondary.window_minutes",
                ),
                "resets_at" => f(F::RlSecondaryResets, 0, "rate_limits.secondary.resets_at"),
                _ => None,
            },
            Ctx::CodexInfo => match key {
                "last_token_usage" => Some(Target::Nested(Ctx::CodexLast)),
                "total_token_usage" => Some(Target::Nested(Ctx::CodexTotal)),
                _ => None,
            },
            Ctx::CodexLast => match key {
                "input_tokens" => f(F::InputTokens, 10, "info.last_token_usage.input_tokens"),
                "cached_input_tokens" => f(
                    F::CachedTokens,
                    10,
                    "info.last_token_usage.cached_input_tokens",
                ),
                "output_tokens" => f(F::OutputTokens, 10, "info.last_token_usage.output_tokens"),
                "reasoning_output_tokens" => f(
                    F::ReasoningTokens,
                    10,
                    "info.last_token_usage.reasoning_output_tokens",
                ),
                _ => None,
            },
            Ctx::CodexTotal => match key {
                "input_tokens" => f(F::TotalInput, 0, "info.total_token_usage.input_tokens"),
                "cached_input_tokens" => f(
                    F::TotalCached,
                    0,
                    "info.total_token_usage.cached_input_tokens",
                ),
                "output_tokens" => f(F::TotalOutput, 0, "info.total_token_usage.output_tokens"),
                "reasoning_output_tokens" => f(
                    F::TotalReasoning,
                    0,
                    "info.total_token_usage.reasoning_output_tokens",
                ),
                _ => None,
            },
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_payload
            && raw
                .line_type
                .as_deref()
                .is_some_and(|t| LINE_TYPES.contains(&t))
    }

    fn observe(&self, raw: &RawCall<'_>, state: &mut FileState) {
        match raw.line_type.as_deref() {
            Some("session_meta") => {
                state.conversation = text(&raw.payload_id).or(state.conversation.take());
                state.project = text(&raw.payload_cwd).or(state.project.take());
            }
            Some("turn_context") => {
                state.model = text(&raw.payload_model).or(state.model.take());
                state.project = text(&raw.payload_cwd).or(state.project.take());
            }
            _ => {}
        }
    }

    fn verdict(&self, raw: &RawCall<'_>) -> Verdict {
        let token_count = raw.line_type.as_deref() == Some("event_msg")
            && matches!(raw.payload_type.as_ref().map(|s| &s.value), Some(Scalar::Str(t)) if t == "token_count");
        let has_usage = raw.input_tokens.is_some() || raw.total_input.is_some();
        match raw.line_type.as_deref() {
            _ if token_count && has_usage => Verdict::Call,
            _ if token_count && raw.rate_limits[0].is_some() => {
                Verdict::NotACall("codex.rate_limits_only")
            }
            _ if token_count => Verdict::NotACall("codex.token_count_without_info"),
            Some("session_meta") => Verdict::NotACall("codex.session_meta"),
            Some("turn_context") => Verdict::NotACall("codex.turn_context"),
            _ => Verdict::NotACall("codex.event"),
        }
    }

    fn inherit(&self, raw: &RawCall<'_>, state: &mut FileState) -> Option<Inherited> {
        let total = [
            num(&raw.total_input),
            num(&raw.total_cached),
            num(&raw.total_output),
            num(&raw.total_reasoning),
        ];
        let has_total = raw.total_input.is_some();
        // Without last_token_usage, the call is what the running total grew by.
        let tokens = (raw.input_tokens.is_none() && has_total).then(|| {
            let prev = state.total.unwrap_or_default();
            if state.total == Some(total) {
                // The same event written again: the same call as before.
                return state.last_delta;
            }
            let d = [
                total[0].saturating_sub(prev[0]),
                total[1].saturating_sub(prev[1]),
                total[2].saturating_sub(prev[2]),
                total[3].saturating_sub(prev[3]),
            ];
            state.last_delta = d;
            d
        });
        if has_total {
            state.total = Some(total);
        }
        Some(Inherited {
            conversation_name: None,
            model: state.model.clone(),
            conversation: state.conversation.clone(),
            project: state.project.clone(),
            // The same event written twice carries the same running total.
            request_id: has_total.then(|| {
                format!(
                    "codex|{}|{}|{}",
                    state.conversation.as_deref().unwrap_or(""),
                    total[0],
                    total[2]
                )
            }),
            tokens,
        })
    }

    fn content(&self) -> Content {
        Content::WithoutTime
    }

    fn type_is_purpose(&self) -> bool {
        false
    }
}
