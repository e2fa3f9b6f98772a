//! `llmlog cache info|clear`: the cache of parsed inputs, shown and emptied.

use super::EXIT_OK;
use crate::cache::Store;
use crate::cli::{CacheCommand, Format};
use anyhow::{bail, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(c: CacheCommand) -> Result<ExitCode> {
    let Some(store) = Store::from_env(&|k| std::env::var(k).ok()) else {
        bail!("no cache directory: set XDG_CACHE_HOME, HOME or LLMLOG_CACHE_DIR");
    };
    let mut out = std::io::stdout().lock();
    match c {
        CacheCommand::Clear => {
            let (n, bytes) = store.clear().map_err(|e| {
                anyhow::anyhow!("cannot clear the cache at {}: {e}", store.dir.display())
            })?;
            writeln!(
                out,
                "removed {n} entries ({:.1} MB) from {}",
                bytes as f64 / 1e6,
                store.dir.display()
            )?;
        }
        CacheCommand::Info { format } => {
            let entries = store.entries();
            let total: u64 = entries.iter().map(|e| e.1).sum();
            let format = format.unwrap_or(if std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            });
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|(path, len, _)| {
                    let (consumed, lines, calls) =
                        crate::scan::describe_entry(path).unwrap_or((0, 0, 0));
                    serde_json::json!({
                        "entry": path.file_name().map(|n| n.to_string_lossy().into_owned()),
                        "bytes": len,
                        "input_bytes": consumed,
                        "lines": lines,
                        "calls": calls,
                    })
                })
                .collect();
            match format {
                Format::Json => {
                    let v = serde_json::json!({
                        "dir": store.dir.display().to_string(),
                        "entries": entries.len(),
                        "bytes": total,
                        "max_bytes": store.max_bytes,
                        "min_input_bytes": store.min_bytes,
                        "format_version": crate::cache::FORMAT_VERSION,
                        "items": rows,
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                }
                _ => {
                    writeln!(out, "cache: {}", store.dir.display())?;
                    writeln!(
                        out,
                        "{} entries, {:.1} MB of {:.0} MB (LLMLOG_CACHE_MAX_MB; least recently used go first)",
                        entries.len(),
                        total as f64 / 1e6,
                        store.max_bytes as f64 / 1e6
                    )?;
                    writeln!(
                        out,
                        "entries hold each input's parsed calls, keyed by file identity, size, modification time and llmlog's format; --no-cache reads everything again"
                    )?;
                    writeln!(
                        out,
                        "inputs under {:.1} MB are parsed every time (LLMLOG_CACHE_MIN_BYTES)",
                        store.min_bytes as f64 / 1e6
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
