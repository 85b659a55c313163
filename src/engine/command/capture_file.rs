//! A script's metric read from a file it writes (`--metric-file PATH --metric-key KEY`): a
//! number at a dotted path of a JSON file (`test.accuracy`, `runs.0.acc`), or a column of the
//! last row of a CSV log.

use std::path::Path;

/// The largest metric file read (a CSV log of a long training).
pub const MAX_METRIC_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The number at `key` in the file at `path`.
pub fn read_number(path: &Path, key: &str) -> Result<f64, String> {
    let shown = crate::engine::files::escape(&path.display().to_string());
    if !path.exists() {
        return Err(format!(
            "the metric file {shown} was not written (--metric-file)"
        ));
    }
    let bytes = crate::engine::files::read_regular_file(path, MAX_METRIC_FILE_BYTES)
        .map_err(|error| format!("the metric file cannot be read: {error}"))?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let value = if is_csv {
        last_row_column(&bytes, key)
    } else {
        json_number(&bytes, key)
    }
    .map_err(|message| format!("the metric file {shown}: {message}"))?;
    if !value.is_finite() {
        return Err(format!(
            "the metric file {shown}: {key} is {value}, not a finite number"
        ));
    }
    Ok(value)
}

fn json_number(bytes: &[u8], key: &str) -> Result<f64, String> {
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|error| format!("is not JSON ({error})"))?;
    let mut at = &document;
    for (depth, part) in key.split('.').enumerate() {
        let next = match at {
            serde_json::Value::Object(map) => map.get(part),
            serde_json::Value::Array(items) => {
                part.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            _ => None,
        };
        at = next.ok_or_else(|| {
            let path: Vec<&str> = key.split('.').take(depth + 1).collect();
            format!("has no key {} (--metric-key)", path.join("."))
        })?;
    }
    match at {
        serde_json::Value::Number(number) => number
            .as_f64()
            .ok_or_else(|| format!("{key} is not a number")),
        serde_json::Value::String(text) => text.trim().parse::<f64>().map_err(|_| {
            format!(
                "{key} is `{}`, not a number",
                crate::engine::files::quote(text)
            )
        }),
        other => Err(format!("{key} is {other}, not a number")),
    }
}

fn last_row_column(bytes: &[u8], key: &str) -> Result<f64, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|error| format!("is not CSV ({error})"))?
        .clone();
    let column = headers
        .iter()
        .position(|h| h.trim() == key)
        .ok_or_else(|| format!("has no column {key} (--metric-key)"))?;
    let mut last = None;
    for row in reader.records() {
        let row = row.map_err(|error| format!("is not CSV ({error})"))?;
        if let Some(cell) = row.get(column)
            && !cell.trim().is_empty()
        {
            last = Some(cell.trim().to_string());
        }
    }
    let cell = last.ok_or_else(|| format!("has no row with a value in {key}"))?;
    cell.parse::<f64>().map_err(|_| {
        format!(
            "the last {key} is `{}`, not a number",
            crate::engine::files::quote(&cell)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_key_and_a_csv_column_give_their_number() {
        let json = br#"{"test": {"accuracy": 0.91}, "runs": [{"acc": "0.5"}]}"#;
        assert_eq!(json_number(json, "test.accuracy").unwrap(), 0.91);
        assert_eq!(json_number(json, "runs.0.acc").unwrap(), 0.5);
        assert!(
            json_number(json, "test.loss")
                .unwrap_err()
                .contains("no key test.loss")
        );
        assert!(
            json_number(json, "test")
                .unwrap_err()
                .contains("not a number")
        );
        let csv = b"epoch,acc\n1,0.5\n2,0.75\n3,\n";
        assert_eq!(last_row_column(csv, "acc").unwrap(), 0.75);
        assert!(
            last_row_column(csv, "loss")
                .unwrap_err()
                .contains("no column loss")
        );
    }
}
