//! A command's inputs are fixed when a sweep starts, and what its runs report is one thing
//! (docs/your-command.md): a file a run writes is an output, never an input, so the experiment stays one;
//! an input written during a sweep stops it and no run that overlapped the change is kept; a
//! FIFO is refused, not read; runs that report another metric are failed, not averaged; and a
//! reading is said only once the runs show it.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

fn run_in(folder: &Path, line: &str, store: Option<&Path>, args: &[&str]) -> Output {
    common::run_in(folder, store, &[&["--command", line], args].concat())
}

#[test]
fn a_file_the_command_writes_is_an_output_and_run_twice_trains_once() {
    let folder = common::temp_dir("inputs-writer");
    let store = folder.join("runs.sqlite");
    std::fs::write(
        folder.join("writer.sh"),
        format!("echo weights > \"$2\"\n{}\n", common::ACCURACY_RESULT),
    )
    .unwrap();
    let args = ["--repeats", "2", "--conditions", "all-fixed"];
    let first = run_in(&folder, "sh writer.sh --out model.out", Some(&store), &args);
    assert!(first.status.success(), "{}", common::said(&first));
    assert!(folder.join("model.out").exists());
    assert!(
        common::said(&first).contains("model.out was written by the command"),
        "said once: {}",
        common::said(&first)
    );
    let second = run_in(&folder, "sh writer.sh --out model.out", Some(&store), &args);
    assert!(second.status.success(), "{}", common::said(&second));
    assert!(
        common::said(&second).contains("runs: 2 from the store"),
        "the second sweep is the same experiment: {}",
        common::said(&second)
    );
}

#[test]
fn an_input_written_during_a_sweep_stops_it_and_no_overlapping_run_is_kept() {
    let folder = common::temp_dir("inputs-edited");
    let store = folder.join("runs.sqlite");
    let script = folder.join("train.sh");
    std::fs::write(&script, format!("sleep 0.4\n{}\n", common::ACCURACY_RESULT)).unwrap();
    let child = common::binary()
        .current_dir(&folder)
        .env_remove("SEEDSCOPE_NO_STORE")
        .args([
            "run",
            "--seed",
            "1",
            "--command",
            "sh train.sh",
            "--workers",
            "1",
        ])
        .args(["--repeats", "6", "--conditions", "all-fixed", "--store"])
        .arg(&store)
        .arg("--out")
        .arg(folder.join("out.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once a run is kept (the store has it), the script is edited while runs remain.
    let started = std::time::Instant::now();
    let stored = || -> i64 {
        rusqlite::Connection::open(&store)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM runs", [], |row| row.get(0)))
            .unwrap_or(0)
    };
    while stored() < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no run was kept"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Edited and reverted: a run in between may have read either version.
    let original = std::fs::read(&script).unwrap();
    std::fs::write(&script, b"exit 3\n").unwrap();
    std::fs::write(&script, &original).unwrap();
    let output = child.wait_with_output().unwrap();
    let said = common::said(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("train.sh was written during the sweep"),
        "{said}"
    );
    // What was kept finished before the edit: at least the first, never all six.
    let rerun = run_in(
        &folder,
        "sh train.sh",
        Some(&store),
        &[
            "--repeats",
            "6",
            "--conditions",
            "all-fixed",
            "--workers",
            "1",
        ],
    );
    let kept: usize = common::said(&rerun)
        .lines()
        .find_map(|l| l.strip_prefix("runs: ")?.split(' ').next()?.parse().ok())
        .expect("the rerun says what came from the store");
    assert!(
        (1..=3).contains(&kept),
        "kept {kept}: {}",
        common::said(&rerun)
    );
}

#[test]
fn a_fifo_is_refused_as_an_input_instead_of_blocking() {
    let folder = common::temp_dir("inputs-fifo");
    let fifo = folder.join("fifo");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path that lives for the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let file = folder.join("e.json");
    std::fs::write(
        &file,
        serde_json::json!({"command": {"argv": ["true"], "inputs": ["fifo"]}}).to_string(),
    )
    .unwrap();
    let output = common::binary()
        .current_dir(&folder)
        .args(["run", "--allow-command", "--config"])
        .arg(&file)
        .arg("--out")
        .arg(folder.join("out.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", common::said(&output));
    assert!(
        common::said(&output).contains("FIFO"),
        "{}",
        common::said(&output)
    );
}

#[test]
fn a_run_that_reports_another_metric_is_failed_not_averaged() {
    let folder = common::temp_dir("inputs-two-metrics");
    // Run 0 reports accuracy; every later run an mse.
    std::fs::write(
        folder.join("two.sh"),
        r#"case "$SEEDSCOPE_RUN" in
  */0) printf '{"metric":"accuracy","value":0.9,"higher_is_better":true}' ;;
  *) printf '{"metric":"mse","value":5.0,"higher_is_better":false}' ;;
esac > "$SEEDSCOPE_RESULT"
"#,
    )
    .unwrap();
    let output = run_in(
        &folder,
        "sh two.sh",
        None,
        &[
            "--repeats",
            "3",
            "--conditions",
            "all-fixed",
            "--workers",
            "1",
        ],
    );
    let said = common::said(&output);
    assert!(said.contains("one experiment has one metric"), "{said}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("out.json")).unwrap()).unwrap();
    let fixed = common::condition_summary(&results, "all-fixed");
    assert_eq!(fixed["n"], 1, "{fixed}");
    assert_eq!(fixed["mean"], 0.9, "{fixed}");
}

#[test]
fn the_good_news_needs_the_runs_that_show_it() {
    let folder = common::temp_dir("inputs-constant");
    std::fs::write(
        folder.join("constant.sh"),
        format!("{}\n", common::ACCURACY_RESULT),
    )
    .unwrap();
    let output = run_in(
        &folder,
        "sh constant.sh",
        None,
        &["--repeats", "3", "--conditions", "all-fixed,all-free"],
    );
    let said = common::said(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        !said.contains("every freed seed moved the result"),
        "all-free has one outcome: {said}"
    );
}

#[test]
fn a_missing_interpreter_or_working_folder_is_named() {
    let folder = common::temp_dir("inputs-not-started");
    let script = folder.join("train.py");
    std::fs::write(&script, "#!/nonexistent/python9\nprint(1)\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = run_in(
        &folder,
        "./train.py",
        None,
        &["--repeats", "1", "--conditions", "all-fixed"],
    );
    assert!(
        common::said(&output)
            .contains("the interpreter its #! line names, /nonexistent/python9, was not found"),
        "{}",
        common::said(&output)
    );
}
