//! How a store's file is opened: to keep runs or only to read them, and never when the path
//! is not a regular file.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// Whether a store is opened to keep runs or only to read them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    ReadWrite,
    ReadOnly,
}

/// A store must be a regular file (or not exist yet): SQLite on a FIFO or a device answers
/// "disk I/O error" and leaves a `-journal` beside it.
pub(super) fn check_regular(path: &Path) -> Result<(), StoreError> {
    let Ok(metadata) = std::fs::metadata(path) else {
        return Ok(());
    };
    match crate::engine::files::kind_name(&metadata.file_type()) {
        None => Ok(()),
        Some(what) => Err(StoreError::NotAFile {
            path: path.to_path_buf(),
            what,
        }),
    }
}

/// Opens an existing store without writing to it. Where the folder or file cannot be
/// written (a read-only file system, another user's store), SQLite cannot make the WAL's
/// shared-memory file; the store is then opened as immutable: no one can change it there.
pub(super) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    if !path.exists() {
        return Err(StoreError::unavailable(
            path,
            "no such file; `seedscope run` or the app creates it".into(),
        ));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    let readable = connection
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
        .is_ok();
    if readable {
        return Ok(connection);
    }
    drop(connection);
    let uri = format!("file:{}?immutable=1", uri_path(path));
    Ok(Connection::open_with_flags(
        uri,
        flags | OpenFlags::SQLITE_OPEN_URI,
    )?)
}

/// `path` as the path part of a SQLite `file:` URI: absolute, with `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for c in absolute.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            other => out.push(other),
        }
    }
    out
}
