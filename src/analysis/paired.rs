//! Two settings compared under common seeds: when run i of A and run i of B drew the same seed
//! for every source (the same master seed, the same condition), each pair differs by the
//! setting alone, and the differences are the comparison. The run-to-run noise both sides
//! share cancels, so the interval of the difference is often several times narrower than two
//! unpaired spreads give (common random numbers, as in simulation studies).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::sample::{mean, std_dev};

/// The paired reading of A against B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Pairs of runs that drew the same seeds.
    pub pairs: usize,
    /// mean(A_i − B_i) and its 95% t interval.
    pub mean_diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The paired t-test's two-sided p.
    pub p: f64,
    /// Pairs where A's result was better (by the metric's direction), worse, and equal.
    pub a_better: usize,
    pub b_better: usize,
    pub ties: usize,
    /// The unpaired (Welch) interval's half-width over the paired one's: how much narrower
    /// common seeds made the answer (∞ when every pair differs by the same amount).
    pub narrower: f64,
    pub verdict: String,
}

/// Pairs A and B's runs by run index where both drew the same seeds; `None` when fewer than
/// two pairs do. `a` and `b` are (run index, seeds, final metric) of finished runs.
pub fn pair_by_seeds<'a, S: PartialEq + 'a>(
    a: impl IntoIterator<Item = (usize, &'a S, f64)>,
    b: impl IntoIterator<Item = (usize, &'a S, f64)>,
) -> Option<(Vec<f64>, Vec<f64>)> {
    // By run index: one lookup a run, not a scan of B (12,500 runs a side).
    let b: std::collections::HashMap<usize, (&S, f64)> = b
        .into_iter()
        .map(|(index, seeds, value)| (index, (seeds, value)))
        .collect();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for (index, seeds, value) in a {
        if let Some((other_seeds, other)) = b.get(&index)
            && *other_seeds == seeds
        {
            left.push(value);
            right.push(*other);
        }
    }
    (left.len() >= 2).then_some((left, right))
}

/// The paired comparison of `a` and `b` (equal lengths, pair i drew the same seeds), read
/// in the metric's direction, with `unpaired_half_width` (Welch's) for scale.
pub fn paired(
    name_a: &str,
    a: &[f64],
    name_b: &str,
    b: &[f64],
    higher_is_better: bool,
    unpaired_half_width: f64,
) -> Option<PairedComparison> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = differences.len();
    let mean_diff = mean(&differences)?;
    let se = std_dev(&differences)? / (n as f64).sqrt();
    let (half, p) = if se == 0.0 {
        (0.0, if mean_diff == 0.0 { 1.0 } else { 0.0 })
    } else {
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
        (
            t.inverse_cdf(0.975) * se,
            2.0 * (1.0 - t.cdf((mean_diff / se).abs())),
        )
    };
    let better = |d: f64| if higher_is_better { d > 0.0 } else { d < 0.0 };
    let a_better = differences.iter().filter(|d| better(**d)).count();
    let ties = differences.iter().filter(|d| **d == 0.0).count();
    let b_better = n - a_better - ties;
    let (ci_low, ci_high) = (mean_diff - half, mean_diff + half);
    let narrower = if half == 0.0 {
        f64::INFINITY
    } else {
        unpaired_half_width / half
    };
    let winner = if ci_low > 0.0 || ci_high < 0.0 {
        let a_wins = (mean_diff > 0.0) == higher_is_better;
        let (w, l) = if a_wins {
            (name_a, name_b)
        } else {
            (name_b, name_a)
        };
        format!("{w} is better than {l} under the same seeds")
    } else {
        format!(
            "under the same seeds, {name_a} and {name_b} differ by less than run-to-run noise can tell"
        )
    };
    let verdict = format!(
        "{winner}: {name_a} was better in {a_better} of {n} pairs, {name_b} in {b_better}, \
         {ties} tied; the paired interval is {} than the unpaired one",
        if !narrower.is_finite() {
            "infinitely narrower (every pair differs by the same amount)".to_string()
        } else if narrower >= 1.0 {
            format!("{narrower:.1}× narrower")
        } else {
            // The seeds' luck did not carry over between the settings: pairing cost a little.
            format!("{:.1}× wider", 1.0 / narrower)
        }
    );
    Some(PairedComparison {
        pairs: n,
        mean_diff,
        ci_low,
        ci_high,
        p,
        a_better,
        b_better,
        ties,
        narrower,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seeds::SourceRng;

    /// Runs whose results share a large per-seed effect (the seeds' luck) and differ by a
    /// small setting effect: unpaired, the luck hides the effect; paired, it cancels.
    #[test]
    fn common_seeds_cancel_the_noise_both_sides_share() {
        let mut rng = SourceRng::new(5);
        let luck: Vec<f64> = (0..30).map(|_| rng.normal_f64() * 0.02).collect();
        let a: Vec<f64> = luck
            .iter()
            .map(|l| 0.90 + 0.004 + l + rng.normal_f64() * 0.001)
            .collect();
        let b: Vec<f64> = luck
            .iter()
            .map(|l| 0.90 + l + rng.normal_f64() * 0.001)
            .collect();
        let (_, _, _, low, high) = super::super::compare::welch(&a, &b).unwrap();
        assert!(low < 0.0 && high > 0.0, "unpaired, the effect is hidden");
        let c = paired("A", &a, "B", &b, true, (high - low) / 2.0).unwrap();
        assert!(c.ci_low > 0.0, "paired, it shows: {c:?}");
        assert!(c.narrower > 5.0, "{c:?}");
        assert!(
            c.verdict
                .starts_with("A is better than B under the same seeds"),
            "{}",
            c.verdict
        );
        assert_eq!(c.a_better + c.b_better + c.ties, 30);
        // For a metric where lower is better, the same numbers make B the better one.
        let mse = paired("A", &a, "B", &b, false, (high - low) / 2.0).unwrap();
        assert!(
            mse.verdict.starts_with("B is better than A"),
            "{}",
            mse.verdict
        );
        assert_eq!(mse.a_better, c.b_better);
    }

    #[test]
    fn runs_pair_only_where_their_seeds_are_equal() {
        let (s1, s2, s3) = (1u64, 2u64, 3u64);
        let a = [(0, &s1, 0.9), (1, &s2, 0.8), (2, &s3, 0.7)];
        let b = [(0, &s1, 0.5), (1, &s3, 0.4), (2, &s3, 0.3)];
        let (left, right) = pair_by_seeds(a, b).unwrap();
        assert_eq!((left, right), (vec![0.9, 0.7], vec![0.5, 0.3]));
        assert!(pair_by_seeds([(0, &s1, 0.9)], [(0, &s1, 0.5)]).is_none());
    }
}
