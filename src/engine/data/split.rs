//! The train/test split: which rows are held out, drawn from the `split` stream.
//!
//! `test_count` lives here, not in the config: validation asks the split how many rows it
//! would hold out, so the rule exists once.

use super::Dataset;
use crate::engine::seeds::SourceRng;

/// How many of `samples` points go to the test set: at least one and at most all but one
/// when the fraction is above 0. Fewer than two points cannot be split, and hold none out
/// (validation refuses such a data set before it gets here; this only must not panic).
pub fn test_count(samples: usize, test_fraction: f64) -> usize {
    if test_fraction <= 0.0 || samples < 2 {
        return 0;
    }
    ((samples as f64 * test_fraction).round() as usize).clamp(1, samples.saturating_sub(1))
}

/// A train/test split and which original rows went to the test set.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
    pub test_indices: Vec<usize>,
    /// With a test fraction of 0 the metrics are measured on the training set, as in the
    /// Keras tutorial.
    pub test_is_train: bool,
}

/// Splits with a permutation from `rng` (the `split` stream).
pub fn split(data: &Dataset, test_fraction: f64, rng: &mut SourceRng) -> Split {
    let order = rng.permutation(data.len());
    let n_test = test_count(data.len(), test_fraction);
    let (test_indices, train_indices) = order.split_at(n_test);
    from_rows(data, test_indices, train_indices)
}

/// The split with these test and training rows; no test rows means the metrics are measured
/// on the training rows.
pub fn from_rows(data: &Dataset, test_indices: &[usize], train_indices: &[usize]) -> Split {
    if test_indices.is_empty() {
        return Split {
            train: data.select(train_indices),
            test: data.select(train_indices),
            test_indices: Vec::new(),
            test_is_train: true,
        };
    }
    Split {
        train: data.select(train_indices),
        test: data.select(test_indices),
        test_indices: test_indices.to_vec(),
        test_is_train: false,
    }
}
