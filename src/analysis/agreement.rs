//! Where runs disagree: prediction churn between runs, and the map over the input plane of how
//! many runs predict class 1.

use std::collections::HashMap;

use crate::engine::record::RunRecord;
use crate::engine::seeds::{Condition, Source};

/// Why a condition's runs have no churn to compare, or `None` when they can have one.
///
/// Churn matches runs point by point. With the data source free each run draws its own points,
/// so no point is classified by two runs. With the split free, runs that name their test rows
/// (`test_indices`: every built-in run, a command that reports `test_ids`) are matched on the
/// rows they share; runs matched only by position (no row ids) would pair different points.
/// `matched_by_position` is asked only when the split is free (it scans the runs).
pub fn why_no_churn(
    condition: &Condition,
    matched_by_position: impl FnOnce() -> bool,
) -> Option<&'static str> {
    why_no_churn_of(condition, true, matched_by_position)
}

/// [`why_no_churn`], for runs that may report no per-point predictions at all (a command's):
/// then that is the reason, whatever the condition frees.
pub fn why_no_churn_of(
    condition: &Condition,
    reports_points: bool,
    matched_by_position: impl FnOnce() -> bool,
) -> Option<&'static str> {
    if !reports_points {
        Some(
            "the runs report no per-example predictions (a command's test_ids and predictions), so no point can be compared between runs",
        )
    } else if condition.is_free(Source::Data) {
        Some(
            "the data source is free: every run draws its own points, so no point is classified by two runs",
        )
    } else if condition.is_free(Source::Split) && matched_by_position() {
        Some(
            "the split is free and the runs name no test rows (test_ids), so no point can be matched between runs",
        )
    } else {
        None
    }
}

/// Whether runs are matched point by point by position, having recorded no row ids.
pub fn matched_by_position<'a>(runs: impl IntoIterator<Item = &'a RunRecord>) -> bool {
    runs.into_iter()
        .any(|r| r.test_indices.is_empty() && !r.test_predictions.is_empty())
}

/// The fraction of shared test rows on which two runs predict differently, or `None` when they
/// share no row. Rows are matched by their index in the generated data set, so this is only
/// meaningful when both runs saw the same data (the `data` source fixed). With a test fraction
/// of 0 (metrics on the training set) rows are matched by position.
pub fn pair_disagreement(a: &RunRecord, b: &RunRecord) -> Option<f64> {
    if a.test_indices.is_empty() && b.test_indices.is_empty() {
        if a.test_predictions.len() != b.test_predictions.len() || a.test_predictions.is_empty() {
            return None;
        }
        let differ = a
            .test_predictions
            .iter()
            .zip(&b.test_predictions)
            .filter(|(x, y)| x != y)
            .count();
        return Some(differ as f64 / a.test_predictions.len() as f64);
    }
    let of_a: HashMap<usize, f32> = a
        .test_indices
        .iter()
        .copied()
        .zip(a.test_predictions.iter().copied())
        .collect();
    let (mut shared, mut differ) = (0usize, 0usize);
    for (index, prediction) in b.test_indices.iter().zip(&b.test_predictions) {
        if let Some(other) = of_a.get(index) {
            shared += 1;
            differ += usize::from(other != prediction);
        }
    }
    (shared > 0).then(|| differ as f64 / shared as f64)
}

/// Churn: of every (pair of runs, test point both scored) combination, the share on which the
/// two runs predict differently (classification only). Where all runs share one test set this
/// is the mean over pairs of [`pair_disagreement`]; where test sets differ (split free), each
/// pair weighs by the points it shares.
///
/// Computed from per-point vote counts ([`Votes`]) in O(runs × points), not over every pair
/// (O(runs² × points), seconds at 10,000 runs), and in integers until the final division,
/// so the same runs give the same bits in any order, added at once or one by one.
pub fn churn(runs: &[&RunRecord]) -> Option<f64> {
    let mut votes = Votes::default();
    for run in runs {
        votes.add(run);
    }
    votes.churn()
}

/// How many runs predicted each class at each test point, keyed by the point's row (its
/// position in the test set when runs record no row indices, i.e. a test fraction of 0).
#[derive(Clone, Debug, Default)]
pub struct Votes {
    /// Row → (class bits, runs that predicted it) for the few classes seen there.
    by_point: HashMap<usize, Vec<(u32, u64)>>,
}

impl Votes {
    /// Counts `run`'s predictions; a failed, diverged or non-classification run casts none.
    pub fn add(&mut self, run: &RunRecord) {
        if !run.metric.is_share_of_points() || run.error.is_some() || run.diverged {
            return;
        }
        let by_position = run.test_indices.is_empty();
        for (position, prediction) in run.test_predictions.iter().enumerate() {
            let row = if by_position {
                position
            } else {
                match run.test_indices.get(position) {
                    Some(&row) => row,
                    None => continue,
                }
            };
            let classes = self.by_point.entry(row).or_default();
            let bits = prediction.to_bits();
            match classes.iter_mut().find(|(class, _)| *class == bits) {
                Some((_, count)) => *count += 1,
                None => classes.push((bits, 1)),
            }
        }
    }

    /// The churn of the runs counted so far, or `None` when no two runs share a point.
    pub fn churn(&self) -> Option<f64> {
        let (mut differ, mut shared) = (0u128, 0u128);
        for classes in self.by_point.values() {
            let runs: u128 = classes.iter().map(|(_, c)| u128::from(*c)).sum();
            let agreeing: u128 = classes
                .iter()
                .map(|(_, c)| u128::from(*c) * u128::from(c.saturating_sub(1)) / 2)
                .sum();
            let pairs = runs * runs.saturating_sub(1) / 2;
            shared += pairs;
            differ += pairs - agreeing;
        }
        (shared > 0).then(|| differ as f64 / shared as f64)
    }
}

/// Per grid cell, the fraction of runs whose prediction there is class 1 (binary tasks); 0 or 1
/// where all runs agree, 0.5 where they split evenly. `grids` are `RunRecord::grid` strings.
pub fn class_one_fraction(grids: &[&str]) -> Option<Vec<f64>> {
    let cells = grids.first()?.len();
    if grids.iter().any(|g| g.len() != cells) {
        return None;
    }
    let mut counts = vec![0usize; cells];
    for grid in grids {
        for (count, class) in counts.iter_mut().zip(grid.bytes()) {
            *count += usize::from(class == b'1');
        }
    }
    Some(
        counts
            .into_iter()
            .map(|c| c as f64 / grids.len() as f64)
            .collect(),
    )
}

/// Per grid cell, the fraction of runs that predict the cell's most common class (any number of
/// classes): 1 where all runs agree.
pub fn majority_agreement(grids: &[&str]) -> Option<Vec<f64>> {
    let cells = grids.first()?.len();
    if grids.iter().any(|g| g.len() != cells) {
        return None;
    }
    let rows: Vec<&[u8]> = grids.iter().map(|g| g.as_bytes()).collect();
    Some(
        (0..cells)
            .map(|cell| {
                let mut counts = [0usize; 10];
                for row in &rows {
                    counts[usize::from(row[cell].saturating_sub(b'0')).min(9)] += 1;
                }
                *counts.iter().max().unwrap_or(&0) as f64 / grids.len() as f64
            })
            .collect(),
    )
}

/// One test row of a fixed data set, as the runs that tested it saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct DisputedPoint {
    /// The row of the data set.
    pub row: usize,
    /// Its true class.
    pub truth: usize,
    /// How many runs had it in their test set, and how many of them got it right.
    pub runs: usize,
    pub right: usize,
    /// Predicted class → how many runs predicted it, most votes first.
    pub votes: Vec<(usize, usize)>,
}

impl DisputedPoint {
    /// Share of the runs that got it right.
    pub fn right_share(&self) -> f64 {
        self.right as f64 / self.runs as f64
    }

    /// 1 − the majority's share: 0 when every run predicts the same class.
    pub fn disagreement(&self) -> f64 {
        let top = self.votes.first().map_or(0, |v| v.1);
        1.0 - top as f64 / self.runs as f64
    }
}

/// Every test row of classification runs on a fixed data set (rows identified by
/// `test_indices`), with the runs' votes, most disputed first (ties: fewer right first, then
/// by row). `truth` gives a row's class.
pub fn disputed_points(runs: &[&RunRecord], truth: impl Fn(usize) -> usize) -> Vec<DisputedPoint> {
    let mut votes: HashMap<usize, HashMap<usize, usize>> = HashMap::new();
    for run in runs.iter().filter(|r| r.error.is_none()) {
        for (&row, &predicted) in run.test_indices.iter().zip(&run.test_predictions) {
            *votes
                .entry(row)
                .or_default()
                .entry(predicted as usize)
                .or_default() += 1;
        }
    }
    let mut points: Vec<DisputedPoint> = votes
        .into_iter()
        .map(|(row, counts)| {
            let truth = truth(row);
            let mut votes: Vec<(usize, usize)> = counts.into_iter().collect();
            votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let runs = votes.iter().map(|v| v.1).sum();
            let right = votes.iter().find(|v| v.0 == truth).map_or(0, |v| v.1);
            DisputedPoint {
                row,
                truth,
                runs,
                right,
                votes,
            }
        })
        .collect();
    points.sort_by(|a, b| {
        b.disagreement()
            .total_cmp(&a.disagreement())
            .then(a.right_share().total_cmp(&b.right_share()))
            .then(a.row.cmp(&b.row))
    });
    points
}

#[cfg(test)]
mod disputed_tests {
    use super::*;

    fn run(test_indices: Vec<usize>, predictions: Vec<f32>) -> RunRecord {
        RunRecord {
            test_indices,
            test_predictions: predictions,
            ..RunRecord::failed(crate::engine::seeds::Condition::ALL_FREE, 0, "x".into())
        }
    }

    #[test]
    fn points_are_ranked_by_how_much_runs_disagree() {
        let mut runs = vec![
            run(vec![0, 1, 2], vec![0.0, 1.0, 2.0]),
            run(vec![0, 1, 2], vec![0.0, 1.0, 1.0]),
            run(vec![0, 1, 3], vec![0.0, 2.0, 0.0]),
        ];
        for r in &mut runs {
            r.error = None;
        }
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let points = disputed_points(&refs, |row| [0, 1, 2, 0][row]);
        let order: Vec<usize> = points.iter().map(|p| p.row).collect();
        // Row 2: 1 of 2 runs each way; row 1: 2 of 3 agree; rows 0 and 3: unanimous.
        assert_eq!(order, vec![2, 1, 0, 3]);
        assert_eq!((points[0].runs, points[0].right), (2, 1));
        assert_eq!(points[1].votes, vec![(1, 2), (2, 1)]);
        assert_eq!(points[2].disagreement(), 0.0);
    }
}

#[cfg(test)]
mod why_no_churn_tests {
    use super::*;

    #[test]
    fn churn_needs_points_two_runs_both_classified() {
        let condition = |name: &str| name.parse::<Condition>().unwrap();
        // Data free: never; split free: only when rows are named; otherwise always.
        assert!(why_no_churn(&condition("only-data"), || false).is_some());
        assert!(why_no_churn(&condition("all-free"), || false).is_some());
        assert!(why_no_churn(&condition("only-split"), || false).is_none());
        assert!(why_no_churn(&condition("only-split"), || true).is_some());
        assert!(why_no_churn(&condition("only-init"), || true).is_none());
        assert!(why_no_churn(&condition("all-fixed"), || true).is_none());
    }
}
