//! Periods named on the command line: a month (2026-11), a day (2026-11-03), a year (2026), or a
//! range of them (2026-11-01..2026-11-15, both ends included), in the report's time zone.

use crate::normalize::timestamp::{day_of, local_midnight_ms};
use anyhow::{bail, Result};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

/// A half-open span of time, [since, until), with the text it was given as.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub label: String,
    pub since_ms: i64,
    pub until_ms: i64,
}

impl Window {
    pub fn days(&self) -> f64 {
        (self.until_ms - self.since_ms) as f64 / 86_400_000.0
    }
}

/// First day and the day after the last, of one period name.
fn span(flag: &str, s: &str) -> Result<(NaiveDate, NaiveDate)> {
    let s = s.trim();
    let bad = || {
        anyhow::anyhow!(
            "{flag} '{s}': expected a month (2026-11), a day (2026-11-03), a year (2026) or a range A..B of them"
        )
    };
    match s.len() {
        4 => {
            let y: i32 = s.parse().map_err(|_| bad())?;
            let a = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
            let b = NaiveDate::from_ymd_opt(y + 1, 1, 1).ok_or_else(bad)?;
            Ok((a, b))
        }
        7 => {
            let a = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| bad())?;
            let b = if a.month() == 12 {
                NaiveDate::from_ymd_opt(a.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(a.year(), a.month() + 1, 1)
            }
            .ok_or_else(bad)?;
            Ok((a, b))
        }
        10 => {
            let a = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
            Ok((a, a.succ_opt().ok_or_else(bad)?))
        }
        _ => Err(bad()),
    }
}

pub fn parse(flag: &str, s: &str, tz: Tz) -> Result<Window> {
    let (first, end) = match s.split_once("..") {
        Some((a, b)) => {
            let (first, _) = span(flag, a)?;
            let (_, end) = span(flag, b)?;
            if end <= first {
                bail!("{flag} '{s}': the range ends before it starts");
            }
            (first, end)
        }
        None => span(flag, s)?,
    };
    Ok(Window {
        label: s.trim().to_string(),
        since_ms: local_midnight_ms(day_of(first), tz),
        until_ms: local_midnight_ms(day_of(end), tz),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_days_ranges() {
        let utc = chrono_tz::UTC;
        let w = parse("--a", "2026-02", utc).unwrap();
        assert_eq!(w.days(), 28.0);
        let w = parse("--a", "2026-12", utc).unwrap();
        assert_eq!(w.days(), 31.0);
        let w = parse("--a", "2026-11-01..2026-11-15", utc).unwrap();
        assert_eq!(w.days(), 15.0);
        assert_eq!(parse("--a", "2026", utc).unwrap().days(), 365.0);
        assert!(parse("--a", "2026-13", utc).is_err());
        assert!(parse("--a", "2026-11-15..2026-11-01", utc).is_err());
        // In Berlin, October 2026 has 31 days and one extra hour (DST ends on the 25th).
        let w = parse("--a", "2026-10", chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(w.until_ms - w.since_ms, (31 * 24 + 1) * 3_600_000);
    }
}
