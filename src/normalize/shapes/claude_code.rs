//! Claude Code session logs (`~/.claude/projects/<project>/<session>.jsonl`).
//!
//! Recognized by Claude Code's own markers — the thread keys `parentUuid`/`isSidechain`/
//! `leafUuid`, or `sessionId` with a line role in `type` — never by a `message` key alone (app
//! loggers write `message` too). Only assistant lines with `message.usage` are API calls; one
//! response is logged once per content block, each line repeating its usage (sometimes a partial,
//! streamed count), so a `message.id` + `requestId` counts once — the first copy, as ccusage
//! counts it. The project is the folder the session file lives in.

use super::{f, Content, FileState, Inherited, Shape, Verdict};
use crate::normalize::raw::{Ctx, FieldId as F, Marker, RawCall, Target};

pub struct ClaudeCode;

/// The values of `type` Claude Code gives its lines.
const ROLES: &[&str] = &["user", "assistant", "system", "summary"];

impl Shape for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude_code"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            Ctx::Top => match key {
                "message" => Some(Target::Nested(Ctx::Message)),
                "parentUuid" | "isSidechain" | "leafUuid" => {
                    Some(Target::Marker(Marker::ClaudeThread))
                }
                // A summary line's text titles the session's conversation.
                "summary" => f(F::ConversationName, 5, "summary"),
                _ => None,
            },
            Ctx::Message => match key {
                "model" => f(F::Model, 10, "message.model"),
                "id" => f(F::MessageId, 0, "message.id"),
                "role" => Some(Target::Role),
                "usage" => Some(Target::Nested(Ctx::Usage)),
                _ => None,
            },
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        let line_type = raw.line_type.as_deref();
        raw.has_thread_marker
            || line_type == Some("file-history-snapshot")
            || (raw.has_session_id && line_type.is_some_and(|t| ROLES.contains(&t)))
    }

    fn verdict(&self, raw: &RawCall<'_>) -> Verdict {
        match raw.line_type.as_deref() {
            Some("assistant") if raw.has_message_usage => Verdict::Call,
            Some("assistant") => Verdict::NotACall("claude_code.no_usage"),
            Some("user") => Verdict::NotACall("claude_code.user_turn"),
            Some("summary") => Verdict::NotACall("claude_code.summary"),
            Some("system") => Verdict::NotACall("claude_code.system"),
            Some("file-history-snapshot") => Verdict::NotACall("claude_code.file_history_snapshot"),
            _ => Verdict::NotACall("claude_code.other"),
        }
    }

    fn content(&self) -> Content {
        Content::IdOnly
    }

    fn observe(&self, raw: &RawCall<'_>, state: &mut FileState) {
        if raw.line_type.as_deref() == Some("summary") {
            if let Some(crate::normalize::raw::Slot {
                value: crate::normalize::raw::Scalar::Str(s),
                ..
            }) = &raw.conversation_name
            {
                if !s.is_empty() {
                    state.conversation_name = Some(s.to_string());
                }
            }
        }
    }

    fn inherit(&self, _raw: &RawCall<'_>, state: &mut FileState) -> Option<Inherited> {
        state.conversation_name.as_ref().map(|n| Inherited {
            conversation_name: Some(n.clone()),
            ..Inherited::default()
        })
    }

    fn type_is_purpose(&self) -> bool {
        false
    }

    fn project_from_folder(&self) -> bool {
        true
    }
}
