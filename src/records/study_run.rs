//! A settings study run in one go, for the app: each setting swept in turn under the one
//! master seed, the finished runs counted as they end, a cancel honoured between and within
//! sweeps. (`seedscope run --vary` runs the same settings through the run store instead.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::ResultsFile;
use super::study_file::{StudyFile, StudySetting};
use crate::engine::config::ExperimentConfig;
use crate::engine::study::{Setting, Vary};
use crate::engine::sweep::{SweepEvent, SweepSpec, run_sweep, sort_into_sweep_order};

/// Sweeps every setting's experiment with `workers` workers; `None` when cancelled.
pub fn run_study(
    vary: Vec<Vary>,
    settings: Vec<(Setting, ExperimentConfig)>,
    master_seed: u64,
    workers: usize,
    (cancel, finished): (&AtomicBool, &AtomicUsize),
) -> Option<StudyFile> {
    let mut swept = Vec::new();
    for (setting, config) in settings {
        let mut spec = SweepSpec::new(config.clone(), master_seed, workers);
        spec.low_priority = true;
        let outcome = run_sweep(&spec, cancel, &mut |event| {
            if let SweepEvent::RunFinished(_) = event {
                finished.fetch_add(1, Ordering::Relaxed);
            }
        });
        if outcome.cancelled || cancel.load(Ordering::Relaxed) {
            return None;
        }
        let mut runs = outcome.runs;
        sort_into_sweep_order(&config.conditions, &mut runs);
        swept.push(StudySetting {
            setting,
            results: ResultsFile::new(config, master_seed, "gui", runs, false),
        });
    }
    Some(StudyFile::new(vary, master_seed, swept))
}
