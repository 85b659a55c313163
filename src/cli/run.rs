//! `seedscope run`: an experiment headless, its table printed and its results written.

use std::path::PathBuf;

use clap::Args;

use super::common::{
    ExperimentArgs, Failure, SEED_ENV, StoreArgs, bad_input, check_outputs, check_workers,
    kept_files, resolve_seed, write_results,
};
pub use super::run_table::summary_table;
use super::shard_source::resolve_shard;
use crate::analysis::words::count_of;
use crate::engine::config::ExperimentConfig;
use crate::engine::files::MAX_RESULTS_BYTES;
use crate::engine::sweep::default_workers;
use crate::records::estimate::{SweepEstimate, available_memory, size_text};
use crate::records::store::{engine_fingerprint, sweep_pairs};
use crate::records::{ResultsFile, ShardRecord};

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    #[command(flatten)]
    pub command: super::command::CommandArgs,
    /// Master seed; else the SEEDSCOPE_SEED environment variable; else drawn from the OS.
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub sweep: super::experiment::SweepArgs,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Results file to write (JSON, or Parquet: see --format).
    #[arg(long, required_unless_present = "try_once")]
    pub out: Option<PathBuf>,
    /// Run the command once (every seed fixed) and show it as it ran: the command line with
    /// its seeds filled in, its output with the lines --metric matched marked, and the result
    /// it would record. Nothing is written.
    #[arg(long = "try", conflicts_with_all = ["shard", "shards", "csv"])]
    pub try_once: bool,
    #[command(flatten)]
    pub format: super::common::FormatArgs,
    /// Also write one CSV row per run.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Print only the table.
    #[arg(long)]
    pub quiet: bool,
    /// Train only part I of N (0-based) of the sweep's runs, e.g. 3/16, for a cluster; needs
    /// a fixed --seed. Without it, taken from SLURM_ARRAY_TASK_ID/_COUNT or
    /// JOB_COMPLETION_INDEX (with --shards). Join the parts with `seedscope merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// How many parts, when the part number comes from JOB_COMPLETION_INDEX (a Kubernetes
    /// Indexed Job's `completions`).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub shards: Option<usize>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// A settings study: run the experiment once per value of FIELD, every setting under the
    /// same master seed, so run r of each draws the same seeds and the settings are compared
    /// run by run. FIELD is a path in the experiment file (training.learning_rate,
    /// model.dropout, model.hidden=[16,16],[32]) or, for --command, a {FIELD} in its command
    /// line. Repeat for a grid. --out then writes the study's one file.
    #[arg(long, value_name = "FIELD=V1,V2", conflicts_with_all = ["shard", "shards", "csv", "try_once"])]
    pub vary: Vec<String>,
    /// Allow the command an experiment file (--config) holds, after reading it: it is shown
    /// whole first, and the allowance is remembered in the run store. A command typed with
    /// --command needs none.
    #[arg(long)]
    pub allow_command: bool,
}

/// The experiment the flags describe, validated; errors name the flag that caused them.
fn experiment(args: &RunArgs) -> Result<ExperimentConfig, Failure> {
    let mut config =
        super::experiment::experiment_of(&args.experiment, &args.command, &args.sweep)?;
    if config.capabilities().reads_data_set {
        // A fixed data set is loaded (and a CSV file checked) before any run starts.
        crate::engine::data::prepare(&mut config.data).map_err(bad_input)?;
    }
    Ok(config)
}

/// The part of the sweep this process trains (`--shard`, or a scheduler's environment),
/// printed with its origin. A part needs a master seed fixed for every part: a seed drawn
/// from the OS per part would make the parts different experiments.
fn part_to_train(
    args: &RunArgs,
    config: &ExperimentConfig,
    seed_origin: &str,
) -> Result<Option<ShardRecord>, Failure> {
    let Some((shard, from)) = resolve_shard(args.shard.as_deref(), args.shards, |name| {
        std::env::var(name).ok()
    })
    .map_err(bad_input)?
    else {
        return Ok(None);
    };
    if seed_origin == "os" {
        return Err(bad_input(format!(
            "shard {shard} (from {from}) needs a fixed master seed, the same for every part: \
             pass --seed S (or set {SEED_ENV}); a seed drawn per part would make the parts \
             different experiments"
        )));
    }
    let pairs = shard.pairs(config);
    println!(
        "shard: {shard} (from {from}): {} of the sweep's {} runs",
        pairs.len(),
        config.conditions.len() * config.repeats
    );
    Ok(Some(ShardRecord {
        index: shard.index,
        count: shard.count,
        origin: from.to_string(),
        engine: engine_fingerprint(),
        pairs,
    }))
}

/// The sweep's estimate, or a refusal when its results file could not be read back or its
/// runs could not be held in this machine's memory — before any training.
fn check_size(
    config: &ExperimentConfig,
    to_train: usize,
    in_file: usize,
    workers: usize,
) -> Result<SweepEstimate, Failure> {
    let estimate = SweepEstimate::new(config, to_train, in_file, workers).map_err(bad_input)?;
    if estimate.results_bytes > MAX_RESULTS_BYTES {
        let per_repeat = (estimate.results_bytes / config.repeats.max(1) as u64).max(1);
        return Err(bad_input(format!(
            "the results file would be about {} ({in_file} runs × {} epochs), more than the {} \
             that luck, replay, plan, merge and the app read back; lower --repeats to at most \
             {} (or training.epochs, or the conditions)",
            size_text(estimate.results_bytes),
            config.training.epochs,
            size_text(MAX_RESULTS_BYTES),
            MAX_RESULTS_BYTES / per_repeat
        )));
    }
    if let Some(available) = available_memory()
        && estimate.memory_bytes > available
    {
        return Err(bad_input(format!(
            "the sweep would need about {} of memory, and {} is available; lower --workers \
             ({workers}), the model's widths ({:?}), training.batch_size or --repeats",
            size_text(estimate.memory_bytes),
            size_text(available),
            config.model.hidden
        )));
    }
    Ok(estimate)
}

// Reads top to bottom as the command runs: flags, seed, store, sweep with progress, table,
// files.
pub(super) fn run(args: RunArgs) -> Result<(), Failure> {
    super::command::recall_outputs(&args.store);
    let config = experiment(&args)?;
    let gpus = args.command.gpus()?;
    // With GPUs, one run per GPU unless told otherwise.
    let workers = match (args.workers, gpus.len()) {
        (Some(workers), _) => workers,
        (None, 0) => default_workers(),
        (None, listed) => listed,
    };
    check_workers(workers)?;
    if !gpus.is_empty() && workers > gpus.len() {
        return Err(bad_input(format!(
            "--gpus: {} for --workers {workers} would run several runs on one GPU at once; \
             pass --workers {} (one run per GPU), or list a GPU once per run it may hold \
             (e.g. --gpus 0,0,1,1)",
            count_of(gpus.len(), "GPU"),
            gpus.len()
        )));
    }
    if args.try_once {
        if let (Some(command), Some(file)) = (&config.command, &args.experiment.config) {
            super::trust::ensure_allowed(command, file, args.allow_command, &args.store)?;
        }
        return super::try_once::run(&config, args.seed);
    }
    let out = args.out.clone().expect("clap requires --out without --try");
    let outputs = {
        let store = args.store.path()?;
        let mut inputs = Vec::new();
        if let Some(file) = &args.experiment.config {
            inputs.push(("the experiment file", file.as_path()));
        }
        if let Some(file) = &config.data.path {
            inputs.push(("the data file", file.as_path()));
        }
        let command_inputs = super::command::inputs(&config);
        for file in &command_inputs {
            inputs.push(("an input file of the command", file.as_path()));
        }
        check_outputs(
            &out,
            &args.format,
            args.csv.as_deref(),
            &kept_files(store.as_deref(), &inputs),
        )?
    };
    if let (Some(command), Some(file)) = (&config.command, &args.experiment.config) {
        super::trust::ensure_allowed(command, file, args.allow_command, &args.store)?;
    }
    if let Some(command) = &config.command
        && !crate::engine::config::placeholders::seeds_reach(
            command.uses(),
            &super::command::inputs(&config),
        )
    {
        eprintln!(
            "warning: no seed reaches this command: its arguments hold no {{seed}} placeholder, \
             and its input files neither read SEEDSCOPE_SEED_* nor import seedscope's helper; \
             every condition will likely give the same outcome. A script that takes a seed \
             flag: --command \"python3 train.py --seed {{seed}}\" (docs/your-command.md)"
        );
    }
    let (master_seed, origin) = resolve_seed(args.seed).map_err(bad_input)?;
    println!("master seed: {master_seed} (from {origin})");
    let shard = part_to_train(&args, &config, origin)?;
    let pairs = match &shard {
        Some(part) => part.pairs.clone(),
        None => sweep_pairs(&config),
    };
    // Before the store is touched: at most every run of the file is trained. A command's
    // records are what it reports and its memory is its own processes': the built-in model's
    // shape says nothing of them, so nothing is estimated or refused on it.
    let capabilities = config.capabilities();
    let estimate = match capabilities.records_estimable {
        true => Some(check_size(&config, pairs.len(), pairs.len(), workers)?),
        false => None,
    };
    let super::run_sweep::Swept {
        results,
        keeper,
        ran,
        trained,
        elapsed,
    } = super::run_sweep::sweep_experiment(
        &super::run_sweep::SweepOptions {
            store: &args.store,
            quiet: args.quiet,
            typed_command: args.command.command.is_some(),
            warm: args.command.warm(),
        },
        config,
        (master_seed, origin),
        shard,
        estimate.as_ref(),
        (workers, gpus),
    )?;
    print!("{}", summary_table(&results));
    print!("{}", super::command::report(&results));
    keeper.report_lost();
    println!(
        "{} in {:.1} s ({} trained, {} from the store; {} diverged, {} failed)",
        count_of(results.runs.len(), "run"),
        elapsed.as_secs_f64(),
        trained,
        results.runs.len() - ran,
        results.runs.iter().filter(|r| r.diverged).count(),
        results.runs.iter().filter(|r| r.error.is_some()).count()
    );
    write_results(&results, &outputs, "results: ")?;
    every_run_failed(&results)
}

/// A sweep in which no run succeeded has nothing to analyse: its results file is written (it
/// keeps each failure's reason), and the exit status says so, for scripts that go on to read it.
fn every_run_failed(results: &ResultsFile) -> Result<(), Failure> {
    let failed = results.runs.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 && failed == results.runs.len() {
        return Err(Failure {
            code: 1,
            message: format!(
                "every run failed ({}): nothing to analyse. Each one's reason is above and \
                 in the results file",
                count_of(failed, "run")
            ),
        });
    }
    Ok(())
}
