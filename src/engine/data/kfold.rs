//! k-fold cross-validation as a split mode (`data.split = "k-fold"`, `data.k` folds).
//!
//! One partition of the rows into k folds is drawn from the experiment's *fixed* split seed,
//! stratified by class. The `split` source then decides which fold a run tests on: fixed, every
//! run tests on fold 0 (so all-fixed still collapses to one point); free, run r tests on fold
//! r mod k, so only-split shows the spread across folds. That spread understates the variance
//! of a fresh random split: the folds share most of their training rows.

use super::Dataset;
use crate::engine::seeds::SourceRng;

/// The default number of folds.
pub const DEFAULT_FOLDS: usize = 5;

/// The fold run `run_index` tests on.
pub fn fold_of(run_index: usize, split_free: bool, k: usize) -> usize {
    if split_free { run_index % k } else { 0 }
}

/// The rows of fold `fold` (the test rows) and of every other fold (the training rows), both
/// in the order of a permutation drawn from `rng`. Rows are dealt to folds class by class, so
/// every fold holds each class in proportion (to within one row).
pub fn kfold_rows(
    data: &Dataset,
    k: usize,
    fold: usize,
    rng: &mut SourceRng,
) -> (Vec<usize>, Vec<usize>) {
    let order = rng.permutation(data.len());
    // Stable: within a class, rows keep the permutation's order.
    let mut by_class = order.clone();
    by_class.sort_by_key(|&row| data.class_of(row));
    let mut fold_of_row = vec![0usize; data.len()];
    for (position, &row) in by_class.iter().enumerate() {
        fold_of_row[row] = position % k;
    }
    order.into_iter().partition(|&row| fold_of_row[row] == fold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::Task;

    fn labelled(labels: &[usize]) -> Dataset {
        Dataset {
            features: 1,
            outputs: 1,
            task: Task::Binary,
            x: (0..labels.len()).map(|i| i as f32).collect(),
            y: labels.iter().map(|&l| l as f32).collect(),
        }
    }

    #[test]
    fn the_folds_are_disjoint_cover_every_row_once_and_are_stratified() {
        // 23 rows: 15 of class 0, 8 of class 1.
        let labels: Vec<usize> = (0..23).map(|i| usize::from(i % 3 == 0)).collect();
        let data = labelled(&labels);
        let k = 5;
        let mut seen = vec![0usize; 23];
        for fold in 0..k {
            let (test, train) = kfold_rows(&data, k, fold, &mut SourceRng::new(9));
            assert_eq!(test.len() + train.len(), 23);
            assert!(test.iter().all(|row| !train.contains(row)));
            for &row in &test {
                seen[row] += 1;
            }
            let ones = test.iter().filter(|&&row| labels[row] == 1).count();
            // 8 ones over 5 folds: 1 or 2 in each.
            assert!((1..=2).contains(&ones), "fold {fold}: {ones} of class 1");
            assert!(
                (4..=5).contains(&test.len()),
                "fold {fold}: {} rows",
                test.len()
            );
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
    }

    #[test]
    fn a_fixed_split_tests_every_run_on_fold_zero() {
        assert_eq!((0..7).map(|r| fold_of(r, false, 5)).max(), Some(0));
        assert_eq!(
            (0..7).map(|r| fold_of(r, true, 5)).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 0, 1]
        );
    }
}
