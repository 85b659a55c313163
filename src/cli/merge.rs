//! `seedscope merge PART... --out RESULTS.json`: the parts of a sharded sweep joined into
//! one results file, the same as a single machine would have written, and kept in the run
//! store when one is in use.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::common::{Failure, StoreArgs, bad_input, check_outputs, kept_files, write_results};
use super::run::summary_table;
use crate::engine::shard::Shard;
use crate::records::ResultsFile;
use crate::records::merge::{Merged, MissingRun, Part, merge_parts};
use crate::records::store::engine_fingerprint;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The part files written by `seedscope run --shard I/N` (any order).
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    /// Results file to write (JSON, or Parquet: see --format).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub format: super::common::FormatArgs,
    /// Also write one CSV row per run.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the merged file even when runs are missing (it is then marked cancelled).
    #[arg(long)]
    pub allow_partial: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub(super) fn merge_command(args: MergeArgs) -> Result<(), Failure> {
    let outputs = {
        let store = args.store.path()?;
        let inputs: Vec<(&str, &std::path::Path)> =
            args.parts.iter().map(|p| ("a part", p.as_path())).collect();
        check_outputs(
            &args.out,
            &args.format,
            args.csv.as_deref(),
            &kept_files(store.as_deref(), &inputs),
        )?
    };
    let parts = read_parts(&args.parts)?;
    let part_count = parts.len();
    let merged = merge_parts(parts).map_err(bad_input)?;
    report(&merged, part_count);
    if !merged.missing.is_empty() && !args.allow_partial {
        return Err(Failure {
            code: 1,
            message: format!(
                "{} runs missing (listed above); nothing written. Run the shards named again \
                 and merge all parts, or pass --allow-partial",
                merged.missing.len()
            ),
        });
    }
    print!("{}", summary_table(&merged.results));
    keep_in_store(&args.store, &merged);
    write_results(&merged.results, &outputs, "merged: ")
}

/// Reads every part, with a progress bar on a terminal: a 100,000-run sweep's parts take
/// seconds to read as JSON. Piped, it prints nothing more than it did.
fn read_parts(paths: &[std::path::PathBuf]) -> Result<Vec<Part>, Failure> {
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| super::progress::progress_bar(paths.len(), "parts"));
    let started = std::time::Instant::now();
    let mut parts = Vec::with_capacity(paths.len());
    let mut runs = 0;
    for path in paths {
        let file = match ResultsFile::load(path) {
            Ok(file) => file,
            Err(error) => {
                // The reason goes on a clean line, not after a half-drawn bar.
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                return Err(bad_input(format!("part {error}")));
            }
        };
        runs += file.runs.len();
        parts.push(Part {
            name: path.display().to_string(),
            file,
        });
        if let Some(bar) = &bar {
            let left = super::progress::eta(started.elapsed(), parts.len(), paths.len());
            let rate = runs as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{runs} runs read, {rate:.0} runs/s{left}"));
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(parts)
}

fn report(merged: &Merged, part_count: usize) {
    let results = &merged.results;
    println!(
        "{part_count} parts of master seed {}: {} of {} runs",
        results.master_seed,
        results.runs.len(),
        results.config.conditions.len() * results.config.repeats
    );
    if merged.exact_duplicates > 0 {
        println!(
            "{} runs delivered twice with equal weights: kept once",
            merged.exact_duplicates
        );
    }
    if !merged.racing_kept_once.is_empty() {
        println!(
            "{} racing runs delivered twice with different results (a race is not \
             repeatable): the first copy kept of {}",
            merged.racing_kept_once.len(),
            merged
                .racing_kept_once
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !merged.missing.is_empty() {
        eprintln!(
            "missing runs, by the shard of {} that trains them:",
            merged.shard_count
        );
        for (owner, runs) in missing_by_owner(&merged.missing) {
            let whole_part = Shard::new(owner, merged.shard_count)
                .map_or(0, |shard| shard.pairs(&results.config).len());
            eprintln!(
                "  shard {owner}/{}: {}",
                merged.shard_count,
                describe_missing(&runs, whole_part)
            );
        }
    }
}

/// Missing runs grouped by the shard that owes them.
fn missing_by_owner(missing: &[MissingRun]) -> BTreeMap<usize, Vec<String>> {
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for run in missing {
        groups
            .entry(run.owner)
            .or_default()
            .push(run.run.to_string());
    }
    groups
}

/// "all 80 of its runs (is its part file missing?)", or "all-free/3, only-init/7, … and 12
/// more".
fn describe_missing(runs: &[String], whole_part: usize) -> String {
    const SHOWN: usize = 6;
    if runs.len() == whole_part {
        return format!("all {whole_part} of its runs (is its part file missing?)");
    }
    let mut text = runs[..runs.len().min(SHOWN)].join(", ");
    if runs.len() > SHOWN {
        text.push_str(&format!(" … and {} more", runs.len() - SHOWN));
    }
    text
}

/// Keeps the merged runs in the run store, if one is in use and the parts were trained by
/// this binary's engine (runs of another engine are keyed differently, so they would never
/// be found; the results file still has them).
fn keep_in_store(args: &StoreArgs, merged: &Merged) {
    let mut store = match args.open_for_run() {
        Ok(Some(Ok(store))) => store,
        Ok(None | Some(Err(_))) => return,
        Err(failure) => {
            eprintln!(
                "warning: merged runs are not being kept: {}",
                failure.message
            );
            return;
        }
    };
    if merged.engine != engine_fingerprint() {
        println!(
            "not kept in the run store: the parts were trained by engine {}, this is {}",
            crate::engine::files::escape(&merged.engine),
            engine_fingerprint()
        );
        return;
    }
    let results = &merged.results;
    let kept = store
        .register(&results.config, results.master_seed)
        .and_then(|id| store.insert(id, &results.runs, false));
    match kept {
        Ok(written) => println!(
            "run store {}: {written} new runs kept",
            store.path().display()
        ),
        Err(error) => eprintln!("warning: merged runs are not being kept: {error}"),
    }
}
