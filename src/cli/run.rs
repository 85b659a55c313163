//! `seedscope run`: an experiment headless, its table printed and its results written.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::common::{
    ExperimentArgs, Failure, bad_input, check_workers, ensure_parent_exists, load_experiment,
    resolve_seed,
};
use crate::analysis::summary::{ConditionSummary, format_value};
use crate::engine::seeds::parse_condition_list;
use crate::engine::sweep::{SweepEvent, SweepSpec, default_workers, run_sweep};
use crate::records::{ResultsFile, runs_csv, write_atomically};

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Master seed; else the SEEDSCOPE_SEED environment variable; else drawn from the OS.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs per condition (overrides the experiment's `repeats`).
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Comma-separated conditions, e.g. all-fixed,only-init,free:init+shuffle,library-rng,nudge.
    #[arg(long)]
    pub conditions: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Results file to write (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write one CSV row per run.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Print only the table.
    #[arg(long)]
    pub quiet: bool,
}

/// The per-condition table printed by `run`.
pub fn summary_table(metric: &str, summaries: &[ConditionSummary]) -> String {
    let width = summaries
        .iter()
        .map(|s| s.condition.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let mut out = format!(
        "{:<width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  test {metric}\n",
        "condition", "n", "mean", "std", "min", "max", "hashes"
    );
    for s in summaries {
        let notes = s.notes();
        out.push_str(&format!(
            "{:<width$}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  {}\n",
            s.condition,
            s.n,
            format_value(s.mean),
            format_value(s.std),
            format_value(s.min),
            format_value(s.max),
            s.distinct_hashes,
            notes.join(", ")
        ));
    }
    out
}

// Reads top to bottom as the command runs: flags, seed, sweep with progress, table, files.
pub(super) fn run(args: RunArgs) -> Result<(), Failure> {
    let mut config = load_experiment(&args.experiment).map_err(bad_input)?;
    if let Some(repeats) = args.repeats {
        config.repeats = repeats;
    }
    if let Some(list) = &args.conditions {
        config.conditions =
            parse_condition_list(list).map_err(|e| bad_input(format!("--conditions: {e}")))?;
    }
    config.validate().map_err(|e| {
        bad_input(match e.field.as_str() {
            "repeats" if args.repeats.is_some() => format!("--repeats: {}", e.message),
            "conditions" if args.conditions.is_some() => format!("--conditions: {}", e.message),
            _ => e.to_string(),
        })
    })?;
    let workers = args.workers.unwrap_or_else(default_workers);
    check_workers(workers)?;
    ensure_parent_exists(&args.out, "--out")?;
    if let Some(csv) = &args.csv {
        ensure_parent_exists(csv, "--csv")?;
    }
    let (master_seed, origin) = resolve_seed(args.seed).map_err(bad_input)?;

    let total = config.conditions.len() * config.repeats;
    println!("master seed: {master_seed} (from {origin})");
    if !args.quiet {
        eprintln!(
            "{}: {} conditions × {} runs = {total} runs on {workers} workers",
            if config.name.is_empty() {
                "experiment"
            } else {
                &config.name
            },
            config.conditions.len(),
            config.repeats
        );
    }
    let spec = SweepSpec {
        config: config.clone(),
        master_seed,
        workers,
        low_priority: false,
    };
    let interactive = std::io::stderr().is_terminal() && !args.quiet;
    let mut done = 0usize;
    let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |event| {
        if let SweepEvent::RunFinished(_) = event {
            done += 1;
            if interactive {
                eprint!("\r{done}/{total} runs");
                let _ = std::io::stderr().flush();
            } else if !args.quiet && (done * 10 / total != (done - 1) * 10 / total) {
                eprintln!("{done}/{total} runs");
            }
        }
    });
    if interactive {
        eprintln!();
    }
    let results = ResultsFile::new(config, master_seed, origin, outcome.runs, outcome.cancelled);
    let metric = results.runs.first().map_or("metric", |r| r.metric.as_str());
    print!("{}", summary_table(metric, &results.summary));
    println!(
        "{} runs in {:.1} s ({} diverged, {} failed)",
        results.runs.len(),
        outcome.elapsed.as_secs_f64(),
        results.runs.iter().filter(|r| r.diverged).count(),
        results.runs.iter().filter(|r| r.error.is_some()).count()
    );
    write_atomically(&args.out, results.to_json().as_bytes()).map_err(|e| Failure {
        code: 1,
        message: format!("--out: cannot write {}: {e}", args.out.display()),
    })?;
    println!("results: {}", args.out.display());
    if let Some(csv) = &args.csv {
        write_atomically(csv, runs_csv(&results.runs).as_bytes()).map_err(|e| Failure {
            code: 1,
            message: format!("--csv: cannot write {}: {e}", csv.display()),
        })?;
        println!("runs csv: {}", csv.display());
    }
    Ok(())
}
