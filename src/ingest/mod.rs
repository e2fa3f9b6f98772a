//! Reads every input into one canonical polars frame, in parallel, losing and double-counting nothing.
//!
//! One reader thread cuts each input into newline-aligned blocks; worker threads parse, normalize
//! and turn blocks into frames; the blocks are then put back in input order, duplicates are
//! dropped (first occurrence wins) and the frames stacked.

pub mod line;
pub mod sources;

use crate::normalize::columns::{Columns, Dictionary};
use crate::normalize::pricing::PriceTable;
use crate::normalize::record::{LineContext, Normalizer, Outcome, SkipReason};
use crate::normalize::timestamp::Zone;
use anyhow::Result;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;
use sources::Source;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

/// Bytes per block handed to a worker: large enough to amortize, small enough to keep both cores busy.
const BLOCK_BYTES: usize = 4 << 20;
/// How many example lines of each problem the report shows.
const EXAMPLES: usize = 10;

pub struct ScanOptions<'a> {
    pub tz: Tz,
    pub prices: &'a PriceTable,
    pub reprice: bool,
    /// Bytes read so far, for a progress display.
    pub progress: Option<&'a AtomicU64>,
}

/// A line we could not use, or a call we dropped, with where it was.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Skipped {
    /// Lines skipped as unusable (not counting duplicates or non-call lines).
    pub lines: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub examples: Vec<Problem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Duplicates {
    pub count: u64,
    pub examples: Vec<Problem>,
}

/// Everything read: the canonical frame plus an honest account of what was not used.
pub struct Scan {
    pub frame: DataFrame,
    /// Dictionary: dimension code → string (code 0 is "none").
    pub names: Vec<String>,
    pub files: Vec<String>,
    pub bytes: u64,
    /// Non-blank lines read.
    pub lines: u64,
    /// Lines that are not calls by their shape's rules (Claude Code user turns, say).
    pub not_calls: u64,
    pub skipped: Skipped,
    pub duplicates: Duplicates,
    /// Inputs that could not be read to the end (a corrupt .gz, say); what was read is kept.
    pub read_errors: Vec<String>,
}

struct Block {
    seq: u64,
    source: u32,
    first_line: u64,
    at_start: bool,
    bytes: Vec<u8>,
}

struct BlockResult {
    seq: u64,
    source: u32,
    frame: DataFrame,
    keys: Vec<(u32, u32, String)>,
    problems: Vec<(u64, SkipReason, String)>,
    lines: u64,
    not_calls: u64,
}

pub fn scan(sources: &[Source], opts: &ScanOptions<'_>) -> Result<Scan> {
    let dict = Dictionary::new();
    let project_dirs: Vec<Option<String>> = sources.iter().map(|s| s.parent_name()).collect();
    let results: Mutex<Vec<BlockResult>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let (tx, rx) = mpsc::sync_channel::<Block>(workers * 2);
    let rx = Mutex::new(rx);
    let mut read_errors = Vec::new();
    let mut bytes_total = 0u64;

    std::thread::scope(|s| -> Result<()> {
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (rx, results, dict, dirs) = (&rx, &results, &dict, &project_dirs);
            handles.push(s.spawn(move || -> PolarsResult<()> {
                let mut norm = Normalizer {
                    zone: Zone::new(opts.tz),
                    prices: opts.prices,
                    reprice: opts.reprice,
                };
                loop {
                    let block = match rx.lock().unwrap().recv() {
                        Ok(b) => b,
                        Err(_) => return Ok(()),
                    };
                    let dir = dirs[block.source as usize].as_deref();
                    let r = parse_block(&block, &mut norm, dict, dir)?;
                    results.lock().unwrap().push(r);
                }
            }));
        }
        let mut seq = 0u64;
        for (i, src) in sources.iter().enumerate() {
            match read_blocks(src, i as u32, &mut seq, &tx, opts.progress) {
                Ok(n) => bytes_total += n,
                Err(e) => read_errors.push(format!("{}: {e}", src.display())),
            }
        }
        drop(tx);
        for h in handles {
            h.join().expect("parser thread panicked")?;
        }
        Ok(())
    })?;

    let files: Vec<String> = sources.iter().map(|s| s.display()).collect();
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.seq);

    let mut skipped = Skipped::default();
    let mut duplicates = Duplicates::default();
    let (mut lines, mut not_calls) = (0u64, 0u64);
    let mut seen: HashMap<String, (u32, u32)> = HashMap::new();
    let mut frame: Option<DataFrame> = None;
    for r in results {
        lines += r.lines;
        not_calls += r.not_calls;
        for (line, reason, msg) in r.problems {
            skipped.lines += 1;
            *skipped.by_reason.entry(reason.key()).or_default() += 1;
            if skipped.examples.len() < EXAMPLES {
                let file = files[r.source as usize].clone();
                skipped.examples.push(Problem {
                    file,
                    line,
                    reason: msg,
                });
            }
        }
        let mut frame_r = r.frame;
        if !r.keys.is_empty() {
            let files_col = frame_r.column("file")?.u32()?.clone();
            let mut keep = vec![true; frame_r.height()];
            let mut dropped = false;
            for (row, line, key) in r.keys {
                let file = files_col.get(row as usize).unwrap_or(0);
                match seen.get(&key) {
                    Some(&(f0, l0)) => {
                        keep[row as usize] = false;
                        dropped = true;
                        duplicates.count += 1;
                        if duplicates.examples.len() < EXAMPLES {
                            duplicates.examples.push(Problem {
                                file: files[file as usize].clone(),
                                line: line as u64,
                                reason: format!(
                                    "duplicate of request '{key}' first seen at {}:{l0}",
                                    files[f0 as usize]
                                ),
                            });
                        }
                    }
                    None => {
                        seen.insert(key, (file, line));
                    }
                }
            }
            if dropped {
                let mask = BooleanChunked::from_slice("keep".into(), &keep);
                frame_r = frame_r.filter(&mask)?;
            }
        }
        match &mut frame {
            None => frame = Some(frame_r),
            Some(f) => {
                f.vstack_mut_owned(frame_r)?;
            }
        }
    }
    // The frame stays in one chunk per block: rechunking would briefly double its memory, and
    // polars' group-bys work across chunks.
    let frame = match frame {
        Some(f) => f,
        None => Columns::new(&dict, 0).into_frame()?,
    };
    Ok(Scan {
        frame,
        names: dict.freeze(),
        files,
        bytes: bytes_total,
        lines,
        not_calls,
        skipped,
        duplicates,
        read_errors,
    })
}

/// Cuts one input into newline-aligned blocks and sends them on. Returns the bytes read.
fn read_blocks(
    src: &Source,
    source: u32,
    seq: &mut u64,
    tx: &mpsc::SyncSender<Block>,
    progress: Option<&AtomicU64>,
) -> Result<u64> {
    let mut reader = src.open()?;
    let mut carry: Vec<u8> = Vec::new();
    let mut next_line = 1u64;
    let mut at_start = true;
    let mut total = 0u64;
    loop {
        let mut buf = Vec::with_capacity(BLOCK_BYTES + carry.len());
        buf.append(&mut carry);
        let want = BLOCK_BYTES.saturating_sub(buf.len()).max(1 << 16);
        let n = (&mut reader).take(want as u64).read_to_end(&mut buf)?;
        total += n as u64;
        if let Some(p) = progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        let eof = n < want;
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => {
                    carry = buf; // one very long line: keep reading until it ends
                    continue;
                }
            }
        };
        carry = buf.split_off(cut);
        if !buf.is_empty() {
            let newlines = memchr::memchr_iter(b'\n', &buf).count() as u64;
            let block = Block {
                seq: *seq,
                source,
                first_line: next_line,
                at_start,
                bytes: buf,
            };
            *seq += 1;
            next_line += newlines;
            at_start = false;
            if tx.send(block).is_err() {
                break; // a worker failed; its error is reported by scan
            }
        }
        if eof {
            break;
        }
    }
    Ok(total)
}

/// A line without its CR and (at the start of a file) its UTF-8 BOM; None for a blank line.
/// CRLF endings, a BOM and blank lines are not errors in any log we read.
pub fn content(line: &[u8], at_file_start: bool) -> Option<&[u8]> {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    if at_file_start {
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    }
    (!line.iter().all(|b| b.is_ascii_whitespace())).then_some(line)
}

fn parse_block(
    block: &Block,
    norm: &mut Normalizer<'_>,
    dict: &Dictionary,
    project_dir: Option<&str>,
) -> PolarsResult<BlockResult> {
    let ctx = LineContext { project_dir };
    let mut cols = Columns::new(dict, block.bytes.len() / 200);
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    let (mut lines, mut not_calls) = (0u64, 0u64);
    let mut line_no = block.first_line;
    let mut start = 0usize;
    let data = &block.bytes[..];
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..])
            .map(|i| start + i)
            .unwrap_or(data.len());
        let raw_line = &data[start..end];
        let this_line = line_no;
        start = end + 1;
        line_no += 1;
        let Some(line) = content(raw_line, block.at_start && this_line == 1) else {
            continue;
        };
        lines += 1;
        let raw = match line::parse_line(line) {
            Ok(r) => r,
            Err(p) => {
                let (reason, msg) = SkipReason::from_syntax(&p);
                problems.push((this_line, reason, msg));
                continue;
            }
        };
        match norm.normalize(raw, &ctx) {
            Outcome::Call(rec) => {
                let (day, hour) = norm.zone.local_day_hour(rec.ts_ms);
                if let Some(k) = &rec.dedupe_key {
                    keys.push((cols.len() as u32, this_line as u32, k.to_string()));
                }
                cols.push(&rec, day, hour, block.source, this_line as u32);
            }
            Outcome::NotACall => not_calls += 1,
            Outcome::Skip(reason, msg) => problems.push((this_line, reason, msg)),
        }
    }
    Ok(BlockResult {
        seq: block.seq,
        source: block.source,
        frame: cols.into_frame()?,
        keys,
        problems,
        lines,
        not_calls,
    })
}
