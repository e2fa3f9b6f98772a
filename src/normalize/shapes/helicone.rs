//! Helicone request exports: `request_created_at`, `response_status`, `model`,
//! `prompt_tokens` / `completion_tokens`, `cost`, `request_user_id`, `latency` in milliseconds,
//! and the `Helicone-Property-Feature` custom property as the call's type.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, RawCall, Target};

pub struct Helicone;

impl Shape for Helicone {
    fn name(&self) -> &'static str {
        "helicone"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            c if top(c) => match key {
                "request_created_at" => f(F::Timestamp, 8, "request_created_at"),
                "response_created_at" => f(F::EndTime, 5, "response_created_at"),
                "response_status" => f(F::Status, 5, "response_status"),
                "request_user_id" => f(F::User, 5, "request_user_id"),
                "response_id" => f(F::RequestId, 5, "response_id"),
                "request_properties" => Some(Target::Nested(Ctx::Properties)),
                _ => None,
            },
            Ctx::Properties => match key {
                "Helicone-Property-Feature" => f(F::CallType, 8, "Helicone-Property-Feature"),
                "Helicone-Property-Project" => f(F::Project, 8, "Helicone-Property-Project"),
                _ => None,
            },
            _ => None,
        }
    }

    fn claims(&self, raw: &RawCall<'_>) -> bool {
        raw.timestamp
            .as_ref()
            .is_some_and(|s| s.field == "request_created_at")
    }

    fn latency_in_ms(&self) -> bool {
        true
    }
}
