//! A run's whole process tree, not just its process group (docs/your-command.md, "What seedscope
//! guarantees"): a command that starts `setsid sleep 1000 &`, forks a daemon, or calls
//! `os.setpgrp()` leaves the group that Cancel and the time limit kill. Slurm and systemd track
//! such a job by cgroup; a user's seedscope seldom may create cgroups, so a run is tracked the way
//! a user would find it with `ps`: every process a run starts carries the run's token in its
//! environment ([`TOKEN_VARIABLE`], inherited through fork and exec), and at the run's end every
//! process that carries it is killed, until none is left.
//!
//! Two kernel features close the gaps a token leaves:
//! - the seedscope binary makes itself a child subreaper ([`become_subreaper`]): a process
//!   orphaned by its parent's death is re-parented to seedscope rather than to init, so it
//!   stays in reach (and its zombie is reaped here, not left behind);
//! - every command is started with `PR_SET_PDEATHSIG`, so a seedscope killed outright (SIGKILL,
//!   which no program can catch) takes its commands with it.
//!
//! What survives a SIGKILL of seedscope: a grandchild that left the command's process (setsid,
//! a daemon) — nothing is left alive in seedscope to find it. docs/your-command.md says so.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The environment variable every process of a run inherits: its token, unique to the run.
pub const TOKEN_VARIABLE: &str = "SEEDSCOPE_RUN_TOKEN";

/// Rounds of "find every process with the token, kill it" before giving up on a process
/// that keeps forking faster than it is killed (each round stops what it finds first).
const KILL_ROUNDS: usize = 200;

/// Empty scans in a row that end the killing once there was reason to doubt one (see
/// [`kill_all_with_token`]).
const CONFIRMING_SCANS: usize = 3;

/// Whether this process reaps orphans re-parented to it (the binary; not a test harness,
/// whose own children a stray reap could steal).
static SUBREAPER: AtomicBool = AtomicBool::new(false);

/// The pids of the commands seedscope started and has not yet reaped: the zombies that are
/// not orphans. Spawning holds the lock until the new pid is in, so a reap never sees a
/// command's zombie before it is known.
static LEADERS: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

/// A new token for one run: the process, a counter and the clock, so that two seedscopes (or
/// two runs of one) never share one.
pub fn new_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes this process the child subreaper of everything it starts (Linux 3.4+): orphans of a
/// command come back to seedscope instead of init. Called once by the binary at start-up.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if rc == 0 {
        SUBREAPER.store(true, Ordering::Relaxed);
    }
}

/// Runs `spawn` holding the leaders' lock and records the pid it returns, so that
/// [`reap_orphans`] can tell a command's zombie (its status still to be read) from an orphan's.
pub fn spawn_leader<T>(
    spawn: impl FnOnce() -> std::io::Result<T>,
    pid_of: impl Fn(&T) -> u32,
) -> std::io::Result<T> {
    let mut leaders = LEADERS.lock().unwrap_or_else(|e| e.into_inner());
    let spawned = spawn()?;
    leaders
        .get_or_insert_with(HashSet::new)
        .insert(pid_of(&spawned));
    Ok(spawned)
}

/// Forgets a leader once its status has been read.
pub fn leader_reaped(pid: u32) {
    let mut leaders = LEADERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(set) = leaders.as_mut() {
        set.remove(&pid);
    }
}

/// How many commands are running now (started and not yet reaped), in this process.
pub fn running() -> usize {
    LEADERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map_or(0, HashSet::len)
}

/// Kills every process that carries `token`, round after round, until none is left alive:
/// a process that forks while being killed leaves children with the token, found next round.
/// `leader` is the run's first process: only processes created after it can carry its token,
/// so only pids above it are read (all of them once pids have wrapped around). Returns how
/// many processes were killed.
pub fn kill_all_with_token(token: &str, leader: u32) -> usize {
    kill_all_with_token_sparing(token, leader, None)
}

/// [`kill_all_with_token`], sparing one process that carries the token too: a warm parent,
/// whose token marks the children it forked (their `/proc/PID/environ` is the parent's, not
/// the environment the child set for its run).
pub fn kill_all_with_token_sparing(token: &str, leader: u32, spared: Option<u32>) -> usize {
    let needle = format!("{TOKEN_VARIABLE}={token}");
    let mut killed = 0;
    // A process caught in the middle of an exec reads an empty environment for an instant,
    // and would slip through one empty scan: once anything was found (or orphans of ours are
    // alive), the scan must come back empty this many times in a row.
    let mut quiet = 0;
    for _ in 0..KILL_ROUNDS {
        let mut found = processes_with_since(&needle, leader);
        found.retain(|&pid| Some(pid as u32) != spared);
        if found.is_empty() {
            let doubtful = killed > 0 || living_orphans();
            if !doubtful || quiet >= CONFIRMING_SCANS {
                break;
            }
            quiet += 1;
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        quiet = 0;
        for &pid in &found {
            // SAFETY: kill has no memory-safety preconditions. The pid was read from /proc an
            // instant ago with the run's token in its environment; ESRCH (gone since) is
            // harmless, and a reused pid would have to carry this run's token to be read.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        killed += found.len();
        // A killed process is gone from the scan once the kernel has torn it down (a zombie's
        // environment reads empty); give it a moment before the next round.
        std::thread::sleep(Duration::from_millis(2));
    }
    reap_orphans();
    killed
}

/// Whether a process re-parented to this one is alive (not a zombie, not a command still to
/// be awaited): an orphan of some run, maybe one whose environment could not be read yet.
/// Outside a subreaper orphans are not ours to see, so the answer is "maybe": yes.
fn living_orphans() -> bool {
    if !SUBREAPER.load(Ordering::Relaxed) {
        return true;
    }
    let leaders = LEADERS.lock().unwrap_or_else(|e| e.into_inner());
    children().into_iter().any(|pid| {
        let leader = leaders
            .as_ref()
            .is_some_and(|set| set.contains(&(pid as u32)));
        !leader && !is_zombie(pid)
    })
}

/// Whether `pid` has exited and waits to be reaped (its state in /proc/PID/stat, read past
/// the name, which may hold spaces and parentheses).
fn is_zombie(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next())
            .is_none_or(|state| state == "Z" || state == "X")
    })
}

/// Reads the status of every zombie re-parented to this process that is not a command still
/// to be awaited — an orphan that died (by [`kill_all_with_token`] or on its own). Only in a
/// subreaper: elsewhere orphans go to init.
pub fn reap_orphans() {
    if !SUBREAPER.load(Ordering::Relaxed) {
        return;
    }
    let leaders = LEADERS.lock().unwrap_or_else(|e| e.into_inner());
    for pid in children() {
        let leader = leaders
            .as_ref()
            .is_some_and(|set| set.contains(&(pid as u32)));
        if leader {
            continue;
        }
        let mut status = 0;
        // SAFETY: waitpid writes only `status`; WNOHANG never blocks. The pid is this
        // process's child and no command of ours (those are in `leaders`, locked).
        unsafe {
            libc::waitpid(pid, &mut status, libc::WNOHANG);
        }
    }
}

/// The pids of /proc.
fn all_pids() -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// This process's children, from every thread's `children` list (an orphan is re-parented to
/// any thread of its subreaper): a few small reads, where a scan of /proc reads every process.
fn children() -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for task in tasks.flatten() {
        if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
            found.extend(
                list.split_whitespace()
                    .filter_map(|p| p.parse::<libc::pid_t>().ok()),
            );
        }
    }
    found
}

/// The pid the kernel handed out last (in this pid namespace), if it says.
fn last_pid() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Every live process (of this user: others' environments cannot be read) whose environment
/// holds `entry` (`NAME=value`) exactly.
pub fn processes_with(entry: &str) -> Vec<libc::pid_t> {
    processes_with_since(entry, 0)
}

/// [`processes_with`], reading only the processes created since `first` (pids from `first`
/// up, while pids have not wrapped around since: then every one).
fn processes_with_since(entry: &str, first: u32) -> Vec<libc::pid_t> {
    let me = std::process::id() as libc::pid_t;
    let wrapped = last_pid().is_none_or(|last| last < first);
    let from = if wrapped { 0 } else { first as libc::pid_t };
    all_pids()
        .into_iter()
        .filter(|&pid| pid >= from && pid != me && environment_holds(pid, entry.as_bytes()))
        .collect()
}

fn environment_holds(pid: libc::pid_t, entry: &[u8]) -> bool {
    let Ok(mut file) = std::fs::File::open(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let mut environment = Vec::new();
    if file.read_to_end(&mut environment).is_err() {
        return false;
    }
    environment.split(|&b| b == 0).any(|item| item == entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// A grandchild that left the command's process group (setsid) is found by its token and
    /// killed; nothing with the token is alive afterwards.
    #[test]
    fn a_grandchild_that_left_the_group_is_found_by_token_and_killed() {
        let token = new_token();
        let mut child = Command::new("sh")
            .args(["-c", "setsid sleep 30 >/dev/null 2>&1 & sleep 30"])
            .env(TOKEN_VARIABLE, &token)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let needle = format!("{TOKEN_VARIABLE}={token}");
        let started = std::time::Instant::now();
        while processes_with(&needle).len() < 3 && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(processes_with(&needle).len(), 3, "sh and two sleeps");
        assert!(kill_all_with_token(&token, child.id()) >= 3);
        let _ = child.wait();
        assert!(processes_with(&needle).is_empty());
    }
}
