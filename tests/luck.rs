//! Seed luck and "how many runs do I need?" through the command line: a fixed-seed result is
//! read as one outcome, never tested as thirty; plans follow from the condition's spread.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use seedscope::analysis::luck::{better_than_share, expected_best_of};
use seedscope::analysis::runs_needed::{runs_for_mean_precision, runs_per_side_for_difference};
use seedscope::records::ResultsFile;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The default experiment with 12 runs per condition, seed 42.
fn results(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let out = dir.join("results.json");
    let output = binary()
        .args(["run", "--quiet", "--seed", "42", "--repeats", "12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    out
}

fn command(results: &Path, args: &[&str]) -> Output {
    binary()
        .args(&args[..1])
        .arg(results)
        .args(&args[1..])
        .output()
        .unwrap()
}

fn values(file: &ResultsFile, condition: &str) -> Vec<f64> {
    file.runs
        .iter()
        .filter(|r| r.condition == condition)
        .filter_map(|r| r.final_test_metric)
        .collect()
}

#[test]
fn compare_reads_a_fixed_seed_as_seed_luck_not_as_a_better_method() {
    let path = results("luck-compare");
    let file = ResultsFile::load(&path).unwrap();
    let output = command(&path, &["compare", "--a", "all-fixed", "--b", "all-free"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains("likely better"), "{text}");
    assert!(!text.contains("Welch"), "{text}");
    assert!(text.contains("percentile of what all-free gives"), "{text}");
    assert!(text.contains("one outcome repeated 12 times"), "{text}");

    let json = command(
        &path,
        &["compare", "--a", "all-fixed", "--b", "all-free", "--json"],
    );
    let reading: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(reading["kind"], "seed_luck");
    assert_eq!(reading["fixed_side"], "a");
    assert!(reading.get("welch_p").is_none());
    let fixed = values(&file, "all-fixed")[0];
    let free = values(&file, "all-free");
    assert_eq!(
        reading["percentile"].as_f64().unwrap(),
        better_than_share(fixed, &free, true)
    );
    let best_of_3 = reading["best_of_k"][1].clone();
    assert_eq!(best_of_3[0], 3);
    assert_eq!(
        best_of_3[1].as_f64().unwrap(),
        expected_best_of(&free, 3, true).unwrap()
    );

    // Two free conditions: the comparison of two spreads, as before.
    let json = command(
        &path,
        &["compare", "--a", "only-init", "--b", "all-free", "--json"],
    );
    let reading: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(reading["kind"], "difference");
    assert!(reading["welch_p"].is_number() && reading["p_a_gt_b"].is_number());
    let text = stdout(&command(
        &path,
        &["compare", "--a", "only-init", "--b", "all-free"],
    ));
    assert!(
        text.contains("Welch's t") && text.contains("P(A > B)"),
        "{text}"
    );
}

#[test]
fn two_fixed_results_differ_by_a_fixed_amount_and_nothing_is_tested() {
    let dir = temp_dir("luck-fixed");
    let run = |seed: &str| {
        let out = dir.join(format!("seed-{seed}.json"));
        let output = binary()
            .args(["run", "--quiet", "--seed", seed, "--repeats", "4"])
            .args(["--conditions", "all-fixed", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        out
    };
    let (three, four) = (run("3"), run("4"));
    let output = binary()
        .arg("compare")
        .arg(&three)
        .args(["--a", "all-fixed", "--b", "all-fixed", "--json", "--b-file"])
        .arg(&four)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let reading: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reading["kind"], "fixed_difference", "{reading}");
    assert_eq!(reading["identical"], false);
    let (a, b) = (
        values(&ResultsFile::load(&three).unwrap(), "all-fixed")[0],
        values(&ResultsFile::load(&four).unwrap(), "all-fixed")[0],
    );
    assert_eq!(reading["difference"].as_f64().unwrap(), a - b);
    assert!(reading["verdict"].as_str().unwrap().contains("no spread"));
    assert!(reading.get("welch_p").is_none());
}

#[test]
fn luck_prints_the_percentile_best_of_k_and_refuses_a_free_fixed_side() {
    let path = results("luck-command");
    let output = command(&path, &["luck"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("with seed 42 sits at the"), "{text}");
    assert!(
        text.contains("a cherry-picked best-of-12 seed reports"),
        "{text}"
    );
    assert!(text.contains("best of 10:"), "{text}");
    let output = command(&path, &["luck", "--fixed", "all-free"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not one"), "{}", stderr(&output));
    let output = command(&path, &["luck", "--free", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--free"), "{}", stderr(&output));
}

#[test]
fn plan_follows_from_the_spread_and_checks_its_flags() {
    let path = results("luck-plan");
    let file = ResultsFile::load(&path).unwrap();
    let free = values(&file, "all-free");
    let output = command(
        &path,
        &[
            "plan",
            "--condition",
            "all-free",
            "--epsilon",
            "0.01",
            "--delta",
            "0.02",
            "--json",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let std = plan["std"].as_f64().unwrap();
    assert_eq!(plan["n"], 12);
    assert_eq!(
        plan["runs_for_epsilon"].as_u64().map(|n| n as usize),
        runs_for_mean_precision(std, 0.01)
    );
    assert_eq!(
        plan["runs_per_side_for_delta"].as_u64().map(|n| n as usize),
        runs_per_side_for_difference(std, 0.02, 0.05, 0.8)
    );
    let convergence = plan["convergence"].as_array().unwrap();
    assert_eq!(convergence.len(), free.len(), "one point per run");
    assert_eq!(
        convergence[11]["mean"].as_f64().unwrap(),
        plan["mean"].as_f64().unwrap()
    );

    let text = stdout(&command(&path, &["plan", "--condition", "all-free"]));
    assert!(text.contains("mean within ±0.0050"), "{text}");
    // Without --condition it plans from all-free, the spread of a run with no seed fixed.
    assert_eq!(stdout(&command(&path, &["plan"])), text);
    assert!(text.contains("runs per side"), "{text}");
    for flag in ["--epsilon=-1", "--delta=0"] {
        let output = command(&path, &["plan", "--condition", "all-free", flag]);
        let flag = &flag[..flag.find('=').unwrap()];
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(flag), "{}", stderr(&output));
    }
    let output = command(&path, &["plan", "--condition", "only-gpu"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("all-fixed, all-free"),
        "{}",
        stderr(&output)
    );
}
