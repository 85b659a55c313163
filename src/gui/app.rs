//! The app's state and its event pump. Panels draw and collect [`Intent`]s; the intents are
//! applied after drawing, so no panel mutates state another panel is reading.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, ColorImage};
use serde::{Deserialize, Serialize};

use super::dialogs::{FileRequest, PathPicker, Picked, default_path};
use super::snapshot::{FrameCapture, write_png};
use crate::config::ExperimentConfig;
use crate::presets;
use crate::replay::{ReplayVerdict, replay};
use crate::results::{ResultsFile, RunRecord, runs_csv, write_atomically};
use crate::seeds::{Condition, Source};
use crate::stats::{ConditionSummary, summarize_condition, summarize_conditions};
use crate::sweep::{Sweep, SweepEvent, SweepSpec, default_workers, sort_into_sweep_order};

/// Which conditions the next sweep runs: the checkboxes of the left panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionChoice {
    pub all_fixed: bool,
    pub all_free: bool,
    /// One-at-a-time ablations, indexed by `Source::index`.
    pub only: [bool; 6],
    /// The sources grid: which sources the custom condition frees.
    pub custom_free: [bool; 6],
    pub library_rng: bool,
    pub nudge: bool,
}

impl Default for ConditionChoice {
    fn default() -> Self {
        ConditionChoice {
            all_fixed: true,
            all_free: true,
            only: [true; 6],
            custom_free: [false; 6],
            library_rng: false,
            nudge: false,
        }
    }
}

impl ConditionChoice {
    pub fn custom(&self) -> Condition {
        let free: Vec<Source> = Source::ALL
            .into_iter()
            .filter(|s| self.custom_free[s.index()])
            .collect();
        Condition::with_free(&free)
    }

    /// The conditions in sweep order, without duplicates (the custom set may equal another).
    pub fn conditions(&self) -> Vec<Condition> {
        let mut list = Vec::new();
        if self.all_fixed {
            list.push(Condition::ALL_FIXED);
        }
        if self.all_free {
            list.push(Condition::ALL_FREE);
        }
        for source in Source::ALL {
            if self.only[source.index()] {
                list.push(Condition::only(source));
            }
        }
        list.push(self.custom());
        if self.library_rng {
            list.push(Condition::LIBRARY_RNG);
        }
        if self.nudge {
            list.push(Condition::NUDGE);
        }
        let mut unique = Vec::new();
        for condition in list {
            if !unique.contains(&condition) {
                unique.push(condition);
            }
        }
        // The custom set alone and all fixed is "all-fixed": keep it only if asked for.
        if !self.all_fixed && self.custom() == Condition::ALL_FIXED {
            unique.retain(|c| *c != Condition::ALL_FIXED);
        }
        unique
    }

    /// The checkboxes that reproduce a saved list of conditions.
    pub fn from_conditions(conditions: &[Condition]) -> ConditionChoice {
        let mut choice = ConditionChoice {
            all_fixed: false,
            all_free: false,
            only: [false; 6],
            custom_free: [false; 6],
            library_rng: false,
            nudge: false,
        };
        for condition in conditions {
            match condition.to_string().as_str() {
                "all-fixed" => choice.all_fixed = true,
                "all-free" => choice.all_free = true,
                "library-rng" => choice.library_rng = true,
                "nudge" => choice.nudge = true,
                name if name.starts_with("only-") => {
                    choice.only[condition.free_sources()[0].index()] = true;
                }
                _ => {
                    for source in condition.free_sources() {
                        choice.custom_free[source.index()] = true;
                    }
                }
            }
        }
        choice
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum View {
    #[default]
    Distributions,
    Sources,
    Curves,
    Disagreement,
    Compare,
    Runs,
}

impl View {
    /// The view named on the command line (`--view`).
    pub fn from_name(name: &str) -> Option<View> {
        View::ALL
            .into_iter()
            .find(|v| format!("{v:?}").eq_ignore_ascii_case(name))
    }

    pub const ALL: [View; 6] = [
        View::Distributions,
        View::Sources,
        View::Curves,
        View::Disagreement,
        View::Compare,
        View::Runs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Distributions => "Distributions",
            View::Sources => "Which sources matter",
            View::Curves => "Learning curves",
            View::Disagreement => "Where runs disagree",
            View::Compare => "Compare",
            View::Runs => "Runs",
        }
    }
}

/// What persists across launches (eframe storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub choice: ConditionChoice,
    pub view: View,
    /// The hidden-layer widths as typed, e.g. "16, 16".
    pub hidden_text: String,
    pub preset: String,
    /// The condition shown in the learning-curves and disagreement views.
    pub curves_condition: String,
    /// The two conditions of the Compare view.
    pub compare_a: String,
    pub compare_b: String,
    /// The run whose own decision regions the disagreement view shows (None: all runs).
    pub selected_run: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_config(presets::default_config(), presets::DEFAULT_PRESET)
    }
}

impl Settings {
    pub fn from_config(config: ExperimentConfig, preset: &str) -> Settings {
        Settings {
            hidden_text: widths_text(&config.model.hidden),
            choice: ConditionChoice::from_conditions(&config.conditions),
            config,
            master_seed: 42,
            view: View::Distributions,
            preset: preset.to_string(),
            curves_condition: "all-free".to_string(),
            compare_a: "all-fixed".to_string(),
            compare_b: "all-free".to_string(),
            selected_run: None,
        }
    }

    /// The experiment the Run button would start, with the conditions from the checkboxes.
    pub fn experiment(&self) -> ExperimentConfig {
        let mut config = self.config.clone();
        config.conditions = self.choice.conditions();
        config
    }
}

pub fn widths_text(widths: &[usize]) -> String {
    widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The runs of the current (or last) sweep and what they add up to.
pub struct Session {
    pub config: ExperimentConfig,
    pub master_seed: u64,
    pub runs: Vec<RunRecord>,
    pub summaries: Vec<ConditionSummary>,
    pub total: usize,
    pub started: Instant,
    pub elapsed: Option<Duration>,
    pub cancelled: bool,
    /// Epochs done by runs in progress, for a smooth progress bar.
    pub epochs_in_progress: HashMap<(String, usize), usize>,
}

impl Session {
    fn new(config: ExperimentConfig, master_seed: u64, total: usize) -> Session {
        Session {
            summaries: summarize_conditions(&config.conditions, &[]),
            config,
            master_seed,
            runs: Vec::new(),
            total,
            started: Instant::now(),
            elapsed: None,
            cancelled: false,
            epochs_in_progress: HashMap::new(),
        }
    }

    pub fn results_file(&self) -> ResultsFile {
        ResultsFile::new(
            self.config.clone(),
            self.master_seed,
            "gui",
            self.runs.clone(),
            self.cancelled,
        )
    }

    /// Completed fraction, counting epochs of runs in progress.
    pub fn progress(&self) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        let epochs = self.config.training.epochs.max(1) as f32;
        let partial: f32 = self
            .epochs_in_progress
            .values()
            .map(|done| *done as f32 / epochs)
            .sum();
        ((self.runs.len() as f32 + partial) / self.total as f32).min(1.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Info(String),
    Error(String),
}

/// What the user asked for this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    Run,
    Cancel,
    SaveSnapshot,
    ExportJson,
    ExportCsv,
    OpenExperiment,
    SaveExperiment,
    NewSeed,
    LoadPreset(String),
    Replay(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PickPurpose {
    Snapshot,
    ExportJson,
    ExportCsv,
    OpenExperiment,
    SaveExperiment,
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

/// `--autorun [--snapshot PATH]`: what to do without a user, and how it ended.
#[derive(Default)]
pub struct Autorun {
    pub snapshot: Option<PathBuf>,
    /// The view the snapshot shows.
    pub view: View,
    pub started: bool,
    pub report: Arc<Mutex<AutorunReport>>,
}

#[derive(Clone, Debug, Default)]
pub struct AutorunReport {
    pub exit_code: Option<u8>,
    pub frame_ms: Vec<f32>,
    pub message: String,
}

/// A finished replay: the run's position in the session and its verdict.
type ReplayResult = (usize, Result<ReplayVerdict, String>);

pub enum ReplayState {
    Running,
    Done(Result<ReplayVerdict, String>),
}

pub struct SeedscopeApp {
    pub settings: Settings,
    pub session: Option<Session>,
    pub message: Option<Message>,
    pub replays: HashMap<usize, ReplayState>,
    /// The central view's rectangle in the last frame: what a snapshot captures.
    pub view_rect: Option<egui::Rect>,
    pub autorun: Option<Autorun>,
    sweep: Option<Sweep>,
    picker: Box<dyn PathPicker>,
    capture: Box<dyn FrameCapture>,
    pending_pick: Option<(PickPurpose, Receiver<Picked>)>,
    snapshot: SnapshotState,
    replay_results: (Sender<ReplayResult>, Receiver<ReplayResult>),
    intents: Vec<Intent>,
}

impl SeedscopeApp {
    pub fn new(
        settings: Settings,
        picker: Box<dyn PathPicker>,
        capture: Box<dyn FrameCapture>,
    ) -> SeedscopeApp {
        SeedscopeApp {
            settings,
            session: None,
            message: None,
            replays: HashMap::new(),
            view_rect: None,
            autorun: None,
            sweep: None,
            picker,
            capture,
            pending_pick: None,
            snapshot: SnapshotState::Idle,
            replay_results: channel(),
            intents: Vec::new(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.sweep.is_some()
    }

    pub fn is_capturing(&self) -> bool {
        !matches!(self.snapshot, SnapshotState::Idle)
    }

    /// Queues an intent (panels call this; tests may too).
    pub fn intend(&mut self, intent: Intent) {
        self.intents.push(intent);
    }

    /// Every problem with the experiment as entered, for the form and the Run button.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(message) = parse_widths(&self.settings.hidden_text) {
            problems.push(message);
        }
        problems.extend(
            self.settings
                .experiment()
                .problems()
                .into_iter()
                .map(|e| e.to_string()),
        );
        problems
    }

    /// Draws one frame and applies what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.pump_sweep();
        self.pump_replays();
        self.pump_pick(&ctx);
        self.pump_snapshot(&ctx);
        self.drive_autorun(&ctx);

        egui::Panel::top("toolbar").show(ui, |ui| super::toolbar::show(self, ui));
        egui::Panel::left("settings")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| super::settings::show(self, ui));
            });
        egui::CentralPanel::default().show(ui, |ui| super::views::show(self, ui));

        for intent in std::mem::take(&mut self.intents) {
            self.apply(intent, &ctx);
        }
        if self.is_running() {
            // Keep elapsed time and ETA ticking between run events.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn apply(&mut self, intent: Intent, ctx: &egui::Context) {
        match intent {
            Intent::Run => self.start_sweep(ctx),
            Intent::Cancel => {
                if let Some(sweep) = &self.sweep {
                    sweep.cancel();
                    self.message =
                        Some(Message::Info("Cancelling: finished runs are kept.".into()));
                }
            }
            Intent::NewSeed => self.settings.master_seed = crate::cli::os_seed(),
            Intent::LoadPreset(name) => {
                match presets::find(&name).and_then(|p| p.config().map_err(|e| e.to_string())) {
                    Ok(config) => {
                        let seed = self.settings.master_seed;
                        let view = self.settings.view;
                        self.settings = Settings::from_config(config, &name);
                        self.settings.master_seed = seed;
                        self.settings.view = view;
                        self.message = Some(Message::Info(format!("Loaded preset {name}.")));
                    }
                    Err(error) => self.message = Some(Message::Error(error)),
                }
            }
            Intent::SaveSnapshot => self.pick(PickPurpose::Snapshot, ctx),
            Intent::ExportJson => self.pick(PickPurpose::ExportJson, ctx),
            Intent::ExportCsv => self.pick(PickPurpose::ExportCsv, ctx),
            Intent::OpenExperiment => self.pick(PickPurpose::OpenExperiment, ctx),
            Intent::SaveExperiment => self.pick(PickPurpose::SaveExperiment, ctx),
            Intent::Replay(position) => self.start_replay(position, ctx),
        }
    }

    fn start_sweep(&mut self, ctx: &egui::Context) {
        if self.is_running() {
            return;
        }
        let problems = self.problems();
        if let Some(first) = problems.first() {
            self.message = Some(Message::Error(format!("Cannot run: {first}")));
            return;
        }
        let config = self.settings.experiment();
        let spec = SweepSpec {
            config: config.clone(),
            master_seed: self.settings.master_seed,
            workers: default_workers(),
            low_priority: true,
        };
        let waker = ctx.clone();
        let sweep = Sweep::start(spec, Arc::new(move || waker.request_repaint()));
        self.session = Some(Session::new(
            config,
            self.settings.master_seed,
            sweep.total_runs,
        ));
        self.replays.clear();
        self.sweep = Some(sweep);
        self.message = None;
    }

    fn pump_sweep(&mut self) {
        let Some(sweep) = &self.sweep else { return };
        let events = sweep.drain();
        let Some(session) = &mut self.session else {
            return;
        };
        // Conditions with new runs: only their summaries are recomputed (a bootstrap each),
        // so a frame that receives one run stays cheap.
        let mut changed: HashSet<String> = HashSet::new();
        let mut finished = false;
        for event in events {
            match event {
                SweepEvent::Epoch {
                    condition,
                    run_index,
                    epochs_done,
                } => {
                    session
                        .epochs_in_progress
                        .insert((condition, run_index), epochs_done);
                }
                SweepEvent::RunFinished(record) => {
                    session
                        .epochs_in_progress
                        .remove(&(record.condition.clone(), record.run_index));
                    changed.insert(record.condition.clone());
                    session.runs.push(*record);
                }
                SweepEvent::Finished { cancelled, elapsed } => {
                    session.cancelled = cancelled;
                    session.elapsed = Some(elapsed);
                    session.epochs_in_progress.clear();
                    finished = true;
                }
            }
        }
        let conditions = &session.config.conditions;
        for (summary, condition) in session.summaries.iter_mut().zip(conditions) {
            if changed.contains(&summary.condition) {
                *summary = summarize_condition(condition, &session.runs);
            }
        }
        if finished {
            sort_into_sweep_order(&session.config.conditions, &mut session.runs);
            self.message = Some(Message::Info(if session.cancelled {
                format!(
                    "Cancelled: kept {} of {} runs.",
                    session.runs.len(),
                    session.total
                )
            } else {
                format!(
                    "Finished {} runs in {:.1} s.",
                    session.runs.len(),
                    session.elapsed.unwrap_or_default().as_secs_f64()
                )
            }));
            self.sweep = None;
        }
    }

    fn start_replay(&mut self, position: usize, ctx: &egui::Context) {
        let Some(session) = &self.session else { return };
        let Some(record) = session.runs.get(position).cloned() else {
            return;
        };
        let config = session.config.clone();
        let sender = self.replay_results.0.clone();
        let waker = ctx.clone();
        self.replays.insert(position, ReplayState::Running);
        std::thread::spawn(move || {
            let _ = sender.send((position, replay(&config, &record)));
            waker.request_repaint();
        });
    }

    fn pump_replays(&mut self) {
        for (position, verdict) in self.replay_results.1.try_iter() {
            self.replays.insert(position, ReplayState::Done(verdict));
        }
    }

    fn pick(&mut self, purpose: PickPurpose, ctx: &egui::Context) {
        if self.pending_pick.is_some() {
            self.message = Some(Message::Info("A file dialog is already open.".into()));
            return;
        }
        let needs_results = matches!(
            purpose,
            PickPurpose::ExportJson | PickPurpose::ExportCsv | PickPurpose::Snapshot
        );
        if needs_results && self.session.as_ref().is_none_or(|s| s.runs.is_empty()) {
            self.message = Some(Message::Error(
                "Nothing to save yet: press Run first.".into(),
            ));
            return;
        }
        let (title, what, filter, extension, save) = match purpose {
            PickPurpose::Snapshot => ("Save plot snapshot", "snapshot", "PNG image", "png", true),
            PickPurpose::ExportJson => ("Export results", "results", "JSON", "json", true),
            PickPurpose::ExportCsv => ("Export runs", "runs", "CSV", "csv", true),
            PickPurpose::OpenExperiment => ("Open experiment", "experiment", "JSON", "json", false),
            PickPurpose::SaveExperiment => ("Save experiment", "experiment", "JSON", "json", true),
        };
        let default = default_path(what, extension);
        let request = FileRequest {
            title: title.into(),
            default_name: default
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            filter_name: filter.into(),
            extensions: vec![extension.into()],
            save,
        };
        let waker = ctx.clone();
        let receiver = self
            .picker
            .request(request, Box::new(move || waker.request_repaint()));
        self.pending_pick = Some((purpose, receiver));
        self.pump_pick(ctx);
    }

    fn pump_pick(&mut self, ctx: &egui::Context) {
        let Some((purpose, receiver)) = &self.pending_pick else {
            return;
        };
        let purpose = *purpose;
        let Ok(picked) = receiver.try_recv() else {
            return;
        };
        self.pending_pick = None;
        let path = match picked {
            Picked::Chosen(path) => path,
            Picked::Cancelled => {
                self.message = Some(Message::Info("Cancelled.".into()));
                return;
            }
            Picked::NoDialog => {
                if purpose == PickPurpose::OpenExperiment {
                    self.message = Some(Message::Error(
                        "No file dialog can be shown here; start with `seedscope gui --config FILE`.".into(),
                    ));
                    return;
                }
                let (what, extension) = match purpose {
                    PickPurpose::Snapshot => ("snapshot", "png"),
                    PickPurpose::ExportJson => ("results", "json"),
                    PickPurpose::ExportCsv => ("runs", "csv"),
                    _ => ("experiment", "json"),
                };
                default_path(what, extension)
            }
        };
        match purpose {
            PickPurpose::Snapshot => self.begin_snapshot(path, ctx),
            PickPurpose::ExportJson | PickPurpose::ExportCsv | PickPurpose::SaveExperiment => {
                let contents = match purpose {
                    PickPurpose::ExportJson => {
                        self.session.as_ref().map(|s| s.results_file().to_json())
                    }
                    PickPurpose::ExportCsv => self.session.as_ref().map(|s| runs_csv(&s.runs)),
                    _ => Some(self.settings.experiment().to_json()),
                };
                let Some(contents) = contents else { return };
                self.message = Some(match write_atomically(&path, contents.as_bytes()) {
                    Ok(()) => Message::Info(format!("Saved {}", path.display())),
                    Err(e) => Message::Error(format!("Cannot write {}: {e}", path.display())),
                });
            }
            PickPurpose::OpenExperiment => self.open_experiment(&path),
        }
    }

    /// Loads an experiment file; on any problem the current settings stay as they were.
    pub fn open_experiment(&mut self, path: &std::path::Path) {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| {
                ExperimentConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
            });
        match loaded {
            Ok(config) => {
                let seed = self.settings.master_seed;
                self.settings = Settings::from_config(config, "");
                self.settings.master_seed = seed;
                self.message = Some(Message::Info(format!("Opened {}", path.display())));
            }
            Err(error) => self.message = Some(Message::Error(error)),
        }
    }

    /// Starts a capture of the central view into `path` (the button and --snapshot).
    pub fn begin_snapshot(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.snapshot = SnapshotState::Settling {
            path,
            frames_left: 2,
        };
        ctx.request_repaint();
    }

    fn pump_snapshot(&mut self, ctx: &egui::Context) {
        match std::mem::replace(&mut self.snapshot, SnapshotState::Idle) {
            SnapshotState::Idle => {}
            SnapshotState::Settling { path, frames_left } => {
                if frames_left > 0 {
                    self.snapshot = SnapshotState::Settling {
                        path,
                        frames_left: frames_left - 1,
                    };
                } else {
                    let (sender, frame) = channel();
                    self.capture.request(ctx, sender);
                    self.snapshot = SnapshotState::Waiting { path, frame };
                }
                ctx.request_repaint();
            }
            SnapshotState::Waiting { path, frame } => match frame.try_recv() {
                Ok(image) => {
                    let result = match self.view_rect {
                        Some(rect) => write_png(&image, rect, ctx.pixels_per_point(), &path),
                        None => Err("no view to capture".into()),
                    };
                    self.finish_snapshot(path, result, ctx);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    self.snapshot = SnapshotState::Waiting { path, frame };
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.finish_snapshot(path, Err("the renderer returned no frame".into()), ctx);
                }
            },
        }
    }

    fn finish_snapshot(
        &mut self,
        path: PathBuf,
        result: Result<[usize; 2], String>,
        ctx: &egui::Context,
    ) {
        let (message, ok) = match &result {
            Ok([w, h]) => (
                format!("Snapshot saved to {} ({w}×{h} px)", path.display()),
                true,
            ),
            Err(e) => (format!("Snapshot failed: {e}"), false),
        };
        self.message = Some(if ok {
            Message::Info(message.clone())
        } else {
            Message::Error(message.clone())
        });
        if let Some(autorun) = &self.autorun
            && autorun.snapshot.as_ref() == Some(&path)
        {
            let mut report = autorun.report.lock().expect("report lock");
            report.exit_code = Some(if ok { 0 } else { 1 });
            report.message = message;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn drive_autorun(&mut self, ctx: &egui::Context) {
        let idle = !self.is_running() && !self.is_capturing();
        let has_session = self.session.is_some();
        let Some(autorun) = &mut self.autorun else {
            return;
        };
        if !autorun.started {
            autorun.started = true;
            self.intents.push(Intent::Run);
            return;
        }
        let Some(path) = autorun.snapshot.clone() else {
            return;
        };
        let mut report = autorun.report.lock().expect("report lock");
        if !idle || report.exit_code.is_some() {
            return;
        }
        if !has_session {
            report.exit_code = Some(1);
            report.message = "the sweep did not start".into();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        drop(report);
        self.settings.view = autorun.view;
        self.begin_snapshot(path, ctx);
    }
}

/// Parses "16, 16" into widths; the error names the field and the allowed range.
pub fn parse_widths(text: &str) -> Result<Vec<usize>, String> {
    use crate::config::limits::{HIDDEN_LAYERS, WIDTH};
    let parts: Vec<&str> = text
        .split([',', ' '])
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.len() > *HIDDEN_LAYERS.end() {
        return Err(format!(
            "model.hidden: {} layers is out of range; allowed: {} to {}",
            parts.len(),
            HIDDEN_LAYERS.start(),
            HIDDEN_LAYERS.end()
        ));
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part.trim().parse::<usize>() {
            Ok(width) if WIDTH.contains(&width) => Ok(width),
            _ => Err(format!(
                "model.hidden[{i}]: `{}` is out of range; allowed: whole numbers {} to {}",
                part.trim(),
                WIDTH.start(),
                WIDTH.end()
            )),
        })
        .collect()
}
