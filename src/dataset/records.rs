//! The canonical call record as Parquet columns, and back. The scan's frame holds dictionary
//! codes and local days; the dataset holds what any engine can read without llmlog: strings,
//! a UTC timestamp, signed integers (Spark has no unsigned types), the source file and line.

use crate::normalize::columns::col_names as c;
use crate::normalize::dimension::Dimension;
use anyhow::{anyhow, bail, Result};
use polars::prelude::*;

/// The columns of a dataset file, in order, with their types. `date` is not among them: it is
/// the partition (`date=YYYY-MM-DD`), which engines add as a column when they read.
pub fn schema() -> Vec<(&'static str, DataType)> {
    let mut s = vec![(
        "timestamp",
        DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
    )];
    for d in Dimension::TEXT {
        s.push((d.column(), DataType::String));
    }
    s.push((c::OK, DataType::Boolean));
    for t in TOKENS {
        s.push((t, DataType::Int64));
    }
    s.extend([
        (c::COST, DataType::Float64),
        (c::PRICED, DataType::Boolean),
        (c::LIST_COST, DataType::Float64),
        (c::LATENCY, DataType::Float64),
        (c::TTFT, DataType::Float64),
        (c::CACHE_HIT, DataType::Boolean),
        (c::PROMPT_LENGTH, DataType::Int64),
        (c::QUALITY, DataType::Float64),
        (c::CORRECT, DataType::Boolean),
        (c::FILE, DataType::String),
        (c::LINE, DataType::Int64),
        ("pricing", DataType::String),
    ]);
    s
}

const TOKENS: [&str; 5] = [
    c::INPUT_TOKENS,
    c::OUTPUT_TOKENS,
    c::CACHED_TOKENS,
    c::CACHE_WRITE_TOKENS,
    c::REASONING_TOKENS,
];

/// The frame's columns that are copied as they are (with a cast).
const PLAIN: [&str; 16] = [
    c::OK,
    c::INPUT_TOKENS,
    c::OUTPUT_TOKENS,
    c::CACHED_TOKENS,
    c::CACHE_WRITE_TOKENS,
    c::REASONING_TOKENS,
    c::COST,
    c::PRICED,
    c::LIST_COST,
    c::LATENCY,
    c::TTFT,
    c::CACHE_HIT,
    c::PROMPT_LENGTH,
    c::QUALITY,
    c::CORRECT,
    c::LINE,
];

/// The scan's frame (codes) → canonical records (strings), with the pricing source on each row.
pub fn to_records(
    frame: &DataFrame,
    names: &[String],
    files: &[String],
    pricing: &str,
) -> Result<DataFrame> {
    let height = frame.height();
    let mut cols: Vec<Column> = Vec::with_capacity(32);
    let ts = frame.column(c::TS_MS)?.i64()?.clone();
    cols.push(
        ts.with_name("timestamp".into())
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column(),
    );
    let name_of = |code: u32| -> Option<&str> {
        (code != 0)
            .then(|| names.get(code as usize).map(String::as_str))
            .flatten()
    };
    for d in Dimension::TEXT {
        let codes = frame.column(d.column())?.u32()?;
        let s: StringChunked = codes
            .iter()
            .map(|v| v.and_then(name_of))
            .collect::<StringChunked>()
            .with_name(d.column().into());
        cols.push(s.into_column());
    }
    for (name, dtype) in schema() {
        if PLAIN.contains(&name) {
            cols.push(frame.column(name)?.cast(&dtype)?);
        }
    }
    let file_codes = frame.column(c::FILE)?.u32()?;
    let file: StringChunked = file_codes
        .iter()
        .map(|v| v.and_then(|f| files.get(f as usize).map(String::as_str)))
        .collect::<StringChunked>()
        .with_name(c::FILE.into());
    cols.push(file.into_column());
    cols.push(Column::new_scalar(
        "pricing".into(),
        Scalar::new(DataType::String, AnyValue::StringOwned(pricing.into())),
        height,
    ));
    // In the schema's order, so every writer's files have the same layout.
    let order: Vec<&str> = schema().iter().map(|(n, _)| *n).collect();
    let df = DataFrame::new(height, cols)?;
    Ok(df.select(order)?)
}

/// Parquet bytes of canonical records: zstd, with statistics (engines prune row groups by them).
pub fn to_parquet(mut records: DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::full())
        .finish(&mut records)?;
    Ok(out)
}

/// A dataset file's records, checked against the schema: every column present with a type it
/// can be read as. The error names the file and the column.
pub fn from_parquet(bytes: Vec<u8>, name: &str) -> Result<DataFrame> {
    let df = std::panic::catch_unwind(|| ParquetReader::new(std::io::Cursor::new(bytes)).finish())
        .map_err(|_| anyhow!("{name}: not a readable Parquet file"))?
        .map_err(|e| anyhow!("{name}: not a readable Parquet file: {e}"))?;
    let mut cols = Vec::new();
    for (col, dtype) in schema() {
        let Ok(have) = df.column(col) else {
            bail!("{name}: no column `{col}`: not a file llmlog exported (its schema is in `llmlog export --help`)");
        };
        let cast = have.strict_cast(&dtype).map_err(|e| {
            anyhow!(
                "{name}: column `{col}` is {} where {dtype} is expected: {e}",
                have.dtype()
            )
        })?;
        cols.push(cast);
    }
    let out = DataFrame::new(df.height(), cols)?;
    // The years the log reader accepts (1–9999): beyond them days and dates overflow.
    use crate::normalize::timestamp::{MAX_MS, MIN_MS};
    let ts = out.column("timestamp")?.cast(&DataType::Int64)?;
    let ts = ts.i64()?;
    if ts.null_count() > 0 {
        bail!("{name}: a row has no timestamp; every call has one");
    }
    if ts.min().is_some_and(|m| m < MIN_MS) || ts.max().is_some_and(|m| m > MAX_MS) {
        bail!("{name}: a timestamp outside the years 1–9999");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        let height = 3;
        let mut cols: Vec<Column> = Vec::new();
        for (name, dtype) in schema() {
            if name == "timestamp" {
                let ts = Int64Chunked::from_vec(name.into(), vec![0, 1, 1_800_000_000_000]);
                cols.push(ts.into_column().cast(&dtype).unwrap());
            } else {
                cols.push(Column::full_null(name.into(), height, &dtype));
            }
        }
        let df = DataFrame::new(height, cols).unwrap();
        to_parquet(df).unwrap()
    }

    #[test]
    fn a_file_reads_back_and_a_missing_column_is_named() {
        let df = from_parquet(sample(), "x.parquet").unwrap();
        assert_eq!(df.height(), 3);
        assert_eq!(df.width(), schema().len());
        let mut other = DataFrame::new(1, vec![Column::new("model".into(), ["m"])]).unwrap();
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(&mut other).unwrap();
        let e = from_parquet(bytes, "y.parquet").unwrap_err().to_string();
        assert!(e.contains("y.parquet") && e.contains("timestamp"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Damaged files are errors naming the file, never a panic.
        #[test]
        fn damaged_files_are_errors(cut in 0usize..4000, flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..4)) {
            let mut b = sample();
            for (at, v) in flips {
                let n = b.len();
                b[at % n] ^= v | 1;
            }
            b.truncate(cut.min(b.len()));
            if let Err(e) = from_parquet(b, "z.parquet") {
                prop_assert!(e.to_string().contains("z.parquet"));
            }
        }
    }
}
