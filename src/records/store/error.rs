//! What can go wrong with the run store, each naming the store's file.

use std::path::{Path, PathBuf};

/// What went wrong with the run store. Every message names the store's file, so a user can
/// find it, move it aside or delete it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database, is damaged (SQLite's integrity check fails), or
    /// holds a record that does not decode.
    #[error("run store {}: not a readable run store ({detail})", shown(path))]
    Corrupt {
        path: PathBuf,
        detail: String,
        #[source]
        source: Option<rusqlite::Error>,
    },
    /// Written by a newer seedscope.
    #[error(
        "run store {}: schema version {found} is newer than this build reads (up to {supported})",
        shown(path)
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The path is not a regular file (a folder, a FIFO, a device): refused by name, never
    /// opened (SQLite would answer "disk I/O error" and leave a `-journal` beside it).
    #[error(
        "run store {}: is {what}, not a regular file; pass --store with a file's path",
        path.display()
    )]
    NotAFile { path: PathBuf, what: &'static str },
    /// The file or its folder cannot be read or written (permissions, full disk, locked).
    #[error("run store {}: {detail}", shown(path))]
    Unavailable {
        path: PathBuf,
        detail: String,
        #[source]
        source: Option<rusqlite::Error>,
    },
}

fn shown(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        "(in memory)".into()
    } else {
        crate::engine::files::escape(&path.display().to_string())
    }
}

impl StoreError {
    /// A damaged store, found by code that does not know the file's path ([`Self::at`]
    /// adds it).
    pub(crate) fn corrupt(detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: PathBuf::new(),
            detail: detail.into(),
            source: None,
        }
    }

    pub(super) fn unavailable(path: &Path, detail: String) -> StoreError {
        StoreError::Unavailable {
            path: path.to_path_buf(),
            detail,
            source: None,
        }
    }

    /// The same error, naming `store` as the file it is about.
    pub(crate) fn at(mut self, store: &Path) -> StoreError {
        let (StoreError::Corrupt { path, .. }
        | StoreError::NewerSchema { path, .. }
        | StoreError::NotAFile { path, .. }
        | StoreError::Unavailable { path, .. }) = &mut self;
        if path.as_os_str().is_empty() {
            *path = store.to_path_buf();
        }
        self
    }

    /// Another process holds the lock and SQLite gave up without waiting: worth another try.
    pub fn is_busy(&self) -> bool {
        use rusqlite::ffi::ErrorCode;
        matches!(
            self,
            StoreError::Unavailable { source: Some(error), .. }
                if matches!(
                    error.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                )
        )
    }

    /// Not a store at all (a folder, a device): refused, and never moved aside.
    pub fn is_not_a_file(&self) -> bool {
        matches!(self, StoreError::NotAFile { .. })
    }

    /// The file is damaged or from a newer seedscope: set it aside rather than write into it.
    pub fn is_unusable(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt { .. } | StoreError::NewerSchema { .. }
        )
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let detail = error.to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path: PathBuf::new(),
                detail,
                source: Some(error),
            },
            // Text that is not UTF-8 where the schema says TEXT: only a damaged file has it.
            _ if matches!(
                error,
                rusqlite::Error::Utf8Error(..) | rusqlite::Error::InvalidColumnType(..)
            ) =>
            {
                StoreError::Corrupt {
                    path: PathBuf::new(),
                    detail,
                    source: Some(error),
                }
            }
            _ => StoreError::Unavailable {
                path: PathBuf::new(),
                detail,
                source: Some(error),
            },
        }
    }
}
