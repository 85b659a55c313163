//! Where runs disagree (2-D data sets): the fraction of runs predicting class 1 over the plane,
//! the data on top, and one run's own decision regions on request.

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Heatmap, Legend, MarkerShape, Plot, PlotPoint, Points};

use crate::analysis::agreement::{class_one_fraction, majority_agreement};
use crate::engine::data::{self, Dataset, GRID_SIZE, Task, plane_bounds};
use crate::engine::record::RunRecord;
use crate::engine::seeds::SourceRng;
use crate::gui::palette::{CLASS_POINTS, CLASS_REGIONS, POINT_RING};
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// Each class's marker, so a point's class does not rest on its hue alone.
const CLASS_SHAPES: [MarkerShape; 3] = [MarkerShape::Circle, MarkerShape::Square, MarkerShape::Up];

/// The data set a run drew, regenerated only when the seed or data settings change (not on
/// every frame).
fn cached_dataset(
    ui: &egui::Ui,
    config: &crate::engine::config::DataConfig,
    seed: u64,
) -> Arc<data::Dataset> {
    let key = format!("{seed}/{config:?}");
    let id = egui::Id::unique("disagreement-data");
    if let Some((cached_key, dataset)) = ui.data(|d| d.get_temp::<(String, Arc<data::Dataset>)>(id))
        && cached_key == key
    {
        return dataset;
    }
    let dataset = Arc::new(data::generate(config, &mut SourceRng::new(seed)));
    ui.data_mut(|d| d.insert_temp(id, (key, Arc::clone(&dataset))));
    dataset
}

pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let Some(bounds) = plane_bounds(session.config.data.kind) else {
        ui.label("This view is for 2-D data sets (circles, moons, xor, blobs, spirals).");
        return;
    };
    let names = super::condition_names(&session.config);
    super::keep_valid(&mut settings.curves_condition, &names, 0);
    let runs: Vec<_> = session
        .runs_of(&settings.curves_condition)
        .filter(|r| r.grid.is_some())
        .collect();
    pickers(ui, settings, &names, &runs);
    let multiclass = session
        .runs
        .first()
        .is_some_and(|r| r.metric.is_share_of_points())
        && session.config.data.kind == crate::engine::config::DatasetKind::Blobs;
    let grids: Vec<&str> = runs.iter().filter_map(|r| r.grid.as_deref()).collect();
    let selected = settings
        .selected_run
        .and_then(|i| runs.iter().find(|r| r.run_index == i));
    let key = (
        &settings.curves_condition,
        selected.map(|r| r.run_index),
        session.revision(),
    );
    let map = super::cached(ui, "disagreement-map", key, || match selected {
        Some(run) => {
            let grid = run.grid.as_deref().unwrap_or_default();
            let classes: Vec<f64> = grid.bytes().map(|c| f64::from(c - b'0')).collect();
            (
                classes,
                format!(
                    "Decision regions of run {} of {}",
                    run.run_index, settings.curves_condition
                ),
            )
        }
        None if multiclass => (
            majority_agreement(&grids).unwrap_or_default(),
            format!(
                "Fraction of {} runs agreeing with the most common class (1 = all agree)",
                grids.len()
            ),
        ),
        None => (
            class_one_fraction(&grids).unwrap_or_default(),
            format!(
                "Fraction of {} runs of {} predicting class 1 (0 or 1: all agree; 0.5: split)",
                grids.len(),
                settings.curves_condition
            ),
        ),
    });
    let (values, caption) = (map.0.clone(), &map.1);
    ui.label(RichText::new(caption).size(16.0).strong());
    if values.len() != GRID_SIZE * GRID_SIZE {
        ui.label("No runs with a prediction grid yet.");
        return;
    }
    // One run's classes, 0 to 2, take the three classes' regions; a fraction of runs runs
    // from class 0's region through white (runs split) to class 1's.
    let (max, stops) = if selected.is_some() && multiclass {
        (2.0, CLASS_REGIONS)
    } else {
        (1.0, [CLASS_REGIONS[0], Color32::WHITE, CLASS_REGIONS[1]])
    };
    // The data of the condition's first run, coloured by class.
    let points = runs.first().map(|run| {
        let seed = run.seeds.get("data").copied().unwrap_or_default();
        cached_dataset(ui, &session.config.data, seed)
    });
    map_plot(ui, values, bounds, (max, stops), points, capturing);
}

/// The condition picker and the run picker ("all runs" or one run alone).
fn pickers(ui: &mut egui::Ui, settings: &mut Settings, names: &[String], runs: &[&RunRecord]) {
    ui.horizontal(|ui| {
        super::condition_picker(ui, "Condition", &mut settings.curves_condition, names);
        let label = ui.label(RichText::new("Show").strong());
        let shown = settings
            .selected_run
            .map_or("all runs (agreement)".to_string(), |i| {
                format!("run {i} alone")
            });
        egui::ComboBox::from_id_salt("disagreement-run")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut settings.selected_run, None, "all runs (agreement)");
                for run in runs {
                    ui.selectable_value(
                        &mut settings.selected_run,
                        Some(run.run_index),
                        format!("run {} alone", run.run_index),
                    );
                }
            })
            .response
            .labelled_by(label.id);
    });
}

/// The map over the plane (`values` per grid cell, from 0 to `max`, coloured through
/// `stops`) with the data on top.
fn map_plot(
    ui: &mut egui::Ui,
    values: Vec<f64>,
    bounds: [f64; 4],
    (max, stops): (f64, [Color32; 3]),
    points: Option<Arc<Dataset>>,
    capturing: bool,
) {
    let [x_min, x_max, y_min, y_max] = bounds;
    let side = ui.available_height().min(ui.available_width()) - 10.0;
    Plot::new("disagreement")
        .width(side)
        .height(side)
        .data_aspect(1.0)
        .legend(Legend::default())
        .include_x(x_min)
        .include_x(x_max)
        .include_y(y_min)
        .include_y(y_max)
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.add(
                Heatmap::new(values, GRID_SIZE)
                    .at(PlotPoint::new(x_min, y_min))
                    .size((x_max - x_min) as f32, (y_max - y_min) as f32)
                    .range(0.0, max)
                    .show_labels(false)
                    .palette(&stops),
            );
            if let Some(dataset) = points {
                let classes = match dataset.task {
                    Task::Multiclass { classes } => classes,
                    _ => 2,
                };
                for class in 0..classes {
                    let xy: Vec<[f64; 2]> = (0..dataset.len())
                        .filter(|&i| dataset.class_of(i) == class)
                        .map(|i| [dataset.x[2 * i] as f64, dataset.x[2 * i + 1] as f64])
                        .collect();
                    // A dark ring (the same shape, larger, underneath) keeps every point
                    // visible on every region (`gui::vision`'s tests hold the contrast).
                    let shape = CLASS_SHAPES[class % 3];
                    plot.points(
                        Points::new("", xy.clone())
                            .shape(shape)
                            .radius(4.0)
                            .filled(true)
                            .color(POINT_RING),
                    );
                    plot.points(
                        Points::new(format!("class {class}"), xy)
                            .shape(shape)
                            .radius(2.7)
                            .filled(true)
                            .color(CLASS_POINTS[class % 3]),
                    );
                }
            }
        });
}
