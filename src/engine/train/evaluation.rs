//! The forward pass that scores trained weights: each epoch's test metric, the final test and
//! train outputs, the decision grid and the fresh sample (numerics version 6 onwards).
//!
//! One run at a time, sixteen points across the vector lanes (the points held feature by
//! feature, one column per feature), so every multiply-add runs across a block of points and
//! vectorises without a reduction: `output[j] = act(b[j] + Σᵢ w[j][i] · input[i])`, summed in
//! input order, one fused multiply-add per weight (`f32::mul_add`, rounded once as IEEE 754
//! defines it: a vector FMA where the CPU has one, the C library's exact `fmaf` where it has
//! not). A run's outputs are therefore a pure function of its own weights and points: the same
//! on every CPU, in every process, whatever other runs share its batch.
//!
//! Candle's batched matmul did this before version 6; at these sizes its per-call setup (and
//! the fresh pages each output tensor touched) cost a quarter of a reference sweep, and its
//! summation order was gemm's, chosen at run time per CPU.

use crate::engine::config::Activation;
use crate::engine::kernels::activate;
use crate::engine::model::ModelSpec;

/// Points a block holds: 16 f32 lanes (one AVX-512 register, two AVX2 ones).
pub(super) const LANES: usize = 16;

/// Points laid out for scoring: `values[f * len + p]` is feature `f` of point `p`.
pub(super) struct Columns {
    pub(super) features: usize,
    pub(super) values: Vec<f32>,
}

impl Columns {
    /// From row-major points (`rows[p * features + f]`).
    pub(super) fn from_rows(rows: &[f32], features: usize) -> Columns {
        let len = rows.len() / features.max(1);
        let mut values = vec![0.0; len * features];
        for (p, row) in rows.chunks_exact(features.max(1)).enumerate() {
            for (f, value) in row.iter().enumerate() {
                values[f * len + p] = *value;
            }
        }
        Columns { features, values }
    }

    pub(super) fn len(&self) -> usize {
        self.values.len() / self.features.max(1)
    }
}

/// One layer of one run, transposed to `[out][in]` so an output's weights are contiguous.
pub(super) struct Layer {
    pub(super) fan_in: usize,
    pub(super) fan_out: usize,
    pub(super) weights: Vec<f32>,
    pub(super) biases: Vec<f32>,
}

/// A run's layers from its parameters `[W0, b0, W1, b1, …]` flattened (`W` as `[in, out]`).
pub(super) fn layers_of(spec: &ModelSpec, params: &[f32]) -> Vec<Layer> {
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

/// Runs one run's forward pass over `points`, block by block, and hands each block to
/// `visit(start, rows, logits)`: the block's first point, how many of its lanes are points
/// (the last block repeats its final point to fill the rest), and one row of lanes per
/// output. Compiled for the widest vectors this CPU has; the arithmetic, and so every
/// result, is the same on each.
pub(super) fn for_each_block<F>(spec: &ModelSpec, params: &[f32], points: &Columns, visit: F)
where
    F: FnMut(usize, usize, &[[f32; LANES]]),
{
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        if fma && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F and FMA, checked just above.
            return unsafe { blocks_avx512(spec, params, points, visit) };
        }
        if fma && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { blocks_avx2(spec, params, points, visit) };
        }
    }
    blocks(spec, params, points, visit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn blocks_avx512<F>(spec: &ModelSpec, params: &[f32], points: &Columns, visit: F)
where
    F: FnMut(usize, usize, &[[f32; LANES]]),
{
    blocks(spec, params, points, visit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_avx2<F>(spec: &ModelSpec, params: &[f32], points: &Columns, visit: F)
where
    F: FnMut(usize, usize, &[[f32; LANES]]),
{
    blocks(spec, params, points, visit)
}

/// The portable body of [`for_each_block`] (public to the tests, which hold the compiled
/// forms to it bit for bit).
#[inline(always)]
pub(super) fn blocks<F>(spec: &ModelSpec, params: &[f32], points: &Columns, mut visit: F)
where
    F: FnMut(usize, usize, &[[f32; LANES]]),
{
    let layers = layers_of(spec, params);
    let len = points.len();
    let widest = spec.widths.iter().copied().max().unwrap_or(1);
    let mut input = vec![[0.0f32; LANES]; widest];
    let mut output = vec![[0.0f32; LANES]; widest];
    let outputs = spec.widths[spec.layers()];
    let mut start = 0;
    while start < len {
        let rows = LANES.min(len - start);
        for (f, lanes) in input.iter_mut().take(points.features).enumerate() {
            let column = &points.values[f * len..(f + 1) * len];
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
        visit(start, rows, &input[..outputs]);
        start += rows;
    }
}

/// One run's outputs on `points`, row-major (`[points × outputs]`, as a results file and
/// `loss::metric` read them).
pub(super) fn outputs(spec: &ModelSpec, params: &[f32], points: &Columns) -> Vec<f32> {
    let width = spec.widths[spec.layers()];
    let mut out = vec![0.0; points.len() * width];
    for_each_block(spec, params, points, |start, rows, logits| {
        for l in 0..rows {
            for (c, lanes) in logits.iter().enumerate() {
                out[(start + l) * width + c] = lanes[l];
            }
        }
    });
    out
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

    fn random(count: usize, rng: &mut SourceRng, scale: f32) -> Vec<f32> {
        (0..count)
            .map(|_| rng.uniform_range_f32(-scale, scale))
            .collect()
    }

    /// The widest vectors this CPU offers give the same bits as the portable loop.
    #[test]
    fn compiled_outputs_equal_the_portable_loop_bit_for_bit() {
        for (widths, activation) in [
            (vec![2, 16, 16, 1], Activation::Relu),
            (vec![3, 8, 3], Activation::Tanh),
            (vec![5, 5, 7, 2], Activation::Sigmoid),
        ] {
            let spec = spec(&widths, activation);
            let mut rng = SourceRng::new(9);
            let count: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
            let params = random(count, &mut rng, 1.0);
            let points = Columns::from_rows(&random(widths[0] * 37, &mut rng, 2.0), widths[0]);
            let fast = outputs(&spec, &params, &points);
            let mut portable = vec![0.0f32; fast.len()];
            let width = *widths.last().unwrap();
            blocks(&spec, &params, &points, |start, rows, logits| {
                for l in 0..rows {
                    for (c, lanes) in logits.iter().enumerate() {
                        portable[(start + l) * width + c] = lanes[l];
                    }
                }
            });
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&portable), "{widths:?}");
        }
    }

    /// The outputs are the MLP's: an f64 forward pass, point by point, agrees to rounding.
    #[test]
    fn outputs_are_the_mlps_forward_pass() {
        let widths = [3, 6, 4, 2];
        let spec = spec(&widths, Activation::Tanh);
        let mut rng = SourceRng::new(4);
        let count: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
        let params = random(count, &mut rng, 1.0);
        let rows = random(3 * 21, &mut rng, 2.0);
        let fast = outputs(&spec, &params, &Columns::from_rows(&rows, 3));
        let layers = layers_of(&spec, &params);
        for (p, row) in rows.chunks_exact(3).enumerate() {
            let mut values: Vec<f64> = row.iter().map(|v| f64::from(*v)).collect();
            for (index, layer) in layers.iter().enumerate() {
                values = (0..layer.fan_out)
                    .map(|j| {
                        let w = &layer.weights[j * layer.fan_in..(j + 1) * layer.fan_in];
                        let sum = f64::from(layer.biases[j])
                            + w.iter()
                                .zip(&values)
                                .map(|(w, x)| f64::from(*w) * x)
                                .sum::<f64>();
                        if index + 1 < layers.len() {
                            sum.tanh()
                        } else {
                            sum
                        }
                    })
                    .collect();
            }
            for (c, exact) in values.iter().enumerate() {
                let got = f64::from(fast[p * 2 + c]);
                assert!(
                    (got - exact).abs() < 1e-4,
                    "point {p} output {c}: {got} vs {exact}"
                );
            }
        }
    }
}
