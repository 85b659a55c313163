//! Rank tests for settings compared over seeds: Wilcoxon's signed-rank test (paired runs),
//! Mann–Whitney's U (unpaired), Friedman's test (several settings, paired) and
//! Kruskal–Wallis (several, unpaired). Each gives what SciPy's function of the same name
//! gives (tests/settings_stats.rs holds SciPy 1.17's numbers; the script is
//! tests/reference/settings_stats.py). Rank tests ask "does one setting tend to come out
//! ahead", which the spread of a few lucky or unlucky seeds cannot dominate as it can a mean.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// A test's statistic and two-sided p.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestResult {
    pub statistic: f64,
    pub p: f64,
}

/// Ranks from 1, tied values sharing their average rank (SciPy's `rankdata`), and the sum of
/// t³ − t over the groups of t ties (for the tie corrections).
pub fn ranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let shared = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        let t = (end - start) as f64;
        ties += t * t * t - t;
        start = end;
    }
    (ranks, ties)
}

fn normal_two_sided(z: f64) -> f64 {
    let normal = Normal::standard();
    (2.0 * normal.sf(z.abs())).min(1.0)
}

/// The signed-rank sums of `a − b`, zero differences dropped (SciPy's `zero_method="wilcox"`):
/// (W+, W−, how many differences are left, t³ − t over tied magnitudes).
pub fn signed_rank_sums(a: &[f64], b: &[f64]) -> (f64, f64, usize, f64) {
    let differences: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x - y)
        .filter(|d| *d != 0.0)
        .collect();
    let magnitudes: Vec<f64> = differences.iter().map(|d| d.abs()).collect();
    let (ranks, ties) = ranks(&magnitudes);
    let plus = differences
        .iter()
        .zip(&ranks)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| r)
        .sum::<f64>();
    let total = (differences.len() * (differences.len() + 1)) as f64 / 2.0;
    (plus, total - plus, differences.len(), ties)
}

/// Wilcoxon's signed-rank test of paired `a` and `b` (run r of each drew the same seeds):
/// statistic min(W+, W−). Exact when the differences' magnitudes are untied and at most 50
/// (SciPy's `method="exact"`), else the normal approximation with the tie correction and no
/// continuity correction (`method="approx"`). `None` with fewer than two nonzero differences.
pub fn wilcoxon(a: &[f64], b: &[f64]) -> Option<TestResult> {
    let (plus, minus, n, ties) = signed_rank_sums(a, b);
    if n < 2 || a.len() != b.len() {
        return None;
    }
    let statistic = plus.min(minus);
    let p = if ties == 0.0 && n <= 50 {
        // How many of the 2^n sign patterns give a rank sum of at most the statistic.
        let most = n * (n + 1) / 2;
        let mut ways = vec![0.0f64; most + 1];
        ways[0] = 1.0;
        for rank in 1..=n {
            for sum in (rank..=most).rev() {
                ways[sum] += ways[sum - rank];
            }
        }
        let at_most: f64 = ways[..=statistic as usize].iter().sum();
        (2.0 * at_most / 2f64.powi(n as i32)).min(1.0)
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
        if variance <= 0.0 {
            return None;
        }
        normal_two_sided((statistic - mean) / variance.sqrt())
    };
    Some(TestResult { statistic, p })
}

/// Mann–Whitney's U test of unpaired `a` and `b`: statistic U of `a` (SciPy's), p from the
/// normal approximation with the tie and continuity corrections (`method="asymptotic"`).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<TestResult> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let (ranks, ties) = ranks(&pooled);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let n = n1 + n2;
    let u1 = ranks[..a.len()].iter().sum::<f64>() - n1 * (n1 + 1.0) / 2.0;
    let u = u1.max(n1 * n2 - u1);
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    if sigma == 0.0 {
        return None;
    }
    let z = (u - n1 * n2 / 2.0 - 0.5) / sigma;
    Some(TestResult {
        statistic: u1,
        p: normal_two_sided(z),
    })
}

/// Friedman's test of k settings over the same n seeds (`settings[j][r]`: setting j, run r):
/// each run's settings ranked among themselves, chi-square with k − 1 degrees of freedom and
/// the tie correction (SciPy's `friedmanchisquare`). `None` unless k ≥ 3 settings of equal,
/// nonzero length.
pub fn friedman(settings: &[Vec<f64>]) -> Option<TestResult> {
    let k = settings.len();
    let n = settings.first()?.len();
    if k < 3 || n == 0 || settings.iter().any(|s| s.len() != n) {
        return None;
    }
    let mut rank_sums = vec![0.0; k];
    let mut ties = 0.0;
    for run in 0..n {
        let row: Vec<f64> = settings.iter().map(|s| s[run]).collect();
        let (row_ranks, row_ties) = ranks(&row);
        for (sum, rank) in rank_sums.iter_mut().zip(row_ranks) {
            *sum += rank;
        }
        ties += row_ties;
    }
    let (kf, nf) = (k as f64, n as f64);
    let squares: f64 = rank_sums.iter().map(|r| r * r).sum();
    let chi2 = 12.0 / (nf * kf * (kf + 1.0)) * squares - 3.0 * nf * (kf + 1.0);
    let correction = 1.0 - ties / (nf * kf * (kf * kf - 1.0));
    if correction <= 0.0 {
        return None;
    }
    chi_square_result(chi2 / correction, kf - 1.0)
}

/// Kruskal–Wallis' H of k unpaired settings, with the tie correction (SciPy's `kruskal`).
pub fn kruskal_wallis(settings: &[Vec<f64>]) -> Option<TestResult> {
    if settings.len() < 2 || settings.iter().any(|s| s.is_empty()) {
        return None;
    }
    let pooled: Vec<f64> = settings.iter().flatten().copied().collect();
    let (ranks, ties) = ranks(&pooled);
    let total = pooled.len() as f64;
    let mut h = 0.0;
    let mut start = 0;
    for setting in settings {
        let sum: f64 = ranks[start..start + setting.len()].iter().sum();
        h += sum * sum / setting.len() as f64;
        start += setting.len();
    }
    h = 12.0 / (total * (total + 1.0)) * h - 3.0 * (total + 1.0);
    let correction = 1.0 - ties / (total * total * total - total);
    if correction <= 0.0 {
        return None;
    }
    chi_square_result(h / correction, settings.len() as f64 - 1.0)
}

fn chi_square_result(statistic: f64, degrees: f64) -> Option<TestResult> {
    let p = ChiSquared::new(degrees).ok()?.sf(statistic);
    Some(TestResult { statistic, p })
}

/// Holm's step-down correction of `p` values for testing them all: the adjusted values, in
/// the input's order (statsmodels' `multipletests(method="holm")`).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; p.len()];
    let mut running: f64 = 0.0;
    for (step, &i) in order.iter().enumerate() {
        running = running.max(((p.len() - step) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tied_values_share_their_average_rank() {
        let (r, ties) = ranks(&[3.0, 1.0, 3.0, 2.0]);
        assert_eq!(r, vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(ties, 6.0);
    }

    #[test]
    fn identical_settings_have_no_signed_rank_test() {
        assert_eq!(wilcoxon(&[0.9, 0.8], &[0.9, 0.8]), None);
    }
}
