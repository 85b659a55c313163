//! SGD with momentum and Adam over the model's ordered parameter list.
//!
//! The update runs as one pass over flat f32 buffers rather than as candle operations: at
//! these sizes each candle op costs more in overhead than in arithmetic, and Adam needs about
//! nine of them per parameter per step (DESIGN.md: "Adam on a flat buffer beats one op per
//! parameter"). candle still computes every gradient; the optimiser owns the parameter values
//! and writes them back to the `Var`s after each step. The arithmetic is elementwise, so a run's
//! update is the same whether it trains alone or batched with others.

use candle_core::{Device, Result, Tensor, Var};

use crate::config::{Optimizer as OptimizerKind, TrainingConfig};

pub struct Optimizer {
    kind: OptimizerKind,
    learning_rate: f32,
    momentum: f32,
    step: i32,
    /// The parameters' current values, flat, in parameter order.
    values: Vec<Vec<f32>>,
    /// SGD: velocity. Adam: first moment.
    first: Vec<Vec<f32>>,
    /// Adam: second moment.
    second: Vec<Vec<f32>>,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-7; // Keras' default

impl Optimizer {
    /// Takes the parameters' values as they are now (after init and any nudge).
    pub fn new(config: &TrainingConfig, params: &[Var]) -> Result<Optimizer> {
        let values: Vec<Vec<f32>> = params
            .iter()
            .map(|p| p.as_tensor().flatten_all()?.to_vec1::<f32>())
            .collect::<Result<_>>()?;
        let zeros: Vec<Vec<f32>> = values.iter().map(|v| vec![0.0; v.len()]).collect();
        Ok(Optimizer {
            kind: config.optimizer,
            learning_rate: config.learning_rate as f32,
            momentum: config.momentum as f32,
            step: 0,
            second: match config.optimizer {
                OptimizerKind::Adam => zeros.clone(),
                OptimizerKind::Sgd => Vec::new(),
            },
            first: zeros,
            values,
        })
    }

    /// Applies one update; `grads[i]` is the gradient of `params[i]`.
    pub fn step(&mut self, params: &[Var], grads: &[Tensor]) -> Result<()> {
        self.step += 1;
        // Fold Adam's bias corrections into the step size, as Keras and PyTorch do.
        let correction1 = 1.0 - BETA1.powi(self.step);
        let correction2 = 1.0 - BETA2.powi(self.step);
        let step_size = (f64::from(self.learning_rate) * correction2.sqrt() / correction1) as f32;
        let eps = (EPSILON * correction2.sqrt()) as f32;
        let (beta1, beta2) = (BETA1 as f32, BETA2 as f32);
        for (i, (param, grad)) in params.iter().zip(grads).enumerate() {
            let grad = grad.flatten_all()?.to_vec1::<f32>()?;
            let values = &mut self.values[i];
            let first = &mut self.first[i];
            match self.kind {
                OptimizerKind::Sgd => {
                    // v ← μ·v + g;  θ ← θ − η·v
                    for ((value, velocity), g) in values.iter_mut().zip(first.iter_mut()).zip(&grad)
                    {
                        *velocity = self.momentum * *velocity + g;
                        *value -= self.learning_rate * *velocity;
                    }
                }
                OptimizerKind::Adam => {
                    let second = &mut self.second[i];
                    for (((value, m), v), g) in values
                        .iter_mut()
                        .zip(first.iter_mut())
                        .zip(second.iter_mut())
                        .zip(&grad)
                    {
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        *value -= step_size * *m / (v.sqrt() + eps);
                    }
                }
            }
            let shape = param.as_tensor().shape().clone();
            param.set(&Tensor::from_vec(values.clone(), shape, &Device::Cpu)?)?;
        }
        Ok(())
    }
}
