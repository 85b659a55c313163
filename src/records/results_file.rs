//! The results file (JSON, versioned): the experiment, its master seed, every run and the
//! per-condition summaries. It is the exchange format between the CLI, the app and other tools.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::summary::{ConditionSummary, summarize_conditions};
use crate::engine::config::ExperimentConfig;
use crate::engine::metric::Metric;
use crate::engine::record::{RunId, RunRecord};
use crate::engine::seeds::Condition;

/// The version of the results file format this build writes and reads.
pub const RESULTS_SCHEMA_VERSION: u32 = 1;

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
    /// Set only in a part written by `run --shard`: which part, and the runs it owed. A
    /// whole sweep (and a merged one) has none, so its file is unchanged by sharding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
    /// A command's runs: what they say about the randomness it does not control
    /// (`analysis::diagnosis`). Absent for built-in runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis: Vec<crate::analysis::diagnosis::Finding>,
}

/// What a part of a sharded sweep was responsible for, so `merge` can check the parts fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// 0-based part number.
    pub index: usize,
    /// How many parts the sweep was split into.
    pub count: usize,
    /// Where the part number came from: "--shard", "SLURM_ARRAY_TASK_ID" or
    /// "JOB_COMPLETION_INDEX".
    pub origin: String,
    /// The engine that trained the part (`records::store::engine_fingerprint`): parts from
    /// different engines may not be bitwise comparable, so merge refuses to mix them.
    pub engine: String,
    /// Every (condition, run index) pair this part was to train, in sweep order.
    pub pairs: Vec<RunId>,
}

impl ResultsFile {
    pub fn new(
        config: ExperimentConfig,
        master_seed: u64,
        seed_origin: &str,
        runs: Vec<RunRecord>,
        cancelled: bool,
    ) -> ResultsFile {
        let summary = summarize_conditions(&config.conditions, &runs);
        let diagnosis = if config.capabilities().diagnosable {
            crate::analysis::diagnosis::diagnose(&config.conditions, &runs)
        } else {
            Vec::new()
        };
        ResultsFile {
            schema_version: RESULTS_SCHEMA_VERSION,
            seedscope_version: env!("CARGO_PKG_VERSION").to_string(),
            config,
            master_seed,
            seed_origin: seed_origin.to_string(),
            cancelled,
            runs,
            summary,
            shard: None,
            diagnosis,
        }
    }

    /// Everything but the runs: a Parquet file's header (its rows are the runs).
    pub fn without_runs(&self) -> ResultsFile {
        ResultsFile {
            schema_version: self.schema_version,
            seedscope_version: self.seedscope_version.clone(),
            config: self.config.clone(),
            master_seed: self.master_seed,
            seed_origin: self.seed_origin.clone(),
            cancelled: self.cancelled,
            runs: Vec::new(),
            summary: self.summary.clone(),
            shard: self.shard.clone(),
            diagnosis: self.diagnosis.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results always serialise")
    }

    /// [`Self::to_json`]'s bytes written to `path` as they are made, all or nothing.
    pub fn write_json(&self, path: &Path) -> std::io::Result<()> {
        super::output::write_atomically_with(path, |file| {
            serde_json::to_writer_pretty(file, self).map_err(std::io::Error::other)
        })
    }

    /// [`Self::write_json`] to an output checked before the work began.
    pub fn write_json_to(&self, target: &super::OutputTarget) -> std::io::Result<()> {
        super::output::write_output(target, |file| {
            serde_json::to_writer_pretty(file, self).map_err(std::io::Error::other)
        })
    }

    pub fn from_json(text: &str) -> Result<ResultsFile, ResultsFileError> {
        ResultsFile::from_readers(|| Ok(text.as_bytes()))
    }

    /// Parses a results file read from `open` as a stream, so memory holds the records and
    /// never the text. It is parsed once; only a file that does not parse is read a second
    /// time, for its shape, so that an experiment file or another version is named as such
    /// rather than by the first field that failed (a 100,000-run file is 0.8 GB of JSON, and a
    /// second pass over it was half of `luck`'s time).
    fn from_readers<R: std::io::Read>(
        open: impl Fn() -> Result<R, ResultsFileError>,
    ) -> Result<ResultsFile, ResultsFileError> {
        let mut deserializer = serde_json::Deserializer::from_reader(open()?);
        let parsed = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
            .and_then(|results: ResultsFile| {
                deserializer
                    .end()
                    .map(|()| results)
                    .map_err(|e| format!("after the results: {e}"))
            });
        match parsed {
            Ok(results) => {
                check_version(Some(results.schema_version))?;
                results.check().map_err(ResultsFileError::invalid)?;
                Ok(results)
            }
            Err(detail) => {
                check_shape(open()?)?;
                Err(ResultsFileError::invalid(detail))
            }
        }
    }

    /// What serde cannot check: the experiment's ranges, one record per (condition, run
    /// index), and metrics a run could have produced. A file that fails here was edited or
    /// damaged; summarising it would count a run twice or average an impossible value.
    // The detail of `ResultsFileError::Invalid` (from_json adds the type).
    pub(super) fn check(&self) -> Result<(), String> {
        self.config.validate().map_err(|e| format!("config.{e}"))?;
        let mut seen: HashMap<RunId, usize> = HashMap::with_capacity(self.runs.len());
        let conditions: std::collections::HashSet<Condition> =
            self.config.conditions.iter().copied().collect();
        for (position, run) in self.runs.iter().enumerate() {
            if !conditions.contains(&run.condition) || run.run_index >= self.config.repeats {
                return Err(format!(
                    "runs[{position}] is run `{}`, which is not in the sweep ({} conditions × {} runs, indices 0 to {}); the file has been altered",
                    run.id(),
                    self.config.conditions.len(),
                    self.config.repeats,
                    self.config.repeats.saturating_sub(1)
                ));
            }
            if let Some(first) = seen.insert(run.id(), position) {
                return Err(format!(
                    "runs[{first}] and runs[{position}] are both run `{}`; each run may appear once (it would be counted twice)",
                    run.id()
                ));
            }
            if run.error.is_some() {
                continue;
            }
            check_metric(position, run, "final_test_metric", run.final_test_metric)?;
            check_metric(position, run, "final_train_metric", run.final_train_metric)?;
        }
        Ok(())
    }

    /// The metric of the file's runs (its first finished run's; accuracy when none finished).
    pub fn metric(&self) -> Metric {
        crate::analysis::summary::metric_of(&self.runs).unwrap_or(Metric::Accuracy)
    }

    /// Reads a results file written as JSON (`ResultsFile::load` takes either format).
    pub(super) fn load_json(path: &Path) -> Result<ResultsFile, ResultsFileError> {
        let open = || {
            let (file, _) = crate::engine::files::open_regular_file(
                path,
                crate::engine::files::MAX_RESULTS_BYTES,
            )?;
            Ok(std::io::BufReader::with_capacity(1 << 20, file))
        };
        ResultsFile::from_readers(open).map_err(|e| e.in_file(path))
    }

    /// Finds a run by position in `runs` (`17`) or by `condition/index` (`only-init/3`).
    pub fn find_run(&self, id: &str) -> Result<&RunRecord, NoSuchRun> {
        if self.runs.is_empty() {
            return Err(NoSuchRun::NoRuns);
        }
        let last = self.runs.len() - 1;
        if let Ok(position) = id.parse::<usize>() {
            return self
                .runs
                .get(position)
                .ok_or(NoSuchRun::Position { position, last });
        }
        let wanted = id.parse::<RunId>().ok();
        self.runs
            .iter()
            .find(|run| Some(run.id()) == wanted)
            .ok_or_else(|| NoSuchRun::Id {
                id: crate::engine::files::quote(id),
                last,
            })
    }
}

/// Why a results file was not read. The app tells a results file from an experiment file
/// by this type: [`ResultsFileError::NotResults`] means "some other JSON", anything else "a
/// results file that is damaged or was edited".
#[derive(Debug, thiserror::Error)]
pub enum ResultsFileError {
    #[error(transparent)]
    File(#[from] crate::engine::files::FileError),
    /// Not JSON, or JSON without this build's `schema_version`.
    #[error("{}{detail}", shown(path))]
    NotResults {
        path: Option<std::path::PathBuf>,
        detail: String,
    },
    /// A results file whose contents cannot be used; `detail` names the field or the run.
    #[error("{}{detail}", shown(path))]
    Invalid {
        path: Option<std::path::PathBuf>,
        detail: String,
    },
}

fn shown(path: &Option<std::path::PathBuf>) -> String {
    path.as_ref()
        .map_or(String::new(), |p| format!("{}: ", p.display()))
}

impl ResultsFileError {
    pub(super) fn invalid(detail: String) -> ResultsFileError {
        ResultsFileError::Invalid { path: None, detail }
    }

    /// The same error, said of the file at `path`.
    pub(super) fn in_file(self, file: &Path) -> ResultsFileError {
        match self {
            ResultsFileError::NotResults { detail, .. } => ResultsFileError::NotResults {
                path: Some(file.to_path_buf()),
                detail,
            },
            ResultsFileError::Invalid { detail, .. } => ResultsFileError::Invalid {
                path: Some(file.to_path_buf()),
                detail,
            },
            other => other,
        }
    }
}

/// A run asked for by `--run` that the file does not hold.
#[derive(Debug, thiserror::Error)]
pub enum NoSuchRun {
    #[error("--run: this file has no runs (its sweep was cancelled before any finished)")]
    NoRuns,
    #[error("--run {position} is out of range; this file has runs 0 to {last}")]
    Position { position: usize, last: usize },
    #[error(
        "no run `{id}` in this file; use a position (0 to {last}) or condition/index, e.g. all-free/0"
    )]
    Id { id: String, last: usize },
}

pub use crate::engine::metric::MAX_MSE;

fn check_metric(
    position: usize,
    run: &RunRecord,
    field: &str,
    value: Option<f64>,
) -> Result<(), String> {
    let Some(value) = value else { return Ok(()) };
    let Some(allowed) = run.metric.range() else {
        // A command's own metric: any finite value, in the direction it stated.
        if run.metric.is_stated() {
            if value.is_finite() {
                return Ok(());
            }
            return Err(format!(
                "runs[{position}] (`{}`).{field}: {value} is not a finite number",
                run.id()
            ));
        }
        return Err(format!(
            "runs[{position}] (`{}`).metric: `{}` is not a metric this build writes; allowed: accuracy, mse",
            run.id(),
            crate::engine::files::quote(run.metric.name())
        ));
    };
    let ok = allowed.contains(&value);
    let range = if *allowed.end() > 1e6 {
        format!("{} to {:e}", allowed.start(), allowed.end())
    } else {
        format!("{} to {}", allowed.start(), allowed.end())
    };
    if ok {
        return Ok(());
    }
    Err(format!(
        "runs[{position}] (`{}`).{field}: {value} is not a possible {}; allowed: {range}",
        run.id(),
        run.metric
    ))
}

/// Told by shape: a results file is a JSON object with `runs` (an experiment file has none)
/// and this build's schema version. Past that, any fault is a damaged or edited results file.
fn check_shape<R: std::io::Read>(reader: R) -> Result<(), ResultsFileError> {
    #[derive(Deserialize)]
    struct Shape {
        schema_version: Option<u32>,
        runs: Option<serde::de::IgnoredAny>,
    }
    let not_results = |detail: String| ResultsFileError::NotResults { path: None, detail };
    let shape: Shape = serde_json::from_reader(reader)
        .map_err(|e| not_results(format!("not a results file: {e}")))?;
    if shape.runs.is_none() {
        return Err(not_results(
            "no `runs`: this is not a seedscope results file".into(),
        ));
    }
    check_version(shape.schema_version)
}

pub(super) fn check_version(version: Option<u32>) -> Result<(), ResultsFileError> {
    match version {
        Some(RESULTS_SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(ResultsFileError::invalid(format!(
            "schema_version: {other} is not supported; this build reads version {RESULTS_SCHEMA_VERSION}"
        ))),
        None => Err(ResultsFileError::invalid(
            "schema_version: missing; this is not a seedscope results file".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written as it is made, the file holds the very bytes of `to_json`, and no partial file
    /// is left behind.
    #[test]
    fn the_streamed_file_is_the_string_to_json_gives() {
        let config = crate::engine::presets::default_config();
        let results = ResultsFile::new(config, 7, "--seed", Vec::new(), false);
        let dir = std::env::temp_dir().join(format!("seedscope-write-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.json");
        results.write_json(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), results.to_json());
        assert!(!dir.join("results.json.partial").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
