//! The window's Compare settings tab (issue 45): a field and its values run as a settings
//! study under the app's master seed, with progress, then the verdict, each run's line across
//! the settings and the setting × setting grid; a bad value is refused naming the field. At
//! 1400×900 and 1280×800.
#![cfg(feature = "gui")]

mod common;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use seedscope::engine::seeds::Condition;
use seedscope::gui::app::SeedscopeApp;

fn app(repeats: usize) -> SeedscopeApp {
    let mut settings = seedscope::gui::state::Settings::default();
    settings.config.repeats = repeats;
    settings.choice =
        seedscope::gui::state::ConditionChoice::from_conditions(&[Condition::ALL_FREE]);
    SeedscopeApp::new(
        settings,
        Box::new(seedscope::gui::dialogs::NativePicker),
        Box::new(seedscope::gui::snapshot::RendererCapture),
    )
}

#[test]
fn a_study_of_two_learning_rates_shows_the_paired_reading() {
    for (width, height) in [(1400.0, 900.0), (1280.0, 800.0)] {
        let mut harness = common::gui::harness_sized(app(8), width, height);
        harness.run_ok();
        harness.get_by_label("Compare settings").click();
        harness.run_ok();
        harness.get_by_label("Run study").click();
        let started = Instant::now();
        while harness
            .query_by_label_contains("Each run across the settings")
            .is_none()
        {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the study ends"
            );
            harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
        harness.run_ok();
        harness.get_by_label_contains("learning_rate=0.01: 8 runs, mean");
        harness.get_by_label_contains("learning_rate=0.001: 8 runs, mean");
        // The verdict of the one pair, in either of its two forms.
        let verdict = harness
            .query_by_label_contains("paired runs; mean")
            .or_else(|| harness.query_by_label_contains(": within seed luck; mean"));
        assert!(verdict.is_some(), "a paired verdict at {width}×{height}");
        harness.get_by_label_contains("Mean difference, row − column");
        // The grid's rows are named by their settings, inside the window.
        for node in harness.query_all_by_label("learning_rate=0.001") {
            assert!(node.rect().max.x <= width, "the grid fits at {width}");
        }
    }
}

#[test]
fn a_bad_value_is_refused_naming_the_field_and_its_range() {
    let mut harness = common::gui::harness_sized(app(2), 1280.0, 800.0);
    harness.run_ok();
    harness.get_by_label("Compare settings").click();
    harness.run_ok();
    harness.get_by_label("Field").click();
    harness.run_ok();
    // Choose Dropout, then a value out of its range.
    // The popup's item (the left panel has a "Dropout" of its own): drawn last.
    harness
        .get_all_by_label("Dropout")
        .last()
        .expect("the field list shows Dropout")
        .click();
    harness.run_ok();
    let values = harness.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Values");
    assert_eq!(
        values.value().as_deref(),
        Some("0, 0.1, 0.3"),
        "the field's example"
    );
    values.focus();
    values.type_text(", 1.5");
    harness.run_ok();
    harness.get_by_label("Run study").click();
    harness.run_ok();
    harness.get_by_label_contains("model.dropout=1.5: model.dropout: 1.5 is out of range");
    assert!(
        harness.query_by_label("Cancel").is_none(),
        "nothing started"
    );
}

/// The tab never starts a command (it has no trust dialog of its own): with Your command
/// entered it points to `run --vary`, and a study asked for anyway is refused.
#[test]
fn a_command_is_never_started_from_the_tab() {
    let folder = common::temp_dir("gui-study-command");
    let mark = folder.join("ran");
    let settings = common::gui::command_settings(
        &folder,
        &format!("touch {}", mark.display()),
        r"(?P<value>\d+)",
        (&[Condition::ALL_FREE], 2),
    );
    let mut state = seedscope::gui::study::StudyState::default();
    let ctx = eframe::egui::Context::default();
    state.start(&settings.experiment(), 1, &ctx);
    assert!(!state.is_running());
    assert!(state.error.as_deref().unwrap().contains("seedscope run"));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!mark.exists(), "the command did not run");
}
