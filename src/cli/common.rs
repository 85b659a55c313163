//! What several commands share: the experiment flags, the master seed, the worker count,
//! output paths, and the failure type that carries an exit code.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::engine::config::ExperimentConfig;
use crate::engine::presets;

pub const SEED_ENV: &str = "SEEDSCOPE_SEED";

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
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub(crate) fn bad_input(message: impl Into<String>) -> Failure {
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
