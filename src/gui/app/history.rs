//! History's intents: its entries when the view shows, reopening an experiment with its
//! stored runs (read on a thread), and deleting one (split out of commands.rs).

use super::{READING, SeedscopeApp};
use crate::gui::intent::Message;
use crate::gui::session::Session;
use crate::gui::state::View;
use crate::gui::store_read::{Reopened, StoreRead};
use crate::records::store::StoreError;

impl SeedscopeApp {
    /// History's entries when the History view is showing (None: no store).
    pub(super) fn history_for_view(
        &mut self,
    ) -> Option<Vec<crate::records::store::ExperimentEntry>> {
        let link = self.store.as_mut()?;
        if self.settings.view != View::History {
            return Some(Vec::new());
        }
        match link.history() {
            Ok(entries) => Some(entries.to_vec()),
            Err(error) => {
                self.message = Some(Message::Error(format!("Cannot read History: {error}")));
                Some(Vec::new())
            }
        }
    }

    /// Opens an experiment of History with its stored runs (read on a thread:
    /// [`Self::pump_store_read`] shows them).
    pub(super) fn reopen_experiment(&mut self, id: i64) {
        let Some(link) = &mut self.store else { return };
        link.mark_history_stale();
        self.message = Some(Message::Info(format!("{READING}: experiment {id}…")));
        self.store_read = Some(StoreRead::reopen(link.path().to_path_buf(), id));
    }

    /// What a History reopen read: the experiment on screen with its runs, or why not.
    pub(super) fn reopened(&mut self, id: i64, result: Result<Option<Box<Reopened>>, StoreError>) {
        match result {
            Ok(Some(reopened)) => {
                let (entry, runs) = *reopened;
                let seed = entry.key.master_seed;
                self.adopt(entry.config, seed);
                // A command in the store may have come from files (merged shards): it runs
                // without asking only if it was typed or allowed here before.
                self.settings.command.from_file = self
                    .settings
                    .command
                    .enabled
                    .then(|| format!("the run store (experiment {id})"));
                let config = self.settings.experiment();
                let wanted = crate::records::store::sweep_pairs(&config);
                let runs: Vec<_> = runs
                    .into_iter()
                    .filter(|r| wanted.contains(&r.id()))
                    .collect();
                self.message = Some(Message::Info(format!(
                    "Reopened experiment {id}: {} stored runs, master seed {seed}.",
                    runs.len()
                )));
                let session = (!runs.is_empty()).then(|| Session::new(config.clone(), seed, runs));
                self.show_session(session, config, seed);
            }
            Ok(None) => {
                self.message = Some(Message::Error(format!(
                    "Experiment {id} is no longer in the store."
                )));
            }
            Err(error) => self.message = Some(Message::Error(format!("Cannot reopen: {error}"))),
        }
    }

    pub(super) fn delete_experiment(&mut self, id: i64) {
        let Some(link) = &mut self.store else { return };
        self.message = Some(match link.delete(id) {
            Ok(true) => Message::Info(format!("Deleted experiment {id} and its runs.")),
            Ok(false) => Message::Error(format!("Experiment {id} was already gone.")),
            Err(error) => Message::Error(format!("Cannot delete: {error}")),
        });
        // What is on screen may have been that experiment: look it up again.
        self.last_seen = None;
        self.session = None;
    }
}
