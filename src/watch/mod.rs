//! `llmlog watch`'s parts: the tailer, the running totals, the alert rules, the saved state.

pub mod rules;
pub mod serve;
pub mod state;
pub mod status_file;
pub mod tail;
pub mod totals;
