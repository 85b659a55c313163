//! SIGINT, SIGTERM and SIGHUP while commands run. A command runs in its own process group, so
//! the terminal's Ctrl-C reaches seedscope alone; left to the default action, seedscope would
//! die and its commands run on unseen, their result folders left in TMPDIR. Instead the signal
//! is turned into a Cancel of every run ([`requested`], which `process::run` polls): each run's
//! whole tree is killed and its folder removed, the finished runs stay in the store, and the
//! caller exits with 128 + the signal (130, 143, 129), as a shell reports a signal's death.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Set by the first of the handled signals; never cleared (the process is ending).
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Which signal it was.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The signals that end a sweep cleanly.
pub const HANDLED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(signal: libc::c_int) {
    // Only atomic stores: all a signal handler may safely do.
    let _ = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Catches SIGINT, SIGTERM and SIGHUP for the rest of the process: from now on they cancel
/// the runs in flight instead of ending the process. Only for the commands that run
/// something (`run`, `replay`, the app); the others keep the default (end at once).
pub fn install() {
    for signal in HANDLED {
        // SAFETY: a zeroed sigaction is a valid starting value; the handler only stores to
        // atomics, which is async-signal-safe; SA_RESTART keeps interrupted reads going.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Hands the signals back once the runs are over: a signal during the final write ends the
/// process as it always did, its half-written file removed (`files::interrupted`).
pub fn restore_default() {
    for signal in HANDLED {
        // SAFETY: SIG_DFL is a valid disposition for these signals.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
        }
    }
    crate::engine::files::interrupted::install_handlers();
}

/// Ends every run in flight as a signal would, without one: for the app's window closing
/// while commands run.
pub fn request_stop() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// After a stop was requested: waits (at most `limit`) until no command of this process is
/// still running, so that every run's tree is killed and its folder removed before the
/// process exits. True when none is left.
pub fn wait_for_runs_to_end(limit: std::time::Duration) -> bool {
    let started = std::time::Instant::now();
    while super::tree::running() > 0 {
        if started.elapsed() > limit {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}

/// The flag a sweep can take as its cancel flag: set once a handled signal arrived.
pub fn flag() -> &'static AtomicBool {
    &REQUESTED
}

/// Whether a handled signal has arrived.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// The signal that arrived, if any, with its name and the exit status that reports it.
pub fn received() -> Option<(&'static str, u8)> {
    match SIGNAL.load(Ordering::SeqCst) {
        libc::SIGINT => Some(("SIGINT", 130)),
        libc::SIGTERM => Some(("SIGTERM", 143)),
        libc::SIGHUP => Some(("SIGHUP", 129)),
        _ => None,
    }
}
