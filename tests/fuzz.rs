//! The fuzz harness: generated and mutated experiment files, results files, CSV files and run
//! stores, driven through the command line's own entry point (`cli::run_command`, in process).
//!
//! Every case asserts the promises of bad input (docs/command-line.md, the refusals):
//! - no panic, and an answer within [`BUDGET`] (a hang fails the case instead of the suite);
//! - a refusal is exit 2 with a message naming the file, row/column or field;
//! - a refused command leaves no output file behind, whole or partial;
//! - what is accepted makes sense: no condition or run counted twice, no metric outside its
//!   range, no NaN target, no duplicate column, no empty test set — each checked here
//!   independently of the code that enforces it.
//!
//! `cargo test` runs a few hundred cases (well under a minute); the long mode runs as many as
//! asked: `PROPTEST_CASES=25000 cargo test --release --test fuzz -- --test-threads 4` runs
//! 25,000 per target, 100,000 in all.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use seedscope::cli::{Cli, Failure, run_command};
use seedscope::engine::config::ExperimentConfig;
use seedscope::engine::presets;
use seedscope::engine::sweep::{SweepSpec, run_sweep};
use seedscope::records::ResultsFile;
use seedscope::records::store::RunStore;

mod common;

/// The most a case may take: generous for a debug build on a loaded 2-core machine, far
/// below what a hang would take.
const BUDGET: Duration = Duration::from_secs(60);

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(default_cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default_cases),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    })
}

fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| common::temp_dir("fuzz"))
}

/// A fresh file name in the harness's folder.
fn fresh(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    dir().join(format!("{}-{name}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

thread_local! {
    /// This target's commands so far: (accepted, refused with exit 2, failed otherwise).
    /// Each target runs on a test thread of its own, so the counts are its own.
    static TALLY: std::cell::Cell<(usize, usize, usize)> = const { std::cell::Cell::new((0, 0, 0)) };
}

/// Prints what a target's cases came to (shown with `--nocapture`, e.g. in the long mode).
fn report(target: &str) {
    let (accepted, refused, other) = TALLY.with(std::cell::Cell::get);
    eprintln!(
        "fuzz {target}: {} commands, {accepted} accepted, {refused} refused (exit 2), {other} other failures; 0 panics, 0 hangs",
        accepted + refused + other
    );
}

/// Runs `seedscope ARGS…` in process, on a thread of its own, within [`BUDGET`].
fn cli(args: Vec<String>) -> Result<Result<(), Failure>, TestCaseError> {
    let outcome = cli_unrecorded(args)?;
    TALLY.with(|tally| {
        let (mut accepted, mut refused, mut other) = tally.get();
        match &outcome {
            Ok(()) => accepted += 1,
            Err(failure) if failure.code == 2 => refused += 1,
            Err(_) => other += 1,
        }
        tally.set((accepted, refused, other));
    });
    Ok(outcome)
}

fn cli_unrecorded(args: Vec<String>) -> Result<Result<(), Failure>, TestCaseError> {
    let shown = args.join(" ");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            let parsed = Cli::try_parse_from(std::iter::once("seedscope".to_string()).chain(args))
                .map_err(|e| Failure {
                    code: 2,
                    message: e.to_string(),
                })?;
            run_command(parsed.command.expect("a command"))
        });
        let _ = send.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        }));
    });
    match receive.recv_timeout(BUDGET) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(panic)) => Err(TestCaseError::fail(format!("PANIC in `{shown}`: {panic}"))),
        Err(_) => Err(TestCaseError::fail(format!(
            "HANG: `{shown}` gave no answer within {BUDGET:?}"
        ))),
    }
}

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A refusal: exit 2, naming `names` (a path or a field) or a flag.
fn refused_naming(failure: &Failure, names: &[&str]) -> Result<(), TestCaseError> {
    prop_assert!(
        (1..=3).contains(&failure.code),
        "exit {} for: {}",
        failure.code,
        failure.message
    );
    if failure.code == 2 {
        prop_assert!(
            names.iter().any(|n| failure.message.contains(n)) || failure.message.starts_with("--"),
            "a refusal must name the file, field or flag: {}",
            failure.message
        );
    }
    // A bounded message: file content is quoted, not dumped.
    prop_assert!(failure.message.len() < 2_000, "{}", failure.message);
    Ok(())
}

/// No output file, whole or partial.
fn nothing_written(out: &Path) -> Result<(), TestCaseError> {
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    prop_assert!(
        !out.exists(),
        "{} was written by a refused command",
        out.display()
    );
    prop_assert!(!Path::new(&partial).exists(), "a partial file was left");
    Ok(())
}

/// The summary and runs of a results file make sense, checked from scratch.
fn results_make_sense(results: &ResultsFile) -> Result<(), TestCaseError> {
    let mut conditions = HashSet::new();
    for condition in &results.config.conditions {
        prop_assert!(conditions.insert(condition.to_string()), "condition twice");
    }
    let mut summarised = HashSet::new();
    for summary in &results.summary {
        prop_assert!(summarised.insert(&summary.condition), "summary row twice");
    }
    let mut runs = HashSet::new();
    for run in &results.runs {
        prop_assert!(runs.insert(run.id()), "run {} twice", run.id());
        for value in [run.final_test_metric, run.final_train_metric]
            .into_iter()
            .flatten()
        {
            match run.metric.name() {
                "accuracy" => prop_assert!((0.0..=1.0).contains(&value), "accuracy {value}"),
                _ => prop_assert!(value.is_finite() && value >= 0.0, "mse {value}"),
            }
        }
        if run.error.is_none() && !run.diverged {
            prop_assert!(!run.test_predictions.is_empty(), "a run with no test set");
        }
        // A panic inside a worker is caught and the run reported failed: that keeps the
        // process alive, but it is still a defect the campaign must find.
        if let Some(error) = &run.error {
            prop_assert!(
                !error.contains("panicked"),
                "PANIC in a worker: {} {error}",
                run.id()
            );
        }
    }
    Ok(())
}

/// A small sweep's results (circles, 3 conditions × 3 runs), trained once.
fn results_fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut config = presets::default_config();
        config.data.samples = 40;
        config.training.epochs = 2;
        config.repeats = 3;
        config.conditions = ["all-fixed", "all-free", "only-init"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let spec = SweepSpec::new(config.clone(), 7, 1);
        let outcome = run_sweep(&spec, &Default::default(), &mut |_| {});
        let results = ResultsFile::new(config, 7, "--seed", outcome.runs, false);
        serde_json::from_str(&results.to_json()).unwrap()
    })
}

// ---------------------------------------------------------------------------------------
// Generators

fn interesting_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(2)),
        Just(json!(3)),
        Just(json!(-1)),
        Just(json!(0.5)),
        Just(json!(0.9)),
        Just(json!(0.95)),
        Just(json!(1.0)),
        Just(json!(2.0)),
        Just(json!(1e-9)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(100_001)),
        Just(json!(u64::MAX)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!("")),
        Just(json!("x")),
        Just(json!([])),
        Just(json!([1, 2])),
        Just(json!([0])),
        Just(json!({})),
        (0u32..2000).prop_map(|n| json!(n)),
        (-1.0f64..2.0).prop_map(|v| json!(v)),
    ]
}

const CONDITION_NAMES: [&str; 10] = [
    "all-fixed",
    "all-free",
    "only-init",
    "only-split",
    "free:init+shuffle",
    "free:shuffle+init",
    "nudge",
    "library-rng",
    "only-gpu",
    "",
];

fn condition_list() -> impl Strategy<Value = Value> {
    prop::collection::vec(prop::sample::select(&CONDITION_NAMES[..]), 0..6)
        .prop_map(|names| json!(names))
}

const EXPERIMENT_PATHS: [&str; 24] = [
    "data.kind",
    "data.samples",
    "data.noise",
    "data.test_fraction",
    "data.path",
    "data.target",
    "data.task",
    "model.hidden",
    "model.activation",
    "model.dropout",
    "model.init",
    "training.optimizer",
    "training.learning_rate",
    "training.momentum",
    "training.epochs",
    "training.batch_size",
    "training.divergence_threshold",
    "threads",
    "threads.fixed",
    "threads.max_free",
    "repeats",
    "conditions",
    "schema_version",
    "unknown_field",
];

const KINDS: [&str; 9] = [
    "circles", "moons", "xor", "blobs", "spirals", "sequence", "iris", "csv", "nope",
];

/// One change to a JSON document.
#[derive(Clone, Debug)]
enum Edit {
    Set(String, Value),
    Remove(String),
}

fn experiment_edit(prefix: &'static str) -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (prop::sample::select(&EXPERIMENT_PATHS[..]), interesting_value())
            .prop_map(move |(path, v)| Edit::Set(format!("{prefix}{path}"), v)),
        1 => prop::sample::select(&EXPERIMENT_PATHS[..])
            .prop_map(move |path| Edit::Remove(format!("{prefix}{path}"))),
        1 => prop::sample::select(&KINDS[..])
            .prop_map(move |k| Edit::Set(format!("{prefix}data.kind"), json!(k))),
        1 => condition_list().prop_map(move |c| Edit::Set(format!("{prefix}conditions"), c)),
        1 => prop::sample::select(&BAD_PATHS[..])
            .prop_map(move |p| Edit::Set(format!("{prefix}data.path"), json!(p))),
    ]
}

/// Paths a shared experiment file might name as its data.
const BAD_PATHS: [&str; 5] = [
    "/dev/zero",
    "/dev/urandom",
    "/proc/self/environ",
    "/",
    "/nonexistent/data.csv",
];

fn apply(document: &mut Value, edit: &Edit) {
    let (path, value) = match edit {
        Edit::Set(path, value) => (path, Some(value)),
        Edit::Remove(path) => (path, None),
    };
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut node = document;
    for part in parts {
        match node.get_mut(part) {
            Some(child) if child.is_object() => node = child,
            _ => return,
        }
    }
    let Some(object) = node.as_object_mut() else {
        return;
    };
    match value {
        Some(value) => {
            object.insert(last.to_string(), value.clone());
        }
        None => {
            object.remove(last);
        }
    }
}

/// Damage at the level of text: cut it short, add text after it, or change one byte.
#[derive(Clone, Debug)]
enum TextDamage {
    None,
    Truncate(f64),
    Trailing(&'static str),
    Byte(f64, u8),
}

fn text_damage() -> impl Strategy<Value = TextDamage> {
    prop_oneof![
        6 => Just(TextDamage::None),
        1 => (0.0f64..1.0).prop_map(TextDamage::Truncate),
        1 => prop::sample::select(&["x", "{}", " \n", "]"][..]).prop_map(TextDamage::Trailing),
        1 => ((0.0f64..1.0), any::<u8>()).prop_map(|(at, b)| TextDamage::Byte(at, b)),
    ]
}

fn damage(text: String, damage: &TextDamage) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    match damage {
        TextDamage::None => {}
        TextDamage::Truncate(at) => bytes.truncate((bytes.len() as f64 * at) as usize),
        TextDamage::Trailing(tail) => bytes.extend_from_slice(tail.as_bytes()),
        TextDamage::Byte(at, byte) => {
            let i = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
            bytes[i] = *byte;
        }
    }
    bytes
}

/// Cheap enough to train in a fuzz case.
fn cheap(config: &ExperimentConfig) -> bool {
    let width: usize = config.model.hidden.iter().sum::<usize>() + 64;
    let rows = if config.data.kind.is_table() {
        2_000
    } else {
        config.data.samples
    };
    let work = (rows * config.training.epochs * config.repeats * config.conditions.len()) as f64
        * width as f64;
    work < 2e7 && config.training.batch_size >= 4
}

// ---------------------------------------------------------------------------------------
// Targets

/// Experiment files: parsed, validated, and (when small) run end to end.
#[test]
fn experiment_files_are_refused_by_name_or_run_sensibly() {
    let bases: Vec<Value> = ["circles", "sequence", "iris", "random-regression"]
        .iter()
        .map(|name| serde_json::from_str(presets::find(name).unwrap().json).unwrap())
        .collect();
    let strategy = (
        prop::sample::select(bases),
        prop::collection::vec(experiment_edit(""), 0..4),
        text_damage(),
    );
    runner(96)
        .run(&strategy, |(mut document, edits, text_damage)| {
            // Small enough to train unless an edit says otherwise.
            apply(
                &mut document,
                &Edit::Set("training.epochs".into(), json!(2)),
            );
            apply(&mut document, &Edit::Set("repeats".into(), json!(2)));
            for edit in &edits {
                apply(&mut document, edit);
            }
            let bytes = damage(document.to_string(), &text_damage);
            let file = fresh("experiment.json");
            std::fs::write(&file, &bytes).unwrap();
            let text = String::from_utf8_lossy(&bytes).to_string();
            let parsed = ExperimentConfig::from_json(&text);
            if let Err(error) = &parsed {
                prop_assert!(!error.field.is_empty() && !error.message.is_empty());
            }
            if let Ok(config) = &parsed {
                let distinct: HashSet<_> = config.conditions.iter().collect();
                prop_assert_eq!(distinct.len(), config.conditions.len(), "condition twice");
                prop_assert!(config.validate().is_ok());
                if !cheap(config) {
                    return Ok(());
                }
            }
            let out = fresh("results.json");
            let outcome = cli(args(&[
                "run",
                "--config",
                &file.to_string_lossy(),
                "--out",
                &out.to_string_lossy(),
                "--seed",
                "5",
                "--workers",
                "1",
                "--no-store",
                "--quiet",
            ]))?;
            match outcome {
                Err(failure) => {
                    refused_naming(&failure, &[&file.to_string_lossy(), "data."])?;
                    nothing_written(&out)?;
                }
                Ok(()) => {
                    prop_assert!(parsed.is_ok(), "run accepted a file from_json refuses");
                    let results =
                        ResultsFile::load(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    results_make_sense(&results)?;
                }
            }
            Ok(())
        })
        .unwrap();
    report("experiment");
}

fn results_edit() -> impl Strategy<Value = ResultsEdit> {
    prop_oneof![
        2 => ((0usize..9), prop::sample::select(&["final_test_metric", "final_train_metric"][..]),
              prop_oneof![Just(json!(2.0)), Just(json!(-1.0)), Just(json!(1e308)), Just(json!(null)),
                          Just(json!(0.5)), Just(json!("x")), (-0.5f64..1.5).prop_map(|v| json!(v))])
            .prop_map(|(run, field, value)| ResultsEdit::Run(run, field.to_string(), value)),
        1 => ((0usize..9), prop_oneof![Just(json!("mse")), Just(json!("")), Just(json!("loss"))])
            .prop_map(|(run, value)| ResultsEdit::Run(run, "metric".into(), value)),
        1 => ((0usize..9), prop::sample::select(&CONDITION_NAMES[..]))
            .prop_map(|(run, c)| ResultsEdit::Run(run, "condition".into(), json!(c))),
        1 => ((0usize..9), 0usize..4)
            .prop_map(|(run, i)| ResultsEdit::Run(run, "run_index".into(), json!(i))),
        2 => (0usize..9).prop_map(ResultsEdit::Duplicate),
        1 => (0usize..9).prop_map(ResultsEdit::Drop),
        3 => experiment_edit("config.").prop_map(ResultsEdit::Document),
        1 => (prop::sample::select(&["schema_version", "master_seed", "runs", "summary"][..]),
              interesting_value())
            .prop_map(|(path, v)| ResultsEdit::Document(Edit::Set(path.into(), v))),
    ]
}

#[derive(Clone, Debug)]
enum ResultsEdit {
    Run(usize, String, Value),
    Duplicate(usize),
    Drop(usize),
    Document(Edit),
}

fn apply_results(document: &mut Value, edit: &ResultsEdit) {
    let Some(runs) = document.get_mut("runs").and_then(Value::as_array_mut) else {
        if let ResultsEdit::Document(edit) = edit {
            apply(document, edit);
        }
        return;
    };
    let n = runs.len().max(1);
    match edit {
        ResultsEdit::Run(run, field, value) => {
            if let Some(object) = runs.get_mut(run % n).and_then(Value::as_object_mut) {
                object.insert(field.clone(), value.clone());
            }
        }
        ResultsEdit::Duplicate(run) => {
            if let Some(copy) = runs.get(run % n).cloned() {
                runs.push(copy);
            }
        }
        ResultsEdit::Drop(run) => {
            if run % n < runs.len() {
                runs.remove(run % n);
            }
        }
        ResultsEdit::Document(edit) => apply(document, edit),
    }
}

/// Results files: every command that reads one (compare, luck, plan, replay).
#[test]
fn results_files_are_refused_by_name_or_read_sensibly() {
    let strategy = (prop::collection::vec(results_edit(), 0..4), text_damage());
    runner(96)
        .run(&strategy, |(edits, text_damage)| {
            let mut document = results_fixture().clone();
            for edit in &edits {
                apply_results(&mut document, edit);
            }
            let bytes = damage(document.to_string(), &text_damage);
            let file = fresh("results.json");
            std::fs::write(&file, &bytes).unwrap();
            let name = file.to_string_lossy().to_string();
            let loaded = ResultsFile::load(&file);
            if let Ok(results) = &loaded {
                results_make_sense(results)?;
            }
            let mut commands = vec![
                args(&["compare", &name, "--a", "all-free", "--b", "only-init"]),
                args(&[
                    "compare",
                    &name,
                    "--a",
                    "all-fixed",
                    "--b",
                    "all-free",
                    "--json",
                ]),
                args(&["luck", &name]),
                args(&["plan", &name, "--condition", "all-free"]),
            ];
            if loaded.as_ref().is_ok_and(|r| cheap(&r.config)) {
                commands.push(args(&["replay", &name, "--run", "0"]));
            }
            for command in commands {
                let shown = command.join(" ");
                if let Err(failure) = cli(command)? {
                    refused_naming(&failure, &[&name])
                        .map_err(|e| TestCaseError::fail(format!("{shown}: {e}")))?;
                    if loaded.is_err() {
                        prop_assert_eq!(failure.code, 2, "{}: {}", shown, failure.message);
                    }
                } else {
                    prop_assert!(loaded.is_ok(), "{shown} read a file the loader refuses");
                }
            }
            Ok(())
        })
        .unwrap();
    report("results");
}

const HEADER_NAMES: [&str; 9] = [
    "a",
    "b",
    "label",
    "label",
    " c ",
    "",
    "\u{1b}[31m",
    "1",
    "q\"r",
];
const CELLS: [&str; 18] = [
    "0", "1", "2", "0.5", "-3", "7", "NaN", "inf", "-inf", "1e309", "", "x", "cat", "dog", "\"q",
    "1,2", "\"open", "3e38",
];

fn csv_text() -> impl Strategy<Value = (String, String)> {
    (
        prop::collection::vec(prop::sample::select(&HEADER_NAMES[..]), 1..5),
        prop::collection::vec(
            prop::collection::vec(prop::sample::select(&CELLS[..]), 1..5),
            0..40,
        ),
        prop::bool::weighted(0.7),
        prop::sample::select(&["0", "1", "0", "1", "2", "7"][..]),
        prop::bool::weighted(0.5),
    )
        .prop_map(|(header, rows, tidy, label_value, odd_cells)| {
            let mut header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
            if tidy {
                // A tidy file's header is one a user could write: named, each name once, with
                // a feature and the label (its cells may still be odd).
                let mut seen = HashSet::new();
                header.retain(|h| !h.trim().is_empty() && h != "label" && seen.insert(h.clone()));
                if header.is_empty() {
                    header.push("a".into());
                }
                header.push("label".into());
            }
            let width = header.len();
            let mut text = header.join(",");
            text.push('\n');
            for (i, row) in rows.iter().enumerate() {
                let cells: Vec<String> = if tidy {
                    // Mostly well-formed numeric rows with one odd cell now and then.
                    (0..width)
                        .map(|c| {
                            if header[c] == "label" {
                                // Two classes, alternating, so that a tidy file can be
                                // accepted; now and then an odd cell in their place.
                                let other = if label_value == "0" { "1" } else { "0" };
                                if odd_cells && i % 11 == 5 {
                                    row[0].to_string()
                                } else if i % 2 == 0 {
                                    label_value.to_string()
                                } else {
                                    other.to_string()
                                }
                            } else if odd_cells && c < row.len() && i % 7 == 3 {
                                row[c].to_string()
                            } else {
                                format!("{}", (i * 31 + c * 7) % 13)
                            }
                        })
                        .collect()
                } else {
                    row.iter().map(|s| s.to_string()).collect()
                };
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            (text, "label".to_string())
        })
}

/// CSV files: parsed the way `run` reads them, and (when accepted) trained on briefly.
#[test]
fn csv_files_are_refused_with_row_and_column_or_train_on_a_real_test_set() {
    let strategy = (
        csv_text(),
        prop::sample::select(&["auto", "classification", "regression"][..]),
        prop::sample::select(&[0.0, 0.3, 0.5, 0.9][..]),
    );
    runner(96)
        .run(&strategy, |((text, target), task, fraction)| {
            let csv = fresh("data.csv");
            std::fs::write(&csv, &text).unwrap();
            let mut config: Value = serde_json::from_str(presets::find("iris").unwrap().json).unwrap();
            config["data"] = json!({
                "kind": "csv", "path": csv, "target": target, "task": task, "test_fraction": fraction,
            });
            config["training"]["epochs"] = json!(2);
            config["repeats"] = json!(2);
            config["conditions"] = json!(["all-fixed", "only-split", "only-data"]);
            let file = fresh("experiment.json");
            std::fs::write(&file, config.to_string()).unwrap();
            let out = fresh("results.json");
            let outcome = cli(args(&[
                "run", "--config", &file.to_string_lossy(), "--out", &out.to_string_lossy(),
                "--seed", "3", "--workers", "1", "--no-store", "--quiet",
            ]))?;
            match outcome {
                Err(failure) => {
                    refused_naming(&failure, &[&csv.to_string_lossy(), "data."])?;
                    prop_assert!(!failure.message.contains('\u{1b}'), "a control character was printed");
                    nothing_written(&out)?;
                }
                Ok(()) => {
                    // Checked from the text itself: unique column names, a finite target.
                    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
                    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
                    let distinct: HashSet<_> = header.iter().collect();
                    prop_assert_eq!(distinct.len(), header.len(), "a column name twice was accepted");
                    let column = header.iter().position(|h| *h == target).unwrap();
                    for record in reader.records() {
                        let cell = record.unwrap()[column].to_string();
                        prop_assert!(cell.parse::<f64>().map_or(true, f64::is_finite), "target `{cell}` accepted");
                    }
                    prop_assert!(fraction > 0.0, "a table split with no test rows was accepted");
                    let results = ResultsFile::load(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    results_make_sense(&results)?;
                    for run in &results.runs {
                        prop_assert!(!run.test_indices.is_empty(), "{} has no test rows", run.id());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    report("csv");
}

/// A store with a few runs in it, as bytes (checkpointed: everything in the main file).
fn store_fixture() -> &'static Vec<u8> {
    static FIXTURE: OnceLock<Vec<u8>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let results: ResultsFile = ResultsFile::from_json(&results_fixture().to_string()).unwrap();
        let path = dir().join("fixture.sqlite");
        {
            let mut store = RunStore::open(&path).unwrap();
            let id = store
                .register(&results.config, results.master_seed)
                .unwrap();
            store.insert(id, &results.runs, false).unwrap();
        }
        // Closing the last connection checkpoints the WAL into the file.
        std::fs::read(&path).unwrap()
    })
}

/// Run stores with flipped bytes: set aside or refused, naming the file; never trusted.
#[test]
fn damaged_stores_are_named_and_never_trusted() {
    let strategy = prop::collection::vec(((0.0f64..1.0), any::<u8>()), 1..200);
    runner(48)
        .run(&strategy, |flips| {
            let mut bytes = store_fixture().clone();
            for (at, byte) in &flips {
                let i = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
                bytes[i] ^= byte | 1;
            }
            let store = fresh("runs.sqlite");
            std::fs::write(&store, &bytes).unwrap();
            let name = store.to_string_lossy().to_string();
            for command in [
                args(&["history", "--store", &name]),
                args(&[
                    "export",
                    "1",
                    "--store",
                    &name,
                    "--out",
                    &fresh("export.json").to_string_lossy(),
                ]),
            ] {
                if let Err(failure) = cli(command)? {
                    refused_naming(&failure, &[&name])?;
                }
            }
            Ok(())
        })
        .unwrap();
    report("damaged");
}
