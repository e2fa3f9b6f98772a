//! The live budget status on disk: written atomically (temp file + rename, so a reader never
//! sees half a file, even after kill -9), read by `llmlog guard` and any app.

use crate::budget::status::LiveStatus;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub const FILE_NAME: &str = "status.json";

/// A status file older than this is not trusted: watch rewrites it every pass.
pub const FRESH: Duration = Duration::from_secs(5);

pub fn default_path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

pub fn write(path: &Path, status: &LiveStatus) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(FILE_NAME)
    ));
    {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        serde_json::to_writer_pretty(&mut f, status)?;
        f.write_all(b"\n")?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// The status, if the file exists and was written within `FRESH`.
pub fn read_fresh(path: &Path) -> Result<Option<LiveStatus>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let age = meta
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or(Duration::MAX);
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let s: LiveStatus = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not an llmlog status file (schemas/budget-live-status.schema.json)",
            path.display()
        )
    })?;
    // Fresh within 5 s, or two passes of a slower `--interval`.
    let fresh = FRESH.max(Duration::from_millis(
        s.interval_ms.saturating_mul(2) + 1000,
    ));
    Ok((age <= fresh).then_some(s))
}
