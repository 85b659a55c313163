//! Scoring trained runs on the fresh sample (`data::fresh`): 20,000 points per run, through
//! the scoring forward pass (`evaluation`: a run at a time, points across the vector lanes).
//! The score only reads the trained weights; it is the same on every machine, process and
//! worker count — a pure function of one run's weights and the sample.

use std::sync::{Arc, Mutex};

use super::evaluation::{self, Columns};
use crate::engine::config::DataConfig;
use crate::engine::data::{Task, fresh};
use crate::engine::model::ModelSpec;

/// The fresh sample, laid out for scoring.
pub(super) struct FreshPoints {
    points: Columns,
    /// Each point's class.
    classes: Vec<usize>,
}

impl FreshPoints {
    fn len(&self) -> usize {
        self.classes.len()
    }
}

/// The last sample drawn, kept for the next batch of the same sweep: drawing 20,000 points
/// costs about a millisecond, and a sweep scores dozens of batches on the same sample.
static LAST_SAMPLE: Mutex<Option<(String, Arc<FreshPoints>)>> = Mutex::new(None);

/// The experiment's fresh sample for `seed`, or `None` where the data set has none.
pub(super) fn fresh_points(config: &DataConfig, seed: u64) -> Option<Arc<FreshPoints>> {
    if !fresh::has_fresh_data(config.kind) {
        return None;
    }
    let key = format!("{:?}|{}|{seed}", config.kind, config.noise.to_bits());
    let mut last = LAST_SAMPLE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((cached, points)) = last.as_ref()
        && *cached == key
    {
        return Some(Arc::clone(points));
    }
    let sample = fresh::fresh_sample(config, seed)?;
    let points = Arc::new(FreshPoints {
        points: Columns::from_rows(&sample.x, sample.features),
        classes: (0..sample.len()).map(|p| sample.class_of(p)).collect(),
    });
    *last = Some((key, Arc::clone(&points)));
    Some(points)
}

/// The accuracy of one run, whose parameters are `params` (`[W0, b0, W1, b1, …]` flattened,
/// `W` as `[in, out]`), on `points`, through the scoring forward pass (`evaluation`).
pub(super) fn fresh_accuracy(
    spec: &ModelSpec,
    task: Task,
    params: &[f32],
    points: &FreshPoints,
) -> f64 {
    let outputs = spec.widths[spec.layers()];
    let mut correct = 0usize;
    evaluation::for_each_block(spec, params, &points.points, |block| {
        for l in 0..block.rows {
            let predicted = match task {
                Task::Binary => usize::from(block.logit(0, l) > 0.0),
                _ => (1..outputs).fold(0, |best, c| {
                    if block.logit(c, l) > block.logit(best, l) {
                        c
                    } else {
                        best
                    }
                }),
            };
            correct += usize::from(predicted == points.classes[block.start + l]);
        }
    });
    correct as f64 / points.len() as f64
}

#[cfg(test)]
mod tests {
    use super::evaluation::test_support::{f64_forward, spec};
    use super::*;
    use crate::engine::config::Activation;
    use crate::engine::seeds::SourceRng;

    /// Random weights and `len` random points (a length that leaves a partial last group).
    fn case(spec: &ModelSpec, len: usize, seed: u64) -> (Vec<f32>, FreshPoints) {
        let mut rng = SourceRng::new(seed);
        let count: usize = spec.widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
        let params = (0..count)
            .map(|_| rng.uniform_range_f32(-1.0, 1.0))
            .collect();
        let features = spec.widths[0];
        let classes = spec.widths[spec.layers()].max(2);
        let points = FreshPoints {
            points: Columns {
                features,
                values: (0..features * len)
                    .map(|_| rng.uniform_range_f32(-2.0, 2.0))
                    .collect(),
            },
            classes: (0..len)
                .map(|_| (rng.next_u32() as usize) % classes)
                .collect(),
        };
        (params, points)
    }

    /// The plain forward pass in f64, one point at a time, as a reference.
    fn reference_accuracy(
        spec: &ModelSpec,
        task: Task,
        params: &[f32],
        points: &FreshPoints,
    ) -> f64 {
        let (features, len) = (points.points.features, points.len());
        let mut correct = 0;
        for p in 0..len {
            let point: Vec<f32> = (0..features)
                .map(|f| points.points.values[f * len + p])
                .collect();
            let values = f64_forward(spec, params, &point);
            let predicted = match task {
                Task::Binary => usize::from(values[0] > 0.0),
                _ => (1..values.len()).fold(0, |b, c| if values[c] > values[b] { c } else { b }),
            };
            correct += usize::from(predicted == points.classes[p]);
        }
        correct as f64 / len as f64
    }

    /// The score is the model's accuracy (binary and multiclass): an f64 forward pass agrees on all but the points
    /// whose logit sits within rounding of the boundary (at most a few in a thousand).
    #[test]
    fn the_score_is_the_models_accuracy() {
        let binary = (spec(&[2, 16, 16, 1], Activation::Relu), Task::Binary);
        let classes = Task::Multiclass { classes: 3 };
        let multiclass = (spec(&[2, 8, 3], Activation::Tanh), classes);
        for ((spec, task), seed) in [binary, multiclass]
            .iter()
            .flat_map(|c| (0..4).map(move |s| (c, s)))
        {
            let (params, points) = case(spec, 2003, seed);
            let fast = fresh_accuracy(spec, *task, &params, &points);
            let exact = reference_accuracy(spec, *task, &params, &points);
            assert!((fast - exact).abs() <= 3.0 / 2003.0, "{fast} vs {exact}");
            assert!(
                fast > 0.0 && fast < 1.0,
                "a random model gets some right, some wrong"
            );
        }
    }
}
