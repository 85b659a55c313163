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
mod tests {
    use super::*;
    use crate::engine::seeds::SourceRng;

    /// A population of test points: most always right, some borderline with a base error
    /// rate, and of those some whose rate moves with each run's shift `d` (|d| ≤ 0.15).
    /// True accuracy of a run with shift d: 1 − E[q] − d·P(sensitive), so V = var(d)·P(s)².
    struct Population {
        borderline: f64,
        sensitive: f64,
    }

    const SHIFT: f64 = 0.15;

    impl Population {
        /// var(d) for d uniform on [−SHIFT, SHIFT] times P(sensitive)².
        fn true_variance(&self) -> f64 {
            SHIFT * SHIFT / 3.0 * self.sensitive * self.sensitive
        }

        /// `runs` × `points` errors on a freshly drawn test set.
        fn draw(&self, runs: usize, points: usize, rng: &mut SourceRng) -> Vec<Vec<f32>> {
            // Each point: its base error rate q and whether the run shift moves it.
            let test_set: Vec<(f64, bool)> = (0..points)
                .map(|_| {
                    let u = rng.uniform_f64();
                    if u < self.sensitive {
                        (0.5, true)
                    } else if u < self.borderline {
                        (0.2 + 0.6 * rng.uniform_f64(), false)
                    } else {
                        (0.0, false)
                    }
                })
                .collect();
            (0..runs)
                .map(|_| {
                    let d = SHIFT * (2.0 * rng.uniform_f64() - 1.0);
                    test_set
                        .iter()
                        .map(|&(q, moves)| {
                            let p = if moves { q + d } else { q };
                            f32::from(u8::from(rng.uniform_f64() < p))
                        })
                        .collect()
                })
                .collect()
        }
    }

    fn estimate_of(matrix: &[Vec<f32>]) -> NoiseEstimate {
        let rows: Vec<&[f32]> = matrix.iter().map(|r| r.as_slice()).collect();
        estimate(&rows).expect("enough runs and points")
    }

    /// The O(n) leave-one-out variances agree with recomputing each from the others.
    #[test]
    fn leave_one_out_variances_match_the_direct_computation() {
        let mut rng = SourceRng::new(7);
        for n in [3, 4, 17, 400] {
            let values: Vec<f64> = (0..n).map(|_| 0.8 + rng.below(1000) as f64 / 1e4).collect();
            let fast = variances_leaving_each_out(&values);
            for (r, fast) in fast.iter().enumerate() {
                let others = values
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != r)
                    .map(|(_, v)| *v);
                let direct = variance(others);
                assert!(
                    (fast - direct).abs() <= 1e-12 * direct.abs().max(1e-12),
                    "n {n}, left out {r}: {fast} vs {direct}"
                );
            }
        }
        assert_eq!(variances_leaving_each_out(&[0.5; 5]), vec![0.0; 5]);
    }

    #[test]
    fn independent_coin_flips_are_all_noise() {
        // No run shift at all: every bit of spread is which points flipped.
        let population = Population {
            borderline: 0.1,
            sensitive: 0.0,
        };
        let mut rng = SourceRng::new(11);
        let mut shares = Vec::new();
        let mut true_stds = Vec::new();
        for _ in 0..200 {
            let e = estimate_of(&population.draw(30, 90, &mut rng));
            shares.extend(e.noise_share);
            true_stds.push(e.true_std);
        }
        let mean_share = shares.iter().sum::<f64>() / shares.len() as f64;
        let mean_true = true_stds.iter().sum::<f64>() / true_stds.len() as f64;
        assert!(mean_share > 0.85, "mean noise share {mean_share}");
        // V̂ clipped at 0 has a positive mean even at V = 0; it stays well under the noise.
        assert!(mean_true < 0.004, "mean true std {mean_true}");
    }

    #[test]
    fn a_planted_run_shift_is_recovered_without_bias() {
        let population = Population {
            borderline: 0.15,
            sensitive: 0.08,
        };
        let truth = population.true_variance();
        let mut rng = SourceRng::new(12);
        let sims = 2000;
        let mut total = 0.0;
        for _ in 0..sims {
            let matrix = population.draw(30, 90, &mut rng);
            let rows: Vec<&[f32]> = matrix.iter().map(|r| r.as_slice()).collect();
            let sums = Sums::new(&rows);
            let s2 = variance(sums.run_means.iter().copied());
            let v_ind = (0..90).map(|i| sums.point_variance(i, None)).sum::<f64>() / (90.0 * 90.0);
            total += true_variance(s2, v_ind, 90);
        }
        let mean = total / sims as f64;
        // The mean of 2000 unbiased estimates lands within a few standard errors of the truth.
        assert!(
            (mean - truth).abs() < 0.15 * truth,
            "mean V̂ {mean:.3e} vs planted {truth:.3e}"
        );
    }

    #[test]
    fn the_upper_bound_covers_the_true_spread() {
        let population = Population {
            borderline: 0.12,
            sensitive: 0.05,
        };
        let truth = population.true_variance().sqrt();
        let mut rng = SourceRng::new(13);
        let sims = 600;
        let covered = (0..sims)
            .filter(|_| estimate_of(&population.draw(30, 90, &mut rng)).true_std_upper >= truth)
            .count();
        let coverage = covered as f64 / sims as f64;
        assert!(coverage >= 0.90, "coverage {coverage} at n = 90");
    }

    #[test]
    fn identical_runs_have_no_spread_and_no_share() {
        let row = vec![0.0, 1.0, 0.0, 0.0, 1.0];
        let e = estimate(&[&row, &row, &row]).unwrap();
        assert_eq!((e.noise_std, e.true_std, e.noise_share), (0.0, 0.0, None));
    }

    #[test]
    fn a_difference_on_two_disputed_points_is_within_noise() {
        // A beats B on 2 of 40 points: 5 pp, but a paired standard error of 3.5 pp.
        let a = vec![0.0f32; 40];
        let mut b = vec![0.0f32; 40];
        b[0] = 1.0;
        b[1] = 1.0;
        let d = difference_noise(&[&a], &[&b], true).unwrap();
        assert!((d.difference - 0.05).abs() < 1e-12, "{d:?}");
        assert!(d.within_noise, "{d:?}");
        // The same lead on 30 of 400 points is far outside it.
        let mut a = vec![0.0f32; 400];
        let mut b = vec![0.0f32; 400];
        for e in &mut b[..30] {
            *e = 1.0;
        }
        a[399] = 1.0;
        let d = difference_noise(&[&a], &[&b], true).unwrap();
        assert!(!d.within_noise, "{d:?}");
    }

    #[test]
    fn too_few_runs_or_ragged_rows_give_nothing() {
        let a = [0.0f32, 1.0, 0.0];
        assert!(estimate(&[&a, &a]).is_none());
        assert!(estimate(&[&a, &a, &a[..2]]).is_none());
    }
}
