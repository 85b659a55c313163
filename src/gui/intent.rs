//! What panels ask of the app (intents, applied after the frame is drawn, so no panel changes
//! state another panel is reading) and what the app tells back on the status line.

/// What the user asked for this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    Run,
    /// Train the current selection again, ignoring (and replacing) the stored runs.
    Retrain,
    SetAutoRun(bool),
    /// History: open an experiment of the run store with its runs.
    ReopenExperiment(i64),
    DeleteExperiment(i64),
    Cancel,
    SaveSnapshot,
    ExportJson,
    ExportCsv,
    OpenExperiment,
    SaveExperiment,
    /// Data set → CSV file…: pick a file to train on.
    OpenCsv,
    /// The data settings were changed to something that cannot be loaded: keep `previous`.
    DataRefused {
        previous: Box<crate::engine::config::DataConfig>,
        message: String,
    },
    NewSeed,
    LoadPreset(String),
    Replay(usize),
    /// Your command: one run, shown as it ran (nothing recorded).
    TryOnce,
}

/// The status line under the toolbar.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Info(String),
    /// Done, but not all of it: a sweep in which some runs failed.
    Warning(String),
    Error(String),
}
