//! The frame: panels draw and collect [`Intent`]s; the intents are applied after drawing, so
//! no panel mutates state another panel is reading. What persists is in `state.rs`, the runs
//! of the open experiment in `session.rs`, background work in `tasks.rs`, and files in and
//! out of the app (dialogs, typed paths, dropped files, open and save) in [`files`].

mod files;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use super::autorun::{Autorun, AutorunStep};
use super::dialogs::PathPicker;
use super::intent::{Intent, Message};
use super::session::Session;
use super::settings_file::SettingsFile;
use super::snapshot::FrameCapture;
use super::state::{Settings, View};
use super::store_link::StoreLink;
use super::tasks::{FilePicks, PickPurpose, ReplayState, ReplayTasks, SnapshotTask};
use crate::engine::config::ExperimentConfig;
use crate::engine::presets;
use crate::engine::sweep::{Sweep, SweepSpec, default_workers};
use crate::records::store::RunStore;

/// With Auto-run on, how long the settings must stay still before the missing runs train:
/// long enough for a drag or a few clicks to finish, short enough to feel live.
pub const AUTO_RUN_PAUSE: Duration = Duration::from_millis(600);

pub struct SeedscopeApp {
    pub settings: Settings,
    pub session: Option<Session>,
    pub message: Option<Message>,
    pub replays: HashMap<usize, ReplayState>,
    /// The central view's rectangle in the last frame: what a snapshot captures.
    pub view_rect: Option<egui::Rect>,
    pub autorun: Option<Autorun>,
    sweep: Option<Sweep>,
    /// The run store, when there is one: runs are looked up as settings change and kept as
    /// they finish.
    store: Option<StoreLink>,
    /// The experiment and seed last seen in the settings, and when they last changed.
    last_seen: Option<(ExperimentConfig, u64)>,
    changed_at: Option<Instant>,
    replay_tasks: ReplayTasks,
    picks: FilePicks,
    snapshot: SnapshotTask,
    intents: Vec<Intent>,
    /// Where the settings are written as they change (none in tests and unattended runs).
    settings_file: Option<SettingsFile>,
    /// A path being typed because no file dialog can be shown.
    path_prompt: Option<files::PathPrompt>,
    /// CSV files the user opened in this app (button, typed path, drop): an experiment file
    /// that reads any other CSV file says so when it is opened.
    opened_csvs: HashSet<PathBuf>,
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
            store: None,
            last_seen: None,
            changed_at: None,
            replay_tasks: ReplayTasks::default(),
            picks: FilePicks::new(picker),
            snapshot: SnapshotTask::new(capture),
            intents: Vec::new(),
            settings_file: None,
            path_prompt: None,
            opened_csvs: HashSet::new(),
        }
    }

    /// Writes the settings to `file` whenever they change, so a relaunch after a kill comes
    /// back to what was on screen.
    pub fn with_settings_file(mut self, file: SettingsFile) -> SeedscopeApp {
        self.settings_file = Some(file);
        self
    }

    /// Uses `store` to keep runs and to show stored runs as soon as the settings ask for them.
    pub fn with_store(mut self, store: Option<RunStore>) -> SeedscopeApp {
        self.store = store.map(StoreLink::new);
        self
    }

    /// Where runs are kept, if anywhere.
    pub fn store_path(&self) -> Option<&Path> {
        self.store.as_ref().map(StoreLink::path)
    }

    pub fn is_running(&self) -> bool {
        self.sweep.is_some()
    }

    /// A path field is open because no file dialog could be shown.
    pub fn is_asking_for_path(&self) -> bool {
        self.path_prompt.is_some()
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
        if !self.is_running() {
            self.follow_settings();
            self.drive_auto_run(&ctx);
        }

        let running = self.is_running();
        let capturing = self.is_capturing();
        let problems = self.problems();
        let history = self.history_for_view();
        egui::Panel::top("toolbar").show(ui, |ui| {
            let toolbar = super::toolbar::Toolbar {
                running,
                auto_run: self.settings.auto_run,
                has_store: self.store.is_some(),
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
                history: history.as_deref(),
                store_path: self.store.as_ref().map(StoreLink::path),
                running,
                capturing,
                intents: &mut self.intents,
            };
            self.view_rect = Some(central.show(ui));
        });

        self.show_path_prompt(&ctx);
        self.take_dropped_files(&ctx);
        for intent in std::mem::take(&mut self.intents) {
            self.apply(intent, &ctx);
        }
        if let Some(file) = &mut self.settings_file
            && let Err(error) = file.keep(&self.settings)
        {
            self.message = Some(Message::Error(error));
        }
        if self.is_running() {
            // Keep elapsed time and ETA ticking between run events.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn apply(&mut self, intent: Intent, ctx: &egui::Context) {
        match intent {
            Intent::Run => self.start_sweep(ctx, false),
            Intent::Retrain => self.start_sweep(ctx, true),
            Intent::SetAutoRun(on) => {
                self.settings.auto_run = on;
                // Turning it on trains what is missing now, after the usual pause.
                self.changed_at = on.then(Instant::now);
            }
            // The sweep feeds the open session: it must not change under it.
            Intent::ReopenExperiment(_) | Intent::DeleteExperiment(_) if self.is_running() => {
                self.message = Some(Message::Error(
                    "A sweep is running: cancel it or let it finish first.".into(),
                ));
            }
            Intent::ReopenExperiment(id) => self.reopen_experiment(id),
            Intent::DeleteExperiment(id) => self.delete_experiment(id),
            Intent::Cancel => {
                if let Some(sweep) = &self.sweep {
                    sweep.cancel();
                    self.message =
                        Some(Message::Info("Cancelling: finished runs are kept.".into()));
                }
            }
            Intent::NewSeed => self.settings.master_seed = crate::engine::seeds::os_seed(),
            Intent::LoadPreset(name) => self.load_preset(&name),
            Intent::SaveSnapshot => self.pick(PickPurpose::Snapshot, ctx),
            Intent::ExportJson => self.pick(PickPurpose::ExportJson, ctx),
            Intent::ExportCsv => self.pick(PickPurpose::ExportCsv, ctx),
            Intent::OpenExperiment => self.pick(PickPurpose::OpenExperiment, ctx),
            Intent::OpenCsv => self.pick(PickPurpose::OpenCsv, ctx),
            Intent::DataRefused { previous, message } => {
                self.settings.config.data = *previous;
                self.message = Some(Message::Error(format!(
                    "{message}. The previous data set is kept."
                )));
            }
            Intent::SaveExperiment => self.pick(PickPurpose::SaveExperiment, ctx),
            Intent::Replay(position) => self.start_replay(position, ctx),
        }
    }

    fn load_preset(&mut self, name: &str) {
        match presets::find(name).and_then(|p| p.config().map_err(|e| e.to_string())) {
            Ok(config) => {
                let view = self.settings.view;
                self.adopt(config, self.settings.master_seed);
                self.settings.preset = name.to_string();
                self.settings.view = view;
                self.message = Some(Message::Info(format!("Loaded preset {name}.")));
            }
            Err(error) => self.message = Some(Message::Error(error)),
        }
    }

    /// Puts `session` (runs of `config` at `seed`, or none) on screen as what the settings
    /// show, so following the settings does not look it up again.
    fn show_session(&mut self, session: Option<Session>, config: ExperimentConfig, seed: u64) {
        self.session = session;
        self.last_seen = Some((config, seed));
        self.changed_at = None;
        self.replays.clear();
    }

    /// Trains the runs of the current experiment that are missing (all of them on Retrain,
    /// which ignores and replaces what is stored).
    fn start_sweep(&mut self, ctx: &egui::Context, retrain: bool) {
        if self.is_running() {
            return;
        }
        if let Some(first) = self.problems().first() {
            self.message = Some(Message::Error(format!("Cannot run: {first}")));
            return;
        }
        let config = self.settings.experiment();
        let seed = self.settings.master_seed;
        self.last_seen = Some((config.clone(), seed));
        self.changed_at = None;
        let (stored, keep) = match &mut self.store {
            None => (Vec::new(), None),
            Some(link) => {
                let stored = if retrain {
                    Vec::new()
                } else {
                    link.stored(&config, seed).unwrap_or_default()
                };
                match link.register(&config, seed) {
                    Ok(id) => (stored, Some(link.keeper(id, retrain))),
                    Err(error) => {
                        self.message =
                            Some(Message::Error(format!("Runs are not being kept: {error}.")));
                        (stored, None)
                    }
                }
            }
        };
        let mut spec = SweepSpec::new(config.clone(), seed, default_workers());
        spec.low_priority = true;
        spec.skip = stored
            .iter()
            .map(|r| (r.condition.clone(), r.run_index))
            .collect();
        let session = Session::new(config, seed, stored);
        self.replays.clear();
        if spec.runs_to_train() == 0 {
            self.message = Some(Message::Info(format!(
                "All {} runs came from the store: nothing to train (Retrain trains them again).",
                session.total
            )));
            self.session = Some(session);
            return;
        }
        if keep.is_some() {
            self.message = None;
        }
        let waker = ctx.clone();
        let sweep = Sweep::start_keeping(spec, Arc::new(move || waker.request_repaint()), keep);
        self.session = Some(session);
        self.sweep = Some(sweep);
    }

    /// When the settings change (and no sweep runs), shows what the store has for them at
    /// once; without a store, the last sweep's runs stay on screen until Run.
    fn follow_settings(&mut self) {
        let current = (self.settings.experiment(), self.settings.master_seed);
        if self.last_seen.as_ref() == Some(&current) {
            return;
        }
        self.last_seen = Some(current.clone());
        self.changed_at = Some(Instant::now());
        let (config, seed) = current;
        let Some(link) = &self.store else { return };
        if !self.settings.problems().is_empty()
            || self
                .session
                .as_ref()
                .is_some_and(|s| s.shows(&config, seed))
        {
            return;
        }
        match link.stored(&config, seed) {
            Ok(stored) if stored.is_empty() => self.session = None,
            Ok(stored) => self.session = Some(Session::new(config, seed, stored)),
            Err(error) => {
                self.message = Some(Message::Error(format!("Cannot read: {error}")));
            }
        }
        self.replays.clear();
    }

    /// Auto-run: once the settings have been still for [`AUTO_RUN_PAUSE`], trains what the
    /// store does not have.
    fn drive_auto_run(&mut self, ctx: &egui::Context) {
        let Some(changed_at) = self.changed_at else {
            return;
        };
        if !self.settings.auto_run {
            return;
        }
        let waited = changed_at.elapsed();
        if waited < AUTO_RUN_PAUSE {
            ctx.request_repaint_after(AUTO_RUN_PAUSE - waited);
            return;
        }
        self.changed_at = None;
        let missing = self.session.as_ref().is_none_or(|s| s.missing() > 0);
        if missing && self.problems().is_empty() {
            self.intents.push(Intent::Run);
        }
    }

    /// History's entries when the History view is showing (None: no store).
    fn history_for_view(&mut self) -> Option<Vec<crate::records::store::ExperimentEntry>> {
        let link = self.store.as_mut()?;
        if self.settings.view != View::History {
            return Some(Vec::new());
        }
        match link.history() {
            Ok(entries) => Some(entries.to_vec()),
            Err(error) => {
                self.message = Some(Message::Error(format!("Cannot read History: {error}")));
                Some(Vec::new())
            }
        }
    }

    /// Opens an experiment of History with its stored runs.
    fn reopen_experiment(&mut self, id: i64) {
        let Some(link) = &mut self.store else { return };
        match link.reopen(id) {
            Ok(Some((entry, runs))) => {
                let seed = entry.key.master_seed;
                self.adopt(entry.config, seed);
                let config = self.settings.experiment();
                let wanted = crate::records::store::sweep_pairs(&config);
                let runs: Vec<_> = runs
                    .into_iter()
                    .filter(|r| wanted.contains(&(r.condition.clone(), r.run_index)))
                    .collect();
                self.message = Some(Message::Info(format!(
                    "Reopened experiment {id}: {} stored runs, master seed {seed}.",
                    runs.len()
                )));
                let session = (!runs.is_empty()).then(|| Session::new(config.clone(), seed, runs));
                self.show_session(session, config, seed);
            }
            Ok(None) => {
                self.message = Some(Message::Error(format!(
                    "Experiment {id} is no longer in the store."
                )));
            }
            Err(error) => self.message = Some(Message::Error(format!("Cannot reopen: {error}"))),
        }
    }

    fn delete_experiment(&mut self, id: i64) {
        let Some(link) = &mut self.store else { return };
        self.message = Some(match link.delete(id) {
            Ok(true) => Message::Info(format!("Deleted experiment {id} and its runs.")),
            Ok(false) => Message::Error(format!("Experiment {id} was already gone.")),
            Err(error) => Message::Error(format!("Cannot delete: {error}")),
        });
        // What is on screen may have been that experiment: look it up again.
        self.last_seen = None;
        self.session = None;
    }

    fn pump_sweep(&mut self) {
        let (Some(sweep), Some(session)) = (&self.sweep, &mut self.session) else {
            return;
        };
        let session: &mut Session = session;
        if session.absorb(sweep.drain()) {
            self.message = Some(Message::Info(session.ending_message()));
            self.sweep = None;
            if let Some(link) = &mut self.store {
                link.mark_history_stale();
            }
        }
        if let Some(warning) = self.store.as_ref().and_then(StoreLink::take_warning) {
            self.message = Some(Message::Error(warning));
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
