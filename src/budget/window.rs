//! Calendar windows as ranges of local days (days since 1970-01-01 in the report's zone).
//! Working in local days makes DST a non-issue: a day is whatever the clock called that day.

use super::Period;
pub use crate::normalize::timestamp::{date_of, day_of};
use chrono::{Datelike, NaiveDate};

/// The first and last local day of the window of `period` that contains `day`.
/// Weeks start on Monday.
pub fn window_of(period: Period, day: i32) -> (i32, i32) {
    let d = date_of(day);
    match period {
        Period::Daily => (day, day),
        Period::Weekly => {
            let from_monday = d.weekday().num_days_from_monday() as i32;
            (day - from_monday, day - from_monday + 6)
        }
        Period::Monthly => {
            let start = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap();
            let next = if d.month() == 12 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1).unwrap()
            };
            (day_of(start), day_of(next) - 1)
        }
        Period::Yearly => {
            let start = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap();
            let next = NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap();
            (day_of(start), day_of(next) - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> i32 {
        day_of(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    #[test]
    fn windows() {
        // 2026-11-25 is a Wednesday: its week is Mon 23 → Sun 29.
        assert_eq!(
            window_of(Period::Weekly, d(2026, 11, 25)),
            (d(2026, 11, 23), d(2026, 11, 29))
        );
        // A week spanning two months: Mon 2026-11-30 → Sun 2026-12-06.
        assert_eq!(
            window_of(Period::Weekly, d(2026, 12, 2)),
            (d(2026, 11, 30), d(2026, 12, 6))
        );
        assert_eq!(
            window_of(Period::Monthly, d(2026, 2, 14)),
            (d(2026, 2, 1), d(2026, 2, 28))
        );
        assert_eq!(
            window_of(Period::Monthly, d(2026, 12, 31)),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            window_of(Period::Yearly, d(2028, 7, 1)),
            (d(2028, 1, 1), d(2028, 12, 31))
        );
        assert_eq!(
            window_of(Period::Daily, d(2026, 3, 29)),
            (d(2026, 3, 29), d(2026, 3, 29))
        );
    }
}
