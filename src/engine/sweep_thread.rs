//! A sweep on a background thread, for the app (split out of sweep.rs, which holds the
//! worker pool itself): its events arrive over a channel that the window polls each frame,
//! and Cancel is one flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use crate::engine::record::RunRecord;
use crate::engine::sweep::{SweepEvent, SweepSpec, run_sweep};

/// Sees every finished run on the sweep's own thread (e.g. writes it to the run store).
pub type KeepRun = Box<dyn FnMut(&RunRecord) + Send>;

/// A sweep running on a background thread, for the GUI: poll [`Sweep::events`] each frame.
pub struct Sweep {
    events: mpsc::Receiver<SweepEvent>,
    cancel: Arc<AtomicBool>,
    pub total_runs: usize,
    pub started: Instant,
}

impl Sweep {
    /// Starts the sweep; `wake` is called after every event (e.g. `ctx.request_repaint()`).
    pub fn start(spec: SweepSpec, wake: Arc<dyn Fn() + Send + Sync>) -> Sweep {
        Sweep::start_keeping(spec, wake, None)
    }

    /// [`Sweep::start`], and `keep` sees every finished run on the sweep's thread before the
    /// UI does (the run store writes it there, off the UI thread).
    pub fn start_keeping(
        spec: SweepSpec,
        wake: Arc<dyn Fn() + Send + Sync>,
        mut keep: Option<KeepRun>,
    ) -> Sweep {
        let (sender, events) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let total_runs = spec.runs_to_train();
        let worker_cancel = Arc::clone(&cancel);
        std::thread::Builder::new()
            .name("seedscope-sweep".into())
            .spawn(move || {
                run_sweep(&spec, &worker_cancel, &mut |event| {
                    if let (Some(keep), SweepEvent::RunFinished(record)) = (&mut keep, event) {
                        keep(record);
                    }
                    let _ = sender.send(event.clone());
                    wake();
                });
            })
            .expect("the OS can start a thread");
        Sweep {
            events,
            cancel,
            total_runs,
            started: Instant::now(),
        }
    }

    /// Asks the workers to stop; finished runs are kept, the runs in progress are dropped.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Every event that has arrived, without waiting.
    pub fn drain(&self) -> Vec<SweepEvent> {
        self.events.try_iter().collect()
    }
}
