//! `seedscope history` lists the experiments in the run store; `seedscope export` writes one
//! of them as a results file (the exchange format), with a CSV if asked.

use std::path::PathBuf;

use clap::Args;

use super::common::{Failure, StoreArgs, bad_input, check_outputs, kept_files, write_results};
use crate::analysis::words::count_of;
use crate::engine::sweep::sort_into_sweep_order;
use crate::records::ResultsFile;
use crate::records::store::{ExperimentEntry, RunStore, utc_text};

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The experiment's number in `seedscope history`.
    pub experiment: i64,
    /// Results file to write (JSON, or Parquet: see --format).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub format: super::common::FormatArgs,
    /// Also write one CSV row per run.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub(super) fn history(args: HistoryArgs) -> Result<(), Failure> {
    // Reading history creates nothing: a store that does not exist has no experiments.
    if let Some(path) = args.store.path()?
        && std::fs::symlink_metadata(&path).is_err()
    {
        println!("run store: {} (not created yet)", path.display());
        println!("no experiments yet: `seedscope run` or the app's Run keeps every run here");
        return Ok(());
    }
    let store = args.store.open_required()?;
    let entries = store.history().map_err(|e| bad_input(e.to_string()))?;
    println!("run store: {}", store.path().display());
    if entries.is_empty() {
        println!("no experiments yet: `seedscope run` or the app's Run keeps every run here");
        return Ok(());
    }
    println!(
        "{:>4}  {:<20}  {:>20}  {:>5}  {:<18}  settings",
        "id", "last used", "master seed", "runs", "name"
    );
    for entry in &entries {
        println!(
            "{:>4}  {:<20}  {:>20}  {:>5}  {:<18}  {}",
            entry.id,
            utc_text(entry.used),
            entry.key.master_seed,
            entry.runs,
            crate::engine::files::escape(&crate::records::store::display_name(&entry.config)),
            crate::engine::files::escape(&entry.summary)
        );
    }
    Ok(())
}

/// The experiment and every stored run of it, as a results file. The condition list is the
/// experiment's, followed by any other condition the store holds runs of.
pub fn results_from_store(store: &RunStore, id: i64) -> Result<ResultsFile, Failure> {
    let entry: ExperimentEntry = store
        .entry(id)
        .map_err(|e| bad_input(e.to_string()))?
        .ok_or_else(|| {
            bad_input(format!(
                "experiment {id} is not in the run store {}; `seedscope history` lists them",
                store.path().display()
            ))
        })?;
    let mut runs = store.runs(id).map_err(|e| bad_input(e.to_string()))?;
    let mut config = entry.config.clone();
    for run in &runs {
        if !config.conditions.contains(&run.condition) {
            config.conditions.push(run.condition);
        }
    }
    // Runs stored by an earlier form of the experiment with more repeats stay in the file.
    config.repeats = runs
        .iter()
        .map(|run| run.run_index + 1)
        .max()
        .unwrap_or(0)
        .max(config.repeats);
    sort_into_sweep_order(&config.conditions, &mut runs);
    Ok(ResultsFile::new(
        config,
        entry.key.master_seed,
        "store",
        runs,
        false,
    ))
}

pub(super) fn export(args: ExportArgs) -> Result<(), Failure> {
    let outputs = check_outputs(
        &args.out,
        &args.format,
        args.csv.as_deref(),
        &kept_files(args.store.path()?.as_deref(), &[]),
    )?;
    let store = args.store.open_required()?;
    let results = results_from_store(&store, args.experiment)?;
    let describe = format!(
        "experiment {}: {}, master seed {} → ",
        args.experiment,
        count_of(results.runs.len(), "run"),
        results.master_seed
    );
    write_results(&results, &outputs, &describe)?;
    Ok(())
}
