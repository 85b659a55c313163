//! Your command's metric fields and Try once in the app (issue 43, item 5), driven by label
//! with egui_kittest: a script that prints its score is tried once, and the window shows the
//! command as executed with its seed filled in, the line the pattern matched, and the result
//! it would record; a pattern that matches nothing fails there, before any sweep. A script
//! that takes one seed (`{seed}`) gets a grid of what can be told from outside.
#![cfg(feature = "gui")]

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{harness_sized, step_until};

fn harness(pattern: &str, width: f32, height: f32) -> Harness<'static, SeedscopeApp> {
    let folder = common::temp_dir(&format!("gui-try-{}", width as u32));
    std::fs::write(
        folder.join("score.sh"),
        "echo \"epoch 1 acc 50%\"\necho \"seed was $1\"\necho \"final acc 75%\"\n",
    )
    .unwrap();
    let mut settings = Settings::default();
    settings.command.enabled = true;
    settings.command.line = "sh score.sh {seed}".into();
    settings.command.workdir = folder.display().to_string();
    let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture));
    let mut harness = harness_sized(app, width, height);
    harness.run_ok();
    harness
        .get_by_label("Read the metric from what it prints")
        .click();
    harness.run_ok();
    for (field, text) in [("Pattern", pattern), ("Metric name", "accuracy")] {
        harness.get_by_label(field).focus();
        harness.run_ok();
        harness.get_by_label(field).type_text(text);
        harness.run_ok();
    }
    harness
}

fn try_once(harness: &mut Harness<'static, SeedscopeApp>) {
    harness.get_by_label("Try once").click();
    harness.run_ok();
    eprintln!(
        "message: {:?} trying {}",
        harness.state().message,
        harness.state().is_trying()
    );
    step_until(harness, "the try to finish", |app| !app.is_trying());
    harness.run_ok();
}

#[test]
fn try_once_shows_the_command_as_executed_and_the_captured_value() {
    for (width, height) in [(1400.0, 900.0), (1280.0, 800.0)] {
        let mut harness = harness(r"acc (?P<value>[0-9.]+)%", width, height);
        let entry = &harness.state().settings.command;
        assert!(
            entry.reads_output,
            "{:?}",
            harness.state().settings.problems()
        );
        assert_eq!(entry.metric_pattern, r"acc (?P<value>[0-9.]+)%");
        // One seed for everything: the grid offers that seed alone, not a source apart.
        assert!(
            harness.query_all_by_label("only-seed").count() >= 2,
            "the tick box and the list"
        );
        assert!(harness.query_by_label("only-init").is_none());
        let conditions: Vec<String> = harness
            .state()
            .settings
            .experiment()
            .conditions
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            conditions,
            ["all-fixed", "all-free", "only-seed", "only-threads",]
        );
        let command = harness.state().settings.experiment().command.unwrap();
        let metric = command.metric.expect("the panel's fields make the metric");
        assert_eq!(metric.pattern.as_deref(), Some(r"acc (?P<value>[0-9.]+)%"));
        assert!(metric.higher_is_better);
        try_once(&mut harness);
        harness.get_by_label_contains("Result: accuracy = 0.7500");
        harness.get_by_label_contains("▶ stdout: final acc 75%");
        harness.get_by_label_contains("  stdout: seed was ");
        let ran = harness.get_by_label_contains("sh score.sh ");
        let node = ran.accesskit_node();
        let text = node.label().or_else(|| node.value()).unwrap_or_default();
        let seed: u64 = text
            .trim_start_matches("sh score.sh ")
            .parse()
            .expect("the seed, filled in");
        assert!(seed < 1 << 31);
        assert!(harness.state().session.is_none(), "nothing was recorded");
        harness.get_by_label("Close").click();
        harness.run_ok();
        assert!(harness.query_by_label_contains("Result:").is_none());
    }
}

#[test]
fn a_pattern_that_matches_nothing_fails_in_try_once() {
    let mut harness = harness(r"val_acc=(?P<value>[0-9.]+)", 1400.0, 900.0);
    try_once(&mut harness);
    harness.get_by_label_contains("matched no line of stdout");
}
