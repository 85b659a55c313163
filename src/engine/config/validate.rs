//! Reading and checking an experiment file: parsed strictly (unknown fields are errors)
//! through `serde_path_to_error`, so a wrong type names its field; then every range checked.
//! Both produce a [`ConfigError`] whose message names the field and what is allowed.

use std::fmt;
use std::ops::RangeInclusive;

use super::{CONFIG_SCHEMA_VERSION, DatasetKind, ExperimentConfig, SplitMode};
use crate::engine::seeds::Condition;

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
    pub use crate::engine::data::spec::limits::{FOLDS, NOISE, SAMPLES, TEST_FRACTION};
    use std::ops::RangeInclusive;
    pub const HIDDEN_LAYERS: RangeInclusive<usize> = 0..=6;
    pub const WIDTH: RangeInclusive<usize> = 1..=1024;
    pub const DROPOUT: RangeInclusive<f64> = 0.0..=0.95;
    pub const LEARNING_RATE: RangeInclusive<f64> = 1e-7..=1e7;
    pub const MOMENTUM: RangeInclusive<f64> = 0.0..=0.999;
    pub const EPOCHS: RangeInclusive<usize> = 1..=10_000;
    pub const BATCH_SIZE: RangeInclusive<usize> = 1..=100_000;
    pub const FIXED_THREADS: RangeInclusive<usize> = 1..=16;
    pub const MAX_FREE_THREADS: RangeInclusive<usize> = 2..=16;
    pub const REPEATS: RangeInclusive<usize> = 1..=100_000;
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
        let value = with_built_in_defaults(value);
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
        self.kind_problems(&mut errors);
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

/// The default experiment (the `circles` preset), whose built-in sections a command's file may
/// leave out.
pub(super) const BUILT_IN_DEFAULTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/presets/circles.json"
));

/// A command's experiment file need not describe the built-in model it does not train: the
/// sections it leaves out take the default experiment's values.
fn with_built_in_defaults(mut value: serde_json::Value) -> serde_json::Value {
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    if !map.contains_key("command") {
        return value;
    }
    let defaults: serde_json::Value =
        serde_json::from_str(BUILT_IN_DEFAULTS).expect("the default experiment is JSON");
    for section in ["data", "model", "training"] {
        if !map.contains_key(section) {
            map.insert(section.to_string(), defaults[section].clone());
        }
    }
    if !map.contains_key("conditions") {
        // A script with one seed for everything has the conditions that can be told apart
        // from outside; one told every source's seed, all of them.
        let texts = map["command"]["argv"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(
                map["command"]["env"]
                    .as_object()
                    .into_iter()
                    .flat_map(|e| e.values()),
            )
            .filter_map(serde_json::Value::as_str);
        let uses = super::placeholders::uses_of(texts);
        let conditions = if uses.one_seed && !uses.source_seeds {
            Condition::one_seed_list()
        } else {
            Condition::command_default_list()
        };
        map.insert(
            "conditions".to_string(),
            serde_json::to_value(conditions).expect("conditions serialise"),
        );
    }
    value
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

    /// Every data field the app's form gives a default may be left out of a file (issue 37
    /// item 10): a CSV experiment needs no test_fraction.
    #[test]
    fn a_csv_experiment_file_may_leave_out_the_test_fraction() {
        let file = r#"{"data": {"kind": "csv", "path": "my.csv", "target": "label"},
            "model": {"hidden": [8], "activation": "relu"},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 5, "batch_size": 16}}"#;
        let config = ExperimentConfig::from_json(file).unwrap();
        assert_eq!(config.data.test_fraction, 0.3);
        assert_eq!(config.data.samples, 300);
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
