//! The central area: view tabs and the current view. The rectangle of the view (title, plot,
//! axes, legend and caption) is what a snapshot captures.

mod compare;
mod curves;
mod disagreement;
mod distributions;
mod runs;
mod sources;

use eframe::egui::{self, RichText};

use super::app::{SeedscopeApp, View};

pub fn show(app: &mut SeedscopeApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
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
    app.view_rect = Some(rect);
    if app.session.is_none() {
        ui.vertical_centered(|ui| {
            ui.add_space(rect.height() * 0.3);
            ui.label(RichText::new("Press Run to train every condition.").size(20.0));
            ui.label("all-fixed should collapse to one point; all-free spreads; each only-X shows what that one source does.");
        });
        return;
    }
    match app.settings.view {
        View::Distributions => distributions::show(app, ui),
        View::Sources => sources::show(app, ui),
        View::Curves => curves::show(app, ui),
        View::Disagreement => disagreement::show(app, ui),
        View::Compare => compare::show(app, ui),
        View::Runs => runs::show(app, ui),
    }
}

/// The session's condition names, in sweep order.
pub fn condition_names(config: &crate::config::ExperimentConfig) -> Vec<String> {
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
pub fn metric_label(metric: &str) -> String {
    match metric {
        "mse" => "test MSE (lower is better)".into(),
        "accuracy" => "test accuracy".into(),
        other => format!("test {other}"),
    }
}

/// Condition names as x-axis tick labels at integer positions.
pub fn category_axis(
    names: Vec<String>,
) -> impl Fn(egui_plot::GridMark, &std::ops::RangeInclusive<f64>) -> String {
    move |mark, _range| {
        let rounded = mark.value.round();
        if (mark.value - rounded).abs() < 1e-6 && rounded >= 0.0 {
            names.get(rounded as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}
