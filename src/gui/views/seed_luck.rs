//! Seed luck: the result a fixed seed reports, read against what training gives when every
//! source is free — its percentile, the typical run, and what picking the best seed inflates
//! a result to. Fixing seeds makes a result repeatable, not representative.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot, VLine};

use super::{condition_names, condition_picker, keep_valid, metric_label};
use crate::analysis::reading::{
    LuckReading, PairReading, gap_side, luck_word, ordinal, percentile_text,
};
use crate::analysis::summary::format_value;
use crate::engine::metric::Metric;
use crate::gui::session::Session;
use crate::gui::state::Settings;

/// The free runs' bars and the fixed-seed marker: a calm blue and a red that stands out on
/// it, rather than the conditions' own near-black and grey, which would vanish here.
const FREE_RUNS: Color32 = Color32::from_rgb(0x6b, 0x9b, 0xd1);
const FIXED_RESULT: Color32 = Color32::from_rgb(0xd6, 0x27, 0x28);

fn value(x: f64) -> String {
    format_value(Some(x))
}

pub fn show(ui: &mut egui::Ui, session: &Session, settings: &mut Settings, capturing: bool) {
    let names = condition_names(&session.config);
    keep_valid(&mut settings.luck_fixed, &names, 0);
    keep_valid(&mut settings.luck_free, &names, 1);
    ui.horizontal(|ui| {
        condition_picker(ui, "Fixed seed", &mut settings.luck_fixed, &names);
        condition_picker(ui, "read against", &mut settings.luck_free, &names);
    });
    let (fixed, free) = (settings.luck_fixed.clone(), settings.luck_free.clone());
    let Some(reading) = super::cached_pair_reading(ui, session, "seed-luck-cache", &fixed, &free)
    else {
        let runs = session.runs_of(&fixed).count() + session.runs_of(&free).count();
        super::computing_note(ui, runs);
        return;
    };
    match reading {
        Ok(PairReading::SeedLuck(luck)) if luck.fixed_condition == fixed => {
            ui.add_space(6.0);
            luck_summary(ui, &luck, &session.metric(), session.master_seed, true);
            super::test_noise_line(ui, session, &fixed, &free);
            let free_values = super::cached_metrics(ui, session, &free);
            luck_plot(ui, &luck, &free_values, session, capturing);
        }
        Ok(_) => {
            let (values, hashes) = session.outcomes(&fixed);
            let distinct = hashes
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len();
            let message = if distinct > 1 {
                format!(
                    "{fixed} is not one outcome: its {} runs gave {distinct} different results. Seed luck \
                     reads the one result a fixed seed gives: pick all-fixed (or another condition whose \
                     runs are bitwise identical).",
                    values.len()
                )
            } else {
                format!(
                    "{free} is one outcome too, so there is no spread to read {fixed} against: pick a \
                     condition with free sources, such as all-free."
                )
            };
            ui.label(RichText::new(message).size(16.0));
        }
        Err(message) => {
            ui.label(RichText::new(message).color(Color32::DARK_RED));
        }
    }
}

/// The reading in words: the headline, the typical run, the cherry-picked best, and the
/// expected best of k seeds. Also drawn by the Compare view when one side is one outcome.
pub fn luck_summary(
    ui: &mut egui::Ui,
    luck: &LuckReading,
    metric: &Metric,
    master_seed: u64,
    with_best_of_k: bool,
) {
    let l = &luck.luck;
    let free = &luck.free_condition;
    ui.label(
        RichText::new(format!(
            "The result you would have reported with seed {master_seed}, {}, sits at the {} of what {free} gives",
            value(l.fixed),
            percentile_text(l.percentile)
        ))
        .size(19.0)
        .strong(),
    );
    ui.label(
        RichText::new(format!(
            "95% CI: {} to {}. Every run of {} is this one outcome; had it been one of {}'s {} runs, it would be {}: {} the typical run (median {}, IQR {}).",
            ordinal(l.percentile_ci.0),
            ordinal(l.percentile_ci.1),
            luck.fixed_condition,
            free,
            l.n_free,
            luck_word(l.percentile),
            gap_side(l.gap, metric),
            value(l.median),
            value(l.iqr)
        ))
        .size(15.0),
    );
    ui.label(
        RichText::new(format!(
            "A cherry-picked best-of-{} seed reports {}, {} the median; the worst reports {}.",
            l.n_free,
            value(l.best),
            gap_side(l.best - l.median, metric),
            value(l.worst)
        ))
        .size(15.0),
    );
    if !with_best_of_k {
        ui.label(
            RichText::new(
                "The Seed luck tab shows what picking the best of 3, 5, 10 seeds reports.",
            )
            .weak(),
        );
        return;
    }
    ui.add_space(4.0);
    egui::Grid::new("best-of-k").striped(true).show(ui, |ui| {
        ui.label(RichText::new("pick the best of k seeds").strong());
        for (k, _) in &l.best_of_k {
            ui.label(RichText::new(format!("k = {k}")).strong());
        }
        ui.end_row();
        ui.label("expected result");
        for (_, expected) in &l.best_of_k {
            ui.label(value(*expected));
        }
        ui.end_row();
        ui.label("inflation over the median");
        for (_, expected) in &l.best_of_k {
            ui.label(gap_side(expected - l.median, metric));
        }
        ui.end_row();
    });
    ui.label(
        RichText::new(format!(
            "{} is one outcome repeated {} times: no t-test applies. Fixing seeds makes a result repeatable, not representative.",
            luck.fixed_condition, luck.fixed_runs
        ))
        .weak(),
    );
}

/// The free runs as a histogram, with the fixed-seed result and the median marked.
pub fn luck_plot(
    ui: &mut egui::Ui,
    luck: &LuckReading,
    free_values: &[f64],
    session: &Session,
    capturing: bool,
) {
    let l = &luck.luck;
    let bins = histogram(free_values, 15);
    let bars: Vec<Bar> = bins
        .iter()
        .map(|&(center, width, count)| {
            Bar::new(center, count as f64)
                .width(width * 0.85)
                .fill(FREE_RUNS)
                .name(format!("{count} runs at {}", value(center)))
        })
        .collect();
    Plot::new("seed-luck-plot")
        .legend(Legend::default())
        .custom_x_axes(vec![super::axes::x_axis(metric_label(&session.metric()))])
        .custom_y_axes(vec![super::axes::y_axis(format!(
            "{} runs",
            luck.free_condition
        ))])
        .show_x(!capturing)
        .show_y(!capturing)
        .allow_scroll(false)
        .include_y(0.0)
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new(format!("{} ({} runs)", luck.free_condition, l.n_free), bars)
                    .color(FREE_RUNS),
            );
            plot.vline(
                VLine::new(
                    format!(
                        "seed {} ({}): {}",
                        session.master_seed,
                        luck.fixed_condition,
                        value(l.fixed)
                    ),
                    l.fixed,
                )
                .color(FIXED_RESULT)
                .width(3.0),
            );
            plot.vline(
                VLine::new(format!("median: {}", value(l.median)), l.median)
                    .color(Color32::GRAY)
                    .style(egui_plot::LineStyle::dashed_loose())
                    .width(1.5),
            );
        });
}

/// The values as bars: one per distinct value when there are few (accuracy on a test set
/// takes only multiples of 1/n), else `bins` equal-width bins. (center, width, count).
fn histogram(values: &[f64], bins: usize) -> Vec<(f64, f64, usize)> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for v in sorted {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let (low, high) = (distinct[0].0, distinct[distinct.len() - 1].0);
    if distinct.len() <= 2 * bins {
        let gap = distinct
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .fold(f64::INFINITY, f64::min);
        let width = if gap.is_finite() { gap } else { 0.01 };
        return distinct.into_iter().map(|(v, n)| (v, width, n)).collect();
    }
    let width = (high - low) / bins as f64;
    let mut counts = vec![0usize; bins];
    for v in values {
        let bin = (((v - low) / width) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .filter(|(_, count)| *count > 0)
        .map(|(i, count)| (low + (i as f64 + 0.5) * width, width, count))
        .collect()
}
