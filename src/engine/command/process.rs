//! Running one command: in its own process group (so the terminal's Ctrl-C reaches seedscope,
//! which ends the run itself), its whole tree ended with it ([`super::tree`]: every process
//! that carries the run's token, however it detached), its stdout and stderr read on threads
//! into bounded buffers (a command that floods its output cannot grow seedscope's memory), and
//! its exit awaited by a watchdog rather than a blocking wait.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::capture::{LineScanner, LineSplitter};
use super::env::RunEnvironment;
use super::{interrupt, tree};

/// The metric pattern each output stream is matched against, line by line (none: kept only).
#[derive(Clone, Default)]
pub struct Scan {
    pub stdout: Option<std::sync::Arc<LineScanner>>,
    pub stderr: Option<std::sync::Arc<LineScanner>>,
}

/// Bytes of a stream kept: its last ones.
pub const KEPT_OUTPUT_BYTES: usize = 16 * 1024;

/// Lines of stderr a failed run's message quotes.
pub const QUOTED_STDERR_LINES: usize = 8;

/// How often a waiting run checks for Cancel.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// How long the end of a run waits for its output streams to close once its tree is killed.
/// Only a process that escaped the token (it cleared its environment) can hold them longer;
/// the run does not wait for it.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// The sweep was cancelled while this run was in flight: its process group was ended, and
/// the run is not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Why a run ended without an exit status to judge.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the command `{program}` could not be started: {reason}")]
    NotStarted { program: String, reason: String },
    #[error(
        "the command did not finish within its time limit of {seconds} s (command.timeout_s); it and every process it started were killed{tail}"
    )]
    TimedOut { seconds: f64, tail: String },
    #[error("cancelled")]
    Cancelled,
}

/// A command that exited.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout_tail: String,
    pub stderr_tail: String,
}

impl Finished {
    /// Why an unsuccessful exit failed the run, with the end of its stderr.
    pub fn failure_text(&self) -> String {
        let how = match (self.status.code(), self.status.signal()) {
            (Some(code), _) => format!("the command exited with status {code}"),
            (None, Some(signal)) => format!("the command was killed by signal {signal}"),
            (None, None) => "the command ended abnormally".to_string(),
        };
        let hint = helper_missing_hint(&self.stderr_tail).unwrap_or_default();
        format!("{how}{}{hint}", self.stderr_tail_for_message())
    }

    /// The last lines of stderr, as a message's tail (empty when there was none).
    pub fn stderr_tail_for_message(&self) -> String {
        tail_for_message(&self.stderr_tail)
    }
}

/// A script that imports seedscope's helper fails at once where the helper was not written
/// beside it (a script copied out of the examples, or run from another folder): say how to
/// write it, which Python's ModuleNotFoundError cannot.
fn helper_missing_hint(stderr: &str) -> Option<&'static str> {
    stderr
        .contains("No module named 'seedscope_run'")
        .then_some(
            "\n  the script imports seedscope's helper, which is not on its path: \
         `seedscope helper python > seedscope_run.py` writes it; put it beside the script \
         (or in --workdir)",
        )
}

pub(super) fn tail_for_message(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(QUOTED_STDERR_LINES);
    let quoted: Vec<String> = lines[start..]
        .iter()
        .map(|line| crate::engine::files::escape(line))
        .collect();
    format!("; last lines of stderr:\n  {}", quoted.join("\n  "))
}

/// The last [`KEPT_OUTPUT_BYTES`] of a stream, read to its end on a thread and sent when the
/// stream closes; every line also goes to `lines` as it arrives (a metric pattern).
pub(super) fn keep_tail(
    mut stream: impl Read + Send + 'static,
    mut lines: Option<LineSplitter>,
) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept: Vec<u8> = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Some(lines) = lines.as_mut() {
                        lines.feed(&chunk[..n]);
                    }
                    kept.extend_from_slice(&chunk[..n]);
                    if kept.len() > 2 * KEPT_OUTPUT_BYTES {
                        kept.drain(..kept.len() - KEPT_OUTPUT_BYTES);
                    }
                }
            }
        }
        if let Some(lines) = lines.as_mut() {
            lines.end();
        }
        if kept.len() > KEPT_OUTPUT_BYTES {
            kept.drain(..kept.len() - KEPT_OUTPUT_BYTES);
        }
        let _ = sender.send(String::from_utf8_lossy(&kept).into_owned());
    });
    receiver
}

/// Ends every process of the group `leader` leads (the command and whatever it started).
pub(super) fn kill_group(leader: u32) {
    let Ok(group) = libc::pid_t::try_from(leader) else {
        return;
    };
    // SAFETY: kill has no memory-safety preconditions. A negative pid names the process group
    // the command leads (it was started with `process_group(0)`); the leader is not reaped
    // yet (see `wait_without_reaping`), so the group id cannot have been reused. ESRCH (no
    // process left in the group) is harmless.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
}

/// Blocks until process `pid` has exited, leaving it a zombie (not reaped): its process
/// group id stays reserved until `Child::wait` reaps it, so the group can still be killed.
fn wait_without_reaping(pid: u32) {
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-structure for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes only into `info`, which lives for the call; WNOWAIT leaves
        // the child for `Child::wait` to reap.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// How the wait for a run ended.
pub(super) enum Ending {
    Exited,
    TimedOut,
    Cancelled,
}

/// Runs `argv` in `workdir` with `environment`, until it exits, `timeout` passes, `cancel`
/// says stop, or a signal arrived ([`interrupt`]).
pub fn run(
    argv: &[String],
    workdir: &Path,
    environment: &RunEnvironment,
    (timeout, scan): (Duration, Scan),
    cancel: &dyn Fn() -> bool,
) -> Result<Finished, RunError> {
    let program = argv.first().cloned().unwrap_or_default();
    let token = tree::new_token();
    let mut command = Command::new(&program);
    command
        .args(&argv[1..])
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for name in &environment.remove {
        command.env_remove(name);
    }
    command.envs(environment.set.iter().map(|(k, v)| (k, v)));
    command.env(tree::TOKEN_VARIABLE, &token);
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec and makes only
    // async-signal-safe system calls (prctl, getppid, _exit); it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            // A seedscope killed outright takes the command with it. (The death of the thread
            // that started it counts: that thread waits for the run, so outlives it.)
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if libc::getppid() as u32 != parent {
                // seedscope died between fork and prctl: the signal will never come.
                libc::_exit(137);
            }
            Ok(())
        });
    }
    let mut child: Child = tree::spawn_leader(|| command.spawn(), Child::id).map_err(|error| {
        RunError::NotStarted {
            program: crate::engine::files::escape(&program),
            reason: super::not_started::reason(&program, workdir, environment, &error),
        }
    })?;
    let pid = child.id();
    let stdout = child
        .stdout
        .take()
        .map(|s| keep_tail(s, scan.stdout.map(LineSplitter::new)));
    let stderr = child
        .stderr
        .take()
        .map(|s| keep_tail(s, scan.stderr.map(LineSplitter::new)));
    // A thread blocked in waitid returns the moment the command exits: no poll interval is
    // added to a run's time.
    let (exited, exit) = mpsc::channel::<()>();
    let watcher = std::thread::spawn(move || {
        wait_without_reaping(pid);
        let _ = exited.send(());
    });
    let ending = wait_for(&exit, timeout, cancel);
    // Whatever happened, nothing the command started outlives its run: a background child
    // would hold the output pipes open and keep running after seedscope has moved on. The
    // group first (one signal), then every process with the run's token, however it left.
    kill_group(pid);
    tree::kill_all_with_token(&token, pid);
    let status = child.wait();
    tree::leader_reaped(pid);
    let _ = watcher.join();
    finish(ending, status, (stdout, stderr), &program, timeout)
}

/// Waits until `exit` says the run exited (or its sender is gone), `timeout` passes, `cancel`
/// says stop, or a signal arrived ([`interrupt`]).
pub(super) fn wait_for<T>(
    exit: &mpsc::Receiver<T>,
    timeout: Duration,
    cancel: &dyn Fn() -> bool,
) -> Ending {
    let started = std::time::Instant::now();
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Ending::TimedOut;
        }
        match exit.recv_timeout(left.min(CANCEL_POLL)) {
            Ok(_) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ending::Exited,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if cancel() || interrupt::requested() {
                    return Ending::Cancelled;
                }
            }
        }
    }
}

/// What a run's end says: its output's tails (each stream given until [`OUTPUT_GRACE`] to
/// close), and its exit status, time limit or cancellation. Shared by cold and warm runs.
pub(super) fn finish(
    ending: Ending,
    status: std::io::Result<ExitStatus>,
    (stdout, stderr): (
        Option<mpsc::Receiver<String>>,
        Option<mpsc::Receiver<String>>,
    ),
    program: &str,
    timeout: Duration,
) -> Result<Finished, RunError> {
    let deadline = std::time::Instant::now() + OUTPUT_GRACE;
    let collect = |stream: Option<mpsc::Receiver<String>>| {
        stream
            .and_then(|r| {
                r.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
                    .ok()
            })
            .unwrap_or_default()
    };
    let stdout_tail = collect(stdout);
    let stderr_tail = collect(stderr);
    match ending {
        Ending::Cancelled => Err(RunError::Cancelled),
        Ending::TimedOut => Err(RunError::TimedOut {
            seconds: timeout.as_secs_f64(),
            tail: tail_for_message(&stderr_tail),
        }),
        Ending::Exited => match status {
            Ok(status) => Ok(Finished {
                status,
                stdout_tail,
                stderr_tail,
            }),
            Err(error) => Err(RunError::NotStarted {
                program: crate::engine::files::escape(program),
                reason: format!("its exit status could not be read: {error}"),
            }),
        },
    }
}
