//! The app's "Warm start (Python)" toggle (issue 47): ticked, the window's sweep forks each
//! run from a warm parent; unticked, every run starts cold; and a command that cannot run
//! warm says why under the toggle; its Preload field names what the parents import.
#![cfg(feature = "gui")]

mod common;

use std::path::Path;

use egui_kittest::kittest::Queryable;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{harness_sized, step_until};

/// Settings that train `line` in tests/fixtures/warm: 2 runs of all-fixed and only-init.
fn settings(line: &str) -> Settings {
    let mut settings = Settings::default();
    settings.config.repeats = 2;
    settings.choice = seedscope::gui::state::ConditionChoice::from_conditions(&[
        "all-fixed".parse().unwrap(),
        "only-init".parse().unwrap(),
    ]);
    settings.command.enabled = true;
    settings.command.line = line.to_string();
    settings.command.workdir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/warm")
        .display()
        .to_string();
    settings
}

/// Who started each run of a sweep run from the window, the toggle clicked or not, and with
/// `preload` typed into the Preload field it opens.
fn started_by(click_warm: bool, preload: &str) -> Vec<String> {
    let app = SeedscopeApp::new(
        settings("python3 started_by.py"),
        Box::new(NativePicker),
        Box::new(RendererCapture),
    );
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness.run_ok();
    if click_warm {
        harness.get_by_label("Warm start (Python)").click();
        harness.run_ok();
        assert!(harness.state().settings.command.warm);
        if !preload.is_empty() {
            harness.get_by_label("Preload").focus();
            harness.get_by_label("Preload").type_text(preload);
            harness.run_ok();
        }
    }
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to start", |app| {
        app.session.is_some()
    });
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    let session = harness.state().session.as_ref().unwrap();
    assert!(session.notices.is_empty(), "{:?}", session.notices);
    session
        .runs
        .iter()
        .map(|r| r.weights_hash.clone())
        .collect()
}

#[test]
fn the_warm_toggle_forks_the_windows_runs_from_a_warm_parent() {
    let warm = started_by(true, "");
    assert_eq!(warm.len(), 4);
    assert!(
        warm.iter().all(|who| who == "forked-by-a-warm-parent"),
        "{warm:?}"
    );
    let cold = started_by(false, "");
    assert_eq!(cold.len(), 4);
    assert!(
        cold.iter().all(|who| who == "started-by-seedscope"),
        "{cold:?}"
    );
}

/// What the Preload field names, each warm parent imports before it forks the runs (the
/// fixture checks for a module it does not import itself).
#[test]
fn the_preload_field_names_what_the_warm_parents_import() {
    let preloaded = started_by(true, "fractions");
    assert_eq!(preloaded.len(), 4);
    assert!(
        preloaded
            .iter()
            .all(|who| who == "forked-by-a-warm-parent-with-fractions"),
        "{preloaded:?}"
    );
}

#[test]
fn a_command_that_cannot_run_warm_says_why_under_the_toggle() {
    let mut settings = settings("sh -c 'exec python3 started_by.py'");
    settings.command.warm = true;
    let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture));
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness.run_ok();
    harness.get_by_label_contains("Runs start cold: warm start runs Python scripts");
}
