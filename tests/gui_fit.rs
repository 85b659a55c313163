//! Nothing the window draws is cut off at 1280×800, the smallest size the app supports: every
//! labelled widget of every view lies inside the window, with a finished sweep, a History whose
//! seed has 20 digits, and the progress line of a resumed sweep.
#![cfg(feature = "gui")]

mod common;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::{Settings, View};
use seedscope::records::store::RunStore;

use common::gui::{FixedPicker, harness_sized, step_until};

const WIDTH: f32 = 1280.0;
const HEIGHT: f32 = 800.0;

/// Every labelled node that reaches past the window, as "label (role): rect". Nothing may
/// pass its right or left edge. Below the bottom edge only what scrolls may go on: the settings
/// panel (left of the view tabs) and the views drawn in a scroll area (`scrolls`).
fn cut_off(harness: &Harness<'_, SeedscopeApp>, scrolls: bool) -> Vec<String> {
    let views_left = harness.get_by_label("Distributions").rect().left() - 4.0;
    let mut out = Vec::new();
    for node in harness.root().children_recursive() {
        let accesskit = node.accesskit_node();
        let label = accesskit
            .label()
            .or_else(|| accesskit.value())
            .unwrap_or_default();
        if label.trim().is_empty() || accesskit.bounding_box().is_none() {
            continue;
        }
        let rect = node.rect();
        let in_panel = rect.right() <= views_left;
        let past_side = rect.left() < -0.5 || rect.right() > WIDTH + 0.5;
        let past_bottom =
            !in_panel && !scrolls && (rect.top() < -0.5 || rect.bottom() > HEIGHT + 0.5);
        if past_side || past_bottom {
            out.push(format!("{label:?} ({:?}): {rect:?}", accesskit.role()));
        }
    }
    out
}

/// The progress bar's text is drawn inside the bar: the bar must be as wide as its text.
fn progress_cut_off(harness: &Harness<'_, SeedscopeApp>) -> Vec<String> {
    let mut out = Vec::new();
    for node in harness.root().children_recursive() {
        let accesskit = node.accesskit_node();
        if accesskit.role() != egui::accesskit::Role::ProgressIndicator {
            continue;
        }
        let text = accesskit.label().unwrap_or_default();
        assert!(text.contains("runs"), "the progress line: {text:?}");
        let font = egui::TextStyle::Button.resolve(&harness.ctx.global_style());
        let width = harness
            .ctx
            .fonts_mut(|f| f.layout_no_wrap(text.clone(), font, egui::Color32::BLACK))
            .size()
            .x;
        if node.rect().width() < width {
            out.push(format!(
                "progress {text:?}: {width:.0} px of text in a {:.0} px bar",
                node.rect().width()
            ));
        }
    }
    out
}

#[test]
fn every_view_fits_a_1280_by_800_window() {
    let dir = common::temp_dir("gui-fit");
    let store = dir.join("store.sqlite");
    let mut config = seedscope::engine::presets::default_config();
    config.data.samples = 60;
    config.training.epochs = 3;
    config.repeats = 6;
    let mut settings = Settings::from_config(config, "circles");
    // The longest seed there is: 20 digits in History's seed column.
    settings.master_seed = u64::MAX;
    let mut harness = window(settings, &dir, Some(&store));
    run_sweep(&mut harness);
    // Resume a larger sweep, part of it from the store: the progress line is at its longest
    // ("3600 / 3600 runs · 48 from store, 3552 to train · 1.2 s elapsed · ETA 3.4 s").
    harness.state_mut().settings.config.repeats = 450;
    harness.run_ok();
    step_until(&mut harness, "the store", |app| !app.is_reading_store());
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to be under way", |app| {
        app.is_running()
            && app
                .session
                .as_ref()
                .is_some_and(|s| s.runs.len() > s.from_store + 200 && s.eta().is_some())
    });
    let mut problems = progress_cut_off(&harness);
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    problems.extend(progress_cut_off(&harness));
    problems.extend(every_view_cut_off(&mut harness));
    assert_nothing_cut_off(&problems);
}

/// The app at 1280×800 on `settings`, with a run store in `store` or none, once the store is read.
fn window(
    settings: Settings,
    dir: &std::path::Path,
    store: Option<&std::path::Path>,
) -> Harness<'static, SeedscopeApp> {
    let app = SeedscopeApp::new(
        settings,
        Box::new(FixedPicker(dir.join("unused.png"))),
        Box::new(RendererCapture),
    )
    .with_store(store.map(|path| RunStore::open(path).unwrap()));
    let mut harness = harness_sized(app, WIDTH, HEIGHT);
    harness.run_ok();
    step_until(&mut harness, "the store", |app| !app.is_reading_store());
    harness
}

/// Clicks Run and waits for the sweep to finish.
fn run_sweep(harness: &mut Harness<'_, SeedscopeApp>) {
    harness.get_by_label("Run").click();
    step_until(harness, "the sweep to start", |app| app.session.is_some());
    step_until(harness, "the sweep to finish", |app| !app.is_running());
}

fn assert_nothing_cut_off(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "cut off at 1280×800:\n{}",
        problems.join("\n")
    );
}

/// Shows each view in turn and lists what any of them draws past the window.
fn every_view_cut_off(harness: &mut Harness<'_, SeedscopeApp>) -> Vec<String> {
    let mut problems = Vec::new();
    for view in View::ALL {
        harness.state_mut().settings.view = view;
        // Figures are computed on threads: step until they are drawn.
        for _ in 0..40 {
            harness.step();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        harness.run_ok();
        let scrolls = matches!(view, View::History | View::Runs);
        for cut in cut_off(harness, scrolls) {
            problems.push(format!("{view:?}: {cut}"));
        }
    }
    problems
}

/// A command's results carry the table's longest notes ("identical results (no weights hash
/// reported), 1 failed") and a failed run's message: they too stay inside the window, the
/// notes' reason and the message on hover.
#[test]
fn a_commands_longest_notes_fit_a_1280_by_800_window() {
    let dir = common::temp_dir("gui-fit-notes");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/command/bad.py");
    let out = dir.join("results.json");
    let output = common::command_run(
        &dir,
        &format!("python3 {} one_fails", script.display()),
        &out,
        &["--conditions", "all-fixed,only-init", "--repeats", "3"],
    );
    assert!(output.status.success(), "{output:?}");
    let mut harness = window(Settings::default(), &dir, None);
    harness.state_mut().open_dropped(&out);
    harness.run_ok();
    assert!(
        harness
            .state()
            .session
            .as_ref()
            .is_some_and(|s| s.runs.len() == 6),
        "the results file opens"
    );
    harness.state_mut().settings.view = View::Distributions;
    harness.run_ok();
    let notes = "identical results, 1 failed";
    assert!(
        harness.query_all_by_label_contains(notes).next().is_some(),
        "the notes are shown"
    );
    assert_nothing_cut_off(&every_view_cut_off(&mut harness));
}

/// An experiment is named by its data: a CSV file with a long name is named in the plot titles,
/// the settings panel and History, and stays inside the window in each.
#[test]
fn a_csv_with_a_long_name_fits_a_1280_by_800_window() {
    let dir = common::temp_dir("gui-fit-csv");
    let csv = dir.join("customer_churn_survey_2026_q3_cleaned_final_version_2.csv");
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 7, 40 - i, ["stayed", "left"][i % 2]))
        .collect();
    std::fs::write(&csv, format!("tenure,monthly_charges,outcome\n{rows}")).unwrap();
    let mut config = seedscope::engine::presets::default_config();
    config.training.epochs = 2;
    config.repeats = 3;
    let store = dir.join("store.sqlite");
    let mut harness = window(Settings::from_config(config, "circles"), &dir, Some(&store));
    harness.state_mut().open_csv(&csv);
    harness.run_ok();
    assert_eq!(
        harness.state().settings.config.data.path.as_deref(),
        Some(csv.as_path())
    );
    run_sweep(&mut harness);
    assert_nothing_cut_off(&every_view_cut_off(&mut harness));
}

/// A regression preset's table holds its widest numbers (a tiny MSE in e-notation, "[2.540e-4,
/// 3.722e-4]"): they stay inside the window in every view.
#[test]
fn a_regression_presets_numbers_fit_a_1280_by_800_window() {
    let dir = common::temp_dir("gui-fit-regression");
    let mut config = seedscope::engine::presets::find("sequence")
        .unwrap()
        .config()
        .unwrap();
    config.repeats = 4;
    let mut harness = window(Settings::from_config(config, "sequence"), &dir, None);
    run_sweep(&mut harness);
    harness.state_mut().settings.view = View::Distributions;
    harness.run_ok();
    assert!(
        harness.query_all_by_label_contains("e-").next().is_some(),
        "the table shows numbers in e-notation"
    );
    assert_nothing_cut_off(&every_view_cut_off(&mut harness));
}

/// A command with a long command line is named by it in History: the name is shortened to
/// its column, so the runs and settings columns stay inside the window (issue 44 item 4: "runs"
/// cut to "ru", the settings unseen).
#[test]
fn a_long_command_line_fits_history_at_1280_by_800() {
    let dir = common::temp_dir("gui-fit-history");
    std::fs::write(dir.join("train.sh"), "echo 'acc 0.5'\n").unwrap();
    let line = format!(
        "sh train.sh --experiment-name {} --learning-rate 0.001 --output-directory {}",
        "a".repeat(60),
        "b".repeat(60)
    );
    let mut settings = Settings::default();
    settings.config.repeats = 2;
    settings.choice = seedscope::gui::state::ConditionChoice::from_conditions(&[
        seedscope::engine::seeds::Condition::ALL_FIXED,
    ]);
    settings.command.enabled = true;
    settings.command.line = line;
    settings.command.workdir = dir.display().to_string();
    settings.command.reads_output = true;
    settings.command.metric_pattern = r"acc (?P<value>[0-9.]+)".into();
    settings.command.metric_name = "accuracy".into();
    let store = dir.join("store.sqlite");
    let mut harness = window(settings, &dir, Some(&store));
    run_sweep(&mut harness);
    // The panel's Command field scrolls its long line (its text run reaches past the window by
    // design): the panel goes back to the built-in model, History still lists the command.
    harness.state_mut().settings.command.enabled = false;
    harness.state_mut().settings.view = View::History;
    for _ in 0..40 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    harness.run_ok();
    let runs = harness.get_by_label("runs").rect();
    assert!(
        runs.right() <= WIDTH,
        "the runs column is inside the window: {runs:?}"
    );
    assert_nothing_cut_off(&cut_off(&harness, true));
}
