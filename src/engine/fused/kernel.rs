//! One pack's step, row by row: the forward pass of a mini-batch row for every lane, its loss
//! and output gradient lane by lane, and the backward pass adding into the pack's gradients.
//!
//! Row by row keeps a row's activations (a few hundred floats per lane) in registers and L1
//! from the forward pass to the backward one; the weights are read once per row. The order of
//! every sum is fixed: over inputs `i = 0, 1, …` for a pre-activation, over outputs `j = 0, 1, …`
//! for a back-propagated gradient, over the shard's rows in order for a weight's gradient.

#[cfg(target_arch = "x86_64")]
use super::isa::{Avx2, Avx512};
use super::isa::{Isa, Portable};
use crate::engine::config::Activation;
use crate::engine::data::Task;
use crate::engine::kernels::activate;
use crate::engine::loss::row_loss_and_gradient;
use crate::engine::model::ModelSpec;

/// One pack's mini-batch, lane-minor: `x` is `[rows][inputs][lanes]`, `y` is
/// `[rows][outputs][lanes]`, and each hidden layer's pre-scaled dropout mask is
/// `[rows][width][lanes]`. Lanes at and past `runs` are padding (zeros).
#[derive(Clone, Debug)]
pub struct PackInput {
    pub lanes: usize,
    pub runs: usize,
    pub rows: usize,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub masks: Option<Vec<Vec<f32>>>,
}

/// What one call computes on.
struct Step<'a> {
    spec: &'a ModelSpec,
    task: Task,
    params: &'a [Vec<f32>],
    input: &'a PackInput,
    start: usize,
    len: usize,
    batch_rows: usize,
}

/// The losses (one per lane, over rows `start..start + len`, divided by `batch_rows`) and the
/// gradients (the pack's parameters' layout, scaled the same way) of one pack.
/// `params` are the pack's `[W0, b0, W1, b1, …]` in lane layout (`Packing::to_lanes`).
pub fn pack_gradient(
    spec: &ModelSpec,
    task: Task,
    params: &[Vec<f32>],
    input: &PackInput,
    (start, len): (usize, usize),
    batch_rows: usize,
) -> (Vec<f64>, Vec<Vec<f32>>) {
    let step = Step {
        spec,
        task,
        params,
        input,
        start,
        len,
        batch_rows,
    };
    match input.lanes {
        1 => dispatch::<1>(&step),
        2 => dispatch::<2>(&step),
        4 => dispatch::<4>(&step),
        8 => dispatch::<8>(&step),
        16 => dispatch::<16>(&step),
        lanes => panic!("no kernel for {lanes} lanes"),
    }
}

/// The widest vector instructions this CPU has. Each path runs the same code on the same
/// values, so the bits are the same on every path; only the speed differs.
fn dispatch<const L: usize>(step: &Step) -> (Vec<f64>, Vec<Vec<f32>>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { step_avx512::<L>(step) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: as above.
            return unsafe { step_avx2::<L>(step) };
        }
    }
    // SAFETY: the portable operations are plain Rust.
    unsafe { step_body::<Portable, L>(step) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn step_avx512<const L: usize>(step: &Step) -> (Vec<f64>, Vec<Vec<f32>>) {
    // SAFETY: compiled for AVX-512, called only where the CPU has it.
    unsafe { step_body::<Avx512, L>(step) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn step_avx2<const L: usize>(step: &Step) -> (Vec<f64>, Vec<Vec<f32>>) {
    // SAFETY: compiled for AVX2 and FMA, called only where the CPU has them.
    unsafe { step_body::<Avx2, L>(step) }
}

type Lanes<const L: usize> = [f32; L];

/// A flat lane-layout vector as lane arrays.
#[inline(always)]
fn lanes<const L: usize>(values: &[f32]) -> &[Lanes<L>] {
    values.as_chunks::<L>().0
}

#[inline(always)]
fn lanes_mut<const L: usize>(values: &mut [f32]) -> &mut [Lanes<L>] {
    values.as_chunks_mut::<L>().0
}

/// `z[j] = Σ_i input[i] · w[i][j]`, summed over `i` in order, each `z[j]` in a register.
#[inline(always)]
unsafe fn pre_activation<I: Isa, const L: usize>(
    input: &[Lanes<L>],
    w: &[Lanes<L>],
    z: &mut [Lanes<L>],
) {
    let fan_out = z.len();
    for (j, zj) in z.iter_mut().enumerate() {
        let mut acc = [0.0f32; L];
        for (i, a) in input.iter().enumerate() {
            unsafe { I::fma(&mut acc, a, &w[i * fan_out + j]) };
        }
        *zj = acc;
    }
}

/// A hidden layer's `h = act(z + b) · mask` (in place of `z`) and `slope = act'(z + b) · mask`.
#[inline(always)]
unsafe fn activate_layer<I: Isa, const L: usize>(
    activation: Activation,
    z: &mut [Lanes<L>],
    bias: &[Lanes<L>],
    mask: Option<&[Lanes<L>]>,
    slopes: &mut [Lanes<L>],
) {
    // Matched once per layer, so each loop below is specialised.
    match activation {
        Activation::Relu => {
            for j in 0..z.len() {
                unsafe { I::relu(&mut z[j], &bias[j], mask.map(|m| &m[j]), &mut slopes[j]) };
            }
        }
        Activation::Tanh => apply(z, bias, mask, slopes, |x| activate(Activation::Tanh, x)),
        Activation::Sigmoid => apply(z, bias, mask, slopes, |x| activate(Activation::Sigmoid, x)),
        Activation::Linear => apply(z, bias, mask, slopes, |x| activate(Activation::Linear, x)),
    }
}

#[inline(always)]
fn apply<const L: usize>(
    z: &mut [Lanes<L>],
    bias: &[Lanes<L>],
    mask: Option<&[Lanes<L>]>,
    slopes: &mut [Lanes<L>],
    act: impl Fn(f32) -> (f32, f32),
) {
    match mask {
        Some(mask) => {
            for j in 0..z.len() {
                for k in 0..L {
                    let (value, slope) = act(z[j][k] + bias[j][k]);
                    z[j][k] = value * mask[j][k];
                    slopes[j][k] = slope * mask[j][k];
                }
            }
        }
        None => {
            for j in 0..z.len() {
                for k in 0..L {
                    let (value, slope) = act(z[j][k] + bias[j][k]);
                    z[j][k] = value;
                    slopes[j][k] = slope;
                }
            }
        }
    }
}

/// The whole step; inlined into each instruction-set wrapper above.
///
/// # Safety
/// `I`'s instructions must be available (see [`Isa`]).
#[inline(always)]
unsafe fn step_body<I: Isa, const L: usize>(step: &Step) -> (Vec<f64>, Vec<Vec<f32>>) {
    let widths = &step.spec.widths;
    let layers = widths.len() - 1;
    let outputs = widths[layers];
    let input = step.input;
    let mut grads: Vec<Vec<f32>> = step.params.iter().map(|p| vec![0.0; p.len()]).collect();
    // Each hidden layer's output (masked) and slope for the current row; then the output.
    let mut hidden: Vec<Vec<Lanes<L>>> = widths[1..layers]
        .iter()
        .map(|&w| vec![[0.0; L]; w])
        .collect();
    let mut slopes = hidden.clone();
    let mut output = vec![[0.0f32; L]; outputs];
    let widest = widths.iter().copied().max().unwrap_or(1);
    let (mut g, mut g_below) = (vec![[0.0f32; L]; widest], vec![[0.0f32; L]; widest]);
    let (mut row_out, mut row_target, mut row_grad) = (
        vec![0.0f32; outputs],
        vec![0.0f32; outputs],
        vec![0.0f32; outputs],
    );
    let mut losses = vec![0.0f64; L];
    let scale = 1.0 / step.batch_rows as f64;
    let x_all = lanes::<L>(&input.x);
    let y_all = lanes::<L>(&input.y);
    let (inputs, activation) = (widths[0], step.spec.activation);

    for row in step.start..step.start + step.len {
        let x = &x_all[row * inputs..(row + 1) * inputs];
        // Forward.
        for layer in 0..layers {
            let w = lanes::<L>(&step.params[2 * layer]);
            let bias = lanes::<L>(&step.params[2 * layer + 1]);
            if layer + 1 < layers {
                let (below, this) = hidden.split_at_mut(layer);
                let layer_input: &[Lanes<L>] = if layer == 0 { x } else { &below[layer - 1] };
                let z = &mut this[0];
                unsafe { pre_activation::<I, L>(layer_input, w, z) };
                let width = widths[layer + 1];
                let mask = input
                    .masks
                    .as_ref()
                    .map(|m| &lanes::<L>(&m[layer])[row * width..(row + 1) * width]);
                unsafe { activate_layer::<I, L>(activation, z, bias, mask, &mut slopes[layer]) };
            } else {
                let layer_input: &[Lanes<L>] = if layer == 0 { x } else { &hidden[layer - 1] };
                unsafe { pre_activation::<I, L>(layer_input, w, &mut output) };
                for (o, b) in output.iter_mut().zip(bias) {
                    unsafe { I::add(o, b) };
                }
            }
        }
        // Loss and output gradient, lane by lane (padding lanes keep a zero gradient).
        let y = &y_all[row * outputs..(row + 1) * outputs];
        for k in 0..input.runs {
            for c in 0..outputs {
                row_out[c] = output[c][k];
                row_target[c] = y[c][k];
            }
            losses[k] +=
                row_loss_and_gradient(step.task, &row_out, &row_target, scale, &mut row_grad);
            for c in 0..outputs {
                g[c][k] = row_grad[c];
            }
        }
        // Backward.
        for layer in (0..layers).rev() {
            let (fan_in, fan_out) = (widths[layer], widths[layer + 1]);
            let layer_input: &[Lanes<L>] = if layer == 0 { x } else { &hidden[layer - 1] };
            let (weight_grads, rest) = grads[2 * layer..].split_at_mut(1);
            let gw = lanes_mut::<L>(&mut weight_grads[0]);
            for (i, a) in layer_input.iter().enumerate() {
                for (gwij, gj) in gw[i * fan_out..(i + 1) * fan_out].iter_mut().zip(&g) {
                    unsafe { I::fma(gwij, a, gj) };
                }
            }
            for (gb, gj) in lanes_mut::<L>(&mut rest[0]).iter_mut().zip(&g) {
                unsafe { I::add(gb, gj) };
            }
            if layer > 0 {
                let w = lanes::<L>(&step.params[2 * layer]);
                let slope = &slopes[layer - 1];
                for i in 0..fan_in {
                    let mut sum = [0.0f32; L];
                    for (gj, wij) in g[..fan_out].iter().zip(&w[i * fan_out..(i + 1) * fan_out]) {
                        unsafe { I::fma(&mut sum, gj, wij) };
                    }
                    unsafe { I::mul(&mut g_below[i], &sum, &slope[i]) };
                }
                std::mem::swap(&mut g, &mut g_below);
            }
        }
    }
    for loss in &mut losses {
        *loss *= scale;
    }
    (losses, grads)
}
