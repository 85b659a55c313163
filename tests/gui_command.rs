//! "Your command" in the app, driven by label with egui_kittest: the panel takes a command
//! line and folder, Run trains it under seedscope's control, and Which sources matter shows
//! the diagnosis; views that need what the command did not report say what to report
//! (Where runs disagree, and Learning curves without a training loss).
#![cfg(feature = "gui")]

mod common;

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{harness_sized, step_until};

fn harness(settings: Settings) -> Harness<'static, SeedscopeApp> {
    let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture));
    harness_sized(app, 1400.0, 900.0)
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python-stdlib")
}

/// Settings that train `line` in the stdlib example's folder: 2 runs of 4 conditions.
fn command_settings(line: &str) -> Settings {
    let mut settings = Settings::default();
    settings.config.repeats = 2;
    settings.choice = seedscope::gui::state::ConditionChoice::from_conditions(&[
        "all-fixed".parse().unwrap(),
        "only-init".parse().unwrap(),
        "only-shuffle".parse().unwrap(),
    ]);
    settings.command.line = line.to_string();
    settings.command.workdir = example().display().to_string();
    settings
}

#[test]
fn a_command_typed_in_the_panel_is_trained_and_diagnosed() {
    let mut harness = harness(command_settings("python3 train.py --leak"));
    harness.run_ok();
    // The built-in model's sections give way to the command's once it is chosen.
    harness.get_by_label("Hidden layers");
    harness.get_by_label("Your command").click();
    harness.run_ok();
    assert!(harness.query_by_label("Hidden layers").is_none());
    harness.get_by_label_contains("Input files: train.py");
    harness.get_by_label("only-gpu");
    assert!(
        harness.query_by_label("nudge lesson").is_none(),
        "lessons are the built-in trainer's"
    );
    let config = harness.state().settings.experiment();
    let command = config
        .command
        .as_ref()
        .expect("the experiment is the command");
    assert_eq!(command.argv, ["python3", "train.py", "--leak"]);
    assert!(command.input_hashes.contains_key("train.py"));

    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to start", |app| {
        app.session.is_some()
    });
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    let session = harness.state().session.as_ref().unwrap();
    assert_eq!(
        session.runs.len(),
        3 * 2,
        "all-fixed, only-init, only-shuffle"
    );
    assert!(session.runs.iter().all(|r| r.error.is_none()));

    harness.get_by_label("Which sources matter").click();
    harness.run_ok();
    harness.get_by_label_contains(
        "Diagnosis: with every seed fixed (all-fixed), 2 distinct outcomes in 2 runs",
    );

    harness.get_by_label("Where runs disagree").click();
    harness.run_ok();
    harness.get_by_label_contains("which seedscope does not have for your command");

    // The example reports both curves: no panel asks for them.
    harness.get_by_label("Learning curves").click();
    harness.run_ok();
    assert!(
        harness
            .query_by_label_contains("per epoch. Add `")
            .is_none()
    );
}

/// A command that reports its accuracy per epoch but not its training loss: that panel says
/// what to add to the result, instead of drawing an empty axis.
#[test]
fn learning_curves_say_what_a_command_did_not_report() {
    let dir = common::temp_dir("gui-command-no-loss");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/command/bad.py");
    let mut settings = command_settings(&format!("python3 {} curve_only", script.display()));
    settings.command.workdir = dir.display().to_string();
    settings.command.enabled = true;
    let mut harness = harness(settings);
    harness.run_ok();
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to start", |app| {
        app.session.is_some()
    });
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    harness.get_by_label("Learning curves").click();
    harness.run_ok();
    harness.get_by_label_contains("reported its training loss per epoch. Add `train_loss`");
    assert!(harness.query_by_label_contains("Add `curve`").is_none());
}

#[test]
fn a_command_that_cannot_run_is_named_and_run_stays_refused() {
    let mut settings = command_settings("no-such-program-xyz train.py");
    settings.command.enabled = true;
    let mut harness = harness(settings);
    harness.run_ok();
    harness
        .get_all_by_label_contains("`no-such-program-xyz` was not found on PATH")
        .next()
        .unwrap();
    harness.get_by_label("Run").click();
    harness.run_ok();
    assert!(harness.state().session.is_none(), "nothing ran");
}

/// A command that writes a file named in its arguments: the file is its output, never an
/// input, so the experiment stays one — Run twice trains once, and History has one row.
#[test]
fn a_file_the_command_writes_does_not_make_the_next_run_another_experiment() {
    let folder = common::temp_dir("gui-writer");
    std::fs::write(
        folder.join("writer.sh"),
        "echo weights > \"$2\"\nprintf '{\"metric\":\"accuracy\",\"value\":0.5,\"higher_is_better\":true}' > \"$SEEDSCOPE_RESULT\"\n",
    )
    .unwrap();
    let mut settings = command_settings("sh writer.sh --out model.out");
    settings.command.workdir = folder.display().to_string();
    settings.command.enabled = true;
    let store = seedscope::records::store::RunStore::open(&folder.join("runs.sqlite")).unwrap();
    let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture))
        .with_store(Some(store));
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness.run_ok();
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to start", |app| app.is_running());
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    assert!(folder.join("model.out").exists());
    let said = format!("{:?}", harness.state().message);
    assert!(
        said.contains("model.out was written by the command"),
        "{said}"
    );
    harness.run_ok();
    harness.get_by_label("Run").click();
    harness.run_ok();
    let said = format!("{:?}", harness.state().message);
    assert!(
        said.contains("came from the store: nothing to train"),
        "the second Run trained again: {said}"
    );
}

/// Auto-run follows what the user changes in the app, not a file edited on disk: editing the
/// script after a sweep says so and waits for Run.
#[test]
fn auto_run_does_not_rerun_a_command_because_its_file_changed_on_disk() {
    let folder = common::temp_dir("gui-edited-on-disk");
    let script = folder.join("train.sh");
    std::fs::write(
        &script,
        "printf '{\"metric\":\"accuracy\",\"value\":0.5,\"higher_is_better\":true}' > \"$SEEDSCOPE_RESULT\"\n",
    )
    .unwrap();
    let mut settings = command_settings("sh train.sh");
    settings.command.workdir = folder.display().to_string();
    settings.command.enabled = true;
    let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture));
    let mut harness = harness_sized(app, 1400.0, 900.0);
    harness.run_ok();
    harness.get_by_label("Auto-run").click();
    step_until(&mut harness, "Auto-run to start the sweep", |app| {
        app.is_running()
    });
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    std::fs::write(&script, "exit 1\n").unwrap();
    let waited = std::time::Instant::now();
    while waited.elapsed() < std::time::Duration::from_millis(1500) {
        harness.step();
        assert!(!harness.state().is_running(), "Auto-run reran the command");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let said = format!("{:?}", harness.state().message);
    assert!(said.contains("changed on disk"), "{said}");
}

/// only-seed (every seed free, threads and gpu fixed) comes back as itself in the panel's
/// checkboxes, not as only-data (its name starts like a one-source condition's).
#[test]
fn only_seed_reopens_as_every_seed_free_not_as_only_data() {
    use seedscope::engine::seeds::Condition;
    let list = vec![Condition::ALL_FIXED, Condition::ONLY_SEED];
    let choice = seedscope::gui::state::ConditionChoice::from_conditions(&list);
    let one_seed = seedscope::engine::config::ExperimentConfig::for_command(
        seedscope::engine::command::CommandConfig::from_command_line("python3 t.py --seed {seed}")
            .unwrap(),
    );
    assert_eq!(choice.conditions(&one_seed.capabilities()), list);
}
