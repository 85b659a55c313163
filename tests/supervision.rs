//! seedscope as a process supervisor (docs/your-command.md "What seedscope
//! guarantees"): no process a run starts outlives the run, its time limit, a signal to
//! seedscope, or seedscope itself — however it detached (setsid, a daemon's double fork).
//!
//! Survivors are found as a user would find them with `ps`: every test gives seedscope an
//! environment variable of its own (`SUPERVISION_MARK=<unique>`), which every process the
//! commands start inherits; afterwards no live process may carry it.

mod common;

use common::processes::{mark, marked, survivors};

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A script that writes a result, after starting what the test asks for.
fn script(folder: &Path, name: &str, before_result: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\n{before_result}\nprintf '{{\"metric\":\"accuracy\",\"value\":0.5,\"higher_is_better\":true}}' > \"$SEEDSCOPE_RESULT\"\n"
        ),
    )
    .unwrap();
    path
}

/// `seedscope run --command LINE` with the mark, in `folder`, its TMPDIR a folder of its own.
fn seedscope_run(folder: &Path, mark: &str, line: &str, args: &[&str]) -> std::process::Command {
    let tmp = folder.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut command = common::binary();
    command
        .current_dir(folder)
        .env("SUPERVISION_MARK", mark)
        .env("TMPDIR", &tmp)
        .args(["run", "--seed", "1", "--command", line, "--out"])
        .arg(folder.join("results.json"))
        .args(args);
    command
}

fn leftover_result_folders(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder.join("tmp"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("seedscope-run-"))
        .collect()
}

#[test]
fn a_grandchild_that_left_the_group_cannot_hold_a_run_past_its_time_limit() {
    let folder = common::temp_dir("supervision-timeout");
    let mark = mark("timeout");
    script(&folder, "slow.sh", "setsid sleep 20 &\nsleep 15");
    let started = Instant::now();
    let output = seedscope_run(
        &folder,
        &mark,
        "sh slow.sh",
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
    let text = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        took < Duration::from_secs(6),
        "the run took {took:?}, its limit was 1 s: {text}"
    );
    assert!(text.contains("time limit of 1 s"), "{text}");
    assert_eq!(
        survivors(&mark),
        Vec::<u32>::new(),
        "processes outlived the run"
    );
    assert!(leftover_result_folders(&folder).is_empty());
}

#[test]
fn a_daemon_started_by_a_finished_run_ends_with_the_run() {
    let folder = common::temp_dir("supervision-daemon");
    let mark = mark("daemon");
    // The classic detach: a subshell that starts a new session and leaves, its child orphaned.
    script(
        &folder,
        "daemon.sh",
        "(setsid sh -c 'sleep 30 & sleep 30' </dev/null >/dev/null 2>&1 &)",
    );
    let output = seedscope_run(
        &folder,
        &mark,
        "sh daemon.sh",
        &["--repeats", "2", "--conditions", "all-fixed", "--quiet"],
    )
    .output()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        survivors(&mark),
        Vec::<u32>::new(),
        "a daemon outlived its run"
    );
}

/// Starts a sweep of slow commands (each with a setsid grandchild) on two workers, and waits
/// until both are running.
fn slow_sweep(test: &str) -> (Child, String, PathBuf) {
    let folder = common::temp_dir(test);
    let mark = mark(test);
    script(&folder, "slow.sh", "setsid sleep 60 &\nsleep 60");
    let mut command = seedscope_run(
        &folder,
        &mark,
        "sh slow.sh",
        &[
            "--workers",
            "2",
            "--repeats",
            "3",
            "--conditions",
            "all-fixed",
        ],
    );
    // A group of its own, as a shell's job: the terminal's Ctrl-C signals the whole group.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // seedscope, and two commands, each a sh, its sleep and its setsid sleep.
    while marked(&mark).len() < 7 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(marked(&mark).len() >= 7, "the sweep did not start its runs");
    (child, mark, folder)
}

fn signal_ends_every_run(test: &str, signal: libc::c_int, whole_group: bool, code: i32) {
    let (child, mark, folder) = slow_sweep(test);
    let pid = child.id() as libc::pid_t;
    let target = if whole_group { -pid } else { pid };
    // SAFETY: kill has no memory-safety preconditions; the pid (or group) is our own child's.
    unsafe {
        libc::kill(target, signal);
    }
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "seedscope took {:?} to stop",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains("interrupted by"), "{stderr}");
    assert_eq!(
        survivors(&mark),
        Vec::<u32>::new(),
        "processes outlived seedscope"
    );
    assert!(
        leftover_result_folders(&folder).is_empty(),
        "result folders left behind"
    );
}

#[test]
fn ctrl_c_ends_every_run_and_everything_it_started() {
    signal_ends_every_run("supervision-ctrl-c", libc::SIGINT, true, 130);
}

#[test]
fn sigint_to_seedscope_alone_ends_every_run() {
    signal_ends_every_run("supervision-sigint", libc::SIGINT, false, 130);
}

#[test]
fn sigterm_ends_every_run() {
    signal_ends_every_run("supervision-sigterm", libc::SIGTERM, false, 143);
}

#[test]
fn sighup_ends_every_run() {
    signal_ends_every_run("supervision-sighup", libc::SIGHUP, false, 129);
}

/// SIGKILL cannot be caught: the commands seedscope started directly die with it (the
/// kernel's parent-death signal). What they detached survives (docs/your-command.md).
#[test]
fn a_killed_seedscope_takes_its_commands_with_it() {
    let folder = common::temp_dir("supervision-sigkill");
    let mark = mark("sigkill");
    script(&folder, "slow.sh", "exec sleep 60");
    let mut child = seedscope_run(
        &folder,
        &mark,
        "sh slow.sh",
        &[
            "--workers",
            "2",
            "--repeats",
            "2",
            "--conditions",
            "all-fixed",
            "--quiet",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let started = Instant::now();
    // seedscope and its two commands.
    while marked(&mark).len() < 3 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(marked(&mark).len(), 3);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(survivors(&mark), Vec::<u32>::new());
}
