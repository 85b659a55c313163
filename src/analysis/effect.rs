//! How large a difference between two settings is, beside whether it is there: Cohen's d
//! (paired: d_z, the mean difference over the differences' std), the rank-biserial
//! correlation, the interquartile mean (rliable's IQM: the mean of the middle half, robust to
//! a few diverged runs) and words for their size. The reference numbers are SciPy/NumPy's
//! (tests/settings_stats.rs).

use super::rank_tests::signed_rank_sums;
use super::sample::{bootstrap_ci, mean, std_dev};

/// Cohen's d of unpaired `a` and `b`: the difference of means over the pooled std.
pub fn cohen_d(a: &[f64], b: &[f64]) -> Option<f64> {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    if na < 2.0 || nb < 2.0 {
        return None;
    }
    let (sa, sb) = (std_dev(a)?, std_dev(b)?);
    let pooled = (((na - 1.0) * sa * sa + (nb - 1.0) * sb * sb) / (na + nb - 2.0)).sqrt();
    ratio(mean(a)? - mean(b)?, pooled)
}

/// Cohen's d_z of paired `a` and `b`: the mean of the differences over their std.
pub fn cohen_dz(a: &[f64], b: &[f64]) -> Option<f64> {
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    ratio(mean(&differences)?, std_dev(&differences)?)
}

/// A difference over a spread; a difference with no spread at all is infinitely large.
fn ratio(difference: f64, spread: f64) -> Option<f64> {
    if spread > 0.0 {
        Some(difference / spread)
    } else if difference == 0.0 {
        None
    } else {
        Some(difference.signum() * f64::INFINITY)
    }
}

/// The rank-biserial correlation of unpaired `a` and `b`: 2·P(A > B) − 1, from −1 (every
/// run of B above every run of A) to 1.
pub fn rank_biserial(a: &[f64], b: &[f64]) -> f64 {
    2.0 * super::compare::probability_a_beats_b(a, b) - 1.0
}

/// The matched-pairs rank-biserial correlation: (W+ − W−) / (W+ + W−) of the differences.
pub fn rank_biserial_paired(a: &[f64], b: &[f64]) -> Option<f64> {
    let (plus, minus, _, _) = signed_rank_sums(a, b);
    (plus + minus > 0.0).then(|| (plus - minus) / (plus + minus))
}

/// Cohen's conventional words for |d|: below 0.2 negligible, then small, medium, and from
/// 0.8 large.
pub fn size_in_words(d: f64) -> &'static str {
    match d.abs() {
        x if x < 0.2 => "negligible",
        x if x < 0.5 => "small",
        x if x < 0.8 => "medium",
        _ => "large",
    }
}

/// The interquartile mean: the mean of what is left when a quarter (rounded down) is cut from
/// each end (SciPy's `trim_mean(x, 0.25)`, rliable's IQM).
pub fn interquartile_mean(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let cut = values.len() / 4;
    mean(&sorted[cut..values.len() - cut])
}

/// The IQM with its percentile-bootstrap 95% interval (resampled runs, a fixed seed: the same
/// runs give the same interval).
pub fn interquartile_mean_ci(values: &[f64]) -> Option<(f64, (f64, f64))> {
    let iqm = interquartile_mean(values)?;
    let ci = bootstrap_ci(values, |v| interquartile_mean(v).unwrap_or(f64::NAN))?;
    Some((iqm, ci))
}

/// P(A > B) over paired runs (ties count one half) with its bootstrap 95% interval over
/// resampled pairs.
pub fn paired_probability_a_beats_b(a: &[f64], b: &[f64]) -> Option<(f64, (f64, f64))> {
    let wins = |d: &[f64]| {
        d.iter()
            .map(|x| match x.total_cmp(&0.0) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            })
            .sum::<f64>()
            / d.len() as f64
    };
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    if differences.len() < 2 {
        return None;
    }
    Some((wins(&differences), bootstrap_ci(&differences, wins)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_cohens_thresholds() {
        assert_eq!(size_in_words(0.1), "negligible");
        assert_eq!(size_in_words(-0.3), "small");
        assert_eq!(size_in_words(0.79), "medium");
        assert_eq!(size_in_words(f64::INFINITY), "large");
    }

    #[test]
    fn a_diverged_run_barely_moves_the_interquartile_mean() {
        let mut runs = vec![0.9; 11];
        runs.push(0.1);
        assert_eq!(interquartile_mean(&runs), Some(0.9));
        assert!(mean(&runs).unwrap() < 0.84);
    }
}
