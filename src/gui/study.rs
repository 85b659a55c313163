//! The app's settings study (Compare settings): the field and values entered, the study
//! running on its own thread with its progress and Cancel, and its file once done. The same
//! settings, seeds and reading as `seedscope run --vary` (records::study_run).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use eframe::egui;

use super::task::Task;
use crate::engine::config::ExperimentConfig;
use crate::engine::study::{Vary, grid, with_field};
use crate::records::study_file::StudyFile;

/// The fields the panel offers: (path in the experiment, what the form calls it, an example).
pub const STUDY_FIELDS: [(&str, &str, &str); 7] = [
    ("training.learning_rate", "Learning rate", "0.01, 0.001"),
    ("model.dropout", "Dropout", "0, 0.1, 0.3"),
    ("training.epochs", "Epochs", "30, 100"),
    ("training.batch_size", "Batch size", "16, 32, 64"),
    ("data.samples", "Samples", "300, 1000"),
    ("model.hidden", "Hidden layers", "[16,16], [32]"),
    ("training.optimizer", "Optimizer", "adam, sgd"),
];

/// What the Compare settings tab holds between frames.
pub struct StudyState {
    /// An index into [`STUDY_FIELDS`].
    pub field: usize,
    pub values: String,
    pub running: Option<RunningStudy>,
    pub study: Option<StudyFile>,
    pub error: Option<String>,
}

impl Default for StudyState {
    fn default() -> StudyState {
        StudyState {
            field: 0,
            values: STUDY_FIELDS[0].2.to_string(),
            running: None,
            study: None,
            error: None,
        }
    }
}

/// A study on its thread.
pub struct RunningStudy {
    task: Task<Option<StudyFile>>,
    cancel: Arc<AtomicBool>,
    finished: Arc<AtomicUsize>,
    pub total: usize,
}

impl StudyState {
    /// Starts the study of the chosen field's values over `base` under `seed`; a bad value
    /// is shown, naming the field and what it allows, and nothing starts.
    pub fn start(&mut self, base: &ExperimentConfig, seed: u64, ctx: &egui::Context) {
        if self.running.is_some() {
            return;
        }
        // A command is never started from here: it has no trust dialog of its own, and its
        // fields are the placeholders of its command line (`seedscope run --vary`).
        if base.command.is_some() {
            self.error = Some(
                "Compare settings varies the built-in model's fields; for Your command use \
                 seedscope run --command \"… {lr} …\" --vary lr=…"
                    .into(),
            );
            return;
        }
        let (field, _, _) = STUDY_FIELDS[self.field];
        let prepared = format!("{field}={}", self.values)
            .parse::<Vary>()
            .and_then(|vary| {
                let settings = grid(std::slice::from_ref(&vary))?;
                let configs = settings
                    .into_iter()
                    .map(|s| {
                        let config = with_field(base, field, &s.values[field])?;
                        Ok((s, config))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((vary, configs))
            });
        let (vary, configs) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                self.error = Some(error.to_string().replacen("--vary ", "", 1));
                return;
            }
        };
        self.error = None;
        self.study = None;
        let total = configs
            .iter()
            .map(|(_, c)| c.conditions.len() * c.repeats)
            .sum();
        let cancel = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicUsize::new(0));
        let (task_cancel, task_finished) = (cancel.clone(), finished.clone());
        let waker = ctx.clone();
        let task = Task::spawn("study", Some(ctx), move || {
            let workers = crate::engine::sweep::default_workers();
            let study = crate::records::study_run::run_study(
                vec![vary],
                configs,
                seed,
                workers,
                (&task_cancel, &task_finished),
            );
            waker.request_repaint();
            study
        });
        self.running = Some(RunningStudy {
            task,
            cancel,
            finished,
            total,
        });
    }

    /// Collects the study when it is done.
    pub fn poll(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        match running.task.poll() {
            None => {}
            Some(Ok(Some(study))) => {
                self.study = Some(study);
                self.running = None;
            }
            Some(Ok(None)) => {
                self.error = Some("The study was cancelled; nothing was kept.".into());
                self.running = None;
            }
            Some(Err(error)) => {
                self.error = Some(error.to_string());
                self.running = None;
            }
        }
    }

    /// Runs finished and runs in all, while running.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.running
            .as_ref()
            .map(|r| (r.finished.load(Ordering::Relaxed), r.total))
    }

    pub fn cancel(&self) {
        if let Some(running) = &self.running {
            running.cancel.store(true, Ordering::Relaxed);
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}
