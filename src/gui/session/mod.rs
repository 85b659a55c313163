//! The runs of the open experiment and what they add up to: the records as they arrive, the
//! per-condition summaries, and the progress of the sweep that is producing them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::analysis::summary::{ConditionSummary, Outcomes, quick_summary, summarize_outcomes};
use crate::analysis::words::count_of;
use crate::engine::config::ExperimentConfig;
use crate::engine::metric::Metric;
use crate::engine::record::{RunId, RunRecord};
use crate::engine::seeds::Condition;
use crate::engine::sweep::{SweepEvent, sort_into_sweep_order, total_runs};
use crate::gui::summarizer::Summarizer;
use crate::records::ResultsFile;
pub use condition_key::ConditionKey;

mod condition_key;
mod eta;
mod summaries;
pub use summaries::{LARGE_CONDITION, LARGE_SUMMARY_INTERVAL};

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
    /// What the sweep said for the user to read once (a command's outputs; why it stopped).
    pub notices: Vec<String>,
    /// (seconds since start, training progress) as events arrive: the ETA's recent rate.
    progress_log: std::collections::VecDeque<(f64, f64)>,
    /// How long this sweep's runs took: the ETA of few, slow runs.
    run_durations: eta::RunDurations,
    /// How many runs train at once (the ETA of few, slow runs).
    pub workers: usize,
    /// Epochs done by runs in progress, for a smooth progress bar.
    pub epochs_in_progress: HashMap<RunId, usize>,
    /// Positions in `runs` of each condition's runs (conditions in sweep order), so that a
    /// view or a summary of one condition does not scan every run.
    by_condition: Vec<Vec<usize>>,
    condition_slot: HashMap<Condition, usize>,
    /// Conditions that received runs since their summary was last computed or submitted,
    /// and when a large condition's summary was last submitted (see [`LARGE_CONDITION`]).
    stale: HashSet<Condition>,
    summarized_at: Option<Instant>,
    /// Where the next scan for a condition to summarise starts (they take turns).
    next_turn: usize,
    /// How long gathering the last large condition's outcomes took on the UI thread.
    last_gather: Duration,
    summarizer: Summarizer,
    /// What the views key their cached drawings on ([`Session::revision`]).
    revision: u64,
    revised_at: Instant,
    unshown_changes: bool,
}

/// A session with this many runs or more tells its views of new runs at most every
/// [`view_interval`] while a sweep runs ([`Session::revision`]): recomputing the
/// columns and bands of 100,000 runs in every frame that brings one more would freeze the
/// window, and once in 30 frames keeps the slow frames out of the 95th percentile.
pub const LARGE_SESSION: usize = 2_000;
pub const LARGE_VIEW_INTERVAL: Duration = Duration::from_millis(500);

/// How long a large session's views wait for new runs while a sweep runs: what they
/// recompute grows with the runs, so the wait does too — [`LARGE_VIEW_INTERVAL`] per 10,000
/// runs, at most 5 s (100,000 runs: one frame in fifty recomputes, at ten frames a second).
pub fn view_interval(runs: usize) -> Duration {
    let tens_of_thousands = (runs / 10_000).clamp(1, 10) as u32;
    LARGE_VIEW_INTERVAL * tens_of_thousands
}

impl Session {
    /// The experiment with the runs already at hand (from the run store; none without one).
    /// Large conditions show a quick summary (no bootstrap, no noise estimate) until the
    /// summary thread has the rest: opening 100,000 stored runs does not stop the window.
    pub fn new(config: ExperimentConfig, master_seed: u64, stored: Vec<RunRecord>) -> Session {
        let mut runs = stored;
        sort_into_sweep_order(&config.conditions, &mut runs);
        // Room for every run of the sweep at once: doubling a vector of 65,536 records as
        // runs arrived took a 100 ms frame (the copy, and the new pages' first touch).
        runs.reserve(total_runs(&config).saturating_sub(runs.len()));
        let condition_slot: HashMap<Condition, usize> = config
            .conditions
            .iter()
            .enumerate()
            .map(|(slot, c)| (*c, slot))
            .collect();
        let mut session = Session {
            summaries: Vec::new(),
            total: total_runs(&config),
            from_store: runs.len(),
            by_condition: vec![Vec::new(); config.conditions.len()],
            condition_slot,
            config,
            master_seed,
            runs,
            started: Instant::now(),
            elapsed: None,
            cancelled: false,
            notices: Vec::new(),
            progress_log: std::collections::VecDeque::new(),
            run_durations: eta::RunDurations::default(),
            workers: crate::engine::sweep::default_workers(),
            epochs_in_progress: HashMap::new(),
            stale: HashSet::new(),
            summarized_at: None,
            next_turn: 0,
            last_gather: Duration::ZERO,
            summarizer: Summarizer::default(),
            revision: 0,
            revised_at: Instant::now(),
            unshown_changes: false,
        };
        session.index_conditions();
        for slot in 0..session.config.conditions.len() {
            let condition = session.config.conditions[slot];
            let outcomes = session.outcomes_of_slot(slot);
            let summary = if session.by_condition[slot].len() < LARGE_CONDITION {
                summarize_outcomes(condition, &outcomes)
            } else {
                let quick = quick_summary(condition, &outcomes);
                session.summarizer.submit(condition, outcomes);
                quick
            };
            session.summaries.push(summary);
        }
        session
    }

    /// Rebuilds the per-condition positions (after the runs were put in sweep order).
    fn index_conditions(&mut self) {
        for positions in &mut self.by_condition {
            positions.clear();
        }
        for (position, run) in self.runs.iter().enumerate() {
            if let Some(&slot) = self.condition_slot.get(&run.condition) {
                self.by_condition[slot].push(position);
            }
        }
    }

    /// The runs of `condition`, in the order they arrived (sweep order once it has ended).
    pub fn runs_of<'a>(
        &'a self,
        condition: impl ConditionKey,
    ) -> impl Iterator<Item = &'a RunRecord> + 'a {
        let positions = condition
            .condition()
            .and_then(|c| self.condition_slot.get(&c))
            .map_or(&[][..], |&slot| self.by_condition[slot].as_slice());
        positions.iter().map(|&p| &self.runs[p])
    }

    /// What a summary of the condition at `slot` is computed from: its runs in run-index
    /// order, as the batch computation (`summary::summarize_condition`) takes them.
    fn outcomes_of_slot(&self, slot: usize) -> Outcomes {
        let mut runs: Vec<&RunRecord> = self.by_condition[slot]
            .iter()
            .map(|&p| &self.runs[p])
            .collect();
        runs.sort_by_key(|r| r.run_index);
        Outcomes::of_runs(&runs, &self.config.conditions[slot])
    }

    /// A number that changes when the runs on screen have changed. In a large session
    /// ([`LARGE_SESSION`]) new runs show at most every [`view_interval`] while the
    /// sweep runs; views cache what they compute from the runs under it. (Summaries are read
    /// as they are.)
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Marks a change; shown at once in a small session, else when the interval has passed.
    fn revise(&mut self, at_once: bool) {
        self.unshown_changes = true;
        let due = self.revised_at.elapsed() >= view_interval(self.runs.len());
        if at_once || self.runs.len() < LARGE_SESSION || due {
            self.revision += 1;
            self.revised_at = Instant::now();
            self.unshown_changes = false;
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
    pub fn outcomes(&self, condition: impl ConditionKey) -> (Vec<f64>, Vec<&str>) {
        crate::analysis::summary::finished_outcomes(self.runs_of(condition))
    }

    /// The runs' metric (accuracy before any run has arrived).
    pub fn metric(&self) -> Metric {
        crate::analysis::summary::metric_of(&self.runs).unwrap_or(Metric::Accuracy)
    }

    /// Runs of the experiment that are neither stored nor trained yet.
    pub fn missing(&self) -> usize {
        self.total.saturating_sub(self.runs.len())
    }

    /// The (condition, run index) pairs the session already has.
    pub fn have(&self) -> HashSet<RunId> {
        self.runs.iter().map(RunRecord::id).collect()
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

    /// Seconds left, from the recent rate of training: the runs of a sweep do not all take
    /// the same time (batched fixed runs go fast, racing runs alone), so the average since the
    /// start promised half the time a sweep took. None until there is a rate to read.
    /// Runs that take seconds each finish in jumps that no rate window reads well: their ETA
    /// comes from the runs' durations and the workers instead.
    pub fn eta(&self) -> Option<f64> {
        let now = self.started.elapsed().as_secs_f64();
        let left = self.total.saturating_sub(self.runs.len());
        if let Some(eta) = self.run_durations.eta(now, left, self.workers) {
            return Some(eta);
        }
        eta::eta_from_log(&self.progress_log, self.training_progress() as f64)
    }

    /// Notes the training progress now, for [`Self::eta`].
    fn log_progress(&mut self) {
        let now = self.started.elapsed().as_secs_f64();
        let done = self.training_progress() as f64;
        self.progress_log.push_back((now, done));
        // Samples older than the window the estimate reads are of no more use.
        while self
            .progress_log
            .front()
            .is_some_and(|(t, _)| now - t > eta::ETA_WINDOW_MAX_S)
        {
            self.progress_log.pop_front();
        }
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
    /// conditions that received runs get their summaries recomputed, so a frame that
    /// receives one run stays cheap; a large condition waits its turn
    /// ([`LARGE_SUMMARY_INTERVAL`]) and is summarised on the summary thread.
    pub fn absorb(&mut self, events: Vec<SweepEvent>) -> bool {
        let mut finished = false;
        let mut arrived = false;
        for event in events {
            match event {
                SweepEvent::Epoch {
                    condition,
                    run_index,
                    epochs_done,
                } => {
                    self.epochs_in_progress
                        .insert(RunId::new(condition, run_index), epochs_done);
                }
                SweepEvent::RunFinished(record) => {
                    self.epochs_in_progress.remove(&record.id());
                    if let Some(&slot) = self.condition_slot.get(&record.condition) {
                        self.by_condition[slot].push(self.runs.len());
                    }
                    self.stale.insert(record.condition);
                    self.run_durations
                        .record(record.wall_ms, self.started.elapsed().as_secs_f64());
                    self.runs.push(*record);
                    arrived = true;
                }
                SweepEvent::Notice(text) => self.notices.push(text),
                SweepEvent::Finished { cancelled, elapsed } => {
                    self.cancelled = cancelled;
                    self.elapsed = Some(elapsed);
                    self.epochs_in_progress.clear();
                    finished = true;
                }
            }
        }
        if !finished {
            self.log_progress();
        }
        self.take_finished_summaries();
        let large_due = self.large_summary_due();
        let budget = (!finished).then_some(summaries::SMALL_SUMMARY_BUDGET);
        self.refresh_summaries(usize::from(large_due), budget);
        if finished {
            sort_into_sweep_order(&self.config.conditions, &mut self.runs);
            self.index_conditions();
        }
        if arrived || finished || self.unshown_changes {
            self.revise(finished);
        }
        finished
    }

    /// The status line once the sweep has ended, and how many of its runs failed (a command's
    /// runs can: the reason is on each run's status in Runs).
    pub fn ending_message(&self) -> String {
        let failed = self.runs.iter().filter(|r| r.error.is_some()).count();
        let mut ending = self.ending_counts();
        for notice in &self.notices {
            ending.push_str(&format!(" Note: {notice}."));
        }
        if failed > 0 && failed == self.runs.len() {
            format!(
                "{ending} Every run failed: nothing to analyse. Runs shows why (hover a run's status)."
            )
        } else if failed > 0 {
            format!(
                "{ending} {} failed and {} not counted: Runs shows why (hover a run's status).",
                count_of(failed, "run"),
                if failed == 1 { "is" } else { "are" }
            )
        } else {
            ending
        }
    }

    /// Whether the sweep ended with runs, none of which succeeded.
    pub fn every_run_failed(&self) -> bool {
        !self.runs.is_empty() && self.runs.iter().all(|r| r.error.is_some())
    }

    fn ending_counts(&self) -> String {
        if self.cancelled {
            format!(
                "Cancelled: kept {} of {} runs.",
                self.runs.len(),
                self.total
            )
        } else if self.from_store > 0 {
            // The time is the training's: say how many runs it trained, not only how many
            // are on screen.
            format!(
                "Finished {} runs: {} trained in {:.1} s, {} from the run store.",
                self.runs.len(),
                self.runs.len().saturating_sub(self.from_store),
                self.elapsed.unwrap_or_default().as_secs_f64(),
                self.from_store
            )
        } else {
            format!(
                "Finished {} in {:.1} s.",
                count_of(self.runs.len(), "run"),
                self.elapsed.unwrap_or_default().as_secs_f64()
            )
        }
    }
}

#[cfg(test)]
mod tests;
