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
use crate::engine::config::placeholders::Template;
use crate::engine::record::RunRecord;
use crate::engine::train::RunPlan;

pub mod env;
pub mod inputs;
pub mod interrupt;
mod not_started;
pub mod process;
pub mod result;
mod result_dir;
pub mod sweep;
pub mod tree;
pub mod trust;

/// The command's arguments for one run: its seed placeholders (`{seed}`, `{seed.init}`, …)
/// filled from the run's seeds. An argument that does not parse is kept as written (the
/// experiment's check refused it before any run).
pub fn filled_argv(command: &CommandConfig, plan: &RunPlan) -> Vec<String> {
    command
        .argv
        .iter()
        .map(|argument| match Template::parse(argument) {
            Ok(template) => template.fill(&plan.seeds),
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
) -> Result<RunRecord, process::Cancelled> {
    let started = std::time::Instant::now();
    let result_dir = match result_dir::ResultDir::new() {
        Ok(dir) => dir,
        Err(error) => {
            return Ok(env::failed_record(
                plan,
                format!("could not make a folder for the run's result: {error}"),
            ));
        }
    };
    let result_file = result_dir.path().join(result::RESULT_FILE);
    let mut setting = env::RunEnvironment::new(command, master_seed, plan, &result_file);
    if let Some(device) = gpu {
        setting
            .set
            .push(("CUDA_VISIBLE_DEVICES".into(), device.to_string()));
    }
    let workdir = command
        .workdir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let argv = filled_argv(command, plan);
    let outcome = process::run(
        &argv,
        &workdir,
        &setting,
        std::time::Duration::from_secs_f64(command.timeout_s),
        cancel,
    );
    let finished = match outcome {
        Ok(finished) => finished,
        Err(process::RunError::Cancelled) => return Err(process::Cancelled),
        Err(error) => return Ok(env::failed_record(plan, error.to_string())),
    };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if !finished.status.success() {
        return Ok(env::failed_record(plan, finished.failure_text()));
    }
    let record = match result::read(result_dir.path()) {
        Ok(reported) => reported.into_record(plan, &setting, wall_ms),
        Err(error) => env::failed_record(
            plan,
            format!("{error}{}", finished.stderr_tail_for_message()),
        ),
    };
    Ok(record)
}
