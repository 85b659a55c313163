//! Warm runs (issue 47): a Python script's runs forked from a parent that imported its heavy
//! modules once give the same bits as cold runs, and hide nothing the diagnosis must find.

mod common;

use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The stdlib example: every run of every condition has the same weights hash warm and cold.
#[test]
fn the_stdlib_example_gives_the_same_bits_warm_and_cold() {
    let [cold, warm] = common::cold_and_warm(
        "warm-stdlib",
        &repo("examples/python-stdlib"),
        "python3 train.py",
        &["--repeats", "3"],
    );
    let (cold, warm) = (common::hashes_by_run(&cold), common::hashes_by_run(&warm));
    assert!(cold.len() >= 20, "{} runs", cold.len());
    assert_eq!(warm, cold);
}

/// A script that draws from NumPy's global generator unseeded is caught warm as cold, though
/// the warm parent drew from that generator first (a preloaded module draws at import).
#[test]
fn an_unseeded_numpy_draw_is_caught_warm_as_cold() {
    let has_numpy = std::process::Command::new("python3")
        .args(["-c", "import numpy"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_numpy {
        assert!(std::env::var_os("CI").is_none(), "CI must have NumPy");
        eprintln!("skipped: no NumPy here");
        return;
    }
    let folder = repo("tests/fixtures/warm");
    for warm in [false, true] {
        let out = common::temp_dir(&format!("warm-leak-{warm}")).join("results.json");
        let mut command = common::command_run_of(
            &folder,
            "python3 numpy_leak.py",
            &out,
            &["--repeats", "3", "--conditions", "all-fixed"],
        );
        // An installed library, as far as the script can tell: on the path, not beside it.
        command.env("PYTHONPATH", folder.join("site"));
        if warm {
            command.args(["--warm", "--preload", "numpy,draws_at_import"]);
        }
        let output = common::succeeded(&mut command);
        let text = common::said(&output);
        assert!(!text.contains("warm start unavailable"), "{text}");
        let results: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let distinct = common::hashes_by_run(&results)
            .into_values()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert_eq!(
            distinct, 3,
            "warm = {warm}: all-fixed should spread: {text}"
        );
        assert_eq!(
            common::findings(&results, "uncontrolled_randomness").len(),
            1,
            "warm = {warm}: {text}"
        );
    }
}

/// A command that is not `python3 script.py` runs cold, and says so once.
#[test]
fn a_command_that_is_not_a_python_script_runs_cold_and_says_why() {
    let (results, text) = common::command_sweep(
        "warm-not-python",
        &repo("examples/python-stdlib"),
        "sh -c 'exec python3 train.py'",
        &["--repeats", "2", "--conditions", "all-fixed", "--warm"],
    );
    assert_eq!(common::hashes_by_run(&results).len(), 2);
    assert_eq!(
        text.matches("warm start runs Python scripts").count(),
        1,
        "{text}"
    );
}

/// `bench --command-overhead` times an example's runs cold and warm, side by side; a name
/// that is not a bundled example is refused with the ones there are.
#[test]
fn the_bench_times_an_example_cold_and_warm() {
    let output = common::succeeded(common::binary().args([
        "bench",
        "--command-overhead",
        "--example",
        "python-stdlib",
        "--json",
    ]));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let timed = &report["warm_against_cold"];
    assert_eq!(timed.as_array().unwrap().len(), 1, "{report}");
    let timed = &timed[0];
    assert_eq!(timed["example"], "python-stdlib");
    assert!(timed["skipped"].is_null(), "{timed}");
    assert_eq!(timed["runs_per_sweep"], 6);
    for figure in [
        "cold_ms_per_run",
        "warm_ms_per_run",
        "warm_first_run_ms",
        "cold_sweep_s",
        "warm_sweep_s",
    ] {
        assert!(timed[figure].as_f64().unwrap() > 0.0, "{figure}: {timed}");
    }

    let refused = common::binary()
        .args(["bench", "--command-overhead", "--example", "nope"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let text = common::said(&refused);
    assert!(
        text.contains("pytorch-digits") && text.contains("python-stdlib"),
        "{text}"
    );
}

/// A parent whose imports initialised CUDA cannot fork safely: every run starts cold, and
/// seedscope says why once. (A stand-in maps a "libcuda.so.1", as CUDA's driver shows in a
/// process that initialised it, so no GPU is needed.)
#[test]
fn a_parent_whose_imports_initialised_cuda_runs_cold_and_says_why() {
    let folder = repo("tests/fixtures/warm");
    let out = common::temp_dir("warm-cuda").join("results.json");
    let output = common::succeeded(
        common::binary()
            .args(["run", "--seed", "42", "--command", "python3 started_by.py"])
            .arg("--workdir")
            .arg(&folder)
            .args(["--repeats", "3", "--conditions", "all-fixed,only-init"])
            .args(["--warm", "--preload", "initialises_cuda", "--out"])
            .arg(&out)
            .env("PYTHONPATH", folder.join("site")),
    );
    let text = common::said(&output);
    let reason = "an import initialised CUDA in the warm parent (the CUDA driver (libcuda.so) is \
                  loaded); a forked child cannot use it";
    assert_eq!(text.matches(reason).count(), 1, "{text}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let started = common::hashes_by_run(&results);
    assert_eq!(started.len(), 6);
    assert!(
        started.values().all(|who| who == "started-by-seedscope"),
        "{started:?}"
    );
}
