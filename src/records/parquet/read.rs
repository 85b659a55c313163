//! Reading: the header from the file's metadata, then the runs, row groups decoded on every
//! core (`rows.rs` turns a batch into records).

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::{ChunkReader, Length};

use super::HEADER_KEY;
use super::rows::read_batch;
use super::write::FINGERPRINT_PREFIX;
use crate::engine::record::RunRecord;
use crate::records::results_file::check_version;
use crate::records::{ResultsFile, ResultsFileError};

/// How many rows a worker decodes at a time: small, so each batch's column buffers (a
/// megabyte or so) are reused by the allocator rather than faulted in fresh, which the kernel
/// zeroes page by page (half of a 100,000-run read with batches of 8,192).
const READ_BATCH_ROWS: usize = 1024;

/// What of each run to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunColumns {
    /// Everything: the file as written.
    All,
    /// All but what only the app draws (the learning curves, the predictions, the 2-D grid
    /// and the sources' fingerprints), which is most of a file: `luck`, `plan` and `compare`
    /// read metrics, seeds, hashes and per-example errors. The runs read have those fields
    /// empty.
    ForAnalysis,
}

impl RunColumns {
    /// Whether the column named `name` is read.
    pub(super) fn reads(self, name: &str) -> bool {
        match self {
            RunColumns::All => true,
            RunColumns::ForAnalysis => {
                !DRAWN_ONLY.contains(&name) && !name.starts_with(FINGERPRINT_PREFIX)
            }
        }
    }
}

/// The columns [`RunColumns::ForAnalysis`] leaves unread, besides the fingerprints.
const DRAWN_ONLY: [&str; 4] = ["train_loss", "test_metric", "test_predictions", "grid"];

/// Reads a Parquet results file: the header, the runs (`columns` of them), and the checks a
/// JSON file gets.
pub fn read_results(
    file: std::fs::File,
    columns: RunColumns,
) -> Result<ResultsFile, ResultsFileError> {
    let not_results = |detail: String| ResultsFileError::NotResults { path: None, detail };
    let file = SharedFile(Arc::new(file));
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
        .map_err(|e| not_results(format!("not a readable Parquet file: {e}")))?;
    // The Arrow schema's copy, or the footer's (a tool that rewrote the file may keep one).
    let footer = metadata.metadata().file_metadata().key_value_metadata();
    let header = metadata
        .schema()
        .metadata()
        .get(HEADER_KEY)
        .cloned()
        .or_else(|| {
            footer?
                .iter()
                .find(|kv| kv.key == HEADER_KEY)
                .and_then(|kv| kv.value.clone())
        })
        .ok_or_else(|| {
            not_results(format!(
                "a Parquet file without `{HEADER_KEY}` in its metadata: not a seedscope results file"
            ))
        })?;
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: Option<u32>,
    }
    let version: Version = serde_json::from_str(&header)
        .map_err(|e| ResultsFileError::invalid(format!("{HEADER_KEY}: {e}")))?;
    check_version(version.schema_version)?;
    let mut deserializer = serde_json::Deserializer::from_str(&header);
    let mut results: ResultsFile =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            ResultsFileError::invalid(format!("{HEADER_KEY}.{}: {}", e.path(), e.inner()))
        })?;
    let kept = metadata
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, field)| columns.reads(field.name()))
        .map(|(index, _)| index);
    let projection = ProjectionMask::roots(metadata.parquet_schema(), kept);
    results.runs = read_runs(&file, &metadata, &projection, columns)?;
    results.check().map_err(ResultsFileError::invalid)?;
    Ok(results)
}

/// The runs of every row group, in the file's order. The row groups are decoded on as many
/// threads as there are cores (at most one per group), each taking a contiguous share: a
/// 100,000-run file's decoding and record building halves on two cores.
fn read_runs(
    file: &SharedFile,
    metadata: &ArrowReaderMetadata,
    projection: &ProjectionMask,
    columns: RunColumns,
) -> Result<Vec<RunRecord>, ResultsFileError> {
    let groups: Vec<usize> = metadata
        .metadata()
        .row_groups()
        .iter()
        .map(|group| usize::try_from(group.num_rows()).unwrap_or(0))
        .collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, groups.len().max(1));
    let per_worker = groups.len().div_ceil(workers).max(1);
    let shares: Vec<(Vec<usize>, usize)> = (0..groups.len())
        .step_by(per_worker)
        .map(|start| {
            let end = (start + per_worker).min(groups.len());
            ((start..end).collect(), total(&groups[..start]))
        })
        .collect();
    let read_share = |(row_groups, first_run): &(Vec<usize>, usize)| {
        let rows = row_groups
            .iter()
            .map(|&g| groups[g])
            .fold(0, usize::saturating_add);
        read_row_groups(
            file, metadata, projection, columns, row_groups, *first_run, rows,
        )
    };
    let parts: Vec<Result<Vec<RunRecord>, ResultsFileError>> = if shares.len() <= 1 {
        shares.iter().map(read_share).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| scope.spawn(move || read_share(share)))
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    let mut runs = Vec::with_capacity(reserved(total(&groups)));
    for part in parts {
        runs.append(&mut part?);
    }
    Ok(runs)
}

/// The runs of `row_groups` (whose first run is the file's `first_run`-th), batch by batch.
fn read_row_groups(
    file: &SharedFile,
    metadata: &ArrowReaderMetadata,
    projection: &ProjectionMask,
    columns: RunColumns,
    row_groups: &[usize],
    first_run: usize,
    rows: usize,
) -> Result<Vec<RunRecord>, ResultsFileError> {
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file.clone(), metadata.clone())
        .with_projection(projection.clone())
        .with_row_groups(row_groups.to_vec())
        .with_batch_size(READ_BATCH_ROWS)
        .build()
        .map_err(|e| ResultsFileError::invalid(e.to_string()))?;
    let mut runs = Vec::with_capacity(reserved(rows));
    for batch in reader {
        let batch = batch.map_err(|e| ResultsFileError::invalid(e.to_string()))?;
        read_batch(&batch, columns, first_run, &mut runs).map_err(ResultsFileError::invalid)?;
    }
    Ok(runs)
}

/// The rows the footer says `groups` hold (saturating: the footer is not trusted).
fn total(groups: &[usize]) -> usize {
    groups.iter().fold(0, |sum, &rows| sum.saturating_add(rows))
}

/// Room reserved for `rows` runs: the footer's count, but at most a million. A damaged or
/// hostile footer may claim any number of rows, and the runs read are what counts (the
/// vector grows past this like any other).
fn reserved(rows: usize) -> usize {
    rows.min(1 << 20)
}

/// The file, read by position (`pread`) from every worker at once. parquet's own reader for a
/// `File` seeks a clone of it, and clones share one offset, so two workers would race; this
/// shares no offset and holds no more of the file than the column chunks being decoded.
#[derive(Clone)]
struct SharedFile(Arc<std::fs::File>);

impl Length for SharedFile {
    fn len(&self) -> u64 {
        self.0.metadata().map_or(0, |m| m.len())
    }
}

impl ChunkReader for SharedFile {
    type T = FromPosition;

    fn get_read(&self, start: u64) -> parquet::errors::Result<FromPosition> {
        Ok(FromPosition(self.clone(), start))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut buffer = vec![0; length];
        self.0.read_exact_at(&mut buffer, start)?;
        Ok(buffer.into())
    }
}

/// A reader of the file from a position on, moving only its own position.
struct FromPosition(SharedFile, u64);

impl Read for FromPosition {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let read = self.0.0.read_at(out, self.1)?;
        self.1 += read as u64;
        Ok(read)
    }
}
