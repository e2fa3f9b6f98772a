//! The incremental cache's store: one file per input in the user's cache directory, holding the
//! input's parsed blocks (what `scan` made of its lines) and the identity they were read from.
//!
//! The store knows files, identities, atomic writes and eviction; what an entry holds is the
//! scan's business (`scan::cached`). Every failure here is a cache miss, never an error: the
//! cache may make a run faster, never wrong and never fail.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Bumped whenever the parser or the entry layout changes what a line turns into: entries of
/// another version are foreign and rebuilt.
pub const FORMAT_VERSION: u32 = 3;
/// First bytes of every entry (the last is the layout: 3 has its header at the end and
/// constant columns in it).
pub const MAGIC: &[u8; 8] = b"LLMLOGC\x03";
/// The cache's size cap when `LLMLOG_CACHE_MAX_MB` does not set one.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
/// Inputs smaller than this are parsed every time (`LLMLOG_CACHE_MIN_BYTES`): reading an entry
/// costs about what parsing a few hundred kilobytes does (measured on 823 Claude Code session
/// files of 15–230 KB: 0.42 s through the cache, 0.28 s parsed).
pub const DEFAULT_MIN_BYTES: u64 = 1 << 20;
/// How many bytes of an input's head (and of the part before where the cache ended) identify it.
const PROBE_BYTES: u64 = 4096;

/// How long a temporary file may sit untouched before eviction takes it for abandoned.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Where entries live and how large they may grow.
pub struct Store {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub min_bytes: u64,
    /// One line on stderr for the first unreadable entry of a run, not one per entry.
    warned: AtomicBool,
}

/// What identifies the bytes an entry was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    /// Size and modification time (ns since the epoch) when the read began.
    pub size: u64,
    pub mtime_ns: i128,
    /// Hash of the first bytes (up to 4 KiB, within what was read).
    pub head: u64,
}

impl Store {
    /// `$LLMLOG_CACHE_DIR`, else `$XDG_CACHE_HOME/llmlog`, else `~/.cache/llmlog`; None when there
    /// is no home to put it in.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Store> {
        let dir = match (env("LLMLOG_CACHE_DIR"), env("XDG_CACHE_HOME"), env("HOME")) {
            (Some(d), _, _) if !d.is_empty() => PathBuf::from(d),
            (_, Some(x), _) if !x.is_empty() => Path::new(&x).join("llmlog"),
            (_, _, Some(h)) if !h.is_empty() => Path::new(&h).join(".cache").join("llmlog"),
            _ => return None,
        };
        let max_bytes = env("LLMLOG_CACHE_MAX_MB")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|mb| mb << 20)
            .unwrap_or(DEFAULT_MAX_BYTES);
        let min_bytes = env("LLMLOG_CACHE_MIN_BYTES")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_MIN_BYTES);
        Some(Store {
            dir,
            max_bytes,
            min_bytes,
            warned: AtomicBool::new(false),
        })
    }

    pub fn from_dir(dir: PathBuf, max_bytes: u64, min_bytes: u64) -> Store {
        Store {
            dir,
            max_bytes,
            min_bytes,
            warned: AtomicBool::new(false),
        }
    }

    /// The entry of an input: named by a hash of its absolute path, so a file keeps one entry that
    /// its growth replaces.
    pub fn entry_path(&self, input: &Path) -> PathBuf {
        let abs = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
        let h = hash_bytes(abs.to_string_lossy().as_bytes());
        self.dir.join(format!("{h:016x}.llmc"))
    }

    /// Says once per run that an entry could not be used (and is being rebuilt).
    pub fn warn_unreadable(&self, input: &str, why: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            eprintln!(
                "llmlog: note: the cache entry for {input} was unreadable ({why}); it is rebuilt (`llmlog cache clear` empties the cache)"
            );
        }
    }

    /// Writes an entry atomically: a temporary file in the same directory, then a rename, so a
    /// concurrent run reads the old entry or the new one, never half of one.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.write_with(path, &mut |w| w.write_all(bytes))
    }

    /// The same, with the bytes produced by `fill` as they are written.
    pub fn write_with(
        &self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let tmp = self.temp_for(path)?;
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            // No fsync: after a crash a torn entry fails its checksum and is rebuilt.
            fill(&mut f)?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Where an entry is written before its rename into place (the directory is made): a name of
    /// its own per process and write, so no two writers ever share a file.
    pub fn temp_for(&self, path: &Path) -> std::io::Result<PathBuf> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        std::fs::create_dir_all(&self.dir)?;
        Ok(self.dir.join(format!(
            ".tmp-{}-{}-{:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            hash_bytes(path.to_string_lossy().as_bytes())
        )))
    }

    /// Marks an entry as just used, for least-recently-used eviction.
    pub fn touch(&self, path: &Path) {
        if let Ok(f) = std::fs::File::options().write(true).open(path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
    }

    /// Entries with their size and last use, oldest first.
    pub fn entries(&self) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut v: Vec<_> = rd
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "llmc"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((e.path(), m.len(), m.modified().ok()?))
            })
            .collect();
        v.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// Removes the least recently used entries until the cache fits its cap (`keep` stays: it
    /// was just written for this run), and what interrupted writes left behind.
    pub fn evict(&self, keep: &[PathBuf]) {
        self.remove_stale_temporaries();
        let entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        for (path, len, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            if keep.contains(&path) {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// Temporary files of writes that stopped (a run killed mid-scan) untouched for an hour: a
    /// write in progress adds to its file every few seconds at most, so one this old is no
    /// one's. They are not entries, so the cap would never count them.
    fn remove_stale_temporaries(&self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = std::time::SystemTime::now();
        for e in rd.flatten() {
            if !e.file_name().to_string_lossy().starts_with(".tmp-") {
                continue;
            }
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age >= STALE_TEMPORARY);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Removes every entry (and leftovers of interrupted writes). Returns (entries, bytes) freed.
    pub fn clear(&self) -> std::io::Result<(u64, u64)> {
        let (mut n, mut bytes) = (0, 0);
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
            Err(e) => return Err(e),
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".llmc") || name.starts_with(".tmp-") {
                let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                std::fs::remove_file(e.path())?;
                if name.ends_with(".llmc") {
                    n += 1;
                    bytes += len;
                }
            }
        }
        Ok((n, bytes))
    }
}

/// The identity of a file as it is now; None when it cannot be read.
pub fn identify(path: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime_ns = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    let (dev, ino) = dev_ino(&meta);
    let head = probe(path, 0, meta.len().min(PROBE_BYTES))?;
    Some(Identity {
        dev,
        ino,
        size: meta.len(),
        mtime_ns,
        head,
    })
}

/// Hash of `len` bytes at `offset`; None when the file is shorter or unreadable.
pub fn probe(path: &Path, offset: u64, len: u64) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).ok()?;
    Some(hash_bytes(&buf))
}

/// The probe of the bytes just before `end` (where a cached read stopped), and whether the last
/// of them is a newline: growth is only read on from a line boundary.
pub fn probe_before(path: &Path, end: u64) -> Option<(u64, bool)> {
    let len = end.min(PROBE_BYTES);
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(end - len)).ok()?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).ok()?;
    Some((hash_bytes(&buf), buf.last() == Some(&b'\n')))
}

/// The bytes just before `end` (up to 4 KiB): where a read that goes on from `end` starts its tail.
pub fn read_before(path: &Path, end: u64) -> Option<Vec<u8>> {
    let len = end.min(PROBE_BYTES);
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(end - len)).ok()?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).ok()?;
    Some(buf)
}

/// The head probe over the first bytes of what was read (an input shorter than 4 KiB is probed
/// over what it had then, so its growth still matches).
pub fn head_len(size: u64) -> u64 {
    size.min(PROBE_BYTES)
}

#[cfg(unix)]
fn dev_ino(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn dev_ino(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// A hash that is the same on every run (the dedupe's fixed-seed hasher).
pub fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    crate::normalize::record::stable_hasher().hash_one(b)
}
