//! A user's training command as the thing trained (docs/your-command.md): a second producer of run
//! records beside the built-in trainer, not inside it.
//!
//! Per run: the plan's seeds go into the command's environment ([`env`]), the command runs in
//! its own process group with its output kept bounded and a watchdog for its time limit
//! ([`process`]), and the JSON it writes at `SEEDSCOPE_RESULT` is checked field by field and
//! becomes the run's [`RunRecord`] ([`result`]). Everything downstream (the store, shards,
//! summaries, the diagnosis) takes the record and need not know who made it.

use std::path::PathBuf;

pub use crate::engine::config::command::{
    CommandConfig, CommandConfigError, DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S,
};
use crate::engine::config::placeholders::{Filling, Template};
use crate::engine::record::RunRecord;
use crate::engine::train::RunPlan;

pub mod capture;
mod capture_file;
mod captured_result;
pub mod env;
pub mod inputs;
pub mod interrupt;
mod not_started;
pub mod process;
mod process_warm;
pub mod result;
mod result_dir;
mod run_dir;
pub mod sweep;
pub mod tree;
pub mod trial;
pub mod trust;
mod warm_fds;
mod warm_parent;
pub mod warm_pool;

/// The command's arguments for one run: its placeholders (`{seed}`, `{seed.init}`, `{rundir}`)
/// filled from the run's seeds and folder. An argument that does not parse is kept as written
/// (the experiment's check refused it before any run).
pub fn filled_argv(command: &CommandConfig, plan: &RunPlan, run_dir: &str) -> Vec<String> {
    let filling = Filling {
        seeds: &plan.seeds,
        run_dir,
    };
    command
        .argv
        .iter()
        .map(|argument| match Template::parse(argument) {
            Ok(template) => template.fill(filling),
            Err(_) => argument.clone(),
        })
        .collect()
}

/// Runs one run of the command and makes its record: a finished run, or a failed one that
/// says why (exit status, the end of its stderr, the field of its result that was wrong).
///
/// `gpu`, when given, is the one device the run may see (`CUDA_VISIBLE_DEVICES`).
pub fn run_one(
    command: &CommandConfig,
    (master_seed, gpu): (u64, Option<&str>),
    plan: &RunPlan,
    cancel: &dyn Fn() -> bool,
    warm: Option<&warm_pool::WarmPool>,
) -> Result<RunRecord, process::Cancelled> {
    Ok(run_traced(command, (master_seed, gpu), plan, cancel, warm)?.record)
}

/// One run, with what `--try` shows besides its record: the arguments as executed and the
/// output's last lines.
pub struct TracedRun {
    pub record: RunRecord,
    pub argv: Vec<String>,
    pub stdout_tail: String,
    pub stderr_tail: String,
    /// The metric pattern, to mark the lines it matches.
    pub scanner: Option<std::sync::Arc<capture::LineScanner>>,
}

/// [`run_one`], keeping what the run printed.
/// With `warm`, a Python script's run is forked by a warm parent where one can serve it
/// (`warm_pool`), and runs cold otherwise.
pub fn run_traced(
    command: &CommandConfig,
    (master_seed, gpu): (u64, Option<&str>),
    plan: &RunPlan,
    cancel: &dyn Fn() -> bool,
    warm: Option<&warm_pool::WarmPool>,
) -> Result<TracedRun, process::Cancelled> {
    let started = std::time::Instant::now();
    let failed = |message: String| TracedRun {
        record: env::failed_record(plan, message),
        argv: Vec::new(),
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        scanner: None,
    };
    let result_dir = match result_dir::ResultDir::new() {
        Ok(dir) => dir,
        Err(error) => {
            return Ok(failed(format!(
                "could not make a folder for the run's result: {error}"
            )));
        }
    };
    let run_dir = match run_dir::RunDir::for_command(command) {
        Ok(dir) => dir,
        Err(error) => {
            return Ok(failed(format!(
                "could not make the run's own folder ({{rundir}}): {error}"
            )));
        }
    };
    let result_file = result_dir.path().join(result::RESULT_FILE);
    let mut setting =
        env::RunEnvironment::new(command, master_seed, plan, (&result_file, &run_dir.text()));
    if let Some(device) = gpu {
        setting
            .set
            .push(("CUDA_VISIBLE_DEVICES".into(), device.to_string()));
    }
    let workdir = command
        .workdir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let argv = filled_argv(command, plan, &run_dir.text());
    let scanner = command.metric.as_ref().and_then(capture::LineScanner::new);
    let from = command.metric.as_ref().map(|m| m.from).unwrap_or_default();
    let scan = process::Scan {
        stdout: scanner.clone().filter(|_| from.reads_stdout()),
        stderr: scanner.clone().filter(|_| from.reads_stderr()),
    };
    let limits = (std::time::Duration::from_secs_f64(command.timeout_s), scan);
    let lease = warm.and_then(|pool| pool.lease(&argv, &workdir, &setting.variables()));
    let outcome = match &lease {
        Some(lease) => {
            process_warm::run_warm(lease.parent(), &argv, &workdir, &setting, limits, cancel)
        }
        None => process::run(&argv, &workdir, &setting, limits, cancel),
    };
    drop(lease);
    let mut traced = TracedRun {
        argv,
        scanner: scanner.clone(),
        ..failed(String::new())
    };
    let finished = match outcome {
        Ok(finished) => finished,
        Err(process::RunError::Cancelled) => return Err(process::Cancelled),
        Err(error) => {
            traced.record = env::failed_record(plan, run_dir.kept_for(error.to_string()));
            return Ok(traced);
        }
    };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    traced.stdout_tail = finished.stdout_tail.clone();
    traced.stderr_tail = finished.stderr_tail.clone();
    if !finished.status.success() {
        traced.record = env::failed_record(plan, run_dir.kept_for(finished.failure_text()));
        return Ok(traced);
    }
    let reported = match &command.metric {
        Some(metric) => captured_result::reported(
            (metric, command.fixed_test_set),
            scanner.as_deref(),
            (&workdir, run_dir.path()),
            &finished,
        ),
        None => result::read(result_dir.path())
            .map(captured_result::Read::from)
            .map_err(|error| format!("{error}{}", finished.stderr_tail_for_message())),
    };
    traced.record = match reported {
        Ok(read) => read.into_record(plan, &setting, wall_ms),
        Err(message) => env::failed_record(plan, run_dir.kept_for(message)),
    };
    Ok(traced)
}
