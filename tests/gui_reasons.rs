//! What the views say of a command's runs is the reason that holds (issue 44 item 2), at
//! 1400×900 and 1280×800: runs that report no per-example errors or predictions are outlined
//! and unchurned because of that, not because "the split or data is free".
#![cfg(feature = "gui")]

mod common;

use egui_kittest::kittest::Queryable;

use common::gui::{command_settings, swept};

#[test]
fn a_command_without_per_example_errors_is_given_that_reason() {
    for (width, height) in [(1400.0, 900.0), (1280.0, 800.0)] {
        let folder = common::temp_dir(&format!("gui-reasons-{}", width as u32));
        // A score moved by the seed, printed as a count: no per-example errors.
        std::fs::write(
            folder.join("count.sh"),
            "echo \"test: $(( 40 + $1 % 5 ))/80 correct\"\n",
        )
        .unwrap();
        let settings = command_settings(
            &folder,
            "sh count.sh {seed}",
            r"(?P<correct>\d+)/(?P<total>\d+)",
            (
                &[
                    seedscope::engine::seeds::Condition::ALL_FIXED,
                    seedscope::engine::seeds::Condition::ONLY_SEED,
                ],
                4,
            ),
        );
        let mut harness = swept(settings, width, height);
        harness.get_by_label("Which sources matter").click();
        harness.run_ok();
        harness.run_ok();
        harness.get_by_label_contains("the runs report no per-example predictions");
        assert!(
            harness
                .query_by_label_contains("the data source is free")
                .is_none(),
            "the data source is not why a command's runs have no churn"
        );
        harness.get_by_label_contains(
            "outline: cannot be split (the runs report no per-example errors)",
        );
    }
}

/// A sweep in which every run failed shows the failure, not an empty plot titled by a metric
/// nobody reported with "0 distinct" over its columns (issue 44 item 1).
#[test]
fn every_run_failed_shows_the_failure_not_an_empty_plot() {
    let folder = common::temp_dir("gui-reasons-failed");
    std::fs::write(folder.join("fails.sh"), "echo 'no such file' >&2; exit 2\n").unwrap();
    let mut settings = command_settings(
        &folder,
        "sh fails.sh",
        "",
        (&[seedscope::engine::seeds::Condition::ALL_FIXED], 2),
    );
    settings.command.reads_output = false;
    let harness = swept(settings, 1280.0, 800.0);
    harness.get_by_label_contains("Every run failed, so there is nothing to plot");
    harness.get_by_label_contains("exited with status 2");
    assert!(harness.query_by_label_contains("0 distinct").is_none());
}
