//! The Distributions table when the runs are scored on fresh data (issue 37 item 5): the same
//! columns from each run's fresh-data score, and one line on what the switch changed for the
//! fixed seed — on fresh data its luck on the test set is gone.

use eframe::egui::{self, RichText};

use crate::analysis::luck::better_than_share;
use crate::analysis::sample::{mean, mean_ci95, std_dev};
use crate::analysis::summary::format_value as format;
use crate::engine::seeds::Condition;
use crate::gui::palette::condition_color;
use crate::gui::session::Session;

/// The fresh-data scores of `condition`'s finished runs, in run-index order.
fn fresh_scores(session: &Session, condition: &Condition) -> Vec<f64> {
    let mut runs: Vec<_> = session
        .runs_of(condition)
        .filter(|r| r.error.is_none())
        .collect();
    runs.sort_by_key(|r| r.run_index);
    runs.iter().filter_map(|r| r.fresh_metric).collect()
}

/// The table of fresh-data scores, one row per condition.
pub fn fresh_table(session: &Session, ui: &mut egui::Ui) {
    egui::Grid::new("distribution-fresh-summary")
        .striped(true)
        .min_col_width(60.0)
        .show(ui, |ui| {
            for header in [
                "condition",
                "n",
                "fresh mean",
                "fresh std",
                "95% CI of mean",
                "min – max",
            ] {
                ui.label(RichText::new(header).strong());
            }
            ui.end_row();
            for condition in &session.config.conditions {
                let scores = fresh_scores(session, condition);
                ui.label(
                    RichText::new(condition.to_string())
                        .color(condition_color(condition))
                        .strong(),
                );
                ui.label(scores.len().to_string());
                ui.label(format(mean(&scores)));
                ui.label(format(std_dev(&scores)));
                ui.label(match mean_ci95(&scores) {
                    Some((l, h)) => format!("[{}, {}]", format(Some(l)), format(Some(h))),
                    None => "–".into(),
                });
                let min = scores.iter().copied().reduce(f64::min);
                let max = scores.iter().copied().reduce(f64::max);
                ui.label(format!("{} – {}", format(min), format(max)));
                ui.end_row();
            }
        });
}

/// Where the fixed seed's run stands among the all-free runs on the test set and on fresh
/// data, in one line; None without both conditions scored both ways.
pub fn luck_line(session: &Session) -> Option<String> {
    let finished = |condition: Condition| -> Vec<(f64, f64)> {
        session
            .runs_of(&condition)
            .filter(|r| r.error.is_none())
            .filter_map(|r| Some((r.final_test_metric?, r.fresh_metric?)))
            .collect()
    };
    let (fixed, free) = (
        finished(Condition::ALL_FIXED),
        finished(Condition::ALL_FREE),
    );
    let &(fixed_test, fixed_fresh) = fixed.first()?;
    if free.len() < 2 {
        return None;
    }
    let higher = session.metric().higher_is_better();
    let test: Vec<f64> = free.iter().map(|p| p.0).collect();
    let fresh: Vec<f64> = free.iter().map(|p| p.1).collect();
    let on_test = better_than_share(fixed_test, &test, higher) * 100.0;
    let on_fresh = better_than_share(fixed_fresh, &fresh, higher) * 100.0;
    let reading = if (on_fresh - 50.0).abs() < 25.0 && (on_test - 50.0).abs() >= 25.0 {
        "on fresh data the fixed seed's run is typical: its luck was the test set's"
    } else if (on_fresh - 50.0).abs() >= 25.0 {
        "on fresh data too it stands apart: the model it trained is not a typical one"
    } else {
        "typical on both"
    };
    Some(format!(
        "The fixed seed's run (all-fixed) beats {on_test:.0}% of the all-free runs on the test set and {on_fresh:.0}% on fresh data: {reading}."
    ))
}
