//! Training: data, split, init, then epochs of shuffled mini-batches with dropout and sharded
//! gradients. A run is a pure function of (config, [`RunPlan`]); the plan is a pure function of
//! (master seed, condition, run index), or is rebuilt from a record's seeds for replay.
//!
//! Runs are trained as one batched candle program ([`train_group`]): R runs' weights side by
//! side (`[R, in, out]`), each run's mini-batch gathered in its own shuffle order, one forward
//! and one hand-written backward pass (`Mlp::backward`), Adam on flat buffers. Per-operation
//! overhead dominates these tiny models, so sharing each operation between R runs is what makes
//! a sweep fast. A run trained alone ([`train_run`]) is the same program with R = 1, and its
//! bits are the same (see model.rs).
//! Runs that shard each gradient over worker threads are batched with runs of the same thread
//! count, except racing runs whose summation order can change their bits: those train alone.

use std::time::Instant;

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};

use crate::config::ExperimentConfig;
use crate::data::{self, Dataset, Split};
use crate::dropout::{DropoutStream, draw_mask};
use crate::gradient::{Batch, ShardPool, ThreadPlan, batch_gradient};
use crate::loss;
use crate::model::{Initialiser, Mlp, ModelSpec, hex};
use crate::optim::Optimizer;
use crate::results::{RunRecord, SourceFingerprints};
use crate::seeds::{Condition, Lesson, Policy, RunSeeds, Source, SourceRng};

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

/// One run's state inside a batched program.
struct RunState {
    dataset: Dataset,
    split: Split,
    fingerprints: SourceFingerprints,
    shuffle_rng: SourceRng,
    dropout_rng: SourceRng,
    shuffle_hash: Sha256,
    dropout_hash: Sha256,
    threads_hash: Sha256,
    train_loss: Vec<f64>,
    test_metric: Vec<f64>,
    nudged_weight: Option<usize>,
    /// Still training: not diverged.
    active: bool,
    /// The weights' hash at the moment the run diverged (its training stopped there).
    frozen_hash: Option<String>,
}

impl RunState {
    fn new(config: &ExperimentConfig, plan: &RunPlan) -> RunState {
        let seeds = &plan.seeds;
        let dataset = data::generate(&config.data, &mut seeds.rng(Source::Data));
        let mut data_hash = hash_floats(&dataset.x);
        data_hash.update(hash_floats(&dataset.y).finalize());
        let split = data::split(
            &dataset,
            config.data.test_fraction,
            &mut seeds.rng(Source::Split),
        );
        let mut split_hash = Sha256::new();
        for i in &split.test_indices {
            split_hash.update((*i as u64).to_le_bytes());
        }
        let mut threads_hash = Sha256::new();
        threads_hash.update((plan.threads.count as u64).to_le_bytes());
        threads_hash.update([u8::from(plan.threads.racing)]);
        RunState {
            fingerprints: SourceFingerprints {
                data: short(data_hash),
                split: short(split_hash),
                ..SourceFingerprints::default()
            },
            dataset,
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
        }
    }
}

/// `[R, rows, features]` from each run's rows of its own data set.
fn stack(parts: Vec<Vec<f32>>, rows: usize, width: usize) -> candle_core::Result<Tensor> {
    let runs = parts.len();
    Tensor::from_vec(parts.concat(), (runs, rows, width), &Device::Cpu)
}

/// Outputs of every run on its own rows, as one flat vector `[R × rows × out]`.
fn evaluate(model: &Mlp, x: &Tensor) -> candle_core::Result<Vec<f32>> {
    model.forward(x)?.flatten_all()?.to_vec1::<f32>()
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

fn train_batched(
    config: &ExperimentConfig,
    plans: &[RunPlan],
    pool: Option<&ShardPool>,
    on_epoch: &mut dyn FnMut(usize) -> bool,
) -> Result<Vec<RunRecord>, TrainError> {
    let started = Instant::now();
    let runs = plans.len();
    let mut states: Vec<RunState> = plans.iter().map(|p| RunState::new(config, p)).collect();
    let first = &states[0].dataset;
    let (task, features, outputs) = (first.task, first.features, first.outputs);
    let (n_train, n_test) = (states[0].split.train.len(), states[0].split.test.len());

    // Model: every run's own initial weights, side by side.
    let spec = ModelSpec::new(&config.model, features, outputs);
    let mut init_rngs: Vec<SourceRng> = plans.iter().map(|p| p.seeds.rng(Source::Init)).collect();
    let mut inits: Vec<Initialiser> = plans
        .iter()
        .zip(init_rngs.iter_mut())
        .map(|(plan, rng)| match plan.condition.lesson() {
            Lesson::LibraryRng => Initialiser::Library,
            _ => Initialiser::Seeded(rng),
        })
        .collect();
    let mut model = Mlp::init(&spec, &mut inits)?;
    drop(inits);
    let initial = model.param_values()?;
    for (r, (state, plan)) in states.iter_mut().zip(plans).enumerate() {
        state.fingerprints.init = model.run_hash(&initial, r)[..16].to_string();
        if plan.condition.lesson() == Lesson::Nudge {
            state.nudged_weight = Some(model.nudge(r, plan.run_index)?);
        }
    }

    let mut optimizer = Optimizer::new(&config.training, model.param_values()?);
    let train_x = stack(
        states.iter().map(|s| s.split.train.x.clone()).collect(),
        n_train,
        features,
    )?;
    let test_x = stack(
        states.iter().map(|s| s.split.test.x.clone()).collect(),
        n_test,
        features,
    )?;
    let dropout = spec.dropout;
    let threshold = config.training.divergence_threshold;
    let batch_size = config.training.batch_size;
    let identity: Vec<usize> = (0..n_train).collect();

    for epoch in 0..config.training.epochs {
        // Each active run's own batch order; a diverged run stops drawing, as it would alone.
        let orders: Vec<Vec<usize>> = states
            .iter_mut()
            .map(|state| {
                if !state.active {
                    return identity.clone();
                }
                let order = state.shuffle_rng.permutation(n_train);
                for i in &order {
                    state.shuffle_hash.update((*i as u32).to_le_bytes());
                }
                order
            })
            .collect();
        let mut epoch_loss = vec![0.0; runs];
        let mut start = 0;
        while start < n_train {
            let rows = batch_size.min(n_train - start);
            let mut x = Vec::with_capacity(runs * rows * features);
            let mut y = Vec::with_capacity(runs * rows * outputs);
            for (state, order) in states.iter().zip(&orders) {
                for &row in &order[start..start + rows] {
                    // Element by element: rows are a few floats, and a memcpy call per
                    // row cost more than the copy (3% of a batched run).
                    for &value in state.split.train.row_x(row) {
                        x.push(value);
                    }
                    for &value in state.split.train.row_y(row) {
                        y.push(value);
                    }
                }
            }
            let masks = if dropout > 0.0 {
                let mut masks = Vec::with_capacity(spec.hidden_widths().len());
                for &width in spec.hidden_widths() {
                    let mut streams: Vec<DropoutStream> = states
                        .iter_mut()
                        .map(|state| DropoutStream {
                            rng: &mut state.dropout_rng,
                            fingerprint: &mut state.dropout_hash,
                            active: state.active,
                        })
                        .collect();
                    let mask = draw_mask(&mut streams, rows * width, dropout);
                    masks.push(Tensor::from_vec(mask, (runs, rows, width), &Device::Cpu)?);
                }
                Some(masks)
            } else {
                None
            };
            let batch = Batch {
                x: Tensor::from_vec(x, (runs, rows, features), &Device::Cpu)?,
                y,
                masks,
            };
            let gradient = batch_gradient(&model, task, &batch, plans[0].threads, pool)?;
            // One order per step, shared by every run of the batch.
            let order: Vec<u8> = gradient.summation_order.iter().map(|i| *i as u8).collect();
            for (r, state) in states.iter_mut().enumerate() {
                if !state.active {
                    continue;
                }
                state.threads_hash.update(&order);
                let loss = gradient.losses[r];
                if !loss.is_finite() || loss > threshold {
                    // Training stops here for this run: keep the weights it had (the
                    // optimiser's values are the model's, before this step).
                    state.active = false;
                    state.frozen_hash = Some(model.run_hash(optimizer.values(), r));
                } else {
                    epoch_loss[r] += loss * rows as f64;
                }
            }
            if states.iter().all(|s| !s.active) {
                break;
            }
            optimizer.step(&gradient.grads);
            model.set_param_values(optimizer.values())?;
            start += rows;
        }
        if states.iter().all(|s| !s.active) {
            break;
        }
        let test_outputs = evaluate(&model, &test_x)?;
        let per_run = n_test * outputs;
        for (r, state) in states.iter_mut().enumerate() {
            if state.active {
                state.train_loss.push(epoch_loss[r] / n_train as f64);
                let slice = &test_outputs[r * per_run..(r + 1) * per_run];
                state
                    .test_metric
                    .push(loss::metric(task, slice, &state.split.test.y, outputs));
            }
        }
        if !on_epoch(epoch + 1) {
            return Err(TrainError::Cancelled);
        }
    }

    let finals = optimizer.values();
    let test_outputs = evaluate(&model, &test_x)?;
    let train_outputs = evaluate(&model, &train_x)?;
    let grids = match data::plane_bounds(config.data.kind) {
        Some(bounds) => {
            let points = data::grid_points(bounds);
            let cells = points.len() / 2;
            let all: Vec<Vec<f32>> = vec![points; runs];
            Some((evaluate(&model, &stack(all, cells, 2)?)?, cells))
        }
        None => None,
    };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0 / runs as f64;

    let mut records = Vec::with_capacity(runs);
    for (r, (state, plan)) in states.into_iter().zip(plans).enumerate() {
        let run_finite = model.run_values(finals, r).iter().all(|v| v.is_finite());
        let diverged = !state.active || !run_finite;
        let test_slice = &test_outputs[r * n_test * outputs..(r + 1) * n_test * outputs];
        let train_slice = &train_outputs[r * n_train * outputs..(r + 1) * n_train * outputs];
        let (final_train_metric, final_test_metric, test_predictions, grid) = if diverged {
            (None, None, Vec::new(), None)
        } else {
            let grid = grids.as_ref().map(|(values, cells)| {
                let slice = &values[r * cells * outputs..(r + 1) * cells * outputs];
                loss::predictions(task, slice, outputs)
                    .iter()
                    .map(|c| char::from(b'0' + (*c as u8).min(9)))
                    .collect::<String>()
            });
            (
                Some(loss::metric(
                    task,
                    train_slice,
                    &state.split.train.y,
                    outputs,
                )),
                Some(loss::metric(task, test_slice, &state.split.test.y, outputs)),
                loss::predictions(task, test_slice, outputs),
                grid,
            )
        };
        let mut fingerprints = state.fingerprints;
        fingerprints.shuffle = short(state.shuffle_hash);
        fingerprints.dropout = short(state.dropout_hash);
        fingerprints.threads = short(state.threads_hash);
        let not_replayable_reason = match (plan.condition.lesson(), plan.threads) {
            (Lesson::LibraryRng, _) => Some(
                "its weights were initialised by candle's own RNG, which cannot be seeded"
                    .to_string(),
            ),
            (_, threads) if threads.order_can_matter() => Some(format!(
                "its gradients were summed in the order {} threads finished (a real race)",
                threads.count
            )),
            _ => None,
        };
        records.push(RunRecord {
            condition: plan.condition.to_string(),
            run_index: plan.run_index,
            seeds: plan.seeds.to_map(),
            threads: plan.threads.count,
            racing: plan.threads.racing,
            metric: task.metric_name().to_string(),
            train_loss: state.train_loss,
            test_metric: state.test_metric,
            final_train_metric,
            final_test_metric,
            test_predictions,
            test_indices: state.split.test_indices.clone(),
            grid,
            weights_hash: state
                .frozen_hash
                .unwrap_or_else(|| model.run_hash(finals, r)),
            fingerprints,
            nudged_weight: state.nudged_weight,
            wall_ms,
            diverged,
            replayable: not_replayable_reason.is_none(),
            not_replayable_reason,
            error: None,
        });
    }
    Ok(records)
}
