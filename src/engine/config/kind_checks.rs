//! The checks that concern which kind of experiment this is (split out of validate.rs): a
//! command's runs take no lessons and, given one seed for everything, no condition that moves
//! some seeds and not others; only a command has a gpu to switch.

use super::{ConfigError, ExperimentConfig};

impl ExperimentConfig {
    /// The checks that concern which kind of experiment this is: a command's runs cannot take
    /// the two lessons (they change how the built-in model initialises), and only a command
    /// has a gpu to switch.
    pub(super) fn kind_problems(&self, errors: &mut Vec<ConfigError>) {
        use crate::engine::seeds::{Lesson, Source};
        match &self.command {
            Some(command) => {
                if let Err(error) = command.check() {
                    errors.push(ConfigError {
                        field: format!("command.{}", error.field),
                        message: error.message,
                    });
                }
                if command.takes_one_seed()
                    && let Some(split) = self.conditions.iter().find(|c| c.splits_the_seeds())
                {
                    errors.push(ConfigError {
                        field: "conditions".into(),
                        message: format!(
                            "`{split}` moves some seeds and not others, and this command takes one seed for everything ({{seed}}): from outside, seedscope cannot give one source a seed apart. Take all-fixed, all-free, only-seed, only-threads and only-gpu; or give each source its own seed ({{seed.init}}, {{seed.shuffle}}, …), or use the helper (seedscope helper python)"
                        ),
                    });
                }
                if let Some(lesson) = self.conditions.iter().find(|c| c.lesson() != Lesson::None) {
                    errors.push(ConfigError {
                        field: "conditions".into(),
                        message: format!(
                            "`{lesson}` is a lesson of the built-in trainer (it changes how its model initialises); a command's runs take all-fixed, all-free, only-<source> and free:<sources>"
                        ),
                    });
                }
            }
            None => {
                if let Some(gpu) = self
                    .conditions
                    .iter()
                    .find(|c| c.is_free(Source::Gpu) && !Source::ALL.iter().all(|s| c.is_free(*s)))
                {
                    errors.push(ConfigError {
                        field: "conditions".into(),
                        message: format!(
                            "`{gpu}` frees the gpu source, which only a command's runs have (the built-in MLPs train on the CPU); remove it, or train a command"
                        ),
                    });
                }
            }
        }
    }
}
