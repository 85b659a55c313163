//! The left panel: data, model, training, sweep, the sources grid and the conditions.
//! Numeric fields clamp to the ranges in `config::limits`, so out-of-range values cannot be
//! entered; the free-text field (hidden widths) shows its error in red with the range.
//!
//! Files: this one holds the panel, the preset row, and the model, training and sweep
//! sections; `data.rs` the data set and its split; `sources.rs` the sources grid and the
//! conditions. Like the toolbar, the panel edits the settings it is given and leaves what
//! the user asked for as intents; it reads nothing else of the app.

mod command;
mod data;
mod sources;

use eframe::egui::{self, Color32, RichText};

use super::intent::Intent;
use super::state::{Settings, parse_widths};
use crate::engine::config::{Activation, InitScheme, Optimizer, limits};
use crate::engine::presets;

const RED: Color32 = Color32::from_rgb(0xc0, 0x10, 0x10);

pub(super) fn range_hint<T: std::fmt::Display>(range: &std::ops::RangeInclusive<T>) -> String {
    format!("Allowed: {} to {}", range.start(), range.end())
}

/// The settings panel for one frame: what it edits, whether a sweep runs (the panel is then
/// read-only), and where it leaves what the user asked for.
pub struct SettingsPanel<'a> {
    pub settings: &'a mut Settings,
    pub running: bool,
    pub intents: &'a mut Vec<Intent>,
}

impl SettingsPanel<'_> {
    fn intend(&mut self, intent: Intent) {
        self.intents.push(intent);
    }

    pub fn show(mut self, ui: &mut egui::Ui) {
        let running = self.running;
        ui.add_enabled_ui(!running, |ui| {
            self.trained_by_row(ui);
            if self.settings.command.enabled {
                egui::CollapsingHeader::new(RichText::new("Your command").strong())
                    .default_open(true)
                    .show(ui, |ui| self.command_section(ui));
            } else {
                self.preset_row(ui);
                egui::CollapsingHeader::new(RichText::new("Data").strong())
                    .default_open(true)
                    .show(ui, |ui| self.data_section(ui));
                egui::CollapsingHeader::new(RichText::new("Model").strong())
                    .default_open(true)
                    .show(ui, |ui| self.model_section(ui));
                egui::CollapsingHeader::new(RichText::new("Training").strong())
                    .default_open(true)
                    .show(ui, |ui| self.training_section(ui));
            }
            egui::CollapsingHeader::new(RichText::new("Sweep").strong())
                .default_open(true)
                .show(ui, |ui| self.sweep_section(ui));
            egui::CollapsingHeader::new(RichText::new("Sources of randomness").strong())
                .default_open(true)
                .show(ui, |ui| self.sources_section(ui));
            egui::CollapsingHeader::new(RichText::new("Conditions").strong())
                .default_open(true)
                .show(ui, |ui| self.conditions_section(ui));
        });
        let problems = self.settings.problems();
        for problem in &problems {
            // Wrapped within the panel: a long message must not widen it.
            ui.add(egui::Label::new(RichText::new(problem).color(RED)).wrap());
        }
    }

    fn preset_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Preset");
            let current = if self.settings.preset.is_empty() {
                "(custom)".to_string()
            } else {
                self.settings.preset.clone()
            };
            egui::ComboBox::from_id_salt("preset")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for preset in presets::all() {
                        if ui
                            .selectable_label(self.settings.preset == preset.name, preset.name)
                            .on_hover_text(preset.description())
                            .clicked()
                        {
                            self.intend(Intent::LoadPreset(preset.name.to_string()));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }

    fn model_section(&mut self, ui: &mut egui::Ui) {
        let settings = &mut self.settings;
        egui::Grid::new("model").num_columns(2).show(ui, |ui| {
            let label = ui.label("Hidden layers");
            let parsed = parse_widths(&settings.hidden_text);
            let edit = egui::TextEdit::singleline(&mut settings.hidden_text)
                .desired_width(120.0)
                .hint_text("e.g. 16, 16");
            let edit = if parsed.is_err() {
                edit.text_color(RED)
            } else {
                edit
            };
            ui.add(edit).labelled_by(label.id).on_hover_text(format!(
                "Widths of the hidden layers, comma-separated. Up to {} layers of {} to {} units.",
                limits::HIDDEN_LAYERS.end(),
                limits::WIDTH.start(),
                limits::WIDTH.end()
            ));
            if let Ok(widths) = parse_widths(&settings.hidden_text) {
                settings.config.model.hidden = widths;
            }
            ui.end_row();
            let model = &mut settings.config.model;
            let label = ui.label("Activation");
            egui::ComboBox::from_id_salt("activation")
                .selected_text(format!("{:?}", model.activation))
                .show_ui(ui, |ui| {
                    for a in [
                        Activation::Relu,
                        Activation::Tanh,
                        Activation::Sigmoid,
                        Activation::Linear,
                    ] {
                        ui.selectable_value(&mut model.activation, a, format!("{a:?}"));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            ui.label("Dropout");
            ui.add(
                egui::DragValue::new(&mut model.dropout)
                    .range(limits::DROPOUT)
                    .speed(0.01)
                    .max_decimals(2),
            )
            .on_hover_text(format!(
                "Dropout rate after every hidden layer. {}",
                range_hint(&limits::DROPOUT)
            ));
            ui.end_row();
            let label = ui.label("Initialiser");
            egui::ComboBox::from_id_salt("init")
                .selected_text(match model.init {
                    InitScheme::GlorotUniform => "Glorot uniform",
                    InitScheme::HeUniform => "He uniform",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut model.init,
                        InitScheme::GlorotUniform,
                        "Glorot uniform",
                    );
                    ui.selectable_value(&mut model.init, InitScheme::HeUniform, "He uniform");
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        });
    }

    fn training_section(&mut self, ui: &mut egui::Ui) {
        let training = &mut self.settings.config.training;
        egui::Grid::new("training").num_columns(2).show(ui, |ui| {
            ui.label("Optimizer");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut training.optimizer, Optimizer::Adam, "Adam");
                ui.selectable_value(&mut training.optimizer, Optimizer::Sgd, "SGD + momentum");
            });
            ui.end_row();
            ui.label("Learning rate");
            let speed = training.learning_rate * 0.02;
            ui.add(
                egui::DragValue::new(&mut training.learning_rate)
                    .range(limits::LEARNING_RATE)
                    .speed(speed)
                    .max_decimals(6),
            )
            .on_hover_text(range_hint(&limits::LEARNING_RATE));
            ui.end_row();
            if training.optimizer == Optimizer::Sgd {
                ui.label("Momentum");
                ui.add(
                    egui::DragValue::new(&mut training.momentum)
                        .range(limits::MOMENTUM)
                        .speed(0.01),
                )
                .on_hover_text(range_hint(&limits::MOMENTUM));
                ui.end_row();
            }
            ui.label("Epochs");
            ui.add(egui::DragValue::new(&mut training.epochs).range(limits::EPOCHS))
                .on_hover_text(range_hint(&limits::EPOCHS));
            ui.end_row();
            ui.label("Batch size");
            ui.add(egui::DragValue::new(&mut training.batch_size).range(limits::BATCH_SIZE))
                .on_hover_text(range_hint(&limits::BATCH_SIZE));
            ui.end_row();
        });
    }

    fn sweep_section(&mut self, ui: &mut egui::Ui) {
        let mut seed_label = None;
        egui::Grid::new("sweep").num_columns(2).show(ui, |ui| {
            ui.label("Repeats");
            ui.add(egui::DragValue::new(&mut self.settings.config.repeats).range(limits::REPEATS))
                .on_hover_text(format!("Runs per condition; the tutorials advise 30 or more. {}", range_hint(&limits::REPEATS)));
            ui.end_row();
            let label = ui.label("Master seed");
            ui.horizontal(|ui| {
                super::seed_field::seed_field(ui, &label, &mut self.settings.master_seed)
                    .on_hover_text("Every source's seed is derived from this one number, the source's name and (when free) the run index. Any whole number from 0 to 18446744073709551615, kept exactly.");
                if ui.button("New seed").on_hover_text("Draw a fresh master seed from the OS.").clicked() {
                    self.intend(Intent::NewSeed);
                }
            });
            ui.end_row();
            seed_label = Some(label);
        });
        // Below the grid and wrapped: in a grid cell a long message widened the column, and
        // with it the panel, pushing the tabs off the window.
        if let Some(label) = seed_label
            && let Some(problem) =
                super::seed_field::seed_problem(ui, &label, self.settings.master_seed)
        {
            ui.add(egui::Label::new(problem).wrap());
        }
    }
}
