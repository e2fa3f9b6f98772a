//! What `watch` remembers across restarts — file marks, running totals and alerts — saved
//! together in one atomic write, so after a crash every call is counted exactly once.

use super::tail::FileMark;
use super::totals::Totals;
use crate::alert::AlertRecord;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub files: Vec<FileMark>,
    pub totals: Totals,
    /// Every alert raised, with what each sink has delivered; raised alerts are never raised again.
    pub alerts: Vec<AlertRecord>,
}

pub const FILE_NAME: &str = "watch-state.json";

pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

pub fn load(dir: &Path) -> Result<State> {
    let p = path_in(dir);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!("state file {} is damaged; move it away to start over (calls will be counted again)", p.display())
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State { version: 1, ..Default::default() }),
        Err(e) => Err(e).with_context(|| format!("cannot read state file {}", p.display())),
    }
}

/// Temp file, fsync, rename over the old one, fsync the directory: the state on disk is always
/// either the old one or the new one, whole.
pub fn save(dir: &Path, state: &State) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create state directory {}", dir.display()))?;
    let tmp = dir.join(format!("{FILE_NAME}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(&serde_json::to_vec(state)?)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path_in(dir))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
