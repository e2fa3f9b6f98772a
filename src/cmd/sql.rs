//! `llmlog sql`: the report's queries as a DuckDB or Spark SQL script over an exported dataset.

use super::EXIT_OK;
use crate::cli::SqlArgs;
use crate::dataset::sql::{script, Options};
use anyhow::{bail, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(a: SqlArgs) -> Result<ExitCode> {
    if a.tz.parse::<chrono_tz::Tz>().is_err() {
        bail!(
            "--tz {}: not an IANA time zone (e.g. Europe/Berlin, UTC)",
            a.tz
        );
    }
    if a.top == 0 {
        bail!("--top must be at least 1");
    }
    // The view's name goes into the SQL as an identifier; keep it one a person would type.
    if a.table.is_empty()
        || !a
            .table
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        bail!("--table {}: use letters, digits and _ only", a.table);
    }
    let text = script(&Options {
        dialect: a.dialect,
        dataset: &a.dataset,
        table: &a.table,
        results: &a.results,
        tz: &a.tz,
        top: a.top,
        slow_threshold_s: crate::dataset::SLOW_THRESHOLD_S,
    });
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
    Ok(ExitCode::from(EXIT_OK))
}
