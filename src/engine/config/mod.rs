//! The experiment: data, model, training, thread source, repeats and conditions.
//!
//! Files: this one holds the experiment's types; `validate.rs` reads a file strictly and
//! checks every range ([`ExperimentConfig::from_json`], [`ExperimentConfig::validate`]),
//! naming the field and what is allowed. The data set's description lives with the data
//! (`engine::data::spec`) and is re-exported here, so `config` imports `data`, never the
//! reverse.

use serde::{Deserialize, Serialize};

pub use crate::engine::data::spec::{DataConfig, DatasetKind, SplitMode};
use crate::engine::seeds::Condition;

pub mod command;
pub mod inputs;
mod kind_checks;
pub mod metric_capture;
pub mod placeholders;
mod validate;

pub use validate::{ConfigError, limits};

/// The version of the experiment file format this build reads and writes.
pub const CONFIG_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub training: TrainingConfig,
    #[serde(default)]
    pub threads: ThreadsConfig,
    /// Runs per condition.
    #[serde(default = "default_repeats")]
    pub repeats: usize,
    #[serde(default = "Condition::default_list")]
    pub conditions: Vec<Condition>,
    /// A user's command, trained instead of the built-in model (`engine::command`, docs/your-command.md).
    /// Absent for a built-in experiment, whose file is then exactly as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<command::CommandConfig>,
}

impl ExperimentConfig {
    /// A command's experiment: the built-in sections are kept at their defaults and play no
    /// part (not in its store key either); the default conditions with gpu added.
    pub fn for_command(command: command::CommandConfig) -> ExperimentConfig {
        let file = serde_json::json!({ "name": command.display_line(), "command": command });
        let mut config = ExperimentConfig::from_json(&file.to_string()).unwrap_or_else(|_| {
            ExperimentConfig::from_json(validate::BUILT_IN_DEFAULTS)
                .expect("the default experiment is valid (tested)")
        });
        config.command = Some(command);
        config
    }
}

fn default_schema_version() -> u32 {
    CONFIG_SCHEMA_VERSION
}

fn default_repeats() -> usize {
    30
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
    /// No activation: Keras' `Dense` default, used by the sequence tutorial.
    Linear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    GlorotUniform,
    HeUniform,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Widths of the hidden layers, input to output.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    /// Dropout rate after every hidden layer.
    #[serde(default)]
    pub dropout: f64,
    #[serde(default = "default_init")]
    pub init: InitScheme,
}

fn default_init() -> InitScheme {
    InitScheme::GlorotUniform
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// SGD with (heavy-ball) momentum.
    Sgd,
    Adam,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    /// Used by SGD only.
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// A mini-batch loss above this (or NaN/inf) ends the run as diverged.
    #[serde(default = "default_divergence_threshold")]
    pub divergence_threshold: f64,
}

fn default_momentum() -> f64 {
    0.9
}

fn default_divergence_threshold() -> f64 {
    1e6
}

/// How the `threads` source behaves: a fixed count summed in a fixed order, or a count
/// drawn per run and partial sums added as threads finish (`engine::gradient`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadsConfig {
    /// Threads per mini-batch gradient when the source is fixed (summed in a fixed order).
    pub fixed: usize,
    /// When free, each run draws a thread count in 1..=max_free and sums in arrival order.
    pub max_free: usize,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            fixed: 1,
            max_free: 4,
        }
    }
}

impl ExperimentConfig {
    /// Reads a relative `data.path` from the experiment file's folder, as a shared
    /// experiment (a folder with `experiment.json` and `data.csv`) means it, not from
    /// wherever the command happens to run. Returns the path as written when it changed,
    /// so a message can say where it looked.
    pub fn resolve_data_path(
        &mut self,
        experiment_file: &std::path::Path,
    ) -> Option<std::path::PathBuf> {
        let written = self.data.path.clone()?;
        if written.is_absolute() {
            return None;
        }
        let folder = experiment_file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())?;
        self.data.path = Some(folder.join(&written));
        Some(written)
    }

    /// A command's folder as the experiment file names it, made absolute from the file's
    /// folder (and canonical when it exists): the one form the app and `--config` both show.
    pub fn resolve_command_folder(&mut self, experiment_file: &std::path::Path) {
        let Some(command) = &mut self.command else {
            return;
        };
        let written = command.workdir.clone().unwrap_or_default();
        if written.is_absolute() && written.is_dir() {
            command.workdir = std::fs::canonicalize(&written).ok().or(Some(written));
            return;
        }
        let folder = match experiment_file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let joined = folder.join(&written);
        command.workdir = Some(std::fs::canonicalize(&joined).unwrap_or(joined));
    }
}
