//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

use seedscope::engine::config::ExperimentConfig;
use seedscope::engine::presets;
use seedscope::engine::record::RunRecord;
use seedscope::engine::seeds::Condition;
use seedscope::engine::sweep::{SweepSpec, run_sweep};

pub const SEED: u64 = 20261121;

/// The default preset (what a new user runs), restricted to the given conditions.
pub fn default_with(conditions: &[Condition], repeats: usize) -> ExperimentConfig {
    let mut config = presets::default_config();
    config.conditions = conditions.to_vec();
    config.repeats = repeats;
    config
}

pub fn sweep(config: &ExperimentConfig, seed: u64, workers: usize) -> Vec<RunRecord> {
    let spec = SweepSpec::new(config.clone(), seed, workers);
    let outcome = run_sweep(&spec, &AtomicBool::new(false), &mut |_| {});
    assert!(!outcome.cancelled);
    for run in &outcome.runs {
        assert!(
            run.error.is_none(),
            "run {} failed: {:?}",
            run.id(),
            run.error
        );
    }
    outcome.runs
}

pub fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> usize {
    values.into_iter().collect::<HashSet<_>>().len()
}

pub fn hashes(runs: &[RunRecord]) -> Vec<&str> {
    runs.iter().map(|r| r.weights_hash.as_str()).collect()
}

/// The seedscope binary built for these tests. It keeps no run store, so every run is
/// trained fresh and no test depends on what another left behind (tests/store.rs gives each
/// of its commands a store of its own). `SEEDSCOPE_TEST_BINARY` points the suites at another
/// build (e.g. an older commit's, to show that a new test fails before its fix).
pub fn binary() -> std::process::Command {
    let path = std::env::var_os("SEEDSCOPE_TEST_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_seedscope").into());
    let mut command = std::process::Command::new(path);
    command.env_remove("SEEDSCOPE_SEED");
    command.env_remove("SEEDSCOPE_STORE");
    command.env("SEEDSCOPE_NO_STORE", "1");
    // A test run inside a scheduler's array task must not become a part.
    for scheduler in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_STEP",
        "JOB_COMPLETION_INDEX",
        "SGE_TASK_ID",
        "SGE_TASK_FIRST",
        "SGE_TASK_LAST",
        "SGE_TASK_STEPSIZE",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "PBS_ARRAY_INDEX",
        "PBS_ARRAYID",
    ] {
        command.env_remove(scheduler);
    }
    command
}

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("seedscope-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `seedscope run --seed 1 --out FOLDER/out.json ARGS…` in `folder`, keeping runs in `store`
/// when one is given (else none, as every test binary).
pub fn run_in(
    folder: &std::path::Path,
    store: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    let mut command = binary();
    command
        .current_dir(folder)
        .args(["run", "--seed", "1", "--out"])
        .arg(folder.join("out.json"))
        .args(args);
    if let Some(store) = store {
        command
            .env_remove("SEEDSCOPE_NO_STORE")
            .arg("--store")
            .arg(store);
    }
    command.output().unwrap()
}

/// The results file `run_in` wrote in `folder`.
pub fn results_in(folder: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(folder.join("out.json")).unwrap()).unwrap()
}

/// The runs of one condition in a results file.
pub fn runs_of<'a>(results: &'a serde_json::Value, condition: &str) -> Vec<&'a serde_json::Value> {
    results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["condition"] == condition)
        .collect()
}

/// What a command printed, stdout then stderr, for assertions and their messages.
pub fn said(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A shell line that writes a fixed accuracy as a run's result: the smallest command.
pub const ACCURACY_RESULT: &str =
    r#"printf '{"metric":"accuracy","value":0.5,"higher_is_better":true}' > "$SEEDSCOPE_RESULT""#;

/// A "nice model" experiment file as someone might send it: one all-fixed run of a command
/// that touches MARK in `folder` (what a hostile file would do first), with `env`.
pub fn received_experiment(folder: &std::path::Path, env: serde_json::Value) -> std::path::PathBuf {
    let file = folder.join("received.json");
    let experiment = serde_json::json!({
        "name": "nice model",
        "repeats": 1,
        "conditions": ["all-fixed"],
        "command": {
            "argv": ["sh", "-c", format!("touch MARK; {ACCURACY_RESULT}")],
            "workdir": folder,
            "env": env,
        }
    });
    std::fs::write(&file, experiment.to_string()).unwrap();
    file
}

/// Runs `command`, which must succeed (else the test fails with its stderr); its output.
pub fn succeeded(command: &mut std::process::Command) -> std::process::Output {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `seedscope run --quiet --seed 42 --command LINE --workdir DIR --out OUT ARGS…`, as it ended.
pub fn command_run(
    workdir: &std::path::Path,
    line: &str,
    out: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    command_run_of(workdir, line, out, args)
        .output()
        .expect("seedscope runs")
}

/// The [`command_run`] command, not started: for a test that adds to its environment.
pub fn command_run_of(
    workdir: &std::path::Path,
    line: &str,
    out: &std::path::Path,
    args: &[&str],
) -> std::process::Command {
    let mut command = binary();
    command
        .args([
            "run",
            "--quiet",
            "--seed",
            "42",
            "--command",
            line,
            "--workdir",
        ])
        .arg(workdir)
        .arg("--out")
        .arg(out)
        .args(args);
    command
}

/// A command's sweep through the binary, which must succeed: `seedscope run --quiet --seed 42
/// --command LINE --workdir DIR ARGS… --out results.json` in a folder of its own; its results
/// file, and everything it printed.
pub fn command_sweep(
    test: &str,
    workdir: &std::path::Path,
    line: &str,
    args: &[&str],
) -> (serde_json::Value, String) {
    let out = temp_dir(test).join("results.json");
    let output = command_run(workdir, line, &out, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    let results = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    (results, text)
}

/// The diagnosis findings of one `kind` in a results file.
pub fn findings<'a>(results: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    results["diagnosis"]
        .as_array()
        .map(|all| all.iter().filter(|f| f["kind"] == kind).collect())
        .unwrap_or_default()
}

/// One condition's summary in a results file.
pub fn condition_summary<'a>(
    results: &'a serde_json::Value,
    condition: &str,
) -> &'a serde_json::Value {
    results["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["condition"] == condition)
        .unwrap_or_else(|| panic!("no summary of {condition}"))
}

/// Each run's weights hash, by run id.
pub fn hashes_by_run(results: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            assert!(run["error"].is_null(), "a run failed: {}", run["error"]);
            (
                format!("{}/{}", run["condition"], run["run_index"]),
                run["weights_hash"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A command's sweep cold, then warm (`--warm`, which must not fall back to cold): both
/// results files.
pub fn cold_and_warm(
    test: &str,
    workdir: &std::path::Path,
    line: &str,
    args: &[&str],
) -> [serde_json::Value; 2] {
    let (cold, _) = command_sweep(&format!("{test}-cold"), workdir, line, args);
    let warm_args: Vec<&str> = args.iter().copied().chain(["--warm"]).collect();
    let (warm, text) = command_sweep(&format!("{test}-warm"), workdir, line, &warm_args);
    assert!(!text.contains("warm start unavailable"), "{text}");
    [cold, warm]
}

#[cfg(feature = "gui")]
pub mod gui;
pub mod processes;
