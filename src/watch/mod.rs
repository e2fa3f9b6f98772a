//! `llmlog watch`'s parts: the tailer, the running totals, the alert rules, the saved state.

pub mod rules;
pub mod state;
pub mod tail;
pub mod totals;
