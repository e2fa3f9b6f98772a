//! Median and median absolute deviation: a baseline that one bad hour cannot move.

/// 1.4826 × MAD estimates the standard deviation of normally distributed data.
pub const MAD_TO_SIGMA: f64 = 1.4826;

pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median absolute deviation from the median.
pub fn mad(values: &[f64], med: f64) -> f64 {
    let dev: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
    median(&dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        // |1−2|,|2−2|,|3−2|,|100−2| = 1,0,1,98 → median 1
        assert_eq!(mad(&[1.0, 2.0, 3.0, 100.0], 2.5), 1.0);
        assert_eq!(mad(&[1.0, 2.0, 3.0], 2.0), 1.0);
    }
}
