//! Where runs disagree: prediction churn between runs, and the map over the input plane of how
//! many runs predict class 1.

use std::collections::HashMap;

use crate::engine::record::RunRecord;

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

/// Churn: the mean disagreement over every pair of runs (classification only).
pub fn churn(runs: &[&RunRecord]) -> Option<f64> {
    let classified: Vec<&&RunRecord> = runs
        .iter()
        .filter(|r| r.metric == "accuracy" && r.error.is_none() && !r.diverged)
        .collect();
    let mut total = 0.0;
    let mut pairs = 0usize;
    for i in 0..classified.len() {
        for j in i + 1..classified.len() {
            if let Some(d) = pair_disagreement(classified[i], classified[j]) {
                total += d;
                pairs += 1;
            }
        }
    }
    (pairs > 0).then(|| total / pairs as f64)
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
