//! A script as it is (issue 43, items 1 and 2; docs/your-command.md): seeds reach a script that takes them
//! as a flag through argv placeholders (`--seed {seed}`, `--init={seed.init}`), below 2^31;
//! a script with one seed for everything is swept over what can be told from outside
//! (all-fixed, all-free, only-seed, only-threads, only-gpu), refused a per-source condition,
//! and read for what its seed does and does not show; the recorded seeds replay the run.

mod common;

use std::path::Path;

use serde_json::Value;

/// A script that takes its seed as `--seed N` and reports it as its score (so the seed given
/// can be read back from the results); `ignore` hard-codes its seed instead.
fn scripts(folder: &Path) {
    std::fs::write(
        folder.join("seeded.sh"),
        "printf '{\"metric\":\"score\",\"value\":%s,\"higher_is_better\":true}' \"$2\" > \"$SEEDSCOPE_RESULT\"\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("hardcoded.sh"),
        "seed=7 # the flag is read and ignored\nprintf '{\"metric\":\"score\",\"value\":%s,\"higher_is_better\":true}' \"$seed\" > \"$SEEDSCOPE_RESULT\"\n",
    )
    .unwrap();
}

fn results(folder: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(folder.join("out.json")).unwrap()).unwrap()
}

fn values(results: &Value, condition: &str) -> Vec<f64> {
    results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["condition"] == condition)
        .map(|r| r["final_test_metric"].as_f64().unwrap())
        .collect()
}

#[test]
fn a_script_with_one_seed_flag_is_swept_over_what_can_be_told_from_outside() {
    let folder = common::temp_dir("script-one-seed");
    scripts(&folder);
    let output = common::run_in(
        &folder,
        None,
        &["--command", "sh seeded.sh --seed {seed}", "--repeats", "4"],
    );
    let said = common::said(&output);
    assert!(output.status.success(), "{said}");
    let results = results(&folder);
    let conditions: Vec<&str> = results["config"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        conditions,
        [
            "all-fixed",
            "all-free",
            "only-seed",
            "only-threads",
            "only-gpu"
        ]
    );
    for condition in &conditions {
        for value in values(&results, condition) {
            assert!(
                value < 2f64.powi(31) && value >= 0.0,
                "{condition}: {value}"
            );
        }
    }
    let distinct = |condition: &str| {
        let mut v = values(&results, condition);
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len()
    };
    assert_eq!(distinct("all-fixed"), 1);
    assert_eq!(distinct("only-threads"), 1);
    assert_eq!(distinct("only-seed"), 4);
    assert_eq!(distinct("all-free"), 4);
    assert!(
        said.contains("reading: the script's seed moves the result by")
            && said.contains("cannot be told from outside"),
        "{said}"
    );
    assert!(!said.contains("no seed reaches"), "{said}");

    // The seed recorded gives the run again.
    let replay = common::binary()
        .current_dir(&folder)
        .arg("replay")
        .arg(folder.join("out.json"))
        .args(["--run", "only-seed/2", "--allow-command"])
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", common::said(&replay));
    assert!(
        common::said(&replay).contains("replayed"),
        "{}",
        common::said(&replay)
    );
}

#[test]
fn a_per_source_condition_is_refused_for_a_one_seed_script_with_what_to_do() {
    let folder = common::temp_dir("script-one-seed-refused");
    scripts(&folder);
    let output = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh seeded.sh --seed {seed}",
            "--conditions",
            "all-fixed,only-init",
        ],
    );
    let said = common::said(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        said.contains("--conditions: `only-init` moves some seeds and not others"),
        "{said}"
    );
    assert!(said.contains("{seed.init}"), "{said}");
}

#[test]
fn an_unknown_or_unclosed_placeholder_is_refused_before_any_run() {
    let folder = common::temp_dir("script-bad-placeholder");
    scripts(&folder);
    for (line, named) in [
        ("sh seeded.sh --lr {lr}", "unknown placeholder `{lr}`"),
        ("sh seeded.sh --seed {seed", "`{seed` is not closed"),
    ] {
        let output = common::run_in(&folder, None, &["--command", line]);
        let said = common::said(&output);
        assert_eq!(output.status.code(), Some(2), "{said}");
        assert!(said.contains(named), "{said}");
    }
}

#[test]
fn a_script_that_hard_codes_its_seed_is_said_to_ignore_it() {
    let folder = common::temp_dir("script-hard-coded");
    scripts(&folder);
    let output = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh hardcoded.sh --seed {seed}",
            "--repeats",
            "3",
        ],
    );
    let said = common::said(&output);
    assert!(
        said.contains("only-seed: 3 runs, one outcome: the command ignores the seed it is given"),
        "{said}"
    );
    assert!(!said.contains("every freed seed moved"), "{said}");
}

#[test]
fn per_source_placeholders_keep_every_condition_and_move_their_source_alone() {
    let folder = common::temp_dir("script-per-source");
    scripts(&folder);
    let output = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh seeded.sh --seed {seed.init}",
            "--repeats",
            "3",
            "--conditions",
            "all-fixed,only-init,only-shuffle",
        ],
    );
    assert!(output.status.success(), "{}", common::said(&output));
    let results = results(&folder);
    let distinct = |condition: &str| {
        let mut v = values(&results, condition);
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len()
    };
    assert_eq!(
        (
            distinct("all-fixed"),
            distinct("only-init"),
            distinct("only-shuffle")
        ),
        (1, 3, 1)
    );
}

#[test]
fn a_command_no_seed_reaches_is_warned_about_before_the_sweep() {
    let folder = common::temp_dir("script-no-seed");
    scripts(&folder);
    std::fs::write(
        folder.join("plain.sh"),
        format!("{}\n", common::ACCURACY_RESULT),
    )
    .unwrap();
    let output = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh plain.sh",
            "--repeats",
            "2",
            "--conditions",
            "all-fixed",
        ],
    );
    let said = common::said(&output);
    assert!(
        said.contains("warning: no seed reaches this command"),
        "{said}"
    );
    // A script that reads its seed variables is not warned about.
    let output = common::run_in(
        &folder,
        None,
        &["--command", "sh seeded.sh --seed {seed}", "--repeats", "2"],
    );
    assert!(!common::said(&output).contains("no seed reaches"));
}
