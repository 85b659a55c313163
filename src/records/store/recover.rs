//! A damaged store moved aside so a fresh one can start (the app's way, `open_or_recover`) —
//! and only a store: a script or a CSV named as the store by mistake is left where it is.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::StoreError;

/// Whether the file at `path` is (or was meant as) a store — the only kind of file recovery may
/// move aside: named like a database (`.sqlite`, `.sqlite3`, `.db`), empty, or starting with
/// SQLite's header. A script or a CSV named by mistake is left alone.
pub(super) fn looks_like_a_store(path: &Path) -> bool {
    use std::io::Read;
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "sqlite" | "sqlite3" | "db"))
    {
        return true;
    }
    let mut head = [0u8; 16];
    match std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) {
        Ok(0) => true,
        Ok(n) => {
            head[..n].starts_with(b"SQLite format 3\0")
                || n < 16 && b"SQLite format 3\0".starts_with(&head[..n])
        }
        Err(_) => false,
    }
}

/// Moves a damaged store (and its WAL and shared-memory files) aside; returns the new path.
pub(super) fn quarantine(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut moved = path.as_os_str().to_owned();
    moved.push(format!(".corrupt-{stamp}"));
    let moved = PathBuf::from(moved);
    std::fs::rename(path, &moved)
        .map_err(|e| StoreError::unavailable(path, format!("cannot move it aside: {e}")))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(StoreError::unavailable(
                    path,
                    format!("cannot remove the old store's {suffix} file: {e}"),
                ));
            }
            _ => {}
        }
    }
    Ok(moved)
}
