//! Where a slow frame's time went. With `SEEDSCOPE_SLOW_FRAME_MS=50` in the environment, every
//! frame of `SeedscopeApp::show` slower than 50 ms prints the time of each of its phases to
//! stderr, with what the session was doing. Off, it costs one clock read per phase.
//! It exists because a p95 and a worst frame say that a frame was slow, not why.

use std::sync::OnceLock;
use std::time::Instant;

/// The threshold from `SEEDSCOPE_SLOW_FRAME_MS`, read once.
fn threshold_ms() -> Option<f32> {
    static THRESHOLD: OnceLock<Option<f32>> = OnceLock::new();
    *THRESHOLD.get_or_init(|| {
        std::env::var("SEEDSCOPE_SLOW_FRAME_MS")
            .ok()
            .and_then(|text| text.trim().parse().ok())
    })
}

/// The phases of one frame, timed as they end.
pub struct FramePhases {
    started: Instant,
    last: Instant,
    phases: Vec<(&'static str, f32)>,
}

impl FramePhases {
    pub fn start() -> FramePhases {
        let now = Instant::now();
        FramePhases {
            started: now,
            last: now,
            phases: Vec::new(),
        }
    }

    /// Ends the phase called `name` (the time since the previous mark).
    pub fn mark(&mut self, name: &'static str) {
        if threshold_ms().is_none() {
            return;
        }
        let now = Instant::now();
        self.phases
            .push((name, (now - self.last).as_secs_f32() * 1000.0));
        self.last = now;
    }

    /// Prints the phases if the frame was slower than the threshold; `context` says what the
    /// app was doing (only built for a slow frame).
    pub fn finish(self, context: impl FnOnce() -> String) {
        let Some(threshold) = threshold_ms() else {
            return;
        };
        let total = self.started.elapsed().as_secs_f32() * 1000.0;
        if total < threshold {
            return;
        }
        let phases: Vec<String> = self
            .phases
            .iter()
            .filter(|(_, ms)| *ms >= 0.5)
            .map(|(name, ms)| format!("{name} {ms:.1}"))
            .collect();
        eprintln!(
            "slow frame {total:.1} ms [{}] {}",
            phases.join(", "),
            context()
        );
    }
}
