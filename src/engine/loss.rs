//! Losses (closed forms with their output gradients) and metrics, on plain vectors.

use crate::engine::data::{Task, argmax};

/// Each run's loss over its rows, and the loss's gradient with respect to the outputs, both
/// divided by `batch_rows` (the full mini-batch: a shard's parts then add up to the batch's).
/// `outputs` and `targets` are row-major `[runs, rows, width]`.
///
/// Computed directly rather than by autograd through the loss: the derivatives are closed
/// forms (σ(z) − y, softmax(z) − y, 2(z − y)/k), and at these sizes the dozen candle operations
/// a loss graph takes cost more than the arithmetic.
pub fn loss_and_output_gradient(
    task: Task,
    outputs: &[f32],
    targets: &[f32],
    runs: usize,
    width: usize,
    batch_rows: usize,
) -> (Vec<f64>, Vec<f32>) {
    let scale = 1.0 / batch_rows as f64;
    let per_run = outputs.len() / runs;
    let mut losses = vec![0.0f64; runs];
    let mut gradient = vec![0.0f32; outputs.len()];
    for (i, row) in outputs.chunks(width).enumerate() {
        let run = i * width / per_run;
        let target = &targets[i * width..(i + 1) * width];
        let grad = &mut gradient[i * width..(i + 1) * width];
        losses[run] += row_loss_and_gradient(task, row, target, scale, grad);
    }
    for loss in &mut losses {
        *loss *= scale;
    }
    (losses, gradient)
}

/// Classes whose softmax numerators a row keeps on the stack.
const SOFTMAX_BUFFER: usize = 64;

/// One row's loss (not yet divided by the batch's rows) and, into `grad`, its gradient with
/// respect to the row's outputs times `scale`. The one place each loss's arithmetic lives: the
/// batch form above and the fused kernel (`fused/kernel.rs`) both call it, row by row.
#[inline]
pub fn row_loss_and_gradient(
    task: Task,
    row: &[f32],
    target: &[f32],
    scale: f64,
    grad: &mut [f32],
) -> f64 {
    let width = row.len();
    match task {
        Task::Binary => {
            let (z, y) = (f64::from(row[0]), f64::from(target[0]));
            // e^−|z| serves both the loss and σ(z) (it is e^−z for z ≥ 0, e^z below).
            let e = (-z.abs()).exp();
            let sigmoid = if z >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            grad[0] = ((sigmoid - y) * scale) as f32;
            // Stable BCE with logits: max(z,0) − z·y + ln(1 + e^−|z|).
            z.max(0.0) - z * y + e.ln_1p()
        }
        Task::Multiclass { .. } => {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            // Each e^(z − max) once: the sum's terms are the softmax's numerators too (an exp
            // is most of a row's cost here). Wider rows than the buffer recompute them.
            let mut shifted = [0.0f64; SOFTMAX_BUFFER];
            let mut sum = 0.0;
            for (k, z) in row.iter().enumerate() {
                let e = (f64::from(*z) - max).exp();
                if k < SOFTMAX_BUFFER {
                    shifted[k] = e;
                }
                sum += e;
            }
            let log_sum = max + sum.ln();
            let mut loss = 0.0;
            for k in 0..width {
                let (z, y) = (f64::from(row[k]), f64::from(target[k]));
                loss -= y * (z - log_sum);
                let e = if k < SOFTMAX_BUFFER {
                    shifted[k]
                } else {
                    (z - max).exp()
                };
                grad[k] = ((e / sum - y) * scale) as f32;
            }
            loss
        }
        Task::Regression => {
            let mut loss = 0.0;
            for k in 0..width {
                let d = f64::from(row[k]) - f64::from(target[k]);
                loss += d * d / width as f64;
                grad[k] = (2.0 * d / width as f64 * scale) as f32;
            }
            loss
        }
    }
}

/// Class predictions (classification) or raw outputs (regression), row-major.
pub fn predictions(task: Task, outputs: &[f32], width: usize) -> Vec<f32> {
    match task {
        Task::Binary => outputs
            .iter()
            .map(|z| if *z > 0.0 { 1.0 } else { 0.0 })
            .collect(),
        Task::Multiclass { .. } => outputs
            .chunks(width)
            .map(|row| argmax(row) as f32)
            .collect(),
        Task::Regression => outputs.to_vec(),
    }
}

/// Each row's error: 0 or 1 (classification), or its squared error averaged over outputs
/// (regression). Their mean is the row-wise reading of [`metric`].
pub fn point_errors(task: Task, outputs: &[f32], targets: &[f32], width: usize) -> Vec<f32> {
    match task {
        Task::Binary | Task::Multiclass { .. } => {
            let predicted = predictions(task, outputs, width);
            predicted
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let truth = match task {
                        Task::Binary => usize::from(targets[i] > 0.5),
                        _ => argmax(&targets[i * width..(i + 1) * width]),
                    };
                    f32::from(u8::from(*p as usize != truth))
                })
                .collect()
        }
        Task::Regression => outputs
            .chunks(width)
            .zip(targets.chunks(width))
            .map(|(o, t)| {
                let sum: f64 = o.iter().zip(t).map(|(o, t)| f64::from(o - t).powi(2)).sum();
                (sum / width as f64) as f32
            })
            .collect(),
    }
}

/// Accuracy (classification) or mean squared error (regression).
pub fn metric(task: Task, outputs: &[f32], targets: &[f32], width: usize) -> f64 {
    let rows = outputs.len() / width;
    if rows == 0 {
        return f64::NAN;
    }
    match task {
        Task::Binary | Task::Multiclass { .. } => {
            let predicted = predictions(task, outputs, width);
            let correct = (0..rows)
                .filter(|&i| {
                    let truth = match task {
                        Task::Binary => usize::from(targets[i] > 0.5),
                        _ => argmax(&targets[i * width..(i + 1) * width]),
                    };
                    predicted[i] as usize == truth
                })
                .count();
            correct as f64 / rows as f64
        }
        Task::Regression => {
            let sum: f64 = outputs
                .iter()
                .zip(targets)
                .map(|(o, t)| {
                    let d = (*o - *t) as f64;
                    d * d
                })
                .sum();
            sum / outputs.len() as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{D, Device, Result, Tensor};

    /// The losses as a candle graph, `[R]` for outputs `[R, rows, out]`: the autograd reference
    /// the closed-form gradients are checked against.
    pub fn loss_sums(task: Task, outputs: &Tensor, targets: &Tensor) -> Result<Tensor> {
        let per_element = match task {
            Task::Binary => {
                // Stable BCE with logits: max(z,0) − z·y + ln(1 + e^−|z|). candle_nn's version takes
                // log(sigmoid(z)) and gives NaN once outputs saturate (ARCHITECTURE.md, "Facts").
                let z = outputs;
                let softplus_neg_abs = z.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
                (z.relu()? - (z * targets)?)?.add(&softplus_neg_abs)?
            }
            Task::Multiclass { .. } => {
                let log_probs = candle_nn::ops::log_softmax(outputs, D::Minus1)?;
                (targets * log_probs)?.neg()?
            }
            Task::Regression => {
                let outputs_per_row = outputs.dim(D::Minus1)? as f64;
                ((outputs - targets)?.sqr()? / outputs_per_row)?
            }
        };
        per_element.sum((1, 2))
    }

    #[test]
    fn stable_bce_stays_finite_when_saturated() {
        let z = Tensor::new(&[[[1000.0f32], [-1000.0], [0.0]]], &Device::Cpu).unwrap();
        let y = Tensor::new(&[[[0.0f32], [0.0], [1.0]]], &Device::Cpu).unwrap();
        let loss = loss_sums(Task::Binary, &z, &y)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0];
        // 1000 (confidently wrong) + ~0 (confidently right) + ln 2 (undecided).
        assert!(
            (loss - (1000.0 + std::f32::consts::LN_2)).abs() < 1e-2,
            "{loss}"
        );
    }

    #[test]
    fn closed_form_gradients_match_autograd() {
        let z = [[[0.3f32], [-2.0], [5.0]], [[1.0], [0.0], [-0.5]]];
        let y = [[[1.0f32], [0.0], [0.0]], [[0.0], [1.0], [1.0]]];
        let zt = Tensor::new(&z, &Device::Cpu).unwrap();
        let var = candle_core::Var::from_tensor(&zt).unwrap();
        let yt = Tensor::new(&y, &Device::Cpu).unwrap();
        let sums = loss_sums(Task::Binary, var.as_tensor(), &yt).unwrap();
        let grads = (sums.sum_all().unwrap() / 3.0).unwrap().backward().unwrap();
        let expected = grads
            .get(var.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let flat_z: Vec<f32> = z.iter().flatten().flatten().copied().collect();
        let flat_y: Vec<f32> = y.iter().flatten().flatten().copied().collect();
        let (losses, gradient) = loss_and_output_gradient(Task::Binary, &flat_z, &flat_y, 2, 1, 3);
        for (a, b) in gradient.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-6, "{gradient:?} vs {expected:?}");
        }
        let expected_losses = (sums / 3.0).unwrap().to_vec1::<f32>().unwrap();
        for (a, b) in losses.iter().zip(&expected_losses) {
            assert!(
                (*a as f32 - b).abs() < 1e-5,
                "{losses:?} vs {expected_losses:?}"
            );
        }
    }

    #[test]
    fn accuracy_and_mse_on_hand_values() {
        let acc = metric(
            Task::Binary,
            &[2.0, -1.0, 0.5, -3.0],
            &[1.0, 0.0, 0.0, 0.0],
            1,
        );
        assert_eq!(acc, 0.75);
        let mse = metric(Task::Regression, &[1.0, 2.0], &[0.0, 0.0], 1);
        assert_eq!(mse, 2.5);
        let multi = metric(
            Task::Multiclass { classes: 3 },
            &[0.1, 0.9, 0.0, 0.8, 0.1, 0.1],
            &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            3,
        );
        assert_eq!(multi, 0.5);
    }
}
