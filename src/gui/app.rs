//! The frame: panels draw and collect [`Intent`]s; the intents are applied after drawing, so
//! no panel mutates state another panel is reading. What persists is in `state.rs`, the runs
//! of the open experiment in `session.rs`, background work in `tasks.rs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;

use super::autorun::{Autorun, AutorunStep};
use super::dialogs::{PathPicker, Picked, default_path};
use super::intent::{Intent, Message};
use super::session::Session;
use super::snapshot::FrameCapture;
use super::state::Settings;
use super::tasks::{FilePicks, PickPurpose, ReplayState, ReplayTasks, SnapshotTask};
use crate::engine::config::ExperimentConfig;
use crate::engine::presets;
use crate::engine::sweep::{Sweep, SweepSpec, default_workers};
use crate::records::{runs_csv, write_atomically};

pub struct SeedscopeApp {
    pub settings: Settings,
    pub session: Option<Session>,
    pub message: Option<Message>,
    pub replays: HashMap<usize, ReplayState>,
    /// The central view's rectangle in the last frame: what a snapshot captures.
    pub view_rect: Option<egui::Rect>,
    pub autorun: Option<Autorun>,
    sweep: Option<Sweep>,
    replay_tasks: ReplayTasks,
    picks: FilePicks,
    snapshot: SnapshotTask,
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
            replay_tasks: ReplayTasks::default(),
            picks: FilePicks::new(picker),
            snapshot: SnapshotTask::new(capture),
            intents: Vec::new(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.sweep.is_some()
    }

    pub fn is_capturing(&self) -> bool {
        self.snapshot.is_capturing()
    }

    /// Queues an intent (tests may call this too).
    pub fn intend(&mut self, intent: Intent) {
        self.intents.push(intent);
    }

    /// Every problem with the experiment as entered, for the form and the Run button.
    pub fn problems(&self) -> Vec<String> {
        self.settings.problems()
    }

    /// Draws one frame and applies what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.pump_sweep();
        self.pump_replays();
        self.pump_pick(&ctx);
        self.pump_snapshot(&ctx);
        self.drive_autorun(&ctx);

        let running = self.is_running();
        let capturing = self.is_capturing();
        let problems = self.problems();
        egui::Panel::top("toolbar").show(ui, |ui| {
            let toolbar = super::toolbar::Toolbar {
                running,
                problems: &problems,
                session: self.session.as_ref(),
                message: self.message.as_ref(),
            };
            toolbar.show(ui, &mut self.intents);
        });
        egui::Panel::left("settings")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    super::settings::show(ui, &mut self.settings, running, &mut self.intents);
                });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            let mut central = super::views::Central {
                settings: &mut self.settings,
                session: self.session.as_ref(),
                replays: &self.replays,
                capturing,
                intents: &mut self.intents,
            };
            self.view_rect = Some(central.show(ui));
        });

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
            Intent::LoadPreset(name) => self.load_preset(&name),
            Intent::SaveSnapshot => self.pick(PickPurpose::Snapshot, ctx),
            Intent::ExportJson => self.pick(PickPurpose::ExportJson, ctx),
            Intent::ExportCsv => self.pick(PickPurpose::ExportCsv, ctx),
            Intent::OpenExperiment => self.pick(PickPurpose::OpenExperiment, ctx),
            Intent::SaveExperiment => self.pick(PickPurpose::SaveExperiment, ctx),
            Intent::Replay(position) => self.start_replay(position, ctx),
        }
    }

    fn load_preset(&mut self, name: &str) {
        match presets::find(name).and_then(|p| p.config().map_err(|e| e.to_string())) {
            Ok(config) => {
                let seed = self.settings.master_seed;
                let view = self.settings.view;
                self.settings = Settings::from_config(config, name);
                self.settings.master_seed = seed;
                self.settings.view = view;
                self.message = Some(Message::Info(format!("Loaded preset {name}.")));
            }
            Err(error) => self.message = Some(Message::Error(error)),
        }
    }

    fn start_sweep(&mut self, ctx: &egui::Context) {
        if self.is_running() {
            return;
        }
        if let Some(first) = self.problems().first() {
            self.message = Some(Message::Error(format!("Cannot run: {first}")));
            return;
        }
        let config = self.settings.experiment();
        let spec = SweepSpec {
            config: config.clone(),
            master_seed: self.settings.master_seed,
            workers: default_workers(),
            low_priority: true,
            skip: Default::default(),
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
        let (Some(sweep), Some(session)) = (&self.sweep, &mut self.session) else {
            return;
        };
        if session.absorb(sweep.drain()) {
            self.message = Some(Message::Info(session.ending_message()));
            self.sweep = None;
        }
    }

    fn start_replay(&mut self, position: usize, ctx: &egui::Context) {
        let Some(session) = &self.session else { return };
        let Some(record) = session.runs.get(position).cloned() else {
            return;
        };
        self.replays.insert(position, ReplayState::Running);
        self.replay_tasks
            .start(position, session.config.clone(), record, ctx);
    }

    fn pump_replays(&mut self) {
        for (position, verdict) in self.replay_tasks.finished() {
            self.replays.insert(position, ReplayState::Done(verdict));
        }
    }

    fn pick(&mut self, purpose: PickPurpose, ctx: &egui::Context) {
        if self.picks.is_open() {
            self.message = Some(Message::Info("A file dialog is already open.".into()));
            return;
        }
        if purpose.needs_results() && self.session.as_ref().is_none_or(|s| s.runs.is_empty()) {
            self.message = Some(Message::Error(
                "Nothing to save yet: press Run first.".into(),
            ));
            return;
        }
        self.picks.open(purpose, ctx);
        self.pump_pick(ctx);
    }

    fn pump_pick(&mut self, ctx: &egui::Context) {
        let Some((purpose, picked)) = self.picks.answer() else {
            return;
        };
        let path = match picked {
            Picked::Chosen(path) => path,
            Picked::Cancelled => {
                self.message = Some(Message::Info("Cancelled.".into()));
                return;
            }
            Picked::NoDialog if purpose == PickPurpose::OpenExperiment => {
                self.message = Some(Message::Error(
                    "No file dialog can be shown here; start with `seedscope gui --config FILE`."
                        .into(),
                ));
                return;
            }
            Picked::NoDialog => {
                let (what, extension) = purpose.default_file();
                default_path(what, extension)
            }
        };
        match purpose {
            PickPurpose::Snapshot => self.begin_snapshot(path, ctx),
            PickPurpose::OpenExperiment => self.open_experiment(&path),
            PickPurpose::ExportJson | PickPurpose::ExportCsv | PickPurpose::SaveExperiment => {
                self.save_file(purpose, &path)
            }
        }
    }

    /// Writes the results, the runs or the experiment to `path`, all or nothing.
    fn save_file(&mut self, purpose: PickPurpose, path: &std::path::Path) {
        let contents = match purpose {
            PickPurpose::ExportJson => self.session.as_ref().map(|s| s.results_file().to_json()),
            PickPurpose::ExportCsv => self.session.as_ref().map(|s| runs_csv(&s.runs)),
            _ => Some(self.settings.experiment().to_json()),
        };
        let Some(contents) = contents else { return };
        self.message = Some(match write_atomically(path, contents.as_bytes()) {
            Ok(()) => Message::Info(format!("Saved {}", path.display())),
            Err(e) => Message::Error(format!("Cannot write {}: {e}", path.display())),
        });
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
        self.snapshot.begin(path, ctx);
    }

    fn pump_snapshot(&mut self, ctx: &egui::Context) {
        let Some((path, result)) = self.snapshot.poll(ctx, self.view_rect) else {
            return;
        };
        let (message, ok) = match &result {
            Ok([w, h]) => (
                format!("Snapshot saved to {} ({w}×{h} px)", path.display()),
                true,
            ),
            Err(e) => (format!("Snapshot failed: {e}"), false),
        };
        let autorun_done = self
            .autorun
            .as_ref()
            .is_some_and(|autorun| autorun.snapshot_done(&path, ok, &message));
        self.message = Some(if ok {
            Message::Info(message)
        } else {
            Message::Error(message)
        });
        if autorun_done {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn drive_autorun(&mut self, ctx: &egui::Context) {
        let idle = !self.is_running() && !self.is_capturing();
        let has_session = self.session.is_some();
        let Some(autorun) = &mut self.autorun else {
            return;
        };
        match autorun.next_step(idle, has_session) {
            AutorunStep::Nothing => {}
            AutorunStep::StartSweep => self.intents.push(Intent::Run),
            AutorunStep::Fail => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            AutorunStep::Snapshot { view, path } => {
                self.settings.view = view;
                self.begin_snapshot(path, ctx);
            }
        }
    }
}
