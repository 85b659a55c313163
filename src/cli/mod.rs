//! The command line, one file per subcommand: `run` (with `shard_source` for cluster parts),
//! `merge`, `replay`, `compare`, `luck`, `plan`, `history`/`export`, `bench`, `presets`
//! (and `gui`, whose flags are here and whose app is `crate::gui`, dispatched by main.rs).
//!
//! Exit codes: 0 success; 1 a replay did not match, a run failed, or merge found runs
//! missing; 2 bad input (usage, config, file); 3 the run asked for is marked not replayable.
//!
//! This is an edge: the engine's and the records' typed errors become the one line a user
//! reads here (`Failure`), so helpers of this layer may return `Result<_, String>`.

// Unsafe code lives in the engine (its vector kernels and the few system calls), where each
// block says why it is sound; this tree has none and may never gain any.
#![forbid(unsafe_code)]

pub mod bench;
pub mod command;
pub mod common;
pub mod compare;
pub mod experiment;
pub mod gui;
pub mod helper;
pub mod history;
mod keeper;
pub mod luck;
pub mod merge;
mod metric_flags;
pub mod plan;
pub mod presets;
mod progress;
pub mod replay;
pub mod run;
mod run_sweep;
mod run_table;
pub mod shard_source;
mod study;
mod study_side;
mod trust;
mod try_once;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use bench::BenchArgs;
pub use common::{
    ExperimentArgs, Failure, SEED_ENV, StoreArgs, WORKERS_RANGE, load_experiment, os_seed,
    resolve_seed,
};
pub use compare::CompareArgs;
pub use gui::GuiArgs;
pub use history::{ExportArgs, HistoryArgs};
pub use luck::LuckArgs;
pub use merge::MergeArgs;
pub use plan::PlanArgs;
pub use replay::ReplayArgs;
pub use run::{RunArgs, summary_table};

#[derive(Parser, Debug)]
#[command(
    name = "seedscope",
    version,
    about = "Why do I get a different accuracy every time? Train a small network many times and see which source of randomness is responsible.",
    after_help = "With no command, seedscope opens the desktop app."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the desktop app (the default).
    Gui(GuiArgs),
    /// Run an experiment headless and write its results.
    Run(RunArgs),
    /// Re-train one recorded run and check that its weight hash matches.
    Replay(ReplayArgs),
    /// Is a difference real? Compare two conditions of one results file, or of two files.
    Compare(CompareArgs),
    /// How lucky was the fixed seed? Its result read against runs with every source free.
    Luck(LuckArgs),
    /// How many runs do I need? Repeats for a precise mean and for a detectable difference.
    Plan(PlanArgs),
    /// List the built-in presets.
    Presets,
    /// List the experiments in the run store, most recently used first.
    History(HistoryArgs),
    /// Write an experiment from the run store as a results file (and CSV).
    Export(ExportArgs),
    /// Join the parts of a sharded sweep (`run --shard I/N`) into one results file.
    Merge(MergeArgs),
    /// Print the helper your training script imports to read seedscope's seeds and report
    /// its result (`seedscope helper python > seedscope_run.py`).
    Helper(helper::HelperArgs),
    /// Time the reference sweep (8 conditions × 30 runs of circles, 100 epochs).
    Bench(BenchArgs),
}

/// Runs a non-GUI command and turns its outcome into an exit code.
pub fn execute(command: Command) -> ExitCode {
    if matches!(command, Command::Run(_) | Command::Replay(_)) {
        // They run commands: a signal ends those runs (and everything they started) instead
        // of leaving them running unseen, and the exit status still says which signal it was.
        crate::engine::command::interrupt::install();
    }
    match run_command(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // A message can carry what a file said (a run's error, a hash, an engine): it
            // reaches the terminal with its escapes shown, never obeyed.
            eprintln!(
                "error: {}",
                crate::engine::files::printable(&failure.message)
            );
            ExitCode::from(failure.code)
        }
    }
}

/// Runs a non-GUI command; a failure carries its exit code and message (the fuzz harness
/// drives the commands through here, in process).
pub fn run_command(command: Command) -> Result<(), Failure> {
    match command {
        // A settings study is a run per setting: `--vary` makes one.
        Command::Run(args) if !args.vary.is_empty() => study::run(&args),
        Command::Run(args) => run::run(args),
        Command::Replay(args) => replay::replay_command(args),
        Command::Presets => {
            presets::list_presets();
            Ok(())
        }
        Command::Bench(args) => bench::bench(args),
        Command::History(args) => history::history(args),
        Command::Export(args) => history::export(args),
        Command::Compare(args) => compare::compare_command(args),
        Command::Merge(args) => merge::merge_command(args),
        Command::Helper(args) => {
            helper::run(args);
            Ok(())
        }
        Command::Luck(args) => luck::luck_command(args),
        Command::Plan(args) => plan::plan_command(args),
        Command::Gui(_) => Err(common::bad_input("the gui command is handled by main")),
    }
}
