//! The one path from a line to a counted call, shared by every command:
//! blocks of lines (ingest) → shape adapters and normalization → dedupe → a `CallSink`.
//!
//! `Core` holds what must persist between a first scan and the lines that arrive after it
//! (`watch`): the dictionary of names, the file list, the deduper and the counts. A scan parses
//! blocks on every core and hands them to the sink in input order, so the first occurrence of a
//! duplicate, the examples and the output are the same on every run and thread count.

mod cached;
pub mod compact;
pub(crate) use cached::growable;
pub mod sink;

use crate::cache::Store;
use crate::ingest::{self, sources::Source, Block, ReadEnd};
use crate::normalize::columns::{Columns, Dictionary};
use crate::normalize::dedupe::{Deduper, Duplicates, Key, ReusedIds, EXAMPLES};
use crate::normalize::raw::{parse_into, RawCall};
use crate::normalize::record::{
    stable_hasher, LineContext, Normalizer, Outcome, RateLimit, SkipReason,
};
use crate::normalize::shapes::FileState;
use crate::normalize::timestamp::Zone;
pub use crate::normalize::Problem;
use crate::pricing::{PriceStep, Pricer};
use anyhow::Result;
pub use cached::describe as describe_entry;
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
    /// The incremental cache (None: `--no-cache`, or no cache directory).
    pub cache: Option<Store>,
    /// Per input (by index), where to start reading instead of its beginning: (byte offset of a
    /// line's start, that line's number). For `export`, which has sent the rest before.
    pub resume: &'a [Option<(u64, u64)>],
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
    /// Inputs read from the cache whole, and read on from where it ended.
    pub cache_hits: usize,
    pub cache_grown: usize,
    /// How each input ended (by input index; None: not read to its end), counted from where
    /// its read began.
    pub ends: Vec<Option<ReadEnd>>,
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
    /// The cache and the fingerprint of the settings its entries must match.
    cache: Option<(&'p Store, Fingerprints)>,
    cache_hits: usize,
    cache_grown: usize,
    /// Per input: where to start reading (see `ScanOptions::resume`).
    pub resume_from: Vec<Option<(u64, u64)>>,
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
    /// What each row was priced from, when the block is kept in the cache.
    pricing_inputs: Option<DataFrame>,
    /// Read from a cache entry (not parsed).
    cached: bool,
    /// Not a block: the mark the reader sends after an input's last block, with how its read
    /// ended (None: not to its end) and its last bytes, so its entry is finished right away.
    ended: Option<Box<InputEnd>>,
}

/// How an input's read ended (None: not to its end), and its last bytes.
type InputEnd = (Option<ReadEnd>, Option<Vec<u8>>);

impl Parsed {
    fn end_mark(seq: u64, source: u32, end: Option<ReadEnd>, tail: Option<Vec<u8>>) -> Parsed {
        Parsed {
            seq,
            source,
            frame: DataFrame::empty(),
            keys: Vec::new(),
            problems: Vec::new(),
            not_calls: Vec::new(),
            lines: 0,
            file_timed: 0,
            replaced: Vec::new(),
            rate_limits: Vec::new(),
            state: FileState::default(),
            pricing_inputs: None,
            cached: false,
            ended: Some(Box::new((end, tail))),
        }
    }
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
            cache: None,
            cache_hits: 0,
            cache_grown: 0,
            resume_from: Vec::new(),
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
        let plans: Vec<cached::Plan> = sources
            .iter()
            .map(|s| match self.cache {
                Some((store, fingerprint)) => cached::plan(store, s, fingerprint.0),
                None => cached::Plan::Off,
            })
            .collect();
        // The input (index) each code belongs to, for the entries to write.
        let mut input_of = vec![usize::MAX; self.files.len()];
        for (i, &c) in codes.iter().enumerate().rev() {
            input_of[c as usize] = i;
        }
        // Every cached input is kept for writing: a hit whose entry proves unreadable is rebuilt.
        let writes: Vec<bool> = plans
            .iter()
            .map(|p| !matches!(p, cached::Plan::Off))
            .collect();
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(1);
        let (block_tx, block_rx) = mpsc::sync_channel::<Block>(workers * 2);
        let block_rx = Mutex::new(block_rx);
        let (done_tx, done_rx) = mpsc::sync_channel::<PolarsResult<Parsed>>(workers * 2);
        let mut ends: Vec<Option<ReadEnd>> = vec![None; sources.len()];
        let mut tails: Vec<Option<Vec<u8>>> = vec![None; sources.len()];
        let mut from_cache: Vec<u8> = vec![0; sources.len()];
        let mut read_errors = Vec::new();
        let line_keys = self.dedupe_lines;
        let norm = self.normalizer();
        let (pricer, reprice, force_batch) = (self.pricer, self.reprice, self.force_batch);
        let store = self.cache.map(|c| c.0);
        let fingerprints = self.cache.map(|c| c.1).unwrap_or_default();
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
        let writes = &writes;
        let input_of = &input_of;
        let resume_from = &self.resume_from;
        // Entries are written as their blocks are counted: nothing is kept for them.
        let mut writers: Vec<Writing> = (0..sources.len()).map(|_| Writing::NotYet).collect();
        let mut finished = Finished::default();

        let buffers = &ingest::Buffers::default();
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
                    // An entry keeps line keys even for a single input: the next run may read
                    // it beside others.
                    let caching = input_of
                        .get(i)
                        .is_some_and(|&k| k != usize::MAX && writes[k]);
                    let family = (line_keys || caching).then(|| families[i]);
                    let step = PriceStep::new(pricer, reprice, force_batch);
                    let when = Times {
                        file: times.get(i).copied().flatten(),
                        batch: batch_time,
                    };
                    norm.state = FileState::default();
                    let r = parse_block(&block, &mut norm, dict, step, dir, family, when, caching);
                    buffers.give(block.bytes);
                    if tx.send(r).is_err() {
                        return;
                    }
                });
            }
            let cached_tx = done_tx.clone();
            drop(done_tx);
            let ends = &mut ends;
            let read_errors = &mut read_errors;
            let tails = &mut tails;
            let from_cache = &mut from_cache;
            let plans = &plans;
            s.spawn(move || {
                let mut seq = 0u64;
                for (i, src) in sources.iter().enumerate() {
                    let code = codes[i];
                    // Cached blocks first, through the same counting as parsed ones.
                    let mut resume = None;
                    let mut cached_end = None;
                    if let cached::Plan::Hit { entry, stamp, .. }
                    | cached::Plan::Grow { entry, stamp, .. } = &plans[i]
                    {
                        let family = families[code as usize];
                        let mut step = PriceStep::new(pricer, reprice, force_batch);
                        let fp = fingerprints;
                        // A grown entry is written again: it keeps every key.
                        let keys = line_keys || plans[i].resume_at().is_some();
                        let loaded = std::fs::File::open(entry)
                            .map_err(anyhow::Error::from)
                            .and_then(|f| {
                                cached::load(
                                    f,
                                    Some(*stamp),
                                    dict,
                                    code,
                                    family,
                                    &mut seq,
                                    fp.1,
                                    &mut step,
                                    keys,
                                )
                            });
                        match loaded {
                            Ok((blocks, end)) => {
                                for b in blocks {
                                    if cached_tx.send(Ok(b)).is_err() {
                                        return;
                                    }
                                }
                                cached_end = Some(end);
                                resume = plans[i].resume_at();
                                from_cache[i] = if resume.is_some() { 2 } else { 1 };
                            }
                            Err(e) => {
                                if let Some(st) = store {
                                    st.warn_unreadable(&src.display(), &format!("{e:#}"));
                                }
                            }
                        }
                    }
                    if from_cache[i] == 1 {
                        ends[i] = cached_end;
                        if cached_tx
                            .send(Ok(Parsed::end_mark(seq, code, None, None)))
                            .is_err()
                        {
                            return;
                        }
                        seq += 1;
                        continue;
                    }
                    if matches!(plans[i], cached::Plan::Off) {
                        resume = resume.or(resume_from.get(i).copied().flatten());
                    }
                    // The last bytes read, to recognize this input's growth next time: only
                    // while what was read is one contiguous run of lines.
                    let mut tail: Option<Vec<u8>> = match (writes[i], resume, src) {
                        (false, _, _) => None,
                        (true, None, _) => Some(Vec::new()),
                        (true, Some((at, _)), Source::File(p)) => crate::cache::read_before(p, at),
                        (true, Some(_), Source::Stdin) => None,
                    };
                    let mut send = |b: Block| {
                        if let Some(t) = &mut tail {
                            if b.long_lines.is_empty() {
                                t.extend_from_slice(&b.bytes[b.bytes.len().saturating_sub(4096)..]);
                                let cut = t.len().saturating_sub(4096);
                                t.drain(..cut);
                            } else {
                                tail = None;
                            }
                        }
                        block_tx.send(b).is_ok()
                    };
                    match ingest::read_blocks(
                        src,
                        code,
                        &mut seq,
                        whole_lines,
                        progress,
                        resume,
                        buffers,
                        &mut send,
                    ) {
                        Ok(end) => {
                            ends[i] = Some(match cached_end {
                                Some(c) => ReadEnd {
                                    bytes: c.bytes + end.bytes,
                                    consumed: c.consumed + end.consumed,
                                    lines: c.lines + end.lines,
                                },
                                None => end,
                            });
                            tails[i] = tail.clone();
                        }
                        Err(e) => read_errors.push(format!("{e:#}")),
                    }
                    let mark = Parsed::end_mark(seq, code, ends[i], tails[i].clone());
                    if cached_tx.send(Ok(mark)).is_err() {
                        return;
                    }
                    seq += 1;
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
                    if let Some(ended) = p.ended {
                        // The input's blocks are all counted: its entry is finished now, so
                        // one entry at a time is open (a file, a buffer, a segment).
                        let i = input_of
                            .get(p.source as usize)
                            .copied()
                            .unwrap_or(usize::MAX);
                        let (end, tail) = *ended;
                        if let (true, Some(end)) = (first_error.is_none(), end) {
                            if let Some(Writing::Open(w)) = writers.get_mut(i).map(std::mem::take) {
                                finished.finish(*w, fingerprints, &dict.names(), end, tail);
                            }
                        } else if let Some(w) = writers.get_mut(i) {
                            *w = Writing::Failed; // dropped: nothing left behind
                        }
                        continue;
                    }
                    if first_error.is_none() {
                        if let Some(s) = file_states.get_mut(p.source as usize) {
                            *s = p.state.clone();
                        }
                        if let Err(e) = count(counts, dedupe, files, dict, &p, line_keys, sink) {
                            first_error = Some(e);
                        }
                        let i = input_of
                            .get(p.source as usize)
                            .copied()
                            .unwrap_or(usize::MAX);
                        // A whole hit is not written again: its blocks (keys, pricing
                        // inputs) need not be kept.
                        let hit =
                            p.cached && matches!(plans.get(i), Some(cached::Plan::Hit { .. }));
                        if i != usize::MAX && writes[i] && !hit {
                            writers[i].add(&plans[i], store, dict, &p);
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
        let names = self.dict.names();
        let timing = std::env::var_os("LLMLOG_TIMING").is_some();
        for (i, plan) in plans.iter().enumerate() {
            match from_cache[i] {
                1 => self.cache_hits += 1,
                2 => self.cache_grown += 1,
                _ => {}
            }
            if from_cache[i] == 1 {
                if let (Some((store, _)), Some(entry)) = (self.cache, plan.entry()) {
                    store.touch(entry);
                }
                continue;
            }
            // An entry still open (its end mark did not reach it): finished here. Not read to
            // its end: nothing to keep (the writer's drop removes what it wrote).
            let (Some(end), Writing::Open(w)) = (ends[i], std::mem::take(&mut writers[i])) else {
                continue;
            };
            finished.finish(*w, fingerprints, &names, end, tails[i].take());
        }
        if let Some((store, _)) = self.cache {
            if timing && !finished.entries.is_empty() {
                eprintln!(
                    "timing: cache written in {:.3}s ({} entries, {} continued), while counting",
                    finished.time.as_secs_f64(),
                    finished.entries.len(),
                    finished.continued
                );
            }
            store.evict(&finished.entries);
        }
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
            false,
        )?;
        self.file_states[code as usize] = p.state.clone();
        count(
            &mut self.counts,
            &mut self.dedupe,
            &self.files,
            &self.dict,
            &p,
            self.dedupe_lines,
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

/// The entries a scan wrote, for eviction and LLMLOG_TIMING.
#[derive(Default)]
struct Finished {
    entries: Vec<std::path::PathBuf>,
    time: std::time::Duration,
    continued: usize,
}

impl Finished {
    /// Finishes an entry; one that cannot be made is a future miss, not an error.
    fn finish(
        &mut self,
        w: cached::EntryWriter,
        fingerprints: Fingerprints,
        names: &[String],
        end: ReadEnd,
        tail: Option<Vec<u8>>,
    ) {
        let entry = w.entry.clone();
        let continues = w.continues();
        if let Ok(spent) = w.finish(fingerprints, names, end, tail.as_deref()) {
            self.entries.push(entry);
            self.time += spent;
            self.continued += usize::from(continues);
        }
    }
}

/// Where an input's cache entry stands during a scan.
#[derive(Default)]
enum Writing {
    #[default]
    NotYet,
    Open(Box<cached::EntryWriter>),
    /// Could not be written (no entry this time).
    Failed,
}

impl Writing {
    /// Adds a counted block to the input's entry, opening it on the first block.
    /// A grown input whose entry loaded (its first block came from it) continues that entry;
    /// any other is written whole.
    fn add(&mut self, plan: &cached::Plan, store: Option<&Store>, dict: &Dictionary, p: &Parsed) {
        if let Writing::NotYet = self {
            *self = match (plan.entry(), plan.id(), store) {
                (Some(entry), Some(id), Some(store)) => {
                    let continued = match plan.grows() {
                        Some((old, stamp)) if p.cached => cached::EntryWriter::continuing(
                            store,
                            entry.into(),
                            id,
                            old,
                            stamp,
                            dict,
                        )
                        .ok(),
                        _ => None,
                    };
                    match continued.map(Ok).unwrap_or_else(|| {
                        cached::EntryWriter::create(store, entry.to_path_buf(), id)
                    }) {
                        Ok(w) => Writing::Open(Box::new(w)),
                        Err(_) => Writing::Failed,
                    }
                }
                _ => Writing::Failed,
            };
        }
        if let Writing::Open(w) = self {
            if w.add(p).is_err() {
                *self = Writing::Failed;
            }
        }
    }
}

/// Dedupe one parsed block, add up what it says, and hand its calls to the sink.
fn count(
    c: &mut Counts,
    dedupe: &mut Deduper,
    files: &[String],
    dict: &Dictionary,
    p: &Parsed,
    line_keys: bool,
    sink: &mut dyn CallSink,
) -> Result<()> {
    {
        c.lines += p.lines;
        c.file_timed += p.file_timed;
        if let Some(t) = &p.state.conversation_name {
            c.file_titles.entry(p.source).or_insert_with(|| t.clone());
        }
        for (ts, source, rl) in &p.rate_limits {
            let e = c
                .rate_limits
                .entry((source, rl.window))
                .or_insert((*ts, rl.clone()));
            if *ts >= e.0 {
                *e = (*ts, rl.clone());
            }
        }
        let file = |f: u32| files.get(f as usize).cloned().unwrap_or_default();
        for (line, reason, msg) in &p.problems {
            c.skipped.lines += 1;
            *c.skipped.by_reason.entry(reason.key()).or_default() += 1;
            if c.skipped.examples.len() < EXAMPLES {
                c.skipped.examples.push(Problem {
                    file: file(p.source),
                    line: *line,
                    reason: msg.clone(),
                });
            }
        }
        for &(line, reason) in &p.not_calls {
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
        let mut frame = p.frame.clone();
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
            for &(row, line, key, ts) in &p.keys {
                if !keep[row as usize] || (!line_keys && matches!(key, Key::Line { .. })) {
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
    core.resume_from = opts.resume.to_vec();
    let fingerprint = fingerprint(opts);
    core.cache = opts.cache.as_ref().map(|s| (s, fingerprint));
    let mut sink = FrameSink::joining(true);
    let ends = core.scan(sources, opts.progress, opts.whole_lines, &mut sink)?;
    let frame = match sink.finish(true)? {
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
        cache_hits: core.cache_hits,
        cache_grown: core.cache_grown,
        ends,
    })
}

/// What a cache entry was made with: (the settings that change what a line becomes: the zone
/// and --batch-time; the prices: database, override files' contents, --reprice, --batch). An
/// entry of other parse settings is parsed again; one of other prices is repriced from its tokens.
#[derive(Clone, Copy, Default)]
pub(crate) struct Fingerprints(u64, u64);

fn fingerprint(opts: &ScanOptions<'_>) -> Fingerprints {
    let parse = format!(
        "v{} tz={} batch_time={:?}",
        crate::cache::FORMAT_VERSION,
        opts.tz.name(),
        opts.batch_time_ms
    );
    let mut prices = format!(
        "pricing={} reprice={} batch={}",
        opts.pricer.label(),
        opts.reprice,
        opts.force_batch,
    );
    for f in &opts.pricer.overrides.files {
        let bytes = std::fs::read(f).unwrap_or_default();
        prices.push_str(&format!(" {f}={:x}", crate::cache::hash_bytes(&bytes)));
    }
    Fingerprints(
        crate::cache::hash_bytes(parse.as_bytes()),
        crate::cache::hash_bytes(prices.as_bytes()),
    )
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
    keep_pricing_inputs: bool,
) -> PolarsResult<Parsed> {
    let ctx = LineContext {
        project_dir,
        file_time_ms: when.file,
        batch_time_ms: when.batch,
    };
    // The caller sets `norm.state`: empty for a scan's block (stateful files are read in one
    // block), the file's state so far for lines appended later.
    let mut cols = Columns::new(dict, block.bytes.len() / 200, Some(pricing));
    if keep_pricing_inputs {
        cols = cols.keep_pricing_inputs();
    }
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
        let mut raw = RawCall::default();
        match parse_into(line, &mut raw) {
            Ok(()) => {}
            Err(p) => {
                let (reason, msg) = SkipReason::from_syntax(&p);
                problems.push((this_line, reason, msg));
                continue;
            }
        };
        match norm.normalize(&mut raw, &ctx) {
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
        if raw.borrowed_only {
            // Nothing in it owns memory: dropping would only check each slot (4% of the parse).
            std::mem::forget(raw);
        }
    }
    let (frame, pricing_inputs) = cols.into_frames()?;
    Ok(Parsed {
        cached: false,
        ended: None,
        seq: block.seq,
        source: block.source,
        frame,
        pricing_inputs,
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
