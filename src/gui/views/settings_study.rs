//! Compare settings: is a change better than seed luck? One field's values, each run under
//! the experiment's master seed, so run r of every setting draws the same seeds; then the
//! verdicts, each run's line across the settings (the paired differences), and a grid of
//! setting against setting.

use eframe::egui::{self, Color32, RichText, Sense};
use egui_plot::{Line, MarkerShape, Plot, Points};

use super::category_axis::category_axis;
use crate::analysis::settings_reading::{PairReading, StudyReading};
use crate::engine::config::ExperimentConfig;
use crate::gui::study::{STUDY_FIELDS, StudyState};
use crate::records::study_file::StudyFile;

/// What the tab needs besides its own state.
pub struct StudyInputs<'a> {
    pub base: &'a ExperimentConfig,
    pub seed: u64,
    /// A command is entered: the app's study varies the built-in model's fields.
    pub command: bool,
    /// Another sweep is running.
    pub busy: bool,
}

pub fn show(ui: &mut egui::Ui, study: &mut StudyState, inputs: StudyInputs, capturing: bool) {
    study.poll();
    ui.label(
        RichText::new("Is a change better than seed luck?")
            .size(16.0)
            .strong(),
    );
    ui.label(format!(
        "Each value is run as the experiment on the left ({} × {}), all under master seed {}: \
         run r of every setting draws the same seeds for every source, so the settings are \
         compared run by run and the luck they share cancels.",
        crate::analysis::words::count_of(inputs.base.conditions.len(), "condition"),
        crate::analysis::words::count_of(inputs.base.repeats, "run"),
        inputs.seed
    ));
    if inputs.command {
        ui.label(
            "For Your command, vary a {FIELD} of its command line from the command line: \
             seedscope run --command \"python3 train.py --lr {lr} --seed {seed}\" --vary lr=0.1,0.01",
        );
        return;
    }
    form(ui, study, &inputs);
    if let Some(error) = &study.error {
        ui.colored_label(crate::gui::palette::WARNING, error);
    }
    if let Some((done, total)) = study.progress() {
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                    .desired_width(320.0)
                    .text(format!("{done} / {total} runs")),
            );
            if ui.button("Cancel").clicked() {
                study.cancel();
            }
        });
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }
    if let Some(file) = &study.study {
        result(ui, file, capturing);
    }
}

fn form(ui: &mut egui::Ui, study: &mut StudyState, inputs: &StudyInputs) {
    ui.horizontal(|ui| {
        let field_label = ui.label("Field");
        let before = study.field;
        egui::ComboBox::from_id_salt("study-field")
            .selected_text(STUDY_FIELDS[study.field].1)
            .show_ui(ui, |ui| {
                for (i, (path, name, _)) in STUDY_FIELDS.iter().enumerate() {
                    ui.selectable_value(&mut study.field, i, *name)
                        .on_hover_text(*path);
                }
            })
            .response
            .labelled_by(field_label.id);
        if study.field != before {
            study.values = STUDY_FIELDS[study.field].2.to_string();
        }
        let values_label = ui.label("Values");
        ui.add(egui::TextEdit::singleline(&mut study.values).desired_width(220.0))
            .labelled_by(values_label.id)
            .on_hover_text(
                "Two or more values, separated by commas (hidden layers: [16,16], [32]). Each is \
                 checked as the experiment would be.",
            );
        let idle = !study.is_running() && !inputs.busy;
        if ui
            .add_enabled(idle, egui::Button::new("Run study"))
            .on_disabled_hover_text("A sweep or a study is running.")
            .clicked()
        {
            study.start(inputs.base, inputs.seed, ui.ctx());
        }
    });
}

/// The reading the tab shows: all-free's where it has one (every source free: what a user
/// who does not fix seeds would see), else the first condition that spreads.
fn reading_of(file: &StudyFile) -> Option<&StudyReading> {
    file.readings
        .iter()
        .find(|r| r.condition == "all-free")
        .or_else(|| file.readings.first())
}

fn result(ui: &mut egui::Ui, file: &StudyFile, capturing: bool) {
    let Some(reading) = reading_of(file) else {
        ui.label(
            "No condition spreads (every setting repeated one outcome): free a source to \
             compare settings over seeds.",
        );
        return;
    };
    ui.separator();
    ui.label(RichText::new(format!("{}:", reading.condition)).strong());
    for s in &reading.settings {
        ui.label(format!(
            "{}: {} runs, mean {:.4}, interquartile mean {:.4}",
            s.label, s.runs, s.mean, s.iqm
        ));
    }
    if let Some((test, statistic, p)) = &reading.overall {
        ui.label(format!(
            "{test} across the settings: {statistic:.2}, p = {}",
            crate::analysis::settings_reading::p_text(*p)
        ));
    }
    for pair in &reading.pairs {
        ui.add(egui::Label::new(RichText::new(&pair.verdict).size(15.0)).wrap());
    }
    let height = ui.available_height().max(160.0);
    ui.horizontal_top(|ui| {
        let width = (ui.available_width() * 0.6).max(200.0);
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(RichText::new("Each run across the settings (one line a seed)").strong());
            paired_lines(ui, file, reading, height - 24.0, capturing);
        });
        ui.vertical(|ui| {
            ui.label(
                RichText::new("Mean difference, row − column (* decided after Holm)").strong(),
            );
            grid(ui, file, reading);
        });
    });
}

/// One line per run index through its value under each setting, and each setting's mean.
fn paired_lines(
    ui: &mut egui::Ui,
    file: &StudyFile,
    reading: &StudyReading,
    height: f32,
    capturing: bool,
) {
    let labels: Vec<String> = reading.settings.iter().map(|s| s.label.clone()).collect();
    let values: Vec<Vec<(usize, f64)>> = labels
        .iter()
        .map(|label| {
            file.setting(label)
                .map(|results| {
                    results
                        .runs
                        .iter()
                        .filter(|r| r.condition == reading.condition)
                        .filter(|r| r.error.is_none())
                        .filter_map(|r| Some((r.run_index, r.final_test_metric?)))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let runs = values.first().map_or(0, Vec::len);
    Plot::new("study-pairs")
        .custom_x_axes(vec![category_axis(ui, &labels)])
        .custom_y_axes(vec![super::axes::y_axis(format!(
            "{}, {}",
            metric_name(file),
            reading.condition
        ))])
        .include_x(-0.4)
        .include_x(labels.len() as f64 - 0.6)
        .height(height)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for i in 0..runs {
                let index = values[0][i].0;
                let points: Vec<[f64; 2]> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(x, side)| {
                        side.iter()
                            .find(|(r, _)| *r == index)
                            .map(|(_, v)| [x as f64, *v])
                    })
                    .collect();
                plot.line(
                    Line::new(format!("run {index}"), points)
                        .color(Color32::from_rgba_unmultiplied(60, 90, 160, 90))
                        .width(1.2),
                );
            }
            let means: Vec<[f64; 2]> = reading
                .settings
                .iter()
                .enumerate()
                .map(|(x, s)| [x as f64, s.mean])
                .collect();
            plot.points(
                Points::new("mean", means)
                    .shape(MarkerShape::Diamond)
                    .radius(6.0)
                    .color(Color32::BLACK),
            );
        });
}

/// Setting × setting: each cell the mean difference of its row's setting over its column's,
/// green where the row is better and red where it is worse, deeper the larger; `*` where the
/// difference is decided after Holm's correction.
fn grid(ui: &mut egui::Ui, file: &StudyFile, reading: &StudyReading) {
    let labels: Vec<&str> = reading.settings.iter().map(|s| s.label.as_str()).collect();
    // Rows and columns are named by their values alone (the field is in the label above).
    let short = |label: &str| -> String {
        file.settings
            .iter()
            .find(|s| s.setting.label == label)
            .map(|s| {
                s.setting
                    .values
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| label.to_string())
    };
    let share = file.metric().is_some_and(|m| m.is_share_of_points());
    let largest = reading
        .pairs
        .iter()
        .map(|p| p.mean_diff.abs())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    egui::Grid::new("study-grid")
        .spacing(egui::vec2(4.0, 4.0))
        .show(ui, |ui| {
            ui.label(
                RichText::new(
                    file.vary
                        .iter()
                        .map(|v| v.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .weak(),
            );
            for label in &labels {
                ui.label(short(label));
            }
            ui.end_row();
            for (row, row_label) in labels.iter().enumerate() {
                ui.label(short(row_label));
                for column in 0..labels.len() {
                    cell(ui, (row, column), &labels, reading, (largest, share));
                }
                ui.end_row();
            }
        });
}

fn cell(
    ui: &mut egui::Ui,
    (row, column): (usize, usize),
    labels: &[&str],
    reading: &StudyReading,
    (largest, share): (f64, bool),
) {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(96.0, 40.0), Sense::hover());
    let found: Option<(&PairReading, f64)> = reading.pairs.iter().find_map(|p| {
        if p.a == labels[row] && p.b == labels[column] {
            Some((p, 1.0))
        } else if p.b == labels[row] && p.a == labels[column] {
            Some((p, -1.0))
        } else {
            None
        }
    });
    let Some((pair, sign)) = found else {
        ui.painter().rect_filled(rect, 2.0, Color32::from_gray(235));
        return;
    };
    let difference = sign * pair.mean_diff;
    let decided = pair.p_holm < 0.05 && (pair.ci.0 > 0.0 || pair.ci.1 < 0.0);
    let strength = (difference.abs() / largest).clamp(0.15, 1.0) as f32;
    let hue = if difference >= 0.0 {
        Color32::from_rgb(0x1a, 0x7f, 0x37)
    } else {
        Color32::from_rgb(0xb0, 0x30, 0x00)
    };
    ui.painter()
        .rect_filled(rect, 2.0, hue.gamma_multiply(strength * 0.6));
    let amount = match share {
        true => format!("{:+.2} pp", difference * 100.0),
        false => format!("{difference:+.4}"),
    };
    let words = format!("{amount}{}", if decided { " *" } else { "" });
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        words,
        egui::FontId::proportional(13.0),
        Color32::BLACK,
    );
    response.on_hover_text(&pair.verdict);
}

/// The metric the study's runs report, as the axes name it ("test accuracy").
fn metric_name(file: &StudyFile) -> String {
    file.metric()
        .map_or("result".to_string(), |m| super::metric_label(&m))
}
