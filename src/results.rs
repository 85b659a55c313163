//! What a run records (SPEC §4), the results file (JSON, versioned) and the CSV export.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::ExperimentConfig;
use crate::stats::ConditionSummary;

/// The version of the results file format this build writes and reads.
pub const RESULTS_SCHEMA_VERSION: u32 = 1;

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
    pub fn get(&self, source: crate::seeds::Source) -> &str {
        use crate::seeds::Source;
        match source {
            Source::Data => &self.data,
            Source::Split => &self.split,
            Source::Init => &self.init,
            Source::Dropout => &self.dropout,
            Source::Shuffle => &self.shuffle,
            Source::Threads => &self.threads,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub condition: String,
    pub run_index: usize,
    /// Every source's seed, keyed by source name.
    pub seeds: BTreeMap<String, u64>,
    pub threads: usize,
    /// Partial gradients were summed in arrival order (the `threads` source was free).
    pub racing: bool,
    /// "accuracy" or "mse".
    pub metric: String,
    /// Mean mini-batch training loss of each completed epoch.
    pub train_loss: Vec<f64>,
    /// Test metric after each completed epoch.
    pub test_metric: Vec<f64>,
    pub final_train_metric: Option<f64>,
    pub final_test_metric: Option<f64>,
    /// Predicted class (classification) or outputs (regression) for each test row, in the
    /// order of `test_indices`.
    pub test_predictions: Vec<f32>,
    /// Rows of the generated data set that formed the test set.
    pub test_indices: Vec<usize>,
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
    /// The run's identifier on the command line: `condition/index`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.condition, self.run_index)
    }

    /// A record for a run that failed before finishing.
    pub fn failed(condition: String, run_index: usize, message: String) -> RunRecord {
        RunRecord {
            condition,
            run_index,
            seeds: BTreeMap::new(),
            threads: 0,
            racing: false,
            metric: String::new(),
            train_loss: Vec::new(),
            test_metric: Vec::new(),
            final_train_metric: None,
            final_test_metric: None,
            test_predictions: Vec::new(),
            test_indices: Vec::new(),
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    pub schema_version: u32,
    pub seedscope_version: String,
    pub config: ExperimentConfig,
    pub master_seed: u64,
    /// Where the master seed came from: "--seed", "SEEDSCOPE_SEED", "os" or "gui".
    pub seed_origin: String,
    pub cancelled: bool,
    pub runs: Vec<RunRecord>,
    pub summary: Vec<ConditionSummary>,
}

impl ResultsFile {
    pub fn new(
        config: ExperimentConfig,
        master_seed: u64,
        seed_origin: &str,
        runs: Vec<RunRecord>,
        cancelled: bool,
    ) -> ResultsFile {
        let summary = crate::stats::summarize_conditions(&config.conditions, &runs);
        ResultsFile {
            schema_version: RESULTS_SCHEMA_VERSION,
            seedscope_version: env!("CARGO_PKG_VERSION").to_string(),
            config,
            master_seed,
            seed_origin: seed_origin.to_string(),
            cancelled,
            runs,
            summary,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results always serialise")
    }

    pub fn from_json(text: &str) -> Result<ResultsFile, String> {
        #[derive(Deserialize)]
        struct VersionOnly {
            schema_version: Option<u32>,
        }
        let version: VersionOnly =
            serde_json::from_str(text).map_err(|e| format!("not a results file: {e}"))?;
        match version.schema_version {
            Some(RESULTS_SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "schema_version: {other} is not supported; this build reads version {RESULTS_SCHEMA_VERSION}"
                ));
            }
            None => {
                return Err("schema_version: missing; this is not a seedscope results file".into());
            }
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    pub fn load(path: &Path) -> Result<ResultsFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        ResultsFile::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Finds a run by position in `runs` (`17`) or by `condition/index` (`only-init/3`).
    pub fn find_run(&self, id: &str) -> Result<&RunRecord, String> {
        if let Ok(position) = id.parse::<usize>() {
            return self.runs.get(position).ok_or_else(|| {
                format!(
                    "--run {position} is out of range; this file has runs 0 to {}",
                    self.runs.len().saturating_sub(1)
                )
            });
        }
        self.runs.iter().find(|run| run.id() == id).ok_or_else(|| {
            format!("no run `{id}` in this file; use a position (0 to {}) or condition/index, e.g. all-free/0", self.runs.len().saturating_sub(1))
        })
    }
}

/// Writes `contents` to `path` via a temporary file, so a failed write never leaves half a file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = std::path::PathBuf::from(temporary);
    std::fs::write(&temporary, contents)?;
    std::fs::rename(&temporary, path)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn optional_number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// One row per run, for pandas or R.
pub fn runs_csv(runs: &[RunRecord]) -> String {
    let sources = crate::seeds::Source::ALL;
    let mut out = String::from("condition,run_index");
    for source in sources {
        let _ = write!(out, ",seed_{source}");
    }
    out.push_str(",threads,racing,metric,final_train_metric,final_test_metric,epochs_completed,weights_hash,wall_ms,diverged,replayable,error\n");
    for run in runs {
        let _ = write!(out, "{},{}", csv_field(&run.condition), run.run_index);
        for source in sources {
            let seed = run.seeds.get(source.name()).map(|s| s.to_string());
            let _ = write!(out, ",{}", seed.unwrap_or_default());
        }
        let _ = writeln!(
            out,
            ",{},{},{},{},{},{},{},{:.3},{},{},{}",
            run.threads,
            run.racing,
            run.metric,
            optional_number(run.final_train_metric),
            optional_number(run.final_test_metric),
            run.train_loss.len(),
            run.weights_hash,
            run.wall_ms,
            run.diverged,
            run.replayable,
            csv_field(run.error.as_deref().unwrap_or("")),
        );
    }
    out
}
