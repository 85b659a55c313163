//! Files in and out of the app: the file dialogs, a path typed where no dialog can be shown,
//! files dropped onto the window, saving results and experiments, opening an experiment or a
//! results file, and making a CSV file the data set.
//!
//! An experiment or results file is something people share, and its `data.path` may name any
//! file: when one reads a CSV file the user has not opened here, the status line says which
//! file it reads, so a shared file cannot quietly read something else.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::SeedscopeApp;
use crate::analysis::words::count_of;
use crate::engine::config::{DatasetKind, ExperimentConfig};
use crate::engine::files::{MAX_RESULTS_BYTES, read_text};
use crate::gui::dialogs::{Picked, default_path};
use crate::gui::intent::Message;
use crate::gui::session::Session;
use crate::gui::state::Settings;
use crate::gui::tasks::PickPurpose;
use crate::records::{ResultsFile, ResultsFileError, runs_csv, write_atomically};

/// A path typed by the user where no file dialog can be shown.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPrompt {
    pub purpose: PickPurpose,
    pub text: String,
}

impl SeedscopeApp {
    pub(super) fn pick(&mut self, purpose: PickPurpose, ctx: &egui::Context) {
        if self.picks.is_open() {
            self.message = Some(Message::Info("A file dialog is already open.".into()));
            return;
        }
        if purpose.needs_results() && self.session.as_ref().is_none_or(|s| s.runs.is_empty()) {
            self.message = Some(Message::Error(
                "Nothing to save yet: press Run first.".into(),
            ));
            return;
        }
        self.picks.open(purpose, ctx);
        self.pump_pick(ctx);
    }

    pub(super) fn pump_pick(&mut self, ctx: &egui::Context) {
        let Some((purpose, picked)) = self.picks.answer() else {
            return;
        };
        let path = match picked {
            Picked::Chosen(path) => path,
            Picked::Cancelled => {
                self.message = Some(Message::Info("Cancelled.".into()));
                return;
            }
            // Without a dialog a file to open is typed (or dropped onto the window).
            Picked::NoDialog
                if matches!(purpose, PickPurpose::OpenCsv | PickPurpose::OpenExperiment) =>
            {
                self.path_prompt = Some(PathPrompt {
                    purpose,
                    text: String::new(),
                });
                self.message = Some(Message::Info(
                    "No file dialog can be shown here: type the file's path, or drop the file onto the window.".into(),
                ));
                return;
            }
            Picked::NoDialog => {
                let (what, extension) = purpose.default_file();
                default_path(what, extension)
            }
        };
        self.open_path(purpose, &path, ctx);
    }

    fn open_path(&mut self, purpose: PickPurpose, path: &Path, ctx: &egui::Context) {
        match purpose {
            PickPurpose::Snapshot => self.begin_snapshot(path.to_path_buf(), ctx),
            PickPurpose::OpenExperiment => self.open_experiment(path),
            PickPurpose::OpenCsv => self.open_csv(path),
            PickPurpose::ExportJson | PickPurpose::ExportCsv | PickPurpose::SaveExperiment => {
                self.save_file(purpose, path)
            }
        }
    }

    /// The path field shown when no file dialog can be: Open reads the typed path.
    pub(super) fn show_path_prompt(&mut self, ctx: &egui::Context) {
        let Some(prompt) = &mut self.path_prompt else {
            return;
        };
        let title = match prompt.purpose {
            PickPurpose::OpenCsv => "Open a CSV file",
            _ => "Open an experiment or results file",
        };
        let (mut open, mut cancel) = (false, false);
        egui::Window::new(title)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| {
                ui.label("No file dialog can be shown on this desktop. Type the file's path (or drop the file onto the window):");
                ui.horizontal(|ui| {
                    let label = ui.label("Path");
                    let field = ui
                        .add(
                            egui::TextEdit::singleline(&mut prompt.text)
                                .desired_width(420.0)
                                .hint_text("/home/me/data.csv"),
                        )
                        .labelled_by(label.id);
                    if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        open = true;
                    }
                });
                ui.horizontal(|ui| {
                    open |= ui.button("Open path").clicked();
                    cancel = ui.button("Cancel").clicked();
                });
            });
        if cancel {
            self.path_prompt = None;
            self.message = Some(Message::Info("Cancelled.".into()));
        } else if open && !prompt.text.trim().is_empty() {
            let (purpose, path) = (prompt.purpose, PathBuf::from(prompt.text.trim()));
            self.path_prompt = None;
            self.open_path(purpose, &path, ctx);
        }
    }

    /// Files dropped onto the window: a `.csv` becomes the data set, a `.json` opens as an
    /// experiment or a results file. While files hover, the window says what a drop does.
    pub(super) fn take_dropped_files(&mut self, ctx: &egui::Context) {
        let (hovering, dropped) = ctx.input(|i| {
            (
                !i.raw.hovered_files.is_empty(),
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .collect::<Vec<PathBuf>>(),
            )
        });
        if hovering {
            egui::Area::new(egui::Id::unique("drop-hint"))
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    ui.label(
                        egui::RichText::new(
                            "Drop a .csv to train on it, or a .json experiment or results file to open it",
                        )
                        .size(20.0)
                        .strong(),
                    );
                });
        }
        // One file per drop: several would each replace the last.
        if let Some(path) = dropped.first() {
            self.open_dropped(path);
        }
    }

    /// Opens one dropped file by its extension.
    pub fn open_dropped(&mut self, path: &Path) {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => self.open_csv(path),
            Some("json") => self.open_experiment(path),
            _ => {
                self.message = Some(Message::Error(format!(
                    "{}: drop a .csv file (data) or a .json file (experiment or results)",
                    path.display()
                )))
            }
        }
    }

    /// Writes the results, the runs or the experiment to `path`, all or nothing.
    fn save_file(&mut self, purpose: PickPurpose, path: &Path) {
        let contents = match purpose {
            PickPurpose::ExportJson => self.session.as_ref().map(|s| s.results_file().to_json()),
            PickPurpose::ExportCsv => self.session.as_ref().map(|s| runs_csv(&s.runs)),
            _ => Some(self.settings.experiment().to_json()),
        };
        let Some(contents) = contents else { return };
        self.message = Some(match write_atomically(path, contents.as_bytes()) {
            Ok(()) => Message::Info(format!("Saved {}", path.display())),
            Err(e) => Message::Error(format!("Cannot write {}: {e}", path.display())),
        });
    }

    /// Opens an experiment file, or a results file (from `run`, `merge`, `export` or Export
    /// JSON) with all its runs and views; on any problem the current settings stay as they
    /// were.
    pub fn open_experiment(&mut self, path: &Path) {
        if std::fs::File::open(path).is_ok_and(crate::records::parquet::starts_like_parquet) {
            match ResultsFile::load(path) {
                Ok(results) => self.open_results(results, path),
                Err(error) => {
                    self.message = Some(Message::Error(format!(
                        "{error}. The current settings are kept."
                    )))
                }
            }
            return;
        }
        let text = match read_text(path, MAX_RESULTS_BYTES) {
            Ok(text) => text,
            Err(error) => {
                self.message = Some(Message::Error(error.to_string()));
                return;
            }
        };
        // The results reader tells by type whether this is a results file at all; only
        // what is not one is read as an experiment, so each error is the right reader's.
        match ResultsFile::from_json(&text) {
            Ok(results) => return self.open_results(results, path),
            Err(ResultsFileError::NotResults { .. }) => {}
            Err(error) => {
                self.message = Some(Message::Error(format!(
                    "{}: {error}. The current settings are kept.",
                    path.display()
                )));
                return;
            }
        }
        let config = ExperimentConfig::from_json(&text)
            .map_err(|e| e.to_string())
            .and_then(|mut config| {
                config.resolve_data_path(path);
                config.resolve_command_folder(path);
                crate::engine::data::prepare(&mut config.data).map_err(|e| e.to_string())?;
                Ok(config)
            });
        match config {
            Ok(config) => {
                let reads = self.unfamiliar_csv(&config);
                self.adopt(config, self.settings.master_seed);
                self.settings.command.from_file = self
                    .settings
                    .command
                    .enabled
                    .then(|| path.display().to_string());
                self.message = Some(Message::Info(format!("Opened {}{reads}", path.display())));
            }
            Err(error) => {
                self.message = Some(Message::Error(format!(
                    "{}: {error}. The current settings are kept.",
                    path.display()
                )))
            }
        }
    }

    /// " It reads its data from F, a file not opened here before." when `config` reads a CSV
    /// file the user has not opened in this app; empty otherwise.
    fn unfamiliar_csv(&self, config: &ExperimentConfig) -> String {
        match (&config.data.kind, &config.data.path) {
            (DatasetKind::Csv, Some(csv)) if !self.opened_csvs.contains(csv) => format!(
                ". It reads its data from {} — a file not opened here before; check it is the file you expect.",
                csv.display()
            ),
            _ => String::new(),
        }
    }

    /// Shows a results file's runs as the open experiment, without training.
    fn open_results(&mut self, results: ResultsFile, path: &Path) {
        if self.is_running() {
            self.message = Some(Message::Error(
                "A sweep is running: cancel it or let it finish first.".into(),
            ));
            return;
        }
        let seed = results.master_seed;
        let count = results.runs.len();
        let reads = self.unfamiliar_csv(&results.config);
        self.adopt(results.config, seed);
        self.settings.command.from_file = self
            .settings
            .command
            .enabled
            .then(|| path.display().to_string());
        let config = self.settings.experiment();
        self.message = Some(Message::Info(format!(
            "Opened {}: {}, master seed {seed}{reads}",
            path.display(),
            count_of(count, "run")
        )));
        let session = (count > 0).then(|| Session::new(config.clone(), seed, results.runs));
        self.show_session(session, config, seed);
    }

    /// Makes the CSV file at `path` the data set, predicting its last column (the panel lets
    /// the user pick another). On any problem the previous data set stays, and nothing
    /// trained is touched.
    pub fn open_csv(&mut self, path: &Path) {
        let mut data = self.settings.config.data.clone();
        data.kind = DatasetKind::Csv;
        data.path = Some(path.to_path_buf());
        data.sha256 = None;
        data.task = Some(Default::default());
        let columns = match crate::engine::data::csv_file::header(path) {
            Ok(columns) => columns,
            Err(error) => {
                self.message = Some(Message::Error(format!(
                    "{error}. The previous data set is kept."
                )));
                return;
            }
        };
        data.target = columns.last().cloned();
        match crate::engine::data::prepare(&mut data) {
            Ok(()) => {
                self.opened_csvs.insert(path.to_path_buf());
                self.settings.csv_columns = columns;
                self.settings.config.data = data;
                // The experiment is now the file's, not the preset's: named by the file, in
                // the plots' titles and in History.
                self.settings.preset = String::new();
                self.settings.config.name = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.message = Some(Message::Info(format!(
                    "Data set: {} (predicting `{}`; pick another column under Data)",
                    path.display(),
                    crate::engine::files::quote(
                        self.settings
                            .config
                            .data
                            .target
                            .as_deref()
                            .unwrap_or_default()
                    )
                )));
            }
            Err(error) => {
                self.message = Some(Message::Error(format!(
                    "{error}. The previous data set is kept."
                )))
            }
        }
    }

    /// Replaces the settings with `config` at `seed` (and the views' selections with their
    /// defaults: the runs they named may not exist in the new experiment).
    pub(super) fn adopt(&mut self, config: ExperimentConfig, seed: u64) {
        let (warm, preload) = (
            self.settings.command.warm,
            std::mem::take(&mut self.settings.command.preload),
        );
        self.settings = Settings::from_config(config, "");
        self.settings.master_seed = seed;
        self.settings.command.warm = warm;
        self.settings.command.preload = preload;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_results_file_is_told_from_an_experiment_by_the_error_type() {
        let experiment = crate::engine::presets::default_config().to_json();
        assert!(matches!(
            ResultsFile::from_json(&experiment),
            Err(ResultsFileError::NotResults { .. })
        ));
        assert!(matches!(
            ResultsFile::from_json("not json"),
            Err(ResultsFileError::NotResults { .. })
        ));
        // A results file that is damaged is one, and says what is wrong with it.
        assert!(matches!(
            ResultsFile::from_json(r#"{"runs": [], "schema_version": 99}"#),
            Err(ResultsFileError::Invalid { .. })
        ));
    }
}
