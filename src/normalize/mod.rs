//! One canonical call record out of many log shapes: aliases, units, time zones, prices.

pub mod columns;
pub mod pricing;
pub mod record;
pub mod timestamp;
