//! A half-written file removed when the process is told to stop (SIGTERM, SIGINT, SIGHUP)
//! while writing it: `kill` during the last seconds of a 100,000-run sweep, while its results
//! file is written, must not leave 19 MB of `.partial` behind.
//!
//! While a [`PartialFile`] lives, its path sits in one of a few fixed slots that a signal
//! handler can read without locking or allocating. The handler unlinks every registered
//! path (`unlink` is async-signal-safe), restores the signal's default action and raises it
//! again, so the process still ends the way the signal asked (exit status, core dump). A
//! signal the process inherited as ignored (`nohup`, a background job of a non-interactive
//! shell) stays ignored: we never install a handler over `SIG_IGN`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicPtr, Ordering};

/// How many files can be half-written at once (the CLI writes one at a time; the app may
/// save a snapshot while an export is written).
const SLOTS: usize = 8;
static PENDING: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
static INSTALL: Once = Once::new();
const SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// Registers `path` for removal if a stop signal arrives before this value is dropped.
/// Dropping it unregisters the path (it does not remove the file: the writer renames it or
/// removes it itself).
pub struct PartialFile {
    slot: Option<usize>,
}

impl PartialFile {
    pub fn register(path: &Path) -> PartialFile {
        INSTALL.call_once(install_handlers);
        let Ok(name) = CString::new(path.as_os_str().as_bytes()) else {
            return PartialFile { slot: None };
        };
        let raw = name.into_raw();
        for (index, slot) in PENDING.iter().enumerate() {
            if slot
                .compare_exchange(
                    std::ptr::null_mut(),
                    raw,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
            {
                return PartialFile { slot: Some(index) };
            }
        }
        // Every slot is taken: this file is written unguarded (still removed on any error).
        // SAFETY: `raw` came from `CString::into_raw` just above and was never shared.
        drop(unsafe { CString::from_raw(raw) });
        PartialFile { slot: None }
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if let Some(index) = self.slot {
            let raw = PENDING[index].swap(std::ptr::null_mut(), Ordering::SeqCst);
            if !raw.is_null() {
                // SAFETY: only `register` stores pointers, each from `CString::into_raw`, and
                // the swap above took this one out of the slot, so it is freed once.
                drop(unsafe { CString::from_raw(raw) });
            }
        }
    }
}

extern "C" fn remove_pending_and_stop(signal: libc::c_int) {
    for slot in &PENDING {
        let raw = slot.load(Ordering::SeqCst);
        if !raw.is_null() {
            // SAFETY: a NUL-terminated path owned by a live `PartialFile`; unlink is
            // async-signal-safe and only reads it.
            unsafe { libc::unlink(raw) };
        }
    }
    // SAFETY: signal and raise are async-signal-safe; the default action ends the process.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Installs the handlers where the signals have their default action (also called by
/// `command::interrupt` when it hands the signals back after a sweep).
pub fn install_handlers() {
    for signal in SIGNALS {
        // SAFETY: a zeroed sigaction is a valid "no handler" value to read the current
        // action into; sigaction with a null new action only reads.
        let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a zeroed sigaction is a valid value to read the current action into.
        if unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) } != 0 {
            continue;
        }
        // An ignored signal stays ignored; someone else's handler stays theirs.
        if current.sa_sigaction != libc::SIG_DFL {
            continue;
        }
        // SAFETY: the handler is an `extern "C" fn(c_int)` that only calls
        // async-signal-safe functions; the mask is emptied before use.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = remove_pending_and_stop as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}
