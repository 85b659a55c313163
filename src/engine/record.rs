//! What a run records: the engine's output, and the unit that analysis, files and
//! the run store all share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::metric::Metric;
use crate::engine::seeds::{Condition, Source};

/// One run of a sweep: its condition and its index among the condition's repeats. Written
/// as `condition/index` in messages and on the command line, as `["condition", index]` in
/// files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "(Condition, usize)", into = "(Condition, usize)")]
pub struct RunId {
    pub condition: Condition,
    pub index: usize,
}

impl RunId {
    pub fn new(condition: Condition, index: usize) -> RunId {
        RunId { condition, index }
    }
}

impl From<(Condition, usize)> for RunId {
    fn from((condition, index): (Condition, usize)) -> RunId {
        RunId { condition, index }
    }
}

impl From<RunId> for (Condition, usize) {
    fn from(id: RunId) -> (Condition, usize) {
        (id.condition, id.index)
    }
}

impl std::str::FromStr for RunId {
    type Err = String;
    /// `condition/index`, e.g. `only-init/3` or `free:init+shuffle/0`.
    fn from_str(text: &str) -> Result<RunId, String> {
        let (condition, index) = text
            .rsplit_once('/')
            .ok_or_else(|| format!("`{text}` is not condition/index"))?;
        let index = index
            .trim()
            .parse()
            .map_err(|_| format!("`{index}` is not a run index"))?;
        Ok(RunId::new(condition.parse()?, index))
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.condition, self.index)
    }
}

/// A fingerprint (short hash) of everything each source drew in one run. Two runs with equal
/// fingerprints for a source saw exactly the same numbers from it — this is how the tests and
/// the Runs view show that "free" changed the named source alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFingerprints {
    /// The generated data set.
    pub data: String,
    /// Which rows went to the test set.
    pub split: String,
    /// The initial weights (before any nudge).
    pub init: String,
    /// Every dropout mask of every step.
    pub dropout: String,
    /// Every epoch's batch order.
    pub shuffle: String,
    /// Thread count and the summation order of every step.
    pub threads: String,
}

impl SourceFingerprints {
    pub fn get(&self, source: Source) -> &str {
        match source {
            Source::Data => &self.data,
            Source::Split => &self.split,
            Source::Init => &self.init,
            Source::Dropout => &self.dropout,
            Source::Shuffle => &self.shuffle,
            Source::Threads => &self.threads,
            // A switch, not a stream: nothing is drawn from it.
            Source::Gpu => "",
        }
    }
}

/// A record that cannot be replayed as written: its condition or its seeds do not read.
#[derive(Debug, thiserror::Error)]
#[error("run {run}: {message}")]
pub struct RecordError {
    pub run: RunId,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub condition: Condition,
    pub run_index: usize,
    /// Every source's seed, keyed by source name.
    pub seeds: BTreeMap<String, u64>,
    pub threads: usize,
    /// Partial gradients were summed in arrival order (the `threads` source was free).
    pub racing: bool,
    /// Accuracy or MSE for the built-in trainer.
    pub metric: Metric,
    /// Mean mini-batch training loss of each completed epoch.
    #[serde(deserialize_with = "curve_with_gaps")]
    pub train_loss: Vec<f64>,
    /// Test metric after each completed epoch. An epoch's value can be beyond f64 (a
    /// test row far outside the training rows): JSON writes it as `null`, read back as NaN.
    #[serde(deserialize_with = "curve_with_gaps")]
    pub test_metric: Vec<f64>,
    pub final_train_metric: Option<f64>,
    pub final_test_metric: Option<f64>,
    /// Predicted class (classification) or outputs (regression) for each test row, in the
    /// order of `test_indices`.
    pub test_predictions: Vec<f32>,
    /// Rows of the generated data set that formed the test set.
    pub test_indices: Vec<usize>,
    /// The run's error on each test row, in the order of `test_indices`: 0/1 for
    /// classification, the mean squared error over outputs for regression. The test-set
    /// noise estimate (`analysis::test_noise`) is computed from these.
    #[serde(default)]
    pub test_errors: Vec<f32>,
    /// Accuracy on the experiment's fresh sample (`data::fresh`, synthetic classification
    /// sets only): the run's true performance, measured without test-set noise.
    #[serde(default)]
    pub fresh_metric: Option<f64>,
    /// A command's accuracy read as a correct/total count on a test set the user stated is the
    /// same in every run (`--fixed-test-set`): its size. With no per-point errors, the counts
    /// bound the test-set noise (`analysis::summary`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_test_points: Option<u64>,
    /// 2-D data sets: the predicted class at each cell of a `GRID_SIZE`² grid over the plane
    /// (`data::plane_bounds`), one digit per cell, row-major from the bottom row.
    #[serde(default)]
    pub grid: Option<String>,
    /// Hex SHA-256 of the bits of every final parameter, in a fixed order.
    pub weights_hash: String,
    pub fingerprints: SourceFingerprints,
    /// The nudge lesson: which initial weight was moved by one ULP.
    pub nudged_weight: Option<usize>,
    pub wall_ms: f64,
    pub diverged: bool,
    /// False when the result depended on thread scheduling or on candle's unseedable RNG.
    pub replayable: bool,
    /// Why the run is not replayable, in words.
    pub not_replayable_reason: Option<String>,
    /// A worker panic or engine error: the run failed and has no metrics.
    pub error: Option<String>,
}

impl RunRecord {
    /// The run's identifier (`condition/index` on the command line).
    pub fn id(&self) -> RunId {
        RunId::new(self.condition, self.run_index)
    }

    /// A record for a run that failed before finishing.
    pub fn failed(condition: Condition, run_index: usize, message: String) -> RunRecord {
        RunRecord {
            condition,
            run_index,
            seeds: BTreeMap::new(),
            threads: 0,
            racing: false,
            metric: Metric::unknown(),
            train_loss: Vec::new(),
            test_metric: Vec::new(),
            final_train_metric: None,
            final_test_metric: None,
            test_predictions: Vec::new(),
            test_indices: Vec::new(),
            test_errors: Vec::new(),
            fresh_metric: None,
            counted_test_points: None,
            grid: None,
            weights_hash: String::new(),
            fingerprints: SourceFingerprints::default(),
            nudged_weight: None,
            wall_ms: 0.0,
            diverged: false,
            replayable: false,
            not_replayable_reason: Some("the run failed".into()),
            error: Some(message),
        }
    }
}

/// A learning curve as written: JSON has no infinity or NaN, so serde_json writes such an
/// epoch's value as `null`; it reads back as NaN (a gap in the curve), so that every file
/// seedscope writes can be read again.
fn curve_with_gaps<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<f64>, D::Error> {
    let values: Vec<Option<f64>> = Deserialize::deserialize(deserializer)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}
