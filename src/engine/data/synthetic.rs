//! The synthetic data sets (circles, moons, XOR, blobs, spirals, the Keras sequence, the
//! TensorFlow snippet's random regression): every number drawn from the `data` stream.

use super::{Dataset, Task};
use crate::engine::data::spec::{DataConfig, DatasetKind};
use crate::engine::seeds::SourceRng;

// Longer than most functions: one short match arm per data set, side by side so they read
// as the catalogue they are.
/// Generates the data set; every random number comes from `rng` (the `data` stream).
pub fn generate(config: &DataConfig, rng: &mut SourceRng) -> Dataset {
    let n = config.samples;
    let noise = config.noise;
    let mut x = Vec::with_capacity(n * 2);
    let mut y = Vec::with_capacity(n);
    let push_point = |x: &mut Vec<f32>, rng: &mut SourceRng, px: f64, py: f64| {
        x.push((px + noise * rng.normal_f64()) as f32);
        x.push((py + noise * rng.normal_f64()) as f32);
    };
    let planar = |x: Vec<f32>, y: Vec<f32>, outputs: usize, task: Task| Dataset {
        features: 2,
        outputs,
        task,
        x,
        y,
    };
    match config.kind {
        DatasetKind::Circles => {
            // As scikit-learn's make_circles(factor=0.5), with random angles.
            for i in 0..n {
                let inner = i % 2 == 1;
                let radius = if inner { 0.5 } else { 1.0 };
                let angle = std::f64::consts::TAU * rng.uniform_f64();
                push_point(&mut x, rng, radius * angle.cos(), radius * angle.sin());
                y.push(if inner { 1.0 } else { 0.0 });
            }
            planar(x, y, 1, Task::Binary)
        }
        DatasetKind::Moons => {
            for i in 0..n {
                let lower = i % 2 == 1;
                let t = std::f64::consts::PI * rng.uniform_f64();
                let (px, py) = if lower {
                    (1.0 - t.cos(), 0.5 - t.sin())
                } else {
                    (t.cos(), t.sin())
                };
                push_point(&mut x, rng, px, py);
                y.push(if lower { 1.0 } else { 0.0 });
            }
            planar(x, y, 1, Task::Binary)
        }
        DatasetKind::Xor => {
            for _ in 0..n {
                let px = 2.0 * rng.uniform_f64() - 1.0;
                let py = 2.0 * rng.uniform_f64() - 1.0;
                push_point(&mut x, rng, px, py);
                y.push(if (px > 0.0) != (py > 0.0) { 1.0 } else { 0.0 });
            }
            planar(x, y, 1, Task::Binary)
        }
        DatasetKind::Blobs => {
            // Three Gaussian clusters on a circle; `noise` is each cluster's std.
            const CLASSES: usize = 3;
            for i in 0..n {
                let class = i % CLASSES;
                let angle = std::f64::consts::TAU * class as f64 / CLASSES as f64;
                push_point(&mut x, rng, angle.cos(), angle.sin());
                for c in 0..CLASSES {
                    y.push(if c == class { 1.0 } else { 0.0 });
                }
            }
            planar(x, y, CLASSES, Task::Multiclass { classes: CLASSES })
        }
        DatasetKind::Spirals => {
            for i in 0..n {
                let arm = i % 2;
                let t = rng.uniform_f64().sqrt();
                let angle = 3.0 * std::f64::consts::PI * t + arm as f64 * std::f64::consts::PI;
                push_point(&mut x, rng, t * angle.cos(), t * angle.sin());
                y.push(arm as f32);
            }
            planar(x, y, 1, Task::Binary)
        }
        DatasetKind::Sequence => {
            // The Keras tutorial: 0.0, 0.1, … → the next value; noise is added to the targets.
            let step = 1.0 / n as f64;
            let mut x = Vec::with_capacity(n);
            let mut y = Vec::with_capacity(n);
            for i in 0..n {
                let value = i as f64 * step;
                x.push(value as f32);
                y.push((value + step + noise * rng.normal_f64()) as f32);
            }
            Dataset {
                features: 1,
                outputs: 1,
                task: Task::Regression,
                x,
                y,
            }
        }
        DatasetKind::RandomRegression => {
            // The TensorFlow snippet: np.random.random((n, 32)) → np.random.random((n, 10)).
            // Targets are unrelated to inputs; `noise` has no effect on this data set.
            let x = (0..n * 32).map(|_| rng.uniform_f32()).collect();
            let y = (0..n * 10).map(|_| rng.uniform_f32()).collect();
            Dataset {
                features: 32,
                outputs: 10,
                task: Task::Regression,
                x,
                y,
            }
        }
        kind => unreachable!("{kind:?} has fixed rows: it is loaded by data::table, not drawn"),
    }
}

/// Cells per side of the prediction grid recorded for 2-D data sets.
pub const GRID_SIZE: usize = 40;

/// The part of the plane a 2-D data set lives in: (x_min, x_max, y_min, y_max). Fixed per kind,
/// so every run's grid covers the same points whatever data it drew.
pub fn plane_bounds(kind: DatasetKind) -> Option<[f64; 4]> {
    match kind {
        DatasetKind::Circles => Some([-1.6, 1.6, -1.6, 1.6]),
        DatasetKind::Moons => Some([-1.6, 2.6, -1.1, 1.6]),
        DatasetKind::Xor => Some([-1.3, 1.3, -1.3, 1.3]),
        DatasetKind::Blobs => Some([-2.6, 2.6, -2.6, 2.6]),
        DatasetKind::Spirals => Some([-1.4, 1.4, -1.4, 1.4]),
        _ => None,
    }
}

/// Cell centres of the prediction grid, row-major from the bottom row up: `[x0, y0, x1, y1, …]`.
pub fn grid_points(bounds: [f64; 4]) -> Vec<f32> {
    let [x_min, x_max, y_min, y_max] = bounds;
    let step_x = (x_max - x_min) / GRID_SIZE as f64;
    let step_y = (y_max - y_min) / GRID_SIZE as f64;
    let mut points = Vec::with_capacity(GRID_SIZE * GRID_SIZE * 2);
    for row in 0..GRID_SIZE {
        for col in 0..GRID_SIZE {
            points.push((x_min + (col as f64 + 0.5) * step_x) as f32);
            points.push((y_min + (row as f64 + 0.5) * step_y) as f32);
        }
    }
    points
}
