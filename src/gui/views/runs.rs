//! One row per run, sortable; Replay re-trains a run and shows whether its hash matched.

use eframe::egui::{self, Color32, RichText};

use std::collections::HashMap;

use crate::engine::record::RunRecord;
use crate::engine::replay::ReplayVerdict;
use crate::gui::intent::Intent;
use crate::gui::palette::condition_color;
use crate::gui::session::Session;
use crate::gui::tasks::ReplayState;

#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
enum SortKey {
    #[default]
    Order,
    Condition,
    Threads,
    Train,
    Test,
    Hash,
    Time,
}

fn sort_key_id() -> egui::Id {
    egui::Id::unique("runs-sort")
}

fn compare(key: SortKey, a: &RunRecord, b: &RunRecord) -> std::cmp::Ordering {
    let metric = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    match key {
        SortKey::Order => std::cmp::Ordering::Equal,
        SortKey::Condition => a
            .condition
            .to_string()
            .cmp(&b.condition.to_string())
            .then(a.run_index.cmp(&b.run_index)),
        SortKey::Threads => a.threads.cmp(&b.threads),
        SortKey::Train => metric(a.final_train_metric).total_cmp(&metric(b.final_train_metric)),
        SortKey::Test => metric(a.final_test_metric).total_cmp(&metric(b.final_test_metric)),
        SortKey::Hash => a.weights_hash.cmp(&b.weights_hash),
        SortKey::Time => a.wall_ms.total_cmp(&b.wall_ms),
    }
}

pub fn show(
    ui: &mut egui::Ui,
    session: &Session,
    replays: &HashMap<usize, ReplayState>,
    app_intents: &mut Vec<Intent>,
) {
    let (mut key, mut descending): (SortKey, bool) =
        ui.data(|d| d.get_temp(sort_key_id())).unwrap_or_default();
    let order = super::cached(
        ui,
        "runs-order",
        (key, descending, session.revision()),
        || {
            let mut order: Vec<usize> = (0..session.runs.len()).collect();
            order.sort_by(|&a, &b| {
                let ordering = compare(key, &session.runs[a], &session.runs[b]);
                if descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
            order
        },
    );
    ui.label(format!(
        "{} runs. Click a column to sort. Hover a row's seeds to see every source's seed. Replay re-trains a run from its recorded seeds and compares weight hashes.",
        session.runs.len()
    ));
    let page = page_picker(ui, order.len());
    let mut intents = Vec::new();
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("runs")
                .striped(true)
                .min_col_width(40.0)
                .show(ui, |ui| {
                    header_row(ui, &mut key, &mut descending);
                    for &position in &order[page] {
                        let run = &session.runs[position];
                        run_row(ui, run, position, replays.get(&position), &mut intents);
                        ui.end_row();
                    }
                });
        });
    ui.data_mut(|d| d.insert_temp(sort_key_id(), (key, descending)));
    app_intents.extend(intents);
}

/// Rows shown at once: a table of 100,000 rows is laid out row by row in every frame.
pub const PAGE_ROWS: usize = 250;

/// "Rows 1–250 of 100,000" with previous and next buttons when the runs fill more than a
/// page; the rows of the page on screen.
fn page_picker(ui: &mut egui::Ui, rows: usize) -> std::ops::Range<usize> {
    let id = egui::Id::unique("runs-page");
    let pages = rows.div_ceil(PAGE_ROWS).max(1);
    let mut page: usize = ui.data(|d| d.get_temp(id)).unwrap_or(0).min(pages - 1);
    if pages > 1 {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(page > 0, egui::Button::new("‹ Previous"))
                .on_hover_text(format!("The previous {PAGE_ROWS} rows"))
                .clicked()
            {
                page -= 1;
            }
            let first = page * PAGE_ROWS;
            ui.label(format!(
                "Rows {}–{} of {rows}",
                first + 1,
                (first + PAGE_ROWS).min(rows)
            ));
            if ui
                .add_enabled(page + 1 < pages, egui::Button::new("Next ›"))
                .on_hover_text(format!("The next {PAGE_ROWS} rows"))
                .clicked()
            {
                page += 1;
            }
            let mut shown = page + 1;
            ui.label("page");
            if ui
                .add(egui::DragValue::new(&mut shown).range(1..=pages))
                .on_hover_text(format!("Go to a page (1 to {pages})"))
                .changed()
            {
                page = shown - 1;
            }
            ui.label(format!("of {pages}"));
        });
    }
    ui.data_mut(|d| d.insert_temp(id, page));
    let first = page * PAGE_ROWS;
    first.min(rows)..(first + PAGE_ROWS).min(rows)
}

/// The column titles; a click sorts by that column, a second click reverses the order.
fn header_row(ui: &mut egui::Ui, key: &mut SortKey, descending: &mut bool) {
    let headers = [
        ("condition", SortKey::Condition),
        ("run", SortKey::Order),
        ("threads", SortKey::Threads),
        ("train", SortKey::Train),
        ("test", SortKey::Test),
        ("weights hash", SortKey::Hash),
        ("ms", SortKey::Time),
    ];
    for (title, header_key) in headers {
        let arrow = if *key == header_key {
            if *descending { " (desc)" } else { " (asc)" }
        } else {
            ""
        };
        if ui
            .button(RichText::new(format!("{title}{arrow}")).strong())
            .clicked()
        {
            if *key == header_key {
                *descending = !*descending;
            } else {
                *key = header_key;
                *descending = false;
            }
        }
    }
    ui.label(RichText::new("seeds").strong());
    ui.label(RichText::new("status").strong());
    ui.label(RichText::new("replay").strong());
    ui.end_row();
}

/// One run: its numbers, seeds, status, and its replay button or verdict.
fn run_row(
    ui: &mut egui::Ui,
    run: &RunRecord,
    position: usize,
    replay: Option<&ReplayState>,
    intents: &mut Vec<Intent>,
) {
    ui.label(RichText::new(run.condition.to_string()).color(condition_color(&run.condition)));
    ui.label(run.run_index.to_string());
    ui.label(format!(
        "{}{}",
        run.threads,
        if run.racing { " (race)" } else { "" }
    ));
    let show = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.4}"));
    ui.label(show(run.final_train_metric));
    ui.label(show(run.final_test_metric));
    ui.monospace(&run.weights_hash[..run.weights_hash.len().min(12)]);
    ui.label(format!("{:.0}", run.wall_ms));
    let seeds: Vec<String> = run.seeds.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    ui.label("seeds…").on_hover_text(seeds.join("\n"));
    // A failure's message (a command's exit status and the end of its stderr) is on hover:
    // in the cell it pushed the replay column out of the window.
    let status = if run.error.is_some() {
        RichText::new("failed").color(Color32::RED)
    } else if run.diverged {
        RichText::new("diverged").color(Color32::from_rgb(0xc0, 0x60, 0x00))
    } else if !run.replayable {
        RichText::new("not replayable").color(Color32::DARK_GRAY)
    } else {
        RichText::new("ok")
    };
    let status = ui.label(status);
    if let Some(why) = run.error.as_ref().or(run.not_replayable_reason.as_ref()) {
        status.on_hover_text(why);
    }
    match replay {
        Some(ReplayState::Running) => {
            ui.spinner();
        }
        Some(ReplayState::Done(Ok(ReplayVerdict::Match { .. }))) => {
            ui.label(RichText::new("hash matches").color(Color32::from_rgb(0x10, 0x80, 0x10)));
        }
        Some(ReplayState::Done(Ok(ReplayVerdict::Mismatch { .. }))) => {
            ui.label(RichText::new("hash differs").color(Color32::RED));
        }
        Some(ReplayState::Done(Ok(ReplayVerdict::NotReplayable { reason }))) => {
            ui.label("not replayable").on_hover_text(reason);
        }
        Some(ReplayState::Done(Err(error))) => {
            ui.label(RichText::new("error").color(Color32::RED))
                .on_hover_text(error);
        }
        None => {
            if ui
                .add_enabled(run.error.is_none(), egui::Button::new("Replay"))
                .clicked()
            {
                intents.push(Intent::Replay(position));
            }
        }
    }
}
