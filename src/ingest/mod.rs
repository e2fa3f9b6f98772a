//! Inputs → blocks of whole lines. Knows nothing of fields or shapes: it finds files, opens them
//! (gzip streamed), cuts newline-aligned blocks of bounded size and says where each starts.

pub mod agents;
pub mod document;
pub mod sources;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use anyhow::{bail, Result};
use sources::Source;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes per block handed to a worker: large enough to amortize, small enough to keep both cores busy.
pub const BLOCK_BYTES: usize = 4 << 20;
/// A line longer than this is skipped (reported with its number), never buffered whole: it keeps
/// a file without newlines — or a gzip bomb — from taking unbounded memory.
pub const MAX_LINE_BYTES: usize = 64 << 20;
/// A sequential file larger than this is cut into blocks anyway (its later blocks then lose the
/// state of its first); no agent session file comes near it.
const MAX_SEQUENTIAL_BYTES: usize = 256 << 20;
/// A .gz that inflates beyond this many times its size (and beyond 1 GiB) is not a log.
const MAX_GZIP_RATIO: u64 = 200;

/// Block buffers handed back once parsed, for the reader to fill again. A fresh 4 MB buffer per
/// block is memory the kernel must zero and map each time: on the 1 GB log that was about a
/// third of the run's CPU time (most of it `clear_page` in the kernel).
#[derive(Default)]
pub struct Buffers(std::sync::Mutex<Vec<Vec<u8>>>);

/// Buffers kept: enough for the blocks in flight between the reader and the workers.
const BUFFERS_KEPT: usize = 16;

impl Buffers {
    fn take(&self) -> Vec<u8> {
        let mut b = self
            .0
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        b.clear();
        b
    }

    /// Gives a parsed block's buffer back (one grown for a very long line is let go).
    pub fn give(&self, buf: Vec<u8>) {
        if (BLOCK_BYTES / 2..=2 * BLOCK_BYTES).contains(&buf.capacity()) {
            if let Ok(mut v) = self.0.lock() {
                if v.len() < BUFFERS_KEPT {
                    v.push(buf);
                }
            }
        }
    }
}

/// Newline-aligned bytes of one input.
pub struct Block {
    pub seq: u64,
    pub source: u32,
    /// Line number of the first line in `bytes` (1-based).
    pub first_line: u64,
    /// Whether `bytes` starts at the start of the input (a BOM may follow).
    pub at_start: bool,
    pub bytes: Vec<u8>,
    /// Lines (by number) dropped before this block for being longer than `MAX_LINE_BYTES`.
    pub long_lines: Vec<u64>,
}

/// What reading one input to its end found.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadEnd {
    /// Bytes read (decompressed for .gz).
    pub bytes: u64,
    /// Bytes consumed up to and including the last newline (all bytes unless `whole_lines`).
    pub consumed: u64,
    /// Lines consumed.
    pub lines: u64,
}

/// Cuts one input into newline-aligned blocks and hands each to `send` (false = stop). With
/// `whole_lines`, a last line without its newline is left unread (a writer may still be
/// finishing it); otherwise it is a line like any other. `from` = (byte offset, its line number)
/// reads a plain file on from a line boundary (what the cache had not seen yet).
#[allow(clippy::too_many_arguments)]
pub fn read_blocks(
    src: &Source,
    source: u32,
    seq: &mut u64,
    whole_lines: bool,
    progress: Option<&AtomicU64>,
    from: Option<(u64, u64)>,
    buffers: &Buffers,
    send: &mut dyn FnMut(Block) -> bool,
) -> Result<ReadEnd> {
    let mut reader = match (from, src) {
        (Some((offset, _)), Source::File(p)) => {
            use std::io::Seek;
            let mut f = std::fs::File::open(p)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", p.display()))?;
            f.seek(std::io::SeekFrom::Start(offset))?;
            Box::new(f) as Box<dyn Read + Send>
        }
        _ => src.open()?,
    };
    // Files whose lines depend on earlier lines (Codex rollouts) go in one block.
    let block_bytes = if src.sequential() {
        MAX_SEQUENTIAL_BYTES
    } else {
        BLOCK_BYTES
    };
    let limit = src.is_gzip().then(|| {
        src.len()
            .unwrap_or(0)
            .saturating_mul(MAX_GZIP_RATIO)
            .max(1 << 30)
    });
    let mut carry: Vec<u8> = Vec::new();
    let mut next_line = from.map_or(1, |f| f.1);
    let mut at_start = from.is_none();
    let mut end = ReadEnd::default();
    // While Some(n): line n is too long and is being skipped up to its newline.
    let mut skipping: Option<u64> = None;
    let mut long_lines = Vec::new();
    loop {
        // The carry (a line still being read) is extended in place, in steps that grow with it:
        // a 60 MB line costs reads, not quadratic copies.
        let mut buf = if carry.len() > BLOCK_BYTES / 2 {
            std::mem::take(&mut carry)
        } else {
            let mut b = buffers.take();
            b.extend_from_slice(&carry);
            carry.clear();
            b
        };
        buf.reserve(block_bytes.min(BLOCK_BYTES));
        let want = block_bytes
            .saturating_sub(buf.len())
            .max(1 << 16)
            .max(buf.len());
        let n = (&mut reader).take(want as u64).read_to_end(&mut buf)?;
        if end.bytes == 0 && n > 0 && at_start {
            check_encoding(src, &buf)?;
        }
        end.bytes += n as u64;
        if let Some(p) = progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        if let Some(limit) = limit {
            if end.bytes > limit {
                bail!(
                    "{} inflates to more than {} MB ({}× its size): not a log file (a gzip bomb?); remove it from the inputs",
                    src.display(),
                    limit >> 20,
                    MAX_GZIP_RATIO
                );
            }
        }
        let eof = n < want;
        if let Some(line_no) = skipping {
            match memchr::memchr(b'\n', &buf) {
                Some(i) => {
                    buf.drain(..=i);
                    end.consumed += (i + 1) as u64;
                    long_lines.push(line_no);
                    next_line += 1;
                    end.lines += 1;
                    skipping = None;
                }
                None => {
                    end.consumed += buf.len() as u64;
                    if eof {
                        long_lines.push(line_no);
                        if !whole_lines {
                            end.lines += 1;
                        }
                        break_with(&mut long_lines, seq, source, next_line, send);
                        return Ok(end);
                    }
                    continue; // still inside the long line
                }
            }
        }
        let cut = if eof && !whole_lines {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None if eof => 0,
                None if buf.len() > MAX_LINE_BYTES => {
                    // Too long to keep: drop what we have and skip to its newline.
                    end.consumed += buf.len() as u64;
                    skipping = Some(next_line);
                    at_start = false;
                    continue;
                }
                None => {
                    carry = buf; // one very long line: keep reading until it ends
                    continue;
                }
            }
        };
        carry = buf.split_off(cut);
        if !buf.is_empty() || !long_lines.is_empty() {
            let newlines = memchr::memchr_iter(b'\n', &buf).count() as u64;
            let lines = newlines + u64::from(!buf.is_empty() && !buf.ends_with(b"\n"));
            end.consumed += buf.len() as u64;
            end.lines += lines;
            let block = Block {
                seq: *seq,
                source,
                first_line: next_line,
                at_start,
                bytes: buf,
                long_lines: std::mem::take(&mut long_lines),
            };
            *seq += 1;
            next_line += newlines;
            at_start = false;
            if !send(block) {
                break; // a worker failed; its error is reported by the scan
            }
        }
        if eof {
            break;
        }
    }
    Ok(end)
}

/// Sends the long lines found at the very end of an input as an empty block.
fn break_with(
    long_lines: &mut Vec<u64>,
    seq: &mut u64,
    source: u32,
    next_line: u64,
    send: &mut dyn FnMut(Block) -> bool,
) {
    if long_lines.is_empty() {
        return;
    }
    send(Block {
        seq: *seq,
        source,
        first_line: next_line,
        at_start: false,
        bytes: Vec::new(),
        long_lines: std::mem::take(long_lines),
    });
    *seq += 1;
}

/// UTF-16 files (PowerShell's `>` writes them) would be a stream of "not UTF-8" lines: say once
/// what the file is and how to convert it.
fn check_encoding(src: &Source, head: &[u8]) -> Result<()> {
    let utf16 = head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || (head.len() >= 4 && head[1] == 0 && head[3] == 0 && head[0] == b'{');
    if utf16 {
        bail!(
            "{} is UTF-16 text, not UTF-8; convert it first: iconv -f UTF-16 -t UTF-8 '{}' > converted.jsonl",
            src.display(),
            src.display()
        );
    }
    Ok(())
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
