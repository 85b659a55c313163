//! The hand-written backward pass (`Mlp::backward`) gives the gradients candle's autograd gives
//! for the same forward pass, for every activation, with and without dropout masks, for
//! several runs batched side by side.

use candle_core::{Device, Tensor, Var};
use seedscope::engine::config::{Activation, InitScheme, ModelConfig};
use seedscope::engine::model::{Initialiser, Mlp, ModelSpec};
use seedscope::engine::seeds::SourceRng;

const RUNS: usize = 3;
const ROWS: usize = 5;

fn values(rng: &mut SourceRng, count: usize, low: f32, high: f32) -> Vec<f32> {
    (0..count)
        .map(|_| rng.uniform_range_f32(low, high))
        .collect()
}

fn tensor(values: Vec<f32>, shape: (usize, usize, usize)) -> Tensor {
    Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
}

/// The same network written with candle's own ops, differentiated by candle's autograd.
fn autograd_gradients(
    model: &Mlp,
    x: &Tensor,
    masks: Option<&[Tensor]>,
    output_gradient: &Tensor,
) -> Vec<Vec<f32>> {
    let vars: Vec<Var> = model
        .params
        .iter()
        .map(|p| Var::from_tensor(p).unwrap())
        .collect();
    let layers = vars.len() / 2;
    let mut h = x.clone();
    for layer in 0..layers {
        h = h
            .matmul(vars[2 * layer].as_tensor())
            .unwrap()
            .broadcast_add(vars[2 * layer + 1].as_tensor())
            .unwrap();
        if layer + 1 < layers {
            h = match model.spec.activation {
                Activation::Relu => h.relu(),
                Activation::Tanh => h.tanh(),
                Activation::Sigmoid => candle_nn::ops::sigmoid(&h),
                Activation::Linear => Ok(h),
            }
            .unwrap();
            if let Some(masks) = masks {
                h = h.mul(&masks[layer]).unwrap();
            }
        }
    }
    // d/dθ Σ outputs · G, with G held constant, is the backward pass seeded with G.
    let store = (h * output_gradient)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    vars.iter()
        .map(|v| {
            store
                .get(v.as_tensor())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        })
        .collect()
}

#[test]
fn hand_written_backward_matches_candles_autograd() {
    for activation in [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Linear,
    ] {
        for with_dropout in [false, true] {
            let spec = ModelSpec::new(
                &ModelConfig {
                    hidden: vec![6, 4],
                    activation,
                    dropout: if with_dropout { 0.3 } else { 0.0 },
                    init: InitScheme::GlorotUniform,
                },
                3,
                2,
            );
            let mut rngs: Vec<SourceRng> = (0..RUNS as u64).map(SourceRng::new).collect();
            let mut inits: Vec<Initialiser> = rngs.iter_mut().map(Initialiser::Seeded).collect();
            let mut model = Mlp::init(&spec, &mut inits).unwrap();
            // Non-zero biases, so their gradients' paths are exercised too.
            let mut rng = SourceRng::new(99);
            let with_biases: Vec<Vec<f32>> = model
                .param_values()
                .unwrap()
                .into_iter()
                .map(|v| {
                    let noise = values(&mut rng, v.len(), -0.3, 0.3);
                    v.iter().zip(noise).map(|(a, b)| a + b).collect()
                })
                .collect();
            model.set_param_values(&with_biases).unwrap();

            let x = tensor(
                values(&mut rng, RUNS * ROWS * 3, -2.0, 2.0),
                (RUNS, ROWS, 3),
            );
            let masks: Option<Vec<Tensor>> = with_dropout.then(|| {
                spec.hidden_widths()
                    .iter()
                    .map(|&w| {
                        let keep = (0..RUNS * ROWS * w)
                            .map(|_| {
                                if rng.uniform_f32() >= 0.3 {
                                    1.0 / 0.7
                                } else {
                                    0.0
                                }
                            })
                            .collect();
                        tensor(keep, (RUNS, ROWS, w))
                    })
                    .collect()
            });
            let g = tensor(
                values(&mut rng, RUNS * ROWS * 2, -1.0, 1.0),
                (RUNS, ROWS, 2),
            );

            let trace = model.forward_trace(&x, masks.as_deref()).unwrap();
            let ours: Vec<Vec<f32>> = model
                .backward(&trace, &g)
                .unwrap()
                .iter()
                .map(|t| t.flatten_all().unwrap().to_vec1::<f32>().unwrap())
                .collect();
            let theirs = autograd_gradients(&model, &x, masks.as_deref(), &g);
            assert_eq!(ours.len(), theirs.len());
            for (index, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                assert_eq!(a.len(), b.len(), "parameter {index} shape");
                for (i, (p, q)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (p - q).abs() <= 1e-5 * (1.0 + q.abs()),
                        "{activation:?}, dropout {with_dropout}: parameter {index}[{i}]: \
                         {p} (hand-written) vs {q} (autograd)"
                    );
                }
            }
            assert!(
                theirs.iter().flatten().any(|v| *v != 0.0),
                "a test whose gradients are all zero would prove nothing"
            );
        }
    }
}
