//! How many runs do I need? From one condition's spread: (a) the repeats that pin its mean
//! within ±ε at 95% confidence, and (b) the repeats per side that detect a difference δ
//! between two settings with a given power, by a two-sided two-sample t-test.
//!
//! (b) assumes both settings share the condition's standard deviation s (so Welch's test and
//! Student's coincide at equal n) and computes the power with the usual shifted-t
//! approximation of the noncentral t: power ≈ 1 − F(t_crit − λ) + F(−t_crit − λ), with F the
//! central t CDF on 2n − 2 degrees of freedom and λ = (δ / s)·√(n / 2). statsmodels'
//! `TTestIndPower` uses the exact noncentral t; the two agree within one run (tests/).

use crate::engine::metric::Metric;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// No answer is searched beyond this many runs per side.
pub const MAX_RUNS: usize = 1_000_000;

fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).expect("df > 0").inverse_cdf(p)
}

/// The smallest n ≥ 2 whose 95% t interval of the mean has half-width ≤ `epsilon`, for a
/// sample standard deviation `std`; `Some(1)` when there is no spread at all.
pub fn runs_for_mean_precision(std: f64, epsilon: f64) -> Option<usize> {
    // Written positively so NaN inputs fail the check too.
    let valid = epsilon > 0.0 && std.is_finite() && std >= 0.0;
    if !valid {
        return None;
    }
    if std == 0.0 {
        return Some(1);
    }
    let half_width = |n: usize| t_quantile(0.975, (n - 1) as f64) * std / (n as f64).sqrt();
    smallest(2, |n| half_width(n) <= epsilon)
}

/// Power of the two-sided two-sample t-test with `n` runs per side, effect size
/// `effect = δ / s`, significance `alpha` (shifted-t approximation; see the module notes).
pub fn two_sample_power(effect: f64, n: usize, alpha: f64) -> f64 {
    let df = (2 * n - 2) as f64;
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    let critical = dist.inverse_cdf(1.0 - alpha / 2.0);
    let shift = effect.abs() * (n as f64 / 2.0).sqrt();
    (1.0 - dist.cdf(critical - shift)) + dist.cdf(-critical - shift)
}

/// Runs per side to detect a difference `delta` between two settings whose runs spread with
/// standard deviation `std`, with `power` at significance `alpha` (two-sided).
pub fn runs_per_side_for_difference(std: f64, delta: f64, alpha: f64, power: f64) -> Option<usize> {
    // Written positively so NaN inputs fail the check too.
    let valid = delta.abs() > 0.0 && alpha > 0.0 && alpha < 1.0 && power > 0.0 && power < 1.0;
    if !valid {
        return None;
    }
    if std == 0.0 {
        return Some(2);
    }
    if !std.is_finite() || std < 0.0 {
        return None;
    }
    let effect = delta / std;
    smallest(2, |n| two_sample_power(effect, n, alpha) >= power)
}

/// The smallest n ≥ `from` (up to [`MAX_RUNS`]) for which `enough` holds; `enough` must be
/// monotone in n. Doubling, then bisection.
fn smallest(from: usize, enough: impl Fn(usize) -> bool) -> Option<usize> {
    let mut high = from;
    while !enough(high) {
        if high >= MAX_RUNS {
            return None;
        }
        high = (high * 2).min(MAX_RUNS);
    }
    let mut low = from.max(high / 2);
    if enough(low) {
        return Some(low);
    }
    // enough(low) is false, enough(high) is true.
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if enough(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some(high)
}

/// Significance and power the runs-per-side figure is computed at.
pub const ALPHA: f64 = 0.05;
pub const POWER: f64 = 0.8;

/// The default ε (mean within ±ε): half a percentage point for accuracy; otherwise 5% of
/// the metric's spread over the whole experiment (max − min of every run), so the
/// precision asked for is on the scale the metric actually moves on.
pub fn default_epsilon(metric: &Metric, every_value: &[f64]) -> f64 {
    if metric.is_share_of_points() {
        return 0.005;
    }
    0.05 * spread(every_value)
}

/// The default δ (a difference worth detecting): one percentage point for accuracy;
/// otherwise 10% of the metric's spread over the whole experiment.
pub fn default_delta(metric: &Metric, every_value: &[f64]) -> f64 {
    if metric.is_share_of_points() {
        return 0.01;
    }
    0.1 * spread(every_value)
}

fn spread(values: &[f64]) -> f64 {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if high > low { high - low } else { 0.0 }
}

/// One condition's answer to "how many runs do I need?".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunsPlan {
    pub condition: String,
    /// Finished runs so far, their mean and standard deviation.
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub epsilon: f64,
    /// Runs that pin the mean within ±epsilon at 95% confidence (None: beyond MAX_RUNS).
    pub runs_for_epsilon: Option<usize>,
    /// Half-width of the 95% interval of the mean with the runs there are now.
    pub half_width_now: Option<f64>,
    pub delta: f64,
    pub alpha: f64,
    pub power: f64,
    /// Runs per side to detect a difference delta between two settings spreading like this
    /// one, two-sided, at `alpha` with `power` (shifted-t approximation).
    pub runs_per_side_for_delta: Option<usize>,
}

impl RunsPlan {
    /// Whether the runs there are already pin the mean within ±epsilon.
    pub fn enough_for_epsilon(&self) -> bool {
        self.runs_for_epsilon.is_some_and(|needed| self.n >= needed)
    }
}

/// The plan for `condition` from its final metrics (at least two).
pub fn plan_runs(condition: &str, values: &[f64], epsilon: f64, delta: f64) -> Option<RunsPlan> {
    if values.len() < 2 {
        return None;
    }
    let std = super::sample::std_dev(values)?;
    let half_width_now = super::sample::mean_ci95(values).map(|(low, high)| (high - low) / 2.0);
    Some(RunsPlan {
        condition: condition.to_string(),
        n: values.len(),
        mean: super::sample::mean(values)?,
        std,
        epsilon,
        runs_for_epsilon: runs_for_mean_precision(std, epsilon),
        half_width_now,
        delta,
        alpha: ALPHA,
        power: POWER,
        runs_per_side_for_delta: runs_per_side_for_difference(std, delta, ALPHA, POWER),
    })
}

/// The running mean and standard deviation of the first 1, 2, … N values, each with its
/// 95% interval (t for the mean; chi-square for the std), for the convergence plot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunningEstimate {
    pub n: usize,
    pub mean: f64,
    pub mean_ci: Option<(f64, f64)>,
    pub std: Option<f64>,
    pub std_ci: Option<(f64, f64)>,
}

pub fn running_estimates(values: &[f64]) -> Vec<RunningEstimate> {
    let every: Vec<usize> = (1..=values.len()).collect();
    running_estimates_at(values, &every)
}

/// [`running_estimates`] at the first `ns[k]` values only (each `n` in `1..=values.len()`):
/// the same estimates, for a plot that draws a few hundred of 12,500 (each costs O(n) and two
/// inverse CDFs; all of them took most of a second).
pub fn running_estimates_at(values: &[f64], ns: &[usize]) -> Vec<RunningEstimate> {
    use statrs::distribution::ChiSquared;
    ns.iter()
        .map(|&n| {
            let head = &values[..n];
            let mean = super::sample::mean(head).unwrap_or(f64::NAN);
            let std = (n >= 2).then(|| super::sample::std_dev(head).unwrap_or(0.0));
            let std_ci = std.and_then(|s| {
                let df = (n - 1) as f64;
                let chi = ChiSquared::new(df).ok()?;
                let (upper, lower) = (chi.inverse_cdf(0.975), chi.inverse_cdf(0.025));
                Some((s * (df / upper).sqrt(), s * (df / lower).sqrt()))
            });
            RunningEstimate {
                n,
                mean,
                mean_ci: super::sample::mean_ci95(head),
                std,
                std_ci,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_estimates_at_some_ns_are_those_of_every_n() {
        let values: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64 / 10.0).collect();
        let every = running_estimates(&values);
        let ns = [1, 2, 7, 40];
        let some = running_estimates_at(&values, &ns);
        let picked: Vec<RunningEstimate> = ns.iter().map(|&n| every[n - 1].clone()).collect();
        assert_eq!(some, picked);
    }

    /// statsmodels 0.15.0 `TTestIndPower().solve_power(effect_size=δ/s, alpha, power,
    /// ratio=1, alternative="two-sided")`, with SciPy 1.17.1: (s, δ, α, power, n per side).
    const STATSMODELS: [(f64, f64, f64, f64, f64); 8] = [
        (0.02, 0.01, 0.05, 0.8, 63.76561058891169),
        (0.0266, 0.01, 0.05, 0.8, 112.03929089428294),
        (1.0, 0.5, 0.05, 0.8, 63.76561058891169),
        (1.0, 0.8, 0.05, 0.9, 33.825542344160304),
        (0.0086, 0.005, 0.01, 0.8, 70.77852198862045),
        (2.0, 1.0, 0.05, 0.95, 104.92794303092515),
        (0.133, 0.05, 0.05, 0.8, 112.03929089428304),
        (1.0, 0.2, 0.05, 0.8, 393.4056930002526),
    ];

    #[test]
    fn runs_per_side_are_within_one_of_statsmodels() {
        for (std, delta, alpha, power, reference) in STATSMODELS {
            let n = runs_per_side_for_difference(std, delta, alpha, power).unwrap();
            let needed = reference.ceil() as usize;
            assert!(
                n.abs_diff(needed) <= 1,
                "s={std} δ={delta} α={alpha} power={power}: {n}, statsmodels {reference}"
            );
        }
    }

    #[test]
    fn mean_precision_matches_the_t_interval() {
        // Smallest n with t(0.975, n−1)·s/√n ≤ ε, found by SciPy 1.17.1's t.ppf, n = 2, 3, ….
        for (std, epsilon, reference) in [
            (0.0266, 0.005, 112),
            (0.0266, 0.01, 30),
            (1.0, 0.5, 18),
            (0.0086, 0.002, 74),
        ] {
            assert_eq!(
                runs_for_mean_precision(std, epsilon),
                Some(reference),
                "s={std} ε={epsilon}"
            );
        }
        assert_eq!(runs_for_mean_precision(0.0, 0.01), Some(1));
        assert_eq!(runs_for_mean_precision(0.1, 0.0), None);
    }

    #[test]
    fn a_plan_reads_its_condition_and_says_whether_it_is_enough() {
        let values: Vec<f64> = (0..30).map(|i| 0.9 + 0.002 * f64::from(i % 10)).collect();
        let plan = plan_runs("only-init", &values, 0.005, 0.01).unwrap();
        assert_eq!(plan.n, 30);
        assert_eq!(
            plan.runs_for_epsilon,
            runs_for_mean_precision(plan.std, 0.005)
        );
        assert!(plan.enough_for_epsilon(), "{plan:?}");
        assert!(plan.half_width_now.unwrap() <= 0.005);
        let strict = plan_runs("only-init", &values, 0.0005, 0.01).unwrap();
        assert!(!strict.enough_for_epsilon());
        assert_eq!(default_epsilon(&Metric::Accuracy, &values), 0.005);
        assert!((default_epsilon(&Metric::Mse, &[1.0, 3.0]) - 0.1).abs() < 1e-12);
        assert!((default_delta(&Metric::Mse, &[1.0, 3.0]) - 0.2).abs() < 1e-12);
        assert!(plan_runs("x", &[0.9], 0.1, 0.1).is_none());
    }

    #[test]
    fn running_estimates_grow_one_point_per_run() {
        let values = [0.9, 0.92, 0.94, 0.91];
        let running = running_estimates(&values);
        assert_eq!(running.len(), 4);
        assert_eq!(running[0].std, None);
        assert!((running[3].mean - 0.9175).abs() < 1e-12);
        let (low, high) = running[3].std_ci.unwrap();
        let std = running[3].std.unwrap();
        assert!(low < std && std < high);
    }
}
