//! Gemini CLI chats (`~/.gemini/tmp/<projectHash>/chats/session-*.jsonl`): a header line
//! (`sessionId`, `projectHash`), one message per line, `$set` patch lines. Calls are
//! `type: "gemini"` messages with `tokens`: `input` includes `cached`; `thoughts` are billed as
//! output (and are its reasoning part). A message id written again replaces the earlier copy —
//! the last copy wins — so session files are read in one block.
//! Older sessions are one `.json` document with a `messages` array: `ingest::document` turns it
//! into the same lines (header first).

use super::{f, Content, FileState, Inherited, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Scalar, Slot, Target};

pub struct Gemini;

fn num(s: &Option<Slot<'_>>) -> u64 {
    match s.as_ref().map(|s| &s.value) {
        Some(Scalar::Num(v)) if *v >= 0.0 && v.is_finite() => v.min(u32::MAX as f64) as u64,
        _ => 0,
    }
}

fn text(s: &Option<Slot<'_>>) -> Option<String> {
    match &s.as_ref()?.value {
        Scalar::Str(v) if !v.is_empty() => Some(v.to_string()),
        _ => None,
    }
}

impl Shape for Gemini {
    fn name(&self) -> &'static str {
        "gemini_cli"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            Ctx::Top => match key {
                "projectHash" => Some(Target::Marker(Marker::GeminiHeader)),
                "$set" => Some(Target::Marker(Marker::GeminiPatch)),
                "tokens" => Some(Target::Nested(Ctx::GeminiTokens)),
                _ => None,
            },
            Ctx::GeminiTokens => match key {
                "input" => f(F::InputTokens, 12, "tokens.input"),
                "cached" => f(F::CachedTokens, 12, "tokens.cached"),
                "output" => f(F::OutputTokens, 12, "tokens.output"),
                "thoughts" => f(F::Thoughts, 0, "tokens.thoughts"),
                _ => None,
            },
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.has_gemini_header
            || raw.has_gemini_patch
            || (raw.line_type.as_deref() == Some("gemini") && raw.has_gemini_tokens)
    }

    fn observe(&self, raw: &RawCall<'_>, state: &mut FileState) {
        if raw.has_gemini_header {
            if let Some(Scalar::Str(s)) = raw.conversation.as_ref().map(|s| &s.value) {
                state.conversation = Some(s.to_string());
            }
        }
    }

    fn verdict(&self, raw: &RawCall<'_>) -> Verdict {
        if raw.has_gemini_header {
            Verdict::NotACall("gemini_cli.header")
        } else if raw.has_gemini_patch {
            Verdict::NotACall("gemini_cli.patch")
        } else {
            Verdict::Call
        }
    }

    fn inherit(&self, raw: &RawCall<'_>, state: &mut FileState) -> Option<Inherited> {
        let thoughts = num(&raw.thoughts);
        Some(Inherited {
            conversation: state.conversation.clone(),
            // The message id, within its session.
            request_id: raw
                .request_id
                .as_ref()
                .and(text(&raw.request_id))
                .map(|id| {
                    format!(
                        "gemini|{}|{id}",
                        state.conversation.as_deref().unwrap_or("")
                    )
                }),
            tokens: Some([
                num(&raw.input_tokens),
                num(&raw.cached_tokens),
                num(&raw.output_tokens) + thoughts,
                thoughts,
            ]),
            ..Inherited::default()
        })
    }

    fn content(&self) -> Content {
        Content::LastWins
    }

    fn type_is_purpose(&self) -> bool {
        false
    }
}
