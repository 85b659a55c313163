//! "Your command": train a command instead of the built-in model (docs/your-command.md). The panel takes
//! the command line, the folder it runs in and its time limit; the sources grid and the
//! conditions stay as they are, with the gpu source added.

use eframe::egui::{self, RichText};

use super::{RED, SettingsPanel};
use crate::engine::command::MAX_TIMEOUT_S;

/// What a run of the command is told, for the fields' hover text.
const CONTRACT: &str = "Each run gets one seed per source in SEEDSCOPE_SEED_DATA, _SPLIT, _INIT, \
    _DROPOUT and _SHUFFLE (the same in every run where the source is fixed), SEEDSCOPE_THREADS \
    and the OMP/MKL/OPENBLAS thread counts, SEEDSCOPE_DETERMINISTIC with the GPU switches, and \
    writes its result as JSON to SEEDSCOPE_RESULT: metric, value, higher_is_better; per test \
    example test_ids and test_errors; weights_hash. `seedscope helper python` prints a helper \
    that does both. No shell: write sh -c '…' for one.";

impl SettingsPanel<'_> {
    /// The choice between the built-in model and the user's command.
    pub(super) fn trained_by_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Train");
            let entry = &mut self.settings.command;
            ui.selectable_value(&mut entry.enabled, false, "Built-in model")
                .on_hover_text("seedscope's own small networks on drawn or real data sets.");
            ui.selectable_value(&mut entry.enabled, true, "Your command")
                .on_hover_text(format!(
                    "Any training command, run once per run under seedscope's control. {CONTRACT}"
                ));
        });
    }

    pub(super) fn command_section(&mut self, ui: &mut egui::Ui) {
        let entry = &mut self.settings.command;
        egui::Grid::new("command").num_columns(2).show(ui, |ui| {
            let label = ui.label("Command");
            ui.add(
                egui::TextEdit::singleline(&mut entry.line)
                    .hint_text("python3 train.py --epochs 5")
                    .desired_width(240.0),
            )
            .labelled_by(label.id)
            .on_hover_text(CONTRACT);
            ui.end_row();
            let label = ui.label("Folder");
            ui.add(
                egui::TextEdit::singleline(&mut entry.workdir)
                    .hint_text("(where seedscope started)")
                    .desired_width(240.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "Where the command runs. A relative folder is taken from the one seedscope was started in.",
            );
            ui.end_row();
            let label = ui.label("Time limit (s)");
            ui.add(
                egui::DragValue::new(&mut entry.timeout_s)
                    .range(1.0..=MAX_TIMEOUT_S)
                    .speed(10.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "A run that takes longer is ended with everything it started, and counted as failed.",
            );
            ui.end_row();
        });
        match entry.command() {
            Ok(command) => {
                let inputs: Vec<&String> = command.input_hashes.keys().collect();
                let text = if inputs.is_empty() {
                    "No input files among its arguments: only the command line keys its stored runs.".to_string()
                } else {
                    format!(
                        "Input files: {} (edit one and the runs are another experiment).",
                        inputs
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                ui.add(egui::Label::new(RichText::new(text).weak()).wrap());
            }
            Err(message) if !entry.line.trim().is_empty() => {
                ui.add(egui::Label::new(RichText::new(message).color(RED)).wrap());
            }
            Err(_) => {
                ui.add(
                    egui::Label::new(
                        RichText::new("Type the command that trains your model once.").weak(),
                    )
                    .wrap(),
                );
            }
        }
    }
}
