//! One column per condition: every run a jittered point over a box (quartiles, whiskers
//! min–max), the mean with its 95% CI, distinct weight hashes, and "bitwise identical".

use eframe::egui::{self, Color32, RichText, Stroke};
use egui_plot::{BoxElem, BoxPlot, BoxSpread, Line, MarkerShape, Plot, PlotPoint, Points, Text};

use super::{category_axis, metric_label};
use crate::analysis::sample::quantile;
use crate::gui::palette::condition_color;
use crate::gui::session::Session;

/// Deterministic horizontal jitter in [−0.17, 0.17] (golden-ratio sequence): the same run
/// always lands at the same place, so snapshots are reproducible.
fn jitter(run_index: usize) -> f64 {
    ((run_index as f64 * 0.618_033_988_75).fract() - 0.5) * 0.34
}

pub fn show(ui: &mut egui::Ui, session: &Session, capturing: bool) {
    let conditions = &session.config.conditions;
    let metric = session
        .runs
        .first()
        .map_or("accuracy", |r| r.metric.as_str());
    let names: Vec<String> = conditions.iter().map(|c| c.to_string()).collect();

    ui.label(
        RichText::new(format!(
            "{} per condition — {}, {} runs each, master seed {}",
            metric_label(metric),
            if session.config.name.is_empty() {
                "custom experiment"
            } else {
                &session.config.name
            },
            session.config.repeats,
            session.master_seed
        ))
        .size(16.0)
        .strong(),
    );

    let table_height = 50.0 + 20.0 * conditions.len() as f32;
    let plot_height = (ui.available_height() - table_height - 30.0).max(200.0);
    let values_all: Vec<f64> = session
        .runs
        .iter()
        .filter_map(|r| r.final_test_metric)
        .collect();
    let top = values_all.iter().copied().fold(f64::MIN, f64::max);
    let bottom = values_all.iter().copied().fold(f64::MAX, f64::min);
    let span = if values_all.is_empty() {
        1.0
    } else {
        (top - bottom).max(0.02)
    };
    let label_y = if values_all.is_empty() {
        1.0
    } else {
        top + span * 0.12
    };

    Plot::new("distributions")
        .height(plot_height)
        .x_axis_formatter(category_axis(names.clone()))
        .y_axis_label(metric_label(metric))
        .include_x(-0.6)
        .include_x(conditions.len() as f64 - 0.4)
        .include_y(label_y + span * 0.08)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for (x, name) in names.iter().enumerate() {
                let color = condition_color(&conditions[x]);
                draw_column(plot, session, x as f64, name, color, label_y);
            }
        });

    ui.label(
        RichText::new(
            "Each dot is one run (spread sideways to stay visible). Box: quartiles; whiskers: min–max; \
             black diamond and bar: mean and its 95% CI. Above each column: how many distinct final \
             weights its runs produced.",
        )
        .weak(),
    );
    summary_table(session, ui);
}

/// One condition's column at `x`: its box, a dot per run, the mean with its CI, and the
/// distinct-weights label at `label_y`.
fn draw_column(
    plot: &mut egui_plot::PlotUi,
    session: &Session,
    x: f64,
    name: &str,
    color: Color32,
    label_y: f64,
) {
    let runs: Vec<_> = session
        .runs
        .iter()
        .filter(|r| r.condition == name)
        .collect();
    let values: Vec<f64> = runs.iter().filter_map(|r| r.final_test_metric).collect();
    if values.len() >= 2 {
        let q = |p| quantile(&values, p).unwrap_or_default();
        let spread = BoxSpread::new(q(0.0), q(0.25), q(0.5), q(0.75), q(1.0));
        plot.box_plot(
            BoxPlot::new(
                "quartiles, min–max",
                vec![
                    BoxElem::new(x, spread)
                        .box_width(0.5)
                        .whisker_width(0.25)
                        .fill(color.gamma_multiply(0.12))
                        .stroke(Stroke::new(1.2, color.gamma_multiply(0.8))),
                ],
            )
            .color(Color32::GRAY),
        );
    }
    let points: Vec<[f64; 2]> = runs
        .iter()
        .filter_map(|r| r.final_test_metric.map(|v| [x + jitter(r.run_index), v]))
        .collect();
    plot.points(
        Points::new("one dot per run", points)
            .radius(3.0)
            .filled(true)
            .color(color.gamma_multiply(0.75)),
    );
    let summary = session.summaries.iter().find(|s| s.condition == name);
    if let Some(s) = summary {
        if let (Some(mean), Some(low), Some(high)) = (s.mean, s.ci95_low, s.ci95_high) {
            plot.line(
                Line::new("mean ± 95% CI", vec![[x + 0.32, low], [x + 0.32, high]])
                    .color(Color32::BLACK)
                    .width(2.0),
            );
            plot.points(
                Points::new("mean ± 95% CI", vec![[x + 0.32, mean]])
                    .shape(MarkerShape::Diamond)
                    .radius(5.0)
                    .color(Color32::BLACK),
            );
        }
        let label = if s.bitwise_identical {
            "bitwise identical".to_string()
        } else {
            format!("{} distinct", s.distinct_hashes)
        };
        let label_color = if s.bitwise_identical {
            Color32::from_rgb(0x10, 0x80, 0x10)
        } else {
            Color32::DARK_GRAY
        };
        plot.text(Text::new(
            "",
            PlotPoint::new(x, label_y),
            RichText::new(label).size(13.0).strong().color(label_color),
        ));
    }
}

use crate::analysis::summary::format_value as format;

fn summary_table(session: &Session, ui: &mut egui::Ui) {
    egui::Grid::new("distribution-summary")
        .striped(true)
        .min_col_width(60.0)
        .show(ui, |ui| {
            for header in [
                "condition",
                "n",
                "mean",
                "std",
                "95% CI of mean",
                "min – max",
                "distinct weights",
                "",
            ] {
                ui.label(RichText::new(header).strong());
            }
            ui.end_row();
            for (s, condition) in session.summaries.iter().zip(&session.config.conditions) {
                ui.label(
                    RichText::new(&s.condition)
                        .color(condition_color(condition))
                        .strong(),
                );
                ui.label(s.n.to_string());
                ui.label(format(s.mean));
                ui.label(format(s.std));
                ui.label(match (s.ci95_low, s.ci95_high) {
                    (Some(l), Some(h)) => format!("[{}, {}]", format(Some(l)), format(Some(h))),
                    _ => "–".into(),
                });
                ui.label(format!("{} – {}", format(s.min), format(s.max)));
                ui.label(s.distinct_hashes.to_string());
                ui.label(s.notes().join(", "));
                ui.end_row();
            }
        });
}
