//! Running one run of a Python script warm (issue 47): forked by a [`WarmParent`] that has
//! imported the script's heavy modules, and then supervised exactly as a cold run is
//! ([`super::process`]): its own process group, the run's token in its environment, its
//! output kept bounded, the same watchdog for the time limit, Cancel and signals, and its
//! whole tree killed at the end. What differs is only how it starts and how its exit is
//! learnt (the parent reports it; the parent reaps it once the group is ended). A forked
//! child's `/proc/PID/environ` is the parent's, so descendants it forks without exec carry
//! the parent's token, not the run's: both tokens are killed, the parent spared.

use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::mpsc;
use std::time::Duration;

use super::capture::LineSplitter;
use super::env::RunEnvironment;
use super::process::{Finished, RunError, Scan, finish, keep_tail, kill_group, wait_for};
use super::tree;
use super::warm_parent::{WarmExit, WarmParent};

/// Runs `argv` (`python3 script.py ARGS…`: the interpreter is the parent's, the rest is the
/// child's `sys.argv`) in `workdir` with `environment`, as [`super::process::run`] would.
pub fn run_warm(
    parent: &WarmParent,
    argv: &[String],
    workdir: &Path,
    environment: &RunEnvironment,
    (timeout, scan): (Duration, Scan),
    cancel: &dyn Fn() -> bool,
) -> Result<Finished, RunError> {
    let program = argv.first().cloned().unwrap_or_default();
    let not_started = |reason: String| RunError::NotStarted {
        program: crate::engine::files::escape(&program),
        reason,
    };
    let token = tree::new_token();
    // The environment a cold run would get: seedscope's, less what the run removes, plus
    // what it sets and the run's token.
    let mut variables = environment.variables();
    variables.insert(tree::TOKEN_VARIABLE.to_string(), token.clone());
    let cwd = std::env::current_dir()
        .map(|here| here.join(workdir))
        .map_err(|e| not_started(format!("the working folder is unknown: {e}")))?;
    let (stdout_read, stdout_write) =
        std::io::pipe().map_err(|e| not_started(format!("no pipe for its output: {e}")))?;
    let (stderr_read, stderr_write) =
        std::io::pipe().map_err(|e| not_started(format!("no pipe for its output: {e}")))?;
    let mut child = parent
        .launch(
            &argv[1..],
            &variables,
            &cwd,
            (stdout_write.as_fd(), stderr_write.as_fd()),
        )
        .map_err(|e| not_started(e.to_string()))?;
    // Only the child holds the write ends now: the streams close when it (and whatever it
    // started) is gone.
    drop((stdout_write, stderr_write));
    let pid = child.pid;
    let stdout = Some(keep_tail(stdout_read, scan.stdout.map(LineSplitter::new)));
    let stderr = Some(keep_tail(stderr_read, scan.stderr.map(LineSplitter::new)));
    let (exited, exit) = mpsc::channel::<()>();
    let watcher = std::thread::spawn(move || {
        let status = child.wait_exit();
        let _ = exited.send(());
        (status, child)
    });
    let ending = wait_for(&exit, timeout, cancel);
    kill_group(pid);
    tree::kill_all_with_token(&token, pid);
    tree::kill_all_with_token_sparing(&parent.token, pid, Some(parent.pid()));
    let (status, child) = watcher
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    // Closing the connection lets the parent reap the child, now that its group is ended.
    drop(child);
    let status = status
        .map(|exit| match exit {
            WarmExit::Code(code) => ExitStatus::from_raw((code & 0xff) << 8),
            WarmExit::Signal(signal) => ExitStatus::from_raw(signal & 0x7f),
        })
        .map_err(|e| std::io::Error::other(e.to_string()));
    finish(ending, status, (stdout, stderr), &program, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::command::warm_parent::Preload;
    use std::collections::BTreeMap;

    fn parent_for(script: &Path) -> WarmParent {
        let environment: BTreeMap<String, String> = std::env::vars().collect();
        WarmParent::start("python3", &environment, Preload::ImportsOf(script)).unwrap()
    }

    fn script(folder: &Path, text: &str) -> std::path::PathBuf {
        let path = folder.join("script.py");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn setting(pairs: &[(&str, &str)]) -> RunEnvironment {
        RunEnvironment {
            set: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            remove: Vec::new(),
            threads: 1,
        }
    }

    /// A warm run finishes with the script's exit status and output, its environment set.
    #[test]
    fn a_warm_run_ends_as_a_cold_one() {
        let folder = tempfile::tempdir().unwrap();
        let path = script(
            folder.path(),
            "import os, sys\nprint('seed', os.environ['SEEDSCOPE_SEED_INIT'])\n\
             print('oops', file=sys.stderr)\nsys.exit(4)\n",
        );
        let parent = parent_for(&path);
        let argv = vec!["python3".to_string(), path.display().to_string()];
        let finished = run_warm(
            &parent,
            &argv,
            folder.path(),
            &setting(&[("SEEDSCOPE_SEED_INIT", "17")]),
            (Duration::from_secs(30), Scan::default()),
            &|| false,
        )
        .unwrap();
        assert_eq!(finished.status.code(), Some(4));
        assert_eq!(finished.stdout_tail.trim(), "seed 17");
        assert!(finished.failure_text().contains("oops"));
    }

    /// The time limit and Cancel end a warm run as they end a cold one, and the parent
    /// serves the next run.
    #[test]
    fn the_time_limit_and_cancel_end_a_warm_run() {
        let folder = tempfile::tempdir().unwrap();
        let path = script(folder.path(), "import time\ntime.sleep(60)\n");
        let parent = parent_for(&path);
        let argv = vec!["python3".to_string(), path.display().to_string()];
        let started = std::time::Instant::now();
        let timed_out = run_warm(
            &parent,
            &argv,
            folder.path(),
            &setting(&[]),
            (Duration::from_millis(500), Scan::default()),
            &|| false,
        );
        assert!(matches!(timed_out, Err(RunError::TimedOut { .. })));
        let cancelled = run_warm(
            &parent,
            &argv,
            folder.path(),
            &setting(&[]),
            (Duration::from_secs(60), Scan::default()),
            &|| started.elapsed() > Duration::from_secs(1),
        );
        assert!(matches!(cancelled, Err(RunError::Cancelled)));
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}
