//! `seedscope bench`: a preset's sweep (by default the reference sweep,
//! assets/presets/reference.json), timed.
//!
//! Figures, not assertions: timing belongs here, never in a test.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

mod command_overhead;
mod like_for_like;
mod warm_runs;

use super::common::{Failure, bad_input, check_workers};
use crate::engine::presets;
use crate::engine::seeds::Condition;
use crate::engine::sweep::{SweepSpec, default_workers, run_sweep};
use crate::engine::train::{RunPlan, scoring_cpu_seconds, train_run};
use crate::records::store::{RunStore, StoreError};
use like_for_like::like_for_like;
pub use like_for_like::{LIKE_FOR_LIKE_CONDITION, LikeForLike};

pub(super) const BENCH_SEED: u64 = 1;

/// Why a benchmark could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Preset(#[from] crate::engine::presets::UnknownPreset),
    #[error(transparent)]
    Config(#[from] crate::engine::config::ConfigError),
    #[error(transparent)]
    Train(#[from] crate::engine::train::TrainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The temporary folder or store file the store figures use.
    #[error("benchmark files: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for BenchError {
    fn from(error: rusqlite::Error) -> Self {
        BenchError::Store(StoreError::from(error))
    }
}
/// Sweeps without and with fresh scoring, alternated, to measure what it costs.
const FRESH_COST_PAIRS: usize = 3;

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
    /// CPU time the fresh-data score adds to the sweep, as a share of the sweep without it
    /// (0.05 = 5%; 0 for data sets without fresh data, up to timing noise).
    pub fresh_scoring_share: f64,
    /// The same share measured inside the scorer: the CPU time the fresh-data score took
    /// (its own thread CPU clock) over the sweep's CPU time without it. Exact where the
    /// with/without difference is at the mercy of a shared machine.
    pub fresh_scoring_cpu_share: f64,
    /// The sweep the peers in benches/peer train, for a like-for-like ratio.
    pub like_for_like: LikeForLike,
}

/// User + system CPU seconds of this process (Linux /proc; clock ticks are 100 Hz there).
pub(super) fn process_cpu_seconds() -> Option<f64> {
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

pub fn run_bench(preset: &str, workers: usize) -> Result<BenchReport, BenchError> {
    crate::engine::runtime::configure();
    let config = presets::find(preset)?.config()?;

    let plan = RunPlan::new(&config, BENCH_SEED, Condition::ALL_FIXED, 0);
    let started = Instant::now();
    train_run(&config, &plan, &mut |_| true)?;
    let ms_single_run = started.elapsed().as_secs_f64() * 1000.0;

    let mut spec = SweepSpec::new(config, BENCH_SEED, workers);
    // Fresh-data scoring (docs/test-set-noise.md) must cost little: the same sweep without it, side by side,
    // alternated three times; the least CPU time of each side, since a shared machine only
    // ever adds time. The sweep reported below is the last one, with fresh scoring.
    let mut scoring_last = 0.0;
    let mut cpu_of = |score_fresh: bool| {
        spec.score_fresh = score_fresh;
        let scoring_before = scoring_cpu_seconds();
        let cpu_before = process_cpu_seconds().unwrap_or(0.0);
        let started = Instant::now();
        let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
        let seconds = started.elapsed().as_secs_f64();
        scoring_last = scoring_cpu_seconds() - scoring_before;
        (
            process_cpu_seconds().unwrap_or(0.0) - cpu_before,
            seconds,
            outcome,
        )
    };
    let (mut least_without, mut least_with) = (f64::INFINITY, f64::INFINITY);
    let mut last = None;
    for _ in 0..FRESH_COST_PAIRS {
        least_without = least_without.min(cpu_of(false).0);
        let (cpu, seconds, outcome) = cpu_of(true);
        least_with = least_with.min(cpu);
        last = Some((cpu, seconds, outcome));
    }
    let (cpu_seconds, sweep_seconds, outcome) = last.expect("at least one pair");
    let fresh_scoring_share = least_with / least_without - 1.0;
    let fresh_scoring_cpu_share = scoring_last / (cpu_seconds - scoring_last).max(f64::EPSILON);
    let runs = outcome.runs.len();
    let like_for_like = like_for_like(preset)?;
    Ok(BenchReport {
        sweep_seconds,
        runs,
        ms_per_run: cpu_seconds * 1000.0 / runs.max(1) as f64,
        ms_single_run,
        runs_per_second: runs as f64 / sweep_seconds,
        peak_rss_mb: peak_rss_mb().unwrap_or(0.0),
        workers,
        fresh_scoring_share,
        fresh_scoring_cpu_share,
        like_for_like,
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
    /// Also time the run store: a sweep's lookup and History among 100,000 stored runs, bytes
    /// per run, and the sweep with every run written to a store (about a minute more).
    #[arg(long)]
    pub with_store: bool,
    /// Time only what seedscope adds to each run of a user's command: a no-op command (it
    /// writes a fixed result) alone and through seedscope, on one worker and on every core;
    /// then the runs of each --example, cold against warm (`run --warm`).
    #[arg(long)]
    pub command_overhead: bool,
    /// The bundled Python examples whose runs --command-overhead times warm against cold
    /// (`run --warm`).
    #[arg(
        long = "example",
        value_name = "NAME",
        value_delimiter = ',',
        default_values = ["pytorch-digits", "sklearn-digits"],
        value_parser = ["pytorch-digits", "sklearn-digits", "python-stdlib"],
    )]
    pub examples: Vec<String>,
}

pub(super) fn bench(args: BenchArgs) -> Result<(), Failure> {
    let workers = args.workers.unwrap_or_else(default_workers);
    check_workers(workers)?;
    if args.command_overhead {
        return command_overhead::run(workers, &args.examples, args.json);
    }
    let report = run_bench(&args.preset, workers).map_err(bad_input)?;
    let store = if args.with_store {
        Some(
            run_store_bench(&args.preset, workers, 100_000).map_err(|error| Failure {
                code: 1,
                message: error.to_string(),
            })?,
        )
    } else {
        None
    };
    if args.json {
        let mut value = serde_json::to_value(&report).expect("a report serialises");
        if let Some(store) = &store {
            value["store"] = serde_json::to_value(store).expect("a report serialises");
        }
        println!("{value}");
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
        println!(
            "fresh-data scoring   {:>9.1}% of the sweep's CPU time (timed inside the scorer; \
             {:+.1}% by sweeps with and without it)",
            report.fresh_scoring_cpu_share * 100.0,
            report.fresh_scoring_share * 100.0
        );
        let like = &report.like_for_like;
        println!(
            "like for like        {:>9.1} ms CPU per run ({} runs of {}, {} worker; the \
             peers in benches/peer time the same)",
            like.ms_per_run, like.runs, like.condition, like.workers
        );
        if let Some(store) = &store {
            println!("run store with {} runs:", store.stored_runs);
            println!("  look up a sweep    {:>9.1} ms", store.lookup_ms);
            println!("  read History       {:>9.1} ms", store.history_ms);
            println!("  bytes per run      {:>9.0}", store.bytes_per_run);
            println!(
                "  open (checks it)   {:>9.1} ms, of which quick_check {:.1} ms",
                store.open_ms, store.quick_check_ms
            );
            println!(
                "  sweep without / with writing runs  {:.2} s / {:.2} s ({:+.1}%)",
                store.sweep_seconds_without_store,
                store.sweep_seconds_with_store,
                (store.sweep_seconds_with_store / store.sweep_seconds_without_store - 1.0) * 100.0
            );
        }
    }
    Ok(())
}

/// The run store's figures (`bench --with-store`).
#[derive(Clone, Debug, Serialize)]
pub struct StoreReport {
    /// Runs in the store the lookups and History were timed against.
    pub stored_runs: usize,
    /// Looking up one 240-run sweep among them (median of 5).
    pub lookup_ms: f64,
    /// Reading History (every experiment) from them (median of 5).
    pub history_ms: f64,
    /// File size (after a WAL checkpoint) over the runs, for the default preset's runs.
    pub bytes_per_run: f64,
    /// Opening the store (median of 5), and SQLite's quick_check alone, which opening runs
    /// so that a damaged file is set aside instead of trusted.
    pub open_ms: f64,
    pub quick_check_ms: f64,
    /// The preset's sweep, every run trained, without a store and writing every run to one,
    /// timed one after the other.
    pub sweep_seconds_without_store: f64,
    pub sweep_seconds_with_store: f64,
}

fn median_ms(mut timed: impl FnMut() -> Result<(), StoreError>) -> Result<f64, StoreError> {
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        timed()?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[2])
}

/// Fills a temporary store with `stored_runs` runs of the default preset (copies of one
/// sweep under many master seeds), times a sweep's lookup and History in it, and times
/// `preset`'s sweep with and without writing to a store.
pub fn run_store_bench(
    preset: &str,
    workers: usize,
    stored_runs: usize,
) -> Result<StoreReport, BenchError> {
    crate::engine::runtime::configure();
    let dir = std::env::temp_dir().join(format!("seedscope-bench-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = store_figures(&dir, preset, workers, stored_runs);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn store_figures(
    dir: &std::path::Path,
    preset: &str,
    workers: usize,
    stored_runs: usize,
) -> Result<StoreReport, BenchError> {
    let default = presets::default_config();
    let sweep = run_sweep(
        &SweepSpec::new(default.clone(), BENCH_SEED, workers),
        &AtomicBool::new(false),
        &mut |_| {},
    );
    let path = dir.join("runs.sqlite");
    let mut store = RunStore::open(&path)?;
    let per_experiment = sweep.runs.len();
    let experiments = stored_runs.div_ceil(per_experiment);
    let mut probe = None;
    for seed in 0..experiments as u64 {
        let id = store.register(&default, seed)?;
        store.insert(id, &sweep.runs, false)?;
        if seed == experiments as u64 / 2 {
            probe = Some(seed);
        }
    }
    let stored_runs = experiments * per_experiment;
    let probe = probe.unwrap_or(0);
    let lookup_ms = median_ms(|| {
        store
            .lookup_sweep(&default, probe)
            .map(|runs| assert_eq!(runs.len(), per_experiment))
    })?;
    let history_ms = median_ms(|| store.history().map(|h| assert_eq!(h.len(), experiments)))?;
    drop(store);
    {
        let connection = rusqlite::Connection::open(&path)?;
        connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    let bytes = std::fs::metadata(&path)?.len();
    // Opening checks the file (PRAGMA quick_check): its cost on this store, and the whole open.
    let open_ms = median_ms(|| RunStore::open(&path).map(drop))?;
    let connection = rusqlite::Connection::open(&path)?;
    let quick_check_ms = median_ms(|| {
        let verdict: String = connection
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(|e| StoreError::from(e).at(&path))?;
        assert_eq!(verdict, "ok");
        Ok(())
    })?;
    drop(connection);

    let (sweep_seconds_without_store, sweep_seconds_with_store) = write_cost(dir, preset, workers)?;
    Ok(StoreReport {
        stored_runs,
        lookup_ms,
        history_ms,
        bytes_per_run: bytes as f64 / stored_runs as f64,
        open_ms,
        quick_check_ms,
        sweep_seconds_without_store,
        sweep_seconds_with_store,
    })
}

/// The write cost: `preset`'s sweep, every run trained, without a store and then writing
/// every run to a fresh one, timed back to back (seconds each).
fn write_cost(
    dir: &std::path::Path,
    preset: &str,
    workers: usize,
) -> Result<(f64, f64), BenchError> {
    let config = presets::find(preset)?.config()?;
    let started = Instant::now();
    run_sweep(
        &SweepSpec::new(config.clone(), BENCH_SEED, workers),
        &AtomicBool::new(false),
        &mut |_| {},
    );
    let sweep_seconds_without_store = started.elapsed().as_secs_f64();
    let mut writer = RunStore::open(&dir.join("writes.sqlite"))?;
    let started = Instant::now();
    let id = writer.register(&config, BENCH_SEED)?;
    let mut failure = None;
    run_sweep(
        &SweepSpec::new(config, BENCH_SEED, workers),
        &AtomicBool::new(false),
        &mut |event| {
            if let crate::engine::sweep::SweepEvent::RunFinished(record) = event
                && let Err(e) = writer.insert(id, std::slice::from_ref(record), false)
            {
                failure = Some(e);
            }
        },
    );
    let sweep_seconds_with_store = started.elapsed().as_secs_f64();
    if let Some(error) = failure {
        return Err(error.into());
    }
    Ok((sweep_seconds_without_store, sweep_seconds_with_store))
}
