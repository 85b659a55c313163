//! The summary thread: the expensive part of a large condition's summary (the bootstrap
//! interval of its std, the test-set noise estimate with its jackknife) is computed here,
//! off the UI thread, from outcomes the session gathered. The window keeps answering and
//! shows the previous summary until the new one arrives.

use std::collections::HashSet;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crate::analysis::summary::{ConditionSummary, Outcomes, summarize_outcomes};
use crate::engine::seeds::Condition;

/// Jobs to the thread; summaries back, each with how long it took.
type Channel = (Sender<Job>, Receiver<(ConditionSummary, Duration)>);

struct Job {
    condition: Condition,
    outcomes: Outcomes,
}

/// A thread that summarises one condition at a time, started on the first job and ended
/// when the summarizer is dropped (its job channel closes).
#[derive(Default)]
pub struct Summarizer {
    channel: Option<Channel>,
    /// Conditions whose summary is being computed.
    in_flight: HashSet<Condition>,
    /// Summaries computed here because the thread could not be started (the system is out
    /// of threads): slower, never lost.
    ready: Vec<ConditionSummary>,
    /// How long the last summary took to compute.
    pub last_took: Duration,
}

impl Summarizer {
    /// Queues `condition`'s summary from `outcomes`.
    pub fn submit(&mut self, condition: Condition, outcomes: Outcomes) {
        if self.channel.is_none() {
            self.channel = start();
        }
        let job = Job {
            condition,
            outcomes,
        };
        match &self.channel {
            Some((jobs, _)) => match jobs.send(job) {
                Ok(()) => {
                    self.in_flight.insert(condition);
                }
                Err(mpsc::SendError(job)) => self.ready.push(summarize(job)),
            },
            None => self.ready.push(summarize(job)),
        }
    }

    pub fn is_busy_with(&self, condition: Condition) -> bool {
        self.in_flight.contains(&condition)
    }

    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// The summaries finished since the last call.
    pub fn finished(&mut self) -> Vec<ConditionSummary> {
        let mut summaries = std::mem::take(&mut self.ready);
        if let Some((_, done)) = &self.channel {
            for (summary, took) in done.try_iter() {
                self.last_took = took;
                summaries.push(summary);
            }
        }
        for summary in &summaries {
            self.in_flight.remove(&summary.condition);
        }
        summaries
    }
}

fn summarize(job: Job) -> ConditionSummary {
    summarize_outcomes(job.condition, &job.outcomes)
}

/// The thread and its two channels; None if the system cannot start a thread.
fn start() -> Option<Channel> {
    let (jobs, incoming) = mpsc::channel::<Job>();
    let (outgoing, done) = mpsc::channel();
    // One long-lived worker with a queue (summaries arrive all through a sweep), started
    // the app's one way; without a thread the summaries are computed in place.
    crate::gui::task::spawn_named("summaries", move || {
        for job in incoming {
            let started = Instant::now();
            let summary = summarize(job);
            if outgoing.send((summary, started.elapsed())).is_err() {
                return;
            }
        }
    })
    .ok()?;
    Some((jobs, done))
}
