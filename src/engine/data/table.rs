//! Fixed data sets — real data with rows that do not change (built in, or the user's CSV) —
//! and what the `split` and `data` sources mean on them:
//! - `split` picks which rows are held out for testing (stratified by class for
//!   classification), from the `split` stream;
//! - `data` free trains each run on a bootstrap resample of the training rows (Bouthillier et
//!   al., MLSys 2021: the data-sampling source); `data` fixed trains on the training rows as
//!   they are.
//!
//! Features (and regression targets) are standardised with the training rows' mean and std,
//! so a split never leaks the test rows' scale into training.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use super::{Dataset, Task};
use crate::engine::seeds::SourceRng;

/// What a fixed data set predicts.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Class index per row, and each class's name (e.g. "setosa", "7").
    Classes {
        labels: Vec<usize>,
        names: Vec<String>,
    },
    /// A real value per row.
    Values(Vec<f32>),
}

/// A fixed data set as loaded: raw feature values, the target, and a checksum of the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub feature_names: Vec<String>,
    /// Row-major `[rows, features]`, as in the source (not standardised).
    pub x: Vec<f32>,
    pub target: Target,
    /// Hex SHA-256 of the source bytes (the CSV file) or of the table's values (built-ins).
    pub sha256: String,
}

impl Table {
    pub fn features(&self) -> usize {
        self.feature_names.len()
    }

    pub fn rows(&self) -> usize {
        match &self.target {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(values) => values.len(),
        }
    }

    pub fn task(&self) -> Task {
        match &self.target {
            Target::Classes { names, .. } if names.len() == 2 => Task::Binary,
            Target::Classes { names, .. } => Task::Multiclass {
                classes: names.len(),
            },
            Target::Values(_) => Task::Regression,
        }
    }

    /// The class names (empty for regression).
    pub fn class_names(&self) -> &[String] {
        match &self.target {
            Target::Classes { names, .. } => names,
            Target::Values(_) => &[],
        }
    }

    /// The whole table as a `Dataset` (raw features; 0/1, one-hot or value targets).
    pub fn dataset(&self) -> Dataset {
        let task = self.task();
        let (outputs, y) = match &self.target {
            Target::Classes { labels, .. } if task == Task::Binary => {
                (1, labels.iter().map(|&l| l as f32).collect())
            }
            Target::Classes { labels, names } => {
                let mut y = vec![0.0; labels.len() * names.len()];
                for (row, &label) in labels.iter().enumerate() {
                    y[row * names.len() + label] = 1.0;
                }
                (names.len(), y)
            }
            Target::Values(values) => (1, values.clone()),
        };
        Dataset {
            features: self.features(),
            outputs,
            task,
            x: self.x.clone(),
            y,
        }
    }

    /// The checksum of a built-in table: its values' bits, in order.
    pub fn checksum_of_values(x: &[f32], target: &Target) -> String {
        let mut hasher = Sha256::new();
        for v in x {
            hasher.update(v.to_bits().to_le_bytes());
        }
        match target {
            Target::Classes { labels, .. } => {
                for &l in labels {
                    hasher.update((l as u64).to_le_bytes());
                }
            }
            Target::Values(values) => {
                for v in values {
                    hasher.update(v.to_bits().to_le_bytes());
                }
            }
        }
        crate::engine::digest::hex(&hasher.finalize())
    }
}

/// Test rows, stratified by class for classification: each class gives its share of test
/// rows (rounded), in an order drawn from the `split` stream. Returns (test rows, training
/// rows), both as row indices of the table.
pub fn stratified_split(
    table: &Table,
    test_fraction: f64,
    rng: &mut SourceRng,
) -> (Vec<usize>, Vec<usize>) {
    let n = table.rows();
    let order = rng.permutation(n);
    let Target::Classes { labels, names } = &table.target else {
        let n_test = super::split::test_count(n, test_fraction);
        return (order[..n_test].to_vec(), order[n_test..].to_vec());
    };
    let (mut test, mut train) = (Vec::new(), Vec::new());
    for class in 0..names.len() {
        let rows: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&row| labels[row] == class)
            .collect();
        let n_test = if test_fraction <= 0.0 || rows.len() < 2 {
            0
        } else {
            ((rows.len() as f64 * test_fraction).round() as usize).clamp(1, rows.len() - 1)
        };
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    // Interleave the classes again in the permutation's order, so batches mix classes.
    let mut position = vec![0; n];
    for (i, &r) in order.iter().enumerate() {
        position[r] = i;
    }
    test.sort_unstable_by_key(|&r| position[r]);
    train.sort_unstable_by_key(|&r| position[r]);
    (test, train)
}

/// `rows` resampled with replacement (as many as there are), from the `data` stream.
pub fn bootstrap(rows: &[usize], rng: &mut SourceRng) -> Vec<usize> {
    (0..rows.len())
        .map(|_| rows[rng.below(rows.len())])
        .collect()
}

/// Standardises `train` and `test` in place with the per-column mean and std of `full`'s rows
/// `reference` (population std; a constant column is only centred). Regression targets are
/// standardised the same way, so MSE is in units of the target's variance.
pub fn standardise(full: &Dataset, reference: &[usize], train: &mut Dataset, test: &mut Dataset) {
    // Row by row, every column at once: each column's sums still run over the rows in order
    // (the same bits as column by column), without striding through memory or dividing per
    // value (this took a fifth of a digits run's CPU time) — and read in place, not copied.
    fn scale<'a>(
        reference: &[usize],
        row: impl Fn(usize) -> &'a [f32],
        width: usize,
    ) -> Vec<Scale> {
        let rows = reference.len();
        let mut sums = vec![0.0f64; width];
        for &r in reference {
            for (sum, v) in sums.iter_mut().zip(row(r)) {
                *sum += f64::from(*v);
            }
        }
        let means: Vec<f64> = sums.iter().map(|sum| sum / rows as f64).collect();
        let mut squares = vec![0.0f64; width];
        for &r in reference {
            for ((square, v), mean) in squares.iter_mut().zip(row(r)).zip(&means) {
                *square += (f64::from(*v) - mean).powi(2);
            }
        }
        let mut largest = vec![0.0f64; width];
        for &r in reference {
            for (big, v) in largest.iter_mut().zip(row(r)) {
                *big = big.max(f64::from(*v).abs());
            }
        }
        means
            .iter()
            .zip(&squares)
            .zip(&largest)
            .map(|((mean, square), largest)| {
                let var = square / rows as f64;
                let std = if var > 0.0 { var.sqrt() } else { 1.0 };
                Scale::new(*mean, std, *largest)
            })
            .collect()
    }
    let apply = |values: &mut [f32], width: usize, stats: &[Scale]| {
        for row in values.chunks_exact_mut(width) {
            for (v, scale) in row.iter_mut().zip(stats) {
                *v = scale.apply(*v);
            }
        }
    };
    let x_stats = scale(reference, |r| full.row_x(r), full.features);
    apply(&mut train.x, train.features, &x_stats);
    apply(&mut test.x, test.features, &x_stats);
    if full.task == Task::Regression {
        let y_stats = scale(reference, |r| full.row_y(r), full.outputs);
        apply(&mut train.y, train.outputs, &y_stats);
        apply(&mut test.y, test.outputs, &y_stats);
    }
}

/// One column's standardisation. In f32 as it always was where that is exact enough; in
/// f64 where f32 would break: a spread below f32's normal range (a column of 0 and 1e-45:
/// its std rounds to 0 in f32 and every value became infinite) or values near f32's limit
/// (±3e38: a difference from the mean overflowed). Those columns trained as "diverged".
struct Scale {
    mean: f64,
    std: f64,
    in_f32: Option<(f32, f32)>,
}

impl Scale {
    fn new(mean: f64, std: f64, largest: f64) -> Scale {
        let (mean32, std32) = (mean as f32, std as f32);
        let safe = std32.is_normal() && largest + mean.abs() < f64::from(f32::MAX) / 2.0;
        Scale {
            mean,
            std,
            in_f32: safe.then_some((mean32, std32)),
        }
    }

    fn apply(&self, value: f32) -> f32 {
        match self.in_f32 {
            Some((mean, std)) => (value - mean) / std,
            None => ((f64::from(value) - self.mean) / self.std) as f32,
        }
    }
}

/// Loaded tables, by what identifies them (kind, file, target, task, checksum): every run of
/// a sweep uses the same `Arc` instead of parsing the file again.
pub fn cached<E>(key: String, load: impl FnOnce() -> Result<Table, E>) -> Result<Arc<Table>, E> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Table>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(table) = cache.lock().expect("cache lock").get(&key) {
        return Ok(table.clone());
    }
    let table = Arc::new(load()?);
    cache.lock().expect("cache lock").insert(key, table.clone());
    Ok(table)
}

/// [`Table::dataset`] of the table cached under `key`, made once: a digits sweep's runs each
/// copied the whole table (and faulted in fresh pages for it) before selecting their rows.
pub fn cached_dataset(key: String, table: &Table) -> Arc<Dataset> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Dataset>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(key)
        .or_insert_with(|| Arc::new(table.dataset()))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(labels: Vec<usize>, classes: usize) -> Table {
        let n = labels.len();
        Table {
            feature_names: vec!["a".into()],
            x: (0..n).map(|i| i as f32).collect(),
            target: Target::Classes {
                labels,
                names: (0..classes).map(|c| c.to_string()).collect(),
            },
            sha256: String::new(),
        }
    }

    #[test]
    fn the_split_is_stratified_and_covers_every_row_once() {
        let labels: Vec<usize> = (0..60).map(|i| usize::from(i % 3 == 0)).collect();
        let t = table(labels.clone(), 2);
        let (test, train) = stratified_split(&t, 0.25, &mut SourceRng::new(9));
        let mut all: Vec<usize> = test.iter().chain(&train).copied().collect();
        all.sort();
        assert_eq!(all, (0..60).collect::<Vec<_>>());
        // 20 rows of class 1 and 40 of class 0: 5 and 10 held out.
        assert_eq!(test.iter().filter(|&&r| labels[r] == 1).count(), 5);
        assert_eq!(test.iter().filter(|&&r| labels[r] == 0).count(), 10);
    }

    #[test]
    fn bootstrap_draws_from_the_rows_with_replacement() {
        let rows: Vec<usize> = (100..150).collect();
        let sample = bootstrap(&rows, &mut SourceRng::new(1));
        assert_eq!(sample.len(), 50);
        assert!(sample.iter().all(|r| rows.contains(r)));
        let distinct: std::collections::HashSet<_> = sample.iter().collect();
        assert!(distinct.len() < 50, "with replacement, some rows repeat");
    }

    #[test]
    fn standardising_uses_the_reference_rows_only() {
        let t = table(vec![0, 1, 0, 1], 2);
        let data = t.dataset();
        let mut train = data.select(&[0, 1]);
        let mut test = data.select(&[2, 3]);
        standardise(&data, &[0, 1], &mut train, &mut test);
        assert_eq!(train.x, vec![-1.0, 1.0]);
        assert_eq!(test.x, vec![3.0, 5.0]);
    }
}
