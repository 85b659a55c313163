//! What the user's intents do to the app: the sweep (start, follow, cancel), the run store
//! (look up what the settings show, keep what finishes, History's open and delete), presets,
//! replays. The frame (`mod.rs`) collects intents while it draws and applies them here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use super::{AUTO_RUN_PAUSE, READING, SeedscopeApp};
use crate::engine::config::ExperimentConfig;
use crate::engine::presets;
use crate::engine::record::RunRecord;
use crate::engine::sweep::{SweepSpec, default_workers};
use crate::engine::sweep_thread::Sweep;
use crate::gui::intent::{Intent, Message};
use crate::gui::session::Session;
use crate::gui::store_link::StoreLink;
use crate::gui::store_read::{StoreRead, StoreReadDone};
use crate::gui::tasks::{PickPurpose, ReplayState};

/// The status line while stored runs are read, shown once a read has taken this long (a
/// few hundred runs read in milliseconds, and a flash of text on every toggle would distract).
const READ_NOTICE_AFTER: Duration = Duration::from_millis(300);

/// How often the window redraws while a sweep sends it runs (ten frames a second: enough for
/// a progress bar and the plots filling in; the mouse and keys still redraw at once). Under
/// software rendering (no GPU) a frame of a full-screen window costs a core's tens of
/// milliseconds, taken from training.
const SWEEP_FRAME: Duration = Duration::from_millis(100);

impl SeedscopeApp {
    pub(super) fn apply(&mut self, intent: Intent, ctx: &egui::Context) {
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
            Intent::TryOnce => self.start_try(ctx),
        }
    }

    pub(super) fn load_preset(&mut self, name: &str) {
        match presets::find(name)
            .map_err(|e| e.to_string())
            .and_then(|p| p.config().map_err(|e| e.to_string()))
        {
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
    pub(super) fn show_session(
        &mut self,
        session: Option<Session>,
        config: ExperimentConfig,
        seed: u64,
    ) {
        self.session = session;
        self.last_seen = Some((config, seed));
        self.changed_at = None;
        self.replays.clear();
    }

    /// Trains the runs of the current experiment that are missing (all of them on Retrain,
    /// which ignores and replaces what is stored).
    pub(super) fn start_sweep(&mut self, ctx: &egui::Context, retrain: bool) {
        if self.is_running() {
            return;
        }
        if let Some(first) = self.problems().first() {
            self.message = Some(Message::Error(format!("Cannot run: {first}")));
            return;
        }
        let config = self.settings.experiment();
        if !self.may_start(&config, super::trust::Then::Sweep { retrain }) {
            return;
        }
        let seed = self.settings.master_seed;
        self.last_seen = Some((config.clone(), seed));
        self.changed_at = None;
        // The runs on screen are the stored ones when they show this experiment: no need to
        // read 100,000 runs again (a read still under way is overtaken by the sweep).
        let shown = self
            .session
            .take_if(|s| s.shows(&config, seed))
            .map(|s| s.runs);
        self.store_read = None;
        let (stored, keep) = match &mut self.store {
            None => (Vec::new(), None),
            Some(link) => {
                let stored = match shown {
                    _ if retrain => Vec::new(),
                    Some(runs) => runs,
                    None => link.stored(&config, seed).unwrap_or_default(),
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
        spec.collect_runs = false;
        spec.warm = self.settings.command.warm_preload();
        spec.skip = stored.iter().map(RunRecord::id).collect();
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
        // A frame at most every SWEEP_FRAME while runs arrive: a sweep sends an event per
        // epoch of every run, and a frame per event took a core from training.
        let wake = move || waker.request_repaint_after(SWEEP_FRAME);
        let sweep = Sweep::start_keeping(spec, Arc::new(wake), keep);
        self.session = Some(session);
        self.sweep = Some(sweep);
    }

    /// When the settings change (and no sweep runs), shows what the store has for them at
    /// once; without a store, the last sweep's runs stay on screen until Run.
    pub(super) fn follow_settings(&mut self) {
        let current = (self.settings.experiment(), self.settings.master_seed);
        if self.last_seen.as_ref() == Some(&current) {
            return;
        }
        // A command's file edited on disk is not a change the user made here: Auto-run does
        // not rerun the command for it (Run does).
        let edited_on_disk = self.last_seen.as_ref().is_some_and(|(config, seed)| {
            *seed == current.1 && super::trust::only_inputs_differ(config, &current.0)
        });
        self.last_seen = Some(current.clone());
        self.changed_at = (!edited_on_disk).then(Instant::now);
        if !edited_on_disk {
            self.forget_other_experiment(&current.0);
        }
        if edited_on_disk && self.settings.auto_run {
            self.message = Some(Message::Info(
                "An input file of the command changed on disk: Run trains the new version \
                 (Auto-run does not rerun a command because a file changed)."
                    .into(),
            ));
        }
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
        self.store_read = Some(StoreRead::lookup(link.path().to_path_buf(), config, seed));
    }

    /// The settings now name another experiment: the last sweep's ending no longer speaks of
    /// what is on screen, and another producer's runs (the built-in model's, when the panel
    /// now trains a command) are not this experiment's to show.
    fn forget_other_experiment(&mut self, config: &crate::engine::config::ExperimentConfig) {
        if let Some((_, text)) = self.ending_of.take_if(|(ended, _)| ended != config) {
            let still_shown = matches!(
                &self.message,
                Some(Message::Info(shown) | Message::Warning(shown) | Message::Error(shown)) if *shown == text
            );
            if still_shown {
                self.message = None;
            }
        }
        if !self.is_running()
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.config.capabilities().kind != config.capabilities().kind)
        {
            self.session = None;
        }
    }

    /// Puts stored runs on screen once their read has finished; says what is being read
    /// when it takes a while.
    pub(super) fn pump_store_read(&mut self, ctx: &egui::Context) {
        let Some(read) = &mut self.store_read else {
            return;
        };
        let Some(done) = read.poll() else {
            let waited = read.started.elapsed();
            if waited >= READ_NOTICE_AFTER {
                self.message = Some(Message::Info(format!(
                    "{READING} ({:.0} s)…",
                    waited.as_secs_f64()
                )));
            }
            ctx.request_repaint_after(Duration::from_millis(50));
            return;
        };
        let read = self.store_read.take().expect("a read was polled");
        if self
            .message
            .as_ref()
            .is_some_and(|m| matches!(m, Message::Info(text) if text.starts_with(READING)))
        {
            self.message = None;
        }
        match done {
            StoreReadDone::Lookup(result) => {
                let Some((config, seed)) = read.wanted else {
                    return;
                };
                // The settings moved on while it was read: a newer read is under way.
                if self.last_seen.as_ref() != Some(&(config.clone(), seed)) {
                    return;
                }
                match result {
                    Ok(stored) if stored.is_empty() => self.session = None,
                    Ok(stored) => self.session = Some(Session::new(config, seed, stored)),
                    Err(error) => {
                        self.message = Some(Message::Error(format!("Cannot read: {error}")));
                    }
                }
                self.replays.clear();
            }
            StoreReadDone::Reopen(result) => {
                let id = read.reopening.unwrap_or_default();
                self.reopened(id, result);
            }
        }
        ctx.request_repaint();
    }

    /// Auto-run: once the settings have been still for [`AUTO_RUN_PAUSE`], trains what the
    /// store does not have.
    pub(super) fn drive_auto_run(&mut self, ctx: &egui::Context) {
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
        if self.store_read.is_some() {
            // What is stored is still being read: wait for it rather than train it again.
            ctx.request_repaint_after(Duration::from_millis(50));
            return;
        }
        self.changed_at = None;
        let missing = self.session.as_ref().is_none_or(|s| s.missing() > 0);
        if missing && self.problems().is_empty() {
            if self
                .unallowed_command(&self.settings.experiment())
                .is_some()
            {
                self.message = Some(Message::Info(
                    "Auto-run does not start a command from a file before you have allowed it: \
                     press Run to read it and decide."
                        .into(),
                ));
                return;
            }
            self.intents.push(Intent::Run);
        }
    }

    /// Once the sweep has ended, one summary a frame that is still behind (large conditions
    /// wait their turn while it runs: `Session::absorb`), asking for frames until all are.
    pub(super) fn catch_up_summaries(&mut self, ctx: &egui::Context) {
        if self.sweep.is_none()
            && let Some(session) = &mut self.session
            && session.catch_up()
        {
            // Summaries are being computed on their thread: look again shortly.
            ctx.request_repaint_after(Duration::from_millis(30));
        }
    }

    pub(super) fn pump_sweep(&mut self) {
        let (Some(sweep), Some(session)) = (&self.sweep, &mut self.session) else {
            return;
        };
        let session: &mut Session = session;
        if session.absorb(sweep.drain()) {
            let ending = session.ending_message();
            // It speaks of this experiment: another one's settings clear it.
            self.ending_of = Some((session.config.clone(), ending.clone()));
            let some_failed = session.runs.iter().any(|r| r.error.is_some());
            self.message = Some(
                if session.every_run_failed() || !session.notices.is_empty() && session.cancelled {
                    Message::Error(ending)
                } else if some_failed {
                    Message::Warning(ending)
                } else {
                    Message::Info(ending)
                },
            );
            self.sweep = None;
            if let Some(link) = &mut self.store {
                link.mark_history_stale();
                let outputs = crate::engine::command::inputs::known_outputs();
                if let Err(error) = link.remember_outputs(&outputs) {
                    self.message = Some(Message::Error(format!(
                        "The files the command wrote were not remembered: {error}"
                    )));
                }
            }
        }
        if let Some(warning) = self.store.as_ref().and_then(StoreLink::take_warning) {
            self.message = Some(Message::Error(warning));
        }
    }

    pub(super) fn start_replay(&mut self, position: usize, ctx: &egui::Context) {
        if !self.may_replay() {
            return;
        }
        let Some(session) = &self.session else { return };
        let Some(record) = session.runs.get(position).cloned() else {
            return;
        };
        self.replays.insert(position, ReplayState::Running);
        self.replay_tasks.start(
            position,
            (session.config.clone(), session.master_seed),
            record,
            ctx,
        );
    }

    pub(super) fn pump_replays(&mut self) {
        for (position, verdict) in self.replay_tasks.finished() {
            self.replays.insert(position, ReplayState::Done(verdict));
        }
    }
}
