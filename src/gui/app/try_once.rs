//! Your command's Try once (docs/your-command.md, "Try it once first"): one run with every seed
//! fixed, on a thread, shown in a window as it ran — the command line with its seeds filled in,
//! the end of its output with the lines the metric pattern matched marked, and the result it
//! would record (or why it failed). Nothing is recorded; closing the window ends the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use eframe::egui::{self, RichText};

use super::SeedscopeApp;
use super::trust::Then;
use crate::engine::command::trial::{Trial, try_once};
use crate::gui::intent::Message;
use crate::gui::palette;
use crate::gui::task::Task;

/// A line the metric pattern matched.
const MATCHED: egui::Color32 = egui::Color32::from_rgb(0x1f, 0x5f, 0xa8);

/// Lines of each stream shown.
const SHOWN_LINES: usize = 16;

/// What the window shows of a tried run.
pub struct TryView {
    pub command_line: String,
    /// (stream, matched, line).
    pub lines: Vec<(&'static str, bool, String)>,
    /// The result it would record, or why it failed.
    pub result: Result<String, String>,
}

/// A try on its thread, or its view.
pub enum TryState {
    Running {
        task: Task<Result<TryView, String>>,
        stop: Arc<AtomicBool>,
    },
    Shown(Result<TryView, String>),
}

impl TryView {
    fn of(trial: &Trial) -> TryView {
        let lines = trial.shown_lines(SHOWN_LINES);
        let record = &trial.run.record;
        let result = match &record.error {
            Some(error) => Err(error.clone()),
            None => Ok(format!(
                "{} = {} ({} is better); it would be recorded with hash {}",
                record.metric,
                crate::analysis::summary::format_value(record.final_test_metric),
                if record.metric.higher_is_better() {
                    "higher"
                } else {
                    "lower"
                },
                record.weights_hash
            )),
        };
        TryView {
            command_line: trial
                .run
                .argv
                .iter()
                .map(|a| crate::engine::files::escape(a))
                .collect::<Vec<_>>()
                .join(" "),
            lines,
            result,
        }
    }
}

impl SeedscopeApp {
    /// Whether a Try once run is under way.
    pub fn is_trying(&self) -> bool {
        matches!(self.try_state, Some(TryState::Running { .. }))
    }

    /// Starts Try once on the experiment as entered (asking first for a command from a file).
    pub(super) fn start_try(&mut self, ctx: &egui::Context) {
        if matches!(self.try_state, Some(TryState::Running { .. })) {
            return;
        }
        if let Some(first) = self.problems().first() {
            self.message = Some(Message::Error(format!("Cannot try: {first}")));
            return;
        }
        let config = self.settings.experiment();
        if !self.may_start(&config, Then::TryOnce) {
            return;
        }
        let seed = self.settings.master_seed;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let task = Task::spawn("try", Some(ctx), move || {
            try_once(&config, seed, &|| stopped.load(Ordering::Relaxed))
                .map(|trial| TryView::of(&trial))
                .map_err(|e| e.to_string())
        });
        self.try_state = Some(TryState::Running { task, stop });
    }

    /// The Try once window, while a try runs or its view is open.
    pub(super) fn show_try_window(&mut self, ctx: &egui::Context) {
        if let Some(TryState::Running { task, .. }) = &mut self.try_state
            && let Some(done) = task.poll()
        {
            self.try_state = Some(TryState::Shown(
                done.map_err(|e| e.to_string()).and_then(|r| r),
            ));
        }
        let Some(state) = &self.try_state else {
            return;
        };
        let mut close = false;
        egui::Window::new("Try once")
            .collapsible(false)
            .default_width(760.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| {
                match state {
                    TryState::Running { task, .. } => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(format!(
                                "One run with every seed fixed… {:.0} s",
                                task.started.elapsed().as_secs_f64()
                            ));
                        });
                        ctx.request_repaint_after(std::time::Duration::from_millis(250));
                    }
                    TryState::Shown(Err(why)) => {
                        ui.colored_label(palette::WARNING, why);
                    }
                    TryState::Shown(Ok(view)) => show_view(ui, view),
                }
                ui.add_space(6.0);
                close = ui.button("Close").clicked();
            });
        if close {
            if let Some(TryState::Running { stop, .. }) = &self.try_state {
                stop.store(true, Ordering::Relaxed);
            }
            self.try_state = None;
        }
    }
}

fn show_view(ui: &mut egui::Ui, view: &TryView) {
    ui.label(RichText::new("Ran, every seed fixed:").strong());
    ui.label(RichText::new(&view.command_line).monospace());
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .show(ui, |ui| {
            ui.set_min_width(720.0);
            for (stream, marked, line) in &view.lines {
                let text = format!("{} {stream}: {line}", if *marked { "▶" } else { " " });
                let text = RichText::new(text).monospace();
                ui.label(if *marked {
                    text.strong().color(MATCHED)
                } else {
                    text
                });
            }
        });
    ui.add_space(4.0);
    match &view.result {
        Ok(result) => {
            ui.label(RichText::new(format!("Result: {result}")).strong());
        }
        Err(why) => {
            ui.colored_label(
                palette::WARNING,
                format!("The run failed, so a sweep would record nothing for it: {why}"),
            );
        }
    }
}
