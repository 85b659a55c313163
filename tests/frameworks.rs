//! The framework examples (`examples/pytorch-digits`, `examples/sklearn-digits`) run under
//! seedscope, and their diagnoses are what the docs say. They need PyTorch and scikit-learn,
//! which `cargo test` does not install, so they are ignored there; `.ci/run` installs both
//! and runs them: `cargo test --test frameworks -- --ignored`.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// Runs `line` in `example` and returns its results file and its printed output.
fn run(test: &str, example_name: &str, line: &str, args: &[&str]) -> (Value, String) {
    let dir = common::temp_dir(&format!("frameworks-{test}"));
    let out = dir.join("results.json");
    let output = common::binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "42",
            "--command",
            line,
            "--workdir",
        ])
        .arg(example(example_name))
        .arg("--out")
        .arg(&out)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    let results = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    (results, text)
}

fn findings<'a>(results: &'a Value, kind: &str) -> Vec<&'a Value> {
    results["diagnosis"]
        .as_array()
        .map(|all| all.iter().filter(|f| f["kind"] == kind).collect())
        .unwrap_or_default()
}

fn summary<'a>(results: &'a Value, condition: &str) -> &'a Value {
    results["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["condition"] == condition)
        .unwrap()
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn the_pytorch_example_gives_one_outcome_with_every_seed_fixed() {
    let (results, text) = run(
        "clean",
        "pytorch-digits",
        "python3 train.py --epochs 3",
        &["--repeats", "3"],
    );
    assert_eq!(
        summary(&results, "all-fixed")["bitwise_identical"],
        true,
        "{text}"
    );
    assert!(
        findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
    for source in ["data", "split", "init", "dropout", "shuffle"] {
        let moved = summary(&results, &format!("only-{source}"));
        assert_eq!(moved["distinct_hashes"], 3, "only-{source}: {text}");
    }
    // Per-point errors reported: the test-set noise is split out where the points are shared.
    assert!(
        summary(&results, "only-init")["test_points"]
            .as_u64()
            .unwrap()
            > 500
    );
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn the_leaky_pytorch_example_is_caught() {
    let (results, text) = run(
        "leaky",
        "pytorch-digits",
        "python3 train.py --epochs 2 --leak",
        &["--repeats", "3", "--conditions", "all-fixed,only-init"],
    );
    let leaks = findings(&results, "uncontrolled_randomness");
    assert_eq!(leaks.len(), 1, "{text}");
    assert!(leaks[0]["outcomes"].as_u64().unwrap() > 1, "{text}");
}

#[test]
#[ignore = "needs scikit-learn; .ci/run installs it"]
fn scikit_learn_shuffle_is_said_to_follow_the_init_seed() {
    let (results, text) = run(
        "sklearn",
        "sklearn-digits",
        "python3 train.py",
        &[
            "--repeats",
            "3",
            "--conditions",
            "all-fixed,only-init,only-shuffle,only-dropout",
        ],
    );
    assert!(
        findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
    let ignored = findings(&results, "ignores_seed");
    let shuffle = ignored
        .iter()
        .find(|f| f["source"] == "shuffle")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(shuffle["follows"], "init", "{text}");
    assert!(
        ignored.iter().any(|f| f["source"] == "dropout"),
        "no dropout in MLPClassifier: {text}"
    );
    assert!(
        text.contains("shuffle probably follows the init seed"),
        "{text}"
    );
}
