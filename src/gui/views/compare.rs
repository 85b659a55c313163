//! Compare two conditions: the verdict in words, the numbers behind it, and both strips.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{MarkerShape, Plot, Points};

use super::{category_axis, condition_names, condition_picker, keep_valid, metric_label};
use crate::analysis::compare::{Comparison, compare};
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// The last comparison, keyed by (A, B, runs so far): the bootstrap is not redone every frame.
type Cached = ((String, String, usize), Result<Comparison, String>);

pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let names = condition_names(&session.config);
    keep_valid(&mut settings.compare_a, &names, 0);
    keep_valid(&mut settings.compare_b, &names, 1);
    ui.horizontal(|ui| {
        condition_picker(ui, "A", &mut settings.compare_a, &names);
        condition_picker(ui, "B", &mut settings.compare_b, &names);
    });
    let (a, b) = (settings.compare_a.clone(), settings.compare_b.clone());
    let metric = session
        .runs
        .first()
        .map_or("accuracy", |r| r.metric.as_str());
    let values = |name: &str| -> Vec<f64> {
        session
            .runs
            .iter()
            .filter(|r| r.condition == name)
            .filter_map(|r| r.final_test_metric)
            .collect()
    };
    let key = (a.clone(), b.clone(), session.runs.len());
    let id = egui::Id::unique("compare-cache");
    let cached: Option<Cached> = ui.data(|d| d.get_temp(id));
    let result = match cached {
        Some((cached_key, result)) if cached_key == key => result,
        _ => {
            let hashes: std::collections::HashSet<&str> = session
                .runs
                .iter()
                .filter(|r| r.condition == a || r.condition == b)
                .map(|r| r.weights_hash.as_str())
                .collect();
            let result = compare(
                &a,
                &values(&a),
                &b,
                &values(&b),
                metric != "mse",
                hashes.len() == 1,
            );
            ui.data_mut(|d| d.insert_temp(id, (key, result.clone())));
            result
        }
    };
    match result {
        Err(message) => {
            ui.label(RichText::new(message).color(Color32::DARK_RED));
        }
        Ok(c) => {
            ui.add_space(6.0);
            ui.label(RichText::new(&c.verdict).size(19.0).strong());
            ui.add_space(6.0);
            numbers_table(ui, &c, &a, &b);
            let pair = vec![a.clone(), b.clone()];
            pair_plot(ui, &c, &pair, metric, capturing, values);
        }
    }
}

/// The comparison's figures, one row each.
fn numbers_table(ui: &mut egui::Ui, c: &Comparison, a: &str, b: &str) {
    egui::Grid::new("compare-numbers")
        .striped(true)
        .show(ui, |ui| {
            let rows = [
                (
                    format!("mean of A ({a})"),
                    format!("{:.4}  (n = {})", c.mean_a, c.n_a),
                ),
                (
                    format!("mean of B ({b})"),
                    format!("{:.4}  (n = {})", c.mean_b, c.n_b),
                ),
                (
                    "mean(A) − mean(B)".into(),
                    format!(
                        "{:+.4}   95% CI [{:+.4}, {:+.4}]",
                        c.mean_diff, c.ci_low, c.ci_high
                    ),
                ),
                (
                    "Welch's t-test".into(),
                    format!(
                        "t = {:.3}, df = {:.1}, p = {:.3e}",
                        c.welch_t, c.welch_df, c.welch_p
                    ),
                ),
                (
                    "P(A > B)".into(),
                    format!(
                        "{:.3}   95% bootstrap CI [{:.3}, {:.3}]",
                        c.p_a_gt_b, c.p_ci_low, c.p_ci_high
                    ),
                ),
            ];
            for (name, value) in rows {
                ui.label(RichText::new(name).strong());
                ui.label(value);
                ui.end_row();
            }
        });
}

/// Both conditions' runs side by side, with each mean.
fn pair_plot(
    ui: &mut egui::Ui,
    c: &Comparison,
    pair: &[String],
    metric: &str,
    capturing: bool,
    values: impl Fn(&str) -> Vec<f64>,
) {
    Plot::new("compare-plot")
        .x_axis_formatter(category_axis(pair.to_vec()))
        .y_axis_label(metric_label(metric))
        .include_x(-0.7)
        .include_x(1.7)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for (x, name) in pair.iter().enumerate() {
                let color = condition_color_by_name(name);
                let points: Vec<[f64; 2]> = values(name)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| [x as f64 + ((i as f64 * 0.618).fract() - 0.5) * 0.3, *v])
                    .collect();
                plot.points(
                    Points::new(name.clone(), points)
                        .radius(3.5)
                        .filled(true)
                        .color(color),
                );
                let mean = if x == 0 { c.mean_a } else { c.mean_b };
                plot.points(
                    Points::new("", vec![[x as f64 + 0.3, mean]])
                        .shape(MarkerShape::Diamond)
                        .radius(6.0)
                        .color(Color32::BLACK),
                );
            }
        });
}
