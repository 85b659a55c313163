//! One record batch's rows as run records: each column looked up by the name `write` gave it
//! and checked for its type, so a file another tool rewrote is refused with the column named
//! rather than read wrong.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, UInt64Type};
use arrow_array::{
    Array, ArrowPrimitiveType, BooleanArray, PrimitiveArray, RecordBatch, StringArray,
};

use super::RunColumns;
use super::write::{FINGERPRINT_PREFIX, FINGERPRINTED};
use crate::engine::metric::Metric;
use crate::engine::record::{RunRecord, SourceFingerprints};

/// Appends the batch's rows to `runs` as records; the fields of the columns `columns` does
/// not read stay empty.
/// `first_run` is the file's index of `runs[0]`, for the messages.
pub(super) fn read_batch(
    batch: &RecordBatch,
    columns: RunColumns,
    first_run: usize,
    runs: &mut Vec<RunRecord>,
) -> Result<(), String> {
    let columns = Columns(batch, columns);
    let condition = columns.text("condition", true)?;
    let run_index = columns.number::<UInt64Type>("run_index", true)?;
    let metric = columns.text("metric", true)?;
    let higher_is_better = columns.flag("higher_is_better")?;
    let final_test = columns.number::<Float64Type>("final_test_metric", false)?;
    let final_train = columns.number::<Float64Type>("final_train_metric", false)?;
    let fresh = columns.number::<Float64Type>("fresh_metric", false)?;
    let counted = columns.number::<UInt64Type>("counted_test_points", false)?;
    let weights_hash = columns.text("weights_hash", true)?;
    let threads = columns.number::<UInt64Type>("threads", true)?;
    let racing = columns.flag("racing")?;
    let diverged = columns.flag("diverged")?;
    let replayable = columns.flag("replayable")?;
    let reason = columns.text("not_replayable_reason", false)?;
    let error = columns.text("error", false)?;
    let nudged = columns.number::<UInt64Type>("nudged_weight", false)?;
    let wall_ms = columns.number::<Float64Type>("wall_ms", true)?;
    let grid = columns.unless_skipped("grid", |c, name| c.text(name, false))?;
    let mut seeds = Vec::new();
    for field in batch.schema().fields() {
        if let Some(name) = field.name().strip_prefix("seed_") {
            seeds.push((
                name.to_string(),
                columns.number::<UInt64Type>(field.name(), false)?,
            ));
        }
    }
    let mut fingerprints = Vec::new();
    for source in FINGERPRINTED {
        let name = format!("{FINGERPRINT_PREFIX}{source}");
        fingerprints.push(columns.unless_skipped(&name, |c, name| c.text(name, true))?);
    }
    let train_loss = columns.unless_skipped("train_loss", Columns::list::<Float64Type>)?;
    let test_metric = columns.unless_skipped("test_metric", Columns::list::<Float64Type>)?;
    let predictions = columns.unless_skipped("test_predictions", Columns::list::<Float32Type>)?;
    let indices = columns.list::<UInt64Type>("test_indices")?;
    let errors = columns.list::<Float32Type>("test_errors")?;

    for row in 0..batch.num_rows() {
        let text = |array: &StringArray| optional(array, row).map(str::to_string);
        let fingerprint = |n: usize| {
            fingerprints[n].map_or(String::new(), |column| column.value(row).to_string())
        };
        let at = first_run + runs.len();
        runs.push(RunRecord {
            condition: condition
                .value(row)
                .parse()
                .map_err(|e| format!("runs[{at}].condition: {e}"))?,
            run_index: to_usize(run_index.value(row), at, "run_index")?,
            seeds: seeds
                .iter()
                .filter_map(|(name, column)| optional(*column, row).map(|s| (name.clone(), s)))
                .collect::<BTreeMap<_, _>>(),
            threads: to_usize(threads.value(row), at, "threads")?,
            racing: racing.value(row),
            metric: Metric::stated(metric.value(row), higher_is_better.value(row)),
            train_loss: train_loss.map_or(Vec::new(), |list| slice(list, row).to_vec()),
            test_metric: test_metric.map_or(Vec::new(), |list| slice(list, row).to_vec()),
            final_train_metric: optional(final_train, row),
            final_test_metric: optional(final_test, row),
            test_predictions: predictions.map_or(Vec::new(), |list| slice(list, row).to_vec()),
            test_indices: indices_of(slice(indices, row), at)?,
            test_errors: slice(errors, row).to_vec(),
            fresh_metric: optional(fresh, row),
            counted_test_points: optional(counted, row),
            grid: grid.and_then(text),
            weights_hash: weights_hash.value(row).to_string(),
            fingerprints: SourceFingerprints {
                data: fingerprint(0),
                split: fingerprint(1),
                init: fingerprint(2),
                dropout: fingerprint(3),
                shuffle: fingerprint(4),
                threads: fingerprint(5),
            },
            nudged_weight: optional(nudged, row)
                .map(|w| to_usize(w, at, "nudged_weight"))
                .transpose()?,
            wall_ms: wall_ms.value(row),
            diverged: diverged.value(row),
            replayable: replayable.value(row),
            not_replayable_reason: text(reason),
            error: text(error),
        });
    }
    Ok(())
}

fn to_usize(value: u64, at: usize, field: &str) -> Result<usize, String> {
    usize::try_from(value).map_err(|_| format!("runs[{at}].{field}: {value} is too large"))
}

/// A run's test rows as indices: a plain copy where `usize` holds every `u64`, as it does on
/// the 64-bit targets seedscope ships for (per element `try_from`, collected through a Result,
/// was a tenth of reading a 100,000-run file).
fn indices_of(rows: &[u64], at: usize) -> Result<Vec<usize>, String> {
    if usize::BITS >= u64::BITS {
        return Ok(rows.iter().map(|&i| i as usize).collect());
    }
    rows.iter()
        .map(|&i| to_usize(i, at, "test_indices"))
        .collect()
}

/// A cell's value, or None where it is empty (null).
fn optional<A: arrow_array::ArrayAccessor>(array: A, row: usize) -> Option<A::Item> {
    array.is_valid(row).then(|| array.value(row))
}

/// One row's list: a slice of the column's values.
fn slice<'a, N>((offsets, values): (&[i32], &'a [N]), row: usize) -> &'a [N] {
    // Offsets were checked by arrow when the list was read: ascending and within `values`.
    &values[offsets[row] as usize..offsets[row + 1] as usize]
}

/// A batch's columns by name, each checked for its type (and for empty cells where a run
/// always has a value), and which of them are read.
struct Columns<'a>(&'a RecordBatch, RunColumns);

impl<'a> Columns<'a> {
    /// `read`'s column, or None where it was left unread.
    fn unless_skipped<T>(
        &self,
        name: &str,
        read: impl FnOnce(&Self, &str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        if !self.1.reads(name) {
            return Ok(None);
        }
        read(self, name).map(Some)
    }

    fn column(&self, name: &str, required: bool) -> Result<&'a dyn Array, String> {
        let column = self
            .0
            .column_by_name(name)
            .ok_or_else(|| format!("column `{name}` is missing"))?;
        if required && column.null_count() > 0 {
            return Err(format!(
                "column `{name}` has {} empty cells; every run has a value there",
                column.null_count()
            ));
        }
        Ok(column.as_ref())
    }

    fn wrong_type(&self, name: &str, expected: &str) -> String {
        let found = self
            .0
            .column_by_name(name)
            .map(|c| c.data_type().to_string())
            .unwrap_or_default();
        format!("column `{name}` holds {found}; seedscope writes {expected} there")
    }

    fn text(&self, name: &str, required: bool) -> Result<&'a StringArray, String> {
        self.column(name, required)?
            .as_string_opt::<i32>()
            .ok_or_else(|| self.wrong_type(name, "Utf8"))
    }

    fn flag(&self, name: &str) -> Result<&'a BooleanArray, String> {
        self.column(name, true)?
            .as_boolean_opt()
            .ok_or_else(|| self.wrong_type(name, "Boolean"))
    }

    fn number<T: ArrowPrimitiveType>(
        &self,
        name: &str,
        required: bool,
    ) -> Result<&'a PrimitiveArray<T>, String> {
        self.column(name, required)?
            .as_primitive_opt::<T>()
            .ok_or_else(|| self.wrong_type(name, &T::DATA_TYPE.to_string()))
    }

    /// A list column as its offsets and its flat values.
    fn list<T: ArrowPrimitiveType>(
        &self,
        name: &str,
    ) -> Result<(&'a [i32], &'a [T::Native]), String> {
        let expected = || format!("List({})", T::DATA_TYPE);
        let list = self
            .column(name, true)?
            .as_list_opt::<i32>()
            .ok_or_else(|| self.wrong_type(name, &expected()))?;
        let values = list
            .values()
            .as_primitive_opt::<T>()
            .ok_or_else(|| self.wrong_type(name, &expected()))?;
        if values.null_count() > 0 {
            return Err(format!("column `{name}` has empty values inside its lists"));
        }
        Ok((list.value_offsets(), values.values()))
    }
}
