//! `seedscope bench`: a preset's sweep (by default the reference sweep,
//! assets/presets/reference.json), timed.
//!
//! Figures, not assertions: timing belongs here, never in a test.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use super::common::{Failure, bad_input, check_workers};
use crate::engine::presets;
use crate::engine::seeds::Condition;
use crate::engine::sweep::{SweepSpec, default_workers, run_sweep};
use crate::engine::train::{RunPlan, train_run};

const BENCH_SEED: u64 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub sweep_seconds: f64,
    pub runs: usize,
    /// Process CPU time over the sweep, per run.
    pub ms_per_run: f64,
    /// Wall time of one all-fixed run trained alone.
    pub ms_single_run: f64,
    pub runs_per_second: f64,
    pub peak_rss_mb: f64,
    pub workers: usize,
}

/// User + system CPU seconds of this process (Linux /proc; clock ticks are 100 Hz there).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Peak resident set size (VmHWM) in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn run_bench(preset: &str, workers: usize) -> Result<BenchReport, String> {
    crate::engine::runtime::configure();
    let config = presets::find(preset)?.config().map_err(|e| e.to_string())?;

    let plan = RunPlan::new(&config, BENCH_SEED, Condition::ALL_FIXED, 0);
    let started = Instant::now();
    train_run(&config, &plan, &mut |_| true).map_err(|e| format!("{e:?}"))?;
    let ms_single_run = started.elapsed().as_secs_f64() * 1000.0;

    let spec = SweepSpec {
        config,
        master_seed: BENCH_SEED,
        workers,
        low_priority: false,
        skip: Default::default(),
    };
    let cpu_before = process_cpu_seconds().unwrap_or(0.0);
    let started = Instant::now();
    let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
    let sweep_seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds().unwrap_or(0.0) - cpu_before;
    let runs = outcome.runs.len();
    Ok(BenchReport {
        sweep_seconds,
        runs,
        ms_per_run: cpu_seconds * 1000.0 / runs.max(1) as f64,
        ms_single_run,
        runs_per_second: runs as f64 / sweep_seconds,
        peak_rss_mb: peak_rss_mb().unwrap_or(0.0),
        workers,
    })
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

pub(super) fn bench(args: BenchArgs) -> Result<(), Failure> {
    let workers = args.workers.unwrap_or_else(default_workers);
    check_workers(workers)?;
    let report = run_bench(&args.preset, workers).map_err(bad_input)?;
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
