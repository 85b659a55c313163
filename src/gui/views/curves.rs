//! Learning curves: every run's curve for one condition, with the mean ± std band.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{FilledArea, Legend, Line, Plot};

use crate::analysis::sample::{mean, std_dev};
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

// egui drawing code: it reads top to bottom as the view appears on screen.
pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let names = super::condition_names(&session.config);
    super::keep_valid(&mut settings.curves_condition, &names, 0);
    let metric = session
        .runs
        .first()
        .map_or("accuracy", |r| r.metric.as_str())
        .to_string();
    ui.horizontal(|ui| {
        super::condition_picker(ui, "Condition", &mut settings.curves_condition, &names);
        ui.label("Left: training loss per epoch. Right: test metric per epoch. Thin lines are runs; the band is mean ± std.");
    });
    let condition = settings.curves_condition.clone();
    let color = condition_color_by_name(&condition);
    let runs: Vec<_> = session
        .runs
        .iter()
        .filter(|r| r.condition == condition)
        .collect();
    let width = (ui.available_width() - 10.0) / 2.0;
    // Inside a horizontal layout a plot gets no height of its own: give it the view's.
    let height = (ui.available_height() - 30.0).max(200.0);
    ui.horizontal(|ui| {
        for (title, series, id) in [
            (
                "training loss",
                runs.iter().map(|r| &r.train_loss).collect::<Vec<_>>(),
                "curves-loss",
            ),
            (
                metric.as_str(),
                runs.iter().map(|r| &r.test_metric).collect::<Vec<_>>(),
                "curves-metric",
            ),
        ] {
            let epochs = series.iter().map(|s| s.len()).max().unwrap_or(0);
            let mut xs = Vec::new();
            let (mut lows, mut highs, mut means) = (Vec::new(), Vec::new(), Vec::new());
            for epoch in 0..epochs {
                let values: Vec<f64> = series
                    .iter()
                    .filter_map(|s| s.get(epoch).copied())
                    .collect();
                let (Some(m), Some(sd)) = (mean(&values), std_dev(&values)) else {
                    continue;
                };
                xs.push(epoch as f64 + 1.0);
                means.push([epoch as f64 + 1.0, m]);
                lows.push(m - sd);
                highs.push(m + sd);
            }
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(format!("{condition}: {title}"))
                        .size(15.0)
                        .strong(),
                );
                Plot::new(id)
                    .width(width)
                    .height(height)
                    .legend(Legend::default())
                    .x_axis_label("epoch")
                    .y_axis_label(title)
                    .show_x(!capturing)
                    .show_y(!capturing)
                    .allow_scroll(false)
                    .show(ui, |plot| {
                        for s in &series {
                            let points: Vec<[f64; 2]> = s
                                .iter()
                                .enumerate()
                                .map(|(i, v)| [i as f64 + 1.0, *v])
                                .collect();
                            plot.line(
                                Line::new("runs", points)
                                    .color(color.gamma_multiply(0.35))
                                    .width(1.0),
                            );
                        }
                        if !xs.is_empty() {
                            plot.add(
                                FilledArea::new("mean ± std", &xs, &lows, &highs)
                                    .fill_color(color.gamma_multiply(0.2)),
                            );
                            plot.line(Line::new("mean", means).color(Color32::BLACK).width(2.0));
                        }
                    });
            });
        }
    });
}
