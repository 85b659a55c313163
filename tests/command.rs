//! A user's command as the thing trained (docs/your-command.md), driven through the binary: seeds reach the
//! command source by source, the diagnosis catches the randomness a script forgot to seed,
//! a bad run fails alone and is never stored, and a command's runs are stored, reused,
//! sharded, merged and replayed like built-in ones. The commands are Python scripts of the
//! standard library only (`examples/python-stdlib/train.py`, `tests/fixtures/command/bad.py`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn example() -> PathBuf {
    repo("examples/python-stdlib")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `seedscope run --command LINE ARGS…` in `workdir`, writing `out`.
fn run_command(line: &str, workdir: &Path, out: &Path, args: &[&str]) -> Output {
    common::command_run(workdir, line, out, args)
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_clean_script_gives_one_outcome_with_every_seed_fixed_and_each_freed_seed_moves_it() {
    let (results, printed) = common::command_sweep(
        "command-clean",
        &example(),
        "python3 train.py",
        &["--repeats", "3"],
    );
    assert_eq!(
        results["runs"].as_array().unwrap().len(),
        27,
        "9 conditions × 3"
    );
    let fixed = common::condition_summary(&results, "all-fixed");
    assert_eq!(fixed["bitwise_identical"], true, "{fixed}");
    assert!(common::findings(&results, "uncontrolled_randomness").is_empty());
    assert!(
        common::findings(&results, "ignores_seed").is_empty(),
        "{results:#}"
    );
    for source in ["data", "split", "init", "dropout", "shuffle"] {
        let moved = common::condition_summary(&results, &format!("only-{source}"));
        assert_eq!(moved["distinct_hashes"], 3, "only-{source}: {moved}");
    }
    // Threads and gpu change nothing in a single-threaded CPU script.
    for switch in ["only-threads", "only-gpu"] {
        assert_eq!(
            common::condition_summary(&results, switch)["distinct_hashes"],
            1,
            "{switch}"
        );
    }
    assert!(
        printed.contains("diagnosis: every fixed source gave one outcome"),
        "{printed}"
    );
}

#[test]
fn a_script_that_seeds_its_shuffle_from_the_clock_is_caught() {
    let (results, printed) = common::command_sweep(
        "command-leak",
        &example(),
        "python3 train.py --leak",
        &["--repeats", "3", "--conditions", "all-fixed,only-init"],
    );
    let leaks = common::findings(&results, "uncontrolled_randomness");
    assert_eq!(leaks.len(), 1, "{results:#}");
    assert!(leaks[0]["outcomes"].as_u64().unwrap() > 1);
    assert_eq!(
        common::condition_summary(&results, "all-fixed")["bitwise_identical"],
        false
    );
    assert!(
        printed
            .contains("something in the command draws randomness that seedscope does not control"),
        "{printed}"
    );
}

#[test]
fn a_shuffle_drawn_from_the_init_seed_is_said_to_follow_it() {
    let (results, printed) = common::command_sweep(
        "command-follows",
        &example(),
        "python3 train.py --shuffle-from-init",
        &[
            "--repeats",
            "3",
            "--conditions",
            "all-fixed,only-init,only-shuffle",
        ],
    );
    let ignored = common::findings(&results, "ignores_seed");
    assert_eq!(ignored.len(), 1, "{results:#}");
    assert_eq!(ignored[0]["source"], "shuffle");
    assert_eq!(ignored[0]["follows"], "init");
    assert!(
        printed.contains("the command ignores SEEDSCOPE_SEED_SHUFFLE")
            && printed.contains("shuffle probably follows the init seed"),
        "{printed}"
    );
}

/// What each run's process received, read back from the files `bad.py echo` leaves.
#[test]
fn each_run_receives_its_seeds_threads_gpu_switches_and_extra_environment() {
    let dir = common::temp_dir("command-echo");
    let echo = dir.join("echo");
    std::fs::create_dir(&echo).unwrap();
    let experiment = dir.join("experiment.json");
    let config = serde_json::json!({
        "name": "echo",
        "repeats": 2,
        "conditions": ["all-fixed", "only-init", "only-threads", "only-gpu"],
        "command": {
            "argv": ["python3", repo("tests/fixtures/command/bad.py"), "echo"],
            "env": {"ECHO_DIR": echo, "EXTRA_SETTING": "on"}
        }
    });
    std::fs::write(&experiment, config.to_string()).unwrap();
    let output = common::binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "7",
            "--allow-command",
            "--config",
        ])
        .arg(&experiment)
        .arg("--out")
        .arg(dir.join("results.json"))
        .args(["--gpus", "3,5", "--workers", "2"])
        .env("OMP_NUM_THREADS", "13")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let seen = |run: &str| -> Value { load(&echo.join(format!("{}.json", run.replace('/', "_")))) };
    let (fixed0, fixed1) = (seen("all-fixed/0"), seen("all-fixed/1"));
    let (init0, init1) = (seen("only-init/0"), seen("only-init/1"));
    for source in ["DATA", "SPLIT", "INIT", "DROPOUT", "SHUFFLE"] {
        let name = format!("SEEDSCOPE_SEED_{source}");
        assert!(
            fixed0[&name].as_str().unwrap().parse::<u64>().is_ok(),
            "{name}"
        );
        assert_eq!(
            fixed0[&name], fixed1[&name],
            "{name} fixed: equal in every run"
        );
        if source == "INIT" {
            assert_ne!(init0[&name], init1[&name], "free init: a seed per run");
            assert_ne!(init0[&name], fixed0[&name]);
        } else {
            assert_eq!(init0[&name], fixed0[&name], "{name}: only init moves");
        }
    }
    assert_eq!(fixed0["SEEDSCOPE_RUN"], "all-fixed/0");
    assert_eq!(fixed0["SEEDSCOPE_MASTER_SEED"], "7");
    assert_eq!(fixed0["PYTHONHASHSEED"], "0");
    assert_eq!(fixed0["EXTRA_SETTING"], "on");
    // Threads fixed: one everywhere; free: the libraries' default (seedscope's own setting
    // removed, not the 13 it inherited).
    for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
        assert_eq!(fixed0[name], "1", "{name}");
        assert!(
            seen("only-threads/0").get(name).is_none(),
            "{name} left to the library"
        );
    }
    assert_eq!(fixed0["SEEDSCOPE_THREADS"], "1");
    // Gpu fixed: deterministic kernels asked for; free: the defaults.
    assert_eq!(fixed0["SEEDSCOPE_DETERMINISTIC"], "1");
    assert_eq!(fixed0["CUBLAS_WORKSPACE_CONFIG"], ":4096:8");
    assert_eq!(fixed0["TF_DETERMINISTIC_OPS"], "1");
    assert!(
        fixed0["XLA_FLAGS"]
            .as_str()
            .unwrap()
            .contains("--xla_gpu_deterministic_ops=true")
    );
    let gpu = seen("only-gpu/0");
    assert_eq!(gpu["SEEDSCOPE_DETERMINISTIC"], "0");
    assert!(gpu.get("CUBLAS_WORKSPACE_CONFIG").is_none());
    assert_eq!(
        gpu["SEEDSCOPE_SEED_INIT"], fixed0["SEEDSCOPE_SEED_INIT"],
        "gpu is no seed"
    );
}

/// A command's `fresh_value` is its own held-out data: the table's legend and reading do not
/// call it the built-in generator's 20,000 points.
#[test]
fn a_commands_fresh_scores_are_named_as_its_own() {
    let dir = common::temp_dir("command-fresh");
    let script = repo("tests/fixtures/command/bad.py");
    let line = format!("python3 {} fresh", script.display());
    let out = dir.join("fresh.json");
    let output = run_command(
        &line,
        &dir,
        &out,
        &["--conditions", "all-fixed,only-init", "--repeats", "3"],
    );
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(
        all.contains(
            "fresh: std of the same runs scored on the command's fresh data (fresh_value)"
        ),
        "{all}"
    );
    assert!(!all.contains("20000"), "{all}");
}

/// One bad run at a time, each with the field or status named; nothing is counted from it, and
/// a sweep with no run left exits 1.
#[test]
fn a_run_that_fails_or_reports_nonsense_is_failed_and_named() {
    let dir = common::temp_dir("command-bad");
    let script = repo("tests/fixtures/command/bad.py");
    for (mode, expected) in [
        (
            "exit",
            "exited with status 3; last lines of stderr:\n  loading data\n  Traceback: something broke\n  ValueError: bad shape",
        ),
        ("nothing", "wrote no result at SEEDSCOPE_RESULT"),
        (
            "notjson",
            "its result is not a valid result: expected value",
        ),
        ("nan", "its result is not a valid result"),
        (
            "range",
            "value: 2 is not a possible accuracy; allowed: 0 to 1",
        ),
        ("lengths", "test_errors has 2 values and test_ids 3"),
        ("missing", "missing field `higher_is_better`"),
        ("huge", "larger than"),
    ] {
        let out = dir.join(format!("{mode}.json"));
        let line = format!("python3 {} {mode}", script.display());
        let output = run_command(
            &line,
            &dir,
            &out,
            &["--conditions", "all-fixed", "--repeats", "1"],
        );
        // Its one run failed: nothing to analyse, said in the exit status (the results file
        // is still written, with the reason). A sweep with some runs left exits 0 (below).
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{mode}: {all}");
        assert!(
            all.contains("every run failed (1 run): nothing to analyse"),
            "{mode}: {all}"
        );
        assert!(all.contains("failed run all-fixed/0: "), "{mode}: {all}");
        assert!(all.contains("\n1 run in "), "one run, singular: {all}");
        assert!(
            all.contains(expected),
            "{mode}: expected `{expected}` in\n{all}"
        );
        let results = load(&out);
        let run = &results["runs"][0];
        assert!(run["error"].as_str().unwrap().contains(expected), "{mode}");
        assert!(
            run["final_test_metric"].is_null(),
            "{mode}: nothing counted"
        );
        assert_eq!(
            common::condition_summary(&results, "all-fixed")["n"],
            0,
            "{mode}"
        );
    }
}

/// A script copied out of the examples, without the helper beside it, fails with Python's
/// ModuleNotFoundError: the failure says how to write the helper.
#[test]
fn a_script_without_the_helper_beside_it_is_told_how_to_write_it() {
    let dir = common::temp_dir("command-no-helper");
    std::fs::write(dir.join("train.py"), "import seedscope_run as ss\n").unwrap();
    let out = dir.join("r.json");
    let output = run_command(
        "python3 train.py",
        &dir,
        &out,
        &["--conditions", "all-fixed", "--repeats", "1"],
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("`seedscope helper python > seedscope_run.py` writes it"),
        "{all}"
    );
    let error = load(&out)["runs"][0]["error"].as_str().unwrap().to_string();
    assert!(error.contains("seedscope helper python"), "{error}");
}

#[test]
fn the_other_runs_go_on_and_only_finished_runs_are_stored() {
    let dir = common::temp_dir("command-flaky");
    let store = dir.join("runs.sqlite");
    let line = format!(
        "python3 {} flaky",
        repo("tests/fixtures/command/bad.py").display()
    );
    let output = run_command(
        &line,
        &dir,
        &dir.join("r.json"),
        &[
            "--conditions",
            "all-fixed",
            "--repeats",
            "3",
            "--store",
            store.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    let results = load(&dir.join("r.json"));
    assert_eq!(common::condition_summary(&results, "all-fixed")["n"], 2);
    assert_eq!(
        common::condition_summary(&results, "all-fixed")["failed"],
        1
    );
    // Again: the two finished runs come from the store, the failed one is tried again.
    let again = run_command(
        &line,
        &dir,
        &dir.join("r2.json"),
        &[
            "--conditions",
            "all-fixed",
            "--repeats",
            "3",
            "--store",
            store.to_str().unwrap(),
        ],
    );
    assert!(
        text(&again).contains("runs: 2 from the store"),
        "{}",
        text(&again)
    );
}

/// Whether process `pid` is gone (a zombie no one has reaped yet counts as gone).
fn is_gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Waits up to 5 s for process `pid` to be gone; panics naming `after` if it is not.
fn assert_gone_soon(pid: &str, after: &str) {
    for _ in 0..100 {
        if is_gone(pid.trim()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the command's child {} outlived {after}", pid.trim());
}

#[test]
fn a_run_past_its_time_limit_is_killed_with_everything_it_started() {
    let dir = common::temp_dir("command-hang");
    let pid_file = dir.join("child.pid");
    let line = format!(
        "python3 {} hang",
        repo("tests/fixtures/command/bad.py").display()
    );
    let started = std::time::Instant::now();
    let output = common::binary()
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--conditions",
            "all-fixed",
            "--repeats",
            "1",
        ])
        .args(["--timeout", "2", "--command", &line, "--out"])
        .arg(dir.join("r.json"))
        .env("PID_FILE", &pid_file)
        .output()
        .unwrap();
    assert!(
        started.elapsed().as_secs() < 60,
        "the watchdog ended the run"
    );
    assert!(
        text(&output).contains("did not finish within its time limit of 2 s (command.timeout_s)"),
        "{}",
        text(&output)
    );
    let pid = std::fs::read_to_string(&pid_file).expect("the command started its child");
    assert_gone_soon(&pid, "its run");
}

#[test]
fn a_command_that_floods_its_output_finishes_and_its_output_is_kept_bounded() {
    let dir = common::temp_dir("command-flood");
    let line = format!(
        "python3 {} flood",
        repo("tests/fixtures/command/bad.py").display()
    );
    let output = run_command(
        &line,
        &dir,
        &dir.join("r.json"),
        &["--conditions", "all-fixed", "--repeats", "2"],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        common::condition_summary(&load(&dir.join("r.json")), "all-fixed")["n"],
        2
    );
}

#[test]
fn a_command_that_cannot_run_is_refused_before_any_run() {
    let dir = common::temp_dir("command-refused");
    for (args, expected) in [
        (vec!["--command", "   "], "--command: is empty"),
        (
            vec!["--command", "no-such-program-xyz run"],
            "`no-such-program-xyz` was not found on PATH",
        ),
        (
            vec!["--command", "python3 'unclosed"],
            "a single quote `'` is not closed",
        ),
        (
            vec!["--command", "python3 t.py", "--workdir", "/no/such/folder"],
            "--workdir: /no/such/folder cannot be used",
        ),
        (
            vec!["--command", "python3 t.py", "--timeout", "0"],
            "--timeout: 0 is out of range",
        ),
        (
            vec!["--command", "python3 t.py", "--conditions", "nudge"],
            "`nudge` is a lesson of the built-in trainer",
        ),
    ] {
        let output = common::binary()
            .args(["run", "--seed", "1", "--out"])
            .arg(dir.join("r.json"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains(expected),
            "{args:?}: {}",
            text(&output)
        );
        assert!(!dir.join("r.json").exists(), "{args:?}: nothing written");
    }
    // The gpu source is a command's alone.
    let output = common::binary()
        .args(["run", "--seed", "1", "--conditions", "only-gpu", "--out"])
        .arg(dir.join("r.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("only a command's runs have"),
        "{}",
        text(&output)
    );
}

/// Stored and reused; an edited script is another experiment; sharded parts merge to the
/// unsharded sweep; a run replays, and refuses to once its script has changed.
#[test]
fn a_commands_runs_are_stored_sharded_merged_and_replayed() {
    let dir = common::temp_dir("command-store");
    std::fs::copy(example().join("train.py"), dir.join("train.py")).unwrap();
    std::fs::copy(
        repo("assets/command/seedscope_run.py"),
        dir.join("seedscope_run.py"),
    )
    .unwrap();
    let store = dir.join("runs.sqlite");
    let store_arg = store.to_str().unwrap().to_string();
    let conditions = "all-fixed,only-init,only-shuffle";
    let whole = dir.join("whole.json");
    let base = ["--repeats", "3", "--conditions", conditions];
    let output = run_command(
        "python3 train.py",
        &dir,
        &whole,
        &[&base[..], &["--store", &store_arg]].concat(),
    );
    assert!(output.status.success(), "{}", text(&output));
    let again = run_command(
        "python3 train.py",
        &dir,
        &dir.join("again.json"),
        &[&base[..], &["--store", &store_arg]].concat(),
    );
    assert!(
        text(&again).contains("runs: 9 from the store"),
        "{}",
        text(&again)
    );

    let mut parts = Vec::new();
    for part in ["0/2", "1/2"] {
        let path = dir.join(format!("part-{}.json", &part[..1]));
        let output = run_command(
            "python3 train.py",
            &dir,
            &path,
            &[&base[..], &["--shard", part]].concat(),
        );
        assert!(output.status.success(), "{}", text(&output));
        parts.push(path);
    }
    let merged = dir.join("merged.json");
    let output = common::binary()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let strip = |results: Value| -> Vec<Value> {
        results["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| {
                let mut run = run.clone();
                run["wall_ms"] = Value::Null;
                run
            })
            .collect()
    };
    assert_eq!(
        strip(load(&merged)),
        strip(load(&whole)),
        "merged = unsharded"
    );

    let replay = common::binary()
        .args(["replay", "--allow-command"])
        .arg(&whole)
        .args(["--run", "only-init/2"])
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", text(&replay));
    assert!(
        text(&replay).contains("replayed bit-for-bit"),
        "{}",
        text(&replay)
    );

    // Edit the script: a new experiment, and the old runs no longer replay.
    let mut script = std::fs::read_to_string(dir.join("train.py")).unwrap();
    script.push_str("\n# edited\n");
    std::fs::write(dir.join("train.py"), script).unwrap();
    let edited = run_command(
        "python3 train.py",
        &dir,
        &dir.join("edited.json"),
        &[&base[..], &["--store", &store_arg]].concat(),
    );
    assert!(
        text(&edited).contains("runs: 0 from the store"),
        "{}",
        text(&edited)
    );
    let replay = common::binary()
        .args(["replay", "--allow-command"])
        .arg(&whole)
        .args(["--run", "only-init/2"])
        .output()
        .unwrap();
    assert!(!replay.status.success());
    assert!(
        text(&replay).contains("train.py has changed since run only-init/2 was recorded"),
        "{}",
        text(&replay)
    );
}

#[test]
fn the_helper_the_cli_prints_is_the_one_in_the_repository() {
    let output = common::binary()
        .args(["helper", "python"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        std::fs::read_to_string(repo("assets/command/seedscope_run.py")).unwrap()
    );
}

/// Cancel ends every run in flight, with whatever it started, and records none of them.
#[test]
fn cancel_ends_the_commands_in_flight_and_their_children() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = common::temp_dir("command-cancel");
    let pid_file = dir.join("child.pid");
    let line = format!("sh -c 'sleep 300 & echo $! > {}; wait'", pid_file.display());
    let command = seedscope::engine::command::CommandConfig::from_command_line(&line)
        .unwrap()
        .resolve(&dir)
        .unwrap();
    let mut config = seedscope::engine::config::ExperimentConfig::for_command(command);
    config.conditions = vec![seedscope::engine::seeds::Condition::ALL_FIXED];
    config.repeats = 1;
    let spec = seedscope::engine::sweep::SweepSpec::new(config, 1, 1);
    let cancel = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !pid_file.exists() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            cancel.store(true, Ordering::Relaxed);
        });
        seedscope::engine::sweep::run_sweep(&spec, &cancel, &mut |_| {})
    });
    assert!(started.elapsed().as_secs() < 30, "cancel ended the run");
    assert!(outcome.cancelled);
    assert!(outcome.runs.is_empty(), "a cancelled run is not recorded");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert_gone_soon(&pid, "the cancel");
}
