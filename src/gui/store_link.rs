//! The app's link to the run store: lookups (on a thread of their own: `store_read.rs`, or
//! here for a sweep that starts before its runs were read), writes on the sweep's thread through a connection of its own, and the
//! History list. Problems writing are reported back to the status line, never fatal: the
//! runs stay in memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunRecord;
use crate::engine::sweep_thread::KeepRun;
use crate::records::store::{ExperimentEntry, RunStore, StoreError};

pub struct StoreLink {
    store: RunStore,
    /// A write problem seen on the sweep's thread, for the status line.
    warning: Arc<Mutex<Option<String>>>,
    history: Vec<ExperimentEntry>,
    history_stale: bool,
}

impl StoreLink {
    pub fn new(store: RunStore) -> StoreLink {
        StoreLink {
            store,
            warning: Arc::new(Mutex::new(None)),
            history: Vec::new(),
            history_stale: true,
        }
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Whether the command with this content hash was allowed (a store that cannot answer
    /// has allowed nothing).
    pub fn is_allowed(&self, content_hash: &str) -> bool {
        self.store.is_allowed(content_hash).unwrap_or(false)
    }

    /// Remembers an allowed command.
    pub fn allow(&mut self, content_hash: &str, shown: &str) -> Result<(), StoreError> {
        self.store.allow(content_hash, shown)
    }

    /// The files commands are known to write, and remembering new ones.
    pub fn command_outputs(&self) -> Vec<PathBuf> {
        self.store.command_outputs().unwrap_or_default()
    }

    pub fn remember_outputs(&mut self, outputs: &[PathBuf]) -> Result<(), StoreError> {
        self.store.remember_outputs(outputs)
    }

    /// The stored runs of `config`'s sweep at `master_seed`.
    pub fn stored(
        &self,
        config: &ExperimentConfig,
        master_seed: u64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.store.lookup_sweep(config, master_seed)
    }

    /// Creates (or marks used) the experiment's row; its id is what runs are stored under.
    pub fn register(
        &mut self,
        config: &ExperimentConfig,
        master_seed: u64,
    ) -> Result<i64, StoreError> {
        self.history_stale = true;
        self.store.register(config, master_seed)
    }

    /// What the sweep's thread calls with each finished run: writes it under `experiment`
    /// (replacing a stored copy on Retrain) through its own connection, opened on first use.
    pub fn keeper(&self, experiment: i64, replace: bool) -> KeepRun {
        let path: PathBuf = self.store.path().to_path_buf();
        let warning = Arc::clone(&self.warning);
        let mut connection: Option<RunStore> = None;
        let mut failed = false;
        Box::new(move |record: &RunRecord| {
            if failed {
                return;
            }
            let result = match &mut connection {
                Some(store) => store.insert(experiment, std::slice::from_ref(record), replace),
                None => RunStore::open(&path).and_then(|mut store| {
                    let written = store.insert(experiment, std::slice::from_ref(record), replace);
                    connection = Some(store);
                    written
                }),
            };
            if let Err(error) = result {
                failed = true;
                *warning
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(format!(
                    "Runs are not being kept: {error}. \
                     Finished runs stay in memory; export them to keep them."
                ));
            }
        })
    }

    /// A write problem since the last call.
    pub fn take_warning(&self) -> Option<String> {
        self.warning
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    pub fn mark_history_stale(&mut self) {
        self.history_stale = true;
    }

    /// Every experiment in the store, newest first (re-read when something changed).
    pub fn history(&mut self) -> Result<&[ExperimentEntry], StoreError> {
        if self.history_stale {
            self.history = self.store.history()?;
            self.history_stale = false;
        }
        Ok(&self.history)
    }

    pub fn delete(&mut self, id: i64) -> Result<bool, StoreError> {
        self.history_stale = true;
        self.store.delete(id)
    }
}
