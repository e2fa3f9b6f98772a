//! Anthropic Messages usage, in a logged response's `usage` or flattened into the line: cache
//! reads and cache writes are reported beside `input_tokens`, not inside it; 1-hour cache writes
//! are split out under `usage.cache_creation`.

use super::{f, top, Shape};
use crate::normalize::raw::{Ctx, FieldId as F, Target};

pub struct Anthropic;

impl Shape for Anthropic {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target> {
        match ctx {
            c if top(c) => match key {
                "cache_read_input_tokens" => f(F::CachedTokensBeside, 3, "cache_read_input_tokens"),
                "cache_creation_input_tokens" => {
                    f(F::CacheWriteTokensBeside, 0, "cache_creation_input_tokens")
                }
                _ => None,
            },
            Ctx::Usage => match key {
                "cache_read_input_tokens" => {
                    f(F::CachedTokensBeside, 10, "usage.cache_read_input_tokens")
                }
                "cache_creation_input_tokens" => f(
                    F::CacheWriteTokensBeside,
                    10,
                    "usage.cache_creation_input_tokens",
                ),
                "cache_creation" => Some(Target::Nested(Ctx::CacheCreation)),
                _ => None,
            },
            Ctx::CacheCreation => match key {
                "ephemeral_1h_input_tokens" => f(
                    F::CacheWrite1hTokens,
                    10,
                    "usage.cache_creation.ephemeral_1h_input_tokens",
                ),
                _ => None,
            },
            _ => None,
        }
    }
}
