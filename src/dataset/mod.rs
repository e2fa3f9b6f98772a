//! The canonical dataset: call records as zstd Parquet, hive-partitioned by UTC date, that
//! DuckDB, Spark, polars and llmlog itself read. `export` writes it; every command reads it
//! back through `read`, into the same frame a scan of the logs gives.
//!
//! Layout under the root (a directory or an S3 prefix):
//! - `date=YYYY-MM-DD/part-<run>.parquet`: one file per export run and UTC day;
//! - `_llmlog/manifests/<run>.json`: what each run read (inputs, offsets, counts). Engines skip
//!   names starting with `_`, so the manifests are invisible to them.

pub mod location;
pub mod manifest;
pub mod read;
pub mod records;
pub mod results;
pub mod sql;

/// What `llmlog sql` counts as a slow call (analyze's default `--slow`).
pub const SLOW_THRESHOLD_S: f64 = 5.0;

/// Where the manifests live under a dataset's root.
pub const MANIFESTS: &str = "_llmlog/manifests";

/// The UTC date of a partition key such as `date=2026-11-02/part-1.parquet`.
pub fn partition_day(key: &str) -> Option<i32> {
    let rest = key.strip_prefix("date=")?;
    let date = rest.get(..10)?;
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((d - epoch).num_days()).ok()
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn day_name(day: i32) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    (epoch + chrono::Duration::days(day as i64))
        .format("%Y-%m-%d")
        .to_string()
}

/// Whether a local path is a dataset's root (it has the manifests' folder).
pub fn is_dataset_dir(path: &str) -> bool {
    std::path::Path::new(path).join(MANIFESTS).is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_days_round_trip() {
        assert_eq!(partition_day("date=1970-01-02/part-x.parquet"), Some(1));
        assert_eq!(day_name(20_393), "2025-11-01");
        assert_eq!(
            partition_day(&format!("date={}/p.parquet", day_name(-3))),
            Some(-3)
        );
        assert_eq!(partition_day("date=2026-13-01/p.parquet"), None);
        assert_eq!(partition_day("_llmlog/manifests/x.json"), None);
    }
}
