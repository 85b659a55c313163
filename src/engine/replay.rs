//! Re-training one recorded run from its recorded seeds and checking its weight hash.

use crate::engine::config::ExperimentConfig;
use crate::engine::data::DataError;
use crate::engine::record::{RecordError, RunRecord};
use crate::engine::train::{RunPlan, TrainError, train_run};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayVerdict {
    /// The replayed weights are bitwise identical to the recorded ones.
    Match { hash: String },
    /// The replay produced different weights.
    Mismatch { recorded: String, replayed: String },
    /// The run recorded that its result depended on something no seed controls.
    NotReplayable { reason: String },
}

impl ReplayVerdict {
    pub fn describe(&self, run_id: &crate::engine::record::RunId) -> String {
        match self {
            ReplayVerdict::Match { hash } => format!(
                "run {run_id}: replayed bit-for-bit; weight hash {} matches the record",
                &hash[..16.min(hash.len())]
            ),
            ReplayVerdict::Mismatch { recorded, replayed } => format!(
                "run {run_id}: replay DIFFERS; recorded weight hash {recorded}, replayed {replayed} \
                 (bitwise replay is promised for the same binary on the same kind of CPU)"
            ),
            ReplayVerdict::NotReplayable { reason } => {
                format!("run {run_id} is marked not replayable: {reason}")
            }
        }
    }
}

/// Why a run could not be replayed at all (a mismatch is a verdict, not an error).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("run {run} failed and has nothing to replay: {error}")]
    FailedRun {
        run: crate::engine::record::RunId,
        error: String,
    },
    /// The data set is not the one the run saw (a changed CSV file), or cannot be read.
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A command's input files are not the ones the run saw, or its folder is gone.
    #[error("{0}")]
    CommandChanged(String),
    /// The command's replay produced no result (it failed, timed out, or wrote a bad one).
    #[error("the replay of run {run} failed: {error}")]
    CommandFailed {
        run: crate::engine::record::RunId,
        error: String,
    },
}

/// Replays `record` under `config` (the experiment it was recorded with).
pub fn replay(config: &ExperimentConfig, record: &RunRecord) -> Result<ReplayVerdict, ReplayError> {
    replay_run(config, None, record)
}

/// [`replay`], told the sweep's master seed: a command's run is given it again
/// (`SEEDSCOPE_MASTER_SEED`), as when it was recorded. The built-in trainer needs only the
/// record's seeds.
pub fn replay_run(
    config: &ExperimentConfig,
    master_seed: Option<u64>,
    record: &RunRecord,
) -> Result<ReplayVerdict, ReplayError> {
    if let Some(error) = &record.error {
        return Err(ReplayError::FailedRun {
            run: record.id(),
            error: error.clone(),
        });
    }
    if !record.replayable {
        return Ok(ReplayVerdict::NotReplayable {
            reason: record
                .not_replayable_reason
                .clone()
                .unwrap_or_else(|| "its result depended on something no seed controls".into()),
        });
    }
    if let Some(command) = &config.command {
        return replay_command(command, config, master_seed.unwrap_or(0), record);
    }
    crate::engine::runtime::configure();
    // A fixed data set must be the one the run saw: a changed CSV file is named, not replayed.
    crate::engine::data::prepare(&mut config.data.clone())?;
    let plan = RunPlan::from_record(config, record)?;
    // The callback never cancels, so an error here is the engine's.
    let replayed = train_run(config, &plan, &mut |_| true)?;
    Ok(verdict(record, replayed, false))
}

/// Whether `replayed` is `record` again: its weights hash, and with `value_too` its reported
/// value to the bit (a command's outcome hash may not cover its value).
fn verdict(record: &RunRecord, replayed: RunRecord, value_too: bool) -> ReplayVerdict {
    let same_value = !value_too
        || replayed.final_test_metric.map(f64::to_bits)
            == record.final_test_metric.map(f64::to_bits);
    if replayed.weights_hash == record.weights_hash && same_value {
        ReplayVerdict::Match {
            hash: replayed.weights_hash,
        }
    } else {
        ReplayVerdict::Mismatch {
            recorded: record.weights_hash.clone(),
            replayed: replayed.weights_hash,
        }
    }
}

/// Re-runs a command's run with its recorded seeds: the same input files (by content hash)
/// in the same folder, then the same outcome (weights hash, or the reported result's hash).
fn replay_command(
    command: &crate::engine::command::CommandConfig,
    config: &ExperimentConfig,
    master_seed: u64,
    record: &RunRecord,
) -> Result<ReplayVerdict, ReplayError> {
    let folder = command.workdir.clone().unwrap_or_default();
    let now = command
        .resolve(&folder)
        .map_err(|e| ReplayError::CommandChanged(e.to_string()))?;
    for (input, hash) in &command.input_hashes {
        if now.input_hashes.get(input) != Some(hash) {
            return Err(ReplayError::CommandChanged(format!(
                "{} has changed since run {} was recorded (its content hash differs): the replay would run another experiment",
                crate::engine::files::escape(input),
                record.id()
            )));
        }
    }
    let plan = RunPlan::from_record(config, record)?;
    let replayed =
        crate::engine::command::run_one(command, (master_seed, None), &plan, &|| false, None)
            .map_err(|_| ReplayError::CommandFailed {
                run: record.id(),
                error: "cancelled".into(),
            })?;
    if let Some(error) = replayed.error {
        return Err(ReplayError::CommandFailed {
            run: record.id(),
            error,
        });
    }
    Ok(verdict(record, replayed, true))
}
