//! Compare two conditions: the honest reading in words (a difference of two spreads, seed
//! luck when one side is one outcome, or a fixed difference), the numbers behind it, both
//! strips, and how many runs the question needs.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{MarkerShape, Plot, Points};

use super::category_axis::category_axis;
use super::runs_needed;
use super::seed_luck::luck_summary;
use super::{condition_names, condition_picker, keep_valid, metric_label};
use crate::analysis::compare::Comparison;
use crate::analysis::reading::PairReading;
use crate::engine::metric::Metric;
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

// egui drawing code: it reads top to bottom as the view appears on screen.
pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let names = condition_names(&session.config);
    keep_valid(&mut settings.compare_a, &names, 0);
    keep_valid(&mut settings.compare_b, &names, 1);
    ui.horizontal(|ui| {
        condition_picker(ui, "A", &mut settings.compare_a, &names);
        condition_picker(ui, "B", &mut settings.compare_b, &names);
    });
    let (a, b) = (settings.compare_a.clone(), settings.compare_b.clone());
    let metric = session.metric();
    let Some(result) = super::cached_pair_reading(ui, session, "compare-cache", &a, &b) else {
        let runs = session.runs_of(&a).count() + session.runs_of(&b).count();
        super::computing_note(ui, runs);
        return;
    };
    let reading = match result {
        Err(message) => {
            ui.label(RichText::new(message).color(Color32::DARK_RED));
            return;
        }
        Ok(reading) => reading,
    };
    ui.add_space(6.0);
    match &reading {
        PairReading::Difference(c) => {
            ui.label(RichText::new(&c.verdict).size(19.0).strong());
            ui.add_space(6.0);
            numbers_table(ui, c, &a, &b);
        }
        PairReading::SeedLuck(luck) => {
            luck_summary(ui, luck, &metric, session.master_seed, false);
            ui.label(
                RichText::new(format!(
                    "{} is one outcome repeated {} times, so no t-test and no P(A>B): those would treat one number as {}.",
                    luck.fixed_condition, luck.fixed_runs, luck.fixed_runs
                ))
                .weak(),
            );
        }
        PairReading::FixedDifference(pair) => {
            ui.label(RichText::new(&pair.verdict).size(17.0).strong());
        }
    }
    super::test_noise_line(ui, session, &a, &b);
    ui.separator();
    let pair = vec![a.clone(), b.clone()];
    runs_needed::show_figures(ui, session, settings, &pair);
    ui.columns(2, |columns| {
        pair_plot(&mut columns[0], session, &pair, &metric, capturing);
        runs_needed::show_convergence(&mut columns[1], session, &pair, capturing);
    });
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
                    "std of A, std of B".into(),
                    format!("{:.4}, {:.4}", c.std_a, c.std_b),
                ),
                (
                    "std(A) / std(B)".into(),
                    format!(
                        "{:.2}   95% bootstrap CI [{:.2}, {:.2}]",
                        c.std_ratio, c.std_ratio_ci_low, c.std_ratio_ci_high
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
    session: &Session,
    pair: &[String],
    metric: &Metric,
    capturing: bool,
) {
    let sides: Vec<_> = pair
        .iter()
        .map(|name| super::cached_metrics(ui, session, name))
        .collect();
    Plot::new("compare-plot")
        .custom_x_axes(vec![category_axis(ui, pair)])
        .custom_y_axes(vec![super::axes::y_axis(metric_label(metric))])
        .include_x(-0.7)
        .include_x(1.7)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for ((x, name), values) in pair.iter().enumerate().zip(&sides) {
                let color = condition_color_by_name(name);
                // An even sample of at most MAX_DOTS runs, as in Distributions.
                let stride = values.len().div_ceil(super::distributions::MAX_DOTS).max(1);
                let points: Vec<[f64; 2]> = values
                    .iter()
                    .enumerate()
                    .step_by(stride)
                    .map(|(i, v)| [x as f64 + ((i as f64 * 0.618).fract() - 0.5) * 0.3, *v])
                    .collect();
                plot.points(
                    Points::new(name.clone(), points)
                        .radius(3.5)
                        .filled(true)
                        .color(color),
                );
                if let Some(mean) = crate::analysis::sample::mean(values) {
                    plot.points(
                        Points::new("", vec![[x as f64 + 0.3, mean]])
                            .shape(MarkerShape::Diamond)
                            .radius(6.0)
                            .color(Color32::BLACK),
                    );
                }
            }
        });
}
