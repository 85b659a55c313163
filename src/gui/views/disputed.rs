//! Where runs disagree, for data that is not a plane: the test points ranked by how much the
//! condition's runs disagree on them — a histogram of the share of runs that get each point
//! right, and the most disputed points with every run's votes (digits: as 8 × 8 images).

use eframe::egui::{self, Color32, RichText, Sense};
use egui_plot::{Bar, BarChart, Plot};

use crate::analysis::agreement::{DisputedPoint, disputed_points};
use crate::engine::config::DatasetKind;
use crate::engine::data::builtin::DIGIT_SIDE;
use crate::engine::data::table::{Table, Target};
use crate::engine::data::{self};
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// How many of the most disputed points are listed.
const SHOWN: usize = 12;

pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let names = super::condition_names(&session.config);
    super::keep_valid(&mut settings.curves_condition, &names, 0);
    ui.horizontal(|ui| {
        super::condition_picker(ui, "Condition", &mut settings.curves_condition, &names);
    });
    let table = match data::load_table(&session.config.data) {
        Ok(table) => table,
        Err(error) => {
            ui.label(RichText::new(error.to_string()).color(Color32::DARK_RED));
            return;
        }
    };
    let Target::Classes {
        labels,
        names: classes,
    } = &table.target
    else {
        ui.label("Runs disagree on classes: this view is for classification data sets. For regression, the Distributions and Which sources matter views show the spread of the MSE.");
        return;
    };
    let runs = session.runs_of(&settings.curves_condition).count();
    let key = (&settings.curves_condition, session.revision());
    let points = super::cached(ui, "disputed-points", key, || {
        let runs: Vec<_> = session.runs_of(&settings.curves_condition).collect();
        disputed_points(&runs, |row| labels[row])
    });
    let disputed = points.iter().filter(|p| p.disagreement() > 0.0).count();
    ui.label(
        RichText::new(format!(
            "{} runs of {} disagree on {disputed} of {} test points; the most disputed first",
            runs,
            settings.curves_condition,
            points.len()
        ))
        .size(16.0)
        .strong(),
    );
    ui.label("Left: the test points some run gets wrong, by the share of the runs testing them that get them right. Right: the points the runs split on most, with each run's vote.");
    let height = ui.available_height();
    ui.columns(2, |columns| {
        right_share_histogram(&mut columns[0], &points, height, capturing);
        egui::ScrollArea::vertical()
            .id_salt("disputed-points")
            .max_height(height)
            .show(&mut columns[1], |ui| {
                for point in points.iter().take(SHOWN) {
                    point_row(ui, point, &table, classes, session.config.data.kind);
                }
            });
    });
}

/// Test points by the share of runs that get them right, in tenths.
fn right_share_histogram(
    ui: &mut egui::Ui,
    points: &[DisputedPoint],
    height: f32,
    capturing: bool,
) {
    // Points every run gets right dwarf the rest; they are counted in the axis label instead.
    let mut bins = [0usize; 11];
    let always_right = points.iter().filter(|p| p.right == p.runs).count();
    for point in points.iter().filter(|p| p.right < p.runs) {
        bins[((point.right_share() * 10.0).floor() as usize).min(9)] += 1;
    }
    let bars: Vec<Bar> = bins
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            Bar::new(i as f64 / 10.0 + 0.05, count as f64)
                .width(0.09)
                .name(format!(
                    "{count} points right in {}–{}% of the runs testing them",
                    i * 10,
                    i * 10 + 10
                ))
                .fill(Color32::from_rgb(0x6b, 0x9b, 0xd1))
        })
        .collect();
    Plot::new("disputed-histogram")
        .height(height)
        .custom_x_axes(vec![super::axes::x_axis(format!(
            "share of runs that get the point right (not drawn: {always_right} points every run gets right)"
        ))])
        .custom_y_axes(vec![super::axes::y_axis("test points")])
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .include_x(0.0)
        .include_x(1.0)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("test points", bars))
        });
}

/// One disputed point: its picture (digits) or row number, true class and the votes.
fn point_row(
    ui: &mut egui::Ui,
    point: &DisputedPoint,
    table: &Table,
    classes: &[String],
    kind: DatasetKind,
) {
    ui.horizontal(|ui| {
        if kind == DatasetKind::Digits {
            let pixels = &table.x[point.row * table.features()..(point.row + 1) * table.features()];
            digit_image(ui, pixels, 6.0);
        }
        let votes: Vec<String> = point
            .votes
            .iter()
            .map(|(class, count)| format!("{} × {count}", classes[*class]))
            .collect();
        ui.vertical(|ui| {
            ui.label(
                RichText::new(format!(
                    "row {}: truly {} — right in {} of {} runs",
                    point.row, classes[point.truth], point.right, point.runs
                ))
                .strong(),
            );
            ui.label(format!("votes: {}", votes.join(", ")));
        });
    });
    ui.add_space(4.0);
}

/// An 8 × 8 digit (pixels 0–16, row by row) as grey squares of `cell` points.
fn digit_image(ui: &mut egui::Ui, pixels: &[f32], cell: f32) {
    let side = DIGIT_SIDE as f32 * cell;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), Sense::hover());
    let painter = ui.painter_at(rect);
    for (i, &value) in pixels.iter().enumerate() {
        let (row, column) = ((i / DIGIT_SIDE) as f32, (i % DIGIT_SIDE) as f32);
        let shade = 255 - (value / 16.0 * 255.0).round().clamp(0.0, 255.0) as u8;
        let min = rect.min + egui::vec2(column * cell, row * cell);
        painter.rect_filled(
            egui::Rect::from_min_size(min, egui::vec2(cell, cell)),
            0.0,
            Color32::from_gray(shade),
        );
    }
    painter.rect_stroke(
        rect,
        0.0,
        egui::Stroke::new(1.0, Color32::GRAY),
        egui::StrokeKind::Outside,
    );
}
