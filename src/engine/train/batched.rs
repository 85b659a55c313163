//! The steps of one batched program: R runs side by side, each with its own data, shuffle
//! order and dropout masks, stepped together by the fused kernel (`engine::fused`, sixteen
//! runs to a pack).
//!
//! [`BatchedTraining::prepare`] draws each run's data, split and initial weights;
//! [`BatchedTraining::run_epoch`] shuffles and steps through one epoch, then scores each run on
//! its test rows (`evaluation`); [`BatchedTraining::finish`] scores and writes each run's
//! record. A run's bits do not depend on the runs it shares a batch with: `tests/batching.rs`
//! and the weight hashes of recorded results hold it to that.

use std::time::Instant;

use sha2::Digest;

use super::evaluation::{self, Columns};
use super::finish::{FinalOutputs, Shape, finish_record, fresh_scores};
use super::interleave::interleave_row;
use super::run_state::RunState;
use super::{RunPlan, TrainError};
use crate::engine::config::ExperimentConfig;
use crate::engine::data::{self, Task};
use crate::engine::dropout::{DropoutStream, draw_lane_bits, keep_scale};
use crate::engine::fused::{Pack, PackInput, PackMasks, Packing};
use crate::engine::gradient::{Batch, BatchGradient, PackedModel, ShardPool, batch_gradient};
use crate::engine::loss;
use crate::engine::model::{Initialiser, Mlp, ModelSpec};
use crate::engine::optim::OptimizerState;
use crate::engine::record::RunRecord;
use crate::engine::seeds::{Lesson, Source, SourceRng};

/// R runs of one experiment in the middle of training.
pub(super) struct BatchedTraining<'a> {
    config: &'a ExperimentConfig,
    plans: &'a [RunPlan],
    pool: Option<&'a ShardPool>,
    started: Instant,
    states: Vec<RunState>,
    spec: ModelSpec,
    /// The runs' initial weights (candle, run-major): the model's shapes, and the hashes of
    /// the trained values read from [`Self::run_major_values`].
    model: Mlp,
    /// The weights the fused kernel trains (lane layout), updated in place by the optimiser.
    packed: PackedModel,
    /// The last step's buffers, filled again by the next one.
    spare: Spare,
    optimizer: OptimizerState,
    task: Task,
    features: usize,
    outputs: usize,
    n_train: usize,
    n_test: usize,
    /// Each run's test rows, laid out for the scoring forward pass (`evaluation`).
    test_points: Vec<Columns>,
}

impl<'a> BatchedTraining<'a> {
    /// Draws every run's data and split, initialises every run's weights side by side (and
    /// nudges them for the nudge lesson), and sets up the optimiser.
    pub(super) fn prepare(
        config: &'a ExperimentConfig,
        plans: &'a [RunPlan],
        pool: Option<&'a ShardPool>,
    ) -> Result<BatchedTraining<'a>, TrainError> {
        let started = Instant::now();
        let mut states: Vec<RunState> = plans
            .iter()
            .map(|p| RunState::new(config, p))
            .collect::<Result<_, _>>()?;
        let first = states[0].shape;
        let (task, features, outputs) = (first.task, first.features, first.outputs);
        let (n_train, n_test) = (states[0].split.train.len(), states[0].split.test.len());

        let spec = ModelSpec::new(&config.model, features, outputs);
        let mut model = initial_model(&spec, plans)?;
        let initial = model.param_values()?;
        for (r, (state, plan)) in states.iter_mut().zip(plans).enumerate() {
            state.fingerprints.init = model.run_hash(&initial, r)[..16].to_string();
            if plan.condition.lesson() == Lesson::Nudge {
                state.nudged_weight = Some(model.nudge(r, plan.run_index)?);
            }
        }
        let packing = Packing::new(plans.len());
        let lanes = packing.to_lanes(&model.param_values()?);
        let optimizer = OptimizerState::new(&config.training, &lanes);
        let packed = PackedModel {
            spec: spec.clone(),
            packing,
            params: lanes,
        };
        let test_points = states
            .iter()
            .map(|s| Columns::from_rows(&s.split.test.x, features))
            .collect();
        Ok(BatchedTraining {
            config,
            plans,
            pool,
            started,
            states,
            spec,
            model,
            packed,
            spare: Spare::default(),
            optimizer,
            task,
            features,
            outputs,
            n_train,
            n_test,
            test_points,
        })
    }

    /// Every run has diverged: nothing is left to train.
    pub(super) fn all_stopped(&self) -> bool {
        self.states.iter().all(|s| !s.active)
    }

    /// One epoch: each run's batch order, every mini-batch step, then the epoch's train loss
    /// and test metric for each run still training.
    pub(super) fn run_epoch(&mut self) -> Result<(), TrainError> {
        let orders = self.epoch_orders();
        let mut epoch_loss = vec![0.0; self.plans.len()];
        let mut start = 0;
        while start < self.n_train {
            let rows = self.config.training.batch_size.min(self.n_train - start);
            self.step(&orders, start, rows, &mut epoch_loss)?;
            if self.all_stopped() {
                return Ok(());
            }
            start += rows;
        }
        self.record_epoch(&epoch_loss)
    }

    /// Each active run's own batch order; a diverged run stops drawing, as it would alone.
    fn epoch_orders(&mut self) -> Vec<Vec<usize>> {
        let n_train = self.n_train;
        let identity: Vec<usize> = (0..n_train).collect();
        self.states
            .iter_mut()
            .map(|state| {
                if !state.active {
                    return identity.clone();
                }
                let order = state.shuffle_rng.permutation(n_train);
                // Each index as four little-endian bytes, hashed in one call (per index, the
                // hasher's bookkeeping cost more than its compression).
                let bytes: Vec<u8> = order
                    .iter()
                    .flat_map(|i| (*i as u32).to_le_bytes())
                    .collect();
                state.shuffle_hash.update(&bytes);
                order
            })
            .collect()
    }

    /// One optimiser step on rows `start..start + rows` of every run's order. A run whose loss
    /// is not finite or above the divergence threshold stops here, keeping the weights it had.
    fn step(
        &mut self,
        orders: &[Vec<usize>],
        start: usize,
        rows: usize,
        epoch_loss: &mut [f64],
    ) -> Result<(), TrainError> {
        let batch = self.gather_batch(orders, start, rows)?;
        let threads = self.plans[0].threads;
        let recycled = std::mem::take(&mut self.spare.grads);
        let gradient = batch_gradient(
            &self.packed,
            self.task,
            &batch,
            threads,
            self.pool,
            recycled,
        )?;
        self.spare.packs = batch.packs;
        self.account_step(&gradient, rows, epoch_loss);
        if self.all_stopped() {
            return Ok(());
        }
        self.optimizer
            .step(&mut self.packed.params, &gradient.grads);
        self.spare.grads = gradient.grads;
        Ok(())
    }

    /// The trained values, run-major (`[R, …]` per parameter), as records and hashes
    /// read them.
    fn run_major_values(&self) -> Vec<Vec<f32>> {
        self.packed
            .packing
            .to_run_major(&self.packed.params, 2 * self.spec.layers())
    }

    /// The mini-batch of every run (its own rows, in its own order) and its dropout masks,
    /// in the last step's buffers.
    fn gather_batch(
        &mut self,
        orders: &[Vec<usize>],
        start: usize,
        rows: usize,
    ) -> Result<Batch, TrainError> {
        let (features, outputs) = (self.features, self.outputs);
        let mut spare = std::mem::take(&mut self.spare.packs).into_iter();
        let packs = self.packed.packing.packs.clone();
        let mut inputs = Vec::with_capacity(packs.len());
        for pack in &packs {
            let lanes = pack.lanes.count();
            let mut input = spare.next().unwrap_or_else(|| PackInput {
                lanes: pack.lanes,
                runs: pack.runs,
                rows,
                x: Vec::new(),
                y: Vec::new(),
                masks: None,
            });
            input.rows = rows;
            // Every lane of a run is written below, and the padding lanes were zeros when
            // the buffers were made and stay so.
            input.x.resize(rows * features * lanes, 0.0);
            input.y.resize(rows * outputs * lanes, 0.0);
            // Row by row: the pack's runs' rows side by side, one lane each.
            let (mut xs, mut ys): (Vec<&[f32]>, Vec<&[f32]>) = Default::default();
            for b in 0..rows {
                xs.clear();
                ys.clear();
                let runs = pack.first..pack.first + pack.runs;
                for (state, order) in self.states[runs.clone()].iter().zip(&orders[runs]) {
                    let (train, row) = (&state.split.train, order[start + b]);
                    xs.push(train.row_x(row));
                    ys.push(train.row_y(row));
                }
                let x_row = &mut input.x[b * features * lanes..(b + 1) * features * lanes];
                interleave_row(&xs, features, lanes, x_row);
                let y_row = &mut input.y[b * outputs * lanes..(b + 1) * outputs * lanes];
                interleave_row(&ys, outputs, lanes, y_row);
            }
            drop((xs, ys));
            self.draw_masks(pack, rows, &mut input.masks);
            inputs.push(input);
        }
        Ok(Batch {
            rows,
            packs: inputs,
        })
    }

    /// One pack's dropout masks (into `masks`, reusing its buffers), one per hidden layer, each
    /// run's drawn from its own stream (layer after layer, as a run alone draws them).
    fn draw_masks(&mut self, pack: &Pack, rows: usize, masks: &mut Option<PackMasks>) {
        let dropout = self.spec.dropout;
        if dropout <= 0.0 {
            *masks = None;
            return;
        }
        let widths = self.spec.hidden_widths();
        let masks = masks.get_or_insert_with(|| PackMasks {
            scale: keep_scale(dropout),
            kept: vec![Vec::new(); widths.len()],
        });
        let states = &mut self.states[pack.first..pack.first + pack.runs];
        for (&width, kept) in widths.iter().zip(&mut masks.kept) {
            let mut streams: Vec<DropoutStream> = states
                .iter_mut()
                .map(|state| DropoutStream {
                    rng: &mut state.dropout_rng,
                    fingerprint: &mut state.dropout_hash,
                    active: state.active,
                })
                .collect();
            draw_lane_bits(&mut streams, rows * width, dropout, kept);
        }
    }

    /// Fingerprints the step's summation order, adds each run's loss to its epoch, and stops
    /// the runs that diverged.
    fn account_step(&mut self, gradient: &BatchGradient, rows: usize, epoch_loss: &mut [f64]) {
        let threshold = self.config.training.divergence_threshold;
        // One order per step, shared by every run of the batch.
        let order: Vec<u8> = gradient.summation_order.iter().map(|i| *i as u8).collect();
        let mut frozen = Vec::new();
        for (r, state) in self.states.iter_mut().enumerate() {
            if !state.active {
                continue;
            }
            state.threads_hash.update(&order);
            let loss = gradient.losses[r];
            if !loss.is_finite() || loss > threshold {
                // Training stops here for this run: keep the weights it had (the
                // trained values are still the ones from before this step).
                state.active = false;
                frozen.push(r);
            } else {
                epoch_loss[r] += loss * rows as f64;
            }
        }
        if !frozen.is_empty() {
            let values = self.run_major_values();
            for r in frozen {
                self.states[r].frozen_hash = Some(self.model.run_hash(&values, r));
            }
        }
    }

    /// The epoch's mean train loss and test metric of every run still training.
    fn record_epoch(&mut self, epoch_loss: &[f64]) -> Result<(), TrainError> {
        let values = self.run_major_values();
        for (r, state) in self.states.iter_mut().enumerate() {
            if state.active {
                state.train_loss.push(epoch_loss[r] / self.n_train as f64);
                let params = self.model.run_values(&values, r);
                let outputs = evaluation::outputs(&self.spec, &params, &self.test_points[r]);
                state.test_metric.push(loss::metric(
                    self.task,
                    &outputs,
                    &state.split.test.y,
                    self.outputs,
                ));
            }
        }
        Ok(())
    }

    /// Final metrics, predictions, the decision grid (2-D data) and the weights' hash of every
    /// run, as records in plan order.
    pub(super) fn finish(self) -> Result<Vec<RunRecord>, TrainError> {
        let runs = self.plans.len();
        let finals = &self.run_major_values();
        let run_params: Vec<Vec<f32>> = (0..runs)
            .map(|r| self.model.run_values(finals, r))
            .collect();
        let grid = data::plane_bounds(self.config.data.kind)
            .map(|bounds| Columns::from_rows(&data::grid_points(bounds), 2));
        let (mut test, mut train, mut grids) = (Vec::new(), Vec::new(), Vec::new());
        for (r, params) in run_params.iter().enumerate() {
            test.extend(evaluation::outputs(
                &self.spec,
                params,
                &self.test_points[r],
            ));
            let train_points = Columns::from_rows(&self.states[r].split.train.x, self.features);
            train.extend(evaluation::outputs(&self.spec, params, &train_points));
            if let Some(grid) = &grid {
                grids.extend(evaluation::outputs(&self.spec, params, grid));
            }
        }
        let outputs = FinalOutputs {
            test,
            train,
            grids: grid.map(|grid| (grids, grid.len())),
            fresh: fresh_scores(&self.spec, &run_params, self.config, self.plans, self.task),
            wall_ms: self.started.elapsed().as_secs_f64() * 1000.0 / runs as f64,
        };
        Ok(self
            .states
            .into_iter()
            .zip(self.plans)
            .enumerate()
            .map(|(r, (state, plan))| {
                let shape = Shape {
                    task: self.task,
                    outputs: self.outputs,
                    n_train: self.n_train,
                    n_test: self.n_test,
                };
                finish_record(&self.model, finals, r, state, plan, &shape, &outputs)
            })
            .collect())
    }
}

/// Buffers a step hands to the next: reused rather than allocated, since buffers of 128 KB
/// (digits' first layer, sixteen runs) came fresh from the OS, page faults and all, each step.
#[derive(Default)]
struct Spare {
    grads: crate::engine::gradient::Gradients,
    /// Each pack's inputs, targets and masks.
    packs: Vec<PackInput>,
}

/// Every run's initial weights, side by side: from its own `init` stream, or from candle's
/// unseedable RNG for the library-RNG lesson.
fn initial_model(spec: &ModelSpec, plans: &[RunPlan]) -> Result<Mlp, TrainError> {
    let mut init_rngs: Vec<SourceRng> = plans.iter().map(|p| p.seeds.rng(Source::Init)).collect();
    let mut inits: Vec<Initialiser> = plans
        .iter()
        .zip(init_rngs.iter_mut())
        .map(|(plan, rng)| match plan.condition.lesson() {
            Lesson::LibraryRng => Initialiser::Library,
            _ => Initialiser::Seeded(rng),
        })
        .collect();
    Ok(Mlp::init(spec, &mut inits)?)
}
