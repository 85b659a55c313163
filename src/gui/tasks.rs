//! Background work the frame polls: replays on their own threads, file dialogs that never
//! block the window, and snapshot captures that wait for the renderer. (The sweep itself is
//! the engine's `Sweep`, polled the same way.) Each task is started by an intent and answers
//! on a channel; the app drains the answers at the top of every frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use eframe::egui::{self, ColorImage};

use super::dialogs::{FileRequest, PathPicker, Picked, default_path};
use super::snapshot::{FrameCapture, write_png};
use super::task::Task;
use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunRecord;
use crate::engine::replay::{ReplayVerdict, replay_run};

/// A replay in the Runs view: running, or its verdict.
pub enum ReplayState {
    Running,
    Done(Result<ReplayVerdict, String>),
}

/// A finished replay: the run's position in the session and its verdict.
type ReplayResult = (usize, Result<ReplayVerdict, String>);

/// Replays running on their own threads, by the run's position.
#[derive(Default)]
pub struct ReplayTasks {
    running: Vec<(usize, Task<Result<ReplayVerdict, String>>)>,
}

impl ReplayTasks {
    /// Re-trains `record` on a new thread; its verdict arrives through [`Self::finished`].
    pub fn start(
        &mut self,
        position: usize,
        (config, master_seed): (ExperimentConfig, u64),
        record: RunRecord,
        ctx: &egui::Context,
    ) {
        let task = Task::spawn("replay", Some(ctx), move || {
            replay_run(&config, Some(master_seed), &record).map_err(|e| e.to_string())
        });
        self.running.push((position, task));
    }

    /// The replays that finished since the last call (a replay whose thread could not start
    /// or died is finished with that error).
    pub fn finished(&mut self) -> Vec<ReplayResult> {
        let mut finished = Vec::new();
        self.running
            .retain_mut(|(position, task)| match task.poll() {
                Some(answer) => {
                    finished.push((*position, answer.unwrap_or_else(|e| Err(e.to_string()))));
                    false
                }
                None => true,
            });
        finished
    }
}

/// Why a file dialog was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickPurpose {
    Snapshot,
    ExportJson,
    ExportCsv,
    OpenExperiment,
    SaveExperiment,
    /// A CSV file as the data set.
    OpenCsv,
}

impl PickPurpose {
    /// Saving these needs runs to save.
    pub fn needs_results(self) -> bool {
        matches!(
            self,
            PickPurpose::ExportJson | PickPurpose::ExportCsv | PickPurpose::Snapshot
        )
    }

    /// The default file's stem and extension (also the fallback path without a dialog).
    pub fn default_file(self) -> (&'static str, &'static str) {
        match self {
            PickPurpose::Snapshot => ("snapshot", "png"),
            PickPurpose::ExportJson => ("results", "json"),
            PickPurpose::ExportCsv => ("runs", "csv"),
            PickPurpose::OpenExperiment | PickPurpose::SaveExperiment => ("experiment", "json"),
            PickPurpose::OpenCsv => ("data", "csv"),
        }
    }

    fn request(self) -> FileRequest {
        let (title, filter, save) = match self {
            PickPurpose::Snapshot => ("Save plot snapshot", "PNG image", true),
            PickPurpose::ExportJson => ("Export results", "JSON", true),
            PickPurpose::ExportCsv => ("Export runs", "CSV", true),
            PickPurpose::OpenExperiment => ("Open experiment", "JSON or Parquet results", false),
            PickPurpose::SaveExperiment => ("Save experiment", "JSON", true),
            PickPurpose::OpenCsv => ("Open a CSV data set", "CSV", false),
        };
        let (what, extension) = self.default_file();
        FileRequest {
            title: title.into(),
            default_name: default_path(what, extension)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            filter_name: filter.into(),
            extensions: match self {
                // Results come as JSON or Parquet (`run --format parquet`).
                PickPurpose::OpenExperiment => vec![extension.into(), "parquet".into()],
                _ => vec![extension.into()],
            },
            save,
        }
    }
}

/// At most one file dialog at a time, answered on a channel.
pub struct FilePicks {
    picker: Box<dyn PathPicker>,
    pending: Option<(PickPurpose, Receiver<Picked>)>,
}

impl FilePicks {
    pub fn new(picker: Box<dyn PathPicker>) -> FilePicks {
        FilePicks {
            picker,
            pending: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// Opens the dialog for `purpose` (the caller checks that none is open).
    pub fn open(&mut self, purpose: PickPurpose, ctx: &egui::Context) {
        let waker = ctx.clone();
        let receiver = self
            .picker
            .request(purpose.request(), Box::new(move || waker.request_repaint()));
        self.pending = Some((purpose, receiver));
    }

    /// The dialog's answer, once there is one.
    pub fn answer(&mut self) -> Option<(PickPurpose, Picked)> {
        let (purpose, receiver) = self.pending.as_ref()?;
        let purpose = *purpose;
        let picked = match receiver.try_recv() {
            Ok(picked) => picked,
            Err(TryRecvError::Empty) => return None,
            // The dialog thread ended without an answer: treat it as cancelled.
            Err(TryRecvError::Disconnected) => Picked::Cancelled,
        };
        self.pending = None;
        Some((purpose, picked))
    }
}

enum SnapshotState {
    Idle,
    /// Hover is off; wait for a frame drawn without it before capturing.
    Settling {
        path: PathBuf,
        frames_left: u8,
    },
    Waiting {
        path: PathBuf,
        frame: Receiver<Arc<ColorImage>>,
    },
}

/// A capture of the central view into a PNG, a few frames long.
pub struct SnapshotTask {
    capture: Box<dyn FrameCapture>,
    state: SnapshotState,
}

/// Where a snapshot went and its size in pixels, or why it failed.
pub type SnapshotOutcome = (PathBuf, Result<[usize; 2], String>);

impl SnapshotTask {
    pub fn new(capture: Box<dyn FrameCapture>) -> SnapshotTask {
        SnapshotTask {
            capture,
            state: SnapshotState::Idle,
        }
    }

    pub fn is_capturing(&self) -> bool {
        !matches!(self.state, SnapshotState::Idle)
    }

    pub fn begin(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.state = SnapshotState::Settling {
            path,
            frames_left: 2,
        };
        ctx.request_repaint();
    }

    /// Advances the capture by one frame; returns the outcome once the PNG is written (or
    /// could not be). `view_rect` is the central view's rectangle in the last frame.
    pub fn poll(
        &mut self,
        ctx: &egui::Context,
        view_rect: Option<egui::Rect>,
    ) -> Option<SnapshotOutcome> {
        match std::mem::replace(&mut self.state, SnapshotState::Idle) {
            SnapshotState::Idle => None,
            SnapshotState::Settling { path, frames_left } => {
                if frames_left > 0 {
                    self.state = SnapshotState::Settling {
                        path,
                        frames_left: frames_left - 1,
                    };
                } else {
                    let (sender, frame) = channel();
                    self.capture.request(ctx, sender);
                    self.state = SnapshotState::Waiting { path, frame };
                }
                ctx.request_repaint();
                None
            }
            SnapshotState::Waiting { path, frame } => match frame.try_recv() {
                Ok(image) => {
                    let result = match view_rect {
                        Some(rect) => write_png(&image, rect, ctx.pixels_per_point(), &path),
                        None => Err("no view to capture".into()),
                    };
                    Some((path, result))
                }
                Err(TryRecvError::Empty) => {
                    self.state = SnapshotState::Waiting { path, frame };
                    None
                }
                Err(TryRecvError::Disconnected) => {
                    Some((path, Err("the renderer returned no frame".into())))
                }
            },
        }
    }
}
