//! Scoring trained runs on the fresh sample (`data::fresh`): 20,000 points per run, which
//! through candle's batched matmul cost a quarter of a circles sweep. Here each run's
//! forward pass is a plain loop over points held feature by feature (one column per
//! feature), so every multiply-add runs across a block of points at once and vectorises
//! without any reduction, as one fused multiply-add per weight. The score only reads the
//! trained weights; it need not match candle's rounding, only be the same on every machine,
//! process and worker count — it is a pure function of one run's weights and the sample.

use std::sync::{Arc, Mutex};

use crate::engine::config::{Activation, DataConfig};
use crate::engine::data::{Task, fresh};
use crate::engine::kernels::activate;
use crate::engine::model::ModelSpec;

/// The fresh sample, laid out for scoring.
pub(super) struct FreshPoints {
    features: usize,
    /// `columns[f * len + p]`: feature f of point p.
    columns: Vec<f32>,
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
    let (len, features) = (sample.len(), sample.features);
    let mut columns = vec![0.0; len * features];
    for p in 0..len {
        for (f, value) in sample.row_x(p).iter().enumerate() {
            columns[f * len + p] = *value;
        }
    }
    let points = Arc::new(FreshPoints {
        features,
        columns,
        classes: (0..len).map(|p| sample.class_of(p)).collect(),
    });
    *last = Some((key, Arc::clone(&points)));
    Some(points)
}

/// Points a register holds: 16 f32 lanes (AVX-512), two AVX2 registers elsewhere.
const LANES: usize = 16;

/// One layer of one run, transposed to `[out][in]` so an output's weights are contiguous.
struct Layer {
    fan_in: usize,
    fan_out: usize,
    weights: Vec<f32>,
    biases: Vec<f32>,
}

fn layers_of(spec: &ModelSpec, params: &[f32]) -> Vec<Layer> {
    let mut offset = 0;
    spec.widths
        .windows(2)
        .map(|pair| {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let stored = &params[offset..offset + fan_in * fan_out];
            let mut weights = vec![0.0; fan_in * fan_out];
            for i in 0..fan_in {
                for j in 0..fan_out {
                    weights[j * fan_in + i] = stored[i * fan_out + j];
                }
            }
            let biases = params[offset + fan_in * fan_out..][..fan_out].to_vec();
            offset += fan_in * fan_out + fan_out;
            Layer {
                fan_in,
                fan_out,
                weights,
                biases,
            }
        })
        .collect()
}

// Indexing by output and lane keeps the four accumulators' arithmetic visible side by side.
#[allow(clippy::needless_range_loop)]
/// `output[j] = act(b[j] + Σᵢ w[j][i] · input[i])` for LANES points at once. Four outputs
/// are summed side by side: one accumulator alone waits on its own previous add every step.
/// Each step is one fused multiply-add (`f32::mul_add`, rounded once, as IEEE 754 defines
/// it): half the instructions of a multiply and an add, and the same bits on every CPU —
/// a vector FMA where the CPU has one, the C library's exact `fmaf` where it has not.
#[inline(always)]
fn layer_lanes(
    layer: &Layer,
    input: &[[f32; LANES]],
    output: &mut [[f32; LANES]],
    activation: Option<Activation>,
) {
    let fan_in = layer.fan_in;
    let mut j = 0;
    while j + 4 <= layer.fan_out {
        let w = &layer.weights[j * fan_in..(j + 4) * fan_in];
        let b = &layer.biases[j..j + 4];
        let (mut a0, mut a1, mut a2, mut a3) =
            ([b[0]; LANES], [b[1]; LANES], [b[2]; LANES], [b[3]; LANES]);
        for (i, x) in input.iter().enumerate().take(fan_in) {
            let (w0, w1, w2, w3) = (w[i], w[fan_in + i], w[2 * fan_in + i], w[3 * fan_in + i]);
            for l in 0..LANES {
                a0[l] = w0.mul_add(x[l], a0[l]);
                a1[l] = w1.mul_add(x[l], a1[l]);
                a2[l] = w2.mul_add(x[l], a2[l]);
                a3[l] = w3.mul_add(x[l], a3[l]);
            }
        }
        output[j] = activated(a0, activation);
        output[j + 1] = activated(a1, activation);
        output[j + 2] = activated(a2, activation);
        output[j + 3] = activated(a3, activation);
        j += 4;
    }
    for j in j..layer.fan_out {
        let mut acc = [layer.biases[j]; LANES];
        for (w, x) in layer.weights[j * fan_in..(j + 1) * fan_in]
            .iter()
            .zip(input)
        {
            for l in 0..LANES {
                acc[l] = w.mul_add(x[l], acc[l]);
            }
        }
        output[j] = activated(acc, activation);
    }
}

/// A hidden layer's activation on one row of lanes, applied while the row is still in
/// registers (ReLU as a vector max; the others through the engine's own `activate`).
#[inline(always)]
fn activated(mut row: [f32; LANES], activation: Option<Activation>) -> [f32; LANES] {
    match activation {
        Some(Activation::Relu) => {
            for a in &mut row {
                *a = a.max(0.0);
            }
        }
        Some(other) => {
            for a in &mut row {
                *a = activate(other, *a).0;
            }
        }
        None => {}
    }
    row
}

/// The accuracy of one run, whose parameters are `params` (`[W0, b0, W1, b1, …]` flattened,
/// `W` as `[in, out]`), on `points`: compiled for the widest vectors this CPU has (the
/// arithmetic, and so the result, is the same on each).
pub(super) fn fresh_accuracy(
    spec: &ModelSpec,
    task: Task,
    params: &[f32],
    points: &FreshPoints,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        if fma && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F and FMA, checked just above.
            return unsafe { accuracy_avx512(spec, task, params, points) };
        }
        if fma && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { accuracy_avx2(spec, task, params, points) };
        }
    }
    accuracy(spec, task, params, points)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn accuracy_avx512(spec: &ModelSpec, task: Task, params: &[f32], points: &FreshPoints) -> f64 {
    accuracy(spec, task, params, points)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn accuracy_avx2(spec: &ModelSpec, task: Task, params: &[f32], points: &FreshPoints) -> f64 {
    accuracy(spec, task, params, points)
}

#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane l of every output row
fn accuracy(spec: &ModelSpec, task: Task, params: &[f32], points: &FreshPoints) -> f64 {
    let layers = layers_of(spec, params);
    let len = points.len();
    let widest = spec.widths.iter().copied().max().unwrap_or(1);
    let mut input = vec![[0.0f32; LANES]; widest];
    let mut output = vec![[0.0f32; LANES]; widest];
    let outputs = spec.widths[spec.layers()];
    let mut correct = 0usize;
    let mut start = 0;
    while start < len {
        // The last group repeats its final point to fill the lanes; only `rows` are counted.
        let rows = LANES.min(len - start);
        for (f, lanes) in input.iter_mut().take(points.features).enumerate() {
            let column = &points.columns[f * len..(f + 1) * len];
            for (l, value) in lanes.iter_mut().enumerate() {
                *value = column[start + l.min(rows - 1)];
            }
        }
        for (index, layer) in layers.iter().enumerate() {
            let hidden = index + 1 < layers.len();
            layer_lanes(
                layer,
                &input[..layer.fan_in],
                &mut output[..layer.fan_out],
                hidden.then_some(spec.activation),
            );
            std::mem::swap(&mut input, &mut output);
        }
        // `input` now holds the logits, one row of lanes per output.
        for l in 0..rows {
            let predicted = match task {
                Task::Binary => usize::from(input[0][l] > 0.0),
                _ => (1..outputs).fold(0, |best, c| {
                    if input[c][l] > input[best][l] {
                        c
                    } else {
                        best
                    }
                }),
            };
            correct += usize::from(predicted == points.classes[start + l]);
        }
        start += rows;
    }
    correct as f64 / len as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::InitScheme;
    use crate::engine::seeds::SourceRng;

    fn spec(widths: &[usize], activation: Activation) -> ModelSpec {
        ModelSpec {
            widths: widths.to_vec(),
            activation,
            dropout: 0.0,
            init: InitScheme::GlorotUniform,
        }
    }

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
            features,
            columns: (0..features * len)
                .map(|_| rng.uniform_range_f32(-2.0, 2.0))
                .collect(),
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
        let layers = layers_of(spec, params);
        let mut correct = 0;
        for p in 0..points.len() {
            let mut values: Vec<f64> = (0..points.features)
                .map(|f| f64::from(points.columns[f * points.len() + p]))
                .collect();
            for (index, layer) in layers.iter().enumerate() {
                values = (0..layer.fan_out)
                    .map(|j| {
                        let sum = f64::from(layer.biases[j])
                            + (0..layer.fan_in)
                                .map(|i| f64::from(layer.weights[j * layer.fan_in + i]) * values[i])
                                .sum::<f64>();
                        if index + 1 < layers.len() {
                            f64::from(activate(spec.activation, sum as f32).0)
                        } else {
                            sum
                        }
                    })
                    .collect();
            }
            let predicted = match task {
                Task::Binary => usize::from(values[0] > 0.0),
                _ => (1..values.len()).fold(0, |b, c| if values[c] > values[b] { c } else { b }),
            };
            correct += usize::from(predicted == points.classes[p]);
        }
        correct as f64 / points.len() as f64
    }

    /// The widest vectors this CPU offers give the same bits as the portable loop (whose
    /// `mul_add` is the exact fused operation everywhere), so the score is CPU-independent.
    #[test]
    fn the_vector_path_equals_the_portable_one_bit_for_bit() {
        for (widths, task, activation) in [
            (vec![2, 16, 16, 1], Task::Binary, Activation::Relu),
            (
                vec![2, 8, 3],
                Task::Multiclass { classes: 3 },
                Activation::Tanh,
            ),
            (vec![2, 5, 7, 1], Task::Binary, Activation::Sigmoid),
        ] {
            let spec = spec(&widths, activation);
            for seed in 0..4 {
                let (params, points) = case(&spec, 1000 + 7 * seed as usize, seed);
                let dispatched = fresh_accuracy(&spec, task, &params, &points);
                let portable = accuracy(&spec, task, &params, &points);
                assert_eq!(
                    dispatched.to_bits(),
                    portable.to_bits(),
                    "{widths:?} seed {seed}"
                );
            }
        }
    }

    /// The score is the model's accuracy: an f64 forward pass agrees on all but the points
    /// whose logit sits within rounding of the boundary (at most a few in a thousand).
    #[test]
    fn the_score_is_the_models_accuracy() {
        let spec = spec(&[2, 16, 16, 1], Activation::Relu);
        for seed in 0..4 {
            let (params, points) = case(&spec, 2003, seed);
            let fast = fresh_accuracy(&spec, Task::Binary, &params, &points);
            let exact = reference_accuracy(&spec, Task::Binary, &params, &points);
            assert!((fast - exact).abs() <= 3.0 / 2003.0, "{fast} vs {exact}");
            assert!(
                fast > 0.0 && fast < 1.0,
                "a random model gets some right, some wrong"
            );
        }
    }
}
