//! History: the experiments in the store, how each is described, and when it was used.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{ExperimentKey, RunStore, StoreError};
use crate::engine::config::ExperimentConfig;

/// One experiment in the store, as History lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentEntry {
    pub id: i64,
    pub key: ExperimentKey,
    /// The experiment as last run, with its conditions and repeats.
    pub config: ExperimentConfig,
    /// "circles · 2-16-16-1 relu · adam lr 0.01 · 30 epochs".
    pub summary: String,
    pub runs: usize,
    pub created: SystemTime,
    pub used: SystemTime,
}

/// A stored timestamp as a time. Total: a damaged row (quick_check does not read values)
/// can hold a negative, enormous or non-finite number, which `Duration::from_secs_f64` and
/// `SystemTime + Duration` would panic on; such a time reads as the epoch instead.
fn from_unix(seconds: f64) -> SystemTime {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|since| UNIX_EPOCH.checked_add(since))
        .unwrap_or(UNIX_EPOCH)
}

/// The name a setting has in experiment files ("random-regression", "adam").
fn file_name_of<T: serde::Serialize>(setting: &T) -> String {
    serde_json::to_value(setting)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The name History shows for an experiment: its own, else its data file's (a CSV experiment
/// written without a name), else "custom". The app and `seedscope history` alike.
pub fn display_name(config: &ExperimentConfig) -> String {
    if !config.name.trim().is_empty() {
        return config.name.clone();
    }
    config
        .data
        .path
        .as_ref()
        .filter(|_| config.data.kind.is_table())
        .and_then(|path| path.file_name())
        .map(|file| file.to_string_lossy().into_owned())
        .unwrap_or_else(|| "custom".to_string())
}

/// A one-line description of an experiment's training settings, for History.
pub fn settings_summary(config: &ExperimentConfig) -> String {
    if let Some(command) = &config.command {
        let folder = command
            .workdir
            .as_ref()
            .map(|dir| format!(" in {}", dir.display()))
            .unwrap_or_default();
        return crate::engine::files::escape(&format!(
            "command: {}{folder}",
            command.display_line()
        ));
    }
    let widths: Vec<String> = config.model.hidden.iter().map(usize::to_string).collect();
    // A fixed table has its own row count; `samples` means nothing for it.
    let rows = if config.data.kind.is_table() {
        crate::engine::data::load_table(&config.data)
            .map(|table| table.rows().to_string())
            .unwrap_or_else(|_| "?".into())
    } else {
        config.data.samples.to_string()
    };
    format!(
        "{} n={} · {} {} dropout {} · {} lr {} · {} epochs, batch {}",
        file_name_of(&config.data.kind),
        rows,
        if widths.is_empty() {
            "linear".to_string()
        } else {
            widths.join("-")
        },
        file_name_of(&config.model.activation),
        config.model.dropout,
        file_name_of(&config.training.optimizer),
        config.training.learning_rate,
        config.training.epochs,
        config.training.batch_size,
    )
}

impl RunStore {
    /// Every experiment, most recently used first.
    pub fn history(&self) -> Result<Vec<ExperimentEntry>, StoreError> {
        (|| -> Result<Vec<ExperimentEntry>, StoreError> {
            let mut statement = self.connection.prepare(
                "SELECT id, settings_hash, master_seed, fingerprint, config_json, summary, run_count,
                        created_unix, used_unix
                 FROM experiments ORDER BY used_unix DESC, id DESC",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    ExperimentKey {
                        settings_hash: row.get(1)?,
                        master_seed: row.get::<_, i64>(2)? as u64,
                        fingerprint: row.get(3)?,
                    },
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                    row.get::<_, f64>(7)?,
                    row.get::<_, f64>(8)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (id, key, config_json, summary, runs, created, used) = row?;
                let config = ExperimentConfig::from_json(&config_json).map_err(|e| {
                    StoreError::corrupt(format!("experiment {id} has an unreadable config: {e}"))
                })?;
                entries.push(ExperimentEntry {
                    id,
                    key,
                    config,
                    summary,
                    runs: runs as usize,
                    created: from_unix(created),
                    used: from_unix(used),
                });
            }
            Ok(entries)
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// One experiment of [`Self::history`].
    pub fn entry(&self, id: i64) -> Result<Option<ExperimentEntry>, StoreError> {
        (|| -> Result<Option<ExperimentEntry>, StoreError> {
            Ok(self.history()?.into_iter().find(|e| e.id == id))
        })()
        .map_err(|e| e.at(&self.path))
    }
}

/// "2026-11-22 18:40 UTC": when an experiment was stored or used, for History.
pub fn utc_text(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day number.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60
    )
}
