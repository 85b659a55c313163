//! Which sources matter: the std of the test metric per condition, as bars, sorted; each bar
//! split into the model's own spread and test-set noise where it can be (docs/test-set-noise.md).

use eframe::egui::{self, RichText};
use eframe::egui::{Color32, Stroke};
use egui_plot::{Bar, BarChart, Line, MarkerShape, Plot, Points};

use super::category_axis::category_axis;
use super::metric_label;
use crate::analysis::agreement::{matched_by_position, why_no_churn_of};
use crate::analysis::noise_reading::noise_reading;
use crate::analysis::summary::ConditionSummary;
use crate::gui::palette::condition_color_by_name;
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// What the reading's terms mean, on hover (issue 37 item 9).
const NOISE_TERMS: &str = "pp: percentage points, hundredths of accuracy (0.90 pp is 0.0090). \
    Coin flips: each test point right or wrong by chance, independently, at its own error rate \
    — the spread a different test set of the same size would give a model that did not change \
    at all. What is left after taking that out is the model's own spread.";

/// A command's runs: what they say about the randomness it does not control, on top.
fn diagnosis(ui: &mut egui::Ui, session: &Session) {
    use crate::analysis::diagnosis::all_clear;
    use crate::analysis::diagnosis::{Finding, diagnose};
    let findings = diagnose(&session.config.conditions, &session.runs);
    if findings.is_empty() {
        // Said only once each condition it speaks of has the runs to show it (not at 2 of 24).
        if all_clear(&session.config.conditions, &session.runs) {
            ui.add(
                egui::Label::new(
                    RichText::new("Diagnosis: every fixed source gave one outcome, and every freed seed moved the result.")
                        .size(15.0)
                        .color(Color32::from_rgb(0x1a, 0x7f, 0x37)),
                )
                .wrap(),
            );
        }
        return;
    }
    for finding in findings {
        let colour = match finding {
            Finding::UncontrolledRandomness { .. } => crate::gui::palette::WARNING,
            Finding::IgnoresSeed { .. } | Finding::IgnoresOneSeed { .. } => {
                Color32::from_rgb(0x8a, 0x5a, 0x00)
            }
        };
        ui.add(
            egui::Label::new(
                RichText::new(format!("Diagnosis: {}.", finding.text()))
                    .size(15.0)
                    .color(colour),
            )
            .wrap(),
        );
    }
}

// egui drawing code: it reads top to bottom as the view appears on screen.
pub fn show(ui: &mut egui::Ui, session: &Session, settings: &Settings, capturing: bool) {
    let metric = session.metric();
    let mut rows: Vec<_> = session
        .summaries
        .iter()
        .filter(|s| s.std.is_some())
        .collect();
    rows.sort_by(|a, b| b.std.unwrap_or(0.0).total_cmp(&a.std.unwrap_or(0.0)));
    ui.label(
        RichText::new(format!(
            "Run-to-run std of the {} per condition, largest first",
            metric_label(&metric)
        ))
        .size(16.0)
        .strong(),
    );
    let capabilities = session.config.capabilities();
    if capabilities.diagnosable {
        diagnosis(ui, session);
    }
    if capabilities.one_seed
        && let Some(reading) =
            crate::analysis::one_seed::one_seed_reading(&session.summaries, &metric)
    {
        ui.add(egui::Label::new(RichText::new(format!("Reading: {reading}.")).size(15.0)).wrap());
    }
    if rows.is_empty() {
        // One run has no spread: empty axes would read as "no spread anywhere".
        ui.label(
            "No condition has two finished runs yet, and a spread needs at least two: \
             raise Repeats (30 is a good start).",
        );
        return;
    }
    let drawn = capabilities.draws_its_data;
    let fresh_points = capabilities.fresh_words();
    if let Some(reading) = noise_reading(&session.summaries, &metric, drawn, &fresh_points) {
        ui.label(RichText::new(reading).size(15.0))
            .on_hover_text(NOISE_TERMS);
    }
    let fresh = if session.runs.iter().any(|r| r.fresh_metric.is_some()) {
        " Black diamonds: the spread on fresh points (a larger held-out sample), the direct measurement."
    } else {
        ""
    };
    ui.label(format!("Each bar is the spread on the test set. Where every run was scored on the same test points, its dark part is the model's own spread (estimated) with the upper end of its 95% interval as a whisker, and its pale part is test-set noise: which borderline points happen to fall on which side.{fresh} A free split or data source tests each run on different points, and runs that report no per-example errors cannot be taken apart point by point: such a bar cannot be split and is drawn as an outline."));
    ui.label(
        RichText::new(super::runs_needed::runs_for_epsilon_line(
            ui, session, settings,
        ))
        .weak(),
    );
    let names: Vec<String> = rows.iter().map(|s| s.condition.to_string()).collect();
    let parts = SplitBars::of(&rows);
    let churn_panel = metric.is_share_of_points();
    // Churn is a share of test points, not a std of the metric: it gets its own panel and axis
    // below, so no bar is read in the other's unit.
    let spread_height = if churn_panel {
        (ui.available_height() * 0.66).max(160.0)
    } else {
        ui.available_height()
    };
    let y_label = format!("std of {}", metric_label(&metric));
    legend(ui, &parts, &rows);
    let spread_panel = bar_panel(ui, "sources", &names, y_label, spread_height, capturing);
    spread_panel.show(ui, |plot| {
        // Bars take their condition's colour; the legend's neutral swatches say which kind
        // of bar is which, not which condition.
        plot.bar_chart(BarChart::new(DARK, parts.real).color(Color32::from_gray(60)));
        plot.bar_chart(BarChart::new(PALE, parts.noise).color(Color32::from_gray(200)));
        plot.bar_chart(BarChart::new(outline_label(&rows), parts.whole).color(OUTLINE_GREY));
        for segment in parts.whiskers {
            plot.line(
                Line::new("", segment.to_vec())
                    .color(Color32::BLACK)
                    .width(1.5),
            );
        }
        if !parts.fresh.is_empty() {
            plot.points(
                Points::new(DIAMOND, parts.fresh)
                    .shape(MarkerShape::Diamond)
                    .radius(6.0)
                    .color(Color32::BLACK),
            );
        }
    });
    if churn_panel {
        churn_plot(ui, session, &rows, names, parts.churn, capturing);
    }
}

const DARK: &str = "dark: the model's own spread";
const PALE: &str = "pale: test-set noise";
const DIAMOND: &str = "diamond: spread on fresh data";
const OUTLINE_GREY: Color32 = Color32::from_gray(120);

/// The legend, above the plot: an entry for each kind of mark the plot draws.
fn legend(ui: &mut egui::Ui, parts: &SplitBars, rows: &[&ConditionSummary]) {
    use super::swatches::{Swatch, legend_row};
    let mut entries = Vec::new();
    if !parts.real.is_empty() {
        entries.push((Swatch::Filled(Color32::from_gray(60)), DARK));
        entries.push((Swatch::Filled(Color32::from_gray(200)), PALE));
    }
    if !parts.whole.is_empty() {
        entries.push((Swatch::Outlined(OUTLINE_GREY), outline_label(rows)));
    }
    if !parts.fresh.is_empty() {
        entries.push((Swatch::Diamond(Color32::BLACK), DIAMOND));
    }
    legend_row(ui, &entries);
}

/// The outline bars' legend entry, with the reason that holds for them: no per-example errors
/// reported (a command's), or a free split or data source.
fn outline_label(rows: &[&ConditionSummary]) -> &'static str {
    let outlined: Vec<&&ConditionSummary> = rows.iter().filter(|s| s.noise_std.is_none()).collect();
    let no_errors = |s: &&&ConditionSummary| {
        s.noise_note
            .as_deref()
            .is_some_and(|note| note.contains("per-example errors"))
    };
    if !outlined.is_empty() && outlined.iter().all(no_errors) {
        "outline: cannot be split (the runs report no per-example errors)"
    } else if outlined.iter().any(no_errors) {
        "outline: cannot be split (split or data free, or no per-example errors)"
    } else {
        "outline: cannot be split (split or data free)"
    }
}

/// A panel of one bar a condition (`names` along x, their x axes linked) from 0 up.
fn bar_panel(
    ui: &egui::Ui,
    id: &str,
    names: &[String],
    y_label: String,
    height: f32,
    capturing: bool,
) -> Plot<'static> {
    let right = names.len() as f64 - 0.4;
    Plot::new(id)
        .custom_x_axes(vec![category_axis(ui, names)])
        .custom_y_axes(vec![super::axes::y_axis(y_label)])
        .include_y(0.0)
        .include_x(-0.6)
        .include_x(right)
        .height(height)
        .link_axis(egui::Id::unique("sources-x"), [true, false])
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
}

/// Churn, the share of test points two runs classify differently, on its own axis, and why a
/// condition has none.
fn churn_plot(
    ui: &mut egui::Ui,
    session: &Session,
    rows: &[&ConditionSummary],
    names: Vec<String>,
    churn: Vec<Bar>,
    capturing: bool,
) {
    let missing: Vec<(String, &'static str)> = rows
        .iter()
        .filter(|s| s.churn.is_none())
        .filter_map(|s| {
            let name = s.condition.to_string();
            let reports_points = session
                .runs_of(&name)
                .any(|r| r.error.is_none() && !r.test_predictions.is_empty());
            why_no_churn_of(&s.condition, reports_points, || {
                matched_by_position(session.runs_of(&name))
            })
            .map(|why| (s.condition.to_string(), why))
        })
        .collect();
    // Conditions with the same reason share one sentence.
    let mut note = String::new();
    for (i, (_, why)) in missing.iter().enumerate() {
        if missing[..i].iter().any(|(_, earlier)| earlier == why) {
            continue;
        }
        let alike: Vec<&str> = missing
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(name, _)| name.as_str())
            .collect();
        note.push_str(&format!("No churn for {}: {why}. ", alike.join(", ")));
    }
    // The note is laid out first, at the bottom, sized to however many lines it wraps to;
    // the panel takes what is left.
    if !note.is_empty() {
        egui::Panel::bottom("sources-churn-note")
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                ui.add(egui::Label::new(RichText::new(note.trim_end()).weak()).wrap());
            });
    }
    // Said above the panel rather than in a legend, which would cover the bars.
    ui.label(
        RichText::new("Churn: the share of test points two runs classify differently").strong(),
    );
    let height = ui.available_height().max(90.0);
    let y_label = "churn".to_string();
    bar_panel(ui, "sources-churn", &names, y_label, height, capturing).show(ui, |plot| {
        plot.bar_chart(BarChart::new(CHURN_BARS, churn).color(CHURN_GREY));
    });
}

/// The churn bars' name (on hover); the panel's heading says what they are.
const CHURN_BARS: &str = "churn";

/// Churn is another quantity, not a part of the spread: one neutral grey for every condition
/// keeps it from reading as the pale (test-set noise) part of a bar.
const CHURN_GREY: Color32 = Color32::from_gray(165);

/// The plot's pieces, one set per condition.
struct SplitBars {
    /// The model's own spread (true std, at most the test-set std), from 0.
    real: Vec<Bar>,
    /// The rest of the test-set std, stacked on `real`.
    noise: Vec<Bar>,
    /// The whole test-set std, where the runs' test points differ.
    whole: Vec<Bar>,
    churn: Vec<Bar>,
    /// The true std's 95% upper bound, from the top of `real`.
    whiskers: Vec<[[f64; 2]; 2]>,
    /// The fresh-data std of each condition that has one.
    fresh: Vec<[f64; 2]>,
}

impl SplitBars {
    fn of(rows: &[&ConditionSummary]) -> SplitBars {
        let mut bars = SplitBars {
            real: Vec::new(),
            noise: Vec::new(),
            whole: Vec::new(),
            churn: Vec::new(),
            whiskers: Vec::new(),
            fresh: Vec::new(),
        };
        for (i, s) in rows.iter().enumerate() {
            let x = i as f64;
            let std = s.std.unwrap_or(0.0);
            let color = condition_color_by_name(&s.condition);
            match (s.true_std, s.true_std_upper, s.noise_share) {
                (Some(true_std), Some(upper), Some(share)) => {
                    let real = true_std.min(std);
                    bars.real.push(
                        Bar::new(x, real)
                            .width(0.42)
                            .name(format!(
                                "{}: the model's own spread ≈ {real:.4} (at most {upper:.4})",
                                s.condition
                            ))
                            .fill(color),
                    );
                    bars.noise.push(
                        Bar::new(x, std - real)
                            .width(0.42)
                            .base_offset(real)
                            .name(format!(
                                "{}: std {std:.4} on the test set, {:.0}% of its variance test-set noise",
                                s.condition,
                                share * 100.0
                            ))
                            .fill(color.gamma_multiply(0.3)),
                    );
                    bars.whiskers.push([[x, real], [x, upper]]);
                }
                // The third style: an outline with a faint fill, so it is not read as the
                // dark (model's own spread) part of a split bar.
                _ => bars.whole.push(
                    Bar::new(x, std)
                        .width(0.42)
                        .stroke(Stroke::new(2.5, color))
                        .name(format!(
                            "{}: std {std:.4}, range {:.4} – {:.4}; test points differ between runs",
                            s.condition,
                            s.min.unwrap_or(0.0),
                            s.max.unwrap_or(0.0)
                        ))
                        .fill(color.gamma_multiply(0.12)),
                ),
            }
            if let Some(churn) = s.churn {
                bars.churn.push(
                    Bar::new(x, churn)
                        .width(0.42)
                        .name(format!("{}: churn {:.1}%", s.condition, churn * 100.0))
                        .fill(CHURN_GREY),
                );
            }
            if let Some(fresh) = s.fresh_std {
                bars.fresh.push([x, fresh]);
            }
        }
        bars
    }
}
