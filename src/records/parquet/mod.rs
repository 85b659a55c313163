//! Results as Parquet (`--format parquet`): one row per run, its seeds, metrics, hashes and
//! fingerprints as columns and its curves, predictions and per-example errors as list columns,
//! so pandas, polars and DuckDB read the runs as they are. Everything else a results file holds
//! (the experiment, master seed, summaries, diagnosis) travels as JSON in the file's key-value
//! metadata under [`HEADER_KEY`], so a Parquet file reads back to the same [`ResultsFile`] as
//! its JSON twin, and every reader (`compare`, `luck`, `plan`, `merge`, `replay`, the app's
//! Open) takes either.
//!
//! Why Parquet: a 100,000-run results file is 0.8 GB of JSON and reading it was almost all of
//! `luck`'s time; columns of numbers compress and decode an order of magnitude faster.

mod read;
mod rows;
mod write;

use std::io::Read;
use std::path::Path;

pub use read::{RunColumns, read_results};
pub use write::write_results;

/// The key of the file-level metadata entry that holds the results less their runs.
pub const HEADER_KEY: &str = "seedscope.results";

/// How many runs go into one record batch, written or read, and into one row group: bounds
/// the memory the columns take beside the records (a batch of 100,000 runs' lists is
/// ~0.5 GB), and gives a large file enough row groups to be decoded on every core.
const BATCH_ROWS: usize = 8192;

/// Every Parquet file begins (and ends) with these four bytes.
const MAGIC: &[u8; 4] = b"PAR1";

/// The formats a results file is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultsFormat {
    /// Pretty-printed JSON: readable, diffable, the format of record.
    #[default]
    Json,
    /// One row per run: a small fraction of the size, read many times faster, for large
    /// studies and for pandas, polars and DuckDB.
    Parquet,
}

impl ResultsFormat {
    /// The format a path's extension names: `.parquet` (or `.pq`) is Parquet, anything else
    /// JSON.
    pub fn of_path(path: &Path) -> ResultsFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("parquet") || ext.eq_ignore_ascii_case("pq") => {
                ResultsFormat::Parquet
            }
            _ => ResultsFormat::Json,
        }
    }
}

/// Whether the file's first bytes are Parquet's magic number: how readers tell the formats
/// apart, whatever the file is named.
pub fn starts_like_parquet(reader: impl Read) -> bool {
    let mut first = [0u8; 4];
    reader.take(4).read_exact(&mut first).is_ok() && &first == MAGIC
}
