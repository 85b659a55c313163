//! Synthetic data sets (drawn from the `data` stream) and the train/test split (drawn from the
//! `split` stream).
//!
//! Targets are stored uniformly as a row-major `[n, outputs]` matrix: 0/1 for binary
//! classification, one-hot rows for multi-class, real values for regression.

use serde::{Deserialize, Serialize};

use crate::config::{DataConfig, DatasetKind};
use crate::seeds::SourceRng;

/// What the network predicts, which fixes its output layer, loss and metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// One logit, sigmoid + binary cross-entropy, accuracy.
    Binary,
    /// `classes` logits, softmax + cross-entropy, accuracy.
    Multiclass { classes: usize },
    /// Linear outputs, mean squared error.
    Regression,
}

impl Task {
    pub fn metric_name(self) -> &'static str {
        match self {
            Task::Binary | Task::Multiclass { .. } => "accuracy",
            Task::Regression => "mse",
        }
    }

    /// Accuracy: higher is better. MSE: lower is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Task::Regression)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub features: usize,
    pub outputs: usize,
    pub task: Task,
    /// Row-major `[len, features]`.
    pub x: Vec<f32>,
    /// Row-major `[len, outputs]`.
    pub y: Vec<f32>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.x.len() / self.features
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    pub fn row_x(&self, i: usize) -> &[f32] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    pub fn row_y(&self, i: usize) -> &[f32] {
        &self.y[i * self.outputs..(i + 1) * self.outputs]
    }

    /// The class of row `i` (classification only).
    pub fn class_of(&self, i: usize) -> usize {
        match self.task {
            Task::Binary => usize::from(self.y[i] > 0.5),
            Task::Multiclass { .. } => argmax(self.row_y(i)),
            Task::Regression => 0,
        }
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(indices.len() * self.features);
        let mut y = Vec::with_capacity(indices.len() * self.outputs);
        for &i in indices {
            x.extend_from_slice(self.row_x(i));
            y.extend_from_slice(self.row_y(i));
        }
        Dataset {
            features: self.features,
            outputs: self.outputs,
            task: self.task,
            x,
            y,
        }
    }
}

pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

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
        DatasetKind::Sequence | DatasetKind::RandomRegression => None,
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

/// How many of `samples` points go to the test set.
pub fn test_count(samples: usize, test_fraction: f64) -> usize {
    if test_fraction <= 0.0 {
        return 0;
    }
    ((samples as f64 * test_fraction).round() as usize).clamp(1, samples.saturating_sub(1))
}

/// A train/test split and which original rows went to the test set.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
    pub test_indices: Vec<usize>,
    /// With a test fraction of 0 the metrics are measured on the training set, as in the
    /// Keras tutorial.
    pub test_is_train: bool,
}

/// Splits with a permutation from `rng` (the `split` stream).
pub fn split(data: &Dataset, test_fraction: f64, rng: &mut SourceRng) -> Split {
    let order = rng.permutation(data.len());
    let n_test = test_count(data.len(), test_fraction);
    let (test_indices, train_indices) = order.split_at(n_test);
    if n_test == 0 {
        return Split {
            train: data.select(train_indices),
            test: data.select(train_indices),
            test_indices: Vec::new(),
            test_is_train: true,
        };
    }
    Split {
        train: data.select(train_indices),
        test: data.select(test_indices),
        test_indices: test_indices.to_vec(),
        test_is_train: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: DatasetKind) -> DataConfig {
        DataConfig {
            kind,
            samples: 40,
            noise: 0.1,
            test_fraction: 0.25,
        }
    }

    #[test]
    fn shapes_fit_each_kind() {
        for kind in DatasetKind::ALL {
            let data = generate(&config(kind), &mut SourceRng::new(3));
            assert_eq!(data.len(), 40, "{kind:?}");
            assert_eq!(data.y.len(), 40 * data.outputs, "{kind:?}");
            assert!(data.x.iter().all(|v| v.is_finite()));
            let split = split(&data, 0.25, &mut SourceRng::new(4));
            assert_eq!(split.test.len(), 10);
            assert_eq!(split.train.len(), 30);
        }
    }

    #[test]
    fn sequence_matches_the_keras_tutorial_without_noise() {
        let mut cfg = config(DatasetKind::Sequence);
        cfg.samples = 10;
        cfg.noise = 0.0;
        let data = generate(&cfg, &mut SourceRng::new(1));
        assert!((data.x[3] - 0.3).abs() < 1e-6);
        assert!((data.y[3] - 0.4).abs() < 1e-6);
    }

    #[test]
    fn zero_test_fraction_measures_on_training_data() {
        let data = generate(&config(DatasetKind::Circles), &mut SourceRng::new(3));
        let split = split(&data, 0.0, &mut SourceRng::new(4));
        assert!(split.test_is_train);
        assert_eq!(split.train.len(), 40);
    }
}
