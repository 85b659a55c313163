//! The time a sweep has left: from the recent rate of training (issue 37 item 4), or, when runs
//! are few and slow (a command's runs take seconds each), from how long a run takes and how
//! many run at once (issue 44 item 7).

/// The longest stretch of recent progress the ETA reads (seconds).
pub(super) const ETA_WINDOW_MAX_S: f64 = 20.0;

/// A run that takes this long or more (seconds) finishes in jumps a rate window cannot read:
/// the estimate is made from run durations instead.
pub const SLOW_RUN_S: f64 = 1.0;

/// How long a sweep's runs took: how many, the sum of their seconds, and when (seconds since
/// the start) the last one finished.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunDurations {
    count: usize,
    seconds: f64,
    last: Option<f64>,
}

impl RunDurations {
    /// A run that took `wall_ms` finished at `now` (seconds since the start). A run with no
    /// duration (one that failed before it started) says nothing of how long runs take.
    pub fn record(&mut self, wall_ms: f64, now: f64) {
        if wall_ms > 0.0 {
            self.count += 1;
            self.seconds += wall_ms / 1000.0;
            self.last = Some(now);
        }
    }

    /// The ETA from durations when runs are slow ([`SLOW_RUN_S`] or more on average); None
    /// otherwise (the recent rate reads fast runs better).
    pub fn eta(&self, now: f64, left: usize, workers: usize) -> Option<f64> {
        let mean = self.seconds / self.count.max(1) as f64;
        (self.count > 0 && mean >= SLOW_RUN_S)
            .then(|| eta_from_durations(mean, left, workers, now - self.last.unwrap_or(0.0)))
    }
}

/// Seconds left when each run takes about `mean_run_s` and `workers` run at once: `left` runs
/// are `left / workers` waves of `mean_run_s`, of which the wave in flight has run
/// `since_last_s` (the time since a run last finished).
pub fn eta_from_durations(mean_run_s: f64, left: usize, workers: usize, since_last_s: f64) -> f64 {
    if left == 0 {
        return 0.0;
    }
    let waves = (left as f64 / workers.max(1) as f64).max(1.0);
    (waves * mean_run_s - since_last_s.min(mean_run_s)).max(0.0)
}

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
    use super::{eta_from_durations, eta_from_log};

    /// Few, slow runs (issue 44 item 7: a 6 s run on 2 workers, where the ETA came at 9 of 24
    /// runs and said 1 m 58 s at 18 of 24 with 34 s left): waves of runs, less the wave's time
    /// in flight.
    #[test]
    fn few_slow_runs_are_estimated_from_their_durations_and_the_workers() {
        assert_eq!(eta_from_durations(6.0, 22, 2, 0.0), 66.0);
        assert_eq!(eta_from_durations(6.0, 6, 2, 4.0), 14.0);
        assert_eq!(
            eta_from_durations(6.0, 1, 2, 2.0),
            4.0,
            "one run left is one run's time"
        );
        assert_eq!(eta_from_durations(6.0, 0, 2, 2.0), 0.0);
        assert_eq!(
            eta_from_durations(6.0, 4, 2, 30.0),
            6.0,
            "an overdue wave counts once"
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
}
