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
#[cfg(target_arch = "x86_64")]
use crate::engine::fused::isa::{Avx2, Avx512};
use crate::engine::fused::isa::{Isa, Portable};
use crate::engine::kernels::activate;
use crate::engine::model::ModelSpec;

/// Points a block holds: 16 f32 lanes (one AVX-512 register, two AVX2 ones).
const LANES: usize = 16;
/// Outputs summed side by side where the CPU has AVX-512 (eight of its 32 registers)…
// Read only by the AVX-512 path (x86_64), so unused on other machines.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const WIDE: usize = 8;
/// …and elsewhere (eight of AVX2's 16 registers, two per output).
const NARROW: usize = 4;

/// One block of a run's outputs: points `start..start + rows` (its lanes past `rows` repeat
/// the last point), `logits[c * lanes + l]` output `c` of the block's point `l`.
pub(super) struct Block<'a> {
    pub(super) start: usize,
    pub(super) rows: usize,
    lanes: usize,
    logits: &'a [f32],
}

impl Block<'_> {
    /// Output `c` of the block's point `l`.
    #[inline(always)]
    pub(super) fn logit(&self, c: usize, l: usize) -> f32 {
        self.logits[c * self.lanes + l]
    }
}

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

/// One layer of one run: `weights[i * fan_out + j]` from input `i` to output `j` (as stored,
/// so a group of outputs' weights from one input are side by side).
pub(super) struct Layer<'a> {
    pub(super) fan_in: usize,
    pub(super) fan_out: usize,
    pub(super) weights: &'a [f32],
    pub(super) biases: &'a [f32],
}

/// A run's layers from its parameters `[W0, b0, W1, b1, …]` flattened (`W` as `[in, out]`).
pub(super) fn layers_of<'a>(spec: &ModelSpec, params: &'a [f32]) -> Vec<Layer<'a>> {
    let mut offset = 0;
    spec.widths
        .windows(2)
        .map(|pair| {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let weights = &params[offset..offset + fan_in * fan_out];
            let biases = &params[offset + fan_in * fan_out..][..fan_out];
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

/// `output[j] = act(b[j] + Σᵢ w[j][i] · input[i])` for LANES points at once: `G` outputs at a
/// time while `G` are left (one accumulator alone waits on its own previous add every step;
/// `G` of them keep the multiply-adds flowing), then four, then one. Each output's arithmetic
/// is the same whatever the grouping.
#[inline(always)]
fn layer_lanes<I: Isa, const G: usize>(
    isa: I,
    layer: &Layer,
    input: &[[f32; LANES]],
    output: &mut [[f32; LANES]],
    activation: Option<Activation>,
) {
    let mut j = 0;
    while j + G <= layer.fan_out {
        outputs_lanes::<I, G>(isa, layer, j, input, output, activation);
        j += G;
    }
    while j + 4 <= layer.fan_out {
        outputs_lanes::<I, 4>(isa, layer, j, input, output, activation);
        j += 4;
    }
    while j < layer.fan_out {
        outputs_lanes::<I, 1>(isa, layer, j, input, output, activation);
        j += 1;
    }
}

/// Outputs `j..j + G` of [`layer_lanes`], summed side by side with the fused kernel's lane
/// operations: explicit vector instructions, since left to itself LLVM vectorised these loops
/// in one build and not in the next.
#[inline(always)]
fn outputs_lanes<I: Isa, const G: usize>(
    isa: I,
    layer: &Layer,
    j: usize,
    input: &[[f32; LANES]],
    output: &mut [[f32; LANES]],
    activation: Option<Activation>,
) {
    let fan_out = layer.fan_out;
    let biases: &[f32; G] = layer.biases[j..j + G].try_into().unwrap();
    let mut acc: [[f32; LANES]; G] = std::array::from_fn(|g| [biases[g]; LANES]);
    for (i, x) in input.iter().enumerate().take(layer.fan_in) {
        let weights: &[f32; G] = layer.weights[i * fan_out + j..][..G].try_into().unwrap();
        for (acc, weight) in acc.iter_mut().zip(weights) {
            isa.fma(acc, &[*weight; LANES], x);
        }
    }
    for (g, acc) in acc.into_iter().enumerate() {
        output[j + g] = activated(acc, activation);
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

/// Runs one run's forward pass over `points`, block by block, and hands each [`Block`] to
/// `visit`. Compiled for the widest vectors this CPU has; the arithmetic, and so every
/// result, is the same on each.
pub(super) fn for_each_block<F>(spec: &ModelSpec, params: &[f32], points: &Columns, visit: F)
where
    F: FnMut(Block),
{
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(isa) = Avx512::detect() {
            // SAFETY: `isa` exists, so the CPU has the features `blocks_avx512` is compiled for.
            return unsafe { blocks_avx512(isa, spec, params, points, visit) };
        }
        if let Some(isa) = Avx2::detect() {
            // SAFETY: `isa` exists, so the CPU has the features `blocks_avx2` is compiled for.
            return unsafe { blocks_avx2(isa, spec, params, points, visit) };
        }
    }
    blocks::<Portable, NARROW, F>(Portable, spec, params, points, visit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn blocks_avx512<F: FnMut(Block)>(
    isa: Avx512,
    spec: &ModelSpec,
    params: &[f32],
    points: &Columns,
    visit: F,
) {
    blocks::<Avx512, WIDE, F>(isa, spec, params, points, visit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_avx2<F: FnMut(Block)>(
    isa: Avx2,
    spec: &ModelSpec,
    params: &[f32],
    points: &Columns,
    visit: F,
) {
    blocks::<Avx2, NARROW, F>(isa, spec, params, points, visit)
}

/// The body of [`for_each_block`] for the instruction set `I`, `G` outputs summed side by
/// side (`Portable` runs anywhere; the tests hold the compiled forms to it bit for bit).
#[inline(always)]
pub(super) fn blocks<I: Isa, const G: usize, F>(
    isa: I,
    spec: &ModelSpec,
    params: &[f32],
    points: &Columns,
    mut visit: F,
) where
    F: FnMut(Block),
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
            if rows == LANES {
                lanes.copy_from_slice(&column[start..start + LANES]);
            } else {
                for (l, value) in lanes.iter_mut().enumerate() {
                    *value = column[start + l.min(rows - 1)];
                }
            }
        }
        for (index, layer) in layers.iter().enumerate() {
            let hidden = index + 1 < layers.len();
            layer_lanes::<I, G>(
                isa,
                layer,
                &input[..layer.fan_in],
                &mut output[..layer.fan_out],
                hidden.then_some(spec.activation),
            );
            std::mem::swap(&mut input, &mut output);
        }
        // `input` now holds the logits, one row of lanes per output.
        visit(Block {
            start,
            rows,
            lanes: LANES,
            logits: input[..outputs].as_flattened(),
        });
        start += rows;
    }
}

/// One run's outputs on `points`, row-major (`[points × outputs]`, as a results file and
/// `loss::metric` read them).
pub(super) fn outputs(spec: &ModelSpec, params: &[f32], points: &Columns) -> Vec<f32> {
    let width = spec.widths[spec.layers()];
    let mut out = vec![0.0; points.len() * width];
    for_each_block(spec, params, points, |block| {
        copy_out(&block, width, &mut out)
    });
    out
}

/// A block's outputs into their rows of `out`.
fn copy_out(block: &Block, width: usize, out: &mut [f32]) {
    for l in 0..block.rows {
        for c in 0..width {
            out[(block.start + l) * width + c] = block.logit(c, l);
        }
    }
}

/// What the scoring tests share: a model's shape, and the forward pass done plainly in f64.
#[cfg(test)]
pub(super) mod test_support {
    use super::layers_of;
    use crate::engine::config::{Activation, InitScheme};
    use crate::engine::kernels::activate;
    use crate::engine::model::ModelSpec;

    pub(in crate::engine::train) fn spec(widths: &[usize], activation: Activation) -> ModelSpec {
        ModelSpec {
            widths: widths.to_vec(),
            activation,
            dropout: 0.0,
            init: InitScheme::GlorotUniform,
        }
    }

    /// One point's outputs, every sum in f64 (each hidden activation rounded to f32 once).
    pub(in crate::engine::train) fn f64_forward(
        spec: &ModelSpec,
        params: &[f32],
        point: &[f32],
    ) -> Vec<f64> {
        let layers = layers_of(spec, params);
        let mut values: Vec<f64> = point.iter().map(|v| f64::from(*v)).collect();
        for (index, layer) in layers.iter().enumerate() {
            values = (0..layer.fan_out)
                .map(|j| {
                    let sum = f64::from(layer.biases[j])
                        + (0..layer.fan_in)
                            .map(|i| f64::from(layer.weights[i * layer.fan_out + j]) * values[i])
                            .sum::<f64>();
                    if index + 1 < layers.len() {
                        f64::from(activate(spec.activation, sum as f32).0)
                    } else {
                        sum
                    }
                })
                .collect();
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{f64_forward, spec};
    use super::*;
    use crate::engine::seeds::SourceRng;

    fn random(count: usize, rng: &mut SourceRng, scale: f32) -> Vec<f32> {
        (0..count)
            .map(|_| rng.uniform_range_f32(-scale, scale))
            .collect()
    }

    /// The widest vectors this CPU offers give the same bits as a portable loop over blocks of
    /// another width.
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
            blocks::<Portable, 2, _>(Portable, &spec, &params, &points, |block| {
                copy_out(&block, width, &mut portable)
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
        for (p, row) in rows.chunks_exact(3).enumerate() {
            for (c, exact) in f64_forward(&spec, &params, row).iter().enumerate() {
                let got = f64::from(fast[p * 2 + c]);
                assert!(
                    (got - exact).abs() < 1e-4,
                    "point {p} output {c}: {got} vs {exact}"
                );
            }
        }
    }
}
