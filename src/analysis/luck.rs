//! Seed luck: where one fixed-seed result sits among runs with every source free, and what
//! picking the best of k seeds would report. Fixing seeds makes a result repeatable, not
//! representative: this is the reading that says how representative it was.
//!
//! "Better" follows the metric: higher accuracy, lower MSE.

use serde::{Deserialize, Serialize};

use super::sample::{BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, quantile};
use crate::engine::seeds::SourceRng;

/// The fixed-seed result read against the free runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedLuck {
    /// The fixed-seed (all-fixed) result.
    pub fixed: f64,
    /// Free runs it is read against.
    pub n_free: usize,
    /// The share of free runs the fixed result does better than, ties counting one half
    /// (0.72: "better than 72% of runs"; 0.5: a typical run).
    pub percentile: f64,
    /// Percentile-bootstrap 95% CI of `percentile` over resamples of the free runs.
    pub percentile_ci: (f64, f64),
    pub median: f64,
    /// Interquartile range of the free runs (q75 − q25).
    pub iqr: f64,
    /// fixed − median, in the metric's units (positive: the fixed seed scored higher).
    pub gap: f64,
    /// The best and worst free run, in the "better" sense.
    pub best: f64,
    pub worst: f64,
    /// Expected best of k seeds drawn without replacement from the free runs, for k in
    /// [`BEST_OF`] up to the number of runs: what reporting the best seed inflates a result to.
    pub best_of_k: Vec<(usize, f64)>,
    pub higher_is_better: bool,
}

/// The k the tutorials' "pick your best seed" habit is read at.
pub const BEST_OF: [usize; 5] = [1, 3, 5, 10, 30];

/// The share of `values` that `x` is better than, ties counting one half.
pub fn better_than_share(x: f64, values: &[f64], higher_is_better: bool) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let below = values.iter().filter(|v| **v < x).count() as f64;
    let ties = values.iter().filter(|v| **v == x).count() as f64;
    let above = values.len() as f64 - below - ties;
    let better = if higher_is_better { below } else { above };
    (better + 0.5 * ties) / values.len() as f64
}

/// The expected best of `k` values drawn without replacement from `values` (k ≤ n): with
/// the values sorted from worst to best, the i-th (1-based) is the best of the k with
/// probability C(i−1, k−1) / C(n, k).
pub fn expected_best_of(values: &[f64], k: usize, higher_is_better: bool) -> Option<f64> {
    let n = values.len();
    if k == 0 || k > n {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if !higher_is_better {
        sorted.reverse();
    }
    // C(i−1, k−1) / C(n, k), built up as a ratio so it stays in range for any n: it starts
    // at C(k−1, k−1) / C(n, k) = 1 / C(n, k), and C(i, k−1) = C(i−1, k−1) · i / (i−k+1).
    let mut expected = 0.0;
    let mut weight = 1.0 / binomial(n, k);
    for i in k..=n {
        expected += weight * sorted[i - 1];
        weight *= i as f64 / (i + 1 - k) as f64;
    }
    Some(expected)
}

fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64)
}

/// Reads the fixed-seed result `fixed` against the `free` runs (at least two).
pub fn seed_luck(fixed: f64, free: &[f64], higher_is_better: bool) -> Option<SeedLuck> {
    if free.len() < 2 || !fixed.is_finite() {
        return None;
    }
    let percentile = better_than_share(fixed, free, higher_is_better);
    // A resample's share counts, per drawn run, whether it is worse than the fixed result
    // (2 halves), tied with it (1 half) or better (0): classified once, not per resample.
    let halves: Vec<u8> = free
        .iter()
        .map(|&v| {
            // As `better_than_share` counts: `above` is whatever is neither below nor tied.
            let worse = if higher_is_better {
                v < fixed
            } else {
                v.partial_cmp(&fixed)
                    .is_none_or(|order| order == std::cmp::Ordering::Greater)
            };
            if worse { 2 } else { u8::from(v == fixed) }
        })
        .collect();
    let mut rng = SourceRng::new(BOOTSTRAP_SEED);
    let mut shares: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let mut total = 0u64;
            rng.below_each(free.len(), free.len(), |i| total += u64::from(halves[i]));
            total as f64 / 2.0 / free.len() as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    let at = |q: f64| shares[((q * (shares.len() - 1) as f64).round()) as usize];
    let median = quantile(free, 0.5)?;
    let (low, high) = (
        free.iter().copied().fold(f64::INFINITY, f64::min),
        free.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let (best, worst) = if higher_is_better {
        (high, low)
    } else {
        (low, high)
    };
    Some(SeedLuck {
        fixed,
        n_free: free.len(),
        percentile,
        percentile_ci: (at(0.025), at(0.975)),
        median,
        iqr: quantile(free, 0.75)? - quantile(free, 0.25)?,
        gap: fixed - median,
        best,
        worst,
        best_of_k: BEST_OF
            .iter()
            .filter_map(|&k| expected_best_of(free, k, higher_is_better).map(|e| (k, e)))
            .collect(),
        higher_is_better,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counted bootstrap gives the interval that resampling the values and calling
    /// `better_than_share` on each resample gives, to the bit, either direction, with ties.
    #[test]
    fn counted_bootstrap_is_the_plain_bootstrap() {
        let mut values_rng = SourceRng::new(5);
        let free: Vec<f64> = (0..301)
            .map(|_| values_rng.below(40) as f64 / 40.0)
            .collect();
        for higher_is_better in [true, false] {
            let fixed = 0.6;
            let luck = seed_luck(fixed, &free, higher_is_better).unwrap();
            let mut rng = SourceRng::new(BOOTSTRAP_SEED);
            let mut shares: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
                .map(|_| {
                    let resample: Vec<f64> = (0..free.len())
                        .map(|_| free[rng.below(free.len())])
                        .collect();
                    better_than_share(fixed, &resample, higher_is_better)
                })
                .collect();
            shares.sort_by(f64::total_cmp);
            let at = |q: f64| shares[((q * (shares.len() - 1) as f64).round()) as usize];
            assert_eq!(
                (
                    luck.percentile_ci.0.to_bits(),
                    luck.percentile_ci.1.to_bits()
                ),
                (at(0.025).to_bits(), at(0.975).to_bits()),
                "higher_is_better = {higher_is_better}"
            );
        }
    }

    #[test]
    fn best_of_one_is_the_mean_and_best_of_n_is_the_best() {
        let values = [0.91, 0.95, 0.93, 0.97, 0.90];
        let mean = values.iter().sum::<f64>() / 5.0;
        assert!((expected_best_of(&values, 1, true).unwrap() - mean).abs() < 1e-12);
        assert_eq!(expected_best_of(&values, 5, true), Some(0.97));
        assert_eq!(expected_best_of(&values, 5, false), Some(0.90));
        assert_eq!(expected_best_of(&values, 6, true), None);
    }

    #[test]
    fn best_of_two_matches_counting_every_pair() {
        // Every unordered pair of {1, 2, 3, 4}: maxima 2, 3, 4, 3, 4, 4 → mean 20 / 6.
        let values = [3.0, 1.0, 4.0, 2.0];
        let expected = expected_best_of(&values, 2, true).unwrap();
        assert!((expected - 20.0 / 6.0).abs() < 1e-12, "{expected}");
        // Lower is better: minima 1, 1, 1, 2, 2, 3 → 10 / 6.
        let expected = expected_best_of(&values, 2, false).unwrap();
        assert!((expected - 10.0 / 6.0).abs() < 1e-12, "{expected}");
    }

    #[test]
    fn the_fixed_result_at_an_order_statistic_has_its_mid_rank_percentile() {
        let free: Vec<f64> = (1..=10).map(f64::from).collect();
        // Equal to the 7th smallest of 10: better than 6, tied with 1 → 6.5 / 10.
        assert_eq!(better_than_share(7.0, &free, true), 0.65);
        // Lower is better: better than the 3 above it, tied with 1 → 3.5 / 10.
        assert_eq!(better_than_share(7.0, &free, false), 0.35);
        let luck = seed_luck(7.0, &free, true).unwrap();
        assert_eq!(luck.median, 5.5);
        assert_eq!(luck.gap, 1.5);
        assert_eq!((luck.best, luck.worst), (10.0, 1.0));
        assert!(luck.percentile_ci.0 <= 0.65 && 0.65 <= luck.percentile_ci.1);
        assert!(luck.percentile_ci.1 - luck.percentile_ci.0 > 0.1);
        let ks: Vec<usize> = luck.best_of_k.iter().map(|(k, _)| *k).collect();
        assert_eq!(ks, vec![1, 3, 5, 10]);
        assert_eq!(luck.best_of_k.last().unwrap().1, 10.0);
    }
}
