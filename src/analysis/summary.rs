//! Per-condition summaries of a sweep's runs: spread, intervals, distinct weights, churn.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::agreement::{churn, matched_by_position, why_no_churn};
use super::counted_noise::{counted_noise_note, counted_points};
use super::sample::{bootstrap_ci, mean, mean_ci95, quantile, std_dev};
use super::test_noise;
use crate::engine::metric::Metric;
use crate::engine::record::RunRecord;
use crate::engine::seeds::{Condition, Source};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionSummary {
    pub condition: Condition,
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
    /// Every finished run reported the same outcome, and the runs reported no weights hash (a
    /// command's runs): the same results, with nothing said about the weights' bits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identical_results: bool,
    /// Test-set noise (docs/test-set-noise.md, `analysis::test_noise`): `None` where the runs were not all
    /// scored on the same test points, or recorded no per-point errors.
    #[serde(default)]
    pub test_points: Option<usize>,
    /// The spread independent per-point coin flips give on this test set.
    #[serde(default)]
    pub noise_std: Option<f64>,
    /// How much of the spread's variance is test-set noise, 0–1.
    #[serde(default)]
    pub noise_share: Option<f64>,
    /// The estimated spread of the runs' true accuracy, and the upper end of its 95% interval.
    #[serde(default)]
    pub true_std: Option<f64>,
    #[serde(default)]
    pub true_std_upper: Option<f64>,
    /// Why the noise could not be separated, when it could not.
    #[serde(default)]
    pub noise_note: Option<String>,
    /// Mean and spread of the fresh-data score (`data::fresh`): present only when every run
    /// with a test metric has one, never from part of a condition's runs.
    #[serde(default)]
    pub fresh_mean: Option<f64>,
    #[serde(default)]
    pub fresh_std: Option<f64>,
}

impl ConditionSummary {
    /// "bitwise identical", "2 diverged", "1 failed": what a table shows beside the numbers.
    pub fn notes(&self) -> Vec<String> {
        self.note_parts()
            .into_iter()
            .map(|(note, why)| match why {
                Some(why) => format!("{note} ({why})"),
                None => note,
            })
            .collect()
    }

    /// The notes without their reasons, for a table with little room (the app's, which shows
    /// [`Self::notes`] on hover).
    pub fn short_notes(&self) -> Vec<String> {
        self.note_parts()
            .into_iter()
            .map(|(note, _)| note)
            .collect()
    }

    /// Each note, and why it is worded so where that needs saying.
    fn note_parts(&self) -> Vec<(String, Option<&'static str>)> {
        let mut notes = Vec::new();
        if self.bitwise_identical {
            notes.push(("bitwise identical".to_string(), None));
        }
        if self.identical_results {
            notes.push((
                "identical results".to_string(),
                Some("no weights hash reported"),
            ));
        }
        if self.diverged > 0 {
            notes.push((format!("{} diverged", self.diverged), None));
        }
        if self.failed > 0 {
            notes.push((format!("{} failed", self.failed), None));
        }
        notes
    }
}

pub use super::words::format_value;

/// What a condition's summary is computed from: plain numbers, whichever file, store or
/// sweep the runs came from. It owns them, so the app can summarise on another thread.
#[derive(Clone, Debug)]
pub struct Outcomes {
    /// The final test metric of each run that has one (not failed, not diverged), in
    /// run-index order: a float sum depends on the order of its terms.
    pub metrics: Vec<f64>,
    /// Finished runs (diverged included) and how many distinct final weight hashes they have.
    pub finished: usize,
    pub distinct_hashes: usize,
    /// Every finished run's hash is of its weights (false when a command reported none and
    /// the hash is of its outcome: `engine::command::result::OUTCOME_HASH_PREFIX`).
    pub hashes_are_weights: bool,
    pub diverged: usize,
    pub failed: usize,
    /// Mean pairwise prediction disagreement, where it is meaningful.
    pub churn: Option<f64>,
    /// The per-point errors the test-set noise is estimated from, or why there is none.
    pub noise: Result<ErrorRows, String>,
    /// Runs that report only a correct/total count, on one test set stated fixed: its size
    /// (the counts then bound the test-set noise, [`counted_noise_note`]).
    pub counted_points: Option<usize>,
    /// The fresh-data score of every run that has a test metric, if every one has it.
    pub fresh: Option<Vec<f64>>,
}

/// Each scored run's error on each test point, one row after another (every row `points`
/// long, the points in the same order).
#[derive(Clone, Debug, Default)]
pub struct ErrorRows {
    pub points: usize,
    pub errors: Vec<f32>,
}

impl ErrorRows {
    fn rows(&self) -> Vec<&[f32]> {
        self.errors.chunks(self.points.max(1)).collect()
    }
}

impl Outcomes {
    /// The outcomes of one condition's runs, given in run-index order. Churn is left out where
    /// the runs cannot be matched point by point ([`why_no_churn`]).
    pub fn of_runs(runs: &[&RunRecord], condition: &Condition) -> Outcomes {
        let data_free = condition.is_free(Source::Data);
        let points_move = data_free || condition.is_free(Source::Split);
        let comparable =
            why_no_churn(condition, || matched_by_position(runs.iter().copied())).is_none();
        let finished: Vec<&&RunRecord> = runs.iter().filter(|r| r.error.is_none()).collect();
        let scored: Vec<&&RunRecord> = runs
            .iter()
            .filter(|r| r.final_test_metric.is_some())
            .collect();
        let distinct: HashSet<&str> = finished.iter().map(|r| r.weights_hash.as_str()).collect();
        Outcomes {
            metrics: runs.iter().filter_map(|r| r.final_test_metric).collect(),
            finished: finished.len(),
            distinct_hashes: distinct.len(),
            hashes_are_weights: finished
                .iter()
                .all(|r| crate::engine::command::result::hashes_weights(r)),
            diverged: runs.iter().filter(|r| r.diverged).count(),
            failed: runs.len() - finished.len(),
            churn: if comparable { churn(runs) } else { None },
            noise: noise_of(&scored, data_free, points_move),
            counted_points: counted_points(&scored).filter(|_| !points_move),
            fresh: scored.iter().map(|r| r.fresh_metric).collect(),
        }
    }
}

/// The errors of runs that share one test set; otherwise why the noise cannot be estimated.
/// `points_move`: the condition frees the split or the data (or one seed that drives them).
fn noise_of(
    scored: &[&&RunRecord],
    data_free: bool,
    points_move: bool,
) -> Result<ErrorRows, String> {
    if !scored.is_empty() && scored.iter().all(|r| r.test_errors.is_empty()) {
        return Err(match counted_points(scored) {
            None => "the runs report no per-example errors (a command's test_ids and test_errors), \
                     so test-set noise cannot be told apart from the model's own spread"
                .into(),
            Some(_) if points_move => "each run may score other test points (its split or data seed is free, or one seed \
                 drives them), so --fixed-test-set does not hold here: no test-set noise is estimated"
                .into(),
            // Filled in with the spread by `counted_noise_note`.
            Some(points) => format!("counted on {points} points"),
        });
    }
    let same_points = scored
        .windows(2)
        .all(|pair| pair[0].test_indices == pair[1].test_indices);
    if data_free || !same_points {
        return Err("the runs were scored on different test points (a free split or data source draws them \
                    from one pool), so test-set noise cannot be told apart from these runs alone; \
                    fresh data or a fixed split can"
            .into());
    }
    if scored.iter().any(|r| r.test_errors.is_empty()) {
        return Err(
            "some runs were recorded without per-point errors (by an older seedscope)".into(),
        );
    }
    let points = scored.first().map_or(0, |r| r.test_errors.len());
    if scored.iter().any(|r| r.test_errors.len() != points) {
        return Err("the runs recorded different numbers of per-point errors".into());
    }
    Ok(ErrorRows {
        points,
        errors: scored
            .iter()
            .flat_map(|r| r.test_errors.iter().copied())
            .collect(),
    })
}

/// The part of a summary that is quick to compute (everything but the bootstrap interval of
/// the std and the test-set noise): what the app shows of a large condition until the rest
/// arrives from its summary thread.
pub fn quick_summary(condition: Condition, outcomes: &Outcomes) -> ConditionSummary {
    let values = &outcomes.metrics;
    let ci = mean_ci95(values);
    let fresh = outcomes.fresh.as_deref();
    ConditionSummary {
        condition,
        n: values.len(),
        diverged: outcomes.diverged,
        failed: outcomes.failed,
        mean: mean(values),
        std: std_dev(values),
        median: quantile(values, 0.5),
        iqr: quantile(values, 0.75)
            .zip(quantile(values, 0.25))
            .map(|(h, l)| h - l),
        min: values.iter().copied().reduce(f64::min),
        max: values.iter().copied().reduce(f64::max),
        ci95_low: ci.map(|c| c.0),
        ci95_high: ci.map(|c| c.1),
        std_ci95_low: None,
        std_ci95_high: None,
        churn: outcomes.churn,
        distinct_hashes: outcomes.distinct_hashes,
        bitwise_identical: outcomes.finished >= 2
            && outcomes.distinct_hashes == 1
            && outcomes.hashes_are_weights,
        identical_results: outcomes.finished >= 2
            && outcomes.distinct_hashes == 1
            && !outcomes.hashes_are_weights,
        test_points: None,
        noise_std: None,
        noise_share: None,
        true_std: None,
        true_std_upper: None,
        noise_note: Some("still being computed".into()),
        fresh_mean: fresh.and_then(mean),
        fresh_std: fresh.and_then(std_dev),
    }
}

/// The summary of one condition from its outcomes.
pub fn summarize_outcomes(condition: Condition, outcomes: &Outcomes) -> ConditionSummary {
    let values = &outcomes.metrics;
    let std_ci = bootstrap_ci(values, |v| std_dev(v).unwrap_or(0.0));
    let noise = outcomes
        .noise
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|rows| {
            test_noise::estimate(&rows.rows()).ok_or_else(|| {
                "it takes at least 3 runs on at least 3 test points to estimate the test-set noise"
                    .to_string()
            })
        });
    let noise = match (noise, outcomes.counted_points) {
        (Err(_), Some(points)) => Err(counted_noise_note(values, points)),
        (noise, _) => noise,
    };
    let estimate = noise.as_ref().ok();
    ConditionSummary {
        std_ci95_low: std_ci.map(|c| c.0),
        std_ci95_high: std_ci.map(|c| c.1),
        test_points: estimate.map(|n| n.test_points).or(outcomes.counted_points),
        noise_std: estimate.map(|n| n.noise_std),
        noise_share: estimate.and_then(|n| n.noise_share),
        true_std: estimate.map(|n| n.true_std),
        true_std_upper: estimate.map(|n| n.true_std_upper),
        noise_note: noise.err(),
        ..quick_summary(condition, outcomes)
    }
}

/// One summary per condition, in the sweep's order.
pub fn summarize_conditions(conditions: &[Condition], runs: &[RunRecord]) -> Vec<ConditionSummary> {
    conditions
        .iter()
        .map(|condition| summarize_condition(condition, runs))
        .collect()
}

/// The final test metrics and weight hashes of the runs that finished (not failed, not
/// diverged), in run-index order: what a comparison, a seed-luck reading and the
/// convergence plot read. The one place finished outcomes are gathered.
pub fn finished_outcomes<'a>(
    runs: impl IntoIterator<Item = &'a RunRecord>,
) -> (Vec<f64>, Vec<&'a str>) {
    let mut finished: Vec<&RunRecord> = runs.into_iter().filter(|r| r.error.is_none()).collect();
    finished.sort_by_key(|r| r.run_index);
    finished
        .iter()
        .filter_map(|r| r.final_test_metric.map(|v| (v, r.weights_hash.as_str())))
        .unzip()
}

/// What the runs measure: their first finished run's metric (a failed run records none).
pub fn metric_of<'a>(runs: impl IntoIterator<Item = &'a RunRecord>) -> Option<Metric> {
    runs.into_iter()
        .find(|r| r.error.is_none())
        .map(|r| r.metric.clone())
}

/// The summary of one condition's runs among `runs`, whatever order they are in: runs arrive
/// in the order workers finish them, and a float sum (so a mean) depends on the order of its
/// terms, so the runs are taken in run-index order.
pub fn summarize_condition(condition: &Condition, runs: &[RunRecord]) -> ConditionSummary {
    let mut of_condition: Vec<&RunRecord> =
        runs.iter().filter(|r| r.condition == *condition).collect();
    of_condition.sort_by_key(|r| r.run_index);
    summarize_outcomes(*condition, &Outcomes::of_runs(&of_condition, condition))
}

#[cfg(test)]
mod tests {
    use super::format_value;

    #[test]
    fn a_huge_value_is_printed_in_e_notation_not_hundreds_of_digits() {
        assert_eq!(format_value(Some(1.5e308)), "1.500e308");
        assert_eq!(format_value(Some(0.8611)), "0.8611");
        assert_eq!(format_value(Some(123456.0)), "123456.0000");
        assert_eq!(format_value(Some(0.0001)), "1.000e-4");
    }
}
