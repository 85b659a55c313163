//! Training: data, split, init, then epochs of shuffled mini-batches with dropout and sharded
//! gradients. A run is a pure function of (config, [`RunPlan`]); the plan is a pure function of
//! (master seed, condition, run index), or is rebuilt from a record's seeds for replay.
//!
//! Which path trains what:
//! - **every run** steps through the fused multi-run kernel (`engine::fused`, driven by
//!   `batched.rs` through [`train_group`]): up to 16 runs one per vector lane, each run's
//!   mini-batch gathered in its own shuffle order, forward, loss and backward per row, Adam on
//!   flat buffers (`optim.rs`). A run trained alone ([`train_run`]) is a one-lane pack, and its
//!   bits are the same (tests/batching.rs, tests/fused.rs).
//! - **candle** holds the initial weights (`model::Mlp`, built from our own streams) and is the
//!   reference the kernel is tested against: its forward pass and `Mlp::backward`
//!   (tests/fused.rs, tests/backprop.rs). Trained weights are scored by `evaluation.rs`.
//! - **candle's own initialiser** (`candle_nn::linear`, unseedable) only in the library-RNG
//!   lesson, whose point is that it cannot be seeded.
//!
//! Runs that shard each gradient over worker threads are batched with runs of the same thread
//! count, except racing runs whose summation order can change their bits: those train alone.
//!
//! Files: this one holds the plan and the entry points; `run_state.rs` what each run of a
//! batch carries (its data, streams and fingerprints); `batched.rs` the steps of a batched
//! program (prepare, one epoch, one step); `finish.rs` the evaluation that turns the trained
//! weights into records (test and train metrics, decision grid, fresh-data score, scored by
//! `fresh_score.rs`, its CPU time kept by `scoring_cost.rs`).

mod batched;
mod evaluation;
mod finish;
mod fresh_score;
mod interleave;
mod run_state;
mod scoring_cost;

pub use scoring_cost::scoring_cpu_seconds;

use crate::engine::config::{ExperimentConfig, SplitMode};
use crate::engine::gradient::{ShardPool, ThreadPlan};
use crate::engine::record::{RecordError, RunRecord};
use crate::engine::seeds::{Condition, Policy, RunSeeds, Source, source_seed};
use batched::BatchedTraining;

/// Everything random about one run, decided before it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub condition: Condition,
    pub run_index: usize,
    pub seeds: RunSeeds,
    pub threads: ThreadPlan,
    /// The seed of the experiment's fresh sample (`data::fresh`), from the master seed. A plan
    /// rebuilt from a record for replay has none: replay checks the weights, not the score.
    pub fresh_seed: Option<u64>,
}

impl RunPlan {
    pub fn new(
        config: &ExperimentConfig,
        master_seed: u64,
        condition: Condition,
        run_index: usize,
    ) -> RunPlan {
        let mut seeds = RunSeeds::derive(master_seed, &condition, run_index as u64);
        if config.data.split == SplitMode::KFold {
            let partition = source_seed(master_seed, Source::Split, Policy::Fixed, 0);
            seeds = seeds.with_seed(Source::Split, partition);
        }
        RunPlan {
            fresh_seed: Some(crate::engine::data::fresh::fresh_seed(master_seed)),
            ..RunPlan::with_seeds(config, condition, run_index, seeds)
        }
    }

    /// k-fold (`data::kfold`): the fold this run tests on.
    pub fn fold(&self, config: &ExperimentConfig) -> usize {
        crate::engine::data::kfold::fold_of(
            self.run_index,
            self.condition.is_free(Source::Split),
            config.data.k,
        )
    }

    /// Rebuilds a run's plan from the seeds it recorded (replay).
    pub fn from_record(
        config: &ExperimentConfig,
        record: &RunRecord,
    ) -> Result<RunPlan, RecordError> {
        let unreadable = |message: String| RecordError {
            run: record.id(),
            message,
        };
        let condition = record.condition;
        let seeds = RunSeeds::from_map(&record.seeds).map_err(|e| unreadable(e.to_string()))?;
        Ok(RunPlan::with_seeds(
            config,
            condition,
            record.run_index,
            seeds,
        ))
    }

    fn with_seeds(
        config: &ExperimentConfig,
        condition: Condition,
        run_index: usize,
        seeds: RunSeeds,
    ) -> RunPlan {
        let threads = match condition.policy(Source::Threads) {
            Policy::Fixed => ThreadPlan {
                count: config.threads.fixed,
                racing: false,
            },
            Policy::Free => ThreadPlan {
                count: 1 + seeds.rng(Source::Threads).below(config.threads.max_free),
                racing: true,
            },
        };
        RunPlan {
            condition,
            run_index,
            seeds,
            threads,
            fresh_seed: None,
        }
    }
}

/// Why a run did not produce a record.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The caller asked to stop (sweep cancelled).
    #[error("the run was cancelled")]
    Cancelled,
    /// candle reported an error (the candle reference path, the library-RNG lesson).
    #[error("engine error: {0}")]
    Candle(#[from] candle_core::Error),
    /// The fixed data set could not be read when the run started (the file vanished or
    /// changed after `data::prepare` checked it).
    #[error("data error: {0}")]
    Data(#[from] crate::engine::data::DataError),
    /// A thread computing part of a mini-batch's gradient panicked.
    #[error(transparent)]
    ShardPanicked(#[from] crate::engine::gradient::ShardPanicked),
}

/// Trains one run (R = 1). `on_epoch(completed)` is called after every epoch; returning
/// `false` cancels the run.
pub fn train_run(
    config: &ExperimentConfig,
    plan: &RunPlan,
    on_epoch: &mut dyn FnMut(usize) -> bool,
) -> Result<RunRecord, TrainError> {
    let mut records = train_group(config, std::slice::from_ref(plan), on_epoch)?;
    Ok(records.remove(0))
}

/// Trains several runs of one experiment as one batched program. All plans must use the same
/// thread count, and be batchable (see `ThreadPlan::batchable`) unless there is only one.
pub fn train_group(
    config: &ExperimentConfig,
    plans: &[RunPlan],
    on_epoch: &mut dyn FnMut(usize) -> bool,
) -> Result<Vec<RunRecord>, TrainError> {
    assert!(!plans.is_empty(), "a group has at least one run");
    assert!(
        plans.len() == 1 || plans.iter().all(|p| p.threads.batchable()),
        "runs whose summation order can matter are trained alone"
    );
    assert!(
        plans
            .iter()
            .all(|p| p.threads.count == plans[0].threads.count),
        "a batch shares one thread count"
    );
    let threads = plans[0].threads;
    if threads.count > 1 {
        std::thread::scope(|scope| {
            let pool = ShardPool::start(scope, threads.count);
            train_batched(config, plans, Some(&pool), on_epoch)
        })
    } else {
        train_batched(config, plans, None, on_epoch)
    }
}

/// Prepares the batch, trains it epoch by epoch (stopping early once every run diverged, or
/// when `on_epoch` cancels), and turns each run's state into its record.
fn train_batched(
    config: &ExperimentConfig,
    plans: &[RunPlan],
    pool: Option<&ShardPool>,
    on_epoch: &mut dyn FnMut(usize) -> bool,
) -> Result<Vec<RunRecord>, TrainError> {
    let mut training = BatchedTraining::prepare(config, plans, pool)?;
    for epoch in 0..config.training.epochs {
        training.run_epoch()?;
        if training.all_stopped() {
            break;
        }
        if !on_epoch(epoch + 1) {
            return Err(TrainError::Cancelled);
        }
    }
    training.finish()
}
