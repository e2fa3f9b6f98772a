//! Calls, input tokens and cost per (call type, local day) over the last days: what the drift
//! finding compares day by day. One pass over the columns in place, where polars' two-key
//! group-by with its casts and a filtered copy held 290 MB of scratch on the 1 GB log (the
//! largest of any query, measured by the high-water mark per stage) for a few hundred rows.

use crate::normalize::columns::col_names as c;
use anyhow::Result;
use polars::prelude::*;
use std::collections::HashMap;

/// One (type, day): calls, the sum of input tokens, the sum of cost (unpriced calls as zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeDay {
    pub call_type: u32,
    pub day: i32,
    pub calls: u64,
    pub input: f64,
    pub cost: f64,
}

/// The (type, day) rows with `day > after`, ordered by type and day: the calls and token sums
/// polars' group-by gives, exactly; the cost sums in row order, which polars' grouped sum (in
/// an order of its own) matches to within 1e-12 (tested). The drift finding's averages, shown
/// to a few digits, are the same.
pub fn type_days(lf: LazyFrame, after: i32) -> Result<Vec<TypeDay>> {
    let mut df = lf
        .select([
            col(c::TYPE),
            col(c::DAY),
            col(c::INPUT_TOKENS),
            col(c::COST),
        ])
        .collect()?;
    df.rechunk_mut();
    let ty = df.column(c::TYPE)?.u32()?;
    let day = df.column(c::DAY)?.i32()?;
    let input = df.column(c::INPUT_TOKENS)?.u32()?;
    let cost = df.column(c::COST)?.f64()?;
    let mut groups: HashMap<(u32, i32), (u64, f64, f64), foldhash::fast::FixedState> =
        HashMap::default();
    let mut add = |t: u32, d: i32, i: u32, k: f64| {
        if d > after {
            let g = groups.entry((t, d)).or_insert((0, 0.0, 0.0));
            g.0 += 1;
            g.1 += i as f64;
            g.2 += k;
        }
    };
    match (
        ty.cont_slice(),
        day.cont_slice(),
        input.cont_slice(),
        cost.cont_slice(),
    ) {
        // Every column one slice without nulls.
        (Ok(t), Ok(d), Ok(i), Ok(k)) => {
            for r in 0..t.len() {
                add(t[r], d[r], i[r], k[r]);
            }
        }
        _ => {
            for (((t, d), i), k) in ty.iter().zip(day.iter()).zip(input.iter()).zip(cost.iter()) {
                add(
                    t.unwrap_or(0),
                    d.unwrap_or(i32::MIN),
                    i.unwrap_or(0),
                    k.unwrap_or(0.0),
                );
            }
        }
    }
    let mut out: Vec<TypeDay> = groups
        .into_iter()
        .map(|((call_type, day), (calls, input, cost))| TypeDay {
            call_type,
            day,
            calls,
            input,
            cost,
        })
        .collect();
    out.sort_by_key(|r| (r.call_type, r.day));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The polars query this replaces.
    fn reference(lf: LazyFrame, after: i32) -> Vec<TypeDay> {
        let df = lf
            .filter(col(c::DAY).gt(lit(after)))
            .group_by([col(c::TYPE), col(c::DAY)])
            .agg([
                len().cast(DataType::UInt64).alias("calls"),
                col(c::INPUT_TOKENS)
                    .cast(DataType::Float64)
                    .sum()
                    .alias("input"),
                col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
            ])
            .sort_by_exprs([col(c::TYPE), col(c::DAY)], SortMultipleOptions::default())
            .collect()
            .unwrap();
        let get = |n: &str| df.column(n).unwrap().as_materialized_series().clone();
        let (t, d, n, i, k) = (
            get(c::TYPE),
            get(c::DAY),
            get("calls"),
            get("input"),
            get("cost"),
        );
        (0..df.height())
            .map(|r| TypeDay {
                call_type: t.u32().unwrap().get(r).unwrap(),
                day: d.i32().unwrap().get(r).unwrap(),
                calls: n.u64().unwrap().get(r).unwrap(),
                input: i.f64().unwrap().get(r).unwrap(),
                cost: k.f64().unwrap().get(r).unwrap(),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn the_same_rows_as_the_polars_group_by(
            rows in prop::collection::vec(
                (0u32..4, 20_000i32..20_012, 0u32..100_000, prop::option::of(0.0f64..2.0)),
                0..400,
            ),
            after in 19_999i32..20_006,
            split in any::<bool>(),
        ) {
            let frame = |rows: &[(u32, i32, u32, Option<f64>)]| df!(
                c::TYPE => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                c::DAY => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                c::INPUT_TOKENS => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                c::COST => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ).unwrap();
            let mut df = frame(&rows);
            if split && rows.len() > 1 {
                // Two chunks, as a frame of two blocks before its join.
                let half = rows.len() / 2;
                df = frame(&rows[..half]);
                df.vstack_mut_owned(frame(&rows[half..])).unwrap();
            }
            let ours = type_days(df.clone().lazy(), after).unwrap();
            let theirs = reference(df.lazy(), after);
            prop_assert_eq!(ours.len(), theirs.len());
            for (a, b) in ours.iter().zip(&theirs) {
                prop_assert_eq!((a.call_type, a.day, a.calls), (b.call_type, b.day, b.calls));
                prop_assert_eq!(a.input, b.input);
                prop_assert!(
                    (a.cost - b.cost).abs() <= 1e-12 * b.cost.abs().max(1.0),
                    "{:?} {:?}",
                    a,
                    b
                );
            }
        }
    }
}
