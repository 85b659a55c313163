//! When the summaries of a session are computed: small conditions at once, large ones
//! ([`LARGE_CONDITION`]) on the summary thread, in turn, and no more often than the window
//! and the sweep can afford.

use std::time::{Duration, Instant};

use super::Session;
use crate::analysis::summary::summarize_outcomes;

/// A condition with this many runs or more is not summarised in every frame that brings it a
/// run: its bootstrap interval and test-noise jackknife take ten milliseconds or more at
/// thousands of runs, and the window must keep answering. While a sweep runs, its outcomes
/// are gathered at most once every [`LARGE_SUMMARY_INTERVAL`] (or four times as long as the
/// last summary took, so summaries never take more than a fifth of a core from training;
/// one such condition at a time, in turn) and summarised on the summary
/// thread ([`Summarizer`]); the previous summary stays on screen until the new one arrives.
pub const LARGE_CONDITION: usize = 500;
pub const LARGE_SUMMARY_INTERVAL: Duration = Duration::from_millis(250);
/// While a sweep runs, a frame spends at most about this long summarising small conditions
/// (at least one a frame). Eight conditions of a few hundred runs each, every one summarised
/// in every frame that brought it a run (a 2,000-resample bootstrap each), made frames of
/// 15–35 ms at 1,000–3,000 runs.
pub const SMALL_SUMMARY_BUDGET: Duration = Duration::from_millis(3);
/// Gathering outcomes that took longer than this in a frame waits [`GATHER_PAUSE`] before
/// the next (while a sweep runs; ten frames a second, so one frame in 25).
const GATHER_IN_FRAME: Duration = Duration::from_millis(4);
const GATHER_PAUSE: Duration = Duration::from_millis(2_500);

impl Session {
    /// Whether a large condition may be gathered and submitted now, while a sweep runs.
    /// The summary thread may take a fifth of a core at most (at 12,500 runs a bootstrap
    /// takes ~0.1 s, and the sweep needs the cores); and gathering a condition's outcomes
    /// on the UI thread (~5 ms at 12,500 runs) must stay out of the 95th percentile of
    /// frames: then once in 25 frames at most.
    pub(super) fn large_summary_due(&self) -> bool {
        let gathering = if self.last_gather > GATHER_IN_FRAME {
            GATHER_PAUSE
        } else {
            Duration::ZERO
        };
        let pause = LARGE_SUMMARY_INTERVAL
            .max(self.summarizer.last_took * 4)
            .max(gathering);
        self.summarized_at.is_none_or(|at| at.elapsed() >= pause)
    }

    /// Recomputes the stale summaries of small conditions and submits up to `large_left`
    /// large ones to the summary thread. With a `budget` (while a sweep runs), small
    /// conditions are summarised only until it is spent, at least one a call; the rest wait
    /// for the next frame, and the conditions take turns.
    pub(super) fn refresh_summaries(&mut self, mut large_left: usize, budget: Option<Duration>) {
        let count = self.config.conditions.len();
        // Conditions take turns: the scan starts after the last one summarised or submitted.
        let start = self.next_turn;
        let began = Instant::now();
        let mut summarised = 0;
        for slot in (0..count).map(|k| (k + start) % count.max(1)) {
            let name = self.summaries[slot].condition;
            if !self.stale.contains(&name) || self.summarizer.is_busy_with(name) {
                continue;
            }
            if self.by_condition[slot].len() < LARGE_CONDITION {
                if summarised > 0 && budget.is_some_and(|budget| began.elapsed() >= budget) {
                    continue;
                }
                self.summaries[slot] = summarize_outcomes(name, &self.outcomes_of_slot(slot));
                summarised += 1;
                self.next_turn = slot + 1;
            } else {
                if large_left == 0 {
                    continue;
                }
                large_left -= 1;
                self.next_turn = slot + 1;
                self.summarized_at = Some(Instant::now());
                let gathering = Instant::now();
                let outcomes = self.outcomes_of_slot(slot);
                self.last_gather = gathering.elapsed();
                self.summarizer.submit(name, outcomes);
            }
            self.stale.remove(&name);
        }
    }

    /// Puts the summaries the summary thread has finished on screen.
    pub(super) fn take_finished_summaries(&mut self) {
        for summary in self.summarizer.finished() {
            if let Some(&slot) = self.condition_slot.get(&summary.condition) {
                self.summaries[slot] = summary;
            }
        }
    }

    /// After the sweep (or on opening stored runs): takes in finished summaries and submits
    /// one that is behind; true while any is still behind or being computed (the app then
    /// asks for another frame).
    pub fn catch_up(&mut self) -> bool {
        self.take_finished_summaries();
        self.refresh_summaries(1, None);
        if self.unshown_changes {
            self.revise(true);
        }
        !self.is_current()
    }

    /// Whether every summary is computed from every run at hand.
    pub fn is_current(&self) -> bool {
        self.stale.is_empty() && self.summarizer.is_idle()
    }
}
