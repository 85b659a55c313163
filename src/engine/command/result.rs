//! The result a run of a command writes at `SEEDSCOPE_RESULT` (schema:
//! `assets/command/result.schema.json`), read strictly and checked field by field: a run whose
//! result is missing, not JSON, or impossible (a NaN, an accuracy of 2, per-point errors that
//! do not match the points) is a failed run, never counted.

use std::path::Path;

use serde::Deserialize;

use super::env::RunEnvironment;
use crate::engine::metric::Metric;
use crate::engine::record::{RunRecord, SourceFingerprints};
use crate::engine::train::RunPlan;

/// The file name the run is told to write (inside its own folder).
pub const RESULT_FILE: &str = "result.json";

/// The largest result read: per-point errors and predictions of a 100,000-point test set fit.
pub const MAX_RESULT_BYTES: u64 = 8 * 1024 * 1024;

/// The longest metric name kept.
const MAX_METRIC_NAME: usize = 64;

/// What a run reported, as its file writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reported {
    pub metric: String,
    pub value: f64,
    pub higher_is_better: bool,
    #[serde(default)]
    pub test_ids: Option<Vec<usize>>,
    #[serde(default)]
    pub test_errors: Option<Vec<f64>>,
    #[serde(default)]
    pub predictions: Option<Vec<f64>>,
    /// The test metric after each epoch (`null` for an epoch without one).
    #[serde(default)]
    pub curve: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub train_loss: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub weights_hash: Option<String>,
    #[serde(default)]
    pub fresh_value: Option<f64>,
}

/// Why a run's result cannot be counted, naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    #[error(
        "the command exited 0 but wrote no result at SEEDSCOPE_RESULT (a JSON object with metric, value, higher_is_better)"
    )]
    Missing,
    #[error("its result cannot be read: {0}")]
    Unreadable(String),
    #[error("its result is not a valid result: {0}")]
    Invalid(String),
}

/// Reads and checks the result in `dir`.
pub fn read(dir: &Path) -> Result<Reported, ResultError> {
    let path = dir.join(RESULT_FILE);
    if !path.exists() {
        return Err(ResultError::Missing);
    }
    let bytes = crate::engine::files::read_regular_file(&path, MAX_RESULT_BYTES)
        .map_err(|e| ResultError::Unreadable(e.to_string()))?;
    let mut parser = serde_json::Deserializer::from_slice(&bytes);
    let reported: Reported = serde_path_to_error::deserialize(&mut parser).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        if field == "." || field.is_empty() {
            ResultError::Invalid(format!("{inner}"))
        } else {
            ResultError::Invalid(format!("{field}: {inner}"))
        }
    })?;
    parser.end().map_err(|e| {
        ResultError::Invalid(format!("text after the result's closing brace ({e})"))
    })?;
    reported.check()?;
    Ok(reported)
}

fn invalid(message: String) -> ResultError {
    ResultError::Invalid(message)
}

impl Reported {
    /// The metric, typed: `accuracy` (higher is better) and `mse` (lower) are the built-in
    /// trainer's, with their ranges; any other name is kept with the direction the run stated.
    pub fn metric(&self) -> Metric {
        match (self.metric.as_str(), self.higher_is_better) {
            ("accuracy", true) => Metric::Accuracy,
            ("mse", false) => Metric::Mse,
            _ => Metric::Named {
                name: self.metric.clone(),
                higher_is_better: self.higher_is_better,
            },
        }
    }

    pub(super) fn check(&self) -> Result<(), ResultError> {
        let name = self.metric.trim();
        if name.is_empty() || self.metric.len() > MAX_METRIC_NAME {
            return Err(invalid(format!(
                "metric: `{}` is not a metric name; allowed: 1 to {MAX_METRIC_NAME} characters",
                crate::engine::files::quote(&self.metric)
            )));
        }
        if self.metric.chars().any(char::is_control) {
            return Err(invalid(format!(
                "metric: `{}` holds control characters",
                crate::engine::files::escape(&self.metric)
            )));
        }
        let metric = self.metric();
        // A known name keeps its range whatever direction the run states: an accuracy of 86.1
        // (a percentage) or an mse of -1 is no accuracy or mse at all.
        let ranged = match self.metric.as_str() {
            "accuracy" => Metric::Accuracy,
            "mse" => Metric::Mse,
            _ => metric.clone(),
        };
        check_value("value", self.value, &ranged)?;
        if let Some(fresh) = self.fresh_value {
            check_value("fresh_value", fresh, &ranged)?;
        }
        match (&self.test_ids, &self.test_errors) {
            (Some(ids), Some(errors)) if ids.len() != errors.len() => {
                return Err(invalid(format!(
                    "test_errors has {} values and test_ids {}; give one error per test example",
                    errors.len(),
                    ids.len()
                )));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "test_errors needs test_ids: which example each error is for (the runs' examples are matched by id)".into(),
                ));
            }
            _ => {}
        }
        if let Some(ids) = &self.test_ids {
            let mut seen = std::collections::HashSet::with_capacity(ids.len());
            if let Some(repeat) = ids.iter().find(|id| !seen.insert(**id)) {
                return Err(invalid(format!(
                    "test_ids: {repeat} is listed twice; each test example once"
                )));
            }
        }
        if let Some(errors) = &self.test_errors {
            for (i, e) in errors.iter().enumerate() {
                let ok = e.is_finite()
                    && *e >= 0.0
                    && (!metric.is_share_of_points() || *e == 0.0 || *e == 1.0);
                if !ok {
                    let allowed = if metric.is_share_of_points() {
                        "0 (right) or 1 (wrong)"
                    } else {
                        "a finite loss of 0 or more"
                    };
                    return Err(invalid(format!(
                        "test_errors[{i}]: {e} is not an error; allowed: {allowed}"
                    )));
                }
            }
        }
        if let (Some(ids), Some(predictions)) = (&self.test_ids, &self.predictions)
            && ids.len() != predictions.len()
        {
            return Err(invalid(format!(
                "predictions has {} values and test_ids {}; give one prediction per test example",
                predictions.len(),
                ids.len()
            )));
        }
        if let Some(i) = self
            .predictions
            .iter()
            .flatten()
            .position(|p| !p.is_finite())
        {
            return Err(invalid(format!("predictions[{i}] is not a finite number")));
        }
        if let Some(hash) = &self.weights_hash
            && (hash.is_empty()
                || hash.len() > 128
                || !hash
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(invalid(format!(
                "weights_hash: `{}` is not a hash; allowed: 1 to 128 letters, digits, - or _",
                crate::engine::files::quote(hash)
            )));
        }
        Ok(())
    }

    /// The run's record.
    pub fn into_record(
        self,
        plan: &RunPlan,
        environment: &RunEnvironment,
        wall_ms: f64,
    ) -> RunRecord {
        let metric = self.metric();
        let curve = |values: Option<Vec<Option<f64>>>| -> Vec<f64> {
            values
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.filter(|x| x.is_finite()).unwrap_or(f64::NAN))
                .collect()
        };
        let weights_hash = match &self.weights_hash {
            Some(hash) => hash.clone(),
            None => outcome_hash(&self),
        };
        let predictions: Vec<f32> = self
            .predictions
            .unwrap_or_default()
            .into_iter()
            .map(|p| p as f32)
            .collect();
        RunRecord {
            condition: plan.condition,
            run_index: plan.run_index,
            seeds: plan.seeds.to_map(),
            threads: environment.threads,
            racing: false,
            metric,
            train_loss: curve(self.train_loss),
            test_metric: curve(self.curve),
            final_train_metric: None,
            final_test_metric: Some(self.value),
            test_predictions: predictions,
            test_indices: self.test_ids.unwrap_or_default(),
            test_errors: self
                .test_errors
                .unwrap_or_default()
                .into_iter()
                .map(|e| e as f32)
                .collect(),
            fresh_metric: self.fresh_value,
            counted_test_points: None,
            grid: None,
            weights_hash,
            fingerprints: SourceFingerprints::default(),
            nudged_weight: None,
            wall_ms,
            diverged: false,
            replayable: true,
            not_replayable_reason: None,
            error: None,
        }
    }
}

/// The prefix of a run's hash when the command reported no weights hash: the hash is then of
/// its reported outcome (value, predictions, per-point errors), and equal hashes mean equal
/// results, not bitwise-equal weights.
pub const OUTCOME_HASH_PREFIX: &str = "result-";

/// A hash of what a run reported, for a command that reports no weights hash.
fn outcome_hash(reported: &Reported) -> String {
    let mut bytes: Vec<u8> = Vec::new();
    bytes.extend_from_slice(&reported.value.to_bits().to_le_bytes());
    for list in [&reported.predictions, &reported.test_errors] {
        bytes.push(b'|');
        for value in list.iter().flatten() {
            bytes.extend_from_slice(&value.to_bits().to_le_bytes());
        }
    }
    let digest = crate::engine::digest::sha256_hex(&bytes);
    format!("{OUTCOME_HASH_PREFIX}{}", &digest[..32])
}

/// Whether a record's hash is of its weights (not of its reported outcome).
pub fn hashes_weights(record: &RunRecord) -> bool {
    !record.weights_hash.starts_with(OUTCOME_HASH_PREFIX)
}

fn check_value(field: &str, value: f64, metric: &Metric) -> Result<(), ResultError> {
    if !value.is_finite() {
        return Err(invalid(format!("{field}: {value} is not a finite number")));
    }
    if let Some(range) = metric.range()
        && !range.contains(&value)
    {
        let percentage = if metric.is_share_of_points() && (1.0..=100.0).contains(&value) {
            format!(" (a percentage? report the share: {})", value / 100.0)
        } else {
            String::new()
        };
        return Err(invalid(format!(
            "{field}: {value} is not a possible {metric}; allowed: {} to {}{percentage}",
            range.start(),
            if *range.end() > 1e6 {
                format!("{:e}", range.end())
            } else {
                range.end().to_string()
            }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
