//! A layout that stays put (issue 44 item 4), at 1400×900 and 1280×800: the progress row is
//! reserved, so the left panel does not move when a sweep starts or ends (a click aimed at
//! Repeats must not land on Master seed), and the top bar's buttons stay on one row.
#![cfg(feature = "gui")]

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::NativePicker;
use seedscope::gui::snapshot::RendererCapture;
use seedscope::gui::state::Settings;

use common::gui::{harness_sized, step_until};

fn top_of(harness: &Harness<'_, SeedscopeApp>, label: &str) -> f32 {
    harness.get_by_label(label).rect().top()
}

#[test]
fn the_panel_does_not_move_when_a_sweep_starts_or_ends() {
    for (width, height) in [(1400.0, 900.0), (1280.0, 800.0)] {
        let mut settings = Settings::default();
        settings.config.repeats = 2;
        settings.config.training.epochs = 2;
        let app = SeedscopeApp::new(settings, Box::new(NativePicker), Box::new(RendererCapture));
        let mut harness = harness_sized(app, width, height);
        harness.run_ok();
        let before = top_of(&harness, "Repeats");
        assert_eq!(
            top_of(&harness, "Save experiment…"),
            top_of(&harness, "Open experiment…"),
            "the top bar's buttons on one row at {width}"
        );
        assert!(
            (top_of(&harness, "Save experiment…") - harness.get_by_label("Run").rect().top()).abs()
                < 4.0,
            "Save experiment… on Run's row at {width}"
        );
        harness.get_by_label("Run").click();
        step_until(&mut harness, "the sweep to start", |app| {
            app.session.is_some()
        });
        harness.step();
        assert_eq!(
            top_of(&harness, "Repeats"),
            before,
            "while the sweep runs, at {width}"
        );
        step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
        harness.run_ok();
        assert_eq!(
            top_of(&harness, "Repeats"),
            before,
            "after the sweep, at {width}"
        );
    }
}
