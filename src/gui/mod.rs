//! The desktop app (eframe + egui_plot). It drives the same engine as the CLI: it builds an
//! `ExperimentConfig`, starts a `Sweep` on a background thread, and draws what arrives.
//! Like the CLI it is an edge: typed errors become the status line's text here, so the
//! app's helpers may carry errors as `String`.

// Unsafe code lives in the engine (its vector kernels and the few system calls), where each
// block says why it is sound; this tree has none and may never gain any.
#![forbid(unsafe_code)]

pub mod app;
pub mod command_entry;
pub mod dialogs;
pub mod explain;
pub mod frame_phases;
pub mod intent;
pub mod palette;
pub mod seed_field;
pub mod session;
pub mod settings_file;
pub mod settings_panel;
pub mod snapshot;
pub mod state;
pub mod store_link;
pub mod store_read;
pub mod study;
pub mod summarizer;
pub mod task;
pub mod tasks;
pub mod toolbar;
pub mod unattended;
pub mod views;
pub mod vision;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use eframe::egui;

use crate::engine::config::ExperimentConfig;
use crate::records::store::RunStore;
use app::SeedscopeApp;
use state::Settings;
use unattended::{UnattendedReport, UnattendedRun};

const STORAGE_KEY: &str = "seedscope-settings";

/// What the app starts from, resolved from the command line by its caller (main.rs, from
/// `seedscope gui`'s flags): the app reads no flags and no environment of its own.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The experiment the command line names (the default preset when it names none).
    pub experiment: ExperimentConfig,
    /// Its preset's name ("" for an experiment file).
    pub preset: String,
    /// Whether the command line named it (`--preset`/`--config`): it then wins over the
    /// last session's experiment.
    pub named: bool,
    /// The master seed from `--seed` or `SEEDSCOPE_SEED`, which wins over the last session's.
    pub seed: Option<u64>,
    /// Start the sweep at once; with `snapshot`, save `view` there and exit.
    pub autorun: bool,
    pub snapshot: Option<std::path::PathBuf>,
    pub view: String,
    /// The run store (None: keep no runs).
    pub store: Option<std::path::PathBuf>,
    /// The settings file (None: the default beside the run store).
    pub settings: Option<std::path::PathBuf>,
    /// `--repeats` / `--conditions` over the experiment (the last session's when not `named`).
    pub repeats: Option<usize>,
    pub conditions: Option<Vec<crate::engine::seeds::Condition>>,
    /// The experiment file the command came from (asked about before it runs).
    pub command_from: Option<String>,
    /// `--allow-command`: the user allowed that command on the command line.
    pub allow_command: bool,
    /// `--warm` (with `--preload`'s modules, empty for the script's own imports): ticks the
    /// panel's "Warm start (Python)" over the last session's choice; None leaves it.
    pub warm: Option<Vec<String>>,
}

/// The eframe wrapper: persistence, theme, and frame timing around [`SeedscopeApp`].
struct DesktopApp {
    app: SeedscopeApp,
    report: Arc<Mutex<UnattendedReport>>,
}

impl eframe::App for DesktopApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        self.app.show(ui);
        let ms = started.elapsed().as_secs_f32() * 1000.0;
        if let Ok(mut report) = self.report.lock() {
            report.frame_ms.push(ms);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.app.unattended.is_none() {
            eframe::set_value(storage, STORAGE_KEY, &self.app.settings);
        }
    }
}

/// The app's look: light, larger text — readable on a projector.
pub fn apply_style(ctx: &egui::Context) {
    ctx.set_visuals(egui::Visuals::light());
    ctx.global_style_mut(|style| {
        for (text_style, font) in style.text_styles.iter_mut() {
            if matches!(text_style, egui::TextStyle::Body | egui::TextStyle::Button) {
                font.size = 14.0;
            }
        }
    });
}

/// The settings a launch starts from: the experiment named on the command line, else the last
/// session's, else the default preset; a seed from the command line wins either way.
fn initial_settings(launch: &Launch, stored: Option<Settings>) -> Settings {
    let mut settings = match stored {
        Some(stored) if !launch.named && !launch.autorun => stored,
        _ => Settings::from_config(launch.experiment.clone(), &launch.preset),
    };
    if let Some(seed) = launch.seed {
        settings.master_seed = seed;
    }
    if let Some(repeats) = launch.repeats {
        settings.config.repeats = repeats;
    }
    if let Some(conditions) = &launch.conditions {
        settings.choice = state::ConditionChoice::from_conditions(conditions);
    }
    if launch.named && launch.command_from.is_some() {
        settings.command.from_file = launch.command_from.clone();
    }
    if let Some(preload) = &launch.warm {
        settings.command.warm = true;
        settings.command.preload = preload.join(",");
    }
    settings
}

/// The run store the app keeps runs in. A damaged or newer store is moved aside and a fresh
/// one started; a store that cannot be opened at all leaves the app without one. Either way
/// the app starts, and the notice says what happened.
fn open_store(path: Option<&std::path::Path>) -> (Option<RunStore>, Option<String>) {
    let Some(path) = path else {
        return (None, None);
    };
    match RunStore::open_or_recover(path) {
        Ok((store, notice)) => (Some(store), notice),
        Err(error) => (None, Some(format!("Runs are not being kept: {error}."))),
    }
}

/// A signal to the app ends every command it runs (and all they started) before the process
/// exits with the signal's status: the window's own event loop would never see it.
fn end_runs_on_signal() {
    use crate::engine::command::interrupt;
    interrupt::install();
    let _ = std::thread::Builder::new()
        .name("seedscope-signals".into())
        .spawn(|| {
            while !interrupt::requested() {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            interrupt::wait_for_runs_to_end(std::time::Duration::from_secs(5));
            if let Some((signal, code)) = interrupt::received() {
                eprintln!("interrupted by {signal}: every run in flight was ended");
                std::process::exit(i32::from(code));
            }
        });
}

pub fn launch(args: Launch) -> ExitCode {
    end_runs_on_signal();
    let (store, store_notice) = open_store(args.store.as_deref());
    let report = Arc::new(Mutex::new(UnattendedReport::default()));
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("seedscope — why is every run different?")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0]),
        persist_window: !args.autorun,
        ..Default::default()
    };
    let app_report = Arc::clone(&report);
    let outcome = eframe::run_native(
        "seedscope",
        options,
        Box::new(move |cc| {
            apply_style(&cc.egui_ctx);
            // The settings file is written on every change; eframe's storage (every 30 s)
            // is only the fallback for settings saved by an older seedscope.
            let mut settings_file = (!args.autorun).then(|| {
                settings_file::SettingsFile::new(
                    args.settings
                        .clone()
                        .unwrap_or_else(settings_file::default_path),
                )
            });
            let mut notice = store_notice;
            let saved = match settings_file.as_mut().map(|f| f.load()) {
                Some(settings_file::Loaded::Settings(settings)) => Some(*settings),
                Some(settings_file::Loaded::Damaged(problem)) => {
                    notice = Some(format!("{problem}; starting from the defaults."));
                    None
                }
                _ => cc
                    .storage
                    .and_then(|storage| eframe::get_value::<Settings>(storage, STORAGE_KEY)),
            };
            let settings = initial_settings(&args, saved);
            let mut app = SeedscopeApp::new(
                settings,
                Box::new(dialogs::NativePicker),
                Box::new(snapshot::RendererCapture),
            )
            .with_store(store);
            if let Some(file) = settings_file {
                app = app.with_settings_file(file);
            }
            if args.allow_command {
                app.allow_current_command();
            }
            app.message = notice.map(intent::Message::Error);
            if args.autorun {
                app.unattended = Some(UnattendedRun {
                    snapshot: args.snapshot.clone(),
                    view: state::View::from_name(&args.view).unwrap_or_default(),
                    started: false,
                    report: Arc::clone(&app_report),
                });
            }
            Ok(Box::new(DesktopApp {
                app,
                report: app_report,
            }))
        }),
    );
    // The window closed: a sweep's commands still running end now, with all they started,
    // rather than with the process (which would leave their grandchildren behind).
    crate::engine::command::interrupt::request_stop();
    crate::engine::command::interrupt::wait_for_runs_to_end(std::time::Duration::from_secs(5));
    if let Err(error) = outcome {
        eprintln!("error: cannot open the window: {error}");
        eprintln!(
            "hint: on Debian/Ubuntu the window needs libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcursor1 libxi6"
        );
        return ExitCode::from(1);
    }
    let report = report.lock().expect("report lock").clone();
    let mut frame_ms = report.frame_ms.clone();
    if !frame_ms.is_empty() {
        frame_ms.sort_by(f32::total_cmp);
        let p95 = frame_ms[((frame_ms.len() as f32 * 0.95) as usize).min(frame_ms.len() - 1)];
        println!(
            "frames: {}, p95 UI frame time {:.2} ms, max {:.2} ms",
            frame_ms.len(),
            p95,
            frame_ms.last().copied().unwrap_or_default()
        );
    }
    if !report.message.is_empty() {
        println!("{}", report.message);
    }
    ExitCode::from(report.exit_code.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(warm: Option<Vec<String>>) -> Launch {
        Launch {
            experiment: crate::engine::presets::default_config(),
            preset: crate::engine::presets::DEFAULT_PRESET.into(),
            named: false,
            seed: None,
            autorun: false,
            snapshot: None,
            view: "distributions".into(),
            store: None,
            settings: None,
            repeats: None,
            conditions: None,
            command_from: None,
            allow_command: false,
            warm,
        }
    }

    /// `gui --warm --preload …` ticks the toggle and fills Preload over the last session's
    /// settings, so the window's sweeps start as `run --warm --preload …` would; without
    /// `--warm` the last session's choice stands.
    #[test]
    fn warm_on_the_command_line_reaches_the_window_s_sweeps() {
        let mut stored = Settings::default();
        stored.command.enabled = true;
        stored.command.line = "python3 train.py".into();
        assert_eq!(stored.command.warm_preload(), None);

        let modules = vec!["numpy".to_string(), "torch".to_string()];
        let settings = initial_settings(&launch(Some(modules.clone())), Some(stored.clone()));
        assert_eq!(settings.command.warm_preload(), Some(modules));
        let settings = initial_settings(&launch(Some(Vec::new())), Some(stored.clone()));
        assert_eq!(settings.command.warm_preload(), Some(Vec::new()));

        stored.command.warm = true;
        stored.command.preload = " torch , ,numpy".into();
        let settings = initial_settings(&launch(None), Some(stored));
        assert_eq!(
            settings.command.warm_preload(),
            Some(vec!["torch".to_string(), "numpy".to_string()])
        );
    }
}
