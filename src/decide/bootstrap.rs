//! A percentile bootstrap of the difference in mean cost per call between two samples, with a
//! seeded generator so the same seed gives the same interval on every machine.

/// xoshiro256** seeded through splitmix64: small, fast and the same everywhere.
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in 0..n (n > 0), by Lemire's multiply-shift; the tiny bias is far below any
    /// resampling noise.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How many resamples: 2,000, fewer for very large samples so the interval costs at most about
/// 400 million draws (a second or two); never fewer than 200.
pub fn resamples_for(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    (400_000_000 / n).clamp(200, 2000)
}

/// The 95% interval of mean(a) − mean(b): resample each side with replacement `resamples`
/// times, take the 2.5th and 97.5th percentiles (linear interpolation) of the differences.
/// None when a side is empty.
pub fn saving_interval(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = Rng::new(seed);
    let mean_of = |x: &[f64], rng: &mut Rng| -> f64 {
        let mut s = 0.0;
        for _ in 0..x.len() {
            s += x[rng.below(x.len())];
        }
        s / x.len() as f64
    };
    let mut diffs: Vec<f64> = (0..resamples)
        .map(|_| mean_of(a, &mut rng) - mean_of(b, &mut rng))
        .collect();
    diffs.sort_by(f64::total_cmp);
    Some((quantile(&diffs, 0.025), quantile(&diffs, 0.975)))
}

/// The q-quantile of sorted values, interpolating linearly between closest ranks (polars'
/// `Linear`, numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_interval() {
        let a: Vec<f64> = (0..500).map(|i| (i % 7) as f64 * 0.01).collect();
        let b: Vec<f64> = (0..400).map(|i| (i % 5) as f64 * 0.01).collect();
        assert_eq!(
            saving_interval(&a, &b, 500, 7),
            saving_interval(&a, &b, 500, 7)
        );
        assert_ne!(
            saving_interval(&a, &b, 500, 7),
            saving_interval(&a, &b, 500, 8)
        );
    }

    #[test]
    fn covers_the_true_saving_about_95_percent_of_the_time() {
        // Costs drawn from exponential distributions with means $0.010 (before) and $0.006
        // (after): the true saving per call is $0.004. Over 200 independent data sets the
        // interval should hold it about 190 times; a binomial(200, 0.95) lies in 180..=199
        // with probability above 99.9%.
        let mut gen = Rng::new(12345);
        let mut exp = |mean: f64| -mean * (1.0 - gen.unit()).ln();
        let mut covered = 0;
        for trial in 0..200 {
            let a: Vec<f64> = (0..300).map(|_| exp(0.010)).collect();
            let b: Vec<f64> = (0..300).map(|_| exp(0.006)).collect();
            let (lo, hi) = saving_interval(&a, &b, 400, trial).unwrap();
            assert!(lo <= hi);
            if lo <= 0.004 && 0.004 <= hi {
                covered += 1;
            }
        }
        assert!((180..=199).contains(&covered), "covered {covered} of 200");
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0], 0.975), 1.0);
    }
}
