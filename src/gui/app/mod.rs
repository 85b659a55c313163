//! The frame: panels draw and collect [`Intent`]s; the intents are applied after drawing, so
//! no panel mutates state another panel is reading. What persists is in `state.rs`, the runs
//! of the open experiment in `session.rs`, background work in `tasks.rs`, and files in and
//! out of the app (dialogs, typed paths, dropped files, open and save) in [`files`].

mod commands;
mod files;
mod history;
mod trust;
mod try_once;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;

use super::dialogs::PathPicker;
use super::frame_phases::FramePhases;
use super::intent::{Intent, Message};
use super::session::Session;
use super::settings_file::SettingsFile;
use super::snapshot::FrameCapture;
use super::state::Settings;
use super::store_link::StoreLink;
use super::store_read::StoreRead;
use super::tasks::{FilePicks, ReplayState, ReplayTasks, SnapshotTask};
use super::unattended::{UnattendedRun, UnattendedStep};
use crate::engine::config::ExperimentConfig;
use crate::engine::sweep_thread::Sweep;
use crate::records::store::RunStore;

/// The status line while stored runs are read (commands: a lookup; history: a reopen).
const READING: &str = "Reading stored runs";

/// With Auto-run on, how long the settings must stay still before the missing runs train:
/// long enough for a drag or a few clicks to finish, short enough to feel live.
pub const AUTO_RUN_PAUSE: Duration = Duration::from_millis(600);

/// The settings panel's widest (it can be dragged narrower or wider up to this): at the
/// smallest supported window, 1280 px, the views keep 840 px.
const SETTINGS_PANEL_MAX_WIDTH: f32 = 440.0;

/// The app: what is on screen and the background work feeding it. Files: this one holds the
/// state and the frame; `commands.rs` applies intents (sweep, store, History, presets,
/// replays); `files.rs` picks, opens, saves and drops files. The five public fields are what
/// the kittest suite (tests/gui.rs) reads; everything else stays inside the crate.
pub struct SeedscopeApp {
    pub settings: Settings,
    pub session: Option<Session>,
    pub message: Option<Message>,
    pub replays: HashMap<usize, ReplayState>,
    /// The central view's rectangle in the last frame: what a snapshot captures.
    pub view_rect: Option<egui::Rect>,
    pub(crate) unattended: Option<UnattendedRun>,
    sweep: Option<Sweep>,
    /// The run store, when there is one: runs are looked up as settings change and kept as
    /// they finish.
    store: Option<StoreLink>,
    /// Stored runs being read on a thread (a lookup as the settings change, or History's
    /// Open): the window keeps answering while 100,000 runs are read.
    store_read: Option<StoreRead>,
    /// The experiment and seed last seen in the settings, and when they last changed.
    last_seen: Option<(ExperimentConfig, u64)>,
    changed_at: Option<Instant>,
    /// The experiment the last sweep's ending spoke of, and its words on the status line.
    ending_of: Option<(ExperimentConfig, String)>,
    replay_tasks: ReplayTasks,
    picks: FilePicks,
    snapshot: SnapshotTask,
    intents: Vec<Intent>,
    /// Where the settings are written as they change (none in tests and unattended runs).
    settings_file: Option<SettingsFile>,
    /// A path being typed because no file dialog can be shown.
    path_prompt: Option<files::PathPrompt>,
    /// A command from a file waiting for the user to allow it (the dialog is open).
    pending_trust: Option<trust::PendingTrust>,
    /// Commands allowed in this session.
    allowed: trust::Allowed,
    /// Your command's Try once: running, or its result on screen.
    try_state: Option<try_once::TryState>,
    /// CSV files the user opened in this app (button, typed path, drop): an experiment file
    /// that reads any other CSV file says so when it is opened.
    opened_csvs: HashSet<PathBuf>,
    /// Compare settings: a settings study's form, run and result.
    study: crate::gui::study::StudyState,
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
            unattended: None,
            sweep: None,
            store: None,
            store_read: None,
            last_seen: None,
            changed_at: None,
            ending_of: None,
            replay_tasks: ReplayTasks::default(),
            picks: FilePicks::new(picker),
            snapshot: SnapshotTask::new(capture),
            intents: Vec::new(),
            settings_file: None,
            path_prompt: None,
            opened_csvs: HashSet::new(),
            study: Default::default(),
            pending_trust: None,
            try_state: None,
            allowed: trust::Allowed::default(),
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
        // The files commands are known to write are outputs, never inputs (engine::config::inputs).
        for output in self.store.iter().flat_map(StoreLink::command_outputs) {
            crate::engine::command::inputs::remember_output(output);
        }
        self
    }

    /// Whether a command from a file is waiting for the user to allow it.
    pub fn is_asking_to_allow(&self) -> bool {
        self.pending_trust.is_some()
    }

    /// Where runs are kept, if anywhere.
    pub fn store_path(&self) -> Option<&Path> {
        self.store.as_ref().map(StoreLink::path)
    }

    pub fn is_running(&self) -> bool {
        self.sweep.is_some()
    }

    /// A path field is open because no file dialog could be shown.
    /// Stored runs are being read (the session on screen will change when they arrive).
    pub fn is_reading_store(&self) -> bool {
        self.store_read.is_some()
    }

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
        let mut phases = FramePhases::start();
        self.pump_sweep();
        phases.mark("sweep");
        self.pump_store_read(&ctx);
        phases.mark("store read");
        self.catch_up_summaries(&ctx);
        phases.mark("summaries");
        self.pump_replays();
        self.pump_pick(&ctx);
        self.pump_snapshot(&ctx);
        self.drive_unattended_run(&ctx);
        phases.mark("tasks");
        if !self.is_running() {
            self.follow_settings();
            self.drive_auto_run(&ctx);
        }
        phases.mark("settings");

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
        phases.mark("toolbar");
        egui::Panel::left("settings")
            .resizable(true)
            .default_size(330.0)
            // A long file or class name must not widen the panel and push the views out of the
            // window: the panel stops here and such text is shortened (whole on hover).
            .max_size(SETTINGS_PANEL_MAX_WIDTH)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    super::settings_panel::SettingsPanel {
                        settings: &mut self.settings,
                        running,
                        intents: &mut self.intents,
                    }
                    .show(ui);
                });
            });
        phases.mark("settings panel");
        egui::CentralPanel::default().show(ui, |ui| {
            let mut central = super::views::Central {
                settings: &mut self.settings,
                session: self.session.as_ref(),
                replays: &self.replays,
                history: history.as_deref(),
                store_path: self.store.as_ref().map(StoreLink::path),
                running,
                capturing,
                reading_store: self.store_read.is_some(),
                intents: &mut self.intents,
                study: &mut self.study,
            };
            self.view_rect = Some(central.show(ui));
        });
        phases.mark("view");

        self.show_path_prompt(&ctx);
        self.show_trust_dialog(&ctx);
        self.show_try_window(&ctx);
        self.take_dropped_files(&ctx);
        for intent in std::mem::take(&mut self.intents) {
            self.apply(intent, &ctx);
        }
        phases.mark("intents");
        if let Some(file) = &mut self.settings_file
            && let Err(error) = file.keep(&self.settings)
        {
            self.message = Some(Message::Error(error));
        }
        if self.is_running() {
            // Keep elapsed time and ETA ticking between run events.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        phases.finish(|| self.describe_for_slow_frame());
    }

    /// What the app was doing, for a slow frame's line (see `frame_phases.rs`).
    fn describe_for_slow_frame(&self) -> String {
        let runs = self.session.as_ref().map_or(0, |s| s.runs.len());
        format!(
            "view={:?} runs={runs} sweeping={} reading_store={}",
            self.settings.view,
            self.is_running(),
            self.is_reading_store()
        )
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
        let unattended_done = self
            .unattended
            .as_ref()
            .is_some_and(|run| run.snapshot_done(&path, ok, &message));
        self.message = Some(if ok {
            Message::Info(message)
        } else {
            Message::Error(message)
        });
        if unattended_done {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn drive_unattended_run(&mut self, ctx: &egui::Context) {
        // A snapshot waits for every summary to be current, not only for the sweep to end.
        let current = self.session.as_ref().is_none_or(Session::is_current);
        let idle = !self.is_running()
            && !self.is_capturing()
            && !self.study.is_running()
            && current
            && !super::views::figures_busy(ctx);
        let studying = self.unattended.as_ref().map(|u| u.view) == Some(super::state::View::Study);
        // Compare settings is driven by its study, not by the sweep.
        let has_session = match studying {
            true => self.study.study.is_some(),
            false => self.session.is_some(),
        };
        let Some(unattended) = &mut self.unattended else {
            return;
        };
        let view = unattended.view;
        match unattended.next_step(idle, has_session) {
            UnattendedStep::Nothing => {}
            UnattendedStep::StartSweep if studying => {
                self.settings.view = view;
                let base = self.settings.experiment();
                self.study.start(&base, self.settings.master_seed, ctx);
            }
            UnattendedStep::StartSweep => {
                // The view the snapshot will show is on screen while the sweep runs, so the
                // frame times printed at the end are that view's.
                self.settings.view = view;
                self.intents.push(Intent::Run);
            }
            UnattendedStep::Fail => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            UnattendedStep::Snapshot { view, path } => {
                self.settings.view = view;
                self.begin_snapshot(path, ctx);
            }
        }
    }
}
