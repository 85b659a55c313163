//! Data: the `Dataset` every run trains on, where it comes from ([`synthetic`]: drawn from the
//! `data` stream), and how it is cut into train and test rows ([`split`]: the `split` stream).
//!
//! Targets are stored uniformly as a row-major `[n, outputs]` matrix: 0/1 for binary
//! classification, one-hot rows for multi-class, real values for regression.

use serde::{Deserialize, Serialize};

pub mod split;
pub mod synthetic;

pub use split::{Split, split, test_count};
pub use synthetic::{GRID_SIZE, generate, grid_points, plane_bounds};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::{DataConfig, DatasetKind};
    use crate::engine::seeds::SourceRng;

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
