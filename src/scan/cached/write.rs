//! Writes an input's entry while its blocks are counted, so a run that fills the cache holds no
//! more memory than one without it.
//!
//! Each counted block's columns (with the entry's own codes), pricing inputs and dedupe keys join
//! the current segment; a full segment is written out as an Arrow IPC file of its own and
//! forgotten. The header needs every block's account and the dictionary of the codes used, so it
//! comes last, after the segments. Until the rename the entry is a temporary file: an input not
//! read to its end, or a failed write, leaves nothing behind.
//!
//! Measured on the 1 GB benchmark log: keeping every block for an entry written after the report
//! peaked at 2.2 GB (blocks' chunks with their capacity slack, 40-byte key tuples, pricing inputs,
//! then a joined copy of it all to encode); written as the blocks are counted, see README.

use super::{
    BlockMeta, Constant, Header, RateLimitMeta, Segment, BATCH_ROWS, KEY_A, KEY_B, KEY_KIND,
};
use crate::cache::{Identity, Store, FORMAT_VERSION, MAGIC};
use crate::ingest::ReadEnd;
use crate::normalize::columns::col_names;
use crate::normalize::columns::{pricing_input_names as pin, Dictionary};
use crate::normalize::dedupe::Key;
use crate::normalize::dimension::Dimension;
use crate::scan::compact;
use crate::scan::{Fingerprints, Parsed};
use anyhow::{anyhow, bail, Result};
use polars::prelude::*;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub(in crate::scan) struct EntryWriter {
    pub entry: PathBuf,
    id: Identity,
    tmp: PathBuf,
    out: Option<BufWriter<std::fs::File>>,
    /// Bytes written so far.
    at: u64,
    segments: Vec<Segment>,
    /// This run's code → the entry's (u32::MAX: not used yet); and the entry's → this run's.
    to_local: Vec<u32>,
    local: Vec<u32>,
    pending: Option<DataFrame>,
    metas: Vec<BlockMeta>,
    /// Time spent writing, for LLMLOG_TIMING.
    pub spent: Duration,
    /// Renamed into place.
    done: bool,
    /// Continues an entry whose segments were copied: its cached blocks are in already.
    continued: bool,
}

/// Segments an entry may have before its growth is written whole again (each is decoded on
/// its own, and small ones are copied together again when loaded).
const MAX_SEGMENTS: usize = 64;

impl EntryWriter {
    pub fn create(store: &Store, entry: PathBuf, id: Identity) -> Result<EntryWriter> {
        let tmp = store.temp_for(&entry)?;
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        out.write_all(MAGIC)?;
        Ok(EntryWriter {
            entry,
            id,
            tmp,
            out: Some(out),
            at: MAGIC.len() as u64,
            segments: Vec::new(),
            to_local: vec![0],
            local: vec![0],
            pending: None,
            metas: Vec::new(),
            spent: Duration::ZERO,
            done: false,
            continued: false,
        })
    }

    /// A writer for an input that grew: the old entry's segments are copied as they are (this
    /// run's load has just matched their checksums), its blocks' accounts and codes kept, and
    /// only the blocks parsed from the new bytes are added. Fails when the old entry is not the
    /// one planned.
    pub fn continuing(
        store: &Store,
        entry: PathBuf,
        id: Identity,
        old: &Header,
        stamp: u64,
        dict: &Dictionary,
    ) -> Result<EntryWriter> {
        let t0 = Instant::now();
        if old.segments.len() >= MAX_SEGMENTS {
            bail!("{} segments: written whole again", old.segments.len());
        }
        let mut w = EntryWriter::create(store, entry, id)?;
        let mut from = std::fs::File::open(&w.entry)?;
        // The entry at the path is still the one planned and loaded (another run may have
        // replaced it since): its header, which holds every segment's checksum, is the same.
        if super::read_header_from(&mut from)?.1 != stamp {
            bail!("the entry was replaced while this run read it");
        }
        let end = old
            .segments
            .last()
            .map_or(MAGIC.len() as u64, |s| s.offset + s.len);
        let out = w.out.as_mut().ok_or_else(|| anyhow!("entry closed"))?;
        out.flush()?;
        from.seek(SeekFrom::Start(MAGIC.len() as u64))?;
        // File to file: the kernel copies (copy_file_range), nothing passes through here.
        let copied = std::io::copy(&mut (&from).take(end - MAGIC.len() as u64), out.get_mut())?;
        if copied != end - MAGIC.len() as u64 {
            bail!("the entry ended early");
        }
        w.segments = old.segments.clone();
        w.at = end;
        for (i, name) in old.names.iter().enumerate().skip(1) {
            let g = dict.code(name) as usize;
            if g >= w.to_local.len() {
                w.to_local.resize(g + 1, u32::MAX);
            }
            w.to_local[g] = i as u32;
            w.local.push(g as u32);
        }
        w.metas = old.blocks.clone();
        w.continued = true;
        w.spent += t0.elapsed();
        Ok(w)
    }

    /// Adds one counted block (all its rows, before dedupe: the next run dedupes them again,
    /// possibly beside other inputs).
    pub fn add(&mut self, p: &Parsed) -> Result<()> {
        if self.continued && p.cached {
            return Ok(());
        }
        let t0 = Instant::now();
        let mut frame = p.frame.clone();
        for d in Dimension::TEXT {
            self.localize(&mut frame, d.column())?;
        }
        let mut inputs = p
            .pricing_inputs
            .clone()
            .ok_or_else(|| anyhow!("a block without its pricing inputs"))?;
        self.localize(&mut inputs, pin::PROVIDER_LOGGED)?;
        for c in inputs.columns() {
            frame.with_column(c.clone())?;
        }
        let n = frame.height();
        let (mut kind, mut a, mut b) = (vec![0u32; n], vec![0u64; n], vec![0u64; n]);
        for &(row, _, key, _) in &p.keys {
            let r = row as usize;
            match key {
                Key::Id { id, content } => (kind[r], a[r], b[r]) = (1, id, content),
                Key::Line { hash, .. } => (kind[r], a[r]) = (2, hash),
            }
        }
        frame.with_column(UInt32Chunked::from_vec(KEY_KIND.into(), kind).into_column())?;
        frame.with_column(UInt64Chunked::from_vec(KEY_A.into(), a).into_column())?;
        frame.with_column(UInt64Chunked::from_vec(KEY_B.into(), b).into_column())?;
        match &mut self.pending {
            None => self.pending = Some(frame),
            Some(f) => {
                f.vstack_mut_owned(frame)?;
            }
        }
        self.metas.push(BlockMeta::of(p));
        if self
            .pending
            .as_ref()
            .is_some_and(|f| f.height() >= BATCH_ROWS)
        {
            self.write_segment()?;
        }
        self.spent += t0.elapsed();
        Ok(())
    }

    /// Rewrites a code column in the entry's own codes (in order of first use).
    fn localize(&mut self, frame: &mut DataFrame, name: &str) -> Result<()> {
        let global = frame.column(name)?.u32()?;
        let mut v = Vec::with_capacity(global.len());
        for c in global.into_no_null_iter() {
            let i = c as usize;
            if i >= self.to_local.len() {
                self.to_local.resize(i + 1, u32::MAX);
            }
            if self.to_local[i] == u32::MAX {
                self.to_local[i] = self.local.len() as u32;
                self.local.push(c);
            }
            v.push(self.to_local[i]);
        }
        frame.replace(name, UInt32Chunked::from_vec(name.into(), v).into_column())?;
        Ok(())
    }

    fn write_segment(&mut self) -> Result<()> {
        let Some(mut seg) = self.pending.take() else {
            return Ok(());
        };
        if seg.height() == 0 && !self.segments.is_empty() {
            // Blocks without calls after the last segment: their accounts are in the header.
            return Ok(());
        }
        seg.rechunk_mut();
        // Constant columns go in the header (the time column stays: a segment keeps a column;
        // an empty segment keeps them all: "constant" means nothing without a row).
        let mut constants = Vec::new();
        for c in seg.columns().iter().filter(|_| seg.height() > 0) {
            if c.name() == col_names::TS_MS {
                continue;
            }
            let value = match c {
                // A cached block's constant, already a scalar.
                Column::Scalar(s) => Some(s.scalar().clone()),
                _ => compact::constant(c),
            };
            if let Some(k) = value.and_then(|v| Constant::of(c.name(), &v)) {
                constants.push(k);
            }
        }
        for k in &constants {
            seg.drop_in_place(&k.name)?;
        }
        let out = self.out.as_mut().ok_or_else(|| anyhow!("entry closed"))?;
        let mut sum = super::Summing {
            inner: &mut *out,
            crc: crc32fast::Hasher::new(),
            written: 0,
        };
        IpcWriter::new(&mut sum)
            .with_compression(None)
            .with_parallel(false)
            .finish(&mut seg)?;
        let (len, crc) = (sum.written, sum.crc.finalize());
        self.segments.push(Segment {
            offset: self.at,
            len,
            rows: seg.height() as u64,
            crc,
            constants,
        });
        self.at += len;
        Ok(())
    }

    /// Whether this entry continues its old one (copied segments), rather than written whole.
    pub fn continues(&self) -> bool {
        self.continued
    }

    /// Writes the last segment and the header, and renames the entry into place. Returns the
    /// time spent writing the entry.
    pub fn finish(
        mut self,
        fingerprint: Fingerprints,
        names: &[String],
        end: ReadEnd,
        tail: Option<&[u8]>,
    ) -> Result<Duration> {
        let t0 = Instant::now();
        self.write_segment()?;
        if self.segments.is_empty() {
            bail!("no blocks");
        }
        let local_names = self
            .local
            .iter()
            .enumerate()
            .map(|(i, &g)| match i {
                0 => Ok(String::new()),
                _ => names
                    .get(g as usize)
                    .cloned()
                    .ok_or_else(|| anyhow!("code {g} outside the dictionary")),
            })
            .collect::<Result<Vec<_>>>()?;
        let header = Header {
            version: FORMAT_VERSION,
            fingerprint: fingerprint.0,
            prices: fingerprint.1,
            identity: self.id,
            consumed: end.consumed,
            bytes: end.bytes,
            lines: end.lines,
            tail: tail.map(crate::cache::hash_bytes),
            names: local_names,
            blocks: std::mem::take(&mut self.metas),
            segments: std::mem::take(&mut self.segments),
        };
        let json = serde_json::to_vec(&header)?;
        let mut out = self.out.take().ok_or_else(|| anyhow!("entry closed"))?;
        out.write_all(&json)?;
        out.write_all(&(json.len() as u64).to_le_bytes())?;
        out.write_all(&u64::from(crc32fast::hash(&json)).to_le_bytes())?;
        // No fsync: after a crash a torn entry fails its checksums and is rebuilt.
        drop(out.into_inner().map_err(|e| e.into_error())?);
        std::fs::rename(&self.tmp, &self.entry)?;
        self.done = true;
        Ok(self.spent + t0.elapsed())
    }
}

impl Drop for EntryWriter {
    /// An entry not finished (input not read to its end, a failed write) leaves nothing behind.
    fn drop(&mut self) {
        if !self.done {
            drop(self.out.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl BlockMeta {
    fn of(p: &Parsed) -> BlockMeta {
        BlockMeta {
            height: p.frame.height(),
            lines: p.lines,
            file_timed: p.file_timed,
            problems: p
                .problems
                .iter()
                .map(|(l, r, m)| (*l, r.key().to_string(), m.clone()))
                .collect(),
            not_calls: p
                .not_calls
                .iter()
                .map(|(l, r)| (*l, r.to_string()))
                .collect(),
            replaced: p.replaced.clone(),
            rate_limits: p
                .rate_limits
                .iter()
                .map(|(t, s, r)| {
                    (
                        *t,
                        s.to_string(),
                        RateLimitMeta {
                            window: r.window.to_string(),
                            used_percent: r.used_percent,
                            window_minutes: r.window_minutes,
                            resets_at_ms: r.resets_at_ms,
                        },
                    )
                })
                .collect(),
            state: p.state.clone(),
        }
    }
}
