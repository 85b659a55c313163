//! Losses (as candle graphs, for autograd) and metrics (on plain vectors, for records).

use candle_core::{D, Result, Tensor};

use crate::data::{Task, argmax};

/// Each run's loss summed over its rows: `[R]` for outputs `[R, rows, out]`. Divide by the full
/// batch size afterwards: a shard's sum over its own rows then adds up to the batch mean just
/// as a whole batch does.
pub fn loss_sums(task: Task, outputs: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let per_element = match task {
        Task::Binary => {
            // Stable BCE with logits: max(z,0) − z·y + ln(1 + e^−|z|). candle_nn's version takes
            // log(sigmoid(z)) and gives NaN once outputs saturate (DESIGN.md).
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
    use candle_core::Device;

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
