//! What several commands share: the experiment flags, the master seed, the worker count,
//! output paths, and the failure type that carries an exit code.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::analysis::noise_reading::comparison_noise;
use crate::analysis::test_noise::DifferenceNoise;
use crate::engine::config::ExperimentConfig;
use crate::engine::presets;
use crate::engine::record::RunRecord;
use crate::engine::seeds::{Condition, Source};
use crate::records::store::{self, RunStore, STORE_ENV};
use crate::records::{ResultsFile, runs_csv, write_atomically};

pub use crate::engine::seeds::{SEED_ENV, os_seed, resolve_seed};

/// Allowed `--workers`.
pub const WORKERS_RANGE: std::ops::RangeInclusive<usize> = 1..=256;

#[derive(Args, Debug, Default, Clone)]
pub struct ExperimentArgs {
    /// A built-in preset (see `seedscope presets`).
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<String>,
    /// An experiment file (JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// A user-facing failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub(crate) fn bad_input(message: impl std::fmt::Display) -> Failure {
    Failure {
        code: 2,
        message: message.to_string(),
    }
}

/// Loads the experiment named by `--preset`/`--config`, or the default preset.
pub fn load_experiment(args: &ExperimentArgs) -> Result<ExperimentConfig, String> {
    if let Some(path) = &args.config {
        let text =
            crate::engine::files::read_text(path, crate::engine::files::MAX_EXPERIMENT_BYTES)
                .map_err(|e| e.to_string())?;
        return ExperimentConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let name = args.preset.as_deref().unwrap_or(presets::DEFAULT_PRESET);
    presets::find(name)
        .map_err(|e| e.to_string())?
        .config()
        .map_err(|e| e.to_string())
}

pub(crate) fn check_workers(workers: usize) -> Result<(), Failure> {
    if WORKERS_RANGE.contains(&workers) {
        return Ok(());
    }
    Err(bad_input(format!(
        "--workers: {workers} is out of range; allowed: {} to {}",
        WORKERS_RANGE.start(),
        WORKERS_RANGE.end()
    )))
}

pub(crate) fn ensure_parent_exists(path: &Path, flag: &str) -> Result<(), Failure> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.is_dir() => Err(bad_input(
            format!("{flag}: folder {} does not exist", parent.display()),
        )),
        _ => Ok(()),
    }
}

/// Where the run store is, or that there is none (`run`, `gui`, `history`, `export`).
#[derive(Args, Debug, Default, Clone)]
pub struct StoreArgs {
    /// The run store (SQLite) to reuse and keep runs in [default: ~/.local/share/seedscope/runs.sqlite].
    #[arg(long, env = STORE_ENV, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Keep no runs and reuse none: train every run (also SEEDSCOPE_NO_STORE=1).
    #[arg(long, env = "SEEDSCOPE_NO_STORE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_store: bool,
}

impl StoreArgs {
    /// The store's path, unless `--no-store`.
    pub fn path(&self) -> Option<PathBuf> {
        if self.no_store {
            return None;
        }
        Some(self.store.clone().unwrap_or_else(store::default_path))
    }

    /// Opens the store for a command that needs one to work (`history`, `export`): any
    /// problem is bad input, exit 2.
    pub fn open_required(&self) -> Result<RunStore, Failure> {
        let path = self
            .path()
            .ok_or_else(|| bad_input("--no-store: this command reads the run store"))?;
        RunStore::open(&path).map_err(|e| bad_input(e.to_string()))
    }

    /// Opens the store for `run`: a damaged or newer store is an error (exit 2; the file is
    /// left where it is), a store that cannot be written is a warning and the runs stay in
    /// memory.
    pub fn open_for_run(&self) -> Result<Option<RunStore>, Failure> {
        let Some(path) = self.path() else {
            return Ok(None);
        };
        match RunStore::open(&path) {
            Ok(store) => Ok(Some(store)),
            Err(error) if error.is_unusable() => Err(bad_input(format!(
                "{error}; move the file aside, pass --store OTHER, or --no-store"
            ))),
            Err(error) => {
                eprintln!("warning: runs are not being kept: {error}");
                Ok(None)
            }
        }
    }
}

/// Writes the results file to `out` and, if asked, the runs to `csv`: each all or nothing.
/// Prints where each went, after `describe` (what was written) for the results file.
pub(crate) fn write_results(
    results: &ResultsFile,
    out: &Path,
    csv: Option<&Path>,
    describe: &str,
) -> Result<(), Failure> {
    results.write_json(out).map_err(|e| Failure {
        code: 1,
        message: format!("--out: cannot write {}: {e}", out.display()),
    })?;
    println!("{describe}{}", out.display());
    if let Some(csv) = csv {
        write_atomically(csv, runs_csv(&results.runs).as_bytes()).map_err(|e| Failure {
            code: 1,
            message: format!("--csv: cannot write {}: {e}", csv.display()),
        })?;
        println!("runs csv: {}", csv.display());
    }
    Ok(())
}

/// The final metrics and weight hashes of one condition in a results file.
pub(crate) fn condition_runs<'a>(
    results: &'a ResultsFile,
    condition: &str,
    flag: &str,
    path: &Path,
) -> Result<Vec<&'a RunRecord>, Failure> {
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

/// The test-set noise of comparing one condition's runs with another's (`compare`, `luck`),
/// where both were scored on the same test points: one data set (one file, or two with the
/// same data settings and master seed), data source fixed on both sides.
pub(crate) fn shared_test_set_noise(
    (results_a, name_a, runs_a): (&ResultsFile, &str, &[&RunRecord]),
    (results_b, name_b, runs_b): (&ResultsFile, &str, &[&RunRecord]),
    metric: &str,
) -> Option<DifferenceNoise> {
    let data_fixed = |name: &str| {
        name.parse::<Condition>()
            .is_ok_and(|c| !c.is_free(Source::Data))
    };
    let same_data = results_a.master_seed == results_b.master_seed
        && results_a.config.data == results_b.config.data
        && data_fixed(name_a)
        && data_fixed(name_b);
    comparison_noise(runs_a, runs_b, same_data, metric != "mse")
}
