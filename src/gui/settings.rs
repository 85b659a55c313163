//! The left panel: data, model, training, sweep, the sources grid and the conditions.
//! Numeric fields clamp to the ranges in `config::limits`, so out-of-range values cannot be
//! entered; the free-text field (hidden widths) shows its error in red with the range.

use eframe::egui::{self, Color32, RichText};

use super::intent::Intent;
use super::palette::{condition_color, source_color};
use super::state::{Settings, parse_widths};
use crate::engine::config::{Activation, DatasetKind, InitScheme, Optimizer, limits};
use crate::engine::presets;
use crate::engine::seeds::Source;

const RED: Color32 = Color32::from_rgb(0xc0, 0x10, 0x10);

fn range_hint<T: std::fmt::Display>(range: &std::ops::RangeInclusive<T>) -> String {
    format!("Allowed: {} to {}", range.start(), range.end())
}

/// What the settings panel edits, and where it leaves what the user asked for.
struct Panel<'a> {
    settings: &'a mut Settings,
    intents: &'a mut Vec<Intent>,
}

impl Panel<'_> {
    fn intend(&mut self, intent: Intent) {
        self.intents.push(intent);
    }
}

pub fn show(ui: &mut egui::Ui, settings: &mut Settings, running: bool, intents: &mut Vec<Intent>) {
    let app = &mut Panel { settings, intents };
    ui.add_enabled_ui(!running, |ui| {
        preset_row(app, ui);
        egui::CollapsingHeader::new(RichText::new("Data").strong())
            .default_open(true)
            .show(ui, |ui| data_section(app, ui));
        egui::CollapsingHeader::new(RichText::new("Model").strong())
            .default_open(true)
            .show(ui, |ui| model_section(app, ui));
        egui::CollapsingHeader::new(RichText::new("Training").strong())
            .default_open(true)
            .show(ui, |ui| training_section(app, ui));
        egui::CollapsingHeader::new(RichText::new("Sweep").strong())
            .default_open(true)
            .show(ui, |ui| sweep_section(app, ui));
        egui::CollapsingHeader::new(RichText::new("Sources of randomness").strong())
            .default_open(true)
            .show(ui, |ui| sources_section(app, ui));
        egui::CollapsingHeader::new(RichText::new("Conditions").strong())
            .default_open(true)
            .show(ui, |ui| conditions_section(app, ui));
    });
    let problems = app.settings.problems();
    for problem in &problems {
        ui.label(RichText::new(problem).color(RED));
    }
}

fn preset_row(app: &mut Panel, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let label = ui.label("Preset");
        let current = if app.settings.preset.is_empty() {
            "(custom)".to_string()
        } else {
            app.settings.preset.clone()
        };
        egui::ComboBox::from_id_salt("preset")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for preset in presets::all() {
                    if ui
                        .selectable_label(app.settings.preset == preset.name, preset.name)
                        .on_hover_text(preset.description())
                        .clicked()
                    {
                        app.intend(Intent::LoadPreset(preset.name.to_string()));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
}

fn data_section(app: &mut Panel, ui: &mut egui::Ui) {
    let previous = app.settings.config.data.clone();
    let data = &mut app.settings.config.data;
    let mut open_csv = false;
    egui::Grid::new("data").num_columns(2).show(ui, |ui| {
        let label = ui.label("Data set");
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("dataset")
                .selected_text(data.kind.label())
                .show_ui(ui, |ui| {
                    for kind in DatasetKind::SYNTHETIC {
                        ui.selectable_value(&mut data.kind, kind, kind.label());
                    }
                    ui.separator();
                    for kind in DatasetKind::REAL {
                        ui.selectable_value(&mut data.kind, kind, kind.label())
                            .on_hover_text(crate::engine::data::builtin::about(kind));
                    }
                })
                .response
                .labelled_by(label.id);
            open_csv = ui
                .button("CSV file…")
                .on_hover_text("Train on your own data: a CSV file with a header row, numeric feature columns and a column to predict (class labels or numbers).")
                .clicked();
        });
        ui.end_row();
        if data.kind == DatasetKind::Csv {
            csv_rows(ui, data, &app.settings.csv_columns);
        }
        if data.kind.is_table() {
            table_summary(ui, data);
        } else {
            synthetic_rows(ui, data);
        }
        split_rows(ui, data);
    });
    if open_csv {
        app.intend(Intent::OpenCsv);
    }
    let data = &mut app.settings.config.data;
    if *data != previous && data.kind.is_table() {
        let mut checked = data.clone();
        match crate::engine::data::prepare(&mut checked) {
            Ok(()) => *data = checked,
            Err(message) => app.intend(Intent::DataRefused {
                previous: Box::new(previous),
                message,
            }),
        }
    }
}

/// The CSV data set: the file, the column to predict, and how to read it.
fn csv_rows(ui: &mut egui::Ui, data: &mut crate::engine::config::DataConfig, columns: &[String]) {
    use crate::engine::data::csv_file::TaskChoice;
    ui.label("File");
    let file = data
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map_or("?".into(), |n| n.to_string_lossy().into_owned());
    ui.label(file).on_hover_text(
        data.path
            .as_ref()
            .map_or(String::new(), |p| p.display().to_string()),
    );
    ui.end_row();
    let label = ui.label("Predict");
    let mut target = data.target.clone().unwrap_or_default();
    egui::ComboBox::from_id_salt("csv-target")
        .selected_text(&target)
        .show_ui(ui, |ui| {
            for column in columns {
                ui.selectable_value(&mut target, column.clone(), column);
            }
        })
        .response
        .labelled_by(label.id);
    if data.target.as_deref() != Some(target.as_str()) {
        data.target = Some(target);
    }
    ui.end_row();
    let label = ui.label("Task");
    let mut task = data.task.unwrap_or_default();
    egui::ComboBox::from_id_salt("csv-task")
        .selected_text(format!("{task:?}").to_lowercase())
        .show_ui(ui, |ui| {
            for choice in [TaskChoice::Auto, TaskChoice::Classification, TaskChoice::Regression] {
                ui.selectable_value(&mut task, choice, format!("{choice:?}").to_lowercase());
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text("auto: text labels, or at most 20 distinct whole numbers, are classes; anything else is regression.");
    if data.task != Some(task) {
        data.task = Some(task);
    }
    ui.end_row();
}

/// A fixed data set's size and task, as loaded.
fn table_summary(ui: &mut egui::Ui, data: &crate::engine::config::DataConfig) {
    use crate::engine::data::Task;
    ui.label("Rows");
    match crate::engine::data::load_table(data) {
        Ok(table) => {
            let task = match table.task() {
                Task::Regression => "regression".to_string(),
                Task::Binary => format!("2 classes ({})", table.class_names().join(", ")),
                Task::Multiclass { classes } => format!("{classes} classes"),
            };
            ui.label(format!(
                "{} × {} features · {task}",
                table.rows(),
                table.features()
            ))
            .on_hover_text("data free: each run trains on a bootstrap resample of the training rows (Bouthillier et al. 2021). split free: other rows are held out (stratified by class). Features are standardised with the training rows' mean and std.");
        }
        Err(message) => {
            ui.label(RichText::new(message).color(RED));
        }
    }
    ui.end_row();
}

/// Samples and noise: what a synthetic data set draws.
fn synthetic_rows(ui: &mut egui::Ui, data: &mut crate::engine::config::DataConfig) {
    ui.label("Samples");
    ui.add(
        egui::DragValue::new(&mut data.samples)
            .range(limits::SAMPLES)
            .speed(5),
    )
    .on_hover_text(range_hint(&limits::SAMPLES));
    ui.end_row();
    ui.label("Noise");
    ui.add(
        egui::DragValue::new(&mut data.noise)
            .range(limits::NOISE)
            .speed(0.01)
            .max_decimals(3),
    )
    .on_hover_text(format!(
        "Std of the Gaussian noise on each point. {}",
        range_hint(&limits::NOISE)
    ));
    ui.end_row();
}

fn model_section(app: &mut Panel, ui: &mut egui::Ui) {
    let settings = &mut app.settings;
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
                ui.selectable_value(&mut model.init, InitScheme::GlorotUniform, "Glorot uniform");
                ui.selectable_value(&mut model.init, InitScheme::HeUniform, "He uniform");
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
    });
}

fn training_section(app: &mut Panel, ui: &mut egui::Ui) {
    let training = &mut app.settings.config.training;
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

fn sweep_section(app: &mut Panel, ui: &mut egui::Ui) {
    egui::Grid::new("sweep").num_columns(2).show(ui, |ui| {
        ui.label("Repeats");
        ui.add(egui::DragValue::new(&mut app.settings.config.repeats).range(limits::REPEATS))
            .on_hover_text(format!("Runs per condition; the tutorials advise 30 or more. {}", range_hint(&limits::REPEATS)));
        ui.end_row();
        let label = ui.label("Master seed");
        ui.horizontal(|ui| {
            super::seed_field::seed_field(ui, &label, &mut app.settings.master_seed)
                .on_hover_text("Every source's seed is derived from this one number, the source's name and (when free) the run index. Any whole number from 0 to 18446744073709551615, kept exactly.");
            if ui.button("New seed").on_hover_text("Draw a fresh master seed from the OS.").clicked() {
                app.intend(Intent::NewSeed);
            }
        });
        ui.end_row();
        if let Some(problem) = super::seed_field::seed_problem(ui, &label, app.settings.master_seed) {
            ui.label("");
            ui.label(problem);
            ui.end_row();
        }
    });
}

fn sources_section(app: &mut Panel, ui: &mut egui::Ui) {
    ui.label("Tick a source to make it free in the custom condition; tick “only” to run that source alone.");
    let choice = &mut app.settings.choice;
    egui::Grid::new("sources")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("source").weak());
            ui.label(RichText::new("custom set").weak());
            ui.label(RichText::new("ablation").weak());
            ui.end_row();
            for source in Source::ALL {
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
        });
}

fn conditions_section(app: &mut Panel, ui: &mut egui::Ui) {
    let choice = &mut app.settings.choice;
    ui.checkbox(&mut choice.all_fixed, "all-fixed")
        .on_hover_text("Every seed fixed: the runs should be bitwise identical.");
    ui.checkbox(&mut choice.all_free, "all-free")
        .on_hover_text("Every source free: the full run-to-run spread.");
    ui.checkbox(&mut choice.library_rng, "library-rng lesson").on_hover_text(
        "Every seed fixed, but weights initialised by candle_nn::linear, whose CPU RNG cannot be seeded: \
         the runs still differ (like forgetting tf.random.set_seed).",
    );
    ui.checkbox(&mut choice.nudge, "nudge lesson")
        .on_hover_text(
            "Every seed fixed; run i moves initial weight i by one ULP (f32::next_up). \
         Training amplifies the tiny change into the full spread.",
        );
    let conditions = app.settings.choice.conditions();
    let repeats = app.settings.config.repeats;
    ui.add_space(4.0);
    ui.label(
        RichText::new(format!(
            "Will run {} conditions × {repeats} = {} runs:",
            conditions.len(),
            conditions.len() * repeats
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

/// How the test rows are chosen: a random fraction, or k-fold with the split source picking
/// the fold.
fn split_rows(ui: &mut egui::Ui, data: &mut crate::engine::config::DataConfig) {
    use crate::engine::config::SplitMode;
    ui.label("Split");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut data.split, SplitMode::Random, "random")
            .on_hover_text("Hold out a random test fraction of the rows (stratified for real data).");
        ui.selectable_value(&mut data.split, SplitMode::KFold, "k-fold")
            .on_hover_text(
                "k-fold cross-validation: one partition into k folds, drawn from the fixed split seed. \
                 With the split source free, run r tests on fold r mod k; fixed, every run tests on fold 0. \
                 Its spread understates that of a fresh random split: the folds share most training rows.",
            );
    });
    ui.end_row();
    if data.split == SplitMode::KFold {
        ui.label("Folds (k)");
        ui.add(egui::DragValue::new(&mut data.k).range(limits::FOLDS))
            .on_hover_text(range_hint(&limits::FOLDS));
        ui.end_row();
        return;
    }
    ui.label("Test fraction");
    ui.add(
        egui::DragValue::new(&mut data.test_fraction)
            .range(limits::TEST_FRACTION)
            .speed(0.01)
            .max_decimals(2),
    )
    .on_hover_text(format!(
        "0 measures on the training data, as the Keras tutorial does. {}",
        range_hint(&limits::TEST_FRACTION)
    ));
    ui.end_row();
}
