//! Nothing runs unseen (docs/your-command.md, "What seedscope guarantees"): a command that comes from a file — an experiment
//! file someone sent, a results file's `config.command` — runs only once the user has been
//! shown it whole and allowed that exact content; the allowance is remembered in the run store
//! like `direnv allow`, and one changed byte asks again. A command the user typed needs no
//! allowing (tests/command.rs runs many).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

/// The received experiment file, with `env`.
fn received(folder: &Path, env: serde_json::Value) -> PathBuf {
    common::received_experiment(folder, env)
}

fn run_received(folder: &Path, file: &Path, store: Option<&Path>, args: &[&str]) -> Output {
    let file = file.to_str().unwrap();
    common::run_in(folder, store, &[&["--config", file], args].concat())
}

#[test]
fn a_received_experiment_file_is_shown_whole_and_does_not_run_unless_allowed() {
    let folder = common::temp_dir("trust-received");
    let file = received(
        &folder,
        serde_json::json!({"BASH_ENV": "./evil.sh", "PYTHONPATH": "evil", "EPOCHS": "3"}),
    );
    let output = run_received(&folder, &file, None, &[]);
    let said = common::said(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        !folder.join("MARK").exists(),
        "the command ran without being allowed"
    );
    // Shown whole: every argument, the folder, every env entry, the ones that load code marked.
    assert!(said.contains("argv[2] = touch MARK;"), "{said}");
    assert!(said.contains("in:      "), "{said}");
    for name in ["BASH_ENV", "PYTHONPATH"] {
        let line = said.lines().find(|l| l.contains(name)).unwrap();
        assert!(line.contains("changes what the program loads"), "{line}");
    }
    let epochs = said.lines().find(|l| l.contains("EPOCHS=3")).unwrap();
    assert!(!epochs.contains("changes what"), "{epochs}");
    assert!(said.contains("--allow-command"), "{said}");
}

#[test]
fn an_allowed_command_runs_and_is_remembered_until_one_byte_changes() {
    let folder = common::temp_dir("trust-remembered");
    let store = folder.join("runs.sqlite");
    let file = received(&folder, serde_json::json!({"EPOCHS": "3"}));
    let allowed = run_received(&folder, &file, Some(&store), &["--allow-command"]);
    assert!(allowed.status.success(), "{}", common::said(&allowed));
    assert!(folder.join("MARK").exists());
    assert!(common::said(&allowed).contains("remembered in the run store"));

    // The same content again: no flag needed (its run even comes from the store).
    std::fs::remove_file(folder.join("MARK")).unwrap();
    let again = run_received(&folder, &file, Some(&store), &["--repeats", "2"]);
    assert!(again.status.success(), "{}", common::said(&again));
    assert!(folder.join("MARK").exists(), "run 1 was trained");

    // One byte of the environment changed: another command, asked about again.
    std::fs::remove_file(folder.join("MARK")).unwrap();
    let changed = received(&folder, serde_json::json!({"EPOCHS": "4"}));
    let refused = run_received(&folder, &changed, Some(&store), &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", common::said(&refused));
    assert!(!folder.join("MARK").exists());
    assert!(common::said(&refused).contains("EPOCHS=4"));
}

#[test]
fn replay_of_a_results_file_does_not_run_its_command_unless_allowed() {
    let folder = common::temp_dir("trust-replay");
    let file = received(&folder, serde_json::json!({}));
    let made = run_received(&folder, &file, None, &["--allow-command"]);
    assert!(made.status.success(), "{}", common::said(&made));
    std::fs::remove_file(folder.join("MARK")).unwrap();
    let replay = |args: &[&str]| {
        common::binary()
            .current_dir(&folder)
            .arg("replay")
            .arg(folder.join("out.json"))
            .args(["--run", "0"])
            .args(args)
            .output()
            .unwrap()
    };
    let refused = replay(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", common::said(&refused));
    assert!(
        !folder.join("MARK").exists(),
        "replay ran the command unseen"
    );
    assert!(common::said(&refused).contains("argv[2] = touch MARK;"));
    let allowed = replay(&["--allow-command"]);
    assert!(folder.join("MARK").exists(), "{}", common::said(&allowed));
}

#[test]
fn a_file_may_not_set_seedscopes_own_variables() {
    let folder = common::temp_dir("trust-seedscope-env");
    let file = received(&folder, serde_json::json!({"SEEDSCOPE_SEED_INIT": "7"}));
    let output = run_received(&folder, &file, None, &["--allow-command"]);
    assert_eq!(output.status.code(), Some(2), "{}", common::said(&output));
    assert!(common::said(&output).contains("SEEDSCOPE_SEED_INIT is seedscope's to set"));
    assert!(!folder.join("MARK").exists());
}

#[test]
fn a_nul_in_an_environment_value_is_refused_before_any_run() {
    let folder = common::temp_dir("trust-nul");
    let file = received(&folder, serde_json::json!({"A": "x\u{0}y"}));
    let output = run_received(&folder, &file, None, &["--allow-command"]);
    assert_eq!(output.status.code(), Some(2), "{}", common::said(&output));
    assert!(
        common::said(&output).contains("NUL"),
        "{}",
        common::said(&output)
    );
}
