//! One run: data, split, init, then epochs of shuffled mini-batches with dropout and sharded
//! gradients. A run is a pure function of (config, [`RunPlan`]); the plan is a pure function of
//! (master seed, condition, run index), or is rebuilt from a record's seeds for replay.

use std::time::Instant;

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};

use crate::config::ExperimentConfig;
use crate::data::{self, Dataset};
use crate::gradient::{ThreadPlan, batch_gradient};
use crate::loss;
use crate::model::{Mlp, ModelSpec, hex};
use crate::optim::Optimizer;
use crate::results::{RunRecord, SourceFingerprints};
use crate::seeds::{Condition, Lesson, Policy, RunSeeds, Source};

/// Everything random about one run, decided before it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub condition: Condition,
    pub run_index: usize,
    pub seeds: RunSeeds,
    pub threads: ThreadPlan,
}

impl RunPlan {
    pub fn new(
        config: &ExperimentConfig,
        master_seed: u64,
        condition: Condition,
        run_index: usize,
    ) -> RunPlan {
        let seeds = RunSeeds::derive(master_seed, &condition, run_index as u64);
        RunPlan::with_seeds(config, condition, run_index, seeds)
    }

    /// Rebuilds a run's plan from the seeds it recorded (replay).
    pub fn from_record(config: &ExperimentConfig, record: &RunRecord) -> Result<RunPlan, String> {
        let condition: Condition = record.condition.parse()?;
        let seeds = RunSeeds::from_map(&record.seeds)?;
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
        }
    }
}

/// Why a run did not produce a record.
#[derive(Debug)]
pub enum TrainError {
    /// The caller asked to stop (sweep cancelled).
    Cancelled,
    /// candle reported an error.
    Engine(String),
}

impl From<candle_core::Error> for TrainError {
    fn from(error: candle_core::Error) -> Self {
        TrainError::Engine(error.to_string())
    }
}

/// Short hex of a finished fingerprint hasher.
fn short(hasher: Sha256) -> String {
    hex(&hasher.finalize()[..8])
}

fn hash_floats(values: &[f32]) -> Sha256 {
    let mut hasher = Sha256::new();
    for v in values {
        hasher.update(v.to_bits().to_le_bytes());
    }
    hasher
}

fn rows_tensor(data: &Dataset, rows: &[usize]) -> candle_core::Result<(Tensor, Tensor)> {
    let mut x = Vec::with_capacity(rows.len() * data.features);
    let mut y = Vec::with_capacity(rows.len() * data.outputs);
    for &row in rows {
        x.extend_from_slice(data.row_x(row));
        y.extend_from_slice(data.row_y(row));
    }
    Ok((
        Tensor::from_vec(x, (rows.len(), data.features), &Device::Cpu)?,
        Tensor::from_vec(y, (rows.len(), data.outputs), &Device::Cpu)?,
    ))
}

fn whole_tensor(data: &Dataset) -> candle_core::Result<Tensor> {
    Tensor::from_vec(data.x.clone(), (data.len(), data.features), &Device::Cpu)
}

/// Model outputs on a data set, evaluation mode (no dropout), row-major.
fn evaluate(model: &Mlp, x: &Tensor) -> candle_core::Result<Vec<f32>> {
    model.forward(x, None)?.flatten_all()?.to_vec1::<f32>()
}

/// Trains one run. `on_epoch(completed)` is called after every epoch; returning `false`
/// cancels the run.
pub fn train_run(
    config: &ExperimentConfig,
    plan: &RunPlan,
    on_epoch: &mut dyn FnMut(usize) -> bool,
) -> Result<RunRecord, TrainError> {
    let started = Instant::now();
    let seeds = &plan.seeds;
    let mut fingerprints = SourceFingerprints::default();

    // Data and split.
    let dataset = data::generate(&config.data, &mut seeds.rng(Source::Data));
    let mut data_hash = hash_floats(&dataset.x);
    data_hash.update(hash_floats(&dataset.y).finalize());
    fingerprints.data = short(data_hash);
    let split = data::split(
        &dataset,
        config.data.test_fraction,
        &mut seeds.rng(Source::Split),
    );
    let mut split_hash = Sha256::new();
    for i in &split.test_indices {
        split_hash.update((*i as u64).to_le_bytes());
    }
    fingerprints.split = short(split_hash);
    let (train, test) = (&split.train, &split.test);
    let task = dataset.task;

    // Model.
    let spec = ModelSpec::new(&config.model, dataset.features, dataset.outputs);
    let mut model = match plan.condition.lesson() {
        Lesson::LibraryRng => Mlp::init_with_library_rng(&spec)?,
        _ => Mlp::init_seeded(&spec, &mut seeds.rng(Source::Init))?,
    };
    fingerprints.init = model.weights_hash()?[..16].to_string();
    let nudged_weight = match plan.condition.lesson() {
        Lesson::Nudge => Some(model.nudge(plan.run_index)?),
        _ => None,
    };

    let mut optimizer = Optimizer::new(&config.training, &model.params)?;
    let mut shuffle_rng = seeds.rng(Source::Shuffle);
    let mut dropout_rng = seeds.rng(Source::Dropout);
    let mut shuffle_hash = Sha256::new();
    let mut dropout_hash = Sha256::new();
    let mut threads_hash = Sha256::new();
    threads_hash.update((plan.threads.count as u64).to_le_bytes());
    threads_hash.update([u8::from(plan.threads.racing)]);

    let train_x = whole_tensor(train)?;
    let test_x = whole_tensor(test)?;
    let dropout = spec.dropout;
    let keep_scale = 1.0 / (1.0 - dropout);
    let threshold = config.training.divergence_threshold;

    let mut train_loss = Vec::with_capacity(config.training.epochs);
    let mut test_metric = Vec::with_capacity(config.training.epochs);
    let mut diverged = false;

    'epochs: for epoch in 0..config.training.epochs {
        let order = shuffle_rng.permutation(train.len());
        for i in &order {
            shuffle_hash.update((*i as u32).to_le_bytes());
        }
        let mut epoch_loss = 0.0;
        for batch in order.chunks(config.training.batch_size) {
            let (x, y) = rows_tensor(train, batch)?;
            // Dropout masks for the whole batch come from the dropout stream before any
            // sharding, so they do not depend on the thread count.
            let masks = if dropout > 0.0 {
                let mut masks = Vec::with_capacity(spec.hidden_widths().len());
                for &width in spec.hidden_widths() {
                    let mask: Vec<f32> = (0..batch.len() * width)
                        .map(|_| {
                            if dropout_rng.uniform_f32() >= dropout {
                                keep_scale
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    dropout_hash.update(
                        mask.iter()
                            .map(|m| u8::from(*m != 0.0))
                            .collect::<Vec<u8>>(),
                    );
                    masks.push(Tensor::from_vec(mask, (batch.len(), width), &Device::Cpu)?);
                }
                Some(masks)
            } else {
                None
            };
            let gradient = batch_gradient(&model, task, &x, &y, masks.as_deref(), plan.threads)?;
            threads_hash.update(
                gradient
                    .summation_order
                    .iter()
                    .map(|i| *i as u8)
                    .collect::<Vec<u8>>(),
            );
            if !gradient.loss.is_finite() || gradient.loss > threshold {
                diverged = true;
                break 'epochs;
            }
            epoch_loss += gradient.loss * batch.len() as f64;
            optimizer.step(&model.params, &gradient.grads)?;
        }
        train_loss.push(epoch_loss / train.len() as f64);
        let outputs = evaluate(&model, &test_x)?;
        test_metric.push(loss::metric(task, &outputs, &test.y, test.outputs));
        if !on_epoch(epoch + 1) {
            return Err(TrainError::Cancelled);
        }
    }

    let final_values = model.flat_values()?;
    if final_values.iter().any(|v| !v.is_finite()) {
        diverged = true;
    }
    let test_outputs = evaluate(&model, &test_x)?;
    let (final_train_metric, final_test_metric) = if diverged {
        (None, None)
    } else {
        let train_outputs = evaluate(&model, &train_x)?;
        (
            Some(loss::metric(task, &train_outputs, &train.y, train.outputs)),
            Some(loss::metric(task, &test_outputs, &test.y, test.outputs)),
        )
    };
    let grid = match data::plane_bounds(config.data.kind) {
        Some(bounds) if !diverged => {
            let points = data::grid_points(bounds);
            let cells = points.len() / 2;
            let x = Tensor::from_vec(points, (cells, 2), &Device::Cpu)?;
            let classes = loss::predictions(task, &evaluate(&model, &x)?, dataset.outputs);
            Some(
                classes
                    .iter()
                    .map(|c| char::from(b'0' + (*c as u8).min(9)))
                    .collect(),
            )
        }
        _ => None,
    };
    fingerprints.shuffle = short(shuffle_hash);
    fingerprints.dropout = short(dropout_hash);
    fingerprints.threads = short(threads_hash);

    let not_replayable_reason = match (plan.condition.lesson(), plan.threads) {
        (Lesson::LibraryRng, _) => Some(
            "its weights were initialised by candle's own RNG, which cannot be seeded".to_string(),
        ),
        (_, threads) if threads.order_can_matter() => Some(format!(
            "its gradients were summed in the order {} threads finished (a real race)",
            threads.count
        )),
        _ => None,
    };

    Ok(RunRecord {
        condition: plan.condition.to_string(),
        run_index: plan.run_index,
        seeds: seeds.to_map(),
        threads: plan.threads.count,
        racing: plan.threads.racing,
        metric: task.metric_name().to_string(),
        train_loss,
        test_metric,
        final_train_metric,
        final_test_metric,
        test_predictions: loss::predictions(task, &test_outputs, test.outputs),
        test_indices: split.test_indices.clone(),
        grid,
        weights_hash: model.weights_hash()?,
        fingerprints,
        nudged_weight,
        wall_ms: started.elapsed().as_secs_f64() * 1000.0,
        diverged,
        replayable: not_replayable_reason.is_none(),
        not_replayable_reason,
        error: None,
    })
}
