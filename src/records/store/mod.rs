//! The run store: every run record, kept in an embedded SQLite file the moment it finishes,
//! and reused wherever this binary would reproduce it bit for bit ([`key`]). One file, no
//! server; WAL journal so a reader (the app) and a writer (a CLI run) can share it, and a busy
//! timeout so two writers take turns instead of failing.
//!
//! What is stored per run: the whole `RunRecord` as deflated JSON (curves, predictions, the
//! 40×40 decision grid, seeds, fingerprints) plus the columns lookups and history need.
//! The grid could be recomputed from the weights, but only by storing the weights, which
//! costs more than the compressed grid (a 2-16-16-1 net is 337 floats, 1.3 KB; the grid's
//! 1600 digits deflate to a few hundred bytes), so the record is kept whole.

mod access;
mod codec;
mod commands;
mod error;
mod history;
pub mod key;
mod recover;
mod schema;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub use crate::engine::sweep::sweep_pairs;
use access::{Access, check_regular, open_read_only};
pub use error::StoreError;
pub use history::{ExperimentEntry, display_name, settings_summary, utc_text};
pub use key::{ExperimentKey, NUMERICS_VERSION, engine_fingerprint, settings_hash};
use recover::{looks_like_a_store, quarantine};
pub use schema::SCHEMA_VERSION;

use crate::engine::config::ExperimentConfig;
use crate::engine::record::{RunId, RunRecord};

/// The environment variable that overrides the store's path.
pub const STORE_ENV: &str = "SEEDSCOPE_STORE";

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The default store: `$XDG_DATA_HOME/seedscope/runs.sqlite` (else `~/.local/share/…`), next
/// to the app's settings. A relative XDG_DATA_HOME is ignored, as the XDG spec says: it
/// would move the store with the working directory.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("seedscope").join("runs.sqlite")
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub struct RunStore {
    connection: Connection,
    path: PathBuf,
}

impl RunStore {
    /// Opens (creating if needed) the store at `path`, checks it is intact (SQLite's
    /// `quick_check`) and brings its schema up to date.
    pub fn open(path: &Path) -> Result<RunStore, StoreError> {
        RunStore::open_as(path, Access::ReadWrite).map_err(|e| e.at(path))
    }

    /// Opens an existing store to read only (`history`, `export`): nothing in the file is
    /// changed, so a store on a read-only file system, or one this user may not write, can
    /// still be read. A store that does not exist is an error, not a new file.
    pub fn open_to_read(path: &Path) -> Result<RunStore, StoreError> {
        RunStore::open_as(path, Access::ReadOnly).map_err(|e| e.at(path))
    }

    fn open_as(path: &Path, access: Access) -> Result<RunStore, StoreError> {
        check_regular(path)?;
        if access == Access::ReadWrite
            && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::unavailable(path, format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        // Two processes creating one store take turns like any other writers: whatever
        // SQLite answers "busy" or "locked" without waiting (a journal-mode switch, a lock
        // upgrade) is tried again until the busy timeout has passed.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match RunStore::try_open(path, access) {
                Err(error) if error.is_busy() && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                other => return other,
            }
        }
    }

    fn try_open(path: &Path, access: Access) -> Result<RunStore, StoreError> {
        let connection = match access {
            Access::ReadWrite => {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                Connection::open_with_flags(path, flags)?
            }
            Access::ReadOnly => open_read_only(path)?,
        };
        let mut connection = connection;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // The first statement that reads the file: garbage bytes fail here. A newer store is
        // refused before anything in it changes (not even its journal mode).
        schema::refuse_newer(&connection)?;
        if access == Access::ReadWrite {
            connection.pragma_update(None, "journal_mode", "WAL")?;
            connection.pragma_update(None, "synchronous", "NORMAL")?;
        }
        connection.pragma_update(None, "foreign_keys", true)?;
        check_intact(&connection)?;
        match access {
            Access::ReadWrite => schema::migrate(&mut connection)?,
            Access::ReadOnly => schema::refuse_older(&connection)?,
        }
        Ok(RunStore {
            connection,
            path: path.to_path_buf(),
        })
    }

    /// Opens the store; a corrupt or foreign file (or one from a newer seedscope) is moved
    /// aside to `<name>.corrupt-<unix time>` and a fresh store takes its place. Returns the
    /// store and, when the file was moved, what happened in words.
    pub fn open_or_recover(path: &Path) -> Result<(RunStore, Option<String>), StoreError> {
        match RunStore::open(path) {
            Ok(store) => Ok((store, None)),
            // Only a store is moved aside: `--store train.py` must not rename the user's script.
            Err(error) if error.is_unusable() && !looks_like_a_store(path) => {
                Err(StoreError::unavailable(
                    path,
                    "it is not a run store (not an SQLite file); name another file with --store, or pass --no-store".to_string(),
                ))
            }
            Err(error) if error.is_unusable() => {
                let moved = quarantine(path)?;
                let store = RunStore::open(path)?;
                let notice = format!(
                    "{error}. It was moved to {} and a new store was started.",
                    moved.display()
                );
                Ok((store, Some(notice)))
            }
            Err(other) => Err(other),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The experiment's id, if the store has it.
    pub fn find(&self, key: &ExperimentKey) -> Result<Option<i64>, StoreError> {
        (|| -> Result<Option<i64>, StoreError> {
            Ok(self
                .connection
                .query_row(
                    "SELECT id FROM experiments
                     WHERE settings_hash = ?1 AND master_seed = ?2 AND fingerprint = ?3",
                    params![key.settings_hash, key.master_seed as i64, key.fingerprint],
                    |row| row.get(0),
                )
                .optional()?)
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// The experiment's id, creating its row if needed; records `config` as the experiment's
    /// latest form (conditions, repeats) and marks it used now.
    pub fn register(
        &mut self,
        config: &ExperimentConfig,
        master_seed: u64,
    ) -> Result<i64, StoreError> {
        (|| -> Result<i64, StoreError> {
            let key = ExperimentKey::new(config, master_seed);
            let now = now_unix();
            let config_json = config.to_json();
            self.connection.execute(
                "INSERT INTO experiments
                     (settings_hash, master_seed, fingerprint, config_json, summary, created_unix, used_unix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (settings_hash, master_seed, fingerprint)
                 DO UPDATE SET config_json = excluded.config_json, used_unix = excluded.used_unix",
                params![
                    key.settings_hash,
                    master_seed as i64,
                    key.fingerprint,
                    config_json,
                    settings_summary(config),
                    now
                ],
            )?;
            Ok(self.find(&key)?.expect("the row was just written"))
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// The stored runs of `experiment` among `wanted` (condition, run index) pairs, in the
    /// order asked for.
    pub fn lookup(&self, experiment: i64, wanted: &[RunId]) -> Result<Vec<RunRecord>, StoreError> {
        (|| -> Result<Vec<RunRecord>, StoreError> {
            let mut statement = self.connection.prepare_cached(
                "SELECT record FROM runs WHERE experiment_id = ?1 AND condition = ?2 AND run_index = ?3",
            )?;
            let mut found = Vec::new();
            for id in wanted {
                let blob: Option<Vec<u8>> = statement
                    .query_row(params![experiment, id.condition.to_string(), id.index as i64], |row| {
                        row.get(0)
                    })
                    .optional()?;
                if let Some(blob) = blob {
                    found.push(codec::decode(&blob)?);
                }
            }
            Ok(found)
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// The stored runs of `config`'s sweep at `master_seed` (its conditions × repeats), or
    /// none when the store has never seen the experiment.
    pub fn lookup_sweep(
        &self,
        config: &ExperimentConfig,
        master_seed: u64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        (|| -> Result<Vec<RunRecord>, StoreError> {
            let Some(id) = self.find(&ExperimentKey::new(config, master_seed))? else {
                return Ok(Vec::new());
            };
            self.lookup(id, &sweep_pairs(config))
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// Every stored run of `experiment`.
    pub fn runs(&self, experiment: i64) -> Result<Vec<RunRecord>, StoreError> {
        (|| -> Result<Vec<RunRecord>, StoreError> {
            let mut statement = self.connection.prepare(
                "SELECT record FROM runs WHERE experiment_id = ?1 ORDER BY condition, run_index",
            )?;
            let blobs = statement
                .query_map(params![experiment], |row| row.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            blobs.iter().map(|b| codec::decode(b)).collect()
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// Writes finished runs of `experiment` in one transaction. Failed runs (a panic, an
    /// engine error) are not kept: they say nothing about training. `replace` overwrites
    /// runs already stored (Retrain); otherwise the first stored copy wins, so two processes
    /// writing the same run leave one row.
    pub fn insert(
        &mut self,
        experiment: i64,
        records: &[RunRecord],
        replace: bool,
    ) -> Result<usize, StoreError> {
        (|| -> Result<usize, StoreError> {
            let transaction = self.connection.transaction()?;
            let verb = if replace {
                "INSERT OR REPLACE"
            } else {
                "INSERT OR IGNORE"
            };
            let mut written = 0;
            {
                let mut statement = transaction.prepare_cached(&format!(
                    "{verb} INTO runs (experiment_id, condition, run_index, sample_only, weights_hash,
                                       final_test_metric, record, stored_unix)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ))?;
                let now = now_unix();
                for record in records.iter().filter(|r| r.error.is_none()) {
                    written += statement.execute(params![
                        experiment,
                        record.condition.to_string(),
                        record.run_index as i64,
                        !record.replayable,
                        record.weights_hash,
                        record.final_test_metric,
                        codec::encode(record),
                        now
                    ])?;
                }
            }
            transaction.execute(
                "UPDATE experiments SET run_count = (SELECT COUNT(*) FROM runs WHERE experiment_id = ?1)
                 WHERE id = ?1",
                params![experiment],
            )?;
            transaction.commit()?;
            Ok(written)
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// Deletes an experiment and its runs; false when there was no such experiment.
    pub fn delete(&mut self, id: i64) -> Result<bool, StoreError> {
        (|| -> Result<bool, StoreError> {
            Ok(self
                .connection
                .execute("DELETE FROM experiments WHERE id = ?1", params![id])?
                > 0)
        })()
        .map_err(|e| e.at(&self.path))
    }

    /// Marks an experiment as just used (it moves to the top of History).
    pub fn touch(&mut self, id: i64) -> Result<(), StoreError> {
        (|| -> Result<(), StoreError> {
            self.connection.execute(
                "UPDATE experiments SET used_unix = ?2 WHERE id = ?1",
                params![id, now_unix()],
            )?;
            Ok(())
        })()
        .map_err(|e| e.at(&self.path))
    }
}

/// SQLite's own check of the file's structure (pages, b-trees, indexes — not every row's
/// content): a store with flipped bytes must not be written into or read from as if whole.
fn check_intact(connection: &Connection) -> Result<(), StoreError> {
    let mut statement = connection.prepare("PRAGMA quick_check")?;
    let findings: Vec<String> = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(());
    }
    let first = findings.first().cloned().unwrap_or_default();
    Err(StoreError::corrupt(format!(
        "SQLite's integrity check fails: {}{}",
        crate::engine::files::quote(&first),
        if findings.len() > 1 {
            format!(" and {} more problems", findings.len() - 1)
        } else {
            String::new()
        }
    )))
}
