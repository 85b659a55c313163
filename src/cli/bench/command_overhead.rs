//! What seedscope adds to a run of a user's command: the same no-op command (it only writes a
//! fixed result) timed alone, one process after another, and as a sweep through seedscope
//! (environment, process group, output readers, watchdog, result check, record), on one worker
//! and on every core. Then, for Python scripts, warm runs against cold ones (`warm_runs`).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use super::warm_runs::{self, EXAMPLES, warm_against_cold};
use crate::cli::common::Failure;
use crate::engine::command::CommandConfig;
use crate::engine::config::ExperimentConfig;
use crate::engine::seeds::Condition;
use crate::engine::sweep::{SweepSpec, run_sweep};

/// The no-op: a shell that writes a fixed result where it is told to.
const NO_OP: &str = r#"sh -c 'printf "{\"metric\":\"accuracy\",\"value\":0.5,\"higher_is_better\":true}" > "$SEEDSCOPE_RESULT"'"#;

/// A run that takes a known time without using a core (50 ms asleep): how busy the workers
/// are kept is read from it, free of the cores' contention that a no-op's process starts
/// cause.
const SLEEPER: &str = r#"sh -c 'sleep 0.05; printf "{\"metric\":\"accuracy\",\"value\":0.5,\"higher_is_better\":true}" > "$SEEDSCOPE_RESULT"'"#;

/// Runs of the sleeper per worker.
pub const SLEEPER_RUNS_PER_WORKER: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct CommandOverhead {
    pub runs: usize,
    /// Wall time per run of the no-op started directly, one after another.
    pub ms_alone: f64,
    /// Wall time per run of the same runs through seedscope on one worker.
    pub ms_through_seedscope: f64,
    /// The difference: what seedscope adds to each run.
    pub overhead_ms: f64,
    /// Runs per second of the no-op through seedscope on `workers` workers.
    pub workers: usize,
    pub runs_per_second: f64,
    /// The share of `workers` × the sweep's wall time that 50 ms runs spent running: 1 when
    /// no worker ever waits between runs.
    pub workers_busy_share: f64,
}

pub fn command_overhead(runs: usize, workers: usize) -> Result<CommandOverhead, String> {
    let here = std::env::current_dir().map_err(|e| e.to_string())?;
    let command = CommandConfig::from_command_line(NO_OP)
        .and_then(|c| c.resolve(&here))
        .map_err(|e| e.to_string())?;
    let repeats = runs;
    let mut config = ExperimentConfig::for_command(command.clone());
    config.conditions = vec![Condition::ALL_FREE];
    config.repeats = repeats;

    // Alone: the same program, arguments and result path, no seedscope in between.
    let dir = std::env::temp_dir().join(format!("seedscope-bench-noop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = dir.join("result.json");
    let started = Instant::now();
    for _ in 0..repeats {
        let status = std::process::Command::new(&command.argv[0])
            .args(&command.argv[1..])
            .env("SEEDSCOPE_RESULT", &result)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("the no-op command failed: {status}"));
        }
    }
    let ms_alone = started.elapsed().as_secs_f64() * 1000.0 / repeats as f64;
    let _ = std::fs::remove_dir_all(&dir);

    let sweep = |config: &ExperimentConfig, workers: usize| -> Result<f64, String> {
        let spec = SweepSpec::new(config.clone(), 1, workers);
        let started = Instant::now();
        let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
        if let Some(failed) = outcome.runs.iter().find_map(|r| r.error.clone()) {
            return Err(format!("a no-op run failed: {failed}"));
        }
        Ok(started.elapsed().as_secs_f64())
    };
    let one = sweep(&config, 1)?;
    let many = sweep(&config, workers)?;
    let ms_through_seedscope = one * 1000.0 / repeats as f64;
    let runs_per_second = repeats as f64 / many;
    let mut sleeper = config.clone();
    sleeper.command = Some(
        CommandConfig::from_command_line(SLEEPER)
            .and_then(|c| c.resolve(&here))
            .map_err(|e| e.to_string())?,
    );
    sleeper.repeats = SLEEPER_RUNS_PER_WORKER * workers;
    let slept = sweep(&sleeper, workers)?;
    let busy = sleeper.repeats as f64 * 0.05 / (workers as f64 * slept);
    Ok(CommandOverhead {
        runs: repeats,
        ms_alone,
        ms_through_seedscope,
        overhead_ms: ms_through_seedscope - ms_alone,
        workers,
        runs_per_second,
        workers_busy_share: busy,
    })
}

/// Runs a sweep of each bundled Python example times, cold and warm.
const EXAMPLE_RUNS: usize = 6;

/// `bench --command-overhead`: the figures, as text or one JSON object: the no-op's, then
/// warm against cold for each of `examples` (bundled examples' names).
pub fn run(workers: usize, examples: &[String], json: bool) -> Result<(), Failure> {
    let failed = |message| Failure { code: 1, message };
    let report = command_overhead(400, workers).map_err(failed)?;
    let chosen = EXAMPLES
        .iter()
        .filter(|example| examples.iter().any(|name| name == example.name));
    if json {
        let mut value = serde_json::to_value(&report).expect("a report serialises");
        let mut warm = Vec::new();
        for example in chosen {
            warm.push(warm_against_cold(example, EXAMPLE_RUNS).map_err(failed)?);
        }
        value["warm_against_cold"] = serde_json::to_value(warm).expect("a report serialises");
        println!("{value}");
        return Ok(());
    }
    print_overhead(&report);
    for example in chosen {
        warm_runs::print(&warm_against_cold(example, EXAMPLE_RUNS).map_err(failed)?);
    }
    Ok(())
}

fn print_overhead(report: &CommandOverhead) {
    println!("a no-op command, {} runs", report.runs);
    println!(
        "alone, one after another     {:>7.2} ms a run",
        report.ms_alone
    );
    println!(
        "through seedscope, 1 worker  {:>7.2} ms a run",
        report.ms_through_seedscope
    );
    println!(
        "seedscope's overhead         {:>7.2} ms a run",
        report.overhead_ms
    );
    println!(
        "{} workers                    {:>7.1} runs/s",
        report.workers, report.runs_per_second
    );
    println!(
        "workers busy                 {:>7.1}% of the time (50 ms runs asleep, {} a worker)",
        report.workers_busy_share * 100.0,
        SLEEPER_RUNS_PER_WORKER
    );
}
