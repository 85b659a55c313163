//! One experiment's sweep for `run` (and each setting of a settings study): the runs the
//! run store lacks trained, with progress on stderr, a signal or a stop ending it with the
//! finished runs kept.

use std::io::IsTerminal;

use super::common::StoreArgs;
use super::common::{Failure, bad_input};
use super::keeper::Keeper;
use super::progress::{eta, progress_bar};
use crate::analysis::words::count_of;
use crate::engine::command::interrupt;
use crate::engine::config::ExperimentConfig;
use crate::engine::files::escape;
use crate::engine::record::RunRecord;
use crate::engine::shard::Shard;
use crate::engine::sweep::{SweepEvent, SweepSpec, run_sweep, sort_into_sweep_order};
use crate::records::estimate::{SweepEstimate, size_text};
use crate::records::store::sweep_pairs;
use crate::records::{ResultsFile, ShardRecord};

/// What `run`'s flags say of how a sweep is kept and shown.
pub(super) struct SweepOptions<'a> {
    pub store: &'a StoreArgs,
    /// Only the table: no progress or estimate lines.
    pub quiet: bool,
    /// The command was typed (`--command`), not read from a file: the store remembers it.
    pub typed_command: bool,
    /// `--warm`: the modules to preload (empty: the script's imports), None for cold runs.
    pub warm: Option<Vec<String>>,
}

/// One experiment's sweep as trained (or taken from the run store).
pub(super) struct Swept {
    pub results: ResultsFile,
    /// The run store's side: what it kept, and what it reports of runs lost.
    pub keeper: Keeper,
    /// Runs this process ran, and of them those that finished.
    pub ran: usize,
    pub trained: usize,
    pub elapsed: std::time::Duration,
}

/// Trains `config`'s runs (those of `shard`, if any) that the run store does not hold, with
/// progress on stderr; a signal or a stop ends it with the runs finished kept.
pub(super) fn sweep_experiment(
    args: &SweepOptions,
    config: ExperimentConfig,
    (master_seed, origin): (u64, &str),
    shard: Option<ShardRecord>,
    estimate: Option<&SweepEstimate>,
    (workers, gpus): (usize, Vec<String>),
) -> Result<Swept, Failure> {
    let capabilities = config.capabilities();
    let pairs = match &shard {
        Some(part) => part.pairs.clone(),
        None => sweep_pairs(&config),
    };
    let mut keeper = Keeper::open(args.store, &config, master_seed)?;
    if let (Some(command), true) = (&config.command, args.typed_command) {
        keeper.remember_typed(command);
    }
    let stored = keeper.stored(&pairs);
    let mut spec = SweepSpec::new(config.clone(), master_seed, workers);
    spec.gpus = gpus;
    spec.warm = args.warm.clone();
    if !spec.gpus.is_empty() && !capabilities.takes_gpus {
        return Err(bad_input(
            "--gpus: hands GPUs to a command's runs; the built-in model trains on the CPU",
        ));
    }
    spec.skip = stored.iter().map(RunRecord::id).collect();
    if let Some(part) = &shard {
        let whole = Shard::new(part.index, part.count).expect("resolved shards are valid");
        spec.skip.extend(whole.others(&config));
    }
    let total = spec.runs_to_train();
    if let Some(store) = keeper.store_path() {
        println!(
            "runs: {} from the store ({}), {total} to train",
            stored.len(),
            store.display()
        );
    }
    if let (false, None) = (args.quiet, &estimate) {
        // A command's record size and memory are the command's own: no estimate to give.
        let started = match &spec.warm {
            None => "",
            Some(_) => ", warm (forked from parents that imported its libraries once)",
        };
        eprintln!(
            "{}: {} × {}, {total} to run, {workers} at a time{started}",
            escape(&config.name),
            count_of(config.conditions.len(), "condition"),
            count_of(config.repeats, "run"),
        );
    } else if let (false, Some(estimate)) = (args.quiet, &estimate) {
        eprintln!(
            "{}: {} × {}, {total} to train on {workers} workers; results file ≈ {}, memory ≈ {}",
            escape(if config.name.is_empty() {
                "experiment"
            } else {
                &config.name
            }),
            count_of(config.conditions.len(), "condition"),
            count_of(config.repeats, "run"),
            size_text(estimate.results_bytes),
            size_text(estimate.memory_bytes),
        );
    }
    let interactive = std::io::stderr().is_terminal() && !args.quiet;
    // On a terminal, a bar with the rate and what is left; piped or in a log, a plain line
    // at every tenth, as before.
    let bar = interactive.then(|| progress_bar(total, "runs"));
    let mut done = 0usize;
    let started = std::time::Instant::now();
    // A signal cancels the sweep: the runs in flight end with everything they started.
    let outcome = run_sweep(&spec, interrupt::flag(), &mut |event| {
        if let SweepEvent::Notice(text) = event {
            match &bar {
                Some(bar) => bar.suspend(|| eprintln!("note: {text}")),
                None => eprintln!("note: {text}"),
            }
        }
        if let SweepEvent::RunFinished(record) = event {
            keeper.keep(record);
            done += 1;
            let left = eta(started.elapsed(), done, total);
            if let Some(bar) = &bar {
                let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{rate:.1} runs/s{left}"));
                bar.inc(1);
            } else if !args.quiet && (done * 10 / total != (done - 1) * 10 / total) {
                eprintln!("{done}/{total} runs{left}");
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
        eprintln!("{done}/{total} runs{}", eta(started.elapsed(), done, total));
    }
    // The runs are over: a signal from now on ends the process as it always did.
    interrupt::restore_default();
    keeper.remember_outputs();
    if let Some(why) = &outcome.stopped {
        keeper.report_lost();
        return Err(Failure {
            code: 1,
            message: format!(
                "the sweep stopped: {why}; {} finished before it and {}",
                count_of(
                    outcome.runs.iter().filter(|r| r.error.is_none()).count(),
                    "run"
                ),
                match keeper.store_path() {
                    Some(_) => "are kept in the run store",
                    None => "are not kept (no run store); nothing was written",
                }
            ),
        });
    }
    if let Some((signal, code)) = interrupt::received() {
        keeper.report_lost();
        return Err(Failure {
            code,
            message: format!(
                "interrupted by {signal}: the runs in flight were ended with every process they \
                 started; {} finished and {}",
                count_of(outcome.runs.len(), "run"),
                match keeper.store_path() {
                    Some(_) => "are kept in the run store: the same command goes on from there",
                    None => "are lost (no run store); nothing was written",
                }
            ),
        });
    }
    // A failed run was run, not trained: it is counted with the failed ones only.
    let ran = outcome.runs.len();
    let trained = outcome.runs.iter().filter(|r| r.error.is_none()).count();
    let mut runs = stored;
    runs.extend(outcome.runs);
    sort_into_sweep_order(&config.conditions, &mut runs);
    let mut results = ResultsFile::new(config, master_seed, origin, runs, outcome.cancelled);
    results.shard = shard;
    Ok(Swept {
        results,
        keeper,
        ran,
        trained,
        elapsed: outcome.elapsed,
    })
}
