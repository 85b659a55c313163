//! Nothing runs unseen, in the app (docs/your-command.md, "What seedscope guarantees"), driven by label with egui_kittest: an
//! experiment file with a command, once opened, is not run by Auto-run; Run shows the command
//! whole in a dialog first, Cancel runs nothing, and "Allow and run" runs it.
#![cfg(feature = "gui")]

mod common;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{harness_sized, step_until};

fn message(app: &SeedscopeApp) -> String {
    format!("{:?}", app.message)
}

#[test]
fn an_opened_command_runs_only_after_it_was_shown_and_allowed() {
    let folder = common::temp_dir("gui-trust");
    let file = common::received_experiment(&folder, serde_json::json!({"BASH_ENV": "./evil.sh"}));
    let app = SeedscopeApp::new(
        Settings::default(),
        Box::new(NativePicker),
        Box::new(RendererCapture),
    );
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness.state_mut().open_experiment(&file);
    harness.run_ok();
    assert!(
        harness.state().settings.command.enabled,
        "{}",
        message(harness.state())
    );

    // Auto-run, ticked on an opened file: the command does not start.
    harness.get_by_label("Auto-run").click();
    step_until(&mut harness, "Auto-run to decline", |app| {
        message(app).contains("Auto-run does not start a command from a file")
    });
    let waited = Instant::now();
    while waited.elapsed() < Duration::from_millis(800) {
        harness.step();
    }
    assert!(!harness.state().is_running());
    assert!(
        !folder.join("MARK").exists(),
        "Auto-run ran an unallowed command"
    );

    // Run: the command is shown whole, with what loads code marked, before anything runs.
    harness.get_by_label("Run").click();
    harness.run_ok();
    assert!(harness.state().is_asking_to_allow());
    harness.get_by_label_contains("argv[2] = touch MARK;");
    harness.get_by_label_contains("BASH_ENV=./evil.sh   <- changes what the program loads");
    assert!(!harness.state().is_running());
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(!harness.state().is_asking_to_allow());
    assert!(!folder.join("MARK").exists(), "Cancel ran the command");

    harness.get_by_label("Run").click();
    harness.run_ok();
    harness.get_by_label("Allow and run").click();
    step_until(&mut harness, "the sweep to finish", |app| {
        !app.is_running() && app.session.as_ref().is_some_and(|s| !s.runs.is_empty())
    });
    assert!(folder.join("MARK").exists(), "{}", message(harness.state()));
}

/// A results file's command is not run by Replay either, until allowed.
#[test]
fn replay_of_an_opened_results_files_command_waits_for_it_to_be_allowed() {
    let folder = common::temp_dir("gui-trust-replay");
    let file = common::received_experiment(&folder, serde_json::json!({}));
    let made = common::run_in(
        &folder,
        None,
        &["--config", file.to_str().unwrap(), "--allow-command"],
    );
    assert!(made.status.success(), "{}", common::said(&made));
    std::fs::remove_file(folder.join("MARK")).unwrap();

    let app = SeedscopeApp::new(
        Settings::default(),
        Box::new(NativePicker),
        Box::new(RendererCapture),
    );
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness
        .state_mut()
        .open_experiment(&folder.join("out.json"));
    harness.run_ok();
    assert!(
        harness.state().session.is_some(),
        "{}",
        message(harness.state())
    );
    harness
        .state_mut()
        .intend(seedscope::gui::intent::Intent::Replay(0));
    harness.run_ok();
    std::thread::sleep(Duration::from_millis(300));
    harness.run_ok();
    assert!(
        message(harness.state()).contains("has not been allowed"),
        "{}",
        message(harness.state())
    );
    assert!(
        !folder.join("MARK").exists(),
        "Replay ran the command unseen"
    );
}
