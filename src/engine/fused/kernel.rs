//! One pack's step, row by row: the forward pass of a mini-batch row for every lane, its loss
//! and output gradient lane by lane, and the backward pass adding into the pack's gradients.
//!
//! Row by row keeps a row's activations (a few hundred floats per lane) in registers and L1
//! from the forward pass to the backward one; the weights are read once per row. The order of
//! every sum is fixed: over inputs `i = 0, 1, …` for a pre-activation, over outputs `j = 0, 1, …`
//! for a back-propagated gradient, over the shard's rows in order for a weight's gradient.

#[cfg(target_arch = "x86_64")]
use super::isa::{Avx2, Avx512};
use super::isa::{Isa, Portable, lane_mask};
use super::slices::{add_all, axpy};
use super::{lane_loss, tiles};
use crate::engine::config::Activation;
use crate::engine::data::Task;
use crate::engine::kernels::activate;
use crate::engine::model::ModelSpec;

/// One pack's mini-batch, lane-minor: `x` is `[rows][inputs][lanes]`, `y` is
/// `[rows][outputs][lanes]`. Lanes at and past `runs` are padding (zeros).
#[derive(Clone, Debug)]
pub struct PackInput {
    pub lanes: super::Lanes,
    pub runs: usize,
    pub rows: usize,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub masks: Option<PackMasks>,
}

/// A pack's dropout masks: for each hidden layer, `[rows][width]` lane bits (bit `k` set: lane
/// `k` keeps the unit, scaled by `scale`; clear: the unit is zeroed), as
/// `dropout::draw_lane_bits` draws them.
#[derive(Clone, Debug)]
pub struct PackMasks {
    pub scale: f32,
    pub kept: Vec<Vec<u16>>,
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

/// The losses (one per lane, over rows `start..start + len`, divided by `batch_rows`) of one
/// pack, and into `grads` (any buffers: they are resized and zeroed, so a step can reuse the
/// last step's) its gradients in the parameters' lane layout, scaled the same way.
/// `params` are the pack's `[W0, b0, W1, b1, …]` in lane layout (`Packing::to_lanes`).
pub fn pack_gradient(
    spec: &ModelSpec,
    task: Task,
    params: &[Vec<f32>],
    input: &PackInput,
    (start, len): (usize, usize),
    batch_rows: usize,
    grads: &mut [Vec<f32>],
) -> Vec<f64> {
    for (grad, param) in grads.iter_mut().zip(params) {
        grad.clear();
        grad.resize(param.len(), 0.0);
    }
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
        super::Lanes::One => dispatch::<1>(&step, grads),
        super::Lanes::Two => dispatch::<2>(&step, grads),
        super::Lanes::Four => dispatch::<4>(&step, grads),
        super::Lanes::Eight => dispatch::<8>(&step, grads),
        super::Lanes::Sixteen => dispatch::<16>(&step, grads),
    }
}

/// The widest vector instructions this CPU has. Each path runs the same code on the same
/// values, so the bits are the same on every path; only the speed differs. The instruction
/// set is a value only detection creates (`isa::Avx512::detect`), so the step itself is safe
/// code; the one `unsafe` left is entering a function compiled for those instructions.
fn dispatch<const L: usize>(step: &Step, grads: &mut [Vec<f32>]) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(isa) = Avx512::detect() {
            // SAFETY: `isa` exists, so the CPU has AVX-512F, AVX2 and FMA, which
            // `step_avx512` is compiled for.
            return unsafe { step_avx512::<L>(isa, step, grads) };
        }
        if let Some(isa) = Avx2::detect() {
            // SAFETY: `isa` exists, so the CPU has AVX2 and FMA, which `step_avx2` is
            // compiled for.
            return unsafe { step_avx2::<L>(isa, step, grads) };
        }
    }
    step_body::<Portable, L>(Portable, step, grads)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn step_avx512<const L: usize>(isa: Avx512, step: &Step, grads: &mut [Vec<f32>]) -> Vec<f64> {
    step_body::<Avx512, L>(isa, step, grads)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn step_avx2<const L: usize>(isa: Avx2, step: &Step, grads: &mut [Vec<f32>]) -> Vec<f64> {
    step_body::<Avx2, L>(isa, step, grads)
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

/// A row's dropout mask in one hidden layer: each unit's lane bits, and the keep scale.
type RowMask<'a> = Option<(&'a [u16], f32)>;

/// A hidden layer's `h = act(z + b) · mask` (in place of `z`) and `slope = act'(z + b) · mask`.
#[inline(always)]
fn activate_layer<I: Isa, const L: usize>(
    isa: I,
    activation: Activation,
    z: &mut [Lanes<L>],
    bias: &[Lanes<L>],
    mask: RowMask,
    slopes: &mut [Lanes<L>],
) {
    // Matched once per layer, so each loop below is specialised.
    match activation {
        Activation::Relu => match mask {
            Some((kept, scale)) => {
                for j in 0..z.len() {
                    isa.relu(&mut z[j], &bias[j], Some((kept[j], scale)), &mut slopes[j]);
                }
            }
            None => {
                for j in 0..z.len() {
                    isa.relu(&mut z[j], &bias[j], None, &mut slopes[j]);
                }
            }
        },
        Activation::Tanh => apply(z, bias, mask, slopes, |x| activate(Activation::Tanh, x)),
        Activation::Sigmoid => apply(z, bias, mask, slopes, |x| activate(Activation::Sigmoid, x)),
        Activation::Linear => apply(z, bias, mask, slopes, |x| activate(Activation::Linear, x)),
    }
}

#[inline(always)]
fn apply<const L: usize>(
    z: &mut [Lanes<L>],
    bias: &[Lanes<L>],
    mask: RowMask,
    slopes: &mut [Lanes<L>],
    act: impl Fn(f32) -> (f32, f32),
) {
    match mask {
        Some((kept, scale)) => {
            for j in 0..z.len() {
                for k in 0..L {
                    let (value, slope) = act(z[j][k] + bias[j][k]);
                    let m = lane_mask((kept[j], scale), k);
                    z[j][k] = value * m;
                    slopes[j][k] = slope * m;
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

/// Rows a block of the step works on together: each weight is read once per block (and each
/// weight gradient loaded and stored once per block), not once per row. Digits' first layer
/// is 128 KB of weights per sixteen-run pack, more than L1 holds.
const BLOCK: usize = 8;

/// The step's working buffers, sized for a block of [`BLOCK`] rows, row-major in the block.
struct Buffers<const L: usize> {
    /// Each hidden layer's output (masked), then its slope, `[row][unit]`.
    hidden: Vec<Vec<Lanes<L>>>,
    slopes: Vec<Vec<Lanes<L>>>,
    output: Vec<Lanes<L>>,
    /// The gradient with respect to the current layer's pre-activation, and the layer below's.
    g: Vec<Lanes<L>>,
    g_below: Vec<Lanes<L>>,
}

/// The whole step; inlined into each instruction-set wrapper above. Rows go in blocks of
/// [`BLOCK`], the rest one at a time; a block computes exactly what its rows would one by one
/// (each sum over inputs per row, each weight gradient over rows in row order), so the bits do
/// not depend on the blocking.
#[inline(always)]
fn step_body<I: Isa, const L: usize>(isa: I, step: &Step, grads: &mut [Vec<f32>]) -> Vec<f64> {
    let widths = &step.spec.widths;
    let layers = widths.len() - 1;
    let outputs = widths[layers];
    let widest = widths.iter().copied().max().unwrap_or(1);
    let hidden: Vec<Vec<Lanes<L>>> = widths[1..layers]
        .iter()
        .map(|&w| vec![[0.0; L]; BLOCK * w])
        .collect();
    let mut buffers = Buffers {
        slopes: hidden.clone(),
        hidden,
        output: vec![[0.0; L]; BLOCK * outputs],
        g: vec![[0.0; L]; BLOCK * widest],
        g_below: vec![[0.0; L]; BLOCK * widest],
    };
    let mut losses = vec![0.0f64; L];
    let mut row = step.start;
    let end = step.start + step.len;
    while row + BLOCK <= end {
        block::<I, L, BLOCK>(isa, step, row, &mut buffers, grads, &mut losses);
        row += BLOCK;
    }
    while row < end {
        block::<I, L, 1>(isa, step, row, &mut buffers, grads, &mut losses);
        row += 1;
    }
    let scale = 1.0 / step.batch_rows as f64;
    for loss in &mut losses {
        *loss *= scale;
    }
    losses
}

/// Rows `first..first + B` of the step: forward, loss, backward.
#[inline(always)]
fn block<I: Isa, const L: usize, const B: usize>(
    isa: I,
    step: &Step,
    first: usize,
    buffers: &mut Buffers<L>,
    grads: &mut [Vec<f32>],
    losses: &mut [f64],
) {
    let widths = &step.spec.widths;
    let layers = widths.len() - 1;
    let (inputs, outputs) = (widths[0], widths[layers]);
    let input = step.input;
    let x = &lanes::<L>(&input.x)[first * inputs..(first + B) * inputs];
    let Buffers {
        hidden,
        slopes,
        output,
        g,
        g_below,
    } = buffers;

    // Forward.
    for layer in 0..layers {
        let (fan_in, fan_out) = (widths[layer], widths[layer + 1]);
        let w = lanes::<L>(&step.params[2 * layer]);
        let bias = lanes::<L>(&step.params[2 * layer + 1]);
        let (below, this) = hidden.split_at_mut(layer);
        let layer_input: &[Lanes<L>] = if layer == 0 { x } else { &below[layer - 1] };
        let z: &mut [Lanes<L>] = if layer + 1 < layers {
            &mut this[0]
        } else {
            output
        };
        if L == 1 {
            // A run alone: across units, each still summed over inputs in order from zero.
            let (x1, w1) = (layer_input.as_flattened(), w.as_flattened());
            let z1 = z[..B * fan_out].as_flattened_mut();
            for b in 0..B {
                let zb = &mut z1[b * fan_out..(b + 1) * fan_out];
                zb.fill(0.0);
                for i in 0..fan_in {
                    let wi = &w1[i * fan_out..(i + 1) * fan_out];
                    axpy::<I>(isa, zb, x1[b * fan_in + i], wi);
                }
            }
        } else {
            tiles::forward::<I, L, B>(isa, layer_input, w, z, (fan_in, fan_out));
        }
        if layer + 1 < layers {
            let masks = input.masks.as_ref();
            for b in 0..B {
                let row = first + b;
                let mask =
                    masks.map(|m| (&m.kept[layer][row * fan_out..(row + 1) * fan_out], m.scale));
                let units = b * fan_out..(b + 1) * fan_out;
                activate_layer::<I, L>(
                    isa,
                    step.spec.activation,
                    &mut z[units.clone()],
                    bias,
                    mask,
                    &mut slopes[layer][units],
                );
            }
        } else {
            for b in 0..B {
                for (o, bj) in z[b * fan_out..(b + 1) * fan_out].iter_mut().zip(bias) {
                    isa.add(o, bj);
                }
            }
        }
    }

    // Loss and output gradient, row by row, every lane at once (padding lanes keep a zero
    // gradient).
    let scale = 1.0 / step.batch_rows as f32;
    let y_all = lanes::<L>(&input.y);
    for b in 0..B {
        let y = &y_all[(first + b) * outputs..(first + b + 1) * outputs];
        let out = &output[b * outputs..(b + 1) * outputs];
        let grad = &mut g[b * outputs..(b + 1) * outputs];
        lane_loss::row_loss(step.task, (out, y), (input.runs, scale), grad, losses);
    }

    // Backward.
    for layer in (0..layers).rev() {
        let (fan_in, fan_out) = (widths[layer], widths[layer + 1]);
        let layer_input: &[Lanes<L>] = if layer == 0 { x } else { &hidden[layer - 1] };
        let (weight_grads, rest) = grads[2 * layer..].split_at_mut(1);
        if L == 1 {
            // Each weight's gradient still adds the rows in order.
            let (x1, g1) = (layer_input.as_flattened(), g[..B * fan_out].as_flattened());
            for b in 0..B {
                let gb = &g1[b * fan_out..(b + 1) * fan_out];
                for i in 0..fan_in {
                    let gwi = &mut weight_grads[0][i * fan_out..(i + 1) * fan_out];
                    axpy::<I>(isa, gwi, x1[b * fan_in + i], gb);
                }
                add_all::<I>(isa, &mut rest[0], gb);
            }
        } else {
            let gw = lanes_mut::<L>(&mut weight_grads[0]);
            tiles::weight_gradient::<I, L, B>(isa, layer_input, g, gw, (fan_in, fan_out));
            let gb = lanes_mut::<L>(&mut rest[0]);
            for j in 0..fan_out {
                let mut acc = gb[j];
                for b in 0..B {
                    isa.add(&mut acc, &g[b * fan_out + j]);
                }
                gb[j] = acc;
            }
        }
        if layer > 0 {
            let w = lanes::<L>(&step.params[2 * layer]);
            let slope = &slopes[layer - 1];
            tiles::back_propagate::<I, L, B>(isa, g, w, slope, g_below, (fan_in, fan_out));
            std::mem::swap(g, g_below);
        }
    }
}
