//! What `watch` remembers across restarts: the alerts it raised and where each was delivered,
//! saved in one atomic write so no alert is lost or sent twice.
//!
//! Counts are not saved: every start recomputes them from the logs with the same scan
//! `budget status` runs, so the two cannot disagree — whatever budgets were added or edited
//! since, and whatever happened to the files while watch was down.

use crate::alert::AlertRecord;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// Alerts raised and still relevant, with what each sink has delivered; a raised alert is
    /// never raised again while it is remembered (see `prune`).
    pub alerts: Vec<AlertRecord>,
}

/// How long alerts that are not tied to a budget window are remembered (and so how far back a
/// fresh start looks for expensive calls to alert on).
pub const ALERT_MEMORY_MS: i64 = 7 * 86_400_000;

impl State {
    /// Forgets delivered alerts that can no longer fire again: budget alerts of windows that have
    /// ended (`current` gives each budget's current window start), others after `ALERT_MEMORY_MS`.
    pub fn prune(&mut self, now_ms: i64, current: &dyn Fn(&str) -> Option<String>) {
        self.alerts.retain(|r| {
            if r.delivered.values().any(|d| !*d) {
                return true; // still owed to a sink
            }
            match (&r.alert.budget, &r.alert.window_start) {
                (Some(b), Some(ws)) => current(b).is_some_and(|cur| *ws >= cur),
                _ => now_ms - r.raised_ms < ALERT_MEMORY_MS,
            }
        });
    }
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State { version: 2, ..Default::default() }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Alert;

    fn record(
        key: &str,
        budget: Option<(&str, &str)>,
        delivered: bool,
        raised_ms: i64,
    ) -> AlertRecord {
        let mut a = Alert::simple(
            key.into(),
            "budget",
            "warning",
            "t".into(),
            "m".into(),
            "at",
        );
        if let Some((b, ws)) = budget {
            a.budget = Some(b.into());
            a.window_start = Some(ws.into());
        }
        AlertRecord {
            alert: a,
            delivered: [("terminal".to_string(), delivered)].into_iter().collect(),
            raised_ms,
        }
    }

    #[test]
    fn prune_keeps_what_can_still_matter() {
        let day = 86_400_000;
        let now = 100 * day;
        let mut st = State {
            version: 2,
            alerts: vec![
                record(
                    "old window",
                    Some(("b", "2026-10-01")),
                    true,
                    now - 40 * day,
                ),
                record(
                    "this window",
                    Some(("b", "2026-11-01")),
                    true,
                    now - 40 * day,
                ),
                record(
                    "undelivered",
                    Some(("b", "2026-09-01")),
                    false,
                    now - 90 * day,
                ),
                record("gone budget", Some(("removed", "2026-11-01")), true, now),
                record("recent spike", None, true, now - day),
                record("old spike", None, true, now - 8 * day),
            ],
        };
        st.prune(now, &|b: &str| (b == "b").then(|| "2026-11-01".to_string()));
        let left: Vec<&str> = st.alerts.iter().map(|r| r.alert.key.as_str()).collect();
        assert_eq!(left, ["this window", "undelivered", "recent spike"]);
    }
}
