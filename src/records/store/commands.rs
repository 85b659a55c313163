//! What the store remembers of commands, apart from their runs: the commands the user allowed
//! (docs/your-command.md, "What seedscope guarantees"), by the hash of their content (`engine::command::trust::content_hash`),
//! as `direnv allow` remembers a file's; and the files commands' runs wrote (outputs, never
//! inputs: `engine::config::inputs`). The tables are made on first write, so a store written
//! before them (or opened only to read) needs no migration: without them, nothing is known.

use rusqlite::{OptionalExtension, params};

use super::{RunStore, StoreError, now_unix};

const CREATE: &str = "CREATE TABLE IF NOT EXISTS allowed_commands (
    content_hash TEXT PRIMARY KEY,
    -- the command as it was shown when allowed, for a person reading the store
    shown        TEXT NOT NULL,
    allowed_unix REAL NOT NULL
)";

const CREATE_OUTPUTS: &str = "CREATE TABLE IF NOT EXISTS command_outputs (
    -- an absolute path a run of a command created or wrote
    path       TEXT PRIMARY KEY,
    seen_unix  REAL NOT NULL
)";

impl RunStore {
    fn has_table(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                params![name],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }

    /// Whether the command with this content hash was allowed.
    pub fn is_allowed(&self, content_hash: &str) -> Result<bool, StoreError> {
        if !self.has_table("allowed_commands")? {
            return Ok(false);
        }
        Ok(self
            .connection
            .query_row(
                "SELECT 1 FROM allowed_commands WHERE content_hash = ?1",
                params![content_hash],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }

    /// Remembers that the user allowed this content (`shown`: what they saw).
    pub fn allow(&mut self, content_hash: &str, shown: &str) -> Result<(), StoreError> {
        self.connection.execute_batch(CREATE)?;
        self.connection.execute(
            "INSERT OR REPLACE INTO allowed_commands (content_hash, shown, allowed_unix) VALUES (?1, ?2, ?3)",
            params![content_hash, shown, now_unix()],
        )?;
        Ok(())
    }
}

impl RunStore {
    /// Every file known to be written by a command's runs.
    pub fn command_outputs(&self) -> Result<Vec<std::path::PathBuf>, StoreError> {
        if !self.has_table("command_outputs")? {
            return Ok(Vec::new());
        }
        let mut statement = self
            .connection
            .prepare("SELECT path FROM command_outputs")?;
        let paths = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(paths.into_iter().map(std::path::PathBuf::from).collect())
    }

    /// Remembers files a command's runs wrote.
    pub fn remember_outputs(&mut self, paths: &[std::path::PathBuf]) -> Result<(), StoreError> {
        if paths.is_empty() {
            return Ok(());
        }
        self.connection.execute_batch(CREATE_OUTPUTS)?;
        let transaction = self.connection.transaction()?;
        for path in paths {
            transaction.execute(
                "INSERT OR REPLACE INTO command_outputs (path, seen_unix) VALUES (?1, ?2)",
                params![path.display().to_string(), now_unix()],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }
}
