//! One canonical call record out of many log shapes: aliases, units, time zones, prices, dedupe.

pub mod columns;
pub mod dedupe;
pub mod dimension;
pub mod flat;
pub mod raw;
pub mod record;
pub mod shapes;
pub mod timestamp;

use serde::Serialize;

/// A line we could not use, a call we dropped, or a finding about one, with where it was.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub reason: String,
}
