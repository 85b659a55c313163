//! The MLP, batched over runs: parameters are a plain, ordered list of candle tensors
//! (`[W0, b0, W1, b1, …]`, `W: [R, in, out]`, `b: [R, 1, out]`) holding R independent runs'
//! weights side by side, with a forward pass, its backward pass, and the app's own seeded
//! initialiser.
//!
//! A run trained alone is the same program with R = 1. candle's CPU kernels treat every slice
//! of the run dimension the same way (a batched matmul calls gemm once per slice with the same
//! sizes; the fused kernels in kernels.rs work per element and sum each run's rows in order),
//! so a run's bits do not depend on which runs share its batch — `tests/batching.rs` checks
//! exactly that.
//!
//! candle's initialisers draw from an unseedable thread RNG (ARCHITECTURE.md, "Invariants"), so they are used only
//! by the library-rng lesson, whose point is exactly that.

use candle_core::{DType, Device, Result, Tensor};
use sha2::{Digest, Sha256};

use crate::engine::config::{Activation, InitScheme, ModelConfig};
use crate::engine::digest::hex;
use crate::engine::kernels::{layer_forward, row_sums};
use crate::engine::seeds::SourceRng;

/// Layer sizes and options resolved against a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Input, hidden…, output widths.
    pub widths: Vec<usize>,
    pub activation: Activation,
    pub dropout: f32,
    pub init: InitScheme,
}

impl ModelSpec {
    pub fn new(config: &ModelConfig, inputs: usize, outputs: usize) -> ModelSpec {
        let mut widths = vec![inputs];
        widths.extend(&config.hidden);
        widths.push(outputs);
        ModelSpec {
            widths,
            activation: config.activation,
            dropout: config.dropout as f32,
            init: config.init,
        }
    }

    pub fn layers(&self) -> usize {
        self.widths.len() - 1
    }

    pub fn hidden_widths(&self) -> &[usize] {
        &self.widths[1..self.widths.len() - 1]
    }

    pub fn parameter_count(&self) -> usize {
        self.widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }

    /// One run's shape of parameter `index` (`[in, out]` or `[out]`): what its hash covers.
    fn run_dims(&self, index: usize) -> Vec<usize> {
        let layer = index / 2;
        if index.is_multiple_of(2) {
            vec![self.widths[layer], self.widths[layer + 1]]
        } else {
            vec![self.widths[layer + 1]]
        }
    }
}

/// How one run's initial weights are made.
pub enum Initialiser<'a> {
    /// From the run's `init` stream.
    Seeded(&'a mut SourceRng),
    /// The library-rng lesson: candle_nn::linear's unseedable initialiser.
    Library,
}

#[derive(Clone)]
pub struct Mlp {
    pub spec: ModelSpec,
    /// R: how many runs the parameters hold.
    pub runs: usize,
    /// `[W0, b0, W1, b1, …]`: this order is the order of hashing, nudging and optimiser state.
    pub params: Vec<Tensor>,
}

/// What the backward pass needs from a training forward pass.
pub struct Trace {
    /// Each layer's input: x, then each hidden layer's output.
    inputs: Vec<Tensor>,
    /// Each hidden layer's local derivative, `act'(z + b) · mask`.
    derivatives: Vec<Tensor>,
    /// `[R, rows, out]`.
    pub output: Tensor,
}

/// One run's layer weights: Glorot or He uniform from its stream (zero biases, as Keras does),
/// or candle's own initialiser.
fn layer_values(
    spec: &ModelSpec,
    fan_in: usize,
    fan_out: usize,
    layer: usize,
    init: &mut Initialiser<'_>,
) -> Result<(Vec<f32>, Vec<f32>)> {
    match init {
        Initialiser::Seeded(rng) => {
            let limit = match spec.init {
                InitScheme::GlorotUniform => (6.0 / (fan_in + fan_out) as f64).sqrt(),
                InitScheme::HeUniform => (6.0 / fan_in as f64).sqrt(),
            } as f32;
            let weights = (0..fan_in * fan_out)
                .map(|_| rng.uniform_range_f32(-limit, limit))
                .collect();
            Ok((weights, vec![0.0; fan_out]))
        }
        Initialiser::Library => {
            let varmap = candle_nn::VarMap::new();
            let builder = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
            let linear = candle_nn::linear(fan_in, fan_out, builder.pp(format!("layer{layer}")))?;
            // candle stores W as [out, in]; this model uses [in, out].
            let weights = linear.weight().t()?.flatten_all()?.to_vec1::<f32>()?;
            let bias = linear.bias().expect("candle_nn::linear has a bias");
            Ok((weights, bias.to_vec1::<f32>()?))
        }
    }
}

impl Mlp {
    /// One set of weights per run, in run order.
    pub fn init(spec: &ModelSpec, inits: &mut [Initialiser<'_>]) -> Result<Mlp> {
        let runs = inits.len();
        let mut params = Vec::with_capacity(spec.layers() * 2);
        for (layer, pair) in spec.widths.windows(2).enumerate() {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let mut weights = Vec::with_capacity(runs * fan_in * fan_out);
            let mut biases = Vec::with_capacity(runs * fan_out);
            for init in inits.iter_mut() {
                let (w, b) = layer_values(spec, fan_in, fan_out, layer, init)?;
                weights.extend(w);
                biases.extend(b);
            }
            params.push(Tensor::from_vec(
                weights,
                (runs, fan_in, fan_out),
                &Device::Cpu,
            )?);
            params.push(Tensor::from_vec(biases, (runs, 1, fan_out), &Device::Cpu)?);
        }
        Ok(Mlp {
            spec: spec.clone(),
            runs,
            params,
        })
    }

    /// Outputs `[R, rows, out]` for inputs `[R, rows, in]` (evaluation: no dropout).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.run_forward(x, None, false)?.output)
    }

    /// The training forward pass: `masks` holds one pre-scaled dropout mask per hidden layer,
    /// `[R, rows, width]`, or `None` without dropout. Keeps what [`Self::backward`] needs.
    pub fn forward_trace(&self, x: &Tensor, masks: Option<&[Tensor]>) -> Result<Trace> {
        self.run_forward(x, masks, true)
    }

    fn run_forward(
        &self,
        x: &Tensor,
        masks: Option<&[Tensor]>,
        with_derivatives: bool,
    ) -> Result<Trace> {
        let layers = self.spec.layers();
        let mut inputs = Vec::with_capacity(layers);
        let mut derivatives = Vec::with_capacity(layers - 1);
        let mut h = x.clone();
        for layer in 0..layers {
            let z = h.matmul(&self.params[2 * layer])?;
            let bias = &self.params[2 * layer + 1];
            let hidden = layer + 1 < layers;
            let (activation, mask) = if hidden {
                (self.spec.activation, masks.map(|m| &m[layer]))
            } else {
                (Activation::Linear, None)
            };
            let with_derivative = hidden && with_derivatives;
            let (next, derivative) = layer_forward(&z, bias, mask, activation, with_derivative)?;
            if with_derivatives {
                inputs.push(h);
            }
            derivatives.extend(derivative);
            h = next;
        }
        Ok(Trace {
            inputs,
            derivatives,
            output: h,
        })
    }

    /// Every parameter's gradient, in parameter order, given the gradient of the loss with
    /// respect to the outputs, `[R, rows, out]`. Written out rather than taken from candle's
    /// autograd: the chain rule through an MLP is five lines, and skipping the graph (building
    /// it, sorting it, its extra ops) roughly halves a step. `tests/backprop.rs` checks it
    /// against candle's autograd.
    pub fn backward(&self, trace: &Trace, output_gradient: &Tensor) -> Result<Vec<Tensor>> {
        let layers = self.spec.layers();
        let mut grads = vec![None; 2 * layers];
        // The gradient with respect to the current layer's pre-activation (z + b).
        let mut g = output_gradient.clone();
        for layer in (0..layers).rev() {
            grads[2 * layer] = Some(trace.inputs[layer].t()?.matmul(&g)?);
            grads[2 * layer + 1] = Some(row_sums(&g)?);
            if layer > 0 {
                let weights_t = self.params[2 * layer].t()?;
                g = g.matmul(&weights_t)?.mul(&trace.derivatives[layer - 1])?;
            }
        }
        Ok(grads
            .into_iter()
            .map(|g| g.expect("every layer sets its two gradients"))
            .collect())
    }

    /// Replaces every parameter's values (flat, in order, all runs), e.g. after an optimiser
    /// step.
    pub fn set_param_values(&mut self, values: &[Vec<f32>]) -> Result<()> {
        for (param, values) in self.params.iter_mut().zip(values) {
            *param = Tensor::from_slice(values, param.shape(), &Device::Cpu)?;
        }
        Ok(())
    }

    /// Every parameter's values, flattened, in order (all runs).
    pub fn param_values(&self) -> Result<Vec<Vec<f32>>> {
        self.params
            .iter()
            .map(|p| p.flatten_all()?.to_vec1::<f32>())
            .collect()
    }

    /// Run `run`'s parameters, flattened in order, from [`Self::param_values`].
    pub fn run_values(&self, all: &[Vec<f32>], run: usize) -> Vec<f32> {
        let mut values = Vec::with_capacity(self.spec.parameter_count());
        for param in all {
            let per_run = param.len() / self.runs;
            values.extend_from_slice(&param[run * per_run..(run + 1) * per_run]);
        }
        values
    }

    /// Hex SHA-256 of run `run`'s parameter shapes and bits, in order — independent of how many
    /// runs share the batch.
    pub fn run_hash(&self, all: &[Vec<f32>], run: usize) -> String {
        let mut hasher = Sha256::new();
        for (index, param) in all.iter().enumerate() {
            for dim in self.spec.run_dims(index) {
                hasher.update((dim as u64).to_le_bytes());
            }
            let per_run = param.len() / self.runs;
            for value in &param[run * per_run..(run + 1) * per_run] {
                hasher.update(value.to_bits().to_le_bytes());
            }
        }
        hex(&hasher.finalize())
    }

    /// Moves run `run`'s weight number `index` (modulo the number of weights; biases are
    /// skipped so the nudge always lands on a weight) up by one ULP. Returns the weight's index.
    pub fn nudge(&mut self, run: usize, index: usize) -> Result<usize> {
        let weights: usize = (0..self.spec.layers())
            .map(|l| self.spec.widths[l] * self.spec.widths[l + 1])
            .sum();
        let mut offset = index % weights;
        for layer in 0..self.spec.layers() {
            let count = self.spec.widths[layer] * self.spec.widths[layer + 1];
            if offset < count {
                let param = &mut self.params[2 * layer];
                let mut values = param.flatten_all()?.to_vec1::<f32>()?;
                let at = run * count + offset;
                values[at] = values[at].next_up();
                *param = Tensor::from_vec(values, param.shape(), &Device::Cpu)?;
                return Ok(index % weights);
            }
            offset -= count;
        }
        unreachable!("offset is below the number of weights")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ModelSpec {
        ModelSpec::new(
            &ModelConfig {
                hidden: vec![4, 3],
                activation: Activation::Relu,
                dropout: 0.0,
                init: InitScheme::GlorotUniform,
            },
            2,
            1,
        )
    }

    fn seeded(seeds: &[u64]) -> Mlp {
        let mut rngs: Vec<SourceRng> = seeds.iter().map(|s| SourceRng::new(*s)).collect();
        let mut inits: Vec<Initialiser> = rngs.iter_mut().map(Initialiser::Seeded).collect();
        Mlp::init(&spec(), &mut inits).unwrap()
    }

    #[test]
    fn a_run_has_the_same_initial_weights_alone_or_in_a_batch() {
        let alone = seeded(&[5]);
        let batch = seeded(&[9, 5, 7]);
        let (a, b) = (alone.param_values().unwrap(), batch.param_values().unwrap());
        assert_eq!(alone.run_hash(&a, 0), batch.run_hash(&b, 1));
        assert_ne!(batch.run_hash(&b, 0), batch.run_hash(&b, 1));
        let limit = 1.0f32; // Glorot: sqrt(6 / (2 + 4))
        assert!(
            alone.run_values(&a, 0)[..8]
                .iter()
                .all(|v| v.abs() <= limit)
        );
        assert_eq!(alone.run_values(&a, 0).len(), spec().parameter_count());
    }

    #[test]
    fn nudge_changes_one_value_of_one_run_by_one_ulp() {
        let mut model = seeded(&[5, 6]);
        let before = model.param_values().unwrap();
        model.nudge(1, 9).unwrap();
        let after = model.param_values().unwrap();
        let (b0, a0) = (model.run_values(&before, 0), model.run_values(&after, 0));
        assert_eq!(b0, a0, "run 0 untouched");
        let (b1, a1) = (model.run_values(&before, 1), model.run_values(&after, 1));
        let changed: Vec<usize> = (0..b1.len())
            .filter(|&i| b1[i].to_bits() != a1[i].to_bits())
            .collect();
        // Weight 9 skips layer 0's 8 weights and 4 biases: flat position 8 + 4 + 1.
        assert_eq!(changed, vec![13]);
        assert_eq!(a1[13], b1[13].next_up());
    }
}
