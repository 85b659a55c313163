//! The runs of the open experiment and what they add up to: the records as they arrive, the
//! per-condition summaries, and the progress of the sweep that is producing them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::analysis::summary::{ConditionSummary, summarize_condition, summarize_conditions};
use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunRecord;
use crate::engine::sweep::{SweepEvent, sort_into_sweep_order, total_runs};
use crate::records::ResultsFile;

/// The runs of the current (or last) sweep and what they add up to.
pub struct Session {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub runs: Vec<RunRecord>,
    pub summaries: Vec<ConditionSummary>,
    /// Runs in the experiment (conditions × repeats), stored and trained.
    pub total: usize,
    /// How many of `runs` came from the run store rather than from training.
    pub from_store: usize,
    pub started: Instant,
    pub elapsed: Option<Duration>,
    pub cancelled: bool,
    /// Epochs done by runs in progress, for a smooth progress bar.
    pub epochs_in_progress: HashMap<(String, usize), usize>,
}

impl Session {
    /// The experiment with the runs already at hand (from the run store; none without one).
    pub fn new(config: ExperimentConfig, master_seed: u64, stored: Vec<RunRecord>) -> Session {
        let mut runs = stored;
        sort_into_sweep_order(&config.conditions, &mut runs);
        Session {
            summaries: summarize_conditions(&config.conditions, &runs),
            total: total_runs(&config),
            from_store: runs.len(),
            config,
            master_seed,
            runs,
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

    /// The final metrics and weight hashes of `condition`'s finished runs, in run-index
    /// order (the order the convergence plot accumulates them in).
    pub fn outcomes(&self, condition: &str) -> (Vec<f64>, Vec<&str>) {
        let mut runs: Vec<&RunRecord> = self
            .runs
            .iter()
            .filter(|r| r.condition == condition && r.error.is_none())
            .collect();
        runs.sort_by_key(|r| r.run_index);
        runs.iter()
            .filter_map(|r| r.final_test_metric.map(|v| (v, r.weights_hash.as_str())))
            .unzip()
    }

    /// "accuracy" or "mse" (accuracy before any run has arrived).
    pub fn metric(&self) -> &str {
        self.runs.first().map_or("accuracy", |r| r.metric.as_str())
    }

    /// Runs of the experiment that are neither stored nor trained yet.
    pub fn missing(&self) -> usize {
        self.total.saturating_sub(self.runs.len())
    }

    /// The (condition, run index) pairs the session already has.
    pub fn have(&self) -> HashSet<(String, usize)> {
        self.runs
            .iter()
            .map(|r| (r.condition.clone(), r.run_index))
            .collect()
    }

    /// This session shows `config` at `master_seed`.
    pub fn shows(&self, config: &ExperimentConfig, master_seed: u64) -> bool {
        self.master_seed == master_seed && &self.config == config
    }

    /// Of the runs being trained now (not those from the store), the fraction done, counting
    /// epochs of runs in progress: what the ETA is computed from.
    pub fn training_progress(&self) -> f32 {
        let to_train = self.total.saturating_sub(self.from_store);
        if to_train == 0 {
            return 1.0;
        }
        let partial = self.partial_runs();
        let trained = self.runs.len().saturating_sub(self.from_store) as f32;
        ((trained + partial) / to_train as f32).min(1.0)
    }

    /// Runs in progress, counted by the fraction of their epochs done.
    fn partial_runs(&self) -> f32 {
        let epochs = self.config.training.epochs.max(1) as f32;
        self.epochs_in_progress
            .values()
            .map(|done| *done as f32 / epochs)
            .sum()
    }

    /// Completed fraction, counting epochs of runs in progress.
    pub fn progress(&self) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        let partial = self.partial_runs();
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
