//! The statistical primitives every analysis shares: mean, standard deviation, quantiles, the
//! t interval of a mean and percentile-bootstrap intervals. Pure functions of `f64` slices.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::seeds::SourceRng;

/// Resamples for every bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
/// Bootstrap draws come from their own fixed stream: the same inputs give the same interval.
pub const BOOTSTRAP_SEED: u64 = 0x5EED_B007;

pub fn mean(values: &[f64]) -> Option<f64> {
    let first = *values.first()?;
    // Thirty runs of 0.9 must average to 0.9, not 0.8999999999999996: a bitwise-identical
    // condition should read as exactly one value everywhere.
    if values.iter().all(|v| v.to_bits() == first.to_bits()) {
        return Some(first);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation; none for fewer than two values. One run has no spread to
/// measure: a table that said 0 for it read as "reproducible" (`--repeats 1`).
pub fn std_dev(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    // Identical values have no spread; the mean's rounding must not invent 1e-16 of it.
    if values.iter().all(|v| v.to_bits() == values[0].to_bits()) {
        return Some(0.0);
    }
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Linear-interpolated quantile (NumPy's default), `q` in [0, 1].
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_of_sorted(&sorted, q)
}

/// [`quantile`] of values already sorted (by `f64::total_cmp`): for several quantiles of
/// one large set without sorting it again for each.
pub fn quantile_of_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

/// 95% CI of the mean by Student's t with n − 1 degrees of freedom.
pub fn mean_ci95(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    let m = mean(values)?;
    if n < 2 {
        return None;
    }
    let s = std_dev(values)?;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.975);
    let half = t * s / (n as f64).sqrt();
    Some((m - half, m + half))
}

fn resample(values: &[f64], rng: &mut SourceRng) -> Vec<f64> {
    let mut drawn = Vec::with_capacity(values.len());
    rng.below_each(values.len(), values.len(), |i| drawn.push(values[i]));
    drawn
}

/// Percentile-bootstrap 95% interval of `statistic` over resamples of `a` and `b`.
pub fn bootstrap_ci2(
    a: &[f64],
    b: &[f64],
    statistic: impl Fn(&[f64], &[f64]) -> f64,
) -> (f64, f64) {
    let mut rng = SourceRng::new(BOOTSTRAP_SEED);
    let mut values: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| statistic(&resample(a, &mut rng), &resample(b, &mut rng)))
        .collect();
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((q * (values.len() - 1) as f64).round()) as usize];
    (at(0.025), at(0.975))
}

/// Percentile-bootstrap 95% interval of `statistic` over resamples of one set.
pub fn bootstrap_ci(values: &[f64], statistic: impl Fn(&[f64]) -> f64) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    Some(bootstrap_ci2(values, &[0.0], |a, _| statistic(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_matches_a_textbook_value() {
        // n = 10, mean 5.5, s = 3.02765; t(0.975, 9) = 2.262157 (standard t table):
        // half-width = 2.262157 × 3.02765 / √10 = 2.16585.
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let (low, high) = mean_ci95(&values).unwrap();
        assert!((low - (5.5 - 2.16585)).abs() < 1e-4, "{low}");
        assert!((high - (5.5 + 2.16585)).abs() < 1e-4, "{high}");
    }

    #[test]
    fn identical_values_have_exactly_zero_spread() {
        assert_eq!(std_dev(&[0.9; 30]), Some(0.0));
        assert_eq!(std_dev(&[0.9]), None, "one value has no spread to measure");
        assert_eq!(std_dev(&[]), None);
        assert_eq!(mean_ci95(&[0.9; 30]), Some((0.9, 0.9)));
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 3, 4], 0.25) == 1.75
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.25), Some(1.75));
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
    }
}
