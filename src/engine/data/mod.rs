//! Data: the `Dataset` every run trains on, where it comes from ([`synthetic`]: drawn from the
//! `data` stream), and how it is cut into train and test rows ([`split`]: the `split` stream).
//!
//! Targets are stored uniformly as a row-major `[n, outputs]` matrix: 0/1 for binary
//! classification, one-hot rows for multi-class, real values for regression.

use serde::{Deserialize, Serialize};

pub mod builtin;
pub mod csv_file;
mod csv_target;
mod error;
pub mod fresh;
pub mod kfold;
pub mod spec;
pub mod split;
pub mod synthetic;
pub mod table;

use std::sync::Arc;

pub use error::DataError;
pub use spec::{DataConfig, DatasetKind, SplitMode};
pub use split::{Split, split, test_count};
pub use synthetic::{GRID_SIZE, generate, grid_points, plane_bounds};
pub use table::Table;

use crate::engine::files;

/// What the network predicts, which fixes its output layer, loss and metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// One logit, sigmoid + binary cross-entropy, accuracy.
    Binary,
    /// `classes` logits, softmax + cross-entropy, accuracy.
    Multiclass { classes: usize },
    /// Linear outputs, mean squared error.
    Regression,
}

impl Task {
    pub fn metric(self) -> crate::engine::metric::Metric {
        match self {
            Task::Binary | Task::Multiclass { .. } => crate::engine::metric::Metric::Accuracy,
            Task::Regression => crate::engine::metric::Metric::Mse,
        }
    }

    /// Accuracy: higher is better. MSE: lower is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Task::Regression)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub features: usize,
    pub outputs: usize,
    pub task: Task,
    /// Row-major `[len, features]`.
    pub x: Vec<f32>,
    /// Row-major `[len, outputs]`.
    pub y: Vec<f32>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.x.len() / self.features
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    pub fn row_x(&self, i: usize) -> &[f32] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    pub fn row_y(&self, i: usize) -> &[f32] {
        &self.y[i * self.outputs..(i + 1) * self.outputs]
    }

    /// The class of row `i` (classification only).
    pub fn class_of(&self, i: usize) -> usize {
        match self.task {
            Task::Binary => usize::from(self.y[i] > 0.5),
            Task::Multiclass { .. } => argmax(self.row_y(i)),
            Task::Regression => 0,
        }
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(indices.len() * self.features);
        let mut y = Vec::with_capacity(indices.len() * self.outputs);
        for &i in indices {
            x.extend_from_slice(self.row_x(i));
            y.extend_from_slice(self.row_y(i));
        }
        Dataset {
            features: self.features,
            outputs: self.outputs,
            task: self.task,
            x,
            y,
        }
    }
}

/// The fixed data set `config` names (built in, or its CSV file), loaded once per process.
/// A CSV file whose checksum differs from the one `config` recorded is refused.
pub fn load_table(config: &DataConfig) -> Result<Arc<Table>, DataError> {
    let table = table::cached(table_key(config), || match config.kind {
        DatasetKind::Iris => Ok(builtin::iris()),
        DatasetKind::WineQuality => Ok(builtin::wine_quality()),
        DatasetKind::WineClasses => Ok(builtin::wine_classes()),
        DatasetKind::Diabetes => Ok(builtin::diabetes()),
        DatasetKind::Digits => Ok(builtin::digits()),
        DatasetKind::Csv => {
            let path = config.path.as_ref().ok_or_else(|| {
                DataError::setting("data.path", "a csv data set needs the file's path".into())
            })?;
            let target = config.target.as_deref().ok_or_else(|| {
                DataError::setting(
                    "data.target",
                    "a csv data set needs the name of the column to predict".into(),
                )
            })?;
            csv_file::load(path, target, config.task.unwrap_or_default())
        }
        synthetic => Err(DataError::setting(
            "data.kind",
            format!("{synthetic:?} is drawn, not loaded"),
        )),
    })?;
    if let Some(recorded) = &config.sha256
        && *recorded != table.sha256
    {
        return Err(DataError::setting(
            "data.sha256",
            format!(
                "{} has changed since this experiment was set up (recorded {}…, now {}…); \
             its results would silently differ",
                config
                    .path
                    .as_ref()
                    .map_or("the data set".into(), |p| files::escape(
                        &p.display().to_string()
                    )),
                files::quote(&recorded.chars().take(12).collect::<String>()),
                &table.sha256[..12]
            ),
        ));
    }
    Ok(table)
}

/// What identifies a loaded table in the process's cache.
fn table_key(config: &DataConfig) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        config.kind, config.path, config.target, config.task
    )
}

/// The fixed data set `config` names as a [`Dataset`] (targets one-hot or values, not
/// standardised), made once per process and shared by every run that selects rows from it.
pub fn load_dataset(config: &DataConfig) -> Result<Arc<Dataset>, DataError> {
    let table = load_table(config)?;
    Ok(table::cached_dataset(table_key(config), &table))
}

/// Loads a fixed data set before training, so a bad file is reported before any run starts,
/// and records a CSV file's checksum in the experiment. Synthetic data sets need nothing.
pub fn prepare(config: &mut DataConfig) -> Result<(), DataError> {
    if !config.kind.is_table() {
        return Ok(());
    }
    let table = load_table(config)?;
    match config.split {
        spec::SplitMode::Random => {
            check_split(&table, config.test_fraction).map_err(|error| {
                match (error, &config.path) {
                    // Name the file the classes came from.
                    (DataError::Setting { field, message }, Some(path)) => DataError::Setting {
                        field,
                        message: format!(
                            "in {}, {message}",
                            files::escape(&path.display().to_string())
                        ),
                    },
                    (other, _) => other,
                }
            })?
        }
        spec::SplitMode::KFold if table.rows() < 2 * config.k => {
            return Err(DataError::setting(
                "data.k",
                format!(
                    "{} folds need at least {} rows (two a fold); this data set has {}",
                    config.k,
                    2 * config.k,
                    table.rows()
                ),
            ));
        }
        spec::SplitMode::KFold => {}
    }
    if config.kind == DatasetKind::Csv && config.sha256.is_none() {
        config.sha256 = Some(table.sha256.clone());
    }
    Ok(())
}

/// A fixed table's split must hold rows out, and (stratified) every class must be able to
/// give a row to each side; otherwise the "test" metric would be measured on training rows.
pub fn check_split(table: &Table, test_fraction: f64) -> Result<(), DataError> {
    if test_fraction <= 0.0 {
        return Err(DataError::setting(
            "data.test_fraction",
            format!(
                "{test_fraction} holds no rows out, so the test metric would be measured on training rows; \
                 allowed for a fixed data set: above 0 to {}",
                spec::limits::TEST_FRACTION.end()
            ),
        ));
    }
    if let table::Target::Classes { labels, names } = &table.target {
        let mut counts = vec![0usize; names.len()];
        for &label in labels {
            counts[label] += 1;
        }
        if let Some(class) = counts.iter().position(|&n| n < 2) {
            return Err(DataError::setting(
                "data.test_fraction",
                format!(
                    "class `{}` has {} row; a stratified split needs at least 2 rows of every class \
                     (one to train on, one to test); {} of {} classes have fewer. Remove or merge the rare classes, or choose regression",
                    files::quote(&names[class]),
                    counts[class],
                    counts.iter().filter(|&&n| n < 2).count(),
                    names.len()
                ),
            ));
        }
    }
    Ok(())
}

pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::spec::{DataConfig, DatasetKind};
    use crate::engine::seeds::SourceRng;

    fn config(kind: DatasetKind) -> DataConfig {
        DataConfig {
            kind,
            samples: 40,
            noise: 0.1,
            test_fraction: 0.25,
            split: Default::default(),
            k: 5,
            path: None,
            target: None,
            task: None,
            sha256: None,
        }
    }

    #[test]
    fn shapes_fit_each_kind() {
        for kind in DatasetKind::SYNTHETIC {
            let data = generate(&config(kind), &mut SourceRng::new(3));
            assert_eq!(data.len(), 40, "{kind:?}");
            assert_eq!(data.y.len(), 40 * data.outputs, "{kind:?}");
            assert!(data.x.iter().all(|v| v.is_finite()));
            let split = split(&data, 0.25, &mut SourceRng::new(4));
            assert_eq!(split.test.len(), 10);
            assert_eq!(split.train.len(), 30);
        }
    }

    #[test]
    fn built_in_tables_have_their_documented_shapes() {
        for (kind, rows, features, task) in [
            (DatasetKind::Iris, 150, 4, Task::Multiclass { classes: 3 }),
            (DatasetKind::WineQuality, 1599, 11, Task::Regression),
            (
                DatasetKind::WineClasses,
                1599,
                11,
                Task::Multiclass { classes: 3 },
            ),
            // 441, not 442: linfa-datasets 0.8.1 reads its headerless diabetes file as if
            // the first row were a header.
            (DatasetKind::Diabetes, 441, 10, Task::Regression),
            (
                DatasetKind::Digits,
                1797,
                64,
                Task::Multiclass { classes: 10 },
            ),
        ] {
            let table = load_table(&config(kind)).unwrap();
            assert_eq!(
                (table.rows(), table.features(), table.task()),
                (rows, features, task),
                "{kind:?}"
            );
            assert_eq!(table.x.len(), rows * features);
        }
    }

    #[test]
    fn sequence_matches_the_keras_tutorial_without_noise() {
        let mut cfg = config(DatasetKind::Sequence);
        cfg.samples = 10;
        cfg.noise = 0.0;
        let data = generate(&cfg, &mut SourceRng::new(1));
        assert!((data.x[3] - 0.3).abs() < 1e-6);
        assert!((data.y[3] - 0.4).abs() < 1e-6);
    }

    #[test]
    fn zero_test_fraction_measures_on_training_data() {
        let data = generate(&config(DatasetKind::Circles), &mut SourceRng::new(3));
        let split = split(&data, 0.0, &mut SourceRng::new(4));
        assert!(split.test_is_train);
        assert_eq!(split.train.len(), 40);
    }
}
