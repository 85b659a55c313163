//! Writing: the runs become record batches of [`super::BATCH_ROWS`] rows, and the rest of the
//! results file becomes the header in the file's metadata.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use arrow_array::types::{Float32Type, Float64Type, UInt64Type};
use arrow_array::{
    ArrayRef, ArrowPrimitiveType, BooleanArray, ListArray, PrimitiveArray, RecordBatch, StringArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::{BATCH_ROWS, HEADER_KEY};
use crate::engine::record::RunRecord;
use crate::engine::seeds::Source;
use crate::records::ResultsFile;

/// Writes `results` as Parquet to `out`. The runs' seed columns are `seed_<name>`, one for
/// every seed any run has (empty where a run has none).
pub fn write_results(results: &ResultsFile, out: &mut (dyn Write + Send)) -> std::io::Result<()> {
    let header = serde_json::to_string(&results.without_runs()).map_err(std::io::Error::other)?;
    let seed_names: Vec<String> = results
        .runs
        .iter()
        .flat_map(|run| run.seeds.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let first = &results.runs[..results.runs.len().min(BATCH_ROWS)];
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) =
        columns(first, &seed_names).into_iter().unzip();
    // Twice: in the Arrow schema's metadata, where pyarrow (`table.schema.metadata`), polars
    // and arrow-rs look, and in the Parquet footer's key-value pairs, where DuckDB
    // (`parquet_kv_metadata`) and Parquet-only tools look.
    let schema = Arc::new(Schema::new_with_metadata(
        fields,
        [(HEADER_KEY.to_string(), header.clone())],
    ));
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH_ROWS))
        .set_key_value_metadata(Some(vec![KeyValue::new(HEADER_KEY.to_string(), header)]))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))
        .map_err(std::io::Error::other)?;
    let mut batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
    writer.write(&batch).map_err(std::io::Error::other)?;
    for runs in results.runs.chunks(BATCH_ROWS).skip(1) {
        let arrays = columns(runs, &seed_names)
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
        writer.write(&batch).map_err(std::io::Error::other)?;
    }
    writer.close().map_err(std::io::Error::other)?;
    Ok(())
}

/// The columns of `runs`, each with its field: the one place the row layout is written down
/// (the reader looks columns up by these names). Scalars first, so a table shown in pandas
/// begins with what a reader looks at; the long lists last.
fn columns(runs: &[RunRecord], seed_names: &[String]) -> Vec<(Field, ArrayRef)> {
    let mut columns = vec![
        text("condition", runs, |r| Some(r.condition.to_string())),
        number::<UInt64Type>("run_index", runs, |r| Some(r.run_index as u64)),
        text("metric", runs, |r| Some(r.metric.name().to_string())),
        flag("higher_is_better", runs, |r| r.metric.higher_is_better()),
        number::<Float64Type>("final_test_metric", runs, |r| r.final_test_metric),
        number::<Float64Type>("final_train_metric", runs, |r| r.final_train_metric),
        number::<Float64Type>("fresh_metric", runs, |r| r.fresh_metric),
        number::<UInt64Type>("counted_test_points", runs, |r| r.counted_test_points),
        text("weights_hash", runs, |r| Some(r.weights_hash.clone())),
    ];
    for name in seed_names {
        columns.push(number::<UInt64Type>(&format!("seed_{name}"), runs, |r| {
            r.seeds.get(name).copied()
        }));
    }
    columns.extend([
        number::<UInt64Type>("threads", runs, |r| Some(r.threads as u64)),
        flag("racing", runs, |r| r.racing),
        flag("diverged", runs, |r| r.diverged),
        flag("replayable", runs, |r| r.replayable),
        text("not_replayable_reason", runs, |r| {
            r.not_replayable_reason.clone()
        }),
        text("error", runs, |r| r.error.clone()),
        number::<UInt64Type>("nudged_weight", runs, |r| r.nudged_weight.map(|w| w as u64)),
        number::<Float64Type>("wall_ms", runs, |r| Some(r.wall_ms)),
    ]);
    for source in FINGERPRINTED {
        columns.push(text(&format!("{FINGERPRINT_PREFIX}{source}"), runs, |r| {
            Some(r.fingerprints.get(source).to_string())
        }));
    }
    columns.extend([
        list::<Float64Type>("train_loss", runs, |r| r.train_loss.clone()),
        list::<Float64Type>("test_metric", runs, |r| r.test_metric.clone()),
        list::<Float32Type>("test_predictions", runs, |r| r.test_predictions.clone()),
        list::<UInt64Type>("test_indices", runs, |r| {
            r.test_indices.iter().map(|&i| i as u64).collect()
        }),
        list::<Float32Type>("test_errors", runs, |r| r.test_errors.clone()),
        text("grid", runs, |r| r.grid.clone()),
    ]);
    columns
}

/// The start of a fingerprint column's name; the source's name follows.
pub(super) const FINGERPRINT_PREFIX: &str = "fingerprint_";

/// The sources a run keeps a fingerprint of (every seeded one; the gpu switch draws nothing),
/// in the order the reader takes them back.
pub(super) const FINGERPRINTED: [Source; 6] = Source::ALL;

fn text(
    name: &str,
    runs: &[RunRecord],
    value: impl Fn(&RunRecord) -> Option<String>,
) -> (Field, ArrayRef) {
    let array: StringArray = runs.iter().map(value).collect();
    (Field::new(name, DataType::Utf8, true), Arc::new(array))
}

/// A column of numbers (`UInt64`, `Float64`), empty where a run has none.
fn number<T: ArrowPrimitiveType>(
    name: &str,
    runs: &[RunRecord],
    value: impl Fn(&RunRecord) -> Option<T::Native>,
) -> (Field, ArrayRef) {
    let array: PrimitiveArray<T> = runs.iter().map(value).collect();
    (Field::new(name, T::DATA_TYPE, true), Arc::new(array))
}

fn flag(name: &str, runs: &[RunRecord], value: impl Fn(&RunRecord) -> bool) -> (Field, ArrayRef) {
    let array: BooleanArray = runs.iter().map(|r| Some(value(r))).collect();
    (Field::new(name, DataType::Boolean, true), Arc::new(array))
}

/// A list column: each run's values, one list per row.
fn list<T: ArrowPrimitiveType>(
    name: &str,
    runs: &[RunRecord],
    values: impl Fn(&RunRecord) -> Vec<T::Native>,
) -> (Field, ArrayRef) {
    let per_run: Vec<Vec<T::Native>> = runs.iter().map(values).collect();
    let offsets = OffsetBuffer::<i32>::from_lengths(per_run.iter().map(Vec::len));
    let flat: PrimitiveArray<T> = PrimitiveArray::from_iter_values(per_run.into_iter().flatten());
    let item = Arc::new(Field::new_list_field(T::DATA_TYPE, false));
    let array = ListArray::new(item.clone(), offsets, Arc::new(flat), None);
    (
        Field::new(name, DataType::List(item), true),
        Arc::new(array),
    )
}
