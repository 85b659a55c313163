//! The framework examples (`examples/pytorch-digits`, `examples/sklearn-digits`) run under
//! seedscope, and their diagnoses are what the docs say. They need PyTorch and scikit-learn,
//! which `cargo test` does not install, so they are ignored there; the README's test command
//! (`tests/run-all.sh`, which `.ci/run` calls) installs both and runs them:
//! `cargo test --test frameworks -- --ignored`.

mod common;

use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn the_pytorch_example_gives_one_outcome_with_every_seed_fixed() {
    let (results, text) = common::command_sweep(
        "frameworks-clean",
        &example("pytorch-digits"),
        "python3 train.py --epochs 3",
        &["--repeats", "3"],
    );
    assert_eq!(
        common::condition_summary(&results, "all-fixed")["bitwise_identical"],
        true,
        "{text}"
    );
    assert!(
        common::findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
    for source in ["data", "split", "init", "dropout", "shuffle"] {
        let moved = common::condition_summary(&results, &format!("only-{source}"));
        assert_eq!(moved["distinct_hashes"], 3, "only-{source}: {text}");
    }
    // Per-point errors reported: the test-set noise is split out where the points are shared.
    assert!(
        common::condition_summary(&results, "only-init")["test_points"]
            .as_u64()
            .unwrap()
            > 500
    );
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn the_leaky_pytorch_example_is_caught() {
    let (results, text) = common::command_sweep(
        "frameworks-leaky",
        &example("pytorch-digits"),
        "python3 train.py --epochs 2 --leak",
        &["--repeats", "3", "--conditions", "all-fixed,only-init"],
    );
    let leaks = common::findings(&results, "uncontrolled_randomness");
    assert_eq!(leaks.len(), 1, "{text}");
    assert!(leaks[0]["outcomes"].as_u64().unwrap() > 1, "{text}");
}

#[test]
#[ignore = "needs scikit-learn; .ci/run installs it"]
fn scikit_learn_shuffle_is_said_to_follow_the_init_seed() {
    let (results, text) = common::command_sweep(
        "frameworks-sklearn",
        &example("sklearn-digits"),
        "python3 train.py",
        &[
            "--repeats",
            "3",
            "--conditions",
            "all-fixed,only-init,only-shuffle,only-dropout",
        ],
    );
    assert!(
        common::findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
    let ignored = common::findings(&results, "ignores_seed");
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

/// Warm runs (`--warm`: torch imported once in a parent, a fork per run) give every run of
/// every condition the same weights hash as cold runs.
#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn the_pytorch_example_gives_the_same_bits_warm_and_cold() {
    let [cold, warm] = common::cold_and_warm(
        "frameworks-warm-pytorch",
        &example("pytorch-digits"),
        "python3 train.py --epochs 2",
        &["--repeats", "2"],
    );
    let cold = common::hashes_by_run(&cold);
    assert!(cold.len() >= 14, "{} runs", cold.len());
    assert_eq!(common::hashes_by_run(&warm), cold);
    // What docs/your-command.md suggests for it: also preload what
    // torch.use_deterministic_algorithms imports lazily.
    let (preloaded, text) = common::command_sweep(
        "frameworks-warm-pytorch-preload",
        &example("pytorch-digits"),
        "python3 train.py --epochs 2",
        &[
            "--repeats",
            "2",
            "--warm",
            "--preload",
            "numpy,torch,torch._inductor",
        ],
    );
    assert!(!text.contains("warm start unavailable"), "{text}");
    assert_eq!(common::hashes_by_run(&preloaded), cold);
}

/// The same for scikit-learn (sklearn.neural_network imported once).
#[test]
#[ignore = "needs scikit-learn; .ci/run installs it"]
fn the_scikit_learn_example_gives_the_same_bits_warm_and_cold() {
    let [cold, warm] = common::cold_and_warm(
        "frameworks-warm-sklearn",
        &example("sklearn-digits"),
        "python3 train.py",
        &["--repeats", "2"],
    );
    let cold = common::hashes_by_run(&cold);
    assert!(cold.len() >= 14, "{} runs", cold.len());
    assert_eq!(common::hashes_by_run(&warm), cold);
}
