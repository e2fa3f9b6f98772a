//! Following log files the way a log shipper does: a file is its device + inode + a checksum of
//! its first line, never its name; only whole lines are consumed; rotation, truncation and
//! replacement are noticed on every rescan.

use crate::ingest::sources::{is_converted, is_log_file, is_state_dir};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a file that no longer matches any input is kept open after its last byte was read,
/// so lines an app writes to it just after a rename rotation are still read.
const RETIRE_AFTER: Duration = Duration::from_secs(5);
/// The first line's checksum covers at most this many bytes.
const HEAD_MAX: usize = 4096;
/// Bytes read per step: new data is handed on in blocks of this size.
const BLOCK: usize = crate::ingest::BLOCK_BYTES;

/// What is persisted per file: enough to resume exactly where we stopped.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileMark {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    /// FNV-1a of the first line (0 while the first line is incomplete).
    pub head: u64,
    /// Bytes consumed: always just after a newline.
    pub offset: u64,
    /// A .gz file is read once, whole.
    #[serde(default)]
    pub done: bool,
    /// Lines consumed (so new lines have their line numbers).
    #[serde(default)]
    pub line: u64,
}

impl FileMark {
    /// The mark of a file read up to `offset` (just after a newline) and `line` lines.
    pub fn of(path: &Path, offset: u64, line: u64) -> std::io::Result<FileMark> {
        let mut f = File::open(path)?;
        let m = f.metadata()?;
        let gz = path.extension().is_some_and(|e| e == "gz");
        Ok(FileMark {
            path: path.to_path_buf(),
            dev: m.dev(),
            ino: m.ino(),
            head: head_of(&mut f)?,
            offset,
            done: gz || is_converted(path),
            line,
        })
    }
}

struct Tracked {
    mark: FileMark,
    file: Option<File>,
    /// When it was last seen at a path matching the inputs (None = now).
    missing_since: Option<Instant>,
}

/// A batch of whole lines from one file, with where they start.
pub struct Lines<'a> {
    pub path: &'a Path,
    pub start_offset: u64,
    /// Line number of the first line in `bytes` (1-based).
    pub first_line: u64,
    pub bytes: &'a [u8],
}

pub struct Tailer {
    inputs: Vec<String>,
    tracked: Vec<Tracked>,
    /// On the very first scan, start new files at their end (`--from-end`).
    start_at_end: bool,
}

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h | 1 // never 0: 0 means "no complete first line yet"
}

/// Checksum of the first line of an open file, or 0 if it has no complete first line yet.
fn head_of(file: &mut File) -> std::io::Result<u64> {
    let mut buf = vec![0u8; HEAD_MAX];
    file.seek(SeekFrom::Start(0))?;
    let mut n = 0;
    while n < HEAD_MAX {
        let k = file.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(match memchr::memchr(b'\n', &buf[..n]) {
        Some(i) => fnv1a(&buf[..i]),
        None if n == HEAD_MAX => fnv1a(&buf[..n]),
        None => 0,
    })
}

impl Tailer {
    pub fn new(inputs: Vec<String>, marks: Vec<FileMark>, start_at_end: bool) -> Tailer {
        let tracked = marks
            .into_iter()
            .map(|mark| Tracked {
                mark,
                file: None,
                missing_since: None,
            })
            .collect();
        Tailer {
            inputs,
            tracked,
            start_at_end,
        }
    }

    pub fn marks(&self) -> Vec<FileMark> {
        self.tracked.iter().map(|t| t.mark.clone()).collect()
    }

    /// Directories to watch for change notifications: the inputs' own or parent directories.
    pub fn watch_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .inputs
            .iter()
            .map(|i| {
                let p = Path::new(i);
                if p.is_dir() {
                    p.to_path_buf()
                } else {
                    // For a glob, the part before the first wildcard.
                    let literal: String = i
                        .chars()
                        .take_while(|c| !matches!(c, '*' | '?' | '['))
                        .collect();
                    let lp = PathBuf::from(literal);
                    if lp.is_dir() {
                        lp
                    } else {
                        lp.parent()
                            .filter(|p| !p.as_os_str().is_empty())
                            .map(Path::to_path_buf)
                            .unwrap_or_else(|| ".".into())
                    }
                }
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Files that currently match the inputs.
    pub fn discover(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for input in &self.inputs {
            let p = Path::new(input);
            if p.is_dir() {
                walk(p, &mut out);
            } else if p.is_file() {
                out.push(p.to_path_buf());
            } else if input.contains(['*', '?', '[']) {
                if let Ok(paths) = glob::glob(input) {
                    out.extend(paths.flatten().filter(|p| p.is_file()));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// One rescan: notices new, rotated, truncated and replaced files, then hands every new
    /// whole line to `on_lines`. Per-file read errors are returned as messages, not fatal.
    pub fn poll(&mut self, on_lines: &mut dyn FnMut(Lines<'_>)) -> Vec<String> {
        let mut problems = Vec::new();
        let first_scan = std::mem::replace(&mut self.start_at_end, false);
        let present = self.discover();
        let mut seen = vec![false; self.tracked.len()];
        for path in present {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let (dev, ino) = (meta.dev(), meta.ino());
            match self
                .tracked
                .iter()
                .position(|t| t.mark.dev == dev && t.mark.ino == ino)
            {
                Some(i) => {
                    seen[i] = true;
                    let t = &mut self.tracked[i];
                    if t.mark.path != path {
                        t.mark.path = path; // renamed, but the same file: keep our place
                    }
                }
                None => {
                    let gz = path.extension().is_some_and(|e| e == "gz");
                    let offset = if first_scan && !gz { meta.len() } else { 0 };
                    // A logs.db or a .json document has no byte offsets to follow: new ones are
                    // read by the next start's scan.
                    let converted = is_converted(&path);
                    self.tracked.push(Tracked {
                        mark: FileMark {
                            path,
                            dev,
                            ino,
                            head: 0,
                            offset,
                            done: converted,
                            line: 0,
                        },
                        file: None,
                        missing_since: None,
                    });
                    seen.push(true);
                }
            }
        }
        let now = Instant::now();
        for (i, t) in self.tracked.iter_mut().enumerate() {
            if seen[i] {
                t.missing_since = None;
            } else if t.missing_since.is_none() {
                t.missing_since = Some(now);
            }
            if let Err(e) = read_new(t, on_lines) {
                problems.push(format!("{}: {e}", t.mark.path.display()));
                t.file = None;
            }
        }
        // Forget files that left the inputs and have been quiet for a while.
        self.tracked.retain(|t| {
            t.missing_since
                .is_none_or(|m| now.duration_since(m) <= RETIRE_AFTER)
        });
        problems
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(ft) if ft.is_dir() && is_state_dir(&p) => {}
            Ok(ft) if ft.is_dir() => walk(&p, out),
            Ok(_) if is_log_file(&p) => out.push(p),
            _ => {}
        }
    }
}

fn read_new(t: &mut Tracked, on_lines: &mut dyn FnMut(Lines<'_>)) -> std::io::Result<()> {
    if t.mark.done {
        return Ok(());
    }
    if t.file.is_none() {
        let f = match File::open(&t.mark.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()), // gone: nothing left
            Err(e) => return Err(e),
        };
        let m = f.metadata()?;
        if (m.dev(), m.ino()) != (t.mark.dev, t.mark.ino) {
            // The path now holds another file; ours is gone (its state is kept until retired).
            return Ok(());
        }
        t.file = Some(f);
    }
    let file = t.file.as_mut().unwrap();
    if t.mark.path.extension().is_some_and(|e| e == "gz") {
        // Compressed files are finished files: read once, streamed in blocks.
        file.seek(SeekFrom::Start(0))?;
        // Whatever happens, a compressed file is read once: a corrupt one is reported once,
        // never re-counted on every poll.
        t.mark.done = true;
        let mut gz = flate2::read::MultiGzDecoder::new(&mut *file);
        let mut carry: Vec<u8> = Vec::new();
        let mut line = 1u64;
        loop {
            let mut buf = std::mem::take(&mut carry);
            let n = (&mut gz).take(BLOCK as u64).read_to_end(&mut buf)?;
            let eof = n == 0;
            let cut = if eof {
                if !buf.is_empty() && !buf.ends_with(b"\n") {
                    buf.push(b'\n');
                }
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None => {
                        carry = buf;
                        continue;
                    }
                }
            };
            carry = buf.split_off(cut);
            if !buf.is_empty() {
                on_lines(Lines {
                    path: &t.mark.path,
                    start_offset: 0,
                    first_line: line,
                    bytes: &buf,
                });
                line += memchr::memchr_iter(b'\n', &buf).count() as u64;
            }
            if eof {
                break;
            }
        }
        t.mark.done = true;
        t.mark.line = line - 1;
        t.file = None;
        return Ok(());
    }
    let len = file.metadata()?.len();
    // Same inode, different first line, or shorter than what we read: truncated (copytruncate)
    // or rewritten in place. Start again from the top.
    let head = head_of(file)?;
    if len < t.mark.offset || (t.mark.head != 0 && head != t.mark.head) {
        t.mark.offset = 0;
        t.mark.line = 0;
    }
    t.mark.head = head;
    // In blocks, so a large new file never sits in memory whole; only whole lines are consumed
    // (a line still being written is left for the next poll).
    let mut buf: Vec<u8> = Vec::new();
    while t.mark.offset < len {
        file.seek(SeekFrom::Start(t.mark.offset + buf.len() as u64))?;
        let want = (len - t.mark.offset - buf.len() as u64).min(BLOCK as u64);
        if want == 0 {
            break;
        }
        file.take(want).read_to_end(&mut buf)?;
        let Some(last_nl) = memchr::memrchr(b'\n', &buf) else {
            if (buf.len() as u64) < want {
                break; // the file shrank under us
            }
            continue; // a long line: read on until it ends
        };
        let whole = &buf[..=last_nl];
        on_lines(Lines {
            path: &t.mark.path,
            start_offset: t.mark.offset,
            first_line: t.mark.line + 1,
            bytes: whole,
        });
        t.mark.offset += whole.len() as u64;
        t.mark.line += memchr::memchr_iter(b'\n', whole).count() as u64;
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(t: &mut Tailer) -> Vec<String> {
        let mut out = Vec::new();
        t.poll(&mut |l: Lines<'_>| {
            out.extend(String::from_utf8_lossy(l.bytes).lines().map(String::from));
        });
        out
    }

    #[test]
    fn partial_lines_wait_for_their_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let mut f = File::create(&p).unwrap();
        f.write_all(b"one\ntw").unwrap();
        let mut t = Tailer::new(vec![dir.path().to_string_lossy().into()], vec![], false);
        assert_eq!(collect(&mut t), ["one"]);
        assert!(collect(&mut t).is_empty());
        f.write_all(b"o\n").unwrap();
        assert_eq!(collect(&mut t), ["two"]);
    }

    #[test]
    fn rename_rotation_finishes_the_old_file_and_starts_the_new() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.jsonl");
        let mut f = File::create(&p).unwrap();
        f.write_all(b"1\n").unwrap();
        let mut t = Tailer::new(vec![dir.path().to_string_lossy().into()], vec![], false);
        assert_eq!(collect(&mut t), ["1"]);
        std::fs::rename(&p, dir.path().join("app.jsonl.1")).unwrap();
        f.write_all(b"2\n").unwrap(); // the app writes once more before it reopens
        let mut g = File::create(&p).unwrap();
        g.write_all(b"3\n").unwrap();
        let mut got = collect(&mut t);
        got.sort();
        assert_eq!(got, ["2", "3"]);
    }

    #[test]
    fn copytruncate_rereads_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.jsonl");
        std::fs::write(&p, b"first line\nsecond\n").unwrap();
        let mut t = Tailer::new(vec![p.to_string_lossy().into()], vec![], false);
        assert_eq!(collect(&mut t).len(), 2);
        std::fs::copy(&p, dir.path().join("app.jsonl.1")).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_len(0).unwrap();
        std::fs::write(&p, b"third, and longer than before\n").unwrap();
        assert_eq!(collect(&mut t), ["third, and longer than before"]);
    }

    #[test]
    fn resumes_from_a_mark() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, b"a\nb\n").unwrap();
        let mut t = Tailer::new(vec![p.to_string_lossy().into()], vec![], false);
        collect(&mut t);
        let marks = t.marks();
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"c\n").unwrap();
        let mut t2 = Tailer::new(vec![p.to_string_lossy().into()], marks, false);
        assert_eq!(collect(&mut t2), ["c"]);
    }
}
