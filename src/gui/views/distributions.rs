//! One column per condition: every run a jittered point over a box (quartiles, whiskers
//! min–max), the mean with its 95% CI, distinct weight hashes, and "bitwise identical".

use eframe::egui::{self, Color32, RichText, Stroke};
use egui_plot::{BoxElem, BoxPlot, BoxSpread, Line, MarkerShape, Plot, Points};

use super::category_axis::{category_axis, category_room, fit_names, text_width};
use super::metric_label;
use crate::analysis::sample::{self, mean_ci95};
use crate::analysis::words::count_of;
use crate::engine::data::fresh::FRESH_POINTS;
use crate::engine::metric::Metric;
use crate::engine::producer::FreshData;
use crate::engine::record::RunRecord;
use crate::gui::palette::condition_color;
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// Deterministic horizontal jitter in [−0.17, 0.17] (golden-ratio sequence): the same run
/// always lands at the same place, so snapshots are reproducible.
fn jitter(run_index: usize) -> f64 {
    ((run_index as f64 * 0.618_033_988_75).fract() - 0.5) * 0.34
}

/// Which score each run is plotted by.
#[derive(Clone, Copy, PartialEq, Hash)]
enum Score {
    /// The final test metric, on the experiment's test set.
    Test,
    /// Accuracy on the fresh sample (`data::fresh`).
    Fresh,
}

impl Score {
    fn of(self, run: &RunRecord) -> Option<f64> {
        match self {
            Score::Test => run.final_test_metric,
            Score::Fresh => run.fresh_metric,
        }
    }
}

pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let conditions = &session.config.conditions;
    let metric = session
        .runs
        .first()
        .map_or(Metric::Accuracy, |r| r.metric.clone());
    let names: Vec<String> = conditions.iter().map(|c| c.to_string()).collect();

    let has_fresh = session.runs.iter().any(|r| r.fresh_metric.is_some());
    // Fresh data of the producer's own (a command's fresh_value) keeps the run's metric name;
    // the generator's fresh points are scored in accuracy.
    let capabilities = session.config.capabilities();
    let reported_fresh = capabilities.fresh == FreshData::Reported;
    let score = if has_fresh && settings.fresh_distributions {
        Score::Fresh
    } else {
        Score::Test
    };
    ui.label(
        RichText::new(format!(
            "{} per condition — {}, {} each, master seed {}",
            if score == Score::Fresh {
                format!(
                    "{} on {}",
                    if reported_fresh {
                        metric_label(&metric)
                    } else {
                        "accuracy".into()
                    },
                    capabilities.fresh_words()
                )
            } else {
                metric_label(&metric)
            },
            if session.config.name.is_empty() {
                "custom experiment"
            } else {
                &session.config.name
            },
            count_of(session.config.repeats, "run"),
            session.master_seed
        ))
        .size(16.0)
        .strong(),
    );

    if has_fresh {
        score_toggle(ui, session, settings);
    }
    let columns = super::cached(ui, "distributions", (score, session.revision()), || {
        names
            .iter()
            .map(|name| Column::of(session, name, score))
            .collect::<Vec<Column>>()
    });
    let thinned = columns.iter().any(|c| c.drawn < c.count);
    let labels = column_labels(ui, session, conditions);

    below_plot(ui, session, score, thinned);
    // The labels over the columns get a strip of their own above the plot, where no grid
    // line runs through them (issue 44 item 5); they are placed once the plot has said where
    // its columns are.
    let lines = labels
        .iter()
        .flatten()
        .map(|label| label.text().lines().count())
        .max()
        .unwrap_or(0);
    let (strip, _) = ui.allocate_exact_size(
        egui::vec2(
            ui.available_width(),
            lines as f32 * (COLUMN_LABEL_SIZE + 3.0),
        ),
        egui::Sense::hover(),
    );
    let plot = Plot::new("distributions")
        .custom_x_axes(vec![category_axis(ui, &names)])
        .custom_y_axes(vec![
            super::axes::y_axis(if score == Score::Fresh {
                "accuracy on fresh data".to_string()
            } else {
                metric_label(&metric)
            })
            .formatter({
                let range = if score == Score::Fresh {
                    Some(0.0..=1.0)
                } else {
                    metric.range()
                };
                move |mark, _| super::metric_tick(mark.value, mark.step_size, range.as_ref())
            }),
        ])
        .include_x(-0.6)
        .include_x(conditions.len() as f64 - 0.4)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            for (x, column) in columns.iter().enumerate() {
                let color = condition_color(&conditions[x]);
                draw_column(plot, column, labels[x].is_some(), x as f64, color);
            }
        });
    let room = category_room(ui, conditions.len());
    for (x, label) in labels.into_iter().enumerate() {
        if let Some(label) = label {
            let centre = plot.transform.position_from_point_x(x as f64);
            let cell = egui::Rect::from_center_size(
                egui::pos2(centre, strip.center().y),
                egui::vec2(room, strip.height()),
            );
            ui.put(cell, egui::Label::new(label).extend());
        }
    }
}

/// What is under the plot: how to read it, then the table. It is laid out first, in a panel
/// at the bottom sized to its content, so the plot takes what is left and no row of the table
/// is pushed out of the window (or the snapshot) however the note wraps.
fn below_plot(ui: &mut egui::Ui, session: &Session, score: Score, thinned: bool) {
    egui::Panel::bottom("distributions-below")
        .frame(egui::Frame::NONE)
        .show(ui, |ui| {
            let dots = if thinned {
                format!(
                    "Each dot is one run (spread sideways to stay visible); where a condition has more than \
                     {MAX_DOTS} runs, an even sample of {MAX_DOTS} of them is drawn (the box, whiskers and \
                     mean are from all)."
                )
            } else {
                "Each dot is one run (spread sideways to stay visible).".to_string()
            };
            ui.label(
                RichText::new(format!(
                    "{dots} Box: quartiles; whiskers: min–max; black diamond and bar: mean and its 95% CI. \
                     Above each column: how many distinct final weights its runs produced."
                ))
                .weak(),
            );
            if score == Score::Fresh {
                if let Some(line) = super::fresh_table::luck_line(session) {
                    ui.add(egui::Label::new(RichText::new(line).strong()).wrap());
                }
                super::fresh_table::fresh_table(session, ui);
            } else {
                super::summary_table::summary_table(session, ui);
            }
        });
}

/// A condition with more runs than this draws an even sample of this many as dots: 100,000
/// dots would take the frame, and a column of 1,000 overlapping dots reads the same as 400.
pub const MAX_DOTS: usize = 400;

/// What one condition's column draws, computed once per revision of the session.
struct Column {
    /// Min, quartiles, median, max (two or more runs).
    spread: Option<[f64; 5]>,
    /// The runs drawn as dots (all, or an even sample of [`MAX_DOTS`]), at their jittered x
    /// offset.
    dots: Vec<[f64; 2]>,
    mean_ci: Option<(f64, (f64, f64))>,
    count: usize,
    drawn: usize,
}

impl Column {
    fn of(session: &Session, name: &str, score: Score) -> Column {
        let scored: Vec<(usize, f64)> = session
            .runs_of(name)
            .filter_map(|r| score.of(r).map(|v| (r.run_index, v)))
            .collect();
        let values: Vec<f64> = scored.iter().map(|(_, v)| *v).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        // Every k-th run by run index: the same sample whatever order the runs arrived in.
        let stride = scored.len().div_ceil(MAX_DOTS).max(1);
        let dots: Vec<[f64; 2]> = scored
            .iter()
            .filter(|(index, _)| index % stride == 0)
            .map(|&(index, v)| [jitter(index), v])
            .collect();
        let q = |p: f64| sample::quantile_of_sorted(&sorted, p).unwrap_or_default();
        Column {
            spread: (values.len() >= 2).then(|| [q(0.0), q(0.25), q(0.5), q(0.75), q(1.0)]),
            drawn: dots.len(),
            dots,
            // An interval is drawn within the metric's range: an accuracy's interval at n = 2
            // reaching 1.23 would draw a score no run can have.
            mean_ci: sample::mean(&values)
                .zip(mean_ci95(&values))
                .map(|(mean, (low, high))| match session.metric().range() {
                    Some(range) => (
                        mean,
                        (
                            low.clamp(*range.start(), *range.end()),
                            high.clamp(*range.start(), *range.end()),
                        ),
                    ),
                    None => (mean, (low, high)),
                }),
            count: values.len(),
        }
    }
}

/// One condition's column at `x`: its box, its dots, and (where it is `summarised`) the mean
/// with its CI.
fn draw_column(
    plot: &mut egui_plot::PlotUi,
    column: &Column,
    summarised: bool,
    x: f64,
    color: Color32,
) {
    if let Some([low, q1, median, q3, high]) = column.spread {
        let spread = BoxSpread::new(low, q1, median, q3, high);
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
    let points: Vec<[f64; 2]> = column.dots.iter().map(|[dx, v]| [x + dx, *v]).collect();
    plot.points(
        Points::new("one dot per run", points)
            .radius(3.0)
            .filled(true)
            .color(color.gamma_multiply(0.75)),
    );
    // Drawn once the condition is summarised (it has a label), as its table row is.
    if let (true, Some((mean, (low, high)))) = (summarised, column.mean_ci) {
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
}

/// Above each summarised column: "bitwise identical" or "5 distinct". Where the columns are
/// too narrow for one of them (nine conditions at 1280 px), every label is broken in two, so
/// they read alike.
fn column_labels(
    ui: &egui::Ui,
    session: &Session,
    conditions: &[crate::engine::seeds::Condition],
) -> Vec<Option<RichText>> {
    let texts: Vec<Option<(String, Color32)>> = conditions
        .iter()
        .map(|condition| {
            let summary = session
                .summaries
                .iter()
                .find(|s| s.condition == *condition)?;
            Some(if summary.bitwise_identical {
                (
                    "bitwise identical".to_string(),
                    Color32::from_rgb(0x10, 0x80, 0x10),
                )
            } else {
                (
                    format!("{} distinct", summary.distinct_hashes),
                    Color32::DARK_GRAY,
                )
            })
        })
        .collect();
    let font = egui::FontId::proportional(COLUMN_LABEL_SIZE);
    // Bold is a little wider than the regular face measured.
    let width = |text: &str| text_width(ui, text, &font) * 1.08;
    let room = category_room(ui, conditions.len());
    let whole: Vec<String> = texts
        .iter()
        .flatten()
        .map(|(text, _)| text.clone())
        .collect();
    let narrow = fit_names(&whole, room, width) != whole;
    texts
        .into_iter()
        .map(|label| {
            let (text, color) = label?;
            let text = if narrow {
                fit_names(&[text], 0.0, width).remove(0)
            } else {
                text
            };
            Some(
                RichText::new(text)
                    .size(COLUMN_LABEL_SIZE)
                    .strong()
                    .color(color),
            )
        })
        .collect()
}

/// The size of the labels above the columns.
const COLUMN_LABEL_SIZE: f32 = 13.0;

/// Test set or fresh data: the same plot, scored two ways.
fn score_toggle(ui: &mut egui::Ui, session: &Session, settings: &mut Settings) {
    let test_points = session.summaries.iter().find_map(|s| s.test_points);
    ui.horizontal(|ui| {
        ui.label("Score each run on:");
        ui.selectable_value(
            &mut settings.fresh_distributions,
            false,
            match test_points {
                Some(n) => format!("the test set ({n} points)"),
                None => "the test set".to_string(),
            },
        )
        .on_hover_text(
            "What a user of this experiment would report: accuracy on its held-out test points.",
        );
        let reported_fresh = session.config.capabilities().fresh == FreshData::Reported;
        let (label, meaning) = if reported_fresh {
            (
                "fresh data (the command's fresh_value)".to_string(),
                "The same runs as the command scored them on its own larger held-out data \
                 (`fresh_value` in its result): closer to their true performance, with less \
                 test-set noise.",
            )
        } else {
            (
                format!("fresh data ({FRESH_POINTS} points)"),
                "The same trained runs scored on a large fresh sample from the data set's \
                 generator: their true accuracy, almost without test-set noise. The columns \
                 narrow by as much as the test set's coin flips had widened them.",
            )
        };
        ui.selectable_value(&mut settings.fresh_distributions, true, label)
            .on_hover_text(meaning);
    });
}

#[cfg(test)]
mod tests;
