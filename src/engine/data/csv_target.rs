//! A CSV file's target column: its cells read as classes or as values (following the task
//! the user chose, or guessed), with every refusal naming the row and the column.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::table::Target;
use crate::engine::files::quote;

/// The most classes a target may have.
pub const MAX_CLASSES: usize = 100;
/// Auto-detection: at most this many distinct integer (or text) values make classes.
pub const AUTO_CLASS_LIMIT: usize = 20;

/// What the target column is to be read as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskChoice {
    /// Text, or at most 20 distinct integers → classification; otherwise regression.
    #[default]
    Auto,
    Classification,
    Regression,
}

/// The target column's cells and where each came from, for messages.
pub(super) struct TargetColumn<'a> {
    pub(super) file: &'a str,
    pub(super) name: &'a str,
    pub(super) cells: &'a [String],
    /// The file's line number of each cell's row.
    pub(super) lines: &'a [u64],
}

impl TargetColumn<'_> {
    /// A fault of the target's cell in `row` (an index into the cells): `message` follows
    /// "row N, column `name`: ".
    fn fault_at(&self, row: usize, message: String) -> DataError {
        let line = self.lines[row];
        DataError::at(
            self.file,
            line,
            Some(self.name),
            format!("row {line}, column `{}`: {message}", quote(self.name)),
        )
    }

    /// A fault of the whole target column.
    fn fault(&self, message: String) -> DataError {
        DataError::Table {
            file: self.file.to_string(),
            row: None,
            column: Some(self.name.to_string()),
            message,
        }
    }
}

/// The target cells as classes or values, following `task`.
pub(super) fn read_target(column: &TargetColumn, task: TaskChoice) -> Result<Target, DataError> {
    let cells = column.cells;
    // A missing value is no label: `NA` among 0/1 once became a third class.
    for (row, cell) in cells.iter().enumerate() {
        if is_missing_marker(cell) {
            return Err(column.fault_at(
                row,
                format!(
                    "`{}` marks a missing value; every row needs a target (fill it in or \
                     remove the row)",
                    quote(cell)
                ),
            ));
        }
    }
    // A number that is not finite is no value to learn and no class name either: refuse it
    // wherever it is, so one NaN cannot turn 0/1 labels into a regression.
    for (row, cell) in cells.iter().enumerate() {
        if cell.parse::<f64>().is_ok_and(|v| !v.is_finite()) {
            return Err(column.fault_at(
                row,
                format!(
                    "`{}` is not a finite number; a target must be a finite number or a class name",
                    quote(cell)
                ),
            ));
        }
    }
    // `-0` is `0` (adding +0.0 turns -0.0 into +0.0), so equal numbers have equal bits.
    let numbers: Option<Vec<f64>> = cells
        .iter()
        .map(|c| c.trim().parse::<f64>().ok().map(|v| v + 0.0))
        .collect();
    let is_small_integer_set = numbers.as_ref().is_some_and(|values| {
        values.iter().all(|v| v.fract() == 0.0)
            && values
                .iter()
                .map(|v| v.to_bits())
                .collect::<BTreeSet<_>>()
                .len()
                <= AUTO_CLASS_LIMIT
    });
    let classify = match task {
        TaskChoice::Classification => true,
        TaskChoice::Regression => false,
        TaskChoice::Auto => numbers.is_none() || is_small_integer_set,
    };
    if !classify {
        let values = numbers.ok_or_else(|| {
            let (row, cell) = cells
                .iter()
                .enumerate()
                .find(|(_, c)| c.parse::<f64>().is_err())
                .expect("some cell is not a number");
            column.fault_at(
                row,
                format!(
                    "`{}` is not a number; regression needs a numeric target (or choose classification)",
                    quote(cell)
                ),
            )
        })?;
        if let Some(row) = values.iter().position(|v| !(*v as f32).is_finite()) {
            return Err(column.fault_at(
                row,
                format!(
                    "`{}` is too large for a 32-bit float; allowed: up to {:e} in magnitude",
                    quote(&cells[row]),
                    f32::MAX
                ),
            ));
        }
        return Ok(Target::Values(values.iter().map(|&v| v as f32).collect()));
    }
    // Classes in a stable order: numerically when every label is a number (one class per
    // value, however it is spelled: `1`, `1.0`, `01` and `1e0` are one class, named `1`),
    // else as text.
    let keys: Vec<String> = match &numbers {
        Some(values) => values.iter().map(|v| number_name(*v)).collect(),
        None => cells.to_vec(),
    };
    let mut names: Vec<String> = keys
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if numbers.is_some() {
        names.sort_by(|a, b| {
            let (a, b) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            a.total_cmp(&b)
        });
    }
    if names.len() < 2 {
        return Err(column.fault(format!(
            "column `{}` has one class only (`{}`); classification needs at least 2",
            quote(column.name),
            quote(&names[0])
        )));
    }
    if names.len() > MAX_CLASSES {
        return Err(column.fault(format!(
            "column `{}` has {} classes; allowed: up to {MAX_CLASSES} (or choose regression)",
            quote(column.name),
            names.len()
        )));
    }
    let index: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let labels = keys.iter().map(|c| index[c.as_str()]).collect();
    Ok(Target::Classes { labels, names })
}

/// The cells that mean "no value here" in the tools people export CSVs from (pandas, R,
/// Excel, SQL dumps, the UCI repository's `?`).
fn is_missing_marker(cell: &str) -> bool {
    // `NaN` is not here: it is refused as a number that is not finite.
    const MARKERS: [&str; 9] = ["", "na", "n/a", "null", "none", "?", "-", "#n/a", "missing"];
    let cell = cell.trim().to_ascii_lowercase();
    MARKERS.contains(&cell.as_str())
}

/// A number's one name as a class: the shortest text that reads back as the same value
/// (`1`, not `1.0` or `01`).
fn number_name(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}
