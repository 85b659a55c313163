//! `--autorun [--snapshot PATH]`: drive the app without a user (start the sweep, snapshot a
//! view when it ends, close the window) and report how it went.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::state::View;

/// What to do without a user, and how it ended.
#[derive(Default)]
pub struct UnattendedRun {
    pub snapshot: Option<PathBuf>,
    /// The view the snapshot shows.
    pub view: View,
    pub started: bool,
    pub report: Arc<Mutex<UnattendedReport>>,
}

#[derive(Clone, Debug, Default)]
pub struct UnattendedReport {
    pub exit_code: Option<u8>,
    pub frame_ms: Vec<f32>,
    pub message: String,
}

/// What the autorun driver wants done this frame.
#[derive(Debug, PartialEq)]
pub enum UnattendedStep {
    Nothing,
    StartSweep,
    Snapshot {
        view: View,
        path: PathBuf,
    },
    /// The sweep never started: close with a failure.
    Fail,
}

impl UnattendedRun {
    /// The next step, given whether the app is idle (no sweep, no capture) and has a session.
    pub fn next_step(&mut self, idle: bool, has_session: bool) -> UnattendedStep {
        if !self.started {
            self.started = true;
            return UnattendedStep::StartSweep;
        }
        let Some(path) = self.snapshot.clone() else {
            return UnattendedStep::Nothing;
        };
        let mut report = self.report.lock().expect("report lock");
        if !idle || report.exit_code.is_some() {
            return UnattendedStep::Nothing;
        }
        if !has_session {
            report.exit_code = Some(1);
            report.message = "the sweep did not start".into();
            return UnattendedStep::Fail;
        }
        UnattendedStep::Snapshot {
            view: self.view,
            path,
        }
    }

    /// Records the outcome of the autorun's own snapshot; true when `path` was that snapshot
    /// (the window should then close).
    pub fn snapshot_done(&self, path: &PathBuf, ok: bool, message: &str) -> bool {
        if self.snapshot.as_ref() != Some(path) {
            return false;
        }
        let mut report = self.report.lock().expect("report lock");
        report.exit_code = Some(if ok { 0 } else { 1 });
        report.message = message.to_string();
        true
    }
}
