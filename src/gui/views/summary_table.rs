//! The table under Distributions: one row per condition, with short headers (each explained
//! on hover) so it stays inside the window at 1280×800.

use eframe::egui::{self, RichText};

use crate::analysis::summary::format_value as format;
use crate::gui::palette::condition_color;
use crate::gui::session::Session;

pub(super) fn summary_table(session: &Session, ui: &mut egui::Ui) {
    egui::Grid::new("distribution-summary")
        .striped(true)
        .min_col_width(60.0)
        .show(ui, |ui| {
            // Short headers keep the table inside the view at 1280×800; each says more on hover.
            for (header, meaning) in [
                ("condition", "The sources this condition frees; every other seed is fixed."),
                ("n", "Finished runs."),
                ("mean", "Mean of the final test metric."),
                ("std", "Run-to-run standard deviation of the final test metric."),
                ("95% CI", "95% confidence interval of the mean (Student's t)."),
                ("min – max", "The lowest and highest run."),
                ("distinct", "How many distinct final weights the runs produced (1: bitwise identical)."),
                ("noise", "The share of the variance that test-set noise (the test points' coin flips) explains."),
                ("fresh std", "The std of the same runs scored on fresh points from the data set's generator."),
                ("", "Notes: bitwise identical, diverged or failed runs."),
            ] {
                ui.label(RichText::new(header).strong()).on_hover_text(meaning);
            }
            ui.end_row();
            for (s, condition) in session.summaries.iter().zip(&session.config.conditions) {
                ui.label(
                    RichText::new(s.condition.to_string())
                        .color(condition_color(condition))
                        .strong(),
                );
                ui.label(s.n.to_string());
                ui.label(format(s.mean));
                ui.label(format(s.std));
                ui.label(match (s.ci95_low, s.ci95_high) {
                    (Some(l), Some(h)) => format!("[{}, {}]", format(Some(l)), format(Some(h))),
                    _ => "–".into(),
                });
                ui.label(format!("{} – {}", format(s.min), format(s.max)));
                ui.label(s.distinct_hashes.to_string());
                match s.noise_share {
                    Some(share) => ui.label(format!("{:.0}%", share * 100.0)),
                    None => ui
                        .label("–")
                        .on_hover_text(s.noise_note.as_deref().unwrap_or("the runs do not spread")),
                };
                ui.label(format(s.fresh_std));
                // Short notes keep the table inside the window; the reasons are on hover.
                let (short, long) = (s.short_notes(), s.notes());
                let notes = ui.label(short.join(", "));
                if short != long {
                    notes.on_hover_text(long.join("\n"));
                }
                ui.end_row();
            }
        });
}
