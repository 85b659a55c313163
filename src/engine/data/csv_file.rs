//! The user's own CSV file as a fixed data set: a header row, numeric feature columns, and
//! a target column of class labels (text or small integers) or numbers.
//!
//! Every refusal names the file, and the row (as a line number of the file, the header being
//! line 1) and column where it applies, with the limit when one is exceeded.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::table::{Table, Target};

/// Limits on a CSV data set, stated in the errors that enforce them.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_COLUMNS: usize = 1_000;
pub const MAX_CLASSES: usize = 100;
/// Fewer rows cannot be split into a training and a test set worth the name.
pub const MIN_ROWS: usize = 10;
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

/// Reads `path` with `target` as the column to predict.
pub fn load(path: &Path, target: &str, task: TaskChoice) -> Result<Table, String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: cannot read: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: {} MB is too large; allowed: up to {} MB",
            size / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    parse(&bytes, &name.to_string(), target, task)
}

/// The header row of the CSV file at `path` (to choose the target column from).
pub fn header(path: &Path) -> Result<Vec<String>, String> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    read_header(&mut reader(file), &name)
}

fn reader<R: std::io::Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(source)
}

/// The header row, checked: named columns, at least two, not all numbers.
fn read_header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    name: &str,
) -> Result<Vec<String>, String> {
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{name}: the header row cannot be read: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    check_header(&header, name)?;
    Ok(header)
}

/// Parses CSV `bytes` (named `name` in errors).
pub fn parse(bytes: &[u8], name: &str, target: &str, task: TaskChoice) -> Result<Table, String> {
    let sha256 = crate::engine::model::hex(&Sha256::digest(bytes));
    let mut reader = reader(bytes);
    let header = read_header(&mut reader, name)?;
    let target_column = header.iter().position(|h| h == target).ok_or_else(|| {
        format!(
            "{name}: no column `{target}` to predict; the columns are: {}",
            header.join(", ")
        )
    })?;
    let width = header.len();
    let mut x: Vec<f32> = Vec::new();
    let mut target_cells: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| row_error(name, &e, width))?;
        let line = record.position().map_or(0, |p| p.line());
        if target_cells.len() == MAX_ROWS {
            return Err(format!(
                "{name}: more than {MAX_ROWS} rows; allowed: up to {MAX_ROWS}"
            ));
        }
        for (column, cell) in record.iter().enumerate() {
            if cell.is_empty() {
                return Err(format!(
                    "{name}: row {line}, column `{}` is empty; every cell needs a value",
                    header[column]
                ));
            }
            if column == target_column {
                target_cells.push(cell.to_string());
                continue;
            }
            let value: f32 = cell.parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| {
                format!(
                    "{name}: row {line}, column `{}`: `{cell}` is not a number; feature columns must be numeric",
                    header[column]
                )
            })?;
            x.push(value);
        }
    }
    if target_cells.len() < MIN_ROWS {
        return Err(format!(
            "{name}: {} data rows are too few to split into training and test rows; allowed: at least {MIN_ROWS}",
            target_cells.len()
        ));
    }
    let target_values = read_target(&target_cells, name, target, task)?;
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

fn check_header(header: &[String], name: &str) -> Result<(), String> {
    if header.len() < 2 {
        return Err(format!(
            "{name}: the header row has {} column; a data set needs at least one feature and a target",
            header.len()
        ));
    }
    if header.len() > MAX_COLUMNS {
        return Err(format!(
            "{name}: {} columns; allowed: up to {MAX_COLUMNS}",
            header.len()
        ));
    }
    if header.iter().all(|h| h.parse::<f64>().is_ok()) {
        return Err(format!(
            "{name}: no header row: the first line is all numbers; add a first line naming each column"
        ));
    }
    if let Some(column) = header.iter().position(String::is_empty) {
        return Err(format!("{name}: header column {} has no name", column + 1));
    }
    Ok(())
}

fn row_error(name: &str, error: &csv::Error, width: usize) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { pos, len, .. } => format!(
            "{name}: row {} has {len} fields, the header has {width}",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        csv::ErrorKind::Utf8 { pos, .. } => format!(
            "{name}: row {} is not valid UTF-8 text",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        _ => format!("{name}: {error}"),
    }
}

/// The target cells as classes or values, following `task`.
fn read_target(
    cells: &[String],
    name: &str,
    column: &str,
    task: TaskChoice,
) -> Result<Target, String> {
    let numbers: Option<Vec<f64>> = cells.iter().map(|c| c.parse::<f64>().ok()).collect();
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
            format!(
                "{name}: row {}, column `{column}`: `{cell}` is not a number; regression needs a numeric target (or choose classification)",
                row + 2
            )
        })?;
        return Ok(Target::Values(values.iter().map(|&v| v as f32).collect()));
    }
    // Classes in a stable order: numerically when every label is a number, else as text.
    let mut names: Vec<String> = cells
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
        return Err(format!(
            "{name}: column `{column}` has one class only (`{}`); classification needs at least 2",
            names[0]
        ));
    }
    if names.len() > MAX_CLASSES {
        return Err(format!(
            "{name}: column `{column}` has {} classes; allowed: up to {MAX_CLASSES} (or choose regression)",
            names.len()
        ));
    }
    let labels = cells
        .iter()
        .map(|c| {
            names
                .iter()
                .position(|n| n == c)
                .expect("every label is named")
        })
        .collect();
    Ok(Target::Classes { labels, names })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str, task: TaskChoice) -> Result<Table, String> {
        parse(text.as_bytes(), "t.csv", "label", task)
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
                "row 2, column `b`: `oops` is not a number",
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
