//! What several commands share: the experiment flags, the master seed, the worker count,
//! output paths, and the failure type that carries an exit code.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::analysis::noise_reading::comparison_noise;
use crate::analysis::test_noise::DifferenceNoise;
use crate::engine::config::ExperimentConfig;
use crate::engine::files::escape;
use crate::engine::metric::Metric;
use crate::engine::presets;
use crate::engine::record::RunRecord;
use crate::engine::seeds::{Condition, Source};
use crate::records::output::{self, OutputTarget};
use crate::records::store::{self, RunStore, STORE_ENV};
use crate::records::{ResultsFile, ResultsFormat, runs_csv};

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
        let mut config = ExperimentConfig::from_json(&text)
            .map_err(|e| format!("{}: {e}", escape(&path.display().to_string())))?;
        if let Some(written) = config.resolve_data_path(path)
            && let Some(resolved) = &config.data.path
            && std::fs::symlink_metadata(resolved).is_err()
        {
            return Err(format!(
                "{}: data.path: `{}` not found; looked for {} (a relative data.path is read \
                 from the experiment file's folder)",
                escape(&path.display().to_string()),
                escape(&written.display().to_string()),
                escape(&resolved.display().to_string())
            ));
        }
        return Ok(config);
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

/// `--format`: what a results file is written as.
#[derive(Args, Debug, Default, Clone)]
pub struct FormatArgs {
    /// Write the results file as json, or as parquet (one row per run: seeds, metrics and
    /// hashes as columns, for pandas, polars and DuckDB; every seedscope command reads it).
    /// Default: parquet when --out ends in .parquet, else json.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ResultsFormat>,
}

impl FormatArgs {
    /// The format asked for, or the one `out`'s extension names.
    pub fn for_path(&self, out: &Path) -> ResultsFormat {
        self.format.unwrap_or_else(|| ResultsFormat::of_path(out))
    }
}

/// A command's checked outputs: `--out` (and its format) and, if asked, `--csv`, each
/// resolved to where its bytes go and proven writable before any work starts.
pub(crate) struct Outputs {
    pub(crate) out: (PathBuf, OutputTarget),
    format: ResultsFormat,
    csv: Option<(PathBuf, OutputTarget)>,
}

/// Checks `--out` and `--csv` before the command does any work: each must be writable, and
/// neither may be the same file as the other or as anything in `kept` (what the command
/// reads or keeps: the run store, the experiment file, the data file, the parts).
pub(crate) fn check_outputs(
    out: &Path,
    format: &FormatArgs,
    csv: Option<&Path>,
    kept: &[(String, PathBuf)],
) -> Result<Outputs, Failure> {
    let check = |flag: &str, path: &Path, others: &[(String, PathBuf)]| {
        let target = output::check_output(path)
            .and_then(|target| output::check_distinct(path, others).map(|()| target))
            .map_err(|e| bad_input(format!("{flag}: {e}")))?;
        Ok::<_, Failure>((path.to_path_buf(), target))
    };
    let out_checked = check("--out", out, kept)?;
    let csv_checked = match csv {
        Some(path) => {
            let mut others = kept.to_vec();
            others.push((
                format!("the --out file ({})", out.display()),
                out.to_path_buf(),
            ));
            Some(check("--csv", path, &others)?)
        }
        None => None,
    };
    Ok(Outputs {
        out: out_checked,
        format: format.for_path(out),
        csv: csv_checked,
    })
}

/// What a command keeps or reads, as `check_outputs` names it: the run store (with SQLite's
/// side files) and the files named.
pub(crate) fn kept_files(store: Option<&Path>, inputs: &[(&str, &Path)]) -> Vec<(String, PathBuf)> {
    let mut kept: Vec<(String, PathBuf)> = inputs
        .iter()
        .map(|(what, path)| (format!("{what} ({})", path.display()), path.to_path_buf()))
        .collect();
    if let Some(store) = store {
        for side in ["", "-wal", "-shm", "-journal"] {
            let mut name = store.as_os_str().to_owned();
            name.push(side);
            kept.push((
                format!("the run store ({}{side})", store.display()),
                PathBuf::from(name),
            ));
        }
    }
    kept
}

/// Where the run store is, or that there is none (`run`, `gui`, `history`, `export`).
#[derive(Args, Debug, Default, Clone)]
pub struct StoreArgs {
    /// The run store (SQLite) to reuse and keep runs in (also SEEDSCOPE_STORE) [default:
    /// ~/.local/share/seedscope/runs.sqlite].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Keep no runs and reuse none: train every run (also SEEDSCOPE_NO_STORE=1).
    #[arg(long)]
    pub no_store: bool,
}

/// The environment variable that turns the store off, like `--no-store`.
pub const NO_STORE_ENV: &str = "SEEDSCOPE_NO_STORE";

impl StoreArgs {
    /// The store's path, or None with `--no-store` / SEEDSCOPE_NO_STORE. The flags win over
    /// the environment; an empty variable counts as unset (a shell's `VAR= cmd`), and an
    /// error names the variable, not a flag the user never typed.
    pub fn path(&self) -> Result<Option<PathBuf>, Failure> {
        if self.no_store || (self.store.is_none() && no_store_from_env()?) {
            return Ok(None);
        }
        if let Some(path) = &self.store {
            if path.as_os_str().is_empty() {
                return Err(bad_input("--store: empty; name the store's file"));
            }
            return Ok(Some(path.clone()));
        }
        Ok(Some(
            std::env::var_os(STORE_ENV)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(store::default_path),
        ))
    }

    /// Opens the store for a command that needs one to work (`history`, `export`): any
    /// problem is bad input, exit 2.
    pub fn open_required(&self) -> Result<RunStore, Failure> {
        let path = self.path()?.ok_or_else(|| {
            bad_input(format!(
                "--no-store (or {NO_STORE_ENV}): this command reads the run store"
            ))
        })?;
        RunStore::open_to_read(&path).map_err(|e| bad_input(e.to_string()))
    }

    /// Opens the store for `run`: a damaged or newer store, or a path that is not a file, is
    /// an error (exit 2; the file is left where it is); a store that cannot be written is a
    /// warning (`Some(Err(why))`) and the runs stay in memory; `None` with `--no-store`.
    pub fn open_for_run(&self) -> Result<Option<Result<RunStore, String>>, Failure> {
        let Some(path) = self.path()? else {
            return Ok(None);
        };
        match RunStore::open(&path) {
            Ok(store) => Ok(Some(Ok(store))),
            Err(error) if error.is_not_a_file() => Err(bad_input(error)),
            Err(error) if error.is_unusable() => Err(bad_input(format!(
                "{error}; move the file aside, pass --store OTHER, or --no-store"
            ))),
            Err(error) => {
                eprintln!("warning: runs are not being kept: {error}");
                Ok(Some(Err(error.to_string())))
            }
        }
    }
}

/// SEEDSCOPE_NO_STORE read as a yes/no; empty is unset.
fn no_store_from_env() -> Result<bool, Failure> {
    let Some(value) = std::env::var_os(NO_STORE_ENV) else {
        return Ok(false);
    };
    let text = value.to_string_lossy().trim().to_ascii_lowercase();
    match text.as_str() {
        "" | "0" | "false" | "no" | "off" | "n" | "f" => Ok(false),
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        _ => Err(bad_input(format!(
            "{NO_STORE_ENV}: `{}` is not a yes or no; allowed: 1, true, yes, on (keep no runs) or 0, false, no, off, empty",
            crate::engine::files::quote(&value.to_string_lossy())
        ))),
    }
}

/// Writes the results file to `out` and, if asked, the runs to `csv`: each all or nothing.
/// Prints where each went, after `describe` (what was written) for the results file.
pub(crate) fn write_results(
    results: &ResultsFile,
    outputs: &Outputs,
    describe: &str,
) -> Result<(), Failure> {
    let (out, target) = &outputs.out;
    results
        .write_to(target, outputs.format)
        .map_err(|e| Failure {
            code: 1,
            message: format!("--out: cannot write {}: {e}", out.display()),
        })?;
    println!("{describe}{}", out.display());
    if let Some((csv, target)) = &outputs.csv {
        let text = runs_csv(&results.runs);
        output::write_output(target, |file| file.write_all(text.as_bytes())).map_err(|e| {
            Failure {
                code: 1,
                message: format!("--csv: cannot write {}: {e}", csv.display()),
            }
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
    let wanted = condition.parse::<Condition>().ok();
    let runs: Vec<_> = results
        .runs
        .iter()
        .filter(|r| Some(r.condition) == wanted)
        .collect();
    if runs.is_empty() {
        let names: Vec<String> = results
            .summary
            .iter()
            .map(|s| s.condition.to_string())
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
    (results_a, runs_a): (&ResultsFile, &[&RunRecord]),
    (results_b, runs_b): (&ResultsFile, &[&RunRecord]),
    metric: &Metric,
) -> Option<DifferenceNoise> {
    let data_fixed = |runs: &[&RunRecord]| {
        runs.first()
            .is_some_and(|r| !r.condition.is_free(Source::Data))
    };
    let same_data = results_a.master_seed == results_b.master_seed
        && results_a.config.data == results_b.config.data
        && data_fixed(runs_a)
        && data_fixed(runs_b);
    comparison_noise(runs_a, runs_b, same_data, metric.higher_is_better())
}
