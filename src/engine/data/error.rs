//! Why a data set cannot be used, and where: the file and, inside a CSV file, the row (its
//! line number) and the column. The message is written for the person who will open the file;
//! the fields let a caller point at the place (the app's status line, a test) without
//! parsing text.

use crate::engine::files::FileError;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read at all (not a regular file, too large, unreadable).
    #[error(transparent)]
    File(#[from] FileError),
    /// A table (a CSV file) that cannot be used as it is.
    #[error("{file}: {message}")]
    Table {
        file: String,
        /// The file's line number of the offending row, where one row is at fault.
        row: Option<u64>,
        /// The offending column's name, where one column is at fault.
        column: Option<String>,
        message: String,
    },
    /// A setting that the data set's rows cannot satisfy, named by its field in an
    /// experiment file (`data.test_fraction`, `data.k`, `data.sha256`, `data.path`).
    #[error("{field}: {message}")]
    Setting {
        field: &'static str,
        message: String,
    },
}

impl DataError {
    /// A fault of the whole file (its header, its size): no one row or column.
    pub fn in_file(file: &str, message: String) -> DataError {
        DataError::Table {
            file: file.to_string(),
            row: None,
            column: None,
            message,
        }
    }

    /// A fault at `row` (a line number) and, where one column is at fault, `column`.
    pub fn at(file: &str, row: u64, column: Option<&str>, message: String) -> DataError {
        DataError::Table {
            file: file.to_string(),
            row: Some(row),
            column: column.map(str::to_string),
            message,
        }
    }

    pub fn setting(field: &'static str, message: String) -> DataError {
        DataError::Setting { field, message }
    }
}
