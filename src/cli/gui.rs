//! `seedscope gui` (and no command at all): the flags the desktop app starts from, resolved
//! here into plain values (the experiment, the seed, the paths). The app itself is
//! `crate::gui`, which imports nothing of the command line; main.rs hands it these values.

use std::path::PathBuf;

use clap::Args;

use super::common::{ExperimentArgs, StoreArgs};
use super::experiment::experiment_of;
use crate::engine::config::ExperimentConfig;
use crate::engine::presets;
use crate::engine::seeds::{SEED_ENV, resolve_seed};

#[derive(Args, Debug, Default, Clone)]
pub struct GuiArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    #[command(flatten)]
    pub command: super::command::CommandArgs,
    #[command(flatten)]
    pub sweep: super::experiment::SweepArgs,
    /// Start the sweep as soon as the window opens.
    #[arg(long)]
    pub autorun: bool,
    /// After the sweep, save the distributions plot to this PNG and exit (with --autorun).
    #[arg(long, requires = "autorun")]
    pub snapshot: Option<PathBuf>,
    /// Master seed (else SEEDSCOPE_SEED, else the last session's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The view to snapshot: distributions, sources, curves, disagreement, compare, study (runs
    /// the Compare settings tab's default study instead of the sweep), seed-luck,
    /// runs, history.
    #[arg(long, default_value = "distributions", value_parser = ["distributions", "sources", "curves", "disagreement", "compare", "study", "seed-luck", "runs", "history"])]
    pub view: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where the app keeps the experiment on screen, written whenever it changes
    /// [default: beside the run store, ~/.local/share/seedscope/app-settings.json].
    #[arg(long, env = "SEEDSCOPE_SETTINGS", value_name = "PATH")]
    pub settings: Option<PathBuf>,
    /// Allow the command the experiment file (--config) holds, after reading it; without it
    /// the app shows the command and asks before its first run.
    #[arg(long)]
    pub allow_command: bool,
}

/// The flags of [`GuiArgs`] resolved: bad ones refused here, before a window opens.
#[derive(Clone, Debug)]
pub struct ResolvedGui {
    pub experiment: ExperimentConfig,
    /// The preset's name, "" for an experiment file.
    pub preset: String,
    /// `--preset`, `--config` or `--command` was given: the experiment replaces the last
    /// session's.
    pub named: bool,
    /// `--repeats` and `--conditions` alone: applied over the last session's experiment (which
    /// they must not erase), or over the default one when there is none.
    pub repeats: Option<usize>,
    pub conditions: Option<Vec<crate::engine::seeds::Condition>>,
    /// `--seed`, else SEEDSCOPE_SEED, else None (the last session's seed then stands).
    pub seed: Option<u64>,
    pub store: Option<PathBuf>,
    /// The experiment file its command came from (`--config` with a command): the app asks
    /// before running it.
    pub command_from: Option<String>,
}

impl GuiArgs {
    /// The experiment, seed and store these flags name, or the message for exit 2.
    pub fn resolve(&self) -> Result<ResolvedGui, String> {
        let experiment = experiment_of(&self.experiment, &self.command, &self.sweep)
            .map_err(|failure| failure.message)?;
        let preset = match (&self.experiment.preset, &self.experiment.config) {
            _ if self.command.command.is_some() => String::new(),
            (Some(name), _) => name.clone(),
            (None, Some(_)) => String::new(),
            (None, None) => presets::DEFAULT_PRESET.into(),
        };
        let seed = if self.seed.is_some() || std::env::var_os(SEED_ENV).is_some() {
            Some(resolve_seed(self.seed).map_err(|e| e.to_string())?.0)
        } else {
            None
        };
        Ok(ResolvedGui {
            preset,
            named: self.experiment.preset.is_some()
                || self.experiment.config.is_some()
                || self.command.command.is_some(),
            repeats: self.sweep.repeats,
            conditions: self
                .sweep
                .conditions
                .is_some()
                .then(|| experiment.conditions.clone()),
            seed,
            store: self.store.path().map_err(|failure| failure.message)?,
            command_from: match (&experiment.command, &self.experiment.config) {
                (Some(_), Some(file)) if self.command.command.is_none() => {
                    Some(file.display().to_string())
                }
                _ => None,
            },
            experiment,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn gui(args: &[&str]) -> super::GuiArgs {
        let parsed = Cli::try_parse_from([&["seedscope", "gui"], args].concat()).unwrap();
        match parsed.command {
            Some(Command::Gui(args)) => args,
            other => panic!("not gui: {other:?}"),
        }
    }

    /// `gui` takes `run`'s experiment flags: `--repeats`, `--conditions` and `--command`
    /// reach the window, and a bad value is refused by its flag before a window opens.
    #[test]
    fn gui_takes_the_experiment_flags_of_run() {
        let resolved = gui(&["--repeats", "7", "--conditions", "all-fixed,only-init"])
            .resolve()
            .unwrap();
        assert_eq!(resolved.experiment.repeats, 7);
        assert_eq!(resolved.experiment.conditions.len(), 2);
        assert!(
            !resolved.named && resolved.repeats == Some(7),
            "--repeats alone goes over the last session's experiment, not instead of it"
        );
        let error = gui(&["--repeats", "0"]).resolve().unwrap_err();
        assert!(error.starts_with("--repeats: 0 is out of range"), "{error}");
        let error = gui(&["--conditions", "only-x"]).resolve().unwrap_err();
        assert!(
            error.starts_with("--conditions: unknown source `x`"),
            "{error}"
        );
        let command = gui(&["--command", "sh -c true"]).resolve().unwrap();
        assert_eq!(
            command.experiment.command.unwrap().argv,
            ["sh", "-c", "true"]
        );
    }
}
