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
    /// Conditions that received runs since their summary was last computed, and when large
    /// conditions' summaries were last computed (see [`LARGE_CONDITION`]).
    stale: HashSet<String>,
    summarized_at: Option<Instant>,
}

/// A condition with this many runs or more is not summarised in every frame that brings it a
/// run: its bootstrap intervals take ten milliseconds or more at thousands of runs, and the
/// window must keep answering. While a sweep runs, one such condition (the one waiting
/// longest) is summarised every [`LARGE_SUMMARY_INTERVAL`]; once it ends, one a frame until
/// all are current ([`Session::catch_up`]). Until then the previous summary stays on screen.
pub const LARGE_CONDITION: usize = 500;
pub const LARGE_SUMMARY_INTERVAL: Duration = Duration::from_millis(250);

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
            stale: HashSet::new(),
            summarized_at: None,
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
    /// frame that receives one run stays cheap; a large condition waits its turn
    /// ([`LARGE_SUMMARY_INTERVAL`]).
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
        self.stale.extend(changed);
        let large_due = self
            .summarized_at
            .is_none_or(|at| at.elapsed() >= LARGE_SUMMARY_INTERVAL);
        let conditions = &self.config.conditions;
        let mut large_left = usize::from(large_due);
        for (summary, condition) in self.summaries.iter_mut().zip(conditions) {
            if !self.stale.contains(&summary.condition) {
                continue;
            }
            let large = summary.n + summary.failed >= LARGE_CONDITION;
            if large {
                if large_left == 0 {
                    continue;
                }
                large_left -= 1;
                self.summarized_at = Some(Instant::now());
            }
            *summary = summarize_condition(condition, &self.runs);
            self.stale.remove(&summary.condition);
        }
        if finished {
            sort_into_sweep_order(&self.config.conditions, &mut self.runs);
        }
        finished
    }

    /// After the sweep: brings one summary that is behind up to date; true while any is
    /// still behind (the app then asks for another frame).
    pub fn catch_up(&mut self) -> bool {
        let conditions = &self.config.conditions;
        if let Some((summary, condition)) = self
            .summaries
            .iter_mut()
            .zip(conditions)
            .find(|(summary, _)| self.stale.contains(&summary.condition))
        {
            *summary = summarize_condition(condition, &self.runs);
            self.stale.remove(&summary.condition);
        }
        !self.stale.is_empty()
    }

    /// Whether every summary is computed from every run at hand.
    pub fn is_current(&self) -> bool {
        self.stale.is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seeds::{Condition, Source};

    fn record(condition: &str, run_index: usize) -> RunRecord {
        let mut record = RunRecord::failed(condition.into(), run_index, String::new());
        record.error = None;
        record.metric = "accuracy".into();
        // A spread of accuracies, and predictions that differ now and then.
        record.final_test_metric = Some(0.8 + (run_index * 7919 % 97) as f64 / 1000.0);
        record.test_indices = (0..10).collect();
        record.test_predictions = (0..10)
            .map(|p| f32::from(u8::from((p + run_index).is_multiple_of(3))))
            .collect();
        record.test_errors = record.test_predictions.clone();
        record.weights_hash = format!("{run_index:016x}");
        record
    }

    /// A large condition's summary may wait while runs arrive, but once the sweep has ended
    /// and the app has caught up, every summary equals the batch computation from all runs,
    /// bit for bit.
    #[test]
    fn summaries_that_waited_catch_up_to_the_batch_computation() {
        let mut config = crate::engine::presets::default_config();
        config.conditions = vec![Condition::ALL_FIXED, Condition::only(Source::Init)];
        config.repeats = LARGE_CONDITION + 100;
        let mut session = Session::new(config.clone(), 1, Vec::new());
        let mut index = 0;
        for batch in [LARGE_CONDITION + 10, 30, 60] {
            let events: Vec<SweepEvent> = (index..index + batch)
                .flat_map(|i| {
                    ["all-fixed", "only-init"]
                        .map(|c| SweepEvent::RunFinished(Box::new(record(c, i))))
                })
                .collect();
            index += batch;
            session.absorb(events);
        }
        // Summarised within the same interval: at least one large condition is behind.
        assert!(!session.is_current(), "a large condition waits its turn");
        session.absorb(vec![SweepEvent::Finished {
            cancelled: false,
            elapsed: Duration::from_secs(1),
        }]);
        while session.catch_up() {}
        assert!(session.is_current());
        let batch = summarize_conditions(&config.conditions, &session.runs);
        assert_eq!(session.summaries, batch);
        assert_eq!(session.summaries[1].n, LARGE_CONDITION + 100);
    }
}
