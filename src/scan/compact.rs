//! Columns that hold one value on every row become polars scalar columns: a value and a length
//! instead of 4–8 bytes a row. Most logs leave many fields out (no time to first token, no
//! quality score, no customer or project, one input file), so this is most of what a frame of
//! a typical log would otherwise spend: on the 1 GB benchmark log, 11 of 31 columns.
//!
//! The queries need nothing of their own for it: polars broadcasts a scalar column, and a pass
//! that reads a column's values gets them materialized for its own copy of the column, dropped
//! with it.

use polars::prelude::*;

/// Replaces every constant column of `frame` (all null, or one value without nulls) by a
/// scalar column. Returns how many.
pub fn compact(frame: &mut DataFrame) -> usize {
    let height = frame.height();
    if height < 2 {
        return 0;
    }
    let mut n = 0;
    // SAFETY: each column is replaced by one of the same name, type and length.
    for c in unsafe { frame.columns_mut() }.iter_mut() {
        if let Some(value) = constant(c) {
            *c = Column::new_scalar(c.name().clone(), value, height);
            n += 1;
        }
    }
    n
}

/// `b` below `a`, column by column: two scalar columns of one value stay one scalar (polars'
/// own append materializes both); any other pair is appended as chunks.
pub fn stack(a: DataFrame, b: DataFrame) -> PolarsResult<DataFrame> {
    let height = a.height() + b.height();
    if a.width() != b.width() {
        polars_bail!(ShapeMismatch: "stacking {} columns on {}", b.width(), a.width());
    }
    let mut cols = a.into_columns();
    for (x, y) in cols.iter_mut().zip(b.into_columns()) {
        if x.name() != y.name() || x.dtype() != y.dtype() {
            polars_bail!(SchemaMismatch: "stacking {} ({}) on {} ({})", y.name(), y.dtype(), x.name(), x.dtype());
        }
        match (&*x, &y) {
            (Column::Scalar(sx), Column::Scalar(sy)) if sx.scalar() == sy.scalar() => {
                *x = Column::new_scalar(x.name().clone(), sx.scalar().clone(), height);
            }
            _ => {
                x.append_owned(y)?;
            }
        }
    }
    DataFrame::new(height, cols)
}

/// The one value of a column that has one, for the types the frame uses.
pub fn constant(c: &Column) -> Option<Scalar> {
    if matches!(c, Column::Scalar(_)) {
        return None;
    }
    let dtype = c.dtype().clone();
    if c.null_count() == c.len() {
        return Some(Scalar::new(dtype, AnyValue::Null));
    }
    if c.null_count() > 0 {
        return None;
    }
    let value = match &dtype {
        DataType::UInt32 => {
            let ca = c.u32().ok()?;
            let v = ca.min()?;
            (ca.max()? == v).then_some(AnyValue::UInt32(v))?
        }
        DataType::Int32 => {
            let ca = c.i32().ok()?;
            let v = ca.min()?;
            (ca.max()? == v).then_some(AnyValue::Int32(v))?
        }
        DataType::Int64 => {
            let ca = c.i64().ok()?;
            let v = ca.min()?;
            (ca.max()? == v).then_some(AnyValue::Int64(v))?
        }
        DataType::Boolean => {
            let ca = c.bool().ok()?;
            match (ca.all(), ca.any()) {
                (true, _) => AnyValue::Boolean(true),
                (_, false) => AnyValue::Boolean(false),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(Scalar::new(dtype, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_columns_become_scalars_and_read_the_same() {
        let mut df = df!(
            "same" => [7u32, 7, 7],
            "varies" => [1u32, 2, 1],
            "none" => [None::<f64>, None, None],
            "some" => [None, Some(1.0f64), None],
            "yes" => [true, true, true],
            "ts" => [5i64, 5, 5],
        )
        .unwrap();
        let before = df.clone();
        assert_eq!(compact(&mut df), 4);
        let scalar = |n: &str| matches!(df.column(n).unwrap(), Column::Scalar(_));
        assert!(scalar("same") && scalar("none") && scalar("yes") && scalar("ts"));
        assert!(!scalar("varies") && !scalar("some"));
        assert!(df.equals_missing(&before));
        // Filters and group-bys over a compacted frame give what they gave before.
        let q = |f: DataFrame| {
            f.lazy()
                .filter(col("varies").eq(lit(1u32)))
                .group_by([col("same")])
                .agg([col("ts").sum(), col("none").count(), len()])
                .collect()
                .unwrap()
        };
        assert!(q(df.clone()).equals_missing(&q(before.clone())));
        // Stacked: equal scalars stay one scalar; a scalar under values, or two different
        // scalars, become values; the rows are those of a plain vstack.
        let mut other = df!(
            "same" => [7u32, 7],
            "varies" => [3u32, 3],
            "none" => [None::<f64>, None],
            "some" => [Some(2.0f64), None],
            "yes" => [false, false],
            "ts" => [5i64, 5],
        )
        .unwrap();
        let plain = {
            let mut p = before.clone();
            p.vstack_mut_owned(other.clone()).unwrap();
            p
        };
        compact(&mut other);
        let stacked = stack(df, other).unwrap();
        assert!(stacked.equals_missing(&plain));
        let scalar = |n: &str| matches!(stacked.column(n).unwrap(), Column::Scalar(_));
        assert!(scalar("same") && scalar("none") && scalar("ts"));
        assert!(!scalar("varies") && !scalar("yes") && !scalar("some"));
        let wrong = df!("same" => [1i64]).unwrap();
        assert!(stack(stacked, wrong).is_err());
    }
}
