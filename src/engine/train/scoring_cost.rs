//! What fresh scoring costs: the CPU time every thread spends in it, read from each thread's
//! own CPU clock, so that `bench` can report it as a share of the sweep exactly (a
//! difference of two sweeps' times is at the mercy of a shared machine).

use std::sync::atomic::{AtomicU64, Ordering};

/// CPU time spent scoring (drawing the sample included), summed over every thread of the
/// process, in nanoseconds: what `bench` reports as fresh scoring's share of a sweep. Read
/// from the scoring thread's own CPU clock, so it counts no time the thread spent waiting.
static SCORING_CPU_NANOS: AtomicU64 = AtomicU64::new(0);

/// The CPU seconds every thread has spent in fresh scoring since the process started.
pub fn scoring_cpu_seconds() -> f64 {
    SCORING_CPU_NANOS.load(Ordering::Relaxed) as f64 / 1e9
}

/// This thread's CPU clock (Linux, and any system with `CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for clock_gettime to write into.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return 0;
    }
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Runs `score`, adding the CPU time it takes on this thread to [`scoring_cpu_seconds`].
pub(super) fn accounted<T>(score: impl FnOnce() -> T) -> T {
    let started = thread_cpu_nanos();
    let value = score();
    let spent = thread_cpu_nanos().saturating_sub(started);
    SCORING_CPU_NANOS.fetch_add(spent, Ordering::Relaxed);
    value
}
