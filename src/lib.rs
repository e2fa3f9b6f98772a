//! llmlog: JSONL logs of LLM API calls → cost, latency, reliability, outliers.
//!
//! The modules follow the data: `ingest` reads lines, `normalize` makes canonical records and
//! columns, `engine` holds the polars queries, `report` runs them into a plain model, and `render`
//! prints that model. `cmd` wires one subcommand each.

pub mod alert;
pub mod anomaly;
pub mod budget;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dataset;
pub mod decide;
pub mod engine;
pub mod fmt;
pub mod ingest;
pub mod memory;
pub mod normalize;
pub mod pricing;
pub mod render;
pub mod report;
pub mod scan;
pub mod views;
pub mod watch;
