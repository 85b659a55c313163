//! Nothing misread (the second hostile-input campaign, issue 34): labels that are numbers,
//! missing markers, values at f32's edges, sizes no reader could take, edited shard parts
//! and scheduler ids off the grid, empty or relative environment, comparisons of a thing
//! with itself, and file text that would forge terminal output.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use seedscope::engine::data::csv_file::{TaskChoice, parse};
use seedscope::engine::data::table::Target;
use serde_json::{Value, json};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Refused with exit 2, naming `needle`, and `not_written` not written.
fn assert_refused_naming(output: &Output, needle: &str, not_written: &Path) {
    assert_eq!(output.status.code(), Some(2), "{}", text(output));
    assert!(
        text(output).contains(needle),
        "`{needle}` in {}",
        text(output)
    );
    assert!(
        !not_written.exists(),
        "{} was written",
        not_written.display()
    );
}

fn csv_of(labels: &[&str]) -> String {
    let mut text = String::from("x,label\n");
    for (i, label) in labels.iter().enumerate() {
        text.push_str(&format!("{},{label}\n", i % 7));
    }
    text
}

fn classes(labels: &[&str]) -> Result<Vec<String>, String> {
    match parse(
        csv_of(labels).as_bytes(),
        "t.csv",
        "label",
        TaskChoice::Auto,
    ) {
        Ok(table) => match table.target {
            Target::Classes { names, .. } => Ok(names),
            Target::Values(_) => Err("read as values".into()),
        },
        Err(error) => Err(error.to_string()),
    }
}

#[test]
fn equal_numbers_spelled_differently_are_one_class() {
    let spelled = ["1", "1.0", "01", "1e0", "0", "-0", "0.0", "1", "0", "0"];
    assert_eq!(classes(&spelled).unwrap(), vec!["0", "1"]);
    let error = classes(&[
        "0", "0.0", "-0", "0", "0.00", "0", "0e0", "00", "0", "0.0", "-0.0",
    ])
    .unwrap_err();
    assert!(error.contains("one class only"), "{error}");
    // A classification asked for by name reads the same way.
    let table = parse(
        csv_of(&["2", "2.0", "3", "3e0", "2", "3", "02", "3.00", "2", "3"]).as_bytes(),
        "t.csv",
        "label",
        TaskChoice::Classification,
    )
    .unwrap();
    assert!(matches!(table.target, Target::Classes { ref names, .. } if names == &["2", "3"]));
}

fn run_dir(dir: &Path, config: &Value) -> Output {
    let path = dir.join("experiment.json");
    std::fs::write(&path, config.to_string()).unwrap();
    binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--workers",
            "1",
            "--config",
        ])
        .arg(&path)
        .arg("--out")
        .arg(dir.join("results.json"))
        .output()
        .unwrap()
}

fn csv_config(path: &Path, target: &str) -> Value {
    json!({
        "data": {"kind": "csv", "path": path, "target": target, "test_fraction": 0.3},
        "model": {"hidden": [8], "activation": "relu"},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 3, "batch_size": 16},
        "repeats": 3,
        "conditions": ["all-fixed", "only-init"]
    })
}

#[test]
fn a_missing_marker_in_the_target_is_refused_with_file_row_and_column() {
    let dir = temp_dir("na-target");
    for marker in ["NA", "?", "n/a", "null"] {
        let mut labels: Vec<String> = (0..40).map(|i| (i % 2).to_string()).collect();
        labels[9] = marker.into();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let csv = dir.join("data.csv");
        std::fs::write(&csv, csv_of(&refs)).unwrap();
        let output = run_dir(&dir, &csv_config(&csv, "label"));
        assert_eq!(output.status.code(), Some(2), "{marker}: {}", text(&output));
        for needle in [
            csv.to_str().unwrap(),
            "row 11",
            "column `label`",
            "missing value",
        ] {
            assert!(
                text(&output).contains(needle),
                "{marker}: `{needle}` in {}",
                text(&output)
            );
        }
    }
}

fn diverged_runs(dir: &Path) -> usize {
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|run| run["diverged"] == json!(true))
        .count()
}

#[test]
fn tiny_spreads_and_targets_near_the_f32_limit_train_without_diverging() {
    let dir = temp_dir("f32-edges");
    let csv = dir.join("edges.csv");
    let mut rows = String::from("tiny,plain,label,big\n");
    for i in 0..60 {
        let tiny = if i % 3 == 0 { "1e-45" } else { "0" };
        let big = if i % 2 == 0 { "3e38" } else { "-3e38" };
        rows.push_str(&format!("{tiny},{},{},{big}\n", i % 5, i % 2));
    }
    std::fs::write(&csv, rows).unwrap();
    let output = run_dir(&dir, &csv_config(&csv, "label"));
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(diverged_runs(&dir), 0, "a feature of 0 and 1e-45");
    let mut regression = csv_config(&csv, "big");
    regression["data"]["task"] = json!("regression");
    let output = run_dir(&dir, &regression);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(diverged_runs(&dir), 0, "targets of ±3e38");
}

#[test]
fn a_sweep_whose_results_no_reader_could_open_is_refused_before_training() {
    let dir = temp_dir("too-big");
    let mut config: Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    config["repeats"] = json!(10_000);
    config["training"]["epochs"] = json!(10_000);
    let started = std::time::Instant::now();
    let output = run_dir(&dir, &config);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    for needle in ["results file would be about", "lower --repeats to at most"] {
        assert!(
            text(&output).contains(needle),
            "`{needle}` in {}",
            text(&output)
        );
    }
    assert!(started.elapsed().as_secs() < 60, "it trained first");
    // The default preset at 100,000 repeats: 800,000 runs, several GB.
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--repeats",
            "100000",
            "--out",
        ])
        .arg(dir.join("r.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("GB"), "{}", text(&output));
    // Widths and workers no machine could hold.
    config["repeats"] = json!(200);
    config["training"]["epochs"] = json!(2);
    config["model"]["hidden"] = json!([1024, 1024, 1024, 1024, 1024, 1024]);
    let path = dir.join("wide.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--workers",
            "256",
            "--config",
        ])
        .arg(&path)
        .arg("--out")
        .arg(dir.join("r.json"))
        .output()
        .unwrap();
    assert_refused_naming(&output, "lower --workers", &dir.join("r.json"));
}

#[test]
fn the_estimate_is_printed_before_a_run() {
    let dir = temp_dir("estimate-line");
    let output = binary()
        .args([
            "run",
            "--seed",
            "1",
            "--repeats",
            "2",
            "--conditions",
            "all-fixed",
            "--out",
        ])
        .arg(dir.join("r.json"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find(|l| l.contains("to train")).unwrap();
    assert!(
        line.contains("results file ≈") && line.contains("memory ≈"),
        "{line}"
    );
}

/// A sparse 4,100 MB "results file" is refused by its size, in bounded memory.
#[test]
fn an_oversized_results_file_is_refused_without_reading_it() {
    let dir = temp_dir("sparse-results");
    let path = dir.join("huge.json");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(4_100 * 1024 * 1024)
        .unwrap();
    let exe = std::env::var_os("SEEDSCOPE_TEST_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_seedscope").into());
    for command in ["luck", "replay --run 0", "plan --condition all-free"] {
        let script = format!(
            "ulimit -v 1500000; exec '{}' {} '{}' {}",
            Path::new(&exe).display(),
            command.split(' ').next().unwrap(),
            path.display(),
            command.split_once(' ').map_or("", |(_, rest)| rest)
        );
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains("larger than"),
            "{command}: {}",
            text(&output)
        );
    }
}

fn sharded_parts(dir: &Path) -> Vec<PathBuf> {
    let mut config: Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    config["training"]["epochs"] = json!(2);
    config["repeats"] = json!(3);
    config["conditions"] = json!(["all-fixed", "only-init"]);
    let path = dir.join("experiment.json");
    std::fs::write(&path, config.to_string()).unwrap();
    (0..2)
        .map(|part| {
            let out = dir.join(format!("part-{part}.json"));
            let output = binary()
                .args(["run", "--quiet", "--seed", "1", "--config"])
                .arg(&path)
                .arg("--shard")
                .arg(format!("{part}/2"))
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{}", text(&output));
            out
        })
        .collect()
}

#[test]
fn merge_refuses_a_part_edited_to_hold_runs_outside_the_sweep() {
    let dir = temp_dir("edited-part");
    let parts = sharded_parts(&dir);
    for (condition, index) in [("all-fixed", 999), ("free:init+shuffle", 0)] {
        let mut part: Value =
            serde_json::from_str(&std::fs::read_to_string(&parts[0]).unwrap()).unwrap();
        let mut extra = part["runs"][0].clone();
        extra["condition"] = json!(condition);
        extra["run_index"] = json!(index);
        part["runs"].as_array_mut().unwrap().push(extra);
        part["shard"]["pairs"]
            .as_array_mut()
            .unwrap()
            .push(json!([condition, index]));
        let edited = dir.join("edited.json");
        std::fs::write(&edited, part.to_string()).unwrap();
        let output = binary()
            .arg("merge")
            .arg(&edited)
            .arg(&parts[1])
            .arg("--out")
            .arg(dir.join("merged.json"))
            .output()
            .unwrap();
        assert_refused_naming(&output, "not in the sweep", &dir.join("merged.json"));
    }
}

#[test]
fn scheduler_ids_off_the_grid_and_zero_steps_or_counts_are_refused() {
    use seedscope::cli::shard_source::resolve_shard;
    let env = |vars: Vec<(&'static str, &'static str)>| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let slurm_off = env(vec![
        ("SLURM_ARRAY_TASK_ID", "3"),
        ("SLURM_ARRAY_TASK_COUNT", "4"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_STEP", "2"),
    ]);
    let error = resolve_shard(None, None, slurm_off).unwrap_err();
    assert!(
        error.contains("SLURM_ARRAY_TASK_ID=3 is not a task"),
        "{error}"
    );
    let sge_off = env(vec![
        ("SGE_TASK_ID", "4"),
        ("SGE_TASK_FIRST", "1"),
        ("SGE_TASK_LAST", "7"),
        ("SGE_TASK_STEPSIZE", "2"),
    ]);
    let error = resolve_shard(None, None, sge_off).unwrap_err();
    assert!(error.contains("SGE_TASK_ID=4 is not a task"), "{error}");
    let step_zero = env(vec![
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_COUNT", "4"),
        ("SLURM_ARRAY_TASK_STEP", "0"),
    ]);
    let error = resolve_shard(None, None, step_zero).unwrap_err();
    assert!(error.starts_with("SLURM_ARRAY_TASK_STEP=0"), "{error}");
    let error = resolve_shard(None, Some(0), env(vec![])).unwrap_err();
    assert!(error.starts_with("--shards: 0 is out of range"), "{error}");
    assert!(!error.contains("I/0"), "{error}");
}

#[test]
fn empty_or_relative_environment_is_read_as_unset() {
    let dir = temp_dir("empty-env");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let output = binary()
        .env("SEEDSCOPE_NO_STORE", "")
        .env("SEEDSCOPE_STORE", "")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", "relative/data")
        .current_dir(&dir)
        .arg("history")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let expected = home.join(".local/share/seedscope/runs.sqlite");
    assert!(
        text(&output).contains(expected.to_str().unwrap()),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains("--no-store") && !text(&output).contains("--store"));
    let output = binary()
        .env("SEEDSCOPE_NO_STORE", "maybe")
        .arg("history")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("SEEDSCOPE_NO_STORE: `maybe`"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_relative_data_path_is_read_from_the_experiment_files_folder() {
    let dir = temp_dir("relative-data");
    let shared = dir.join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    let labels: Vec<String> = (0..40).map(|i| (i % 2).to_string()).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    std::fs::write(shared.join("data.csv"), csv_of(&refs)).unwrap();
    let config = csv_config(Path::new("data.csv"), "label");
    std::fs::write(shared.join("experiment.json"), config.to_string()).unwrap();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run_from = |experiment: &str| {
        binary()
            .current_dir(&elsewhere)
            .args([
                "run",
                "--quiet",
                "--seed",
                "1",
                "--workers",
                "1",
                "--config",
                experiment,
            ])
            .args(["--out", "r.json"])
            .output()
            .unwrap()
    };
    let output = run_from("../shared/experiment.json");
    assert!(output.status.success(), "{}", text(&output));
    std::fs::remove_file(shared.join("data.csv")).unwrap();
    let output = run_from("../shared/experiment.json");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("looked for ../shared/data.csv"),
        "{}",
        text(&output)
    );
}

#[test]
fn compare_and_replay_say_what_is_wrong_with_too_few_runs() {
    let dir = temp_dir("few-runs");
    let parts = sharded_parts(&dir);
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&parts[0]).unwrap()).unwrap();
    file.as_object_mut().unwrap().remove("shard");
    let runs = file["runs"].as_array().unwrap().clone();
    let one_of_each: Vec<Value> = ["all-fixed", "only-init"]
        .iter()
        .filter_map(|c| runs.iter().find(|r| r["condition"] == json!(c)).cloned())
        .collect();
    file["runs"] = json!(one_of_each);
    let path = dir.join("one-each.json");
    std::fs::write(&path, file.to_string()).unwrap();
    let output = binary()
        .arg("compare")
        .arg(&path)
        .args(["--a", "all-fixed", "--b", "only-init"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    file["runs"] = json!([]);
    file["cancelled"] = json!(true);
    std::fs::write(&path, file.to_string()).unwrap();
    let output = binary()
        .arg("replay")
        .arg(&path)
        .args(["--run", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("has no runs"), "{}", text(&output));
    assert!(!text(&output).contains("0 to 0"), "{}", text(&output));
}

#[test]
fn text_from_a_shared_file_cannot_forge_terminal_lines() {
    let dir = temp_dir("forged-lines");
    let mut config: Value =
        serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap();
    config["name"] = json!("nice\nerror: forged\u{1b}[31m");
    config["training"]["epochs"] = json!(2);
    config["repeats"] = json!(2);
    config["conditions"] = json!(["all-fixed"]);
    let store = dir.join("runs.sqlite");
    let path = dir.join("experiment.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let output = binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(["run", "--seed", "1", "--config"])
        .arg(&path)
        .arg("--out")
        .arg(dir.join("r.json"))
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let history = binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .arg("history")
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    for output in [&output, &history] {
        let all = text(output);
        assert!(!all.contains('\u{1b}'), "{all}");
        assert!(
            !all.lines().any(|l| l.starts_with("error: forged")),
            "{all}"
        );
        assert!(all.contains("nice\\nerror: forged"), "{all}");
    }
    // A data.path with a newline: one error line, not two.
    let mut config = csv_config(Path::new("/no/such\nerror: forged.csv"), "label");
    config["name"] = json!("x");
    let output = run_dir(&dir, &config);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{stderr}"
    );
}
