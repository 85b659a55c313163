//! A warm parent: one `python3 seedscope_warm.py` that has imported a script's heavy modules
//! and forks a child per run (issue 47). This file starts it, hands it a run (argv,
//! environment, working folder and output pipes) and reads back the child's pid and exit.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::fd::BorrowedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::warm_fds::send_with_fds;

/// The fork server, written into the parent's private folder before it starts.
const SERVER: &str = include_str!("../../../assets/command/seedscope_warm.py");

/// What the warm parent imports before the first run.
pub enum Preload<'a> {
    /// These modules.
    Modules(&'a [String]),
    /// The third-party modules this script imports at its top level (read, not run).
    ImportsOf(&'a Path),
}

/// Why runs go cold: said once, in a line.
#[derive(Debug, thiserror::Error)]
pub enum WarmError {
    #[error("warm start unavailable: {0}")]
    Cold(String),
    #[error("warm start failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A started warm parent, killed when dropped.
pub struct WarmParent {
    process: Child,
    /// The other end of the parent's stdin: it closes when seedscope ends, however it
    /// ends, and the parent exits then (PR_SET_PDEATHSIG would fire when the thread that
    /// started it ends, and the pool lends parents across worker threads).
    _lifeline: std::process::ChildStdin,
    /// In the parent's environment as `SEEDSCOPE_RUN_TOKEN`, so in every child it forks:
    /// a child's `/proc/PID/environ` stays the parent's whatever environment the child
    /// sets, so a run's forked (not exec'd) descendants are found by this token, not the
    /// run's. One run at a time per parent, so all of them but the parent are the run's.
    pub token: String,
    socket: std::path::PathBuf,
    /// The private folder of the server script, its socket and its own stderr.
    _folder: tempfile::TempDir,
}

/// A run forked by a warm parent: its pid, and the connection its exit arrives on.
pub struct WarmChild {
    pub pid: u32,
    replies: BufReader<UnixStream>,
}

/// How a warm child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmExit {
    Code(i32),
    Signal(i32),
}

impl WarmParent {
    /// Starts `python` on the server with `environment` (the environment class's: what
    /// libraries read at import), and waits for it to import `preload` and listen.
    pub fn start(
        python: &str,
        environment: &BTreeMap<String, String>,
        preload: Preload<'_>,
    ) -> Result<WarmParent, WarmError> {
        let folder = tempfile::Builder::new()
            .prefix("seedscope-warm-")
            .tempdir()?;
        let server = folder.path().join("seedscope_warm.py");
        std::fs::write(&server, SERVER)?;
        let socket = folder.path().join("socket");
        let said_path = folder.path().join("stderr");
        let mut command = Command::new(python);
        command.arg(&server).arg(&socket);
        match preload {
            Preload::Modules(names) => command.arg("--preload").arg(names.join(",")),
            Preload::ImportsOf(script) => command.arg("--script").arg(script),
        };
        let token = super::tree::new_token();
        command
            .env_clear()
            .envs(environment)
            .env(super::tree::TOKEN_VARIABLE, &token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its own output (an import's warnings, a crash) is not a run's, and not for
            // seedscope's terminal: kept, and quoted if it does not start.
            .stderr(std::fs::File::create(&said_path)?);
        // A known child, not an orphan for the reaper to take (`tree::spawn_leader`).
        let mut process = super::tree::spawn_leader(|| command.spawn(), Child::id)?;
        let mut first = String::new();
        let lifeline = process.stdin.take().expect("stdin was piped");
        let stdout = process.stdout.take().expect("stdout was piped");
        BufReader::new(stdout).read_line(&mut first)?;
        // Held from here, so that any way out below stops it (Drop).
        let parent = WarmParent {
            process,
            _lifeline: lifeline,
            token,
            socket,
            _folder: folder,
        };
        let said: serde_json::Value = serde_json::from_str(&first).map_err(|_| {
            let stderr = std::fs::read_to_string(&said_path).unwrap_or_default();
            let last = stderr.lines().rev().find(|line| !line.trim().is_empty());
            WarmError::Cold(format!(
                "the warm parent did not start: {}",
                last.unwrap_or("it ended without a word").trim()
            ))
        })?;
        if let Some(reason) = said.get("cold").and_then(|r| r.as_str()) {
            return Err(WarmError::Cold(reason.to_string()));
        }
        Ok(parent)
    }

    /// The parent's pid.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Whether the parent still runs (it may have been killed, or crashed).
    pub fn alive(&mut self) -> bool {
        matches!(self.process.try_wait(), Ok(None))
    }

    #[cfg(test)]
    pub fn kill_for_test(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        super::tree::leader_reaped(self.process.id());
    }

    /// Forks a child that runs `argv` (the script first, as `sys.argv`) in `cwd` with exactly
    /// `environment`, its stdout and stderr the descriptors given.
    pub fn launch(
        &self,
        argv: &[String],
        environment: &BTreeMap<String, String>,
        cwd: &Path,
        (stdout, stderr): (BorrowedFd<'_>, BorrowedFd<'_>),
    ) -> Result<WarmChild, WarmError> {
        let stream = UnixStream::connect(&self.socket)?;
        let mut request = serde_json::to_vec(&serde_json::json!({
            "argv": argv,
            "env": environment,
            "cwd": cwd,
        }))
        .map_err(std::io::Error::other)?;
        request.push(b'\n');
        send_with_fds(&stream, &request, &[stdout, stderr])?;
        let mut replies = BufReader::new(stream);
        let pid = read_reply(&mut replies)?
            .get("pid")
            .and_then(|p| p.as_u64())
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| WarmError::Cold("the warm parent did not fork the run".into()))?;
        Ok(WarmChild { pid, replies })
    }
}

impl Drop for WarmParent {
    fn drop(&mut self) {
        self.stop();
    }
}

impl WarmChild {
    /// Blocks until the child has exited; it stays unreaped (its group id reserved) until
    /// this is dropped.
    pub fn wait_exit(&mut self) -> Result<WarmExit, WarmError> {
        let reply = read_reply(&mut self.replies)?;
        let number = |key: &str| reply.get(key).and_then(|v| v.as_i64()).map(|v| v as i32);
        match (number("exit"), number("signal")) {
            (Some(code), _) => Ok(WarmExit::Code(code)),
            (None, Some(signal)) => Ok(WarmExit::Signal(signal)),
            _ => Err(WarmError::Cold(format!("the warm parent said {reply}"))),
        }
    }
}

impl Drop for WarmChild {
    fn drop(&mut self) {
        // Closing the connection tells the parent to reap the child.
        let _ = self.replies.get_mut().shutdown(std::net::Shutdown::Both);
    }
}

fn read_reply(replies: &mut BufReader<UnixStream>) -> Result<serde_json::Value, WarmError> {
    let mut line = String::new();
    if replies.read_line(&mut line)? == 0 {
        return Err(WarmError::Cold(
            "the warm parent closed the connection".into(),
        ));
    }
    serde_json::from_str(&line).map_err(|e| WarmError::Cold(format!("a bad reply ({e})")))
}

/// Writes `text` to a file; a small helper of the tests below.
#[cfg(test)]
fn write(path: &Path, text: &str) {
    use std::io::Write;
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsFd;

    fn environment(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut environment: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k == "PATH" || k == "HOME")
            .collect();
        environment.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        environment
    }

    /// A script forked warm gets its argv, environment and folder, writes to its own pipes,
    /// and its exit code comes back; an uncaught exception exits 1 with the traceback.
    #[test]
    fn a_warm_child_runs_the_script_as_main() {
        let folder = tempfile::tempdir().unwrap();
        let script = folder.path().join("script.py");
        write(
            &script,
            "import os, sys\n\
             print('argv', sys.argv[1:], 'run', os.environ['RUN'], 'cwd', os.getcwd())\n\
             print('name', __name__, file=sys.stderr)\n\
             if sys.argv[1] == 'fail': raise ValueError('boom')\n\
             sys.exit(int(sys.argv[1]))\n",
        );
        let parent =
            WarmParent::start("python3", &environment(&[]), Preload::ImportsOf(&script)).unwrap();
        let run = |argument: &str| {
            let (mut out_read, out_write) = std::io::pipe().unwrap();
            let (mut err_read, err_write) = std::io::pipe().unwrap();
            let argv = vec![script.display().to_string(), argument.to_string()];
            let mut child = parent
                .launch(
                    &argv,
                    &environment(&[("RUN", argument)]),
                    folder.path(),
                    (out_write.as_fd(), err_write.as_fd()),
                )
                .unwrap();
            drop((out_write, err_write));
            let exit = child.wait_exit().unwrap();
            // Exited but not reaped: it still leads its own group, which a kill can name.
            // SAFETY: getpgid only reads the process table.
            let group = unsafe { libc::getpgid(child.pid as libc::pid_t) };
            assert_eq!(
                group, child.pid as libc::pid_t,
                "the child leads a group of its own"
            );
            drop(child);
            let (mut out, mut err) = (String::new(), String::new());
            out_read.read_to_string(&mut out).unwrap();
            err_read.read_to_string(&mut err).unwrap();
            (exit, out, err)
        };
        let (exit, out, err) = run("3");
        assert_eq!(exit, WarmExit::Code(3));
        let cwd = folder.path().canonicalize().unwrap();
        assert_eq!(
            out.trim(),
            format!("argv ['3'] run 3 cwd {}", cwd.display())
        );
        assert_eq!(err.trim(), "name __main__");
        let (exit, _, err) = run("fail");
        assert_eq!(exit, WarmExit::Code(1));
        assert!(err.contains("ValueError: boom"), "{err}");
    }

    /// A grandchild the warm child forked without exec, which left the group (setsid), is
    /// found by the parent's token and killed; the parent is spared and serves the next run.
    #[test]
    fn a_forked_grandchild_that_escaped_is_killed_and_the_parent_spared() {
        let folder = tempfile::tempdir().unwrap();
        let script = folder.path().join("escape.py");
        write(
            &script,
            "import os, sys, time\n\
             pid = os.fork()\n\
             if pid == 0:\n\
             \x20   os.setsid()\n\
             \x20   time.sleep(60)\n\
             \x20   os._exit(0)\n\
             open('grandchild', 'w').write(str(pid))\n",
        );
        let parent =
            WarmParent::start("python3", &environment(&[]), Preload::ImportsOf(&script)).unwrap();
        let run = || {
            let (_out_read, out_write) = std::io::pipe().unwrap();
            let (_err_read, err_write) = std::io::pipe().unwrap();
            let argv = vec![script.display().to_string()];
            let mut child = parent
                .launch(
                    &argv,
                    &environment(&[]),
                    folder.path(),
                    (out_write.as_fd(), err_write.as_fd()),
                )
                .unwrap();
            assert_eq!(child.wait_exit().unwrap(), WarmExit::Code(0));
            let killed = crate::engine::command::tree::kill_all_with_token_sparing(
                &parent.token,
                child.pid,
                Some(parent.pid()),
            );
            let grandchild: i32 = std::fs::read_to_string(folder.path().join("grandchild"))
                .unwrap()
                .parse()
                .unwrap();
            (killed, grandchild)
        };
        let (killed, grandchild) = run();
        assert!(
            killed >= 1,
            "the escaped grandchild was not found by the token"
        );
        let state = || {
            std::fs::read_to_string(format!("/proc/{grandchild}/stat"))
                .ok()
                .and_then(|s| s.rsplit(')').next().map(|t| t.trim().chars().next()))
                .flatten()
        };
        for _ in 0..100 {
            if matches!(state(), None | Some('Z') | Some('X')) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            matches!(state(), None | Some('Z') | Some('X')),
            "the grandchild {grandchild} is still alive"
        );
        // The parent was spared: a second run is forked by it.
        let (killed, _) = run();
        assert!(killed >= 1);
    }

    /// An import that fails sends the runs cold, with the reason.
    #[test]
    fn a_failed_preload_goes_cold_with_the_reason() {
        let names = vec!["no_such_module_for_seedscope".to_string()];
        let Err(WarmError::Cold(reason)) =
            WarmParent::start("python3", &environment(&[]), Preload::Modules(&names))
        else {
            panic!("a missing module must go cold");
        };
        assert!(reason.contains("no_such_module_for_seedscope"), "{reason}");
    }
}
