//! The command line: `run`, `replay`, `presets` (and `gui`, dispatched by main.rs).
//!
//! Exit codes: 0 success; 1 a replay did not match or a run failed; 2 bad input (usage,
//! config, file); 3 the run asked for is marked not replayable.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::{Args, Parser, Subcommand};

use crate::config::ExperimentConfig;
use crate::presets;
use crate::replay::{ReplayVerdict, replay};
use crate::results::{ResultsFile, runs_csv, write_atomically};
use crate::seeds::parse_condition_list;
use crate::stats::ConditionSummary;
use crate::sweep::{SweepEvent, SweepSpec, default_workers, run_sweep};

pub const SEED_ENV: &str = "SEEDSCOPE_SEED";

/// Allowed `--workers`.
pub const WORKERS_RANGE: std::ops::RangeInclusive<usize> = 1..=256;

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
    /// List the built-in presets.
    Presets,
    /// Time the reference sweep (8 conditions × 30 runs of circles, 100 epochs).
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A results file written by `seedscope run` or the app.
    pub results: PathBuf,
    /// Condition A (e.g. all-fixed).
    #[arg(long)]
    pub a: String,
    /// Condition B (e.g. all-free).
    #[arg(long)]
    pub b: String,
    /// Take B from this other results file (e.g. the same sweep with dropout 0.2).
    #[arg(long)]
    pub b_file: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// The experiment to time (default: the reference sweep).
    #[arg(long, default_value = "reference")]
    pub preset: String,
}

#[derive(Args, Debug, Default, Clone)]
pub struct ExperimentArgs {
    /// A built-in preset (see `seedscope presets`).
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<String>,
    /// An experiment file (JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

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
    /// The view to snapshot: distributions, sources, curves, disagreement, compare, runs.
    #[arg(long, default_value = "distributions", value_parser = ["distributions", "sources", "curves", "disagreement", "compare", "runs"])]
    pub view: String,
}

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

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A results file written by `seedscope run` or the app.
    pub results: PathBuf,
    /// The run: its position in the file (0, 1, …) or condition/index (e.g. all-free/3).
    #[arg(long)]
    pub run: String,
}

/// A user-facing failure with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn bad_input(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

/// Loads the experiment named by `--preset`/`--config`, or the default preset.
pub fn load_experiment(args: &ExperimentArgs) -> Result<ExperimentConfig, String> {
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return ExperimentConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let name = args.preset.as_deref().unwrap_or(presets::DEFAULT_PRESET);
    presets::find(name)?.config().map_err(|e| e.to_string())
}

/// The master seed and where it came from: `--seed`, else SEEDSCOPE_SEED, else the OS.
pub fn resolve_seed(flag: Option<u64>) -> Result<(u64, &'static str), String> {
    if let Some(seed) = flag {
        return Ok((seed, "--seed"));
    }
    if let Ok(text) = std::env::var(SEED_ENV) {
        return text
            .trim()
            .parse::<u64>()
            .map(|s| (s, SEED_ENV))
            .map_err(|_| {
                format!(
                    "{SEED_ENV}: `{text}` is not a whole number from 0 to {}",
                    u64::MAX
                )
            });
    }
    Ok((os_seed(), "os"))
}

/// A fresh seed from the operating system's randomness (through std's hasher keys).
pub fn os_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
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
            crate::stats::format_value(s.mean),
            crate::stats::format_value(s.std),
            crate::stats::format_value(s.min),
            crate::stats::format_value(s.max),
            s.distinct_hashes,
            notes.join(", ")
        ));
    }
    out
}

fn check_workers(workers: usize) -> Result<(), Failure> {
    if WORKERS_RANGE.contains(&workers) {
        return Ok(());
    }
    Err(bad_input(format!(
        "--workers: {workers} is out of range; allowed: {} to {}",
        WORKERS_RANGE.start(),
        WORKERS_RANGE.end()
    )))
}

fn ensure_parent_exists(path: &Path, flag: &str) -> Result<(), Failure> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.is_dir() => Err(bad_input(
            format!("{flag}: folder {} does not exist", parent.display()),
        )),
        _ => Ok(()),
    }
}

fn run(args: RunArgs) -> Result<(), Failure> {
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

fn replay_command(args: ReplayArgs) -> Result<(), Failure> {
    let results = ResultsFile::load(&args.results).map_err(bad_input)?;
    results
        .config
        .validate()
        .map_err(|e| bad_input(format!("{}: config.{e}", args.results.display())))?;
    let record = results.find_run(&args.run).map_err(bad_input)?;
    println!("master seed: {} (recorded)", results.master_seed);
    let verdict =
        replay(&results.config, record).map_err(|message| Failure { code: 1, message })?;
    let text = verdict.describe(&record.id());
    match verdict {
        ReplayVerdict::Match { .. } => {
            println!("{text}");
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

/// The final metrics and weight hashes of one condition in a results file.
fn condition_runs<'a>(
    results: &'a ResultsFile,
    condition: &str,
    flag: &str,
    path: &Path,
) -> Result<Vec<&'a crate::results::RunRecord>, Failure> {
    let runs: Vec<_> = results
        .runs
        .iter()
        .filter(|r| r.condition == condition)
        .collect();
    if runs.is_empty() {
        let names: Vec<String> = results
            .summary
            .iter()
            .map(|s| s.condition.clone())
            .collect();
        return Err(bad_input(format!(
            "{flag}: no runs of condition `{condition}` in {}; it has: {}",
            path.display(),
            names.join(", ")
        )));
    }
    Ok(runs)
}

fn compare_command(args: CompareArgs) -> Result<(), Failure> {
    let results_a = ResultsFile::load(&args.results).map_err(bad_input)?;
    let b_path = args.b_file.clone().unwrap_or_else(|| args.results.clone());
    let results_b = match &args.b_file {
        Some(path) => ResultsFile::load(path).map_err(bad_input)?,
        None => results_a.clone(),
    };
    let runs_a = condition_runs(&results_a, &args.a, "--a", &args.results)?;
    let runs_b = condition_runs(&results_b, &args.b, "--b", &b_path)?;
    let metric = runs_a[0].metric.clone();
    if runs_b[0].metric != metric {
        return Err(bad_input(format!(
            "--b-file: its metric is {}, but A's is {metric}; compare like with like",
            runs_b[0].metric
        )));
    }
    let values = |runs: &[&crate::results::RunRecord]| -> Vec<f64> {
        runs.iter().filter_map(|r| r.final_test_metric).collect()
    };
    let hashes: std::collections::HashSet<&str> = runs_a
        .iter()
        .chain(&runs_b)
        .map(|r| r.weights_hash.as_str())
        .collect();
    let label = |name: &str, file: &Option<PathBuf>| match file {
        Some(path) => format!("{name} ({})", path.display()),
        None => name.to_string(),
    };
    let name_b = label(&args.b, &args.b_file);
    let comparison = crate::compare::compare(
        &args.a,
        &values(&runs_a),
        &name_b,
        &values(&runs_b),
        metric != "mse",
        hashes.len() == 1,
    )
    .map_err(|message| Failure { code: 1, message })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&comparison).expect("serialises")
        );
        return Ok(());
    }
    let c = &comparison;
    println!(
        "A = {}: n = {}, mean test {metric} {:.4}",
        c.a, c.n_a, c.mean_a
    );
    println!(
        "B = {}: n = {}, mean test {metric} {:.4}",
        c.b, c.n_b, c.mean_b
    );
    println!(
        "mean(A) − mean(B) = {:+.4}, 95% CI [{:+.4}, {:+.4}]",
        c.mean_diff, c.ci_low, c.ci_high
    );
    println!(
        "Welch's t = {:.3}, df = {:.1}, p = {:.3e}",
        c.welch_t, c.welch_df, c.welch_p
    );
    println!(
        "P(A > B) = {:.3}, 95% bootstrap CI [{:.3}, {:.3}] ({} resamples)",
        c.p_a_gt_b,
        c.p_ci_low,
        c.p_ci_high,
        crate::compare::BOOTSTRAP_RESAMPLES
    );
    println!("verdict: {}", c.verdict);
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Failure> {
    let workers = args.workers.unwrap_or_else(default_workers);
    check_workers(workers)?;
    let report = crate::bench::run_bench(&args.preset, workers).map_err(bad_input)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("a report serialises")
        );
    } else {
        println!(
            "{} sweep: {} runs on {} workers",
            args.preset, report.runs, report.workers
        );
        println!("sweep wall time      {:>9.2} s", report.sweep_seconds);
        println!("CPU time per run     {:>9.1} ms", report.ms_per_run);
        println!("one run alone        {:>9.1} ms", report.ms_single_run);
        println!("runs per second      {:>9.1}", report.runs_per_second);
        println!("peak RSS             {:>9.1} MB", report.peak_rss_mb);
    }
    Ok(())
}

fn list_presets() {
    for preset in presets::all() {
        let marker = if preset.name == presets::DEFAULT_PRESET {
            " (default)"
        } else {
            ""
        };
        println!("{:<18} {}{marker}", preset.name, preset.description());
    }
}

/// Runs a non-GUI command and turns its outcome into an exit code.
pub fn execute(command: Command) -> ExitCode {
    let outcome = match command {
        Command::Run(args) => run(args),
        Command::Replay(args) => replay_command(args),
        Command::Presets => {
            list_presets();
            Ok(())
        }
        Command::Bench(args) => bench(args),
        Command::Compare(args) => compare_command(args),
        Command::Gui(_) => Err(bad_input("the gui command is handled by main")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
