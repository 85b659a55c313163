//! The run store as `run` uses it: the experiment's id, the runs it already has, each
//! finished run kept as it arrives, and a warning, at the start and again after the table,
//! when runs are not being kept.

use super::common::{Failure, StoreArgs};
use crate::engine::config::ExperimentConfig;
use crate::engine::record::{RunId, RunRecord};
use crate::records::store::{RunStore, StoreError};

/// The run store as this run uses it: the experiment's id and the runs it already has.
/// Any store problem after opening turns into a warning and the sweep goes on in memory.
pub(super) struct Keeper {
    store: Option<(RunStore, i64)>,
    /// Why runs stopped being kept (or were never kept), for the warning at the end: a
    /// warning only at the start scrolls away under a long sweep's progress.
    lost: Option<String>,
    /// Runs trained while the store was not keeping them.
    unkept: usize,
}

impl Keeper {
    pub(super) fn open(
        store: &StoreArgs,
        config: &ExperimentConfig,
        master_seed: u64,
    ) -> Result<Keeper, Failure> {
        let mut keeper = Keeper {
            store: None,
            lost: None,
            unkept: 0,
        };
        match store.open_for_run()? {
            None => {}
            Some(Err(why)) => keeper.lost = Some(why),
            Some(Ok(mut store)) => match store.register(config, master_seed) {
                Ok(id) => keeper.store = Some((store, id)),
                Err(error) => keeper.give_up(&error),
            },
        }
        Ok(keeper)
    }

    /// The store's path while runs are being kept in it.
    pub(super) fn store_path(&self) -> Option<&std::path::Path> {
        self.store.as_ref().map(|(store, _)| store.path())
    }

    fn give_up(&mut self, error: &StoreError) {
        eprintln!("warning: runs are not being kept: {error}");
        self.lost = Some(error.to_string());
        self.store = None;
    }

    /// A command the user typed is allowed by typing it: remembered as allowed, so that
    /// `replay` of its results file later runs it without asking.
    pub(super) fn remember_typed(&mut self, command: &crate::engine::command::CommandConfig) {
        use crate::engine::command::trust::{content_hash, describe};
        if let Some((store, _)) = &mut self.store {
            let _ = store.allow(&content_hash(command), &describe(command, "--command"));
        }
    }

    /// Keeps what the sweep learnt of the files its command writes, for the next resolution.
    pub(super) fn remember_outputs(&mut self) {
        if let Some((store, _)) = &mut self.store {
            let outputs = crate::engine::command::inputs::known_outputs();
            if let Err(error) = store.remember_outputs(&outputs) {
                eprintln!("warning: the files the command wrote were not remembered: {error}");
            }
        }
    }

    /// Says, after the table, that trained runs are missing from the store and why.
    pub(super) fn report_lost(&self) {
        if let Some(why) = &self.lost
            && self.unkept > 0
        {
            eprintln!(
                "warning: {} trained runs were NOT kept in the run store ({why}); they are only \
                 in the results file, and the next run will train them again",
                self.unkept
            );
        }
    }

    /// The stored runs among `pairs` (none without a store).
    pub(super) fn stored(&mut self, pairs: &[RunId]) -> Vec<RunRecord> {
        let Some((store, id)) = &self.store else {
            return Vec::new();
        };
        match store.lookup(*id, pairs) {
            Ok(runs) => runs,
            Err(error) => {
                self.give_up(&error);
                Vec::new()
            }
        }
    }

    /// Writes a finished run; on failure, warns once and keeps nothing more.
    pub(super) fn keep(&mut self, record: &RunRecord) {
        let failed = match &mut self.store {
            Some((store, id)) => store.insert(*id, std::slice::from_ref(record), false).err(),
            None => None,
        };
        if let Some(error) = failed {
            self.give_up(&error);
        }
        if self.store.is_none() && self.lost.is_some() && record.error.is_none() {
            self.unkept += 1;
        }
    }
}
