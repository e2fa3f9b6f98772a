//! Views for the people who pay: the overview (`costs`), the monthly report, per-customer bills,
//! conversations and digests. Each builds a serde document and typed sheets from the same scan
//! and queries analyze uses, so their totals reconcile with it.

pub mod bill;
pub mod conversations;
pub mod digest;
pub mod monthly;
pub mod overview;

use crate::cli::PeriodArgs;
use crate::config::Settings;
use crate::decide::window::{self, Window};
use crate::normalize::columns::col_names as c;
use crate::scan::Scan;
use anyhow::{bail, Result};
use chrono::Datelike;
use polars::prelude::*;

/// The window a view covers: --month, --year, --from/--to, or --since/--until/--last; by default
/// the month of the last call.
pub fn window_of(p: &PeriodArgs, settings: &Settings, scan: &Scan) -> Result<Window> {
    let tz = settings.tz;
    let given = [
        p.month.is_some(),
        p.year.is_some(),
        p.from.is_some() || p.to.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    let filtered = settings.filters.since_ms.is_some() || settings.filters.until_ms.is_some();
    if given > 1 || (given == 1 && filtered) {
        bail!("choose one period: --month, --year, --from/--to, or --since/--until/--last");
    }
    if let Some(m) = &p.month {
        if m.len() != 7 {
            bail!("--month '{m}': expected a month like 2026-11");
        }
        return window::parse("--month", m, tz);
    }
    if let Some(y) = &p.year {
        if y.len() != 4 {
            bail!("--year '{y}': expected a year like 2026");
        }
        return window::parse("--year", y, tz);
    }
    if p.from.is_some() || p.to.is_some() {
        let (Some(f), Some(t)) = (&p.from, &p.to) else {
            bail!("--from and --to go together (both days included), e.g. --from 2026-11-01 --to 2026-11-15");
        };
        return window::parse("--from/--to", &format!("{f}..{t}"), tz);
    }
    if filtered {
        return Ok(Window {
            label: settings.filter_labels.join(", "),
            since_ms: settings
                .filters
                .since_ms
                .unwrap_or(crate::normalize::timestamp::MIN_MS),
            until_ms: settings
                .filters
                .until_ms
                .unwrap_or(settings.now_ms.max(last_ms(scan)? + 1)),
        });
    }
    // The month of the last call: what a finance person asks about after a month ends.
    let last = last_ms(scan)?;
    let local = chrono::DateTime::from_timestamp_millis(last)
        .unwrap_or_default()
        .with_timezone(&tz);
    window::parse(
        "--month",
        &format!("{:04}-{:02}", local.year(), local.month()),
        tz,
    )
}

fn last_ms(scan: &Scan) -> Result<i64> {
    let df = scan
        .frame
        .clone()
        .lazy()
        .select([col(c::TS_MS).max().alias("m")])
        .collect()?;
    match crate::report::i64_at(&df, "m")? {
        Some(m) => Ok(m),
        None => bail!("no calls in the inputs: nothing to report (check the paths and the skipped lines with llmlog analyze)"),
    }
}

/// The filters of the settings (--where), bounded to the window.
pub fn filters_in(settings: &Settings, w: &Window) -> crate::engine::filter::Filters {
    let mut f = settings.filters.clone();
    f.since_ms = Some(w.since_ms);
    f.until_ms = Some(w.until_ms);
    f
}
