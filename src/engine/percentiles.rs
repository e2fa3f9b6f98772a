//! Latency percentiles per group, from one pass over the group codes: the values are scattered
//! into one buffer by group (a counting sort on the codes), then each group's percentiles are
//! selected in place.
//!
//! polars computes a grouped quantile with its general hash aggregation, one group at a time and
//! on one core; this gives the same numbers (the same linear interpolation, `QuantileMethod::Linear`,
//! to the bit) in time linear in the calls.

use foldhash::fast::FixedState;
use std::collections::HashMap;

/// Quantiles per group key.
pub type ByKey = HashMap<i64, Vec<Option<f64>>, FixedState>;

/// For each key, the quantiles `qs` of its values, NaN meaning "none" (the normalizer never
/// lets a NaN through as a value); None for a group without any. The keys are read where they
/// lie (a frame's codes, days or hours): besides the result, this holds one group number and one
/// value per row.
pub fn quantiles_by<K: Copy + Into<i64>>(keys: &[K], values: &[f64], qs: &[f64]) -> ByKey {
    let mut out = ByKey::default();
    let (Some(min), Some(max)) = (
        keys.iter().map(|&k| k.into()).min(),
        keys.iter().map(|&k| k.into()).max(),
    ) else {
        return out;
    };
    // Group of a key: dense when the keys span a small range (codes, days, hours), else hashed.
    let span = (max as i128 - min as i128) as u128;
    let dense = span < (1 << 24) && span <= 4 * keys.len() as u128 + 1024;
    let mut index: HashMap<i64, u32, FixedState> = HashMap::default();
    let mut group_keys: Vec<i64> = Vec::new();
    // u32 groups: a frame's rows are numbered in u32 too.
    let groups: Vec<u32> = if dense {
        group_keys = (min..=max).collect();
        keys.iter().map(|&k| (k.into() - min) as u32).collect()
    } else {
        keys.iter()
            .map(|&k| {
                let k: i64 = k.into();
                *index.entry(k).or_insert_with(|| {
                    group_keys.push(k);
                    (group_keys.len() - 1) as u32
                })
            })
            .collect()
    };
    let mut counts = vec![0usize; group_keys.len()];
    let mut nulls = vec![0usize; group_keys.len()];
    let mut seen = vec![false; group_keys.len()];
    for (&g, v) in groups.iter().zip(values) {
        let g = g as usize;
        seen[g] = true;
        if v.is_nan() {
            nulls[g] += 1;
        } else {
            counts[g] += 1;
        }
    }
    let mut starts = Vec::with_capacity(counts.len() + 1);
    let mut total = 0usize;
    for &c in &counts {
        starts.push(total);
        total += c;
    }
    starts.push(total);
    let mut buf = vec![0f64; total];
    let mut fill = starts.clone();
    for (&g, &v) in groups.iter().zip(values) {
        if !v.is_nan() {
            let g = g as usize;
            buf[fill[g]] = v;
            fill[g] += 1;
        }
    }
    drop(groups);
    for (g, &k) in group_keys.iter().enumerate() {
        if !seen[g] {
            continue;
        }
        let vals = &mut buf[starts[g]..starts[g + 1]];
        out.insert(k, quantiles_after(vals, nulls[g], qs));
    }
    out
}

/// The quantiles `qs` of one column (NaN meaning "none"), as polars' `quantile(Linear)` gives
/// them for the whole column: one copy of the values and a selection per quantile.
pub fn quantiles(values: &[f64], qs: &[f64]) -> Vec<Option<f64>> {
    let mut vals: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let nulls = values.len() - vals.len();
    quantiles_after(&mut vals, nulls, qs)
}

/// Several quantiles of one set of values, each selection narrowed to what the previous one
/// left above it: after selecting rank r, every value of a higher rank lies past r, so p95 after
/// p50 searches half the values, not all of them (4 quantiles: about 1.7 passes, not 4). The
/// value at a rank does not depend on how the slice was partitioned, so the results are
/// those of one selection per quantile, to the bit.
fn quantiles_after(vals: &mut [f64], nulls: usize, qs: &[f64]) -> Vec<Option<f64>> {
    let mut out = vec![None; qs.len()];
    if vals.is_empty() {
        return out;
    }
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&a, &b| qs[a].total_cmp(&qs[b]));
    // Values below `done` are in final place up to `done - 1`: everything from `done` on ranks
    // above them.
    let mut done = 0usize;
    for i in order {
        let (rank, frac) = rank_of(vals.len(), nulls, qs[i]);
        // qs are in increasing order, so ranks never go back (a NaN q starts from the bottom).
        if rank < done {
            done = 0;
        }
        let (_, lower, rhs) = vals[done..].select_nth_unstable_by(rank - done, f64::total_cmp);
        let lower = *lower;
        out[i] = match frac {
            None => Some(lower),
            Some(f) => match rhs.iter().copied().min_by(f64::total_cmp) {
                None => None,
                Some(upper) if upper == lower => Some(lower),
                Some(upper) => Some(f * (upper - lower) + lower),
            },
        };
        done = rank;
    }
    out
}

/// The rank among the non-null values that a quantile selects, and the fraction towards the
/// next rank when it falls between two (None when it falls on one): polars' linear rule.
fn rank_of(n: usize, nulls: usize, q: f64) -> (usize, Option<f64>) {
    let len = n + nulls;
    let float_idx = (n as f64 - 1.0) * q + nulls as f64;
    let idx = (float_idx as usize).clamp(0, len - 1);
    let top = f64::ceil(float_idx) as usize;
    (idx - nulls, (idx != top).then_some(float_idx - idx as f64))
}

/// polars' linear quantile of `vals` (reordered in place), to the same floating-point steps.
/// (polars sorts nulls first and counts their positions in the index it interpolates at, which
/// changes the last bits of the result: `nulls` below is that count.)
pub fn quantile(vals: &mut [f64], q: f64) -> Option<f64> {
    quantiles_after(vals, 0, &[q])[0]
}

#[cfg(test)]
mod tests {
    use super::{quantile, quantiles_by};
    use polars::prelude::{ChunkQuantile, Float64Chunked, NewChunkedArray, QuantileMethod};
    use proptest::prelude::*;

    fn polars_q(vals: &[Option<f64>], q: f64) -> Option<f64> {
        let s = Float64Chunked::from_iter_options("v".into(), vals.iter().copied());
        s.quantile(q, QuantileMethod::Linear).unwrap()
    }

    #[test]
    fn by_hand() {
        // 0.5 1 2 3 4 30: p50 at rank 2.5 = 2.5, p90 at 4.5 = 17, p95 at 4.75 = 23.5.
        let mut v = [30.0, 0.5, 4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&mut v, 0.5), Some(2.5));
        assert_eq!(quantile(&mut v, 0.9), Some(17.0));
        assert_eq!(quantile(&mut v, 0.95), Some(23.5));
        assert_eq!(quantile(&mut [], 0.5), None);
    }

    proptest! {
        #[test]
        fn the_same_as_polars_grouped_quantiles(
            rows in prop::collection::vec((0i64..6, prop::option::weighted(0.8, 0.0f64..100.0)), 0..300),
            wide in any::<bool>(),
        ) {
            // Wide keys take the hashed path.
            let keys: Vec<i64> = rows.iter().map(|r| if wide { r.0 * 1_000_000_007 } else { r.0 }).collect();
            let vals: Vec<Option<f64>> = rows.iter().map(|r| r.1).collect();
            let flat: Vec<f64> = vals.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            let got = quantiles_by(&keys, &flat, &[0.5, 0.95]);
            for (&k, qs) in &got {
                let group: Vec<Option<f64>> = keys.iter().zip(&vals).filter(|(g, _)| **g == k).map(|(_, v)| *v).collect();
                prop_assert_eq!(qs[0], polars_q(&group, 0.5));
                prop_assert_eq!(qs[1], polars_q(&group, 0.95));
            }
            let distinct: std::collections::BTreeSet<i64> = keys.iter().copied().collect();
            prop_assert_eq!(got.len(), distinct.len());
        }

        #[test]
        fn quantiles_in_any_order_with_ties_as_polars_gives_them(
            vals in prop::collection::vec(prop::option::weighted(0.8, (0u8..5).prop_map(f64::from)), 1..200),
            qs in prop::collection::vec(prop::sample::select(vec![0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0]), 1..6),
        ) {
            // Few distinct values: selections land on equal values and equal ranks.
            let flat: Vec<f64> = vals.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            let got = super::quantiles(&flat, &qs);
            for (q, g) in qs.iter().zip(got) {
                prop_assert_eq!(g, polars_q(&vals, *q));
            }
        }

        #[test]
        fn a_whole_column_as_polars_gives_it(
            vals in prop::collection::vec(prop::option::weighted(0.7, 0.0f64..100.0), 0..300),
        ) {
            let flat: Vec<f64> = vals.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            let got = super::quantiles(&flat, &[0.5, 0.9, 0.95, 0.99]);
            for (q, g) in [0.5, 0.9, 0.95, 0.99].iter().zip(got) {
                prop_assert_eq!(g, polars_q(&vals, *q));
            }
        }
    }
}
