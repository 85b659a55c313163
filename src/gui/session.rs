//! The runs of the open experiment and what they add up to: the records as they arrive, the
//! per-condition summaries, and the progress of the sweep that is producing them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::analysis::summary::{ConditionSummary, summarize_condition, summarize_conditions};
use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunRecord;
use crate::engine::sweep::{SweepEvent, sort_into_sweep_order};
use crate::records::ResultsFile;

/// The runs of the current (or last) sweep and what they add up to.
pub struct Session {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub runs: Vec<RunRecord>,
    pub summaries: Vec<ConditionSummary>,
    pub total: usize,
    pub started: Instant,
    pub elapsed: Option<Duration>,
    pub cancelled: bool,
    /// Epochs done by runs in progress, for a smooth progress bar.
    pub epochs_in_progress: HashMap<(String, usize), usize>,
}

impl Session {
    pub fn new(config: ExperimentConfig, master_seed: u64, total: usize) -> Session {
        Session {
            summaries: summarize_conditions(&config.conditions, &[]),
            config,
            master_seed,
            runs: Vec::new(),
            total,
            started: Instant::now(),
            elapsed: None,
            cancelled: false,
            epochs_in_progress: HashMap::new(),
        }
    }

    pub fn results_file(&self) -> ResultsFile {
        ResultsFile::new(
            self.config.clone(),
            self.master_seed,
            "gui",
            self.runs.clone(),
            self.cancelled,
        )
    }

    /// Completed fraction, counting epochs of runs in progress.
    pub fn progress(&self) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        let epochs = self.config.training.epochs.max(1) as f32;
        let partial: f32 = self
            .epochs_in_progress
            .values()
            .map(|done| *done as f32 / epochs)
            .sum();
        ((self.runs.len() as f32 + partial) / self.total as f32).min(1.0)
    }

    /// Takes in a frame's sweep events; returns true when the sweep has finished. Only the
    /// conditions that received runs get their summaries recomputed (a bootstrap each), so a
    /// frame that receives one run stays cheap.
    pub fn absorb(&mut self, events: Vec<SweepEvent>) -> bool {
        let mut changed: HashSet<String> = HashSet::new();
        let mut finished = false;
        for event in events {
            match event {
                SweepEvent::Epoch {
                    condition,
                    run_index,
                    epochs_done,
                } => {
                    self.epochs_in_progress
                        .insert((condition, run_index), epochs_done);
                }
                SweepEvent::RunFinished(record) => {
                    self.epochs_in_progress
                        .remove(&(record.condition.clone(), record.run_index));
                    changed.insert(record.condition.clone());
                    self.runs.push(*record);
                }
                SweepEvent::Finished { cancelled, elapsed } => {
                    self.cancelled = cancelled;
                    self.elapsed = Some(elapsed);
                    self.epochs_in_progress.clear();
                    finished = true;
                }
            }
        }
        let conditions = &self.config.conditions;
        for (summary, condition) in self.summaries.iter_mut().zip(conditions) {
            if changed.contains(&summary.condition) {
                *summary = summarize_condition(condition, &self.runs);
            }
        }
        if finished {
            sort_into_sweep_order(&self.config.conditions, &mut self.runs);
        }
        finished
    }

    /// The status line once the sweep has ended.
    pub fn ending_message(&self) -> String {
        if self.cancelled {
            format!(
                "Cancelled: kept {} of {} runs.",
                self.runs.len(),
                self.total
            )
        } else {
            format!(
                "Finished {} runs in {:.1} s.",
                self.runs.len(),
                self.elapsed.unwrap_or_default().as_secs_f64()
            )
        }
    }
}
