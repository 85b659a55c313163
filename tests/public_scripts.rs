//! Real public training scripts, unmodified (tests/fixtures/public/README.md), each run with
//! one command line and diagnosed right (issue 43, "Done when"):
//!
//! - minGPT's adder takes its seed as a flag (`--system.seed={seed}`): one outcome with every
//!   seed fixed, a spread under only-seed, its metric read from `test final score: 7/500`;
//! - the same adder run as published, with its hard-coded seed 3407: it ignores every seed
//!   seedscope gives;
//! - pytorch/examples' regression draws `torch.randn` unseeded: uncontrolled randomness.
//!
//! They need PyTorch, which `cargo test` does not install, so they are ignored there; the
//! README's test command (`tests/run-all.sh`, which `.ci/run` calls) installs it and runs them.

mod common;

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/public")
        .join(name)
}

/// A copy of a fixture's folder (the scripts run where they write nothing of the repository's).
fn copy_of(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_of(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    to.to_path_buf()
}

/// minGPT's adder, one training step (its evaluation runs at step 0), its output in the run's
/// own folder; `seed`: the seed flag, or none to keep the published one.
fn adder(seed: Option<&str>) -> String {
    let seed_flag = seed
        .map(|s| format!(" --system.seed={s}"))
        .unwrap_or_default();
    format!(
        "env PYTHONPATH=. python3 projects/adder/adder.py{seed_flag} \"--system.work_dir='{{rundir}}'\" --trainer.max_iters=1 --trainer.num_workers=0"
    )
}

const ADDER_METRIC: [&str; 6] = [
    "--metric",
    r"test final score: (?P<correct>\d+)/(?P<total>\d+)",
    "--metric-name",
    "accuracy",
    "--higher-is-better",
    "--workers=2",
];

/// The worked example of docs/your-command.md ("A real script, as published"), run as the page
/// writes it: its `sh` block, with this build's seedscope first on PATH.
fn docs_worked_example() -> String {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/your-command.md"))
            .unwrap();
    let after = page
        .split("**A real script, as published.**")
        .nth(1)
        .expect("the page has its worked example");
    let block = after
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the worked example has an sh block");
    block.to_string()
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn a_script_with_a_seed_flag_is_reproducible_and_spread_by_its_seed() {
    let folder = common::temp_dir("public-adder-seeded");
    let binary = Path::new(env!("CARGO_BIN_EXE_seedscope"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("sh")
        .args(["-c", &docs_worked_example()])
        .current_dir(copy_of(
            &fixture("mingpt-adder"),
            &folder.join("mingpt-adder"),
        ))
        .env("PATH", path)
        .env("SEEDSCOPE_NO_STORE", "1")
        .env("SEEDSCOPE_SEED", "1")
        .output()
        .unwrap();
    let text = common::said(&output);
    assert!(output.status.success(), "{text}");
    let written = folder.join("mingpt-adder/adder.json");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(
        common::condition_summary(&results, "all-fixed")["distinct_hashes"],
        1,
        "{text}"
    );
    assert!(
        common::condition_summary(&results, "only-seed")["distinct_hashes"]
            .as_u64()
            .unwrap()
            > 1,
        "{text}"
    );
    assert!(
        common::findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
    assert!(
        common::findings(&results, "ignores_one_seed").is_empty(),
        "{text}"
    );
    assert!(
        text.contains("the script's seed moves the result"),
        "{text}"
    );
    for run in results["runs"].as_array().unwrap() {
        assert!(run["error"].is_null(), "{run}");
        let accuracy = run["final_test_metric"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&accuracy) && (accuracy * 500.0).fract() == 0.0,
            "{run}"
        );
    }
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn a_script_with_a_hard_coded_seed_is_said_to_ignore_its_seed() {
    let (results, text) = common::command_sweep(
        "public-adder-hard-coded",
        &fixture("mingpt-adder"),
        &adder(None),
        &[
            &ADDER_METRIC[..],
            &["--conditions", "all-fixed,only-init", "--repeats", "2"],
        ]
        .concat(),
    );
    assert!(
        text.contains("warning: no seed reaches this command"),
        "{text}"
    );
    let ignored = common::findings(&results, "ignores_seed");
    assert_eq!(ignored.len(), 1, "{text}");
    assert_eq!(ignored[0]["source"], "init", "{text}");
    assert!(
        common::findings(&results, "uncontrolled_randomness").is_empty(),
        "{text}"
    );
}

#[test]
#[ignore = "needs PyTorch; .ci/run installs it"]
fn a_script_that_draws_unseeded_randomness_is_caught() {
    let (results, text) = common::command_sweep(
        "public-regression",
        &fixture("pytorch-regression"),
        "python3 main.py",
        &[
            "--metric",
            r"Loss: (?P<value>[0-9.e+-]+) after",
            "--metric-name",
            "smooth_l1_loss",
            "--lower-is-better",
            "--conditions",
            "all-fixed",
            "--repeats",
            "3",
        ],
    );
    let leaks = common::findings(&results, "uncontrolled_randomness");
    assert_eq!(leaks.len(), 1, "{text}");
    assert!(leaks[0]["outcomes"].as_u64().unwrap() > 1, "{text}");
}
