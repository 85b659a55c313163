//! Process-wide settings that must be made before the first tensor operation.

use std::sync::Once;

static CONFIGURE: Once = Once::new();

/// Pins candle's per-operation thread count to 1 unless the user chose one.
///
/// seedscope parallelises across runs (and across shards for the `threads` source), so
/// intra-op threads would only compete with them. More importantly, with `RAYON_NUM_THREADS`
/// unset candle re-reads /proc/cpuinfo on every matmul, which made a run 4.5× slower here
/// (ARCHITECTURE.md, "Facts"). The binary calls this first thing in `main`, before any other thread exists;
/// library entry points call it again (it runs once) for tests and embedders.
pub fn configure() {
    CONFIGURE.call_once(|| {
        keep_freed_memory_a_while();
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            // SAFETY: called from `main` before any thread is spawned; in tests, before the
            // first sweep, when no other thread reads the environment.
            unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
        }
    });
}

/// mimalloc's `mi_option_purge_delay`: its index in `mi_option_e` (mimalloc v3's
/// `include/mimalloc.h`, which libmimalloc-sys builds; it names no constant for it). A test
/// checks that this index reads what `MIMALLOC_PURGE_DELAY` sets.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long, in milliseconds, memory freed by a group of runs is kept for the next group.
const KEEP_FREED_MS: std::ffi::c_long = 10_000;

/// Keeps freed memory for ten seconds before returning it to the OS, unless the user set
/// `MIMALLOC_PURGE_DELAY`. With mimalloc's one second, each new group of runs faulted its
/// data sets' pages in again, and the kernel zeroed them: a tenth of a digits sweep's CPU.
/// Nothing of the results depends on it; a long idle app still gives the memory back.
fn keep_freed_memory_a_while() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option of the allocator; any value is valid.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, KEEP_FREED_MS) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_is_kept_for_ten_seconds_unless_the_user_says_otherwise() {
        configure();
        // SAFETY: reads one integer option of the allocator.
        let delay = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        match std::env::var("MIMALLOC_PURGE_DELAY") {
            Ok(chosen) => assert_eq!(delay.to_string(), chosen),
            Err(_) => assert_eq!(delay, KEEP_FREED_MS),
        }
    }

    /// The index is the purge delay's: the test above, in a process of its own where
    /// mimalloc read `MIMALLOC_PURGE_DELAY=4321` at start-up, finds 4321 there.
    #[test]
    fn the_option_index_is_the_purge_delay() {
        let this_test = "engine::runtime::tests::freed_memory_is_kept_for_ten_seconds_unless_the_user_says_otherwise";
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", this_test, "--quiet"])
            .env("MIMALLOC_PURGE_DELAY", "4321")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "option {PURGE_DELAY} is not mimalloc's purge delay"
        );
    }
}
