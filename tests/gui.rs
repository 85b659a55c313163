//! The desktop app, driven by label with egui_kittest: no display, no GPU.
#![cfg(feature = "gui")]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, ColorImage};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use seedscope::analysis::summary::summarize_conditions;
use seedscope::engine::config::ExperimentConfig;
use seedscope::engine::seeds::{Condition, Source};
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::{FileRequest, PathPicker, Picked};
use seedscope::gui::snapshot::FrameCapture;
use seedscope::gui::state::Settings;
use seedscope::records::store::RunStore;

use common::gui::{FixedPicker, harness_sized, step_until};

const WIDTH: usize = 1400;
const HEIGHT: usize = 900;

/// Stands in for the renderer, which kittest does not have: a frame whose pixel (x, y) has
/// red = x mod 256 and green = y mod 256, so the test can check where the crop came from.
struct PatternCapture;

pub fn pattern(x: usize, y: usize) -> Color32 {
    Color32::from_rgb((x % 256) as u8, (y % 256) as u8, 77)
}

impl FrameCapture for PatternCapture {
    fn request(&self, _ctx: &egui::Context, deliver: Sender<Arc<ColorImage>>) {
        let mut image = ColorImage::filled([WIDTH, HEIGHT], Color32::BLACK);
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                image[(x, y)] = pattern(x, y);
            }
        }
        deliver.send(Arc::new(image)).unwrap();
    }
}

fn small_config(repeats: usize, epochs: usize) -> ExperimentConfig {
    let mut config = seedscope::engine::presets::default_config();
    config.data.samples = 60;
    config.training.epochs = epochs;
    config.repeats = repeats;
    config
}

fn harness(config: ExperimentConfig, save_to: PathBuf) -> Harness<'static, SeedscopeApp> {
    let app = SeedscopeApp::new(
        Settings::from_config(config, "circles"),
        Box::new(FixedPicker(save_to)),
        Box::new(PatternCapture),
    );
    harness_of(app)
}

fn harness_of(app: SeedscopeApp) -> Harness<'static, SeedscopeApp> {
    harness_sized(app, WIDTH as f32, HEIGHT as f32)
}

/// Steps until the stored runs the settings (or History) asked for have been read: the app
/// reads them on a thread.
fn settle_store(harness: &mut Harness<'_, SeedscopeApp>) {
    step_until(harness, "the stored runs to be read", |app| {
        !app.is_reading_store()
    });
}

/// Clicks Run and steps until the sweep has started and finished.
fn run_to_end(harness: &mut Harness<'_, SeedscopeApp>) {
    harness.get_by_label("Run").click();
    step_until(harness, "the sweep to start", |app| app.session.is_some());
    step_until(harness, "the sweep to finish", |app| !app.is_running());
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seedscope-gui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn toggling_sources_changes_the_condition_list() {
    let mut harness = harness(small_config(2, 2), temp("unused.png"));
    harness.run_ok();
    assert!(harness.query_by_label("free:init+shuffle").is_none());
    harness.get_by_label("init free").click();
    harness.get_by_label("shuffle free").click();
    harness.run_ok();
    harness.get_by_label("free:init+shuffle");
    harness.get_by_label_contains("Will run 9 conditions");

    // The checkbox comes first; the same name also appears in the list of conditions.
    harness
        .get_all_by_label("only-threads")
        .next()
        .unwrap()
        .click();
    harness.run_ok();
    harness.get_by_label_contains("Will run 8 conditions");
    let conditions: Vec<String> = harness
        .state()
        .settings
        .experiment()
        .conditions
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(!conditions.contains(&"only-threads".to_string()));
    assert!(conditions.contains(&"free:init+shuffle".to_string()));
}

#[test]
fn run_fills_the_runs_view_and_the_distributions() {
    let mut harness = harness(small_config(3, 3), temp("unused2.png"));
    harness.run_ok();
    harness.get_by_label("Run").click();
    harness.step();
    assert!(harness.state().is_running());
    step_until(&mut harness, "the sweep", |app| !app.is_running());

    let session = harness.state().session.as_ref().unwrap();
    assert_eq!(session.runs.len(), 8 * 3);
    assert!(!session.cancelled);
    assert_summaries_are_up_to_date(harness.state());
    // Distributions: the summary under the plot marks all-fixed as bitwise identical.
    harness.get_by_label_contains("Finished 24 runs");
    harness.get_by_label("bitwise identical");

    harness.get_by_label("Runs").click();
    harness.run_ok();
    assert_eq!(harness.get_all_by_label("Replay").count(), 24);
    harness.get_all_by_label("Replay").next().unwrap().click();
    harness.step();
    step_until(&mut harness, "the replay", |app| {
        matches!(
            app.replays.values().next(),
            Some(seedscope::gui::tasks::ReplayState::Done(_))
        )
    });
    harness.get_by_label("hash matches");
}

/// The reading on top of Which sources matter says what "pp" and "coin flips" are, on hover.
#[test]
fn the_noise_reading_explains_its_terms_on_hover() {
    let mut harness = harness(small_config(4, 3), temp("unused-terms.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    harness.get_by_label("Which sources matter").click();
    harness.run_ok();
    harness.get_by_label_contains("coin flips produce").hover();
    harness.run_ok();
    harness.get_by_label_contains("pp: percentage points, hundredths of accuracy");
}

/// Which sources matter draws bars that cannot be split in their own style, churn in its own
/// panel (a share of points, not a std), and says why a condition has no churn bar.
#[test]
fn unsplittable_bars_and_churn_are_told_apart() {
    let mut harness = harness(small_config(4, 3), temp("unused-churn.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    harness.get_by_label("Which sources matter").click();
    harness.run_ok();
    harness.get_by_label("outline: cannot be split (split or data free)");
    harness.get_by_label("Churn: the share of test points two runs classify differently");
    let note = format!("{:?}", harness.get_by_label_contains("No churn for"));
    assert!(
        note.contains("all-free")
            && note.contains("only-data")
            && note.contains("data source is free"),
        "{note}"
    );
    // only-split's runs name their test rows, so its churn is over the rows they share.
    assert!(!note.contains("only-split"), "{note}");
}

#[test]
fn cancel_keeps_the_finished_runs() {
    let mut harness = harness(small_config(30, 60), temp("unused3.png"));
    harness.run_ok();
    harness.get_by_label("Run").click();
    step_until(&mut harness, "two finished runs", |app| {
        app.session.as_ref().is_some_and(|s| s.runs.len() >= 2)
    });
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, "the cancel", |app| !app.is_running());
    let session = harness.state().session.as_ref().unwrap();
    assert!(session.cancelled);
    assert!(session.runs.len() >= 2 && session.runs.len() < session.total);
    assert!(
        session
            .runs
            .iter()
            .all(|r| r.error.is_none() && r.final_test_metric.is_some())
    );
    harness.get_by_label_contains("Cancelled: kept");
    assert_summaries_are_up_to_date(harness.state());
}

/// The app updates a condition's summary only when its runs change; whatever order runs
/// arrived in, the result must be the summary of all of them.
fn assert_summaries_are_up_to_date(app: &SeedscopeApp) {
    let session = app.session.as_ref().unwrap();
    let from_scratch = summarize_conditions(&session.config.conditions, &session.runs);
    assert_eq!(session.summaries, from_scratch);
}

#[test]
fn save_snapshot_writes_a_png_of_the_view() {
    let path = temp("snapshot.png");
    let _ = std::fs::remove_file(&path);
    let mut harness = harness(small_config(2, 2), path.clone());
    harness.run_ok();
    run_to_end(&mut harness);
    harness.get_by_label("Save snapshot").click();
    step_until(
        &mut harness,
        "the capture to start",
        SeedscopeApp::is_capturing,
    );
    step_until(&mut harness, "the snapshot", |app| !app.is_capturing());
    let message = format!("{:?}", harness.state().message);
    assert!(message.contains("Snapshot saved to"), "{message}");

    let rect = harness.state().view_rect.unwrap();
    let png = image::open(&path).unwrap().to_rgba8();
    // ColorImage::region truncates each edge to whole pixels.
    assert_eq!(
        png.width() as usize,
        rect.max.x as usize - rect.min.x as usize
    );
    assert_eq!(
        png.height() as usize,
        rect.max.y as usize - rect.min.y as usize
    );
    assert!(
        png.width() > 800 && png.height() > 700,
        "the view is most of the window"
    );
    // The crop starts at the view's top-left corner, not the window's.
    let [r, g, b, _] = png.get_pixel(0, 0).0;
    let expected = pattern(rect.min.x as usize, rect.min.y as usize);
    assert_eq!([r, g, b], [expected.r(), expected.g(), expected.b()]);
}

#[test]
fn a_bad_hidden_layer_width_is_refused_with_its_range() {
    let mut harness = harness(small_config(2, 2), temp("unused4.png"));
    harness.run_ok();
    let field = harness.get_by_label("Hidden layers");
    field.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Hidden layers").type_text("16, 0");
    harness.run_ok();
    harness.get_by_label_contains(
        "model.hidden[1]: `0` is out of range; allowed: whole numbers 1 to 1024",
    );
    // Run is disabled: clicking it starts nothing, and the last valid widths are kept.
    harness.get_by_label("Run").click();
    harness.run_ok();
    assert!(harness.state().session.is_none());
    assert_eq!(harness.state().settings.config.model.hidden, vec![16, 16]);
}

#[test]
fn the_compare_view_reads_a_fixed_seed_as_luck_and_tests_two_spreads() {
    let mut harness = harness(small_config(6, 3), temp("unused5.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    harness.get_by_label("Compare").click();
    harness.run_ok();
    // all-fixed vs all-free by default: all-fixed is one outcome, read as seed luck, with no
    // "better" verdict and no t-test.
    harness.get_by_label_contains("percentile of what all-free gives");
    assert!(harness.query_by_label_contains("pairings").is_none());
    assert!(harness.query_by_label_contains("Welch's t-test").is_none());
    // Two conditions that both spread: the comparison of two distributions.
    harness.state_mut().settings.compare_a = "only-init".into();
    harness.run_ok();
    // Two randomness settings are read as spreads, never as a winner.
    let verdict = harness.get_by_label_contains("the result");
    let text = format!("{verdict:?}");
    assert!(
        text.contains("only-init") && text.contains("all-free") && text.contains("std"),
        "{text}"
    );
    assert!(
        !text.contains("beats") && !text.contains("better"),
        "{text}"
    );
    harness.get_by_label_contains("std(A) / std(B)");
    harness.get_by_label_contains("Welch's t-test");
    // How many runs: the convergence plot has one point per run of each side.
    harness.get_by_label_contains("only-init over 6 runs and all-free over 6 runs");
    harness.get_by_label_contains("How many runs do I need?");
    harness.get_by_label("Where runs disagree").click();
    harness.run_ok();
    harness.get_by_label_contains("predicting class 1");
}

#[test]
fn the_seed_luck_tab_shows_the_percentile_of_the_fixed_seed() {
    let mut harness = harness(small_config(5, 3), temp("unused6.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    harness.get_by_label("Seed luck").click();
    harness.run_ok();
    let seed = harness.state().settings.master_seed;
    let wanted = format!("The result you would have reported with seed {seed}");
    let text = format!("{:?}", harness.get_by_label_contains(&wanted));
    let app = harness.state();
    let session = app.session.as_ref().unwrap();
    let (fixed, _) = session.outcomes("all-fixed");
    let (free, _) = session.outcomes("all-free");
    let share = seedscope::analysis::luck::better_than_share(fixed[0], &free, true);
    let expected = seedscope::analysis::reading::percentile_text(share);
    assert!(text.contains(&expected), "{expected} not in {text}");
    // all-fixed is one result repeated, not a draw of all-free's runs (issue 44 item 6: "One
    // outcome, and against all-free's 30 runs a lucky draw" read as a draw of 30): the draw
    // is what it would be among all-free's runs.
    let reading = format!(
        "{:?}",
        harness.get_by_label_contains(
            "Every run of all-fixed is this one outcome; had it been one of all-free's 5 runs, it would be"
        )
    );
    assert!(!reading.contains("draw of 5 runs"), "{reading}");
    assert!(!reading.contains("against all-free's 5 runs"), "{reading}");
    harness.get_by_label_contains("pick the best of k seeds");
    // A condition that spreads is not a fixed seed: the tab says so instead of a percentile.
    harness.state_mut().settings.luck_fixed = "only-init".into();
    harness.run_ok();
    harness.get_by_label_contains("only-init is not one outcome");
}

fn harness_with_store(
    config: ExperimentConfig,
    store: &std::path::Path,
) -> Harness<'static, SeedscopeApp> {
    let app = SeedscopeApp::new(
        Settings::from_config(config, "circles"),
        Box::new(FixedPicker(temp("unused-store.png"))),
        Box::new(PatternCapture),
    )
    .with_store(Some(RunStore::open(store).unwrap()));
    harness_of(app)
}

/// A path for a new, empty run store.
fn fresh_store(name: &str) -> PathBuf {
    let store = temp(name);
    let _ = std::fs::remove_file(&store);
    store
}

/// The session holds every run of the experiment, all from the store, and no sweep runs.
fn assert_all_from_store(app: &SeedscopeApp, conditions: usize, repeats: usize) {
    assert!(!app.is_running(), "a sweep started");
    let session = app.session.as_ref().expect("the stored runs are shown");
    assert_eq!(session.total, conditions * repeats);
    assert_eq!(session.runs.len(), session.total);
    assert_eq!(session.from_store, session.total);
    assert_summaries_are_up_to_date(app);
}

#[test]
fn stored_runs_come_back_without_a_sweep_on_toggle_and_on_relaunch() {
    let store = fresh_store("toggle-store.sqlite");
    let mut harness = harness_with_store(small_config(3, 2), &store);
    harness.run_ok();
    settle_store(&mut harness);
    assert!(
        harness.state().session.is_none(),
        "an empty store shows nothing"
    );
    run_to_end(&mut harness);
    assert_eq!(harness.state().session.as_ref().unwrap().from_store, 0);

    // only-init off: the other seven conditions' runs are all stored.
    harness
        .get_all_by_label("only-init")
        .next()
        .unwrap()
        .click();
    harness.run_ok();
    settle_store(&mut harness);
    assert_all_from_store(harness.state(), 7, 3);
    // And on again: the plot has only-init's runs back, still without training.
    harness
        .get_all_by_label("only-init")
        .next()
        .unwrap()
        .click();
    harness.run_ok();
    settle_store(&mut harness);
    assert_all_from_store(harness.state(), 8, 3);
    harness.get_by_label_contains("24 from store, 0 to train");
    drop(harness);

    // A new launch on the same store: the last experiment is there, nothing to press.
    let mut relaunched = harness_with_store(small_config(3, 2), &store);
    relaunched.run_ok();
    settle_store(&mut relaunched);
    assert_all_from_store(relaunched.state(), 8, 3);
    // Retrain ignores the store: every run trains again, and the replayable ones come out
    // with the same weights.
    let before: Vec<(seedscope::engine::seeds::Condition, usize, String, bool)> = relaunched
        .state()
        .session
        .as_ref()
        .unwrap()
        .runs
        .iter()
        .map(|r| {
            (
                r.condition,
                r.run_index,
                r.weights_hash.clone(),
                r.replayable,
            )
        })
        .collect();
    relaunched.get_by_label("Retrain").click();
    step_until(&mut relaunched, "the retrain to start", |app| {
        app.is_running()
    });
    step_until(&mut relaunched, "the retrain to finish", |app| {
        !app.is_running()
    });
    let session = relaunched.state().session.as_ref().unwrap();
    assert_eq!((session.from_store, session.runs.len()), (0, 24));
    for (condition, index, hash, replayable) in before.iter().filter(|b| b.3) {
        let again = session
            .runs
            .iter()
            .find(|r| &r.condition == condition && r.run_index == *index)
            .unwrap();
        assert_eq!(
            &again.weights_hash, hash,
            "{condition}/{index} {replayable}"
        );
    }

    // History: Open brings the experiment back with its runs; Delete removes it.
    relaunched.get_by_label("History").click();
    relaunched.run_ok();
    relaunched.get_by_label("Open").click();
    relaunched.run_ok();
    settle_store(&mut relaunched);
    assert_all_from_store(relaunched.state(), 8, 3);
    assert_eq!(
        relaunched.state().settings.view,
        seedscope::gui::state::View::Distributions
    );
    relaunched.get_by_label("History").click();
    relaunched.run_ok();
    relaunched.get_by_label("Delete").click();
    relaunched.run_ok();
    relaunched.get_by_label_contains("No experiments stored yet");
}

#[test]
fn auto_run_trains_only_what_a_toggle_adds_after_a_pause() {
    let store = fresh_store("auto-run-store.sqlite");
    let mut harness = harness_with_store(small_config(2, 2), &store);
    harness.run_ok();
    // Turning Auto-run on trains what is missing (everything here), after the pause.
    harness.get_by_label("Auto-run").click();
    harness.run_ok();
    step_until(&mut harness, "auto-run to train the experiment", |app| {
        !app.is_running() && app.session.as_ref().is_some_and(|s| s.missing() == 0)
    });
    assert_eq!(harness.state().session.as_ref().unwrap().runs.len(), 16);

    // A new custom condition: its 2 runs train, the other 16 come from the store.
    harness.get_by_label("init free").click();
    harness.get_by_label("shuffle free").click();
    harness.run_ok();
    step_until(&mut harness, "auto-run to train the new condition", |app| {
        !app.is_running()
            && app
                .session
                .as_ref()
                .is_some_and(|s| s.total == 18 && s.missing() == 0)
    });
    let session = harness.state().session.as_ref().unwrap();
    assert_eq!((session.from_store, session.runs.len()), (16, 18));
    assert!(
        session
            .runs
            .iter()
            .any(|r| r.condition == "free:init+shuffle")
    );
}

#[test]
fn the_disputed_points_view_on_digits_lists_points_by_disagreement() {
    let mut config = seedscope::engine::presets::find("digits")
        .unwrap()
        .config()
        .unwrap();
    config.training.epochs = 1;
    config.repeats = 3;
    config.conditions = vec![
        seedscope::engine::seeds::Condition::ALL_FIXED,
        seedscope::engine::seeds::Condition::ALL_FREE,
    ];
    let mut harness = harness(config, temp("unused7.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    harness.state_mut().settings.curves_condition = "all-free".into();
    harness.get_by_label("Where runs disagree").click();
    harness.run_ok();
    harness.get_by_label_contains("3 runs of all-free disagree on");
    // The first point listed is one the runs split on (not unanimous).
    let first = format!(
        "{:?}",
        harness.get_all_by_label_contains("truly").next().unwrap()
    );
    assert!(
        first.contains("right in 1 of")
            || first.contains("right in 2 of")
            || first.contains("right in 0 of"),
        "{first}"
    );
    // all-fixed: one outcome, so no point is disputed.
    harness.state_mut().settings.curves_condition = "all-fixed".into();
    harness.run_ok();
    harness.get_by_label_contains("disagree on 0 of");
}

#[test]
fn a_bad_csv_file_keeps_the_previous_data_set_and_says_why() {
    let mut harness = harness(small_config(2, 2), temp("unused8.png"));
    harness.run_ok();
    let bad = temp("ragged.csv");
    let mut text = String::from("a,b,label\n");
    for i in 0..12 {
        text.push_str(&format!("{i},{i},{}\n", i % 2));
    }
    text.push_str("1,2\n");
    std::fs::write(&bad, text).unwrap();
    let before = harness.state().settings.config.data.clone();
    harness.state_mut().open_csv(&bad);
    harness.run_ok();
    assert_eq!(harness.state().settings.config.data, before);
    harness.get_by_label_contains("ragged.csv: row 14 has 2 fields, the header has 3");
    harness.get_by_label_contains("The previous data set is kept");

    let good = temp("good.csv");
    let text: String = std::iter::once("x1,x2,kind\n".to_string())
        .chain((0..20).map(|i| format!("{i},{},{}\n", 20 - i, ["a", "b"][i % 2])))
        .collect();
    std::fs::write(&good, text).unwrap();
    harness.state_mut().open_csv(&good);
    harness.run_ok();
    let data = &harness.state().settings.config.data;
    assert_eq!(data.kind, seedscope::engine::config::DatasetKind::Csv);
    assert_eq!(data.target.as_deref(), Some("kind"));
    assert!(data.sha256.is_some());
    harness.get_by_label_contains("20 × 2 features · 2 classes (a, b)");
    // Named by its data, no longer the preset's (issue 37 item 1).
    assert_eq!(harness.state().settings.config.name, "good");
    assert_eq!(harness.state().settings.preset, "");
    run_to_end(&mut harness);
    harness.get_by_label_contains("per condition — good, 2 runs each");
    assert!(
        harness.query_by_label_contains("— circles").is_none(),
        "the plot is not titled with the preset's data"
    );
}

#[test]
fn open_shows_a_merged_results_file_with_all_its_runs() {
    // Two parts of a sharded sweep, merged on the command line, then opened in the app: the
    // merged file is an ordinary results file.
    let dir = temp("merged-open");
    std::fs::create_dir_all(&dir).unwrap();
    // Part 0 as Parquet, part 1 as JSON, merged into Parquet: merge and Open read either.
    let part = |index: usize| {
        let out = dir.join(format!("part-{index}.{}", ["parquet", "json"][index]));
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_seedscope"))
            .env("SEEDSCOPE_NO_STORE", "1")
            .args(["run", "--quiet", "--seed", "9", "--repeats", "2", "--shard"])
            .arg(format!("{index}/2"))
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        out
    };
    let (a, b) = (part(0), part(1));
    let merged = dir.join("merged.parquet");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_seedscope"))
        .env("SEEDSCOPE_NO_STORE", "1")
        .arg("merge")
        .args([&a, &b])
        .arg("--out")
        .arg(&merged)
        .status()
        .unwrap();
    assert!(status.success());
    let mut harness = harness(small_config(2, 2), temp("unused9.png"));
    harness.run_ok();
    harness.state_mut().open_experiment(&merged);
    harness.run_ok();
    let app = harness.state();
    let session = app.session.as_ref().expect("the runs are shown");
    assert_eq!(session.runs.len(), 16);
    assert_eq!(session.master_seed, 9);
    assert_eq!(app.settings.master_seed, 9);
    assert!(!app.is_running(), "nothing is trained");
    harness.get_by_label_contains("merged.parquet: 16 runs, master seed 9");
}

/// Answers every file dialog with "no dialog can be shown here", as on a desktop without an
/// xdg-desktop-portal.
struct NoDialogPicker;

impl PathPicker for NoDialogPicker {
    fn request(&self, _request: FileRequest, _wake: Box<dyn Fn() + Send>) -> Receiver<Picked> {
        let (sender, receiver) = channel();
        sender.send(Picked::NoDialog).unwrap();
        receiver
    }
}

/// A file dropped onto the window, as the native backend hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

impl Dropped {
    fn handle(path: &std::path::Path) -> egui::DroppedFileHandle {
        Arc::new(Dropped(path.to_path_buf()))
    }
}

fn harness_without_dialogs(config: ExperimentConfig) -> Harness<'static, SeedscopeApp> {
    harness_of(SeedscopeApp::new(
        Settings::from_config(config, "circles"),
        Box::new(NoDialogPicker),
        Box::new(PatternCapture),
    ))
}

fn two_class_csv(name: &str) -> PathBuf {
    let path = temp(name);
    let text: String = std::iter::once("x1,x2,kind\n".to_string())
        .chain((0..20).map(|i| format!("{i},{},{}\n", 20 - i, ["a", "b"][i % 2])))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_master_seed_is_kept_exactly_and_bad_text_is_refused() {
    let mut harness = harness(small_config(2, 2), temp("unused10.png"));
    harness.state_mut().settings.master_seed = 3874686842423312392;
    harness.run_ok();
    // Shown exactly; focusing the field and leaving it changes nothing.
    let shown = |harness: &Harness<'_, SeedscopeApp>| harness.get_by_label("Master seed").value();
    assert_eq!(shown(&harness).as_deref(), Some("3874686842423312392"));
    harness.get_by_label("Master seed").focus();
    harness.run_ok();
    harness.key_press(egui::Key::Tab);
    harness.run_ok();
    harness.get_by_label("Repeats").focus();
    harness.run_ok();
    assert_eq!(harness.state().settings.master_seed, 3874686842423312392);
    assert_eq!(shown(&harness).as_deref(), Some("3874686842423312392"));

    // Bad text turns red, says why, and keeps the seed.
    harness.get_by_label("Master seed").focus();
    harness.run_ok();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.get_by_label("Master seed").type_text("12ab");
    harness.run_ok();
    harness.key_press(egui::Key::Enter);
    harness.run_ok();
    assert_eq!(harness.state().settings.master_seed, 3874686842423312392);
    harness.get_by_label_contains("`12ab` is not a whole number from 0 to 18446744073709551615");

    // A seed past u64 gets a long message: it wraps within the panel, and every tab stays in
    // the window.
    harness.get_by_label("Master seed").focus();
    harness.run_ok();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness
        .get_by_label("Master seed")
        .type_text("18446744073709551616");
    harness.run_ok();
    harness.key_press(egui::Key::Enter);
    harness.run_ok();
    harness.get_by_label_contains("the seed stays 3874686842423312392");
    let history = harness.get_by_label("History").rect();
    assert!(
        history.right() <= WIDTH as f32,
        "the History tab ends at {} px, past the {WIDTH} px window",
        history.right()
    );

    // The largest seed is taken exactly.
    harness.get_by_label("Master seed").focus();
    harness.run_ok();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness
        .get_by_label("Master seed")
        .type_text("18446744073709551615");
    harness.run_ok();
    harness.key_press(egui::Key::Enter);
    harness.run_ok();
    assert_eq!(harness.state().settings.master_seed, u64::MAX);
    assert!(
        harness
            .query_by_label_contains("is not a whole number")
            .is_none()
    );
}

#[test]
fn without_a_file_dialog_a_path_can_be_typed_or_the_file_dropped() {
    let mut harness = harness_without_dialogs(small_config(2, 2));
    harness.run_ok();
    let csv = two_class_csv("typed.csv");
    harness.get_by_label("CSV file…").click();
    harness.run_ok();
    harness.get_by_label_contains("No file dialog can be shown here");
    harness.get_by_label("Path").focus();
    harness
        .get_by_label("Path")
        .type_text(&csv.display().to_string());
    harness.run_ok();
    harness.get_by_label("Open path").click();
    harness.run_ok();
    let data = &harness.state().settings.config.data;
    assert_eq!(data.path.as_deref(), Some(csv.as_path()));
    assert_eq!(data.target.as_deref(), Some("kind"));
    assert!(!harness.state().is_asking_for_path());

    // An experiment file dropped onto the window opens; a CSV dropped becomes the data set.
    let mut experiment = small_config(3, 2);
    experiment.training.learning_rate = 0.05;
    let file = temp("dropped.json");
    std::fs::write(&file, experiment.to_json()).unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(Dropped::handle(&file));
    harness.run_ok();
    assert_eq!(harness.state().settings.config.training.learning_rate, 0.05);
    assert_eq!(harness.state().settings.config.repeats, 3);
    let dropped_csv = two_class_csv("dropped.csv");
    harness
        .input_mut()
        .dropped_files
        .push(Dropped::handle(&dropped_csv));
    harness.run_ok();
    assert_eq!(
        harness.state().settings.config.data.path.as_deref(),
        Some(dropped_csv.as_path())
    );
}

#[test]
fn an_experiment_that_reads_an_unfamiliar_csv_says_which_file_and_devices_are_refused() {
    let mut harness = harness(small_config(2, 2), temp("unused11.png"));
    harness.run_ok();
    let csv = two_class_csv("shared-data.csv");
    let mut config = small_config(2, 2);
    config.data = serde_json::from_value(serde_json::json!({
        "kind": "csv", "path": csv, "target": "kind", "test_fraction": 0.3
    }))
    .unwrap();
    let shared = temp("shared-experiment.json");
    std::fs::write(&shared, config.to_json()).unwrap();
    harness.state_mut().open_experiment(&shared);
    harness.run_ok();
    harness.get_by_label_contains(&format!(
        "It reads its data from {} — a file not opened here before",
        csv.display()
    ));

    // A shared file naming a device is refused at once, and the settings stay.
    config.data.path = Some(PathBuf::from("/dev/zero"));
    std::fs::write(&shared, config.to_json()).unwrap();
    let before = harness.state().settings.config.clone();
    let started = Instant::now();
    harness.state_mut().open_experiment(&shared);
    harness.run_ok();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(harness.state().settings.config, before);
    harness.get_by_label_contains("/dev/zero: is a character device");
    // A 1 MB column name is quoted short in the status line.
    let long = temp("long-header.csv");
    let mut text = format!("{},kind\n", "y".repeat(1_000_000));
    for i in 0..20 {
        text.push_str(&format!("{i},{}\n", i % 2));
    }
    std::fs::write(&long, text).unwrap();
    config.data.path = Some(long);
    config.data.target = Some("species".into());
    std::fs::write(&shared, config.to_json()).unwrap();
    harness.state_mut().open_experiment(&shared);
    harness.run_ok();
    harness.get_by_label_contains("no column `species`");
    let Some(seedscope::gui::intent::Message::Error(shown)) = &harness.state().message else {
        panic!("no error on the status line");
    };
    assert!(
        shown.len() < 1_000,
        "{} bytes in the status line",
        shown.len()
    );
}

#[test]
fn the_experiment_on_screen_is_written_at_once_and_a_damaged_file_starts_from_defaults() {
    use seedscope::gui::settings_file::{Loaded, SettingsFile};
    let path = temp("app-settings.json");
    let _ = std::fs::remove_file(&path);
    let app = SeedscopeApp::new(
        Settings::from_config(small_config(2, 2), "circles"),
        Box::new(FixedPicker(temp("unused12.png"))),
        Box::new(PatternCapture),
    )
    .with_settings_file(SettingsFile::new(path.clone()));
    let mut harness = harness_of(app);
    harness.run_ok();
    harness.state_mut().settings.master_seed = 3874686842423312392;
    harness.step();
    // Written in the frame the seed changed, not 30 s later: a kill now keeps it.
    let Loaded::Settings(saved) = SettingsFile::new(path.clone()).load() else {
        panic!("the settings file was not written");
    };
    assert_eq!(saved.master_seed, 3874686842423312392);
    assert!(!temp("app-settings.json.partial").exists());

    std::fs::write(&path, "{\"master_seed\": 12, \"config\": [").unwrap();
    assert!(matches!(
        SettingsFile::new(path.clone()).load(),
        Loaded::Damaged(message) if message.contains("app-settings.json")
    ));
}

#[test]
fn which_sources_reads_the_test_set_noise_and_distributions_toggle_to_fresh_data() {
    let mut config = small_config(6, 3);
    config.conditions = vec![
        Condition::ALL_FIXED,
        Condition::ALL_FREE,
        Condition::only(Source::Init),
        Condition::only(Source::Split),
    ];
    let mut harness = harness(config, temp("unused-noise.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    // Distributions: the test set by default, fresh data one click away.
    harness.get_by_label_contains("test accuracy per condition");
    harness
        .get_by_label_contains("fresh data (20000 points)")
        .click();
    harness.run_ok();
    assert!(harness.state().settings.fresh_distributions);
    harness.get_by_label_contains("accuracy on 20000 fresh points per condition");
    // The table follows the toggle (issue 37 item 5): fresh scores, not the test set's.
    harness.get_by_label("fresh mean");
    assert!(harness.query_by_label("noise").is_none());
    // And a line says what the switch changed for the fixed seed's run.
    harness.get_by_label_contains("The fixed seed's run (all-fixed) beats");
    harness
        .get_by_label_contains("the test set (18 points)")
        .click();
    harness.run_ok();
    harness.get_by_label_contains("test accuracy per condition");
    // Which sources matter: the reading in words, and the legend of the split bars.
    harness.get_by_label("Which sources matter").click();
    harness.run_ok();
    harness.get_by_label_contains("Of only-init's");
    harness.get_by_label_contains("coin flips produce; on 20000 fresh points it moves");
    harness.get_by_label("pale: test-set noise");
    harness.get_by_label("dark: the model's own spread");
}

/// One run per condition has no spread: the table shows none (not 0, which reads as
/// "reproducible"), and Which sources matter says what is missing instead of empty axes.
#[test]
fn one_run_per_condition_has_no_spread_and_says_so() {
    let mut harness = harness(small_config(1, 2), temp("unused-one-run.png"));
    harness.run_ok();
    run_to_end(&mut harness);
    let session = harness.state().session.as_ref().unwrap();
    assert!(
        session
            .summaries
            .iter()
            .all(|s| s.n == 1 && s.std.is_none())
    );
    harness.get_by_label("Which sources matter").click();
    harness.run_ok();
    harness.get_by_label_contains("No condition has two finished runs yet");
}
