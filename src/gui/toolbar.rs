//! The top bar: Run/Cancel, progress with ETA, files, and the status message.

use eframe::egui::{self, Color32, RichText};

use super::intent::{Intent, Message};
use super::session::Session;

fn seconds(value: f64) -> String {
    if value < 60.0 {
        format!("{value:.1} s")
    } else {
        format!("{}m {:02}s", (value / 60.0) as u64, value as u64 % 60)
    }
}

/// What the toolbar draws.
pub struct Toolbar<'a> {
    pub running: bool,
    /// Train missing runs by themselves after a change.
    pub auto_run: bool,
    /// Runs are kept in (and reused from) a run store.
    pub has_store: bool,
    /// Problems with the experiment as entered; Run stays disabled while there are any.
    pub problems: &'a [String],
    pub session: Option<&'a Session>,
    pub message: Option<&'a Message>,
}

impl Toolbar<'_> {
    pub fn show(&self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        show(self, ui, intents);
    }
}

fn show(app: &Toolbar, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
    ui.add_space(4.0);
    // Wrapped: on a narrow window the file buttons move to a second row instead of off-screen.
    ui.horizontal_wrapped(|ui| {
        ui.heading(RichText::new("seedscope").strong());
        ui.separator();
        run_button(app, ui, intents);
        file_buttons(app, ui, intents);
    });
    // The progress row is always there, empty before the first sweep: a row that appeared
    // with the sweep pushed the panel below it ~25 px down, under the pointer (a click aimed
    // at Repeats landed on Master seed).
    ui.horizontal(|ui| {
        ui.set_min_height(ui.spacing().interact_size.y + 4.0);
        progress(app, ui);
    });
    message_line(app, ui);
    ui.add_space(2.0);
}

/// Run, or Cancel while a sweep runs; Run is disabled (with the reason) while the experiment
/// has problems.
fn run_button(app: &Toolbar, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
    if app.running {
        if ui
            .button(RichText::new("Cancel").size(16.0))
            .on_hover_text("Stop the sweep; every finished run is kept.")
            .clicked()
        {
            intents.push(Intent::Cancel);
        }
    } else {
        let problems = app.problems;
        let run = ui.add_enabled(
            problems.is_empty(),
            egui::Button::new(RichText::new("Run").size(16.0).strong()),
        );
        let run = if problems.is_empty() {
            run.on_hover_text("Train every condition × repeats in the background.")
        } else {
            run.on_disabled_hover_text(format!("Fix first: {}", problems.join("; ")))
        };
        if run.clicked() {
            intents.push(Intent::Run);
        }
        if app.has_store {
            let retrain = ui
                .add_enabled(problems.is_empty(), egui::Button::new("Retrain"))
                .on_hover_text(
                    "Train every run of the current selection again, ignoring the store \
                     (the stored runs are replaced).",
                );
            if retrain.clicked() {
                intents.push(Intent::Retrain);
            }
        }
    }
    let mut auto_run = app.auto_run;
    let toggle = ui.checkbox(&mut auto_run, "Auto-run").on_hover_text(
        "Train the missing runs by themselves a moment after any setting or toggle changes, \
         so the plots follow the controls. Runs already in the store show at once.",
    );
    if toggle.changed() {
        intents.push(Intent::SetAutoRun(auto_run));
    }
}

/// Runs done of the total, elapsed time and ETA.
fn progress(app: &Toolbar, ui: &mut egui::Ui) {
    if let Some(session) = app.session {
        let done = session.runs.len();
        let fraction = session.progress();
        let elapsed = session
            .elapsed
            .unwrap_or_else(|| session.started.elapsed())
            .as_secs_f64();
        let mut text = format!("{done} / {} runs", session.total);
        if session.from_store > 0 {
            let to_train = session.total - session.from_store;
            text.push_str(&format!(
                " · {} from store, {to_train} to train",
                session.from_store
            ));
        }
        if app.running || session.from_store < session.total {
            text.push_str(&format!(" · {} elapsed", seconds(elapsed)));
        }
        if app.running
            && let Some(eta) = session.eta()
        {
            text.push_str(&format!(" · ETA {}", seconds(eta)));
        }
        // As wide as its text (never narrower than 380 px): a resumed sweep's line is long,
        // and a fixed width cut it off ("… 0.2 s elapse"). The toolbar wraps instead.
        let font = egui::TextStyle::Button.resolve(ui.style());
        let text_width = ui
            .painter()
            .layout_no_wrap(text.clone(), font, Color32::BLACK)
            .size()
            .x;
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width((text_width + 24.0).max(380.0))
                .text(text),
        );
    }
}

/// Snapshot, exports, and experiment files.
fn file_buttons(app: &Toolbar, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
    ui.separator();
    let has_runs = app.session.is_some_and(|s| !s.runs.is_empty());
    if ui
        .add_enabled(has_runs, egui::Button::new("Save snapshot"))
        .on_hover_text("Save the current view (plot, axes and legend) as a PNG.")
        .clicked()
    {
        intents.push(Intent::SaveSnapshot);
    }
    if ui
        .add_enabled(has_runs, egui::Button::new("Export JSON"))
        .on_hover_text("Everything: config, master seed, every run and the summaries.")
        .clicked()
    {
        intents.push(Intent::ExportJson);
    }
    if ui
        .add_enabled(has_runs, egui::Button::new("Export CSV"))
        .on_hover_text("One row per run, for pandas or R.")
        .clicked()
    {
        intents.push(Intent::ExportCsv);
    }
    ui.separator();
    if ui
        .button("Open experiment…")
        .on_hover_text("An experiment file (settings), or a results file (from Export JSON, `seedscope run`, `export` or `merge`) shown with all its runs, without training.")
        .clicked()
    {
        intents.push(Intent::OpenExperiment);
    }
    if ui.button("Save experiment…").clicked() {
        intents.push(Intent::SaveExperiment);
    }
}

/// The status line: the last info (green), warning (orange) or error (red).
fn message_line(app: &Toolbar, ui: &mut egui::Ui) {
    match app.message {
        Some(Message::Info(text)) => {
            ui.label(RichText::new(text).color(Color32::from_rgb(0x20, 0x60, 0x20)));
        }
        Some(Message::Warning(text)) => {
            ui.label(RichText::new(text).color(crate::gui::palette::WARNING));
        }
        Some(Message::Error(text)) => {
            ui.label(
                RichText::new(text)
                    .color(Color32::from_rgb(0xc0, 0x10, 0x10))
                    .strong(),
            );
        }
        None => {
            ui.label(" ");
        }
    }
}
