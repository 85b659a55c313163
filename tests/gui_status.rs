//! The status line and what is on screen follow the experiment (issue 44 item 3), driven with
//! egui_kittest at 1400×900 and 1280×800: a sweep in which some runs failed ends in the
//! warning colour (not the green of success), and switching to another experiment clears that
//! ending and another producer's runs instead of leaving them under the new settings.
#![cfg(feature = "gui")]

mod common;

use egui_kittest::kittest::Queryable;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::intent::Message;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{command_settings, swept};

#[test]
fn partial_failures_warn_and_another_experiment_clears_them() {
    for (width, height) in [(1400.0, 900.0), (1280.0, 800.0)] {
        let folder = common::temp_dir(&format!("gui-status-{}", width as u32));
        // Fails on odd seeds: some runs of only-seed fail, some finish.
        std::fs::write(
            folder.join("half.sh"),
            "[ $(( $1 % 2 )) = 0 ] || exit 3\necho \"acc 0.5\"\n",
        )
        .unwrap();
        let settings = command_settings(
            &folder,
            "sh half.sh {seed}",
            r"acc (?P<value>[0-9.]+)",
            (&[seedscope::engine::seeds::Condition::ONLY_SEED], 8),
        );
        let mut harness = swept(settings, width, height);
        let runs = &harness.state().session.as_ref().unwrap().runs;
        let failed = runs.iter().filter(|r| r.error.is_some()).count();
        assert!(
            failed > 0 && failed < runs.len(),
            "{failed} of {}",
            runs.len()
        );
        let Some(Message::Warning(ending)) = &harness.state().message else {
            panic!("partial failures warn: {:?}", harness.state().message);
        };
        assert!(ending.contains("failed"), "{ending}");

        harness.get_by_label("Built-in model").click();
        harness.run_ok();
        harness.run_ok();
        assert_eq!(
            harness.state().message,
            None,
            "the command's ending is not the built-in model's"
        );
        assert!(
            harness.state().session.is_none(),
            "the command's runs are not shown under the built-in model's settings"
        );
    }
}

/// An experiment file's command folder shows in one form, the resolved folder, whether the file
/// is opened in the app or named with `--config` (issue 44 item 6: "." from the dialog).
#[test]
fn an_opened_files_command_folder_is_the_resolved_folder() {
    let folder = common::temp_dir("gui-status-folder");
    let file = folder.join("experiment.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "name": "shared",
            "command": {"argv": ["sh", "train.sh"], "workdir": "."}
        })
        .to_string(),
    )
    .unwrap();
    let mut app = SeedscopeApp::new(
        Settings::default(),
        Box::new(NativePicker),
        Box::new(RendererCapture),
    );
    app.open_experiment(&file);
    assert_eq!(
        app.settings.command.workdir,
        std::fs::canonicalize(&folder)
            .unwrap()
            .display()
            .to_string()
    );
}
