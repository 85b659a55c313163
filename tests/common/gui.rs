//! Helpers the window's tests share: a harness of a given size, stepping until the app is in a
//! state, and a picker that answers every file dialog at once.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use seedscope::gui::app::SeedscopeApp;
use seedscope::gui::dialogs::{FileRequest, PathPicker, Picked};

/// Answers every file dialog with one path, at once.
pub struct FixedPicker(pub PathBuf);

impl PathPicker for FixedPicker {
    fn request(&self, _request: FileRequest, _wake: Box<dyn Fn() + Send>) -> Receiver<Picked> {
        let (sender, receiver) = channel();
        sender.send(Picked::Chosen(self.0.clone())).unwrap();
        receiver
    }
}

/// A harness drawing `app` in a `width` × `height` window at one pixel per point.
pub fn harness_sized(app: SeedscopeApp, width: f32, height: f32) -> Harness<'static, SeedscopeApp> {
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .with_pixels_per_point(1.0)
        .build_ui_state(|ui, app: &mut SeedscopeApp| app.show(ui), app)
}

/// Steps the app until `done` holds (at most two minutes), then one frame more.
pub fn step_until(
    harness: &mut Harness<'_, SeedscopeApp>,
    what: &str,
    done: impl Fn(&SeedscopeApp) -> bool,
) {
    let started = Instant::now();
    while !done(harness.state()) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.step();
}

/// Settings that train `line` in `folder` (Your command), its metric read by `pattern` as an
/// accuracy, `repeats` runs of each of `conditions`.
pub fn command_settings(
    folder: &std::path::Path,
    line: &str,
    pattern: &str,
    (conditions, repeats): (&[seedscope::engine::seeds::Condition], usize),
) -> seedscope::gui::state::Settings {
    let mut settings = seedscope::gui::state::Settings::default();
    settings.config.repeats = repeats;
    settings.choice = seedscope::gui::state::ConditionChoice::from_conditions(conditions);
    settings.command.enabled = true;
    settings.command.line = line.into();
    settings.command.workdir = folder.display().to_string();
    settings.command.reads_output = true;
    settings.command.metric_pattern = pattern.into();
    settings.command.metric_name = "accuracy".into();
    settings
}

/// The app drawn at `width` × `height` (with no file dialogs or run store), Run clicked, and
/// stepped until the sweep has finished.
pub fn swept(
    settings: seedscope::gui::state::Settings,
    width: f32,
    height: f32,
) -> Harness<'static, SeedscopeApp> {
    use egui_kittest::kittest::Queryable;
    let app = SeedscopeApp::new(
        settings,
        Box::new(seedscope::gui::dialogs::NativePicker),
        Box::new(seedscope::gui::snapshot::RendererCapture),
    );
    let mut harness = harness_sized(app, width, height);
    harness.run_ok();
    harness.get_by_label("Run").click();
    step_until(&mut harness, "the sweep to start", |app| {
        app.session.is_some()
    });
    step_until(&mut harness, "the sweep to finish", |app| !app.is_running());
    harness.run_ok();
    harness
}
