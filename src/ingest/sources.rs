//! Paths as the user gave them → the list of inputs to read: files, globs, directories, stdin.

use anyhow::{bail, Context, Result};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// A `.json` file larger than this is read as JSON lines, never parsed whole.
const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn display(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    pub fn is_gzip(&self) -> bool {
        matches!(self, Source::File(p) if p.extension().is_some_and(|e| e == "gz"))
    }

    /// Size on disk (compressed size for .gz), for progress.
    #[allow(clippy::len_without_is_empty)] // a size on disk, not a collection
    pub fn len(&self) -> Option<u64> {
        match self {
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin => None,
        }
    }

    /// The log this input belongs to, rotated copies included (see `family`).
    pub fn family(&self) -> String {
        match self {
            Source::File(p) => family(p),
            Source::Stdin => "<stdin>".into(),
        }
    }

    /// Whether the file must be read in order, whole: a Codex rollout (`rollout-*.jsonl`), whose
    /// calls take their model and session from earlier lines, or a Gemini CLI session
    /// (`chats/session-*.jsonl`), whose messages are replaced by later copies. Known by name, so ingest needs to
    /// know nothing of fields.
    pub fn sequential(&self) -> bool {
        match self {
            Source::File(p) => {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let in_chats = p
                    .parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|d| d == "chats");
                // Codex rollouts; Gemini CLI sessions (a later copy of a message replaces it).
                name.starts_with("rollout-") || (in_chats && name.starts_with("session-"))
            }
            Source::Stdin => false,
        }
    }

    /// The folder a file lives in: Claude Code keeps one folder per project — and a subagent's
    /// transcript (`<project>/<session>/subagents/agent-*.jsonl`) belongs to its session's project.
    pub fn parent_name(&self) -> Option<String> {
        match self {
            Source::File(p) => {
                let parent = p.parent()?;
                let dir = if parent.file_name()? == "subagents" {
                    parent.parent()?.parent()?
                } else {
                    parent
                };
                dir.file_name()?.to_str().map(String::from)
            }
            Source::Stdin => None,
        }
    }

    /// A reader of the decompressed bytes.
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Stdin => Ok(Box::new(std::io::stdin())),
            #[cfg(feature = "sqlite")]
            Source::File(p) if super::sqlite::is_sqlite(p) => {
                Ok(Box::new(std::io::Cursor::new(super::sqlite::jsonl(p)?)))
            }
            // One JSON document (not lines) in a .json file: its records as lines.
            Source::File(p)
                if p.extension().is_some_and(|e| e == "json")
                    && std::fs::metadata(p).is_ok_and(|m| m.len() <= MAX_DOCUMENT_BYTES) =>
            {
                let bytes =
                    std::fs::read(p).with_context(|| format!("cannot open {}", p.display()))?;
                let lines = super::document::lines_of(&bytes).unwrap_or(bytes);
                Ok(Box::new(std::io::Cursor::new(lines)))
            }
            Source::File(p) => {
                let f = std::fs::File::open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                if self.is_gzip() {
                    Ok(Box::new(flate2::read::MultiGzDecoder::new(
                        BufReader::with_capacity(1 << 20, f),
                    )))
                } else {
                    Ok(Box::new(f))
                }
            }
        }
    }
}

/// Log files inside a directory: JSON lines files, plain or gzipped, what logrotate leaves of
/// them (`app.jsonl.1`, `app.jsonl.2.gz`, `app.jsonl-20261101`, `app.jsonl-20261101.gz`), and
/// `llm`'s `logs.db`.
pub fn is_log_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "logs.db" {
        return true;
    }
    let name = name.strip_suffix(".gz").unwrap_or(name);
    let name = strip_rotation(name);
    [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// `.llmlog/`, where watch keeps its state and status file (beside llmlog.toml, so often inside
/// the logs folder itself), and `_llmlog/`, an exported dataset's manifests: never read as logs.
pub fn is_state_dir(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n == ".llmlog" || n == "_llmlog")
}

/// Inputs that are converted, not read as bytes (a SQLite logs.db, a `.json` document): they
/// cannot be followed by byte offsets.
pub fn is_converted(p: &Path) -> bool {
    #[cfg(feature = "sqlite")]
    if super::sqlite::is_sqlite(p) {
        return true;
    }
    // A .json file is a document unless its first line is a whole JSON value (JSON lines).
    if p.extension().is_none_or(|e| e != "json") {
        return false;
    }
    use std::io::Read;
    let mut head = vec![0u8; 64 << 10];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let first = head[..n].split(|b| *b == b'\n').next().unwrap_or(&[]);
    serde_json::from_slice::<serde::de::IgnoredAny>(first).is_err()
}

/// The file name without what rotation adds: `app.jsonl.2.gz` and `app.jsonl-20261101` → `app.jsonl`.
/// Files of one family are copies and continuations of one log.
pub fn family(p: &Path) -> String {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.strip_suffix(".gz").unwrap_or(name);
    strip_rotation(name).to_string()
}

/// `app.jsonl.3` → `app.jsonl`; `app.jsonl-20261101` → `app.jsonl`; anything else unchanged.
fn strip_rotation(name: &str) -> &str {
    for sep in ['.', '-'] {
        if let Some((base, suffix)) = name.rsplit_once(sep) {
            let digits = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit());
            // A number (logrotate's count) or a date stamp (dateext: YYYYMMDD, maybe with HH).
            let rotated =
                digits && (sep == '.' && suffix.len() <= 4 || sep == '-' && suffix.len() >= 8);
            if rotated {
                return base;
            }
        }
    }
    name
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expands the arguments in order; each file appears once even if named twice.
pub fn expand(args: &[String]) -> Result<Vec<Source>> {
    let mut out: Vec<Source> = Vec::new();
    let push = |s: Source, out: &mut Vec<Source>| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for arg in args {
        if arg == "-" {
            push(Source::Stdin, &mut out);
            continue;
        }
        let path = Path::new(arg);
        if !path.exists() && has_glob_chars(arg) {
            let mut matched: Vec<PathBuf> = glob::glob(arg)
                .with_context(|| format!("bad glob pattern '{arg}'"))?
                .filter_map(|r| r.ok())
                .collect();
            matched.sort();
            if matched.is_empty() {
                bail!("no files match '{arg}' (check the pattern, or quote it so the shell leaves it alone)");
            }
            for m in matched {
                if m.is_dir() {
                    for f in walk(&m)? {
                        push(Source::File(f), &mut out);
                    }
                } else {
                    push(Source::File(m), &mut out);
                }
            }
            continue;
        }
        let meta = std::fs::metadata(path).with_context(|| {
            format!("cannot read '{arg}': no such file or directory (give a file, a directory, a glob, or - for stdin)")
        })?;
        if meta.is_dir() {
            for f in walk(path)? {
                push(Source::File(f), &mut out);
            }
        } else {
            // Open it now so a permission problem is reported before any work starts.
            std::fs::File::open(path).with_context(|| format!("cannot open '{arg}'"))?;
            push(Source::File(path.to_path_buf()), &mut out);
        }
    }
    Ok(out)
}

/// Every log file below a directory, sorted so runs are reproducible.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .with_context(|| format!("cannot list directory {}", d.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("cannot list directory {}", d.display()))?;
            let p = e.path();
            let ft = e.file_type()?;
            if ft.is_dir() {
                if !is_state_dir(&p) {
                    stack.push(p);
                }
            } else if is_log_file(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_log_files() {
        assert!(is_log_file(Path::new("a/b.jsonl")));
        assert!(is_log_file(Path::new("a/b.ndjson.gz")));
        assert!(is_log_file(Path::new("b.json")));
        assert!(!is_log_file(Path::new("b.txt")));
        assert!(!is_log_file(Path::new("b.gz")));
        for rotated in [
            "app.jsonl.1",
            "app.jsonl.2.gz",
            "app.jsonl-20261101",
            "app.jsonl-20261101.gz",
            "app.ndjson.12",
        ] {
            assert!(is_log_file(Path::new(rotated)), "{rotated}");
        }
        assert!(!is_log_file(Path::new("app.txt.1")));
        assert!(!is_log_file(Path::new("app.jsonl.bak")));
        assert!(!is_log_file(Path::new("app.jsonl-1")));
    }
}
