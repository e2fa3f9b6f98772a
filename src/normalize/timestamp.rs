//! Turns the many ways logs write time into UTC epoch milliseconds, and UTC into local day and hour.
//!
//! RFC 3339 / ISO 8601 strings are parsed by hand (the common layouts only) because chrono's
//! general parser costs more than the rest of a line's work. Naive times are read in the report's
//! zone; zone offsets are cached per 15-minute bucket, the finest grain any zone changes at.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// The report's time zone plus a one-entry cache of its offset.
#[derive(Clone)]
pub struct Zone {
    tz: Tz,
    utc_bucket: i64,
    utc_offset_s: i64,
    local_bucket: i64,
    local_offset_s: i64,
}

const BUCKET_MS: i64 = 15 * 60 * 1000;

impl Zone {
    pub fn new(tz: Tz) -> Self {
        Zone {
            tz,
            utc_bucket: i64::MIN,
            utc_offset_s: 0,
            local_bucket: i64::MIN,
            local_offset_s: 0,
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Offset from UTC (seconds) in force at a UTC instant.
    pub fn offset_at_utc(&mut self, utc_ms: i64) -> i64 {
        let bucket = utc_ms.div_euclid(BUCKET_MS);
        if bucket != self.utc_bucket {
            let secs = utc_ms.div_euclid(1000);
            let off = chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| {
                    self.tz
                        .offset_from_utc_datetime(&d.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0);
            self.utc_bucket = bucket;
            self.utc_offset_s = off as i64;
        }
        self.utc_offset_s
    }

    /// Local (days since 1970-01-01, hour of day) of a UTC instant.
    pub fn local_day_hour(&mut self, utc_ms: i64) -> (i32, u8) {
        let local_ms = utc_ms + self.offset_at_utc(utc_ms) * 1000;
        let day = local_ms.div_euclid(86_400_000);
        let hour = (local_ms.rem_euclid(86_400_000) / 3_600_000) as u8;
        (day as i32, hour)
    }

    /// UTC instant of a wall-clock time in this zone. In a DST gap the clock is moved forward;
    /// in an overlap the earlier instant is taken (what most loggers that drop the offset meant).
    pub fn local_to_utc_ms(&mut self, local_ms: i64) -> i64 {
        let bucket = local_ms.div_euclid(BUCKET_MS);
        if bucket != self.local_bucket {
            self.local_bucket = bucket;
            self.local_offset_s = self.resolve_local_offset(local_ms);
        }
        local_ms - self.local_offset_s * 1000
    }

    fn resolve_local_offset(&self, local_ms: i64) -> i64 {
        let naive = match chrono::DateTime::from_timestamp_millis(local_ms) {
            Some(d) => d.naive_utc(),
            None => return 0,
        };
        match self.tz.offset_from_local_datetime(&naive) {
            chrono::LocalResult::Single(o) => o.fix().local_minus_utc() as i64,
            chrono::LocalResult::Ambiguous(a, _) => a.fix().local_minus_utc() as i64,
            chrono::LocalResult::None => {
                // In a gap: use the offset in force just before it, which moves the time forward.
                let before = naive - chrono::Duration::hours(3);
                self.tz
                    .offset_from_local_datetime(&before)
                    .earliest()
                    .map(|o| o.fix().local_minus_utc() as i64)
                    .unwrap_or(0)
            }
        }
    }
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants every part of llmlog (and
/// chrono) can place on a calendar. A timestamp outside them is a bad line, not a panic later.
pub const MIN_MS: i64 = -62_135_596_800_000;
pub const MAX_MS: i64 = 253_402_300_799_999;

/// The instant, if it lies in the years 1–9999.
pub fn in_range(ms: i64) -> Option<i64> {
    (MIN_MS..=MAX_MS).contains(&ms).then_some(ms)
}

/// Epoch number → milliseconds, the unit chosen by magnitude (s, ms, µs, ns).
pub fn epoch_to_ms(v: f64) -> Option<i64> {
    if !(0.0..1e22).contains(&v) {
        return None;
    }
    let ms = if v < 1e11 {
        v * 1e3
    } else if v < 1e14 {
        v
    } else if v < 1e17 {
        v / 1e3
    } else {
        v / 1e6
    };
    in_range(ms.round() as i64)
}

/// What a timestamp string said: an instant, or a wall-clock time still to be placed in a zone.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Parsed {
    Utc(i64),
    Naive(i64),
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:MM]|±HHMM]`, or an epoch number in a string.
pub fn parse_time_str(s: &str) -> Option<Parsed> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b.len() < 10 || b[4] != b'-' {
        return s.parse::<f64>().ok().and_then(epoch_to_ms).map(Parsed::Utc);
    }
    let year = digits(b, 0, 4)? as i32;
    if year < 1 {
        return None;
    }
    if b[7] != b'-' {
        return None;
    }
    let month = digits(b, 5, 2)? as u32;
    let day = digits(b, 8, 2)? as u32;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let mut i = 10;
    let (mut h, mut m, mut sec, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        h = digits(b, i + 1, 2)? as u32;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        m = digits(b, i + 4, 2)? as u32;
        i += 6;
        if b.get(i) == Some(&b':') {
            sec = digits(b, i + 1, 2)? as u32;
            i += 3;
            if matches!(b.get(i), Some(b'.') | Some(b',')) {
                i += 1;
                let start = i;
                let mut frac: u64 = 0;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start < 9 {
                        frac = frac * 10 + (b[i] - b'0') as u64;
                    }
                    i += 1;
                }
                if i == start {
                    return None;
                }
                let n = (i - start).min(9) as u32;
                nanos = (frac * 10u64.pow(9 - n)) as u32;
            }
        }
    }
    // Leap seconds (…:60) are folded into the next second by chrono's rules; reject only nonsense.
    let time = chrono::NaiveTime::from_hms_nano_opt(h, m, sec.min(59), nanos)?;
    let local_ms = NaiveDateTime::new(date, time).and_utc().timestamp_millis();
    let rest = &b[i..];
    let rest = if rest.first() == Some(&b' ') {
        &rest[1..]
    } else {
        rest
    };
    match rest {
        [] => Some(Parsed::Naive(local_ms)),
        [b'Z'] | [b'z'] => Some(Parsed::Utc(local_ms)),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (oh, om) = match tail.len() {
                2 => (digits(tail, 0, 2)?, 0),
                4 => (digits(tail, 0, 2)?, digits(tail, 2, 2)?),
                5 if tail[2] == b':' => (digits(tail, 0, 2)?, digits(tail, 3, 2)?),
                _ => return None,
            };
            let off_ms = (oh * 3600 + om * 60) * 1000;
            let off_ms = if *sign == b'-' { -off_ms } else { off_ms };
            Some(Parsed::Utc(local_ms - off_ms))
        }
        _ => None,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

// Local days (days since 1970-01-01 on the report zone's calendar) are how the frame, budgets
// and reports name days; these are the only conversions.

/// Local day number → calendar date.
pub fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(day as i64)
}

/// Calendar date → local day number.
pub fn day_of(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// Local day number → "YYYY-MM-DD".
pub fn day_to_string(day: i32) -> String {
    date_of(day).format("%Y-%m-%d").to_string()
}

/// The UTC instant (ms) at which a local day begins in `tz` (the first instant, across DST).
pub fn local_midnight_ms(day: i32, tz: Tz) -> i64 {
    let naive = date_of(day).and_hms_opt(0, 0, 0).unwrap();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|| naive.and_utc().timestamp_millis())
}

/// UTC ms → RFC 3339 in the report zone, second precision.
pub fn format_local(utc_ms: i64, tz: Tz) -> String {
    match chrono::DateTime::from_timestamp_millis(utc_ms) {
        Some(d) => d
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => utc_ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_layouts() {
        let base = 1_793_630_000_000i64; // 2026-11-02T14:33:20Z
        assert_eq!(
            parse_time_str("2026-11-02T14:33:20Z"),
            Some(Parsed::Utc(base))
        );
        assert_eq!(
            parse_time_str("2026-11-02 14:33:20Z"),
            Some(Parsed::Utc(base))
        );
        assert_eq!(
            parse_time_str("2026-11-02T16:33:20+02:00"),
            Some(Parsed::Utc(base))
        );
        assert_eq!(
            parse_time_str("2026-11-02T16:33:20+0200"),
            Some(Parsed::Utc(base))
        );
        assert_eq!(
            parse_time_str("2026-11-02T13:33:20-01"),
            Some(Parsed::Utc(base))
        );
        assert_eq!(
            parse_time_str("2026-11-02T14:33:20.5+00:00"),
            Some(Parsed::Utc(base + 500))
        );
        assert_eq!(
            parse_time_str("2026-11-02T14:33:20.120453"),
            Some(Parsed::Naive(base + 120))
        );
        assert_eq!(parse_time_str("1793630000"), Some(Parsed::Utc(base)));
        assert_eq!(
            parse_time_str("2026-11-02"),
            Some(Parsed::Naive(base - 52_400_000))
        );
        assert_eq!(parse_time_str("yesterday"), None);
        assert_eq!(parse_time_str("2026-13-02T00:00:00Z"), None);
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let ms = 1_793_630_000_000i64;
        assert_eq!(epoch_to_ms(1_793_630_000.0), Some(ms));
        assert_eq!(epoch_to_ms(1_793_630_000_000.0), Some(ms));
        assert_eq!(epoch_to_ms(1_793_630_000_000_000.0), Some(ms));
        assert_eq!(epoch_to_ms(1.79363e18), Some(ms));
    }

    #[test]
    fn naive_times_in_zone_across_dst() {
        let mut z = Zone::new("Europe/Berlin".parse().unwrap());
        // 2026-07-01 12:00 Berlin (CEST, +2) = 10:00Z
        let local = NaiveDate::from_ymd_opt(2026, 7, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let utc = z.local_to_utc_ms(local.and_utc().timestamp_millis());
        assert_eq!(utc, local.and_utc().timestamp_millis() - 2 * 3_600_000);
        // 2026-12-01 12:00 Berlin (CET, +1)
        let local = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let utc = z.local_to_utc_ms(local.and_utc().timestamp_millis());
        assert_eq!(utc, local.and_utc().timestamp_millis() - 3_600_000);
        assert_eq!(z.local_day_hour(utc).1, 12);
    }
}
