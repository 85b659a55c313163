//! The experiment a command line names, for `run` and `gui` alike: `--command`, else
//! `--preset`/`--config`, with `--repeats` and `--conditions` over it, checked, and a command
//! resolved. Apart from `common` (which `command` imports) so no two files import each other.

use clap::Args;

use super::command::CommandArgs;
use super::common::{ExperimentArgs, Failure, bad_input, load_experiment};
use crate::engine::config::ExperimentConfig;

/// What a sweep trains, over the experiment's own settings: `run` and `gui` take both.
#[derive(Args, Debug, Default, Clone)]
pub struct SweepArgs {
    /// Runs per condition (overrides the experiment's `repeats`).
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Comma-separated conditions, e.g. all-fixed,only-init,free:init+shuffle,library-rng,nudge.
    #[arg(long)]
    pub conditions: Option<String>,
}

impl SweepArgs {
    /// Whether any flag was given.
    pub fn any(&self) -> bool {
        self.repeats.is_some() || self.conditions.is_some()
    }
}

/// `--timeout` and `--workdir` over an experiment file's command (they override its
/// `timeout_s` and `workdir`); over a built-in model they have nothing to act on, and say so
/// rather than being ignored.
fn command_flags_over_file(
    flags: &CommandArgs,
    config: &mut ExperimentConfig,
) -> Result<(), Failure> {
    let given = [
        ("--timeout", flags.timeout.is_some()),
        ("--workdir", flags.workdir.is_some()),
        (flags.metric.first_given(), flags.metric.any_given()),
    ];
    let Some(command) = &mut config.command else {
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            return Err(bad_input(format!(
                "{flag}: applies to a command's runs, and this experiment trains the built-in \
                 model; give --command, or an experiment file with a command"
            )));
        }
        return Ok(());
    };
    if let Some(seconds) = flags.timeout {
        command.timeout_s = seconds;
    }
    if let Some(folder) = &flags.workdir {
        // A folder on the command line is the current folder's, not the file's.
        let absolute = std::env::current_dir()
            .map(|here| here.join(folder))
            .unwrap_or_else(|_| folder.clone());
        command.workdir = Some(absolute);
    }
    flags.metric.apply(command)?;
    command.check().map_err(|e| {
        bad_input(match e.field {
            "timeout_s" => format!("--timeout: {}", e.message),
            _ => e.to_string(),
        })
    })
}

/// The experiment the flags name: `--command`, else `--preset`/`--config`, with `--repeats`
/// and `--conditions` over it, checked (a bad value names its flag), and a command resolved
/// (its folder and input files). `run` and `gui` start from it.
pub fn experiment_of(
    experiment: &ExperimentArgs,
    command: &CommandArgs,
    sweep: &SweepArgs,
) -> Result<ExperimentConfig, Failure> {
    let mut config = match command.experiment()? {
        Some(config) => config,
        None => {
            let mut config = load_experiment(experiment).map_err(bad_input)?;
            command_flags_over_file(command, &mut config)?;
            config
        }
    };
    if let Some(repeats) = sweep.repeats {
        config.repeats = repeats;
    }
    if let Some(list) = &sweep.conditions {
        config.conditions = crate::engine::seeds::parse_condition_list(list)
            .map_err(|e| bad_input(format!("--conditions: {e}")))?;
    }
    config.validate().map_err(|e| {
        bad_input(match e.field.as_str() {
            "repeats" if sweep.repeats.is_some() => format!("--repeats: {}", e.message),
            "conditions" if sweep.conditions.is_some() => format!("--conditions: {}", e.message),
            _ => e.to_string(),
        })
    })?;
    // A command is made ready to run (its folder and input files); a built-in model needs nothing.
    super::command::resolve(&mut config, experiment.config.as_deref())?;
    Ok(config)
}
