//! The one path from a line to a counted call, shared by every command:
//! blocks of lines (ingest) → shape adapters and normalization → dedupe → a `CallSink`.
//!
//! `Core` holds what must persist between a first scan and the lines that arrive after it
//! (`watch`): the dictionary of names, the file list, the deduper and the counts. A scan parses
//! blocks on every core and hands them to the sink in input order, so the first occurrence of a
//! duplicate, the examples and the output are the same on every run and thread count.

pub mod sink;

use crate::ingest::{self, sources::Source, Block, ReadEnd};
use crate::normalize::columns::{Columns, Dictionary};
use crate::normalize::dedupe::{Deduper, Duplicates, Key, ReusedIds, EXAMPLES};
use crate::normalize::raw::parse_line;
use crate::normalize::record::{
    stable_hasher, LineContext, Normalizer, Outcome, RateLimit, SkipReason,
};
use crate::normalize::shapes::FileState;
use crate::normalize::timestamp::Zone;
pub use crate::normalize::Problem;
use crate::pricing::{PriceStep, Pricer};
use anyhow::Result;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;
pub use sink::{CallSink, FrameSink};
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Mutex};

pub struct ScanOptions<'a> {
    pub tz: Tz,
    pub pricer: &'a Pricer,
    pub reprice: bool,
    /// Price every call at its batch rate.
    pub force_batch: bool,
    /// Bytes read so far, for a progress display.
    pub progress: Option<&'a AtomicU64>,
    /// Leave a last line without its newline unread (watch: a writer may be finishing it).
    pub whole_lines: bool,
    /// `--batch-time`: the time of batch results that carry none (default: their file's mtime).
    pub batch_time_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Skipped {
    /// Lines skipped as unusable (not counting duplicates or non-call lines).
    pub lines: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub examples: Vec<Problem>,
}

/// Lines that are not calls: a shape's own non-call lines, and lines naming nothing about a call.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NotCalls {
    pub count: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub examples: Vec<Problem>,
}

/// Everything counted so far, beside the calls themselves.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub bytes: u64,
    /// Non-blank lines read.
    pub lines: u64,
    pub calls: u64,
    pub skipped: Skipped,
    pub not_calls: NotCalls,
    pub duplicates: Duplicates,
    pub reused_ids: ReusedIds,
    /// Inputs that could not be read (to the end); what was read is kept.
    pub read_errors: Vec<String>,
    /// Calls without a time of their own (batch results), dated by their file (or --batch-time).
    pub file_timed: u64,
    /// The latest rate-limit reading per (source, window), with its time.
    pub rate_limits: BTreeMap<(&'static str, &'static str), (i64, RateLimit)>,
    /// Conversation titles a file gave on lines that are not calls (Claude Code's summary
    /// lines), by input file: the title of the conversation of that file's calls.
    pub file_titles: BTreeMap<u32, String>,
}

/// Everything read: the canonical frame plus an honest account of what was not used.
pub struct Scan {
    pub frame: DataFrame,
    /// Dictionary: dimension code → string (code 0 is "none").
    pub names: Vec<String>,
    pub files: Vec<String>,
    pub counts: Counts,
    /// What priced the calls without a logged cost (database version, override files).
    pub pricing_source: String,
    /// `--agents`: (agent, path) of every agent log location found.
    pub agent_roots: Vec<(String, String)>,
}

/// State shared by a scan and the passes after it.
pub struct Core<'p> {
    pub dict: Dictionary,
    pub files: Vec<String>,
    project_dirs: Vec<Option<String>>,
    /// Per input: a hash of its log family (`app.jsonl` for `app.jsonl.1`), so an id-less line
    /// counts once across rotated or shipped copies of one log, but twice in two different logs.
    families: Vec<u64>,
    /// Per input: its modification time, for batch results without times.
    file_times: Vec<Option<i64>>,
    /// Per input: what its lines have said so far (Codex's model, Gemini's session), so lines
    /// appended after the scan read like the rest of the file.
    file_states: Vec<FileState>,
    pub batch_time_ms: Option<i64>,
    dedupe: Deduper,
    pub counts: Counts,
    tz: Tz,
    pricer: &'p Pricer,
    reprice: bool,
    force_batch: bool,
    /// Hash id-less lines so a line repeated in another file counts once.
    pub dedupe_lines: bool,
}

/// One parsed block, before dedupe.
struct Parsed {
    seq: u64,
    source: u32,
    frame: DataFrame,
    /// (row, line, key, ts_ms) of every call with a dedupe key.
    keys: Vec<(u32, u32, Key, i64)>,
    problems: Vec<(u64, SkipReason, String)>,
    not_calls: Vec<(u64, &'static str)>,
    lines: u64,
    file_timed: u64,
    /// Rows replaced by a later copy of the same message (row, its line, the later line).
    replaced: Vec<(u32, u64, u64)>,
    /// (time, source, reading) of every rate-limit reading.
    rate_limits: Vec<(i64, &'static str, RateLimit)>,
    /// What the file's lines had said by the block's end (for lines appended later: watch).
    state: FileState,
}

impl<'p> Core<'p> {
    pub fn new(tz: Tz, pricer: &'p Pricer, reprice: bool, force_batch: bool) -> Core<'p> {
        Core {
            dict: Dictionary::new(),
            files: Vec::new(),
            project_dirs: Vec::new(),
            families: Vec::new(),
            file_times: Vec::new(),
            file_states: Vec::new(),
            batch_time_ms: None,
            dedupe: Deduper::default(),
            counts: Counts::default(),
            tz,
            pricer,
            reprice,
            force_batch,
            dedupe_lines: false,
        }
    }

    /// The code of an input (its index in `files`), adding it if new.
    pub fn file_code(&mut self, src: &Source) -> u32 {
        let name = src.display();
        if let Some(i) = self.files.iter().position(|f| *f == name) {
            return i as u32;
        }
        self.files.push(name);
        self.project_dirs.push(src.parent_name());
        self.families
            .push(stable_hasher().hash_one(src.family().as_bytes()));
        self.file_states.push(FileState::default());
        self.file_times.push(match src {
            Source::File(p) => std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64),
            Source::Stdin => None,
        });
        (self.files.len() - 1) as u32
    }

    fn normalizer(&self) -> Normalizer {
        Normalizer {
            zone: Zone::new(self.tz),
            naive_utc: false,
            state: Default::default(),
        }
    }

    fn price_step(&self) -> PriceStep<'p> {
        PriceStep::new(self.pricer, self.reprice, self.force_batch)
    }

    /// Reads every input on all cores and hands the calls to `sink` in input order. Returns how
    /// each input ended (for watch to continue from there).
    pub fn scan(
        &mut self,
        sources: &[Source],
        progress: Option<&AtomicU64>,
        whole_lines: bool,
        sink: &mut dyn CallSink,
    ) -> Result<Vec<Option<ReadEnd>>> {
        let codes: Vec<u32> = sources.iter().map(|s| self.file_code(s)).collect();
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(1);
        let (block_tx, block_rx) = mpsc::sync_channel::<Block>(workers * 2);
        let block_rx = Mutex::new(block_rx);
        let (done_tx, done_rx) = mpsc::sync_channel::<PolarsResult<Parsed>>(workers * 2);
        let mut ends: Vec<Option<ReadEnd>> = vec![None; sources.len()];
        let mut read_errors = Vec::new();
        let line_keys = self.dedupe_lines;
        let norm = self.normalizer();
        let (pricer, reprice, force_batch) = (self.pricer, self.reprice, self.force_batch);
        let Core {
            dict,
            files,
            project_dirs,
            families,
            file_times,
            file_states,
            dedupe,
            counts,
            ..
        } = self;
        let (dict, dirs, files, families, times) =
            (&*dict, &*project_dirs, &*files, &*families, &*file_times);
        let batch_time = self.batch_time_ms;

        let merged: Result<()> = std::thread::scope(|s| {
            for _ in 0..workers {
                let (rx, tx) = (&block_rx, done_tx.clone());
                let mut norm = Normalizer {
                    zone: norm.zone.clone(),
                    naive_utc: false,
                    state: Default::default(),
                };
                s.spawn(move || loop {
                    let block = match rx.lock().unwrap().recv() {
                        Ok(b) => b,
                        Err(_) => return,
                    };
                    let i = block.source as usize;
                    let dir = dirs.get(i).and_then(|d| d.as_deref());
                    let family = line_keys.then(|| families[i]);
                    let step = PriceStep::new(pricer, reprice, force_batch);
                    let when = Times {
                        file: times.get(i).copied().flatten(),
                        batch: batch_time,
                    };
                    norm.state = FileState::default();
                    let r = parse_block(&block, &mut norm, dict, step, dir, family, when);
                    if tx.send(r).is_err() {
                        return;
                    }
                });
            }
            drop(done_tx);
            let ends = &mut ends;
            let read_errors = &mut read_errors;
            s.spawn(move || {
                let mut seq = 0u64;
                for (i, src) in sources.iter().enumerate() {
                    let mut send = |b: Block| block_tx.send(b).is_ok();
                    match ingest::read_blocks(
                        src,
                        codes[i],
                        &mut seq,
                        whole_lines,
                        progress,
                        &mut send,
                    ) {
                        Ok(end) => ends[i] = Some(end),
                        Err(e) => read_errors.push(format!("{e:#}")),
                    }
                }
            });
            // Blocks finish out of order; they are counted in order.
            let mut pending: BTreeMap<u64, Parsed> = BTreeMap::new();
            let mut next = 0u64;
            let mut first_error: Option<anyhow::Error> = None;
            for r in done_rx {
                match r {
                    Ok(p) => {
                        pending.insert(p.seq, p);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e.into());
                    }
                }
                while let Some(p) = pending.remove(&next) {
                    next += 1;
                    if first_error.is_none() {
                        if let Some(s) = file_states.get_mut(p.source as usize) {
                            *s = p.state.clone();
                        }
                        if let Err(e) = count(counts, dedupe, files, dict, p, sink) {
                            first_error = Some(e);
                        }
                    }
                }
            }
            match first_error {
                Some(e) => Err(e),
                None => Ok(()),
            }
        });
        merged?;
        for e in ends.iter().flatten() {
            self.counts.bytes += e.bytes;
        }
        self.counts.read_errors.extend(read_errors);
        Ok(ends)
    }

    /// Normalizes lines that arrived after the scan (watch), through the same steps.
    pub fn feed(
        &mut self,
        src: &Source,
        first_line: u64,
        at_start: bool,
        bytes: &[u8],
        sink: &mut dyn CallSink,
    ) -> Result<()> {
        let code = self.file_code(src);
        let block = Block {
            seq: 0,
            source: code,
            first_line,
            at_start,
            bytes: bytes.to_vec(),
            long_lines: Vec::new(),
        };
        self.counts.bytes += bytes.len() as u64;
        let mut norm = self.normalizer();
        let dir = self.project_dirs[code as usize].clone();
        let family = self.dedupe_lines.then(|| self.families[code as usize]);
        let step = self.price_step();
        let when = Times {
            file: self.file_times[code as usize],
            batch: self.batch_time_ms,
        };
        norm.state = self.file_states[code as usize].clone();
        let p = parse_block(
            &block,
            &mut norm,
            &self.dict,
            step,
            dir.as_deref(),
            family,
            when,
        )?;
        self.file_states[code as usize] = p.state.clone();
        count(
            &mut self.counts,
            &mut self.dedupe,
            &self.files,
            &self.dict,
            p,
            sink,
        )
    }

    /// Watch keeps dedupe memory only for the windows it still counts.
    pub fn forget_before(&mut self, ts_ms: i64) {
        self.dedupe.forget_before(ts_ms);
    }

    pub fn dedupe_entries(&self) -> usize {
        self.dedupe.len()
    }
}

/// Dedupe one parsed block, add up what it says, and hand its calls to the sink.
fn count(
    c: &mut Counts,
    dedupe: &mut Deduper,
    files: &[String],
    dict: &Dictionary,
    p: Parsed,
    sink: &mut dyn CallSink,
) -> Result<()> {
    {
        c.lines += p.lines;
        c.file_timed += p.file_timed;
        if let Some(t) = &p.state.conversation_name {
            c.file_titles.entry(p.source).or_insert_with(|| t.clone());
        }
        for (ts, source, rl) in p.rate_limits {
            let e = c
                .rate_limits
                .entry((source, rl.window))
                .or_insert((ts, rl.clone()));
            if ts >= e.0 {
                *e = (ts, rl);
            }
        }
        let file = |f: u32| files.get(f as usize).cloned().unwrap_or_default();
        for (line, reason, msg) in p.problems {
            c.skipped.lines += 1;
            *c.skipped.by_reason.entry(reason.key()).or_default() += 1;
            if c.skipped.examples.len() < EXAMPLES {
                c.skipped.examples.push(Problem {
                    file: file(p.source),
                    line,
                    reason: msg,
                });
            }
        }
        for (line, reason) in p.not_calls {
            c.not_calls.count += 1;
            *c.not_calls.by_reason.entry(reason).or_default() += 1;
            if c.not_calls.examples.len() < EXAMPLES {
                c.not_calls.examples.push(Problem {
                    file: file(p.source),
                    line,
                    reason: not_call_text(reason).into(),
                });
            }
        }
        let mut frame = p.frame;
        if !p.keys.is_empty() {
            let mut keep = vec![true; frame.height()];
            let mut dropped = false;
            for &(row, line, later) in &p.replaced {
                keep[row as usize] = false;
                dropped = true;
                dedupe.duplicates.count += 1;
                if dedupe.duplicates.examples.len() < EXAMPLES {
                    dedupe.duplicates.examples.push(Problem {
                        file: file(p.source),
                        line,
                        reason: format!(
                            "replaced by a later copy of the same message at line {later}"
                        ),
                    });
                }
            }
            for (row, line, key, ts) in p.keys {
                if !keep[row as usize] {
                    continue;
                }
                if !dedupe.keep(key, p.source, line, ts, files) {
                    keep[row as usize] = false;
                    dropped = true;
                }
            }
            if dropped {
                let mask = BooleanChunked::from_slice("keep".into(), &keep);
                frame = frame.filter(&mask)?;
            }
        }
        c.duplicates = dedupe.duplicates.clone();
        c.reused_ids = dedupe.reused.clone();
        c.calls += frame.height() as u64;
        if frame.height() > 0 {
            sink.calls(frame, dict, files)?;
        }
        Ok(())
    }
}

/// What a not-a-call reason means, for the examples.
fn not_call_text(reason: &str) -> &'static str {
    match reason {
        crate::normalize::record::NO_CALL_FIELDS => {
            "no model, tokens, cost, latency or outcome: a log line that is not a call"
        }
        "claude_code.user_turn" => "Claude Code user turn or tool result (not an API call)",
        "claude_code.summary" => "Claude Code summary line (not an API call)",
        "claude_code.system" => "Claude Code system line (not an API call)",
        "claude_code.file_history_snapshot" => {
            "Claude Code file-history snapshot (not an API call)"
        }
        "claude_code.no_usage" => "Claude Code assistant line without usage (not an API call)",
        _ => "not an API call by its shape's rules",
    }
}

/// Reads everything once into one frame: what analyze, budget, check and dashboard query.
pub fn scan(sources: &[Source], opts: &ScanOptions<'_>) -> Result<Scan> {
    let mut core = Core::new(opts.tz, opts.pricer, opts.reprice, opts.force_batch);
    core.batch_time_ms = opts.batch_time_ms;
    core.dedupe_lines = sources.len() > 1;
    let mut sink = FrameSink::default();
    core.scan(sources, opts.progress, opts.whole_lines, &mut sink)?;
    let frame = match sink.frame {
        Some(f) => f,
        None => Columns::new(&core.dict, 0, None).into_frame()?,
    };
    Ok(Scan {
        frame,
        names: core.dict.names(),
        files: core.files,
        counts: core.counts,
        pricing_source: opts.pricer.label(),
        agent_roots: Vec::new(),
    })
}

/// The times a block's calls may need: its file's mtime and `--batch-time`.
#[derive(Clone, Copy)]
struct Times {
    file: Option<i64>,
    batch: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
fn parse_block<'d>(
    block: &Block,
    norm: &mut Normalizer,
    dict: &'d Dictionary,
    pricing: PriceStep<'d>,
    project_dir: Option<&str>,
    family: Option<u64>,
    when: Times,
) -> PolarsResult<Parsed> {
    let ctx = LineContext {
        project_dir,
        file_time_ms: when.file,
        batch_time_ms: when.batch,
    };
    // The caller sets `norm.state`: empty for a scan's block (stateful files are read in one
    // block), the file's state so far for lines appended later.
    let mut cols = Columns::new(dict, block.bytes.len() / 200, Some(pricing));
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    let mut not_calls = Vec::new();
    let mut lines = 0u64;
    let mut file_timed = 0u64;
    let mut replaced = Vec::new();
    let mut rate_limits = Vec::new();
    // Last-copy-wins shapes: request id → (row, line) of the copy seen last.
    let mut latest: std::collections::HashMap<u64, (u32, u64)> = Default::default();
    for &n in &block.long_lines {
        lines += 1;
        problems.push((
            n,
            SkipReason::LineTooLong,
            format!(
                "line longer than {} MB; skipped without reading it whole",
                ingest::MAX_LINE_BYTES >> 20
            ),
        ));
    }
    let hasher = stable_hasher();
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
        let Some(line) = ingest::content(raw_line, block.at_start && this_line == 1) else {
            continue;
        };
        lines += 1;
        let raw = match parse_line(line) {
            Ok(r) => r,
            Err(p) => {
                let (reason, msg) = SkipReason::from_syntax(&p);
                problems.push((this_line, reason, msg));
                continue;
            }
        };
        match norm.normalize(raw, &ctx) {
            Outcome::Call(rec) => {
                file_timed += u64::from(rec.timed_by_file);
                for rl in &rec.rate_limits {
                    rate_limits.push((rec.ts_ms, rec.source, rl.clone()));
                }
                let (day, hour) = norm.zone.local_day_hour(rec.ts_ms);
                let key = match &rec.dedupe_key {
                    Some(k) => Some(Key::Id {
                        id: hasher.hash_one(k.as_bytes()),
                        content: rec.content_hash,
                    }),
                    None => family.map(|family| Key::Line {
                        family,
                        hash: hasher.hash_one(line),
                    }),
                };
                let line32 = this_line.min(u32::MAX as u64) as u32;
                if let (true, Some(Key::Id { id, .. })) = (rec.last_wins, key) {
                    if let Some((row, line)) = latest.insert(id, (cols.len() as u32, this_line)) {
                        replaced.push((row, line, this_line));
                    }
                }
                if let Some(k) = key {
                    keys.push((cols.len() as u32, line32, k, rec.ts_ms));
                }
                cols.push(&rec, day, hour, block.source, line32);
            }
            Outcome::NotACall(reason) => not_calls.push((this_line, reason)),
            Outcome::Skip(reason, msg) => problems.push((this_line, reason, msg)),
        }
    }
    Ok(Parsed {
        seq: block.seq,
        source: block.source,
        frame: cols.into_frame()?,
        keys,
        problems,
        not_calls,
        lines,
        file_timed,
        replaced,
        rate_limits,
        state: std::mem::take(&mut norm.state),
    })
}
