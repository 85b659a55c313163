//! What a fuzz campaign and a new user found, one test per defect, through the binary as a
//! user runs it: every refusal is exit 2, names the file/row/column or field and the allowed
//! range, and writes nothing; nothing panics, hangs or answers silently wrong.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn circles() -> Value {
    serde_json::from_str(&seedscope::engine::presets::default_config().to_json()).unwrap()
}

fn small(mut config: Value) -> Value {
    config["training"]["epochs"] = json!(2);
    config["repeats"] = json!(3);
    config
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// `run --config` with `text` as the experiment file; the output and where results would go.
fn run_text(dir: &Path, text: &str, extra: &[&str]) -> (Output, PathBuf) {
    let config = dir.join("experiment.json");
    std::fs::write(&config, text).unwrap();
    let out = dir.join("results.json");
    let _ = std::fs::remove_file(&out);
    let output = binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--workers",
            "1",
            "--config",
        ])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    (output, out)
}

fn assert_refused(output: &Output, out: &Path, needles: &[&str]) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "`{needle}` missing from: {message}"
        );
    }
    assert!(!out.exists(), "a refused run wrote {}", out.display());
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn zero_samples_is_refused_naming_the_field_not_a_panic() {
    let dir = temp_dir("zero-samples");
    for samples in [0, 1, 3] {
        let mut config = circles();
        config["data"]["samples"] = json!(samples);
        let (output, out) = run_text(&dir, &config.to_string(), &[]);
        assert_refused(&output, &out, &["data.samples", "4 to 100000"]);
    }
}

#[test]
fn a_results_file_carrying_zero_samples_is_refused_by_replay() {
    let dir = temp_dir("replay-zero");
    let (output, out) = run_text(&dir, &small(circles()).to_string(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut results: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    results["config"]["data"]["samples"] = json!(0);
    let edited = dir.join("edited.json");
    std::fs::write(&edited, results.to_string()).unwrap();
    let output = binary()
        .args(["replay", "--run", "0"])
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("config.data.samples"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_condition_listed_twice_is_refused_at_once_in_files_and_flags() {
    let dir = temp_dir("dup-conditions");
    let mut config = small(circles());
    config["conditions"] = json!(["all-fixed", "only-init", "all-fixed"]);
    let (output, out) = run_text(&dir, &config.to_string(), &[]);
    assert_refused(
        &output,
        &out,
        &["conditions", "`all-fixed` is listed twice"],
    );
    // The same condition under two spellings is the same condition.
    let (output, out) = run_text(
        &dir,
        &small(circles()).to_string(),
        &["--conditions", "free:init+shuffle,free:shuffle+init"],
    );
    assert_refused(&output, &out, &["--conditions", "listed twice"]);
    // Linear time: 20,000 copies are refused as fast as two.
    let mut config = small(circles());
    config["conditions"] = json!(vec!["all-fixed"; 20_000]);
    let started = Instant::now();
    let (output, out) = run_text(&dir, &config.to_string(), &[]);
    assert_refused(&output, &out, &["listed twice"]);
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A results file of 3 runs per condition, written by `run`.
fn results_file(dir: &Path) -> Value {
    let (output, out) = run_text(dir, &small(circles()).to_string(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn command_on(dir: &Path, results: &Value, args: &[&str]) -> Output {
    let path = dir.join("edited-results.json");
    std::fs::write(&path, results.to_string()).unwrap();
    binary()
        .arg(args[0])
        .arg(&path)
        .args(&args[1..])
        .output()
        .unwrap()
}

#[test]
fn a_run_listed_twice_in_a_results_file_is_refused_by_every_reader() {
    let dir = temp_dir("dup-runs");
    let mut results = results_file(&dir);
    let copy = results["runs"][4].clone();
    results["runs"].as_array_mut().unwrap().push(copy);
    for args in [
        &["compare", "--a", "all-free", "--b", "only-init"][..],
        &["luck"][..],
        &["plan", "--condition", "all-free"][..],
        &["replay", "--run", "0"][..],
    ] {
        let output = command_on(&dir, &results, args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.contains("runs[4] and runs[24]"),
            "{args:?}: {message}"
        );
        assert!(message.contains("each run may appear once"), "{message}");
    }
}

#[test]
fn impossible_metrics_in_a_results_file_are_refused_naming_run_and_range() {
    let dir = temp_dir("bad-metrics");
    let base = results_file(&dir);
    for value in [json!(2.0), json!(-1.0), json!(1e308)] {
        let mut results = base.clone();
        results["runs"][3]["final_test_metric"] = value.clone();
        let output = command_on(&dir, &results, &["luck"]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{value}: {message}");
        assert!(message.contains("runs[3]"), "{message}");
        assert!(message.contains("final_test_metric"), "{message}");
        assert!(message.contains("allowed: 0 to 1"), "{message}");
    }
}

#[test]
fn trailing_text_and_a_list_for_a_section_are_refused() {
    let dir = temp_dir("trailing");
    let text = format!("{}\nrm -rf /", small(circles()));
    let (output, out) = run_text(&dir, &text, &[]);
    assert_refused(&output, &out, &["after the experiment's closing brace"]);
    let mut config = small(circles());
    config["threads"] = json!([1, 2]);
    let (output, out) = run_text(&dir, &config.to_string(), &[]);
    assert_refused(&output, &out, &["threads", "must be an object"]);
}

#[test]
fn compare_messages_say_what_is_wrong() {
    let dir = temp_dir("compare-messages");
    let mut results = results_file(&dir);
    // Metrics far apart but each allowed: MSE on a regression-like file.
    for (i, run) in results["runs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        run["metric"] = json!("mse");
        run["final_test_metric"] = json!(if i % 2 == 0 { 1e50 } else { 0.0 });
        run["final_train_metric"] = json!(0.5);
    }
    let output = command_on(
        &dir,
        &results,
        &["compare", "--a", "all-free", "--b", "only-init"],
    );
    assert!(
        !stderr(&output).contains("at least two runs per side"),
        "{}",
        stderr(&output)
    );
    // Without --b-file, a metric mismatch names --b, not a flag that was not given.
    let mut results = results_file(&dir);
    for run in results["runs"].as_array_mut().unwrap() {
        if run["condition"] == "only-init" {
            run["metric"] = json!("mse");
        }
    }
    let output = command_on(
        &dir,
        &results,
        &["compare", "--a", "all-free", "--b", "only-init"],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(!message.contains("--b-file"), "{message}");
    assert!(message.contains("--b"), "{message}");
}

fn csv_experiment(dir: &Path, csv_text: &str, fraction: f64) -> (Output, PathBuf, PathBuf) {
    let csv = dir.join("data.csv");
    std::fs::write(&csv, csv_text).unwrap();
    // docs/real-data.md's minimal CSV experiment: no samples, no noise.
    let config = json!({
        "data": {"kind": "csv", "path": csv, "target": "label", "test_fraction": fraction},
        "model": {"hidden": [8], "activation": "relu"},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 2, "batch_size": 16},
        "repeats": 2,
        "conditions": ["all-fixed", "only-split"]
    });
    let (output, out) = run_text(dir, &config.to_string(), &[]);
    (output, out, csv)
}

fn table(rows: usize, row: impl Fn(usize) -> String, header: &str) -> String {
    let mut text = format!("{header}\n");
    for i in 0..rows {
        text.push_str(&row(i));
        text.push('\n');
    }
    text
}

#[test]
fn a_csv_experiment_needs_no_samples_or_noise() {
    let dir = temp_dir("csv-minimal");
    let text = table(40, |i| format!("{},{}", i % 7, i % 2), "a,label");
    let (output, out, _) = csv_experiment(&dir, &text, 0.3);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.exists());
    // A drawn data set still must say how many points to draw.
    let mut config = circles();
    config["data"].as_object_mut().unwrap().remove("samples");
    let (output, out) = run_text(&dir, &config.to_string(), &[]);
    assert_refused(&output, &out, &["data.samples", "missing"]);
}

#[test]
fn a_non_finite_target_is_refused_with_row_and_column() {
    let dir = temp_dir("csv-nan-target");
    for bad in ["NaN", "inf", "-inf", "1e309"] {
        let text = table(
            30,
            |i| {
                format!(
                    "{},{}",
                    i % 5,
                    if i == 6 {
                        bad.to_string()
                    } else {
                        (i % 2).to_string()
                    }
                )
            },
            "a,label",
        );
        let (output, out, csv) = csv_experiment(&dir, &text, 0.3);
        assert_refused(
            &output,
            &out,
            &[
                &csv.display().to_string(),
                "row 8, column `label`",
                "not a finite number",
            ],
        );
    }
}

#[test]
fn a_column_named_twice_is_refused_naming_both_positions() {
    let dir = temp_dir("csv-dup-column");
    let text = table(
        30,
        |i| format!("{},{},{}", i % 2, i % 5, i % 2),
        "label,a,label",
    );
    let (output, out, _) = csv_experiment(&dir, &text, 0.3);
    assert_refused(&output, &out, &["columns 1 and 3 are both named `label`"]);
}

#[test]
fn a_split_that_leaves_no_test_rows_is_refused_naming_the_minimum() {
    let dir = temp_dir("csv-empty-test");
    // 30 rows in 30 classes: no class can give a row to both sides.
    let text = table(30, |i| format!("{i},c{i}"), "a,label");
    let (output, out, _) = csv_experiment(&dir, &text, 0.3);
    assert_refused(
        &output,
        &out,
        &["data.test_fraction", "at least 2 rows of every class"],
    );
    let ok = table(30, |i| format!("{i},{}", i % 2), "a,label");
    let (output, out, _) = csv_experiment(&dir, &ok, 0.0);
    assert_refused(&output, &out, &["data.test_fraction", "holds no rows out"]);
}

#[test]
fn an_unterminated_quote_is_named_by_its_row() {
    let dir = temp_dir("csv-quote");
    let mut text = table(30, |i| format!("{},{}", i % 5, i % 2), "a,label");
    text = text.replacen("\n3,1\n", "\n3,\"1\n", 1);
    let (output, out, _) = csv_experiment(&dir, &text, 0.3);
    assert_refused(&output, &out, &["row 5", "quote"]);
}

/// `run` of the experiment file `config` (seed 1) that keeps its runs in `store`.
fn run_into_store(config: &Path, out: &Path, store: &Path) -> Output {
    binary()
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(["run", "--quiet", "--seed", "1", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap()
}

#[test]
fn a_damaged_store_is_set_aside_and_every_error_names_it() {
    let dir = temp_dir("damaged-store");
    let store = dir.join("runs.sqlite");
    let config = dir.join("experiment.json");
    std::fs::write(&config, small(circles()).to_string()).unwrap();
    let run = |store: &Path| run_into_store(&config, &dir.join("out.json"), store);
    assert!(run(&store).status.success());
    // Flip 200 bytes past the header page, as the campaign did.
    let mut bytes = std::fs::read(&store).unwrap();
    assert!(bytes.len() > 8192, "the store has more than a page");
    for k in 0..200 {
        let i = 4096 + (k * 7919) % (bytes.len() - 4096);
        bytes[i] ^= 0x5a;
    }
    std::fs::write(&store, &bytes).unwrap();
    let before = std::fs::read(&store).unwrap();
    let output = run(&store);
    let message = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a damaged store was written into: {message}"
    );
    assert!(message.contains(&store.display().to_string()), "{message}");
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "the damaged store changed"
    );
    for args in [&["history"][..], &["export", "1", "--out", "x.json"][..]] {
        let output = binary()
            .env_remove("SEEDSCOPE_NO_STORE")
            .args(args)
            .arg("--store")
            .arg(&store)
            .current_dir(&dir)
            .output()
            .unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(&store.display().to_string()), "{message}");
    }
}

// Issue 22: a data path from someone else's experiment file.

/// `run` on a CSV experiment whose data.path is `path`: it must answer within a second or
/// two (a debug build), refuse, and print nothing of the file.
fn refuse_data_path(dir: &Path, path: &Path, needles: &[&str]) -> String {
    let config = json!({
        "data": {"kind": "csv", "path": path, "target": "species", "test_fraction": 0.3},
        "model": {"hidden": [8], "activation": "relu"},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 2, "batch_size": 16},
        "repeats": 2
    });
    let started = Instant::now();
    let mut child = binary()
        .args(["run", "--quiet", "--seed", "1", "--config"])
        .arg({
            let file = dir.join("shared.json");
            std::fs::write(&file, config.to_string()).unwrap();
            file
        })
        .arg("--out")
        .arg(dir.join("out.json"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{} made the run hang", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let message = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}: {message}",
        path.display()
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` missing: {message}");
    }
    assert!(!dir.join("out.json").exists());
    message
}

#[test]
fn devices_pipes_folders_and_proc_files_are_refused_at_once() {
    let dir = temp_dir("shared-paths");
    refuse_data_path(&dir, Path::new("/dev/zero"), &["character device"]);
    refuse_data_path(&dir, Path::new("/dev/urandom"), &["character device"]);
    refuse_data_path(&dir, &dir, &["folder"]);
    let environ = refuse_data_path(&dir, Path::new("/proc/self/environ"), &["/proc"]);
    // Not one variable of the environment is printed.
    assert!(!environ.contains("PATH="), "{environ}");
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    refuse_data_path(&dir, &link, &["character device"]);
    // A FIFO whose writer never stops.
    let fifo = dir.join("fifo.csv");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let writer_path = fifo.clone();
    std::thread::spawn(move || {
        use std::io::Write;
        if let Ok(mut writer) = std::fs::OpenOptions::new().write(true).open(writer_path) {
            while writer.write_all(&[b'a'; 4096]).is_ok() {}
        }
    });
    refuse_data_path(&dir, &fifo, &["named pipe"]);
    // Release the writer if it still waits for a reader: open without blocking (O_NONBLOCK).
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open(&fifo);
}

#[test]
fn file_content_in_a_message_is_short_and_escaped() {
    let dir = temp_dir("quoted");
    let long_name = "x".repeat(1_000_000);
    let text = table(
        20,
        |i| format!("{i},{}", i % 2),
        &format!("{long_name},other"),
    );
    let csv = dir.join("long.csv");
    std::fs::write(&csv, text).unwrap();
    let message = refuse_data_path(&dir, &csv, &["no column `species`", "…"]);
    assert!(message.len() < 1_000, "{} bytes of message", message.len());
    let text = table(20, |i| format!("{i},{}", i % 2), "a\u{1b}[31mred,b\u{7}ell");
    let csv = dir.join("control.csv");
    std::fs::write(&csv, text).unwrap();
    let message = refuse_data_path(&dir, &csv, &["\\u{1b}[31m"]);
    assert!(
        !message.contains('\u{1b}') && !message.contains('\u{7}'),
        "{message:?}"
    );
}

/// The long fuzz run's panic: a damaged store whose pages pass `quick_check` but whose
/// timestamps hold an enormous or negative number (quick_check does not read values).
/// `history` used to panic in `Duration::from_secs_f64`; it must list the experiment.
#[test]
fn a_store_with_impossible_timestamps_is_listed_not_a_panic() {
    let dir = temp_dir("impossible-timestamps");
    let store = dir.join("runs.sqlite");
    let config = dir.join("experiment.json");
    std::fs::write(&config, small(circles()).to_string()).unwrap();
    let run = run_into_store(&config, &dir.join("out.json"), &store);
    assert!(run.status.success(), "{}", stderr(&run));
    for (created, used) in [
        (1e300, -1e300),
        (-5.0, 1.8e19),
        (f64::MAX, f64::MIN_POSITIVE),
    ] {
        let connection = rusqlite::Connection::open(&store).unwrap();
        connection
            .execute(
                "UPDATE experiments SET created_unix = ?1, used_unix = ?2",
                rusqlite::params![created, used],
            )
            .unwrap();
        drop(connection);
        let output = binary()
            .env_remove("SEEDSCOPE_NO_STORE")
            .args(["history", "--store"])
            .arg(&store)
            .output()
            .unwrap();
        let message = stderr(&output);
        assert!(!message.contains("panicked"), "{created}/{used}: {message}");
        assert!(output.status.success(), "{created}/{used}: {message}");
        let listing = String::from_utf8_lossy(&output.stdout);
        assert!(listing.contains("circles"), "{listing}");
    }
}

/// Found by the long fuzz run: a regression target near f32's limit (3e38) makes one test
/// point's squared error overflow f32, and an epoch's test MSE overflow f64. The run wrote a
/// results file holding `null` in `test_errors` or `test_metric`, which no reader could open
/// again. A run whose point errors are beyond f32 has no usable result: it is recorded as
/// diverged; an epoch's infinite metric is a gap in its curve; and the file reads back.
#[test]
fn an_error_beyond_f32_is_a_diverged_run_and_the_file_reads_back() {
    let dir = temp_dir("csv-huge-target");
    let one_row = table(
        12,
        |i| format!("{},{}", i, if i == 3 { "3e38" } else { "1" }),
        "a,label",
    );
    // The fuzz run's own minimal input: a 3e38 feature and a 3e38 target among 24 rows.
    let fuzz_found = "a,label\n0,1\n5,1\n10,1\n0,1\n7,1\n12,3e38\n4,1\n9,1\n1,1\n6,1\n0.5,1\n3,1\n8,1\n0,1\n5,1\n10,1\n2,0.5\n3e38,1\n12,1\n4,1\n9,1\n1,1\n6,1\n11,1\n";
    for (name, text, task) in [
        ("one-row", one_row.as_str(), "regression"),
        ("fuzz", fuzz_found, "auto"),
    ] {
        let csv = dir.join(format!("{name}.csv"));
        std::fs::write(&csv, text).unwrap();
        // The fuzz run's settings: the iris preset's model on the CSV, seed 3.
        let mut config: Value =
            serde_json::from_str(seedscope::engine::presets::find("iris").unwrap().json).unwrap();
        config["data"] = json!({
            "kind": "csv", "path": csv, "target": "label", "task": task, "test_fraction": 0.9,
        });
        config["training"]["epochs"] = json!(2);
        config["repeats"] = json!(2);
        config["conditions"] = json!(["all-fixed", "only-split", "only-data"]);
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, config.to_string()).unwrap();
        let out = dir.join(format!("{name}-results.json"));
        let output = binary()
            .args([
                "run",
                "--quiet",
                "--seed",
                "3",
                "--workers",
                "1",
                "--config",
            ])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let results = seedscope::records::ResultsFile::load(&out)
            .unwrap_or_else(|e| panic!("{name}: the file written does not read back: {e}"));
        for run in &results.runs {
            assert!(
                run.test_errors.iter().all(|e| e.is_finite()),
                "{name}: {}",
                run.id()
            );
            if let Some(metric) = run.final_test_metric {
                assert!(metric.is_finite(), "{name}: {}", run.id());
            }
        }
    }
}

/// Found by the long fuzz run: a mini-batch with fewer rows than the run's thread count (batch
/// size 2 on 4 threads, or a short last batch) tripped an assertion in every shard step, and
/// the run was reported failed. It now computes with one shard a row, and a fixed thread
/// count stays bitwise repeatable.
#[test]
fn a_batch_smaller_than_the_thread_count_trains() {
    let dir = temp_dir("tiny-batches");
    let mut config = small(circles());
    config["training"]["batch_size"] = json!(2);
    config["threads"] = json!({"fixed": 4, "max_free": 4});
    config["conditions"] = json!(["all-fixed", "only-threads"]);
    let mut hashes = Vec::new();
    for attempt in 0..2 {
        let (output, out) = run_text(&dir, &config.to_string(), &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        let results = seedscope::records::ResultsFile::load(&out).unwrap();
        for run in &results.runs {
            assert!(
                run.error.is_none(),
                "attempt {attempt}: {}: {:?}",
                run.id(),
                run.error
            );
            assert!(run.final_test_metric.is_some(), "{}", run.id());
        }
        hashes.push(
            results
                .runs
                .iter()
                .filter(|r| r.condition == "all-fixed")
                .map(|r| r.weights_hash.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        hashes[0], hashes[1],
        "fixed threads: the same bits in two processes"
    );
}
