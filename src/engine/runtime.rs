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
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            // SAFETY: called from `main` before any thread is spawned; in tests, before the
            // first sweep, when no other thread reads the environment.
            unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
        }
    });
}
