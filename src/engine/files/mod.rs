//! Reading files that someone else may have named: an experiment file is shared by mail, in a
//! repository or as a cluster job, and its `data.path` can point anywhere the user can read.
//! So every file seedscope reads by path goes through [`read_regular_file`] (only regular
//! files, never more than a stated number of bytes, however the file lies about its size), and
//! every piece of file content that goes into a message goes through [`quote`] (short, one
//! line, control characters escaped) — an error must help find the problem, not print a
//! secret into a terminal or a CI log.

pub(crate) mod interrupted;
mod quote;
mod regular;

pub use interrupted::PartialFile;

pub use quote::{escape, list, printable, quote};
pub use regular::{FileError, kind_name, open_regular_file, read_regular_file};

use std::path::Path;

/// The largest experiment file read: a few KB is typical; a list of thousands of conditions
/// still fits.
pub const MAX_EXPERIMENT_BYTES: u64 = 16 * 1024 * 1024;
/// The largest results file read: 100,000 runs of the default preset take about 600 MB.
pub const MAX_RESULTS_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// A regular file of at most `limit` bytes, as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_regular_file(path, limit)?;
    String::from_utf8(bytes).map_err(|e| FileError::NotText {
        path: path.display().to_string(),
        at: e.utf8_error().valid_up_to(),
    })
}
