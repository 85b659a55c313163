//! Reading runs from the store on a thread of its own: 100,000 stored runs take seconds to
//! read and decode, and the window must keep answering meanwhile (it says what it is
//! reading). Each read opens its own connection; the store's WAL journal lets it read while
//! the app's connection or a sweep writes.

use std::path::PathBuf;
use std::time::Instant;

use super::task::Task;

use crate::engine::config::ExperimentConfig;
use crate::engine::record::RunRecord;
use crate::records::store::{ExperimentEntry, RunStore, StoreError, sweep_pairs};

/// History's experiment and the runs of its own sweep.
pub type Reopened = (ExperimentEntry, Vec<RunRecord>);

/// What a read was for, and what it gives back.
pub enum StoreReadDone {
    /// The stored runs of the experiment the settings show.
    Lookup(Result<Vec<RunRecord>, StoreError>),
    /// An experiment of History with its runs; `None`: it is no longer in the store.
    Reopen(Result<Option<Box<Reopened>>, StoreError>),
}

/// A read in progress.
pub struct StoreRead {
    /// The experiment and seed a lookup is for (None for a History reopen, until it is read).
    pub wanted: Option<(ExperimentConfig, u64)>,
    /// History's experiment id, for a reopen.
    pub reopening: Option<i64>,
    pub started: Instant,
    path: PathBuf,
    task: Task<StoreReadDone>,
}

impl StoreRead {
    /// Reads the stored runs of `config`'s sweep at `master_seed`.
    pub fn lookup(path: PathBuf, config: ExperimentConfig, master_seed: u64) -> StoreRead {
        let read_path = path.clone();
        let wanted = Some((config.clone(), master_seed));
        let read = move || {
            StoreReadDone::Lookup(
                RunStore::open(&path).and_then(|store| store.lookup_sweep(&config, master_seed)),
            )
        };
        StoreRead::start(read_path, wanted, None, read)
    }

    /// Reads History's experiment `id` with the runs of its own sweep, and marks it used.
    pub fn reopen(path: PathBuf, id: i64) -> StoreRead {
        let read_path = path.clone();
        let read = move || {
            StoreReadDone::Reopen((|| {
                let mut store = RunStore::open(&path)?;
                let Some(entry) = store.entry(id)? else {
                    return Ok(None);
                };
                let runs = store.lookup(id, &sweep_pairs(&entry.config))?;
                store.touch(id)?;
                Ok(Some(Box::new((entry, runs))))
            })())
        };
        StoreRead::start(read_path, None, Some(id), read)
    }

    fn start(
        path: PathBuf,
        wanted: Option<(ExperimentConfig, u64)>,
        reopening: Option<i64>,
        read: impl FnOnce() -> StoreReadDone + Send + 'static,
    ) -> StoreRead {
        StoreRead {
            wanted,
            reopening,
            started: Instant::now(),
            path,
            task: Task::spawn("store-read", None, read),
        }
    }

    /// The result once the read has finished. A read whose thread could not start or died
    /// reports that as a store error instead of waiting forever.
    pub fn poll(&mut self) -> Option<StoreReadDone> {
        match self.task.poll()? {
            Ok(done) => Some(done),
            Err(error) => {
                let error = unavailable(self.path.clone(), error.to_string());
                Some(match self.reopening {
                    Some(_) => StoreReadDone::Reopen(Err(error)),
                    None => StoreReadDone::Lookup(Err(error)),
                })
            }
        }
    }
}

fn unavailable(path: PathBuf, detail: String) -> StoreError {
    StoreError::Unavailable {
        path,
        detail,
        source: None,
    }
}
