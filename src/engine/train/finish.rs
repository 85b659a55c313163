//! The end of a batched program: every run's outputs on its test and train rows, the decision
//! grid (2-D data) and the fresh sample (`data::fresh`), turned into one record per run.
//! Everything here reads the trained weights; nothing changes them.

use std::collections::HashMap;

use super::RunPlan;
use super::fresh_score;
use super::run_state::{RunState, short};
use super::scoring_cost;
use crate::engine::config::ExperimentConfig;
use crate::engine::data::Task;
use crate::engine::loss;
use crate::engine::model::{Mlp, ModelSpec};
use crate::engine::record::RunRecord;
use crate::engine::seeds::Lesson;

/// Each run's accuracy on the experiment's fresh sample (`None` for every run where the
/// data set has none), from each run's trained parameters (`run_params[r]`, flattened in
/// order). Scoring reads the trained weights; it changes none of them.
pub(super) fn fresh_scores(
    spec: &ModelSpec,
    run_params: &[Vec<f32>],
    config: &ExperimentConfig,
    plans: &[RunPlan],
    task: Task,
) -> Vec<Option<f64>> {
    scoring_cost::accounted(|| score_every_run(spec, run_params, config, plans, task))
}

fn score_every_run(
    spec: &ModelSpec,
    run_params: &[Vec<f32>],
    config: &ExperimentConfig,
    plans: &[RunPlan],
    task: Task,
) -> Vec<Option<f64>> {
    let points = plans[0]
        .fresh_seed
        .and_then(|seed| fresh_score::fresh_points(&config.data, seed));
    let Some(points) = points else {
        return vec![None; plans.len()];
    };
    // Runs with bit-identical weights (all-fixed, or a source that changed nothing) score
    // the same: score each distinct model once. A pure function of the weights' bits, so
    // this changes no result, only how often it is computed.
    let mut scored: HashMap<Vec<u32>, f64> = HashMap::new();
    run_params
        .iter()
        .map(|params| {
            let bits: Vec<u32> = params.iter().map(|v| v.to_bits()).collect();
            let score = *scored
                .entry(bits)
                .or_insert_with(|| fresh_score::fresh_accuracy(spec, task, params, &points));
            Some(score)
        })
        .collect()
}

/// The batch's outputs after training, every run's side by side.
pub(super) struct FinalOutputs {
    pub(super) test: Vec<f32>,
    pub(super) train: Vec<f32>,
    /// Grid outputs and the number of cells, for 2-D data sets.
    pub(super) grids: Option<(Vec<f32>, usize)>,
    /// Each run's accuracy on the fresh sample, where there is one.
    pub(super) fresh: Vec<Option<f64>>,
    pub(super) wall_ms: f64,
}

/// The sizes every run of the batch shares.
pub(super) struct Shape {
    pub(super) task: Task,
    pub(super) outputs: usize,
    pub(super) n_train: usize,
    pub(super) n_test: usize,
}

/// Why a run cannot be replayed bit for bit, if it cannot.
fn not_replayable_reason(plan: &RunPlan) -> Option<String> {
    match (plan.condition.lesson(), plan.threads) {
        (Lesson::LibraryRng, _) => Some(
            "its weights were initialised by candle's own RNG, which cannot be seeded".to_string(),
        ),
        (_, threads) if threads.order_can_matter() => Some(format!(
            "its gradients were summed in the order {} threads finished (a real race)",
            threads.count
        )),
        _ => None,
    }
}

/// Run `r`'s record from its state and its slice of the batch's outputs.
pub(super) fn finish_record(
    model: &Mlp,
    finals: &[Vec<f32>],
    r: usize,
    state: RunState,
    plan: &RunPlan,
    shape: &Shape,
    outputs: &FinalOutputs,
) -> RunRecord {
    let Shape {
        task,
        outputs: width,
        n_train,
        n_test,
    } = *shape;
    let run_finite = model.run_values(finals, r).iter().all(|v| v.is_finite());
    let test_slice = &outputs.test[r * n_test * width..(r + 1) * n_test * width];
    let train_slice = &outputs.train[r * n_train * width..(r + 1) * n_train * width];
    // Finite weights can still predict beyond f32 on an extreme row (an outlier far outside
    // the training rows): an infinite metric is no result, so the run counts as diverged.
    let metrics_finite = || {
        loss::metric(task, train_slice, &state.split.train.y, width).is_finite()
            && loss::metric(task, test_slice, &state.split.test.y, width).is_finite()
    };
    // The same holds for one test point's error, recorded in f32: a squared error beyond
    // f32 (a target of 3e38 predicted as 0) would be written to a results file as null and
    // make the file unreadable. Such a run has no usable result either.
    let point_errors = loss::point_errors(task, test_slice, &state.split.test.y, width);
    let errors_finite = point_errors.iter().all(|e| e.is_finite());
    let diverged = !state.active || !run_finite || !metrics_finite() || !errors_finite;
    let (test_errors, fresh_metric) = if diverged {
        (Vec::new(), None)
    } else {
        (point_errors, outputs.fresh[r])
    };
    let (final_train_metric, final_test_metric, test_predictions, grid) = if diverged {
        (None, None, Vec::new(), None)
    } else {
        let grid = outputs.grids.as_ref().map(|(values, cells)| {
            let slice = &values[r * cells * width..(r + 1) * cells * width];
            loss::predictions(task, slice, width)
                .iter()
                .map(|c| char::from(b'0' + (*c as u8).min(9)))
                .collect::<String>()
        });
        (
            Some(loss::metric(task, train_slice, &state.split.train.y, width)),
            Some(loss::metric(task, test_slice, &state.split.test.y, width)),
            loss::predictions(task, test_slice, width),
            grid,
        )
    };
    let mut fingerprints = state.fingerprints;
    fingerprints.shuffle = short(state.shuffle_hash);
    fingerprints.dropout = short(state.dropout_hash);
    fingerprints.threads = short(state.threads_hash);
    let not_replayable_reason = not_replayable_reason(plan);
    RunRecord {
        condition: plan.condition,
        run_index: plan.run_index,
        seeds: plan.seeds.to_map(),
        threads: plan.threads.count,
        racing: plan.threads.racing,
        metric: task.metric(),
        train_loss: state.train_loss,
        test_metric: state.test_metric,
        final_train_metric,
        final_test_metric,
        test_predictions,
        test_indices: state.split.test_indices.clone(),
        test_errors,
        fresh_metric,
        counted_test_points: None,
        grid,
        weights_hash: state
            .frozen_hash
            .unwrap_or_else(|| model.run_hash(finals, r)),
        fingerprints,
        nudged_weight: state.nudged_weight,
        wall_ms: outputs.wall_ms,
        diverged,
        replayable: not_replayable_reason.is_none(),
        not_replayable_reason,
        error: None,
    }
}
