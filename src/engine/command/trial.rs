//! One run tried before a sweep (`seedscope run … --try`, the app's Try once): the command
//! line as executed with its seeds filled in, its output, and the result it would record. A
//! pattern that matches nothing is caught here, after one run, not after 270.

use std::path::PathBuf;

use super::{TracedRun, process, run_traced};
use crate::engine::config::ExperimentConfig;
use crate::engine::seeds::Condition;
use crate::engine::train::RunPlan;

/// A tried run: what ran, where, and what it gave.
pub struct Trial {
    pub condition: Condition,
    pub master_seed: u64,
    pub workdir: PathBuf,
    pub run: TracedRun,
    /// Whether the metric pattern reads stdout, and stderr (neither without a pattern).
    pub pattern_reads: (bool, bool),
}

/// Why nothing was tried.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    #[error(
        "tries one run of a command; the built-in model has nothing to try: run it (a run takes a second)"
    )]
    NotACommand,
    #[error("cancelled")]
    Cancelled,
}

impl From<process::Cancelled> for TrialError {
    fn from(_: process::Cancelled) -> TrialError {
        TrialError::Cancelled
    }
}

/// Runs the experiment's command once, every seed fixed (run 0 of all-fixed), and keeps what
/// it printed. Nothing is recorded.
pub fn try_once(
    config: &ExperimentConfig,
    master_seed: u64,
    cancel: &dyn Fn() -> bool,
) -> Result<Trial, TrialError> {
    let command = config.command.as_ref().ok_or(TrialError::NotACommand)?;
    let condition = Condition::ALL_FIXED;
    let plan = RunPlan::new(config, master_seed, condition, 0);
    let run = run_traced(command, (master_seed, None), &plan, cancel, None)?;
    let pattern_reads = match &command.metric {
        Some(metric) if metric.pattern.is_some() => {
            (metric.from.reads_stdout(), metric.from.reads_stderr())
        }
        _ => (false, false),
    };
    Ok(Trial {
        pattern_reads,
        condition,
        master_seed,
        workdir: command
            .workdir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
        run,
    })
}

impl Trial {
    /// The lines a trial shows of its output, stdout's then stderr's: the last `count` of
    /// each, each marked when the metric pattern (which reads that stream) matched it.
    pub fn shown_lines(&self, count: usize) -> Vec<(&'static str, bool, String)> {
        let mut shown = Vec::new();
        for (name, text, reads) in [
            ("stdout", &self.run.stdout_tail, self.pattern_reads.0),
            ("stderr", &self.run.stderr_tail, self.pattern_reads.1),
        ] {
            for (marked, line) in self.marked_lines(text, reads, count) {
                shown.push((name, marked, line));
            }
        }
        shown
    }

    fn marked_lines(&self, text: &str, pattern_reads: bool, count: usize) -> Vec<(bool, String)> {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(count);
        lines[start..]
            .iter()
            .map(|line| {
                let shown = line.rsplit('\r').next().unwrap_or(line);
                let marked = pattern_reads
                    && self
                        .run
                        .scanner
                        .as_ref()
                        .is_some_and(|scanner| scanner.matches(shown));
                (
                    marked,
                    crate::engine::files::escape(&shown.replace('\t', "    ")),
                )
            })
            .collect()
    }
}
