//! Real data: the built-in data sets load as documented, a CSV copy of iris is iris, bad CSV
//! files are refused with the file, row and column named, and on fixed rows `data` and
//! `split` change what they claim to and nothing else.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::*;
use seedscope::engine::config::{DataConfig, DatasetKind, ExperimentConfig};
use seedscope::engine::data::{self, Table, Task};
use seedscope::engine::record::RunRecord;
use seedscope::engine::seeds::{Condition, Source};
use seedscope::records::ResultsFile;

fn data_config(kind: DatasetKind) -> DataConfig {
    DataConfig {
        kind,
        samples: 300,
        noise: 0.0,
        test_fraction: 0.3,
        split: Default::default(),
        k: 5,
        path: None,
        target: None,
        task: None,
        sha256: None,
    }
}

fn iris_preset() -> ExperimentConfig {
    seedscope::engine::presets::find("iris")
        .unwrap()
        .config()
        .unwrap()
}

/// Shape, classes and the checksum of every value, pinned: a changed copy is caught.
#[test]
fn built_in_data_sets_have_their_documented_shape_classes_and_checksum() {
    let expected = [
        (
            DatasetKind::Iris,
            150,
            4,
            Task::Multiclass { classes: 3 },
            "setosa",
        ),
        (DatasetKind::WineQuality, 1599, 11, Task::Regression, ""),
        (
            DatasetKind::WineClasses,
            1599,
            11,
            Task::Multiclass { classes: 3 },
            "poor",
        ),
        (DatasetKind::Diabetes, 441, 10, Task::Regression, ""),
        (
            DatasetKind::Digits,
            1797,
            64,
            Task::Multiclass { classes: 10 },
            "0",
        ),
    ];
    for (kind, rows, features, task, first_class) in expected {
        let table = data::load_table(&data_config(kind)).unwrap();
        assert_eq!(table.rows(), rows, "{kind:?}");
        assert_eq!(table.features(), features, "{kind:?}");
        assert_eq!(table.task(), task, "{kind:?}");
        assert_eq!(
            table
                .class_names()
                .first()
                .map(String::as_str)
                .unwrap_or(""),
            first_class,
            "{kind:?}"
        );
        assert_eq!(table.sha256, checksum(kind), "{kind:?}");
    }
    // Digits: pixels 0..16, and every digit about equally often.
    let digits = data::load_table(&data_config(DatasetKind::Digits)).unwrap();
    assert!(digits.x.iter().all(|&p| (0.0..=16.0).contains(&p)));
}

fn checksum(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Iris => IRIS_SHA,
        DatasetKind::WineQuality => WINE_QUALITY_SHA,
        DatasetKind::WineClasses => WINE_CLASSES_SHA,
        DatasetKind::Diabetes => DIABETES_SHA,
        DatasetKind::Digits => DIGITS_SHA,
        _ => unreachable!(),
    }
}

/// SHA-256 of each table's values (f32 bits, then labels or targets), from seedscope 0.1.0.
const IRIS_SHA: &str = "4f8aab2acc5041a5d7efb2c9478a77f6ab05520f92c43e8eb0df625b0f93052d";
const WINE_QUALITY_SHA: &str = "0ddcf5da7e29881b4753587b47154266e8102d5cfbf40b0870b3c48b9c2e8b00";
const WINE_CLASSES_SHA: &str = "6053e980a243c8709459cfb4a1036fde8a60f4bcc99be027e7780bf995473fc7";
const DIABETES_SHA: &str = "31f01c99006cb056b1d65b21374b4ed58dee130089481f93a2d020e3355048e0";
const DIGITS_SHA: &str = "faf2d98f61250c1cdc0b114323133d3c58da04f5c5d28bb78e4bde3c936a75b1";

/// iris written as a CSV file with the species as text.
fn iris_csv(dir: &Path) -> PathBuf {
    let iris = data::load_table(&data_config(DatasetKind::Iris)).unwrap();
    let mut text = String::from("sepal_length,sepal_width,petal_length,petal_width,species\n");
    let data::table::Target::Classes { labels, names } = &iris.target else {
        unreachable!()
    };
    for (row, label) in labels.iter().enumerate() {
        let values: Vec<String> = iris.x[row * 4..row * 4 + 4]
            .iter()
            .map(|v| v.to_string())
            .collect();
        text.push_str(&format!("{},{}\n", values.join(","), names[*label]));
    }
    let path = dir.join("iris.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn csv_config(path: &Path, target: &str) -> DataConfig {
    DataConfig {
        kind: DatasetKind::Csv,
        path: Some(path.to_path_buf()),
        target: Some(target.into()),
        ..data_config(DatasetKind::Csv)
    }
}

#[test]
fn a_csv_copy_of_iris_trains_exactly_like_the_built_in_iris() {
    let dir = temp_dir("real-iris-csv");
    let path = iris_csv(&dir);
    let from_csv: std::sync::Arc<Table> = data::load_table(&csv_config(&path, "species")).unwrap();
    let built_in = data::load_table(&data_config(DatasetKind::Iris)).unwrap();
    assert_eq!(from_csv.x, built_in.x);
    assert_eq!(from_csv.target, built_in.target);
    assert_eq!(from_csv.task(), Task::Multiclass { classes: 3 });

    let mut config = iris_preset();
    config.repeats = 2;
    config.training.epochs = 5;
    config.conditions = vec![Condition::ALL_FIXED, Condition::ALL_FREE];
    let iris_runs = sweep(&config, SEED, 1);
    config.data = csv_config(&path, "species");
    data::prepare(&mut config.data).unwrap();
    assert_eq!(
        config.data.sha256.as_deref(),
        Some(from_csv.sha256.as_str())
    );
    let csv_runs = sweep(&config, SEED, 1);
    // Fixed rows have no generator to draw fresh points from (docs/test-set-noise.md).
    assert!(
        iris_runs
            .iter()
            .chain(&csv_runs)
            .all(|r| r.fresh_metric.is_none())
    );
    for (a, b) in iris_runs.iter().zip(&csv_runs) {
        if a.replayable {
            assert_eq!(a.weights_hash, b.weights_hash, "{}", a.id());
        }
    }
}

/// Runs `run` on a CSV experiment file; returns (exit code, stderr).
fn run_csv(dir: &Path, data: serde_json::Value) -> (Option<i32>, String) {
    let mut config: serde_json::Value = serde_json::from_str(&iris_preset().to_json()).unwrap();
    config["data"] = data;
    config["repeats"] = 2.into();
    let experiment = dir.join("experiment.json");
    std::fs::write(&experiment, config.to_string()).unwrap();
    let out = dir.join("results.json");
    let output = binary()
        .args(["run", "--quiet", "--seed", "1", "--config"])
        .arg(&experiment)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    if output.status.code() != Some(0) {
        assert!(!out.exists(), "nothing is written on bad input");
    }
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn bad_csv_files_are_refused_naming_file_row_and_column() {
    let dir = temp_dir("real-bad-csv");
    let good_rows: String = (0..12)
        .map(|i| format!("{i},{},{}\n", i * 2, i % 2))
        .collect();
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "no-header.csv",
            "1,2,0\n".repeat(12),
            "label",
            "no header row",
        ),
        (
            "ragged.csv",
            format!("a,b,label\n{good_rows}1,2\n"),
            "label",
            "row 14 has 2 fields, the header has 3",
        ),
        (
            "word.csv",
            format!("a,b,label\n{good_rows}1,x,0\n"),
            "label",
            "row 14, column `b`: `x` is not a finite number",
        ),
        (
            "empty.csv",
            format!("a,b,label\n{good_rows}1,,0\n"),
            "label",
            "row 14, column `b` is empty",
        ),
        (
            "target.csv",
            format!("a,b,label\n{good_rows}"),
            "species",
            "no column `species`",
        ),
        (
            "one-class.csv",
            format!("a,b,label\n{}", "1,2,0\n".repeat(12)),
            "label",
            "one class only",
        ),
        (
            "few.csv",
            "a,b,label\n1,2,0\n3,4,1\n".to_string(),
            "label",
            "at least 10",
        ),
    ];
    for (name, text, target, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let data = serde_json::json!({
            "kind": "csv", "samples": 300, "noise": 0.0, "test_fraction": 0.3,
            "path": path, "target": target, "task": "auto"
        });
        let (code, stderr) = run_csv(&dir, data);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: the file is named: {stderr}");
        assert!(stderr.contains(needle), "{name}: {needle}: {stderr}");
    }
    let missing = serde_json::json!({
        "kind": "csv", "samples": 300, "noise": 0.0, "test_fraction": 0.3,
        "path": dir.join("nope.csv"), "target": "label"
    });
    let (code, stderr) = run_csv(&dir, missing);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("nope.csv") && stderr.contains("cannot read"),
        "{stderr}"
    );
    // A 2 GB file (sparse: no disk used) is refused by its size before it is read.
    let huge = dir.join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let data = serde_json::json!({
        "kind": "csv", "samples": 300, "noise": 0.0, "test_fraction": 0.3,
        "path": huge, "target": "label"
    });
    let (code, stderr) = run_csv(&dir, data);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("huge.csv") && stderr.contains("up to 200 MB"),
        "{stderr}"
    );
}

#[test]
fn a_changed_csv_file_is_named_on_replay_instead_of_silently_differing() {
    let dir = temp_dir("real-changed-csv");
    let path = iris_csv(&dir);
    let data = serde_json::json!({
        "kind": "csv", "samples": 300, "noise": 0.0, "test_fraction": 0.3,
        "path": path, "target": "species"
    });
    let (code, stderr) = run_csv(&dir, data);
    assert_eq!(code, Some(0), "{stderr}");
    let results = ResultsFile::load(&dir.join("results.json")).unwrap();
    assert!(
        results.config.data.sha256.is_some(),
        "the file's checksum is recorded"
    );
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("5.0,3.0,1.5,0.2,setosa\n");
    std::fs::write(&path, text).unwrap();
    let output = binary()
        .args(["replay", "--run", "all-fixed/0"])
        .arg(dir.join("results.json"))
        .output()
        .unwrap();
    // The process that checks is a new one, so nothing is cached from the first load.
    assert_ne!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has changed"), "{stderr}");
}

fn runs_of(runs: &[RunRecord], condition: Condition) -> Vec<&RunRecord> {
    let name = condition.to_string();
    runs.iter().filter(|r| r.condition == name).collect()
}

fn distinct_fingerprints(runs: &[&RunRecord], source: Source) -> usize {
    runs.iter()
        .map(|r| r.fingerprints.get(source).to_string())
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn on_iris_data_resamples_training_rows_and_split_moves_test_rows() {
    let mut config = iris_preset();
    config.repeats = 4;
    config.training.epochs = 3;
    config.conditions = vec![
        Condition::ALL_FIXED,
        Condition::only(Source::Data),
        Condition::only(Source::Split),
    ];
    let runs = sweep(&config, SEED, 2);
    let only_data = runs_of(&runs, Condition::only(Source::Data));
    let test_rows: HashSet<Vec<usize>> = only_data.iter().map(|r| r.test_indices.clone()).collect();
    assert_eq!(test_rows.len(), 1, "data free: the test rows stay");
    assert_eq!(
        distinct_fingerprints(&only_data, Source::Data),
        4,
        "training rows resampled"
    );
    assert_eq!(distinct_fingerprints(&only_data, Source::Split), 1);

    let only_split = runs_of(&runs, Condition::only(Source::Split));
    let test_rows: HashSet<Vec<usize>> =
        only_split.iter().map(|r| r.test_indices.clone()).collect();
    assert_eq!(test_rows.len(), 4, "split free: other rows held out");
    assert_eq!(
        distinct_fingerprints(&only_split, Source::Data),
        1,
        "no resampling"
    );
    // Stratified: 15 test flowers of each species.
    let iris = data::load_table(&data_config(DatasetKind::Iris)).unwrap();
    let data::table::Target::Classes { labels, .. } = &iris.target else {
        unreachable!()
    };
    for run in &only_split {
        for class in 0..3 {
            let held_out = run
                .test_indices
                .iter()
                .filter(|&&r| labels[r] == class)
                .count();
            assert_eq!(held_out, 15, "{}", run.id());
        }
    }

    let fixed = runs_of(&runs, Condition::ALL_FIXED);
    assert_eq!(distinct(fixed.iter().map(|r| r.weights_hash.as_str())), 1);
    // Bitwise the same with one worker as with two.
    let again = sweep(&config, SEED, 1);
    for (a, b) in runs.iter().zip(&again) {
        assert_eq!(a.weights_hash, b.weights_hash, "{}", a.id());
    }
}

#[test]
fn all_fixed_on_digits_is_bitwise_identical_across_processes() {
    let dir = temp_dir("real-digits-processes");
    let hashes: Vec<Vec<String>> = (0..2)
        .map(|i| {
            let out = dir.join(format!("digits-{i}.json"));
            succeeded(
                binary()
                    .args(["run", "--quiet", "--preset", "digits", "--seed", "5"])
                    .args(["--repeats", "2", "--conditions", "all-fixed,only-data"])
                    .args(["--workers", if i == 0 { "1" } else { "2" }, "--out"])
                    .arg(&out),
            );
            ResultsFile::load(&out)
                .unwrap()
                .runs
                .iter()
                .map(|r| r.weights_hash.clone())
                .collect()
        })
        .collect();
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0][0], hashes[0][1], "all-fixed: one outcome");
}
