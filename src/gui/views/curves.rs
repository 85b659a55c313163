//! Learning curves: every run's curve for one condition, with the mean ± std band; beyond a
//! few hundred runs, a sample of the curves over quantile bands.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{FilledArea, Legend, Line, Plot};

use crate::analysis::sample::{mean, quantile_of_sorted, std_dev};
use crate::engine::metric::Metric;
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
        .map_or(Metric::Accuracy, |r| r.metric.clone())
        .to_string();
    ui.horizontal(|ui| {
        super::condition_picker(ui, "Condition", &mut settings.curves_condition, &names);
        ui.label(if session.runs_of(&settings.curves_condition).count() > MAX_LINES {
            "Left: training loss. Right: test metric. Thin lines: sample runs; bands: middle 50% and 90%."
        } else {
            "Left: training loss per epoch. Right: test metric per epoch. Thin lines are runs; the band is mean ± std."
        });
    });
    let condition = settings.curves_condition.clone();
    let color = condition_color_by_name(&condition);
    let curves = super::cached(ui, "curves", (&condition, session.revision()), || {
        let runs: Vec<_> = session.runs_of(&condition).collect();
        [
            Curves::of(runs.iter().map(|r| r.train_loss.as_slice()).collect()),
            Curves::of(runs.iter().map(|r| r.test_metric.as_slice()).collect()),
        ]
    });
    let width = (ui.available_width() - 10.0) / 2.0;
    // Inside a horizontal layout a plot gets no height of its own: give it the view's.
    let caption = if curves[0].thinned() { 60.0 } else { 30.0 };
    let height = (ui.available_height() - caption).max(200.0);
    ui.horizontal(|ui| {
        for (title, curves, id, field) in [
            ("training loss", &curves[0], "curves-loss", "train_loss"),
            (metric.as_str(), &curves[1], "curves-metric", "curve"),
        ] {
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.label(
                    RichText::new(format!("{condition}: {title}"))
                        .size(15.0)
                        .strong(),
                );
                if curves.is_empty() {
                    // Only a command's runs can lack a curve: say what to report, not an
                    // empty axis.
                    ui.label(format!(
                        "No run of {condition} reported its {title} per epoch. Add `{field}` \
                         (one value per epoch) to the result your command writes to see it here."
                    ));
                    return;
                }
                Plot::new(id)
                    .width(width)
                    .height(height)
                    .legend(Legend::default())
                    .custom_x_axes(vec![super::axes::x_axis("epoch")])
                    .custom_y_axes(vec![super::axes::y_axis(title)])
                    .show_x(!capturing)
                    .show_y(!capturing)
                    .allow_scroll(false)
                    .show(ui, |plot| curves.draw(plot, color));
            });
        }
    });
    if curves[0].thinned() {
        ui.label(
            RichText::new(format!(
                "{} runs: thin lines are an even sample of {SAMPLE_LINES}; the bands hold the middle 50% and 90% of \
                 the runs at each epoch (from an even sample of at most {MAX_BAND_RUNS}), the black line is the \
                 mean of all.",
                curves[0].runs
            ))
            .weak(),
        );
    }
}

/// Beyond this many runs a condition's curves are drawn as quantile bands with
/// [`SAMPLE_LINES`] sample lines over them: 12,500 lines of 100 points each would take the
/// frame, and read as one blot that hides the bands.
pub const MAX_LINES: usize = 200;
pub const SAMPLE_LINES: usize = 40;
/// The quantile bands are taken over an even sample of at most this many runs (by run
/// position): their edges move by well under a line's width, and the cache refills in a few
/// milliseconds at 100,000 runs.
pub const MAX_BAND_RUNS: usize = 2_000;

/// One plot's worth of curves, computed once per revision of the session.
struct Curves {
    runs: usize,
    /// The runs drawn as thin lines: all, or an even sample of [`SAMPLE_LINES`].
    lines: Vec<Vec<[f64; 2]>>,
    epochs: Vec<f64>,
    mean: Vec<[f64; 2]>,
    std_low: Vec<f64>,
    std_high: Vec<f64>,
    /// Beyond [`MAX_LINES`] runs: the 5/25/75/95% quantiles at each epoch.
    bands: Option<[Vec<f64>; 4]>,
}

impl Curves {
    /// No run has a value at any epoch.
    fn is_empty(&self) -> bool {
        self.lines.iter().all(Vec::is_empty)
    }

    fn of(series: Vec<&[f64]>) -> Curves {
        let runs = series.len();
        let thinned = runs > MAX_LINES;
        let sample = |limit: usize| -> Vec<&[f64]> {
            let stride = runs.div_ceil(limit).max(1);
            series.iter().step_by(stride).copied().collect()
        };
        let drawn = if thinned {
            sample(SAMPLE_LINES)
        } else {
            series.clone()
        };
        let lines = drawn
            .iter()
            .map(|s| {
                s.iter()
                    .enumerate()
                    .map(|(i, v)| [i as f64 + 1.0, *v])
                    .collect()
            })
            .collect();
        let banded = sample(MAX_BAND_RUNS);
        let longest = series.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut curves = Curves {
            runs,
            lines,
            epochs: Vec::new(),
            mean: Vec::new(),
            std_low: Vec::new(),
            std_high: Vec::new(),
            bands: thinned.then(|| std::array::from_fn(|_| Vec::new())),
        };
        for epoch in 0..longest {
            let values: Vec<f64> = series
                .iter()
                .filter_map(|s| s.get(epoch).copied())
                .collect();
            let Some(m) = mean(&values) else {
                continue;
            };
            // One run at this epoch: its line is the mean, with no band.
            let sd = std_dev(&values).unwrap_or(0.0);
            let x = epoch as f64 + 1.0;
            curves.epochs.push(x);
            curves.mean.push([x, m]);
            curves.std_low.push(m - sd);
            curves.std_high.push(m + sd);
            if let Some(bands) = &mut curves.bands {
                let mut sorted: Vec<f64> = banded
                    .iter()
                    .filter_map(|s| s.get(epoch).copied())
                    .collect();
                sorted.sort_by(f64::total_cmp);
                for (band, q) in bands.iter_mut().zip([0.05, 0.25, 0.75, 0.95]) {
                    band.push(quantile_of_sorted(&sorted, q).unwrap_or(m));
                }
            }
        }
        curves
    }

    fn thinned(&self) -> bool {
        self.bands.is_some()
    }

    fn draw(&self, plot: &mut egui_plot::PlotUi, color: Color32) {
        for line in &self.lines {
            plot.line(
                Line::new("runs", line.clone())
                    .color(color.gamma_multiply(if self.thinned() { 0.2 } else { 0.35 }))
                    .width(1.0),
            );
        }
        if self.epochs.is_empty() {
            return;
        }
        match &self.bands {
            Some([q05, q25, q75, q95]) => {
                plot.add(
                    FilledArea::new("middle 90% of runs", &self.epochs, q05, q95)
                        .fill_color(color.gamma_multiply(0.25)),
                );
                plot.add(
                    FilledArea::new("middle 50% of runs", &self.epochs, q25, q75)
                        .fill_color(color.gamma_multiply(0.5)),
                );
            }
            None => plot.add(
                FilledArea::new("mean ± std", &self.epochs, &self.std_low, &self.std_high)
                    .fill_color(color.gamma_multiply(0.2)),
            ),
        }
        plot.line(
            Line::new("mean", self.mean.clone())
                .color(Color32::BLACK)
                .width(2.0),
        );
    }
}
