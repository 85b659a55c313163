//! Results as Parquet (issue 46, item 2): `run`, `export` and `merge` write it with
//! `--format parquet` (or an `.parquet` name); it reads back to the very results its JSON twin
//! holds; every reader gives the same answer from either; pyarrow reads it as it is; and a
//! Parquet file that is not seedscope's, or lost a column, is refused with the reason named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{binary, said, succeeded, temp_dir};
use seedscope::records::ResultsFile;

/// `seedscope ARGS…` with a run store of the folder's own, so that a second sweep of the same
/// experiment takes the first one's runs (wall times included) rather than training anew.
fn with_store(folder: &Path, args: &[&str]) -> std::process::Output {
    let mut command = binary();
    command
        .current_dir(folder)
        .env_remove("SEEDSCOPE_NO_STORE")
        .env("SEEDSCOPE_STORE", folder.join("runs.sqlite"))
        .args(args);
    succeeded(&mut command)
}

const SWEEP: [&str; 9] = [
    "run",
    "--quiet",
    "--seed",
    "5",
    "--repeats",
    "4",
    "--conditions",
    "all-fixed,all-free,only-init",
    "--out",
];

/// The same sweep written as JSON and as Parquet (its runs from the store the second time).
fn twins(name: &str) -> (PathBuf, PathBuf) {
    let folder = temp_dir(name);
    with_store(&folder, &[&SWEEP[..], &["r.json"]].concat());
    let said = with_store(
        &folder,
        &[&SWEEP[..], &["r.data", "--format", "parquet"]].concat(),
    );
    assert!(
        String::from_utf8_lossy(&said.stdout).contains("results: r.data"),
        "{}",
        said.status
    );
    (folder.join("r.json"), folder.join("r.data"))
}

#[test]
fn a_parquet_file_reads_back_as_the_results_its_json_twin_holds() {
    let (json, parquet) = twins("parquet-twins");
    let bytes = std::fs::read(&parquet).unwrap();
    assert_eq!(&bytes[..4], b"PAR1", "--format parquet wins over the name");
    let from_json = ResultsFile::load(&json).unwrap();
    let from_parquet = ResultsFile::load(&parquet).unwrap();
    assert_eq!(from_json.runs.len(), 12);
    assert_eq!(from_parquet, from_json);
    // Every list survives: curves, predictions, test rows, per-example errors, the grid.
    let run = &from_parquet.runs[3];
    assert!(!run.train_loss.is_empty() && !run.test_errors.is_empty() && run.grid.is_some());

    // Read for analysis, the runs lack only what the app draws.
    let analysed = ResultsFile::load_for_analysis(&parquet).unwrap();
    assert_eq!(analysed.summary, from_json.summary);
    for (mut light, full) in analysed.runs.into_iter().zip(&from_json.runs) {
        assert!(light.train_loss.is_empty() && light.test_predictions.is_empty());
        assert!(light.grid.is_none() && !light.test_errors.is_empty());
        assert!(light.fingerprints.init.is_empty() && !light.weights_hash.is_empty());
        light.fingerprints = full.fingerprints.clone();
        light.train_loss = full.train_loss.clone();
        light.test_metric = full.test_metric.clone();
        light.test_predictions = full.test_predictions.clone();
        light.grid = full.grid.clone();
        assert_eq!(&light, full);
    }
}

/// A file of many row groups (a large sweep's) is decoded on every core and reads back whole
/// and in its order, for analysis too, with a damaged run named by its place in the file.
#[test]
fn a_file_of_many_row_groups_reads_back_in_order() {
    let (json, _) = twins("parquet-row-groups");
    let mut results = ResultsFile::load(&json).unwrap();
    let per_condition = 9_000;
    let conditions = results.config.conditions.clone();
    let template = results.runs.clone();
    results.config.repeats = per_condition;
    results.runs = (0..per_condition)
        .flat_map(|index| conditions.iter().map(move |condition| (index, *condition)))
        .map(|(index, condition)| {
            let mut run = template
                .iter()
                .find(|r| r.condition == condition)
                .unwrap()
                .clone();
            run.run_index = index;
            run.wall_ms = index as f64;
            let point = index % run.test_errors.len();
            run.test_errors[point] = (index % 2) as f32;
            run
        })
        .collect();
    let path = json.with_file_name("large.parquet");
    let mut file = std::fs::File::create(&path).unwrap();
    seedscope::records::parquet::write_results(&results, &mut file).unwrap();
    drop(file);
    let groups = parquet::file::reader::FileReader::metadata(
        &parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path).unwrap())
            .unwrap(),
    )
    .num_row_groups();
    assert!(groups >= 3, "27,000 runs make {groups} row groups");
    assert_eq!(ResultsFile::load(&path).unwrap(), results);
    let analysed = ResultsFile::load_for_analysis(&path).unwrap();
    let order = |runs: &[seedscope::engine::record::RunRecord]| -> Vec<_> {
        runs.iter()
            .map(|r| (r.id(), r.wall_ms.to_bits(), r.test_errors.clone()))
            .collect()
    };
    assert_eq!(order(&analysed.runs), order(&results.runs));

    // A run past the first row group that repeats an earlier one is refused by its place.
    results.runs[20_000].run_index = 0;
    let mut file = std::fs::File::create(&path).unwrap();
    seedscope::records::parquet::write_results(&results, &mut file).unwrap();
    drop(file);
    let refused = ResultsFile::load_for_analysis(&path)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("runs[20000]"), "{refused}");
}

/// The file is at most a fifth of the JSON once the runs outweigh the header (the experiment
/// and summaries, kept as JSON in the metadata): here 240 runs.
#[test]
fn a_parquet_file_is_at_most_a_fifth_of_the_json() {
    let folder = temp_dir("parquet-size");
    let sweep = ["run", "--quiet", "--seed", "5", "--repeats", "30", "--out"];
    succeeded(binary().current_dir(&folder).args(sweep).arg("r.json"));
    succeeded(binary().current_dir(&folder).args(sweep).arg("r.parquet"));
    let size = |name: &str| std::fs::metadata(folder.join(name)).unwrap().len();
    let (json, parquet) = (size("r.json"), size("r.parquet"));
    assert!(
        parquet * 5 <= json,
        "Parquet {parquet} bytes, JSON {json}: at most a fifth"
    );
}

/// compare, luck, plan and replay say the same of a file, whichever its format.
#[test]
fn every_reader_says_the_same_of_either_format() {
    let (json, parquet) = twins("parquet-readers");
    let folder = json.parent().unwrap();
    let readers: [&[&str]; 4] = [
        &["luck", "FILE"],
        &["plan", "FILE", "--condition", "all-free"],
        &["compare", "FILE", "--a", "all-free", "--b", "only-init"],
        &["replay", "FILE", "--run", "only-init/2"],
    ];
    for reader in readers {
        let said = |file: &Path| {
            let args: Vec<&str> = reader
                .iter()
                .map(|a| {
                    if *a == "FILE" {
                        file.to_str().unwrap()
                    } else {
                        a
                    }
                })
                .collect();
            let output = succeeded(binary().current_dir(folder).args(&args));
            String::from_utf8_lossy(&output.stdout).replace(file.to_str().unwrap(), "FILE")
        };
        let (from_json, from_parquet) = (said(&json), said(&parquet));
        assert!(!from_json.trim().is_empty(), "{reader:?} said nothing");
        assert_eq!(from_parquet, from_json, "{reader:?}");
    }
}

/// Parts of a sharded sweep merge whatever their formats, and export writes Parquet too.
#[test]
fn merge_and_export_write_parquet_from_parts_of_either_format() {
    let folder = temp_dir("parquet-merge");
    let part = |index: usize, out: &str| {
        let shard = format!("{index}/2");
        with_store(&folder, &[&SWEEP[..], &[out, "--shard", &shard]].concat());
    };
    part(0, "part-0.parquet");
    part(1, "part-1.json");
    with_store(
        &folder,
        &[
            "merge",
            "part-0.parquet",
            "part-1.json",
            "--out",
            "merged.parquet",
        ],
    );
    with_store(&folder, &[&SWEEP[..], &["whole.json"]].concat());
    let merged = ResultsFile::load(&folder.join("merged.parquet")).unwrap();
    let whole = ResultsFile::load(&folder.join("whole.json")).unwrap();
    assert_eq!(merged.runs.len(), 12);
    let mut hashes: Vec<_> = merged
        .runs
        .iter()
        .map(|r| (r.id(), &r.weights_hash))
        .collect();
    let mut expected: Vec<_> = whole
        .runs
        .iter()
        .map(|r| (r.id(), &r.weights_hash))
        .collect();
    hashes.sort_by_key(|(id, _)| id.to_string());
    expected.sort_by_key(|(id, _)| id.to_string());
    assert_eq!(hashes, expected);

    with_store(&folder, &["export", "1", "--out", "exported.parquet"]);
    let exported = ResultsFile::load(&folder.join("exported.parquet")).unwrap();
    assert_eq!(exported.runs.len(), 12);
}

/// pyarrow reads the file as it is: one row per run, the seeds and hashes as columns, the
/// per-example errors as lists, and the experiment in the schema's metadata.
#[test]
fn pyarrow_reads_the_runs_as_columns() {
    let (json, parquet) = twins("parquet-pyarrow");
    let script = r#"
import json, sys
import pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
header = json.loads(table.schema.metadata[b"seedscope.results"])
rows = table.to_pylist()
print(json.dumps({
    "rows": table.num_rows,
    "master_seed": header["master_seed"],
    "hashes": [r["weights_hash"] for r in rows],
    "init_seeds": [r["seed_init"] for r in rows],
    "errors": rows[0]["test_errors"],
    "footer": b"seedscope.results" in pq.read_metadata(sys.argv[1]).metadata,
}))
"#;
    let has_pyarrow = Command::new("python3")
        .args(["-c", "import pyarrow"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_pyarrow {
        // CI installs pyarrow (.ci/run), so there this test always runs.
        assert!(std::env::var_os("CI").is_none(), "CI must have pyarrow");
        eprintln!("skipped: no pyarrow here (pip install pyarrow)");
        return;
    }
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&parquet)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", said(&output));
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = ResultsFile::load(&json).unwrap();
    assert_eq!(read["rows"], 12);
    assert_eq!(read["master_seed"], 5);
    assert_eq!(
        read["footer"], true,
        "DuckDB reads the footer's key-value pairs"
    );
    let hashes: Vec<&str> = results
        .runs
        .iter()
        .map(|r| r.weights_hash.as_str())
        .collect();
    assert_eq!(read["hashes"], serde_json::json!(hashes));
    let init: Vec<u64> = results.runs.iter().map(|r| r.seeds["init"]).collect();
    assert_eq!(read["init_seeds"], serde_json::json!(init));
    assert_eq!(
        read["errors"],
        serde_json::json!(results.runs[0].test_errors)
    );
}

/// A Parquet file that is not a seedscope results file, or one that lost a column, is
/// refused by name.
#[test]
fn a_foreign_or_damaged_parquet_file_is_refused_with_the_reason() {
    use arrow_array::{ArrayRef, RecordBatch, UInt64Array};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::sync::Arc;

    let (_, parquet) = twins("parquet-damaged");
    let folder = parquet.parent().unwrap();
    let header = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&parquet).unwrap())
        .unwrap()
        .schema()
        .metadata()
        .clone();
    let refused = |file: &Path, reason: &str| {
        let output = binary().arg("luck").arg(file).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", said(&output));
        let text = said(&output);
        assert!(text.contains(reason), "{text}");
    };

    let foreign = folder.join("foreign.parquet");
    let column: ArrayRef = Arc::new(UInt64Array::from(vec![1, 2, 3]));
    let batch = RecordBatch::try_from_iter([("x", column)]).unwrap();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&foreign).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    refused(&foreign, "not a seedscope results file");

    // The runs without their `threads` column, the header kept.
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&parquet).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let damaged = folder.join("damaged.parquet");
    let mut writer = None;
    for batch in reader {
        let mut batch = batch.unwrap();
        let threads = batch.schema().index_of("threads").unwrap();
        batch.remove_column(threads);
        let schema = batch
            .schema()
            .as_ref()
            .clone()
            .with_metadata(header.clone());
        let batch = batch.with_schema(Arc::new(schema)).unwrap();
        writer
            .get_or_insert_with(|| {
                let file = std::fs::File::create(&damaged).unwrap();
                ArrowWriter::try_new(file, batch.schema(), None).unwrap()
            })
            .write(&batch)
            .unwrap();
    }
    writer.unwrap().close().unwrap();
    refused(&damaged, "column `threads` is missing");
}
