//! Which sources matter: the std of the test metric per condition, as bars, sorted.

use eframe::egui::Color32;
use eframe::egui::{self, RichText};
use egui_plot::{Bar, BarChart, Legend, Line, Plot};

use super::{category_axis, metric_label};
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

// egui drawing code: it reads top to bottom as the view appears on screen.
pub fn show(ui: &mut egui::Ui, session: &Session, settings: &Settings, capturing: bool) {
    let metric = session
        .runs
        .first()
        .map_or("accuracy", |r| r.metric.as_str());
    let mut rows: Vec<_> = session
        .summaries
        .iter()
        .filter(|s| s.std.is_some())
        .collect();
    rows.sort_by(|a, b| b.std.unwrap_or(0.0).total_cmp(&a.std.unwrap_or(0.0)));
    ui.label(
        RichText::new(format!(
            "Run-to-run std of the {} per condition, largest first",
            metric_label(metric)
        ))
        .size(16.0)
        .strong(),
    );
    ui.label("Solid bars: std, with its 95% bootstrap CI as an error bar. Pale bars: churn, the share of test points two runs classify differently. No churn where the data source is free (each run tests on different points). A source whose only-X bar is near all-free's explains most of the spread on its own; all-fixed is 0.");
    ui.label(RichText::new(super::runs_needed::runs_for_epsilon_line(session, settings)).weak());
    let names: Vec<String> = rows.iter().map(|s| s.condition.clone()).collect();
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Bar::new(i as f64 - 0.18, s.std.unwrap_or(0.0))
                .width(0.34)
                .name(format!(
                    "{}: std {:.4}, range {:.4} – {:.4}",
                    s.condition,
                    s.std.unwrap_or(0.0),
                    s.min.unwrap_or(0.0),
                    s.max.unwrap_or(0.0)
                ))
                .fill(condition_color_by_name(&s.condition))
        })
        .collect();
    let churn_bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.churn.map(|churn| {
                Bar::new(i as f64 + 0.18, churn)
                    .width(0.34)
                    .name(format!("{}: churn {:.1}%", s.condition, churn * 100.0))
                    .fill(condition_color_by_name(&s.condition).gamma_multiply(0.35))
            })
        })
        .collect();
    let error_bars: Vec<[[f64; 2]; 2]> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Some([
                [i as f64 - 0.18, s.std_ci95_low?],
                [i as f64 - 0.18, s.std_ci95_high?],
            ])
        })
        .collect();
    Plot::new("sources")
        .legend(Legend::default())
        .x_axis_formatter(category_axis(names))
        .y_axis_label(if metric == "accuracy" {
            "std of test accuracy / churn".to_string()
        } else {
            format!("std of {}", metric_label(metric))
        })
        .include_y(0.0)
        .include_x(-0.6)
        .include_x(rows.len() as f64 - 0.4)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            // Bars take their condition's colour; the legend's neutral markers say which kind
            // of bar is which (solid or pale), not which condition.
            plot.bar_chart(
                BarChart::new("solid: std (95% bootstrap CI)", bars).color(Color32::from_gray(60)),
            );
            if metric == "accuracy" {
                plot.bar_chart(
                    BarChart::new("pale: churn (pairwise disagreement)", churn_bars)
                        .color(Color32::from_gray(200)),
                );
            }
            for segment in error_bars {
                plot.line(
                    Line::new("", segment.to_vec())
                        .color(Color32::BLACK)
                        .width(1.5),
                );
            }
        });
}
