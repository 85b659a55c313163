//! `{rundir}` (issue 43, item 6; docs/your-command.md): each run gets a fresh, empty folder of
//! its own, so parallel runs of a script that writes a fixed `-o out/` do not overwrite each
//! other; it is removed after a good run and kept, named in the failure, after a failed one.
//! A metric file the script writes there is read with `--metric-file {rundir}/…`.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{results_in as results, runs_of as runs};

#[test]
fn a_metric_file_in_the_runs_own_folder_is_read_and_the_folder_is_kept_only_when_the_run_fails() {
    let folder = common::temp_dir("capture-rundir");
    // Writes its metric into the folder it is given; fails (after writing) on one seed in two.
    std::fs::write(
        folder.join("writes.sh"),
        r#"out="$1"; seed="$2"
test -d "$out" && test -z "$(ls -A "$out")" || { echo "not a fresh empty folder: $out" >&2; exit 3; }
printf '{"test": {"acc": 0.%s}}' "$(( seed % 9 + 1 ))" > "$out/metrics.json"
echo "$out" >> folders.txt
[ $(( seed % 2 )) = 0 ] || { echo "odd seed" >&2; exit 4; }
"#,
    )
    .unwrap();
    let output = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh writes.sh {rundir} {seed}",
            "--metric-file",
            "{rundir}/metrics.json",
            "--metric-key",
            "test.acc",
            "--metric-name",
            "accuracy",
            "--higher-is-better",
            "--conditions",
            "only-seed",
            "--repeats",
            "8",
            "--workers",
            "2",
        ],
    );
    let said = common::said(&output);
    let results = results(&folder);
    let all = runs(&results, "only-seed");
    let folders: Vec<String> = std::fs::read_to_string(folder.join("folders.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(folders.len(), 8, "{said}");
    assert_eq!(
        folders
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        8,
        "a folder per run"
    );
    let (good, bad): (Vec<&&Value>, Vec<&&Value>) = all.iter().partition(|r| r["error"].is_null());
    assert!(
        !good.is_empty() && !bad.is_empty(),
        "eight seeds are not all one parity: {said}"
    );
    for run in &good {
        let value = run["final_test_metric"].as_f64().unwrap();
        assert!((0.1..=0.9).contains(&value), "{run}");
    }
    for run in &bad {
        let error = run["error"].as_str().unwrap();
        let kept = error
            .split("is kept: ")
            .nth(1)
            .unwrap_or_else(|| panic!("a failed run names its folder: {error}"));
        assert!(
            Path::new(kept.trim()).join("metrics.json").exists(),
            "{error}"
        );
        std::fs::remove_dir_all(kept.trim()).unwrap();
    }
    let removed = folders.iter().filter(|f| !Path::new(f).exists()).count();
    assert_eq!(
        removed,
        folders.len(),
        "a good run's folder is removed (and the kept ones were cleaned up here)"
    );
}

/// The same settings in an experiment file (`command.metric`), as a user shares them: the
/// file's command is shown and allowed, `{rundir}` and the metric file work as on the command
/// line, and the flags override the file's metric.
#[test]
fn an_experiment_files_metric_reads_the_same_and_flags_override_it() {
    let folder = common::temp_dir("rundir-file");
    std::fs::write(
        folder.join("train.sh"),
        "echo \"loss 0.$(( $2 % 7 + 1 ))\" > \"$1/log.txt\"; printf 'acc,loss\\n0.5,0.9\\n0.75,0.25\\n' > \"$1/log.csv\"\n",
    )
    .unwrap();
    let experiment = serde_json::json!({
        "name": "from a file",
        "repeats": 2,
        "conditions": ["all-fixed"],
        "command": {
            "argv": ["sh", "train.sh", "{rundir}", "{seed}"],
            "metric": {
                "file": "{rundir}/log.csv",
                "key": "loss",
                "name": "loss",
                "higher_is_better": false
            }
        }
    });
    let file = folder.join("experiment.json");
    std::fs::write(&file, experiment.to_string()).unwrap();
    let config = file.to_str().unwrap();
    let output = common::run_in(&folder, None, &["--config", config, "--allow-command"]);
    let said = common::said(&output);
    assert!(output.status.success(), "{said}");
    for run in runs(&results(&folder), "all-fixed") {
        assert_eq!(run["final_test_metric"], 0.25, "the CSV's last row: {run}");
    }
    let output = common::run_in(
        &folder,
        None,
        &[
            "--config",
            config,
            "--allow-command",
            "--metric-key",
            "acc",
            "--higher-is-better",
        ],
    );
    assert!(output.status.success(), "{}", common::said(&output));
    let results = results(&folder);
    for run in runs(&results, "all-fixed") {
        assert_eq!(run["final_test_metric"], 0.75, "{run}");
    }
    assert_eq!(results["config"]["command"]["metric"]["key"], "acc");
    assert_eq!(
        results["config"]["command"]["metric"]["higher_is_better"],
        true
    );
}

/// Stdin is /dev/null: a script that asks for input gets end-of-file at once and fails there,
/// instead of waiting for its time limit.
#[test]
fn a_script_that_asks_for_input_fails_at_once() {
    let folder = common::temp_dir("rundir-stdin");
    let started = std::time::Instant::now();
    let tried = common::run_in(
        &folder,
        None,
        &[
            "--command",
            "sh -c 'read answer || exit 9; echo \"acc 1\"'",
            "--metric",
            r"acc (?P<value>\d)",
            "--metric-name",
            "accuracy",
            "--higher-is-better",
            "--timeout",
            "60",
            "--try",
        ],
    );
    let said = common::said(&tried);
    assert_eq!(tried.status.code(), Some(1), "{said}");
    assert!(said.contains("exited with status 9"), "{said}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "it did not wait for its time limit"
    );
}
