//! The sources grid (one row per source: free in a custom condition, or alone) and the
//! Conditions section (the named conditions, and what the next Run trains).

use eframe::egui::{self, RichText};

use super::{RED, SettingsPanel};
use crate::analysis::words::count_of;
use crate::engine::config::placeholders::SEED_SOURCES;
use crate::engine::seeds::Source;
use crate::gui::palette::{condition_color, source_color};
use crate::gui::state::ConditionChoice;

impl SettingsPanel<'_> {
    pub(super) fn sources_section(&mut self, ui: &mut egui::Ui) {
        ui.label("Tick a source to make it free in the custom condition; tick “only” to run that source alone.");
        let producer = self.settings.capabilities();
        let choice = &mut self.settings.choice;
        egui::Grid::new("sources")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                ui.label(RichText::new("source").weak());
                ui.label(RichText::new("custom set").weak());
                ui.label(RichText::new("ablation").weak());
                ui.end_row();
                if producer.one_seed {
                    one_seed_row(ui, choice);
                }
                for source in Source::ALL {
                    if producer.one_seed && SEED_SOURCES.contains(&source) {
                        continue;
                    }
                    let i = source.index();
                    ui.label(
                        RichText::new(source.name())
                            .color(source_color(source))
                            .strong(),
                    )
                    .on_hover_text(source.explanation());
                    ui.horizontal(|ui| {
                        ui.checkbox(
                            &mut choice.custom_free[i],
                            format!("{} free", source.name()),
                        )
                        .on_hover_text(source.explanation());
                    });
                    ui.checkbox(&mut choice.only[i], format!("only-{}", source.name()))
                        .on_hover_text(format!(
                            "Run the condition where {} alone is free.",
                            source.name()
                        ));
                    ui.end_row();
                }
                if producer.takes_gpus {
                    let gpu = crate::engine::seeds::Source::Gpu;
                    ui.label(RichText::new(gpu.name()).color(source_color(gpu)).strong())
                        .on_hover_text(gpu.explanation());
                    ui.checkbox(&mut choice.custom_gpu, "gpu free")
                        .on_hover_text(gpu.explanation());
                    ui.checkbox(&mut choice.only_gpu, "only-gpu").on_hover_text(
                        "Run the condition where the gpu switch alone is free (the libraries' default kernels).",
                    );
                    ui.end_row();
                }
            });
    }

    pub(super) fn conditions_section(&mut self, ui: &mut egui::Ui) {
        let lessons = self.settings.capabilities().lessons;
        let choice = &mut self.settings.choice;
        ui.checkbox(&mut choice.all_fixed, "all-fixed")
            .on_hover_text("Every seed fixed: the runs should be bitwise identical.");
        ui.checkbox(&mut choice.all_free, "all-free")
            .on_hover_text("Every source free: the full run-to-run spread.");
        if !lessons {
            return self.conditions_summary(ui);
        }
        ui.checkbox(&mut choice.library_rng, "library-rng lesson").on_hover_text(
            "Every seed fixed, but weights initialised by candle_nn::linear, whose CPU RNG cannot be seeded: \
             the runs still differ (like forgetting tf.random.set_seed).",
        );
        ui.checkbox(&mut choice.nudge, "nudge lesson")
            .on_hover_text(
                "Every seed fixed; run i moves initial weight i by one ULP (f32::next_up). \
             Training amplifies the tiny change into the full spread.",
            );
        self.conditions_summary(ui);
    }

    /// What the next Run trains.
    fn conditions_summary(&mut self, ui: &mut egui::Ui) {
        let conditions = self
            .settings
            .choice
            .conditions(&self.settings.capabilities());
        let repeats = self.settings.config.repeats;
        ui.add_space(4.0);
        ui.label(
            RichText::new(format!(
                "Will run {} × {repeats} = {}:",
                count_of(conditions.len(), "condition"),
                count_of(conditions.len() * repeats, "run")
            ))
            .strong(),
        );
        ui.horizontal_wrapped(|ui| {
            for condition in &conditions {
                ui.label(RichText::new(condition.to_string()).color(condition_color(condition)));
            }
        });
        if conditions.is_empty() {
            ui.label(RichText::new("conditions: none selected; tick at least one").color(RED));
        }
    }
}

/// The row of a script's one seed (`{seed}`): from outside, its data, split, init, dropout and
/// shuffle move together, so they are one row, free together or fixed together.
fn one_seed_row(ui: &mut egui::Ui, choice: &mut ConditionChoice) {
    let why = "The script takes one seed for everything ({seed}): which of data, split, init, \
               dropout or shuffle it drives cannot be told from outside. Give each source its \
               own seed ({seed.init}, {seed.shuffle}, …) or use the helper to split it.";
    ui.label(RichText::new("seed").strong()).on_hover_text(why);
    let mut free = SEED_SOURCES.iter().any(|s| choice.custom_free[s.index()]);
    if ui
        .checkbox(&mut free, "seed free")
        .on_hover_text(why)
        .changed()
    {
        for source in SEED_SOURCES {
            choice.custom_free[source.index()] = free;
        }
    }
    ui.checkbox(&mut choice.only_seed, "only-seed")
        .on_hover_text("Run the condition where the script's seed alone is free.");
    ui.end_row();
}
