//! Records on disk: the results file (JSON, versioned, with summaries), the CSV export, the
//! merge of a sharded sweep's parts, and the run store.
//! A run's own record (`engine::record::RunRecord`) is what the engine produces; this folder
//! is where records are kept and exchanged.

// Unsafe code lives in the engine (its vector kernels and the few system calls), where each
// block says why it is sound; this tree has none and may never gain any.
#![forbid(unsafe_code)]

pub mod csv;
pub mod estimate;
pub mod merge;
pub mod output;
pub mod parquet;
pub mod results_file;
mod results_io;
pub mod store;
pub mod study_file;
pub mod study_run;

pub use csv::runs_csv;
pub use output::{OutputTarget, write_atomically};
pub use parquet::ResultsFormat;
pub use results_file::{
    NoSuchRun, RESULTS_SCHEMA_VERSION, ResultsFile, ResultsFileError, ShardRecord,
};
