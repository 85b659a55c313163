//! The Data section: the data set (drawn, built-in or a CSV file), its size and noise, and
//! how its test rows are chosen.

use eframe::egui::{self, RichText};

use super::{RED, SettingsPanel, range_hint};
use crate::engine::config::{DataConfig, DatasetKind, limits};
use crate::gui::intent::Intent;

impl SettingsPanel<'_> {
    pub(super) fn data_section(&mut self, ui: &mut egui::Ui) {
        let previous = self.settings.config.data.clone();
        let data = &mut self.settings.config.data;
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
                csv_rows(ui, data, &self.settings.csv_columns);
            }
            if data.kind.is_table() {
                table_summary(ui, data);
            } else {
                synthetic_rows(ui, data);
            }
            split_rows(ui, data);
        });
        if open_csv {
            self.intend(Intent::OpenCsv);
        }
        let data = &mut self.settings.config.data;
        if *data != previous && data.kind.is_table() {
            let mut checked = data.clone();
            match crate::engine::data::prepare(&mut checked) {
                Ok(()) => *data = checked,
                Err(error) => self.intend(Intent::DataRefused {
                    previous: Box::new(previous),
                    message: error.to_string(),
                }),
            }
        }
    }
}

/// The CSV data set: the file, the column to predict, and how to read it.
fn csv_rows(ui: &mut egui::Ui, data: &mut DataConfig, columns: &[String]) {
    use crate::engine::data::csv_file::TaskChoice;
    ui.label("File");
    let file = data
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map_or("?".into(), |n| n.to_string_lossy().into_owned());
    ui.add(egui::Label::new(file).truncate()).on_hover_text(
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
fn table_summary(ui: &mut egui::Ui, data: &DataConfig) {
    use crate::engine::data::Task;
    ui.label("Rows");
    match crate::engine::data::load_table(data) {
        Ok(table) => {
            let task = match table.task() {
                Task::Regression => "regression".to_string(),
                Task::Binary => format!("2 classes ({})", table.class_names().join(", ")),
                Task::Multiclass { classes } => format!("{classes} classes"),
            };
            let summary = format!("{} × {} features · {task}", table.rows(), table.features());
            ui.add(egui::Label::new(&summary).truncate())
                .on_hover_text(format!(
                    "{summary}. data free: each run trains on a bootstrap resample of the training \
                 rows (Bouthillier et al. 2021). split free: other rows are held out (stratified \
                 by class). Features are standardised with the training rows' mean and std."
                ));
        }
        Err(error) => {
            ui.label(RichText::new(error.to_string()).color(RED));
        }
    }
    ui.end_row();
}

/// Samples and noise: what a synthetic data set draws.
fn synthetic_rows(ui: &mut egui::Ui, data: &mut DataConfig) {
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

/// How the test rows are chosen: a random fraction, or k-fold with the split source picking
/// the fold.
fn split_rows(ui: &mut egui::Ui, data: &mut DataConfig) {
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
