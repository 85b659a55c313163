//! The fused multi-run kernel (`engine::fused`): its gradients and losses are the MLP's (checked
//! against the candle forward pass and the hand-written backward pass, which tests/backprop.rs
//! checks against candle's autograd), and a run's bits do not depend on the pack it shares: its
//! lane, the pack's width, or the other runs in it.

use candle_core::{Device, Tensor};
use proptest::prelude::*;
use seedscope::engine::config::{Activation, InitScheme, ModelConfig};
use seedscope::engine::data::Task;
use seedscope::engine::fused::{PackInput, PackMasks, Packing, interleave, pack_gradient};
use seedscope::engine::loss::loss_and_output_gradient;
use seedscope::engine::model::{Initialiser, Mlp, ModelSpec};
use seedscope::engine::seeds::SourceRng;

const ROWS: usize = 7;

/// R runs' inputs, targets and dropout masks, run-major, drawn from `seed`.
struct Problem {
    spec: ModelSpec,
    task: Task,
    model: Mlp,
    x: Vec<f32>,
    y: Vec<f32>,
    masks: Option<Vec<Vec<f32>>>,
}

fn problem(runs: usize, seed: u64, activation: Activation, dropout: bool, task: Task) -> Problem {
    let outputs = match task {
        Task::Binary => 1,
        Task::Multiclass { classes } => classes,
        Task::Regression => 2,
    };
    let spec = ModelSpec::new(
        &ModelConfig {
            hidden: vec![5, 4],
            activation,
            dropout: if dropout { 0.25 } else { 0.0 },
            init: InitScheme::GlorotUniform,
        },
        3,
        outputs,
    );
    let mut rng = SourceRng::new(seed);
    let mut run_rngs: Vec<SourceRng> = (0..runs)
        .map(|r| SourceRng::new(seed * 100 + r as u64))
        .collect();
    let mut inits: Vec<Initialiser> = run_rngs.iter_mut().map(Initialiser::Seeded).collect();
    let mut model = Mlp::init(&spec, &mut inits).unwrap();
    // Non-zero biases, so their gradients' paths are exercised too.
    let mut values = model.param_values().unwrap();
    for bias in values.iter_mut().skip(1).step_by(2) {
        for b in bias.iter_mut() {
            *b = rng.uniform_range_f32(-0.5, 0.5);
        }
    }
    model.set_param_values(&values).unwrap();
    let x = (0..runs * ROWS * 3)
        .map(|_| rng.uniform_range_f32(-2.0, 2.0))
        .collect();
    let y = (0..runs * ROWS)
        .flat_map(|_| match task {
            Task::Binary => vec![f32::from(u8::from(rng.uniform_range_f32(0.0, 1.0) > 0.5))],
            Task::Multiclass { classes } => {
                let hot = rng.below(classes);
                (0..classes)
                    .map(|c| f32::from(u8::from(c == hot)))
                    .collect()
            }
            Task::Regression => vec![rng.uniform_range_f32(-1.0, 1.0); 2],
        })
        .collect();
    let masks = dropout.then(|| {
        spec.hidden_widths()
            .iter()
            .map(|&w| {
                (0..runs * ROWS * w)
                    .map(|_| {
                        if rng.uniform_range_f32(0.0, 1.0) < 0.25 {
                            0.0
                        } else {
                            1.0 / 0.75
                        }
                    })
                    .collect()
            })
            .collect()
    });
    Problem {
        spec,
        task,
        model,
        x,
        y,
        masks,
    }
}

/// A lane-layout mask (`[units][lanes]`, each value 0 or the keep scale) as the kernel's lane
/// bits: bit `k` of unit `e` set where lane `k` keeps it.
fn lane_bits(mask: &[f32], lanes: usize) -> Vec<u16> {
    mask.chunks(lanes)
        .map(|unit| {
            unit.iter()
                .enumerate()
                .fold(0, |bits, (k, m)| bits | (u16::from(*m != 0.0) << k))
        })
        .collect()
}

/// The fused kernel's losses (run order) and gradients (run-major) for `problem`, its rows
/// `rows` of a batch of `ROWS`.
fn fused(problem: &Problem, rows: (usize, usize)) -> (Vec<f64>, Vec<Vec<f32>>) {
    let runs = problem.model.runs;
    let packing = Packing::new(runs);
    let params = packing.to_lanes(&problem.model.param_values().unwrap());
    let per_pack = 2 * problem.spec.layers();
    let (features, outputs) = (problem.spec.widths[0], *problem.spec.widths.last().unwrap());
    let mut losses = Vec::new();
    let mut grads = Vec::new();
    for (index, pack) in packing.packs.iter().enumerate() {
        let of = |values: &[f32], width: usize| -> Vec<f32> {
            let per_run = ROWS * width;
            interleave(pack, per_run, |k| &values[(pack.first + k) * per_run..])
        };
        let input = PackInput {
            lanes: pack.lanes,
            runs: pack.runs,
            rows: ROWS,
            x: of(&problem.x, features),
            y: of(&problem.y, outputs),
            masks: problem.masks.as_ref().map(|masks| PackMasks {
                scale: 1.0 / 0.75,
                kept: masks
                    .iter()
                    .zip(problem.spec.hidden_widths())
                    .map(|(m, &w)| lane_bits(&of(m, w), pack.lanes.count()))
                    .collect(),
            }),
        };
        let pack_params = &params[index * per_pack..(index + 1) * per_pack];
        // Stale buffers of the wrong sizes: the kernel resizes and zeroes them.
        let mut g = vec![vec![7.0f32; 3]; per_pack];
        let l = pack_gradient(
            &problem.spec,
            problem.task,
            pack_params,
            &input,
            rows,
            ROWS,
            &mut g,
        );
        losses.extend_from_slice(&l[..pack.runs]);
        grads.extend(g);
    }
    (losses, packing.to_run_major(&grads, per_pack))
}

/// The same through candle: forward pass, closed-form loss, `Mlp::backward`.
fn reference(problem: &Problem) -> (Vec<f64>, Vec<Vec<f32>>) {
    let runs = problem.model.runs;
    let (features, outputs) = (problem.spec.widths[0], *problem.spec.widths.last().unwrap());
    let x = Tensor::from_vec(problem.x.clone(), (runs, ROWS, features), &Device::Cpu).unwrap();
    let masks: Option<Vec<Tensor>> = problem.masks.as_ref().map(|masks| {
        masks
            .iter()
            .zip(problem.spec.hidden_widths())
            .map(|(m, &w)| Tensor::from_vec(m.clone(), (runs, ROWS, w), &Device::Cpu).unwrap())
            .collect()
    });
    let trace = problem.model.forward_trace(&x, masks.as_deref()).unwrap();
    let out = trace
        .output
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let (losses, g) = loss_and_output_gradient(problem.task, &out, &problem.y, runs, outputs, ROWS);
    let g = Tensor::from_vec(g, (runs, ROWS, outputs), &Device::Cpu).unwrap();
    let grads = problem
        .model
        .backward(&trace, &g)
        .unwrap()
        .iter()
        .map(|t| t.flatten_all().unwrap().to_vec1::<f32>().unwrap())
        .collect();
    (losses, grads)
}

const TASKS: [Task; 3] = [
    Task::Binary,
    Task::Multiclass { classes: 3 },
    Task::Regression,
];
const ACTIVATIONS: [Activation; 4] = [
    Activation::Relu,
    Activation::Tanh,
    Activation::Sigmoid,
    Activation::Linear,
];

#[test]
fn fused_gradients_and_losses_are_the_mlps() {
    for (t, task) in TASKS.into_iter().enumerate() {
        for (a, activation) in ACTIVATIONS.into_iter().enumerate() {
            for dropout in [false, true] {
                // 19 runs: a full 16-lane pack and a 4-lane pack with one padding lane.
                let p = problem(19, (t * 10 + a) as u64 + 1, activation, dropout, task);
                let (fused_losses, fused_grads) = fused(&p, (0, ROWS));
                let (losses, grads) = reference(&p);
                let case = format!("{task:?} {activation:?} dropout {dropout}");
                for (f, r) in fused_losses.iter().zip(&losses) {
                    assert!(
                        (f - r).abs() <= 1e-5 * r.abs().max(1.0),
                        "{case}: loss {f} vs {r}"
                    );
                }
                for (index, (f, r)) in fused_grads.iter().zip(&grads).enumerate() {
                    assert_eq!(f.len(), r.len());
                    for (a, b) in f.iter().zip(r) {
                        assert!(
                            (a - b).abs() <= 1e-5 + 1e-4 * b.abs(),
                            "{case}: parameter {index}: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn shards_of_rows_add_up_to_the_whole_batch() {
    let p = problem(5, 3, Activation::Relu, true, Task::Binary);
    let (whole_losses, whole) = fused(&p, (0, ROWS));
    let (first_losses, first) = fused(&p, (0, 3));
    let (second_losses, second) = fused(&p, (3, ROWS - 3));
    for r in 0..5 {
        let sum = first_losses[r] + second_losses[r];
        assert!(
            (sum - whole_losses[r]).abs() < 1e-9,
            "{sum} vs {}",
            whole_losses[r]
        );
    }
    for ((w, a), b) in whole.iter().zip(&first).zip(&second) {
        for ((w, a), b) in w.iter().zip(a).zip(b) {
            assert!((w - (a + b)).abs() < 1e-6, "{w} vs {a} + {b}");
        }
    }
}

/// Bits of one run's losses and gradients.
fn run_bits(result: &(Vec<f64>, Vec<Vec<f32>>), run: usize, runs: usize) -> Vec<u64> {
    let mut bits = vec![result.0[run].to_bits()];
    for param in &result.1 {
        let per_run = param.len() / runs;
        bits.extend(
            param[run * per_run..(run + 1) * per_run]
                .iter()
                .map(|v| u64::from(v.to_bits())),
        );
    }
    bits
}

/// `problem`'s run `from` alone, in a batch of one.
fn alone(p: &Problem, from: usize) -> Problem {
    let runs = p.model.runs;
    let pick = |values: &[f32]| {
        let per_run = values.len() / runs;
        values[from * per_run..(from + 1) * per_run].to_vec()
    };
    let mut model = Mlp {
        spec: p.spec.clone(),
        runs: 1,
        params: Vec::new(),
    };
    let values: Vec<Vec<f32>> = p
        .model
        .param_values()
        .unwrap()
        .iter()
        .map(|v| pick(v))
        .collect();
    model.params = values
        .iter()
        .zip(&p.model.params)
        .map(|(v, t)| {
            let mut dims = t.dims().to_vec();
            dims[0] = 1;
            Tensor::from_vec(v.clone(), dims, &Device::Cpu).unwrap()
        })
        .collect();
    Problem {
        spec: p.spec.clone(),
        task: p.task,
        model,
        x: pick(&p.x),
        y: pick(&p.y),
        masks: p
            .masks
            .as_ref()
            .map(|m| m.iter().map(|m| pick(m)).collect()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every run of a batch of any size (1 to 37 runs: every pack width, padding lanes, a
    /// third pack) has the bits it has alone in a one-lane pack.
    #[test]
    fn a_runs_bits_are_the_same_in_any_pack(
        runs in 1usize..38,
        seed in 0u64..1_000,
        task in 0usize..3,
        activation in 0usize..4,
        dropout: bool,
    ) {
        let p = problem(runs, seed, ACTIVATIONS[activation], dropout, TASKS[task]);
        let batched = fused(&p, (0, ROWS));
        for run in [0, runs / 2, runs - 1] {
            let single = fused(&alone(&p, run), (0, ROWS));
            prop_assert_eq!(run_bits(&batched, run, runs), run_bits(&single, 0, 1));
        }
    }
}
