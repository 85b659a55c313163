//! The central area: view tabs and the current view. The rectangle of the view (title, plot,
//! axes, legend and caption) is what a snapshot captures.

mod axes;
mod background;
mod category_axis;
mod compare;
mod curves;
mod disagreement;
mod disputed;
mod distributions;
mod fresh_table;
mod history;
mod runs;
mod runs_needed;
mod seed_luck;
mod settings_study;
mod sources;
mod summary_table;
mod swatches;

use eframe::egui::{self, Color32, RichText};

use std::collections::HashMap;
use std::sync::Arc;

use super::intent::Intent;
use super::session::Session;
use super::state::{Settings, View};
use super::tasks::ReplayState;
use crate::engine::metric::Metric;
use crate::records::store::ExperimentEntry;

/// What the central area draws: the view tabs and the current view. Each view receives only
/// the state it draws.
pub struct Central<'a> {
    pub settings: &'a mut Settings,
    pub session: Option<&'a Session>,
    pub replays: &'a HashMap<usize, ReplayState>,
    /// The run store's experiments (None: no store).
    pub history: Option<&'a [ExperimentEntry]>,
    pub store_path: Option<&'a std::path::Path>,
    /// A sweep is running: History cannot open or delete under it.
    pub running: bool,
    /// A snapshot is being taken: plots draw without hover.
    pub capturing: bool,
    /// Stored runs are being read: there is something to show shortly.
    pub reading_store: bool,
    pub intents: &'a mut Vec<Intent>,
    /// Compare settings: its form, its study running or done.
    pub study: &'a mut crate::gui::study::StudyState,
}

impl Central<'_> {
    /// Draws the tabs and the current view; returns the view's rectangle (what a snapshot
    /// captures).
    pub fn show(&mut self, ui: &mut egui::Ui) -> egui::Rect {
        show(self, ui)
    }
}

fn show(app: &mut Central, ui: &mut egui::Ui) -> egui::Rect {
    // Wrapped: nine tabs need more than a narrow window's width in one row.
    ui.horizontal_wrapped(|ui| {
        for view in View::ALL {
            ui.selectable_value(
                &mut app.settings.view,
                view,
                RichText::new(view.title()).size(15.0),
            );
        }
    });
    super::explain::show(ui, app.settings.view);
    ui.separator();
    let rect = ui.available_rect_before_wrap();
    if app.settings.view == View::History {
        ui.add_enabled_ui(!app.running, |ui| {
            history::show(ui, app.history, app.store_path, app.intents)
        });
        return rect;
    }
    if app.settings.view == View::Study {
        let base = app.settings.experiment();
        let inputs = settings_study::StudyInputs {
            base: &base,
            seed: app.settings.master_seed,
            command: app.settings.command.enabled,
            busy: app.running,
        };
        settings_study::show(ui, app.study, inputs, app.capturing);
        return rect;
    }
    let Some(session) = app.session else {
        ui.vertical_centered(|ui| {
            ui.add_space(rect.height() * 0.3);
            if app.reading_store {
                ui.label(RichText::new("Reading the stored runs…").size(20.0));
                ui.spinner();
                return;
            }
            ui.label(RichText::new("Press Run to train every condition.").size(20.0));
            ui.label("all-fixed should collapse to one point; all-free spreads; each only-X shows what that one source does.");
        });
        return rect;
    };
    let (settings, capturing) = (&mut *app.settings, app.capturing);
    let capabilities = session.config.capabilities();
    let has_curves = session.runs.iter().any(|r| !r.test_metric.is_empty());
    // Nothing finished: show the failure, not empty plots with axes of nothing.
    if session.every_run_failed() && settings.view != View::Runs {
        let first = session
            .runs
            .iter()
            .find_map(|r| r.error.as_deref())
            .unwrap_or_default();
        missing(
            ui,
            &format!(
                "Every run failed, so there is nothing to plot. Runs lists each run with why it failed. The first: {}",
                crate::engine::files::escape(first.lines().next().unwrap_or_default())
            ),
        );
        return rect;
    }
    match settings.view {
        View::Distributions => distributions::show(ui, session, settings, capturing),
        View::Sources => sources::show(ui, session, settings, capturing),
        View::Curves if !capabilities.curves_always && !has_curves => missing(
            ui,
            "No learning curves: the command's runs reported none. Report `curve` (the test metric after each epoch) and `train_loss` (each epoch's training loss) in the result to see them here.",
        ),
        View::Curves => curves::show(ui, session, settings, capturing),
        // The plane or the rows of a data set: only a producer that trains on one has them.
        View::Disagreement if !capabilities.reads_data_set => missing(
            ui,
            "Where runs disagree draws the data set's plane or its rows, which seedscope does not have for your command. The per-example errors a run reports (test_ids with test_errors) feed the test-set noise and churn of Which sources matter.",
        ),
        View::Disagreement if session.config.data.kind.is_table() => {
            disputed::show(ui, session, settings, capturing)
        }
        View::Disagreement => disagreement::show(ui, session, settings, capturing),
        View::Compare => compare::show(ui, session, settings, capturing),
        View::SeedLuck => seed_luck::show(ui, session, settings, capturing),
        View::Runs => runs::show(ui, session, app.replays, app.intents),
        View::History | View::Study => {}
    }
    rect
}

/// A view that needs what the runs did not report: says what to report, draws nothing.
fn missing(ui: &mut egui::Ui, what_to_report: &str) {
    ui.add_space(24.0);
    ui.add(egui::Label::new(RichText::new(what_to_report).size(16.0)).wrap());
}

/// Whether the difference between conditions `a` and `b` is within test-set noise, in one
/// line, when both were tested on the same points (`analysis::noise_reading`).
pub fn test_noise_line(ui: &mut egui::Ui, session: &Session, a: &str, b: &str) {
    use crate::engine::seeds::{Condition, Source};
    let data_fixed = |name: &str| {
        name.parse::<Condition>()
            .is_ok_and(|c| !c.is_free(Source::Data))
    };
    let metric = session.metric();
    let noise = cached(ui, "test-noise-line", (a, b, session.revision()), || {
        let runs_a: Vec<_> = session.runs_of(a).collect();
        let runs_b: Vec<_> = session.runs_of(b).collect();
        crate::analysis::noise_reading::comparison_noise(
            &runs_a,
            &runs_b,
            data_fixed(a) && data_fixed(b),
            metric.higher_is_better(),
        )
    });
    if let Some(noise) = noise.as_ref() {
        let line = crate::analysis::noise_reading::difference_noise_line(noise, &metric);
        let color = if noise.within_noise {
            Color32::from_rgb(0x9a, 0x5b, 0x00)
        } else {
            Color32::DARK_GRAY
        };
        ui.label(RichText::new(line).color(color));
    }
}

/// What `compute` gives, cached in the window's memory under `name` until `key` changes
/// (keys carry [`Session::revision`], so a cache lasts until the runs on screen change). A
/// view of 100,000 runs computes its figures once, not in every frame.
pub fn cached<K, T>(ui: &egui::Ui, name: &str, key: K, compute: impl FnOnce() -> T) -> Arc<T>
where
    K: std::hash::Hash,
    T: Send + Sync + 'static,
{
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let key: u64 = BuildHasherDefault::<DefaultHasher>::default().hash_one(&key);
    let id = egui::Id::unique(format!("view-cache/{name}").as_str());
    let hit: Option<(u64, Arc<T>)> = ui.data(|d| d.get_temp(id));
    if let Some((cached_key, value)) = hit
        && cached_key == key
    {
        return value;
    }
    let value = Arc::new(compute());
    ui.data_mut(|d| d.insert_temp(id, (key, Arc::clone(&value))));
    value
}

/// The final metrics of `condition`'s runs in run-index order (`Session::outcomes`), cached
/// until the runs change.
pub fn cached_metrics(ui: &egui::Ui, session: &Session, condition: &str) -> Arc<Vec<f64>> {
    let key = (condition, session.revision());
    cached(ui, &format!("metrics/{condition}"), key, || {
        session.outcomes(condition).0
    })
}

/// Whether a view figure is still being computed on a thread (`background.rs`).
pub fn figures_busy(ctx: &egui::Context) -> bool {
    background::busy(ctx)
}

/// Runs (both sides together) from which a pair's reading is computed on a thread.
const BACKGROUND_READING_RUNS: usize = 2_000;

/// The honest reading of conditions `a` against `b` (`analysis::reading`), cached under
/// `cache` until the runs change: the bootstrap is not redone every frame, and for large
/// conditions it runs on a thread (`background.rs`). `None` while the first one is computed.
pub fn cached_pair_reading(
    ui: &mut egui::Ui,
    session: &Session,
    cache: &str,
    a: &str,
    b: &str,
) -> Option<Result<crate::analysis::reading::PairReading, String>> {
    use crate::analysis::compare::Question;
    use crate::analysis::reading::{Side, read_pair};
    let key = (a, b, session.revision());
    let inline = session.runs_of(a).count() + session.runs_of(b).count() < BACKGROUND_READING_RUNS;
    let higher_is_better = session.metric().higher_is_better();
    let prepare = || {
        let own = |(values, hashes): (Vec<f64>, Vec<&str>)| -> (Vec<f64>, Vec<String>) {
            (values, hashes.into_iter().map(str::to_string).collect())
        };
        let (values_a, hashes_a) = own(session.outcomes(a));
        let (values_b, hashes_b) = own(session.outcomes(b));
        let (a, b) = (a.to_string(), b.to_string());
        move || {
            if values_a.is_empty() || values_b.is_empty() {
                return Err(format!(
                    "Need finished runs on both sides; {a} has {}, {b} has {}. Tick both and press Run.",
                    values_a.len(),
                    values_b.len()
                ));
            }
            let hashes_a: Vec<&str> = hashes_a.iter().map(String::as_str).collect();
            let hashes_b: Vec<&str> = hashes_b.iter().map(String::as_str).collect();
            read_pair(
                Side {
                    name: &a,
                    values: &values_a,
                    hashes: &hashes_a,
                },
                Side {
                    name: &b,
                    values: &values_b,
                    hashes: &hashes_b,
                },
                higher_is_better,
                Question::Spread,
            )
        }
    };
    let figure = background::figure(ui, cache, key, inline, prepare);
    match figure {
        background::Figure::Ready(reading) | background::Figure::Stale(reading) => {
            Some((*reading).clone())
        }
        background::Figure::Pending => None,
    }
}

/// What a view shows while its first reading of many runs is computed.
pub fn computing_note(ui: &mut egui::Ui, runs: usize) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!(
            "Computing the reading of {runs} runs (a bootstrap over every run)…"
        ));
    });
}

/// The session's condition names, in sweep order.
pub fn condition_names(config: &crate::engine::config::ExperimentConfig) -> Vec<String> {
    config.conditions.iter().map(|c| c.to_string()).collect()
}

/// Keeps `selected` one of `names`: the name at `fallback` (or the first) when it is not.
pub fn keep_valid(selected: &mut String, names: &[String], fallback: usize) {
    if !names.contains(selected) {
        *selected = names
            .get(fallback)
            .or(names.first())
            .cloned()
            .unwrap_or_default();
    }
}

/// A labelled combo box choosing one of `names` (labelled for screen readers and UI tests).
pub fn condition_picker(ui: &mut egui::Ui, label: &str, value: &mut String, names: &[String]) {
    let label = ui.label(RichText::new(label).strong());
    egui::ComboBox::from_id_salt(("condition-picker", label.id))
        .selected_text(value.clone())
        .show_ui(ui, |ui| {
            for name in names {
                ui.selectable_value(value, name.clone(), name);
            }
        })
        .response
        .labelled_by(label.id);
}

/// "test accuracy" / "test MSE" for axis labels.
pub fn metric_label(metric: &Metric) -> String {
    match metric {
        Metric::Mse => "test MSE (lower is better)".into(),
        Metric::Accuracy => "test accuracy".into(),
        other if other.higher_is_better() => format!("test {other}"),
        other => format!("test {other} (lower is better)"),
    }
}

/// A metric axis's tick label: the value, with the decimals its step needs; nothing past the
/// metric's range (an accuracy axis stops at 1, though the plot leaves room above it for
/// the columns' labels).
pub fn metric_tick(value: f64, step: f64, range: Option<&std::ops::RangeInclusive<f64>>) -> String {
    let tolerance = step.abs() * 1e-6;
    if let Some(range) = range
        && (value > range.end() + tolerance || value < range.start() - tolerance)
    {
        return String::new();
    }
    // The fewest decimals that write the step exactly (0.01: 2, 2.5: 1, 10: 0).
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step.abs() * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod metric_tick_tests {
    use super::metric_tick;

    #[test]
    fn an_accuracy_axis_has_no_tick_above_one() {
        let range = 0.0..=1.0;
        assert_eq!(metric_tick(1.02, 0.01, Some(&range)), "");
        assert_eq!(metric_tick(1.0, 0.01, Some(&range)), "1.00");
        assert_eq!(metric_tick(0.95, 0.01, Some(&range)), "0.95");
        assert_eq!(metric_tick(-0.1, 0.1, Some(&range)), "");
        assert_eq!(metric_tick(12.5, 2.5, None), "12.5");
    }
}
