//! Flags, environment and llmlog.toml → validated settings: the time zone, "now", the time
//! window, prices and budgets. Flags win over the config file, which wins over defaults.

pub mod file;

use crate::budget::Budget;
use crate::cli::InputArgs;
use crate::engine::filter::{Filters, Where};
use crate::normalize::timestamp::{day_of, local_midnight_ms, parse_time_str, Parsed};
use crate::pricing::database::Database;
use crate::pricing::overrides::Overrides;
use crate::pricing::Pricer;
use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use std::path::Path;

/// What every command that reads logs needs to know.
pub struct Settings {
    pub tz: Tz,
    pub now_ms: i64,
    pub pricer: Pricer,
    /// `--batch`: every call at its batch rate.
    pub force_batch: bool,
    /// `--batch-time`.
    pub batch_time_ms: Option<i64>,
    pub reprice: bool,
    pub filters: Filters,
    /// Human-readable filters, for the report header.
    pub filter_labels: Vec<String>,
    pub strict: bool,
    /// Configured budgets, then `--budget` ones.
    pub budgets: Vec<Budget>,
    pub config_path: Option<std::path::PathBuf>,
    /// `[alerts]` of the config, for `watch`.
    pub alerts: Option<file::AlertsSection>,
    /// `logs = [...]` of the config (relative to it): what `llmlog` alone, `costs` and `digest`
    /// read when given no paths.
    pub log_paths: Vec<String>,
}

pub fn resolve_tz(flag: Option<&str>) -> Result<Tz> {
    match flag {
        Some(name) => name.parse::<Tz>().map_err(|_| {
            anyhow::anyhow!("--tz '{name}' is not an IANA time zone name (try UTC, Europe/Berlin, America/New_York)")
        }),
        None => Ok(iana_time_zone::get_timezone()
            .ok()
            .and_then(|n| n.parse::<Tz>().ok())
            .unwrap_or(chrono_tz::UTC)),
    }
}

/// A point in time from a flag: RFC 3339, a local date-time, or a date (local midnight).
pub fn parse_instant(flag: &str, value: &str, tz: Tz) -> Result<i64> {
    match parse_time_str(value) {
        Some(Parsed::Utc(ms)) => Ok(ms),
        Some(Parsed::Naive(local)) => {
            let naive = chrono::DateTime::from_timestamp_millis(local)
                .unwrap()
                .naive_utc();
            Ok(tz
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.timestamp_millis())
                .unwrap_or(local))
        }
        None => bail!(
            "{flag} '{value}': expected a date or time like 2026-11-01 or 2026-11-01T09:00:00Z"
        ),
    }
}

fn is_bare_date(v: &str) -> bool {
    v.trim().len() == 10 && NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").is_ok()
}

/// `--last` spans: 30min, 24h, 7d, 2w, 1m (calendar months back from now).
pub fn since_for_last(span: &str, now_ms: i64, tz: Tz) -> Result<i64> {
    let s = span.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().map_err(|_| {
        anyhow::anyhow!(
            "--last '{span}': expected a number and a unit, e.g. 30min, 24h, 7d, 2w, 1m"
        )
    })?;
    let too_far = || anyhow::anyhow!("--last '{span}': goes back before the year 1");
    let unit_ms = match unit {
        "min" | "mins" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "m" | "mo" => {
            let now = tz
                .timestamp_millis_opt(now_ms)
                .single()
                .context("--now is not a time llmlog can place")?;
            let months = u32::try_from(n).map_err(|_| too_far())?;
            let back = now
                .checked_sub_months(chrono::Months::new(months))
                .ok_or_else(too_far)?;
            return Ok(back.timestamp_millis());
        }
        _ => bail!("--last '{span}': unknown unit '{unit}'; use min, h, d, w or m (months)"),
    };
    n.checked_mul(unit_ms)
        .and_then(|ms| now_ms.checked_sub(ms))
        .filter(|since| *since >= crate::normalize::timestamp::MIN_MS)
        .ok_or_else(too_far)
}

/// A span of time: 30s, 10min (or 10m), 2h, 1d; a bare number is seconds.
pub fn parse_span(flag: &str, s: &str) -> Result<i64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .ok_or_else(|| anyhow::anyhow!("{flag} '{s}': expected a span like 30s, 10min, 2h"))?;
    let unit_ms = match unit.trim() {
        "" | "s" | "sec" => 1000.0,
        "m" | "min" | "mins" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        other => bail!("{flag} '{s}': unknown unit '{other}'; use s, min, h or d"),
    };
    let ms = n * unit_ms;
    if ms > 366.0 * 86_400_000.0 {
        bail!("{flag} '{s}': at most a year");
    }
    Ok((ms as i64).max(1))
}

impl Settings {
    pub fn from_args(a: &InputArgs) -> Result<Settings> {
        let config = match file::locate(a.config.as_deref()) {
            Some((path, explicit)) => {
                if !explicit && !path.exists() {
                    None
                } else {
                    Some(file::load(&path)?)
                }
            }
            None => None,
        };
        let tz_name =
            a.tz.as_deref()
                .or(config.as_ref().and_then(|c| c.file.timezone.as_deref()));
        let tz = resolve_tz(tz_name)?;
        let now_ms = match &a.now {
            Some(v) => parse_instant("--now", v, tz)?,
            None => chrono::Utc::now().timestamp_millis(),
        };
        let mut prices = Overrides::default();
        if let Some(c) = &config {
            if let Some(f) = &c.file.pricing.file {
                let base = c.path.parent().unwrap_or(Path::new("."));
                prices.extend_from_file(&base.join(f))?;
            }
            prices
                .extend(c.file.pricing.models.clone())
                .with_context(|| format!("{} [pricing.models]", c.path.display()))?;
        }
        if let Some(p) = &a.pricing {
            prices.extend_from_file(Path::new(p))?;
        }
        let db = match &a.pricing_data {
            Some(f) => Database::from_file(Path::new(f))?,
            None => Database::bundled(),
        };
        let pricer = Pricer::new(prices, db);
        let mut filters = Filters::default();
        let mut labels = Vec::new();
        if let Some(v) = &a.since {
            filters.since_ms = Some(parse_instant("--since", v, tz)?);
            labels.push(format!("since {v}"));
        }
        if let Some(v) = &a.last {
            filters.since_ms = Some(since_for_last(v, now_ms, tz)?);
            labels.push(format!("last {v}"));
        }
        if let Some(v) = &a.until {
            let mut until = parse_instant("--until", v, tz)?;
            if is_bare_date(v) {
                // A bare date includes that whole day: stop at the next local midnight.
                let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")?;
                until = local_midnight_ms(day_of(d) + 1, tz);
            }
            filters.until_ms = Some(until);
            labels.push(format!("until {v}"));
        }
        for w in &a.wheres {
            filters.wheres.push(Where::parse(w)?);
            labels.push(format!("where {w}"));
        }
        let mut budgets = config
            .as_ref()
            .map(|c| c.budgets.clone())
            .unwrap_or_default();
        for b in &a.budgets {
            budgets.push(Budget::parse_flag(b)?);
        }
        Ok(Settings {
            tz,
            now_ms,
            pricer,
            force_batch: a.batch,
            batch_time_ms: a
                .batch_time
                .as_deref()
                .map(|t| parse_instant("--batch-time", t, tz))
                .transpose()?,
            reprice: a.reprice,
            filters,
            filter_labels: labels,
            strict: a.strict,
            budgets,
            alerts: config.as_ref().and_then(|c| c.file.alerts.clone()),
            log_paths: config
                .as_ref()
                .map(|c| {
                    let base = c.path.parent().unwrap_or(Path::new("."));
                    c.file
                        .logs
                        .iter()
                        .map(|l| {
                            if Path::new(l).is_absolute() || base.as_os_str().is_empty() {
                                l.clone()
                            } else {
                                base.join(l).to_string_lossy().into_owned()
                            }
                        })
                        .collect()
                })
                .unwrap_or_default(),
            config_path: config.map(|c| c.path),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_spans() {
        let now = 1_000_000_000_000;
        assert_eq!(
            since_for_last("24h", now, chrono_tz::UTC).unwrap(),
            now - 86_400_000
        );
        assert_eq!(
            since_for_last("30min", now, chrono_tz::UTC).unwrap(),
            now - 1_800_000
        );
        assert!(since_for_last("7x", now, chrono_tz::UTC).is_err());
        // 2026-03-31 → one month back clamps to 2026-02-28
        let mar31 = parse_instant("--now", "2026-03-31T12:00:00Z", chrono_tz::UTC).unwrap();
        let feb = since_for_last("1m", mar31, chrono_tz::UTC).unwrap();
        assert_eq!(
            feb,
            parse_instant("x", "2026-02-28T12:00:00Z", chrono_tz::UTC).unwrap()
        );
    }
}
