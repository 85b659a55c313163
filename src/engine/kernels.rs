//! Fused elementwise kernels for the MLP, as candle custom ops.
//!
//! At these sizes a training step is dominated by per-operation overhead, and candle's generic
//! paths for broadcasting (`broadcast_add` of a `[R, 1, w]` bias) and for reducing a middle
//! dimension (`sum_keepdim(1)`) walk every element through index arithmetic. Each kernel here
//! does one layer's worth of elementwise work in a single pass over contiguous memory:
//!
//! * [`layer_forward`]: `h = act(z + b) · mask`, and with it the local derivative
//!   `D = act'(z + b) · mask` that the backward pass multiplies by — one op instead of four.
//! * [`row_sums`]: a bias gradient, `Σ_rows g` per run.
//!
//! Every value is computed per element, and every sum runs over one run's rows in row order, so
//! a run's bits do not depend on how many runs share the tensor (`tests/batching.rs`).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};

use crate::engine::config::Activation;

/// The contiguous f32 data of a custom op's argument.
fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: expects a contiguous tensor"),
    }
}

/// `(runs, rows, width)` of a `[R, rows, w]` argument.
fn dims3(layout: &Layout, op: &str) -> Result<(usize, usize, usize)> {
    match layout.shape().dims() {
        &[runs, rows, width] => Ok((runs, rows, width)),
        dims => candle_core::bail!("{op}: expects [runs, rows, width], got {dims:?}"),
    }
}

/// The activation and its derivative at `x`.
#[inline(always)]
pub(crate) fn activate(activation: Activation, x: f32) -> (f32, f32) {
    match activation {
        Activation::Relu => {
            if x > 0.0 {
                (x, 1.0)
            } else {
                (0.0, 0.0)
            }
        }
        Activation::Tanh => {
            let t = x.tanh();
            (t, 1.0 - t * t)
        }
        Activation::Sigmoid => {
            let s = 1.0 / (1.0 + (-x).exp());
            (s, s * (1.0 - s))
        }
        Activation::Linear => (x, 1.0),
    }
}

/// One layer's elementwise work on `z: [R, rows, w]`, `bias: [R, 1, w]` and an optional
/// pre-scaled dropout `mask: [R, rows, w]`. Returns `h` alone, or `h` followed by `D` (so the
/// caller can take both as zero-copy views of one `[2, R, rows, w]` tensor).
fn layer_values(
    activation: Activation,
    with_derivative: bool,
    (z, z_layout): (&[f32], &Layout),
    bias: &[f32],
    mask: Option<&[f32]>,
) -> Result<(CpuStorage, Shape)> {
    let (runs, rows, width) = dims3(z_layout, "layer_forward")?;
    if bias.len() != runs * width || mask.is_some_and(|m| m.len() != z.len()) {
        candle_core::bail!("layer_forward: bias or mask does not match [{runs}, {rows}, {width}]");
    }
    let mut out = vec![
        0f32;
        if with_derivative {
            2 * z.len()
        } else {
            z.len()
        }
    ];
    let (values, derivatives) = out.split_at_mut(z.len());
    // The activation is matched once per call, not per element, so each loop below is
    // specialised (and, for ReLU, vectorised) by the compiler.
    let mut fill = |activation| fill_layer(activation, z, bias, width, mask, values, derivatives);
    match activation {
        Activation::Relu => fill(Activation::Relu),
        Activation::Tanh => fill(Activation::Tanh),
        Activation::Sigmoid => fill(Activation::Sigmoid),
        Activation::Linear => fill(Activation::Linear),
    }
    let shape: Shape = if with_derivative {
        (2, runs, rows, width).into()
    } else {
        (runs, rows, width).into()
    };
    Ok((CpuStorage::F32(out), shape))
}

/// `values = act(z + b) · mask` and, unless `derivatives` is empty, `act'(z + b) · mask`.
/// `bias` holds one row of `width` values per run; each run has `z.len() / runs` values.
#[inline(always)]
fn fill_layer(
    activation: Activation,
    z: &[f32],
    bias: &[f32],
    width: usize,
    mask: Option<&[f32]>,
    values: &mut [f32],
    derivatives: &mut [f32],
) {
    let runs = bias.len() / width;
    let per_run = z.len() / runs;
    for (run, bias) in bias.chunks_exact(width).enumerate() {
        for start in (run * per_run..(run + 1) * per_run).step_by(width) {
            let row = start..start + width;
            // Slices of one length per row: no bounds checks inside, so the loops vectorise.
            let (z, values) = (&z[row.clone()], &mut values[row.clone()]);
            match (mask, derivatives.is_empty()) {
                (Some(mask), false) => {
                    let (mask, derivatives) = (&mask[row.clone()], &mut derivatives[row]);
                    for c in 0..width {
                        let (value, slope) = activate(activation, z[c] + bias[c]);
                        values[c] = value * mask[c];
                        derivatives[c] = slope * mask[c];
                    }
                }
                (Some(mask), true) => {
                    let mask = &mask[row];
                    for c in 0..width {
                        values[c] = activate(activation, z[c] + bias[c]).0 * mask[c];
                    }
                }
                (None, false) => {
                    let derivatives = &mut derivatives[row];
                    for c in 0..width {
                        let (value, slope) = activate(activation, z[c] + bias[c]);
                        values[c] = value;
                        derivatives[c] = slope;
                    }
                }
                (None, true) => {
                    for c in 0..width {
                        values[c] = activate(activation, z[c] + bias[c]).0;
                    }
                }
            }
        }
    }
}

struct Layer {
    activation: Activation,
    with_derivative: bool,
}

impl Layer {
    /// Both custom-op forms: checks the arguments are contiguous, then does the layer's work.
    fn cpu_forward(
        &self,
        op: &str,
        (z, z_layout): (&CpuStorage, &Layout),
        (bias, bias_layout): (&CpuStorage, &Layout),
        mask: Option<(&CpuStorage, &Layout)>,
    ) -> Result<(CpuStorage, Shape)> {
        let z_data = contiguous(z, z_layout, op)?;
        let bias = contiguous(bias, bias_layout, op)?;
        let mask = match mask {
            Some((mask, mask_layout)) => Some(contiguous(mask, mask_layout, op)?),
            None => None,
        };
        layer_values(
            self.activation,
            self.with_derivative,
            (z_data, z_layout),
            bias,
            mask,
        )
    }
}

impl CustomOp2 for Layer {
    fn name(&self) -> &'static str {
        "layer_forward"
    }

    fn cpu_fwd(
        &self,
        z: &CpuStorage,
        z_layout: &Layout,
        bias: &CpuStorage,
        bias_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let op = CustomOp2::name(self);
        self.cpu_forward(op, (z, z_layout), (bias, bias_layout), None)
    }
}

impl CustomOp3 for Layer {
    fn name(&self) -> &'static str {
        "layer_forward_masked"
    }

    fn cpu_fwd(
        &self,
        z: &CpuStorage,
        z_layout: &Layout,
        bias: &CpuStorage,
        bias_layout: &Layout,
        mask: &CpuStorage,
        mask_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let op = CustomOp3::name(self);
        let mask = Some((mask, mask_layout));
        self.cpu_forward(op, (z, z_layout), (bias, bias_layout), mask)
    }
}

/// `act(z + bias) · mask` for `z: [R, rows, w]`, `bias: [R, 1, w]`, `mask: [R, rows, w]`.
/// With `with_derivative`, also `act'(z + bias) · mask`, the factor that turns the gradient
/// of `h` into the gradient of `z`.
pub fn layer_forward(
    z: &Tensor,
    bias: &Tensor,
    mask: Option<&Tensor>,
    activation: Activation,
    with_derivative: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let op = Layer {
        activation,
        with_derivative,
    };
    let out = match mask {
        Some(mask) => z.apply_op3_no_bwd(bias, mask, &op)?,
        None => z.apply_op2_no_bwd(bias, &op)?,
    };
    if with_derivative {
        // Views of the two halves: no copy.
        Ok((out.get(0)?, Some(out.get(1)?)))
    } else {
        Ok((out, None))
    }
}

struct RowSums;

impl CustomOp1 for RowSums {
    fn name(&self) -> &'static str {
        "row_sums"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let data = contiguous(storage, layout, self.name())?;
        let (runs, rows, width) = dims3(layout, self.name())?;
        let mut sums = vec![0f32; runs * width];
        for (run, block) in data.chunks(rows * width).enumerate() {
            let sums = &mut sums[run * width..(run + 1) * width];
            for row in block.chunks(width) {
                for (sum, value) in sums.iter_mut().zip(row) {
                    *sum += value;
                }
            }
        }
        Ok((CpuStorage::F32(sums), (runs, 1, width).into()))
    }
}

/// `Σ_rows g` for `g: [R, rows, w]`, as `[R, 1, w]`, summed in row order.
pub fn row_sums(g: &Tensor) -> Result<Tensor> {
    g.apply_op1_no_bwd(&RowSums)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn tensor(values: &[f32], shape: (usize, usize, usize)) -> Tensor {
        Tensor::from_slice(values, shape, &Device::Cpu).unwrap()
    }

    #[test]
    fn layer_forward_matches_candles_own_ops() {
        let z = tensor(&[-1.0, 0.5, 2.0, -0.25, 0.0, 3.0, 1.5, -2.0], (2, 2, 2));
        let b = tensor(&[0.25, -0.5, 1.0, 0.0], (2, 1, 2));
        let m = tensor(&[2.0, 0.0, 2.0, 2.0, 0.0, 2.0, 2.0, 2.0], (2, 2, 2));
        let zb = z.broadcast_add(&b).unwrap();
        for activation in [
            Activation::Relu,
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Linear,
        ] {
            let expected = match activation {
                Activation::Relu => zb.relu(),
                Activation::Tanh => zb.tanh(),
                Activation::Sigmoid => candle_nn::ops::sigmoid(&zb),
                Activation::Linear => Ok(zb.clone()),
            }
            .unwrap()
            .mul(&m)
            .unwrap();
            let (h, d) = layer_forward(&z, &b, Some(&m), activation, true).unwrap();
            let (h, d) = (h.flatten_all().unwrap(), d.unwrap().flatten_all().unwrap());
            let expected = expected.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            for (a, e) in h.to_vec1::<f32>().unwrap().iter().zip(&expected) {
                assert!((a - e).abs() < 1e-6, "{activation:?}: {a} vs {e}");
            }
            // The derivative, against central differences of the activation.
            let d = d.to_vec1::<f32>().unwrap();
            let zb = zb.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let m = m.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            for i in 0..zb.len() {
                if activation == Activation::Relu && zb[i].abs() < 1e-3 {
                    continue; // the kink
                }
                let eps = 1e-3f32;
                let f = |x: f32| activate(activation, x).0;
                let numeric = (f(zb[i] + eps) - f(zb[i] - eps)) / (2.0 * eps) * m[i];
                assert!((d[i] - numeric).abs() < 1e-2, "{activation:?} at {i}");
            }
        }
    }

    #[test]
    fn row_sums_sum_each_runs_rows() {
        let g = tensor(&[1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0], (2, 2, 2));
        let sums = row_sums(&g).unwrap();
        assert_eq!(sums.dims(), &[2, 1, 2]);
        assert_eq!(
            sums.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            vec![4.0, 6.0, 40.0, 60.0]
        );
    }

    #[test]
    fn non_contiguous_input_is_refused_not_misread() {
        let g = tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], (2, 2, 2));
        let strided = g.transpose(1, 2).unwrap();
        assert!(row_sums(&strided).is_err());
    }
}
