//! The user's own CSV file as a fixed data set: a header row, numeric feature columns, and
//! a target column of class labels (text or small integers) or numbers.
//!
//! Every refusal names the file, and the row (as a line number of the file, the header being
//! line 1) and column where it applies, with the limit when one is exceeded.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::csv_target::{TargetColumn, read_target};
use super::error::DataError;
use super::table::Table;
use crate::engine::files::{self, list, quote, read_regular_file};

/// Limits on a CSV data set, stated in the errors that enforce them.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_COLUMNS: usize = 1_000;
/// Fewer rows cannot be split into a training and a test set worth the name.
pub const MIN_ROWS: usize = 10;
/// What the target column is read as, and its class limits, live with the reader of the
/// target (imports point one way: this file reads rows, `csv_target` reads the target).
pub use super::csv_target::{AUTO_CLASS_LIMIT, MAX_CLASSES, TaskChoice};

/// Reads `path` with `target` as the column to predict.
pub fn load(path: &Path, target: &str, task: TaskChoice) -> Result<Table, DataError> {
    let bytes = read_regular_file(path, MAX_FILE_BYTES)?;
    parse(
        &bytes,
        &files::escape(&path.display().to_string()),
        target,
        task,
    )
}

/// The header row of the CSV file at `path` (to choose the target column from).
pub fn header(path: &Path) -> Result<Vec<String>, DataError> {
    let name = files::escape(&path.display().to_string());
    let bytes = read_regular_file(path, MAX_FILE_BYTES)?;
    read_header(&mut reader(bytes.as_slice()), &name)
}

fn reader<R: std::io::Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(source)
}

/// The header row, checked: named columns, at least two, not all numbers, no name twice.
fn read_header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    name: &str,
) -> Result<Vec<String>, DataError> {
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            DataError::in_file(
                name,
                format!("the header row cannot be read: {}", quote(&e.to_string())),
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    check_header(&header, name)?;
    Ok(header)
}

/// Parses CSV `bytes` (named `name` in errors).
pub fn parse(bytes: &[u8], name: &str, target: &str, task: TaskChoice) -> Result<Table, DataError> {
    let sha256 = crate::engine::digest::hex(&Sha256::digest(bytes));
    let mut reader = reader(bytes);
    let header = read_header(&mut reader, name)?;
    let target_column = header.iter().position(|h| h == target).ok_or_else(|| {
        DataError::in_file(
            name,
            format!(
                "no column `{}` to predict; the columns are: {}",
                quote(target),
                list(&header)
            ),
        )
    })?;
    let width = header.len();
    let mut x: Vec<f32> = Vec::new();
    let mut target_cells: Vec<String> = Vec::new();
    let mut target_lines: Vec<u64> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| row_error(name, &e, width))?;
        let line = record.position().map_or(0, |p| p.line());
        if target_cells.len() == MAX_ROWS {
            return Err(DataError::in_file(
                name,
                format!("more than {MAX_ROWS} rows; allowed: up to {MAX_ROWS}"),
            ));
        }
        for (column, cell) in record.iter().enumerate() {
            let column_name = quote(&header[column]);
            if cell.is_empty() {
                return Err(DataError::at(
                    name,
                    line,
                    Some(&header[column]),
                    format!(
                        "row {line}, column `{column_name}` is empty; every cell needs a value"
                    ),
                ));
            }
            if cell.contains(['\n', '\r']) {
                return Err(DataError::at(
                    name,
                    line,
                    Some(&header[column]),
                    format!(
                        "row {line}, column `{column_name}`: a quote `\"` opened in this cell is not closed on its line (the cell runs on over {} lines)",
                        cell.lines().count()
                    ),
                ));
            }
            if column == target_column {
                target_cells.push(cell.to_string());
                target_lines.push(line);
                continue;
            }
            let value: f32 = cell.parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| {
                DataError::at(
                    name,
                    line,
                    Some(&header[column]),
                    format!(
                        "row {line}, column `{column_name}`: `{}` is not a finite number; feature columns must be numeric",
                        quote(cell)
                    ),
                )
            })?;
            x.push(value);
        }
    }
    if target_cells.len() < MIN_ROWS {
        return Err(DataError::in_file(
            name,
            format!(
                "{} data rows are too few to split into training and test rows; allowed: at least {MIN_ROWS}",
                target_cells.len()
            ),
        ));
    }
    let column = TargetColumn {
        file: name,
        name: &header[target_column],
        cells: &target_cells,
        lines: &target_lines,
    };
    let target_values = read_target(&column, task)?;
    let feature_names = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != target_column)
        .map(|(_, h)| h.clone())
        .collect();
    Ok(Table {
        feature_names,
        x,
        target: target_values,
        sha256,
    })
}

fn check_header(header: &[String], name: &str) -> Result<(), DataError> {
    let fault = |message: String| Err(DataError::in_file(name, message));
    if header.len() < 2 {
        return fault(format!(
            "the header row has {} column; a data set needs at least one feature and a target",
            header.len()
        ));
    }
    if header.len() > MAX_COLUMNS {
        return fault(format!(
            "{} columns; allowed: up to {MAX_COLUMNS}",
            header.len()
        ));
    }
    if header.iter().all(|h| h.parse::<f64>().is_ok()) {
        return fault(
            "no header row: the first line is all numbers; add a first line naming each column"
                .to_string(),
        );
    }
    if let Some(column) = header.iter().position(String::is_empty) {
        return fault(format!("header column {} has no name", column + 1));
    }
    // A name twice would make one of them a feature whatever the user picks: with the
    // target's name, a silent label leak.
    let mut first_of: std::collections::HashMap<&str, usize> = Default::default();
    for (position, column) in header.iter().enumerate() {
        if let Some(first) = first_of.insert(column, position) {
            return fault(format!(
                "columns {} and {} are both named `{}`; every column needs its own name",
                first + 1,
                position + 1,
                quote(column)
            ));
        }
    }
    Ok(())
}

fn row_error(name: &str, error: &csv::Error, width: usize) -> DataError {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { pos, len, .. } => {
            let row = pos.as_ref().map_or(0, |p| p.line());
            DataError::at(
                name,
                row,
                None,
                format!("row {row} has {len} fields, the header has {width}"),
            )
        }
        csv::ErrorKind::Utf8 { pos, .. } => {
            let row = pos.as_ref().map_or(0, |p| p.line());
            DataError::at(
                name,
                row,
                None,
                format!("row {row} is not valid UTF-8 text"),
            )
        }
        _ => DataError::in_file(name, quote(&error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::table::Target;

    fn parse_text(text: &str, task: TaskChoice) -> Result<Table, String> {
        parse(text.as_bytes(), "t.csv", "label", task).map_err(|e| e.to_string())
    }

    fn rows(header: &str, row: &str, n: usize) -> String {
        let mut text = format!("{header}\n");
        for i in 0..n {
            text.push_str(&row.replace("{i}", &i.to_string()));
            text.push('\n');
        }
        text
    }

    #[test]
    fn text_labels_become_classes_in_sorted_order() {
        let mut text = "a,b,label\n".to_string();
        for i in 0..12 {
            let label = ["cat", "dog", "ant"][i % 3];
            text.push_str(&format!("{i},{},{label}\n", i * 2));
        }
        let table = parse_text(&text, TaskChoice::Auto).unwrap();
        assert_eq!(table.class_names(), ["ant", "cat", "dog"]);
        assert_eq!(table.features(), 2);
        assert_eq!(table.rows(), 12);
        assert_eq!(&table.x[..4], &[0.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn auto_detects_regression_from_many_distinct_numbers() {
        let text = rows("a,label", "{i},{i}.5", 30);
        let table = parse_text(&text, TaskChoice::Auto).unwrap();
        assert!(matches!(table.target, Target::Values(_)));
        let ints = rows("a,label", "{i},{i}", 12);
        assert!(matches!(
            parse_text(&ints, TaskChoice::Auto).unwrap().target,
            Target::Classes { .. }
        ));
        assert!(matches!(
            parse_text(&ints, TaskChoice::Regression).unwrap().target,
            Target::Values(_)
        ));
    }

    #[test]
    fn bad_input_names_file_row_and_column() {
        let cases = [
            ("1,2,3\n4,5,6\n", "no header row"),
            (
                "a,b,label\n1,2,x\n1,2\n",
                "row 3 has 2 fields, the header has 3",
            ),
            (
                "a,b,label\n1,oops,x\n",
                "row 2, column `b`: `oops` is not a finite number",
            ),
            ("a,b,label\n1,,x\n", "row 2, column `b` is empty"),
            ("a,b,other\n1,2,3\n", "no column `label`"),
            ("a,label\n1,x\n2,x\n", "too few"),
        ];
        for (text, needle) in cases {
            let error = parse_text(text, TaskChoice::Auto).unwrap_err();
            assert!(error.starts_with("t.csv: "), "{error}");
            assert!(error.contains(needle), "{needle}: {error}");
        }
        let one_class = rows("a,label", "{i},same", 12);
        let error = parse_text(&one_class, TaskChoice::Auto).unwrap_err();
        assert!(error.contains("one class only"), "{error}");
        let text_target = rows("a,label", "{i},x{i}", 12);
        let error = parse_text(&text_target, TaskChoice::Regression).unwrap_err();
        assert!(error.contains("row 2, column `label`"), "{error}");
    }
}
