//! `seedscope replay`: re-train one recorded run and check its weight hash.

use std::path::PathBuf;

use clap::Args;

use super::common::{Failure, bad_input};
use crate::engine::replay::{ReplayVerdict, replay_run};
use crate::records::ResultsFile;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A results file written by `seedscope run` or the app.
    pub results: PathBuf,
    /// The run: its position in the file (0, 1, …) or condition/index (e.g. all-free/3).
    #[arg(long)]
    pub run: String,
    /// Allow the command the results file holds (shown whole first; remembered in the run
    /// store).
    #[arg(long)]
    pub allow_command: bool,
    #[command(flatten)]
    pub store: super::common::StoreArgs,
}

pub(super) fn replay_command(args: ReplayArgs) -> Result<(), Failure> {
    let results = ResultsFile::load(&args.results).map_err(bad_input)?;
    results
        .config
        .validate()
        .map_err(|e| bad_input(format!("{}: config.{e}", args.results.display())))?;
    let record = results.find_run(&args.run).map_err(bad_input)?;
    if let Some(command) = &results.config.command {
        super::trust::ensure_allowed(command, &args.results, args.allow_command, &args.store)?;
    }
    println!("master seed: {} (recorded)", results.master_seed);
    let verdict =
        replay_run(&results.config, Some(results.master_seed), record).map_err(|error| {
            Failure {
                code: 1,
                message: error.to_string(),
            }
        })?;
    if let Some((signal, code)) = crate::engine::command::interrupt::received() {
        return Err(Failure {
            code,
            message: format!("interrupted by {signal}: the replay was ended"),
        });
    }
    let text = verdict.describe(&record.id());
    match verdict {
        ReplayVerdict::Match { .. } => {
            println!("{}", crate::engine::files::printable(&text));
            Ok(())
        }
        ReplayVerdict::Mismatch { .. } => Err(Failure {
            code: 1,
            message: text,
        }),
        ReplayVerdict::NotReplayable { .. } => Err(Failure {
            code: 3,
            message: text,
        }),
    }
}
