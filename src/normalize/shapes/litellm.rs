//! LiteLLM proxy spend-log rows: `spend`/`response_cost`, `custom_llm_provider`, `request_tags`.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Target};

pub struct LiteLlm;

impl Shape for LiteLlm {
    fn name(&self) -> &'static str {
        "litellm"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        if !top(ctx) {
            return None;
        }
        match key {
            "custom_llm_provider" => f(F::Provider, 3, "custom_llm_provider"),
            "request_tags" => f(F::Tags, 1, "request_tags"),
            "response_cost" => f(F::Cost, 5, "response_cost"),
            "spend" => f(F::Cost, 6, "spend"),
            _ => None,
        }
    }
}
