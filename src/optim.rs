//! SGD with momentum and Adam over the model's ordered parameter list.
//!
//! Written here (not candle_nn's optimisers) because the gradients arrive as a plain list of
//! tensors summed from shards (the thread source), not as one autograd `GradStore`.

use candle_core::{Result, Tensor, Var};

use crate::config::{Optimizer as OptimizerKind, TrainingConfig};

pub struct Optimizer {
    kind: OptimizerKind,
    learning_rate: f64,
    momentum: f64,
    step: i32,
    /// SGD: velocity. Adam: first moment.
    first: Vec<Tensor>,
    /// Adam: second moment.
    second: Vec<Tensor>,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-7; // Keras' default

impl Optimizer {
    pub fn new(config: &TrainingConfig, params: &[Var]) -> Result<Optimizer> {
        let zeros = || -> Result<Vec<Tensor>> {
            params.iter().map(|p| p.as_tensor().zeros_like()).collect()
        };
        Ok(Optimizer {
            kind: config.optimizer,
            learning_rate: config.learning_rate,
            momentum: config.momentum,
            step: 0,
            first: zeros()?,
            second: match config.optimizer {
                OptimizerKind::Adam => zeros()?,
                OptimizerKind::Sgd => Vec::new(),
            },
        })
    }

    /// Applies one update; `grads[i]` is the gradient of `params[i]`.
    pub fn step(&mut self, params: &[Var], grads: &[Tensor]) -> Result<()> {
        self.step += 1;
        match self.kind {
            OptimizerKind::Sgd => {
                for (i, (param, grad)) in params.iter().zip(grads).enumerate() {
                    // v ← μ·v + g;  θ ← θ − η·v
                    let velocity = ((&self.first[i] * self.momentum)? + grad)?;
                    let updated = (param.as_tensor() - (&velocity * self.learning_rate)?)?;
                    param.set(&updated)?;
                    self.first[i] = velocity;
                }
            }
            OptimizerKind::Adam => {
                let correction1 = 1.0 - BETA1.powi(self.step);
                let correction2 = 1.0 - BETA2.powi(self.step);
                // Fold the bias corrections into the step size, as Keras and PyTorch do.
                let step_size = self.learning_rate * correction2.sqrt() / correction1;
                let eps = EPSILON * correction2.sqrt();
                for (i, (param, grad)) in params.iter().zip(grads).enumerate() {
                    let m = ((&self.first[i] * BETA1)? + (grad * (1.0 - BETA1))?)?;
                    let v = ((&self.second[i] * BETA2)? + (grad.sqr()? * (1.0 - BETA2))?)?;
                    let denominator = (v.sqrt()? + eps)?;
                    let update = ((&m / &denominator)? * step_size)?;
                    param.set(&(param.as_tensor() - update)?)?;
                    self.first[i] = m;
                    self.second[i] = v;
                }
            }
        }
        Ok(())
    }
}
