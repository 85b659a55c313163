//! Trust in the app (docs/your-command.md, "What seedscope guarantees"): a command that came from a file (an experiment or
//! results file opened, dropped or named with `--config`) runs only after the user has seen
//! it whole in a dialog and allowed that exact content; the allowance is remembered in the
//! run store (and for the session without one). Auto-run never starts such a command, and
//! never reruns one because one of its files changed on disk.

use std::collections::HashSet;

use eframe::egui::{self, RichText};

use super::SeedscopeApp;
use crate::engine::command::trust::{LOADS_CODE_MARK, content_hash, describe};
use crate::engine::config::ExperimentConfig;
use crate::gui::intent::Message;

/// A command waiting to be allowed: what the dialog shows, and what asked for it.
pub struct PendingTrust {
    pub hash: String,
    pub shown: String,
    pub then: Then,
}

/// What runs once the command is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// Run, or Retrain.
    Sweep { retrain: bool },
    /// Your command's Try once.
    TryOnce,
}

/// Commands allowed in this session (with or without a store).
#[derive(Default)]
pub struct Allowed(HashSet<String>);

impl SeedscopeApp {
    /// The command of `config` when it came from a file and has not been allowed: its hash
    /// and its description. None when it may run (typed here, or allowed before).
    pub(super) fn unallowed_command(&self, config: &ExperimentConfig) -> Option<(String, String)> {
        let command = config.command.as_ref()?;
        let origin = self.settings.command.from_file.as_ref()?;
        let hash = content_hash(command);
        if self.allowed.0.contains(&hash)
            || self
                .store
                .as_ref()
                .is_some_and(|link| link.is_allowed(&hash))
        {
            return None;
        }
        Some((hash, describe(command, origin)))
    }

    /// Whether a run of the session on screen may be replayed: not while its command, from a
    /// file, waits to be allowed (a replay runs it as a sweep would). Says why when not.
    pub(super) fn may_replay(&mut self) -> bool {
        let Some(config) = self.session.as_ref().map(|s| s.config.clone()) else {
            return false;
        };
        if self.unallowed_command(&config).is_none() {
            return true;
        }
        self.message = Some(Message::Error(
            "This command came from a file and has not been allowed: press Run to read it and \
             allow it, then replay."
                .into(),
        ));
        false
    }

    /// Allows the command on screen (`gui --allow-command`: the user allowed it on the
    /// command line), remembering it in the store.
    pub fn allow_current_command(&mut self) {
        let config = self.settings.experiment();
        if let Some((hash, shown)) = self.unallowed_command(&config) {
            self.allowed.0.insert(hash.clone());
            if let Some(link) = &mut self.store {
                let _ = link.allow(&hash, &shown);
            }
        }
    }

    /// Asks before a command from a file runs: true when the sweep may start now. A command
    /// that may run (typed here, or allowed) is remembered as allowed in the store, so that
    /// reopening it from History later asks nothing.
    pub(super) fn may_start(&mut self, config: &ExperimentConfig, then: Then) -> bool {
        match self.unallowed_command(config) {
            None => {
                if let (Some(command), Some(link)) = (&config.command, &mut self.store) {
                    let hash = content_hash(command);
                    if !link.is_allowed(&hash) {
                        let _ = link.allow(&hash, &describe(command, "the app's Your command"));
                    }
                }
                true
            }
            Some((hash, shown)) => {
                self.pending_trust = Some(PendingTrust { hash, shown, then });
                false
            }
        }
    }

    /// The dialog: the command whole, then Allow and run, or Cancel.
    pub(super) fn show_trust_dialog(&mut self, ctx: &egui::Context) {
        let Some(pending) = &self.pending_trust else {
            return;
        };
        let (mut allow, mut cancel) = (false, false);
        egui::Window::new("Run a command from a file?")
            .collapsible(false)
            .resizable(false)
            .default_width(720.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| {
                ui.label(
                    "This experiment runs a program on your computer. It came from a file, so \
                     seedscope runs it only once you have read it and allowed it. Allowing it \
                     allows exactly this: any change to its arguments, folder or environment \
                     asks again.",
                );
                ui.add_space(6.0);
                egui::ScrollArea::vertical()
                    .max_height(360.0)
                    .show(ui, |ui| {
                        ui.set_min_width(700.0);
                        // One label a line; the environment entries that change what a
                        // program loads before its own code stand out in the warning colour.
                        for line in pending.shown.lines() {
                            let text = RichText::new(line).monospace();
                            let text = if line.contains(LOADS_CODE_MARK) {
                                text.color(crate::gui::palette::WARNING)
                            } else {
                                text
                            };
                            ui.label(text);
                        }
                    });
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    allow = ui.button("Allow and run").clicked();
                    cancel = ui.button("Cancel").clicked();
                });
            });
        if cancel {
            self.pending_trust = None;
            self.message = Some(Message::Info(
                "Not run: the command was not allowed.".into(),
            ));
        } else if allow {
            let pending = self.pending_trust.take().expect("shown above");
            self.allowed.0.insert(pending.hash.clone());
            if let Some(link) = &mut self.store
                && let Err(error) = link.allow(&pending.hash, &pending.shown)
            {
                self.message = Some(Message::Error(format!(
                    "Allowed for this session only: {error}"
                )));
            }
            match pending.then {
                Then::Sweep { retrain } => self.start_sweep(ctx, retrain),
                Then::TryOnce => self.start_try(ctx),
            }
        }
    }
}

/// Whether `a` and `b` are the same experiment but for the content of its command's input
/// files: what changes when a file is edited on disk, which Auto-run does not follow.
pub(super) fn only_inputs_differ(a: &ExperimentConfig, b: &ExperimentConfig) -> bool {
    let (Some(x), Some(y)) = (&a.command, &b.command) else {
        return false;
    };
    if x.input_hashes == y.input_hashes {
        return false;
    }
    let mut a = a.clone();
    if let Some(command) = &mut a.command {
        command.input_hashes = y.input_hashes.clone();
    }
    a == *b
}
