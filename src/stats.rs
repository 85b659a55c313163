//! Per-condition summaries of a sweep's runs.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::results::RunRecord;
use crate::seeds::Condition;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionSummary {
    pub condition: String,
    /// Runs with a final test metric (not failed, not diverged).
    pub n: usize,
    pub diverged: usize,
    pub failed: usize,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub std: Option<f64>,
    pub median: Option<f64>,
    /// Interquartile range (q75 − q25).
    pub iqr: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// 95% confidence interval of the mean (Student t).
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Percentile-bootstrap 95% CI of the std.
    pub std_ci95_low: Option<f64>,
    pub std_ci95_high: Option<f64>,
    /// Mean pairwise disagreement of test predictions (classification, data source fixed).
    pub churn: Option<f64>,
    /// Distinct final weight hashes among all finished runs (diverged included).
    pub distinct_hashes: usize,
    /// Every finished run produced bitwise the same weights (and there were at least two).
    pub bitwise_identical: bool,
}

impl ConditionSummary {
    /// "bitwise identical", "2 diverged", "1 failed": what a table shows beside the numbers.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.bitwise_identical {
            notes.push("bitwise identical".to_string());
        }
        if self.diverged > 0 {
            notes.push(format!("{} diverged", self.diverged));
        }
        if self.failed > 0 {
            notes.push(format!("{} failed", self.failed));
        }
        notes
    }
}

/// A metric for tables: four decimals, or three significant digits when it is tiny (MSE).
pub fn format_value(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v != 0.0 && v.abs() < 0.001 => format!("{v:.3e}"),
        Some(v) => format!("{v:.4}"),
    }
}

pub fn mean(values: &[f64]) -> Option<f64> {
    let first = *values.first()?;
    // Thirty runs of 0.9 must average to 0.9, not 0.8999999999999996: a bitwise-identical
    // condition should read as exactly one value everywhere.
    if values.iter().all(|v| v.to_bits() == first.to_bits()) {
        return Some(first);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation; 0 for a single value.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    // Identical values have no spread; the mean's rounding must not invent 1e-16 of it.
    if values.len() < 2 || values.iter().all(|v| v.to_bits() == values[0].to_bits()) {
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

fn summarize(condition: &str, runs: &[&RunRecord]) -> ConditionSummary {
    let values: Vec<f64> = runs.iter().filter_map(|r| r.final_test_metric).collect();
    let finished: Vec<&&RunRecord> = runs.iter().filter(|r| r.error.is_none()).collect();
    let hashes: HashSet<&str> = finished.iter().map(|r| r.weights_hash.as_str()).collect();
    let ci = mean_ci95(&values);
    let std_ci = crate::compare::bootstrap_ci(&values, |v| std_dev(v).unwrap_or(0.0));
    // With the data source free, row i is a different point in every run: no churn to compare.
    let data_free = condition
        .parse::<Condition>()
        .is_ok_and(|c| c.is_free(crate::seeds::Source::Data));
    ConditionSummary {
        condition: condition.to_string(),
        n: values.len(),
        diverged: runs.iter().filter(|r| r.diverged).count(),
        failed: runs.len() - finished.len(),
        mean: mean(&values),
        std: std_dev(&values),
        median: quantile(&values, 0.5),
        iqr: quantile(&values, 0.75)
            .zip(quantile(&values, 0.25))
            .map(|(h, l)| h - l),
        min: values.iter().copied().reduce(f64::min),
        max: values.iter().copied().reduce(f64::max),
        ci95_low: ci.map(|c| c.0),
        ci95_high: ci.map(|c| c.1),
        std_ci95_low: std_ci.map(|c| c.0),
        std_ci95_high: std_ci.map(|c| c.1),
        churn: if data_free {
            None
        } else {
            crate::agreement::churn(runs)
        },
        distinct_hashes: hashes.len(),
        bitwise_identical: finished.len() >= 2 && hashes.len() == 1,
    }
}

/// One summary per condition, in the sweep's order.
pub fn summarize_conditions(conditions: &[Condition], runs: &[RunRecord]) -> Vec<ConditionSummary> {
    conditions
        .iter()
        .map(|condition| summarize_condition(condition, runs))
        .collect()
}

/// The summary of one condition's runs among `runs`, whatever order they are in: runs arrive
/// in the order workers finish them, and a float sum (so a mean) depends on the order of its
/// terms, so the runs are taken in run-index order.
pub fn summarize_condition(condition: &Condition, runs: &[RunRecord]) -> ConditionSummary {
    let name = condition.to_string();
    let mut of_condition: Vec<&RunRecord> = runs.iter().filter(|r| r.condition == name).collect();
    of_condition.sort_by_key(|r| r.run_index);
    summarize(&name, &of_condition)
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
        assert_eq!(mean_ci95(&[0.9; 30]), Some((0.9, 0.9)));
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 3, 4], 0.25) == 1.75
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.25), Some(1.75));
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
    }
}
