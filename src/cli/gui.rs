//! `seedscope gui` (and no command at all): the flags the desktop app starts from. The app
//! itself is `crate::gui`; main.rs dispatches to it.

use std::path::PathBuf;

use clap::Args;

use super::common::{ExperimentArgs, StoreArgs};

#[derive(Args, Debug, Default, Clone)]
pub struct GuiArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Start the sweep as soon as the window opens.
    #[arg(long)]
    pub autorun: bool,
    /// After the sweep, save the distributions plot to this PNG and exit (with --autorun).
    #[arg(long, requires = "autorun")]
    pub snapshot: Option<PathBuf>,
    /// Master seed (else SEEDSCOPE_SEED, else the last session's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The view to snapshot: distributions, sources, curves, disagreement, compare, seed-luck,
    /// runs, history.
    #[arg(long, default_value = "distributions", value_parser = ["distributions", "sources", "curves", "disagreement", "compare", "seed-luck", "runs", "history"])]
    pub view: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where the app keeps the experiment on screen, written whenever it changes
    /// [default: beside the run store, ~/.local/share/seedscope/app-settings.json].
    #[arg(long, env = "SEEDSCOPE_SETTINGS", value_name = "PATH")]
    pub settings: Option<PathBuf>,
}
