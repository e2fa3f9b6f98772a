//! What the cache keeps of one input: its parsed blocks exactly as the scan made them (columns,
//! dedupe keys, skipped and non-call lines, file state), so a cached input goes through the same
//! dedupe and counting as a freshly parsed one and the numbers cannot differ.
//!
//! An entry is `MAGIC`; segments, each an uncompressed Arrow IPC file of up to `BATCH_ROWS` rows
//! of the blocks' columns (see README: LZ4 made loading three times slower); a JSON header
//! (identity, where the read ended, the dictionary of the entry's own codes, one record per block,
//! each segment's place, rows and CRC-32); the header's length and its CRC-32. The header comes
//! last because an entry is written while its blocks are counted (`write`). Arrow IPC has no
//! checksums of its own: without ours a flipped bit would be a wrong number.

mod write;
pub(super) use write::EntryWriter;

use super::Parsed;
use crate::cache::{self, Identity, Store, FORMAT_VERSION, MAGIC};
use crate::ingest::sources::Source;
use crate::ingest::ReadEnd;
use crate::normalize::columns::{col_names, pricing_input_names as pin, variant_of, Dictionary};
use crate::normalize::dedupe::Key;
use crate::normalize::dimension::Dimension;
use crate::normalize::record::{RateLimit, SkipReason};
use crate::normalize::shapes::FileState;
use crate::pricing::{PriceStep, PricingInputs};
use anyhow::{anyhow, bail, Context, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const KEY_KIND: &str = "__key_kind";
/// Rows per record batch of an entry.
const BATCH_ROWS: usize = 1 << 18;
const KEY_A: &str = "__key_a";
const KEY_B: &str = "__key_b";

#[derive(Serialize, Deserialize)]
pub(super) struct Header {
    version: u32,
    /// The settings that change what a line turns into (zone, --batch-time).
    fingerprint: u64,
    /// The prices the costs were computed with (database, overrides, --reprice, --batch).
    prices: u64,
    identity: Identity,
    /// Where the read ended: bytes taken (up to the last newline), bytes read, lines.
    consumed: u64,
    bytes: u64,
    lines: u64,
    /// Hash of the bytes just before `consumed`; None when the file cannot be read on from there.
    tail: Option<u64>,
    /// The entry's codes → names (code 0 is "").
    names: Vec<String>,
    blocks: Vec<BlockMeta>,
    /// The columns, in row order.
    segments: Vec<Segment>,
}

/// Where one segment of columns lies in the entry.
#[derive(Clone, Serialize, Deserialize)]
struct Segment {
    offset: u64,
    len: u64,
    rows: u64,
    crc: u32,
    /// Columns of one value on every row of the segment, kept here instead of in the columns.
    constants: Vec<Constant>,
}

/// A column of one value (see `scan::compact`).
#[derive(Clone, Serialize, Deserialize)]
struct Constant {
    name: String,
    value: ConstantValue,
}

#[derive(Clone, Serialize, Deserialize)]
enum ConstantValue {
    /// All null, of this type ("u32", "f64", …).
    Null(String),
    U32(u32),
    I32(i32),
    I64(i64),
    Bool(bool),
}

impl Constant {
    fn of(name: &str, s: &Scalar) -> Option<Constant> {
        let value = match (s.dtype(), s.value()) {
            (DataType::UInt32, AnyValue::UInt32(v)) => ConstantValue::U32(*v),
            (DataType::Int32, AnyValue::Int32(v)) => ConstantValue::I32(*v),
            (DataType::Int64, AnyValue::Int64(v)) => ConstantValue::I64(*v),
            (DataType::Boolean, AnyValue::Boolean(v)) => ConstantValue::Bool(*v),
            (t, AnyValue::Null) => ConstantValue::Null(dtype_name(t)?.into()),
            _ => return None,
        };
        Some(Constant {
            name: name.into(),
            value,
        })
    }

    fn column(&self, rows: usize) -> Result<Column> {
        let scalar = match &self.value {
            ConstantValue::Null(t) => Scalar::new(dtype_of(t)?, AnyValue::Null),
            ConstantValue::U32(v) => Scalar::new(DataType::UInt32, AnyValue::UInt32(*v)),
            ConstantValue::I32(v) => Scalar::new(DataType::Int32, AnyValue::Int32(*v)),
            ConstantValue::I64(v) => Scalar::new(DataType::Int64, AnyValue::Int64(*v)),
            ConstantValue::Bool(v) => Scalar::new(DataType::Boolean, AnyValue::Boolean(*v)),
        };
        Ok(Column::new_scalar(self.name.as_str().into(), scalar, rows))
    }
}

const DTYPES: [(&str, DataType); 6] = [
    ("u32", DataType::UInt32),
    ("u64", DataType::UInt64),
    ("i32", DataType::Int32),
    ("i64", DataType::Int64),
    ("f64", DataType::Float64),
    ("bool", DataType::Boolean),
];

fn dtype_name(t: &DataType) -> Option<&'static str> {
    DTYPES.iter().find(|(_, d)| d == t).map(|(n, _)| *n)
}

fn dtype_of(name: &str) -> Result<DataType> {
    DTYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| d.clone())
        .ok_or_else(|| anyhow!("a constant of type '{name}'"))
}

/// Every column of an entry, in the order the writer puts them: the frame's, the pricing
/// inputs, the dedupe keys.
fn entry_columns(dict: &Dictionary) -> Result<Vec<PlSmallStr>> {
    let mut names: Vec<PlSmallStr> = crate::normalize::columns::Columns::new(dict, 0, None)
        .into_frame()?
        .get_column_names_owned();
    for n in [
        pin::LOGGED_COST,
        pin::VARIANT,
        pin::CACHE_WRITE_1H,
        pin::PROVIDER_LOGGED,
        KEY_KIND,
        KEY_A,
        KEY_B,
    ] {
        names.push(n.into());
    }
    Ok(names)
}

#[derive(Clone, Serialize, Deserialize)]
struct BlockMeta {
    height: usize,
    lines: u64,
    file_timed: u64,
    problems: Vec<(u64, String, String)>,
    not_calls: Vec<(u64, String)>,
    replaced: Vec<(u32, u64, u64)>,
    rate_limits: Vec<(i64, String, RateLimitMeta)>,
    state: FileState,
}

#[derive(Clone, Serialize, Deserialize)]
struct RateLimitMeta {
    window: String,
    used_percent: f64,
    window_minutes: Option<f64>,
    resets_at_ms: Option<i64>,
}

/// What to do with one input.
pub(super) enum Plan {
    /// Not cached (standard input, or no cache).
    Off,
    /// Parse it all and write an entry.
    Fresh { entry: PathBuf, id: Identity },
    /// The entry covers the input as it is. `stamp` is a hash of the header the plan was made
    /// from: an entry another run replaced meanwhile is not read as this one.
    Hit {
        entry: PathBuf,
        id: Identity,
        stamp: u64,
    },
    /// The entry covers the input's start; parse from `header.consumed` on.
    Grow {
        entry: PathBuf,
        id: Identity,
        header: Box<Header>,
        stamp: u64,
    },
}

impl Plan {
    /// The header (and its stamp) of the entry a grown input continues.
    pub(super) fn grows(&self) -> Option<(&Header, u64)> {
        match self {
            Plan::Grow { header, stamp, .. } => Some((header, *stamp)),
            _ => None,
        }
    }

    /// The entry's path (None: not cached).
    pub(super) fn entry(&self) -> Option<&Path> {
        match self {
            Plan::Off => None,
            Plan::Fresh { entry, .. } | Plan::Hit { entry, .. } | Plan::Grow { entry, .. } => {
                Some(entry)
            }
        }
    }

    /// The identity the input had when the plan was made.
    pub(super) fn id(&self) -> Option<Identity> {
        match self {
            Plan::Off => None,
            Plan::Fresh { id, .. } | Plan::Hit { id, .. } | Plan::Grow { id, .. } => Some(*id),
        }
    }

    /// Where a partial read starts: (byte offset, its line number).
    pub(super) fn resume_at(&self) -> Option<(u64, u64)> {
        match self {
            Plan::Grow { header, .. } => Some((header.consumed, header.lines + 1)),
            _ => None,
        }
    }
}

/// Whether an input's later bytes can be read on their own: plain JSON lines whose lines do not
/// depend on earlier ones (not gzip, not a whole JSON document, not a database, not a Codex or
/// Gemini session).
pub(crate) fn growable(src: &Source, p: &Path) -> bool {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    let db = p.file_name().is_some_and(|n| n == "logs.db") || ext == "db";
    !src.is_gzip() && !src.sequential() && ext != "json" && !db
}

pub(super) fn plan(store: &Store, src: &Source, fingerprint: u64) -> Plan {
    let Source::File(p) = src else {
        return Plan::Off;
    };
    // Small files are cheaper to parse than to look up: not even identified.
    if std::fs::metadata(p).map_or(true, |m| m.len() < store.min_bytes) {
        return Plan::Off;
    }
    let Some(id) = cache::identify(p) else {
        return Plan::Off;
    };
    let entry = store.entry_path(p);
    let mut data = match std::fs::File::open(&entry) {
        Ok(d) => d,
        Err(_) => return Plan::Fresh { entry, id },
    };
    let (header, stamp) = match read_header_from(&mut data) {
        Ok((h, stamp)) => (h, stamp),
        Err(e) => {
            store.warn_unreadable(&src.display(), &format!("{e:#}"));
            return Plan::Fresh { entry, id };
        }
    };
    let h = &header.identity;
    let same_file = header.version == FORMAT_VERSION
        && header.fingerprint == fingerprint
        && h.dev == id.dev
        && h.ino == id.ino
        && cache::probe(p, 0, cache::head_len(h.size)) == Some(h.head);
    if !same_file {
        return Plan::Fresh { entry, id };
    }
    // Unchanged: the same size and time (and, for a plain file, read to its end).
    let whole = !growable(src, p) || header.consumed == h.size;
    if id.size == h.size && id.mtime_ns == h.mtime_ns && whole {
        return Plan::Hit { entry, id, stamp };
    }
    let grows = growable(src, p)
        && id.size > header.consumed
        && header.tail.is_some()
        && cache::probe_before(p, header.consumed) == header.tail.map(|t| (t, true));
    if grows {
        return Plan::Grow {
            entry,
            id,
            header: Box::new(header),
            stamp,
        };
    }
    Plan::Fresh { entry, id }
}

/// The header and a hash of it (the header's own checksum is checked, and that its segments
/// tile the bytes between the magic and the header exactly: no byte of an entry goes unchecked).
fn read_header_from<R: Read + Seek>(r: &mut R) -> Result<(Header, u64)> {
    let size = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut magic = [0u8; 8];
    if size < 24 || r.read_exact(&mut magic).is_err() || magic[..7] != MAGIC[..7] {
        bail!("not an llmlog cache entry");
    }
    if magic != *MAGIC {
        bail!("made by another version of llmlog");
    }
    r.seek(SeekFrom::End(-16))?;
    let mut trailer = [0u8; 16];
    r.read_exact(&mut trailer)?;
    let len = u64::from_le_bytes(trailer[..8].try_into().unwrap());
    let crc = u64::from_le_bytes(trailer[8..].try_into().unwrap());
    let start = size
        .checked_sub(16)
        .and_then(|s| s.checked_sub(len))
        .filter(|&s| s >= 8)
        .ok_or_else(|| anyhow!("truncated header"))?;
    r.seek(SeekFrom::Start(start))?;
    let mut json = vec![0u8; len as usize];
    r.read_exact(&mut json)?;
    if u64::from(crc32fast::hash(&json)) != crc {
        bail!("checksum mismatch (header)");
    }
    let header: Header = serde_json::from_slice(&json).context("header")?;
    let mut at = MAGIC.len() as u64;
    for s in &header.segments {
        if s.offset != at {
            bail!("segments out of place");
        }
        at = at
            .checked_add(s.len)
            .ok_or_else(|| anyhow!("segment length"))?;
    }
    if at != start {
        bail!("segments out of place");
    }
    Ok((header, cache::hash_bytes(&json)))
}

/// The entry's columns, segment by segment: each read whole into one buffer reused for every
/// segment (fresh memory is the slow part of a load on this kind of machine), its checksum
/// matched, then decoded.
fn read_columns<R: Read + Seek>(
    r: &mut R,
    header: &Header,
    order: &[PlSmallStr],
) -> Result<DataFrame> {
    let mut frame: Option<DataFrame> = None;
    let mut buf = Vec::new();
    for s in &header.segments {
        r.seek(SeekFrom::Start(s.offset))?;
        buf.resize(s.len as usize, 0);
        r.read_exact(&mut buf)?;
        if crc32fast::hash(&buf) != s.crc {
            bail!("checksum mismatch");
        }
        // polars' IPC reader trusts its input and can panic on a malformed file; the checksum
        // keeps accidents out, and this keeps a crafted entry a miss rather than a crash.
        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            IpcReader::new(std::io::Cursor::new(&buf[..])).finish()
        }));
        let mut part = match decoded {
            Ok(r) => r.map_err(|e| anyhow!("columns: {e}"))?,
            Err(_) => bail!("malformed columns"),
        };
        if part.height() as u64 != s.rows {
            bail!("a segment of {} rows for {}", part.height(), s.rows);
        }
        for c in &s.constants {
            if part.column(&c.name).is_ok() {
                bail!("column {} twice", c.name);
            }
            part.with_column(c.column(s.rows as usize)?)?;
        }
        let part = part.select(order.iter().cloned())?;
        frame = Some(match frame {
            None => part,
            Some(f) => crate::scan::compact::stack(f, part)?,
        });
    }
    frame.ok_or_else(|| anyhow!("no columns"))
}

/// Passes bytes on and keeps the CRC-32 and the count of what went through.
struct Summing<W: std::io::Write> {
    inner: W,
    crc: crc32fast::Hasher,
    written: u64,
}

impl<W: std::io::Write> std::io::Write for Summing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The cached blocks of an input as the scan's parsed blocks: codes mapped into this run's
/// dictionary, rows marked as from `source`, dedupe keys rebuilt (line keys with `family`).
#[allow(clippy::too_many_arguments)]
pub(super) fn load<R: Read + Seek>(
    mut data: R,
    stamp: Option<u64>,
    dict: &Dictionary,
    source: u32,
    family: u64,
    seq: &mut u64,
    prices: u64,
    step: &mut PriceStep<'_>,
    line_keys: bool,
) -> Result<(Vec<Parsed>, ReadEnd)> {
    let (header, now) = read_header_from(&mut data)?;
    if stamp.is_some_and(|s| s != now) {
        bail!("the entry was replaced while this run read it");
    }
    let mut frame = read_columns(&mut data, &header, &entry_columns(dict)?)?;
    let expected = crate::normalize::columns::Columns::new(dict, 0, None).into_frame()?;
    let total: usize = header.blocks.iter().map(|b| b.height).sum();
    if frame.height() != total {
        bail!("{} rows for blocks of {total}", frame.height());
    }
    let kind = take_u32(&mut frame, KEY_KIND)?;
    let a = take_u64(&mut frame, KEY_A)?;
    let b = take_u64(&mut frame, KEY_B)?;
    let mut inputs = DataFrame::empty();
    for name in [
        pin::LOGGED_COST,
        pin::VARIANT,
        pin::CACHE_WRITE_1H,
        pin::PROVIDER_LOGGED,
    ] {
        inputs.with_column(frame.drop_in_place(name)?)?;
    }
    if frame.schema() != expected.schema() {
        bail!("columns of another layout");
    }
    // Local codes → this run's codes.
    let to_global: Vec<u32> = header
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| if i == 0 { 0 } else { dict.code(n) })
        .collect();
    // The first input of a run usually gets its own codes back: nothing to map.
    let identity = to_global.iter().enumerate().all(|(i, &g)| g == i as u32);
    let global = |c: u32| {
        to_global
            .get(c as usize)
            .copied()
            .ok_or_else(|| anyhow!("code {c} outside the entry's dictionary"))
    };
    for d in Dimension::TEXT {
        let name = d.column();
        let mapped = map_codes(frame.column(name)?, identity, &global)?;
        if let Some(c) = mapped {
            frame.replace(name, c)?;
        }
    }
    if let Some(c) = map_codes(inputs.column(pin::PROVIDER_LOGGED)?, identity, &global)? {
        inputs.replace(pin::PROVIDER_LOGGED, c)?;
    }
    if header.prices != prices {
        let names: std::collections::HashMap<u32, &str> = to_global
            .iter()
            .zip(&header.names)
            .map(|(&g, n)| (g, n.as_str()))
            .collect();
        reprice(&mut frame, &inputs, &names, dict, step)?;
    }
    let height = frame.height();
    frame.replace(
        col_names::FILE,
        Column::new_scalar(
            col_names::FILE.into(),
            Scalar::new(DataType::UInt32, AnyValue::UInt32(source)),
            height,
        ),
    )?;
    let lines = u32_values(frame.column(col_names::LINE)?)?;
    let ts: Vec<i64> = frame
        .column(col_names::TS_MS)?
        .i64()?
        .into_no_null_iter()
        .collect();
    // The blocks of a segment are counted as one: the sink keeps a large one-chunk frame as it
    // is, where block-sized slices would be copied together again. A block with file state
    // (a conversation's title, a session's model) ends its group, so the first title and the
    // last state are those of the blocks one by one.
    let mut ends_at = Vec::with_capacity(header.segments.len());
    let mut rows = 0usize;
    for s in &header.segments {
        rows += s.rows as usize;
        ends_at.push(rows);
    }
    let mut out = Vec::new();
    let mut offset = 0usize;
    // The open group and its first row.
    let mut group: Option<Parsed> = None;
    let mut start = 0usize;
    let n_blocks = header.blocks.len();
    for (bi, m) in header.blocks.into_iter().enumerate() {
        if group.is_none() {
            start = offset;
        }
        let g = group.get_or_insert_with(|| Parsed {
            cached: true,
            ended: None,
            seq: 0,
            source,
            frame: DataFrame::empty(),
            pricing_inputs: None,
            keys: Vec::new(),
            problems: Vec::new(),
            not_calls: Vec::new(),
            lines: 0,
            file_timed: 0,
            replaced: Vec::new(),
            rate_limits: Vec::new(),
            state: FileState::default(),
        });
        for row in offset..offset + m.height {
            let key = match kind[row] {
                0 => continue,
                1 => Key::Id {
                    id: a[row],
                    content: b[row],
                },
                2 if !line_keys => continue,
                2 => Key::Line {
                    family,
                    hash: a[row],
                },
                k => bail!("key kind {k}"),
            };
            g.keys
                .push(((row - start) as u32, lines[row], key, ts[row]));
        }
        for (line, reason, msg) in m.problems {
            let r =
                SkipReason::from_key(&reason).ok_or_else(|| anyhow!("skip reason '{reason}'"))?;
            g.problems.push((line, r, msg));
        }
        g.not_calls
            .extend(m.not_calls.into_iter().map(|(l, r)| (l, intern(&r))));
        g.lines += m.lines;
        g.file_timed += m.file_timed;
        let shift = (offset - start) as u32;
        for (row, line, later) in m.replaced {
            let row = row
                .checked_add(shift)
                .filter(|&r| (r as usize) < offset - start + m.height)
                .ok_or_else(|| anyhow!("a replaced row outside its block"))?;
            g.replaced.push((row, line, later));
        }
        g.rate_limits
            .extend(m.rate_limits.into_iter().map(|(t, s, r)| {
                (
                    t,
                    intern(&s),
                    RateLimit {
                        window: intern(&r.window),
                        used_percent: r.used_percent,
                        window_minutes: r.window_minutes,
                        resets_at_ms: r.resets_at_ms,
                    },
                )
            }));
        let stateful = m.state != FileState::default();
        g.state = m.state;
        offset += m.height;
        let segment_end = ends_at.contains(&offset);
        if stateful || segment_end || bi + 1 == n_blocks {
            let mut g = group.take().expect("a group is open");
            let height = offset - start;
            g.frame = frame.slice(start as i64, height);
            g.pricing_inputs = Some(inputs.slice(start as i64, height));
            g.seq = *seq;
            *seq += 1;
            out.push(g);
        }
    }
    let end = ReadEnd {
        bytes: header.bytes,
        consumed: header.consumed,
        lines: header.lines,
    };
    Ok((out, end))
}

/// Prices cached calls again from their tokens, as the scan would have with these prices: the
/// cost, whether it came from the rates, the list price, and the provider the rates imply.
fn reprice(
    frame: &mut DataFrame,
    inputs: &DataFrame,
    names: &std::collections::HashMap<u32, &str>,
    dict: &Dictionary,
    step: &mut PriceStep<'_>,
) -> Result<()> {
    let u32s = |f: &DataFrame, n: &str| -> Result<Vec<u32>> { u32_values(f.column(n)?) };
    let model = u32s(frame, col_names::MODEL)?;
    let input = u32s(frame, col_names::INPUT_TOKENS)?;
    let output = u32s(frame, col_names::OUTPUT_TOKENS)?;
    let cached = u32s(frame, col_names::CACHED_TOKENS)?;
    let cache_write = u32s(frame, col_names::CACHE_WRITE_TOKENS)?;
    let reasoning = u32s(frame, col_names::REASONING_TOKENS)?;
    let ts: Vec<i64> = frame
        .column(col_names::TS_MS)?
        .i64()?
        .into_no_null_iter()
        .collect();
    let provider_logged = u32s(inputs, pin::PROVIDER_LOGGED)?;
    let variant = u32s(inputs, pin::VARIANT)?;
    let cw1h = u32s(inputs, pin::CACHE_WRITE_1H)?;
    let logged: Vec<Option<f64>> = inputs.column(pin::LOGGED_COST)?.f64()?.iter().collect();
    let n = frame.height();
    let (mut cost, mut priced, mut list, mut provider) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let name = |c: u32| (c != 0).then(|| names.get(&c).copied()).flatten();
    let mut provider_of: std::collections::HashMap<Option<String>, u32> = Default::default();
    for i in 0..n {
        let call = PricingInputs {
            model: name(model[i]),
            provider: name(provider_logged[i]),
            ts_ms: ts[i],
            variant: variant_of(variant[i]).ok_or_else(|| anyhow!("price list {}", variant[i]))?,
            logged_cost: logged[i],
            tokens: crate::pricing::card::Tokens {
                input: input[i].into(),
                cache_read: cached[i].into(),
                cache_write: cache_write[i].into(),
                cache_write_1h: cw1h[i].into(),
                output: output[i].into(),
                reasoning: reasoning[i].into(),
            },
        };
        let p = step.price_inputs(&call, model[i], provider_logged[i]);
        let mut prov = provider_logged[i];
        if prov == 0 {
            if let Some(rates) = &p.rates {
                let key = rates.provider.clone();
                prov = *provider_of
                    .entry(key)
                    .or_insert_with(|| rates.provider.as_deref().map_or(0, |s| dict.code(s)));
            }
        }
        cost.push(p.cost);
        priced.push(p.from_rates);
        list.push(p.list);
        provider.push(prov);
    }
    frame.replace(
        col_names::COST,
        Float64Chunked::from_iter_options(col_names::COST.into(), cost.into_iter()).into_column(),
    )?;
    frame.replace(
        col_names::PRICED,
        BooleanChunked::from_slice(col_names::PRICED.into(), &priced).into_column(),
    )?;
    frame.replace(
        col_names::LIST_COST,
        Float64Chunked::from_iter_options(col_names::LIST_COST.into(), list.into_iter())
            .into_column(),
    )?;
    frame.replace(
        col_names::PROVIDER,
        UInt32Chunked::from_vec(col_names::PROVIDER.into(), provider).into_column(),
    )?;
    Ok(())
}

fn take_u32(frame: &mut DataFrame, name: &str) -> Result<Vec<u32>> {
    u32_values(&frame.drop_in_place(name)?)
}

/// A u32 column's values; a scalar column's without materializing it in place (which would
/// keep a full column in the frame for the rest of the run).
fn u32_values(c: &Column) -> Result<Vec<u32>> {
    match c {
        Column::Scalar(s) => match s.scalar().value() {
            AnyValue::UInt32(v) => Ok(vec![*v; s.len()]),
            v => bail!("{} holds {v}", c.name()),
        },
        _ => Ok(c.u32()?.into_no_null_iter().collect()),
    }
}

/// A code column in this run's codes, when it needs mapping (None: already is; a scalar
/// column stays a scalar). Every code is checked to be one of the entry's.
fn map_codes(
    c: &Column,
    identity: bool,
    global: &dyn Fn(u32) -> Result<u32>,
) -> Result<Option<Column>> {
    if let Column::Scalar(s) = c {
        let AnyValue::UInt32(v) = s.scalar().value() else {
            bail!("{} holds {}", c.name(), s.scalar().value());
        };
        let g = global(*v)?;
        return Ok((!identity).then(|| {
            Column::new_scalar(
                c.name().clone(),
                Scalar::new(DataType::UInt32, AnyValue::UInt32(g)),
                s.len(),
            )
        }));
    }
    let ca = c.u32()?;
    if identity {
        if let Some(m) = ca.max() {
            global(m)?;
        }
        return Ok(None);
    }
    let mut v = Vec::with_capacity(ca.len());
    for code in ca.into_no_null_iter() {
        v.push(global(code)?);
    }
    Ok(Some(
        UInt32Chunked::from_vec(c.name().clone(), v).into_column(),
    ))
}

fn take_u64(frame: &mut DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = frame.drop_in_place(name)?;
    Ok(c.u64()?.into_no_null_iter().collect())
}

/// Reasons and windows are a handful of fixed strings; the cache gives them back as such.
fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN.get_or_init(Default::default).lock().unwrap();
    if let Some(&s) = seen.get(s) {
        return s;
    }
    let s: &'static str = Box::leak(s.to_owned().into_boxed_str());
    seen.insert(s);
    s
}

/// What an entry covers, from its header alone (for `llmlog cache info`): input bytes, lines,
/// calls.
pub fn describe(path: &Path) -> Result<(u64, u64, usize)> {
    let (h, _) = read_header_from(&mut std::fs::File::open(path)?)?;
    Ok((h.consumed, h.lines, h.blocks.iter().map(|b| b.height).sum()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{database::Database, overrides::Overrides, Pricer};
    use proptest::prelude::*;

    fn pricer() -> Pricer {
        Pricer::new(Overrides::default(), Database::bundled())
    }

    /// The entry a scan of a small log writes.
    fn entry() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.jsonl");
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!(
                "{{\"timestamp\":\"2026-11-10T10:{:02}:00Z\",\"model\":\"gpt-4o\",\"user\":\"u{}\",\"input_tokens\":{},\"output_tokens\":5}}\n",
                i, i % 7, 100 + i
            ));
        }
        text.push_str("not json\n");
        std::fs::write(&log, text).unwrap();
        let store = Store::from_dir(dir.path().join("cache"), 1 << 30, 0);
        let pricer = pricer();
        let opts = super::super::ScanOptions {
            tz: chrono_tz::UTC,
            pricer: &pricer,
            reprice: false,
            force_batch: false,
            progress: None,
            whole_lines: false,
            batch_time_ms: None,
            resume: &[],
            cache: Some(store),
        };
        let scan = super::super::scan(&[Source::File(log)], &opts).unwrap();
        assert_eq!(scan.frame.height(), 50);
        drop(scan);
        let e = std::fs::read_dir(dir.path().join("cache"))
            .unwrap()
            .flatten()
            .find(|e| e.path().extension().is_some_and(|x| x == "llmc"))
            .unwrap();
        std::fs::read(e.path()).unwrap()
    }

    fn try_load(data: &[u8], prices: u64) -> Result<usize> {
        let pricer = pricer();
        let mut step = PriceStep::new(&pricer, false, false);
        let dict = Dictionary::new();
        let (blocks, _) = load(
            std::io::Cursor::new(data),
            None,
            &dict,
            0,
            7,
            &mut 0,
            prices,
            &mut step,
            true,
        )?;
        Ok(blocks.iter().map(|b| b.frame.height()).sum())
    }

    #[test]
    fn an_entry_loads_back_with_its_calls_and_reprices() {
        let e = entry();
        let (h, _) = read_header_from(&mut std::io::Cursor::new(&e)).unwrap();
        assert!(h.segments.len() == 1 && h.segments[0].rows == 50);
        assert_eq!(try_load(&e, h.prices).unwrap(), 50);
        assert_eq!(try_load(&e, h.prices ^ 1).unwrap(), 50, "repriced");
        assert_eq!(h.blocks.iter().map(|b| b.problems.len()).sum::<usize>(), 1);
        // An entry replaced after the plan read its header is not read as the planned one.
        let (_, stamp) = read_header_from(&mut std::io::Cursor::new(&e)).unwrap();
        let pricer = pricer();
        let mut step = PriceStep::new(&pricer, false, false);
        let dict = Dictionary::new();
        let other = load(
            std::io::Cursor::new(&e),
            Some(stamp ^ 1),
            &dict,
            0,
            7,
            &mut 0,
            h.prices,
            &mut step,
            true,
        );
        assert!(other.err().unwrap().to_string().contains("replaced"));
        let same = load(
            std::io::Cursor::new(&e),
            Some(stamp),
            &dict,
            0,
            7,
            &mut 0,
            h.prices,
            &mut step,
            true,
        );
        assert_eq!(
            same.unwrap()
                .0
                .iter()
                .map(|b| b.frame.height())
                .sum::<usize>(),
            50
        );
    }

    // Damage is caught by the checksum before the decoder sees it. A forged entry (damage with
    // its checksum recomputed) is out of reach: polars' IPC reader may then try to allocate
    // what the bytes claim and abort, which no catch_unwind stops. The cache directory is the
    // user's own, like ~/.cargo.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn a_damaged_entry_is_an_error_never_a_panic_or_other_numbers(
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
            cut in any::<bool>(),
        ) {
            static ENTRY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let mut e = ENTRY.get_or_init(entry).clone();
            let i = at.index(e.len());
            if cut {
                e.truncate(i);
            } else {
                e[i] ^= flip;
            }
            prop_assert!(try_load(&e, 0).is_err(), "a damaged entry loaded (byte {i})");
        }
    }
}
