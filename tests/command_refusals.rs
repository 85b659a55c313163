//! The smaller promises of a supervisor (issue 42, item 8): a flag is applied or refused,
//! never ignored; the user's files are not taken for seedscope's; what a file says reaches the
//! terminal escaped. Each was found wrong by a hostile campaign.

mod common;

use std::path::Path;
use std::process::Output;

fn experiment_file(folder: &Path, argv: &[&str]) -> std::path::PathBuf {
    let file = folder.join("e.json");
    std::fs::write(
        &file,
        serde_json::json!({"repeats": 1, "conditions": ["all-fixed"], "command": {"argv": argv}})
            .to_string(),
    )
    .unwrap();
    file
}

fn run(folder: &Path, args: &[&str]) -> Output {
    common::run_in(folder, None, args)
}

#[test]
fn timeout_and_workdir_act_on_an_experiment_files_command() {
    let folder = common::temp_dir("refusals-flags");
    std::fs::write(
        folder.join("slow.sh"),
        format!("sleep 5\n{}\n", common::ACCURACY_RESULT),
    )
    .unwrap();
    let file = experiment_file(&folder, &["sh", "slow.sh"]);
    let file = file.to_str().unwrap();
    let timed = run(
        &folder,
        &["--config", file, "--allow-command", "--timeout", "0.5"],
    );
    assert!(
        common::said(&timed).contains("time limit of 0.5 s"),
        "--timeout was ignored: {}",
        common::said(&timed)
    );
    let elsewhere = run(
        &folder,
        &[
            "--config",
            file,
            "--allow-command",
            "--workdir",
            "/nonexistent",
        ],
    );
    assert_eq!(
        elsewhere.status.code(),
        Some(2),
        "{}",
        common::said(&elsewhere)
    );
    assert!(
        common::said(&elsewhere).contains("/nonexistent"),
        "{}",
        common::said(&elsewhere)
    );
}

#[test]
fn timeout_over_a_built_in_model_is_refused_not_ignored() {
    let folder = common::temp_dir("refusals-preset");
    let output = run(&folder, &["--preset", "circles", "--timeout", "1"]);
    assert_eq!(output.status.code(), Some(2), "{}", common::said(&output));
    assert!(
        common::said(&output).contains("--timeout: applies to a command's runs"),
        "{}",
        common::said(&output)
    );
}

#[test]
fn more_workers_than_gpus_is_refused_with_the_way_to_share() {
    let folder = common::temp_dir("refusals-gpus");
    std::fs::write(
        folder.join("t.sh"),
        format!("{}\n", common::ACCURACY_RESULT),
    )
    .unwrap();
    let output = run(
        &folder,
        &["--command", "sh t.sh", "--gpus", "0,1", "--workers", "4"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", common::said(&output));
    assert!(
        common::said(&output).contains("--gpus 0,0,1,1"),
        "{}",
        common::said(&output)
    );
}

#[test]
fn a_script_named_as_the_store_is_left_alone() {
    let folder = common::temp_dir("refusals-store");
    let script = folder.join("train.py");
    std::fs::write(&script, "print('my model')\n").unwrap();
    // No display: the window cannot open, but the store is opened (or refused) first.
    let output = common::binary()
        .current_dir(&folder)
        .env_remove("SEEDSCOPE_NO_STORE")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("SEEDSCOPE_SETTINGS", folder.join("settings.json"))
        .args(["gui", "--store", "train.py"])
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        "print('my model')\n",
        "{}",
        common::said(&output)
    );
    let moved: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.contains("corrupt"))
        .collect();
    assert!(moved.is_empty(), "{moved:?}");
}

#[test]
fn a_results_files_fields_reach_the_terminal_escaped() {
    let folder = common::temp_dir("refusals-escapes");
    let made = run(
        &folder,
        &[
            "--preset",
            "circles",
            "--repeats",
            "1",
            "--conditions",
            "all-fixed",
        ],
    );
    assert!(made.status.success(), "{}", common::said(&made));
    let path = folder.join("out.json");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    results["runs"][0]["error"] = "\u{1b}[2J\u{1b}[31mboom\u{202e}".into();
    std::fs::write(&path, results.to_string()).unwrap();
    let replay = common::binary()
        .arg("replay")
        .arg(&path)
        .args(["--run", "0"])
        .output()
        .unwrap();
    let said = common::said(&replay);
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{202e}'),
        "{said:?}"
    );
    assert!(said.contains("\\u{1b}[2J"), "{said}");
}
