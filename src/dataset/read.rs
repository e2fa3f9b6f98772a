//! A dataset → the same `Scan` a read of the logs gives: the frame of codes, the inputs, and the
//! counts of what the exports skipped (from their manifests), so every command's report reads
//! the same from the Parquet as from the JSONL.

use super::location::Location;
use super::{manifest, records};
use crate::normalize::columns::{col_names as c, Dictionary};
use crate::normalize::dimension::Dimension;
use crate::normalize::timestamp::Zone;
use crate::normalize::Problem;
use crate::scan::{Counts, Scan};
use anyhow::{bail, Result};
use chrono_tz::Tz;
use polars::prelude::*;

/// The UTC days a query needs (`--since`/`--until`): the partitions outside are not read.
#[derive(Clone, Copy, Default)]
pub struct Days {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

impl Days {
    fn wants(&self, day: i32) -> bool {
        let (start, end) = (day as i64 * 86_400_000, (day as i64 + 1) * 86_400_000);
        self.since_ms.is_none_or(|s| end > s) && self.until_ms.is_none_or(|u| start < u)
    }
}

/// A data file's key and the writer that exported it.
pub type Part = (String, String);

/// The data files of a dataset that `days` needs (with the writer of each), and its manifests.
/// Only files a manifest lists are read: one no manifest lists was left by an export cut short
/// before its manifest, and the export's next run writes its calls again.
pub fn parts(loc: &Location, days: Days) -> Result<(Vec<Part>, Vec<manifest::Manifest>)> {
    let manifests = manifest::load_all(loc)?;
    let present: std::collections::BTreeSet<String> = loc
        .list("")?
        .into_iter()
        .filter(|k| k.ends_with(".parquet") && super::partition_day(k).is_some())
        .collect();
    if manifests.is_empty() {
        bail!(
            "{}: no llmlog dataset here (no {}/); write one with `llmlog export LOGS --to {}`",
            loc.display(),
            super::MANIFESTS,
            loc.display()
        );
    }
    let mut listed = std::collections::BTreeSet::new();
    let mut keys = Vec::new();
    for m in &manifests {
        for key in &m.parts {
            if !listed.insert(key.clone()) {
                continue;
            }
            if !present.contains(key) {
                bail!(
                    "{}/{key}: listed by manifest {} but missing; restore it, or remove {}/{}.json and export those logs again",
                    loc.display(),
                    m.run,
                    super::MANIFESTS,
                    m.run
                );
            }
            if super::partition_day(key).is_some_and(|d| days.wants(d)) {
                keys.push((key.clone(), m.writer.clone()));
            }
        }
    }
    keys.sort();
    let stray = present.iter().filter(|k| !listed.contains(*k)).count();
    if stray > 0 {
        eprintln!(
            "llmlog: note: {}: {stray} Parquet files no manifest lists (an export cut short) were not read",
            loc.display()
        );
    }
    Ok((keys, manifests))
}

pub fn read(roots: &[String], tz: Tz, days: Days) -> Result<Scan> {
    let mut frame: Option<DataFrame> = None;
    let mut counts = Counts::default();
    let mut pricing: Vec<String> = Vec::new();
    let mut bytes = 0u64;
    let dict = Dictionary::new();
    let mut files = Files::default();
    let mut zone = Zone::new(tz);
    for root in roots {
        let loc = Location::parse(root)?;
        let (keys, manifests) = parts(&loc, days)?;
        // Calls of several machines: their inputs are told apart by the writer's name.
        let writers: std::collections::BTreeSet<&str> =
            manifests.iter().map(|m| m.writer.as_str()).collect();
        let prefix_writer = writers.len() > 1 || roots.len() > 1;
        for m in &manifests {
            add_counts(&mut counts, &m.counts);
            if !pricing.contains(&m.pricing) {
                pricing.push(m.pricing.clone());
            }
        }
        // File by file into codes: the strings of one file at a time are all that is held.
        for (key, writer) in keys {
            let data = loc.get(&key)?;
            bytes += data.len() as u64;
            let records = records::from_parquet(data, &format!("{}/{key}", loc.display()))?;
            let prefix = prefix_writer.then_some(writer.as_str());
            let part = to_frame(&records, &mut zone, &dict, &mut files, prefix)?;
            match &mut frame {
                None => frame = Some(part),
                Some(f) => {
                    f.vstack_mut_owned(part)?;
                }
            }
        }
    }
    let (frame, files) = match frame {
        None => (
            to_frame(&empty_records(), &mut zone, &dict, &mut files, None)?,
            Vec::new(),
        ),
        Some(f) => in_log_order(f, files)?,
    };
    counts.calls = frame.height() as u64;
    counts.bytes = bytes;
    pricing.sort();
    Ok(Scan {
        frame,
        names: dict.freeze(),
        files,
        counts,
        pricing_source: if pricing.is_empty() {
            "as exported".into()
        } else {
            format!("as exported: {}", pricing.join("; "))
        },
        agent_roots: Vec::new(),
        cache_hits: 0,
        cache_grown: 0,
        ends: Vec::new(),
    })
}

fn empty_records() -> DataFrame {
    DataFrame::empty_with_schema(&Schema::from_iter(
        records::schema()
            .into_iter()
            .map(|(n, t)| Field::new(n.into(), t)),
    ))
}

/// Input names → codes, in the order first seen.
#[derive(Default)]
struct Files {
    names: Vec<String>,
    codes: std::collections::HashMap<String, u32>,
}

impl Files {
    fn code(&mut self, name: &str) -> u32 {
        if let Some(&c) = self.codes.get(name) {
            return c;
        }
        let c = self.names.len() as u32;
        self.names.push(name.to_string());
        self.codes.insert(name.to_string(), c);
        c
    }
}

/// The order a read of the logs counts in: inputs by name, then line. File codes are renumbered
/// to the inputs' sorted order, so the same dataset gives the same report however its files
/// were listed.
fn in_log_order(frame: DataFrame, files: Files) -> Result<(DataFrame, Vec<String>)> {
    let mut order: Vec<u32> = (0..files.names.len() as u32).collect();
    order.sort_by(|a, b| files.names[*a as usize].cmp(&files.names[*b as usize]));
    let mut renumber = vec![0u32; order.len()];
    for (new, old) in order.iter().enumerate() {
        renumber[*old as usize] = new as u32;
    }
    let codes: Vec<u32> = frame
        .column(c::FILE)?
        .u32()?
        .into_no_null_iter()
        .map(|f| renumber[f as usize])
        .collect();
    let mut frame = frame;
    frame.with_column(UInt32Chunked::from_vec(c::FILE.into(), codes).into_column())?;
    let frame = frame.sort(
        [c::FILE, c::LINE],
        SortMultipleOptions::default().with_maintain_order(true),
    )?;
    let names = order
        .iter()
        .map(|o| files.names[*o as usize].clone())
        .collect();
    Ok((frame, names))
}

fn add_counts(c: &mut Counts, r: &manifest::RunCounts) {
    c.lines += r.lines;
    for (k, n) in &r.skipped {
        c.skipped.lines += n;
        *c.skipped.by_reason.entry(intern(k)).or_default() += n;
    }
    for e in &r.skipped_examples {
        if c.skipped.examples.len() < crate::normalize::dedupe::EXAMPLES {
            c.skipped.examples.push(Problem {
                file: e.file.clone(),
                line: e.line,
                reason: e.reason.clone(),
            });
        }
    }
    for (k, n) in &r.not_calls {
        c.not_calls.count += n;
        *c.not_calls.by_reason.entry(intern(k)).or_default() += n;
    }
    c.duplicates.count += r.duplicates;
    for e in &r.duplicate_examples {
        if c.duplicates.examples.len() < crate::normalize::dedupe::EXAMPLES {
            c.duplicates.examples.push(Problem {
                file: e.file.clone(),
                line: e.line,
                reason: e.reason.clone(),
            });
        }
    }
}

/// The counts are keyed by static reason names; a manifest's are few and known.
fn intern(k: &str) -> &'static str {
    use std::sync::Mutex;
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap();
    if let Some(s) = seen.iter().find(|s| **s == k) {
        return s;
    }
    let s: &'static str = Box::leak(k.to_string().into_boxed_str());
    seen.push(s);
    s
}

/// Canonical records → the scan's frame: codes from one dictionary, local day and hour in the zone.
fn to_frame(
    r: &DataFrame,
    zone: &mut Zone,
    dict: &Dictionary,
    files: &mut Files,
    writer: Option<&str>,
) -> Result<DataFrame> {
    let height = r.height();
    let ts: Vec<i64> = r
        .column("timestamp")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let (mut day, mut hour) = (Vec::with_capacity(height), Vec::with_capacity(height));
    for &t in &ts {
        let (d, h) = zone.local_day_hour(t);
        day.push(d);
        hour.push(h as i32);
    }
    let mut cols: Vec<Column> = vec![
        Int64Chunked::from_vec(c::TS_MS.into(), ts).into_column(),
        Int32Chunked::from_vec(c::DAY.into(), day).into_column(),
        Int32Chunked::from_vec(c::HOUR.into(), hour).into_column(),
    ];
    for d in Dimension::TEXT {
        let s = r.column(d.column())?.str()?;
        let codes: Vec<u32> = s
            .iter()
            .map(|v| match v {
                Some(v) if !v.is_empty() => dict.code(v),
                _ => 0,
            })
            .collect();
        cols.push(UInt32Chunked::from_vec(d.column().into(), codes).into_column());
    }
    let frame_type = |name: &str| match name {
        c::OK | c::PRICED | c::CACHE_HIT | c::CORRECT => DataType::Boolean,
        c::COST | c::LIST_COST | c::LATENCY | c::TTFT | c::QUALITY => DataType::Float64,
        _ => DataType::UInt32,
    };
    for name in [
        c::OK,
        c::INPUT_TOKENS,
        c::OUTPUT_TOKENS,
        c::CACHED_TOKENS,
        c::CACHE_WRITE_TOKENS,
        c::REASONING_TOKENS,
        c::COST,
        c::PRICED,
        c::LIST_COST,
        c::LATENCY,
        c::TTFT,
        c::CACHE_HIT,
        c::PROMPT_LENGTH,
        c::QUALITY,
        c::CORRECT,
    ] {
        let col = r.column(name)?;
        let t = frame_type(name);
        // Counts out of the frame's range (a hand-made file) are clamped, as the parser clamps.
        let col = if t == DataType::UInt32 {
            col.i64()?
                .apply_values(|v| v.clamp(0, u32::MAX as i64))
                .into_column()
                .cast(&t)?
        } else {
            col.cast(&t)?
        };
        // Flags and counts that cannot be missing in the frame.
        let col = match name {
            c::OK | c::PRICED => col
                .bool()?
                .iter()
                .map(|v| v.unwrap_or(false))
                .collect::<BooleanChunked>()
                .with_name(name.into())
                .into_column(),
            c::PROMPT_LENGTH => col,
            _ if t == DataType::UInt32 => col.u32()?.fill_null_with_values(0)?.into_column(),
            _ => col,
        };
        cols.push(col);
    }
    let file_codes: Vec<u32> = r
        .column(c::FILE)?
        .str()?
        .iter()
        .map(|f| match writer {
            Some(w) => files.code(&format!("{w}:{}", f.unwrap_or(""))),
            None => files.code(f.unwrap_or("")),
        })
        .collect();
    cols.push(UInt32Chunked::from_vec(c::FILE.into(), file_codes).into_column());
    let lines: Vec<u32> = r
        .column(c::LINE)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0).clamp(0, u32::MAX as i64) as u32)
        .collect();
    cols.push(UInt32Chunked::from_vec(c::LINE.into(), lines).into_column());
    Ok(DataFrame::new(height, cols)?)
}
