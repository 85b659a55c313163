//! What a data set is, as an experiment file describes it: its kind, its size and noise (drawn
//! sets), its test split, and for a CSV the file and the column to predict. The rest of
//! `data` turns this description into rows; `config` holds it as the experiment's `data`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    Circles,
    Moons,
    Xor,
    Blobs,
    Spirals,
    /// The Keras tutorial's sequence: 0.0, 0.1, … 0.9 → next value.
    Sequence,
    /// The TensorFlow snippet's random data: 32 uniform features → 10 uniform targets.
    RandomRegression,
    /// Fixed real data (`data::table`): iris, 150 × 4, 3 species.
    Iris,
    /// Red wine quality, 1599 × 11, regression on quality (3–8).
    WineQuality,
    /// Red wine quality as 3 classes: poor (≤ 5), average (6), good (≥ 7).
    WineClasses,
    /// diabetes, 441 × 10 (linfa's copy), regression on disease progression.
    Diabetes,
    /// Handwritten digits, 1797 images of 8 × 8 pixels, 10 classes.
    Digits,
    /// The user's CSV file (`data.path`, `data.target`, `data.task`).
    Csv,
}

impl DatasetKind {
    /// The data sets drawn from the `data` stream.
    pub const SYNTHETIC: [DatasetKind; 7] = [
        DatasetKind::Circles,
        DatasetKind::Moons,
        DatasetKind::Xor,
        DatasetKind::Blobs,
        DatasetKind::Spirals,
        DatasetKind::Sequence,
        DatasetKind::RandomRegression,
    ];

    /// The built-in real data sets (fixed rows).
    pub const REAL: [DatasetKind; 5] = [
        DatasetKind::Iris,
        DatasetKind::WineQuality,
        DatasetKind::WineClasses,
        DatasetKind::Diabetes,
        DatasetKind::Digits,
    ];

    /// Fixed rows (real data or a CSV file) rather than points drawn from the `data` stream.
    pub fn is_table(self) -> bool {
        !DatasetKind::SYNTHETIC.contains(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            DatasetKind::Circles => "circles",
            DatasetKind::Moons => "moons",
            DatasetKind::Xor => "xor",
            DatasetKind::Blobs => "blobs",
            DatasetKind::Spirals => "spirals",
            DatasetKind::Sequence => "sequence",
            DatasetKind::RandomRegression => "random-regression",
            DatasetKind::Iris => "iris",
            DatasetKind::WineQuality => "wine-quality",
            DatasetKind::WineClasses => "wine-classes",
            DatasetKind::Diabetes => "diabetes",
            DatasetKind::Digits => "digits",
            DatasetKind::Csv => "csv",
        }
    }

    /// Two input features: the data set can be drawn as a picture.
    pub fn is_planar(self) -> bool {
        !self.is_table() && !matches!(self, DatasetKind::Sequence | DatasetKind::RandomRegression)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub kind: DatasetKind,
    /// Synthetic data sets only: how many points to draw, and their noise. A fixed table
    /// (real data, CSV) has its own rows, so a file may leave both out for it.
    #[serde(default = "default_samples")]
    pub samples: usize,
    #[serde(default)]
    pub noise: f64,
    /// The share of rows tested (default 0.3, as the app's form starts).
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// How the test rows are chosen: `test_fraction` of them at random (the default), or
    /// k-fold cross-validation (`data::kfold`; `test_fraction` is then unused).
    #[serde(default, skip_serializing_if = "SplitMode::is_random")]
    pub split: SplitMode,
    /// `k-fold` only: how many folds.
    #[serde(default = "default_folds", skip_serializing_if = "is_default_folds")]
    pub k: usize,
    /// `csv` only: the file, the column to predict, and how to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<std::path::PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<super::csv_file::TaskChoice>,
    /// `csv` only: the file's SHA-256 when the experiment was set up, so a results file or a
    /// replay made with a changed file says so instead of silently differing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// How a data set's test rows are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitMode {
    /// `test_fraction` of the rows, drawn at random (stratified for fixed tables).
    #[default]
    #[serde(rename = "random")]
    Random,
    /// k-fold cross-validation: the split source picks the fold.
    #[serde(rename = "k-fold")]
    KFold,
}

impl SplitMode {
    pub fn is_random(&self) -> bool {
        *self == SplitMode::Random
    }
}

fn default_folds() -> usize {
    super::kfold::DEFAULT_FOLDS
}

fn is_default_folds(k: &usize) -> bool {
    *k == default_folds()
}

fn default_samples() -> usize {
    300
}

/// The test fraction a file that leaves it out gets.
pub const DEFAULT_TEST_FRACTION: f64 = 0.3;

fn default_test_fraction() -> f64 {
    DEFAULT_TEST_FRACTION
}

/// The allowed range of the data settings (the rest of the experiment's are in
/// `config::limits`, which re-exports these).
pub mod limits {
    use std::ops::RangeInclusive;
    pub const SAMPLES: RangeInclusive<usize> = 4..=100_000;
    pub const NOISE: RangeInclusive<f64> = 0.0..=5.0;
    pub const TEST_FRACTION: RangeInclusive<f64> = 0.0..=0.9;
    /// k-fold: at least two folds; more than 20 leaves folds of a handful of rows.
    pub const FOLDS: RangeInclusive<usize> = 2..=20;
}
