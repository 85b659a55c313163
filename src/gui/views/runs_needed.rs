//! "How many runs do I need?" for the conditions on screen: repeats that pin each mean
//! within ±ε, repeats per side that detect a difference δ, and the convergence plot — the
//! running mean and std with their 95% intervals as runs 1…N accumulate.

use std::sync::Arc;

use eframe::egui::{self, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, Polygon};

use crate::analysis::runs_needed::{
    ALPHA, MAX_RUNS, POWER, RunningEstimate, RunsPlan, default_delta, default_epsilon, plan_runs,
    running_estimates_at,
};
use crate::analysis::summary::format_value;
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// ε and δ as set by the user, else the metric's defaults over every run of the session.
pub fn epsilon_and_delta(ui: &egui::Ui, session: &Session, settings: &Settings) -> (f64, f64) {
    let defaults = super::cached(ui, "plan-defaults", session.revision(), || {
        let every: Vec<f64> = session
            .runs
            .iter()
            .filter_map(|r| r.final_test_metric)
            .collect();
        let metric = session.metric();
        (
            default_epsilon(&metric, &every),
            default_delta(&metric, &every),
        )
    });
    (
        settings.plan_epsilon.unwrap_or(defaults.0),
        settings.plan_delta.unwrap_or(defaults.1),
    )
}

/// `plan_runs` for `condition`, cached until the runs or ε and δ change.
fn cached_plan(
    ui: &egui::Ui,
    session: &Session,
    condition: &str,
    epsilon: f64,
    delta: f64,
) -> Arc<(usize, Option<RunsPlan>)> {
    let key = (
        condition,
        epsilon.to_bits(),
        delta.to_bits(),
        session.revision(),
    );
    super::cached(ui, &format!("plan/{condition}"), key, || {
        let (values, _) = session.outcomes(condition);
        (values.len(), plan_runs(condition, &values, epsilon, delta))
    })
}

fn runs_text(runs: Option<usize>) -> String {
    runs.map_or_else(|| format!("> {MAX_RUNS}"), |n| n.to_string())
}

/// The ε/δ editors and one row of figures per condition.
pub fn show_figures(
    ui: &mut egui::Ui,
    session: &Session,
    settings: &mut Settings,
    conditions: &[String],
) {
    let (mut epsilon, mut delta) = epsilon_and_delta(ui, session, settings);
    let step = (epsilon / 10.0).max(1e-6);
    ui.horizontal(|ui| {
        ui.label(RichText::new("How many runs do I need?").size(16.0).strong());
        ui.label("mean within ±ε =");
        if ui
            .add(
                egui::DragValue::new(&mut epsilon)
                    .speed(step)
                    .range(1e-6..=1e6)
                    .max_decimals(4),
            )
            .on_hover_text("The half-width of the 95% interval you want for a condition's mean. Default: half a point of accuracy, or 5% of the metric's spread.")
            .changed()
        {
            settings.plan_epsilon = Some(epsilon);
        }
        ui.label("detect a difference δ =");
        if ui
            .add(
                egui::DragValue::new(&mut delta)
                    .speed(step)
                    .range(1e-6..=1e6)
                    .max_decimals(4),
            )
            .on_hover_text("A difference between two settings you want to be able to detect with 80% power at α = 0.05 (two-sided Welch, equal spreads; shifted-t approximation). Default: one point of accuracy, or 10% of the metric's spread.")
            .changed()
        {
            settings.plan_delta = Some(delta);
        }
        if (settings.plan_epsilon.is_some() || settings.plan_delta.is_some())
            && ui.small_button("defaults").clicked()
        {
            settings.plan_epsilon = None;
            settings.plan_delta = None;
        }
    });
    egui::Grid::new("runs-needed").striped(true).show(ui, |ui| {
        let power_header = format!(
            "runs per side for δ ({:.0}% power, α = {ALPHA})",
            POWER * 100.0
        );
        for header in [
            "condition",
            "runs",
            "std",
            "mean known within (95%)",
            "runs for ±ε",
            power_header.as_str(),
        ] {
            ui.label(RichText::new(header).strong());
        }
        ui.end_row();
        for condition in conditions {
            let planned = cached_plan(ui, session, condition, epsilon, delta);
            ui.label(RichText::new(condition).color(condition_color_by_name(condition)));
            let (runs, Some(plan)) = &*planned else {
                ui.label(planned.0.to_string());
                ui.label("needs 2 runs");
                ui.end_row();
                continue;
            };
            debug_assert_eq!(*runs, plan.n);
            ui.label(plan.n.to_string());
            ui.label(format_value(Some(plan.std)));
            if plan.std == 0.0 {
                // One outcome (or runs that all score alike): nothing to estimate.
                ui.label("no spread");
                ui.label("—");
                ui.label("—");
                ui.end_row();
                continue;
            }
            ui.label(format!("±{}", format_value(plan.half_width_now)));
            let enough = if plan.enough_for_epsilon() {
                "enough"
            } else {
                "more needed"
            };
            ui.label(format!("{} ({enough})", runs_text(plan.runs_for_epsilon)));
            ui.label(runs_text(plan.runs_per_side_for_delta));
            ui.end_row();
        }
    });
}

/// One line for the Sources view: the runs each condition needs for its mean within ±ε.
pub fn runs_for_epsilon_line(ui: &egui::Ui, session: &Session, settings: &Settings) -> String {
    let (epsilon, _) = epsilon_and_delta(ui, session, settings);
    let parts: Vec<String> = session
        .summaries
        .iter()
        .filter_map(|summary| {
            let planned = cached_plan(
                ui,
                session,
                &summary.condition.to_string(),
                epsilon,
                epsilon,
            );
            let plan = planned.1.as_ref()?;
            (plan.std > 0.0)
                .then(|| format!("{} {}", summary.condition, runs_text(plan.runs_for_epsilon)))
        })
        .collect();
    format!(
        "Runs needed to know each mean within ±{} (95%; set ε in Compare): {}",
        format_value(Some(epsilon)),
        parts.join(" · ")
    )
}

/// At most this many of a condition's running estimates are drawn (every k-th, and always
/// the last): 12,500 band segments a frame would take it, each estimate costs two inverse
/// CDFs, and at 200 the eye sees no difference.
pub const MAX_PLOTTED_ESTIMATES: usize = 200;

/// How many runs a condition's running estimates cover, and the estimates drawn.
type Thinned = (usize, Vec<RunningEstimate>);

/// [`convergence`] thinned to [`MAX_PLOTTED_ESTIMATES`], cached until the runs change, with
/// the number of runs it covers.
fn plotted_convergence(ui: &egui::Ui, session: &Session, condition: &str) -> Arc<Thinned> {
    let key = (condition, session.revision());
    super::cached(ui, &format!("convergence/{condition}"), key, || {
        // Only the estimates drawn are computed: every k-th run count, and the last.
        let values = session.outcomes(condition).0;
        let count = values.len();
        let stride = count.div_ceil(MAX_PLOTTED_ESTIMATES).max(1);
        let ns: Vec<usize> = (1..=count)
            .filter(|n| (n - 1) % stride == 0 || *n == count)
            .collect();
        (count, running_estimates_at(&values, &ns))
    })
}

/// Running mean (left) and std (right) of each condition, with 95% bands, and a caption
/// that counts the plotted points.
pub fn show_convergence(
    ui: &mut egui::Ui,
    session: &Session,
    conditions: &[String],
    capturing: bool,
) {
    let plotted: Vec<(String, Arc<Thinned>)> = conditions
        .iter()
        .map(|c| (c.clone(), plotted_convergence(ui, session, c)))
        .collect();
    let counts: Vec<String> = plotted
        .iter()
        .map(|(c, estimates)| format!("{c} over {} runs", estimates.0))
        .collect();
    let series: Vec<(String, &[RunningEstimate])> = plotted
        .iter()
        .map(|(c, estimates)| (c.clone(), estimates.1.as_slice()))
        .collect();
    ui.label(
        RichText::new(format!(
            "Convergence: running mean (top) and std (bottom) of {}; bands are 95% intervals. Still narrowing at the right edge: more runs would move the answer.",
            counts.join(" and ")
        ))
        .weak(),
    );
    // Stacked: the view gives this panel half its width.
    let height = (ui.available_height() / 2.0 - 8.0).max(100.0);
    let pick_mean: Pick = |e| Some((e.mean, e.mean_ci));
    let pick_std: Pick = |e| e.std.map(|s| (s, e.std_ci));
    // A band is drawn within what the quantity can be: a mean within the metric's range (an
    // accuracy's band reached 1.07), a std from 0.
    let mean_bounds = session
        .metric()
        .range()
        .map_or((f64::NEG_INFINITY, f64::INFINITY), |r| {
            (*r.start(), *r.end())
        });
    convergence_plot(
        ui,
        ("mean", mean_bounds),
        &series,
        height,
        capturing,
        pick_mean,
    );
    convergence_plot(
        ui,
        ("std", (0.0, f64::INFINITY)),
        &series,
        height,
        capturing,
        pick_std,
    );
}

/// A value and its 95% interval, picked from a running estimate (the mean or the std).
type Pick = fn(&RunningEstimate) -> Option<(f64, Option<(f64, f64)>)>;
/// (runs so far, value, 95% interval).
type PlottedEstimate = (f64, f64, Option<(f64, f64)>);

/// The band of `picked` estimates, cut to `bounds`: (runs so far, low, high).
fn band_within(picked: &[PlottedEstimate], (lowest, highest): (f64, f64)) -> Vec<(f64, f64, f64)> {
    picked
        .iter()
        .filter_map(|&(n, _, ci)| {
            ci.map(|(lo, hi)| (n, lo.clamp(lowest, highest), hi.clamp(lowest, highest)))
        })
        .collect()
}

fn convergence_plot(
    ui: &mut egui::Ui,
    (what, bounds): (&str, (f64, f64)),
    series: &[(String, &[RunningEstimate])],
    height: f32,
    capturing: bool,
    pick: Pick,
) {
    Plot::new(("convergence", what))
        .height(height)
        .legend(Legend::default())
        .custom_x_axes(vec![super::axes::x_axis("runs so far")])
        .custom_y_axes(vec![super::axes::y_axis(format!("running {what}"))])
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for (condition, estimates) in series {
                let color = condition_color_by_name(condition);
                let picked: Vec<PlottedEstimate> = estimates
                    .iter()
                    .filter_map(|e| pick(e).map(|(v, ci)| (e.n as f64, v, ci)))
                    .collect();
                let band = band_within(&picked, bounds);
                // egui_plot fills convex polygons only: the band is drawn as one trapezoid
                // per step (vertical sides, so each is convex), under the line's name so the
                // legend shows one entry.
                for step in band.windows(2) {
                    let ((n0, lo0, hi0), (n1, lo1, hi1)) = (step[0], step[1]);
                    let quad = vec![[n0, lo0], [n1, lo1], [n1, hi1], [n0, hi0]];
                    plot.polygon(
                        Polygon::new(condition.to_string(), PlotPoints::from(quad))
                            .fill_color(color.gamma_multiply(0.15))
                            // Zero width draws nothing, but the legend takes an item's
                            // colour from its stroke: without it the entry is black.
                            .stroke(egui::Stroke::new(0.0, color)),
                    );
                }
                let line: Vec<[f64; 2]> = picked.iter().map(|&(n, v, _)| [n, v]).collect();
                plot.line(Line::new(condition.clone(), line).color(color).width(2.0));
            }
        });
}

#[cfg(test)]
mod band_tests {
    use super::band_within;

    /// An accuracy's running mean near 1 with a wide early interval: the band stops at 1 (issue
    /// 44 item 1: Compare's running-mean axis went to ~1.07).
    #[test]
    fn a_band_stops_at_the_metrics_range() {
        let picked = [
            (2.0, 0.97, Some((0.80, 1.07))),
            (3.0, 0.98, Some((0.95, 1.01))),
        ];
        let band = band_within(&picked, (0.0, 1.0));
        assert_eq!(band, [(2.0, 0.80, 1.0), (3.0, 0.95, 1.0)]);
        let open = band_within(&picked, (f64::NEG_INFINITY, f64::INFINITY));
        assert_eq!(open[0].2, 1.07, "an unbounded metric's band is as computed");
    }
}
