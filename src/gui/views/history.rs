//! History: every experiment in the run store, newest first, with Open and Delete.

use eframe::egui::{self, Color32, RichText};

use crate::analysis::words::count_of;
use crate::gui::intent::Intent;
use crate::records::store::{ExperimentEntry, utc_text};

pub fn show(
    ui: &mut egui::Ui,
    history: Option<&[ExperimentEntry]>,
    store_path: Option<&std::path::Path>,
    intents: &mut Vec<Intent>,
) {
    let Some(entries) = history else {
        ui.label(
            RichText::new(
                "No run store: runs are not kept between launches (started with --no-store, or \
                 the store could not be opened; see the status line).",
            )
            .size(16.0),
        );
        return;
    };
    if entries.is_empty() {
        ui.label(RichText::new("No experiments stored yet: press Run.").size(16.0));
        return;
    }
    ui.label(format!(
        "{}. Open shows one again with all its stored runs; Delete removes it and its runs.",
        count_of(entries.len(), "experiment")
    ));
    if let Some(path) = store_path {
        ui.label(RichText::new(format!("Run store: {}", path.display())).weak());
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("history")
                .striped(true)
                .min_col_width(40.0)
                .show(ui, |ui| {
                    // The buttons come first and the settings, whose text can be any
                    // length (a command's folder), last and shortened to the window: nothing
                    // is pushed past the right edge.
                    for title in [
                        "",
                        "#",
                        "last used",
                        "name",
                        "master seed",
                        "runs",
                        "settings",
                    ] {
                        ui.label(RichText::new(title).strong());
                    }
                    ui.end_row();
                    for entry in entries {
                        entry_row(ui, entry, intents);
                    }
                });
        });
}

/// The widest the name column grows (points).
const NAME_WIDTH: f32 = 240.0;

fn entry_row(ui: &mut egui::Ui, entry: &ExperimentEntry, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if ui
            .button("Open")
            .on_hover_text("Show this experiment again with its stored runs.")
            .clicked()
        {
            intents.push(Intent::ReopenExperiment(entry.id));
        }
        if ui
            .button(RichText::new("Delete").color(Color32::from_rgb(0xa0, 0x10, 0x10)))
            .on_hover_text("Remove this experiment and its runs from the store.")
            .clicked()
        {
            intents.push(Intent::DeleteExperiment(entry.id));
        }
    });
    ui.label(entry.id.to_string());
    ui.label(utc_text(entry.used))
        .on_hover_text(format!("first stored {}", utc_text(entry.created)));
    // A command's name is its command line, which can be any length: shortened with "…" to
    // its column (the whole line on hover), so the runs and settings columns stay in view.
    let name = crate::records::store::display_name(&entry.config);
    ui.allocate_ui(egui::vec2(NAME_WIDTH, ui.spacing().interact_size.y), |ui| {
        ui.set_max_width(NAME_WIDTH);
        ui.add(egui::Label::new(&name).truncate())
            .on_hover_text(&name);
    });
    ui.label(entry.key.master_seed.to_string());
    ui.label(entry.runs.to_string());
    // Shortened with "…" to the room left; the whole text on hover.
    ui.add(egui::Label::new(&entry.summary).truncate())
        .on_hover_text(format!(
            "{}\ntrained by {}",
            entry.summary, entry.key.fingerprint
        ));
    ui.end_row();
}
