//! How much of a condition's spread is test-set noise (docs/test-set-noise.md).
//!
//! A run's test metric averages n per-point errors. Runs that differ only in init, dropout or
//! shuffle agree on most points and disagree on a few borderline ones, and which of those land
//! on which side behaves like independent coin flips (Jordan, ICLR 2024). On a small test set
//! those coin flips can make most of the spread a user sees.
//!
//! With eᵣᵢ = run r's error on test point i (0/1, or squared error), mᵣ = (1/n)Σᵢ eᵣᵢ its
//! metric and s² the unbiased variance of mᵣ over runs:
//!
//! - v_ind = (1/n²) Σᵢ var_r(eᵣᵢ) is the variance the points would give if each flipped
//!   independently: the **test-set noise**.
//! - E[s²] = E[v_ind] + (n−1)/n · V, where V = var_r(Aᵣ) is the variance of the runs' *true*
//!   accuracy Aᵣ (their expected error on a fresh point). The cross terms cov_r(eᵣᵢ, eᵣⱼ) of two
//!   distinct test points, averaged over how the test set was drawn, are exactly cov_r(Aᵣ, Aᵣ).
//!   So V̂ = n/(n−1)·(s² − v_ind) is unbiased for V over test sets and runs.
//! - One V̂ is noisy: it moves with the runs drawn *and* with the test points drawn. Its
//!   variance is estimated by two leave-one-out jackknifes, one over runs and one over test
//!   points, added (the sum counts their interaction twice, which errs on the safe side).
//!   A runs-only interval ignores which points happen to be borderline and covers V about
//!   half the time at n = 90; the two-way one is tested to cover it ≥ 90% (see tests).
//!
//! Valid only when every run was scored on the same test points: a split or data source that
//! changes the points draws them from one finite pool, and the binomial term over-subtracts.

use serde::{Deserialize, Serialize};

/// z of the upper end of a two-sided 95% normal interval.
const Z_UPPER_95: f64 = 1.959_963_984_540_054;

/// What the runs of one condition say about test-set noise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseEstimate {
    /// Test points every run was scored on.
    pub test_points: usize,
    /// sqrt(v_ind): the spread independent per-point coin flips would give.
    pub noise_std: f64,
    /// min(1, v_ind / s²); `None` when the runs do not spread at all.
    pub noise_share: Option<f64>,
    /// sqrt(max(0, V̂)): the estimated spread of the runs' true accuracy.
    pub true_std: f64,
    /// sqrt of the upper end of V̂'s 95% interval (runs and test points both resampled).
    pub true_std_upper: f64,
}

/// Per-point and per-run sums of an error matrix, from which every leave-one-out estimate
/// follows in O(1) or O(runs).
struct Sums {
    runs: usize,
    /// mᵣ: each run's mean error.
    run_means: Vec<f64>,
    /// Σᵣ eᵣᵢ and Σᵣ eᵣᵢ² of each point.
    point_sum: Vec<f64>,
    point_sum_sq: Vec<f64>,
}

impl Sums {
    fn new(errors: &[&[f32]]) -> Sums {
        let points = errors[0].len();
        let mut point_sum = vec![0.0; points];
        let mut point_sum_sq = vec![0.0; points];
        let mut run_means = Vec::with_capacity(errors.len());
        for row in errors {
            let mut total = 0.0;
            for (i, &e) in row.iter().enumerate() {
                let e = f64::from(e);
                total += e;
                point_sum[i] += e;
                point_sum_sq[i] += e * e;
            }
            run_means.push(total / points as f64);
        }
        Sums {
            runs: errors.len(),
            run_means,
            point_sum,
            point_sum_sq,
        }
    }

    /// Unbiased variance over runs of point i, leaving out the error `left_out` if given.
    fn point_variance(&self, i: usize, left_out: Option<f64>) -> f64 {
        let (sum, sum_sq, k) = match left_out {
            None => (self.point_sum[i], self.point_sum_sq[i], self.runs),
            Some(e) => (
                self.point_sum[i] - e,
                self.point_sum_sq[i] - e * e,
                self.runs - 1,
            ),
        };
        ((sum_sq - sum * sum / k as f64) / (k - 1) as f64).max(0.0)
    }
}

/// Unbiased variance of `values`; exactly 0 when they are all equal (the mean's rounding
/// must not invent 1e-17 of spread for identical runs).
fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let mut all = values.clone();
    if let Some(first) = all.next()
        && all.all(|v| v.to_bits() == first.to_bits())
    {
        return 0.0;
    }
    let (count, total) = values
        .clone()
        .fold((0usize, 0.0), |(c, t), v| (c + 1, t + v));
    let m = total / count as f64;
    values.map(|v| (v - m) * (v - m)).sum::<f64>() / (count - 1) as f64
}

/// The unbiased variance of `values` with each value left out in turn, in O(n) rather than
/// recomputing each from the others (O(n²): 1.5e8 steps at 12,500 runs). Removing x from a
/// set with mean m and sum of squared deviations M2 leaves M2 − (x − m)(x − m′), m′ the
/// others' mean (Welford's update run backwards); the deviations are taken about the mean,
/// so there is no cancellation of large sums. All values equal: exactly 0 for every one.
fn variances_leaving_each_out(values: &[f64]) -> Vec<f64> {
    let k = values.len() as f64;
    if values.len() < 3 || values.iter().all(|v| v.to_bits() == values[0].to_bits()) {
        return vec![0.0; values.len()];
    }
    let m = values.iter().sum::<f64>() / k;
    let m2: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    values
        .iter()
        .map(|&x| {
            let others_mean = (k * m - x) / (k - 1.0);
            ((m2 - (x - m) * (x - others_mean)) / (k - 2.0)).max(0.0)
        })
        .collect()
}

/// V̂ from s², v_ind and n.
fn true_variance(s2: f64, v_ind: f64, n: usize) -> f64 {
    n as f64 / (n - 1) as f64 * (s2 - v_ind)
}

/// The jackknife variance of an estimate from its leave-one-out values.
fn jackknife_variance(leave_one_out: &[f64]) -> f64 {
    let k = leave_one_out.len() as f64;
    let m = leave_one_out.iter().sum::<f64>() / k;
    (k - 1.0) / k * leave_one_out.iter().map(|v| (v - m) * (v - m)).sum::<f64>()
}

/// The estimate from `errors[r][i]`, run r's error on test point i; every run must have been
/// scored on the same points, in the same order. `None` with fewer than 3 runs or 3 points
/// (a leave-one-out variance needs two left), or rows of different lengths.
pub fn estimate(errors: &[&[f32]]) -> Option<NoiseEstimate> {
    let (runs, points) = (errors.len(), errors.first()?.len());
    if runs < 3 || points < 3 || errors.iter().any(|row| row.len() != points) {
        return None;
    }
    let sums = Sums::new(errors);
    let n = points as f64;
    let s2 = variance(sums.run_means.iter().copied());
    let point_variances: Vec<f64> = (0..points).map(|i| sums.point_variance(i, None)).collect();
    let total_point_variance: f64 = point_variances.iter().sum();
    let v_ind = total_point_variance / (n * n);
    let v_hat = true_variance(s2, v_ind, points);

    // Leave one run out: its mean leaves s², its errors leave every point's variance.
    let s2_without = variances_leaving_each_out(&sums.run_means);
    let leave_run: Vec<f64> = (0..runs)
        .map(|r| {
            let s2_r = s2_without[r];
            let v_ind_r = (0..points)
                .map(|i| sums.point_variance(i, Some(f64::from(errors[r][i]))))
                .sum::<f64>()
                / (n * n);
            true_variance(s2_r, v_ind_r, points)
        })
        .collect();
    // Leave one test point out: every run's mean over the other n − 1 points.
    let leave_point: Vec<f64> = (0..points)
        .map(|i| {
            let means =
                (0..runs).map(|r| (n * sums.run_means[r] - f64::from(errors[r][i])) / (n - 1.0));
            let s2_i = variance(means);
            let v_ind_i = (total_point_variance - point_variances[i]) / ((n - 1.0) * (n - 1.0));
            true_variance(s2_i, v_ind_i, points - 1)
        })
        .collect();
    let spread = (jackknife_variance(&leave_run) + jackknife_variance(&leave_point)).sqrt();
    Some(NoiseEstimate {
        test_points: points,
        noise_std: v_ind.sqrt(),
        noise_share: (s2 > 0.0).then(|| (v_ind / s2).min(1.0)),
        true_std: v_hat.max(0.0).sqrt(),
        true_std_upper: (v_hat + Z_UPPER_95 * spread).max(0.0).sqrt(),
    })
}

/// How much test-set noise there is in the difference of two sets of runs' mean metrics,
/// when both were scored on the same points. Averaging runs does not average this noise
/// away: every run shares the same borderline points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DifferenceNoise {
    pub test_points: usize,
    /// mean metric of A − mean metric of B, from the per-point errors (accuracy = 1 − error).
    pub difference: f64,
    /// Standard error of that difference over test sets: sd over points of the two sides'
    /// mean errors' difference, / sqrt(n) (the paired test a held-out comparison calls for).
    pub noise_std: f64,
    /// |difference| < 1.96 · noise_std: another test set of this size could erase it.
    pub within_noise: bool,
}

/// The [`DifferenceNoise`] of runs `a` against runs `b` (rows of per-point errors on the same
/// points); `higher_is_better` turns error into accuracy. `None` without runs or points.
pub fn difference_noise(
    a: &[&[f32]],
    b: &[&[f32]],
    higher_is_better: bool,
) -> Option<DifferenceNoise> {
    let points = a.first()?.len();
    if points < 2 || b.is_empty() || a.iter().chain(b).any(|row| row.len() != points) {
        return None;
    }
    let mean_errors = |rows: &[&[f32]], i: usize| {
        rows.iter().map(|row| f64::from(row[i])).sum::<f64>() / rows.len() as f64
    };
    let gaps: Vec<f64> = (0..points)
        .map(|i| mean_errors(a, i) - mean_errors(b, i))
        .collect();
    let gap = gaps.iter().sum::<f64>() / points as f64;
    let noise_std = (variance(gaps.iter().copied()) / points as f64).sqrt();
    let difference = if higher_is_better { -gap } else { gap };
    Some(DifferenceNoise {
        test_points: points,
        difference,
        noise_std,
        within_noise: difference.abs() < Z_UPPER_95 * noise_std,
    })
}

#[cfg(test)]
mod tests;
