//! The store's schema, versioned with `PRAGMA user_version`: migration i takes a store from
//! version i to i + 1, inside one transaction. A store newer than this build is refused rather
//! than guessed at.

use rusqlite::{Connection, TransactionBehavior};

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

/// Refuses a store written by a newer seedscope, before anything in it is changed.
pub fn refuse_newer(connection: &Connection) -> Result<(), StoreError> {
    let found = version(connection)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: Default::default(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// A store opened only to read must already have this build's schema (an empty or older
/// one would need writing first).
pub fn refuse_older(connection: &Connection) -> Result<(), StoreError> {
    let found = version(connection)?;
    if found < SCHEMA_VERSION {
        return Err(StoreError::corrupt(format!(
            "schema version {found}; this build reads version {SCHEMA_VERSION} (run `seedscope run` once with this store to bring it up to date)"
        )));
    }
    Ok(())
}

/// Brings the store up to [`SCHEMA_VERSION`]; refuses a newer one. The version is read and
/// the migrations run inside one write transaction, so two processes opening a new store at
/// once cannot both create its tables.
pub fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    if version(connection)? == SCHEMA_VERSION {
        return Ok(());
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: Default::default(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for sql in MIGRATIONS.iter().skip(found as usize) {
        transaction.execute_batch(sql)?;
    }
    transaction.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_migrates_to_the_current_version_and_a_second_open_keeps_its_data() {
        let mut connection = Connection::open_in_memory().unwrap();
        assert_eq!(version(&connection).unwrap(), 0);
        migrate(&mut connection).unwrap();
        assert_eq!(version(&connection).unwrap(), SCHEMA_VERSION);
        connection
            .execute(
                "INSERT INTO experiments (settings_hash, master_seed, fingerprint, config_json,
                     summary, created_unix, used_unix) VALUES ('h', 1, 'f', '{}', 's', 0, 0)",
                [],
            )
            .unwrap();
        migrate(&mut connection).unwrap();
        let kept: i64 = connection
            .query_row("SELECT COUNT(*) FROM experiments", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 1);
        for table in ["experiments", "runs"] {
            let found: i64 = connection
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(found, 1, "{table}");
        }
    }

    #[test]
    fn a_newer_version_is_refused() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut connection),
            Err(StoreError::NewerSchema { .. })
        ));
    }
}
