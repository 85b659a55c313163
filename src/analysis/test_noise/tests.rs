//! The noise estimate checked against simulations with known answers and hand-built cases.
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
