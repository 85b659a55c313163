//! The progress a long command draws on a terminal (`run`'s runs, `merge`'s parts): a bar with
//! the rate and what is left. Piped or in a log, the commands print plain lines instead.

/// ", 12 s elapsed, about 40 s left", from the rate so far (the time alone once all are done).
pub(super) fn eta(elapsed: std::time::Duration, done: usize, total: usize) -> String {
    let seconds = elapsed.as_secs_f64();
    if done >= total || done == 0 {
        return format!(", {seconds:.1} s");
    }
    let left = seconds / done as f64 * (total - done) as f64;
    format!(", {seconds:.1} s elapsed, about {left:.0} s left")
}

/// The terminal's progress bar for `total` things (`unit`: "runs", "parts"): the bar, how
/// many are done of all, and a message the caller keeps current (the rate and what is left).
pub(super) fn progress_bar(total: usize, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:28.cyan/blue}} {{pos}}/{{len}} {unit} · {{msg}}"
        ))
        .expect("a valid template")
        .progress_chars("█▉▊▋▌▍▎▏ "),
    );
    bar
}
