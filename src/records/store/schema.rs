//! The store's schema, versioned with `PRAGMA user_version`: migration i takes a store from
//! version i to i + 1, inside one transaction. A store newer than this build is refused rather
//! than guessed at.

use rusqlite::{Connection, Transaction};

use super::StoreError;

/// Each entry migrates from its index to the next version.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: experiments and their runs.
    "
    CREATE TABLE experiments (
        id            INTEGER PRIMARY KEY,
        settings_hash TEXT    NOT NULL,
        -- u64 master seed, stored bit for bit as i64
        master_seed   INTEGER NOT NULL,
        fingerprint   TEXT    NOT NULL,
        -- the experiment as last run (with its conditions and repeats), for History → reopen
        config_json   TEXT    NOT NULL,
        summary       TEXT    NOT NULL,
        created_unix  REAL    NOT NULL,
        used_unix     REAL    NOT NULL,
        run_count     INTEGER NOT NULL DEFAULT 0,
        UNIQUE (settings_hash, master_seed, fingerprint)
    );
    CREATE INDEX experiments_by_use ON experiments (used_unix DESC);
    CREATE TABLE runs (
        experiment_id     INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        condition         TEXT    NOT NULL,
        run_index         INTEGER NOT NULL,
        -- a sample of a race (or of candle's unseeded RNG): kept as recorded, not reproducible
        sample_only       INTEGER NOT NULL,
        weights_hash      TEXT    NOT NULL,
        final_test_metric REAL,
        -- the RunRecord as deflated JSON
        record            BLOB    NOT NULL,
        stored_unix       REAL    NOT NULL,
        PRIMARY KEY (experiment_id, condition, run_index)
    );
    ",
];

/// The version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn version(connection: &Connection) -> Result<u32, StoreError> {
    Ok(connection.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the store up to [`SCHEMA_VERSION`]; refuses a newer one.
pub fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let found = version(connection)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let transaction: Transaction = connection.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", from as u32 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}
