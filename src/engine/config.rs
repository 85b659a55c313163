//! The experiment: data, model, training, thread source, repeats and conditions.
//!
//! Files are parsed strictly (unknown fields are errors) through `serde_path_to_error`, so a
//! wrong type names its field; [`ExperimentConfig::validate`] then checks every range. Both
//! produce a [`ConfigError`] whose message names the field and what is allowed.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::engine::seeds::Condition;

/// The version of the experiment file format this build reads and writes.
pub const CONFIG_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub training: TrainingConfig,
    #[serde(default)]
    pub threads: ThreadsConfig,
    /// Runs per condition.
    #[serde(default = "default_repeats")]
    pub repeats: usize,
    #[serde(default = "Condition::default_list")]
    pub conditions: Vec<Condition>,
}

fn default_schema_version() -> u32 {
    CONFIG_SCHEMA_VERSION
}

fn default_repeats() -> usize {
    30
}

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
    pub task: Option<crate::engine::data::csv_file::TaskChoice>,
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
    crate::engine::data::kfold::DEFAULT_FOLDS
}

fn is_default_folds(k: &usize) -> bool {
    *k == default_folds()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
    /// No activation: Keras' `Dense` default, used by the sequence tutorial.
    Linear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    GlorotUniform,
    HeUniform,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Widths of the hidden layers, input to output.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    /// Dropout rate after every hidden layer.
    #[serde(default)]
    pub dropout: f64,
    #[serde(default = "default_init")]
    pub init: InitScheme,
}

fn default_samples() -> usize {
    300
}

fn default_init() -> InitScheme {
    InitScheme::GlorotUniform
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// SGD with (heavy-ball) momentum.
    Sgd,
    Adam,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    /// Used by SGD only.
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// A mini-batch loss above this (or NaN/inf) ends the run as diverged.
    #[serde(default = "default_divergence_threshold")]
    pub divergence_threshold: f64,
}

fn default_momentum() -> f64 {
    0.9
}

fn default_divergence_threshold() -> f64 {
    1e6
}

/// How the `threads` source behaves (SPEC §2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadsConfig {
    /// Threads per mini-batch gradient when the source is fixed (summed in a fixed order).
    pub fixed: usize,
    /// When free, each run draws a thread count in 1..=max_free and sums in arrival order.
    pub max_free: usize,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            fixed: 1,
            max_free: 4,
        }
    }
}

/// A setting that is malformed or out of range, named by its path in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The allowed range of every numeric setting, in one place so the GUI's widgets, the
/// validator and the error messages agree.
pub mod limits {
    use std::ops::RangeInclusive;
    pub const SAMPLES: RangeInclusive<usize> = 4..=100_000;
    pub const NOISE: RangeInclusive<f64> = 0.0..=5.0;
    pub const TEST_FRACTION: RangeInclusive<f64> = 0.0..=0.9;
    /// k-fold: at least two folds; more than 20 leaves folds of a handful of rows.
    pub const FOLDS: RangeInclusive<usize> = 2..=20;
    pub const HIDDEN_LAYERS: RangeInclusive<usize> = 0..=6;
    pub const WIDTH: RangeInclusive<usize> = 1..=1024;
    pub const DROPOUT: RangeInclusive<f64> = 0.0..=0.95;
    pub const LEARNING_RATE: RangeInclusive<f64> = 1e-7..=1e7;
    pub const MOMENTUM: RangeInclusive<f64> = 0.0..=0.999;
    pub const EPOCHS: RangeInclusive<usize> = 1..=10_000;
    pub const BATCH_SIZE: RangeInclusive<usize> = 1..=100_000;
    pub const FIXED_THREADS: RangeInclusive<usize> = 1..=16;
    pub const MAX_FREE_THREADS: RangeInclusive<usize> = 2..=16;
    pub const REPEATS: RangeInclusive<usize> = 1..=10_000;
}

fn check_usize(
    errors: &mut Vec<ConfigError>,
    field: &str,
    value: usize,
    range: RangeInclusive<usize>,
) {
    if !range.contains(&value) {
        errors.push(ConfigError {
            field: field.to_string(),
            message: format!(
                "{value} is out of range; allowed: {} to {}",
                range.start(),
                range.end()
            ),
        });
    }
}

fn check_f64(errors: &mut Vec<ConfigError>, field: &str, value: f64, range: RangeInclusive<f64>) {
    if !value.is_finite() || !range.contains(&value) {
        errors.push(ConfigError {
            field: field.to_string(),
            message: format!(
                "{value} is out of range; allowed: {} to {}",
                range.start(),
                range.end()
            ),
        });
    }
}

impl ExperimentConfig {
    /// Parses an experiment file strictly; the error names the offending field. Beyond what
    /// serde checks: nothing may follow the JSON, every section must be an object (serde would
    /// read `"threads": [1, 2]` as a struct by position), and a synthetic data set must say
    /// how many points to draw and with what noise.
    pub fn from_json(text: &str) -> Result<ExperimentConfig, ConfigError> {
        let file_error = |message: String| ConfigError {
            field: "(file)".into(),
            message,
        };
        let value: serde_json::Value = {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value = serde::Deserialize::deserialize(&mut deserializer)
                .map_err(|e: serde_json::Error| file_error(e.to_string()))?;
            deserializer.end().map_err(|e| {
                file_error(format!("text after the experiment's closing brace ({e})"))
            })?;
            value
        };
        check_shape(&value)?;
        let config: ExperimentConfig =
            serde_path_to_error::deserialize(value).map_err(|error| {
                let path = error.path().to_string();
                ConfigError {
                    field: if path == "." {
                        "(file)".to_string()
                    } else {
                        path
                    },
                    message: error.inner().to_string(),
                }
            })?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an experiment always serialises")
    }

    /// Every range check; returns the first problem (all are listed by [`Self::problems`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.problems().into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    // Long but flat: one check per field, in the order the file lists them.
    /// All out-of-range settings, for a form that marks each one.
    pub fn problems(&self) -> Vec<ConfigError> {
        use limits::*;
        let mut errors = Vec::new();
        if self.schema_version != CONFIG_SCHEMA_VERSION {
            errors.push(ConfigError {
                field: "schema_version".into(),
                message: format!(
                    "{} is not supported; this build reads version {CONFIG_SCHEMA_VERSION}",
                    self.schema_version
                ),
            });
        }
        check_usize(&mut errors, "data.samples", self.data.samples, SAMPLES);
        check_f64(&mut errors, "data.noise", self.data.noise, NOISE);
        if self.data.split == SplitMode::KFold {
            check_usize(&mut errors, "data.k", self.data.k, FOLDS);
            if !self.data.kind.is_table() && self.data.samples < self.data.k * 2 {
                errors.push(ConfigError {
                    field: "data.k".into(),
                    message: format!(
                        "{} folds need at least {} samples (two rows a fold); raise data.samples or lower data.k",
                        self.data.k,
                        self.data.k * 2
                    ),
                });
            }
        }
        check_f64(
            &mut errors,
            "data.test_fraction",
            self.data.test_fraction,
            TEST_FRACTION,
        );
        check_usize(
            &mut errors,
            "model.hidden (number of layers)",
            self.model.hidden.len(),
            HIDDEN_LAYERS,
        );
        for (i, width) in self.model.hidden.iter().enumerate() {
            check_usize(&mut errors, &format!("model.hidden[{i}]"), *width, WIDTH);
        }
        check_f64(&mut errors, "model.dropout", self.model.dropout, DROPOUT);
        check_f64(
            &mut errors,
            "training.learning_rate",
            self.training.learning_rate,
            LEARNING_RATE,
        );
        check_f64(
            &mut errors,
            "training.momentum",
            self.training.momentum,
            MOMENTUM,
        );
        check_usize(&mut errors, "training.epochs", self.training.epochs, EPOCHS);
        check_usize(
            &mut errors,
            "training.batch_size",
            self.training.batch_size,
            BATCH_SIZE,
        );
        let threshold = self.training.divergence_threshold;
        if threshold.is_nan() || threshold <= 0.0 {
            errors.push(ConfigError {
                field: "training.divergence_threshold".into(),
                message: format!(
                    "{} is out of range; allowed: any number above 0",
                    self.training.divergence_threshold
                ),
            });
        }
        check_usize(
            &mut errors,
            "threads.fixed",
            self.threads.fixed,
            FIXED_THREADS,
        );
        check_usize(
            &mut errors,
            "threads.max_free",
            self.threads.max_free,
            MAX_FREE_THREADS,
        );
        check_usize(&mut errors, "repeats", self.repeats, REPEATS);
        if self.conditions.is_empty() {
            errors.push(ConfigError {
                field: "conditions".into(),
                message: "is empty; list at least one condition, e.g. \"all-fixed\"".into(),
            });
        }
        if let Some(repeated) = first_repeat(&self.conditions) {
            errors.push(ConfigError {
                field: "conditions".into(),
                message: format!(
                    "`{repeated}` is listed twice; each condition may appear once (its runs would be counted twice)"
                ),
            });
        }
        // The sequence data set needs enough points to split (checked only for a sample count
        // in range: the rule below assumes at least two points).
        let min_train = 1usize;
        let n_test = crate::engine::data::test_count(self.data.samples, self.data.test_fraction);
        if SAMPLES.contains(&self.data.samples)
            && self.data.samples.saturating_sub(n_test) < min_train
        {
            errors.push(ConfigError {
                field: "data.test_fraction".into(),
                message: "leaves no training data; lower it or raise data.samples".into(),
            });
        }
        errors
    }
}

/// The first condition listed twice, found in one pass (a file may list thousands).
fn first_repeat(conditions: &[Condition]) -> Option<Condition> {
    let mut seen = std::collections::HashSet::with_capacity(conditions.len());
    conditions.iter().find(|c| !seen.insert(**c)).copied()
}

/// The experiment file's sections are objects, and a synthetic data set names its size and
/// noise (a fixed table has its own rows, so it may leave them out).
fn check_shape(value: &serde_json::Value) -> Result<(), ConfigError> {
    let not_object = |field: &str, value: &serde_json::Value| ConfigError {
        field: field.into(),
        message: format!(
            "must be an object {{ … }} with named fields, not {}",
            json_kind(value)
        ),
    };
    let Some(root) = value.as_object() else {
        return Err(not_object("(file)", value));
    };
    for section in ["data", "model", "training", "threads"] {
        if let Some(inner) = root.get(section).filter(|v| !v.is_object()) {
            return Err(not_object(section, inner));
        }
    }
    let data = root.get("data").and_then(|d| d.as_object());
    let kind = data.and_then(|d| d.get("kind")).and_then(|k| k.as_str());
    let synthetic = kind.is_some_and(|k| DatasetKind::SYNTHETIC.iter().any(|s| s.label() == k));
    if let (true, Some(data)) = (synthetic, data) {
        for field in ["samples", "noise"] {
            if !data.contains_key(field) {
                return Err(ConfigError {
                    field: format!("data.{field}"),
                    message: format!(
                        "missing; the {} data set is drawn and needs it",
                        kind.unwrap_or_default()
                    ),
                });
            }
        }
    }
    Ok(())
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true/false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list [ … ]",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets;

    #[test]
    fn every_preset_is_valid() {
        for preset in presets::all() {
            preset.config().expect(preset.name);
        }
    }

    #[test]
    fn unknown_field_is_named() {
        let mut value: serde_json::Value =
            serde_json::from_str(&presets::default_config().to_json()).unwrap();
        value["training"]["learning_rat"] = serde_json::json!(0.1);
        let error = ExperimentConfig::from_json(&value.to_string()).unwrap_err();
        assert!(error.field.starts_with("training"), "{error}");
        assert!(error.message.contains("learning_rat"), "{error}");
    }
}
