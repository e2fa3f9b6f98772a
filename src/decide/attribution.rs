//! A change in total cost split into volume, mix and rate — parts that add up to the change.
//!
//! With N calls in total, group shares s_g = n_g / N and cost per call r_g in each group, the
//! total is C = N · Σ s_g r_g. Going from period A to period B, changing one factor at a time:
//!
//! - volume = (N_b − N_a) · Σ s_a r_a  — as many more (or fewer) calls, at A's mix and rates;
//! - mix    = N_b · Σ (s_b − s_a) r_a  — B's calls spread over the groups differently, at A's rates;
//! - rate   = N_b · Σ s_b (r_b − r_a)  — what each group's calls cost changed.
//!
//! The sum telescopes to C_b − C_a exactly. A group only in B has no rate in A: its cost is all
//! mix (r_a is taken as r_b); a group only in A contributes volume and mix that cancel to −C_a.

/// One group's calls and cost in each period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Side {
    pub calls: u64,
    pub cost: f64,
}

/// One group's part of each effect; summed over groups they give the totals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Parts {
    pub volume: f64,
    pub mix: f64,
    pub rate: f64,
}

impl Parts {
    pub fn total(&self) -> f64 {
        self.volume + self.mix + self.rate
    }
}

/// Each group's parts, in the order given.
pub fn attribute(groups: &[(Side, Side)]) -> Vec<Parts> {
    let na: u64 = groups.iter().map(|g| g.0.calls).sum();
    let nb: u64 = groups.iter().map(|g| g.1.calls).sum();
    groups
        .iter()
        .map(|(a, b)| {
            let change = b.cost - a.cost;
            if na == 0 {
                // Nothing to compare with: every dollar is new volume.
                return Parts {
                    volume: change,
                    ..Parts::default()
                };
            }
            let growth = nb as f64 / na as f64;
            let volume = (growth - 1.0) * a.cost;
            let rate_a = if a.calls > 0 {
                a.cost / a.calls as f64
            } else if b.calls > 0 {
                b.cost / b.calls as f64
            } else {
                0.0
            };
            // N_b (s_b − s_a) r_a = (n_b − growth · n_a) r_a
            let mix = (b.calls as f64 - growth * a.calls as f64) * rate_a;
            // What is left is the rate effect, n_b (r_b − r_a): computed as the remainder so the
            // three parts add up to the change to the last bit.
            let rate = change - volume - mix;
            Parts { volume, mix, rate }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(calls: u64, cost: f64) -> Side {
        Side { calls, cost }
    }

    #[test]
    fn hand_computed() {
        // A: 100 calls of x at $0.01 (= $1), 100 of y at $0.10 (= $10): 200 calls, $11.
        // B: 150 calls of x at $0.01 (= $1.50), 250 of y at $0.12 (= $30): 400 calls, $31.50.
        // growth 2 → volume = (2−1)·11 = 11.
        // mix: x (150 − 200)·0.01 = −0.50; y (250 − 200)·0.10 = 5 → 4.50.
        // rate: x 150·0 = 0; y 250·(0.12 − 0.10) = 5 → 5.
        // 11 + 4.50 + 5 = 20.50 = 31.50 − 11.
        let p = attribute(&[
            (side(100, 1.0), side(150, 1.5)),
            (side(100, 10.0), side(250, 30.0)),
        ]);
        let sum = |f: fn(&Parts) -> f64| p.iter().map(f).sum::<f64>();
        assert!((sum(|p| p.volume) - 11.0).abs() < 1e-9);
        assert!((sum(|p| p.mix) - 4.5).abs() < 1e-9);
        assert!((sum(|p| p.rate) - 5.0).abs() < 1e-9);
        assert!((p[0].mix + 0.5).abs() < 1e-9 && p[0].rate.abs() < 1e-9);
    }

    #[test]
    fn new_and_gone_groups() {
        // x gone (10 calls, $5), z new (10 calls, $2): same volume, pure mix.
        let p = attribute(&[(side(10, 5.0), side(0, 0.0)), (side(0, 0.0), side(10, 2.0))]);
        assert!(p
            .iter()
            .all(|p| p.volume.abs() < 1e-12 && p.rate.abs() < 1e-12));
        assert!((p[0].mix + 5.0).abs() < 1e-12);
        assert!((p[1].mix - 2.0).abs() < 1e-12);
        // Nothing before: all volume.
        let p = attribute(&[(side(0, 0.0), side(4, 2.0))]);
        assert_eq!(p[0].volume, 2.0);
        // Nothing after: −C_a, as volume.
        let p = attribute(&[(side(4, 2.0), side(0, 0.0))]);
        assert!((p[0].total() + 2.0).abs() < 1e-12 && (p[0].volume + 2.0).abs() < 1e-12);
    }
}
