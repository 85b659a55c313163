//! What one run carries through a batched program: its own data set and split, its shuffle
//! and dropout streams, the fingerprints of what each source drew, and its curves.

use sha2::{Digest, Sha256};

use super::RunPlan;
use crate::engine::config::{ExperimentConfig, SplitMode};
use crate::engine::data::{self, DataError, Dataset, Split, Task, kfold, split, table};
use crate::engine::digest::hex;
use crate::engine::record::SourceFingerprints;
use crate::engine::seeds::{Policy, Source, SourceRng};

/// Short hex of a finished fingerprint hasher.
pub(super) fn short(hasher: Sha256) -> String {
    hex(&hasher.finalize()[..8])
}

fn hash_floats(values: &[f32]) -> Sha256 {
    let mut hasher = Sha256::new();
    for v in values {
        hasher.update(v.to_bits().to_le_bytes());
    }
    hasher
}

/// A fixed data set's rows for one run (`data::table`): the `split` stream picks the test
/// rows (stratified), a free `data` source resamples the training rows (bootstrap), and both
/// are standardised with the training rows' statistics. The data fingerprint hashes which
/// positions of the training rows were drawn, so it changes with the `data` source alone.
fn fixed_rows(
    config: &ExperimentConfig,
    plan: &RunPlan,
) -> Result<(Shape, Split, Sha256), DataError> {
    let seeds = &plan.seeds;
    // data::prepare loaded it before the sweep; failing here means the file vanished or
    // changed mid-sweep: an error the run records as its failure (`TrainError::Data`).
    let table = data::load_table(&config.data)?;
    let full = data::load_dataset(&config.data)?;
    let (test_rows, train_pool) = match config.data.split {
        SplitMode::Random => table::stratified_split(
            &table,
            config.data.test_fraction,
            &mut seeds.rng(Source::Split),
        ),
        SplitMode::KFold => kfold::kfold_rows(
            &full,
            config.data.k,
            plan.fold(config),
            &mut seeds.rng(Source::Split),
        ),
    };
    let positions: Vec<usize> = (0..train_pool.len()).collect();
    let drawn = match plan.condition.policy(Source::Data) {
        Policy::Free => table::bootstrap(&positions, &mut seeds.rng(Source::Data)),
        Policy::Fixed => positions,
    };
    let mut data_hash = Sha256::new();
    for p in &drawn {
        data_hash.update((*p as u64).to_le_bytes());
    }
    let train_rows: Vec<usize> = drawn.iter().map(|&p| train_pool[p]).collect();
    let mut train = full.select(&train_rows);
    let test_is_train = test_rows.is_empty();
    let mut test = full.select(if test_is_train {
        &train_pool
    } else {
        &test_rows
    });
    table::standardise(&full, &train_pool, &mut train, &mut test);
    let split = Split {
        train,
        test,
        test_indices: test_rows,
        test_is_train,
    };
    Ok((Shape::of(&full), split, data_hash))
}

/// What every run of a batch shares about its data: the task and the layer widths it sets.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    pub(super) task: Task,
    pub(super) features: usize,
    pub(super) outputs: usize,
}

impl Shape {
    fn of(dataset: &Dataset) -> Shape {
        Shape {
            task: dataset.task,
            features: dataset.features,
            outputs: dataset.outputs,
        }
    }
}

/// One run's state inside a batched program.
pub(super) struct RunState {
    pub(super) shape: Shape,
    pub(super) split: Split,
    pub(super) fingerprints: SourceFingerprints,
    pub(super) shuffle_rng: SourceRng,
    pub(super) dropout_rng: SourceRng,
    pub(super) shuffle_hash: Sha256,
    pub(super) dropout_hash: Sha256,
    pub(super) threads_hash: Sha256,
    pub(super) train_loss: Vec<f64>,
    pub(super) test_metric: Vec<f64>,
    pub(super) nudged_weight: Option<usize>,
    /// Still training: not diverged.
    pub(super) active: bool,
    /// The weights' hash at the moment the run diverged (its training stopped there).
    pub(super) frozen_hash: Option<String>,
}

impl RunState {
    pub(super) fn new(config: &ExperimentConfig, plan: &RunPlan) -> Result<RunState, DataError> {
        let seeds = &plan.seeds;
        let (shape, split, data_hash) = if config.data.kind.is_table() {
            fixed_rows(config, plan)?
        } else {
            let dataset = data::generate(&config.data, &mut seeds.rng(Source::Data));
            let mut data_hash = hash_floats(&dataset.x);
            data_hash.update(hash_floats(&dataset.y).finalize());
            let mut split_rng = seeds.rng(Source::Split);
            let split = match config.data.split {
                SplitMode::Random => {
                    data::split(&dataset, config.data.test_fraction, &mut split_rng)
                }
                SplitMode::KFold => {
                    let (test, train) = kfold::kfold_rows(
                        &dataset,
                        config.data.k,
                        plan.fold(config),
                        &mut split_rng,
                    );
                    split::from_rows(&dataset, &test, &train)
                }
            };
            (Shape::of(&dataset), split, data_hash)
        };
        let mut split_hash = Sha256::new();
        for i in &split.test_indices {
            split_hash.update((*i as u64).to_le_bytes());
        }
        let mut threads_hash = Sha256::new();
        threads_hash.update((plan.threads.count as u64).to_le_bytes());
        threads_hash.update([u8::from(plan.threads.racing)]);
        Ok(RunState {
            fingerprints: SourceFingerprints {
                data: short(data_hash),
                split: short(split_hash),
                ..SourceFingerprints::default()
            },
            shape,
            split,
            shuffle_rng: seeds.rng(Source::Shuffle),
            dropout_rng: seeds.rng(Source::Dropout),
            shuffle_hash: Sha256::new(),
            dropout_hash: Sha256::new(),
            threads_hash,
            train_loss: Vec::new(),
            test_metric: Vec::new(),
            nudged_weight: None,
            active: true,
            frozen_hash: None,
        })
    }
}
