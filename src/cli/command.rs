//! `run --command`: a user's training command as the experiment (docs/your-command.md). The flags that
//! make one, its resolution before any run (working directory, input files' hashes), and the
//! diagnosis printed under the table.

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{Failure, bad_input};
use crate::engine::command::CommandConfig;
use crate::engine::config::ExperimentConfig;
use crate::records::ResultsFile;

#[derive(Args, Debug, Default, Clone)]
pub struct CommandArgs {
    /// Train your own command instead of a built-in model, e.g. "python3 train.py --epochs 5"
    /// (split into words, no shell: write `sh -c '…'` for one). Each run reads its seeds from
    /// SEEDSCOPE_SEED_DATA/_SPLIT/_INIT/_DROPOUT/_SHUFFLE and writes its result to
    /// SEEDSCOPE_RESULT (`seedscope helper python` writes a helper that does both).
    #[arg(long, value_name = "COMMAND LINE", conflicts_with_all = ["preset", "config"])]
    pub command: Option<String>,
    /// Where the command runs (default: the current folder; over an experiment file's
    /// command, replaces its workdir).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Seconds one run of the command may take before it is killed and counted as failed
    /// (default: 3600, or an experiment file's timeout_s, which this replaces).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// GPUs to hand out, one to each worker, through CUDA_VISIBLE_DEVICES (e.g. 0,1); with
    /// --workers 2 on two GPUs each run has one to itself.
    #[arg(long, value_name = "LIST")]
    pub gpus: Option<String>,
    /// Start a Python script's runs warm: its heavy modules (the third-party ones it imports
    /// at the top) are imported once per worker, and each run is forked from there, with the
    /// same bits as a cold run. A command that is not `python3 script.py …` runs cold, and
    /// says why.
    #[arg(long)]
    pub warm: bool,
    /// With --warm: the modules to import once, instead of the script's own imports
    /// (e.g. torch,numpy).
    #[arg(long, value_name = "MODULES", requires = "warm")]
    pub preload: Option<String>,
    #[command(flatten)]
    pub metric: super::metric_flags::MetricArgs,
}

impl CommandArgs {
    /// `--warm` (and `--preload`) as the sweep takes them: None for cold runs.
    pub fn warm(&self) -> Option<Vec<String>> {
        self.warm.then(|| {
            crate::engine::command::warm_pool::preload_list(self.preload.as_deref().unwrap_or(""))
        })
    }

    /// The `--gpus` list, checked: device ids (digits) or UUIDs, no empty entries.
    pub fn gpus(&self) -> Result<Vec<String>, Failure> {
        let Some(list) = &self.gpus else {
            return Ok(Vec::new());
        };
        let gpus: Vec<String> = list.split(',').map(|g| g.trim().to_string()).collect();
        if let Some(bad) = gpus
            .iter()
            .find(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(bad_input(format!(
                "--gpus: `{}` is not a device; give ids or UUIDs separated by commas, e.g. 0,1",
                crate::engine::files::escape(bad)
            )));
        }
        Ok(gpus)
    }

    /// The experiment `--command` describes, if given.
    pub fn experiment(&self) -> Result<Option<ExperimentConfig>, Failure> {
        let Some(line) = &self.command else {
            return Ok(None);
        };
        let mut command = CommandConfig::from_command_line(line)
            .map_err(|e| bad_input(format!("--command: {}", e.message)))?;
        command.workdir = self.workdir.clone();
        if let Some(seconds) = self.timeout {
            command.timeout_s = seconds;
        }
        self.metric.apply(&mut command)?;
        command.check().map_err(|e| {
            bad_input(match e.field {
                "timeout_s" => format!("--timeout: {}", e.message),
                "metric" => e.to_string(),
                _ => format!("--command: {}", e.message),
            })
        })?;
        Ok(Some(ExperimentConfig::for_command(command)))
    }
}

/// Makes a command's experiment ready to run: its working directory absolute and present, its
/// input files hashed (so an edited script is another experiment in the store). A relative
/// folder is read from the experiment file's folder, or the current one.
pub fn resolve(
    config: &mut ExperimentConfig,
    experiment_file: Option<&Path>,
) -> Result<(), Failure> {
    let Some(command) = &config.command else {
        return Ok(());
    };
    let base = match experiment_file.and_then(Path::parent) {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => std::env::current_dir()
            .map_err(|e| bad_input(format!("the current folder cannot be read: {e}")))?,
    };
    let resolved = command.resolve(&base).map_err(|e| {
        bad_input(match (e.field, experiment_file) {
            ("workdir", None) => format!("--workdir: {}", e.message),
            ("argv[0]", None) => format!("--command: {}", e.message),
            _ => e.to_string(),
        })
    })?;
    config.command = Some(resolved);
    Ok(())
}

/// Takes what the run store knows of files commands wrote (outputs, never inputs) before a
/// command is resolved: `python3 writer.py --out model.out` stays one experiment once
/// model.out exists. A store that cannot be read knows nothing.
pub fn recall_outputs(store: &super::common::StoreArgs) {
    let Ok(Some(path)) = store.path() else {
        return;
    };
    if !path.is_file() {
        return;
    }
    if let Ok(outputs) = crate::records::store::RunStore::open_to_read(&path)
        .and_then(|store| store.command_outputs())
    {
        for output in outputs {
            crate::engine::command::inputs::remember_output(output);
        }
    }
}

/// The input files of a command (protected from being overwritten by an output).
pub fn inputs(config: &ExperimentConfig) -> Vec<PathBuf> {
    let Some(command) = &config.command else {
        return Vec::new();
    };
    let folder = command.workdir.clone().unwrap_or_default();
    command
        .input_hashes
        .keys()
        .map(|input| folder.join(input))
        .collect()
}

/// The diagnosis of a command's runs, one line each, under the table; and every failed run's
/// reason (the first few), since a failed run is never counted.
pub fn report(results: &ResultsFile) -> String {
    let mut out = String::new();
    if !results.config.capabilities().diagnosable {
        return out;
    }
    let failed: Vec<_> = results.runs.iter().filter(|r| r.error.is_some()).collect();
    for run in failed.iter().take(3) {
        out.push_str(&format!(
            "failed run {}: {}\n",
            run.id(),
            run.error.as_deref().unwrap_or_default()
        ));
    }
    if failed.len() > 3 {
        out.push_str(&format!(
            "… and {} more failed runs (each one's reason is in the results file)\n",
            failed.len() - 3
        ));
    }
    if crate::analysis::diagnosis::all_clear(&results.config.conditions, &results.runs) {
        out.push_str(
            "diagnosis: every fixed source gave one outcome, and every freed seed moved the result\n",
        );
    }
    for finding in &results.diagnosis {
        out.push_str(&format!("diagnosis: {}\n", finding.text()));
    }
    if results.config.capabilities().one_seed
        && let Some(reading) =
            crate::analysis::one_seed::one_seed_reading(&results.summary, &results.metric())
    {
        out.push_str(&format!("reading: {reading}\n"));
    }
    out
}
