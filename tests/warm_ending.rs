//! A warm run ends as a cold one would (issue 47): the same error for an exit code, an
//! uncaught exception and a crash; the same result from a script that finishes its work in a
//! thread or an atexit function; and nothing it started outlives it — whatever escaped, at
//! the end of the run, at its time limit, or when seedscope is interrupted.

mod common;

use common::processes::{mark, marked, survivors};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warm")
}

/// `seedscope run --command LINE` on the fixtures, marked, with a TMPDIR of its own (in the
/// test's folder, to find what it left there), warm or cold.
fn seedscope_run(
    folder: &Path,
    mark: &str,
    line: &str,
    warm: bool,
    args: &[&str],
) -> std::process::Command {
    let tmp = folder.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut command = common::binary();
    command
        .env("SUPERVISION_MARK", mark)
        .env("TMPDIR", &tmp)
        .args(["run", "--seed", "1", "--command", line, "--workdir"])
        .arg(fixtures())
        .arg("--out")
        .arg(folder.join(format!("results-{warm}.json")))
        .args(args);
    if warm {
        command.arg("--warm");
    }
    command
}

/// What seedscope left in its TMPDIR: run folders, warm parents' socket folders.
fn left_in_tmp(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder.join("tmp"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("seedscope-"))
        .collect()
}

/// Each run's error (or its weights hash when it succeeded), in run order.
fn endings(folder: &Path, warm: bool) -> Vec<String> {
    let text = std::fs::read_to_string(folder.join(format!("results-{warm}.json"))).unwrap();
    let results: serde_json::Value = serde_json::from_str(&text).unwrap();
    results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| match run["error"].as_str() {
            Some(error) => format!("error: {error}"),
            None => format!("hash: {}", run["weights_hash"]),
        })
        .collect()
}

#[test]
fn every_way_a_script_ends_reads_the_same_warm_and_cold() {
    // (command line, what the cold run must say)
    let cases = [
        ("python3 ending.py exit3", "exited with status 3"),
        ("python3 ending.py raise", "ValueError: the seed was bad"),
        ("python3 ending.py segv", "killed by signal 11"),
        ("python3 ending.py file", "hash: \""),
        ("python3 ending.py thread", "hash: "),
        ("python3 ending.py atexit", "hash: "),
        ("python3 broken.py", "SyntaxError: '(' was never closed"),
        ("python3 no_such_script.py", "can't open file"),
    ];
    for (line, expected) in cases {
        let how = line.replace(' ', "-");
        let folder = common::temp_dir(&format!("warm-ending-{how}"));
        let mark = mark(&how);
        let mut said_by = Vec::new();
        for warm in [false, true] {
            let output = seedscope_run(
                &folder,
                &mark,
                line,
                warm,
                &["--repeats", "1", "--conditions", "all-fixed", "--quiet"],
            )
            .output()
            .unwrap();
            let text = common::said(&output);
            assert!(!text.contains("warm start unavailable"), "{text}");
            said_by.push(endings(&folder, warm));
        }
        let [cold, warm] = [&said_by[0], &said_by[1]];
        assert!(cold[0].contains(expected), "{line}: cold said {cold:?}");
        assert_eq!(warm, cold, "{line}: warm and cold runs ended differently");
        assert_eq!(survivors(&mark), Vec::<u32>::new(), "{line}");
    }
}

#[test]
fn what_a_warm_run_leaves_behind_ends_with_it() {
    let folder = common::temp_dir("warm-escape");
    let mark = mark("warm-escape");
    let output = seedscope_run(
        &folder,
        &mark,
        "python3 escape.py",
        true,
        &["--repeats", "3", "--conditions", "all-fixed", "--quiet"],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", common::said(&output));
    assert_eq!(endings(&folder, true).len(), 3);
    assert_eq!(
        survivors(&mark),
        Vec::<u32>::new(),
        "what a warm run left outlived it"
    );
    assert_eq!(left_in_tmp(&folder), Vec::<String>::new());
}

#[test]
fn a_warm_run_past_its_time_limit_ends_as_a_cold_one() {
    let folder = common::temp_dir("warm-timeout");
    let mark = mark("warm-timeout");
    for warm in [false, true] {
        let started = Instant::now();
        let output = seedscope_run(
            &folder,
            &mark,
            "python3 escape.py slow",
            warm,
            &[
                "--timeout",
                "1",
                "--repeats",
                "1",
                "--conditions",
                "all-fixed",
            ],
        )
        .output()
        .unwrap();
        let took = started.elapsed();
        let text = common::said(&output);
        assert!(
            took < Duration::from_secs(8),
            "warm = {warm}: took {took:?}, the limit was 1 s: {text}"
        );
        assert!(text.contains("time limit of 1 s"), "{text}");
        assert_eq!(survivors(&mark), Vec::<u32>::new(), "warm = {warm}");
    }
    assert_eq!(endings(&folder, true), endings(&folder, false));
    assert_eq!(left_in_tmp(&folder), Vec::<String>::new());
}

#[test]
fn an_interrupted_warm_sweep_leaves_nothing_running() {
    let folder = common::temp_dir("warm-interrupt");
    let mark = mark("warm-interrupt");
    let mut command = seedscope_run(
        &folder,
        &mark,
        "python3 escape.py slow",
        true,
        &[
            "--workers",
            "2",
            "--repeats",
            "3",
            "--conditions",
            "all-fixed",
        ],
    );
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // seedscope, two parents, and per run the script, its setsid sleep and its forked worker.
    let started = Instant::now();
    let mut seen = 0;
    while seen < 9 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
        seen = marked(&mark).len();
    }
    assert!(seen >= 9, "the warm runs did not start: {seen} processes");
    // SAFETY: kill has no memory-safety preconditions; the pid is our own child's.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    let text = common::said(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted by"), "{text}");
    assert_eq!(
        survivors(&mark),
        Vec::<u32>::new(),
        "processes outlived seedscope"
    );
    assert_eq!(left_in_tmp(&folder), Vec::<String>::new());
}
