//! The runs of the open experiment and what they add up to: the records as they arrive, the
//! per-condition summaries, and the progress of the sweep that is producing them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::analysis::summary::{ConditionSummary, Outcomes, quick_summary, summarize_outcomes};
use crate::engine::config::ExperimentConfig;
use crate::engine::metric::Metric;
use crate::engine::record::{RunId, RunRecord};
use crate::engine::seeds::{Condition, Source};
use crate::engine::sweep::{SweepEvent, sort_into_sweep_order, total_runs};
use crate::gui::summarizer::Summarizer;
use crate::records::ResultsFile;
pub use condition_key::ConditionKey;

mod condition_key;
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
    /// (seconds since start, training progress) as events arrive: the ETA's recent rate.
    progress_log: std::collections::VecDeque<(f64, f64)>,
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
    /// Where the next scan for a large condition to summarise starts (they take turns).
    next_large: usize,
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
            progress_log: std::collections::VecDeque::new(),
            epochs_in_progress: HashMap::new(),
            stale: HashSet::new(),
            summarized_at: None,
            next_large: 0,
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
        let data_free = self.config.conditions[slot].is_free(Source::Data);
        Outcomes::of_runs(&runs, data_free)
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
    pub fn eta(&self) -> Option<f64> {
        eta_from_log(&self.progress_log, self.training_progress() as f64)
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
            .is_some_and(|(t, _)| now - t > ETA_WINDOW_MAX_S)
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
                    self.runs.push(*record);
                    arrived = true;
                }
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
        self.refresh_summaries(usize::from(large_due));
        if finished {
            sort_into_sweep_order(&self.config.conditions, &mut self.runs);
            self.index_conditions();
        }
        if arrived || finished || self.unshown_changes {
            self.revise(finished);
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
                "Finished {} runs in {:.1} s.",
                self.runs.len(),
                self.elapsed.unwrap_or_default().as_secs_f64()
            )
        }
    }
}

/// The longest stretch of recent progress the ETA reads (seconds).
const ETA_WINDOW_MAX_S: f64 = 20.0;

/// Seconds left at the rate of the recent past: the last third of the time so far, at least
/// 2 s and at most [`ETA_WINDOW_MAX_S`]. `log` holds (seconds since start, fraction done),
/// oldest first; `done` is the fraction done now.
pub fn eta_from_log(log: &std::collections::VecDeque<(f64, f64)>, done: f64) -> Option<f64> {
    let &(now, _) = log.back()?;
    let window = (now / 3.0).clamp(2.0, ETA_WINDOW_MAX_S);
    let &(then, done_then) = log.iter().find(|(t, _)| now - t <= window)?;
    let rate = (done - done_then) / (now - then);
    (now - then >= 0.5 && rate > 0.0).then(|| (1.0 - done).max(0.0) / rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::summarize_conditions;
    use crate::engine::seeds::{Condition, Source};

    fn record(condition: &str, run_index: usize) -> RunRecord {
        let mut record = RunRecord::failed(condition.parse().unwrap(), run_index, String::new());
        record.error = None;
        record.metric = Metric::Accuracy;
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

    /// A resumed sweep says how many runs it trained in the time it gives, and how many came
    /// from the store (issue 37 item 4: "Finished 3500 runs in 6.5 s" when 973 were trained).
    #[test]
    fn a_resumed_sweep_says_what_it_trained_and_what_it_found() {
        let mut config = crate::engine::presets::default_config();
        config.conditions = vec![Condition::ALL_FIXED];
        config.repeats = 5;
        let stored: Vec<RunRecord> = (0..3).map(|i| record("all-fixed", i)).collect();
        let mut session = Session::new(config, 1, stored);
        session.absorb(vec![
            SweepEvent::RunFinished(Box::new(record("all-fixed", 3))),
            SweepEvent::RunFinished(Box::new(record("all-fixed", 4))),
            SweepEvent::Finished {
                cancelled: false,
                elapsed: Duration::from_millis(2500),
            },
        ]);
        assert_eq!(
            session.ending_message(),
            "Finished 5 runs: 2 trained in 2.5 s, 3 from the run store."
        );
    }

    /// A sweep that slows down: the ETA follows the recent rate, not the average since the
    /// start (issue 37 item 4: 31.6 s promised at 7.5 s into a sweep of ~60 s).
    #[test]
    fn the_eta_reads_the_recent_rate() {
        // 40% done in the first 7.5 s, then 2% a second.
        let log: std::collections::VecDeque<(f64, f64)> = (0..=15)
            .map(|i| {
                let t = f64::from(i);
                (
                    t,
                    if t <= 5.0 {
                        0.08 * t
                    } else {
                        0.40 + 0.02 * (t - 5.0)
                    },
                )
            })
            .collect();
        let done = 0.60;
        let eta = eta_from_log(&log, done).unwrap();
        assert!((eta - 20.0).abs() < 1e-9, "40% left at 2% a second: {eta}");
        let average = 15.0 / done * (1.0 - done);
        assert!(
            average < 11.0,
            "the average since the start would promise {average}"
        );
        assert_eq!(eta_from_log(&std::collections::VecDeque::new(), 0.0), None);
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
        while session.catch_up() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(session.is_current());
        let batch = summarize_conditions(&config.conditions, &session.runs);
        assert_eq!(session.summaries, batch);
        assert_eq!(session.summaries[1].n, LARGE_CONDITION + 100);
    }

    /// Opening many stored runs: a large condition shows its quick summary at once (the same
    /// mean, spread and quantiles as the batch computation, no bootstrap or noise yet), and
    /// the full summary from the summary thread, equal to the batch computation bit for bit.
    #[test]
    fn stored_large_conditions_open_with_a_quick_summary_then_the_full_one() {
        let mut config = crate::engine::presets::default_config();
        config.conditions = vec![Condition::ALL_FIXED, Condition::only(Source::Init)];
        config.repeats = LARGE_CONDITION + 40;
        let stored: Vec<RunRecord> = (0..config.repeats)
            .rev()
            .flat_map(|i| [record("all-fixed", i), record("only-init", i)])
            .collect();
        let mut session = Session::new(config.clone(), 3, stored);
        let batch = summarize_conditions(&config.conditions, &session.runs);
        for (quick, full) in session.summaries.iter().zip(&batch) {
            assert_eq!(
                (quick.n, quick.mean, quick.std),
                (full.n, full.mean, full.std)
            );
            assert_eq!((quick.median, quick.iqr), (full.median, full.iqr));
        }
        while session.catch_up() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(session.summaries, batch);
        assert!(session.summaries[1].std_ci95_low.is_some());
        assert!(session.summaries[1].noise_std.is_some());
    }
}
