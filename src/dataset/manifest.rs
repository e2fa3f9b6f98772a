//! What each export run read, written beside its data: which inputs (by identity, so a rotated
//! file is known under its new name), up to which byte and line, and the run's counts. The next
//! run reads on from there, so re-exporting the same logs adds nothing twice.

use super::location::Location;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The run's id: a hash of what it read, so a re-run of an interrupted export writes the
    /// same file names (replacing, not adding).
    pub run: String,
    /// The machine that exported (`LLMLOG_WRITER`, else the host name).
    pub writer: String,
    pub exported_at: String,
    /// What priced the calls without a logged cost.
    pub pricing: String,
    pub inputs: Vec<Input>,
    pub counts: RunCounts,
    /// The data files the run wrote.
    pub parts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Input {
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// Size and modification time when read.
    pub size: u64,
    pub mtime_ns: i128,
    /// Hash of the file's first bytes (up to 4 KiB, within `end`).
    pub head: u64,
    /// Where this run began and ended reading: byte offset of a line's start, bytes consumed
    /// through the last newline, and the last line number.
    pub start: u64,
    pub end: u64,
    pub lines: u64,
    /// Calls exported from this input by this run.
    pub calls: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunCounts {
    pub lines: u64,
    pub calls: u64,
    pub skipped: BTreeMap<String, u64>,
    pub skipped_examples: Vec<Example>,
    pub not_calls: BTreeMap<String, u64>,
    pub duplicates: u64,
    #[serde(default)]
    pub duplicate_examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Example {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// Every manifest under the root, in key order. A manifest that cannot be read is an error
/// naming it: guessing what it covered could count calls twice.
pub fn load_all(loc: &Location) -> Result<Vec<Manifest>> {
    let mut out = Vec::new();
    for key in loc.list(super::MANIFESTS)? {
        if !key.ends_with(".json") {
            continue;
        }
        let bytes = loc.get(&key)?;
        let m: Manifest = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{}/{key}: not an llmlog export manifest (remove it, or export to a new location)",
                loc.display()
            )
        })?;
        if m.format != FORMAT {
            anyhow::bail!(
                "{}/{key}: manifest format {} (this llmlog reads {FORMAT}); export with a matching llmlog",
                loc.display(),
                m.format
            );
        }
        out.push(m);
    }
    Ok(out)
}

/// The machine's name for the manifests (which runs were its own).
pub fn writer_name() -> String {
    if let Ok(w) = std::env::var("LLMLOG_WRITER") {
        if !w.trim().is_empty() {
            return w.trim().to_string();
        }
    }
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
