//! The experiment on screen, written to disk the moment it changes, so a relaunch after a
//! crash or `kill -9` comes back to it. eframe's own storage only saves every 30 s and on a
//! clean exit: a seed changed 10 s before a kill came back as the old seed, with the old
//! experiment's runs. The file is written whole (temporary file + rename), and a damaged file
//! only costs the saved settings, never the launch.

use std::path::{Path, PathBuf};

use super::state::Settings;
use crate::engine::files::{MAX_EXPERIMENT_BYTES, read_text};
use crate::records::write_atomically;

/// Where the app keeps its settings: beside the default run store
/// (`$XDG_DATA_HOME/seedscope/app-settings.json`).
pub fn default_path() -> PathBuf {
    crate::records::store::default_path().with_file_name("app-settings.json")
}

/// The settings file and what was last written to it.
pub struct SettingsFile {
    path: PathBuf,
    last_written: Option<String>,
}

/// What reading the settings file found.
pub enum Loaded {
    /// No file yet (a first launch).
    Missing,
    Settings(Box<Settings>),
    /// The file is damaged: the app starts from its defaults and says so.
    Damaged(String),
}

impl SettingsFile {
    pub fn new(path: PathBuf) -> SettingsFile {
        SettingsFile {
            path,
            last_written: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the saved settings.
    pub fn load(&mut self) -> Loaded {
        if !self.path.exists() {
            return Loaded::Missing;
        }
        let text = match read_text(&self.path, MAX_EXPERIMENT_BYTES) {
            Ok(text) => text,
            Err(error) => return Loaded::Damaged(error.to_string()),
        };
        match serde_json::from_str::<Settings>(&text) {
            Ok(settings) => {
                self.last_written = Some(text);
                Loaded::Settings(Box::new(settings))
            }
            Err(error) => Loaded::Damaged(format!(
                "{}: the saved settings cannot be read ({error})",
                self.path.display()
            )),
        }
    }

    /// Writes `settings` if they differ from what the file holds. Returns an error in words
    /// when the file cannot be written (the app shows it once and carries on).
    pub fn keep(&mut self, settings: &Settings) -> Result<(), String> {
        let text = serde_json::to_string_pretty(settings).expect("settings serialise");
        if self.last_written.as_deref() == Some(text.as_str()) {
            return Ok(());
        }
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Remember the attempt either way: a failing disk is reported once, not every frame.
        self.last_written = Some(text.clone());
        write_atomically(&self.path, text.as_bytes()).map_err(|e| {
            format!(
                "settings are not being saved to {}: {e}",
                self.path.display()
            )
        })
    }
}
