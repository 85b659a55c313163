//! The time a sweep has left, from the recent rate of training (issue 37 item 4).

/// The longest stretch of recent progress the ETA reads (seconds).
pub(super) const ETA_WINDOW_MAX_S: f64 = 20.0;

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
    use super::eta_from_log;

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
