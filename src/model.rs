//! The MLP: parameters as a plain, ordered list of candle `Var`s (`[W0, b0, W1, b1, …]`,
//! `W: [in, out]`, `b: [out]`), a forward pass, and the app's own seeded initialiser.
//!
//! candle's initialisers draw from an unseedable thread RNG (DESIGN.md), so they are used only
//! by [`Mlp::init_with_library_rng`], the lesson whose point is exactly that.

use candle_core::{DType, Device, Result, Tensor, Var};
use sha2::{Digest, Sha256};

use crate::config::{Activation, InitScheme, ModelConfig};
use crate::seeds::SourceRng;

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
}

pub struct Mlp {
    pub spec: ModelSpec,
    /// `[W0, b0, W1, b1, …]`: this order is the order of hashing, nudging and optimiser state.
    pub params: Vec<Var>,
}

impl Mlp {
    /// Glorot or He uniform weights from `rng` (the `init` stream); zero biases, as Keras does.
    pub fn init_seeded(spec: &ModelSpec, rng: &mut SourceRng) -> Result<Mlp> {
        let mut params = Vec::with_capacity(spec.layers() * 2);
        for pair in spec.widths.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let limit = match spec.init {
                InitScheme::GlorotUniform => (6.0 / (fan_in + fan_out) as f64).sqrt(),
                InitScheme::HeUniform => (6.0 / fan_in as f64).sqrt(),
            } as f32;
            let weights: Vec<f32> = (0..fan_in * fan_out)
                .map(|_| rng.uniform_range_f32(-limit, limit))
                .collect();
            params.push(Var::from_vec(weights, (fan_in, fan_out), &Device::Cpu)?);
            params.push(Var::zeros(fan_out, DType::F32, &Device::Cpu)?);
        }
        Ok(Mlp {
            spec: spec.clone(),
            params,
        })
    }

    /// The "hidden library RNG" lesson: candle_nn's own `linear` initialiser, whose CPU random
    /// generator is seeded by the operating system and cannot be fixed.
    pub fn init_with_library_rng(spec: &ModelSpec) -> Result<Mlp> {
        let varmap = candle_nn::VarMap::new();
        let builder = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let mut params = Vec::with_capacity(spec.layers() * 2);
        for (i, pair) in spec.widths.windows(2).enumerate() {
            let layer = candle_nn::linear(pair[0], pair[1], builder.pp(format!("layer{i}")))?;
            // candle stores W as [out, in]; this model uses [in, out].
            params.push(Var::from_tensor(&layer.weight().t()?.contiguous()?)?);
            let bias = layer.bias().expect("candle_nn::linear has a bias");
            params.push(Var::from_tensor(bias)?);
        }
        Ok(Mlp {
            spec: spec.clone(),
            params,
        })
    }

    /// Logits (or regression outputs). `masks` holds one pre-scaled dropout mask per hidden
    /// layer, `[rows, width]`, or `None` for evaluation.
    pub fn forward(&self, x: &Tensor, masks: Option<&[Tensor]>) -> Result<Tensor> {
        let layers = self.spec.layers();
        let mut h = x.clone();
        for layer in 0..layers {
            let w = self.params[2 * layer].as_tensor();
            let b = self.params[2 * layer + 1].as_tensor();
            h = h.matmul(w)?.broadcast_add(b)?;
            if layer + 1 < layers {
                h = match self.spec.activation {
                    Activation::Relu => h.relu()?,
                    Activation::Tanh => h.tanh()?,
                    Activation::Sigmoid => candle_nn::ops::sigmoid(&h)?,
                    Activation::Linear => h,
                };
                if let Some(masks) = masks {
                    h = h.mul(&masks[layer])?;
                }
            }
        }
        Ok(h)
    }

    /// All parameter values in order, flattened.
    pub fn flat_values(&self) -> Result<Vec<f32>> {
        let mut values = Vec::with_capacity(self.spec.parameter_count());
        for p in &self.params {
            values.extend(p.as_tensor().flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(values)
    }

    /// Moves flat parameter number `index` (taken modulo the number of weights, skipping the
    /// zero biases so the nudge always lands on a weight) up by one ULP.
    pub fn nudge(&mut self, index: usize) -> Result<usize> {
        let weight_slots: Vec<(usize, usize)> = (0..self.spec.layers())
            .flat_map(|layer| {
                let count = self.spec.widths[layer] * self.spec.widths[layer + 1];
                (0..count).map(move |i| (2 * layer, i))
            })
            .collect();
        let (param, offset) = weight_slots[index % weight_slots.len()];
        let tensor = self.params[param].as_tensor();
        let shape = tensor.shape().clone();
        let mut values = tensor.flatten_all()?.to_vec1::<f32>()?;
        values[offset] = values[offset].next_up();
        self.params[param].set(&Tensor::from_vec(values, shape, &Device::Cpu)?)?;
        Ok(index % weight_slots.len())
    }

    /// Hex SHA-256 of every parameter's shape and bits, in order.
    pub fn weights_hash(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        for p in &self.params {
            for dim in p.as_tensor().dims() {
                hasher.update((*dim as u64).to_le_bytes());
            }
            for value in p.as_tensor().flatten_all()?.to_vec1::<f32>()? {
                hasher.update(value.to_bits().to_le_bytes());
            }
        }
        Ok(hex(&hasher.finalize()))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    #[test]
    fn seeded_init_is_bitwise_repeatable_and_within_glorot_limit() {
        let a = Mlp::init_seeded(&spec(), &mut SourceRng::new(5)).unwrap();
        let b = Mlp::init_seeded(&spec(), &mut SourceRng::new(5)).unwrap();
        assert_eq!(a.weights_hash().unwrap(), b.weights_hash().unwrap());
        let limit = (6.0f32 / 6.0).sqrt();
        let w0 = a.params[0].as_tensor().flatten_all().unwrap();
        assert!(
            w0.to_vec1::<f32>()
                .unwrap()
                .iter()
                .all(|v| v.abs() <= limit)
        );
        assert_eq!(a.flat_values().unwrap().len(), spec().parameter_count());
    }

    #[test]
    fn nudge_changes_one_value_by_one_ulp() {
        let mut model = Mlp::init_seeded(&spec(), &mut SourceRng::new(5)).unwrap();
        let before = model.flat_values().unwrap();
        model.nudge(9).unwrap();
        let after = model.flat_values().unwrap();
        let changed: Vec<usize> = (0..before.len())
            .filter(|&i| before[i].to_bits() != after[i].to_bits())
            .collect();
        assert_eq!(changed.len(), 1);
        assert_eq!(after[changed[0]], before[changed[0]].next_up());
    }
}
